"""What a run leaves behind, read back with the real readers: the tensorboard
package (EventAccumulator, and the `tensorboard --load_fast=true` server over
HTTP), protobuf's own Event parser, tensorboard's CRC, PIL for the PNGs.

The run comes from tests/bin/track_script, which drives the real tracker with
a scripted event sequence. To check a real training run's directory as well,
set YOLOC_TRACK_RUN=runs/detect/trainN: every test taking `run_dir` then runs
on both."""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from conftest import BIN, ROOT, run_yoloc
from tracking_helpers import (NAMES, RESULTS_COLUMNS, SCALAR_TAGS, accumulator, close, make_validation,
                              read_records, read_results, run_script)

EPOCHS, BATCHES = 4, 5


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    base = tmp_path_factory.mktemp("track")
    validation = base / "validation_in.json"
    doc = make_validation(validation)
    log = base / "events.jsonl"
    proc = run_script(f"project={base / 'proj'}", f"epochs={EPOCHS}", f"batches={BATCHES}", "data=coco8.yaml",
                      "model=yolov8n.yaml", "imgsz=320", f"validation={validation}", f"log={log}")
    run_dir = pathlib.Path(proc.stdout.strip())
    events = [json.loads(line) for line in log.read_text().splitlines()]
    return {"run_dir": run_dir, "events": events, "validation": doc, "base": base}


RUNS = ["scripted"] + (["real"] if os.environ.get("YOLOC_TRACK_RUN") else [])


@pytest.fixture(params=RUNS)
def run_dir(request, scripted):
    if request.param == "real":
        return pathlib.Path(os.environ["YOLOC_TRACK_RUN"])
    return scripted["run_dir"]


def event_files(run_dir):
    return sorted(run_dir.glob("events.out.tfevents.*"))


# --- the run directory ---

def test_layout(run_dir):
    for name in ["args.yaml", "results.csv", "run.json", "weights", "results.png"]:
        assert (run_dir / name).exists(), name
    assert event_files(run_dir)
    for f in event_files(run_dir):
        parts = f.name.split(".")
        assert parts[:3] == ["events", "out", "tfevents"] and len(parts[3]) == 10 and parts[3].isdigit()
        assert parts[-2].isdigit() and parts[-1].isdigit()  # pid, counter


def test_results_csv_columns_and_format(run_dir):
    header, rows, lines = read_results(run_dir)
    assert header == RESULTS_COLUMNS
    for line in lines[1:]:
        for text in line.split(","):
            assert text == "%.6g" % float(text), f"{text!r} is not %.6g"  # the reference's format
    epochs = [r[0] for r in rows]
    assert epochs == list(range(1, len(rows) + 1))
    times = [r[1] for r in rows]
    assert times == sorted(times)


def test_run_json(run_dir):
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["version"] == 1
    assert rec["status"] in {"running", "finished", "interrupted", "failed"}
    for key in ["name", "run_dir", "start_time", "end_time", "host", "pid", "command", "model", "data", "epochs",
                "epochs_done", "best_epoch", "best", "message"]:
        assert key in rec, key
    _, rows, _ = read_results(run_dir)
    assert rec["epochs_done"] == rows[-1][0]
    if rec["status"] == "finished":
        assert rec["end_time"] >= rec["start_time"]


def test_scripted_run_record(scripted):
    rec = json.loads((scripted["run_dir"] / "run.json").read_text())
    assert rec["status"] == "finished" and rec["epochs"] == EPOCHS and rec["epochs_done"] == EPOCHS
    # fitness grows every epoch in the script: the best is the last
    assert rec["best_epoch"] == EPOCHS
    assert abs(rec["best"]["map50_95"] - (0.08 + 0.03 * EPOCHS)) < 1e-9
    assert rec["model"] == "yolov8n.yaml" and rec["data"] == "coco8.yaml"
    assert "epochs=4" in rec["command"]


# --- event files: every record, with tensorboard's CRC and protobuf's parser ---

