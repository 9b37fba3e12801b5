#!/usr/bin/env python3
"""Converts an Ultralytics detection checkpoint (.pt) into the safetensors
weights file yoloc loads (same state-dict names, float32).

    python pt_to_safetensors.py yolov8n.pt [yolov8n.safetensors]

Runs where torch and ultralytics are installed (the checkpoint is a pickle of
ultralytics classes). Uses the checkpoint's EMA weights when it has them, as
Ultralytics does. Metadata: format=yoloc, yaml (the model YAML name, e.g.
yolov8n.yaml, to build the model from), nc, names (JSON list of class names),
source (the .pt file name), and the ultralytics version that wrote it.

Load the result with `model=yolov8n.yaml` and the weights (e.g. pretrained=...)
or from C with yc_model_build(yaml, nc) + yc_model_load(path).
"""
import argparse
import json
import pathlib
import sys

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=pathlib.Path)
    ap.add_argument("output", type=pathlib.Path, nargs="?")
    args = ap.parse_args()
    try:
        from safetensors.torch import save_file
    except ImportError:
        sys.exit("pt_to_safetensors: needs the safetensors package (pip install safetensors)")
    out = args.output or args.checkpoint.with_suffix(".safetensors")
    ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    model = ckpt.get("ema") or ckpt.get("model") if isinstance(ckpt, dict) else ckpt
    if model is None or not hasattr(model, "state_dict"):
        sys.exit(f"pt_to_safetensors: {args.checkpoint} holds no model (keys: {list(ckpt)[:10]})")
    head = model.model[-1] if hasattr(model, "model") else None
    if type(head).__name__ != "Detect":
        sys.exit(f"pt_to_safetensors: {args.checkpoint} is not a detection model (last layer: {type(head).__name__})")
    tensors = {}
    for name, t in model.float().state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        tensors[name] = t.detach().contiguous().clone()
    yaml_file = pathlib.Path(getattr(model, "yaml", {}).get("yaml_file", "") or "").name
    names = getattr(model, "names", None) or {}
    names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
    meta = {
        "format": "yoloc",
        "yaml": yaml_file,
        "nc": str(head.nc),
        "names": json.dumps(names),
        "source": args.checkpoint.name,
        "ultralytics_version": str(ckpt.get("version", "")) if isinstance(ckpt, dict) else "",
    }
    save_file(tensors, str(out), metadata=meta)
    print(f"{out}: {len(tensors)} tensors from {args.checkpoint.name} ({yaml_file or 'unknown yaml'}, nc {head.nc})")


if __name__ == "__main__":
    main()
