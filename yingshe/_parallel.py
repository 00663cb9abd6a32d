"""Threads over the batch for memory-bound array kernels (im2col/col2im copies, pooling).

NumPy releases the GIL inside its element loops, so two threads each working on half of the
batch run in parallel; BLAS already threads the GEMMs.  Each kernel writes into disjoint slices
of a preallocated output, so no result is concatenated.  ``YINGSHE_NUM_THREADS`` sets the
number of threads.  The default is 1 (off): on its own each kernel runs 1.8x faster on two
threads, but inside a LeNet-5 training step OpenBLAS's worker threads, which spin for a while
after each GEMM, take the second core, and the step was 10-20% slower (docs/performance.md).
With ``OPENBLAS_NUM_THREADS=1`` two threads here can pay.  CuPy arrays are never split.

``over_gemms`` splits matrix products the same way (independent products, or column blocks of
one) and holds NumPy's BLAS to one thread while they run (through threadpoolctl, in the
``fast`` extra): OpenBLAS's own pool synchronises its threads inside every product, and when
the other core is busy a product waits for its descheduled worker (16 Winograd products of
(64, 64) @ (64, 4096) took 248 ms on two OpenBLAS threads beside other jobs on the second core,
5.8 ms on one; docs/performance.md).  Without threadpoolctl BLAS threads the products itself."""
import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["THREADS", "over_batch", "over_gemms"]

THREADS = max(1, int(os.environ.get("YINGSHE_NUM_THREADS") or 1))
MIN_ELEMENTS_PER_THREAD = 1 << 15  # below this, handing work to a thread costs more than it saves
_executor = [None]
_blas = [None]  # threadpoolctl's controller of the loaded BLAS libraries, False without it


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


def _blas_controller():
    if _blas[0] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas[0] = False
        else:
            _blas[0] = ThreadpoolController().select(user_api="blas")
    return _blas[0]


def over_gemms(kernel, n, elements, array_module_name="numpy"):
    """``over_batch`` for a ``kernel(start, stop)`` that calls BLAS on its part of the work (a
    block of columns of a product, or some of several products): while the threads run, BLAS
    uses one thread per call.  Runs ``kernel(0, n)`` with BLAS's own threading when there is
    one thread, too little work, a CuPy array or no threadpoolctl."""
    threads = min(THREADS, n, max(1, elements // MIN_ELEMENTS_PER_THREAD))
    blas = _blas_controller() if threads > 1 and array_module_name == "numpy" else False
    if not blas:
        kernel(0, n)
        return
    with blas.limit(limits=1):
        over_batch(kernel, n, elements, array_module_name)
