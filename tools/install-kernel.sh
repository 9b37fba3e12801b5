#!/usr/bin/env bash
# Installs the Jupyter kernelspec "yoloc" (display name "YOLO (C)") for this
# checkout's bin/yoloc-kernel into the user's Jupyter data directory
# ($JUPYTER_DATA_DIR, else ~/.local/share/jupyter). Idempotent.
# The tests install it into a temporary directory (JUPYTER_DATA_DIR=DIR) and
# point JUPYTER_PATH there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data_dir=${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}
dest=$data_dir/kernels/yoloc
if [ ! -x "$root/bin/yoloc-kernel" ]; then
    echo "install-kernel: $root/bin/yoloc-kernel is not built (run make)" >&2
    exit 1
fi
case "$root" in *'"'*|*'\'*)
    echo "install-kernel: the checkout path $root has a quote or backslash; kernel.json cannot hold it" >&2
    exit 1 ;;
esac
mkdir -p "$dest"
cp "$root"/share/kernelspec/yoloc/logo-32x32.png "$root"/share/kernelspec/yoloc/logo-64x64.png "$dest"/
# interrupt_mode message: interrupts arrive as interrupt_request on the
# control channel, which the kernel serves on its own thread while a cell runs.
cat > "$dest/kernel.json.tmp" <<JSON
{
  "argv": ["$root/bin/yoloc-kernel", "-f", "{connection_file}"],
  "display_name": "YOLO (C)",
  "language": "yoloc",
  "interrupt_mode": "message",
  "env": {"YOLOC_HOME": "$root"},
  "metadata": {"debugger": false},
  "kernel_protocol_version": "5.5"
}
JSON
mv "$dest/kernel.json.tmp" "$dest/kernel.json"
echo "install-kernel: kernelspec 'yoloc' installed in $dest"
