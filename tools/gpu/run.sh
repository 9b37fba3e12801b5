#!/usr/bin/env bash
# The GPU session's one command (docs/CUDA.md): unpacks gpu-bundle/ (make
# gpu-bundle), records the machine, runs the CUDA backend's tests, the parity
# fixtures on the GPU, the benchmark against PyTorch and the bf16-vs-fp32
# training comparison, and writes everything under OUT:
#   tools/gpu/run.sh [all|tests|bench|amp] OUT
# OUT/SUMMARY.txt lists each stage's result; each stage has its own log. Exit
# status: 0 when every stage that ran passed. Without a GPU every stage says
# "skipped: no CUDA device" (which is how this script is checked off the GPU
# machine). Each stage stays well under the machine's 10-minute command limit;
# `all` runs them in order (about 5 minutes on an H100).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
stage=${1:-all}
out=${2:-${OUT:-gpu-results}}
bundle=$root/gpu-bundle
case $stage in all | tests | bench | amp) ;; *) echo "usage: tools/gpu/run.sh [all|tests|bench|amp] OUT" >&2; exit 2 ;; esac
[ -f "$bundle/payload.tar.xz" ] || { echo "run.sh: $bundle/payload.tar.xz is missing: make gpu-bundle (and carry gpu-bundle)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
summary=$out/SUMMARY.txt
note() { echo "$*" | tee -a "$summary"; }

# ---- unpack, libraries, environment ----
work=$bundle/unpacked
if [ ! -f "$work/.done" ] || [ "$bundle/payload.tar.xz" -nt "$work/.done" ]; then
    rm -rf "$work" && mkdir -p "$work" && tar -C "$work" -xJf "$bundle/payload.tar.xz" && touch "$work/.done"
fi
py=python3
pydir() { "$py" -c "import os, importlib; m = importlib.import_module('$1'); print(os.path.join(os.path.dirname(m.__file__), 'lib'))" 2>/dev/null; }
ldpath=$work/lib
for mod in nvidia.cudnn nvidia.cublas nvidia.cuda_runtime nvidia.nccl nvidia.cu13; do
    d=$(pydir "$mod") && [ -d "$d" ] && ldpath=$ldpath:$d
done
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do [ -d "$d" ] && ldpath=$ldpath:$d; done
export YOLOC_HOME=$root
ours() { LD_LIBRARY_PATH="$ldpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; }
pylib=$work/pylib
if [ ! -d "$pylib/ultralytics" ]; then
    "$py" -m pip install -q --no-index --no-deps --target "$pylib" "$bundle"/wheels/*.whl >"$out/pip.log" 2>&1 ||
        echo "run.sh: installing the wheels failed (see pip.log); the PyTorch peer will be missing"
fi

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -a)"
    nvidia-smi 2>&1 | head -n 20
    echo "nvcc: $(nvcc --version 2>/dev/null | tail -n 1)"
    echo "python: $("$py" --version 2>&1); torch: $("$py" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.backends.cudnn.version())' 2>&1 | tail -n 1)"
    echo "library path for yoloc: $ldpath"
    echo "bundle:"; sed 's/^/  /' "$bundle/MANIFEST"
} >"$out/device.txt" 2>&1

# every program must find its libraries
missing=$(for p in "$work"/bin/* "$work"/tests/*; do ours ldd "$p" | grep 'not found' | sed "s|^|$(basename "$p"): |"; done)
if [ -n "$missing" ]; then
    note "preflight: FAIL: libraries not found:"
    note "$missing"
    exit 1
fi
devices=$(ours "$work/tests/test_cuda_backend" 2>&1 | sed -n 's/^CUDA devices: //p')
note "preflight: ok ($(ours "$work/bin/yoloc" version | tail -n 1); CUDA devices: ${devices:-?})"
failed=0
run_stage() { # name, command...: log to OUT/name.txt, one summary line
    local name=$1
    shift
    local start=$SECONDS
    "$@" >"$out/$name.txt" 2>&1
    local rc=$?
    local last
    last=$(grep -E 'passed|failed|skipped|FAIL' "$out/$name.txt" | tail -n 1)
    if [ $rc -eq 0 ] || [ $rc -eq 77 ]; then note "$name: ok ($((SECONDS - start)) s) ${last}"
    else note "$name: FAILED (exit $rc, $((SECONDS - start)) s) ${last}"; failed=1; fi
}

if [ "$stage" = all ] || [ "$stage" = tests ]; then
    run_stage test_cuda_backend ours "$work/tests/test_cuda_backend"
    run_stage gpu_check ours "$work/tests/gpu_check" -v
    if [ "${devices:-0}" -gt 0 ]; then
        run_stage parity_gpu ours "$work/tests/parity" --device cuda:0 tests/fixtures/model/*.safetensors tests/fixtures/optim/*.safetensors
    else
        note "parity_gpu: skipped: no CUDA device"
    fi
fi
if [ "$stage" = all ] || [ "$stage" = bench ]; then
    run_stage bench env YOLOC_GPU_TESTS="$work/tests" YOLOC_GPU_BIN="$work/bin/yoloc" YOLOC_LD_PATH="$ldpath" \
        YOLOC_TORCH_PYTHON="$py" YOLOC_TORCH_PYTHONPATH="$pylib" YOLOC_BENCH_DATA="$work/data/bccd" \
        YOLOC_BENCH_JSON="$out/bench.jsonl" bash tools/bench/gpu.sh
    grep '^gpu: ' "$out/bench.txt" | tee -a "$summary" >/dev/null
fi
if [ "$stage" = all ] || [ "$stage" = amp ]; then
    run_stage amp_coco8 env YOLOC_GPU_BIN="$work/bin/yoloc" YOLOC_LD_PATH="$ldpath" YOLOC_COCO8="$work/data/coco8" \
        bash tools/check-long/gpu-amp.sh
fi
note "done: $([ $failed = 0 ] && echo 'every stage passed or was skipped' || echo 'some stages FAILED')"
exit $failed
