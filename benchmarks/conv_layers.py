"""Single convolution layers, forward + backward, yingshe vs PyTorch in the same process.

    python -m benchmarks.conv_layers [--layers lenet2_b64,dcgan_g2] [--repeats 9] [--no-numba]
                                     [--im2col]

The layer shapes are those of the suite's models: LeNet-5 (batch 64 and 256), the DCGAN of
``yingshe train dcgan`` (batch 64), ResNet-18's, VGG-11's and GoogLeNet's small-image stages
(batch 32), MobileNetV2's depthwise convolutions (batch 32) and two grouped convolutions of
ResNeXt-50 32x4d (batch 8).  Each layer is timed as forward alone (no graph) and forward +
backward (gradients of input and weight), alternating yingshe and PyTorch chunks after a
warm-up; medians in milliseconds and the ratio PyTorch time / yingshe time (above 1: yingshe is
faster) are printed and saved to benchmarks/results/conv_layers.json.  Both use the same number
of threads.  ``--no-numba`` times yingshe's pure NumPy kernels; ``--im2col`` also times yingshe
with the Winograd and depthwise paths switched off (``winograd.use_winograd(False)``,
``depthwise.use_depthwise(False)``) in the same alternation, for a before/after of the layers
that conv2d sends to them.
"""
import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import yingshe
from yingshe.ops import _compiled, depthwise, winograd

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
    "resnet_128": ("conv", (32, 128, 16, 16), (128, 128, 3, 3), 1, 1),
    "resnet_256": ("conv", (32, 256, 8, 8), (256, 256, 3, 3), 1, 1),
    "resnet_512": ("conv", (32, 512, 4, 4), (512, 512, 3, 3), 1, 1),
    "vgg_3_64": ("conv", (32, 3, 32, 32), (64, 3, 3, 3), 1, 1),
    "vgg_64_128": ("conv", (32, 64, 16, 16), (128, 64, 3, 3), 1, 1),
    "vgg_128_256": ("conv", (32, 128, 8, 8), (256, 128, 3, 3), 1, 1),
    "googlenet_64_192": ("conv", (32, 64, 32, 32), (192, 64, 3, 3), 1, 1),
    "googlenet_96_128": ("conv", (32, 96, 16, 16), (128, 96, 3, 3), 1, 1),
    "googlenet_16_32": ("conv", (32, 16, 16, 16), (32, 16, 3, 3), 1, 1),
    "googlenet_112_224": ("conv", (32, 112, 8, 8), (224, 112, 3, 3), 1, 1),
    # MobileNetV2's 3x3 depthwise convolutions (groups = channels: the weight has one input
    # channel), small-image variant of the suite, and two grouped layers of ResNeXt-50 32x4d
    "mobilenet_dw32": ("conv", (32, 32, 32, 32), (32, 1, 3, 3), 1, 1),
    "mobilenet_dw96": ("conv", (32, 96, 32, 32), (96, 1, 3, 3), 1, 1),
    "mobilenet_dw144": ("conv", (32, 144, 32, 32), (144, 1, 3, 3), 1, 1),
    "mobilenet_dw144_stride2": ("conv", (32, 144, 32, 32), (144, 1, 3, 3), 2, 1),
    "mobilenet_dw192": ("conv", (32, 192, 16, 16), (192, 1, 3, 3), 1, 1),
    "mobilenet_dw192_stride2": ("conv", (32, 192, 16, 16), (192, 1, 3, 3), 2, 1),
    "mobilenet_dw384": ("conv", (32, 384, 8, 8), (384, 1, 3, 3), 1, 1),
    "mobilenet_dw576": ("conv", (32, 576, 8, 8), (576, 1, 3, 3), 1, 1),
    "mobilenet_dw576_stride2": ("conv", (32, 576, 8, 8), (576, 1, 3, 3), 2, 1),
    "mobilenet_dw960": ("conv", (32, 960, 4, 4), (960, 1, 3, 3), 1, 1),
    "resnext_128_g32": ("conv", (8, 128, 32, 32), (128, 4, 3, 3), 1, 1),
    "resnext_1024_g32": ("conv", (8, 1024, 4, 4), (1024, 32, 3, 3), 1, 1),
}


