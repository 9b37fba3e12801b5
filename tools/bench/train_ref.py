"""The reference trainer's epoch time on coco8 (tools/bench/train.sh):
Ultralytics 8.3.253 YOLO(model).train(...) on the CPU with the given torch
threads, on a copy of the data set (it writes label caches). Prints
'ref epoch_s S' with S the mean time of epochs 2..N from its results.csv."""
import csv
import pathlib
import shutil
import sys
import tempfile

import torch
from ultralytics import YOLO

model, data_yaml, epochs, imgsz, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
with tempfile.TemporaryDirectory() as t:
    tmp = pathlib.Path(t)
    src = pathlib.Path(data_yaml)
    shutil.copytree(src.parent / "coco8", tmp / "coco8", ignore=shutil.ignore_patterns("*.yoloc-cache", "*.cache"))
    (tmp / "coco8.yaml").write_text(src.read_text().replace("path: coco8", f"path: {tmp / 'coco8'}"))
    YOLO(model).train(data=str(tmp / "coco8.yaml"), epochs=epochs, imgsz=imgsz, device="cpu", workers=0, plots=False,
                      amp=False, project=str(tmp), name="r", verbose=False)
    rows = list(csv.DictReader(open(tmp / "r" / "results.csv")))
    times = [float(r["time"]) for r in rows]
    print(f"ref epoch_s {(times[-1] - times[0]) / (len(times) - 1):.3f}")
