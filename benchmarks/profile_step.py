"""Where a yingshe workload's step spends its time: cProfile of repeated steps.

    python -m benchmarks.profile_step lenet_b64 [--steps 100] [--top 15] [--no-numba]

Warms the workload up, times ``--steps`` steps (milliseconds per step, no profiler), then
profiles as many again and prints the functions with the most time of their own, per step.
A tool for finding hot spots; the speed table comes from ``python -m benchmarks``.
"""
import argparse
import cProfile
import pstats
import time

import yingshe
from yingshe.ops import _compiled

from .workloads import WORKLOADS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-numba", action="store_true", help="yingshe's pure NumPy kernels")
    args = parser.parse_args()
    _compiled.use_compiled(not args.no_numba)
    build, arguments, _ = WORKLOADS[args.workload]
    step = build(yingshe, *arguments)[0]
    for _ in range(max(2, args.steps // 10)):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    print(f"{args.workload}: {(time.perf_counter() - start) / args.steps * 1e3:.2f} ms per step "
          f"({args.steps} steps, no profiler)")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.steps):
        step()
    profile.disable()
    stats = pstats.Stats(profile)
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:args.top]
    print(f"{'own ms/step':>12s} {'calls/step':>10s}  function")
    for (path, line, name), (_, calls, own, _, _) in rows:
        print(f"{own / args.steps * 1e3:12.3f} {calls / args.steps:10.1f}  "
              f"{path.split('site-packages/')[-1]}:{line}({name})")


if __name__ == "__main__":
    main()
