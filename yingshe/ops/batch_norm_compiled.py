"""Batch normalisation in training mode (Ioffe & Szegedy 2015, "Batch Normalization", Alg. 1
and §3) as compiled per-channel passes, in threads over the channels (``yingshe._parallel``).

For channel c with the m = N * (H * W ...) values x, mean mu, biased variance var and
invstd = 1 / sqrt(var + eps):

    forward:   y = (x - mu) invstd gamma + beta                        (two passes: statistics,
                                                                        then y)
    backward:  dbeta = sum dy,  dgamma = invstd sum dy (x - mu),        (one pass: both sums)
               dx = gamma invstd (dy - dbeta / m - x_hat dgamma / m)
                  = a dy + b (x - mu) + c,  a = gamma invstd,           (one pass: dx)
                  b = -a invstd^2 sum dy (x - mu) / m,  c = -a dbeta / m

(the closed form of ``normalization.Normalize`` with g_hat = gamma dy).  The NumPy path
(``Normalize``) makes about ten passes over the (N, C, H, W) arrays with temporaries, each on
one core; here the statistics and sums run in float64 and each pass reads a channel's values
while they are in cache.  The input x is kept for backward instead of x_hat (the same memory,
one array less written in forward).

``normalization.batch_norm`` comes here when ``applies``: the compiled kernels are on
(``_compiled``: numba installed, ``YINGSHE_NUMBA`` not 0, a float32/float64 NumPy array) and
the weight and bias have the input's dtype; otherwise (CuPy, other dtypes, numba off) the
NumPy path runs, and the tests check that both agree.
"""
import numpy as np

from .._parallel import over_batch
from ..autograd.function import Op, once_differentiable
from ._compiled import kernels

__all__ = ["BatchNormCompiled", "applies", "statistics"]


def _rows(x):
    """(N, C, *) -> (N, C, L), a view when x is contiguous."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def applies(x, weight, bias):
    """Whether the compiled batch norm runs for the array ``x`` and the Tensors (or None)
    ``weight`` and ``bias``."""
    return x.size > 0 and kernels(x) is not None and all(
        t is None or t._data.dtype == x.dtype for t in (weight, bias))


def statistics(x, eps):
    """Per-channel mean, biased variance (float64, (C,)) and 1 / sqrt(var + eps) of the
    (N, C, *) array ``x``."""
    rows = _rows(x)
    channels = rows.shape[1]
    mean, var = np.empty(channels), np.empty(channels)
    compiled = kernels(x)
    over_batch(lambda start, stop: compiled.batch_norm_statistics(rows, mean, var, start, stop),
               channels, rows.size)
    return mean, var, 1.0 / np.sqrt(var + eps)


class BatchNormCompiled(Op):
    """y = (x - mean) invstd weight + bias per channel (dim 1) with the batch's own
    statistics ``mean`` and ``invstd`` (float64, (C,)); weight and bias may be None."""

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd):
        dtype = x.dtype
        scale = invstd if weight is None else invstd * weight.reshape(-1)
        offset = np.zeros_like(mean) if bias is None else bias.reshape(-1)
        rows = _rows(x)
        y = np.empty(rows.shape, dtype)
        compiled = kernels(x)
        shift, scale, offset = (v.astype(dtype) for v in (mean, scale, offset))
        over_batch(lambda start, stop: compiled.batch_norm_affine(rows, shift, scale, offset, y,
                                                                  start, stop),
                   rows.shape[1], rows.size)
        ctx.save_for_backward(x, weight)
        ctx.mean, ctx.invstd = mean, invstd
        ctx.bias_shape = None if bias is None else bias.shape
        return y.reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        x, weight = x._data, None if weight is None else weight._data
        rows, grad = _rows(x), _rows(np.ascontiguousarray(grad._data))
        channels, count = rows.shape[1], rows.size // rows.shape[1]
        compiled = kernels(x)
        sum_g, sum_gx = np.empty(channels), np.empty(channels)
        over_batch(lambda start, stop: compiled.batch_norm_grad_sums(
            grad, rows, ctx.mean, sum_g, sum_gx, start, stop), channels, 2 * rows.size)
        need = ctx.needs_input_grad
        grad_x = grad_weight = grad_bias = None
        if need[0]:
            a = ctx.invstd if weight is None else ctx.invstd * weight.reshape(-1)
            b = -a * ctx.invstd ** 2 * sum_gx / count
            c = -a * sum_g / count
            shift, a, b, c = (v.astype(x.dtype) for v in (ctx.mean, a, b, c))
            grad_x = np.empty(rows.shape, x.dtype)
            over_batch(lambda start, stop: compiled.batch_norm_grad_input(
                grad, rows, shift, a, b, c, grad_x, start, stop), channels, 3 * rows.size)
            grad_x = grad_x.reshape(x.shape)
        if weight is not None and need[1]:
            grad_weight = (sum_gx * ctx.invstd).astype(x.dtype).reshape(weight.shape)
        if ctx.bias_shape is not None and need[2]:
            grad_bias = sum_g.astype(x.dtype).reshape(ctx.bias_shape)
        return grad_x, grad_weight, grad_bias, None, None
