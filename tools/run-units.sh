#!/usr/bin/env bash
# Runs every C unit-test program in a directory and ends with "N passed, N failed"
# (counting test cases across all programs). Used by `make asan`.
set -u
dir=${1:?usage: run-units.sh DIR}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
root=$(cd "$(dirname "$0")/.." && pwd)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/unit/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0 failed=0
for t in "$dir"/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d) continue ;; esac
    out=$("$t" 2>&1)
    rc=$?
    summary=$(printf '%s\n' "$out" | tail -n 1)
    p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$summary")
    f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$summary")
    if [ -z "$p" ] || [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        # crashed or a sanitizer stopped it before its summary
        printf '%s\n' "$out" | tail -n 40
        echo "CRASH $(basename "$t") (exit $rc)"
        failed=$((failed + 1))
        passed=$((passed + ${p:-0}))
        continue
    fi
    [ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -v '^ok '
    echo "$(basename "$t"): $summary"
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
