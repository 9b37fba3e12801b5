"""A notebook executed by nbclient on the yoloc kernel (with
tests/bin/emit_events as the training worker): the outputs a saved notebook
keeps, the live display folded into its final state."""
import os

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from kernel_util import EMIT_EVENTS, install_kernelspec


def test_nbclient_runs_a_notebook(tmp_path, monkeypatch):
    install_kernelspec()
    monkeypatch.setenv("YOLOC_WORKER", str(EMIT_EVENTS))
    monkeypatch.setenv("EMIT_BATCHES", "6")
    nb = new_notebook(cells=[
        new_code_cell("help epochs"),
        new_code_cell("train model=yolov8n.yaml data=coco8.yaml epochs=2 name=nb"),
        new_code_cell("cfg epochs=2 imgsz=320"),
        new_code_cell("jobs\ntensorboard"),
    ], metadata={"kernelspec": {"name": "yoloc", "display_name": "YOLO (C)", "language": "yoloc"}})
    client = NotebookClient(nb, kernel_name="yoloc", timeout=60, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    help_out, train_out, cfg_out, jobs_out = (c.outputs for c in nb.cells)
    assert help_out[0].output_type == "stream" and "epochs=100" in help_out[0].text
    displays = [o for o in train_out if o.output_type == "display_data"]
    assert len(displays) == 1  # the live display, updated in place to its final state
    assert "100%" in displays[0].data["text/plain"] and "finished" in displays[0].data["text/plain"]
    assert not [o for o in train_out if o.output_type == "error"]
    assert "Results saved to runs/detect/nb" in "".join(o.text for o in train_out if o.output_type == "stream")
    assert cfg_out[0].output_type == "execute_result" and "imgsz: 320" in cfg_out[0].data["text/plain"]
    assert [o.output_type for o in jobs_out] == ["execute_result", "display_data"]
    assert (tmp_path / "runs/detect/nb/weights/last.safetensors").exists()
    nbformat.validate(nb)


def test_run_notebook_tool(tmp_path):
    import subprocess
    from kernel_util import ROOT
    install_kernelspec()
    good = tmp_path / "good.ipynb"
    bad = tmp_path / "bad.ipynb"
    meta = {"kernelspec": {"name": "yoloc", "display_name": "YOLO (C)", "language": "yoloc"}}
    nbformat.write(new_notebook(cells=[new_code_cell("train epochs=1"), new_code_cell("jobs")], metadata=meta), good)
    nbformat.write(new_notebook(cells=[new_code_cell("train epoch=1"), new_code_cell("jobs")], metadata=meta), bad)
    env = dict(os.environ, YOLOC_WORKER=str(EMIT_EVENTS))
    tool = [str(ROOT / ".venv/bin/python"), str(ROOT / "tools/run-notebook.py")]
    proc = subprocess.run(tool + [str(good)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    executed = nbformat.read(tmp_path / "good.executed.ipynb", as_version=4)
    assert executed.cells[1].outputs[0].output_type == "execute_result"
    assert (tmp_path / "runs/detect/train/weights/last.safetensors").exists()
    proc = subprocess.run(tool + [str(bad)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "unknown argument 'epoch'" in proc.stderr
