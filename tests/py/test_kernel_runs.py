"""The kernel's run commands (runs, plot, compare), `yoloc compare` and the
pager, on runs the real tracker wrote (tests/bin/track_script) and on a
results.csv written here, as Ultralytics leaves it (no run.json)."""
import base64
import csv
import io
import json

import numpy as np
import pytest
from PIL import Image

from conftest import run_yoloc
from kernel_util import is_blank, outputs, png_image, run_cell, start_kernel, stop_kernel, stream_text
from tracking_helpers import RESULTS_COLUMNS, make_validation, run_script

# compare.png draws run i in palette colour i (tracking/plot_canvas.c)
RUN_COLOURS = [(0xE6, 0x19, 0x4B), (0x3C, 0xB4, 0x4B), (0x43, 0x63, 0xD8)]


def write_results(path, rows):
    """A results.csv in the reference's columns from {column: value} rows."""
    path.mkdir(parents=True, exist_ok=True)
    lines = [",".join(RESULTS_COLUMNS)]
    for row in rows:
        lines.append(",".join("%.6g" % row.get(c, 0.0) for c in RESULTS_COLUMNS))
    (path / "results.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    proj = base / "runs" / "detect"
    validation = base / "validation.json"
    make_validation(validation)
    run_script(f"project={proj}", "name=alpha", "epochs=4", "batches=2", f"validation={validation}")
    run_script(f"project={proj}", "name=beta", "epochs=6", "batches=3", "images=0")
    # an Ultralytics-style run: only results.csv, mAP50-95 best at epoch 3 of 5
    write_results(proj / "gamma", [
        {"epoch": e, "train/box_loss": 3 - 0.2 * e, "train/cls_loss": 4 - 0.3 * e, "train/dfl_loss": 2 - 0.1 * e,
         "metrics/precision(B)": 0.3 + 0.01 * e, "metrics/recall(B)": 0.2 + 0.02 * e,
         "metrics/mAP50(B)": 0.25 + 0.01 * e, "metrics/mAP50-95(B)": [0.1, 0.2, 0.45, 0.3, 0.35][e - 1],
         "val/box_loss": 2.5 - 0.1 * e, "val/cls_loss": 3.5 - 0.2 * e, "val/dfl_loss": 1.9 - 0.05 * e}
        for e in range(1, 6)])
    return base


@pytest.fixture
def kc(project):
    km, kc = start_kernel(project)
    yield kc
    stop_kernel(km, kc)


def run(kc, code, **kw):
    """A cell that may fail: stop_on_error off, so the next cell is not aborted."""
    return run_cell(kc, code, stop_on_error=False, **kw)


def read_results(path):
    with open(path) as f:
        return [{k.strip(): float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def colour_pixels(image, rgb, tol=12):
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(rgb)).max(axis=2) <= tol).sum())


# --- runs ---

def test_runs_table_is_yoloc_runs(kc, project):
    reply, msgs = run(kc, "runs")
    assert reply["status"] == "ok", reply
    result = outputs(msgs, "execute_result")[0]["data"]
    cli = run_yoloc("runs", f"project={project / 'runs/detect'}", check=True).stdout
    # the same table (the kernel's project is absolute, the names are relative to it)
    assert result["text/plain"] == cli
    html = result["text/html"]
    assert html.count("<tr>") == 3 and "<td>alpha</td>" in html and "<td>beta</td>" in html
    assert "gamma" not in html  # no run.json: not a run for `runs`


def test_runs_of_an_empty_project(kc, tmp_path):
    reply, msgs = run(kc, f"runs project={tmp_path}")
    assert reply["status"] == "ok" and "no runs in" in stream_text(msgs)
    reply, msgs = run(kc, f"runs project={tmp_path}/missing")
    assert reply["status"] == "ok" and "no runs in" in stream_text(msgs)


# --- plot ---

@pytest.mark.parametrize("kind,size", [("results", (1600, 780)), ("pr", (1300, 820)), ("f1", (1300, 820)),
                                       ("confusion_normalized", (1200, 1000))])
