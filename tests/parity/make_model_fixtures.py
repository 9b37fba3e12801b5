"""Writes the model parity fixtures (tests/fixtures/model/*.safetensors) from
the reference: ultralytics' DetectionModel run by torch on the CPU. Run in the
reference environment (make ref-env):

    .venv-ref/bin/python tests/parity/make_model_fixtures.py [--out DIR] [--only NAME]

Each fixture is one case, in the format tests/bin/parity checks (kind "model"):
metadata kind, model, nc, mode; weights/<state-dict name> for every parameter
and buffer; input [B, 3, H, W]; output/0..2 (the raw head outputs); in eval
mode decoded [B, 4 + nc, anchors]; in train mode upstream/0..2 (the gradient
fed into the outputs), grad/<parameter>, grad/input and running/<buffer> (the
batch-norm running statistics after the step).

To keep the files small without losing precision, the weights, the input and
the upstream gradients are first rounded to float16 values and the reference
runs on those, so storing them as float16 is exact. Gradients are stored as
float16 where that costs at most GRAD_F16_ERROR of their scale (the checker's
tolerance is 1e-3), else as float32. Outputs and decoded boxes stay float32.

Batch-norm statistics are moved away from 0/1 so that they matter: gamma and
beta are drawn at random, and the running statistics are first set to the
statistics of a calibration batch, then perturbed.

Max pooling routes each gradient to its window's maximum; where the two
largest values of a window differ by less than rounding, two correct
implementations may route it differently. Training cases are therefore
checked to have no window whose two largest distinct values are within
TIE_MARGIN (relative) of each other; the script stops if one has (choose
another seed or a smaller input: large maps make near-ties likely).
"""
import argparse
import os
import pathlib

import numpy as np
import torch
import ultralytics
from safetensors.numpy import save_file
from ultralytics.nn.tasks import DetectionModel

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "model"
GRAD_F16_ERROR = 5e-4
TIE_MARGIN = 1e-5

# name, model (a reference name, or a YAML next to the fixtures), nc, mode, input shape, seed.
# COMMITTED are the fixtures in the repository (CI checks them; about 25 MB):
# full-size YOLO11n training on a 2x3x320x320 batch at nc 80, a 640 evaluation
# case, and small models that cover the other modules and the YOLOv8 head.
# EXTENDED adds full-size YOLOv8n and more evaluation cases; they are too big to
# commit and are generated and checked by tools/check-long/model-parity.sh.
COMMITTED = [
    ("yolo11n-nc80-train-2x320", "yolo11n.yaml", 80, "train", (2, 3, 320, 320), 1),
    ("yolov8n-nc3-eval-640", "yolov8n.yaml", 3, "eval", (1, 3, 640, 640), 13),
    ("tiny-v8-nc3-train-2x64", "tiny-v8.yaml", 3, "train", (2, 3, 64, 64), 3),
    ("tiny-c3-nc5-train-2x96x64", "tiny-c3.yaml", 5, "train", (2, 3, 96, 64), 4),
]
EXTENDED = [
    ("yolov8n-nc80-train-2x320", "yolov8n.yaml", 80, "train", (2, 3, 320, 320), 11),
    ("yolov8n-nc3-train-1x256", "yolov8n.yaml", 3, "train", (1, 3, 256, 256), 12),
    ("tiny-v8-nc3-eval-640", "tiny-v8.yaml", 3, "eval", (1, 3, 640, 640), 2),
    ("yolo11n-nc80-eval-2x320", "yolo11n.yaml", 80, "eval", (2, 3, 320, 320), 14),
    ("yolo11n-nc3-train-1x256", "yolo11n.yaml", 3, "train", (1, 3, 256, 256), 15),
    ("yolo11n-nc3-eval-640", "yolo11n.yaml", 3, "eval", (1, 3, 640, 640), 17),
    ("tiny-c3-nc5-eval-2x96x64", "tiny-c3.yaml", 5, "eval", (2, 3, 96, 64), 16),
]


def f16_exact(t):
    """The nearest float16 value of each element, as float32."""
    return t.to(torch.float16).to(torch.float32)


def perturb_batchnorm(model, gen, calibration):
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.copy_(torch.empty_like(bn.weight).uniform_(0.5, 1.5, generator=gen))
            bn.bias.copy_(torch.empty_like(bn.bias).uniform_(-0.3, 0.3, generator=gen))
        # running statistics = one calibration batch's statistics ...
        for bn in bns:
            bn.momentum = 1.0
        model.train()
        model(calibration)
        for bn in bns:
            bn.momentum = 0.03
        # ... moved a little so that they are not exactly any batch's
        for bn in bns:
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.1 * std * torch.randn(bn.running_mean.shape, generator=gen))
            bn.running_var.mul_(torch.empty_like(bn.running_var).uniform_(0.8, 1.25, generator=gen))


