"""The torch side of tools/bench/model.sh: training steps (forward + backward
with a fixed upstream gradient) of the Ultralytics model on the CPU, printed
in the same form as tests/bin/model_bench.

    python tools/bench/model_torch.py MODEL IMGSZ BATCH ITERS THREADS
"""
import sys
import time

import torch
from ultralytics.nn.tasks import DetectionModel

name, imgsz, batch, iters, threads = sys.argv[1], *map(int, sys.argv[2:6])
torch.set_num_threads(threads)
model = DetectionModel(name, nc=80, verbose=False).train()
x = torch.rand(batch, 3, imgsz, imgsz)
fwd = bwd = 0.0
for it in range(iters + 1):
    t0 = time.perf_counter()
    outs = model(x)
    loss = sum((o * 1e-3).sum() for o in outs)
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    if it > 0:
        fwd += t1 - t0
        bwd += t2 - t1
per = 1000.0 / (iters * batch)
print(f"torch {name} imgsz {imgsz} batch {batch} threads {threads}: {(fwd + bwd) * per:.1f} ms/image "
      f"(fwd {fwd * per:.1f}, bwd {bwd * per:.1f})")
