"""Long check: yoloc train against the reference trainer, epoch by epoch, on
the bundled coco8 (4 training images: with batch 4 every epoch is one batch
of all of them, so the shuffle order cannot make the runs differ) with every
random augmentation off. Both start from the same weights (the reference's
initialisation, written as a yoloc weights file) and train EPOCHS epochs;
their results.csv rows (train losses, metrics, validation losses, lr) must
agree: to 1e-4, or, where training is chaotic (later epochs of large
steps), to 3x the difference between the reference and itself started from
weights perturbed by 1e-6 (relative). Run by tools/check-long/train-parity.sh.

    .venv-ref/bin/python tools/check-long/train_parity.py WORKDIR [EPOCHS] [key=value ...]

Extra words override the training arguments of both sides (e.g. optimizer=SGD
warmup_epochs=0 for large steps from the first epoch).
"""
import csv
import json
import pathlib
import shutil
import subprocess
import sys

import torch
from safetensors.torch import save_file
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.nn.tasks import DetectionModel

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARGS = dict(epochs=5, imgsz=320, batch=4, mosaic=0.0, mixup=0.0, hsv_h=0.0, hsv_s=0.0, hsv_v=0.0, fliplr=0.0,
            translate=0.0, scale=0.0, close_mosaic=0, workers=0, plots=False, seed=0)
# The values must agree to TOL (relative) or, where the training is chaotic (large steps on a
# batch of 4: the reference itself moves this much when its initial weights are perturbed by
# PERTURB relative), to 3x the reference's own change under that perturbation.
TOL, PERTURB = 1e-4, 1e-6


def main():
    work = pathlib.Path(sys.argv[1]).resolve()
    if len(sys.argv) > 2:
        ARGS["epochs"] = int(sys.argv[2])
    for word in sys.argv[3:]:
        k, v = word.split("=", 1)
        ARGS[k] = type(ARGS[k])(v) if k in ARGS else (int(v) if v.isdigit() else float(v) if
                                                      v.replace(".", "", 1).isdigit() else v)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    src = ROOT / "share" / "datasets"
    shutil.copytree(src / "coco8", work / "coco8", ignore=shutil.ignore_patterns("*.yoloc-cache", "*.cache"))
    data = work / "coco8.yaml"
    data.write_text((src / "coco8.yaml").read_text().replace("path: coco8", f"path: {work / 'coco8'}"))
    names = [n for n in json.loads(json.dumps(__import__("yaml").safe_load(data.read_text())["names"])).values()]
    torch.manual_seed(0)
    init = DetectionModel("yolov8n.yaml", nc=80, verbose=False)
    state = {k: v.clone() for k, v in init.state_dict().items()}
    save_file({k: v.float().contiguous() for k, v in state.items() if v.is_floating_point()},
              str(work / "init.safetensors"),
              metadata={"format": "yoloc", "yaml": "yolov8n.yaml", "nc": "80", "names": json.dumps(names)})

    def reference(name, perturb):
        start = {k: v.clone() for k, v in state.items()}
        if perturb:
            g = torch.Generator().manual_seed(5)
            start = {k: v * (1 + perturb * torch.randn(v.shape, generator=g)) if v.is_floating_point() else v
                     for k, v in start.items()}

        class Trainer(DetectionTrainer):
            def get_model(self, cfg=None, weights=None, verbose=True):
                m = DetectionModel("yolov8n.yaml", nc=80, verbose=False)
                m.load_state_dict(start)
                return m

        Trainer(overrides=dict(model="yolov8n.yaml", data=str(data), device="cpu", project=str(work), name=name,
                               amp=False, **ARGS)).train()
        return list(csv.DictReader(open(work / name / "results.csv")))

    ref = reference("ref", 0.0)
    moved = reference("ref_perturbed", PERTURB)
    words = [f"{k}={v}" for k, v in ARGS.items()]
    subprocess.run([str(ROOT / "bin" / "yoloc"), "train", f"model={work / 'init.safetensors'}", f"data={data}",
                    "device=cpu", f"project={work}", "name=ours", *words], check=True, cwd=work)
    ours = list(csv.DictReader(open(work / "ours" / "results.csv")))
    assert len(ref) == len(ours) == len(moved) == ARGS["epochs"], (len(ref), len(ours), len(moved))
    failures = 0
    for e, (a, b, c) in enumerate(zip(ref, ours, moved)):
        for key in a:
            if key in ("epoch", "time"):
                continue
            x, y, z = float(a[key]), float(b[key]), float(c[key])
            allowed = max(TOL * abs(x) + (0 if key.startswith("lr/") else 1e-5), 3 * abs(z - x))
            ok = abs(x - y) <= allowed
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} epoch {e + 1} {key:22s} reference {x:.6g} yoloc {y:.6g} "
                  f"(reference perturbed {z:.6g})")
    print("train-parity:", "FAILED" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