def test_plot_renders_what_yoloc_plot_renders(kc, project, tmp_path, kind, size):
    run_dir = project / "runs/detect/alpha"
    reply, msgs = run(kc, f"plot {kind} run=alpha")
    assert reply["status"] == "ok", reply
    shown = outputs(msgs, "display_data")
    assert len(shown) == 1
    image = png_image(shown[0])
    assert image.size == size and not is_blank(image)
    assert shown[0]["metadata"]["image/png"] == {"width": size[0], "height": size[1]}
    out = tmp_path / "cli.png"
    run_yoloc("plot", kind, f"run={run_dir}", f"out={out}", check=True)
    assert Image.open(out).convert("RGB").tobytes() == image.convert("RGB").tobytes()


def test_plot_is_rendered_from_the_files_not_the_saved_png(kc, project, tmp_path):
    # a live run: results.csv grows while results.png is stale (or not there yet)
    live = tmp_path / "live"
    write_results(live, [{"epoch": 1, "metrics/mAP50-95(B)": 0.1}])
    reply, msgs = run(kc, f"plot results run={live}")
    first = outputs(msgs, "display_data")[0]["data"]["image/png"]
    write_results(live, [{"epoch": e, "metrics/mAP50-95(B)": 0.1 * e} for e in (1, 2, 3)])
    reply, msgs = run(kc, f"plot results run={live}")
    assert reply["status"] == "ok"
    assert outputs(msgs, "display_data")[0]["data"]["image/png"] != first
    assert not (live / "results.png").exists()  # showing writes nothing


def test_plot_shows_the_png_of_a_run_without_its_data(kc, tmp_path):
    copied = tmp_path / "copied"
    copied.mkdir()
    (copied / "args.yaml").write_text("epochs: 1\n")
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    (copied / "PR_curve.png").write_bytes(buf.getvalue())
    reply, msgs = run(kc, f"plot pr run={copied}")
    assert reply["status"] == "ok", reply
    assert png_image(outputs(msgs, "display_data")[0]).size == (64, 48)
    reply, msgs = run(kc, f"plot f1 run={copied}")
    assert reply["status"] == "error" and reply["ename"] == "PlotError" and "validation.json" in reply["evalue"]


def test_plot_val_and_errors(kc):
    reply, msgs = run(kc, "plot val run=alpha")
    assert reply["status"] == "ok", reply
    assert [png_image(d).size for d in outputs(msgs, "display_data")] and len(outputs(msgs, "display_data")) == 2
    reply, _ = run(kc, "plot resuls run=alpha")
    assert reply["ename"] == "UsageError" and "did you mean 'results'" in reply["evalue"]
    reply, _ = run(kc, "plot results run=nope")
    assert reply["ename"] == "RunError" and "no run 'nope'" in reply["evalue"]
    reply, _ = run(kc, "plot")
    assert reply["ename"] == "UsageError" and "which plot" in reply["evalue"] and "val" in reply["evalue"]


# --- compare ---

def best_rows(project):
    alpha = read_results(project / "runs/detect/alpha/results.csv")
    beta = read_results(project / "runs/detect/beta/results.csv")
    gamma = read_results(project / "runs/detect/gamma/results.csv")
    # alpha and beta: run.json's best epoch; gamma (no run.json): the highest mAP50-95
    ja = json.loads((project / "runs/detect/alpha/run.json").read_text())
    jb = json.loads((project / "runs/detect/beta/run.json").read_text())
    pick = lambda rows, epoch: next(r for r in rows if int(r["epoch"]) == epoch)
    return {"alpha": pick(alpha, ja["best_epoch"]), "beta": pick(beta, jb["best_epoch"]),
            "gamma": max(gamma, key=lambda r: r["metrics/mAP50-95(B)"])}


