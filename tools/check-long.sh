#!/usr/bin/env bash
# Runs every long check in tools/check-long/ (fuzzing, long trainings): the
# checks too slow for `make test`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0
found=0
for b in tools/check-long/*.sh; do
    [ -e "$b" ] || continue
    found=1
    echo "== $(basename "$b" .sh)"
    bash "$b" || { echo "check-long: $(basename "$b") failed"; status=1; }
done
[ "$found" = 1 ] || echo "check-long: no benchmarks in tools/check-long/"
exit $status
