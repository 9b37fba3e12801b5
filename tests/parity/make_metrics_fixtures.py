"""Writes the validation fixtures (tests/fixtures/metrics/*.safetensors) from the
reference's own code, run in the reference environment (make ref-env):

    .venv-ref/bin/python tests/parity/make_metrics_fixtures.py

kind "metrics": generated per-image predictions and ground truths go through
    the real DetectionValidator (update_metrics, get_stats, print_results) and
    ConfusionMatrix; expected per-class AP at the ten IoU thresholds, P, R, F1,
    the mean results, the curves (stored as float32), the confusion matrix and
    the printed table.
kind "nms":     generated decoded head outputs [B, 4+nc, A] go through the
    reference's non_max_suppression (torchvision NMS) with several option sets
    (metadata "cases"); expected kept rows and their anchor indices.
kind "decode":  random raw head outputs go through Detect._inference; expected
    [B, 4+nc, A] (xywh and xyxy variants).

Confidences are made distinct and ground-truth boxes never repeat exactly: on
exact ties the reference's NumPy/torch sorts have no defined order.
"""
import io
import json
import logging
import pathlib
import sys
import tempfile

import numpy as np
import torch
import torchvision  # noqa: F401  (the reference validator uses torchvision's NMS when it is imported)
from safetensors.numpy import save_file

import ultralytics
from ultralytics.data import converter
from ultralytics.models.yolo.detect import DetectionValidator
from ultralytics.nn.modules.head import Detect
from ultralytics.utils import LOGGER, nms
from ultralytics.utils.metrics import ConfusionMatrix

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "metrics"


# ---------------------------------------------------------------- metrics
def distinct_f32(values, rng):
    """float32 values with no two equal (nudged by one ulp until distinct)."""
    v = np.asarray(values, dtype=np.float32).copy()
    for _ in range(100):
        _, first, counts = np.unique(v, return_index=True, return_counts=True)
        if (counts == 1).all():
            return v
        seen = set()
        for i in range(len(v)):
            key = v[i].item()
            while key in seen:
                v[i] = np.nextafter(v[i], np.float32(1.0) if v[i] < 0.5 else np.float32(0.0))
                key = v[i].item()
            seen.add(key)
    raise RuntimeError("cannot make confidences distinct")


def random_box(rng, w, h, small=False):
    bw = rng.uniform(4, 40) if small else rng.uniform(8, w * 0.6)
    bh = rng.uniform(4, 40) if small else rng.uniform(8, h * 0.6)
    x = rng.uniform(0, w - bw)
    y = rng.uniform(0, h - bh)
    return np.array([x, y, x + bw, y + bh])


def jitter(box, rng, scale):
    w, h = box[2] - box[0], box[3] - box[1]
    d = rng.normal(0, scale, 4) * np.array([w, h, w, h])
    b = box + d
    return np.array([min(b[0], b[2] - 1), min(b[1], b[3] - 1), max(b[2], b[0] + 1), max(b[3], b[1] + 1)])


