"""Helpers for the kernel tests: a kernelspec in a temporary Jupyter path,
kernels started with extra environment, and running cells while collecting
their iopub messages. YOLOC_TEST_KERNEL=PATH runs another build of the kernel
(e.g. build/asan/bin/yoloc-kernel)."""
import json
import os
import pathlib
import subprocess
import tempfile
import time
from queue import Empty

from jupyter_client.manager import KernelManager

ROOT = pathlib.Path(__file__).resolve().parents[2]
EMIT_EVENTS = ROOT / "tests" / "bin" / "emit_events"
_SPEC_DIR = None


def install_kernelspec():
    """Installs the kernelspec with tools/install-kernel.sh into a temporary
    directory and puts it first on JUPYTER_PATH (once per process)."""
    global _SPEC_DIR
    if _SPEC_DIR is None:
        assert (ROOT / "bin" / "yoloc-kernel").exists(), "bin/yoloc-kernel is missing: run make"
        _SPEC_DIR = tempfile.mkdtemp(prefix="yoloc-jupyter-")
        env = dict(os.environ, JUPYTER_DATA_DIR=_SPEC_DIR)
        subprocess.run([str(ROOT / "tools" / "install-kernel.sh")], check=True, env=env, capture_output=True)
        other = os.environ.get("YOLOC_TEST_KERNEL")  # e.g. a sanitizer build of the kernel
        if other:
            spec_file = pathlib.Path(_SPEC_DIR) / "kernels" / "yoloc" / "kernel.json"
            spec = json.loads(spec_file.read_text())
            spec["argv"][0] = other
            spec_file.write_text(json.dumps(spec))
        os.environ["JUPYTER_PATH"] = _SPEC_DIR + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    return _SPEC_DIR


def start_kernel(cwd, real=False, **env):
    """A yoloc kernel whose workers are tests/bin/emit_events, with EMIT_* knobs;
    real=True: the real bin/yoloc (the kernel's own default worker)."""
    install_kernelspec()
    full = dict(os.environ)
    full.pop("YOLOC_WORKER", None)
    if not real:
        full["YOLOC_WORKER"] = str(EMIT_EVENTS)
    full.update({k: str(v) for k, v in env.items()})
    km = KernelManager(kernel_name="yoloc")
    km.start_kernel(env=full, cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=20)
    return km, kc


def stop_kernel(km, kc):
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=False)  # a shutdown_request, as clients send it


def collect(kc, msg_id, timeout=30):
    """iopub messages of one request, up to and including its idle."""
    msgs = []
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError(f"no idle for {msg_id}; got {[m['msg_type'] for m in msgs]}")
        try:
            m = kc.get_iopub_msg(timeout=left)
        except Empty:
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return msgs


def shell_reply(kc, msg_id, timeout=30):
    deadline = time.time() + timeout
    while True:
        m = kc.get_shell_msg(timeout=max(0.01, deadline - time.time()))
        if m["parent_header"].get("msg_id") == msg_id:
            return m


def run_cell(kc, code, timeout=30, **kw):
    """(reply content, iopub messages) of one execute request."""
    msg_id = kc.execute(code, **kw)
    reply = shell_reply(kc, msg_id, timeout)
    return reply["content"], collect(kc, msg_id, timeout)


def outputs(msgs, msg_type):
    return [m["content"] for m in msgs if m["msg_type"] == msg_type]


def stream_text(msgs, name="stdout"):
    return "".join(c["text"] for c in outputs(msgs, "stream") if c["name"] == name)


def wait_until(predicate, timeout=10, step=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def pid_alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def png_image(content):
    """The PIL image of a display's image/png (decoded, so a broken PNG fails)."""
    import base64
    import io

    from PIL import Image

    data = base64.b64decode(content["data"]["image/png"])
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_blank(image):
    """True when every pixel has the same colour."""
    lo, hi = zip(*image.convert("RGB").getextrema())
    return lo == hi
