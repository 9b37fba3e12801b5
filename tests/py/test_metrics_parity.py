"""Validation against the reference's own code, through the committed fixtures
(tests/parity/make_metrics_fixtures.py): kind "metrics" (matching, per-class
AP at ten IoU thresholds, P, R, F1, mAP50, mAP50-95, fitness, curves, the
confusion matrix, the printed table, predictions.json) within 1e-6; kind
"nms" (kept rows and anchor indices identical); kind "decode"."""
import subprocess

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from conftest import ROOT

PARITY = ROOT / "tests" / "bin" / "parity"
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "metrics").glob("*.safetensors"))


def run(*paths):
    return subprocess.run([str(PARITY), *map(str, paths)], capture_output=True, text=True, timeout=300)


def test_fixtures_present():
    kinds = {p.name.split("_")[0] for p in FIXTURES}
    assert kinds == {"metrics", "nms", "decode"}, kinds
    assert len(FIXTURES) >= 15


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture(fixture):
    proc = run(fixture)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 0 failed" in proc.stdout


def perturbed(src, dst, name, delta):
    tensors = load_file(str(src))
    with safe_open(str(src), "np") as f:
        meta = f.metadata()
    t = tensors[name].copy()
    t.reshape(-1)[np.argmax(np.abs(t.reshape(-1)))] += delta
    tensors[name] = t
    save_file(tensors, str(dst), metadata=meta)


@pytest.mark.parametrize("fixture, tensor, delta", [
    ("metrics_basic", "want/ap", 2e-6),
    ("metrics_basic", "want/confusion", 1),
    ("metrics_many_classes", "want/p", 2e-6),
    ("nms_nc10", "want/val/index", 1),
])
def test_checker_catches_a_difference(tmp_path, fixture, tensor, delta):
    bad = tmp_path / f"{fixture}.safetensors"
    perturbed(ROOT / "tests" / "fixtures" / "metrics" / f"{fixture}.safetensors", bad, tensor, delta)
    proc = run(bad)
    assert proc.returncode == 1 and "FAIL" in proc.stdout, proc.stdout


def test_checker_catches_a_table_difference(tmp_path):
    src = ROOT / "tests" / "fixtures" / "metrics" / "metrics_basic.safetensors"
    tensors = load_file(str(src))
    with safe_open(str(src), "np") as f:
        meta = f.metadata()
    meta["table"] = meta["table"].replace("all", "All", 1)
    save_file(tensors, str(tmp_path / "t.safetensors"), metadata=meta)
    proc = run(tmp_path / "t.safetensors")
    assert proc.returncode == 1 and "table differs" in proc.stdout, proc.stdout
