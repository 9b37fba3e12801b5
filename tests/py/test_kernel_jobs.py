"""Training jobs from cells, with tests/bin/emit_events standing in for
`yoloc train` (it sends a scripted run's events through the real relay,
cli/relay.c, and handles SIGINT as the trainer must): the live display,
background jobs, interrupt, killed and crashed workers, shutdown."""
import json
import os
import signal
import time

import pytest
from safetensors.numpy import load_file

from kernel_util import (collect, is_blank, outputs, pid_alive, png_image, run_cell, shell_reply, start_kernel,
                         stop_kernel, stream_text, wait_until)


@pytest.fixture
def kernel(tmp_path):
    started = []

    def start(real=False, **env):
        km, kc = start_kernel(tmp_path, real=real, **env)
        started.append((km, kc))
        return km, kc

    yield start
    for km, kc in started:
        stop_kernel(km, kc)


def after_error():
    """Requests arriving within 50 ms of an error with stop_on_error are
    aborted ("run all" semantics): a client that goes on waits that long."""
    time.sleep(0.06)


def job_pid(kc, job_id):
    reply, msgs = run_cell(kc, "jobs")
    table = outputs(msgs, "execute_result")[0]["data"]["text/plain"]
    for line in table.splitlines()[1:]:
        words = line.split()
        if words[0] == str(job_id):
            return int(words[1])
    raise AssertionError(table)


def wait_training(kc, job_id):
    """Until the job reports batches (its worker has set up its SIGINT handling)."""
    def training():
        reply, msgs = run_cell(kc, "jobs")
        table = outputs(msgs, "execute_result")[0]["data"]["text/plain"]
        rows = [line.split() for line in table.splitlines()[1:]]
        return any(words[0] == str(job_id) and words[3] == "epoch" for words in rows)  # the progress column
    assert wait_until(training, timeout=10, step=0.05)


