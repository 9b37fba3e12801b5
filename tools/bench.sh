#!/usr/bin/env bash
# Runs every benchmark in tools/bench/ (each measures yoloc and its peer in the
# same run and prints a ratio). Record figures in docs/BENCHMARKS.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0
found=0
for b in tools/bench/*.sh; do
    [ -e "$b" ] || continue
    found=1
    echo "== $(basename "$b" .sh)"
    bash "$b" || { echo "bench: $(basename "$b") failed"; status=1; }
done
[ "$found" = 1 ] || echo "bench: no benchmarks in tools/bench/"
exit $status
