"""Writes tests/fixtures/model_info.json: for each of the ten detection models
(yolov8n..x, yolo11n..x) at nc=80 and imgsz 640, the summary the reference
prints (layers, parameters, gradients, GFLOPs) and the per-layer parameter
counts of its parse_model table. Run in the reference environment:

    .venv-ref/bin/python tests/parity/make_model_info_fixture.py
"""
import json
import pathlib

import ultralytics
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.torch_utils import model_info

out = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "model_info.json"
models = {}
for family in ("yolov8", "yolo11"):
    for scale in "nsmlx":
        name = f"{family}{scale}.yaml"
        model = DetectionModel(name, nc=80, verbose=False)
        layers, params, grads, flops = model_info(model, imgsz=640, verbose=True)
        models[name] = {
            "layers": layers,
            "parameters": params,
            "gradients": grads,
            "gflops": round(flops, 4),
            "layer_parameters": [sum(p.numel() for p in m.parameters()) for m in model.model],
        }
        print(name, models[name]["layers"], params, grads, round(flops, 2))
fixture = {"ultralytics_version": ultralytics.__version__, "nc": 80, "imgsz": 640, "models": models}
out.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {out}")
