"""`yoloc predict` against the reference's predictor
(tests/parity/make_predict_fixtures.py: Ultralytics 8.3.253's YOLO.predict
with the val fixture's small model, on coco8's training images and two odd
images): the per-image lines, the boxes (through the .txt labels, with
save_conf), the annotated images; bad inputs; the label format."""
import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, run_yoloc

FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "predict" / "predict_tiny_coco8.json").read_text())
WEIGHTS = ROOT / FIXTURE["weights"]
CASES = {c["name"]: c for c in FIXTURE["cases"]}
TRAIN = ROOT / "share" / "datasets" / "coco8" / "images" / "train"
LINE = re.compile(r"^(image \d+/\d+ )(/.*): (\d+x\d+ .*?)(\d+\.\d)ms$")

# tracking's class palette (tracking/plot_canvas.c), for the annotated images
PALETTE = [0xE6194B, 0x3CB44B, 0x4363D8, 0xF58231, 0x911EB4, 0x42D4F4, 0xF032E6, 0xBFEF45, 0x469990, 0x9A6324,
           0xFFE119, 0x800000, 0x808000, 0x000075, 0xFABED4, 0xAAFFC3, 0xDCBEFF, 0xFFD8B1, 0xA9A9A9, 0x6A3D9A]


def predict(tmp_path, *words, name="p", check=True):
    return run_yoloc("predict", f"model={WEIGHTS}", *words, f"project={tmp_path}", f"name={name}", check=check)


def parse_txt(text):
    return [[float(v) for v in line.split()] for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module", params=sorted(CASES))
def case_run(request, tmp_path_factory):
    case = CASES[request.param]
    out = tmp_path_factory.mktemp("predict")
    proc = predict(out, f"source={ROOT / case['source']}", *case["args"], "save_txt=true", "save_conf=true")
    return case, out / "p", proc


def test_lines_match_the_reference(case_run):
    case, run, proc = case_run
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("image ")]
    assert len(lines) == len(case["images"])
    for line, want in zip(lines, case["images"]):
        m = LINE.match(line)
        assert m, line
        assert m[1] + m[2].rsplit("/", 1)[1] + ": " + m[3] == want["line"]
        assert m[2] == str(ROOT / case["source"] / want["file"])  # absolute, as the reference prints it
    assert re.search(r"^Speed: \d+\.\dms preprocess, \d+\.\dms inference, \d+\.\dms postprocess per image at shape "
                     r"\(1, 3, \d+, \d+\)$", proc.stdout, re.M)
    labelled = sum(1 for im in case["images"] if im["boxes"])
    assert proc.stdout.rstrip().endswith(f"Results saved to {run}\n{labelled} label{'s' * (labelled > 1)} saved to "
                                         f"{run}/labels")


def test_boxes_match_the_reference(case_run):
    case, run, _ = case_run
    for want in case["images"]:
        stem = want["file"].rsplit(".", 1)[0]
        txt = run / "labels" / f"{stem}.txt"
        if not want["boxes"]:
            assert not txt.exists()
            continue
        got, ref = parse_txt(txt.read_text()), parse_txt(want["txt"])
        assert len(got) == len(ref) == len(want["boxes"]), want["file"]
        # same order (confidence descending); class exact, box and confidence within float noise
        for g, r in zip(got, ref):
            assert g[0] == r[0], (want["file"], g, r)
            assert np.allclose(g[1:5], r[1:5], atol=2e-4), (want["file"], g, r)  # ~0.1 px on these images
            assert abs(g[5] - r[5]) < 1e-4, (want["file"], g, r)


def test_annotated_images(case_run):
    case, run, _ = case_run
    for want in case["images"]:
        stem = want["file"].rsplit(".", 1)[0]
        image = Image.open(run / f"{stem}.jpg")
        assert image.format == "JPEG" and image.size == (want["shape"][1], want["shape"][0])
        if not want["boxes"]:
            continue
        # the best box's top edge is drawn in its class colour (2 px wide, JPEG-blurred)
        x1, y1, x2, y2, _, cls = want["boxes"][0]
        pixels = np.asarray(image.convert("RGB"), dtype=int)
        colour = PALETTE[int(cls) % 20]
        rgb = np.array([colour >> 16, (colour >> 8) & 255, colour & 255])
        original = np.asarray(Image.open(ROOT / case["source"] / want["file"]).convert("RGB"), dtype=int)
        y, cols = int(y1), slice(int(x1) + 2, int(x2) - 2)
        drawn = np.abs(pixels[max(y - 2, 0):y + 3, cols] - rgb).max(axis=2).min(axis=0)  # closest of 5 rows
        before = np.abs(original[max(y - 2, 0):y + 3, cols] - rgb).max(axis=2).min(axis=0)
        if len(drawn):  # JPEG blurs a thin line's colour, but it is there
            # (4:2:0 chroma halves a 2 px line's colour): nearer the class colour than the photo was
            assert ((drawn < before - 30) | (drawn < 30)).mean() > 0.8, (want["file"], cls, drawn, before)


