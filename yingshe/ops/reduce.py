"""Reductions over dimensions.  The backward of a reduction broadcasts the output gradient back
over the reduced dimensions (sum: dx = dy; mean: dy / n; max: dy at the maximum)."""
import math
from collections import namedtuple

import numpy as np

from .. import _dtype
from .._backend import get_array_module
from .._tensor import Tensor, _normalize_dim
from ..autograd.function import Op
from .broadcast import broadcast_to

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std", "var_mean",
           "std_mean", "logsumexp", "norm", "cumsum", "cumprod", "argmax", "argmin", "topk",
           "sort", "argsort", "all", "any", "count_nonzero"]

_builtin_sum, _builtin_max, _builtin_min, _builtin_all, _builtin_any = sum, max, min, all, any
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _dims(input, dim, op):
    """``dim`` as a sorted tuple of non-negative axes (None or () means all)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(input.ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = tuple(sorted({_normalize_dim(d, input.ndim, op) for d in dims}))
    if len(axes) != len(dims):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    return axes if input.ndim else ()


def _keep_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(grad, input_shape, axes, keepdim):
    """dy of a reduction broadcast back to the input's shape."""
    if not keepdim:
        grad = grad.reshape(_keep_shape(input_shape, axes))
    return broadcast_to(grad, input_shape)


