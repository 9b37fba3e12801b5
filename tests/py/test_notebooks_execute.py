"""The three demo notebooks executed by nbclient on the yoloc kernel with
the real worker (bin/yoloc), in order, as `make demo` and a reader would:
01 trains on BCCD (about three minutes on two cores), 02 runs small coco8
jobs, 03 analyses 01's run and fine-tunes it in the background.
Their outputs: no errors, every PNG and JPEG decodes (at the plots' sizes),
the validation and comparison tables are there."""
import base64
import io
import os
import shutil
import time

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image

from kernel_util import ROOT, install_kernelspec

NAMES = ["01_quickstart", "02_multi_gpu_training", "03_result_analysis"]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Runs every notebook once, as `make demo` does (in a notebooks/
    directory beside share/, so `../share/...` paths hold)."""
    install_kernelspec()
    base = tmp_path_factory.mktemp("nbrun")
    (base / "share").symlink_to(ROOT / "share")
    (base / "notebooks").mkdir()
    env_before = os.environ.pop("YOLOC_WORKER", None)
    done, times = {}, {}
    try:
        for name in NAMES:
            path = base / "notebooks" / f"{name}.ipynb"
            shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", path)
            nb = nbformat.read(path, as_version=4)
            start = time.time()
            NotebookClient(nb, kernel_name="yoloc", timeout=900,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            times[name] = time.time() - start
            done[name] = nb
    finally:
        if env_before is not None:
            os.environ["YOLOC_WORKER"] = env_before
    print("notebook times:", {k: round(v, 1) for k, v in times.items()})
    return base, done, times


def outputs(nb, kind=None):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if kind is None or o.output_type == kind]


def decoded_images(nb):
    sizes = []
    for o in outputs(nb):
        for mime in ("image/png", "image/jpeg"):
            if mime in o.get("data", {}):
                image = Image.open(io.BytesIO(base64.b64decode(o.data[mime])))
                image.load()
                assert o.metadata[mime] == {"width": image.size[0], "height": image.size[1]}
                sizes.append((mime, image.size))
    return sizes


def text(nb):
    parts = [o.text for o in outputs(nb, "stream")]
    parts += [o.data["text/plain"] for o in outputs(nb) if "data" in o and "text/plain" in o.data]
    return "\n".join(parts)


@pytest.mark.parametrize("name", NAMES)
def test_no_errors_and_every_image_decodes(executed, name):
    _, notebooks, _ = executed
    nb = notebooks[name]
    assert not outputs(nb, "error")
    assert not [o.text for o in outputs(nb, "stream") if o.name == "stderr"]
    assert decoded_images(nb)
    nbformat.validate(nb)


def test_quickstart(executed):
    base, notebooks, _ = executed
    nb = notebooks["01_quickstart"]
    sizes = [s for _, s in decoded_images(nb)]
    assert (1600, 780) in sizes  # the results plot (live, and `plot results`)
    assert (1300, 820) in sizes and (1200, 1000) in sizes  # PR curve, confusion matrix of `val`
    assert (1100, 1100) in sizes  # plot labels
    assert sum(1 for m, _ in decoded_images(nb) if m == "image/jpeg") == 4  # predict's annotated images
    t = text(nb)
    assert "Class     Images  Instances" in t and "                   all         87       1137" in t
    assert "tensorboard --logdir" in t
    assert (base / "notebooks/runs/detect/quickstart/weights/best.safetensors").exists()


def test_devices_and_background_jobs(executed):
    _, notebooks, _ = executed
    nb = notebooks["02_multi_gpu_training"]
    t = text(nb)
    assert "cpu: CPU" in t and "device=0,1: " in t
    assert "device: 0,1" in t and "batch: 32" in t  # cfg: the arguments as passed
    assert "started in the background" in t
    assert (1800, 780) in [s for _, s in decoded_images(nb)]  # compare.png
    table = [o for o in outputs(nb, "execute_result") if "text/html" in o.data][-1]
    assert "small_lr" in table.data["text/html"] and "large_lr" in table.data["text/html"]


def test_result_analysis(executed):
    _, notebooks, _ = executed
    nb = notebooks["03_result_analysis"]
    sizes = [s for _, s in decoded_images(nb)]
    assert sizes.count((1200, 1000)) >= 3  # val's matrix (twice) and both plotted matrices
    assert sizes.count((1300, 820)) >= 5  # PR (val twice, plot pr), F1, P, R
    assert (1800, 780) in sizes and (1100, 1100) in sizes
    t = text(nb)
    assert t.count("Class     Images  Instances") >= 2
    assert "finetune" in t and "quickstart_train_split" in t


def test_the_set_runs_in_under_ten_minutes(executed):
    _, _, times = executed
    assert sum(times.values()) < 600, times
