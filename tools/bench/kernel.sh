#!/usr/bin/env bash
# The kernel benchmark: round-trip time of a trivial request over 1,000
# executes (yoloc `help epochs` vs ipykernel `pass`, same run, jupyter_client)
# as a ratio, and each kernel's resident memory when idle. KERNEL_BENCH_N
# changes the count. Timings on a shared machine are noisy: record them with
# the machine (docs/BENCHMARKS.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ -x bin/yoloc-kernel ] || { echo "kernel bench: bin/yoloc-kernel is not built (make)" >&2; exit 1; }
.venv/bin/python tools/bench/kernel_bench.py