class Sum(Op):
    """y = sum of x over ``axes``; dx = dy broadcast back."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype):
        ctx.params = (x.shape, axes, keepdim)
        return x.sum(axis=axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        shape, axes, keepdim = ctx.params
        return _expand_back(grad, shape, axes, keepdim), None, None, None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all by default); integers and bools sum to int64, as PyTorch."""
    axes = _dims(input, dim, "sum")
    np_dtype = _dtype.to_np(dtype)
    if np_dtype is None and input._data.dtype.kind in "biu":
        np_dtype = np.dtype(np.int64)
    return Sum.apply(input, axes, keepdim, np_dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean: sum / n."""
    if dtype is not None:
        input = input.to(dtype)
    if not input.is_floating_point():
        raise RuntimeError(f"mean: input dtype should be floating point, got {input.dtype}; "
                           "pass dtype= or convert with .float()")
    axes = _dims(input, dim, "mean")
    count = math.prod(input.shape[a] for a in axes)
    return Sum.apply(input, axes, keepdim, None) / (count if count else float("nan"))


class Prod(Op):
    """y = prod of x over ``axes``; dx_i = dy * prod_{j != i} x_j (exact with zeros present)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.params = (axes, keepdim)
        ctx.save_for_backward(x)
        return x.prod(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        axes, keepdim = ctx.params
        g = _expand_back(grad, x.shape, axes, keepdim)
        moved = x.movedim(axes, tuple(range(x.ndim - len(axes), x.ndim)))
        flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
        others = _exclusive_product(flat)
        others = others.reshape(moved.shape).movedim(
            tuple(range(x.ndim - len(axes), x.ndim)), axes)
        return g * others, None, None


def _exclusive_product(flat):
    """prod_{j != i} x_j along the last axis, as cumprod from the left times cumprod from the
    right (no division, so zeros are handled)."""
    ones = flat.new_ones(flat.shape[:-1] + (1,))
    left = cumprod(cat_last([ones, flat.narrow(-1, 0, flat.shape[-1] - 1)]), -1)
    right = cumprod(cat_last([ones, flat.flip(-1).narrow(-1, 0, flat.shape[-1] - 1)]), -1).flip(-1)
    return left * right


def cat_last(tensors):
    from .shape import cat
    return cat(tensors, -1)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over ``dim`` (one dim or all, like PyTorch)."""
    if dtype is not None:
        input = input.to(dtype)
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod: dim must be a single int (PyTorch's signature)")
    axes = _dims(input, dim, "prod")
    if input._data.dtype.kind in "biu":
        return Tensor._make(input._data.prod(axis=axes, keepdims=keepdim, dtype=np.int64))
    return Prod.apply(input, axes, keepdim)


class Extreme(Op):
    """amax/amin: dx = dy shared evenly among the positions equal to the extreme."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, largest):
        y = x.max(axis=axes, keepdims=True) if largest else x.min(axis=axes, keepdims=True)
        if ctx._record:
            mask = (x == y)
            ctx.weights = mask / mask.sum(axis=axes, keepdims=True).astype(x.dtype)
        ctx.params = (x.shape, axes, keepdim)
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        shape, axes, keepdim = ctx.params
        return _expand_back(grad, shape, axes, keepdim) * Tensor._make(ctx.weights), \
            None, None, None


def _check_nonempty(op, input, axes):
    if _builtin_any(input.shape[a] == 0 for a in axes) or input._data.size == 0:
        raise IndexError(f"{op}: cannot reduce an empty dimension of shape {tuple(input.shape)}")


def amax(input, dim=(), keepdim=False):
    axes = _dims(input, dim, "amax")
    _check_nonempty("amax", input, axes)
    return Extreme.apply(input, axes, keepdim, True)


def amin(input, dim=(), keepdim=False):
    axes = _dims(input, dim, "amin")
    _check_nonempty("amin", input, axes)
    return Extreme.apply(input, axes, keepdim, False)


class TakeAlong(Op):
    """y = x gathered at ``indices`` along ``axis``; dx scatters dy back (adding repeats)."""

    @staticmethod
    def forward(ctx, x, indices, axis):
        ctx.params = (x.shape, indices, axis)
        return get_array_module(x).take_along_axis(x, indices, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        shape, indices, axis = ctx.params
        return PutAlong.apply(grad, shape, indices, axis), None, None


class PutAlong(Op):
    """The adjoint of TakeAlong: zeros of ``shape`` with dy added at ``indices``."""

    @staticmethod
    def forward(ctx, grad, shape, indices, axis):
        xp = get_array_module(grad)
        ctx.params = (indices, axis)
        out = xp.zeros(shape, grad.dtype)
        index = list(xp.indices(indices.shape, sparse=True))
        index[axis] = indices
        xp.add.at(out, tuple(index), grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        indices, axis = ctx.params
        return TakeAlong.apply(grad, indices, axis), None, None, None


def _max_min(op, input, dim, keepdim, largest, other):
    if isinstance(dim, Tensor) or other is not None:  # max(a, b) means maximum
        from . import elementwise
        partner = dim if isinstance(dim, Tensor) else other
        return (elementwise.maximum if largest else elementwise.minimum)(input, partner)
    if dim is None:
        return amax(input) if largest else amin(input)
    axis = _normalize_dim(dim, input.ndim, op)
    _check_nonempty(op, input, (axis,) if input.ndim else ())
    data = input._data if input.ndim else input._data.reshape(1)
    indices = (data.argmax if largest else data.argmin)(axis=axis if input.ndim else 0,
                                                      keepdims=True)
    source = input if input.ndim else input.reshape(1)
    values = TakeAlong.apply(source, indices, axis if input.ndim else 0)
    if not keepdim or not input.ndim:
        values = values.squeeze(axis if input.ndim else 0)
        indices = indices.squeeze(axis if input.ndim else 0)
    return ValuesIndices(values, Tensor._make(indices.astype(np.int64)))


def max(input, dim=None, keepdim=False, *, other=None):
    """max(): the largest element; max(dim): (values, indices); max(a, b): elementwise maximum."""
    return _max_min("max", input, dim, keepdim, True, other)


def min(input, dim=None, keepdim=False, *, other=None):
    """min(): the smallest element; min(dim): (values, indices); min(a, b): elementwise minimum."""
    return _max_min("min", input, dim, keepdim, False, other)


def _correction(unbiased, correction, op):
    if correction is not None and unbiased is not None:
        raise TypeError(f"{op}: give either unbiased or correction, not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """sum((x - mean)^2) / (n - correction); correction 1 (Bessel) by default."""
    if isinstance(dim, bool):  # var(x, False): the old positional unbiased
        dim, unbiased = None, dim
    c = _correction(unbiased, correction, "var")
    axes = _dims(input, dim, "var")
    n = math.prod(input.shape[a] for a in axes)
    centred = input - mean(input, axes, keepdim=True)
    total = sum(centred * centred, axes, keepdim=keepdim)
    return total / (n - c) if n - c > 0 else total * float("nan")


class _StdFromVar(Op):
    """s = sqrt(v);  dv = ds / (2 s), and 0 where s = 0 (a constant input, as PyTorch)."""

    @staticmethod
    def forward(ctx, v):
        s = get_array_module(v).sqrt(v)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad / (s * 2.0).masked_fill(s == 0, float("inf"))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """sqrt(var)."""
    return _StdFromVar.apply(var(input, dim, unbiased, keepdim, correction=correction))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def logsumexp(input, dim, keepdim=False):
    """log sum exp(x) = m + log sum exp(x - m), m = max (stable); gradient softmax(x)."""
    axes = _dims(input, dim, "logsumexp")
    m = amax(input.detach(), axes, keepdim=True)
    m._data[~get_array_module(m._data).isfinite(m._data)] = 0  # all -inf rows stay -inf
    out = (input - m).exp().sum(axes, keepdim=True).log() + m
    return out if keepdim else out.squeeze(axes)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim``: (sum |x|^p)^(1/p); p=inf max |x|, p=-inf min |x|."""
    if dtype is not None:
        input = input.to(dtype)
    axes = _dims(input, dim, "norm")
    if p in ("fro", 2, 2.0):
        return _L2Norm.apply(input, axes, keepdim)
    if p in (float("inf"), "inf"):
        return amax(input.abs(), axes, keepdim)
    if p == float("-inf"):
        return amin(input.abs(), axes, keepdim)
    if p == 1:
        return sum(input.abs(), axes, keepdim)
    if p == 0:
        return sum((input != 0).to(input.dtype), axes, keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported for vectors")
    return sum(input.abs() ** p, axes, keepdim) ** (1.0 / p)


class _L2Norm(Op):
    """||x|| = sqrt(sum x^2); dx = dy x / ||x||, and 0 where ||x|| = 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = get_array_module(x)
        y = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        ctx.params = (axes, keepdim)
        ctx.save_for_backward(x)
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        axes, keepdim = ctx.params
        g = _expand_back(grad, x.shape, axes, keepdim)
        y = sum(x * x, axes, keepdim=True).sqrt()
        safe = y.masked_fill(y == 0, 1.0)
        return g * x / safe, None, None


class CumSum(Op):
    """y_i = sum_{j <= i} x_j; dx = reversed cumulative sum of dy."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return get_array_module(x).cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return CumSum.apply(grad.flip(ctx.axis), ctx.axis).flip(ctx.axis), None


def cumsum(input, dim, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(_dtype.int64)
    if input.ndim == 0:
        return input.clone()
    return CumSum.apply(input, _normalize_dim(dim, input.ndim, "cumsum"))


def cumprod(input, dim, *, dtype=None):
    """y_i = prod_{j <= i} x_j, as exp-free products: differentiable through x (zeros included)
    by unrolling along the (usually short) dimension."""
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        return input.clone()
    d = _normalize_dim(dim, input.ndim, "cumprod")
    if not input.requires_grad:
        return Tensor._make(get_array_module(input._data).cumprod(input._data, axis=d))
    from .shape import stack, unbind
    running, outputs = None, []
    for piece in unbind(input, d):
        running = piece if running is None else running * piece
        outputs.append(running)
    return stack(outputs, d)


def _indices_only(op, input, dim, keepdim, largest):
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        index = flat.argmax() if largest else flat.argmin()
        out = get_array_module(data).asarray(index, dtype=np.int64)
        return Tensor._make(out.reshape((1,) * input.ndim) if keepdim else out)
    axis = _normalize_dim(dim, input.ndim, op)
    result = (data.argmax if largest else data.argmin)(axis=axis, keepdims=keepdim)
    return Tensor._make(result.astype(np.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flat when dim is None)."""
    return _indices_only("argmax", input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    return _indices_only("argmin", input, dim, keepdim, False)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; values are differentiable."""
    if input.ndim == 0:
        return ValuesIndices(input.clone(), Tensor._make(np.zeros((), np.int64)))
    axis = _normalize_dim(dim, input.ndim, "sort")
    xp = get_array_module(input._data)
    key = -input._data if descending and input._data.dtype.kind != "b" else input._data
    indices = xp.argsort(key, axis=axis, kind="stable")
    if descending and input._data.dtype.kind == "b":
        indices = xp.flip(xp.argsort(input._data, axis=axis, kind="stable"), axis)
    return ValuesIndices(TakeAlong.apply(input, indices, axis),
                         Tensor._make(indices.astype(np.int64)))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along ``dim`` and their indices."""
    axis = _normalize_dim(dim, input.ndim, "topk") if input.ndim else 0
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {size}")
    xp = get_array_module(input._data)
    key = -input._data if largest else input._data
    indices = xp.argsort(key, axis=axis, kind="stable")
    indices = xp.take(indices, xp.arange(k), axis=axis)
    return ValuesIndices(TakeAlong.apply(input, indices, axis),
                         Tensor._make(indices.astype(np.int64)))


def all(input, dim=None, keepdim=False):
    axes = _dims(input, dim, "all")
    return Tensor._make(input._data.astype(bool).all(axis=axes, keepdims=keepdim))


def any(input, dim=None, keepdim=False):
    axes = _dims(input, dim, "any")
    return Tensor._make(input._data.astype(bool).any(axis=axes, keepdims=keepdim))


def count_nonzero(input, dim=None):
    axes = _dims(input, dim, "count_nonzero")
    return Tensor._make(get_array_module(input._data).asarray(
        (input._data != 0).sum(axis=axes), dtype=np.int64))


TENSOR_METHODS = {name: globals()[name] for name in __all__}
