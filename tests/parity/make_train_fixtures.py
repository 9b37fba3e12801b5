"""Generates the `train` parity fixtures (tests/fixtures/train/*.safetensors):
the reference's own DetectionTrainer runs K iterations on fixed batches, and
the fixture records what it started from and where it ended.

Run by hand in the reference environment:

    .venv-ref/bin/python tests/parity/make_train_fixtures.py

What runs is ultralytics' BaseTrainer._do_train itself (warm-up, accumulation,
lf per epoch, optimizer_step with clipping and the EMA, the running loss
mean) with build_optimizer, ModelEMA and the model's v8DetectionLoss. Only
what lies around it is replaced: the data set (a dictionary), the data
loaders (FixedLoader: the same K/epochs uint8 batches every epoch, no
augmentation), the validator (nothing is validated; fitness stays None) and
the checkpoint writing (none). The model is DetectionModel(tiny-train.yaml)
with the batch-norm running statistics of the first batch and its weights
rounded to float16 values (stored exactly as float16).

Tensors: weights/<name> (initial state dict, float16), batch/<k>/images
(uint8 [B, 3, H, W]), batch/<k>/targets (float32 [M, 6]: image, class, x, y,
w, h), final/<name> (the trained model's state dict), ema/<name> (the EMA's,
when stored), tloss [K, 3] (the running mean of the loss items after each
iteration), lr [epochs, 3] (the groups' lr at each epoch end, param_groups
order). Metadata: kind=train, model (the YAML next to the fixtures), nc, the
arguments given to the trainer, nb (batches per epoch), iterations, images
(len(dataset), for optimizer=auto).
"""
import pathlib
import tempfile

import numpy as np
import torch
from safetensors.numpy import save_file
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.nn.tasks import DetectionModel

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "train"
YAML = OUT / "tiny-train.yaml"

# name, trainer arguments, batches per epoch, images in the "data set", seed, store ema
CASES = [
    # optimizer=auto -> AdamW; warm-up (nw = 100) with accumulate rising from 1:
    # steps at ni 0, 1, 3, 6 (accumulating 2 and 3 batches); lf changes at epoch 2.
    ("train_auto_warmup", dict(optimizer="auto", epochs=2, batch=2, nbs=64, imgsz=64), 4, 8, 1, True),
    # SGD (Nesterov) without warm-up, nbs 4 -> accumulate 2 and weight decay scaled
    # by batch * accumulate / nbs, cosine schedule over 2 epochs; layer 2 frozen
    # (its batch norms run in evaluation mode, gradients flow through to layers 0-1).
    ("train_sgd_accumulate", dict(optimizer="SGD", lr0=0.02, epochs=2, batch=2, nbs=4, imgsz=64, warmup_epochs=0,
                                  cos_lr=True, weight_decay=0.001, freeze=[2]), 3, 6, 2, False),
]
NC = 3


def make_batches(count, batch, size, rng):
    out = []
    for _ in range(count):
        img = rng.integers(0, 256, (batch, 3, size, size), dtype=np.uint8)
        rows = []
        for i in range(batch):
            for _ in range(int(rng.integers(1, 4))):
                w, h = rng.uniform(0.1, 0.6, 2)
                x, y = rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2)
                rows.append([i, int(rng.integers(0, NC)), x, y, w, h])
                # paint the box so that the images hold something to find
                x0, y0 = int((x - w / 2) * size), int((y - h / 2) * size)
                x1, y1 = int((x + w / 2) * size), int((y + h / 2) * size)
                img[i, :, y0:y1, x0:x1] = (np.array([60, 120, 200])[:, None, None] + 40 * rows[-1][1]) % 256
        out.append((img, np.array(rows, dtype=np.float32)))
    return out


class FixedDataset:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


class FixedLoader:
    """What the trainer uses of a data loader: len, iteration, dataset, num_workers, reset."""

    def __init__(self, batches, images):
        self.batches = batches
        self.dataset = FixedDataset(images)
        self.num_workers = 0

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for img, rows in self.batches:
            t = torch.from_numpy(rows)
            yield {
                "img": torch.from_numpy(img.copy()),
                "batch_idx": t[:, 0].clone(),
                "cls": t[:, 1:2].clone(),
                "bboxes": t[:, 2:6].clone(),
                "im_file": [f"im{i}.jpg" for i in range(img.shape[0])],
            }

    def reset(self):
        pass


