#!/usr/bin/env bash
# Prediction: milliseconds per image (preprocess, inference, postprocess) of
# `yoloc predict` against the reference's YOLO.predict (tools/bench/predict_ref.py
# in .venv-ref), same weights (a YOLOv8n from a short yoloc training), same
# images (coco8's 8, at imgsz 640), same CPU thread count, in the same run.
# Noisy on a shared machine: compare the ratio, re-measure before quoting.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
reps=${PREDICT_BENCH_REPS:-3}
threads=${PREDICT_BENCH_THREADS:-$(nproc)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/images"
mkdir -p "$src"
cp share/datasets/coco8/images/train/*.jpg share/datasets/coco8/images/val/*.jpg "$src"/
(cd "$work" && "$root/bin/yoloc" train model=yolov8n.yaml data=coco8.yaml epochs=1 imgsz=64 batch=4 device=cpu \
    plots=false name=w >/dev/null)
weights="$work/runs/detect/w/weights/best.safetensors"
sum() { awk '/^Speed:/ {gsub("ms", ""); p += $2; i += $4; q += $6; n++} END {printf "preprocess_ms=%.2f inference_ms=%.2f postprocess_ms=%.2f\n", p / n, i / n, q / n}'; }
out=$(for r in $(seq 0 "$reps"); do
    YOLOC_THREADS=$threads bin/yoloc predict model="$weights" source="$src" imgsz=640 save=false device=cpu
done | awk 'BEGIN {skip = 1} /^Speed:/ {if (skip) {skip = 0; next}} {print}' | sum)
echo "yoloc  ($threads threads, mean of $reps passes over 8 images): $out"
if [ ! -x .venv-ref/bin/python ]; then
    echo "predict: peer skipped: .venv-ref missing (make ref-env)"
    exit 0
fi
peer=$(cd "$work" && "$root/.venv-ref/bin/python" "$root/tools/bench/predict_ref.py" "$weights" "$src" 640 "$reps" "$threads" 2>/dev/null | tail -n 1)
echo "peer   (ultralytics, torch $threads threads, mean of $reps passes): $peer"
python3 - "$out" "$peer" <<'PY'
import sys
ours = dict(kv.split("=") for kv in sys.argv[1].split())
peer = dict(kv.split("=") for kv in sys.argv[2].split())
for key in ("preprocess_ms", "inference_ms", "postprocess_ms"):
    o, p = float(ours[key]), float(peer[key])
    print(f"predict {key[:-3]}: yoloc {o:.2f} ms, reference {p:.2f} ms per image, ratio reference/yoloc {p / o:.2f}")
PY
