#!/usr/bin/env bash
# Plot rendering: milliseconds to render and encode results.png and
# PR_curve.png from a run's files, yoloc (cairo + libpng, tests/bin/plot_bench)
# against Ultralytics' matplotlib plots of the same files (tools/bench/plot_peer.py
# in .venv-ref), in the same run. The run: 100 epochs, 20 classes (all named in
# the PR legend), 1000 curve points, made by tests/bin/track_script.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
reps=${PLOT_BENCH_REPS:-20}
peer_reps=${PLOT_BENCH_PEER_REPS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python - "$work/validation.json" <<'PY'
import pathlib, sys
sys.path.insert(0, "tests/py")
from tracking_helpers import make_validation
names = [f"class{i}" for i in range(20)]
make_validation(pathlib.Path(sys.argv[1]), names=names, rows=tuple(range(20)))
PY
run=$(tests/bin/track_script project="$work/proj" epochs=100 batches=1 images=0 validation="$work/validation.json")
ours=$(tests/bin/plot_bench run="$run" reps="$reps")
echo "yoloc  (cairo+libpng, mean of $reps): $ours"
if [ ! -x .venv-ref/bin/python ]; then
    echo "plot: peer skipped: .venv-ref missing (make ref-env)"
    exit 0
fi
peer=$(.venv-ref/bin/python tools/bench/plot_peer.py "$run" "$peer_reps" 2>/dev/null | tail -n 1)
echo "peer   (ultralytics matplotlib, mean of $peer_reps): $peer"
python3 - "$ours" "$peer" <<'PY'
import sys
ours = dict(kv.split("=") for kv in sys.argv[1].split())
peer = dict(kv.split("=") for kv in sys.argv[2].split())
for key, name in [("results_ms", "results.png"), ("pr_ms", "PR_curve.png")]:
    o, p = float(ours[key]), float(peer[key])
    print(f"plot {name}: yoloc {o:.1f} ms, matplotlib {p:.1f} ms, {p / o:.1f}x faster")
PY
