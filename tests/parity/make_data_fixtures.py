"""Writes the data-pipeline fixtures under tests/fixtures/data/ from the
reference (ultralytics + OpenCV in the reference environment):

    .venv-ref/bin/python tests/parity/make_data_fixtures.py

- image files (small JPEG/PNG variants: EXIF orientations, gray, palette,
  alpha, 16-bit, interlaced, truncated) and what OpenCV decodes from them;
- the deterministic transforms with their inputs and parameters: resize,
  warpAffine, warpPerspective, the HSV step with given gains, LetterBox,
  RandomPerspective with given draws, Mosaic with a given centre, flips;
- label files and what verify_image_label makes of them;
- rect batch shapes (set_rectangle).

Images and expected outputs go into transforms.safetensors (RGB, uint8);
parameters and label cases into cases.json. The C tests
(tests/unit/test_data_*.c) compare against them. Keep the total small.
"""
import io
import json
import math
import pathlib
import random
import shutil
import struct
import sys
import tempfile

import cv2
import numpy as np
from PIL import Image
from safetensors.numpy import save_file

import ultralytics
import ultralytics.data.augment as aug
from ultralytics.data.base import BaseDataset
from ultralytics.data.utils import verify_image_label
from ultralytics.utils.instance import Instances

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "data"
BCCD = ROOT / "share" / "datasets" / "bccd" / "images" / "train"
COCO = ROOT / "share" / "datasets" / "coco8" / "images" / "train"

tensors = {}
cases = {"ultralytics_version": ultralytics.__version__, "opencv_version": cv2.__version__}


def rgb(bgr):
    return np.ascontiguousarray(bgr[..., ::-1])


def put(name, array):
    tensors[name] = np.ascontiguousarray(array)


# ---------------------------------------------------------------- sources
def crop(path, box, size=None):
    im = cv2.imread(str(path))
    x0, y0, x1, y1 = box
    im = im[y0:y1, x0:x1]
    if size:
        im = cv2.resize(im, size, interpolation=cv2.INTER_AREA)
    return im


SRC = {
    "cells": crop(next(iter(sorted(BCCD.glob("*.jpg")))), (100, 80, 420, 320), (128, 96)),
    "street": crop(sorted(COCO.glob("*.jpg"))[0], (0, 0, 640, 480), (144, 108)),
    "odd": crop(sorted(COCO.glob("*.jpg"))[1], (37, 11, 400, 420), (73, 97)),
    "tiny": crop(sorted(COCO.glob("*.jpg"))[2], (100, 100, 300, 250), (56, 42)),
}
for k, v in SRC.items():
    put(f"src/{k}", rgb(v))


# ---------------------------------------------------------------- decoding
def exif_with_orientation(o):
    ex = Image.Exif()
    ex[274] = o
    return ex


