"""Optional compiled loops (numba) for the memory-bound kernels that NumPy can only write as
many strided passes: col2im's accumulation, max pooling, the Winograd tile transforms, the
depthwise convolution and batch norm's per-channel passes (in ``_numba_kernels``).  A loop
over pixels in Python would be hopeless; compiled, it touches each element once, where the
NumPy versions make kh * kw passes over strided views (docs/performance.md).

Each kernel has a pure NumPy twin next to its caller (``conv.col2im``, ``pool.MaxPool2d``,
``winograd._tiles`` / ``_untile`` / ``_untile_adjoint``, ``depthwise._numpy_forward`` /
``_numpy_adjoint`` / ``_weight_grad``; the batch-norm passes of ``batch_norm_compiled`` have
``normalization.Normalize``),
used when numba is not installed (it is the ``fast`` extra), when ``YINGSHE_NUMBA=0``, for
dtypes other than float32/float64 and for CuPy arrays.  The tests check that both give the
same numbers.  The kernels release the GIL, so ``yingshe._parallel`` can split them over the
batch.  numba is imported on first use, not with yingshe, and compiled code is cached on disk.
word2vec's per-pair trainer (``yingshe/training/_word2vec_compiled.py``) follows the same
switch (``compiled_enabled``).  Biased MF's fused minibatch steps under SparseAdam
(``_mf_kernel.py``, for ``models.recommender.CompiledMFStep``) come with these kernels; their
twin is the autograd path.
"""
import os

import numpy as np

__all__ = ["kernels", "use_compiled", "compiled_enabled"]

_state = {"enabled": os.environ.get("YINGSHE_NUMBA", "1") != "0", "kernels": None}
_DTYPES = (np.float32, np.float64)
_KERNELS = ("col2im_add", "max_pool_forward", "max_pool_backward", "winograd_input",
            "winograd_output", "winograd_output_adjoint", "depthwise", "depthwise_weight_grad",
            "batch_norm_statistics", "batch_norm_affine", "batch_norm_grad_sums",
            "batch_norm_grad_input")  # the functions of _numba_kernels that callers use


def use_compiled(enabled):
    """Turn the compiled kernels on or off (the tests compare both paths); returns the old
    setting."""
    old, _state["enabled"] = _state["enabled"], bool(enabled)
    return old


def compiled_enabled():
    """Whether compiled kernels may be used: not switched off by ``YINGSHE_NUMBA=0`` or
    ``use_compiled(False)`` (numba itself may still be missing)."""
    return _state["enabled"]


def kernels(*arrays):
    """The compiled kernels if they apply to ``arrays`` (NumPy, float32/float64, numba
    installed and not switched off), else None."""
    if not _state["enabled"]:
        return None
    if not all(isinstance(a, np.ndarray) and a.dtype.type in _DTYPES for a in arrays):
        return None
    if _state["kernels"] is None:
        try:
            _state["kernels"] = _compile()
        except ImportError:
            _state["enabled"] = False
            return None
    return _state["kernels"]


def _compile():
    from types import SimpleNamespace

    from . import _mf_kernel, _numba_kernels  # imports numba, which may be missing

    kernels = {name: getattr(_numba_kernels, name) for name in _KERNELS}
    return SimpleNamespace(**kernels, biased_mf_sparse_adam=_mf_kernel.biased_mf_sparse_adam)
