"""The PyTorch peer of tools/bench/gpu.sh: the Ultralytics model from PyPI
training in PyTorch the way the reference trainer steps (autocast, GradScaler,
clip at 10, SGD Nesterov, ModelEMA), channels-last, on one GPU.

  gpu_torch.py --model yolov8n.yaml --batch 64 --imgsz 640 --dtype bf16 --steps 30 --warmup 5
               [--data DIR_OF_TRAIN_IMAGES --names a,b,c --workers 8] [--device cuda:0]

Without --data: synthetic uint8 batches from page-locked memory with 8 boxes
per image (the model step alone, as gpu_bench's synthetic runs). With --data:
Ultralytics' own dataset and loader (mosaic and the other default train
augmentations) on that folder of images (labels in ../labels), loader
included in the time. Prints a line for people and a RESULT {json} line.
Runs on the CPU too (--device cpu, small sizes) so that the script can be
checked without a GPU."""
import argparse
import json
import time

import torch


def synthetic_targets(batch, nc, per_image, device, gen):
    n = batch * per_image
    idx = torch.arange(batch, device=device).repeat_interleave(per_image).float()
    cls = torch.randint(0, nc, (n, 1), generator=gen).float().to(device)
    xy = 0.2 + 0.6 * torch.rand(n, 2, generator=gen)
    wh = 0.05 + 0.3 * torch.rand(n, 2, generator=gen)
    return {"batch_idx": idx, "cls": cls, "bboxes": torch.cat([xy, wh], 1).to(device)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="yolov8n.yaml")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp16", "fp32"])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--nc", type=int, default=80)
    ap.add_argument("--data", default=None)
    ap.add_argument("--names", default=None)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--peak", type=float, default=0.0, help="the device's dense peak TFLOP/s for this dtype")
    a = ap.parse_args()

    from ultralytics.cfg import get_cfg
    from ultralytics.nn.tasks import DetectionModel
    from ultralytics.utils import DEFAULT_CFG
    from ultralytics.utils.torch_utils import ModelEMA, get_flops

    device = torch.device(a.device)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True
    names = a.names.split(",") if a.names else None
    nc = len(names) if names else a.nc
    model = DetectionModel(a.model, nc=nc, verbose=False)
    gflops = get_flops(model, a.imgsz)  # forward GFLOPs per image, the reference's figure
    cfg = get_cfg(DEFAULT_CFG, {"imgsz": a.imgsz, "batch": a.batch, "workers": a.workers})
    model.args = cfg  # the loss reads its gains (box, cls, dfl) here
    model = model.to(device).train()
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[a.dtype]
    amp = a.dtype != "fp32" and cuda
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    opt = torch.optim.SGD([{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.0005}],
                          lr=0.01, momentum=0.937, nesterov=True)
    scaler = torch.amp.GradScaler("cuda", enabled=amp and dtype == torch.float16)
    ema = ModelEMA(model)

    gen = torch.Generator().manual_seed(0)
    loader = None
    if a.data:
        from ultralytics.data import build_dataloader, build_yolo_dataset
        data = {"names": {i: n for i, n in enumerate(names or [str(i) for i in range(nc)])}, "nc": nc, "channels": 3}
        dataset = build_yolo_dataset(cfg, a.data, a.batch, data, mode="train", stride=32)
        dl = build_dataloader(dataset, a.batch, a.workers, shuffle=True)

        def forever():  # one pass of the loader's iterator is one epoch
            while True:
                yield from dl

        loader = forever()
        source = "real"
    else:
        images = torch.randint(0, 256, (a.batch, 3, a.imgsz, a.imgsz), dtype=torch.uint8, generator=gen)
        if cuda:
            images = images.pin_memory()
        fixed = synthetic_targets(a.batch, nc, 8, device, gen)
        source = "synthetic"

    def step():
        if loader is not None:
            b = next(loader)
            img = b["img"]
            targets = {k: b[k].to(device, non_blocking=True) for k in ("batch_idx", "cls", "bboxes")}
        else:
            img, targets = images, fixed
        x = img.to(device, non_blocking=True)
        if cuda:
            x = x.contiguous(memory_format=torch.channels_last)
        x = x.float() / 255
        targets = dict(targets, img=x)
        with torch.autocast(device.type, dtype=dtype, enabled=amp):
            loss, _ = model.loss(targets)
            loss = loss.sum()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(params, max_norm=10.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        ema.update(model)
        return loss.detach()

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        last = step()
    sync()
    seconds = time.perf_counter() - t0
    ips = a.batch * a.steps / seconds
    tflops = 3 * gflops * ips / 1e3
    name = torch.cuda.get_device_name(device) if cuda else "cpu"
    line = (f"PyTorch {torch.__version__} Ultralytics {a.model} batch {a.batch} imgsz {a.imgsz} {a.dtype} "
            f"{'channels-last ' if cuda else ''}{source} on {name}: {ips:.1f} images/s "
            f"({1e3 * seconds / a.steps:.1f} ms/step), {tflops:.1f} TFLOP/s ({gflops:.1f} GFLOPs/image x3)")
    if a.peak > 0:
        line += f", {100 * tflops / a.peak:.1f}% of the {a.peak:.0f} TFLOP/s peak"
    print(line)
    print("RESULT " + json.dumps({"tool": "pytorch", "model": a.model, "batch": a.batch, "imgsz": a.imgsz,
                                  "precision": a.dtype, "data": source, "images_per_s": round(ips, 3),
                                  "tflops": round(tflops, 3), "gflops_per_image": round(gflops, 3),
                                  "device": name, "last_loss": last.item()}))


if __name__ == "__main__":
    main()
