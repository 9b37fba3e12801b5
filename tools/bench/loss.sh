#!/usr/bin/env bash
# Detection loss with gradients (B=16, 640x640, nc=80, 8 boxes per image):
# yoloc's yc_det_loss_compute (one thread) against Ultralytics'
# v8DetectionLoss forward + backward in torch (CPU), on the same input.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -x .venv-ref/bin/python ]; then
    echo "loss: skipped: the peer needs .venv-ref (make ref-env)"
    exit 0
fi
[ -x tests/bin/bench_loss ] || make --no-print-directory tests/bin/bench_loss
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
peer=$(.venv-ref/bin/python tools/bench/loss_peer.py "$tmp/input.safetensors" 2>/dev/null)
ours=$(tests/bin/bench_loss "$tmp/input.safetensors" 5)
echo "$peer"
echo "yoloc 1 thread $ours"
ours_ms=$(echo "$ours" | awk '/^loss\+grad/ {print $2}')
echo "$peer" | awk -v ours="$ours_ms" '{printf "ratio (torch %s thread(s) / yoloc 1 thread): %.1fx\n", $2, $4 / ours}'
