"""Per-op time on small and medium tensors, yingshe vs PyTorch in the same process.

    python -m benchmarks.op_overhead [--repeats 7] [--number 2000]

For add, mul, matmul and sum on 16x16 and 256x256 float32, times the forward without and with
gradient tracking (inputs that require grad, so a graph is recorded) and forward + backward (interleaved: yingshe, torch, yingshe, ...; warm-up
first; the median of the repeats), prints microseconds per op and the ratio yingshe / PyTorch,
and saves the table to benchmarks/results/op_overhead.json.  Both run on the same number of
threads.  The target for the core: add on 16x16 with grad tracking <= 2x PyTorch.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

import yingshe

OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "matmul": lambda a, b: a @ b,
    "sum": lambda a, b: a.sum(),
}


def _blas_threads():
    """Threads OpenBLAS uses in this process (torch is set to the same)."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(variable):
            return int(os.environ[variable])
    return os.cpu_count() or 1


def _timer(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e6


def _cases(module, size, mode, op):
    grad = mode != "forward"
    rng = np.random.default_rng(0)
    a_np, b_np = (rng.standard_normal((size, size)).astype(np.float32) for _ in range(2))
    if module is torch:
        a, b = torch.from_numpy(a_np).requires_grad_(grad), torch.from_numpy(b_np).requires_grad_(grad)
    else:
        a, b = yingshe.from_numpy(a_np).requires_grad_(grad), yingshe.from_numpy(b_np).requires_grad_(grad)
    fn = OPS[op]
    if mode != "forward+backward":
        return lambda: fn(a, b)
    seed = module.ones(()) if op == "sum" else module.ones(size, size)

    def forward_backward():
        fn(a, b).backward(seed)
        a.grad = b.grad = None
    return forward_backward


def run(repeats=7, number=2000):
    torch.set_num_threads(_blas_threads())
    rows = []
    for size in (16, 256):
        n = number if size == 16 else max(number // 20, 20)
        for op in OPS:
            for mode in ("forward", "forward, grad tracked", "forward+backward"):
                fns = {"yingshe": _cases(yingshe, size, mode, op),
                       "torch": _cases(torch, size, mode, op)}
                for fn in fns.values():
                    _timer(fn, max(n // 10, 5))  # warm-up
                times = {"yingshe": [], "torch": []}
                for _ in range(repeats):
                    for name, fn in fns.items():
                        times[name].append(_timer(fn, n))
                ours, theirs = (statistics.median(times[k]) for k in ("yingshe", "torch"))
                rows.append({"op": op, "size": f"{size}x{size}",
                             "pass": mode,
                             "yingshe_us": round(ours, 2), "torch_us": round(theirs, 2),
                             "ratio": round(ours / theirs, 2)})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    rows = run(args.repeats, args.number)
    print(f"{'op':8s} {'size':8s} {'pass':22s} {'yingshe us':>11s} {'torch us':>9s} {'ratio':>6s}")
    for r in rows:
        print(f"{r['op']:8s} {r['size']:8s} {r['pass']:22s} {r['yingshe_us']:11.2f} "
              f"{r['torch_us']:9.2f} {r['ratio']:6.2f}")
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    path = os.path.join(os.path.dirname(__file__), "results", "op_overhead.json")
    with open(path, "w") as f:
        json.dump({"threads": torch.get_num_threads(), "torch": torch.__version__,
                   "numpy": np.__version__, "rows": rows}, f, indent=1)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
