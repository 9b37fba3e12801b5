#!/usr/bin/env bash
# yoloc train against the reference trainer on coco8, epoch by epoch
# (tools/check-long/train_parity.py): same initial weights, augmentation off,
# one batch of all 4 training images per epoch.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -x .venv-ref/bin/python ]; then
    echo "train-parity: skipped: needs .venv-ref (make ref-env)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export YOLOC_THREADS=${YOLOC_THREADS:-2}
# optimizer=auto (AdamW, warm-up: small steps), then SGD without warm-up and nbs=4
# (an optimiser step every epoch, large steps from the start). Beyond a few
# epochs such training is chaotic: the reference itself moves by percents when
# its initial weights are perturbed by 1e-6, so the SGD check stops at 4.
.venv-ref/bin/python tools/check-long/train_parity.py "$work/auto" "${EPOCHS:-10}"
.venv-ref/bin/python tools/check-long/train_parity.py "$work/sgd" 4 optimizer=SGD warmup_epochs=0 nbs=4
