"""Round trip of a trivial request, yoloc kernel vs ipykernel, measured with
jupyter_client in the same run: N executes each (`help epochs` for yoloc,
`pass` for ipykernel), timed from sending the request to having both its
reply and its idle status. Also the resident memory of each kernel, idle.
Run by tools/bench/kernel.sh."""
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "py"))
from jupyter_client.manager import KernelManager  # noqa: E402

from kernel_util import install_kernelspec  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def bench(kernel_name, code, n, cwd):
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        def once():
            t = time.perf_counter()
            msg_id = kc.execute(code)
            got_reply = got_idle = False
            while not got_reply:
                m = kc.get_shell_msg(timeout=10)
                got_reply = m["parent_header"].get("msg_id") == msg_id
            while not got_idle:
                m = kc.get_iopub_msg(timeout=10)
                got_idle = (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                            and m["content"]["execution_state"] == "idle")
            return time.perf_counter() - t
        for _ in range(20):  # warm up
            once()
        times = [once() for _ in range(n)]
        time.sleep(0.5)
        rss = rss_kib(km.provisioner.process.pid)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    return times, rss


def main():
    n = int(os.environ.get("KERNEL_BENCH_N", "1000"))
    install_kernelspec()
    cwd = tempfile.mkdtemp(prefix="yoloc-kernel-bench-")
    ours, our_rss = bench("yoloc", "help epochs", n, cwd)
    peer, peer_rss = bench("python3", "pass", n, cwd)
    om, pm = statistics.mean(ours) * 1e3, statistics.mean(peer) * 1e3
    omed, pmed = statistics.median(ours) * 1e3, statistics.median(peer) * 1e3
    print(f"kernel round trip over {n} executes (request -> reply and idle), jupyter_client:")
    print(f"  yoloc-kernel 'help epochs': mean {om:.3f} ms, median {omed:.3f} ms")
    print(f"  ipykernel    'pass':        mean {pm:.3f} ms, median {pmed:.3f} ms")
    print(f"  ratio yoloc/ipykernel (mean): {om / pm:.3f}  (target <= 0.2)")
    print(f"resident memory when idle: yoloc-kernel {our_rss / 1024:.1f} MiB, ipykernel {peer_rss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
