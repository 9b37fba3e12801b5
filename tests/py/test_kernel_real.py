"""Training, validation and prediction from cells with the REAL worker
(bin/yoloc, not the emit_events harness): a small YOLOv8n run on the bundled
coco8 at 64 px (seconds on a CPU), then `val` and `predict` in cells; what
each cell shows (live progress, the results plot per epoch, the final table
and plots, the annotated images), decoded and sized."""
import json
import re
import shutil

import pytest

from PIL import Image

from conftest import ROOT, run_yoloc
from kernel_util import is_blank, outputs, png_image, run_cell, start_kernel, stop_kernel, stream_text

TRAIN = "train model=yolov8n.yaml data=coco8.yaml imgsz=64 batch=4 workers=0 device=cpu"
PREDICT_WEIGHTS = ROOT / "tests" / "fixtures" / "val" / "val_tiny_coco8.safetensors"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("real")
    km, kc = start_kernel(cwd, real=True)
    yield cwd, kc
    stop_kernel(km, kc)


def images(msgs, mime):
    """Every image of a cell in its final state (display_data, then update_display_data by display id)."""
    final, order = {}, []
    for kind in ("display_data", "update_display_data"):
        for i, c in enumerate(outputs(msgs, kind)):
            if mime not in c["data"]:
                continue
            key = c.get("transient", {}).get("display_id") or f"{kind}{i}"
            if key not in final:
                order.append(key)
            final[key] = c
    return [final[k] for k in order]


@pytest.fixture(scope="module")
def trained(session):
    cwd, kc = session
    reply, msgs = run_cell(kc, f"{TRAIN} epochs=4 name=e2e", timeout=180)
    return cwd, kc, reply, msgs


def test_train_cell_shows_progress_plots_and_table(trained):
    cwd, _, reply, msgs = trained
    assert reply["status"] == "ok", reply
    progress = [c for c in outputs(msgs, "display_data") + outputs(msgs, "update_display_data")
                if "text/html" in c["data"] and "image/png" not in c["data"]]
    assert progress and "100%" in progress[-1]["data"]["text/plain"] and "finished" in progress[-1]["data"]["text/plain"]
    # the display's epoch table reached epoch 4 (intermediate frames are throttled, so
    # which "epoch N/4" frames were shown depends on timing; the table does not)
    assert re.search(r"(?m)^\s+4\*?\s+\d", progress[-1]["data"]["text/plain"]), progress[-1]["data"]["text/plain"]
    pngs = images(msgs, "image/png")
    sizes = [png_image(p).size for p in pngs]
    assert (1600, 780) in sizes and (1300, 820) in sizes  # results plot (live, final state) and PR_curve.png
    assert not any(is_blank(png_image(p)) for p in pngs)
    text = stream_text(msgs)
    assert "Class     Images  Instances" in text and "                   all          4         17" in text
    assert "Results saved to runs/detect/e2e" in text
    assert not outputs(msgs, "error")
    run = cwd / "runs/detect/e2e"
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    assert len((run / "results.csv").read_text().splitlines()) == 5
    assert list(run.glob("events.out.tfevents.*"))


def test_results_plot_follows_the_epochs(session, tmp_path):
    """The live results plot: one display, updated in place, ending as the
    run's final results.csv renders (what `yoloc plot results` draws)."""
    cwd, kc = session
    reply, msgs = run_cell(kc, f"{TRAIN.replace('imgsz=64', 'imgsz=160')} epochs=3 name=live", timeout=300)
    assert reply["status"] == "ok", reply
    plots = [c for c in outputs(msgs, "display_data") + outputs(msgs, "update_display_data")
             if "image/png" in c["data"] and png_image(c).size == (1600, 780)]
    assert plots and len({p["transient"]["display_id"] for p in plots}) == 1
    out = tmp_path / "results.png"
    run_yoloc("plot", "results", f"run={cwd / 'runs/detect/live'}", f"out={out}", check=True)
    assert png_image(plots[-1]).convert("RGB").tobytes() == Image.open(out).convert("RGB").tobytes()


def test_val_cell_shows_the_table_and_plots(trained):
    cwd, kc, _, _ = trained
    reply, msgs = run_cell(kc, "val model=runs/detect/e2e/weights/best.safetensors data=coco8.yaml imgsz=64 "
                               "device=cpu", timeout=120)
    assert reply["status"] == "ok", reply
    text = stream_text(msgs)
    assert "                   all          4         17" in text and "Speed:" in text
    sizes = sorted(png_image(p).size for p in images(msgs, "image/png"))
    assert sizes == [(1200, 1000), (1300, 820)]  # confusion_matrix.png, PR_curve.png
    assert "Results saved to runs/detect/val" in text


def test_predict_cell_shows_the_annotated_images(session):
    cwd, kc = session
    source = ROOT / "share/datasets/coco8/images/train"
    # the fixture weights name their YAML by its repository path
    (cwd / "tests/fixtures/train").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "tests/fixtures/train/tiny-train.yaml", cwd / "tests/fixtures/train")
    reply, msgs = run_cell(kc, f"predict model={PREDICT_WEIGHTS} source={source} imgsz=160 device=cpu", timeout=120)
    assert reply["status"] == "ok", reply
    jpegs = images(msgs, "image/jpeg")
    assert len(jpegs) == 4
    sizes = [(j["metadata"]["image/jpeg"]["width"], j["metadata"]["image/jpeg"]["height"]) for j in jpegs]
    assert sizes == [Image.open(p).size for p in sorted(source.iterdir())]  # the originals' sizes
    text = stream_text(msgs)
    # the reference's lines (tests/fixtures/predict: the same model and images at 160)
    want = json.loads((ROOT / "tests/fixtures/predict/predict_tiny_coco8.json").read_text())["cases"][0]["images"]
    for w in want:
        assert w["line"].split(": ", 1)[1] in text
    assert "Results saved to runs/detect/predict" in text
    progress = [c for c in outputs(msgs, "update_display_data") if "image/png" not in c["data"]]
    assert progress and "100%" in progress[-1]["data"]["text/plain"]
