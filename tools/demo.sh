#!/usr/bin/env bash
# The main job, run by `make demo`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo "demo: built $(bin/yoloc version | head -1)"
echo "demo: the arguments of the quick-start training, resolved:"
bin/yoloc cfg model=yolov8n.yaml data=coco8.yaml epochs=3 imgsz=320 device=cpu | sed 's/^/    /' | head -12
echo "demo: (training and the notebook join this demo as the trainer and kernel land)"
