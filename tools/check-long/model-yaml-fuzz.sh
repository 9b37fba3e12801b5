#!/usr/bin/env bash
# Fuzzes the model-file reader and builder: mutated model YAMLs through
# `yoloc info` built with AddressSanitizer and UBSan (FUZZ_COUNT files, default 300).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make -s BUILD=build/asan BINDIR=build/asan/bin OPT="-O1" \
    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    EXTRA_LDLIBS="-fsanitize=address,undefined" build/asan/bin/yoloc
.venv/bin/python tools/check-long/model_yaml_fuzz.py build/asan/bin/yoloc "${FUZZ_SEED:-1}" "${FUZZ_COUNT:-300}"
