"""The yoloc kernel's message handling, checked with jupyter_client: execution
counters, stop_on_error, busy/idle order for every request type, control
channel, shutdown and restart, and signatures (bad and replayed ones are
dropped)."""
import json
import os
import signal
import time
import uuid

import pytest
import zmq
from jupyter_client.session import Session

from kernel_util import collect, run_cell, shell_reply, start_kernel, stop_kernel, wait_until


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    km, kc = start_kernel(tmp_path_factory.mktemp("kernel-messages"))
    yield km, kc
    stop_kernel(km, kc)


def test_store_history_and_silent_counters(kernel):
    _, kc = kernel
    reply, _ = run_cell(kc, "echo one")
    n = reply["execution_count"]
    reply, msgs = run_cell(kc, "echo two")
    assert reply["execution_count"] == n + 1
    inputs = [m["content"] for m in msgs if m["msg_type"] == "execute_input"]
    assert inputs == [{"code": "echo two", "execution_count": n + 1}]
    # store_history=False: the counter does not move
    reply, _ = run_cell(kc, "echo three", store_history=False)
    assert reply["execution_count"] == n + 1
    # silent: no execute_input, no outputs, the counter does not move
    reply, msgs = run_cell(kc, "echo four", silent=True)
    assert reply["status"] == "ok" and reply["execution_count"] == n + 1
    assert [m["msg_type"] for m in msgs] == ["status", "status"]
    # a silent error replies error but publishes nothing
    reply, msgs = run_cell(kc, "train epoch=3", silent=True)
    assert reply["status"] == "error" and [m["msg_type"] for m in msgs] == ["status", "status"]
    reply, _ = run_cell(kc, "echo five")
    assert reply["execution_count"] == n + 2
    # history holds only what was stored
    msg_id = kc.history(hist_access_type="tail", n=2, output=False, raw=True)
    hist = shell_reply(kc, msg_id)["content"]["history"]
    assert [h[2] for h in hist] == ["echo two", "echo five"]


def test_stop_on_error_aborts_the_queue(tmp_path):
    # The failing cell is a training job that fails after a few batches, so
    # that the requests behind it are surely queued when it fails.
    km, kc = start_kernel(tmp_path, EMIT_FAIL_AT=3, EMIT_BATCH_MS=50)
    try:
        first = kc.execute("train epochs=1")
        second = kc.execute("echo should not run")
        third = kc.execute("echo nor this", stop_on_error=False)
        replies = {m: shell_reply(kc, m)["content"] for m in (first, second, third)}
        assert replies[first]["status"] == "error" and replies[first]["ename"] == "WorkerFailed"
        assert "loss is NaN" in replies[first]["evalue"]
        for m in (second, third):
            assert replies[m]["status"] == "error" and replies[m]["ename"] == "Aborted"
            assert [x["msg_type"] for x in collect(kc, m)] == ["status", "status"]  # busy, idle: not run
        time.sleep(0.1)  # after the abort window (50 ms)
        reply, _ = run_cell(kc, "echo runs")
        assert reply["status"] == "ok"
        # an error with stop_on_error=False aborts nothing
        a = kc.execute("train epochs=1", stop_on_error=False)
        b = kc.execute("echo runs too")
        assert shell_reply(kc, a)["content"]["status"] == "error"
        rb = shell_reply(kc, b)["content"]
        assert rb["status"] == "ok", rb
    finally:
        stop_kernel(km, kc)


def test_requests_sent_together_after_an_error_are_aborted(kernel):
    # "run all": the later cells may arrive just after the error; those
    # arriving within 50 ms of it are aborted as well
    _, kc = kernel
    ids = [kc.execute("train epoch=3")] + [kc.execute(f"echo {i}") for i in range(3)]
    replies = [shell_reply(kc, m)["content"] for m in ids]
    assert replies[0]["ename"] == "ArgumentError"
    assert [r.get("ename") for r in replies[1:]] == ["Aborted"] * 3
    time.sleep(0.1)


def _check_order(msgs, has_input=False):
    types = [m["msg_type"] for m in msgs]
    assert types[0] == "status" and msgs[0]["content"]["execution_state"] == "busy", types
    assert types[-1] == "status" and msgs[-1]["content"]["execution_state"] == "idle", types
    assert types.count("status") == 2, types
    if has_input:
        assert types[1] == "execute_input", types


