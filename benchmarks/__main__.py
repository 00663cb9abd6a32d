"""The benchmark suite: every workload in yingshe and in PyTorch, each framework alone in a
fresh process, as a user runs it.

    python -m benchmarks [--rounds 3] [--only lenet_b64,mlp_b64] [--threads 2] [--scaling]

For each workload and each of ``--rounds`` rounds, each framework runs the workload in a fresh
process (``benchmarks.run_one``: build, warm up, time a fixed number of steps, report steps per
second and peak RSS); yingshe goes first in odd rounds and PyTorch in even ones, so neither
always meets the machine as the other left it.  The table gives the median over the rounds of
each framework's steps per second and peak RSS, and the ratio of the medians, yingshe / PyTorch
(higher is better for yingshe).  Both frameworks use the same number of threads
(OPENBLAS_NUM_THREADS and OMP_NUM_THREADS, and ``torch.set_num_threads``).  ``--scaling`` also
runs the convolutional workloads (``workloads.CONVOLUTION``) at 1 and 2 threads and reports each
framework's speed-up.  Timing both frameworks in one process (``benchmarks.interleaved``) slows
PyTorch and is kept for finding hot spots only.

Results, with the machine, the versions and the load average at the start and the end, go to
benchmarks/results/suite.json (suite-partial.json for a run with ``--only`` or ``--steps``)."""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

from .peers import run_json
from .workloads import CONVOLUTION, WORKLOADS

RESULTS = Path(__file__).parent / "results"
FRAMEWORKS = ("yingshe", "torch")


def run_one(framework, workload, threads, steps=None):
    """One fresh ``benchmarks.run_one`` process; its JSON result."""
    return run_json([sys.executable, "-m", "benchmarks.run_one", framework, workload,
                     "--threads", str(threads)] + (["--steps", str(steps)] if steps else []),
                    threads)


def measure(workload, threads, rounds, steps=None):
    """Median steps/s and peak RSS of each framework over ``rounds`` rounds of fresh processes,
    yingshe first in odd rounds and PyTorch first in even ones, with every round's figures."""
    runs = {framework: [] for framework in FRAMEWORKS}
    for round_index in range(rounds):
        order = FRAMEWORKS if round_index % 2 == 0 else FRAMEWORKS[::-1]
        for framework in order:
            runs[framework].append(run_one(framework, workload, threads, steps))
    row = {"threads": threads}
    for framework, results in runs.items():
        row[f"{framework}_steps_per_s"] = statistics.median(r["steps_per_s"] for r in results)
        row[f"{framework}_items_per_s"] = statistics.median(r["items_per_s"] for r in results)
        row[f"{framework}_peak_rss_mib"] = statistics.median(r["peak_rss_mib"] for r in results)
        row[f"{framework}_parameters"] = results[0]["parameters"]
        row[f"{framework}_rounds_steps_per_s"] = [r["steps_per_s"] for r in results]
    row["timed_steps"] = runs["yingshe"][0]["steps"]
    if row["yingshe_parameters"] != row["torch_parameters"]:
        raise SystemExit(f"{workload}: the twins differ: yingshe has {row['yingshe_parameters']:,}"
                         f" parameters, PyTorch {row['torch_parameters']:,}")
    row["ratio"] = row["yingshe_steps_per_s"] / row["torch_steps_per_s"]
    return row


def _machine(threads, rounds):
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip()
                   for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in ("numpy", "torch", "numba"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "threads": threads, "rounds": rounds,
            "python": platform.python_version(), **versions,
            "yingshe_env": {k: v for k, v in os.environ.items() if k.startswith("YINGSHE_")},
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_average_start": os.getloadavg()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, choices=(1, 2), default=2)
    parser.add_argument("--only", default=None, help="comma-separated workload names")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps for every workload (a quick check; default: each "
                             "workload's own count)")
    parser.add_argument("--scaling", action="store_true",
                        help="also run the convolutional workloads at 1 and 2 threads")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(WORKLOADS)
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; known: {', '.join(WORKLOADS)}")
    meta = _machine(args.threads, args.rounds)
    print(f"{meta['cpu']}, {meta['cores']} cores, {args.threads} threads each, median of "
          f"{args.rounds} rounds; load average at start {meta['load_average_start'][0]:.2f}",
          flush=True)
    print(f"{'workload':20s} {'yingshe/s':>10s} {'torch/s':>10s} {'ratio':>6s} "
          f"{'MiB ys':>7s} {'MiB torch':>9s} {'parameters':>11s}", flush=True)
    measured = {}
    for name in names:
        row = measured[name, args.threads] = measure(name, args.threads, args.rounds,
                                                     args.steps)
        print(f"{name:20s} {row['yingshe_steps_per_s']:10.2f} {row['torch_steps_per_s']:10.2f} "
              f"{row['ratio']:6.2f} {row['yingshe_peak_rss_mib']:7.0f} "
              f"{row['torch_peak_rss_mib']:9.0f} {row['yingshe_parameters']:11,d}", flush=True)
    scaling = {}
    if args.scaling:
        print(f"\n{'2 threads / 1':20s} {'yingshe':>10s} {'torch':>10s}", flush=True)
        for name in (name for name in names if name in CONVOLUTION):
            rows = [measured.get((name, threads)) or measure(name, threads, args.rounds,
                                                             args.steps)
                    for threads in (1, 2)]
            scaling[name] = {f"{framework}_speedup": rows[1][f"{framework}_steps_per_s"] /
                             rows[0][f"{framework}_steps_per_s"] for framework in FRAMEWORKS}
            scaling[name]["by_threads"] = rows
            print(f"{name:20s} {scaling[name]['yingshe_speedup']:10.2f} "
                  f"{scaling[name]['torch_speedup']:10.2f}", flush=True)
    meta["load_average_end"] = os.getloadavg()
    print(f"load average at end {meta['load_average_end'][0]:.2f}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("suite-partial.json" if args.only or args.steps else "suite.json")
    table = {name: measured[name, args.threads] for name in names}
    out.write_text(json.dumps({"machine": meta, "workloads": table, "scaling": scaling},
                              indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
