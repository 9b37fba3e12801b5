"""`yoloc train` and `yoloc val` for real: the bundled coco8 through the data
loader, a tiny model at 64 px, two epochs. The run directory is then checked
by every run-directory test of test_tracking.py (YOLOC_TRACK_RUN), and the
weights by `yoloc val`."""
import json
import os
import subprocess
import sys

import pytest
from safetensors import safe_open

from conftest import ROOT, run_yoloc

MODEL = ROOT / "tests" / "fixtures" / "train" / "tiny-train.yaml"


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    project = tmp_path_factory.mktemp("real")
    proc = run_yoloc("train", f"model={MODEL}", "data=coco8.yaml", "epochs=2", "imgsz=64", "batch=4", "device=cpu",
                     f"project={project}", "name=run", "workers=2", env={"YOLOC_THREADS": "2"}, check=True,
                     timeout=300)
    return project / "run", proc


def test_console_and_files(real_run):
    run, proc = real_run
    out = proc.stdout
    assert "      Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size" in out
    assert "        1/2         0G" in out and "        2/2         0G" in out
    assert "Class     Images  Instances      Box(P          R      mAP50  mAP50-95)" in out
    assert "train: " in out and " images, " in out  # the data set summary
    assert "Results saved to" in out
    for name in ("args.yaml", "results.csv", "run.json", "validation.json", "results.png", "labels.png",
                 "train_batch0.png", "val_batch0_labels.png", "val_batch0_pred.png", "PR_curve.png",
                 "confusion_matrix.png", "weights/last.safetensors", "weights/best.safetensors"):
        assert (run / name).exists(), name
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "finished" and record["epochs_done"] == 2
    v = json.loads((run / "validation.json").read_text())
    assert v["images"] == 4 and v["instances"] == 17
    with safe_open(str(run / "weights" / "best.safetensors"), "np") as f:
        meta = f.metadata()
    assert meta["nc"] == "80" and json.loads(meta["names"])[0] == "person"


def test_tracking_checks_on_the_real_run(real_run):
    run, _ = real_run
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-k", "real", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "py" / "test_tracking.py")], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, YOLOC_TRACK_RUN=str(run)), timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout


def test_val_on_the_trained_weights(real_run, tmp_path):
    run, _ = real_run
    proc = run_yoloc("val", f"model={run / 'weights' / 'best.safetensors'}", "data=coco8.yaml", "imgsz=64",
                     f"project={tmp_path}", "name=v", env={"YOLOC_THREADS": "2"}, check=True)
    assert "                   all          4         17" in proc.stdout
    assert "                person          3         10" in proc.stdout  # per-class rows
    assert "Speed: " in proc.stdout and "Results saved to" in proc.stdout
    assert (tmp_path / "v" / "validation.json").exists() and (tmp_path / "v" / "confusion_matrix.png").exists()


def test_val_takes_imgsz_and_data_from_the_weights(real_run, tmp_path):
    """Like `yolo val model=best.pt`: what the user leaves out comes from the training run (imgsz 64, coco8)."""
    run, _ = real_run
    weights = run / "weights" / "best.safetensors"
    given = run_yoloc("val", f"model={weights}", "data=coco8.yaml", "imgsz=64", f"project={tmp_path}", "name=a",
                      env={"YOLOC_THREADS": "2"}, check=True)
    implied = run_yoloc("val", f"model={weights}", f"project={tmp_path}", "name=b", env={"YOLOC_THREADS": "2"},
                        check=True)
    all_row = [line for line in given.stdout.splitlines() if line.strip().startswith("all ")]
    assert all_row and all_row == [line for line in implied.stdout.splitlines() if line.strip().startswith("all ")]
    assert json.loads((tmp_path / "b" / "validation.json").read_text()) == \
        json.loads((tmp_path / "a" / "validation.json").read_text()) | {"speed_ms": json.loads(
            (tmp_path / "b" / "validation.json").read_text())["speed_ms"]}


def test_val_errors(tmp_path):
    proc = run_yoloc("val", "data=coco8.yaml")
    assert proc.returncode == 2 and "model= and data= are required" in proc.stderr
    proc = run_yoloc("val", f"model={tmp_path / 'missing.safetensors'}", "data=coco8.yaml", f"project={tmp_path}")
    assert proc.returncode == 1 and "missing.safetensors" in proc.stderr


def test_predict_takes_imgsz_from_the_weights(real_run, tmp_path):
    run, _ = real_run
    image = ROOT / "share" / "datasets" / "coco8" / "images" / "val" / "000000000042.jpg"
    proc = run_yoloc("predict", f"model={run / 'weights' / 'best.safetensors'}", f"source={image}",
                     f"project={tmp_path}", "name=p", env={"YOLOC_THREADS": "2"}, check=True)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("image 1/1 "))
    assert ": 64x" in line or "x64 " in line, line  # letterboxed to the training run's imgsz=64, not 640


def test_info_on_weights_equals_info_on_the_yaml(real_run):
    run, _ = real_run
    from_weights = run_yoloc("info", f"model={run / 'weights' / 'best.safetensors'}", check=True).stdout
    from_yaml = run_yoloc("info", f"model={MODEL}", "nc=80", check=True).stdout
    assert from_weights == from_yaml and " parameters, " in from_weights
    proc = run_yoloc("info", f"model={run / 'weights' / 'best.safetensors'}", "nc=3")
    assert proc.returncode == 2 and "nc= applies to model YAMLs" in proc.stderr