def test_records_crc_and_protobuf(run_dir):
    from tensorboard.compat.proto import event_pb2
    for path in event_files(run_dir):
        records, end, size = read_records(path)
        assert end == size, f"{path.name}: {size - end} trailing bytes"
        first = event_pb2.Event.FromString(records[0][1])
        assert first.file_version == "brain.Event:2" and first.wall_time > 1e9
        for _, payload in records:
            event = event_pb2.Event.FromString(payload)
            tags = [v.tag for v in event.summary.value]
            if not any(t.startswith("_hparams_/session_start") for t in tags):  # maps serialise in any order
                assert event.SerializeToString() == payload  # our bytes are protobuf's canonical bytes


def test_scalars_match_results_csv(run_dir):
    header, rows, _ = read_results(run_dir)
    ea = accumulator(run_dir)
    tags = set(ea.Tags()["scalars"])
    assert set(SCALAR_TAGS) <= tags
    for col, tag in enumerate(header):
        if tag not in SCALAR_TAGS:
            continue
        events = ea.Scalars(tag)
        want = [(int(r[0]), r[col]) for r in rows if not np.isnan(r[col])]
        assert [e.step for e in events] == [s for s, _ in want], tag  # step = epoch (the reference's epoch + 1)
        for e, (_, v) in zip(events, want):
            assert close(e.value, v, rel=1e-5), (tag, e.step, e.value, v)


def test_batch_scalars(scripted):
    ea = accumulator(scripted["run_dir"])
    batches = [e for e in scripted["events"] if e["type"] == "batch_end"]
    for i, tag in enumerate(["train_batch/box_loss", "train_batch/cls_loss", "train_batch/dfl_loss"]):
        got = ea.Scalars(tag)
        assert [g.step for g in got] == [(b["epoch"] - 1) * b["batches"] + b["batch"] for b in batches]
        for g, b in zip(got, batches):
            assert close(g.value, b["losses"][i], rel=1e-6)
            assert g.wall_time == pytest.approx(b["wall_time"])
    assert len(ea.Scalars("train_batch/images_per_sec")) == len(batches)


def test_images_decode_to_their_size(run_dir):
    import io
    ea = accumulator(run_dir)
    tags = ea.Tags()["images"]
    assert "plots/results" in tags
    for tag in tags:
        for im in ea.Images(tag):
            png = Image.open(io.BytesIO(im.encoded_image_string))
            assert png.size == (im.width, im.height), tag
            assert png.format == "PNG"


def test_scripted_image_tags(scripted):
    ea = accumulator(scripted["run_dir"])
    tags = set(ea.Tags()["images"])
    want = {"plots/results", "plots/PR_curve", "plots/F1_curve", "plots/P_curve", "plots/R_curve",
            "plots/confusion_matrix", "plots/confusion_matrix_normalized", "plots/labels",
            "images/train_batch0", "images/train_batch1", "images/train_batch2",
            "images/val_batch0_labels", "images/val_batch0_pred"}
    assert want <= tags, want - tags
    assert [i.step for i in ea.Images("plots/results")] == [EPOCHS]


def test_histograms(scripted):
    ea = accumulator(scripted["run_dir"])
    for tag in ["weights/model.0.conv.weight", "grads/model.0.conv.weight"]:
        hist = ea.Histograms(tag)
        assert [h.step for h in hist] == list(range(1, EPOCHS + 1))
        for h in hist:
            v = h.histogram_value
            assert v.num == 1000 and sum(v.bucket) == 1000 and len(v.bucket) == len(v.bucket_limit)
            assert v.min <= v.max


def test_pr_curves(scripted):
    from tensorboard.plugins.pr_curve import plugin_data_pb2
    from tensorboard.util import tensor_util
    doc = scripted["validation"]
    ea = accumulator(scripted["run_dir"])
    content = ea.PluginTagToContent("pr_curves")
    names = [c["name"] for c in doc["per_class"]]
    assert {f"pr_curve/{n}" for n in names} <= set(content)
    assert {f"pr_curve_best/{n}" for n in names} <= set(content)
    for k, name in enumerate(names):
        meta = plugin_data_pb2.PrCurvePluginData.FromString(content[f"pr_curve/{name}"])
        assert meta.num_thresholds == 201
        events = ea.Tensors(f"pr_curve/{name}")
        assert [e.step for e in events] == list(range(1, EPOCHS + 1))
        data = tensor_util.make_ndarray(events[-1].tensor_proto)
        assert data.shape == (6, 201)
        tp, fp = np.array(doc["pr_counts"]["tp"][k]), np.array(doc["pr_counts"]["fp"][k])
        inst = doc["per_class"][k]["instances"]
        np.testing.assert_array_equal(data[0], tp)
        np.testing.assert_array_equal(data[1], fp)
        np.testing.assert_array_equal(data[2], 0)
        np.testing.assert_array_equal(data[3], inst - tp)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(tp + fp > 0, tp / (tp + fp), 0)
        np.testing.assert_allclose(data[4], precision, rtol=1e-6)
        np.testing.assert_allclose(data[5], tp / inst, rtol=1e-6)


