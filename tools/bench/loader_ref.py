"""The reference side of tools/bench/loader.sh: ultralytics' own training
data loader (build_yolo_dataset + build_dataloader, default hyperparameters:
mosaic, random perspective, HSV, flips) on a dataset YAML, timed after a
warm-up. Prints one line:

    reference images/s: <wall> wall, <rate> per CPU-second (<n> images, workers=<w>)

CPU time is summed over this process and the loader's worker processes, so
the per-CPU-second figure holds on a busy, shared machine. Run in the
reference environment (.venv-ref)."""
import argparse
import os
import time

from ultralytics.cfg import get_cfg
from ultralytics.data.build import build_dataloader, build_yolo_dataset
from ultralytics.data.utils import check_det_dataset


def cpu_seconds(loader):
    it = getattr(loader, "iterator", None)
    pids = [os.getpid()] + [w.pid for w in getattr(it, "_workers", [])]
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=4)
    a = ap.parse_args()
    cfg = get_cfg(overrides=dict(data=a.data, imgsz=a.imgsz, batch=a.batch, workers=a.workers))
    data = check_det_dataset(cfg.data)
    ds = build_yolo_dataset(cfg, data["train"], a.batch, data, mode="train", stride=32)
    dl = build_dataloader(ds, a.batch, a.workers, shuffle=True, rank=-1)

    def batches():
        while True:
            yield from dl

    gen = batches()
    for _ in range(a.warmup):
        next(gen)
    t, c, n = time.perf_counter(), cpu_seconds(dl), 0
    for _ in range(a.batches):
        n += next(gen)["img"].shape[0]
    wall, cpu = time.perf_counter() - t, cpu_seconds(dl) - c
    print(f"reference images/s: {n / wall:.1f} wall, {n / cpu:.1f} per CPU-second ({n} images, workers={a.workers})")


if __name__ == "__main__":
    main()
