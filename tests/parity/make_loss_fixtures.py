"""Generates the `loss` parity fixtures (tests/fixtures/loss/*.safetensors) from
the reference: Ultralytics' v8DetectionLoss and torch autograd.

Run by hand in the reference environment:  .venv-ref/bin/python tests/parity/make_loss_fixtures.py

Each fixture holds
  pred/0..2        head outputs [B, 64 + nc, H_l, W_l] (values exact in float16, stored as F16)
  targets          [M, 6]: image index, class, x, y, w, h (normalised)
  imgsz            [2]: h, w
  loss             [3]: box, cls, dfl as the reference reports them (loss.detach())
  total            [1]: the differentiated loss (sum of the returned loss, i.e. items * batch)
  grad/pred/0..2   d total / d pred
  assign/fg, assign/score, assign/gt  [B, na]: the assigner's foreground mask, target score
                   (summed over classes) and ground-truth index (diagnostics)
metadata: kind=loss, nc, batch, box, cls, dfl, case (a description).
"""
import pathlib
import sys
from types import SimpleNamespace

import numpy as np
import torch
from safetensors.numpy import save_file
from ultralytics.utils.loss import v8DetectionLoss

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "loss"
STRIDES = (8, 16, 32)
REG_MAX = 16


class HeadStub:
    """What v8DetectionLoss reads from the Detect module."""

    def __init__(self, nc):
        self.stride = torch.tensor([float(s) for s in STRIDES])
        self.nc = nc
        self.reg_max = REG_MAX


class ModelStub(torch.nn.Module):
    """What v8DetectionLoss reads from the model: a parameter (for the device),
    args (the gains) and model[-1] (the head); no layers are built."""

    def __init__(self, nc, gains):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.args = SimpleNamespace(box=gains[0], cls=gains[1], dfl=gains[2])
        self.model = [HeadStub(nc)]


def make_preds(rng, batch, nc, imgh, imgw, targets):
    """Head outputs that give the assigner something to decide: random
    distributions, with boxes near the targets for many anchors inside them,
    and raised class logits there."""
    preds = []
    for stride in STRIDES:
        h, w = imgh // stride, imgw // stride
        box = rng.normal(0.0, 1.0, (batch, 4, REG_MAX, h, w))
        bins = np.arange(REG_MAX).reshape(1, 1, REG_MAX, 1, 1)
        centre = rng.uniform(0, 12, (batch, 4, 1, h, w))
        peaked = rng.random((batch, 1, 1, h, w)) < 0.3
        box += np.where(peaked, 4.0 * np.exp(-0.5 * (bins - centre) ** 2), 0.0)
        cls = rng.normal(-4.0, 2.0, (batch, nc, h, w))
        ys, xs = (np.arange(h) + 0.5) * stride, (np.arange(w) + 0.5) * stride
        for b, c, x, y, bw, bh in targets:
            x1, y1, x2, y2 = (x - bw / 2) * imgw, (y - bh / 2) * imgh, (x + bw / 2) * imgw, (y + bh / 2) * imgh
            for j in np.nonzero((ys > y1) & (ys < y2))[0]:
                for i in np.nonzero((xs > x1) & (xs < x2))[0]:
                    if rng.random() < 0.6:
                        d = np.array([xs[i] - x1, ys[j] - y1, x2 - xs[i], y2 - ys[j]]) / stride
                        d = np.clip(d + rng.normal(0, 0.7, 4), 0, 14.5)
                        box[int(b), :, :, j, i] = rng.normal(0, 0.3, (4, REG_MAX)) + 5.0 * np.exp(
                            -0.5 * (np.arange(REG_MAX)[None, :] - d[:, None]) ** 2)
                    if rng.random() < 0.5:
                        cls[int(b), int(c), j, i] += rng.uniform(1.0, 6.0)
        p = np.concatenate([box.reshape(batch, 4 * REG_MAX, h, w), cls], axis=1)
        preds.append(p.astype(np.float16).astype(np.float32))  # exact in float16
    return preds


def random_boxes(rng, n, image, nc, lo=0.02, hi=0.5):
    out = []
    for _ in range(n):
        w, h = rng.uniform(lo, hi), rng.uniform(lo, hi)
        x, y = rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2)
        out.append([image, rng.integers(nc), x, y, w, h])
    return out


def crowd(rng, n, image, nc, cx, cy, spread, size):
    """Many overlapping boxes around one point (forces anchors claimed by several boxes)."""
    out = []
    for _ in range(n):
        w, h = size * rng.uniform(0.6, 1.4), size * rng.uniform(0.6, 1.4)
        out.append([image, rng.integers(nc), cx + rng.normal(0, spread), cy + rng.normal(0, spread), w, h])
    return out