@pytest.mark.parametrize("request_type", ["kernel_info", "execute", "complete", "inspect", "history", "is_complete",
                                          "comm_info", "comm_open", "unknown", "kernel_info_control"])
def test_busy_idle_around_every_request(kernel, request_type):
    _, kc = kernel
    session = kc.session
    if request_type == "kernel_info":
        msg_id = kc.kernel_info()
    elif request_type == "execute":
        msg_id = kc.execute("help epochs")
    elif request_type == "complete":
        msg_id = kc.complete("train ep", 8)
    elif request_type == "inspect":
        msg_id = kc.inspect("epochs", 3)
    elif request_type == "history":
        msg_id = kc.history(hist_access_type="tail", n=3)
    elif request_type == "is_complete":
        msg_id = kc.is_complete("train \\")
    elif request_type == "comm_info":
        msg_id = kc.comm_info()
    elif request_type == "comm_open":
        msg = session.msg("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "nothing", "data": {}})
        kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
    elif request_type == "unknown":
        msg = session.msg("no_such_request", {})
        kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
    else:
        msg = session.msg("kernel_info_request", {})
        kc.control_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        reply = kc.control_channel.get_msg(timeout=10)
        assert reply["msg_type"] == "kernel_info_reply"
        assert reply["content"]["protocol_version"] == "5.5"
    msgs = collect(kc, msg_id)
    _check_order(msgs, has_input=request_type == "execute")
    if request_type in ("kernel_info", "execute", "complete", "inspect", "history", "is_complete", "comm_info"):
        reply = shell_reply(kc, msg_id)
        assert reply["content"].get("status") in ("ok", "incomplete")
    if request_type == "comm_open":  # an unknown target: the kernel closes the comm
        assert [m["msg_type"] for m in msgs][1:-1] == ["comm_close"]
        assert msgs[1]["content"]["comm_id"] == msg["content"]["comm_id"]
    # nothing of the request after its idle
    time.sleep(0.2)
    while True:
        try:
            m = kc.get_iopub_msg(timeout=0.05)
        except Exception:
            break
        assert m["parent_header"].get("msg_id") != msg_id, m["msg_type"]


def test_kernel_info_reply(kernel):
    _, kc = kernel
    msg_id = kc.kernel_info()
    c = shell_reply(kc, msg_id)["content"]
    assert c["status"] == "ok" and c["implementation"] == "yoloc-kernel"
    assert c["language_info"]["name"] == "yoloc" and c["language_info"]["file_extension"] == ".yoloc"
    assert c["supported_features"] == [] and c["debugger"] is False


def test_interrupt_when_idle(kernel):
    km, kc = kernel
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))  # what interrupt_mode message sends
    reply = kc.control_channel.get_msg(timeout=10)
    assert reply["msg_type"] == "interrupt_reply" and reply["content"]["status"] == "ok"
    os.kill(km.provisioner.process.pid, signal.SIGINT)  # a client in signal mode
    reply, _ = run_cell(kc, "echo still here")
    assert reply["status"] == "ok"


def _raw_shell(kc):
    """A DEALER connected to the kernel's shell port, and the session's key."""
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(f"tcp://{kc.ip}:{kc.shell_port}")
    return sock


def _recv_replies(sock, session, timeout=1.0):
    replies = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sock.poll(50):
            frames = sock.recv_multipart()
            idents, msg = session.feed_identities(frames)
            replies.append(session.deserialize(msg))
    return replies


def test_bad_signatures_are_dropped(kernel):
    km, kc = kernel
    session = Session(key=kc.session.key, signature_scheme="hmac-sha256")
    sock = _raw_shell(kc)
    good = session.msg("kernel_info_request", {})
    frames = session.serialize(good)
    bad_sig = [frames[0], b"0" * 64] + frames[2:]
    short_sig = [frames[0], b"abc"] + frames[2:]
    tampered = list(frames)
    tampered[5] = b'{"tampered": true}'
    no_delim = frames[1:]
    not_json = [frames[0]] + [b""] * 5
    for f in (bad_sig, short_sig, tampered, no_delim, not_json, [b"x"], [frames[0]]):
        sock.send_multipart(f)
    assert _recv_replies(sock, session, 0.5) == []
    sock.send_multipart(frames)
    replies = _recv_replies(sock, session, 2.0)
    assert [r["msg_type"] for r in replies] == ["kernel_info_reply"]
    assert km.is_alive()
    sock.close()


