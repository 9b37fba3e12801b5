#!/usr/bin/env bash
# The main job, run by `make demo` (after `make deps`, the build and `make
# install-kernel`): executes notebooks/01_quickstart.ipynb on the yoloc
# kernel with nbclient (YOLOv8n trained from scratch on the bundled BCCD on
# the CPU, about three minutes on two cores; its plots, a validation and
# predictions), saves the executed notebook as
# notebooks/01_quickstart.executed.ipynb and says where the run, its plots
# and its TensorBoard logs are.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python=${PYTHON:-$root/.venv/bin/python}
notebook=notebooks/01_quickstart.ipynb
executed=notebooks/01_quickstart.executed.ipynb
project=notebooks/runs/detect
run=$project/quickstart
echo "demo: built $(bin/yoloc version | head -1)"
echo "demo: executing $notebook on the yoloc kernel (nbclient): YOLOv8n trains on BCCD,"
echo "      about three minutes on two CPU cores..."
"$python" tools/run-notebook.py "$notebook"
[ -f "$executed" ] || { echo "demo: $executed was not written" >&2; exit 1; }
[ -f "$run/run.json" ] || { echo "demo: the notebook's run $run is missing" >&2; exit 1; }
echo "demo: the executed notebook (outputs, plots and all): $executed"
echo "demo: the run: $run"
bin/yoloc runs "project=$project" | sed 's/^/    /'
echo "demo: its weights: $run/weights/best.safetensors, last.safetensors"
echo "demo: its plots:"
for png in "$run"/*.png; do echo "    $png"; done
echo "demo: its TensorBoard logs: $(ls "$run"/events.out.tfevents.* | head -3 | tr '\n' ' ')"
tensorboard=tensorboard
[ -x "$root/.venv/bin/tensorboard" ] && tensorboard=.venv/bin/tensorboard
echo "demo: to browse them:  $tensorboard --logdir $project   (then open http://localhost:6006)"
echo "demo: the other notebooks (multi-GPU options and background jobs, result analysis) are in notebooks/;"
echo "      open them in Jupyter with the 'YOLO (C)' kernel (make install-kernel installed it)."
