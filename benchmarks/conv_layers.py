"""Single convolution layers, forward + backward, yingshe vs PyTorch in the same process.

    python -m benchmarks.conv_layers [--layers lenet2_b64,dcgan_g2] [--repeats 9] [--no-numba]

The layer shapes are those of the suite's models: LeNet-5 (batch 64 and 256), the DCGAN of
``yingshe train dcgan`` (batch 64) and ResNet-18's CIFAR stages (batch 32).  Each layer is
timed as forward alone (no graph) and forward + backward (gradients of input and weight),
alternating yingshe and PyTorch chunks after a warm-up; medians in milliseconds and the ratio
PyTorch time / yingshe time (above 1: yingshe is faster) are printed and saved to
benchmarks/results/conv_layers.json.  Both use the same number of threads.  ``--no-numba``
times yingshe's pure NumPy kernels.
"""
import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import yingshe
from yingshe.ops import _compiled

from .op_overhead import _blas_threads

# name -> (conv or transposed conv, input shape, weight shape, stride, padding)
LAYERS = {
    "lenet1_b64": ("conv", (64, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    "lenet2_b64": ("conv", (64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    "lenet1_b256": ("conv", (256, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    "lenet2_b256": ("conv", (256, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    "dcgan_d1": ("conv", (64, 1, 28, 28), (64, 1, 4, 4), 2, 1),
    "dcgan_d2": ("conv", (64, 64, 14, 14), (128, 64, 4, 4), 2, 1),
    "dcgan_d3": ("conv", (64, 128, 7, 7), (1, 128, 7, 7), 1, 0),
    "dcgan_g1": ("transposed", (64, 100, 1, 1), (100, 256, 7, 7), 1, 0),
    "dcgan_g2": ("transposed", (64, 256, 7, 7), (256, 128, 4, 4), 2, 1),
    "dcgan_g3": ("transposed", (64, 128, 14, 14), (128, 1, 4, 4), 2, 1),
    "resnet_64": ("conv", (32, 64, 32, 32), (64, 64, 3, 3), 1, 1),
    "resnet_128_stride2": ("conv", (32, 64, 32, 32), (128, 64, 3, 3), 2, 1),
    "resnet_256": ("conv", (32, 256, 8, 8), (256, 256, 3, 3), 1, 1),
    "resnet_512": ("conv", (32, 512, 4, 4), (512, 512, 3, 3), 1, 1),
}


def _layer(fw, kind, x, w, stride, padding):
    """(forward without a graph, forward + backward) closures for one framework."""
    functional = fw.nn.functional
    conv = functional.conv2d if kind == "conv" else functional.conv_transpose2d
    xt = fw.from_numpy(x.copy()).requires_grad_(True)
    wt = fw.from_numpy(w.copy()).requires_grad_(True)
    with fw.no_grad():
        out_shape = tuple(conv(xt, wt, None, stride, padding).shape)
    grad = fw.from_numpy(np.random.default_rng(1).standard_normal(out_shape).astype(np.float32))

    def forward():
        with fw.no_grad():
            conv(xt, wt, None, stride, padding)

    def forward_backward():
        xt.grad = wt.grad = None
        conv(xt, wt, None, stride, padding).backward(grad)
    return forward, forward_backward


def _milliseconds(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e3


def _interleaved(ours, theirs, repeats, budget_s=0.2):
    """Median ms of each, alternating chunks sized to ~``budget_s`` after one warm-up call."""
    ours(), theirs()
    number = max(1, int(budget_s / max(_milliseconds(ours, 1), 1e-3) * 1e3))
    times = {"yingshe": [], "torch": []}
    for _ in range(repeats):
        times["yingshe"].append(_milliseconds(ours, number))
        times["torch"].append(_milliseconds(theirs, number))
    return statistics.median(times["yingshe"]), statistics.median(times["torch"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default=",".join(LAYERS),
                        help="comma-separated names (default: all): " + ", ".join(LAYERS))
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-numba", action="store_true", help="yingshe's pure NumPy kernels")
    args = parser.parse_args()
    names = args.layers.split(",")
    unknown = [name for name in names if name not in LAYERS]
    if unknown:
        parser.error(f"unknown layers {unknown}; choose from {', '.join(LAYERS)}")
    _compiled.use_compiled(not args.no_numba)
    threads = _blas_threads()
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    rows = {}
    print(f"{'layer':20s} {'fwd ys':>8s} {'fwd torch':>9s} {'f+b ys':>8s} {'f+b torch':>9s} "
          f"{'ratio f+b':>9s}   (ms; ratio = torch / yingshe, {threads} threads)")
    for name in names:
        kind, x_shape, w_shape, stride, padding = LAYERS[name]
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = (rng.standard_normal(w_shape) * 0.1).astype(np.float32)
        (ys_f, ys_fb), (pt_f, pt_fb) = (_layer(fw, kind, x, w, stride, padding)
                                        for fw in (yingshe, torch))
        fwd = _interleaved(ys_f, pt_f, args.repeats)
        both = _interleaved(ys_fb, pt_fb, args.repeats)
        rows[name] = {"forward_ms": dict(zip(("yingshe", "torch"), fwd)),
                      "forward_backward_ms": dict(zip(("yingshe", "torch"), both)),
                      "ratio_forward_backward": both[1] / both[0]}
        print(f"{name:20s} {fwd[0]:8.2f} {fwd[1]:9.2f} {both[0]:8.2f} {both[1]:9.2f} "
              f"{both[1] / both[0]:9.2f}", flush=True)
    out = Path(__file__).parent / "results" / "conv_layers.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"threads": threads, "numba": not args.no_numba, "layers": rows},
                              indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
