"""The demo notebooks are valid notebooks for the yoloc kernel, and every
code cell is complete text in the cell language with known commands (the
kernel's own is_complete says so). test_notebooks_execute.py executes them."""
import nbformat
import pytest

from kernel_util import ROOT, shell_reply, start_kernel, stop_kernel

NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.endswith(".executed.ipynb"))


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    km, kc = start_kernel(tmp_path_factory.mktemp("notebooks"))
    yield kc
    stop_kernel(km, kc)


def test_the_three_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_quickstart.ipynb", "02_multi_gpu_training.ipynb",
                                           "03_result_analysis.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_cells_are_complete_commands(kernel, path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "yoloc"
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert cells
    for cell in cells:
        assert not cell.outputs, f"{path.name}: committed with outputs"
        msg_id = kernel.is_complete(cell.source)
        status = shell_reply(kernel, msg_id)["content"]["status"]
        assert status == "complete", f"{path.name}: {cell.source!r} is {status}"
