"""The CUDA backend's tests. The GPU flavour (build/gpu, built by `make test`
wherever nvcc exists) must build; its no-device behaviour is checked
everywhere; the GPU-against-CPU checks, the parity fixtures on the GPU and the
benchmark run where a device exists and are skipped with "skipped: no CUDA
device" otherwise. The harness itself is checked without a GPU by putting a
second CPU backend in the device's place."""
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

GPU_TESTS = ROOT / "build" / "gpu" / "tests"
NO_DEVICE = "skipped: no CUDA device"


def have_nvcc():
    return shutil.which("nvcc") is not None or pathlib.Path("/usr/local/cuda/bin/nvcc").exists()


def gpu_program(name):
    program = GPU_TESTS / name
    if not program.exists():
        if have_nvcc():
            pytest.fail(f"{program} is not built although nvcc exists: run make gpu-check")
        pytest.skip("no GPU build here (nvcc not found)")
    return program


def run(*args, timeout=1800):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def device_count():
    proc = run(gpu_program("test_cuda_backend"))
    m = re.search(r"CUDA devices: (\d+)", proc.stdout)
    assert m, proc.stdout + proc.stderr
    return int(m.group(1))


def need_device():
    if device_count() == 0:
        pytest.skip(NO_DEVICE)


def test_cuda_backend_program():
    """Creation errors without a device (the message a user sees), and with a device
    memory, transfers, allocator reuse, precision and error reporting."""
    proc = run(gpu_program("test_cuda_backend"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("0 failed")


def test_gpu_build_reports_no_device():
    yoloc = ROOT / "build" / "gpu" / "bin" / "yoloc"
    if not yoloc.exists():
        gpu_program("test_cuda_backend")  # skips or fails as above
    proc = run(yoloc, "version")
    assert proc.returncode == 0
    if device_count() == 0:
        assert "CUDA: no device found" in proc.stdout
    else:
        assert "CUDA:0 " in proc.stdout


def test_gpu_check_harness_on_cpu():
    """gpu_check with a second CPU backend in the device's place passes..."""
    proc = run(gpu_program("gpu_check"), "--against-cpu")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    m = re.search(r"(\d+) passed, 0 failed", proc.stdout)
    assert m and int(m.group(1)) > 300, proc.stdout[-2000:]


@pytest.mark.parametrize("fault, check", [("silu", "FAIL silu_forward"), ("conv", "FAIL conv2d_forward")])
def test_gpu_check_harness_finds_faults(fault, check):
    """...and reports a perturbed entry (the harness can fail)."""
    proc = run(gpu_program("gpu_check"), "--against-cpu", "--inject-fault", fault)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert check in proc.stdout


def test_gpu_bench_loop_on_cpu():
    """The benchmark's step (upload, forward, host loss, backward, fused updates) on the CPU backend."""
    proc = run(gpu_program("gpu_bench"), "--device", "cpu", "--model", "tests/fixtures/model/tiny-v8.yaml", "--nc", "3",
               "--batch", "2", "--imgsz", "64", "--steps", "2", "--warmup", "1", "--loss", "host")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r'RESULT \{.*"images_per_s": [0-9.]+', proc.stdout)


def test_gpu_against_cpu():
    """Every backend entry on the GPU against the CPU backend, float32 and mixed precision."""
    program = gpu_program("gpu_check")
    proc = run(program)
    if proc.returncode == 77:
        assert NO_DEVICE in proc.stdout
        pytest.skip(NO_DEVICE)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr


def test_gpu_bench_skips_without_device():
    proc = run(gpu_program("gpu_bench"), "--steps", "1", "--warmup", "0", "--batch", "2", "--imgsz", "64")
    if device_count() == 0:
        assert proc.returncode == 77 and NO_DEVICE in proc.stdout
    else:
        assert proc.returncode == 0, proc.stdout + proc.stderr


MODEL_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "model").glob("*.safetensors"))
OPTIM_FIXTURES = sorted((ROOT / "tests" / "fixtures" / "optim").glob("*.safetensors"))


@pytest.mark.parametrize("fixture", MODEL_FIXTURES + OPTIM_FIXTURES, ids=lambda f: f.stem)
def test_parity_fixtures_on_gpu(fixture):
    """The model and optimiser fixtures through the CUDA backend in float32, same tolerances."""
    program = gpu_program("parity")
    need_device()
    proc = run(program, "--device", "cuda:0", fixture)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 0 failed" in proc.stdout


@pytest.mark.parametrize("fixture", OPTIM_FIXTURES, ids=lambda f: f.stem)
def test_parity_fused_updates_on_cpu(fixture):
    """The optimiser fixtures through the fused-update entries of the CPU backend."""
    proc = run(ROOT / "tests" / "bin" / "parity", "--device", "cpu", fixture)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "final@cpu" in proc.stdout and "1 passed, 0 failed" in proc.stdout


def test_parity_refuses_cuda_clearly():
    """tests/bin/parity is the CPU build (or, after `make GPU=1`, the GPU one): either way
    --device cuda:0 without a usable device fails with a clear line, and a bad device name too."""
    parity = ROOT / "tests" / "bin" / "parity"
    if device_count_or_zero() == 0:
        proc = run(parity, "--device", "cuda:0", MODEL_FIXTURES[0])
        assert proc.returncode == 1
        assert "built without CUDA" in proc.stdout or "no CUDA device found" in proc.stdout, proc.stdout
    proc = run(parity, "--device", "gpu0", MODEL_FIXTURES[0])
    assert proc.returncode == 1 and "expected cpu or cuda:N" in proc.stdout


def device_count_or_zero():
    program = GPU_TESTS / "test_cuda_backend"
    return device_count() if program.exists() else 0
