#!/usr/bin/env bash
# Validation post-processing against the reference, same inputs, same run:
#  1. NMS with the validation settings (conf 0.001, iou 0.7, multi-label,
#     max_det 300) on decoded COCO-like head outputs (80 classes, 640x640,
#     8400 anchors, 8 images): yoloc's yc_nms_image vs Ultralytics'
#     non_max_suppression with torchvision NMS (torch CPU), microseconds per
#     image, for a trained-like model and an early-training one (> 30000
#     candidates, max_nms truncation).
#  2. COCO evaluation of 1000 images x 100 detections: yoloc cocoeval vs pycocotools.
# Needs .venv-ref (make ref-env) for the NMS peer; .venv (make deps) for pycocotools.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ref=${REF_PYTHON:-.venv-ref/bin/python}
py=.venv/bin/python
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", b / a }'; }

if [ -x "$ref" ]; then
    for kind in trained early; do
        repeats=5
        [ "$kind" = early ] && repeats=1
        "$ref" tools/bench/metrics_peer.py gen-nms "$tmp/$kind.safetensors" "$kind"
        both=$(tests/bin/bench_nms "$tmp/$kind.safetensors" 5)
        ours=$(head -n 1 <<<"$both")
        peer=$("$ref" tools/bench/metrics_peer.py nms "$tmp/$kind.safetensors" "$repeats" | tail -n 1)
        a=$(awk '{print $2}' <<<"$ours")
        b=$(awk '{print $2}' <<<"$peer")
        echo "nms ($kind): yoloc $a us/image ($ours) | reference $b us/image ($peer) | yoloc faster by $(ratio "$a" "$b")"
        echo "metrics ($kind, no peer): $(tail -n 1 <<<"$both")"
    done
else
    echo "nms: skipped: no reference environment ($ref); run make ref-env"
fi

"$py" tools/bench/metrics_peer.py gen-coco "$tmp" 1000
t0=$(date +%s.%N)
bin/yoloc cocoeval gt="$tmp/gt.json" pred="$tmp/dt.json" json="$tmp/ours.json" >/dev/null
t1=$(date +%s.%N)
"$py" - "$tmp" <<'PY'
import contextlib, io, json, sys
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
d = sys.argv[1]
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(f"{d}/gt.json"); ev = COCOeval(gt, gt.loadRes(f"{d}/dt.json"), "bbox")
    ev.evaluate(); ev.accumulate(); ev.summarize()
ours = json.load(open(f"{d}/ours.json"))
diff = max(abs(a - b) for a, b in zip(ours.values(), ev.stats))
print(f"{diff:.3g}", file=open(f"{d}/diff", "w"))
PY
t2=$(date +%s.%N)
a=$(awk -v x="$t0" -v y="$t1" 'BEGIN { printf "%.2f", y - x }')
b=$(awk -v x="$t1" -v y="$t2" 'BEGIN { printf "%.2f", y - x }')
echo "cocoeval (1000 images, 100k detections): yoloc ${a}s | pycocotools ${b}s (load+evaluate+accumulate) | yoloc faster by $(ratio "$a" "$b") | max |diff| $(cat "$tmp/diff")"
