#!/usr/bin/env bash
# Training epoch time on the CPU: yoloc train against Ultralytics' trainer,
# YOLOv8n from scratch on the bundled coco8 (4 training images: one batch of
# 16 and one validation batch per epoch), imgsz 320, EPOCHS epochs, plots
# off, the same compute threads (YOLOC_THREADS / torch.set_num_threads). The
# epoch time is the mean of epochs 2..N from each run's results.csv time
# column (validation included; the first epoch's start-up excluded). Runs
# alternate, the best of ROUNDS is kept for each side (the machine is shared).
# Prints the ratio reference / yoloc (above 1: yoloc is faster).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
threads=${YOLOC_THREADS:-$(nproc)}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-6}
py=${REF_PYTHON:-.venv-ref/bin/python}
have_ref=0
"$py" -c "import torch, ultralytics" 2>/dev/null && have_ref=1
[ -x bin/yoloc ] || { echo "train: bin/yoloc is missing (run make)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ours_epoch() {
    local dir="$tmp/ours$1"
    YOLOC_THREADS=$threads bin/yoloc train model=yolov8n.yaml data=coco8.yaml epochs="$epochs" imgsz=320 \
        device=cpu plots=false project="$dir" name=r >/dev/null 2>&1 || { echo "nan"; return; }
    awk -F, 'NR == 2 { first = $2 } END { printf "%.3f", ($2 - first) / (NR - 2) }' "$dir/r/results.csv"
}
best() { printf '%s\n' "$@" | grep -v nan | sort -g | head -n 1; }
ours=() theirs=()
for ((r = 0; r < rounds; r++)); do
    ours+=("$(ours_epoch "$r")")
    if [ $have_ref = 1 ]; then
        theirs+=("$(OMP_NUM_THREADS=$threads "$py" tools/bench/train_ref.py yolov8n.yaml share/datasets/coco8.yaml \
            "$epochs" 320 "$threads" 2>/dev/null | sed -n 's/^ref epoch_s //p')")
    fi
done
y=$(best "${ours[@]}")
if [ $have_ref = 1 ]; then
    t=$(best "${theirs[@]}")
    ratio=$(awk -v t="$t" -v y="$y" 'BEGIN { printf "%.2f", t / y }')
    echo "yolov8n coco8 imgsz 320 epoch (train + val), threads $threads: yoloc $y s, ultralytics $t s, ultralytics/yoloc $ratio"
else
    echo "yolov8n coco8 imgsz 320 epoch (train + val), threads $threads: yoloc $y s (reference: no .venv-ref)"
fi