def test_default_conf_is_the_predictors(case_run):
    case, _, _ = case_run
    if case["name"] == "train_160_default_conf":
        assert not any(a.startswith("conf=") for a in case["args"])
        assert all(b[4] > 0.25 for im in case["images"] for b in im["boxes"])


def test_bad_inputs(tmp_path):
    proc = run_yoloc("predict", f"model={WEIGHTS}")
    assert proc.returncode == 2 and "model= and source= are required" in proc.stderr
    proc = predict(tmp_path, "source=nope/missing.jpg", check=False)
    assert proc.returncode == 1 and "source=nope/missing.jpg does not exist" in proc.stderr
    empty = tmp_path / "no_images"
    empty.mkdir()
    (empty / "notes.txt.md").write_text("x")
    proc = predict(tmp_path, f"source={empty}", check=False)
    assert proc.returncode == 1 and "no images found" in proc.stderr
    proc = run_yoloc("predict", f"model={tmp_path / 'missing.safetensors'}", f"source={TRAIN}")
    assert proc.returncode == 1 and "missing.safetensors" in proc.stderr
    proc = predict(tmp_path, f"source={TRAIN}", "conf=2", check=False)
    assert proc.returncode == 2 and "conf" in proc.stderr


def test_corrupt_images_are_named_and_skipped(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(TRAIN / "000000000009.jpg", src / "a.jpg")
    (src / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (src / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    shutil.copy(TRAIN / "000000000030.jpg", src / "d.jpg")
    proc = predict(tmp_path, f"source={src}")
    out = proc.stdout.splitlines()
    assert [ln.split(":")[0] for ln in out if ln.startswith("image ")] == [f"image 1/4 {src}/a.jpg",
                                                                          f"image 4/4 {src}/d.jpg"]
    for bad in ("b.jpg", "c.png"):
        assert any(ln.startswith("WARNING: image") and f"{src}/{bad}:" in ln and ln.endswith("; skipped") for ln in out)
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["a.jpg", "d.jpg"]
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.jpg").write_bytes(b"garbage")
    proc = predict(tmp_path, f"source={only_bad}", name="q", check=False)
    assert proc.returncode == 1 and "none of the 1 image(s)" in proc.stderr


def test_sources_lists_and_run_names(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{TRAIN / '000000000030.jpg'}\n\n  ../{tmp_path.name}/img.jpg \n")
    shutil.copy(TRAIN / "000000000009.jpg", tmp_path / "img.jpg")
    proc = predict(tmp_path, f"source={listing}", "save=false", "save_txt=true")
    lines = [ln.split(":")[0] for ln in proc.stdout.splitlines() if ln.startswith("image ")]
    # sorted as the reference sorts the list's lines; relative ones against the list's directory, with
    # their ".." kept (pathlib's absolute(), not resolve())
    assert lines == [f"image 1/2 {tmp_path}/../{tmp_path.name}/img.jpg", f"image 2/2 {TRAIN}/000000000030.jpg"]
    assert not list((tmp_path / "p").glob("*.jpg"))  # save=false: labels only
    proc = predict(tmp_path, f"source={TRAIN / '*25.jpg'}", "save=true")
    assert "image 1/1 " in proc.stdout and f"Results saved to {tmp_path}/p2" in proc.stdout
    assert (tmp_path / "p2" / "000000000025.jpg").exists()
    proc = predict(tmp_path, f"source={TRAIN}", "save=false", name="none")
    assert "Results saved" not in proc.stdout and not (tmp_path / "none").exists()


def test_predict_images_show_in_the_kernel_events(tmp_path):
    """predict_image events (the kernel's inline images) carry each annotated file."""
    import zmq
    ctx = zmq.Context.instance()
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    proc = run_yoloc("predict", f"model={WEIGHTS}", f"source={TRAIN}", f"project={tmp_path}", "name=k",
                     env={"YOLOC_EVENTS": f"tcp://127.0.0.1:{port}"}, check=True)
    events = []
    while pull.poll(200):
        events.append(json.loads(pull.recv()))
    pull.close()
    kinds = [e["type"] for e in events if e["type"] != "log"]
    assert kinds[0] == "run_start" and kinds[-1] == "finished" and kinds.count("predict_image") == 4
    shown = [e for e in events if e["type"] == "predict_image"]
    assert [e["batch"] for e in shown] == [1, 2, 3, 4] and all(e["batches"] == 4 for e in shown)
    assert [e["path"] for e in shown] == [str(tmp_path / "k" / p.name) for p in sorted(TRAIN.iterdir())]
    assert all(e["message"] in proc.stdout for e in shown)
