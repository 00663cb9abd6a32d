"""Reductions: sums, means, products, extrema, variances, norms, cumulative sums and sorting.

A reduction over the dims D maps x to y with those dims removed (or kept with size 1).  Its
backward spreads dy back over D (``ExpandReduced``, the adjoint of ``Sum``) and multiplies by the
local derivative dy/dx.  Every backward is written with Tensor ops, so it can be differentiated
again.  Index-valued functions (argmax, argsort, ...) have no gradient; ``max``/``min`` with a dim,
``topk`` and ``sort`` return differentiable values picked with ``TakeAlongDim``.
"""
import builtins
import collections
import math
import warnings

import numpy as np

from .. import _dtype
from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op
from . import elementwise
from .elementwise import to_copy

__all__ = ["sum", "mean", "prod", "amax", "amin", "max", "min", "var", "std", "var_mean",
           "std_mean", "logsumexp", "norm", "cumsum", "cumprod", "argmax", "argmin", "topk", "sort",
           "argsort", "all", "any", "count_nonzero"]

# The (values, indices) results, named like PyTorch's torch.return_types.*.
_MaxResult = collections.namedtuple("max", ["values", "indices"])
_MinResult = collections.namedtuple("min", ["values", "indices"])
_TopkResult = collections.namedtuple("topk", ["values", "indices"])
_SortResult = collections.namedtuple("sort", ["values", "indices"])


# ---- dims and shapes ---------------------------------------------------------------------------
def _is_int(d):
    return isinstance(d, (int, np.integer)) and not isinstance(d, bool)


def _axis(dim, ndim, op):
    """``dim`` as a non-negative axis; a 0-d tensor accepts 0 and -1, as in PyTorch."""
    if not _is_int(dim):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__} ({dim!r})")
    bound = builtins.max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-bound}, {bound - 1}], but got {dim}) for a tensor with {ndim} "
                         f"dimension{'' if ndim == 1 else 's'}")
    return int(dim) % bound


def _axes(dim, ndim, op):
    """The sorted axes that ``dim`` names: an int or a tuple/list of ints; None or () means all."""
    if dim is None:
        dims = ()
    elif _is_int(dim):
        dims = (dim,)
    elif isinstance(dim, (tuple, list)):
        dims = tuple(dim)
    else:
        raise TypeError(f"{op}: dim must be an int, a tuple of ints or None, got "
                        f"{type(dim).__name__} ({dim!r})")
    if not dims:
        return tuple(range(ndim))
    axes = [_axis(d, ndim, op) for d in dims]
    for i, axis in enumerate(axes):
        if axis in axes[:i]:
            raise RuntimeError(f"{op}: dim {axis} appears multiple times in the list of dims "
                               f"{dims}")
    return tuple(sorted(axes)) if ndim else ()


