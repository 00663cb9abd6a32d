"""Threads over the batch for memory-bound array kernels (im2col/col2im copies, pooling).

NumPy releases the GIL inside its element loops, so two threads each working on half of the
batch run in parallel; BLAS already threads the GEMMs.  Each kernel writes into disjoint slices
of a preallocated output, so no result is concatenated.  ``YINGSHE_NUM_THREADS`` sets the
number of threads.  The default is 1 (off): on its own each kernel runs 1.8x faster on two
threads, but inside a LeNet-5 training step OpenBLAS's worker threads, which spin for a while
after each GEMM, take the second core, and the step was 10-20% slower (docs/performance.md).
With ``OPENBLAS_NUM_THREADS=1`` two threads here can pay.  CuPy arrays are never split."""
import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["THREADS", "over_batch"]

THREADS = max(1, int(os.environ.get("YINGSHE_NUM_THREADS") or 1))
MIN_ELEMENTS_PER_THREAD = 1 << 15  # below this, handing work to a thread costs more than it saves
_executor = [None]


def _forget_executor():
    _executor[0] = None  # a forked child (e.g. a DataLoader worker) has none of the threads


os.register_at_fork(after_in_child=_forget_executor)


def over_batch(kernel, n, elements, array_module_name="numpy"):
    """Run ``kernel(start, stop)`` over contiguous chunks of ``range(n)`` rows, in parallel when
    the work (``elements`` touched in total) is large enough; the calling thread takes the first
    chunk."""
    threads = min(THREADS, n, max(1, elements // MIN_ELEMENTS_PER_THREAD))
    if threads <= 1 or array_module_name != "numpy":
        kernel(0, n)
        return
    if _executor[0] is None:
        _executor[0] = ThreadPoolExecutor(THREADS, thread_name_prefix="yingshe")
    bounds = [n * i // threads for i in range(threads + 1)]
    futures = [_executor[0].submit(kernel, bounds[i], bounds[i + 1]) for i in range(1, threads)]
    kernel(bounds[0], bounds[1])
    for future in futures:
        future.result()
