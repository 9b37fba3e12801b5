#!/usr/bin/env bash
# Data loader throughput: the training transform (mosaic + random perspective
# + HSV + flips, imgsz 640, batch 16, the reference's default hyperparameters)
# on BCCD's 205 training images, for yoloc (tests/bin/loader_bench) and the
# reference (ultralytics' build_dataloader, tools/bench/loader_ref.py) in the
# same run:
#   per core:  workers=1, images per CPU-second (all threads / processes)
#   all cores: workers=<cores>, images per second of wall time
# Both read the same copy of the dataset in a temporary directory (the
# reference writes its label cache there, not into share/).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ref=${REF_PYTHON:-.venv-ref/bin/python}
cores=$(nproc)
batches=${LOADER_BENCH_BATCHES:-40}
work=$(mktemp -d "${TMPDIR:-/tmp}/yoloc-bench-loader.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r share/datasets/bccd "$work/bccd"
printf 'path: %s\ntrain: images/train\nval: images/val\nnames:\n  0: Platelets\n  1: RBC\n  2: WBC\n' "$work/bccd" > "$work/bccd.yaml"

rate() { sed -n "s/.*: \([0-9.]*\) wall, \([0-9.]*\) per CPU-second.*/\\$1/p"; }

ours1=$(tests/bin/loader_bench data="$work/bccd.yaml" workers=1 batches="$batches")
oursN=$(tests/bin/loader_bench data="$work/bccd.yaml" workers="$cores" batches="$batches")
echo "yoloc     workers=1:      $ours1"
echo "yoloc     workers=$cores:      $oursN"
if [ ! -x "$ref" ]; then
    echo "loader: no reference environment ($ref; make ref-env): yoloc figures only"
    exit 0
fi
ref1=$("$ref" tools/bench/loader_ref.py --data "$work/bccd.yaml" --workers 1 --batches "$((batches * 3 / 4))" 2>/dev/null | tail -n 1)
refN=$("$ref" tools/bench/loader_ref.py --data "$work/bccd.yaml" --workers "$cores" --batches "$((batches * 3 / 4))" 2>/dev/null | tail -n 1)
echo "reference workers=1:      $ref1"
echo "reference workers=$cores:      $refN"
a=$(rate 2 <<<"$ours1"); b=$(rate 2 <<<"$ref1"); c=$(rate 1 <<<"$oursN"); d=$(rate 1 <<<"$refN")
awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v n="$cores" 'BEGIN {
    printf "loader per core (images per CPU-second): yoloc %.1f, reference %.1f, ratio %.2fx\n", a, b, a / b
    printf "loader all %d cores (images/s, wall):     yoloc %.1f, reference %.1f, ratio %.2fx\n", n, c, d, c / d }'
