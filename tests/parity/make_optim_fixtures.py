"""Generates the `optim` parity fixtures (tests/fixtures/optim/*.safetensors):
K iterations of the reference trainer's optimisation recipe on a tiny model
whose gradient is known in closed form, so the C side can recompute it.

Reference pieces used as they are: BaseTrainer.build_optimizer (groups,
optimizer=auto), BaseTrainer._setup_scheduler (lf and LambdaLR), torch.optim
SGD/Adam/AdamW, torch.nn.utils.clip_grad_norm_ and ultralytics' ModelEMA. The
per-iteration warm-up of lr, momentum and accumulate follows the trainer's
training loop (restated here, see the `warm_up` function).

Run by hand:  .venv-ref/bin/python tests/parity/make_optim_fixtures.py

Per iteration ni the "backward pass" adds (p - target) * coef to every
trainable parameter's gradient (float32), and the batch-norm running
statistics are set to float32(base + 0.5 * sin(0.37 * ni + 1.3 * j + salt)) (as
a forward pass would change them); an optimiser step (clip at 10, step, zero
the gradients, EMA update) follows when ni - last_step >= accumulate.

Tensors: init/<name> (every float state-dict entry), coef/<name>, target/<name>;
expected final/<name>, ema/<name>, state/<name>.<momentum_buffer|exp_avg|exp_avg_sq>,
and the trajectories lr [K, 3] (torch's param_groups order: pg0 = biases,
pg1 = decayed weights, pg2 = norm weights), momentum [K] (SGD; 0 otherwise),
accumulate [K], stepped [K] (1 where the optimiser stepped), norm [K] (the
total gradient norm clip_grad_norm_ returned there).
Metadata: kind=optim, the hyperparameters, and param.<name> = g0 | g1 | g2 |
frozen | buffer:<base>:<salt>.
"""
import math
import pathlib
import sys
from types import SimpleNamespace

import numpy as np
import torch
from safetensors.numpy import save_file
from torch import nn
from ultralytics.engine.trainer import BaseTrainer
from ultralytics.utils.torch_utils import ModelEMA

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "optim"


def conv_bn(cin, cout, k):
    m = nn.Module()
    m.conv = nn.Conv2d(cin, cout, k, bias=False)
    m.bn = nn.BatchNorm2d(cout)
    return m


def tiny_model():
    """A model with the reference's kinds of parameters: conv weights (g0),
    batch-norm weights (g1), biases (g2), batch-norm buffers and a frozen conv."""
    net = nn.Module()
    head = nn.Module()
    head.cv3 = nn.Conv2d(8, 5, 1, bias=True)
    head.dfl = nn.Conv2d(16, 1, 1, bias=False)
    head.dfl.weight.requires_grad_(False)
    net.model = nn.ModuleList([conv_bn(3, 4, 3), conv_bn(4, 8, 1), head])
    return net


def warm_up(optimizer, ni, nw, epoch, lf, args, batch):
    """The trainer's warm-up step at iteration ni (linear interpolation over [0, nw]);
    returns the accumulate value."""
    xi = [0, nw]
    accumulate = max(1, int(np.interp(ni, xi, [1, args.nbs / batch]).round()))
    for j, x in enumerate(optimizer.param_groups):
        start = args.warmup_bias_lr if j == 0 else 0.0
        x["lr"] = np.interp(ni, xi, [start, x["initial_lr"] * lf(epoch)])
        if "momentum" in x:
            x["momentum"] = np.interp(ni, xi, [args.warmup_momentum, args.momentum])
    return accumulate


