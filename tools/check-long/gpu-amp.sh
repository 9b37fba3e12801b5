#!/usr/bin/env bash
# Mixed precision on the GPU: 20 epochs of YOLOv8n on coco8 in bfloat16
# (amp=true) and in float32 (amp=false), same seed; the final train losses
# (box, cls, dfl: the mean of the last 5 epochs of results.csv) must agree
# within 5%. Skips without a CUDA device, and says so while `yoloc train`
# cannot run yet.
# Environment: YOLOC_GPU_BIN (default build/gpu/bin/yoloc), YOLOC_LD_PATH,
# YOLOC_COCO8 (a coco8 folder with data.yaml; default ../shared/datasets/coco8 copied).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
yoloc=${YOLOC_GPU_BIN:-build/gpu/bin/yoloc}
ours() { LD_LIBRARY_PATH="${YOLOC_LD_PATH:-}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" YOLOC_HOME="$root" "$@"; }
[ -x "$yoloc" ] || { echo "gpu-amp: skipped: no GPU build ($yoloc)"; exit 0; }
if ours "$yoloc" version | grep -q "CUDA: no device found"; then
    echo "gpu-amp: skipped: no CUDA device"
    exit 0
fi
probe=$(ours "$yoloc" train model=x.yaml data=x.yaml 2>&1 | head -n 1)
case $probe in *"cannot run train"*) echo "gpu-amp: not run: $probe"; exit 0 ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=${YOLOC_COCO8:-}
for d in "$root/../shared/datasets/coco8" "$root/../../shared/datasets/coco8"; do [ -n "$src" ] || { [ -d "$d" ] && src=$d; }; done
cp -r "$src" "$work/coco8"
[ -f "$work/coco8/data.yaml" ] || { echo "gpu-amp: $src has no data.yaml"; exit 1; }
for amp in false true; do
    start=$SECONDS
    ours "$yoloc" train model=yolov8n.yaml data="$work/coco8/data.yaml" epochs=20 batch=16 imgsz=640 amp=$amp device=0 \
        seed=0 deterministic=true plots=false project="$work/runs" name="amp_$amp" >"$work/log_$amp" 2>&1 ||
        { echo "gpu-amp: amp=$amp failed:"; tail -n 20 "$work/log_$amp"; exit 1; }
    echo "gpu-amp: amp=$amp trained in $((SECONDS - start)) s; $(grep -m1 '^AMP' "$work/log_$amp" || true)"
done
python3 - "$work/runs/amp_false/results.csv" "$work/runs/amp_true/results.csv" <<'PY'
import csv, sys
def last5(path):
    rows = list(csv.DictReader(open(path)))
    cols = [k for k in rows[0] if k.strip().startswith("train/")]
    return {c.strip(): sum(float(r[c]) for r in rows[-5:]) / 5 for c in cols}, len(rows)
fp32, n32 = last5(sys.argv[1])
bf16, n16 = last5(sys.argv[2])
worst = 0
for k in fp32:
    rel = abs(bf16[k] - fp32[k]) / abs(fp32[k])
    worst = max(worst, rel)
    print(f"gpu-amp: {k}: float32 {fp32[k]:.4f}, bfloat16 {bf16[k]:.4f} ({100 * rel:.1f}%)")
ok = worst <= 0.05 and n32 == n16 == 20
print(f"gpu-amp: {'passed' if ok else 'FAILED'}: worst difference {100 * worst:.1f}% (limit 5%), {n32}/{n16} epochs")
sys.exit(0 if ok else 1)
PY