def make_images(rng, nc, n_images, img_w, img_h, *, gt_range=(0, 8), fp_range=(0, 6), hit=0.85,
                wrong_cls=0.1, dups=(0, 2), low_tail=0, empty_gt=0.1, empty_pred=0.05, gt_classes=None,
                pred_classes=None, sort=True):
    """Per image: GT boxes (normalized xywh + cls) and predictions (xyxy, conf, cls)."""
    gt_classes = list(range(nc)) if gt_classes is None else gt_classes
    pred_classes = list(range(nc)) if pred_classes is None else pred_classes
    images = []
    for _ in range(n_images):
        n_gt = 0 if rng.random() < empty_gt else int(rng.integers(gt_range[0], gt_range[1] + 1))
        gts = []
        for _ in range(n_gt):
            gts.append((int(rng.choice(gt_classes)), random_box(rng, img_w, img_h, small=rng.random() < 0.3)))
        preds = []
        if rng.random() >= empty_pred:
            for c, b in gts:
                if rng.random() < hit:
                    for d in range(1 + int(rng.integers(dups[0], dups[1] + 1))):
                        q = rng.uniform(0.0, 0.25)
                        pc = c if rng.random() >= wrong_cls else int(rng.choice(pred_classes))
                        conf = float(np.clip(1.0 - q * 2.5 - rng.uniform(0, 0.5) - 0.1 * d, 0.002, 0.999))
                        preds.append((jitter(b, rng, q), conf, pc))
                        if d == 0 and rng.random() < 0.15:  # exact duplicate box of the same class
                            preds.append((preds[-1][0].copy(), conf * rng.uniform(0.3, 0.9), pc))
                        if d == 0 and nc > 1 and rng.random() < 0.2:  # multi-label twin, low confidence
                            other = int(rng.choice(pred_classes))  # (below every confusion-matrix conf:
                            if other != pc:                        # equal IoUs there have no defined order)
                                preds.append((preds[-1][0].copy(), rng.uniform(0.001, 0.09), other))
            for _ in range(int(rng.integers(fp_range[0], fp_range[1] + 1))):
                preds.append((random_box(rng, img_w, img_h), rng.uniform(0.001, 0.6), int(rng.choice(pred_classes))))
            for _ in range(low_tail):
                preds.append((random_box(rng, img_w, img_h), rng.uniform(0.001, 0.02), int(rng.choice(pred_classes))))
        images.append((gts, preds))
    # distinct confidences over the whole set
    confs = distinct_f32([p[1] for _, ps in images for p in ps], rng)
    k = 0
    out = []
    for gts, ps in images:
        rows = []
        for b, _, c in ps:
            rows.append([*b, confs[k], c])
            k += 1
        pred = np.array(rows, dtype=np.float32).reshape(-1, 6)
        if sort and len(pred):
            pred = pred[np.argsort(-pred[:, 4], kind="stable")]
        gt_cls = np.array([c for c, _ in gts], dtype=np.float32)
        xywhn = np.array([[(b[0] + b[2]) / 2 / img_w, (b[1] + b[3]) / 2 / img_h, (b[2] - b[0]) / img_w,
                           (b[3] - b[1]) / img_h] for _, b in gts], dtype=np.float32).reshape(-1, 4)
        out.append((gt_cls, xywhn, pred))
    return out


def capture_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    # LOGGER's own handler runs first and already prefixes warnings ("WARNING ⚠️ ...")
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.addHandler(handler)
    return stream, handler