def run_case(name, description, seed, batch, nc, imgh, imgw, targets, gains=(7.5, 0.5, 1.5)):
    rng = np.random.default_rng(seed)
    targets = np.array(targets(rng), dtype=np.float32).reshape(-1, 6)
    preds = make_preds(rng, batch, nc, imgh, imgw, targets)
    crit = v8DetectionLoss(ModelStub(nc, gains))
    captured = {}
    assign = crit.assigner.forward

    def capture(*args):
        result = assign(*args)
        captured["out"] = result
        return result

    crit.assigner.forward = capture
    feats = [torch.from_numpy(p).requires_grad_(True) for p in preds]
    t = torch.from_numpy(targets)
    batch_dict = {"batch_idx": t[:, 0], "cls": t[:, 1:2], "bboxes": t[:, 2:6]}
    loss, items = crit(feats, batch_dict)
    total = loss.sum()
    total.backward()
    _, _, target_scores, fg_mask, target_gt_idx = captured["out"]
    tensors = {
        "targets": targets,
        "imgsz": np.array([imgh, imgw], dtype=np.float32),
        "loss": items.numpy().astype(np.float32),
        "total": np.array([total.item()], dtype=np.float32),
        "assign/fg": fg_mask.float().numpy(),
        "assign/score": target_scores.sum(-1).float().numpy(),
        "assign/gt": target_gt_idx.float().numpy(),
    }
    for i, (p, f) in enumerate(zip(preds, feats)):
        tensors[f"pred/{i}"] = p.astype(np.float16)
        tensors[f"grad/pred/{i}"] = f.grad.numpy().astype(np.float32)
    meta = {"kind": "loss", "nc": str(nc), "batch": str(batch), "box": repr(gains[0]), "cls": repr(gains[1]),
            "dfl": repr(gains[2]), "case": description}
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.safetensors"
    save_file(tensors, str(path), metadata=meta)
    multi = int(fg_mask.sum())
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.2f} MB, {len(targets)} targets, "
          f"{multi} foreground, loss {items.tolist()}")


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    run_case(
        "loss_320_nc3_b2", "320x320, nc 3, batch 2: ordinary, crowded, tiny and corner boxes", 1, 2, 3, 320, 320,
        lambda r: random_boxes(r, 6, 0, 3) + crowd(r, 12, 0, 3, 0.6, 0.6, 0.04, 0.15)
        + [[0, 1, 0.1, 0.05, 0.25, 0.12], [0, 2, 0.12, 0.06, 0.2, 0.1],  # over the first anchors (top-k ties)
           [1, 0, 0.5, 0.5, 0.01, 0.01], [1, 1, 0.3, 0.7, 0.03, 0.02],  # tiny
           [1, 2, 0.5, 0.5, 0.98, 0.98]]  # nearly the whole image
        + random_boxes(r, 5, 1, 3, 0.05, 0.3))
    run_case(
        "loss_160_nc80_b2", "160x160 (fewer than 640 anchors: the nth_element top-k), nc 80, second image empty",
        2, 2, 80, 160, 160, lambda r: random_boxes(r, 7, 0, 80, 0.05, 0.6))
    run_case(
        "loss_128x192_nc3_b4", "128x192, nc 3, batch 4, gains 5/1/2: duplicates, boxes leaving the image, "
        "degenerate boxes, a crowd", 3, 4, 3, 128, 192,
        lambda r: random_boxes(r, 4, 0, 3)
        + [[1, 0, 0.4, 0.4, 0.3, 0.3], [1, 1, 0.4, 0.4, 0.3, 0.3], [1, 0, 0.4, 0.4, 0.3, 0.3]]  # exact duplicates
        + [[2, 1, 0.95, 0.5, 0.4, 0.5], [2, 2, -0.1, 0.2, 0.3, 0.2], [2, 0, 1.3, 1.2, 0.2, 0.2],  # outside
           [2, 0, 0.5, 0.5, 0.0, 0.3], [2, 1, 0.0, 0.0, 0.0, 0.0]]  # zero width; all zero (masked)
        + crowd(r, 15, 3, 3, 0.5, 0.5, 0.05, 0.25),
        gains=(5.0, 1.0, 2.0))
    run_case("loss_64_nc3_b2_empty", "64x64, nc 3, batch 2, no targets at all", 4, 2, 3, 64, 64, lambda r: [])
    run_case(
        "loss_256x192_nc3_b2", "256x192 (heap top-k), nc 3, batch 2: crowds, corner boxes", 5, 2, 3, 256, 192,
        lambda r: crowd(r, 20, 0, 3, 0.3, 0.3, 0.06, 0.3) + [[0, 0, 0.15, 0.1, 0.3, 0.2]]
        + crowd(r, 10, 1, 3, 0.7, 0.4, 0.03, 0.1) + random_boxes(r, 4, 1, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