def run_case(name, seed, iters, nb, epochs, batch, nc, train_images, **hyp):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    args = SimpleNamespace(optimizer="SGD", lr0=0.01, lrf=0.01, momentum=0.937, weight_decay=0.0005,
                           warmup_epochs=3.0, warmup_momentum=0.8, warmup_bias_lr=0.1, nbs=64, cos_lr=False)
    for k, v in hyp.items():
        setattr(args, k, v)
    model = tiny_model()
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(torch.from_numpy(rng.normal(1.0 if ".bn.weight" in n else 0.0, 0.5, p.shape).astype(np.float32)))
    sd = model.state_dict()
    buffers = [n for n, v in sd.items() if v.dtype.is_floating_point and "running" in n]
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    coef = {n: rng.uniform(0.02, 0.5, p.shape).astype(np.float32) for n, p in model.named_parameters()}
    coef["model.1.conv.weight"] *= 3  # clipping engages when gradients accumulate
    target = {n: rng.normal(0, 1, p.shape).astype(np.float32) for n, p in model.named_parameters()}
    tensors = {f"init/{n}": v.numpy().copy() for n, v in sd.items() if v.dtype.is_floating_point}
    for n in trainable:
        tensors[f"coef/{n}"], tensors[f"target/{n}"] = coef[n], target[n]

    # The trainer's set-up: accumulate, weight-decay scaling, optimiser, scheduler, EMA.
    trainer = SimpleNamespace(args=args, data={"nc": nc}, epochs=epochs)
    accumulate = max(round(args.nbs / batch), 1)
    weight_decay = args.weight_decay * batch * accumulate / args.nbs
    iterations = math.ceil(train_images / max(batch, args.nbs)) * epochs
    optimizer = BaseTrainer.build_optimizer(trainer, model, name=args.optimizer, lr=args.lr0, momentum=args.momentum,
                                            decay=weight_decay, iterations=iterations)
    trainer.optimizer = optimizer
    BaseTrainer._setup_scheduler(trainer)
    trainer.scheduler.last_epoch = -1  # start_epoch - 1
    ema = ModelEMA(model)
    nw = max(round(args.warmup_epochs * nb), 100) if args.warmup_epochs > 0 else -1

    params = dict(model.named_parameters())
    lr_log, mom_log, acc_log, step_log, norm_log = [], [], [], [], []
    last_opt_step = -1
    for ni in range(iters):
        epoch, i = divmod(ni, nb)
        if i == 0:
            trainer.scheduler.step()
        if ni <= nw:
            accumulate = warm_up(optimizer, ni, nw, epoch, trainer.lf, args, batch)
        lr_log.append([float(x["lr"]) for x in optimizer.param_groups])
        mom_log.append(float(optimizer.param_groups[0].get("momentum", 0.0)))
        acc_log.append(accumulate)
        with torch.no_grad():
            for s, n in enumerate(buffers):
                base = 1.0 if "running_var" in n else 0.0
                vals = [base + 0.5 * math.sin(0.37 * ni + 1.3 * j + s) for j in range(sd[n].numel())]
                sd[n].copy_(torch.tensor(vals, dtype=torch.float64).float())
            for n in trainable:
                p = params[n]
                g = (p.detach() - torch.from_numpy(target[n])) * torch.from_numpy(coef[n])
                if p.grad is None:
                    p.grad = g
                else:
                    p.grad += g
        if ni - last_opt_step >= accumulate:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
            optimizer.step()
            optimizer.zero_grad()
            ema.update(model)
            last_opt_step = ni
            step_log.append(1.0)
            norm_log.append(float(norm))
        else:
            step_log.append(0.0)
            norm_log.append(0.0)

    for n, v in model.state_dict().items():
        if v.dtype.is_floating_point:
            tensors[f"final/{n}"] = v.numpy().copy()
    for n, v in ema.ema.state_dict().items():
        if v.dtype.is_floating_point:
            tensors[f"ema/{n}"] = v.numpy().copy()
    names = {id(p): n for n, p in model.named_parameters()}
    for p, st in optimizer.state.items():
        for key in ("momentum_buffer", "exp_avg", "exp_avg_sq"):
            if key in st:
                tensors[f"state/{names[id(p)]}.{key}"] = st[key].numpy().copy()
    tensors["lr"] = np.array(lr_log, dtype=np.float64)
    tensors["momentum"] = np.array(mom_log, dtype=np.float64)
    tensors["accumulate"] = np.array(acc_log, dtype=np.float32)
    tensors["stepped"] = np.array(step_log, dtype=np.float32)
    tensors["norm"] = np.array(norm_log, dtype=np.float32)

    meta = {"kind": "optim", "optimizer": hyp.get("optimizer", "SGD"), "iterations": str(iters), "nb": str(nb),
            "epochs": str(epochs), "batch": str(batch), "nc": str(nc), "train_images": str(train_images)}
    for k in ("lr0", "lrf", "momentum", "weight_decay", "warmup_epochs", "warmup_momentum", "nbs", "cos_lr"):
        meta[k] = repr(getattr(args, k))
    meta["warmup_bias_lr"] = repr(hyp.get("warmup_bias_lr", 0.1))  # the argument, before optimizer=auto
    groups = {}
    for n, p in model.named_parameters():
        if not p.requires_grad:
            groups[n] = "frozen"
    for j, label in ((0, "g2"), (1, "g0"), (2, "g1")):
        for p in optimizer.param_groups[j]["params"]:
            groups.setdefault(names[id(p)], label)
    for s, n in enumerate(buffers):
        groups[n] = f"buffer:{1.0 if 'running_var' in n else 0.0}:{s}"
    for n, g in groups.items():
        meta[f"param.{n}"] = g
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.safetensors"
    save_file(tensors, str(path), metadata=meta)
    print(f"{path.relative_to(ROOT)}: {type(optimizer).__name__}, {int(sum(step_log))} steps in {iters} iterations, "
          f"nw {nw}, clipped {sum(1 for x in norm_log if x > 10)}, {path.stat().st_size / 1e3:.0f} kB")


def main():
    torch.set_num_threads(1)
    # SGD: warm-up ends at 100 inside epoch 3; accumulate ramps 1 -> 4; linear lf.
    run_case("optim_sgd", 1, 140, 30, 6, 16, 3, 480, optimizer="SGD")
    # Adam, cosine schedule, batch 8 (accumulate up to 8), momentum 0.9.
    run_case("optim_adam_cos", 2, 130, 40, 5, 8, 3, 320, optimizer="Adam", lr0=0.002, momentum=0.9, cos_lr=True)
    # AdamW with weight decay 0.05 and a larger batch (accumulate 2).
    run_case("optim_adamw", 3, 120, 25, 6, 32, 3, 800, optimizer="AdamW", lr0=0.001, weight_decay=0.05,
             warmup_epochs=1.0)
    # optimizer=auto on a short run: AdamW with the fitted lr, warmup_bias_lr forced to 0.
    run_case("optim_auto_adamw", 4, 110, 20, 4, 16, 7, 320, optimizer="auto")
    # optimizer=auto on a long run: SGD lr 0.01 momentum 0.9, no warm-up (warmup_epochs 0).
    run_case("optim_auto_sgd_nowarmup", 5, 40, 10, 200, 16, 80, 4000, optimizer="auto", warmup_epochs=0.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
