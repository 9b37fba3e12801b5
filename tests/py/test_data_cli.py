"""The data pipeline from the command line: yoloc convert (VOC, COCO) and
yoloc dataset, with the reference's conventions computed independently here
(xml.etree for VOC, the COCO JSON for COCO), bad input of every kind, and
the loader's batches being the same with or without the AVX2 kernels."""
import json
import os
import pathlib
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import yaml
from pycocotools.coco import COCO

from conftest import ROOT, run_yoloc

SHARED_BCCD = next((p for p in (ROOT.parent / "shared" / "datasets" / "bccd", ROOT.parents[1] / "shared" / "datasets" / "bccd",
                                pathlib.Path("/work/shared/datasets/bccd")) if (p / "Annotations").is_dir()), None)
BUNDLED = ROOT / "share" / "datasets" / "bccd"


def read_labels(path):
    text = pathlib.Path(path).read_text()
    return np.array([[float(v) for v in line.split()] for line in text.splitlines() if line.strip()]).reshape(-1, 5)


def voc_reference_rows(xml_path, names):
    """The reference's VOC recipe (ultralytics VOC.yaml): 1-based corners,
    difficult objects dropped; degenerate boxes are ours to drop."""
    root = ET.parse(xml_path).getroot()
    w = int(root.find("size/width").text)
    h = int(root.find("size/height").text)
    rows = []
    for obj in root.iter("object"):
        if int(obj.find("difficult").text) == 1:
            continue
        b = [float(obj.find(f"bndbox/{k}").text) for k in ("xmin", "xmax", "ymin", "ymax")]
        if b[1] <= b[0] or b[3] <= b[2]:
            continue
        x, y, bw, bh = (b[0] + b[1]) / 2 - 1, (b[2] + b[3]) / 2 - 1, b[1] - b[0], b[3] - b[2]
        rows.append([names.index(obj.find("name").text), x / w, y / h, bw / w, bh / h])
    return np.array(rows).reshape(-1, 5)


@pytest.mark.skipif(SHARED_BCCD is None, reason="the Pascal VOC original of BCCD is not on this machine")
def test_convert_bccd_reports_the_two_degenerate_boxes(tmp_path):
    dst = tmp_path / "bccd"
    proc = run_yoloc("convert", "from=voc", f"src={SHARED_BCCD}", f"dst={dst}", check=True)
    problems = [line.strip() for line in proc.stdout.splitlines() if line.startswith("  ")]
    assert len(problems) == 2, proc.stdout
    assert any("BloodImage_00338.xml: object 13 (RBC): degenerate box" in p for p in problems)
    assert any("BloodImage_00343.xml: object 4 (RBC): degenerate box" in p for p in problems)
    assert "364 images (train 205, val 87, test 72), 4886 boxes, 3 classes; 2 boxes and 0 images skipped" in proc.stdout
    data = yaml.safe_load((tmp_path / "bccd.yaml").read_text())
    assert data["names"] == {0: "Platelets", 1: "RBC", 2: "WBC"} and data["nc"] == 3
    assert (data["train"], data["val"], data["test"]) == ("images/train", "images/val", "images/test")
    names = ["Platelets", "RBC", "WBC"]
    for split in ("train", "val", "test"):
        ids = (SHARED_BCCD / "ImageSets" / "Main" / f"{split}.txt").read_text().split()
        for i in ids:
            got = read_labels(dst / "labels" / split / f"{i}.txt")
            want = voc_reference_rows(SHARED_BCCD / "Annotations" / f"{i}.xml", names)
            assert got.shape == want.shape, i
            np.testing.assert_allclose(got, want, atol=1e-7, err_msg=i)
            assert (dst / "images" / split / f"{i}.jpg").read_bytes() == (SHARED_BCCD / "JPEGImages" / f"{i}.jpg").read_bytes()
    # the bundled copy is what the converter makes
    for split in ("train", "val", "test"):
        for lab in (dst / "labels" / split).glob("*.txt"):
            assert lab.read_text() == (BUNDLED / "labels" / split / lab.name).read_text(), lab.name


def test_bundled_bccd_is_complete():
    assert (BUNDLED / "LICENSE").is_file() and (BUNDLED / "README.md").is_file()
    counts = {s: len(list((BUNDLED / "images" / s).glob("*.jpg"))) for s in ("train", "val", "test")}
    assert counts == {"train": 205, "val": 87, "test": 72}
    boxes = sum(len(read_labels(p)) for p in BUNDLED.glob("labels/*/*.txt"))
    assert boxes == 4886
    data = yaml.safe_load((ROOT / "share" / "datasets" / "bccd.yaml").read_text())
    assert data["path"] == "bccd" and data["nc"] == 3


