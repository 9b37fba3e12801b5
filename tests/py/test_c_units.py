"""Runs each C unit-test program (tests/unit/test_*.c, built by make) and
reports its failing cases."""
import subprocess

import pytest

from conftest import BUILD, ROOT

UNIT_SOURCES = sorted((ROOT / "tests" / "unit").glob("test_*.c"))


@pytest.mark.parametrize("source", UNIT_SOURCES, ids=[s.stem for s in UNIT_SOURCES])
def test_c_unit_program(source):
    program = BUILD / "tests" / source.stem
    assert program.exists(), f"{program} is not built: run make"
    proc = subprocess.run([str(program)], capture_output=True, text=True, timeout=900, cwd=ROOT)
    lines = proc.stdout.strip().splitlines()
    assert lines and lines[-1].endswith(" failed"), f"no summary line:\n{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, f"{source.name}:\n{proc.stdout}\n{proc.stderr}"