def _kept_shape(shape, axes):
    """``shape`` with the reduced axes set to 1 (the keepdim shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduced_shape(shape, axes, keepdim):
    if keepdim:
        return _kept_shape(shape, axes)
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _count(shape, axes):
    """How many elements each reduced slice has."""
    return math.prod(shape[a] for a in axes)


def _require_float(input, op):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point input, got {input.dtype} "
                           f"(shape {tuple(input.shape)})")


def _require_nonempty(shape, axes, op):
    """Max/min-like reductions have no identity: every reduced dim must have elements."""
    for axis in axes:
        if shape[axis] == 0:
            raise IndexError(f"{op}: expected reduction dim {axis} to have non-zero size "
                             f"(input shape {tuple(shape)})")


def _constant(array):
    """A Tensor outside the graph (a mask, a count, a constant factor)."""
    return Tensor._make(array)


# ---- sum and its adjoint -----------------------------------------------------------------------
class Sum(Op):
    """y = sum of x over the dims ``axes``;  dx = dy repeated over those dims."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype):
        ctx.input_shape, ctx.axes = x.shape, axes
        return x.sum(axis=axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_reduced(grad, ctx.input_shape, ctx.axes), None, None, None


class ExpandReduced(Op):
    """y = a reduced tensor x repeated along the reduced dims ``axes`` up to ``shape``;
    dx = dy summed over those dims (the adjoint of ``Sum``)."""

    @staticmethod
    def forward(ctx, x, shape, axes):
        ctx.axes, ctx.keepdim = axes, x.ndim == len(shape)
        xp = get_array_module(x)
        # A fresh array, not a broadcast view: it may become a leaf's .grad and be updated in place.
        return xp.broadcast_to(x.reshape(_kept_shape(shape, axes)), shape).copy()

    @staticmethod
    def backward(ctx, grad):
        return Sum.apply(grad, ctx.axes, ctx.keepdim, None), None, None


def _expand_reduced(grad, shape, axes):
    """dy of a reduction over ``axes`` spread back to the input's ``shape``."""
    if grad.shape == shape:
        return grad
    return ExpandReduced.apply(grad, shape, axes)


def _integer_accumulator(input):
    """PyTorch sums and multiplies bool and integer tensors in int64."""
    return np.int64 if input._data.dtype.kind in "biu" else None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all dims when None); bool and integer inputs give int64.
    d/dx_i sum_j x_j = 1, so the gradient is dy repeated over the summed dims."""
    if dtype is not None:
        input = to_copy(input, dtype)
    axes = _axes(dim, input.ndim, "sum")
    return Sum.apply(input, axes, keepdim, _integer_accumulator(input))


# ---- mean --------------------------------------------------------------------------------------
class Mean(Op):
    """y = (1/n) sum of x over the dims (n elements each);  dx = dy / n repeated over them."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.input_shape, ctx.axes = x.shape, axes
        ctx.count = _count(x.shape, axes)
        if ctx.count == 0:  # the mean of nothing is NaN, as in PyTorch
            xp = get_array_module(x)
            return xp.full(_reduced_shape(x.shape, axes, keepdim), xp.nan, x.dtype)
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        # With n = 0 the input is empty and so is its gradient; dividing by 1 keeps it quiet.
        return _expand_reduced(grad / builtins.max(ctx.count, 1), ctx.input_shape,
                               ctx.axes), None, None


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim`` (all dims when None); integer inputs need ``dtype=`` a float type.
    d/dx_i (1/n) sum_j x_j = 1/n."""
    if dtype is not None:
        if not _dtype.as_dtype(dtype).is_floating_point:
            raise RuntimeError(f"mean: could not infer output dtype; dtype must be a "
                               f"floating-point type, got {_dtype.as_dtype(dtype)}")
        input = to_copy(input, dtype)
    elif input._data.dtype.kind != "f":
        raise RuntimeError(f"mean: could not infer output dtype; the input dtype must be "
                           f"floating point, got {input.dtype} (pass dtype=yingshe.float32 to "
                           "average integers)")
    return Mean.apply(input, _axes(dim, input.ndim, "mean"), keepdim)


# ---- prod --------------------------------------------------------------------------------------
class Prod(Op):
    """y = product of x over the dims;  dx_i = dy * (product of the other x_j in the slice),
    computed without dividing by x_i, so zeros in x get their exact gradient."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, np_dtype):
        ctx.save_for_backward(x)
        ctx.axes = axes
        return x.prod(axis=axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if not ctx.axes:  # a 0-d input: y = x and dx = dy, as PyTorch (x / x is NaN at inf)
            return grad, None, None, None
        others = ProdOfOthers.apply(x, ctx.axes)
        return _expand_reduced(grad, x.shape, ctx.axes) * others, None, None, None


def _zero_split(x, axes):
    """Per slice over ``axes``: where x is 0, x with zeros replaced by 1, the product of those
    values (kept dims) and, for each element, how many *other* elements of its slice are 0."""
    xp = get_array_module(x)
    zero = x == 0
    nonzero_x = xp.where(zero, x.dtype.type(1), x)
    product = nonzero_x.prod(axis=axes, keepdims=True)
    other_zeros = zero.sum(axis=axes, keepdims=True) - zero
    return zero, nonzero_x, product, other_zeros


class ProdOfOthers(Op):
    """p_i = product of x_j over the j != i of the slice (0 when another x_j is 0);
    backward: dp_i/dx_k = product of x_j over j not in {i, k}."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.save_for_backward(x)
        ctx.axes = axes
        _zero, nonzero_x, product, other_zeros = _zero_split(x, axes)
        return get_array_module(x).where(other_zeros == 0, product / nonzero_x, 0)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return ProdOfOthersGrad.apply(x, grad, ctx.axes), None


class ProdOfOthersGrad(Op):
    """t_k = sum over i != k of h_i * (product of x_j over j not in {i, k}) in each slice: the
    second derivative of prod contracted with h.  t is linear in h with a symmetric matrix, so
    dh = the same map applied to dt; the derivative in x (third order of prod) is not provided."""

    @staticmethod
    def forward(ctx, x, h, axes):
        ctx.save_for_backward(x)
        ctx.axes = axes
        xp = get_array_module(x)
        zero, nonzero_x, product, other_zeros = _zero_split(x, axes)
        others = product / nonzero_x  # product over j != k of the nonzero x_j
        # No other zero: t_k = (product over j != k) * (sum over i != k of h_i / x_i).
        h_over_x = h / nonzero_x
        no_other_zero = others * (h_over_x.sum(axis=axes, keepdims=True) - h_over_x)
        # Exactly one other zero, at m: only the term i = m survives, t_k = h_m * others_k.
        h_at_zeros = xp.where(zero, h, 0)
        one_other_zero = (h_at_zeros.sum(axis=axes, keepdims=True) - h_at_zeros) * others
        return xp.where(other_zeros == 0, no_other_zero,
                        xp.where(other_zeros == 1, one_other_zero, 0))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise RuntimeError("prod: derivatives of third and higher order are not supported "
                               f"(input shape {tuple(x.shape)})")
        return None, ProdOfOthersGrad.apply(x, grad, ctx.axes), None


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over the int ``dim`` (all elements when None); bool and integer inputs give int64.
    d/dx_i prod_j x_j = prod_{j != i} x_j."""
    if dtype is not None:
        input = to_copy(input, dtype)
    if dim is None:
        axes = tuple(range(input.ndim))
    else:
        axis = _axis(dim, input.ndim, "prod")
        axes = (axis,) if input.ndim else ()
    return Prod.apply(input, axes, keepdim, _integer_accumulator(input))


# ---- extrema -----------------------------------------------------------------------------------
def _share_among_ties(grad, x, extremum, axes, nan_is_tie):
    """dy split evenly among the elements of x equal to the extremum of their slice (PyTorch's
    rule); with ``nan_is_tie`` a NaN extremum is matched by the NaNs of x (``max()``), without it a
    NaN extremum gives NaN gradients (``amax``).  ``x`` and ``extremum`` are arrays."""
    xp = get_array_module(x)
    extremum = extremum.reshape(_kept_shape(x.shape, axes))
    ties = x == extremum
    if nan_is_tie:
        ties |= xp.isnan(x) & xp.isnan(extremum)
    count = ties.sum(axis=axes, keepdims=True).reshape(grad.shape).astype(x.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):  # a NaN slice without nan_is_tie: 0 ties
        share = _expand_reduced(grad / _constant(count), x.shape, axes)
        return share * _constant(ties.astype(x.dtype))


class Amax(Op):
    """y = max of x over the dims;  dx = dy / k at each of the k elements equal to y, 0 elsewhere
    (a NaN max gives NaN gradients to its slice, as in PyTorch)."""
    method = "max"
    nan_is_tie = False

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        y = get_array_module(x).asarray(getattr(x, ctx.method)(axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _share_among_ties(grad, x._data, y._data, ctx.axes, ctx.nan_is_tie), None, None


class Amin(Amax):
    """y = min of x over the dims;  dx = dy / k at each of the k elements equal to y, 0 elsewhere."""
    method = "min"


class Max(Amax):
    """y = max of all x (``max()``);  dx = dy / k at each of the k maxima (the NaNs of x when y
    is NaN)."""
    nan_is_tie = True


class Min(Amax):
    """y = min of all x (``min()``);  dx = dy / k at each of the k minima (the NaNs of x when y
    is NaN)."""
    method = "min"
    nan_is_tie = True


def _extremum(input, dim, keepdim, op):
    axes = _axes(dim, input.ndim, op)
    if input._data.size == 0 and (dim is None or (isinstance(dim, (tuple, list)) and not dim)):
        raise RuntimeError(f"{op}: expected reduction dim to be specified for an empty input "
                           f"(shape {tuple(input.shape)}); specify it with the 'dim' argument")
    _require_nonempty(input.shape, axes, op)
    return (Amax if op == "amax" else Amin).apply(input, axes, keepdim)


def amax(input, dim=(), keepdim=False):
    """Largest value over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _extremum(input, dim, keepdim, "amax")


def amin(input, dim=(), keepdim=False):
    """Smallest value over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _extremum(input, dim, keepdim, "amin")


def _along(index, axis):
    """The fancy index that picks x[..., index, ...] along ``axis`` (like take_along_axis)."""
    xp = get_array_module(index)
    picks = []
    for d, n in enumerate(index.shape):
        if d == axis:
            picks.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            picks.append(xp.arange(n).reshape(shape))
    return tuple(picks)


class TakeAlongDim(Op):
    """y = x[..., index, ...] along ``axis`` (a 0-d x acts as one element), reshaped to
    ``out_shape``;  dx = dy placed back at the picked positions, 0 elsewhere."""

    @staticmethod
    def forward(ctx, x, index, axis, out_shape):
        ctx.index, ctx.axis, ctx.input_shape = index, axis, x.shape
        return x.reshape(x.shape or (1,))[_along(index, axis)].reshape(out_shape)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAlongDim.apply(grad, ctx.index, ctx.axis, ctx.input_shape), None, None, None


class ScatterAlongDim(Op):
    """y = zeros of ``shape`` with x written at y[..., index, ...] along ``axis`` (the indices of a
    slice are distinct);  dx = dy picked at those positions."""

    @staticmethod
    def forward(ctx, x, index, axis, shape):
        ctx.index, ctx.axis, ctx.input_shape = index, axis, x.shape
        out = get_array_module(x).zeros(shape or (1,), x.dtype)
        out[_along(index, axis)] = x.reshape(index.shape)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return TakeAlongDim.apply(grad, ctx.index, ctx.axis, ctx.input_shape), None, None, None


def _extremum_along(input, dim, keepdim, op):
    """(values, indices) of the max/min along the int ``dim``; the first one wins ties."""
    axis = _axis(dim, input.ndim, op)
    x = input._data
    x1 = x.reshape(x.shape or (1,))
    _require_nonempty(x1.shape, (axis,), op)
    xp = get_array_module(x)
    index = xp.expand_dims((xp.argmax if op == "max" else xp.argmin)(x1, axis=axis), axis)
    out_shape = _reduced_shape(x.shape, (axis,) if x.ndim else (), keepdim)
    values = TakeAlongDim.apply(input, index, axis, out_shape)
    return values, _constant(index.reshape(out_shape).astype(np.int64, copy=False))


def _elementwise_extremum(name, input, other):
    """``max(a, b)`` and ``min(a, b)`` are the elementwise ``maximum`` and ``minimum``."""
    function = getattr(elementwise, name, None)
    if function is None:
        raise NotImplementedError(f"{name}: elementwise {name}(input, other) is not available "
                                  "in yingshe.ops.elementwise")
    return function(input, other)


def max(input, dim=None, keepdim=False):
    """``max(input)``: the largest element (ties share the gradient evenly);
    ``max(input, dim, keepdim=False)``: the named tuple (values, indices) along ``dim``, the
    gradient going to the returned index only; ``max(input, other)``: elementwise maximum."""
    if isinstance(dim, Tensor):
        return _elementwise_extremum("maximum", input, dim)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"max: expected reduction dim to be specified for an empty input "
                               f"(shape {tuple(input.shape)}); specify the reduction dim with "
                               "the 'dim' argument")
        return Max.apply(input, tuple(range(input.ndim)), False)
    return _MaxResult(*_extremum_along(input, dim, keepdim, "max"))


def min(input, dim=None, keepdim=False):
    """``min(input)``: the smallest element (ties share the gradient evenly);
    ``min(input, dim, keepdim=False)``: the named tuple (values, indices) along ``dim``, the
    gradient going to the returned index only; ``min(input, other)``: elementwise minimum."""
    if isinstance(dim, Tensor):
        return _elementwise_extremum("minimum", input, dim)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"min: expected reduction dim to be specified for an empty input "
                               f"(shape {tuple(input.shape)}); specify the reduction dim with "
                               "the 'dim' argument")
        return Min.apply(input, tuple(range(input.ndim)), False)
    return _MinResult(*_extremum_along(input, dim, keepdim, "min"))


# ---- variance and standard deviation -----------------------------------------------------------
def _variance(x, axes, keepdim, correction, root=False):
    """sum((x - mean)^2) / max(n - correction, 0) over ``axes`` (two passes), accumulated in
    float64 and returned in x's dtype, as PyTorch on the CPU: float32 values near 1e20 and beyond
    have squares that float32 cannot hold.  With ``root``, the standard deviation."""
    n = _count(x.shape, axes)
    dtype = x.dtype
    if dtype.kind == "f" and dtype.itemsize < 8:
        x = x.astype(np.float64)
    scalar = x.dtype.type
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        centered = x - x.sum(axis=axes, keepdims=True) / scalar(n)
        squares = (centered * centered).sum(axis=axes, keepdims=keepdim)
        xp = get_array_module(x)
        variance = xp.asarray(squares / scalar(builtins.max(n - correction, 0)))
        if root:
            variance = xp.sqrt(variance)
        return variance.astype(dtype, copy=False)


def _var_backward(grad, x, axes, correction, dim_given):
    """d var / dx = 2 (x - mean) / (n - correction), as PyTorch's var_backward: without dims and
    n - correction <= 0 it is NaN where x equals the mean and inf elsewhere."""
    dof = _count(x.shape, axes) - correction
    spread = _expand_reduced(grad, x.shape, axes)
    if not dim_given and dof <= 0:
        data = x._data
        xp = get_array_module(data)
        at_mean = data == data.mean() if data.size else xp.zeros(data.shape, bool)
        scalar = data.dtype.type
        return spread * _constant(xp.where(at_mean, scalar(math.nan), scalar(math.inf)))
    centered = x - Mean.apply(x, axes, True)
    return spread * centered * (2.0 / dof if dof != 0 else math.inf)


class Var(Op):
    """var = sum((x - mean)^2) / (n - correction);  dx = dvar * 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction, dim_given):
        ctx.save_for_backward(x)
        ctx.axes, ctx.correction, ctx.dim_given = axes, correction, dim_given
        return _variance(x, axes, keepdim, correction)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return (_var_backward(grad, x, ctx.axes, ctx.correction, ctx.dim_given),
                None, None, None, None)


class Std(Op):
    """std = sqrt(var);  dx = dstd / (2 std) * dvar/dx, with 0 where std = 0 (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction, dim_given):
        std = _variance(x, axes, keepdim, correction, root=True)
        ctx.save_for_backward(x, std)
        ctx.axes, ctx.correction, ctx.dim_given = axes, correction, dim_given
        return std

    @staticmethod
    def backward(ctx, grad):
        x, std = ctx.saved_tensors
        zero = std._data == 0
        safe_std = std + _constant(zero.astype(std._data.dtype))
        grad_var = grad / (safe_std * 2) * _constant((~zero).astype(std._data.dtype))
        return (_var_backward(grad_var, x, ctx.axes, ctx.correction, ctx.dim_given),
                None, None, None, None)


def _variance_args(input, dim, unbiased, correction, op):
    """Axes, correction and whether dims were given, from PyTorch's overloads:
    ``var(input, unbiased)``, ``var(input, dim, unbiased, keepdim)``, ``var(input, dim, *, correction)``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass either unbiased={unbiased} or correction={correction}, "
                        "not both")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: std and var only support floating-point inputs, got "
                           f"{input.dtype} (shape {tuple(input.shape)})")
    if correction is None:
        correction = 0 if unbiased is False else 1
    axes = _axes(dim, input.ndim, op)
    if _count(input.shape, axes) - correction <= 0:
        warnings.warn(f"{op}: degrees of freedom is <= 0 ({_count(input.shape, axes)} elements per "
                      f"slice, correction {correction}); the result is inf or nan", UserWarning,
                      stacklevel=3)
    dim_given = input.ndim > 0 and dim not in (None, (), [])
    return axes, correction, dim_given


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim``: sum((x - mean)^2) / (n - correction), correction 1 by default
    (``unbiased=False`` means 0).  d var/dx = 2 (x - mean) / (n - correction)."""
    axes, correction, dim_given = _variance_args(input, dim, unbiased, correction, "var")
    return Var.apply(input, axes, keepdim, correction, dim_given)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim``: sqrt(var).  d std/dx = (x - mean) / ((n - correction) std)."""
    axes, correction, dim_given = _variance_args(input, dim, unbiased, correction, "std")
    return Std.apply(input, axes, keepdim, correction, dim_given)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over ``dim``, as two differentiable results."""
    axes, correction, dim_given = _variance_args(input, dim, unbiased, correction, "var_mean")
    return Var.apply(input, axes, keepdim, correction, dim_given), Mean.apply(input, axes, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over ``dim``, as two differentiable results."""
    axes, correction, dim_given = _variance_args(input, dim, unbiased, correction, "std_mean")
    return Std.apply(input, axes, keepdim, correction, dim_given), Mean.apply(input, axes, keepdim)


# ---- logsumexp ---------------------------------------------------------------------------------
class LogSumExp(Op):
    """y = m + log(sum(exp(x - m))) over the dims, m the slice's (finite) max, so that nothing
    overflows;  dx = dy * exp(x - y), the softmax of x."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = get_array_module(x)
        if _count(x.shape, axes) == 0:  # log of an empty sum
            y = xp.full(_reduced_shape(x.shape, axes, keepdim), -xp.inf, x.dtype)
        else:
            shift = x.max(axis=axes, keepdims=True)
            shift = xp.where(xp.isfinite(shift), shift, 0)
            with np.errstate(divide="ignore"):
                y = xp.log(xp.exp(x - shift).sum(axis=axes, keepdims=True)) + shift
            y = y.reshape(_reduced_shape(x.shape, axes, keepdim))
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        softmax = elementwise.Exp.apply(x - _expand_reduced(y, x.shape, ctx.axes))
        return _expand_reduced(grad, x.shape, ctx.axes) * softmax, None, None


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over ``dim``, computed stably; integer inputs give the default float
    dtype.  d/dx_i = exp(x_i) / sum_j exp(x_j) (softmax)."""
    if input._data.dtype.kind != "f":
        input = to_copy(input, _dtype.get_default_dtype())
    return LogSumExp.apply(input, _axes(dim, input.ndim, "logsumexp"), keepdim)


# ---- norm --------------------------------------------------------------------------------------
class SignedPow(Op):
    """y = sign(x) |x|^e (0 at x = 0);  dx = dy * e |x|^(e-1)."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        xp = get_array_module(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.where(x == 0, 0, xp.sign(x) * xp.abs(x) ** exponent)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * ctx.exponent * AbsPow.apply(x, ctx.exponent - 1), None


class AbsPow(Op):
    """y = |x|^e;  dx = dy * e sign(x) |x|^(e-1)."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        with np.errstate(divide="ignore"):
            return get_array_module(x).abs(x) ** exponent

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * ctx.exponent * SignedPow.apply(x, ctx.exponent - 1), None


class Norm(Op):
    """y = (sum |x|^p)^(1/p) over the dims (max |x| for p = inf, min |x| for -inf, the number of
    nonzeros for p = 0);  dx = dy * sign(x) |x|^(p-1) / y^(p-1), 0 where y = 0 (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        xp = get_array_module(x)
        magnitude = xp.abs(x)
        with np.errstate(divide="ignore", over="ignore", under="ignore"):
            if p != 0 and _count(x.shape, axes) == 1:
                # one element: |x| exactly, as PyTorch (x * x underflows below 1e-154)
                y = magnitude.reshape(_reduced_shape(x.shape, axes, keepdim))
            elif p == 2:
                y = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
            elif p == 1:
                y = magnitude.sum(axis=axes, keepdims=keepdim)
            elif p == math.inf:
                y = magnitude.max(axis=axes, keepdims=keepdim)
            elif p == -math.inf:
                y = magnitude.min(axis=axes, keepdims=keepdim)
            elif p == 0:
                y = (x != 0).sum(axis=axes, keepdims=keepdim, dtype=x.dtype)
            else:
                y = (magnitude ** p).sum(axis=axes, keepdims=keepdim) ** (1 / p)
        y = xp.asarray(y)
        ctx.save_for_backward(x, y)
        ctx.p, ctx.axes = p, axes
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        p, axes = ctx.p, ctx.axes
        if p == 0:  # a count: no gradient
            return None, None, None, None
        xp = get_array_module(x._data)
        sign = _constant(elementwise._sign_array(x._data))  # 0 at NaN, as PyTorch's sgn
        if p in (math.inf, -math.inf):  # d max|x| = sign(x), shared among the tied elements
            magnitude = xp.abs(x._data)
            return sign * _share_among_ties(grad, magnitude, y._data, axes, True), None, None, None
        if p == 1:
            return sign * _expand_reduced(grad, x.shape, axes), None, None, None
        zero = y._data == 0
        dtype = y._data.dtype
        if p < 1:  # y^(1-p) is 0 at y = 0
            scale = grad * AbsPow.apply(y, 1 - p)
        else:  # 1 / y^(p-1) is taken as 0 at y = 0
            safe_y = y + _constant(zero.astype(dtype))
            scale = grad * AbsPow.apply(safe_y, 1 - p) * _constant((~zero).astype(dtype))
        spread = _expand_reduced(scale, x.shape, axes)
        local = x if p == 2 else SignedPow.apply(x, p - 1)
        return local * spread, None, None, None


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm (sum |x|^p)^(1/p) over ``dim`` (all dims when None); p may be 'fro' or 2,
    1, inf, -inf, 0 or any other number.  d||x||_2/dx = x / ||x||_2 (0 at x = 0)."""
    if isinstance(p, str):
        if p != "fro":
            raise RuntimeError(f"norm: p={p!r} is not supported; use 'fro' or a number "
                               "(matrix norms such as 'nuc' are not implemented)")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"norm: the Frobenius norm takes at most 2 dims, got dim={dim}")
        p = 2
    elif p is None:
        p = 2
    if dtype is not None:
        input = to_copy(input, dtype)
    _require_float(input, "norm")
    axes = _axes(dim, input.ndim, "norm")
    p = float(p)
    if p in (math.inf, -math.inf) and _count(input.shape, axes) == 0:
        raise RuntimeError(f"norm: cannot compute the {p} norm over an empty dimension because "
                           f"the operation has no identity (input shape {tuple(input.shape)})")
    return Norm.apply(input, p, axes, keepdim)


# ---- cumulative sum ----------------------------------------------------------------------------
class Cumsum(Op):
    """y_i = sum of x_j for j <= i along ``axis`` (j >= i when ``reverse``);
    dx = the cumulative sum of dy in the other direction."""

    @staticmethod
    def forward(ctx, x, axis, reverse, np_dtype):
        ctx.axis, ctx.reverse = axis, reverse
        xp = get_array_module(x)
        x1 = x.reshape(x.shape or (1,))
        if reverse:
            y = xp.flip(xp.cumsum(xp.flip(x1, axis), axis=axis, dtype=np_dtype), axis)
        else:
            y = xp.cumsum(x1, axis=axis, dtype=np_dtype)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        return Cumsum.apply(grad, ctx.axis, not ctx.reverse, None), None, None, None


def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``; bool and integer inputs give int64.  dx_j = sum_{i >= j} dy_i."""
    if dtype is not None:
        input = to_copy(input, dtype)
    axis = _axis(dim, input.ndim, "cumsum")
    return Cumsum.apply(input, axis, False, _integer_accumulator(input))



def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``: y_i = y_{i-1} x_i, unrolled as products of slices so the
    gradient is exact where x has zeros (and differentiable again).  float16 and float32 inputs
    accumulate in float64, as PyTorch's CPU kernel does, so a product that leaves the input's
    range and then meets a zero (1e30 * 1e30 * 0) is 0, not inf * 0 = NaN, forward and
    backward."""
    if dtype is not None:
        input = to_copy(input, dtype)
    axis = _axis(dim, input.ndim, "cumprod")
    if input.ndim == 0 or input.shape[axis] == 0:
        # one element, or none: a copy (int64 for bool and integer inputs, as the products are)
        copy = input.clone()
        return to_copy(copy, np.int64) if input._data.dtype.kind in "biu" else copy
    kind, np_dtype = input._data.dtype.kind, input._data.dtype
    widen = kind == "f" and np_dtype.itemsize < 8
    if not (input.requires_grad and kind == "f"):
        xp = get_array_module(input._data)
        if widen:
            with np.errstate(over="ignore"):  # the float64 products cast back (inf past range)
                return Tensor._make(xp.cumprod(input._data, axis=axis, dtype=np.float64)
                                    .astype(np_dtype))
        return Tensor._make(xp.cumprod(input._data, axis=axis))
    from .shape import stack, unbind
    running, outputs = None, []
    for piece in unbind(to_copy(input, np.float64) if widen else input, axis):
        running = piece if running is None else running * piece
        outputs.append(running)
    result = stack(outputs, axis)
    if not widen:
        return result
    with np.errstate(over="ignore"):
        return to_copy(result, np_dtype)

# ---- indices: argmax, sorting, top-k -------------------------------------------------------------
def _arg_extremum(input, dim, keepdim, op):
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{op}: does not support bool input (shape {tuple(x.shape)})")
    xp = get_array_module(x)
    find = xp.argmax if op == "argmax" else xp.argmin
    if dim is None:  # index into the flattened input
        if x.size == 0:
            raise IndexError(f"{op}: expected reduction dim to be specified for an empty input "
                             f"(shape {tuple(x.shape)})")
        index = xp.asarray(find(x), dtype=np.int64)
        return _constant(index.reshape((1,) * x.ndim if keepdim else ()))
    axis = _axis(dim, x.ndim, op)
    x1 = x.reshape(x.shape or (1,))
    _require_nonempty(x1.shape, (axis,), op)
    out_shape = _reduced_shape(x.shape, (axis,) if x.ndim else (), keepdim)
    return _constant(find(x1, axis=axis).reshape(out_shape).astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element along ``dim`` (the first among ties), or in the flattened
    input when ``dim`` is None."""
    return _arg_extremum(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element along ``dim`` (the first among ties), or in the flattened
    input when ``dim`` is None."""
    return _arg_extremum(input, dim, keepdim, "argmin")


def _sort_index(x, axis, descending):
    """Stable sorting indices along ``axis`` (a 0-d x is one element).  NaN sorts as the largest
    value; descending order keeps equal elements in their original order."""
    xp = get_array_module(x)
    x1 = x.reshape(x.shape or (1,))
    if not descending:
        return xp.argsort(x1, axis=axis, kind="stable").astype(np.int64, copy=False)
    # Sort the reversed slice ascending, reverse the result, and map positions back.
    flipped = xp.argsort(xp.flip(x1, axis), axis=axis, kind="stable")
    return (x1.shape[axis] - 1 - xp.flip(flipped, axis)).astype(np.int64, copy=False)


def sort(input, dim=-1, descending=False, stable=False):
    """The named tuple (values, indices) of ``input`` sorted along ``dim``; values are
    differentiable (each gradient goes back to the element it came from).  The sort is always
    stable."""
    axis = _axis(dim, input.ndim, "sort")
    index = _sort_index(input._data, axis, descending)
    values = TakeAlongDim.apply(input, index, axis, input.shape)
    return _SortResult(values, _constant(index.reshape(input.shape)))


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (stable)."""
    axis = _axis(dim, input.ndim, "argsort")
    return _constant(_sort_index(input._data, axis, descending).reshape(input.shape))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The named tuple (values, indices) of the ``k`` largest (or smallest) elements along
    ``dim``, in sorted order; values are differentiable."""
    axis = _axis(dim, input.ndim, "topk")
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"topk: bool tensors are not supported (shape {tuple(x.shape)})")
    size = (x.shape or (1,))[axis]
    if not _is_int(k) or not 0 <= k <= size:
        raise RuntimeError(f"topk: selected index k out of range: k={k} but dim {dim} has size "
                           f"{size} (input shape {tuple(x.shape)})")
    if not x.ndim:
        k = 1  # PyTorch returns the element of a 0-d input for k = 0 as well
    order = _sort_index(x, axis, descending=largest)
    index = order[(slice(None),) * axis + (slice(0, k),)]
    out_shape = x.shape[:axis] + (k,) + x.shape[axis + 1:] if x.ndim else ()
    values = TakeAlongDim.apply(input, index, axis, out_shape)
    return _TopkResult(values, _constant(index.reshape(out_shape)))


# ---- logical reductions ------------------------------------------------------------------------
def _logical(input, dim, keepdim, op):
    x = input._data
    result = getattr(x, op)(axis=_axes(dim, x.ndim, op), keepdims=keepdim)
    # PyTorch keeps uint8 for uint8 inputs; everything else gives bool.
    return _constant(get_array_module(x).asarray(result, dtype=np.uint8 if x.dtype == np.uint8
                                                 else np.bool_))


def all(input, dim=None, keepdim=False):
    """True where every element over ``dim`` is nonzero (all dims when None)."""
    return _logical(input, dim, keepdim, "all")


def any(input, dim=None, keepdim=False):
    """True where some element over ``dim`` is nonzero (all dims when None)."""
    return _logical(input, dim, keepdim, "any")


def count_nonzero(input, dim=None):
    """The number of nonzero elements over ``dim`` (all dims when None), as int64."""
    x = input._data
    axes = _axes(dim, x.ndim, "count_nonzero")
    return _constant(get_array_module(x).asarray((x != 0).sum(axis=axes, dtype=np.int64)))


TENSOR_METHODS = {
    "sum": sum, "mean": mean, "prod": prod, "amax": amax, "amin": amin, "max": max, "min": min,
    "var": var, "std": std, "logsumexp": logsumexp, "norm": norm, "cumsum": cumsum,
    "cumprod": cumprod,
    "argmax": argmax, "argmin": argmin, "topk": topk, "sort": sort, "argsort": argsort,
    "all": all, "any": any, "count_nonzero": count_nonzero,
}
