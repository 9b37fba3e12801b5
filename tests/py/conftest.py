"""Shared fixtures: where the programs and the repository are."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
BUILD = ROOT / "build" / "cpu"


def run_yoloc(*words, check=False, cwd=None, env=None, timeout=600):
    """Runs bin/yoloc with the given words; returns the CompletedProcess."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run([str(BIN / "yoloc"), *map(str, words)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"yoloc {' '.join(map(str, words))} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def yoloc():
    assert (BIN / "yoloc").exists(), "bin/yoloc is missing: run make"
    return run_yoloc
