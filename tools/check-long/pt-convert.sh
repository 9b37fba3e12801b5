#!/usr/bin/env bash
# share/tools/pt_to_safetensors.py on a real Ultralytics checkpoint (one epoch
# of YOLOv8n on coco8, made here), then yoloc's outputs from the converted
# weights against the checkpoint's own. Needs the reference environment.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
py=${REF_PYTHON:-.venv-ref/bin/python}
if ! "$py" -c "import torch, ultralytics" 2>/dev/null; then
    echo "pt-convert: skipped: no reference environment (make ref-env)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" tests/parity/check_pt_conversion.py "$work" 2>&1 | tail -2
tests/bin/parity "$work/converted-eval.safetensors"
