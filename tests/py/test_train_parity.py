"""The training loop against the reference's own DetectionTrainer:
tests/bin/parity over the committed `train` fixtures
(tests/parity/make_train_fixtures.py), and proof that the checker fails when
the fixture is off."""
import os
import subprocess

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from conftest import ROOT

PARITY = ROOT / "tests" / "bin" / "parity"
TRAIN = sorted((ROOT / "tests" / "fixtures" / "train").glob("*.safetensors"))


def run(*paths, env=None):
    return subprocess.run([str(PARITY), *map(str, paths)], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env=env)


def load(path):
    with safe_open(str(path), "np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def test_fixtures_present():
    assert len(TRAIN) >= 2
    total = sum(p.stat().st_size for p in TRAIN)
    assert total < 3.5e6, f"train fixtures take {total / 1e6:.1f} MB"


@pytest.mark.parametrize("fixture", TRAIN, ids=[p.stem for p in TRAIN])
def test_fixture_within_tolerance(fixture):
    proc = run(fixture)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok   update" in proc.stdout and "ok   weights" in proc.stdout


def perturbed(tmp_path, source, change):
    tensors, meta = load(source)
    change(tensors, meta)
    out = tmp_path / source.name
    (tmp_path / "tiny-train.yaml").write_text((source.parent / "tiny-train.yaml").read_text())
    save_file(tensors, str(out), metadata=meta)
    return run(out)


def test_checker_fails_on_a_wrong_step(tmp_path):
    def change(t, meta):
        k = "final/model.0.conv.weight"
        t[k] = t[k] + (t[k] - t["weights/model.0.conv.weight"].astype(np.float32)) * 0.01
    proc = perturbed(tmp_path, TRAIN[0], change)
    assert proc.returncode != 0 and "FAIL update" in proc.stdout


def test_checker_fails_on_other_hyperparameters(tmp_path):
    def change(t, meta):
        meta["arg.nbs"] = "16"  # another accumulation: other steps
    proc = perturbed(tmp_path, TRAIN[0], change)
    assert proc.returncode != 0


def test_checker_fails_on_other_batches(tmp_path):
    def change(t, meta):
        rows = t["batch/1/targets"]
        t["batch/1/targets"] = rows[rows[:, 0] != 0].copy()  # image 0 loses its boxes
    proc = perturbed(tmp_path, TRAIN[0], change)
    assert proc.returncode != 0
