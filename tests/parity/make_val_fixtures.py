"""Generates the `val` parity fixture (tests/fixtures/val/): the reference's
DetectionValidator on the bundled coco8 val images with a small trained model.

Run by hand in the reference environment:

    .venv-ref/bin/python tests/parity/make_val_fixtures.py

Checked by tests/bin/parity (kind "val": the validation loop with its losses,
tests/tools/parity/parity_val.c) and tests/py/test_val_parity.py (`yoloc val`).

1. The reference trains tests/fixtures/train/tiny-train.yaml (nc 80) on a
   copy of coco8 for a while (so that its predictions are not empty); its EMA
   weights, rounded to float16 values, become the fixture's model
   (val_tiny_coco8.safetensors: a yoloc weights file, metadata format=yoloc,
   yaml, nc, names; stored as float16, exact).
2. Standalone validation (what `yolo val` runs: rect batches, save_json) at
   IMGSZ with batch BATCH on the train split (the model learned those 4
   images; it finds nothing on the val images): the metrics, per-class rows
   and predictions.json.
3. Validation as the trainer runs it (val_losses: the validator called with a
   trainer, rect batches of BATCH, the loss on every batch).

val_tiny_coco8.json holds 2 and 3: {"imgsz", "batch", "all": {precision,
recall, map50, map50_95}, "per_class": [{class, images, instances, ap50,
ap50_95, p, r}], "predictions": [predictions.json objects],
"val_losses": [box, cls, dfl]}.
"""
import json
import pathlib
import shutil
import tempfile
from types import SimpleNamespace

import numpy as np
import torch
from safetensors.numpy import save_file
from ultralytics import YOLO
from ultralytics.models.yolo.detect import DetectionValidator
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils import DEFAULT_CFG

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "val"
YAML = ROOT / "tests" / "fixtures" / "train" / "tiny-train.yaml"
IMGSZ, BATCH = 160, 2
SPLIT = "train"  # the images the model was trained on: 4 images are too few to learn anything that carries over


def coco8_copy(tmp):
    src = ROOT / "share" / "datasets"
    shutil.copytree(src / "coco8", tmp / "coco8", ignore=shutil.ignore_patterns("*.yoloc-cache", "*.cache"))
    text = (src / "coco8.yaml").read_text().replace("path: coco8", f"path: {tmp / 'coco8'}")
    (tmp / "coco8.yaml").write_text(text)
    return tmp / "coco8.yaml"


def train_weights(data, tmp):
    torch.manual_seed(0)
    y = YOLO(str(YAML))
    y.train(data=str(data), epochs=200, imgsz=IMGSZ, batch=4, device="cpu", workers=0, plots=False, val=False,
            project=str(tmp), name="t", optimizer="AdamW", lr0=0.01, warmup_epochs=1, mosaic=0.0, fliplr=0.0,
            hsv_h=0, hsv_s=0, hsv_v=0, translate=0, scale=0, amp=False, verbose=False, seed=0)
    ema = y.trainer.ema.ema
    state = {k: v.detach().float() for k, v in ema.state_dict().items() if v.is_floating_point()}
    state = {k: v.to(torch.float16).to(torch.float32) for k, v in state.items()}
    return state, ema.names


def model_with(state, names):
    m = DetectionModel(str(YAML), nc=80, verbose=False)
    m.load_state_dict(state, strict=False)
    m.names = names
    m.args = {**vars(DEFAULT_CFG)}
    m.eval()
    return m


def standalone(state, names, data, tmp):
    y = YOLO(str(YAML))
    y.model = model_with(state, names)
    metrics = y.val(data=str(data), split=SPLIT, imgsz=IMGSZ, batch=BATCH, device="cpu", workers=0, plots=False,
                    save_json=True,
                    project=str(tmp), name="v", verbose=True)
    box = metrics.box
    rows = []
    for i, c in enumerate(box.ap_class_index):
        p, r, ap50, ap = box.class_result(i)
        rows.append({"class": int(c), "images": int(metrics.nt_per_image[c]), "instances": int(metrics.nt_per_class[c]),
                     "p": float(p), "r": float(r), "ap50": float(ap50), "ap50_95": float(ap)})
    preds = json.loads((pathlib.Path(metrics.save_dir) / "predictions.json").read_text())
    return {"all": {"precision": float(box.mp), "recall": float(box.mr), "map50": float(box.map50),
                    "map50_95": float(box.map)},
            "per_class": rows, "predictions": preds}


def training_losses(state, names, data):
    """The validator as the trainer calls it, for the validation losses."""
    from ultralytics.data.utils import check_det_dataset
    from ultralytics.cfg import get_cfg
    model = model_with(state, names)
    args = get_cfg(overrides=dict(data=str(data), imgsz=IMGSZ, batch=BATCH, device="cpu", workers=0, plots=False,
                                  mode="val", rect=True))
    model.args = args
    v = DetectionValidator(args=args)
    v.data = check_det_dataset(str(data))
    v.stride = 32
    v.args.split = SPLIT
    trainer = SimpleNamespace(
        device=torch.device("cpu"), data=v.data, amp=False, ema=SimpleNamespace(ema=model), model=model,
        args=SimpleNamespace(compile=False), loss_items=torch.zeros(3), stopper=SimpleNamespace(possible_stop=False),
        epoch=0, epochs=2, world_size=1,
        label_loss_items=lambda items, prefix="val": {f"{prefix}/{k}": float(x)
                                                     for k, x in zip(("box_loss", "cls_loss", "dfl_loss"), items)})
    v.dataloader = v.get_dataloader(v.data[SPLIT], BATCH)
    results = v(trainer=trainer)
    return [results["val/box_loss"], results["val/cls_loss"], results["val/dfl_loss"]]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = pathlib.Path(t)
        data = coco8_copy(tmp)
        state, names = train_weights(data, tmp)
        expected = standalone(state, names, data, tmp)
        expected["val_losses"] = training_losses(state, names, data)
    expected.update({"imgsz": IMGSZ, "batch": BATCH, "split": SPLIT})
    names_list = [names[i] for i in range(len(names))]
    tensors = {k: v.to(torch.float16).numpy() for k, v in state.items()}
    meta = {"format": "yoloc", "yaml": str(YAML.relative_to(ROOT)), "nc": "80", "names": json.dumps(names_list),
            "kind": "val", "expected": "val_tiny_coco8.json"}
    save_file(tensors, str(OUT / "val_tiny_coco8.safetensors"), metadata=meta)
    (OUT / "val_tiny_coco8.safetensors").chmod(0o644)
    (OUT / "val_tiny_coco8.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"all: {expected['all']}, {len(expected['predictions'])} predictions, val losses {expected['val_losses']}")


if __name__ == "__main__":
    main()
