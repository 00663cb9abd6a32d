"""Time one workload in both frameworks in this process, interleaved, and print a JSON line
with the median steps per second of each and their ratio.

    python -m benchmarks.interleaved lenet_b64 --repeats 7

A tool for finding hot spots and checking a change quickly, not for the table: with both
frameworks in one process, PyTorch's OpenMP pool and NumPy's OpenBLAS pool spin against each
other and PyTorch runs slower than alone (issue 29: LeNet-5 batch 64 at 79 steps/s here against
128-143 in its own process).  ``python -m benchmarks`` times each framework in a fresh process.
"""
import argparse
import json
import statistics
import sys
import time

import torch

import yingshe

from .workloads import WORKLOADS


def _chunk(step, count):
    start = time.perf_counter()
    for _ in range(count):
        step()
    return count / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    builder, arguments, steps = WORKLOADS[args.workload]
    frameworks = {"yingshe": yingshe, "torch": torch}
    built = {name: builder(fw, *arguments)[:2] for name, fw in frameworks.items()}
    repeats = min(args.repeats, steps)  # slow workloads (an epoch, ResNet) get fewer repeats
    chunk = max(1, steps // repeats)
    for step, _ in built.values():  # warm-up: caches, allocator, lazy initialisation
        _chunk(step, 1 if steps <= 5 else max(2, chunk // 2))
    rates = {name: [] for name in frameworks}
    for _ in range(repeats):
        for name, (step, _) in built.items():
            rates[name].append(_chunk(step, chunk))
    median = {name: statistics.median(r) for name, r in rates.items()}
    items = built["yingshe"][1]
    json.dump({"yingshe_steps_per_s": median["yingshe"], "torch_steps_per_s": median["torch"],
               "ratio": median["yingshe"] / median["torch"], "items_per_step": items,
               "chunk_steps": chunk, "rates": rates}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
