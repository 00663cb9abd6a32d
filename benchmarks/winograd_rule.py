"""Where Winograd F(2 x 2, 3 x 3) beats im2col + GEMM: the sweep behind ``winograd.applies``.

    python -m benchmarks.winograd_rule [--batches 32,1] [--channels 16,32,64,128,256,512]
                                       [--sizes 4,8,16,32] [--repeats 5] [--no-numba]

For each 3 x 3, stride-1, padding-1 layer with C input and C output channels on S x S images
(and the first layer's 3 -> 64), times yingshe's two paths called directly (``conv.Conv2d`` and
``winograd.Conv2dWinograd``, bypassing the dispatch): the forward without a graph and the
forward + backward (input and weight gradients), alternating chunks of each after a warm-up,
and prints the median time of each and the speed-up im2col time / Winograd time.  Time is the
calling thread's CPU time (``time.thread_time``), which on a machine shared with other jobs
varies less than wall time; run it with one BLAS thread (OPENBLAS_NUM_THREADS=1) so that all
the work is on that thread.  Layers of more than ``--max-elements`` input numbers are skipped.
Results go to benchmarks/results/winograd_rule.json.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

import yingshe
from yingshe.ops import _compiled
from yingshe.ops.conv import Conv2d
from yingshe.ops.winograd import Conv2dWinograd

from .conv_layers import _interleaved


def _paths(x, w):
    """{path: (forward without a graph, forward + backward)} for im2col and Winograd."""
    grad = yingshe.ones(x.shape[0], w.shape[0], *x.shape[2:])

    def pair(forward):
        def no_graph():
            with yingshe.no_grad():
                forward()

        def with_backward():
            x.grad = w.grad = None
            forward().backward(grad)
        return no_graph, with_backward
    return {"im2col": pair(lambda: Conv2d.apply(x, w, None, (1, 1), (1, 1), (1, 1), 1)),
            "winograd": pair(lambda: Conv2dWinograd.apply(x, w, None, (1, 1)))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="32,1")
    parser.add_argument("--channels", default="16,32,64,128,256,512")
    parser.add_argument("--sizes", default="4,8,16,32")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-elements", type=int, default=1 << 22)
    parser.add_argument("--no-numba", action="store_true", help="yingshe's pure NumPy kernels")
    args = parser.parse_args()
    _compiled.use_compiled(not args.no_numba)
    rng = np.random.default_rng(0)
    as_ints = (lambda text: [int(v) for v in text.split(",")])
    shapes = [(n, c, c, s) for n in as_ints(args.batches) for c in as_ints(args.channels)
              for s in as_ints(args.sizes)]
    shapes += [(n, 3, 64, 32) for n in as_ints(args.batches)]
    rows = []
    print(f"{'N':>3s} {'C':>4s} {'K':>4s} {'S':>3s} {'fwd im2col':>10s} {'fwd wino':>9s} "
          f"{'speed-up':>8s} {'f+b im2col':>10s} {'f+b wino':>9s} {'speed-up':>8s}  (CPU ms)")
    for n, c, k, s in shapes:
        if n * c * s * s > args.max_elements:
            continue
        x = yingshe.from_numpy(rng.standard_normal((n, c, s, s)).astype(np.float32))
        w = yingshe.from_numpy((rng.standard_normal((k, c, 3, 3)) * 0.1).astype(np.float32))
        x.requires_grad_(True)
        w.requires_grad_(True)
        paths = _paths(x, w)
        forward, both = (_interleaved({name: fns[k] for name, fns in paths.items()}, args.repeats,
                                      0.1, time.thread_time) for k in (0, 1))
        rows.append({"batch": n, "in_channels": c, "out_channels": k, "size": s,
                     "forward_ms": forward, "forward_backward_ms": both})
        print(f"{n:3d} {c:4d} {k:4d} {s:3d} {forward['im2col']:10.2f} {forward['winograd']:9.2f} "
              f"{forward['im2col'] / forward['winograd']:8.2f} {both['im2col']:10.2f} "
              f"{both['winograd']:9.2f} {both['im2col'] / both['winograd']:8.2f}", flush=True)
    out = Path(__file__).parent / "results" / "winograd_rule.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"numba": not args.no_numba, "layers": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
