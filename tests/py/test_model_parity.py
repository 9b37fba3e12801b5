"""The model against the reference: tests/bin/parity on every committed model
fixture (tests/fixtures/model/*.safetensors, made by
tests/parity/make_model_fixtures.py in the reference environment), and the
checker's own ability to fail."""
import subprocess

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from conftest import ROOT

PARITY = ROOT / "tests" / "bin" / "parity"
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "model").glob("*.safetensors"))


def run(*paths):
    return subprocess.run([str(PARITY), *map(str, paths)], capture_output=True, text=True, timeout=300)


def test_fixtures_exist():
    assert len(FIXTURES) >= 4
    kinds = {(load_file_meta(f)["mode"]) for f in FIXTURES}
    assert kinds == {"train", "eval"}


def load_file_meta(path):
    from safetensors import safe_open
    with safe_open(str(path), "np") as f:
        return f.metadata()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_model_matches_reference(fixture):
    proc = run(fixture)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 0 failed" in proc.stdout


def tampered(tmp_path, source, edit):
    tensors = load_file(str(source))
    edit(tensors)
    meta = load_file_meta(source)
    # the checker finds the model YAML next to the fixture: keep the relative name valid
    for yaml in source.parent.glob("*.yaml"):
        (tmp_path / yaml.name).write_text(yaml.read_text())
    out = tmp_path / source.name
    save_file(tensors, str(out), metadata=meta)
    return out


def small_train_fixture():
    return next(f for f in FIXTURES if "tiny" in f.stem and "train" in f.stem)


def test_checker_fails_on_a_wrong_gradient(tmp_path):
    def edit(t):
        name = next(k for k in sorted(t) if k.startswith("grad/") and k.endswith("conv.weight"))
        g = t[name].astype(np.float32)
        g.flat[0] += 0.01 * np.abs(g).max()
        t[name] = g
    proc = run(tampered(tmp_path, small_train_fixture(), edit))
    assert proc.returncode == 1 and "FAIL grad grad/" in proc.stdout, proc.stdout


def test_checker_fails_on_a_wrong_output(tmp_path):
    def edit(t):
        t["output/0"] = t["output/0"] * np.float32(1.001)
    proc = run(tampered(tmp_path, small_train_fixture(), edit))
    assert proc.returncode == 1 and "FAIL output output/0" in proc.stdout, proc.stdout


def test_checker_fails_on_a_missing_weight(tmp_path):
    def edit(t):
        del t[next(k for k in sorted(t) if k.startswith("weights/") and k.endswith("running_var"))]
    proc = run(tampered(tmp_path, small_train_fixture(), edit))
    assert proc.returncode == 1 and "no tensor 'weights/" in proc.stdout, proc.stdout
