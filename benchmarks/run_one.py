"""Run one workload in one framework in this process and print a JSON line:
``{"items_per_s": ..., "steps_per_s": ..., "peak_rss_mib": ...}``.

    python -m benchmarks.run_one yingshe lenet_b64 --threads 2
"""
import argparse
import json
import resource
import sys
import time

from .workloads import WORKLOADS


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("framework", choices=("yingshe", "torch"))
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args()
    if args.framework == "torch":
        import torch as fw
        fw.set_num_threads(args.threads)
    else:
        import yingshe as fw
    builder, arguments, steps = WORKLOADS[args.workload]
    steps = args.steps or steps
    step, items = builder(fw, *arguments)
    for _ in range(max(2, steps // 10)):  # warm-up: caches, allocator, lazy initialisation
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    json.dump({"steps_per_s": steps / seconds, "items_per_s": steps * items / seconds,
               "peak_rss_mib": peak}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