def write_files():
    OUT.mkdir(parents=True, exist_ok=True)
    files = []
    base = Image.fromarray(rgb(SRC["tiny"]))
    for q, name in ((92, "plain.jpg"),):
        base.save(OUT / name, quality=q)
        files.append(name)
    for o in range(2, 9):
        name = f"orient{o}.jpg"
        base.save(OUT / name, quality=90, exif=exif_with_orientation(o))
        files.append(name)
    Image.fromarray(rgb(SRC["tiny"])).convert("L").save(OUT / "gray.jpg", quality=90)
    files.append("gray.jpg")
    Image.fromarray(rgb(SRC["tiny"])).convert("CMYK").save(OUT / "cmyk.jpg", quality=90)
    files.append("cmyk.jpg")
    # PNG variants
    cells = Image.fromarray(rgb(SRC["tiny"]))
    cells.save(OUT / "rgb.png")
    cells.convert("L").save(OUT / "gray.png")
    cells.convert("LA").save(OUT / "gray_alpha.png")
    rgba = cells.convert("RGBA")
    a = np.array(rgba)
    a[..., 3] = np.linspace(0, 255, a.shape[1]).astype(np.uint8)[None, :]
    Image.fromarray(a).save(OUT / "rgba.png")
    cells.convert("P", palette=Image.ADAPTIVE, colors=37).save(OUT / "palette.png")
    cells.convert("1").save(OUT / "bilevel.png")
    sixteen = (np.array(cells).astype(np.uint16) * 257 + np.arange(np.array(cells).shape[1], dtype=np.uint16)[None, :, None])
    cv2.imwrite(str(OUT / "rgb16.png"), sixteen[..., ::-1])
    files += ["rgb.png", "gray.png", "gray_alpha.png", "rgba.png", "palette.png", "bilevel.png", "rgb16.png"]
    # broken files: decoded by OpenCV (with warnings) but corrupt for the label checks
    data = (OUT / "plain.jpg").read_bytes()
    (OUT / "truncated.jpg").write_bytes(data[: len(data) * 2 // 3])
    (OUT / "trailing.jpg").write_bytes(data + b"\x00garbage after the end marker")
    files += ["truncated.jpg", "trailing.jpg"]
    decoded = {}
    for name in files:
        im = cv2.imdecode(np.fromfile(str(OUT / name), np.uint8), cv2.IMREAD_COLOR)
        if im is None:
            continue
        put(f"decode/{name}", rgb(im))
        decoded[name] = list(im.shape[:2])
    cases["decode"] = decoded


# ---------------------------------------------------------------- resize / warp / hsv
def resize_cases():
    out = []
    for src in ("cells", "street", "odd"):
        h, w = SRC[src].shape[:2]
        if src == "tiny":
            continue
        for (nw, nh) in ((w * 2 // 3, h * 2 // 3), (int(w * 1.37), int(h * 1.37)), (w // 2, h // 2), (w, h + 7), (31, 17)):
            name = f"resize/{src}/{nw}x{nh}"
            put(name, rgb(cv2.resize(SRC[src], (nw, nh), interpolation=cv2.INTER_LINEAR)))
            out.append({"name": name, "src": src, "w": nw, "h": nh})
    cases["resize"] = out


def affine(angle, scale, shear_x, shear_y, tx, ty, w, h, persp=(0.0, 0.0)):
    C = np.eye(3, dtype=np.float32)
    C[0, 2], C[1, 2] = -w / 2, -h / 2
    P = np.eye(3, dtype=np.float32)
    P[2, 0], P[2, 1] = persp
    R = np.eye(3, dtype=np.float32)
    R[:2] = cv2.getRotationMatrix2D(angle=angle, center=(0, 0), scale=scale)
    S = np.eye(3, dtype=np.float32)
    S[0, 1] = math.tan(shear_x * math.pi / 180)
    S[1, 0] = math.tan(shear_y * math.pi / 180)
    T = np.eye(3, dtype=np.float32)
    T[0, 2], T[1, 2] = tx, ty
    return T @ S @ R @ P @ C


def warp_cases():
    out = []
    rng = random.Random(1)
    for i in range(6):
        src = ("cells", "street", "odd")[i % 3]
        h, w = SRC[src].shape[:2]
        dw, dh = (96, 96) if i % 2 == 0 else (80, 64)
        M = affine(rng.uniform(-30, 30), rng.uniform(0.5, 1.5), rng.uniform(-10, 10), rng.uniform(-10, 10),
                   rng.uniform(0.4, 0.6) * dw, rng.uniform(0.4, 0.6) * dh, w, h)
        name = f"warp/{i}"
        put(name, rgb(cv2.warpAffine(SRC[src], M[:2], dsize=(dw, dh), borderValue=(114, 114, 114))))
        out.append({"name": name, "src": src, "w": dw, "h": dh, "M": M[:2].astype(np.float64).ravel().tolist()})
    cases["warp_affine"] = out
    out = []
    for i in range(2):
        src = ("street", "cells")[i]
        h, w = SRC[src].shape[:2]
        M = affine(5.0, 1.1, 2.0, -3.0, 48, 48, w, h, persp=(0.001 * (1 if i else -1), -0.0008))
        name = f"warpp/{i}"
        put(name, rgb(cv2.warpPerspective(SRC[src], M, dsize=(96, 96), borderValue=(114, 114, 114))))
        out.append({"name": name, "src": src, "w": 96, "h": 96, "M": M.astype(np.float64).ravel().tolist()})
    cases["warp_perspective"] = out


def hsv_cases():
    out = []
    gains = [(0.015, 0.7, 0.4), (0.015, 0.7, 0.4), (0.5, 0.5, 0.5), (0.0, 0.0, 0.9)]
    draws = [(0.3, -0.8, 0.5), (-1.0, 1.0, -1.0), (0.77, 0.12, -0.42), (0.0, 0.0, 0.99)]
    for i, (g, u) in enumerate(zip(gains, draws)):
        src = ("cells", "street", "odd", "cells")[i]
        img = SRC[src].copy()
        saved = np.random.uniform
        np.random.uniform = lambda *a, **k: np.array(u, dtype=np.float64)
        try:
            aug.RandomHSV(*g)({"img": img})
        finally:
            np.random.uniform = saved
        r = (np.array(u) * np.array(g)).tolist()
        name = f"hsv/{i}"
        put(name, rgb(img))
        out.append({"name": name, "src": src, "r": r})
    cases["hsv"] = out


# ---------------------------------------------------------------- box transforms
def boxes_for(src, n=6, seed=0):
    h, w = SRC[src].shape[:2]
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.05, 0.7, (n, 2))
    wh = rng.uniform(0.05, 0.3, (n, 2))
    xywh = np.concatenate([xy + wh / 2, wh], 1).clip(0, 1).astype(np.float32)
    cls = rng.integers(0, 3, (n, 1)).astype(np.float32)
    return cls, xywh


def instances(xywh):
    return Instances(xywh.copy(), np.zeros((0, 1000, 2), np.float32), None, bbox_format="xywh", normalized=True)


def letterbox_cases():
    out = []
    specs = [("street", (96, 96), True), ("odd", (96, 96), True), ("odd", (64, 96), False), ("cells", (160, 128), False),
             ("cells", (64, 112), True)]
    for i, (src, shape, scaleup) in enumerate(specs):
        cls, xywh = boxes_for(src, seed=i)
        labels = {"img": SRC[src].copy(), "cls": cls, "instances": instances(xywh), "ratio_pad": (1.0, 1.0)}
        res = aug.LetterBox(new_shape=shape, scaleup=scaleup)(labels)
        inst = res["instances"]
        inst.convert_bbox("xyxy")
        name = f"letterbox/{i}"
        put(name, rgb(res["img"]))
        put(name + "/boxes_in", np.concatenate([cls, xywh], 1))
        put(name + "/boxes_out", inst.bboxes.astype(np.float32))
        out.append({"name": name, "src": src, "h": shape[0], "w": shape[1], "scaleup": scaleup,
                    "pad": list(res["ratio_pad"][1])})
    cases["letterbox"] = out


class Draws:
    """Replaces random.uniform in the reference's module with given values."""

    def __init__(self, values):
        self.values = list(values)

    def __enter__(self):
        self.saved = aug.random.uniform
        aug.random.uniform = lambda a, b: self.values.pop(0)
        return self

    def __exit__(self, *exc):
        aug.random.uniform = self.saved
        assert not self.values, f"unused draws {self.values}"


def perspective_cases():
    out = []
    rng = random.Random(7)
    for i in range(5):
        src = ("street", "cells", "odd", "street", "cells")[i]
        cls, xywh = boxes_for(src, n=8, seed=10 + i)
        hyp = dict(degrees=20.0 if i % 2 else 0.0, translate=0.1, scale=0.5, shear=5.0 if i == 3 else 0.0,
                   perspective=0.0005 if i == 4 else 0.0)
        draws = [rng.uniform(-hyp["perspective"], hyp["perspective"]), rng.uniform(-hyp["perspective"], hyp["perspective"]),
                 rng.uniform(-hyp["degrees"], hyp["degrees"]), rng.uniform(0.5, 1.5),
                 rng.uniform(-hyp["shear"], hyp["shear"]), rng.uniform(-hyp["shear"], hyp["shear"]),
                 rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6)]
        img = SRC[src].copy()
        labels = {"img": img, "cls": cls, "instances": instances(xywh)}
        t = aug.RandomPerspective(**hyp, pre_transform=None)
        captured = {}
        orig = t.affine_transform

        def spy(img_, border, _orig=orig, _cap=captured):
            r = _orig(img_, border)
            _cap["M"] = r[1]
            return r

        t.affine_transform = spy
        with Draws(draws):
            res = t(labels)
        name = f"perspective/{i}"
        put(name, rgb(res["img"]))
        put(name + "/boxes_in", np.concatenate([cls, xywh], 1))
        out_boxes = res["instances"]
        out_boxes.convert_bbox("xyxy")
        put(name + "/boxes_out", np.concatenate([res["cls"], out_boxes.bboxes], 1).astype(np.float32))
        out.append({"name": name, "src": src, "draws": draws, "perspective": hyp["perspective"],
                    "M": captured["M"].astype(np.float64).ravel().tolist()})
    cases["random_perspective"] = out


def mosaic_cases():
    out = []

    class FakeDataset:
        cache = "ram"
        buffer = []

    s = 64
    for i, (yc, xc) in enumerate(((70, 52), (33, 93), (95, 32))):
        parts = []
        names = ["street", "cells", "odd", "cells"] if i != 1 else ["odd", "odd", "street", "cells"]
        for k, src in enumerate(names):
            im = SRC[src]
            h0, w0 = im.shape[:2]
            r = s / max(h0, w0)
            im = cv2.resize(im, (min(math.ceil(w0 * r), s), min(math.ceil(h0 * r), s)), interpolation=cv2.INTER_LINEAR)
            cls, xywh = boxes_for(src, n=5, seed=100 + 10 * i + k)
            parts.append({"img": im, "cls": cls, "instances": instances(xywh), "resized_shape": im.shape[:2],
                          "im_file": src, "ori_shape": (h0, w0)})
            put(f"mosaic/{i}/part{k}", rgb(im))
            put(f"mosaic/{i}/part{k}/boxes", np.concatenate([cls, xywh], 1))
        m = aug.Mosaic(FakeDataset(), imgsz=s, p=1.0)
        labels = dict(parts[0])
        labels["mix_labels"] = parts[1:]
        with Draws([yc + 0.25, xc + 0.75]):
            res = m._mosaic4(labels)
        inst = res["instances"]
        inst.convert_bbox("xyxy")
        put(f"mosaic/{i}", rgb(res["img"]))
        put(f"mosaic/{i}/boxes_out", np.concatenate([res["cls"], inst.bboxes], 1).astype(np.float32))
        out.append({"name": f"mosaic/{i}", "s": s, "yc": yc, "xc": xc})
    cases["mosaic"] = out


def flip_cases():
    out = []
    for i, (direction, src) in enumerate((("horizontal", "street"), ("vertical", "odd"))):
        cls, xywh = boxes_for(src, seed=50 + i)
        inst = instances(xywh)
        inst.denormalize(SRC[src].shape[1], SRC[src].shape[0])
        labels = {"img": SRC[src].copy(), "instances": inst}
        res = aug.RandomFlip(p=1.0, direction=direction)(labels)
        b = res["instances"]
        b.convert_bbox("xyxy")
        name = f"flip/{i}"
        put(name, rgb(res["img"]))
        put(name + "/boxes_in", np.concatenate([cls, xywh], 1))
        put(name + "/boxes_out", b.bboxes.astype(np.float32))
        out.append({"name": name, "src": src, "direction": direction})
    cases["flip"] = out


# ---------------------------------------------------------------- labels
LABELS = [
    ("plain", "0 0.5 0.5 0.2 0.3\n2 0.1 0.2 0.05 0.05\n"),
    ("empty", ""),
    ("blank lines only", "\n\n  \n"),
    ("crlf and tabs", "1\t0.5 0.5 0.2 0.3\r\n0 0.25 0.25 0.1 0.1\r\n"),
    ("duplicates", "1 0.5 0.5 0.2 0.3\n0 0.9 0.1 0.05 0.05\n1 0.5 0.5 0.2 0.3\n0 0.9 0.1 0.05 0.05\n2 0.3 0.3 0.1 0.1\n"),
    ("class too large", "3 0.5 0.5 0.2 0.3\n"),
    ("class float", "1.5 0.5 0.5 0.2 0.3\n"),
    ("negative class", "-1 0.5 0.5 0.2 0.3\n"),
    ("out of bounds", "0 0.5 0.5 1.2 0.3\n"),
    ("within tolerance", "0 1.005 0.5 0.2 -0.005\n"),
    ("negative coordinate", "0 0.5 0.5 0.2 -0.02\n"),
    ("four columns", "0 0.5 0.5 0.2\n"),
    ("six columns", "0 0.5 0.5 0.2 0.3 0.1\n"),
    ("ragged", "0 0.5 0.5 0.2 0.3\n1 0.5 0.5 0.2\n"),
    ("text", "person 0.5 0.5 0.2 0.3\n"),
    ("nan", "0 nan 0.5 0.2 0.3\n"),
    ("inf", "0 0.5 inf 0.2 0.3\n"),
    ("exponent", "0 5e-1 0.5 2E-1 0.3\n"),
    ("whitespace line inside", "0 0.5 0.5 0.2 0.3\n   \n1 0.5 0.5 0.2 0.3\n"),
    ("polygon", "0 0.1 0.1 0.4 0.1 0.4 0.5 0.1 0.5\n1 0.6 0.6 0.9 0.6 0.8 0.9\n"),
    ("polygon odd", "0 0.1 0.1 0.4 0.1 0.4 0.5 0.1\n"),
    ("polygon with short row", "0 0.1 0.1 0.4 0.1 0.4 0.5 0.1 0.5\n1 0.5 0.5 0.2 0.3\n"),
    ("single_cls large class", "7 0.5 0.5 0.2 0.3\n", True),
    ("underscore number", "0 0.5 0.5 0.2 0.3_0\n"),
    ("hex", "0 0x1p-1 0.5 0.2 0.3\n"),
]


def label_cases():
    out = []
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        img = d / "images" / "a.jpg"
        img.parent.mkdir()
        cv2.imwrite(str(img), SRC["cells"])
        lab = d / "labels" / "a.txt"
        lab.parent.mkdir()
        for spec in LABELS:
            name, text = spec[0], spec[1]
            single = len(spec) > 2 and spec[2]
            lab.write_bytes(text.encode())
            im_file, lb, shape, segments, kp, nm, nf, ne, nc, msg = verify_image_label(
                (str(img), str(lab), "", False, 3, 0, 0, single))
            out.append({"name": name, "text": text, "nc": 3, "single_cls": bool(single), "missing": nm, "found": nf,
                        "empty": ne, "corrupt": nc, "rows": None if lb is None else lb.astype(np.float64).tolist(),
                        "message": msg.split(": ", 1)[-1] if msg else ""})
        # no label file at all
        lab.unlink()
        r = verify_image_label((str(img), str(lab), "", False, 3, 0, 0, False))
        out.append({"name": "missing file", "text": None, "nc": 3, "single_cls": False, "missing": r[5], "found": r[6],
                    "empty": r[7], "corrupt": r[8], "rows": r[1].tolist(), "message": ""})
    cases["labels"] = out


def rect_cases():
    out = []

    class Fake:
        pass

    for shapes, batch, imgsz, stride, pad in (
        ([(480, 640), (640, 480), (427, 640), (640, 640), (333, 500), (500, 333), (100, 1000)], 3, 640, 32, 0.5),
        ([(480, 640)] * 5, 2, 320, 32, 0.0),
        ([(1000, 100), (999, 100), (50, 60)], 2, 640, 32, 0.5),
    ):
        f = Fake()
        f.ni, f.batch_size, f.imgsz, f.stride, f.pad = len(shapes), batch, imgsz, stride, pad
        f.labels = [{"shape": s} for s in shapes]
        f.im_files = [str(i) for i in range(len(shapes))]
        BaseDataset.set_rectangle(f)
        out.append({"shapes": shapes, "batch": batch, "imgsz": imgsz, "stride": stride, "pad": pad,
                    "order": [int(x) for x in f.im_files], "batch_shapes": f.batch_shapes.tolist()})
    cases["rect"] = out


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    write_files()
    resize_cases()
    warp_cases()
    hsv_cases()
    letterbox_cases()
    perspective_cases()
    mosaic_cases()
    flip_cases()
    label_cases()
    rect_cases()
    save_file(tensors, str(OUT / "transforms.safetensors"), metadata={"kind": "data_transforms"})
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {OUT} ({total / 1e6:.2f} MB, {len(tensors)} tensors) from ultralytics {ultralytics.__version__}, "
          f"OpenCV {cv2.__version__}")


if __name__ == "__main__":
    sys.exit(main())