def round_state_to_f16(model):
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                t.copy_(f16_exact(t))


def grad_array(g):
    """float16 when that is within GRAD_F16_ERROR of the tensor's scale, else float32."""
    g = g.detach().float()
    scale = g.abs().max().item()
    h = g.to(torch.float16)
    if scale > 0 and torch.isfinite(h).all():
        err = (h.float() - g).abs().max().item() / scale
        if err <= GRAD_F16_ERROR:
            return h.numpy()
    return g.numpy()


def near_ties(model, x):
    """Pooling windows (over every max-pool application) whose two largest distinct values nearly tie."""
    found = []

    def hook(mod, inputs, output):
        y = inputs[0].detach()
        k, p = mod.kernel_size, mod.padding
        u = torch.nn.functional.unfold(torch.nn.functional.pad(y, (p, p, p, p), value=-float("inf")), k)
        u = u.view(y.shape[0], y.shape[1], k * k, -1)
        top = u.max(dim=2, keepdim=True).values
        second = torch.where(u == top, torch.full_like(u, -float("inf")), u).max(dim=2).values
        gap = top.squeeze(2) - second
        found.append(int((gap <= TIE_MARGIN * top.squeeze(2).abs().clamp(min=1e-3)).sum()))

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, torch.nn.MaxPool2d)]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return sum(found)


def model_path(model):
    local = FIXTURES / model
    return str(local) if local.exists() else model


def relative_model(model, out_dir):
    """The model name the checker resolves: a local YAML relative to the fixture's directory."""
    local = FIXTURES / model
    if not local.exists():
        return model
    return str(pathlib.Path(os.path.relpath(local, out_dir)))


def make_case(name, model_name, nc, mode, shape, seed, out_dir):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = DetectionModel(model_path(model_name), nc=nc, verbose=False).float()
    calibration = torch.rand(shape, generator=gen)
    perturb_batchnorm(model, gen, calibration)
    round_state_to_f16(model)
    tensors = {}
    for k, t in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        tensors[f"weights/{k}"] = t.detach().to(torch.float16).numpy()
    x = torch.randint(0, 256, shape, generator=gen).float() / 256  # exact in float16
    tensors["input"] = x.to(torch.float16).numpy()
    if mode == "train":
        state = {k: v.clone() for k, v in model.state_dict().items()}
        model.train()
        ties = near_ties(model, x)
        model.load_state_dict(state)  # undo that pass's running-statistics update
        if ties:
            raise SystemExit(f"{name}: {ties} max-pool windows nearly tie; pick another seed or a smaller input")
        x.requires_grad_(True)
        outs = model(x)
        upstream = [f16_exact(torch.randn(o.shape, generator=gen)) for o in outs]
        loss = sum((o * u).sum() for o, u in zip(outs, upstream))
        loss.backward()
        for i, (o, u) in enumerate(zip(outs, upstream)):
            tensors[f"output/{i}"] = o.detach().numpy()
            tensors[f"upstream/{i}"] = u.to(torch.float16).numpy()
        for k, p in model.named_parameters():
            if p.grad is not None:
                tensors[f"grad/{k}"] = grad_array(p.grad)
        tensors["grad/input"] = grad_array(x.grad)
        for k, b in model.named_buffers():
            if k.endswith("running_mean") or k.endswith("running_var"):
                tensors[f"running/{k}"] = b.detach().numpy().copy()
    else:
        model.eval()
        with torch.no_grad():
            decoded, outs = model(x)
        for i, o in enumerate(outs):
            tensors[f"output/{i}"] = o.numpy()
        tensors["decoded"] = decoded.numpy()
    meta = {"kind": "model", "model": relative_model(model_name, out_dir), "nc": str(nc), "mode": mode,
            "generator": f"ultralytics {ultralytics.__version__}, torch {torch.__version__}, seed {seed}"}
    path = out_dir / f"{name}.safetensors"
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path), metadata=meta)
    f16 = sum(1 for k, v in tensors.items() if k.startswith("grad/") and v.dtype == np.float16)
    grads = sum(1 for k in tensors if k.startswith("grad/"))
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB ({f16}/{grads} gradients as float16)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(FIXTURES))
    ap.add_argument("--only", default=None, help="one case by name")
    ap.add_argument("--set", choices=("committed", "extended", "all"), default="committed")
    args = ap.parse_args()
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    cases = {"committed": COMMITTED, "extended": EXTENDED, "all": COMMITTED + EXTENDED}[args.set]
    for case in cases:
        if args.only and args.only != case[0]:
            continue
        make_case(*case, out_dir)


if __name__ == "__main__":
    main()