def metrics_case(name, nc, images, img_w, img_h, conf=None, verbose=True, save_json=None):
    """save_json: None, or (coco, (orig_h, orig_w), ((gain, gain), (pad_x, pad_y)), file names per image)."""
    names = {i: f"class{i}" if i % 7 else f"a_long_class_name_{i}" for i in range(nc)}
    args = dict(task="detect", mode="val", plots=True, verbose=verbose, save_json=bool(save_json), save_txt=False)
    if conf is not None:
        args["conf"] = conf
    with tempfile.TemporaryDirectory() as tmp:
        v = DetectionValidator(save_dir=pathlib.Path(tmp), args=args)
        if v.args.conf is None:
            v.args.conf = 0.001
        v.device = torch.device("cpu")
        v.names, v.nc, v.seen, v.end2end, v.jdict = names, nc, 0, False, []
        coco, ori_shape, ratio_pad, files = save_json or (False, (img_h, img_w), ((1.0, 1.0), (0, 0)), None)
        files = files or [f"im{i}.jpg" for i in range(len(images))]
        v.class_map = converter.coco80_to_coco91_class() if coco else list(range(1, nc + 1))
        v.metrics.names = names
        v.confusion_matrix = ConfusionMatrix(names=names)
        v.training = False
        tps = []
        for i, (gt_cls, xywhn, pred) in enumerate(images):
            batch = {
                "img": torch.zeros(1, 3, img_h, img_w),
                "batch_idx": torch.zeros(len(gt_cls)),
                "cls": torch.from_numpy(gt_cls).view(-1, 1),
                "bboxes": torch.from_numpy(xywhn),
                "ori_shape": [ori_shape],
                "ratio_pad": [ratio_pad],
                "im_file": [files[i]],
            }
            p = torch.from_numpy(pred)
            preds = [{"bboxes": p[:, :4], "conf": p[:, 4], "cls": p[:, 5], "extra": p[:, 6:]}]
            n_before = len(v.metrics.stats["tp"])
            v.update_metrics(preds, batch)
            tps.append(v.metrics.stats["tp"][n_before])
        gts = []
        for gt_cls, xywhn, _ in images:  # the reference's input-space ground truth (its _prepare_batch)
            pb = v._prepare_batch(0, {"img": torch.zeros(1, 3, img_h, img_w), "batch_idx": torch.zeros(len(gt_cls)),
                                      "cls": torch.from_numpy(gt_cls).view(-1, 1), "bboxes": torch.from_numpy(xywhn),
                                      "ori_shape": [(img_h, img_w)], "ratio_pad": [((1.0, 1.0), (0, 0))],
                                      "im_file": ["x.jpg"]})
            gts.append(np.concatenate([gt_cls.reshape(-1, 1), pb["bboxes"].numpy().reshape(-1, 4)], 1))
        stats = {k: np.concatenate(x, 0) for k, x in v.metrics.stats.items()}
        v.args.plots = False
        v.get_stats()
        stream, handler = capture_log()
        print(v.get_desc(), file=stream)
        v.print_results()
        LOGGER.removeHandler(handler)
        table = stream.getvalue()
        box = v.metrics.box
        pred_cls_all = stats["pred_cls"]
        prec_class = [int(c) for c in box.ap_class_index if (pred_cls_all == c).sum() > 0]
        tensors = {
            "pred": np.concatenate([im[2] for im in images], 0).astype(np.float32).reshape(-1, 6),
            "pred_count": np.array([len(im[2]) for im in images], dtype=np.int32),
            "gt": np.concatenate(gts, 0).astype(np.float32).reshape(-1, 5),
            "gt_xywhn": np.concatenate([im[1] for im in images], 0).astype(np.float32).reshape(-1, 4),
            "gt_count": np.array([len(im[0]) for im in images], dtype=np.int32),
            "want/tp": np.concatenate(tps, 0).astype(np.uint8).reshape(-1, 10),
            "want/class_index": np.asarray(box.ap_class_index, dtype=np.int32).reshape(-1),
            "want/ap": np.asarray(box.all_ap, dtype=np.float64).reshape(-1, 10),
            "want/p": np.asarray(box.p, dtype=np.float64).reshape(-1),
            "want/r": np.asarray(box.r, dtype=np.float64).reshape(-1),
            "want/f1": np.asarray(box.f1, dtype=np.float64).reshape(-1),
            "want/mean": np.array([*v.metrics.mean_results(), v.metrics.fitness], dtype=np.float64),
            "want/nt_per_class": np.asarray(v.metrics.nt_per_class, dtype=np.int64),
            "want/nt_per_image": np.asarray(v.metrics.nt_per_image, dtype=np.int64),
            "want/confusion": np.asarray(v.confusion_matrix.matrix, dtype=np.float64),
            "want/p_curve": np.asarray(box.p_curve, dtype=np.float32).reshape(-1, 1000),
            "want/r_curve": np.asarray(box.r_curve, dtype=np.float32).reshape(-1, 1000),
            "want/f1_curve": np.asarray(box.f1_curve, dtype=np.float32).reshape(-1, 1000),
            "want/prec_values": np.asarray(box.prec_values, dtype=np.float32).reshape(-1, 1000),
            "want/prec_class": np.array(prec_class, dtype=np.int32),
            "want/px": np.asarray(box.px, dtype=np.float64),
        }
        tensors = {k: np.ascontiguousarray(x) for k, x in tensors.items()}  # safetensors writes raw buffers
        meta = {"kind": "metrics", "case": name, "nc": str(nc), "names": json.dumps([names[i] for i in range(nc)]),
                "conf": repr(float(v.args.conf)), "imgsz": f"{img_h},{img_w}", "images": str(len(images)),
                "verbose": "1" if verbose else "0", "table": table,
                "save_json": json.dumps({"coco": coco, "orig_hw": list(ori_shape), "gain": ratio_pad[0][0],
                                         "pad": list(ratio_pad[1]), "files": files}) if save_json else "",
                "predictions_json": json.dumps(v.jdict) if save_json else "",
                "ultralytics": ultralytics.__version__}
        save_file(tensors, str(OUT / f"metrics_{name}.safetensors"), metadata=meta)
        print(f"metrics_{name}: {len(images)} images, {len(tensors['pred'])} predictions, "
              f"{len(tensors['gt'])} ground truths, {len(box.ap_class_index)} classes with labels")