def wait_batches(kc, msg_id, timeout=10):
    """Reads the cell's iopub messages until its live display shows a batch
    (the worker is training); returns the messages read."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(m)
        if m["msg_type"] == "update_display_data" and "batch " in m["content"]["data"]["text/plain"]:
            return seen
    raise AssertionError(f"no batch shown; got {[x['msg_type'] for x in seen]}")


def test_foreground_training_shows_one_live_display(kernel, tmp_path):
    _, kc = kernel(EMIT_BATCHES=20, EMIT_BATCH_MS=15)
    start = time.time()
    reply, msgs = run_cell(kc, "train model=yolov8n.yaml data=coco8.yaml epochs=3")
    elapsed = time.time() - start
    assert reply["status"] == "ok", reply
    displays = outputs(msgs, "display_data")
    updates = outputs(msgs, "update_display_data")
    progress = [d for d in displays if "image/png" not in d["data"]]
    plots = [d for d in displays if "image/png" in d["data"]]
    assert len(progress) == 1 and len(plots) == 1, [d["data"]["text/plain"] for d in displays]
    display_id = progress[0]["transient"]["display_id"]
    plot_id = plots[0]["transient"]["display_id"]
    assert plot_id != display_id
    progress_updates = [u for u in updates if u["transient"]["display_id"] == display_id]
    plot_updates = [u for u in updates if u["transient"]["display_id"] == plot_id]
    assert progress_updates and len(progress_updates) + len(plot_updates) == len(updates)
    # throttled: at most 4 updates a second (plus the first and the last); the plot at most once a second
    assert len(progress_updates) <= elapsed / 0.25 + 2, (len(progress_updates), elapsed)
    assert len(plot_updates) <= elapsed / 1.0 + 2, (len(plot_updates), elapsed)
    final = progress_updates[-1]["data"]["text/plain"]
    assert "100%" in final and "finished" in final and "epoch" in final
    assert "<table" in progress_updates[-1]["data"]["text/html"]
    # the results plot, rendered from results.csv after the epochs: its final state is the run's last
    last_plot = (plot_updates or plots)[-1]
    image = png_image(last_plot)
    assert image.size == (1600, 780) and not is_blank(image)
    assert last_plot["metadata"]["image/png"] == {"width": 1600, "height": 780}
    rows = (tmp_path / "runs/detect/train/results.csv").read_text().splitlines()
    assert len(rows) == 4  # header + 3 epochs
    text = stream_text(msgs)
    assert "scanning labels" in text  # a log event
    assert "mAP50-95" in text and "all" in text  # the validation table
    assert "Results saved to runs/detect/train" in text
    assert not outputs(msgs, "error")
    assert (tmp_path / "runs/detect/train/weights/last.safetensors").exists()


def test_live_results_plot_follows_the_epochs(kernel, tmp_path):
    """Slow epochs: the plot display is updated after each epoch, in place."""
    _, kc = kernel(EMIT_BATCHES=6, EMIT_BATCH_MS=200)
    reply, msgs = run_cell(kc, "train epochs=3")
    assert reply["status"] == "ok", reply
    plots = [c for c in outputs(msgs, "display_data") + outputs(msgs, "update_display_data") if "image/png" in c["data"]]
    assert len({p["transient"]["display_id"] for p in plots}) == 1
    assert len(plots) >= 3, len(plots)  # one per epoch (each over a second long)
    assert not any(is_blank(png_image(p)) for p in plots)
    # distinct renders: each epoch adds a point
    assert len({p["data"]["image/png"] for p in plots}) >= 3


def test_arguments_pass_through_and_background_is_stripped(kernel, tmp_path):
    _, kc = kernel()
    reply, msgs = run_cell(kc, "train epochs=1 device=0,1 batch=32 'name=my run' background=true")
    assert reply["status"] == "ok"
    assert "job 1 started in the background" in stream_text(msgs)
    reply, msgs = run_cell(kc, "wait 1")
    assert reply["status"] == "ok", reply
    argv = (tmp_path / "runs/detect/my run/argv.txt").read_text().splitlines()
    assert argv == ["train", "epochs=1", "device=0,1", "batch=32", "name=my run"]


def test_background_jobs_leave_the_kernel_free(kernel):
    km, kc = kernel(EMIT_BATCHES=50, EMIT_BATCH_MS=40)
    reply, msgs = run_cell(kc, "train epochs=2 background=true")
    assert reply["status"] == "ok"
    t = time.time()
    reply, msgs = run_cell(kc, "help epochs")
    assert reply["status"] == "ok" and time.time() - t < 1.0
    reply, msgs = run_cell(kc, "jobs")
    table = outputs(msgs, "execute_result")[0]["data"]["text/plain"]
    assert "running" in table and "train epochs=2" in table
    wait_training(kc, 1)
    reply, msgs = run_cell(kc, "stop 1")
    assert "SIGINT sent" in stream_text(msgs)
    reply, msgs = run_cell(kc, "wait 1")
    assert reply["status"] == "error" and reply["ename"] == "Interrupted"


def test_requests_are_answered_while_a_cell_waits(kernel):
    _, kc = kernel(EMIT_BATCHES=100, EMIT_BATCH_MS=30)
    train = kc.execute("train epochs=2")
    wait_batches(kc, train)
    t = time.time()
    msg_id = kc.complete("train epo")
    reply = shell_reply(kc, msg_id, timeout=5)
    assert reply["content"]["matches"] == ["epochs="] and time.time() - t < 1.0
    queued = kc.execute("echo after the training")
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    first = shell_reply(kc, train)["content"]
    assert first["ename"] == "Interrupted"
    # an interrupted cell is an error: with stop_on_error the queued cell is aborted
    assert shell_reply(kc, queued)["content"]["ename"] == "Aborted"


# A small real training (bin/yoloc train on the bundled coco8 at 64 px: a
# fraction of a second per epoch).
REAL_TRAIN = "train model=yolov8n.yaml data=coco8.yaml imgsz=64 batch=4 workers=0 device=cpu"


def test_interrupt_stops_real_training_gracefully_and_it_resumes(kernel, tmp_path):
    km, kc = kernel(real=True)
    msg_id = kc.execute(f"{REAL_TRAIN} epochs=40")
    seen = wait_batches(kc, msg_id, timeout=60)
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    assert kc.control_channel.get_msg(timeout=5)["content"]["status"] == "ok"
    reply = shell_reply(kc, msg_id, timeout=30)["content"]
    msgs = seen + collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "Interrupted", reply
    last = tmp_path / "runs/detect/train/weights/last.safetensors"
    assert "resume with: train resume=runs/detect/train/weights/last.safetensors" in reply["evalue"]
    weights = load_file(str(last))  # the checkpoint is loadable: the real model's weights
    assert weights["model.0.conv.weight"].shape == (16, 3, 3, 3)
    final = [u for u in outputs(msgs, "update_display_data") if "text/plain" in u["data"]
             and "image/png" not in u["data"]][-1]["data"]["text/plain"]
    assert "interrupted" in final
    record = json.loads((tmp_path / "runs/detect/train/run.json").read_text())
    assert record["status"] == "interrupted"
    after_error()
    reply, msgs = run_cell(kc, "jobs")
    assert "interrupted" in outputs(msgs, "execute_result")[0]["data"]["text/plain"]
    assert not pid_alive(job_pid(kc, 1))
    # the message's command resumes it, from a cell, to the end
    reply, msgs = run_cell(kc, "train resume=runs/detect/train/weights/last.safetensors", timeout=120)
    assert reply["status"] == "ok", reply
    rows = (tmp_path / "runs/detect/train/results.csv").read_text().splitlines()
    assert len(rows) == 41 and [int(float(r.split(",")[0])) for r in rows[1:]] == list(range(1, 41))
    assert json.loads((tmp_path / "runs/detect/train/run.json").read_text())["status"] == "finished"


def test_second_interrupt_kills_a_stuck_worker(kernel):
    _, kc = kernel(EMIT_IGNORE_SIGINT=1, EMIT_BATCHES=500, EMIT_BATCH_MS=20)
    msg_id = kc.execute("train epochs=5")
    wait_batches(kc, msg_id)
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    time.sleep(0.3)
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    reply = shell_reply(kc, msg_id, timeout=10)["content"]
    assert reply["ename"] == "WorkerKilled" and "SIGKILL" in reply["evalue"]


def test_sigint_to_the_kernel_interrupts_too(kernel):
    km, kc = kernel(EMIT_BATCHES=200, EMIT_BATCH_MS=20)
    msg_id = kc.execute("train epochs=5")
    wait_batches(kc, msg_id)
    os.kill(km.provisioner.process.pid, signal.SIGINT)  # what a client in signal mode does
    reply = shell_reply(kc, msg_id, timeout=10)["content"]
    assert reply["ename"] == "Interrupted"
    assert km.is_alive()


def test_a_killed_real_worker_is_reported_and_the_kernel_survives(kernel, tmp_path):
    km, kc = kernel(real=True)
    run_cell(kc, f"{REAL_TRAIN} epochs=300 background=true")
    pid = job_pid(kc, 1)
    wait_training(kc, 1)
    assert pid_alive(pid)
    os.kill(pid, signal.SIGKILL)
    reply, msgs = run_cell(kc, "wait 1")
    assert reply["status"] == "error" and reply["ename"] == "WorkerKilled"
    assert "killed by signal 9 (SIGKILL)" in reply["evalue"]
    assert km.is_alive()
    after_error()
    reply, _ = run_cell(kc, "echo alive")
    assert reply["status"] == "ok"
    # the run it left: run.json still says running, so `runs` shows it as killed
    reply, msgs = run_cell(kc, "runs")
    row = outputs(msgs, "execute_result")[0]["data"]["text/plain"].splitlines()[1].split()
    assert row[:2] == ["train", "killed"]


def test_a_crashing_worker_is_reported(kernel):
    _, kc = kernel(EMIT_CRASH_AT=3, EMIT_STDERR="worker says: about to crash")
    reply, msgs = run_cell(kc, "train epochs=2")
    assert reply["ename"] == "WorkerKilled" and "SIGABRT" in reply["evalue"]
    assert any("about to crash" in line for line in reply["traceback"])  # the output's tail
    after_error()
    reply, _ = run_cell(kc, "echo alive")
    assert reply["status"] == "ok"


def test_worker_usage_errors_read_like_the_command_line(kernel):
    _, kc = kernel(EMIT_USAGE=1)
    reply, msgs = run_cell(kc, "info model=yolov8n.yaml")
    assert reply["ename"] == "ArgumentError"
    assert reply["evalue"] == "unknown argument 'epoch' (did you mean 'epochs'?)"


def test_missing_worker_program(tmp_path):
    km, kc = start_kernel(tmp_path, YOLOC_WORKER=str(tmp_path / "no-such-program"))
    try:
        reply, _ = run_cell(kc, "train epochs=1")
        assert reply["ename"] == "WorkerError" and "no-such-program" in reply["evalue"]
    finally:
        stop_kernel(km, kc)


def test_val_predict_and_info_show_their_results(kernel, root):
    _, kc = kernel()
    reply, msgs = run_cell(kc, "val model=best.safetensors data=coco8.yaml")
    assert reply["status"] == "ok" and "mAP50-95" in stream_text(msgs)
    image = root / "share/datasets/coco8/images/val/000000000036.jpg"
    reply, msgs = run_cell(kc, f"predict model=best.safetensors source={image}")
    assert reply["status"] == "ok", reply
    images = [d for d in outputs(msgs, "display_data") if "image/jpeg" in d["data"]]
    assert len(images) == 1 and images[0]["metadata"]["image/jpeg"]["width"] > 0
    reply, msgs = run_cell(kc, "info model=yolov8n.yaml")
    assert reply["status"] == "ok" and "GFLOPs" in stream_text(msgs)


def test_shutdown_stops_every_worker_and_its_group_within_2s(kernel, tmp_path):
    km, kc = kernel(EMIT_IGNORE_SIGINT=1, EMIT_HELPER=1, EMIT_BATCHES=1000, EMIT_BATCH_MS=20)
    run_cell(kc, "train epochs=5 name=a background=true")
    run_cell(kc, "train epochs=5 name=b background=true")
    pids = [job_pid(kc, 1), job_pid(kc, 2)]
    helper_file = tmp_path / "runs/detect/a/helper.pid"
    assert wait_until(helper_file.exists)
    helper = int(helper_file.read_text())
    assert all(pid_alive(p) for p in pids + [helper])
    start = time.time()
    kc.control_channel.send(kc.session.msg("shutdown_request", {"restart": False}))
    assert kc.control_channel.get_msg(timeout=5)["msg_type"] == "shutdown_reply"
    assert wait_until(lambda: not any(pid_alive(p) for p in pids + [helper]), timeout=2.0), \
        [p for p in pids + [helper] if pid_alive(p)]
    assert time.time() - start < 2.0
    proc = km.provisioner.process
    assert wait_until(lambda: proc.poll() is not None, timeout=3)


def test_workers_stop_when_the_kernel_is_killed(kernel, tmp_path):
    km, kc = kernel(EMIT_BATCHES=1000, EMIT_BATCH_MS=20)
    run_cell(kc, "train epochs=5 background=true")
    pid = job_pid(kc, 1)
    wait_training(kc, 1)
    km.provisioner.process.kill()  # SIGKILL: no chance to clean up
    # the worker gets SIGINT (parent-death signal), ends its batch and saves
    assert wait_until(lambda: not pid_alive(pid), timeout=5)
    assert (tmp_path / "runs/detect/train/weights/last.safetensors").exists()