def _layer(fw, kind, x, w, stride, padding):
    """(forward without a graph, forward + backward) closures for one framework."""
    functional = fw.nn.functional
    if kind == "conv":
        groups = x.shape[1] // w.shape[1]

        def conv(x, w, b, stride, padding):
            return functional.conv2d(x, w, b, stride, padding, groups=groups)
    else:
        conv = functional.conv_transpose2d
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


def _milliseconds(fn, number, clock=time.perf_counter):
    start = clock()
    for _ in range(number):
        fn()
    return (clock() - start) / number * 1e3


def _without_winograd(fn):
    """``fn`` run with conv2d's Winograd and depthwise paths switched off (im2col only)."""
    def run():
        old = winograd.use_winograd(False), depthwise.use_depthwise(False)
        try:
            fn()
        finally:
            winograd.use_winograd(old[0])
            depthwise.use_depthwise(old[1])
    return run


def _interleaved(contenders, repeats, budget_s=0.2, clock=time.perf_counter):
    """Median ms (by ``clock``) of each of ``contenders`` (name -> callable), alternating chunks
    sized to ~``budget_s`` of the first after one warm-up call of each."""
    for fn in contenders.values():
        fn()
    first = next(iter(contenders.values()))
    number = max(1, int(budget_s / max(_milliseconds(first, 1, clock), 1e-3) * 1e3))
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            times[name].append(_milliseconds(fn, number, clock))
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default=",".join(LAYERS),
                        help="comma-separated names (default: all): " + ", ".join(LAYERS))
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-numba", action="store_true", help="yingshe's pure NumPy kernels")
    parser.add_argument("--im2col", action="store_true",
                        help="also time yingshe with the Winograd and depthwise paths "
                             "switched off")
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
    columns = ["yingshe", "torch"] + (["im2col"] if args.im2col else [])
    print(f"{'layer':20s} " + " ".join(f"{'fwd ' + c:>12s}" for c in columns) + " "
          + " ".join(f"{'f+b ' + c:>12s}" for c in columns) + f" {'ratio f+b':>9s}"
          + (f" {'im2col ratio':>12s}" if args.im2col else "")
          + f"   (ms; ratio = torch / yingshe, {threads} threads)")
    for name in names:
        kind, x_shape, w_shape, stride, padding = LAYERS[name]
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = (rng.standard_normal(w_shape) * 0.1).astype(np.float32)
        (ys_f, ys_fb), (pt_f, pt_fb) = (_layer(fw, kind, x, w, stride, padding)
                                        for fw in (yingshe, torch))
        forward, both = {"yingshe": ys_f, "torch": pt_f}, {"yingshe": ys_fb, "torch": pt_fb}
        if args.im2col:
            forward["im2col"], both["im2col"] = _without_winograd(ys_f), _without_winograd(ys_fb)
        fwd, both = _interleaved(forward, args.repeats), _interleaved(both, args.repeats)
        rows[name] = {"forward_ms": fwd, "forward_backward_ms": both,
                      "ratio_forward_backward": both["torch"] / both["yingshe"]}
        line = (f"{name:20s} " + " ".join(f"{fwd[c]:12.2f}" for c in columns) + " "
                + " ".join(f"{both[c]:12.2f}" for c in columns)
                + f" {both['torch'] / both['yingshe']:9.2f}")
        if args.im2col:
            rows[name]["ratio_forward_backward_im2col"] = both["torch"] / both["im2col"]
            line += f" {both['torch'] / both['im2col']:12.2f}"
        print(line, flush=True)
    out = Path(__file__).parent / "results" / "conv_layers.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"threads": threads, "numba": not args.no_numba, "layers": rows},
                              indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