def make_metrics(rng):
    files = [f"{i:012d}.jpg" if i % 3 == 0 else f"img_{i}.png" if i % 3 == 1 else f"dir/photo {i}.v2.jpg"
             for i in range(25)]
    files[1] = "café_ü_\u4e2d.jpg"  # non-ASCII file name: JSON \u escapes
    files[2] = "0042"                 # numeric stem without suffix
    metrics_case("basic", 3, make_images(rng, 3, 25, 640, 480), 640, 480,
                 save_json=(False, (700, 1000), ((0.64, 0.64), (0, 16)), files))
    metrics_case("many_classes", 80,
                 make_images(rng, 80, 80, 640, 640, gt_classes=list(range(0, 70)),
                             pred_classes=list(range(5, 80)), empty_gt=0.15, empty_pred=0.1), 640, 640,
                 save_json=(True, (427, 640), ((1.0, 1.0), (0, 106)), [f"{397133 + i:012d}.jpg" for i in range(80)]))
    metrics_case("duplicates", 5, make_images(rng, 5, 30, 512, 384, dups=(1, 5)), 512, 384)
    metrics_case("low_conf_tail", 10, make_images(rng, 10, 40, 640, 480, low_tail=60), 640, 480)
    metrics_case("no_labels", 4, make_images(rng, 4, 10, 320, 320, empty_gt=1.0), 320, 320)
    metrics_case("no_predictions", 3, make_images(rng, 3, 12, 320, 256, empty_pred=1.0), 320, 256)
    metrics_case("conf_custom", 2, make_images(rng, 2, 20, 640, 480), 640, 480, conf=0.1)
    metrics_case("single_class", 1, make_images(rng, 1, 20, 640, 480), 640, 480)
    metrics_case("not_verbose", 6, make_images(rng, 6, 15, 640, 480), 640, 480, verbose=False)
    metrics_case("crowded", 2, make_images(rng, 2, 6, 640, 640, gt_range=(60, 120), fp_range=(100, 200),
                                           dups=(0, 3)), 640, 640)
    metrics_case("unsorted", 4, make_images(rng, 4, 15, 640, 480, sort=False), 640, 480)


# ---------------------------------------------------------------- NMS
def synth_head_output(rng, batch, nc, imgsz, objects=(3, 12), background_logit=-9.0):
    """A decoded head output [B, 4+nc, A] (xywh pixels, sigmoid scores) that looks like a trained model's."""
    anchors = []
    for s in (8, 16, 32):
        g = imgsz // s
        ys, xs = np.meshgrid(np.arange(g) + 0.5, np.arange(g) + 0.5, indexing="ij")
        anchors.append(np.stack([xs.ravel() * s, ys.ravel() * s, np.full(g * g, s)], 1))
    anchors = np.concatenate(anchors, 0)
    A = len(anchors)
    out = np.zeros((batch, 4 + nc, A), dtype=np.float32)
    for b in range(batch):
        logits = rng.normal(background_logit, 2.0, (nc, A))
        wh = anchors[:, 2:3] * np.exp(rng.normal(1.0, 0.6, (A, 2)))
        xy = anchors[:, :2] + rng.normal(0, 0.3, (A, 2)) * anchors[:, 2:3]
        for _ in range(int(rng.integers(objects[0], objects[1] + 1))):
            c = int(rng.integers(0, nc))
            cx, cy = rng.uniform(0, imgsz, 2)
            w, h = rng.uniform(10, imgsz * 0.7, 2)
            near = (np.abs(anchors[:, 0] - cx) < w / 2) & (np.abs(anchors[:, 1] - cy) < h / 2)
            idx = np.nonzero(near)[0]
            xy[idx] = np.array([cx, cy]) + rng.normal(0, 0.08, (len(idx), 2)) * np.array([w, h])
            wh[idx] = np.array([w, h]) * np.exp(rng.normal(0, 0.12, (len(idx), 2)))
            logits[c, idx] = rng.normal(2.0, 2.0, len(idx))
            if nc > 1:
                c2 = (c + 1 + int(rng.integers(0, nc - 1))) % nc
                logits[c2, idx] = np.maximum(logits[c2, idx], rng.normal(-3.0, 1.5, len(idx)))
        out[b, 0:2] = xy.T
        out[b, 2:4] = wh.T
        out[b, 4:] = 1.0 / (1.0 + np.exp(-logits))
    return out


