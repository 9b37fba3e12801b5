"""Generates the `predict` parity fixture (tests/fixtures/predict/): the
reference's predictor (Ultralytics 8.3.253, `YOLO.predict`, what `yolo
predict` runs) with the small model of the val fixture
(tests/fixtures/val/val_tiny_coco8.safetensors: trained by the reference on
coco8's 4 training images, where it finds things).

Run by hand in the reference environment:

    .venv-ref/bin/python tests/parity/make_predict_fixtures.py

Writes:
- odd/: two images the letterbox must handle: a 301x199 RGB PNG crop and a
  250x180 grayscale JPEG (from a coco8 training image);
- predict_tiny_coco8.json: {"cases": [{"name", "source" (repository path),
  "args" (yoloc key=value words), "images": [{"file", "line" (the reference's
  "image i/n PATH: HxW summary" line without PATH's directory and the time),
  "shape" [h, w] of the original, "boxes" [[x1, y1, x2, y2, conf, cls], ...]
  best first, "txt" (what Results.save_txt writes with save_conf)}]}]}.

Checked by tests/py/test_predict.py (`yoloc predict`). The conf thresholds are
chosen so that no reference confidence lies within 2e-3 of them (a box
that close could fall on either side with another float rounding).
"""
import io
import json
import logging
import pathlib
import re
import tempfile

import numpy as np
import torch
from PIL import Image
from safetensors import safe_open
from ultralytics import YOLO
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils import DEFAULT_CFG

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "predict"
WEIGHTS = ROOT / "tests" / "fixtures" / "val" / "val_tiny_coco8.safetensors"
TRAIN = ROOT / "share" / "datasets" / "coco8" / "images" / "train"


def load_model():
    with safe_open(str(WEIGHTS), "pt") as f:
        meta = f.metadata()
        state = {k: f.get_tensor(k).float() for k in f.keys()}
    m = DetectionModel(str(ROOT / meta["yaml"]), nc=int(meta["nc"]), verbose=False)
    m.load_state_dict(state, strict=False)
    m.names = dict(enumerate(json.loads(meta["names"])))
    m.args = {**vars(DEFAULT_CFG)}
    m.eval()
    return m


def make_odd_images():
    odd = OUT / "odd"
    odd.mkdir(parents=True, exist_ok=True)
    src = Image.open(TRAIN / "000000000009.jpg").convert("RGB")
    src.crop((40, 60, 341, 259)).save(odd / "crop_301x199.png")
    gray = Image.open(TRAIN / "000000000034.jpg").convert("L").resize((250, 180), Image.BILINEAR)
    gray.save(odd / "gray_250x180.jpg", quality=90)
    return odd


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.extend(record.getMessage().splitlines())


def predict(model, source, kwargs):
    y = YOLO(str(ROOT / "tests" / "fixtures" / "train" / "tiny-train.yaml"))
    y.model = model
    handler = Lines()
    logger = logging.getLogger("ultralytics")
    logger.addHandler(handler)
    try:
        results = y.predict(str(source), verbose=True, save=False, **kwargs)
    finally:
        logger.removeHandler(handler)
    lines = [ln for ln in handler.lines if ln.startswith("image ")]
    assert len(lines) == len(results), (lines, len(results))
    images = []
    for r, line in zip(results, lines):
        # "image 1/4 /abs/dir/name.jpg: 128x160 2 persons, 7.5ms" -> without the directory and the time
        m = re.match(r"^(image \d+/\d+ )(.*): (\d+x\d+ .*?)[\d.]+ms$", line)
        assert m, line
        with tempfile.TemporaryDirectory() as tmp:
            txt = pathlib.Path(tmp) / "labels.txt"
            r.save_txt(txt, save_conf=True)
            text = txt.read_text() if txt.exists() else ""
        boxes = torch.cat([r.boxes.xyxy, r.boxes.conf[:, None], r.boxes.cls[:, None]], 1).tolist()
        images.append({"file": pathlib.Path(r.path).name, "line": m[1] + pathlib.Path(m[2]).name + ": " + m[3],
                       "shape": list(r.orig_shape), "boxes": boxes, "txt": text})
    return images


def safe_conf(model, source, kwargs, candidates):
    """The first candidate threshold with no confidence within 2e-3 of it."""
    low = predict(model, source, {**kwargs, "conf": 0.001})
    confs = np.array([b[4] for im in low for b in im["boxes"]])
    for c in candidates:
        if not len(confs) or np.abs(confs - c).min() > 2e-3:
            return c
    raise SystemExit("no safe conf threshold")


LOW = [0.015, 0.012, 0.018, 0.01, 0.02, 0.025]


def main():
    torch.manual_seed(0)
    model = load_model()
    odd = make_odd_images()
    cases = []
    specs = [
        ("train_160_default_conf", TRAIN, {"imgsz": 160}, [0.25]),  # conf not given: the predictor's 0.25
        ("train_160", TRAIN, {"imgsz": 160}, None),
        ("train_224_agnostic_maxdet", TRAIN, {"imgsz": 224, "agnostic_nms": True, "max_det": 5}, LOW),
        ("train_rect_iou", TRAIN, {"imgsz": [128, 192], "iou": 0.3}, None),
        ("train_classes", TRAIN, {"imgsz": 160, "classes": [0, 45]}, None),
        ("odd_150", odd, {"imgsz": 150}, LOW),  # not a stride multiple: the reference uses 160
    ]
    for name, source, kwargs, candidates in specs:
        conf = safe_conf(model, source, kwargs, candidates or [0.05, 0.045, 0.055, 0.04, 0.06, 0.035, 0.065, 0.03])
        images = predict(model, source, {**kwargs, "conf": conf})
        args = [] if candidates == [0.25] else [f"conf={conf}"]
        for k, v in kwargs.items():
            if isinstance(v, list):
                v = "[" + ",".join(map(str, v)) + "]"
            args.append(f"{k}={str(v).lower() if isinstance(v, bool) else v}")
        cases.append({"name": name, "source": str(source.relative_to(ROOT)), "args": args, "images": images})
        print(name, conf, [len(im["boxes"]) for im in images])
    (OUT / "predict_tiny_coco8.json").write_text(json.dumps({"weights": str(WEIGHTS.relative_to(ROOT)),
                                                              "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    main()
