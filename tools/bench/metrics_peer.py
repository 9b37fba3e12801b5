"""Peer side of tools/bench/metrics.sh (reference environment):
  gen-nms OUT.safetensors NAME  writes a decoded head output [B, 84, 8400] like a
                                COCO model's at imgsz 640 (NAME: trained | early)
  nms FILE.safetensors REPEATS  times the reference's non_max_suppression (validation
                                settings, torchvision NMS) per image: best of REPEATS
  gen-coco DIR IMAGES           writes DIR/gt.json and DIR/dt.json (COCO-like, 100 detections per image)
"""
import json
import pathlib
import sys
import time

import numpy as np


def synth(rng, batch, nc, imgsz, background, objects=(3, 15)):
    anchors = []
    for s in (8, 16, 32):
        g = imgsz // s
        ys, xs = np.meshgrid(np.arange(g) + 0.5, np.arange(g) + 0.5, indexing="ij")
        anchors.append(np.stack([xs.ravel() * s, ys.ravel() * s, np.full(g * g, s)], 1))
    anchors = np.concatenate(anchors, 0)
    A = len(anchors)
    out = np.zeros((batch, 4 + nc, A), dtype=np.float32)
    for b in range(batch):
        logits = rng.normal(background[0], background[1], (nc, A))
        wh = anchors[:, 2:3] * np.exp(rng.normal(1.0, 0.6, (A, 2)))
        xy = anchors[:, :2] + rng.normal(0, 0.3, (A, 2)) * anchors[:, 2:3]
        for _ in range(int(rng.integers(objects[0], objects[1] + 1))):
            c = int(rng.integers(0, nc))
            cx, cy = rng.uniform(0, imgsz, 2)
            w, h = rng.uniform(10, imgsz * 0.7, 2)
            idx = np.nonzero((np.abs(anchors[:, 0] - cx) < w / 2) & (np.abs(anchors[:, 1] - cy) < h / 2))[0]
            xy[idx] = np.array([cx, cy]) + rng.normal(0, 0.08, (len(idx), 2)) * np.array([w, h])
            wh[idx] = np.array([w, h]) * np.exp(rng.normal(0, 0.12, (len(idx), 2)))
            logits[c, idx] = rng.normal(2.0, 2.0, len(idx))
        out[b, 0:2], out[b, 2:4] = xy.T, wh.T
        out[b, 4:] = 1.0 / (1.0 + np.exp(-logits))
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "gen-nms":
        from safetensors.numpy import save_file
        background = {"trained": (-11.0, 1.5), "early": (-8.0, 1.5)}[sys.argv[3]]
        save_file({"pred": synth(np.random.default_rng(1), 8, 80, 640, background)}, sys.argv[2])
    elif cmd == "nms":
        import torch
        import torchvision  # noqa: F401  (the reference validator's NMS)
        from safetensors.numpy import load_file
        import logging
        from ultralytics.utils import LOGGER, nms
        LOGGER.setLevel(logging.ERROR)  # its "NMS time limit exceeded" warnings: counted below instead
        torch.set_num_threads(1)  # yoloc's NMS runs on one thread
        pred = torch.from_numpy(load_file(sys.argv[2])["pred"])
        best, kept, cand, over = 1e30, 0, 0, 0
        for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 5):
            # one image per call, as the validator's batches would be given the
            # most time: its time limit is 2 s + 50 ms per image of a batch
            out, t0 = [], time.perf_counter()
            for i in range(len(pred)):
                t1 = time.perf_counter()
                out.append(nms.non_max_suppression(pred[i:i + 1].clone(), 0.001, 0.7, multi_label=True,
                                                   max_det=300)[0])
                over += time.perf_counter() - t1 > 2.05
            best = min(best, time.perf_counter() - t0)
            kept = sum(len(o) for o in out)
        cand = int((pred[:, 4:] > 0.001).sum())
        print(f"nms_us_per_image {best / len(pred) * 1e6:.1f} kept_per_image {kept / len(pred):.1f} "
              f"candidates_per_image {cand / len(pred):.0f} over_its_time_limit {over}")
    elif cmd == "gen-coco":
        out, n_images = pathlib.Path(sys.argv[2]), int(sys.argv[3])
        rng = np.random.default_rng(2)
        images, anns, dets = [], [], []
        for i in range(n_images):
            images.append({"id": i + 1, "width": 640, "height": 480})
            boxes = []
            for _ in range(int(rng.integers(1, 15))):
                w, h = rng.uniform(4, 300, 2)
                b = [float(rng.uniform(0, 640 - w)), float(rng.uniform(0, 480 - h)), float(w), float(h)]
                c = int(rng.integers(1, 81))
                boxes.append((b, c))
                anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": c, "bbox": b,
                             "area": b[2] * b[3] * 0.8, "iscrowd": int(rng.random() < 0.01)})
            for k in range(100):
                if k < 2 * len(boxes):
                    b, c = boxes[k % len(boxes)]
                    b = [v + float(rng.normal(0, 0.1)) * b[2 + (j % 2)] for j, v in enumerate(b)]
                else:
                    w, h = rng.uniform(4, 300, 2)
                    b, c = [float(rng.uniform(0, 640 - w)), float(rng.uniform(0, 480 - h)), float(w), float(h)], int(
                        rng.integers(1, 81))
                dets.append({"image_id": i + 1, "category_id": c, "bbox": [round(v, 3) for v in b],
                             "score": round(float(rng.random()), 5)})
        cats = [{"id": c, "name": str(c)} for c in range(1, 81)]
        (out / "gt.json").write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
        (out / "dt.json").write_text(json.dumps(dets))


if __name__ == "__main__":
    main()