def nms_file(name, pred, cases):
    """One input, several option sets: cases are dicts of non_max_suppression options plus 'name'."""
    tensors = {"pred": pred}
    metas = []
    for case in cases:
        o = dict(conf=0.001, iou=0.7, multi_label=True, agnostic=False, classes=None, max_det=300, max_nms=30000)
        o.update({k: v for k, v in case.items() if k != "name"})
        out, keep = nms.non_max_suppression(torch.from_numpy(pred.copy()), o["conf"], o["iou"], classes=o["classes"],
                                            agnostic=o["agnostic"], multi_label=o["multi_label"],
                                            max_det=o["max_det"], nc=0, max_nms=o["max_nms"], return_idxs=True)
        c = case["name"]
        tensors[f"want/{c}/count"] = np.array([len(x) for x in out], dtype=np.int32)
        tensors[f"want/{c}/rows"] = np.concatenate([x.numpy().reshape(-1, 6) for x in out], 0).astype(np.float32)
        tensors[f"want/{c}/index"] = np.concatenate([k.numpy().reshape(-1) for k in keep], 0).astype(np.int64)
        metas.append({"name": c, **o, "classes": o["classes"] or []})
        print(f"nms_{name}/{c}: kept {tensors[f'want/{c}/count'].tolist()}")
    tensors = {k: np.ascontiguousarray(x) for k, x in tensors.items()}
    meta = {"kind": "nms", "cases": json.dumps(metas), "ultralytics": ultralytics.__version__}
    save_file(tensors, str(OUT / f"nms_{name}.safetensors"), metadata=meta)


def make_nms(rng):
    nms_file("nc80", synth_head_output(rng, 1, 80, 256), [{"name": "val"}, {"name": "agnostic", "agnostic": True}])
    p10 = synth_head_output(rng, 2, 10, 320, objects=(8, 20), background_logit=-6.0)
    nms_file("nc10", p10, [
        {"name": "val"},
        {"name": "agnostic", "agnostic": True},
        {"name": "single_label", "multi_label": False},
        {"name": "classes", "classes": [0, 3, 7]},
        {"name": "max_nms", "max_nms": 700, "max_det": 50},
        {"name": "predict", "conf": 0.25, "iou": 0.45, "multi_label": False},
    ])
    nms_file("nc1", synth_head_output(rng, 1, 1, 320, objects=(10, 20), background_logit=-5.0), [{"name": "val"}])
    nms_file("empty", synth_head_output(rng, 1, 3, 128, objects=(0, 0), background_logit=-30.0), [{"name": "val"}])
    nms_file("crowded", synth_head_output(rng, 1, 4, 320, objects=(60, 80), background_logit=-4.0),
             [{"name": "iou05", "iou": 0.5}, {"name": "val"}])
    # coordinates spanning more than max_wh (7680): the class offset no longer keeps classes apart
    wide = synth_head_output(rng, 1, 3, 256, objects=(20, 30), background_logit=-5.0)
    wide[:, :4] *= 40.0
    nms_file("wide", wide, [{"name": "val"}, {"name": "agnostic", "agnostic": True}])


# ---------------------------------------------------------------- decode
def decode_case(name, rng, batch, nc, imgsz_hw, scale=3.0):
    h, w = imgsz_hw
    det = Detect(nc=nc, ch=(16, 32, 64))
    det.stride = torch.tensor([8.0, 16.0, 32.0])
    det.eval()
    xs = [torch.from_numpy((rng.normal(0, scale, (batch, 64 + nc, h // s, w // s))).astype(np.float32))
          for s in (8, 16, 32)]
    with torch.no_grad():
        y = det._inference([x.clone() for x in xs])
        det.xyxy = True
        det.shape = None
        y_xyxy = det._inference([x.clone() for x in xs])
    tensors = {f"x{i}": x.numpy() for i, x in enumerate(xs)}
    tensors["want/xywh"] = y.numpy()
    tensors["want/xyxy"] = y_xyxy.numpy()
    tensors = {k: np.ascontiguousarray(x) for k, x in tensors.items()}
    meta = {"kind": "decode", "case": name, "nc": str(nc), "strides": "8,16,32", "reg_max": "16",
            "ultralytics": ultralytics.__version__}
    save_file(tensors, str(OUT / f"decode_{name}.safetensors"), metadata=meta)
    print(f"decode_{name}: y {tuple(y.shape)}")


def make_decode(rng):
    decode_case("nc3_rect", rng, 2, 3, (64, 128))
    decode_case("nc80", rng, 1, 80, (64, 96), scale=5.0)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    make_metrics(np.random.default_rng(6))
    make_nms(np.random.default_rng(66))
    make_decode(np.random.default_rng(666))
    print(f"wrote {OUT} from ultralytics {ultralytics.__version__}, torch {torch.__version__}, "
          f"numpy {np.__version__}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
