"""The command line's arguments: every default and type against a table here
and against Ultralytics' own (tests/fixtures/ultralytics_args.json, generated
from the ultralytics package by tests/parity/gen_args_fixture.py), the error
messages, cfg= precedence and the args.yaml round trip."""
import json

import pytest
import yaml

from conftest import ROOT

# name: (type, default as `yoloc cfg` writes it)
EXPECTED = {
    "task": ("enum", "detect"), "mode": ("enum", "train"), "model": ("string", None),
    "data": ("string", None), "epochs": ("int", 100), "time": ("opt_float", None),
    "patience": ("int", 100), "batch": ("batch", 16), "imgsz": ("imgsz", 640), "save": ("bool", True),
    "save_period": ("int", -1), "cache": ("enum", False), "device": ("device", None),
    "workers": ("int", 8), "project": ("string", None), "name": ("string", None),
    "exist_ok": ("bool", False), "pretrained": ("bool_or_path", True), "optimizer": ("enum", "auto"),
    "verbose": ("bool", True), "seed": ("int", 0), "deterministic": ("bool", True),
    "single_cls": ("bool", False), "rect": ("bool", False), "cos_lr": ("bool", False),
    "close_mosaic": ("int", 10), "resume": ("bool_or_path", False), "amp": ("enum", True),
    "fraction": ("float", 1.0), "freeze": ("int_list", None), "multi_scale": ("bool", False),
    "val": ("bool", True), "split": ("enum", "val"), "save_json": ("bool", False),
    "conf": ("opt_float", None), "iou": ("float", 0.7), "max_det": ("int", 300), "half": ("bool", False),
    "plots": ("bool", True), "source": ("string", None), "agnostic_nms": ("bool", False),
    "classes": ("int_list", None), "save_txt": ("bool", False), "save_conf": ("bool", False),
    "show_labels": ("bool", True), "show_conf": ("bool", True), "show_boxes": ("bool", True),
    "line_width": ("opt_int", None), "lr0": ("float", 0.01), "lrf": ("float", 0.01),
    "momentum": ("float", 0.937), "weight_decay": ("float", 0.0005), "warmup_epochs": ("float", 3.0),
    "warmup_momentum": ("float", 0.8), "warmup_bias_lr": ("float", 0.1), "box": ("float", 7.5),
    "cls": ("float", 0.5), "dfl": ("float", 1.5), "nbs": ("int", 64), "hsv_h": ("float", 0.015),
    "hsv_s": ("float", 0.7), "hsv_v": ("float", 0.4), "degrees": ("float", 0.0),
    "translate": ("float", 0.1), "scale": ("float", 0.5), "shear": ("float", 0.0),
    "perspective": ("float", 0.0), "flipud": ("float", 0.0), "fliplr": ("float", 0.5),
    "bgr": ("float", 0.0), "mosaic": ("float", 1.0), "mixup": ("float", 0.0), "cfg": ("string", None),
}

# A value of the wrong kind for each type, and the start of the message it must give.
WRONG = {
    "bool": ("perhaps", "expected true or false, got 'perhaps'"),
    "int": ("2.5", "expected an integer, got '2.5'"),
    "opt_int": ("x", "expected an integer, got 'x'"),
    "float": ("abc", "expected a number, got 'abc'"),
    "opt_float": ("abc", "expected a number, got 'abc'"),
    "enum": ("bogus", "expected one of "),
    "device": ("gpu0", "expected cpu, a GPU index or a list of them (0,1,2,3), got 'gpu0'"),
    "imgsz": ("big", "expected an integer or [height, width], got 'big'"),
    "batch": ("2.5", "expected -1 (auto), a fraction between 0 and 1, or a whole number >= 1, got '2.5'"),
    "int_list": ("[1,x]", "expected an integer or a list of integers, got '[1,x]'"),
}

ULTRALYTICS = json.loads((ROOT / "tests" / "fixtures" / "ultralytics_args.json").read_text())


def resolved(yoloc, *words):
    proc = yoloc("cfg", *words, check=True)
    return yaml.safe_load(proc.stdout)


def test_every_argument_is_in_the_table(yoloc):
    values = resolved(yoloc)
    assert set(values) == set(EXPECTED)
    assert list(values)[:4] == ["task", "mode", "model", "data"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_default(yoloc, name):
    assert resolved(yoloc)[name] == EXPECTED[name][1]


TYPED = sorted(name for name, (kind, _) in EXPECTED.items() if kind not in ("string", "bool_or_path"))


@pytest.mark.parametrize("name", TYPED)
def test_wrong_type_is_refused_with_the_key_named(yoloc, name):
    kind = EXPECTED[name][0]
    value, message = WRONG[kind]
    proc = yoloc("cfg", f"{name}={value}")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"yoloc: {name}: {message}"), proc.stderr
    assert proc.stderr.count("\n") == 1


def test_defaults_match_ultralytics(yoloc):
    ours = resolved(yoloc)
    theirs = ULTRALYTICS["defaults"]
    compared = 0
    for name, value in ours.items():
        if name in theirs:
            assert value == theirs[name], f"{name}: ours {value!r}, Ultralytics {theirs[name]!r}"
            compared += 1
    assert compared == len(ours)