def test_replayed_messages_are_dropped(kernel):
    km, kc = kernel
    session = Session(key=kc.session.key, signature_scheme="hmac-sha256")
    sock = _raw_shell(kc)
    frames = session.serialize(session.msg("execute_request", {
        "code": "echo replay", "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True}))
    sock.send_multipart(frames)
    first = _recv_replies(sock, session, 2.0)
    assert [r["content"]["status"] for r in first] == ["ok"]
    sock.send_multipart(frames)  # the same signature again
    assert _recv_replies(sock, session, 0.5) == []
    assert km.is_alive()
    sock.close()


def test_routing_ids_are_binary(kernel):
    _, kc = kernel
    session = Session(key=kc.session.key, signature_scheme="hmac-sha256")
    sock = _raw_shell(kc)
    sock.setsockopt(zmq.ROUTING_ID, b"\x00\xff\x00binary\x00")
    sock.connect(f"tcp://{kc.ip}:{kc.shell_port}")
    sock.send_multipart(session.serialize(session.msg("kernel_info_request", {})))
    replies = _recv_replies(sock, session, 2.0)
    assert [r["msg_type"] for r in replies] == ["kernel_info_reply"]
    sock.close()


def test_shutdown_and_restart(tmp_path):
    km, kc = start_kernel(tmp_path)
    try:
        pid = km.provisioner.process.pid
        reply, _ = run_cell(kc, "echo first life")
        assert reply["status"] == "ok"
        km.restart_kernel(now=False)  # shutdown_request(restart=True), then a new process
        kc.wait_for_ready(timeout=20)
        assert km.provisioner.process.pid != pid and not os.path.exists(f"/proc/{pid}/cmdline")
        reply, _ = run_cell(kc, "echo second life")
        assert reply["status"] == "ok" and reply["execution_count"] == 1
        # a shutdown_request on control: the reply says restart, the process ends quickly
        msg = kc.session.msg("shutdown_request", {"restart": True})
        kc.control_channel.send(msg)
        reply = kc.control_channel.get_msg(timeout=10)
        assert reply["msg_type"] == "shutdown_reply" and reply["content"] == {"status": "ok", "restart": True}
        proc = km.provisioner.process
        assert wait_until(lambda: proc.poll() is not None, timeout=3), "the kernel did not exit"
        assert proc.returncode == 0
    finally:
        stop_kernel(km, kc)


def test_sigterm_exits_cleanly(tmp_path):
    km, kc = start_kernel(tmp_path)
    try:
        proc = km.provisioner.process
        proc.send_signal(signal.SIGTERM)
        assert wait_until(lambda: proc.poll() is not None, timeout=3)
        assert proc.returncode == 0
    finally:
        stop_kernel(km, kc)


def test_connection_file_errors_are_clear(tmp_path):
    import subprocess
    from kernel_util import ROOT
    bad = tmp_path / "conn.json"
    bad.write_text(json.dumps({"ip": "127.0.0.1", "shell_port": 1, "key": "secret-key-text"}))
    proc = subprocess.run([str(ROOT / "bin" / "yoloc-kernel"), "-f", str(bad)], capture_output=True, text=True,
                          timeout=10)
    assert proc.returncode == 2
    assert "iopub_port" in proc.stderr and "secret-key-text" not in proc.stderr


def test_heartbeat_echoes_even_while_a_cell_waits(tmp_path):
    km, kc = start_kernel(tmp_path, EMIT_BATCHES=100, EMIT_BATCH_MS=20)
    try:
        ctx = zmq.Context.instance()
        hb = ctx.socket(zmq.REQ)
        hb.linger = 0
        hb.connect(f"tcp://{kc.ip}:{kc.hb_port}")
        msg_id = kc.execute("train epochs=3")
        for payload in (b"ping", b"\x00binary\xff"):
            hb.send(payload)
            assert hb.poll(2000), "no heartbeat"
            assert hb.recv() == payload
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
        shell_reply(kc, msg_id)
        hb.close()
    finally:
        stop_kernel(km, kc)
