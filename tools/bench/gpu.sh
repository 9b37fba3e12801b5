#!/usr/bin/env bash
# GPU training throughput: images per second of YOLOv8n and YOLOv8s at imgsz
# 640, batch 64, bfloat16, yoloc (build/gpu/tests/gpu_bench) against PyTorch
# running the same Ultralytics model (AMP bf16, channels-last, cudnn.benchmark;
# tools/bench/gpu_torch.py) in the same run on the same GPU, printed as
# yoloc/PyTorch (above 1: yoloc is faster), with the achieved TFLOP/s against
# the GPU's dense bf16 peak.
#   synthetic: uint8 batches already in page-locked memory: the model step alone
#              (yoloc twice: loss gradient stand-in, and the CPU loss it uses today)
#   real:      Ultralytics' own loader on BCCD for PyTorch; yoloc's real-data
#              figure needs `yoloc train` on the GPU (reported as not measured
#              while the training loop cannot run).
# Skips with "skipped: no CUDA device" where there is no GPU.
# Environment: YOLOC_GPU_TESTS (dir of gpu_bench, default build/gpu/tests),
# YOLOC_GPU_BIN (the GPU build's yoloc, default build/gpu/bin/yoloc),
# YOLOC_LD_PATH (library path for yoloc's programs only), YOLOC_TORCH_PYTHON,
# YOLOC_TORCH_PYTHONPATH, YOLOC_BENCH_DATA (a YOLO-layout data set folder with
# images/train and names.txt), YOLOC_BENCH_STEPS, YOLOC_BENCH_MODELS,
# YOLOC_BENCH_JSON (append RESULT lines there).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tests=${YOLOC_GPU_TESTS:-build/gpu/tests}
bench=$tests/gpu_bench
yoloc=${YOLOC_GPU_BIN:-build/gpu/bin/yoloc}
steps=${YOLOC_BENCH_STEPS:-30}
models=${YOLOC_BENCH_MODELS:-yolov8n yolov8s}
json=${YOLOC_BENCH_JSON:-/dev/null}
py=${YOLOC_TORCH_PYTHON:-}
if [ -z "$py" ]; then
    for candidate in .venv-ref/bin/python python3; do
        command -v "$candidate" >/dev/null 2>&1 && { py=$candidate; break; }
    done
fi
ours() { LD_LIBRARY_PATH="${YOLOC_LD_PATH:-}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" YOLOC_HOME="$root" "$@"; }
theirs() { PYTHONPATH="${YOLOC_TORCH_PYTHONPATH:-}${PYTHONPATH:+:$PYTHONPATH}" "$py" "$@"; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
result() { sed -n 's/^RESULT //p' | tail -n 1; }

# `yoloc train` on the real data set, start-up and the final validation excluded:
# 3 epochs' images / (time of a 4-epoch run - time of a 1-epoch run).
yoloc_real() {
    local model=$1 data=$2 probe images dir t1 t4
    probe=$(ours "$yoloc" train model=x.yaml data=x.yaml 2>&1 | head -n 1)
    case $probe in *"cannot run train"*) echo "not measured: $probe"; return ;; esac
    images=$(ls "$data/images/train" | wc -l)
    dir=$(mktemp -d)
    for e in 1 4; do
        local start end
        start=$(date +%s.%N)
        if ! ours "$yoloc" train model="$model.yaml" data="$data/data.yaml" epochs=$e batch=64 imgsz=640 amp=true device=0 \
                val=false plots=false workers="${YOLOC_BENCH_WORKERS:-8}" project="$dir" name="e$e" >"$dir/log$e" 2>&1; then
            echo "failed: $(tail -n 1 "$dir/log$e")"
            rm -rf "$dir"
            return
        fi
        end=$(date +%s.%N)
        eval "t$e=\$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' $start $end)"
    done
    rm -rf "$dir"
    python3 -c "import sys; print(f'{3 * int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.1f} img/s (yoloc train, 4 vs 1 epochs of {sys.argv[1]} images)')" "$images" "$t1" "$t4"
}