@pytest.mark.parametrize("kind", ["bool_keys", "int_keys", "float_keys", "fraction_keys"])
def test_types_match_ultralytics(yoloc, kind):
    """Each key Ultralytics types as bool/int/float/fraction is typed the same way here."""
    for name in ULTRALYTICS[kind]:
        if name not in EXPECTED:
            continue
        ours = EXPECTED[name][0]
        if kind == "bool_keys":
            assert ours == "bool", name
        elif kind == "int_keys":
            assert ours in ("int", "opt_int"), name
            assert yoloc("cfg", f"{name}=2.5").returncode == 2
        elif kind == "float_keys":
            assert ours in ("float", "opt_float", "batch"), name
            assert yoloc("cfg", f"{name}=2").returncode == 0, name
        else:
            assert ours in ("float", "opt_float"), name
            proc = yoloc("cfg", f"{name}=1.5")
            assert proc.returncode == 2 and "must be between 0 and 1" in proc.stderr, name


def test_ultralytics_keys_we_lack_are_named_as_unsupported(yoloc):
    for name, default in ULTRALYTICS["defaults"].items():
        if name in EXPECTED:
            continue
        assert yoloc("cfg", f"{name}={default}").returncode == 0, name  # its default changes nothing
        proc = yoloc("cfg", f"{name}=12345")
        assert proc.returncode == 2 and f"yoloc: {name}: not supported: " in proc.stderr, (name, proc.stderr)


def test_the_documented_messages(yoloc):
    cases = {
        ("train", "epochs=abc"): "yoloc: epochs: expected an integer, got 'abc'\n",
        ("train", "epoch=3"): "yoloc: unknown argument 'epoch' (did you mean 'epochs'?)\n",
        ("trian",): "yoloc: unknown mode 'trian' (did you mean 'train'?)\n",
        ("train", "optimizer=Nadam"): "yoloc: optimizer: expected one of SGD, Adam, AdamW, auto; got 'Nadam'\n",
        ("epochs=3",): "yoloc: missing MODE before 'epochs=3' (yoloc MODE key=value ...; see 'yoloc help')\n",
    }
    for words, message in cases.items():
        proc = yoloc(*words)
        assert (proc.returncode, proc.stderr) == (2, message), words


@pytest.mark.parametrize("mode", ["train", "val", "predict", "info", "cfg", "dataset"])
def test_a_bad_argument_is_one_line_in_every_mode(yoloc, mode):
    # the argument error alone: no second, empty "yoloc: " line after it
    proc = yoloc(mode, "model=yolov8n.yaml", "conf=2")
    assert (proc.returncode, proc.stderr) == (2, "yoloc: conf: must be between 0 and 1, got 2\n"), mode


@pytest.mark.parametrize("spelling,value", [("true", True), ("True", True), ("1", True), ("false", False),
                                            ("False", False), ("0", False)])
def test_boolean_spellings(yoloc, spelling, value):
    assert resolved(yoloc, f"rect={spelling}")["rect"] is value


@pytest.mark.parametrize("spelling,value", [("cpu", "cpu"), ("0", 0), ("0,1,2,3", "0,1,2,3"), ("[0,1]", "0,1")])
def test_device_spellings(yoloc, spelling, value):
    assert resolved(yoloc, f"device={spelling}")["device"] == value


def test_cfg_file_then_command_line(yoloc, tmp_path):
    cfg = tmp_path / "mine.yaml"
    cfg.write_text("epochs: 5\nlr0: 0.02\nimgsz: 320\n")
    values = resolved(yoloc, "epochs=9", f"cfg={cfg}")
    assert (values["epochs"], values["lr0"], values["imgsz"], values["cfg"]) == (9, 0.02, 320, str(cfg))


def test_cfg_file_errors_name_file_and_line(yoloc, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("epochs: 5\nbatchsize: 8\n")
    proc = yoloc("cfg", f"cfg={cfg}")
    assert proc.returncode == 2
    assert proc.stderr == f"yoloc: {cfg}:2: unknown argument 'batchsize'\n" or \
        proc.stderr.startswith(f"yoloc: {cfg}:2: unknown argument 'batchsize'")


def test_args_yaml_round_trip(yoloc, tmp_path):
    words = ["epochs=3", "batch=0.5", "imgsz=[320,416]", "device=0,1", "name=odd: name # yes",
             "freeze=[0,1,2]", "conf=0.3", "resume=path with space/last.safetensors", "optimizer=adamw",
             "cache=ram", "amp=fp16", "time=0.25", "mosaic=0.5", "model=yolo11n.yaml"]
    first = tmp_path / "args.yaml"
    first.write_text(yoloc("cfg", *words, check=True).stdout)
    again = yoloc("cfg", f"cfg={first}", check=True).stdout
    a, b = yaml.safe_load(first.read_text()), yaml.safe_load(again)
    assert b.pop("cfg") == str(first)
    a.pop("cfg")
    assert a == b
    assert a["name"] == "odd: name # yes" and a["optimizer"] == "AdamW" and a["imgsz"] == [320, 416]


def test_help_lists_modes_and_every_argument(yoloc):
    out = yoloc("help", check=True).stdout
    for mode in ("train", "val", "predict", "info", "help", "version"):
        assert f"\n  {mode} " in out
    for name in EXPECTED:
        assert f"\n  {name} " in out, name


def test_help_for_one_key(yoloc):
    out = yoloc("help", "lr0", check=True).stdout
    assert out.startswith("lr0=0.01\n") and "between 0 and 1" in out
    proc = yoloc("help", "lr")
    assert proc.returncode == 2 and "did you mean 'lr0'" in proc.stderr


def test_version(yoloc):
    out = yoloc("version", check=True).stdout
    assert out.startswith("yoloc ") and "backends: cpu" in out
