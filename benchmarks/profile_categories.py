"""Where a yingshe training step's wall-clock time goes, by category of work.

    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 YINGSHE_NUM_THREADS=2 \\
        python -m benchmarks.profile_categories resnet18_b32 [--steps 5] [--no-numba]

``benchmarks.profile_step`` (cProfile) sees only the main thread and charges the time of a
NumPy call to the Python function that made it; this tool instead times the functions that
make up each kind of work with a wall clock, exclusive of the timed functions they call (a
convolution op's own time is its bias and layout work, the GEMMs, copies and transforms it
calls are counted apart), so the time another thread spends on the main thread's behalf is
counted where the main thread waits for it.  Run it at 1 and 2 threads and compare the
categories: those that do not shrink are the ones the second thread does not help.
Categories (each the exclusive time of the functions listed in ``CATEGORIES``):

- Winograd GEMMs: the 16 batched products of ``winograd._forward`` / ``_backward``;
- Winograd tile transforms (input, output, output adjoint) and weight transforms;
- im2col GEMMs and im2col/col2im copies (with the channel-first/batch-first layout copies);
- depthwise convolution; convolution other (bias adds and sums, reshapes);
- batch norm (statistics, normalisation, backward); pooling; ReLU / elementwise / adds (the
  activations, residual adds and gradient sums of the autograd engine, which are ``Add`` ops);
- linear + loss; optimiser step (``zero_grad`` and ``step``);
- Python / autograd: the rest of the step (graph building, the engine, module calls).
"""
import argparse
import importlib
import inspect
import os
import time

import yingshe
from yingshe.autograd.function import Op
from yingshe.ops import _compiled

from .workloads import WORKLOADS

OP_MODULES = {  # category of the Op classes' forward and backward, by module of yingshe.ops
    "normalization": "batch norm", "batch_norm_compiled": "batch norm",
    "elementwise": "ReLU / elementwise / adds", "activation": "ReLU / elementwise / adds",
    "inplace": "ReLU / elementwise / adds", "broadcast": "ReLU / elementwise / adds",
    "conv": "convolution other", "winograd": "convolution other",
    "depthwise": "depthwise convolution", "pool": "pooling", "linear": "linear + loss",
    "loss": "linear + loss", "softmax": "linear + loss", "reduce": "other ops",
    "shape": "other ops", "dropout": "other ops",
}
CATEGORIES = {  # functions whose exclusive time goes to a category: module -> {name: category}
    "yingshe.ops.winograd": {
        "_forward": "Winograd GEMMs", "_backward": "Winograd GEMMs",
        "_tiles": "Winograd tile transforms", "_untile": "Winograd tile transforms",
        "_untile_adjoint": "Winograd tile transforms",
        "_transform_weight": "Winograd weight transforms",
        "_transform_weight_adjoint": "Winograd weight transforms"},
    "yingshe.ops.conv": {
        "_grouped_matmul": "im2col GEMMs", "_grouped_weight_grad": "im2col GEMMs",
        "im2col": "im2col/col2im copies", "col2im": "im2col/col2im copies",
        "_channels_first": "im2col/col2im copies", "_batch_first": "im2col/col2im copies"},
    "yingshe.ops.normalization": {
        "_statistics": "batch norm", "update_running_statistics": "batch norm"},
    "yingshe.ops.batch_norm_compiled": {"statistics": "batch norm"},
}
OTHER = "Python / autograd"


class Timer:
    """Exclusive wall-clock time per category of the wrapped functions, on the calling
    thread (the wrapped functions are called from the main thread; their worker threads run
    inside them)."""

    def __init__(self):
        self.totals = {}
        self.stack = []  # [category, time of the timed calls inside]

    def wrap(self, function, category):
        def timed(*args, **kwargs):
            frame = [category, 0.0]
            self.stack.append(frame)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.stack.pop()
                self.totals[category] = self.totals.get(category, 0.0) + elapsed - frame[1]
                if self.stack:
                    self.stack[-1][1] += elapsed
        timed.__wrapped__ = function
        return timed


def instrument(timer):
    """Wrap the functions of ``CATEGORIES``, every Op's forward and backward in the modules of
    ``OP_MODULES`` and the optimisers' ``step`` and ``zero_grad``."""
    for name, category in OP_MODULES.items():
        module = importlib.import_module(f"yingshe.ops.{name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Op) and cls.__module__ == module.__name__:
                for method in ("forward", "backward"):
                    if method in vars(cls):
                        setattr(cls, method, staticmethod(timer.wrap(vars(cls)[method].__func__,
                                                                     category)))
    for module_name, functions in CATEGORIES.items():
        module = importlib.import_module(module_name)
        for name, category in functions.items():
            setattr(module, name, timer.wrap(getattr(module, name), category))
    optimizer = yingshe.optim.Optimizer
    for method in ("step", "zero_grad"):
        setattr(optimizer, method, timer.wrap(getattr(optimizer, method), "optimiser step"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--no-numba", action="store_true", help="yingshe's pure NumPy kernels")
    args = parser.parse_args()
    _compiled.use_compiled(not args.no_numba)
    timer = Timer()
    instrument(timer)
    build, arguments, _ = WORKLOADS[args.workload]
    step = build(yingshe, *arguments)[0]
    for _ in range(2):
        step()
    timer.totals.clear()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    total = time.perf_counter() - start
    timer.totals[OTHER] = total - sum(timer.totals.values())
    threads = {name: os.environ.get(name, "-") for name in
               ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "YINGSHE_NUM_THREADS")}
    print(f"{args.workload}: {total / args.steps * 1e3:.1f} ms per step ({args.steps} steps; "
          + ", ".join(f"{k}={v}" for k, v in threads.items()) + ")")
    print(f"{'ms/step':>9s} {'share':>6s}  category")
    for category, seconds in sorted(timer.totals.items(), key=lambda item: -item[1]):
        print(f"{seconds / args.steps * 1e3:9.1f} {seconds / total:6.1%}  {category}")


if __name__ == "__main__":
    main()
