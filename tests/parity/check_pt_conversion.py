"""Checks share/tools/pt_to_safetensors.py end to end: trains an Ultralytics
YOLOv8n for one epoch on the bundled coco8 at imgsz 64 (a real checkpoint),
converts best.pt, and writes a parity fixture (kind model, eval) whose weights
are the converted file's tensors and whose outputs come from the checkpoint's
own model, so that tests/bin/parity checks what yoloc computes from the
converted weights. Run in the reference environment:

    .venv-ref/bin/python tests/parity/check_pt_conversion.py WORKDIR
    tests/bin/parity WORKDIR/converted-eval.safetensors
"""
import pathlib
import shutil
import subprocess
import sys

import torch
from safetensors import safe_open
from safetensors.numpy import save_file

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main():
    work = pathlib.Path(sys.argv[1]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    # a copy of the dataset: Ultralytics writes label caches next to the labels
    shutil.copytree(ROOT / "share" / "datasets" / "coco8", work / "coco8", dirs_exist_ok=True)
    data = work / "coco8.yaml"
    text = (ROOT / "share" / "datasets" / "coco8.yaml").read_text()
    data.write_text(text.replace("path: coco8", f"path: {work / 'coco8'}"))
    from ultralytics import YOLO
    YOLO("yolov8n.yaml").train(data=str(data), epochs=1, imgsz=64, batch=4, device="cpu", workers=0, plots=False,
                               val=False, project=str(work / "runs"), name="t", exist_ok=True, verbose=False,
                               amp=False)
    pt = work / "runs" / "t" / "weights" / "best.pt"
    converted = work / "best.safetensors"
    subprocess.run([sys.executable, str(ROOT / "share" / "tools" / "pt_to_safetensors.py"), str(pt), str(converted)],
                   check=True)
    with safe_open(str(converted), "np") as f:
        meta = f.metadata()
        tensors = {f"weights/{k}": f.get_tensor(k) for k in f.keys()}
    model = torch.load(pt, map_location="cpu", weights_only=False)["model"].float().eval()
    x = torch.rand((1, 3, 128, 160), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        decoded, outs = model(x)
    tensors["input"] = x.numpy()
    for i, o in enumerate(outs):
        tensors[f"output/{i}"] = o.numpy()
    tensors["decoded"] = decoded.numpy()
    fixture = work / "converted-eval.safetensors"
    save_file(tensors, str(fixture), metadata={"kind": "model", "model": meta["yaml"], "nc": meta["nc"], "mode": "eval"})
    print(f"{fixture}: {meta['yaml']} nc {meta['nc']}, {len(tensors)} tensors")


if __name__ == "__main__":
    main()
