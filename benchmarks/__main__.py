"""The benchmark suite: every workload in yingshe and in PyTorch, median of interleaved repeats.

    python -m benchmarks [--repeats 7] [--only lenet_b64,mlp_b64] [--threads 2]

Speed: one process per workload builds the workload in both frameworks, warms both up, then
alternates timed chunks (yingshe, torch, yingshe, ...) so that both see the same machine state;
the median chunk of each gives steps per second and the ratio yingshe / PyTorch (higher is
better for yingshe).  Memory: each framework runs the workload alone in a fresh process
(``benchmarks.run_one``) and reports its peak RSS.  Both frameworks use the same number of
threads (OpenBLAS via OPENBLAS_NUM_THREADS, torch.set_num_threads).  Results are printed and
saved to benchmarks/results/suite.json."""
import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from .workloads import WORKLOADS

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).parent.parent


def _python(args, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m"] + args, capture_output=True, text=True, env=env,
                         check=True, cwd=ROOT)
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
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--only", default=None, help="comma-separated workload names")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS runs")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(WORKLOADS)
    rows = {}
    print(f"{'workload':20s} {'yingshe/s':>10s} {'torch/s':>10s} {'ratio':>6s} "
          f"{'MiB ys':>7s} {'MiB torch':>9s}", flush=True)
    for name in names:
        speed = _python(["benchmarks.interleaved", name, "--repeats", str(args.repeats),
                         "--threads", str(args.threads)], args.threads)
        row = dict(speed)
        if not args.no_memory:
            for framework in ("yingshe", "torch"):
                row[f"{framework}_peak_rss_mib"] = _python(
                    ["benchmarks.run_one", framework, name, "--threads", str(args.threads),
                     "--steps", "3"], args.threads)["peak_rss_mib"]
        rows[name] = row
        memory = (f"{row['yingshe_peak_rss_mib']:7.0f} {row['torch_peak_rss_mib']:9.0f}"
                  if not args.no_memory else "")
        print(f"{name:20s} {row['yingshe_steps_per_s']:10.2f} {row['torch_steps_per_s']:10.2f} "
              f"{row['ratio']:6.2f} {memory}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    import numpy
    import torch
    meta = {"cpu": _cpu_name(), "cores": os.cpu_count(), "threads": args.threads,
            "numpy": numpy.__version__, "torch": torch.__version__, "repeats": args.repeats,
            "python": platform.python_version()}
    out = RESULTS / ("suite.json" if not args.only else "suite-partial.json")
    out.write_text(json.dumps({"machine": meta, "workloads": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
