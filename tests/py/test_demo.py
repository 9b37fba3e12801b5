"""`make demo`'s script (tools/demo.sh) in a copy of the checkout: it executes
notebooks/01_quickstart.ipynb on the kernel with nbclient, saves the
executed notebook and says where the run, the plots and the TensorBoard logs
are. (`make demo` adds `make deps`, the build and `make install-kernel`.)"""
import os
import shutil
import subprocess

import nbformat

from kernel_util import ROOT


def test_demo_script(tmp_path):
    root = tmp_path / "checkout"
    root.mkdir()
    for name in ("bin", "share", ".venv"):
        (root / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "tools", root / "tools")
    (root / "notebooks").mkdir()
    # The notebook itself (3 minutes of BCCD training) is executed by
    # test_notebooks_execute.py; here its training is cut to 2 coco8 epochs
    # so that this test checks the script's work in seconds.
    text = (ROOT / "notebooks" / "01_quickstart.ipynb").read_text()
    assert "data=bccd.yaml epochs=12" in text and "bccd/images/val/" in text
    text = text.replace("data=bccd.yaml epochs=12", "data=coco8.yaml epochs=2")
    text = text.replace("bccd/images/val/BloodImage_000[01]*.jpg", "coco8/images/val")
    (root / "notebooks" / "01_quickstart.ipynb").write_text(text)
    jupyter = tmp_path / "jupyter"
    env = dict(os.environ, JUPYTER_DATA_DIR=str(jupyter), JUPYTER_PATH=str(jupyter))
    env.pop("YOLOC_WORKER", None)
    subprocess.run([str(ROOT / "tools" / "install-kernel.sh")], env=env, check=True, capture_output=True)
    proc = subprocess.run([str(root / "tools" / "demo.sh")], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    run = root / "notebooks/runs/detect/quickstart"
    executed = root / "notebooks/01_quickstart.executed.ipynb"
    nb = nbformat.read(executed, as_version=4)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert "demo: the executed notebook (outputs, plots and all): notebooks/01_quickstart.executed.ipynb" in out
    assert "demo: the run: notebooks/runs/detect/quickstart" in out and "quickstart  finished" in out
    assert f"    notebooks/runs/detect/quickstart/results.png" in out and (run / "results.png").exists()
    assert "events.out.tfevents." in out and list(run.glob("events.out.tfevents.*"))
    assert ".venv/bin/tensorboard --logdir notebooks/runs/detect" in out
