"""Peer for tools/bench/loss.sh: writes the benchmark input (head outputs and
targets, B=16, 640x640, nc=80, 8 boxes per image) and times Ultralytics'
v8DetectionLoss forward + backward on it (torch CPU). Prints one line per
thread count: "torch <threads> thread(s) <best ms> ms"."""
import pathlib
import sys
import time

import numpy as np
import torch
from safetensors.numpy import save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "parity"))
from make_loss_fixtures import ModelStub  # noqa: E402
from ultralytics.utils.loss import v8DetectionLoss  # noqa: E402

B, H, W, NC, PER = 16, 640, 640, 80, 8


def main(path):
    rng = np.random.default_rng(1)
    preds = []
    for s in (8, 16, 32):
        p = rng.uniform(-2, 2, (B, 64 + NC, H // s, W // s)).astype(np.float32)
        p[:, 64:] -= 3
        preds.append(p)
    t = []
    for i in range(B * PER):
        w, h = rng.uniform(0.05, 0.45, 2)
        t.append([i // PER, rng.integers(NC), rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75), w, h])
    t = np.array(t, dtype=np.float32)
    tensors = {f"pred/{i}": p for i, p in enumerate(preds)}
    tensors.update(targets=t, imgsz=np.array([H, W], np.float32))
    save_file(tensors, path, metadata={"kind": "loss", "nc": str(NC), "batch": str(B)})
    tt = torch.from_numpy(t)
    batch = {"batch_idx": tt[:, 0], "cls": tt[:, 1:2], "bboxes": tt[:, 2:]}
    crit = v8DetectionLoss(ModelStub(NC, (7.5, 0.5, 1.5)))
    for threads in sorted({1, torch.get_num_threads()}):
        torch.set_num_threads(threads)
        best = 1e30
        for _ in range(3):
            feats = [torch.from_numpy(p).requires_grad_(True) for p in preds]
            t0 = time.perf_counter()
            loss, items = crit(feats, batch)
            loss.sum().backward()
            best = min(best, time.perf_counter() - t0)
        print(f"torch {threads} thread(s) {best * 1e3:.1f} ms (items {' '.join(f'{x:.6g}' for x in items.tolist())})")


if __name__ == "__main__":
    main(sys.argv[1])