def test_compare_curves_and_table(kc, project):
    reply, msgs = run(kc, "compare alpha beta gamma")
    assert reply["status"] == "ok", reply
    shown = outputs(msgs, "display_data")
    assert len(shown) == 1
    image = png_image(shown[0])
    assert image.size == (1800, 780) and not is_blank(image)
    for rgb in RUN_COLOURS:  # each run's curves, in its colour
        assert colour_pixels(image, rgb) > 300, rgb
    table = outputs(msgs, "execute_result")[0]["data"]
    lines = table["text/plain"].splitlines()
    assert lines[0].split() == ["run", "status", "epochs", "best", "P", "R", "mAP50", "mAP50-95", "val/box",
                                "val/cls", "val/dfl", "duration"]
    expected = best_rows(project)
    for line in lines[1:]:
        cells = line.split()
        row = expected[cells[0]]
        assert int(cells[3]) == int(row["epoch"])
        for cell, col in zip(cells[4:11], ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)",
                                           "metrics/mAP50-95(B)", "val/box_loss", "val/cls_loss", "val/dfl_loss"]):
            assert float(cell) == pytest.approx(row[col], abs=5e-5), (cells[0], col)
    assert [line.split()[0] for line in lines[1:]] == ["alpha", "beta", "gamma"]
    assert lines[3].split()[1:3] == ["-", "5"]  # gamma: no run.json, 5 epochs
    html = table["text/html"]
    assert html.count("<tr") == 4
    # the best run (highest best-epoch mAP50-95) in bold
    winner = max(expected, key=lambda k: expected[k]["metrics/mAP50-95(B)"])
    assert f'<tr style="font-weight:bold"><td>{winner}</td>' in html


def test_compare_run_list_form_and_errors(kc, project):
    reply, msgs = run(kc, "compare run=alpha,gamma")
    assert reply["status"] == "ok", reply
    assert len(outputs(msgs, "execute_result")[0]["data"]["text/plain"].splitlines()) == 3
    reply, _ = run(kc, "compare alpha")
    assert reply["ename"] == "UsageError" and "at least two runs" in reply["evalue"]
    reply, _ = run(kc, "compare alpha nope")
    assert reply["ename"] == "RunError" and "no run 'nope'" in reply["evalue"]
    reply, _ = run(kc, "compare alpha beta colour=red")
    assert reply["ename"] == "UsageError" and "colour=red" in reply["evalue"]


def test_yoloc_compare(project, tmp_path):
    proj = project / "runs/detect"
    out = tmp_path / "cmp.png"
    proc = run_yoloc("compare", "alpha", "beta", "gamma", f"project={proj}", f"out={out}", check=True)
    assert proc.stdout.endswith(f"Curves saved to {out}\n")
    image = Image.open(out)
    assert image.size == (1800, 780) and not is_blank(image)
    for rgb in RUN_COLOURS:
        assert colour_pixels(image, rgb) > 300, rgb
    table = proc.stdout.splitlines()[:4]
    proc2 = run_yoloc("compare", f"run={proj / 'alpha'},{proj / 'beta'},{proj / 'gamma'}", f"out={out}", check=True)
    assert proc2.stdout.splitlines()[:4] == table  # directories or names: the same runs
    bad = run_yoloc("compare", "alpha", f"project={proj}")
    assert bad.returncode == 2 and "at least two runs" in bad.stderr
    bad = run_yoloc("compare", "alpha", "zzz", f"project={proj}")
    assert bad.returncode == 1 and "no run 'zzz'" in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = run_yoloc("compare", "alpha", str(empty), f"project={proj}")
    assert bad.returncode == 1 and "neither results.csv nor run.json" in bad.stderr
    assert "compare" in run_yoloc("help", check=True).stdout


# --- the pager ---

def test_help_with_a_question_mark_pages(kc):
    reply, msgs = run(kc, "help epochs")
    text = stream_text(msgs)
    reply, msgs = run(kc, "help epochs?")
    assert reply["status"] == "ok"
    assert reply["payload"] == [{"source": "page", "data": {"text/plain": text}, "start": 0}]
    assert not outputs(msgs, "stream")
    reply, msgs = run(kc, "help compare?")
    assert "overlaid" in reply["payload"][0]["data"]["text/plain"]
    reply, msgs = run(kc, "help epohcs?")
    assert reply["status"] == "error" and reply["payload"] == []
    reply, msgs = run(kc, "help epochs?", silent=True)
    assert reply["payload"] == []
