#!/usr/bin/env bash
# Installs the Jupyter kernelspec "yoloc" (display name "YOLO (C)") for this
# checkout's bin/yoloc-kernel into the user's Jupyter data directory
# ($JUPYTER_DATA_DIR, else ~/.local/share/jupyter). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data_dir=${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}
dest=$data_dir/kernels/yoloc
mkdir -p "$dest"
cp "$root"/share/kernelspec/yoloc/* "$dest"/ 2>/dev/null || true
cat > "$dest/kernel.json" <<JSON
{
  "argv": ["$root/bin/yoloc-kernel", "-f", "{connection_file}"],
  "display_name": "YOLO (C)",
  "language": "yoloc",
  "interrupt_mode": "message",
  "env": {"YOLOC_HOME": "$root"},
  "metadata": {"debugger": false}
}
JSON
echo "install-kernel: kernelspec 'yoloc' installed in $dest"
