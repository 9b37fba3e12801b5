"""The reference predictor (Ultralytics YOLO.predict) on the same weights and
images as tools/bench/predict.sh: loads a yoloc weights file (the reference's
state-dict names) into the reference's DetectionModel, predicts every image
of SOURCE REPS times and prints `preprocess_ms=.. inference_ms=.. postprocess_ms=..`
(per image, mean of the repetitions after a warm-up pass)."""
import json
import sys

import torch
from safetensors import safe_open
from ultralytics import YOLO
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils import DEFAULT_CFG


def main():
    weights, source, imgsz, reps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    with safe_open(weights, "pt") as f:
        meta = f.metadata()
        state = {k: f.get_tensor(k).float() for k in f.keys()}
    m = DetectionModel(meta["yaml"], nc=int(meta["nc"]), verbose=False)
    m.load_state_dict(state, strict=False)
    m.names = dict(enumerate(json.loads(meta.get("names", "[]")))) or {i: f"class{i}" for i in range(int(meta["nc"]))}
    m.args = {**vars(DEFAULT_CFG)}
    m.eval()
    y = YOLO(meta["yaml"])
    y.model = m
    y.predict(source, imgsz=imgsz, verbose=False, save=False, device="cpu")  # warm-up
    totals = [0.0, 0.0, 0.0]
    n = 0
    for _ in range(reps):
        for r in y.predict(source, imgsz=imgsz, verbose=False, save=False, device="cpu"):
            for i, k in enumerate(("preprocess", "inference", "postprocess")):
                totals[i] += r.speed[k]
            n += 1
    print(" ".join(f"{k}_ms={v / n:.2f}" for k, v in zip(("preprocess", "inference", "postprocess"), totals)))


if __name__ == "__main__":
    main()
