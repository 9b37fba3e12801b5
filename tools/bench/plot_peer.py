"""The peer of tests/bin/plot_bench: Ultralytics' own matplotlib plots of the
same run files (plot_results on results.csv, plot_pr_curve on the curves of
validation.json), timed the same way: mean of N runs after one warm-up, import
time excluded, PNG written to a temporary directory (matplotlib cannot encode
to memory through these functions). Run with the reference venv (.venv-ref)."""
import json
import pathlib
import shutil
import sys
import tempfile
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from ultralytics.utils.metrics import plot_pr_curve  # noqa: E402
from ultralytics.utils.plotting import plot_results  # noqa: E402


def mean_ms(fn, reps):
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) * 1000 / reps


def main():
    run = pathlib.Path(sys.argv[1])
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    tmp = pathlib.Path(tempfile.mkdtemp())
    try:
        shutil.copy(run / "results.csv", tmp / "results.csv")

        def results():
            plot_results(file=str(tmp / "results.csv"))

        def pr():
            v = json.loads((run / "validation.json").read_text())
            px = np.array(v["curves"]["x"])
            py = [np.array(row) for row in v["curves"]["pr"]]
            ap = np.array([c["ap"] for c in v["per_class"]])
            names = {i: c["name"] for i, c in enumerate(v["per_class"])}
            plot_pr_curve(px, py, ap, tmp / "PR_curve.png", names)

        print(f"results_ms={mean_ms(results, reps):.2f} pr_ms={mean_ms(pr, reps):.2f}")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
