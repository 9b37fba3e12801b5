#!/usr/bin/env bash
# The main job, run by `make demo`: the quick-start training on the CPU
# (YOLOv8n from scratch on the bundled coco8, 3 epochs at 320 px: seconds),
# then a validation of its best weights.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo "demo: built $(bin/yoloc version | head -1)"
echo "demo: the arguments of the quick-start training, resolved:"
bin/yoloc cfg model=yolov8n.yaml data=coco8.yaml epochs=3 imgsz=320 device=cpu | sed 's/^/    /' | head -12
echo "demo: training (runs/detect/demo):"
bin/yoloc train model=yolov8n.yaml data=coco8.yaml epochs=3 imgsz=320 device=cpu name=demo exist_ok=true
echo "demo: validating its best weights:"
bin/yoloc val model=runs/detect/demo/weights/best.safetensors data=coco8.yaml imgsz=320 name=demo_val exist_ok=true
echo "demo: the run: runs/detect/demo (tensorboard --logdir runs/detect); the notebooks: notebooks/ (make install-kernel)"
