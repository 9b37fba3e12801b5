#!/usr/bin/env bash
# make gpu-bundle: what the GPU machine lacks (it has CUDA, torch and Python but
# no package registry and no internet), in gpu-bundle/ (git-ignored), so that a
# GPU session needs one command (docs/CUDA.md):
#   run(command="tools/gpu/run.sh all \"$OUT\"", carry=["gpu-bundle"])
#
# gpu-bundle/
#   payload.tar.xz   bin/ tests/ (the GPU build, stripped), lib/ (the Debian
#                    runtime libraries they need, from apt-get download + dpkg -x,
#                    with each package's copyright file), data/ (BCCD in YOLO
#                    layout and coco8, with their licences)
#   wheels/          ultralytics and ultralytics-thop (pip download --no-deps)
#   MANIFEST         what is inside, from which commit and packages
# The payload is compressed because the carry limit is 64 MiB (OpenBLAS alone is 35 MB).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=gpu-bundle
tmp=$out.tmp
ULTRALYTICS_VERSION=${ULTRALYTICS_VERSION:-8.3.253}
THOP_VERSION=${THOP_VERSION:-2.2.3}
# the shared data sets: ../shared beside the main checkout (worktrees sit one level deeper)
DATASETS=${YOLOC_DATASETS:-}
for d in "$root/../shared/datasets" "$root/../../shared/datasets"; do
    [ -n "$DATASETS" ] || { [ -d "$d/bccd" ] && DATASETS=$(cd "$d" && pwd); }
done
DATASETS=${DATASETS:-$root/../shared/datasets}

rm -rf "$tmp"
mkdir -p "$tmp/stage/bin" "$tmp/stage/tests" "$tmp/stage/lib" "$tmp/stage/licenses" "$tmp/stage/data" "$tmp/wheels" \
         "$tmp/debs/extract"

echo "gpu-bundle: the GPU build"
programs=(build/gpu/bin/yoloc build/gpu/bin/yoloc-kernel build/gpu/tests/test_cuda_backend build/gpu/tests/gpu_check
          build/gpu/tests/gpu_bench build/gpu/tests/parity)
for p in "${programs[@]}"; do
    [ -x "$p" ] || { echo "gpu-bundle: $p is missing (make gpu-check builds it)" >&2; exit 1; }
    case $p in build/gpu/bin/*) dest=$tmp/stage/bin ;; *) dest=$tmp/stage/tests ;; esac
    strip -o "$dest/$(basename "$p")" "$p"
done

# Runtime libraries the programs load, except the C/C++ runtime (the GPU machine
# has newer ones, and Python's must win) and CUDA's own (taken from the machine).
echo "gpu-bundle: runtime libraries"
libs=$(for p in "${programs[@]}"; do ldd "$p"; done | awk '/=> \//{print $1 " " $3}' | sort -u |
       grep -Ev '^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[^ ]*)\.so|^libcu|^libnccl|^libnv' || true)
packages=()
while read -r soname path; do
    [ -n "$soname" ] || continue
    real=$(readlink -f "$path")
    pkg=""
    for candidate in "$path" "$real" "/usr$path" "${real#/usr}"; do
        pkg=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$pkg" ] && break
    done
    if [ -z "$pkg" ]; then echo "gpu-bundle: no Debian package owns $path ($soname)" >&2; exit 1; fi
    packages+=("$pkg")
    echo "$soname $pkg" >>"$tmp/sonames"
done <<<"$libs"
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
(cd "$tmp/debs" && apt-get download "${packages[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
for pkg in "${packages[@]}"; do
    deb=$(ls "$tmp/debs/${pkg}"_*.deb 2>/dev/null | head -1 || true)
    [ -n "$deb" ] || { echo "gpu-bundle: apt-get download $pkg failed (no network or no apt lists? apt-get update)" >&2; exit 1; }
    dpkg -x "$deb" "$tmp/debs/extract"
    mkdir -p "$tmp/stage/licenses/$pkg"
    cp "$tmp/debs/extract/usr/share/doc/$pkg/copyright" "$tmp/stage/licenses/$pkg/" 2>/dev/null || true
    echo "$pkg $(dpkg-deb -f "$deb" Version)" >>"$tmp/packages"
done
while read -r soname pkg; do
    found=$(find "$tmp/debs/extract" -name "$soname" | head -1)
    [ -n "$found" ] || { echo "gpu-bundle: $soname is not in $pkg" >&2; exit 1; }
    cp -L "$found" "$tmp/stage/lib/$soname"
done <"$tmp/sonames"

echo "gpu-bundle: data sets"
[ -d "$DATASETS/bccd" ] && [ -d "$DATASETS/coco8" ] || { echo "gpu-bundle: $DATASETS/{bccd,coco8} not found (set YOLOC_DATASETS)" >&2; exit 1; }
python3 tools/gpu/voc_to_yolo.py "$DATASETS/bccd" "$tmp/stage/data/bccd" trainval test >"$tmp/bccd.log"
cp -r "$DATASETS/coco8" "$tmp/stage/data/coco8"
printf 'path: .\ntrain: images/train\nval: images/val\nnames:\n' >"$tmp/stage/data/coco8/data.yaml"
python3 - "$tmp/stage/data/coco8/data.yaml" <<'PY'
import sys
names = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
         "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
         "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
         "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
         "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
         "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
         "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
         "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
         "hair drier", "toothbrush"]
with open(sys.argv[1], "a") as f:
    f.writelines(f"  {i}: {n}\n" for i, n in enumerate(names))
PY

echo "gpu-bundle: Python wheels"
pip=.venv/bin/pip
[ -x "$pip" ] || pip="python3 -m pip"
$pip download -q --disable-pip-version-check --no-deps -d "$tmp/wheels" \
    "ultralytics==$ULTRALYTICS_VERSION" "ultralytics-thop==$THOP_VERSION"

echo "gpu-bundle: payload"
tar -C "$tmp/stage" -cJf "$tmp/payload.tar.xz" .
{
    echo "yoloc GPU bundle, made $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
    echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!gpu-bundle' || echo ' (with uncommitted changes)')"
    echo "nvcc: $(nvcc --version 2>/dev/null | tail -1 || /usr/local/cuda/bin/nvcc --version | tail -1)"
    echo "targets: sm_80, sm_90 (SASS)"
    echo "programs:"; (cd "$tmp/stage" && ls -l bin tests | awk 'NF > 5 {print "  " $NF " " $5}')
    echo "libraries (soname, Debian package):"; sed 's/^/  /' "$tmp/sonames"
    echo "packages:"; sed 's/^/  /' "$tmp/packages"
    echo "wheels:"; (cd "$tmp/wheels" && ls | sed 's/^/  /')
    echo "data: bccd (trainval 292 images for training, test 72 for validation), coco8"
    sed 's/^/  /' "$tmp/bccd.log"
    echo "payload.tar.xz $(du -k "$tmp/payload.tar.xz" | cut -f1) KiB"
} >"$tmp/MANIFEST"
rm -rf "$tmp/stage" "$tmp/debs" "$tmp/sonames" "$tmp/packages" "$tmp/bccd.log"
rm -rf "$out"
mv "$tmp" "$out"
total=$(du -sk "$out" | cut -f1)
echo "gpu-bundle: $out ($total KiB; the carry limit is 65536 KiB)"
[ "$total" -lt 65536 ] || { echo "gpu-bundle: too large to carry" >&2; exit 1; }
