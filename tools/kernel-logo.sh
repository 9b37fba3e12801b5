#!/usr/bin/env bash
# Redraws the kernelspec logos (share/kernelspec/yoloc/logo-*.png) with cairo.
# The PNGs are committed; run this only to change them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror "$root/tools/kernel-logo.c" -o "$tmp/kernel-logo" $(pkg-config --cflags --libs cairo) -lm
"$tmp/kernel-logo" "$root/share/kernelspec/yoloc"
echo "kernel-logo: wrote $root/share/kernelspec/yoloc/logo-32x32.png and logo-64x64.png"
