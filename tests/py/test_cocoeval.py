"""`yoloc cocoeval` against pycocotools on generated ground truths and results:
crowd boxes, empty images, categories without detections or without ground
truth, more than 100 detections per image, equal scores, area-range edges,
annotation id 0, text image ids. All twelve numbers must agree within 1e-4
(they agree to the last bits: the same arithmetic in the same order), and the
printed summary must be pycocotools' text."""
import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

NAMES = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


def box(rng, size):
    """A box [x, y, w, h] in a 640x480 image; size small / medium / large / any."""
    lo, hi = {"small": (4, 30), "medium": (33, 95), "large": (100, 400), "any": (4, 400)}[size]
    w, h = rng.uniform(lo, hi, 2)
    x, y = rng.uniform(0, 640 - min(w, 600)), rng.uniform(0, 480 - min(h, 470))
    return [round(float(v), 2) for v in (x, y, w, h)]


def jitter(rng, b, scale):
    x, y, w, h = b
    d = rng.normal(0, scale, 4) * np.array([w, h, w, h])
    return [round(float(v), 2) for v in (x + d[0], y + d[1], max(1.0, w + d[2]), max(1.0, h + d[3]))]


def make_case(seed, *, n_images=20, cats=(1, 2, 3, 5, 7), gt_per_image=(0, 8), crowd=0.0, empty=0.1,
              dets_per_gt=(0, 3), fp=(0, 5), extra_dets=0, score_levels=None, text_ids=False, id_zero=False,
              area_edges=False, cats_without_gt=(), det_only_cats=()):
    rng = np.random.default_rng(seed)
    images, anns, dets = [], [], []
    ann_id = 0 if id_zero else 1
    for i in range(n_images):
        img_id = f"img_{i:03d}" if text_ids else int(1000 + 7 * i)
        images.append({"id": img_id, "width": 640, "height": 480, "file_name": f"{i}.jpg"})
        n_gt = 0 if rng.random() < empty else int(rng.integers(gt_per_image[0], gt_per_image[1] + 1))
        gt_cats = [c for c in cats if c not in cats_without_gt]
        for _ in range(n_gt):
            c = int(rng.choice(gt_cats))
            b = box(rng, str(rng.choice(["small", "medium", "large", "any"])))
            is_crowd = int(rng.random() < crowd)
            area = round(b[2] * b[3] * rng.uniform(0.6, 1.0), 2)  # segmentation area: below the box's
            if area_edges and rng.random() < 0.3:
                area = float(rng.choice([1024.0, 9216.0, 1023.99, 9216.01]))
            anns.append({"id": ann_id, "image_id": img_id, "category_id": c, "bbox": b, "area": area,
                         "iscrowd": is_crowd})
            ann_id += 1
            for _ in range(int(rng.integers(dets_per_gt[0], dets_per_gt[1] + 1))):
                dc = c if rng.random() < 0.85 else int(rng.choice(list(cats) + list(det_only_cats)))
                score = float(rng.random())
                dets.append({"image_id": img_id, "category_id": dc, "bbox": jitter(rng, b, rng.uniform(0.01, 0.3)),
                             "score": score})
        for _ in range(int(rng.integers(fp[0], fp[1] + 1)) + extra_dets):
            dets.append({"image_id": img_id, "category_id": int(rng.choice(list(cats) + list(det_only_cats))),
                         "bbox": box(rng, "any"), "score": float(rng.random())})
    if score_levels:
        for d in dets:
            d["score"] = round(d["score"] * score_levels) / score_levels
    else:
        for d in dets:
            d["score"] = round(d["score"], 5)
    rng.shuffle(dets)
    categories = [{"id": c, "name": f"c{c}"} for c in cats]
    return {"images": images, "annotations": anns, "categories": categories}, dets