class NoValidator:
    class metrics:
        keys = ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)"]


def run_case(name, overrides, nb, images, seed, store_ema):
    rng = np.random.default_rng(seed)
    size, batch = overrides["imgsz"], overrides["batch"]
    batches = make_batches(nb, batch, size, rng)
    torch.manual_seed(seed)
    init = DetectionModel(str(YAML), nc=NC, verbose=False)
    # running statistics of the first batch (not 0 / 1), so that batch norms in
    # evaluation mode (frozen layers) see activations of a sensible scale
    bns = [m for m in init.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.momentum = 1.0
        init.train()
        init(torch.from_numpy(batches[0][0]).float() / 255)
        for bn in bns:
            bn.momentum = 0.03
    with torch.no_grad():
        for t in init.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.to(torch.float16).to(torch.float32))
    init_state = {k: v.clone() for k, v in init.state_dict().items()}
    record = {"tloss": [], "lr": []}

    class FixtureTrainer(DetectionTrainer):
        def get_dataset(self):
            return {"nc": NC, "names": {i: f"c{i}" for i in range(NC)}, "channels": 3, "train": "fixed", "val": "fixed"}

        def get_dataloader(self, dataset_path, batch_size=16, rank=0, mode="train"):
            return FixedLoader(batches, images)

        def get_model(self, cfg=None, weights=None, verbose=True):
            m = DetectionModel(str(YAML), nc=NC, verbose=False)
            m.load_state_dict(init_state)
            return m

        def get_validator(self):
            self.loss_names = "box_loss", "cls_loss", "dfl_loss"
            return NoValidator()

        def validate(self):
            return self.metrics, None

        def save_model(self):
            pass

        def final_eval(self):
            pass

    with tempfile.TemporaryDirectory() as tmp:
        args = dict(model=str(YAML), data="fixed.yaml", device="cpu", workers=0, plots=False, val=False,
                    project=tmp, name="run", amp=False, close_mosaic=0, seed=0, deterministic=True, verbose=False)
        args.update(overrides)
        tr = FixtureTrainer(overrides=args)
        tr.add_callback("on_train_batch_end", lambda t: record["tloss"].append(t.tloss.detach().clone().numpy()))
        tr.add_callback("on_train_epoch_end",
                        lambda t: record["lr"].append([g["lr"] for g in t.optimizer.param_groups]))
        tr.train()
    tensors = {}
    for k, v in init_state.items():
        if v.is_floating_point():
            tensors[f"weights/{k}"] = v.to(torch.float16).numpy()
    for k, (img, rows) in enumerate(batches):
        tensors[f"batch/{k}/images"] = img
        tensors[f"batch/{k}/targets"] = rows
    for k, v in tr.model.state_dict().items():
        if v.is_floating_point():
            tensors[f"final/{k}"] = v.detach().float().numpy().copy()
    if store_ema:
        for k, v in tr.ema.ema.state_dict().items():
            if v.is_floating_point():
                tensors[f"ema/{k}"] = v.detach().float().numpy().copy()
    tensors["tloss"] = np.array(record["tloss"], dtype=np.float32)
    tensors["lr"] = np.array(record["lr"], dtype=np.float64)
    meta = {"kind": "train", "model": YAML.name, "nc": str(NC), "nb": str(nb), "images": str(images),
            "iterations": str(nb * overrides["epochs"]), "ema_updates": str(tr.ema.updates)}
    for k, v in overrides.items():
        meta[f"arg.{k}"] = str(v)
    path = OUT / f"{name}.safetensors"
    save_file(tensors, str(path), metadata=meta)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.2f} MB, {nb * overrides['epochs']} iterations, "
          f"{tr.ema.updates} optimizer steps")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        run_case(*case)


if __name__ == "__main__":
    main()
