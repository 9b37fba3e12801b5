#!/usr/bin/env bash
# Model training-step speed on this CPU: forward + backward milliseconds per
# image of YOLOv8n at imgsz 320 (batch 8) and 640 (batch 4), yoloc
# (tests/bin/model_bench) against torch running the Ultralytics model with the
# same thread count (tools/bench/model_torch.py, when .venv-ref exists). Runs
# alternate and the best of ROUNDS is kept for each side, because the machine
# is shared. Prints the ratio torch / yoloc (above 1: yoloc is faster).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
threads=${YOLOC_THREADS:-$(nproc)}
rounds=${ROUNDS:-3}
py=${REF_PYTHON:-.venv-ref/bin/python}
have_torch=0
"$py" -c "import torch, ultralytics" 2>/dev/null && have_torch=1
[ -x tests/bin/model_bench ] || { echo "model: tests/bin/model_bench is missing (run make)"; exit 1; }
ms() { sed -n 's/.*: \([0-9.]*\) ms\/image.*/\1/p'; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
for case in "320 8 3" "640 4 2"; do
    set -- $case
    size=$1 batch=$2 iters=$3
    ours=() theirs=()
    for ((r = 0; r < rounds; r++)); do
        ours+=("$(tests/bin/model_bench yolov8n.yaml "$size" "$batch" "$iters" "$threads" | ms)")
        if [ $have_torch = 1 ]; then
            theirs+=("$("$py" tools/bench/model_torch.py yolov8n.yaml "$size" "$batch" "$iters" "$threads" 2>/dev/null | ms)")
        fi
    done
    y=$(best "${ours[@]}")
    if [ $have_torch = 1 ]; then
        t=$(best "${theirs[@]}")
        ratio=$(awk -v t="$t" -v y="$y" 'BEGIN { printf "%.2f", t / y }')
        echo "yolov8n train step imgsz $size batch $batch threads $threads: yoloc $y ms/image, torch $t ms/image, torch/yoloc $ratio"
    else
        echo "yolov8n train step imgsz $size batch $batch threads $threads: yoloc $y ms/image (torch: no .venv-ref)"
    fi
done
