"""Run one workload in one framework, alone in this process, and print a JSON line:
``{"steps_per_s", "items_per_s", "peak_rss_mib", "parameters", "steps", "threads"}``.

    python -m benchmarks.run_one yingshe lenet_b64 --threads 2 [--steps 200]

This is how ``python -m benchmarks`` measures: a fresh process per framework, workload and round,
as a user runs one framework per process.  Build the workload, warm it up (a tenth of the timed
steps, at least 2: caches, allocator, lazy initialisation), time ``--steps`` steps (the
workload's own count by default), then read the process's peak resident set size.  NumPy's BLAS
fixes its thread count when it loads, so when ``OPENBLAS_NUM_THREADS`` and ``OMP_NUM_THREADS``
differ from ``--threads`` the script starts itself again with them set, before NumPy is
imported; PyTorch gets ``torch.set_num_threads`` as well.
"""
import argparse
import json
import os
import resource
import sys
import time

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("framework", choices=("yingshe", "torch"))
    parser.add_argument("workload")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default: the "
                        "workload's count in benchmarks/workloads.py)")
    args = parser.parse_args()
    if any(os.environ.get(name) != str(args.threads) for name in THREAD_VARIABLES):
        env = dict(os.environ, **dict.fromkeys(THREAD_VARIABLES, str(args.threads)))
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks.run_one"] + sys.argv[1:],
                  env)
    from .workloads import WORKLOADS  # imports NumPy: only once the thread count is set
    if args.workload not in WORKLOADS:
        parser.error(f"unknown workload {args.workload!r}; known: {', '.join(sorted(WORKLOADS))}")
    if args.framework == "torch":
        import torch as fw
        fw.set_num_threads(args.threads)
    else:
        import yingshe as fw
    builder, arguments, steps = WORKLOADS[args.workload]
    steps = args.steps or steps
    step, items, model = builder(fw, *arguments)
    for _ in range(max(2, steps // 10)):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    json.dump({"steps_per_s": steps / seconds, "items_per_s": steps * items / seconds,
               "peak_rss_mib": peak, "parameters": sum(p.numel() for p in model.parameters()),
               "steps": steps, "threads": args.threads}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