def test_args_text(scripted):
    from tensorboard.util import tensor_util
    ea = accumulator(scripted["run_dir"])
    assert "args" in ea.PluginTagToContent("text")
    text = tensor_util.make_ndarray(ea.Tensors("args")[0].tensor_proto).item().decode()
    assert text.startswith("| argument | value |")
    assert f"| epochs | {EPOCHS} |" in text and "| imgsz | 320 |" in text and "| data | coco8.yaml |" in text


def test_hparams(scripted):
    from tensorboard.plugins.hparams import plugin_data_pb2
    ea = accumulator(scripted["run_dir"])
    content = ea.PluginTagToContent("hparams")
    assert set(content) == {"_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"}
    exp = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    hp_names = {h.name for h in exp.hparam_infos}
    assert {"epochs", "lr0", "batch", "imgsz", "optimizer", "cos_lr"} <= hp_names
    assert "metrics/mAP50-95(B)" in {m.name.tag for m in exp.metric_infos}
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["epochs"].number_value == EPOCHS
    assert start.hparams["imgsz"].number_value == 320
    assert start.hparams["lr0"].number_value == pytest.approx(0.01)
    assert start.hparams["cos_lr"].bool_value is False
    assert start.hparams["optimizer"].string_value == "auto"
    assert start.start_time_secs > 1e9
    end = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_end_info"]).session_end_info
    assert end.status == 1 and end.end_time_secs >= start.start_time_secs  # STATUS_SUCCESS


# --- PNG plots ---

PLOT_SIZES = {"results.png": (1600, 780), "PR_curve.png": (1300, 820), "F1_curve.png": (1300, 820),
              "P_curve.png": (1300, 820), "R_curve.png": (1300, 820), "confusion_matrix.png": (1200, 1000),
              "confusion_matrix_normalized.png": (1200, 1000), "labels.png": (1100, 1100)}


def assert_not_blank(path):
    im = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    assert im.std() > 10, f"{path.name} looks blank"
    non_white = (im.min(axis=2) < 200).mean()
    assert non_white > 0.01, f"{path.name}: only {non_white:.3%} of pixels are drawn"
    return im


def test_plots_decode_with_expected_sizes(scripted):
    run_dir = scripted["run_dir"]
    for name, size in PLOT_SIZES.items():
        im = Image.open(run_dir / name)
        im.load()
        assert im.size == size, name
        assert_not_blank(run_dir / name)
    for name in ["train_batch0.png", "train_batch1.png", "train_batch2.png", "val_batch0_labels.png",
                 "val_batch0_pred.png"]:
        im = Image.open(run_dir / name)
        assert im.size == (320, 256)  # 4 images of 160 x 128 in a 2 x 2 grid
        assert_not_blank(run_dir / name)


def test_grid_draws_boxes_in_class_colours(scripted):
    # the script puts a box of class (i + k) % 5 at known places: its outline must be in the palette colour
    im = np.asarray(Image.open(scripted["run_dir"] / "train_batch0.png").convert("RGB")).astype(int)
    palette = {0: (0xE6, 0x19, 0x4B), 1: (0x3C, 0xB4, 0x4B)}
    # image 0, box k=0: class 0, centre (0.25, 0.3), size (0.2, 0.25) of a 160 x 128 cell: left edge x = 24
    col = im[30:50, 23:26]
    assert (np.abs(col - palette[0]).sum(axis=2) < 60).any()


# --- truncation: a killed writer's file still reads up to its last complete record ---

