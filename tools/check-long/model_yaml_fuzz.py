"""Mutates the bundled model YAMLs (1-3 tokens replaced by odd values) and runs
`yoloc info` on each under AddressSanitizer/UBSan: every run must end with
status 0, 1 or 2 and no sanitizer report. Usage: model_yaml_fuzz.py YOLOC SEED COUNT"""
import os
import pathlib
import random
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
yoloc, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(seed)
sources = [(ROOT / p).read_text() for p in ("share/models/yolov8.yaml", "share/models/yolo11.yaml",
                                             "tests/fixtures/model/tiny-c3.yaml", "tests/fixtures/model/tiny-v8.yaml")]
tokens = ["-1", "0", "99", "-30", "[]", "[1, 2]", "None", "nc", "True", "abc", "3.5", "0.0", "[[1]]", "{a: 1}", "C2PSA",
          "C3k", "Detect", "Concat", "nn.Upsample", "Bottleneck", '"nearest"', "", "]", "[", "1e9", "7", "inf", "-0.5"]
word = re.compile(r'[-\w.\[\]"]+')
bad = 0
with tempfile.TemporaryDirectory() as tmp:
    for k in range(count):
        text = random.choice(sources)
        for _ in range(random.randint(1, 3)):
            spots = [m for m in word.finditer(text)]
            m = random.choice(spots)
            text = text[:m.start()] + random.choice(tokens) + text[m.end():]
        path = pathlib.Path(tmp) / f"yolov8{random.choice('nsx')}-{k}.yaml"
        path.write_text(text)
        r = subprocess.run([yoloc, "info", f"model={path}", "imgsz=64"], capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
        if r.returncode not in (0, 1, 2) or "Sanitizer" in r.stderr or "runtime error" in r.stderr:
            bad += 1
            print(f"BAD (status {r.returncode}):\n{text}\n{r.stderr[-2000:]}")
print(f"model_yaml_fuzz: {count} mutated model files, {bad} crashes or sanitizer reports")
sys.exit(1 if bad else 0)
