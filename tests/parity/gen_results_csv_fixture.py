"""Writes tests/fixtures/results_csv/: rows of values (input.txt, one row of 15
Python reprs per line: epoch, time, then the 13 metric columns) and the
results.csv that Ultralytics' own BaseTrainer.save_metrics writes for them
(expected.csv), epoch by epoch. Run in the reference environment:

    .venv-ref/bin/python tests/parity/gen_results_csv_fixture.py
"""
import math
import pathlib
import types
from unittest import mock

import ultralytics
from ultralytics.engine import trainer as trainer_module
from ultralytics.engine.trainer import BaseTrainer

out = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "results_csv"
out.mkdir(parents=True, exist_ok=True)
keys = ["train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/precision(B)", "metrics/recall(B)",
        "metrics/mAP50(B)", "metrics/mAP50-95(B)", "val/box_loss", "val/cls_loss", "val/dfl_loss",
        "lr/pg0", "lr/pg1", "lr/pg2"]
# values that exercise %.6g: rounding, exponents, integers, tiny and huge, zero, nan
special = [1.0, 0.1 + 0.2, 0.000123456789, 1.23456789e-5, 123456.5, 1234567.0, 2.5e-07, 0.0,
           float("nan"), 99999.95, 3.14159265358979, 1e-300, 0.5, 7.0000001]
rows = []
for epoch in range(8):
    t = 12.345678 * (epoch + 1) + (0.0000004 if epoch == 3 else 0)
    values = [special[(epoch + i) % len(special)] * (1 if i % 3 else -1 if epoch == 5 else 1) for i in range(13)]
    rows.append((epoch, t, values))

csv = out / "expected.csv"
csv.unlink(missing_ok=True)
for epoch, t, values in rows:
    fake = types.SimpleNamespace(csv=csv, epoch=epoch, train_time_start=1000.0)
    with mock.patch.object(trainer_module.time, "time", return_value=1000.0 + t):
        BaseTrainer.save_metrics(fake, metrics=dict(zip(keys, values)))
with open(out / "input.txt", "w") as f:
    f.write(f"# ultralytics {ultralytics.__version__}: epoch (1-based) time values...; expected.csv from save_metrics\n")
    for epoch, t, values in rows:
        f.write(" ".join(repr(float(v)) for v in [epoch + 1, t, *values]) + "\n")
print(f"wrote {out} from ultralytics {ultralytics.__version__}")
