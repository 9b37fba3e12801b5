#!/usr/bin/env bash
# Creates .venv-ref: the reference environment (torch, torchvision and the
# ultralytics package from PyPI) used to generate parity fixtures and to run
# the peer side of the benchmarks. Large (several GB); `make test` never needs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.venv-ref
req=$root/tools/ref-requirements.txt
stamp=$venv/.yoloc-requirements
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! cmp -s "$req" "$stamp"; then
    echo "ref-env: installing torch, torchvision and ultralytics into .venv-ref (large download)"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
fi
"$venv/bin/python" -c "import torch, ultralytics; print('ref-env: torch', torch.__version__, '/ ultralytics', ultralytics.__version__)"
