"""The benchmark suite: every workload in yingshe and in PyTorch, interleaved, one process per
run (so peak memory is each framework's own), median of the repeats.

    python -m benchmarks [--repeats 3] [--only lenet_b64,mlp_b64] [--threads 2]

Prints steps per second and the ratio yingshe / PyTorch (higher is better for yingshe) and
writes benchmarks/results/suite.json.  Both frameworks use the same number of threads
(OpenBLAS through OPENBLAS_NUM_THREADS for NumPy, torch.set_num_threads for PyTorch)."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from .workloads import WORKLOADS

RESULTS = Path(__file__).parent / "results"


def _run(framework, workload, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-m", "benchmarks.run_one", framework, workload,
                          "--threads", str(threads)], capture_output=True, text=True, env=env,
                         check=True, cwd=Path(__file__).parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--only", default=None, help="comma-separated workload names")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(WORKLOADS)
    rows = {}
    print(f"{'workload':20s} {'yingshe/s':>10s} {'torch/s':>10s} {'ratio':>6s} "
          f"{'MiB ys':>7s} {'MiB torch':>9s}", flush=True)
    for name in names:
        runs = {"yingshe": [], "torch": []}
        for _ in range(args.repeats):  # interleaved: yingshe, torch, yingshe, torch, ...
            for framework in runs:
                runs[framework].append(_run(framework, name, args.threads))
        median = {fw: statistics.median(r["steps_per_s"] for r in runs[fw]) for fw in runs}
        memory = {fw: max(r["peak_rss_mib"] for r in runs[fw]) for fw in runs}
        rows[name] = {"yingshe_steps_per_s": median["yingshe"],
                      "torch_steps_per_s": median["torch"],
                      "ratio": median["yingshe"] / median["torch"],
                      "yingshe_peak_rss_mib": memory["yingshe"],
                      "torch_peak_rss_mib": memory["torch"], "runs": runs}
        print(f"{name:20s} {median['yingshe']:10.2f} {median['torch']:10.2f} "
              f"{rows[name]['ratio']:6.2f} {memory['yingshe']:7.0f} {memory['torch']:9.0f}",
              flush=True)
    RESULTS.mkdir(exist_ok=True)
    import numpy
    import torch
    meta = {"cpu": _cpu_name(), "cores": os.cpu_count(), "threads": args.threads,
            "numpy": numpy.__version__, "torch": torch.__version__, "repeats": args.repeats,
            "python": platform.python_version()}
    (RESULTS / "suite.json").write_text(json.dumps({"machine": meta, "workloads": rows},
                                                   indent=1))
    print(f"wrote {RESULTS / 'suite.json'}")


if __name__ == "__main__":
    main()