def coco_from_yolo(src_root, split, names):
    """A COCO instances JSON made from YOLO labels (pixel boxes), with a few
    entries the converter must report."""
    from PIL import Image
    images, anns = [], []
    for k, img in enumerate(sorted((src_root / "images" / split).glob("*.jpg"))):
        w, h = Image.open(img).size
        images.append({"id": 1000 + k, "file_name": img.name, "width": w, "height": h})
        for row in read_labels(src_root / "labels" / split / f"{img.stem}.txt"):
            c, cx, cy, bw, bh = row
            anns.append({"id": len(anns) + 1, "image_id": 1000 + k, "category_id": int(c) * 2 + 1, "iscrowd": 0,
                         "bbox": [(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h], "area": bw * w * bh * h})
    anns.append({"id": 9001, "image_id": 1000, "category_id": 1, "iscrowd": 1, "bbox": [1, 1, 9, 9]})
    anns.append({"id": 9002, "image_id": 1000, "category_id": 1, "iscrowd": 0, "bbox": [5, 5, 0, 7]})
    cats = [{"id": 2 * i + 1, "name": n} for i, n in enumerate(names)]
    return {"images": images, "annotations": anns, "categories": cats}


def test_convert_coco_round_trip(tmp_path):
    coco8 = ROOT / "share" / "datasets" / "coco8"
    names = list(yaml.safe_load((ROOT / "share" / "datasets" / "coco8.yaml").read_text())["names"].values())
    js = tmp_path / "instances_val.json"
    js.write_text(json.dumps(coco_from_yolo(coco8, "val", names)))
    COCO(str(js))  # what we wrote is valid COCO (pycocotools is a required oracle: no skip)
    dst = tmp_path / "c8"
    proc = run_yoloc("convert", "from=coco", f"src={js}", f"images={coco8 / 'images' / 'val'}", f"dst={dst}", check=True)
    assert "1 crowd annotations left out" in proc.stdout
    assert "annotation" in proc.stdout and "degenerate bbox [5, 5, 0, 7]" in proc.stdout
    assert "4 images (val 4)" in proc.stdout
    for lab in (coco8 / "labels" / "val").glob("*.txt"):
        np.testing.assert_allclose(read_labels(dst / "labels" / "val" / lab.name), read_labels(lab), atol=2e-6)
    data = yaml.safe_load((tmp_path / "c8.yaml").read_text())
    assert data["val"] == "images/val" and data["train"] == "images/val" and len(data["names"]) == 80
    # the converted set is a dataset the loader opens
    out = run_yoloc("dataset", f"data={tmp_path / 'c8.yaml'}", check=True).stdout
    assert "val: " in out and "4 images, 0 backgrounds" in out


@pytest.mark.parametrize("words,message", [
    (["from=pascal", "src=x", "dst=y"], "from: expected voc or coco, got 'pascal'"),
    (["src=x", "dst=y"], "from= is required"),
    (["from=voc", "dst=y"], "src= is required"),
    (["from=voc", "src=x"], "dst= is required"),
    (["from=voc", "src=x", "dst=y", "image=z"], "unknown key 'image' (did you mean 'images'?)"),
    (["from=voc", "src=x", "dst=y", "images=z"], "images= does not apply to from=voc"),
    (["from=coco", "src=x", "dst=y"], "images= is required with from=coco"),
    (["from=coco", "src=x", "dst=y", "images=z", "split=holdout"], "split: expected train, val or test, got 'holdout'"),
    (["from=voc", "src=x", "dst=y", "difficult=maybe"], "difficult: expected true or false, got 'maybe'"),
    (["from=voc", "srcx"], "expected key=value, got 'srcx'"),
])
def test_convert_usage_errors(words, message):
    proc = run_yoloc("convert", *words)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_convert_missing_source_fails(tmp_path):
    proc = run_yoloc("convert", "from=voc", f"src={tmp_path / 'none'}", f"dst={tmp_path / 'out'}")
    assert proc.returncode == 1 and "is not a directory" in proc.stderr


def make_bad_dataset(root):
    """Every kind of bad input: truncated and fake images, garbage labels,
    NaNs, a huge (sparse) label file, an unsupported format."""
    img_dir, lab_dir = root / "images" / "train", root / "labels" / "train"
    img_dir.mkdir(parents=True)
    lab_dir.mkdir(parents=True)
    good = (ROOT / "tests" / "fixtures" / "data" / "plain.jpg").read_bytes()
    files = {
        "ok1.jpg": (good, "0 0.5 0.5 0.2 0.2\n"),
        "ok2.jpg": (good, None),
        "ok3.jpg": (good, ""),
        "dups.jpg": (good, "1 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2 0.2\n"),
        "truncated.jpg": (good[: len(good) // 2], "0 0.5 0.5 0.2 0.2\n"),
        "fake.jpg": (b"not an image at all", "0 0.5 0.5 0.2 0.2\n"),
        "empty.jpg": (b"", None),
        "bmp.bmp": (b"BM" + bytes(100), None),
        "nan.jpg": (good, "0 nan 0.5 0.2 0.2\n"),
        "garbage.jpg": (good, "\x00\xff\x12 binary junk \n 1 2\n"),
        "classes.jpg": (good, "9 0.5 0.5 0.2 0.2\n"),
        "huge.jpg": (good, "0 0.5 0.5 0.2 0.2\n"),
    }
    for name, (data, label) in files.items():
        (img_dir / name).write_bytes(data)
        if label is not None:
            (lab_dir / (name.rsplit(".", 1)[0] + ".txt")).write_bytes(label.encode("latin-1"))
    with open(lab_dir / "huge.txt", "r+b") as f:
        f.truncate(70 << 20)
    (root / "images" / "val").mkdir()
    (root / "images" / "val" / "v.jpg").write_bytes(good)
    (root / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [a, b, c]\n")
    return root / "data.yaml"


def test_dataset_survives_bad_input(tmp_path):
    data = make_bad_dataset(tmp_path / "bad")
    proc = run_yoloc("dataset", f"data={data}")
    assert proc.returncode == 0, proc.stderr
    train = [line for line in proc.stdout.splitlines() if line.startswith("train: ")]
    assert len(train) == 1
    # the reference's counters: label files found 7 (broken ones included), ok2 missing, ok3 empty, 8 corrupt
    assert "7 images, 2 backgrounds (1 missing, 1 empty), 8 corrupt" in train[0], train[0]
    problems = [line.strip() for line in proc.stdout.splitlines() if line.startswith("  /")]
    for name in ("truncated.jpg", "fake.jpg", "empty.jpg", "bmp.bmp", "nan.jpg", "garbage.jpg", "classes.jpg", "huge.jpg"):
        hits = [p for p in problems if f"/{name}:" in p]
        assert len(hits) == 1 and "ignoring corrupt image/label" in hits[0], (name, problems)
    assert sum("duplicate labels removed" in p for p in problems) == 1
    # reported once: the second run reads the cache and says the same
    again = run_yoloc("dataset", f"data={data}").stdout
    assert "(from cache)" in again and again.count("ignoring corrupt") == proc.stdout.count("ignoring corrupt")
    assert (tmp_path / "bad" / "labels" / "train.yoloc-cache").is_file()


def test_dataset_all_bad_fails(tmp_path):
    root = tmp_path / "allbad"
    (root / "images" / "train").mkdir(parents=True)
    (root / "images" / "train" / "x.jpg").write_bytes(b"nope")
    (root / "data.yaml").write_text("train: images/train\nval: images/train\nnames: [a]\n")
    proc = run_yoloc("dataset", f"data={root / 'data.yaml'}")
    assert proc.returncode == 1 and "no valid images" in proc.stderr


def test_dataset_bundled_coco8_and_errors(tmp_path):
    out = run_yoloc("dataset", "data=coco8.yaml", check=True).stdout
    assert "train: " in out and "4 images" in out and "val: " in out
    proc = run_yoloc("dataset", "data=missing.yaml")
    assert proc.returncode == 2 and "missing.yaml" in proc.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: images\nnames: [a]\n")
    proc = run_yoloc("dataset", f"data={bad}")
    assert proc.returncode == 2 and "'val:' key missing" in proc.stderr


def loader_digest(*words, env=None):
    tool = ROOT / "tests" / "bin" / "loader_bench"
    full = dict(os.environ)
    full.update(env or {})
    proc = subprocess.run([str(tool), *words, "digest=true", "warmup=0"], capture_output=True, text=True, cwd=ROOT, env=full,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line.startswith("digest ")][0]


def test_batches_do_not_depend_on_simd_or_workers():
    words = ["data=coco8.yaml", "imgsz=192", "batch=2", "batches=6"]
    a = loader_digest(*words, "workers=3")
    b = loader_digest(*words, "workers=0", env={"YOLOC_NO_SIMD": "1"})
    c = loader_digest(*words, "workers=1", "cache=ram")
    assert a == b
    assert c != a  # cache=ram draws mosaic partners from the whole set, as the reference does
    v1 = loader_digest(*words, "workers=2", "mode=val")
    v2 = loader_digest(*words, "workers=0", "mode=val", env={"YOLOC_NO_SIMD": "1"})
    assert v1 == v2
