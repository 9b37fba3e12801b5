"""Helpers for the tracking tests: a validation.json in the contract's schema,
an independent TFRecord reader (tensorboard's own CRC), and the run-directory
checks, written so they also apply to a real training run's directory."""
import json
import math
import struct
import subprocess

import numpy as np

from conftest import ROOT

TRACK_SCRIPT = ROOT / "tests" / "bin" / "track_script"

RESULTS_COLUMNS = [
    "epoch", "time", "train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/precision(B)",
    "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)", "val/box_loss", "val/cls_loss",
    "val/dfl_loss", "lr/pg0", "lr/pg1", "lr/pg2",
]
SCALAR_TAGS = RESULTS_COLUMNS[2:]
NAMES = ["person", "bicycle", "car", "motorcycle", "airplane"]


def make_validation(path, names=NAMES, rows=(0, 1, 2, 4), points=1000, thresholds=201, seed=0):
    """A validation.json (docs/ARCHITECTURE.md, version 1) with plausible curves."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, points)
    per_class, pr, f1, p, r, tp, fp = [], [], [], [], [], [], []
    for k, c in enumerate(rows):
        prec = np.clip(1 - x ** (1.5 + k % 6), 0, 1)
        ap50 = float(prec.mean())
        pc = np.clip(0.3 + 0.7 * x ** (0.5 + 0.2 * k), 0, 1)
        rc = np.clip(0.9 - 0.9 * x ** max(0.3, 2 - 0.3 * k), 0, 1)
        fc = 2 * pc * rc / (pc + rc + 1e-16)
        inst = 10 + 5 * k
        t = np.linspace(0, 1, thresholds)
        tp.append(np.round(inst * (1 - t ** 2)).astype(int).tolist())
        fp.append(np.round(3 * inst * (1 - t) ** 3).astype(int).tolist())
        per_class.append({"class": c, "name": names[c], "images": 2 + k, "instances": inst,
                          "precision": 0.5 + 0.1 * k, "recall": 0.4 + 0.05 * k, "ap50": ap50,
                          "ap50_95": ap50 * 0.6, "ap": [ap50 * (1 - 0.08 * i) for i in range(10)]})
        pr.append(prec.tolist()), f1.append(fc.tolist()), p.append(pc.tolist()), r.append(rc.tolist())
    nc = len(names)
    matrix = rng.integers(0, 4, size=(nc + 1, nc + 1)) + np.eye(nc + 1, dtype=int) * 10
    matrix[nc, nc] = 0
    doc = {"version": 1, "names": list(names), "images": 4, "instances": sum(c["instances"] for c in per_class),
           "speed_ms": {"preprocess": 0.1, "inference": 10.0, "loss": 0.0, "postprocess": 1.0},
           "all": {"precision": 0.55, "recall": 0.45, "map50": float(np.mean([c["ap50"] for c in per_class])),
                   "map50_95": float(np.mean([c["ap50_95"] for c in per_class])), "fitness": 0.3},
           "per_class": per_class, "curves": {"x": x.tolist(), "pr": pr, "f1": f1, "p": p, "r": r},
           "pr_counts": {"thresholds": thresholds, "tp": tp, "fp": fp},
           "confusion": {"conf": 0.25, "iou": 0.45, "matrix": matrix.tolist()}}
    path.write_text(json.dumps(doc))
    return doc


def run_script(*words, check=True):
    proc = subprocess.run([str(TRACK_SCRIPT), *map(str, words)], capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"track_script failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def read_records(path):
    """(offset, payload) of every complete record, checking both CRCs with
    tensorboard's own masked CRC-32C; stops at a truncated tail."""
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
    data = path.read_bytes()
    records, at = [], 0
    while at + 12 <= len(data):
        header = data[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[at + 8:at + 12])
        assert length_crc == masked_crc32c(header), f"{path}: bad length CRC at {at}"
        if at + 12 + length + 4 > len(data):
            break
        payload = data[at + 12:at + 12 + length]
        (payload_crc,) = struct.unpack("<I", data[at + 12 + length:at + 16 + length])
        assert payload_crc == masked_crc32c(payload), f"{path}: bad payload CRC at {at}"
        records.append((at, payload))
        at += 16 + length
    return records, at, len(data)


def accumulator(path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    ea = EventAccumulator(str(path), size_guidance={"scalars": 0, "images": 0, "histograms": 0, "tensors": 0})
    ea.Reload()
    return ea


def read_results(run_dir):
    lines = (run_dir / "results.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [[float(v) for v in line.split(",")] for line in lines[1:] if line.strip()]
    return header, rows, lines


def close(a, b, rel=2e-6):
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))
