"""The parity checker itself: it passes within tolerance and fails beyond it,
and refuses fixtures it cannot read."""
import subprocess

import numpy as np
from safetensors.numpy import save_file

from conftest import ROOT

PARITY = ROOT / "tests" / "bin" / "parity"


def run(*paths):
    return subprocess.run([str(PARITY), *map(str, paths)], capture_output=True, text=True)


def test_within_and_beyond_tolerance(tmp_path):
    want = np.linspace(-2, 2, 100, dtype=np.float32)
    close, far = tmp_path / "close.safetensors", tmp_path / "far.safetensors"
    meta = {"kind": "selftest", "tolerance": "1e-4"}
    save_file({"want/x": want, "got/x": want + 1e-5}, str(close), metadata=meta)
    save_file({"want/x": want, "got/x": want + 1e-2}, str(far), metadata=meta)
    ok = run(close)
    assert ok.returncode == 0 and ok.stdout.strip().endswith("1 passed, 0 failed"), ok.stdout
    bad = run(close, far)
    assert bad.returncode == 1 and "1 passed, 1 failed" in bad.stdout, bad.stdout
    assert "FAIL selftest got/x" in bad.stdout


def test_unknown_kind_and_garbage(tmp_path):
    odd = tmp_path / "odd.safetensors"
    save_file({"a": np.zeros(3, np.float32)}, str(odd), metadata={"kind": "nonsense"})
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00" * 5)
    proc = run(odd, garbage)
    assert proc.returncode == 1 and "unknown fixture kind 'nonsense'" in proc.stdout
    assert "too short to be a safetensors file" in proc.stdout
