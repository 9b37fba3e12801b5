"""yoloc info against the reference's summaries (tests/fixtures/model_info.json,
made by tests/parity/make_model_info_fixture.py): layers, parameters and
gradients exactly, GFLOPs within 0.1; and the model files' error messages."""
import json
import re

import pytest

from conftest import ROOT

INFO = json.loads((ROOT / "tests" / "fixtures" / "model_info.json").read_text())
SUMMARY = re.compile(r"^(\S+) summary: ([\d,]+) layers, ([\d,]+) parameters, ([\d,]+) gradients, ([\d.]+) GFLOPs$")


def summary(yoloc, *words):
    proc = yoloc("info", *words)
    assert proc.returncode == 0, proc.stderr
    m = SUMMARY.match(proc.stdout.strip())
    assert m, proc.stdout
    name, layers, params, grads, gflops = m.groups()
    return name, int(layers.replace(",", "")), int(params.replace(",", "")), int(grads.replace(",", "")), float(gflops)


@pytest.mark.parametrize("model", sorted(INFO["models"]))
def test_summary_matches_reference(yoloc, model):
    want = INFO["models"][model]
    name, layers, params, grads, gflops = summary(yoloc, f"model={model}", "nc=80", "imgsz=640")
    assert name == model.replace(".yaml", "").replace("yolo", "YOLO")
    assert (layers, params, grads) == (want["layers"], want["parameters"], want["gradients"])
    assert abs(gflops - want["gflops"]) <= 0.1


def test_defaults_and_nc(yoloc):
    assert summary(yoloc, "model=yolov8n.yaml")[2] == 3157200  # nc 80 from the file, imgsz 640
    # nc=3: the class branch narrows to c3 = max(ch0, min(nc, 100)) = 64 (the reference: 3,011,433)
    name, layers, params, grads, _ = summary(yoloc, "model=yolov8n.yaml", "nc=3")
    assert params == 3011433 and grads == params - 16
    assert summary(yoloc, "model=yolov8n.yaml", "imgsz=320")[4] == pytest.approx(8.86 / 4, abs=0.1)


def test_user_yaml_without_scale(yoloc, tmp_path):
    text = (ROOT / "share" / "models" / "yolov8.yaml").read_text()
    own = tmp_path / "mine.yaml"
    own.write_text(text)
    # no scale letter in the name: the first scale (n), as the reference does
    assert summary(yoloc, f"model={own}")[2] == 3157200


def bad_model(tmp_path, layer_line):
    lines = (ROOT / "share" / "models" / "yolov8.yaml").read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if "C2f, [512, True]" in line)
    lines[i] = layer_line
    path = tmp_path / "yolov8n-bad.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path, i + 1


def test_unknown_module_names_file_and_line(yoloc, tmp_path):
    path, line = bad_model(tmp_path, "  - [-1, 6, C2fancy, [512, True]]")
    proc = yoloc("info", f"model={path}")
    assert proc.returncode == 1
    assert f"{path}:{line}: layer 6 (C2fancy): unknown module 'C2fancy'" in proc.stderr, proc.stderr


def test_bad_from_names_file_and_line(yoloc, tmp_path):
    path, line = bad_model(tmp_path, "  - [9, 6, C2f, [512, True]]")
    proc = yoloc("info", f"model={path}")
    assert proc.returncode == 1
    assert f"{path}:{line}: layer 6 (C2f): 'from' 9 does not name an earlier layer" in proc.stderr, proc.stderr


def test_missing_model_and_bad_nc(yoloc):
    proc = yoloc("info", "model=yolov99n.yaml")
    assert proc.returncode == 1 and "yolov99n.yaml: no such file" in proc.stderr
    proc = yoloc("info", "model=yolov8n.yaml", "nc=zero")
    assert proc.returncode == 2 and "nc: expected an integer" in proc.stderr
    proc = yoloc("info")
    assert proc.returncode == 2 and "model= is required" in proc.stderr


@pytest.mark.parametrize("mode", ["info", "train", "val", "predict"])
def test_a_pytorch_checkpoint_or_other_file_says_what_to_use(yoloc, tmp_path, mode):
    # the reference's users type model=yolov8n.pt; every mode that takes a model answers the same way
    extra = {"train": ["data=coco8.yaml"], "val": ["data=coco8.yaml"], "predict": [f"source={ROOT / 'share/datasets/coco8/images/val'}"]}[mode] \
        if mode != "info" else []
    proc = yoloc(mode, "model=yolov8n.pt", *extra)
    assert proc.returncode == 1, proc.stderr
    assert "yolov8n.pt: PyTorch checkpoints are not read: convert it with share/tools/pt_to_safetensors.py" \
        in proc.stderr, proc.stderr
    proc = yoloc(mode, "model=yolov8n", *extra)
    assert proc.returncode == 1, proc.stderr
    assert "yolov8n: no such file; model= takes a model YAML (e.g. yolov8n.yaml, yolo11s.yaml) or weights " \
        "(.safetensors)" in proc.stderr, proc.stderr
    picture = tmp_path / "photo.jpg"  # an existing file of another kind: read as YAML, and the error names it
    picture.write_bytes(b"\xff\xd8\xff\xe0 not a model")
    proc = yoloc(mode, f"model={picture}", *extra)
    assert proc.returncode == 1, proc.stderr
    assert f"{picture}:1: invalid YAML" in proc.stderr, proc.stderr
