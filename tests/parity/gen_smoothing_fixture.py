"""Writes tests/fixtures/smoothing.json: series smoothed the way the reference's
plots smooth them: scipy's gaussian_filter1d(sigma=3) (results.png) and
Ultralytics' metrics.smooth(y, 0.1) (the mean F1/P/R curve). Run in the
reference environment:

    .venv-ref/bin/python tests/parity/gen_smoothing_fixture.py
"""
import json
import pathlib

import numpy as np
from scipy.ndimage import gaussian_filter1d
from ultralytics.utils.metrics import smooth

rng = np.random.default_rng(7)
cases = []
for n in [1, 2, 5, 13, 30, 100]:
    y = rng.normal(size=n).cumsum()
    cases.append({"kind": "gaussian", "param": 3.0, "y": y.tolist(), "out": gaussian_filter1d(y, sigma=3).tolist()})
for n in [5, 50, 1000, 1001]:
    y = rng.random(n)
    cases.append({"kind": "box", "param": 0.1, "y": y.tolist(), "out": smooth(y, 0.1).tolist()})
out = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "smoothing.json"
out.write_text(json.dumps(cases) + "\n")
print(f"wrote {out}")
