"""The detection loss and the optimisation recipe against the reference:
tests/bin/parity over the committed `loss` and `optim` fixtures
(tests/parity/make_loss_fixtures.py, make_optim_fixtures.py), and proof that
the checkers fail when the expected values are off."""
import subprocess

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from conftest import ROOT

PARITY = ROOT / "tests" / "bin" / "parity"
FIXTURES = ROOT / "tests" / "fixtures"
LOSS = sorted((FIXTURES / "loss").glob("*.safetensors"))
OPTIM = sorted((FIXTURES / "optim").glob("*.safetensors"))


def run(*paths):
    return subprocess.run([str(PARITY), *map(str, paths)], capture_output=True, text=True, timeout=300)


def test_fixtures_present():
    assert len(LOSS) >= 5 and len(OPTIM) >= 5


@pytest.mark.parametrize("fixture", LOSS + OPTIM, ids=[p.stem for p in LOSS + OPTIM])
def test_fixture_within_tolerance(fixture):
    proc = run(fixture)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("1 passed, 0 failed")


def load(path):
    with safe_open(str(path), "np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def test_loss_checker_fails_on_wrong_gradient(tmp_path):
    tensors, meta = load(FIXTURES / "loss" / "loss_128x192_nc3_b4.safetensors")
    g = tensors["grad/pred/1"].copy()
    g.flat[np.argmax(np.abs(g))] *= 1.001  # 1e-3 relative: beyond the 1e-4 tolerance
    tensors["grad/pred/1"] = g
    bad = tmp_path / "bad_grad.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    proc = run(bad)
    assert proc.returncode == 1 and "FAIL grad grad/pred/1" in proc.stdout, proc.stdout


def test_loss_checker_fails_on_wrong_loss(tmp_path):
    tensors, meta = load(FIXTURES / "loss" / "loss_160_nc80_b2.safetensors")
    tensors["loss"] = tensors["loss"] * np.array([1, 1.0001, 1], np.float32)  # cls off by 1e-4
    bad = tmp_path / "bad_loss.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    proc = run(bad)
    assert proc.returncode == 1 and "FAIL loss loss/cls" in proc.stdout, proc.stdout


def test_loss_checker_fails_on_other_gains(tmp_path):
    tensors, meta = load(FIXTURES / "loss" / "loss_320_nc3_b2.safetensors")
    meta = dict(meta, box="7.0")
    bad = tmp_path / "bad_gain.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    proc = run(bad)
    assert proc.returncode == 1 and "loss/box" in proc.stdout, proc.stdout


def test_optim_checker_fails_on_wrong_weights(tmp_path):
    tensors, meta = load(FIXTURES / "optim" / "optim_sgd.safetensors")
    tensors["final/model.0.conv.weight"] = tensors["final/model.0.conv.weight"] + np.float32(1e-3)
    bad = tmp_path / "bad_final.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    proc = run(bad)
    assert proc.returncode == 1 and "FAIL final final/model.0.conv.weight" in proc.stdout, proc.stdout


def test_optim_checker_fails_on_other_recipe(tmp_path):
    tensors, meta = load(FIXTURES / "optim" / "optim_adam_cos.safetensors")
    bad = tmp_path / "linear.safetensors"
    save_file(tensors, str(bad), metadata=dict(meta, cos_lr="False"))  # the wrong schedule
    proc = run(bad)
    assert proc.returncode == 1 and "FAIL schedule lr" in proc.stdout, proc.stdout