CASES = {
    "basic": dict(),
    "crowd": dict(crowd=0.25, gt_per_image=(1, 10)),
    "empty_images": dict(empty=0.5, fp=(0, 3)),
    "categories_without_predictions_or_labels": dict(cats=(1, 2, 3, 4, 9), cats_without_gt=(4,),
                                                     det_only_cats=(11,)),
    "over_100_detections": dict(n_images=8, gt_per_image=(10, 40), dets_per_gt=(1, 6), extra_dets=150),
    "equal_scores": dict(score_levels=10, gt_per_image=(2, 12)),
    "area_edges": dict(area_edges=True, gt_per_image=(4, 12)),
    "annotation_id_zero": dict(id_zero=True, n_images=6),
    "text_image_ids": dict(text_ids=True),
}


def pycocotools_stats(gt_path, dt_path):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        gt = COCO(str(gt_path))
        dt = gt.loadRes(str(dt_path))
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        ev.summarize()
    return [float(v) for v in ev.stats], out.getvalue()


@pytest.mark.parametrize("case", sorted(CASES))
def test_cocoeval_matches_pycocotools(case, tmp_path, yoloc):
    gt, dets = make_case(sorted(CASES).index(case) + 11, **CASES[case])
    gt_path, dt_path, out_path = tmp_path / "gt.json", tmp_path / "dt.json", tmp_path / "stats.json"
    gt_path.write_text(json.dumps(gt))
    dt_path.write_text(json.dumps(dets))
    want, want_text = pycocotools_stats(gt_path, dt_path)
    proc = yoloc("cocoeval", f"gt={gt_path}", f"pred={dt_path}", f"json={out_path}")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out_path.read_text())
    assert list(got) == NAMES
    diffs = {k: abs(got[k] - w) for k, w in zip(NAMES, want)}
    print(f"{case}: max |yoloc - pycocotools| = {max(diffs.values()):.3g}")
    assert max(diffs.values()) <= 1e-4, f"{case}: got {got}\nwant {dict(zip(NAMES, want))}"
    assert proc.stdout == want_text
    assert any(w > 0 for w in want)  # the case measures something


def test_empty_results_give_zeros(tmp_path, yoloc):
    gt, _ = make_case(3)
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "dt.json").write_text("[]")
    proc = yoloc("cocoeval", f"gt={tmp_path / 'gt.json'}", f"pred={tmp_path / 'dt.json'}",
                 f"json={tmp_path / 's.json'}")
    assert proc.returncode == 0, proc.stderr
    got = json.loads((tmp_path / "s.json").read_text())
    assert got["AP"] == 0 and got["AR100"] == 0


@pytest.mark.parametrize("gt_text, dt_text, message", [
    ('{"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]}',
     '[{"image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]',
     "dt.json: [0]: image_id 2 is not an image of the ground truth"),
    ('{"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]}',
     '[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 0.5}]',
     "dt.json: [0]: bbox must be a list of 4 numbers"),
    ('{"images": [{"id": 1}], "annotations": [], "categories": [{"id": 1}]}',
     '[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]', "dt.json: [0]: score must be a number"),
    ('{"images": [{"id": 1}], "categories": [{"id": 1}]}', "[]", 'gt.json: the key "annotations" must hold a list'),
    ('{"images": [{"id": 1}, {"id": "a"}], "annotations": [], "categories": []}', "[]",
     "gt.json: images[1]: image ids mix numbers and strings"),
    ("{not json", "[]", "gt.json: not valid JSON"),
    ('{"images": [], "annotations": [], "categories": []}', '{"a": 1}', "dt.json: not a COCO results file"),
])
def test_bad_files_are_explained(tmp_path, yoloc, gt_text, dt_text, message):
    (tmp_path / "gt.json").write_text(gt_text)
    (tmp_path / "dt.json").write_text(dt_text)
    proc = yoloc("cocoeval", f"gt={tmp_path / 'gt.json'}", f"pred={tmp_path / 'dt.json'}")
    assert proc.returncode == 1
    assert message in proc.stderr, proc.stderr


def test_usage_errors(yoloc):
    proc = yoloc("cocoeval", "gt=a.json")
    assert proc.returncode == 2 and "needs gt=INSTANCES.json and pred=PREDICTIONS.json" in proc.stderr
    proc = yoloc("cocoeval", "gt=a.json", "prd=b.json")
    assert proc.returncode == 2 and "unknown key 'prd' (did you mean 'pred'?)" in proc.stderr
