"""The training loop end to end through `yoloc train`'s own flow
(tests/bin/train_mem: cli_train on a synthetic data set held in memory, tiny
model, 64 px): determinism, a run killed with SIGKILL and resumed, a run
interrupted with SIGINT inside an epoch and resumed, the checkpoint format,
run.json's status and the messages. The weights are compared bit for bit."""
import json
import re
import os
import signal
import subprocess
import time

import numpy as np
import pytest
from safetensors import safe_open

from conftest import ROOT

TOOL = ROOT / "tests" / "bin" / "train_mem"
MODEL = ROOT / "tests" / "fixtures" / "train" / "tiny-train.yaml"
BASE = [f"model={MODEL}", "data=synthetic", "imgsz=64", "batch=4", "device=cpu", "plots=false", "workers=0"]


def train(project, name, *words, env=None, check=True):
    full_env = dict(os.environ, YOLOC_THREADS="2")
    full_env.pop("YOLOC_EVENTS", None)
    if env:
        full_env.update(env)
    proc = subprocess.run([str(TOOL), *BASE, f"project={project}", f"name={name}", *words], capture_output=True,
                          text=True, env=full_env, timeout=300, cwd=ROOT)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def tensors(path):
    with safe_open(str(path), "np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def assert_identical(a, b):
    ta, _ = tensors(a)
    tb, _ = tensors(b)
    assert sorted(ta) == sorted(tb)
    for k in ta:
        assert ta[k].tobytes() == tb[k].tobytes(), f"{k} differs between {a} and {b}"


def results_rows(run):
    lines = (run / "results.csv").read_text().splitlines()
    return [line.split(",") for line in lines[1:]]


def start_background(project, name, *words, env=None):
    full_env = dict(os.environ, YOLOC_THREADS="2", TRAIN_MEM_SLOW_MS="150")
    full_env.pop("YOLOC_EVENTS", None)
    if env:
        full_env.update(env)
    return subprocess.Popen([str(TOOL), *BASE, f"project={project}", f"name={name}", *words], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full_env, cwd=ROOT)


def wait_for(predicate, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """An uninterrupted 3-epoch run: the baseline the others must equal bit for bit."""
    project = tmp_path_factory.mktemp("train")
    proc = train(project, "ref", "epochs=3")
    return project / "ref", proc


def test_run_directory_and_output(reference_run):
    run, proc = reference_run
    for name in ("args.yaml", "results.csv", "run.json", "validation.json", "weights/last.safetensors",
                 "weights/best.safetensors"):
        assert (run / name).exists(), name
    assert list(run.glob("events.out.tfevents.*"))
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "finished" and record["epochs_done"] == 3
    assert len(results_rows(run)) == 3
    assert "Starting training for 3 epochs..." in proc.stdout
    assert "optimizer: AdamW(lr=0.001429, momentum=0.9) with parameter groups 27 weight(decay=0.0), " \
           "34 weight(decay=0.0005), 33 bias(decay=0.0)" in proc.stdout
    assert "3 epochs completed in" in proc.stdout and "Validating" in proc.stdout
    # the final validation prints the per-class rows
    assert "red" in proc.stdout.split("Validating")[1]


def test_final_checkpoint_is_weights_only(reference_run, root):
    run, _ = reference_run
    t, meta = tensors(run / "weights" / "last.safetensors")
    assert meta["format"] == "yoloc" and meta["nc"] == "3" and json.loads(meta["names"]) == ["red", "green", "blue"]
    assert meta["epoch"] == "-1" and "resume" not in meta
    assert not any(k.startswith(("resume.", "optim.")) for k in t)
    assert "model.8.dfl.conv.weight" in t and "model.0.bn.running_var" in t
    # a finished run cannot be resumed
    proc = train(run.parent, "x", f"resume={run / 'weights' / 'last.safetensors'}", check=False)
    assert proc.returncode == 1 and "nothing to resume" in proc.stderr


def test_two_runs_bit_identical(reference_run, tmp_path):
    run, _ = reference_run
    train(tmp_path, "again", "epochs=3")
    for name in ("last", "best"):
        assert_identical(run / "weights" / f"{name}.safetensors", tmp_path / "again" / "weights" / f"{name}.safetensors")
    assert [r[2:] for r in results_rows(run)] == [r[2:] for r in results_rows(tmp_path / "again")]


def test_killed_after_epoch_1_and_resumed(reference_run, tmp_path):
    run, _ = reference_run
    proc = start_background(tmp_path, "killed", "epochs=3")
    last = tmp_path / "killed" / "weights" / "last.safetensors"
    try:
        assert wait_for(last.exists), "no checkpoint after the first epoch"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=60)
    _, meta = tensors(last)
    assert meta["resume"] == "1" and int(meta["epoch"]) >= 0
    record = json.loads((tmp_path / "killed" / "run.json").read_text())
    assert record["status"] == "running"  # what a SIGKILL leaves (yoloc runs shows it as killed)
    out = train(tmp_path, "ignored", f"resume={last}")
    assert "Resuming training" in out.stdout
    assert not (tmp_path / "ignored").exists(), "a resume continues the same run directory"
    for name in ("last", "best"):
        assert_identical(run / "weights" / f"{name}.safetensors",
                         tmp_path / "killed" / "weights" / f"{name}.safetensors")
    assert [r[2:] for r in results_rows(run)] == [r[2:] for r in results_rows(tmp_path / "killed")]
    assert json.loads((tmp_path / "killed" / "run.json").read_text())["status"] == "finished"


def test_interrupted_inside_an_epoch_and_resumed(reference_run, tmp_path):
    run, _ = reference_run
    proc = start_background(tmp_path, "int", "epochs=3")
    last = tmp_path / "int" / "weights" / "last.safetensors"
    try:
        assert wait_for(last.exists), "no checkpoint after the first epoch"
        time.sleep(0.2)  # into epoch 2 (4 batches of 150 ms)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out + err
    assert "resume with: yoloc train resume=" in err
    record = json.loads((tmp_path / "int" / "run.json").read_text())
    assert record["status"] == "interrupted" and "resume with" in record["message"]
    _, meta = tensors(last)
    assert meta["resume"] == "1"
    inside = int(meta["resume.next_batch"]) > 0
    resumed = train(tmp_path, "int", f"resume={last}")
    assert "Resuming training" in resumed.stdout
    for name in ("last", "best"):
        assert_identical(run / "weights" / f"{name}.safetensors", tmp_path / "int" / "weights" / f"{name}.safetensors")
    assert [r[2:] for r in results_rows(run)] == [r[2:] for r in results_rows(tmp_path / "int")]
    assert inside, "the interrupt was expected inside an epoch (timing); the resume was exact anyway"


def test_resume_latest_under_project(tmp_path):
    proc = start_background(tmp_path, "latest", "epochs=2")
    last = tmp_path / "latest" / "weights" / "last.safetensors"
    try:
        assert wait_for(last.exists)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = subprocess.run([str(TOOL), "resume=true", f"project={tmp_path}"], capture_output=True, text=True,
                         cwd=ROOT, timeout=300, env=dict(os.environ, YOLOC_THREADS="2"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads((tmp_path / "latest" / "run.json").read_text())["status"] == "finished"


def test_checkpoint_holds_the_resume_state(tmp_path):
    proc = start_background(tmp_path, "state", "epochs=2", "optimizer=SGD")
    last = tmp_path / "state" / "weights" / "last.safetensors"
    try:
        assert wait_for(last.exists)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    t, meta = tensors(last)
    names = [k for k in t if not k.startswith(("resume.", "optim."))]
    assert all(f"resume.model.{k}" in t for k in names), "raw weights for every EMA tensor"
    assert "optim.step" in t and "optim.groups" in t and meta["optim.kind"] == "SGD"
    assert any(k.endswith(".momentum_buffer") for k in t)
    assert int(meta["updates"]) >= 1
    for key in ("resume.next_epoch", "resume.next_batch", "resume.last_opt_step", "resume.accumulate",
                "resume.tloss", "train_args", "date", "version"):
        assert key in meta, key
    assert "optimizer: SGD" in meta["train_args"]


def test_bad_arguments(tmp_path):
    proc = train(tmp_path, "bad", "epochs=1", "device=0", check=False)
    assert proc.returncode == 2 and "no CUDA support" in proc.stderr
    proc = train(tmp_path, "bad", "epochs=1", "device=0,1", check=False)
    assert proc.returncode == 2 and "not built yet" in proc.stderr
    proc = train(tmp_path, "bad", "epochs=1", "freeze=[99]", check=False)
    assert proc.returncode == 1 and "freeze: layer 99 does not exist" in proc.stderr
    assert json.loads((tmp_path / "bad" / "run.json").read_text())["status"] == "failed"


def test_non_finite_loss_stops_with_a_message(tmp_path):
    proc = train(tmp_path, "nan", "epochs=2", "cls=1e300", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"non-finite (loss|gradients) at epoch 1, batch 1 \(.+\); training stopped", proc.stderr), proc.stderr
    record = json.loads((tmp_path / "nan" / "run.json").read_text())
    assert record["status"] == "failed" and "non-finite" in record["message"]


def collect_events(project, name, *words, interrupt_after_epoch=None):
    """Runs train_mem with YOLOC_EVENTS pointing at a PULL socket; returns the events and the exit status."""
    import zmq
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    env = dict(os.environ, YOLOC_THREADS="2", YOLOC_EVENTS=f"tcp://127.0.0.1:{port}")
    if interrupt_after_epoch:
        env["TRAIN_MEM_SLOW_MS"] = "100"
    proc = subprocess.Popen([str(TOOL), *BASE, f"project={project}", f"name={name}", *words], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    events = []
    try:
        while True:
            if pull.poll(200):
                events.append(json.loads(pull.recv()))
                e = events[-1]
                if interrupt_after_epoch and e["type"] == "epoch_end" and e["epoch"] == interrupt_after_epoch:
                    proc.send_signal(signal.SIGINT)
                if e["type"] in ("finished", "failed", "interrupted"):
                    break
            elif proc.poll() is not None and not pull.poll(500):
                break
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        pull.close(0)
        ctx.term()
    return events, proc.returncode


def test_events_through_the_kernel_relay(tmp_path):
    events, rc = collect_events(tmp_path, "relay", "epochs=2")
    assert rc == 0
    types = [e["type"] for e in events]
    assert types[-1] == "finished" and types.count("run_start") == 1 and types.count("epoch_end") == 2
    assert types.index("run_start") < types.index("epoch_start") < types.index("batch_end") < types.index("val_end")
    first_end = next(e for e in events if e["type"] == "epoch_end")
    assert first_end["epoch"] == 1 and first_end["epochs"] == 2 and len(first_end["lr"]) == 3
    batch = next(e for e in events if e["type"] == "batch_end")
    assert batch["batches"] == 4 and batch["imgsz"] == 64 and batch["instances"] > 0 and batch["images_per_sec"] > 0
    assert any(e["type"] == "checkpoint" and e["path"].endswith("weights/best.safetensors") for e in events)
    assert events[-1]["run_dir"].endswith("relay")


def test_interrupt_through_the_relay_ends_with_checkpoint_then_interrupted(tmp_path):
    events, rc = collect_events(tmp_path, "stop", "epochs=3", interrupt_after_epoch=1)
    assert rc == 130
    types = [e["type"] for e in events]
    assert types[-2:] == ["checkpoint", "interrupted"], types[-6:]
    assert "resume with: yoloc train resume=" in events[-1]["message"]
    assert events[-1]["path"].endswith("weights/last.safetensors")


def test_closed_stdout_does_not_stop_the_run(tmp_path):
    """`yoloc train ... | head -1`: once the reader is gone, the run goes on and finishes its files."""
    env = dict(os.environ, YOLOC_THREADS="2")
    env.pop("YOLOC_EVENTS", None)
    proc = subprocess.Popen([str(TOOL), *BASE, f"project={tmp_path}", "name=piped", "epochs=2"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away after one line
    assert proc.wait(timeout=300) == 0
    record = json.loads((tmp_path / "piped" / "run.json").read_text())
    assert record["status"] == "finished" and record["epochs_done"] == 2
    assert len(results_rows(tmp_path / "piped")) == 2
