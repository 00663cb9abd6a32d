"""Optional compiled loops (numba) for the memory-bound kernels that NumPy can only write as
many strided passes: col2im's accumulation and max pooling.  A loop over pixels in Python
would be hopeless; compiled, it touches each element once, where the NumPy versions make
kh * kw passes over strided views (docs/performance.md).

Each kernel has a pure NumPy twin next to its caller (``conv.col2im``, ``pool.MaxPool2d``),
used when numba is not installed (it is the ``fast`` extra), when ``YINGSHE_NUMBA=0``, for
dtypes other than float32/float64 and for CuPy arrays.  The tests check that both give the
same numbers.  The kernels release the GIL, so ``yingshe._parallel`` can split them over the
batch.  numba is imported on first use, not with yingshe, and compiled code is cached on disk.
"""
import os

import numpy as np

__all__ = ["kernels", "use_compiled"]

_state = {"enabled": os.environ.get("YINGSHE_NUMBA", "1") != "0", "kernels": None}
_DTYPES = (np.float32, np.float64)


def use_compiled(enabled):
    """Turn the compiled kernels on or off (the tests compare both paths); returns the old
    setting."""
    old, _state["enabled"] = _state["enabled"], bool(enabled)
    return old


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

    import numba

    jit = numba.njit(nogil=True, cache=True)

    @jit
    def col2im_add_unit_stride(cols, padded):
        """col2im_add for stride 1 and dilation 1: contiguous inner loops, which vectorise."""
        channels, kh, kw, n, ho, wo = cols.shape
        for c in range(channels):
            for p in range(kh):
                for q in range(kw):
                    for b in range(n):
                        for i in range(ho):
                            target, source = padded[c, b, i + p], cols[c, p, q, b, i]
                            for j in range(wo):
                                target[j + q] += source[j]

    @jit
    def col2im_add_strided(cols, padded, sh, sw, dh, dw):
        """padded[c, n, i*sh + p*dh, j*sw + q*dw] += cols[c, p, q, n, i, j]."""
        channels, kh, kw, n, ho, wo = cols.shape
        for c in range(channels):
            for p in range(kh):
                for q in range(kw):
                    for b in range(n):
                        for i in range(ho):
                            row = i * sh + p * dh
                            for j in range(wo):
                                padded[c, b, row, j * sw + q * dw] += cols[c, p, q, b, i, j]

    def col2im_add(cols, padded, sh, sw, dh, dw):
        """Add the (C, kh, kw, N, Ho, Wo) columns into the (C, N, Hp, Wp) padded image."""
        if sh == sw == dh == dw == 1:
            col2im_add_unit_stride(cols, padded)
        else:
            col2im_add_strided(cols, padded, sh, sw, dh, dw)

    @jit
    def max_pool_any(padded, kh, kw, sh, sw, dh, dw, out, arg):
        """out = max of each window, arg = the window offset p*kw + q of its first maximum
        (a NaN counts as the maximum, the last one if several, as in PyTorch)."""
        n, channels, ho, wo = out.shape
        for b in range(n):
            for c in range(channels):
                for i in range(ho):
                    for j in range(wo):
                        best = padded[b, c, i * sh, j * sw]
                        best_k = 0
                        for k in range(1, kh * kw):
                            value = padded[b, c, i * sh + (k // kw) * dh, j * sw + (k % kw) * dw]
                            if value > best or value != value:
                                best = value
                                best_k = k
                        out[b, c, i, j] = best
                        arg[b, c, i, j] = best_k

    @jit
    def max_pool_2x2(padded, out, arg):
        """max_pool_any for 2 x 2 windows with stride 2, without branches (a comparison of
        random data mispredicts half the time): the argmax 0, 1, 2 or 3 is the sum of "not the
        maximum yet" flags.  Returns whether a NaN was seen, for the caller to redo the pass
        with max_pool_any."""
        n, channels, ho, wo = out.shape
        has_nan = False
        for b in range(n):
            for c in range(channels):
                for i in range(ho):
                    top, bottom = padded[b, c, 2 * i], padded[b, c, 2 * i + 1]
                    for j in range(wo):
                        v0, v1 = top[2 * j], top[2 * j + 1]
                        v2, v3 = bottom[2 * j], bottom[2 * j + 1]
                        best = max(max(v0, v1), max(v2, v3))
                        after0 = np.int8(v0 != best)
                        after1 = after0 * np.int8(v1 != best)
                        after2 = after1 * np.int8(v2 != best)
                        has_nan |= (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3)
                        out[b, c, i, j] = best
                        arg[b, c, i, j] = after0 + after1 + after2
        return has_nan

    def max_pool_forward(padded, kh, kw, sh, sw, dh, dw, out, arg):
        """Max pooling of the padded (N, C, Hp, Wp) input into out and arg (N, C, Ho, Wo)."""
        if (kh, kw, sh, sw, dh, dw) != (2, 2, 2, 2, 1, 1) or max_pool_2x2(padded, out, arg):
            max_pool_any(padded, kh, kw, sh, sw, dh, dw, out, arg)

    @jit
    def max_pool_backward(grad, arg, kw, sh, sw, dh, dw, padded):
        """padded[n, c, window position of arg] += grad[n, c, i, j]."""
        n, channels, ho, wo = grad.shape
        for b in range(n):
            for c in range(channels):
                for i in range(ho):
                    for j in range(wo):
                        k = arg[b, c, i, j]
                        padded[b, c, i * sh + (k // kw) * dh, j * sw + (k % kw) * dw] += \
                            grad[b, c, i, j]

    return SimpleNamespace(col2im_add=col2im_add, max_pool_forward=max_pool_forward,
                           max_pool_backward=max_pool_backward)
