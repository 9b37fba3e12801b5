"""Executes a notebook on the yoloc kernel with nbclient, in the notebook's
directory, and saves the executed copy next to it as NAME.executed.ipynb.
Exit status 1, naming the cell and the error, if a cell fails.

    .venv/bin/python tools/run-notebook.py notebooks/01_quickstart.ipynb [--timeout SECONDS]

The kernelspec "yoloc" must be installed (make install-kernel) or on
JUPYTER_PATH."""
import argparse
import pathlib
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=pathlib.Path)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    args = parser.parse_args()
    path = args.notebook.resolve()
    nb = nbformat.read(path, as_version=4)
    out = path.with_name(path.stem + ".executed.ipynb")
    client = NotebookClient(nb, kernel_name="yoloc", timeout=args.timeout,
                            resources={"metadata": {"path": str(path.parent)}})
    status = 0
    try:
        client.execute()
    except CellExecutionError as e:
        status = 1
        print(f"run-notebook: {path.name}: a cell failed:\n{e}", file=sys.stderr)
    finally:
        nbformat.write(nb, out)
    print(f"run-notebook: executed {path.name} -> {out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
