#!/usr/bin/env bash
# Fuzzes the kernel's wire parser (and the handlers that read a message's
# content) and the cell parser with libFuzzer (clang -fsanitize=fuzzer, with
# AddressSanitizer and UBSan), each for KERNEL_FUZZ_SECONDS (default 60),
# starting from the corpus in tests/fuzz/. Fails on any crash, leak or
# sanitizer report; the reproducer is left in the printed directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
seconds=${KERNEL_FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
    echo "kernel-fuzz: $cc not found (clang 14+ with libFuzzer is needed)" >&2
    exit 1
fi
work=$(mktemp -d /tmp/yoloc-kernel-fuzz.XXXXXX)
pkgs="libzmq libcjson libcrypto uuid yaml-0.1 libpng cairo libturbojpeg openblas"
srcs=$(ls kernel/*.c trainer/*.c | grep -v '^kernel/main.c$')
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Itrainer -Itracking -Icli -Ikernel $(pkg-config --cflags $pkgs)"
status=0
for target in kernel_wire kernel_cell; do
    echo "kernel-fuzz: building $target"
    # shellcheck disable=SC2086
    $cc $flags tests/fuzz/fuzz_$target.c $srcs -o "$work/fuzz_$target" $(pkg-config --libs $pkgs) -lpthread -lm
    mkdir -p "$work/corpus_$target" "$work/artifacts_$target"
    cp tests/fuzz/$target/* "$work/corpus_$target/"
    echo "kernel-fuzz: running $target for ${seconds}s"
    if ! (cd "$work" && ASAN_OPTIONS=detect_leaks=1 ./fuzz_$target -max_total_time="$seconds" -max_len=4096 \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts_$target/" \
            "$work/corpus_$target" >"$work/$target.log" 2>&1); then
        tail -n 40 "$work/$target.log"
        echo "kernel-fuzz: $target FAILED; reproducer(s) in $work/artifacts_$target/"
        status=1
        continue
    fi
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$work/$target.log" | sed "s/^/kernel-fuzz: $target /"
done
if [ "$status" -eq 0 ]; then
    rm -rf "$work"
    echo "kernel-fuzz: no crash"
fi
exit $status