def test_truncated_last_record(scripted, tmp_path):
    src = event_files(scripted["run_dir"])[0]
    records, _, size = read_records(src)
    last_at = records[-1][0]
    last_len = size - last_at
    cut = tmp_path / "cut"
    cut.mkdir()
    dst = cut / src.name
    dst.write_bytes(src.read_bytes()[:last_at + last_len // 2])
    full, part = accumulator(scripted["run_dir"]), accumulator(cut)
    # the last record is the hparams session end; everything before it is there
    assert "_hparams_/session_end_info" not in part.PluginTagToContent("hparams")
    for tag in SCALAR_TAGS + ["train_batch/box_loss"]:
        assert [e.value for e in part.Scalars(tag)] == [e.value for e in full.Scalars(tag)]
    assert part.Tags()["images"] == full.Tags()["images"]


# --- killed, then resumed ---

def test_killed_then_resumed(tmp_path):
    validation = tmp_path / "v.json"
    make_validation(validation)
    proc = run_script(f"project={tmp_path / 'p'}", "epochs=4", "batches=3", f"validation={validation}",
                      "kill_after=2", "images=0", check=False)
    assert proc.returncode == -9
    run_dir = tmp_path / "p" / "train"
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "running" and rec["epochs_done"] == 2
    listing = run_yoloc("runs", f"project={tmp_path / 'p'}", check=True).stdout
    assert "killed" in listing.splitlines()[1]
    ea = accumulator(run_dir)
    assert [e.step for e in ea.Scalars("metrics/mAP50-95(B)")] == [1, 2]  # fsynced at each epoch end
    time.sleep(1.1)  # a new file name (10-digit seconds) for the resumed writer
    run_script(f"resume={run_dir}", "batches=3", f"validation={validation}", "images=0")
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "finished" and rec["epochs_done"] == 4
    _, rows, _ = read_results(run_dir)
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert rows[2][1] > rows[1][1]  # the time column continues
    assert len(event_files(run_dir)) == 2
    ea = accumulator(run_dir)
    assert [e.step for e in ea.Scalars("metrics/mAP50-95(B)")] == [1, 2, 3, 4]
    steps = [e.step for e in ea.Scalars("train_batch/box_loss")]
    assert steps == list(range(1, 13))


def test_failed_and_interrupted_runs(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2
    for end, status, tb_status in [("failed", "failed", 2), ("interrupted", "interrupted", 0)]:
        proc = run_script(f"project={tmp_path}", f"name={end}", "epochs=2", "batches=2", f"end={end}", "images=0")
        run_dir = pathlib.Path(proc.stdout.strip())
        rec = json.loads((run_dir / "run.json").read_text())
        assert rec["status"] == status and rec["message"]
        content = accumulator(run_dir).PluginTagToContent("hparams")["_hparams_/session_end_info"]
        assert plugin_data_pb2.HParamsPluginData.FromString(content).session_end_info.status == tb_status


def test_run_names_increment(tmp_path):
    dirs = [run_script(f"project={tmp_path}", "epochs=1", "batches=1", "images=0").stdout.strip() for _ in range(3)]
    assert [pathlib.Path(d).name for d in dirs] == ["train", "train2", "train3"]
    again = run_script(f"project={tmp_path}", "name=train2", "exist_ok=true", "epochs=1", "batches=1",
                       "images=0").stdout.strip()
    assert pathlib.Path(again).name == "train2"
    named = run_script(f"project={tmp_path}", "name=exp", "epochs=1", "batches=1", "images=0").stdout.strip()
    assert pathlib.Path(named).name == "exp"


# --- the command line ---

def test_yoloc_runs_table(scripted):
    out = run_yoloc("runs", f"project={scripted['base'] / 'proj'}", check=True).stdout.splitlines()
    assert out[0].split()[:5] == ["name", "status", "epochs", "best", "mAP50-95"]
    row = out[1].split()
    assert row[0] == "train" and row[1] == "finished" and row[2] == f"{EPOCHS}/{EPOCHS}"
    assert row[4] == "%.4f" % (0.08 + 0.03 * EPOCHS)


def test_yoloc_runs_errors(tmp_path):
    proc = run_yoloc("runs", "projekt=x")
    assert proc.returncode == 2 and "unknown argument 'projekt=x'" in proc.stderr
    proc = run_yoloc("runs", f"project={tmp_path / 'missing'}")
    assert proc.returncode == 1 and "no such directory" in proc.stderr
    assert "no runs in" in run_yoloc("runs", f"project={tmp_path}", check=True).stdout


@pytest.mark.parametrize("kind,size", [("results", (1600, 780)), ("pr", (1300, 820)), ("f1", (1300, 820)),
                                       ("p", (1300, 820)), ("r", (1300, 820)), ("confusion", (1200, 1000)),
                                       ("confusion_normalized", (1200, 1000)), ("labels", (1100, 1100)),
                                       ("batch", (640, 640))])
def test_yoloc_plot(scripted, tmp_path, kind, size):
    out = tmp_path / f"{kind}.png"
    proc = run_yoloc("plot", kind, f"run={scripted['run_dir']}", f"out={out}", check=True)
    assert proc.stdout.strip() == str(out)
    assert Image.open(out).size == size  # batch: 4 coco8 images letterboxed to imgsz=320, 2 x 2
    assert_not_blank(out)


def test_yoloc_plot_errors(tmp_path):
    proc = run_yoloc("plot", "prr", f"run={tmp_path}")
    assert proc.returncode == 2 and "unknown plot 'prr'" in proc.stderr
    proc = run_yoloc("plot", "results")
    assert proc.returncode == 2 and "run=DIR is required" in proc.stderr
    proc = run_yoloc("plot", "results", f"run={tmp_path}")
    assert proc.returncode == 1 and "results.csv" in proc.stderr
    (tmp_path / "validation.json").write_text('{"version": 1, "names": ["a"], "per_class": [], "curves": {"x": [0, 1], "pr": [], "f1": [], "p": [], "r": []}, "confusion": {"matrix": [[1, 2]]}}')
    proc = run_yoloc("plot", "confusion", f"run={tmp_path}")
    assert proc.returncode == 1 and "confusion.matrix" in proc.stderr and "expected 2" in proc.stderr


def test_plot_reads_an_ultralytics_results_csv(tmp_path):
    # Ultralytics 8.x pads nothing now, older versions padded names with spaces: both read
    header = ",".join(f"{c:>20s}" for c in RESULTS_COLUMNS)
    rows = [",".join("%.6g" % (e + i / 10) for i in range(15)) for e in range(1, 6)]
    (tmp_path / "results.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    run_yoloc("plot", "results", f"run={tmp_path}", check=True)
    assert_not_blank(tmp_path / "results.png")


# --- the real TensorBoard server (Rust data server, --load_fast=true) ---

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tensorboard_server_reads_the_run(scripted, tmp_path):
    logdir = scripted["base"] / "proj"
    port = free_port()
    tb = ROOT / ".venv" / "bin" / "tensorboard"
    proc = subprocess.Popen([str(tb), "--logdir", str(logdir), "--load_fast=true", "--host", "127.0.0.1",
                             "--port", str(port), "--reload_interval", "1"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "tb.log", "w"))
    base = f"http://127.0.0.1:{port}"

    def get(path):
        with urllib.request.urlopen(base + path, timeout=5) as r:
            return json.loads(r.read())

    def post(path, body):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "X-XSRF-Protected": "1"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    try:
        deadline, runs, tags = time.time() + 60, [], {}
        while time.time() < deadline:
            try:
                runs = get("/data/runs")
                tags = get("/data/plugin/scalars/tags")
                if "train" in runs and set(SCALAR_TAGS) <= set(tags.get("train", {})):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert "train" in runs, (runs, (tmp_path / "tb.log").read_text()[-2000:])
        assert set(SCALAR_TAGS) | {"train_batch/box_loss"} <= set(tags["train"])
        scalars = get("/data/plugin/scalars/scalars?run=train&tag=metrics/mAP50-95(B)")
        assert [s[1] for s in scalars] == list(range(1, EPOCHS + 1))
        assert "pr_curve/person" in get("/data/plugin/pr_curves/tags").get("train", {})
        exp = post("/data/plugin/hparams/experiment", {"experimentName": ""})
        assert "epochs" in {h["name"] for h in exp["hparamInfos"]}
        groups = post("/data/plugin/hparams/session_groups",
                      {"experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS",
                                                                 "STATUS_FAILURE", "STATUS_RUNNING"],
                       "colParams": [], "startIndex": 0, "sliceSize": 100})
        sessions = [s["name"] for g in groups["sessionGroups"] for s in g["sessions"]]
        assert "train" in sessions
    finally:
        proc.terminate()
        proc.wait(timeout=20)