if [ ! -x "$bench" ]; then
    echo "gpu: skipped: no GPU build ($bench; make gpu-check needs nvcc)"
    exit 0
fi
probe=$(ours "$bench" --steps 1 --warmup 0 --batch 1 --imgsz 64 --model yolov8n.yaml 2>&1)
if [ $? -eq 77 ]; then
    echo "gpu: skipped: no CUDA device"
    exit 0
fi
have_torch=0
[ -n "$py" ] && theirs -c "import torch, ultralytics; assert torch.cuda.is_available()" >/dev/null 2>&1 && have_torch=1
[ $have_torch = 1 ] || echo "gpu: PyTorch with CUDA and ultralytics not importable with ${py:-python3}: yoloc figures only"
echo "gpu: $(ours "$tests/test_cuda_backend" 2>/dev/null | head -n 1); driver $(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n 1)"
data=${YOLOC_BENCH_DATA:-}
status=0
for model in $models; do
    y=$(ours "$bench" --model "$model.yaml" --batch 64 --imgsz 640 --amp bf16 --steps "$steps" --warmup 5 --loss none 2>&1)
    echo "$y" | grep -v '^RESULT' | sed 's/^/  /'
    yr=$(echo "$y" | result)
    [ -n "$yr" ] || { echo "gpu: $model: gpu_bench failed"; status=1; continue; }
    echo "$yr" >>"$json"
    yh=$(ours "$bench" --model "$model.yaml" --batch 64 --imgsz 640 --amp bf16 --steps "$((steps / 3 + 1))" --warmup 2 --loss host 2>&1)
    yhr=$(echo "$yh" | result)
    echo "$yh" | grep -v '^RESULT' | sed 's/^/  /'
    [ -n "$yhr" ] && echo "$yhr" >>"$json"
    if [ $have_torch = 1 ]; then
        peak=$(field "$yr" peak_tflops)
        t=$(theirs tools/bench/gpu_torch.py --model "$model.yaml" --batch 64 --imgsz 640 --dtype bf16 --steps "$steps" --warmup 5 --peak "$peak" 2>/dev/null)
        tr=$(echo "$t" | result)
        echo "$t" | grep -v '^RESULT' | sed 's/^/  /'
        if [ -n "$tr" ]; then
            echo "$tr" >>"$json"
            ratio=$(python3 -c "print(f'{$(field "$yr" images_per_s) / $(field "$tr" images_per_s):.2f}')")
            ratio_h=$([ -n "$yhr" ] && python3 -c "print(f'{$(field "$yhr" images_per_s) / $(field "$tr" images_per_s):.2f}')" || echo "?")
            echo "gpu: $model synthetic bf16 b64 640: yoloc $(field "$yr" images_per_s) img/s ($(field "$yr" tflops) TFLOP/s), PyTorch $(field "$tr" images_per_s) img/s ($(field "$tr" tflops) TFLOP/s) of $peak peak: yoloc/PyTorch $ratio (with yoloc's CPU loss: $ratio_h)"
        else
            echo "gpu: $model: the PyTorch peer failed"
            status=1
        fi
        if [ -n "$data" ] && [ -d "$data/images/train" ]; then
            names=$(cat "$data/names.txt" 2>/dev/null)
            t=$(theirs tools/bench/gpu_torch.py --model "$model.yaml" --batch 64 --imgsz 640 --dtype bf16 --steps "$steps" --warmup 5 --peak "$peak" --data "$data/images/train" ${names:+--names "$names"} --workers "${YOLOC_BENCH_WORKERS:-8}" 2>/dev/null)
            tr=$(echo "$t" | result)
            echo "$t" | grep -v '^RESULT' | sed 's/^/  /'
            [ -n "$tr" ] && echo "$tr" >>"$json"
            echo "gpu: $model real data bf16 b64 640: PyTorch (Ultralytics loader) ${tr:+$(field "$tr" images_per_s) img/s}; yoloc: $(yoloc_real "$model" "$data")"
        fi
    fi
done
exit $status
