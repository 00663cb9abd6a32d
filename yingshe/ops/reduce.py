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
from .elementwise import _inplace_variant, to_copy
from .indexing import gather
from .matmul import matmul
from .shape import cat, flip, narrow, stack, unbind

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
    """The sum of the elements over ``dim`` (all dims when None); bool and integer inputs give
    int64.

    out = sum_i x_i over the reduced dims; d out / d x_i = 1, so the gradient is dy repeated over
    the summed dims.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> yingshe.sum(x)
        tensor(21.)
        >>> yingshe.sum(x, dim=1)
        tensor([ 6., 15.])
        >>> yingshe.sum(x, dim=0, keepdim=True)
        tensor([[5., 7., 9.]])
    """
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
    """The arithmetic mean over ``dim`` (all dims when None); integer inputs need ``dtype=`` a float
    type.  The mean of no elements is NaN.

    out = (1/n) sum_i x_i over the n elements of each reduced slice; d out / d x_i = 1/n.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> yingshe.mean(x, dim=0)
        tensor([2.5000, 3.5000, 4.5000])
        >>> yingshe.mean(yingshe.arange(4), dtype=yingshe.float32)
        tensor(1.5000)
    """
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
    """The product of the elements along the int ``dim`` (of all elements when None); bool and
    integer inputs give int64.

    out = prod_i x_i; d out / d x_i = prod_{j != i} x_j, computed without dividing by x_i, so
    inputs with zeros get their exact gradient.

    Shape:
        Input: (*).  Output: the input's shape without ``dim`` (kept with size 1 when
        ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1, 2], [3, 4]])
        >>> yingshe.prod(x), yingshe.prod(x, 1)
        (tensor(24), tensor([ 2, 12]))
        >>> w = yingshe.tensor([2.0, 0.0, 3.0], requires_grad=True)
        >>> yingshe.prod(w).backward()
        >>> w.grad
        tensor([0., 6., 0.])
    """
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
    """y = min of x over the dims;  dx = dy / k at each of the k elements equal to y, 0
    elsewhere."""
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
    """The largest value over ``dim`` (an int or a tuple of ints; all dims by default).

    out = max_i x_i; the gradient dy is shared evenly among the k elements equal to the maximum
    (dy / k each), as in PyTorch; a NaN in a slice makes its maximum NaN.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when all dims are reduced.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
        >>> yingshe.amax(x), yingshe.amax(x, dim=1)
        (tensor(6.), tensor([5., 6.]))
        >>> t = yingshe.tensor([1.0, 3.0, 3.0], requires_grad=True)
        >>> yingshe.amax(t).backward()
        >>> t.grad  # the two maxima share the gradient
        tensor([0.0000, 0.5000, 0.5000])
    """
    return _extremum(input, dim, keepdim, "amax")


def amin(input, dim=(), keepdim=False):
    """The smallest value over ``dim`` (an int or a tuple of ints; all dims by default).

    out = min_i x_i; the gradient dy is shared evenly among the k elements equal to the minimum
    (dy / k each), as in PyTorch.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when all dims are reduced.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
        >>> yingshe.amin(x, dim=0)
        tensor([1., 3., 2.])
        >>> yingshe.amin(x, dim=(0, 1), keepdim=True)
        tensor([[1.]])
    """
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
    """The maximum, in PyTorch's three forms.

    ``max(input)``: the largest element (the gradient shared evenly among tied maxima).
    ``max(input, dim, keepdim=False)``: the named tuple (values, indices) of the maxima along
    ``dim``, indices pointing at the first maximum; the gradient goes to that index only.
    ``max(input, other)``: the elementwise maximum of two tensors (``maximum``).

    Shape:
        ``max(input)``: input (*), output ().  With ``dim``: values and indices have the input's
        shape without ``dim`` (size 1 when ``keepdim=True``).  With ``other``: the broadcast shape
        of ``input`` and ``other``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
        >>> yingshe.max(x)
        tensor(6.)
        >>> yingshe.max(x, dim=1)
        max(values=tensor([5., 6.]), indices=tensor([1, 2]))
        >>> yingshe.max(x, yingshe.tensor(3.0))
        tensor([[3., 5., 3.],
                [4., 3., 6.]])
    """
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
    """The minimum, in the three forms of ``max``: ``min(input)`` the smallest element,
    ``min(input, dim, keepdim=False)`` the named tuple (values, indices) along ``dim`` (the first
    minimum's index), ``min(input, other)`` the elementwise ``minimum``.

    Shape:
        As ``max``: () for all elements; along ``dim``, the input's shape without ``dim`` (size 1
        with ``keepdim``); with ``other``, the broadcast shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
        >>> yingshe.min(x)
        tensor(1.)
        >>> yingshe.min(x, dim=0, keepdim=True)
        min(values=tensor([[1., 3., 2.]]), indices=tensor([[0, 1, 0]]))
    """
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
    ``var(input, unbiased)``, ``var(input, dim, unbiased, keepdim)``,
    ``var(input, dim, *, correction)``."""
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
    """The variance over ``dim`` (all dims when None), with Bessel's correction by default.

    out = sum_i (x_i - mean)^2 / max(n - correction, 0) over the n elements of each slice;
    ``correction`` is 1 unless given (``unbiased=False`` means 0).  Accumulated in float64 for
    float16/float32 inputs, as PyTorch on the CPU.  d out / d x_i = 2 (x_i - mean) /
    (n - correction).

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0, 2.0, 3.0, 4.0])
        >>> yingshe.var(x)
        tensor(1.6667)
        >>> yingshe.var(x, correction=0)  # the population variance
        tensor(1.2500)
    """
    axes, correction, dim_given = _variance_args(input, dim, unbiased, correction, "var")
    return Var.apply(input, axes, keepdim, correction, dim_given)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation over ``dim`` (all dims when None), with Bessel's correction by
    default.

    out = sqrt(sum_i (x_i - mean)^2 / max(n - correction, 0)), ``correction`` 1 unless given
    (``unbiased=False`` means 0).  d out / d x_i = (x_i - mean) / ((n - correction) out), 0 where
    out = 0 (PyTorch's rule).

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]])
        >>> yingshe.std(x, dim=1)
        tensor([1.2910, 0.0000])
        >>> yingshe.std(x, dim=1, unbiased=False)
        tensor([1.1180, 0.0000])
    """
    axes, correction, dim_given = _variance_args(input, dim, unbiased, correction, "std")
    return Std.apply(input, axes, keepdim, correction, dim_given)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The tuple (variance, mean) over ``dim``, both differentiable: ``var`` and ``mean`` in one
    call, with the same ``dim``, ``correction`` and ``keepdim``.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.  Both results have that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.var_mean(yingshe.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]), dim=1)
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    axes, correction, dim_given = _variance_args(input, dim, unbiased, correction, "var_mean")
    return Var.apply(input, axes, keepdim, correction, dim_given), Mean.apply(input, axes, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The tuple (standard deviation, mean) over ``dim``, both differentiable: ``std`` and ``mean``
    in one call, with the same ``dim``, ``correction`` and ``keepdim``.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.  Both results have that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.std_mean(yingshe.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]), dim=1)
        (tensor([1., 2.]), tensor([2., 4.]))
    """
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
    """log(sum(exp(x))) over ``dim``, computed without overflow; integer inputs give the default
    float dtype.

    out = m + log(sum_i exp(x_i - m)) with m the slice's maximum, so no exp overflows;
    d out / d x_i = exp(x_i - out), the softmax of x.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``).

    Examples:
        >>> import yingshe
        >>> yingshe.logsumexp(yingshe.tensor([0.0, 0.0]), dim=0)  # log 2
        tensor(0.6931)
        >>> yingshe.logsumexp(yingshe.tensor([1000.0, 1000.0]), dim=0)  # exp(1000) is inf
        tensor(1000.6932)
    """
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
    """The vector p-norm over ``dim`` (all dims when None): out = (sum_i |x_i|^p)^(1/p).

    ``p`` may be 'fro' or 2 (the Euclidean norm), 1, inf (max |x_i|), -inf (min |x_i|), 0 (the
    number of nonzeros) or any other number; p='nuc' is the nuclear norm of the matrices over
    ``dim`` (``linalg.matrix_norm``), as torch.norm.  d ||x||_p / d x_i =
    sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1), 0 where the norm is 0.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[3.0, 4.0], [-1.0, 0.0]])
        >>> yingshe.norm(x[0])
        tensor(5.)
        >>> yingshe.norm(x, p=1, dim=1)
        tensor([7., 1.])
        >>> yingshe.norm(x, p=float("inf"))
        tensor(4.)
    """
    if isinstance(p, str):
        if p == "nuc":
            from .linalg import matrix_norm  # ops/linalg.py builds on this module
            dims = tuple(range(input.ndim)) if dim is None else dim
            return matrix_norm(input if dtype is None else to_copy(input, dtype), "nuc", dims,
                               keepdim)
        if p != "fro":
            raise RuntimeError(f"norm: p={p!r} is not supported; use 'fro', 'nuc' or a number")
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
    """The running sum along ``dim``; bool and integer inputs give int64.

    out_i = sum_{j <= i} x_j along ``dim``; the gradient is the running sum of dy in the other
    direction, dx_j = sum_{i >= j} dy_i.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.cumsum(yingshe.tensor([1, 2, 3, 4]), dim=0)
        tensor([ 1,  3,  6, 10])
        >>> yingshe.cumsum(yingshe.ones(2, 3), dim=1)
        tensor([[1., 2., 3.],
                [1., 2., 3.]])
    """
    if dtype is not None:
        input = to_copy(input, dtype)
    axis = _axis(dim, input.ndim, "cumsum")
    return Cumsum.apply(input, axis, False, _integer_accumulator(input))



def cumprod(input, dim, *, dtype=None):
    """The running product along ``dim``: out_i = prod_{j <= i} x_j = out_{i-1} x_i.

    The differentiable path unrolls it as products of slices, so the gradient is exact where x
    has zeros (and differentiable again).  float16 and float32 inputs accumulate in float64, as
    PyTorch's CPU kernel does, so a product that leaves the input's range and then meets a zero
    (1e30 * 1e30 * 0) is 0, not inf * 0 = NaN, forward and backward.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.cumprod(yingshe.tensor([1.0, 2.0, 3.0, 4.0]), dim=0)
        tensor([ 1.,  2.,  6., 24.])
        >>> x = yingshe.tensor([2.0, 0.0, 3.0], requires_grad=True)
        >>> yingshe.cumprod(x, dim=0).sum().backward()
        >>> x.grad  # d/dx_1 (x_0 + x_0 x_1 + x_0 x_1 x_2) = x_0 + x_0 x_2
        tensor([1., 8., 0.])
    """
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
    """The index of the largest element along ``dim`` (the first among ties), or in the flattened
    input when ``dim`` is None.  Not differentiable; the result is int64.

    Shape:
        Input: (*).  Output: the input's shape without ``dim`` (kept with size 1 when
        ``keepdim=True``); () when ``dim`` is None (all dims of size 1 with ``keepdim``).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
        >>> yingshe.argmax(x)  # index into x.flatten()
        tensor(5)
        >>> yingshe.argmax(x, dim=1)
        tensor([1, 2])
    """
    return _arg_extremum(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """The index of the smallest element along ``dim`` (the first among ties), or in the flattened
    input when ``dim`` is None; ``argmax`` for the largest.

    Shape:
        As ``argmax``: the input's shape without ``dim`` (size 1 with ``keepdim``), () without
        ``dim``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 5.0, 1.0], [4.0, 3.0, 6.0]])
        >>> yingshe.argmin(x, dim=1, keepdim=True)  # the first of the tied minima in row 0
        tensor([[0],
                [1]])
    """
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
    """The named tuple (values, indices) of ``input`` sorted along ``dim``, ascending unless
    ``descending``: values = input.gather(dim, indices).

    The values are differentiable (each gradient goes back to the element it came from).  The
    sort is always stable (equal elements keep their order, so ``stable`` changes nothing), and
    NaN sorts as the largest value.

    Shape:
        Input: (*).  Values and indices: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.sort(yingshe.tensor([3.0, 1.0, 2.0]))
        sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
        >>> yingshe.sort(yingshe.tensor([[3, 1, 2], [0, 5, 4]]), dim=1, descending=True).values
        tensor([[3, 2, 1],
                [5, 4, 0]])
    """
    axis = _axis(dim, input.ndim, "sort")
    index = _sort_index(input._data, axis, descending)
    values = TakeAlongDim.apply(input, index, axis, input.shape)
    return _SortResult(values, _constant(index.reshape(input.shape)))


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``; stable, ascending
    unless ``descending``).  Not differentiable.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.argsort(yingshe.tensor([3.0, 1.0, 2.0, 1.0]))  # the tied 1s keep their order
        tensor([1, 3, 2, 0])
    """
    axis = _axis(dim, input.ndim, "argsort")
    return _constant(_sort_index(input._data, axis, descending).reshape(input.shape))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The named tuple (values, indices) of the ``k`` largest (or, ``largest=False``, smallest)
    elements along ``dim``, in sorted order; the values are differentiable (each gradient goes to
    the element it came from).

    Shape:
        Input: (*).  Values and indices: the input's shape with the size of ``dim`` replaced by
        ``k``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0, 5.0, 3.0, 4.0])
        >>> yingshe.topk(x, 2)
        topk(values=tensor([5., 4.]), indices=tensor([1, 3]))
        >>> yingshe.topk(x, 2, largest=False).values
        tensor([1., 3.])
    """
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
    """True where every element over ``dim`` is nonzero (all dims when None); uint8 inputs give
    uint8, every other dtype bool.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[True, False], [True, True]])
        >>> yingshe.all(x), yingshe.all(x, dim=1)
        (tensor(False), tensor([False,  True]))
    """
    return _logical(input, dim, keepdim, "all")


def any(input, dim=None, keepdim=False):
    """True where some element over ``dim`` is nonzero (all dims when None); uint8 inputs give
    uint8, every other dtype bool.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[0.0, 0.0], [0.0, 2.0]])
        >>> yingshe.any(x), yingshe.any(x, dim=1)
        (tensor(True), tensor([False,  True]))
    """
    return _logical(input, dim, keepdim, "any")


def count_nonzero(input, dim=None):
    """The number of nonzero elements over ``dim`` (an int or a tuple of ints; all dims when None),
    as int64.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim``; () when ``dim`` is
        None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[0, 1, 2], [0, 0, 3]])
        >>> yingshe.count_nonzero(x), yingshe.count_nonzero(x, dim=0)
        (tensor(3), tensor([0, 1, 2]))
    """
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


# ---- unique values -------------------------------------------------------------------------------
def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [_constant(values)]
    if return_inverse:
        out.append(_constant(inverse.astype(np.int64, copy=False)))
    if return_counts:
        out.append(_constant(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements in ascending order (or, with ``dim``, the distinct slices along it,
    in lexicographic order); optionally the index of each input element in that result
    (``return_inverse``, so that ``output[inverse]`` is the input) and how often each occurs
    (``return_counts``).

    The result is always sorted (``sorted=False`` sorts too).  NaNs are all distinct.  Not
    differentiable: the result is outside the graph.

    Shape:
        Input: (*).  Output: (U,) for U distinct values; inverse: (*), the input's shape; counts:
        (U,).  With ``dim``: the input's shape with U slices along ``dim``; inverse and counts
        (input.shape[dim],) and (U,).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([3, 1, 3, 2])
        >>> yingshe.unique(x, return_inverse=True, return_counts=True)
        (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
        >>> yingshe.unique(yingshe.tensor([[1, 2], [0, 5], [1, 2]]), dim=0)
        tensor([[0, 5],
                [1, 2]])
    """
    x = input._data
    xp = get_array_module(x)
    if dim is None:
        values, inverse, counts = xp.unique(x.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        axis = _axis(dim, x.ndim, "unique")
        values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True,
                                            axis=axis)
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """One element (or slice along ``dim``) from each run of equal consecutive ones, as the Unix
    tool uniq does; optionally each element's run number (``return_inverse``) and the run lengths
    (``return_counts``). Not differentiable.

    Shape:
        Input: (*).  Output: (R,) for R runs (with ``dim``: R slices along it); inverse: the input's
        shape ((input.shape[dim],) with ``dim``); counts: (R,).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1, 1, 2, 2, 3, 1, 1])
        >>> yingshe.unique_consecutive(x, return_counts=True)
        (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 2]))
    """
    x = input._data
    xp = get_array_module(x)
    if dim is None:
        rows, shape = x.reshape(-1, 1), x.shape
    else:
        axis = _axis(dim, x.ndim, "unique_consecutive")
        moved = xp.moveaxis(x, axis, 0)
        rows, shape = moved.reshape(moved.shape[0], -1), (moved.shape[0],)
    starts = xp.ones(rows.shape[0], dtype=bool)
    if rows.shape[0] > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    first = xp.nonzero(starts)[0]
    if dim is None:
        values = x.reshape(-1)[first]
    else:
        values = xp.take(x, first, axis=axis)
    inverse = (xp.cumsum(starts) - 1).reshape(shape)
    counts = xp.diff(xp.append(first, rows.shape[0]))
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


# ---- running extrema and log-sum-exp ----------------------------------------------------------
_CummaxResult = collections.namedtuple("cummax", ["values", "indices"])
_CumminResult = collections.namedtuple("cummin", ["values", "indices"])


def _running_extremum(input, dim, op):
    """(values, indices) of the running max or min along ``dim``: a later element equal to the
    running value takes over its index, and a NaN sticks (PyTorch's rule); each value's gradient
    goes to its index (repeats add up)."""
    x = input._data
    axis = _axis(dim, x.ndim, op)
    xp = get_array_module(x)
    x1 = x.reshape(x.shape or (1,))
    ufunc = xp.maximum if op == "cummax" else xp.minimum
    running = ufunc.accumulate(x1, axis=axis) if x1.size else x1.copy()
    at_value = x1 == running
    if x1.dtype.kind == "f":
        at_value |= xp.isnan(x1) & xp.isnan(running)
    shape = [1] * x1.ndim
    shape[axis] = x1.shape[axis]
    positions = xp.where(at_value, xp.arange(x1.shape[axis]).reshape(shape), 0)
    index = xp.maximum.accumulate(positions, axis=axis) if x1.size else positions
    index = index.astype(np.int64).reshape(x.shape)
    values = gather(input, axis, _constant(index))
    result = _CummaxResult if op == "cummax" else _CumminResult
    return result(values, _constant(index))


def cummax(input, dim):
    """The named tuple (values, indices) of the running maximum along ``dim``:
    values_i = max_{j <= i} x_j, indices_i the position of the last element equal to it (a NaN
    sticks, as in PyTorch).  Each value's gradient goes to its index.

    Shape:
        Input: (*).  Values and indices: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.cummax(yingshe.tensor([1.0, 3.0, 2.0, 5.0, 4.0]), dim=0)
        cummax(values=tensor([1., 3., 3., 5., 5.]), indices=tensor([0, 1, 1, 3, 3]))
    """
    return _running_extremum(input, dim, "cummax")


def cummin(input, dim):
    """The named tuple (values, indices) of the running minimum along ``dim``:
    values_i = min_{j <= i} x_j, indices_i the position of the last element equal to it (a NaN
    sticks, as in PyTorch).  Each value's gradient goes to its index.

    Shape:
        Input: (*).  Values and indices: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.cummin(yingshe.tensor([4.0, 2.0, 3.0, 1.0]), dim=0)
        cummin(values=tensor([4., 2., 2., 1.]), indices=tensor([0, 1, 1, 3]))
    """
    return _running_extremum(input, dim, "cummin")


class LogCumSumExp(Op):
    """y_i = ln(sum_{j <= i} e^(x_j)) along ``axis``, accumulated pairwise with logaddexp (no
    overflow, no underflow of the early terms);  dx_j = sum_{i >= j} dy_i e^(x_j - y_i), summed
    in the log domain separately for positive and negative dy (PyTorch's stable formula)."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        xp = get_array_module(x)
        x1 = x.reshape(x.shape or (1,))
        y = xp.logaddexp.accumulate(x1, axis=axis) if x1.size else x1.copy()
        y = y.reshape(x.shape)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axis = ctx.axis
        if x.ndim == 0:
            return grad, None
        lowest = float(np.finfo(x._data.dtype).min)

        def reverse_logcumsumexp(t):
            return flip(LogCumSumExp.apply(flip(t, axis), axis), axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_magnitude = elementwise.log(elementwise.abs(grad))
            positive = elementwise.Where.apply(grad._data > 0, log_magnitude, lowest)
            negative = elementwise.Where.apply(grad._data < 0, log_magnitude, lowest)
            return (elementwise.exp(reverse_logcumsumexp(positive - y) + x)
                    - elementwise.exp(reverse_logcumsumexp(negative - y) + x)), None


def logcumsumexp(input, dim):
    """The log of the running sum of exponentials along ``dim``, computed without overflow
    (floating-point inputs only).

    out_i = log(sum_{j <= i} exp(x_j)), accumulated pairwise with logaddexp;
    dx_j = sum_{i >= j} dy_i exp(x_j - out_i), summed in the log domain (PyTorch's stable
    formula).

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.logcumsumexp(yingshe.tensor([0.0, 0.0, 0.0]), dim=0)  # log 1, log 2, log 3
        tensor([0.0000, 0.6931, 1.0986])
    """
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"logcumsumexp: not implemented for {input.dtype.name} tensors "
                                  "(floating point only)")
    return LogCumSumExp.apply(input, _axis(dim, input.ndim, "logcumsumexp"))


# ---- sorted positions and counts ----------------------------------------------------------------
def _side(right, side):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        return side
    return "right" if right else "left"


def _as_values(values, like):
    """The raw array of a tensor or of a number (a 0-d array) searched for."""
    if isinstance(values, Tensor):
        return values._data
    return get_array_module(like).asarray(values)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """For each value v, the index at which it would be inserted into the sorted last dim s of
    ``sorted_sequence`` to keep it sorted: the i with s[i-1] < v <= s[i] (the first such place),
    or with ``right=True`` / ``side='right'`` the i with s[i-1] <= v < s[i] (the last).

    An N-d sequence searches row by row: its leading dims must match the values'.  ``sorter``
    gives the order that sorts an unsorted sequence.  The result is int64 (int32 with
    ``out_int32``).

    Shape:
        Sequence: (M,) or (*, M).  Input: any shape for a 1-D sequence, else (*, K) with the
        sequence's leading dims; a number gives ().  Output: the shape of the input.

    Examples:
        >>> import yingshe
        >>> s = yingshe.tensor([1, 3, 5, 7])
        >>> yingshe.searchsorted(s, yingshe.tensor([3, 6, 9]))
        tensor([1, 3, 4])
        >>> yingshe.searchsorted(s, yingshe.tensor([3, 6, 9]), right=True)
        tensor([2, 3, 4])
    """
    side = _side(right, side)
    sequence, values = sorted_sequence._data, _as_values(input, sorted_sequence._data)
    xp = get_array_module(sequence)
    if sorter is not None:
        sequence = xp.take_along_axis(sequence, sorter._data, axis=-1)
    if sequence.ndim > 1 and sequence.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(
            f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            f"dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(sequence.shape)} and input value tensor "
            f"{list(values.shape)}")
    dtype = np.int32 if out_int32 else np.int64
    if sequence.ndim <= 1:
        return _constant(xp.searchsorted(sequence.reshape(-1), values, side=side).astype(dtype))
    rows = sequence.reshape(-1, sequence.shape[-1])
    queries = values.reshape(rows.shape[0], -1)
    out = xp.stack([xp.searchsorted(r, q, side=side) for r, q in zip(rows, queries)])
    return _constant(out.reshape(values.shape).astype(dtype))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among the sorted 1-D ``boundaries``: the i with
    boundaries[i-1] < x <= boundaries[i] (or boundaries[i-1] <= x < boundaries[i] with
    ``right=True``); values past the last boundary get len(boundaries).

    Shape:
        Input: (*).  Boundaries: (M,).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> boundaries = yingshe.tensor([1, 3, 5])
        >>> yingshe.bucketize(yingshe.tensor([[0, 3], [4, 6]]), boundaries)
        tensor([[0, 1],
                [2, 3]])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):
    """The histogram: counts of the elements in ``bins`` equal-width bins over [min, max].

    Element x falls in bin floor((x - min) * bins / (max - min)), the last bin including max;
    min = max (the default 0, 0) means the data's range.  Elements outside, and NaNs, are
    ignored.  The counts have the input's dtype; no gradient.

    Shape:
        Input: (*).  Output: (bins,).

    Examples:
        >>> import yingshe
        >>> yingshe.histc(yingshe.tensor([1.0, 2.0, 1.0, 3.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 1.])
    """
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"histc: not implemented for {input.dtype.name} tensors "
                                  "(floating point only)")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError(f"torch.histc: max must be larger than min (got min {min}, max {max})")
    xp = get_array_module(x)
    low, high = x.dtype.type(min), x.dtype.type(max)
    if low == high and x.size:
        low, high = x.min(), x.max()
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low}, {high}] is not finite")
    inside = x[(x >= low) & (x <= high)]
    position = ((inside - low) * bins / (high - low)).astype(np.int64)
    position = xp.minimum(position, bins - 1)
    return _constant(xp.bincount(position, minlength=bins).astype(x.dtype))


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ..., max(input) occurs in a 1-D tensor of non-negative integers
    (at least ``minlength`` counts); with ``weights``, out[v] = the sum of the weights of the
    elements equal to v (float32 weights give float32, others float64).

    Shape:
        Input: (N,).  Weights: (N,).  Output: (max(max(input) + 1, minlength),).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([0, 1, 1, 3])
        >>> yingshe.bincount(x)
        tensor([1, 2, 0, 1])
        >>> yingshe.bincount(x, weights=yingshe.tensor([0.5, 1.0, 1.0, 2.0]), minlength=5)
        tensor([0.5000, 2.0000, 0.0000, 2.0000, 0.0000])
    """
    x = input._data
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f"bincount: not implemented for {input.dtype.name} tensors "
                                  "(integers only)")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got shape "
                           f"{tuple(x.shape)})")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    xp = get_array_module(x)
    if weights is None:
        return _constant(xp.bincount(x, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.shape != x.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input "
                           f"(input {tuple(x.shape)}, weights {tuple(w.shape)})")
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    return _constant(xp.bincount(x, weights=w, minlength=minlength).astype(dtype))


# ---- order statistics: kthvalue, median --------------------------------------------------------
_KthvalueResult = collections.namedtuple("kthvalue", ["values", "indices"])
_MedianResult = collections.namedtuple("median", ["values", "indices"])
_NanmedianResult = collections.namedtuple("nanmedian", ["values", "indices"])


def _pick_sorted(input, axis, position, keepdim):
    """(values, indices) of the elements at ``position`` (an array, one per slice, in the
    kept-dim shape) of each slice sorted along ``axis`` (stably, NaN last); the gradient goes to
    the picked element."""
    x = input._data
    order = _sort_index(x, axis, descending=False)
    index = get_array_module(x).take_along_axis(order, position, axis=axis)
    out_shape = _reduced_shape(x.shape, (axis,) if x.ndim else (), keepdim)
    values = TakeAlongDim.apply(input, index, axis, out_shape)
    return values, _constant(index.reshape(out_shape))


def kthvalue(input, k, dim=-1, keepdim=False):
    """The named tuple (values, indices) of the k-th smallest element along ``dim`` (k = 1 is the
    smallest): the element at position k - 1 of each slice sorted stably.  The gradient goes to
    the picked element.

    Shape:
        Input: (*).  Values and indices: the input's shape without ``dim`` (kept with size 1 when
        ``keepdim=True``).

    Examples:
        >>> import yingshe
        >>> yingshe.kthvalue(yingshe.tensor([3.0, 1.0, 2.0, 5.0]), 2)
        kthvalue(values=tensor(2.), indices=tensor(2))
    """
    x = input._data
    axis = _axis(dim, x.ndim, "kthvalue")
    size = (x.shape or (1,))[axis]
    if not _is_int(k) or not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} "
                           f"(k = {k}, size {size})")
    shape = list(x.shape or (1,))
    shape[axis] = 1
    position = get_array_module(x).full(shape, k - 1, dtype=np.int64)
    return _KthvalueResult(*_pick_sorted(input, axis, position, keepdim))


class MedianAll(Op):
    """y = the lower median of all elements (NaN if any is NaN, or, ``ignore_nan``, of the others);
    dx = dy / k at each of the k elements equal to y (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, x, ignore_nan):
        xp = get_array_module(x)
        flat = x.reshape(-1)
        if x.dtype.kind == "f":
            flat = flat[~xp.isnan(flat)] if ignore_nan else flat
        if flat.size == 0 or (x.dtype.kind == "f" and xp.isnan(flat).any()):
            y = xp.asarray(xp.nan, dtype=x.dtype)
        else:
            y = xp.asarray(xp.sort(flat)[(flat.size - 1) // 2])
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _share_among_ties(grad, x._data, y._data, tuple(range(x.ndim)), True), None


def _median(input, dim, keepdim, ignore_nan, op):
    if dim is None:
        return MedianAll.apply(input, ignore_nan)
    x = input._data
    axis = _axis(dim, x.ndim, op)
    x1 = x.reshape(x.shape or (1,))
    _require_nonempty(x1.shape, (axis,), op)
    xp = get_array_module(x)
    n = x1.shape[axis]
    nans = (xp.isnan(x1).sum(axis=axis, keepdims=True) if x.dtype.kind == "f"
            else xp.zeros(_kept_shape(x1.shape, (axis,)), np.int64))
    if ignore_nan:  # the lower median of the numbers; index 0 where all are NaN
        position = xp.maximum(n - nans - 1, 0) // 2
    else:  # the first NaN where there is one
        position = xp.where(nans > 0, n - nans, (n - 1) // 2)
    result = _NanmedianResult if ignore_nan else _MedianResult
    return result(*_pick_sorted(input, axis, position.astype(np.int64), keepdim))


def median(input, dim=None, keepdim=False):
    """The lower median: the element at position floor((n - 1) / 2) of the n sorted elements (for an
    even n the smaller of the two middle ones, not their mean).

    ``median(input)``: the median of all elements (NaN if any is NaN); tied elements share the
    gradient.  ``median(input, dim, keepdim=False)``: the named tuple (values, indices) along
    ``dim``, the gradient going to the returned index.

    Shape:
        ``median(input)``: input (*), output ().  With ``dim``: values and indices have the
        input's shape without ``dim`` (kept with size 1 when ``keepdim=True``).

    Examples:
        >>> import yingshe
        >>> yingshe.median(yingshe.tensor([1.0, 4.0, 2.0, 3.0]))
        tensor(2.)
        >>> yingshe.median(yingshe.tensor([[5.0, 1.0, 3.0], [2.0, 6.0, 4.0]]), dim=1)
        median(values=tensor([3., 4.]), indices=tensor([2, 2]))
    """
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input, dim=None, keepdim=False):
    """``median`` ignoring NaNs: the lower median of the other elements of each slice (NaN only
    where a slice has nothing else).

    Shape:
        ``nanmedian(input)``: input (*), output ().  With ``dim``: values and indices have the
        input's shape without ``dim`` (kept with size 1 when ``keepdim=True``).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0, float("nan"), 3.0, 2.0])
        >>> yingshe.median(x), yingshe.nanmedian(x)
        (tensor(nan), tensor(2.))
    """
    return _median(input, dim, keepdim, True, "nanmedian")


class NanToZero(Op):
    """y = x with NaNs replaced by 0;  dx = dy * (x is not NaN), a product as in PyTorch (so an
    infinite dy still gives NaN there)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        present = ~xp.isnan(x)
        ctx.present = present.astype(x.dtype)
        return xp.where(present, x, x.dtype.type(0))

    @staticmethod
    def backward(ctx, grad):
        return grad * _constant(ctx.present)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, op):
    """The q-quantiles over ``dim`` (all elements when None), read off the sorted values at rank
    q (n - 1) and interpolated between the neighbouring ranks (Hyndman & Fan, Sample Quantiles
    in Statistical Packages, 1996, definition 7 for 'linear').  A slice with a NaN gives NaN,
    unless ``ignore_nan``; then n counts the other elements.  The gradient goes to the one or
    two sorted elements used."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got "
                           f"{input.dtype.name}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}() interpolation must be one of {', '.join(_INTERPOLATIONS)}. "
                         f"Got {interpolation!r}")
    xp = get_array_module(input._data)
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor, got "
                               f"{q.dtype.name} and {input.dtype.name}")
        qs, q_is_vector = q._data.reshape(-1).astype(np.float64), q.ndim == 1
    else:
        qs, q_is_vector = xp.asarray([float(q)]), False
    if qs.size and (qs.min() < 0 or qs.max() > 1):
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got "
                           f"{float(qs.min() if qs.min() < 0 else qs.max())}")
    if dim is None:
        x, axis = input.reshape(-1), 0
        kept_shape = (1,) * input.ndim
    else:
        axis = _axis(dim, input.ndim, op)
        x = input.reshape(input.shape or (1,))
        kept_shape = _kept_shape(input.shape, (axis,) if input.ndim else ())
    if x.shape[axis] == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    values = sort(x.movedim(axis, -1), -1).values  # (..., n), NaN last
    n = values.shape[-1]
    nans = xp.isnan(values._data).sum(axis=-1, keepdims=True)
    if ignore_nan:
        rank = qs * xp.maximum(n - nans - 1, 0)
    else:
        rank = xp.where(nans > 0, n - 1, qs * (n - 1))
    below, above = xp.floor(rank), xp.ceil(rank)
    if interpolation == "lower":
        above = below
    elif interpolation == "higher":
        below = above
    elif interpolation == "nearest":
        below = above = xp.round(rank)
    weight = 0.5 if interpolation == "midpoint" else rank - below
    weight = _constant(xp.broadcast_to(xp.asarray(weight, values._data.dtype), rank.shape))
    low = gather(values, -1, _constant(below.astype(np.int64)))
    high = gather(values, -1, _constant(above.astype(np.int64)))
    result = (low + weight * (high - low)).movedim(-1, 0)  # (Q, ...)
    if keepdim:
        result = result.reshape((qs.size,) + tuple(kept_shape))
    return result if q_is_vector else result.reshape(result.shape[1:])


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-quantiles over ``dim`` (all elements when None), q a number or a 1-D tensor in [0, 1].

    Each slice's n values are sorted and read at rank r = q (n - 1); 'linear' interpolation (the
    default) gives v_floor(r) + (r - floor(r)) (v_ceil(r) - v_floor(r)) (Hyndman & Fan, Sample
    Quantiles in Statistical Packages, 1996, definition 7); 'lower', 'higher', 'nearest' and
    'midpoint' pick or average the neighbouring ranks instead.  A slice with a NaN gives NaN.
    The gradient goes to the one or two sorted elements used.

    Shape:
        Input: (*).  Output: for a number q, the input's shape without ``dim`` (kept with size 1
        when ``keepdim=True``), () when ``dim`` is None; for q of shape (Q,), Q first: (Q, ...).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([0.0, 1.0, 2.0, 3.0])
        >>> yingshe.quantile(x, 0.5)
        tensor(1.5000)
        >>> yingshe.quantile(x, yingshe.tensor([0.25, 0.75]))
        tensor([0.7500, 2.2500])
        >>> yingshe.quantile(x, 0.5, interpolation="lower")
        tensor(1.)
    """
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` ignoring NaNs: r = q (n - 1) with n counting the elements that are not NaN (NaN
    only where a slice has nothing else).

    Shape:
        As ``quantile``: for a number q, the input's shape without ``dim``; for q of shape (Q,),
        (Q, ...).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[0.0, float("nan"), 2.0], [1.0, 2.0, 3.0]])
        >>> yingshe.nanquantile(x, 0.5, dim=1)
        tensor([1., 2.])
    """
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over ``dim`` with NaNs counted as 0 (their gradient is 0): out = sum of the x_i that
    are not NaN.

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> yingshe.nansum(yingshe.tensor([1.0, float("nan"), 2.0]))
        tensor(3.)
    """
    if input._data.dtype.kind == "f":
        input = NanToZero.apply(input)
    return sum(input, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` of the elements that are not NaN: out = (sum of the m non-NaN x_i) / m
    (NaN where m = 0).

    Shape:
        Input: (*).  Output: the input's shape without the dims in ``dim`` (kept with size 1
        when ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, float("nan"), 3.0], [float("nan"), float("nan"), 4.0]])
        >>> yingshe.nanmean(x, dim=1)
        tensor([2., 4.])
    """
    if dtype is not None:
        input = to_copy(input, dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                           f"{input.dtype.name}")
    x = input._data
    present = _constant((~get_array_module(x).isnan(x)).astype(x.dtype))
    with np.errstate(divide="ignore", invalid="ignore"):
        return nansum(input, dim, keepdim) / sum(present, dim, keepdim)


# ---- differences ---------------------------------------------------------------------------------
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``: out_i = x_{i+1} - x_i, applied ``n`` times (``!=``
    for bool), after joining ``prepend`` and ``append`` to the input along ``dim``.

    Shape:
        Input: (*) with at least 1 dim, L elements along ``dim`` (counting ``prepend`` and
        ``append``).  Output: the same shape with L - n elements along ``dim``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1, 4, 9, 16])
        >>> yingshe.diff(x)
        tensor([3, 5, 7])
        >>> yingshe.diff(x, n=2)
        tensor([2, 2])
        >>> yingshe.diff(x, prepend=yingshe.tensor([0]))
        tensor([1, 3, 5, 7])
    """
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    axis = _axis(dim, input.ndim, "diff")
    pieces = [t for t in (prepend, input, append) if t is not None]
    x = cat(pieces, axis) if len(pieces) > 1 else input
    for _ in range(n):
        size = x.shape[axis]
        if size == 0:
            break
        later, earlier = narrow(x, axis, 1, size - 1), narrow(x, axis, 0, size - 1)
        x = (elementwise.logical_xor(later, earlier) if x._data.dtype.kind == "b"
             else elementwise.sub(later, earlier))
    return x


def _gradient_along(f, axis, x, edge_order):
    """df/dx along ``axis`` at the coordinates x (a float64 NumPy vector): second-order central
    differences inside, one-sided ones of order ``edge_order`` at the ends (Fornberg, Generation
    of Finite Difference Formulas on Arbitrarily Spaced Grids, 1988; NumPy's gradient)."""
    n = f.shape[axis]

    def part(start, length):
        return narrow(f, axis, start, length)

    def along(values):  # coefficients laid along ``axis``, as constants of f's dtype
        shape = [1] * f.ndim
        shape[axis] = -1
        xp = get_array_module(f._data)
        return _constant(xp.asarray(values, dtype=f._data.dtype).reshape(shape))
    dx = np.diff(x)
    h1, h2 = dx[:-1], dx[1:]
    inside = (part(0, n - 2) * along(-h2 / (h1 * (h1 + h2)))
              + part(1, n - 2) * along((h2 - h1) / (h1 * h2))
              + part(2, n - 2) * along(h1 / (h2 * (h1 + h2))))
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / float(dx[0])
        last = (part(n - 1, 1) - part(n - 2, 1)) / float(dx[-1])
    else:
        a, b = dx[0], dx[1]
        first = (part(0, 1) * float(-(2 * a + b) / (a * (a + b)))
                 + part(1, 1) * float((a + b) / (a * b))
                 + part(2, 1) * float(-a / (b * (a + b))))
        a, b = dx[-2], dx[-1]
        last = (part(n - 3, 1) * float(b / (a * (a + b)))
                + part(n - 2, 1) * float(-(a + b) / (a * b))
                + part(n - 1, 1) * float((2 * b + a) / (b * (a + b))))
    return cat([first, inside, last], axis)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The numerical derivative of samples f of a function along each of ``dim`` (all dims by
    default), one tensor per dim.

    Inside: second-order central differences, (f_{i+1} - f_{i-1}) / (2 h) for an even spacing h
    (the general weights for uneven coordinates); at the edges one-sided differences of order
    ``edge_order`` (Fornberg, Generation of Finite Difference Formulas on Arbitrarily Spaced
    Grids, 1988; as NumPy's gradient).  ``spacing`` is the sample distance (a number, or one per
    dim) or the sample coordinates (one 1-D tensor per dim).

    Shape:
        Input: (*).  Output: a tuple with one tensor per dim in ``dim``, each of the input's
        shape.

    Examples:
        >>> import yingshe
        >>> f = yingshe.tensor([1.0, 4.0, 9.0, 16.0])  # x^2 at x = 1, 2, 3, 4
        >>> yingshe.gradient(f)
        (tensor([3., 4., 6., 7.]),)
        >>> yingshe.gradient(f, spacing=2.0)
        (tensor([1.5000, 2.0000, 3.0000, 3.5000]),)
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = tuple(range(input.ndim)) if dim is None else (dim,) if _is_int(dim) else tuple(dim)
    axes = [_axis(d, input.ndim, "gradient") for d in dims]
    spacings = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(axes)
    if len(spacings) != len(axes):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or a "
                           f"list of length {len(axes)}, got {len(spacings)}")
    if input._data.dtype.kind != "f":
        input = to_copy(input, _dtype.get_default_dtype())
    results = []
    for axis, step in zip(axes, spacings):
        samples = input
        if isinstance(step, Tensor):  # coordinates take part in the type promotion
            samples = to_copy(input, _dtype.promote_types(input.dtype, step.dtype))
        n = input.shape[axis]
        if n < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
        if isinstance(step, Tensor):
            x = np.asarray(step.detach().cpu().numpy(), np.float64).reshape(-1)
            if x.size != n:
                raise RuntimeError(f"torch.gradient expected the coordinates along dim {axis} "
                                   f"to have {n} values, got {x.size}")
        else:
            x = np.arange(n, dtype=np.float64) * float(step)
        results.append(_gradient_along(samples, axis, x, edge_order))
    return tuple(results)


_AminmaxResult = collections.namedtuple("aminmax", ["min", "max"])


def aminmax(input, *, dim=None, keepdim=False):
    """The named tuple (min, max) over ``dim`` (an int, or all dims when None): ``amin`` and
    ``amax`` in one call; tied elements share each gradient evenly.

    Shape:
        Input: (*).  Min and max: the input's shape without ``dim`` (kept with size 1 when
        ``keepdim=True``); () when ``dim`` is None.

    Examples:
        >>> import yingshe
        >>> yingshe.aminmax(yingshe.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=0)
        aminmax(min=tensor([1., 2.]), max=tensor([4., 5.]))
    """
    dims = () if dim is None else dim
    return _AminmaxResult(amin(input, dims, keepdim), amax(input, dims, keepdim))


def msort(input):
    """``input`` sorted in ascending order along dim 0 (the values of ``sort(input, dim=0)``).

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.msort(yingshe.tensor([[3, 1], [2, 4], [1, 0]]))
        tensor([[1, 0],
                [2, 1],
                [3, 4]])
    """
    return sort(input, dim=0).values


def dist(input, other, p=2):
    """The p-norm of the difference of two tensors (broadcasting): out = ||input - other||_p =
    (sum_i |input_i - other_i|^p)^(1/p).

    Shape:
        Input and other: shapes that broadcast together.  Output: ().

    Examples:
        >>> import yingshe
        >>> a, b = yingshe.tensor([0.0, 0.0]), yingshe.tensor([3.0, 4.0])
        >>> yingshe.dist(a, b), yingshe.dist(a, b, p=1)
        (tensor(5.), tensor(7.))
    """
    return norm(elementwise.sub(input, other), p)


# ---- contractions and distances -----------------------------------------------------------------
def tensordot(a, b, dims=2):
    """The sum over contracted dims of a product: out[i..., j...] = sum_k a[i..., k...] b[k...,
    j...].

    ``dims`` = n contracts the last n dims of ``a`` with the first n of ``b``; a pair of lists
    names the contracted dims of each.  Computed as one matrix product of the reshaped tensors.

    Shape:
        a: (*free_a, *K) (contracted dims anywhere), b: (*K, *free_b).  Output:
        (*free_a, *free_b), the free dims of a followed by those of b.

    Examples:
        >>> import yingshe
        >>> a = yingshe.arange(6.0).reshape(2, 3)
        >>> b = yingshe.arange(12.0).reshape(3, 4)
        >>> bool((yingshe.tensordot(a, b, dims=1) == a @ b).all())
        True
        >>> c = yingshe.arange(24.0).reshape(2, 3, 4)
        >>> yingshe.tensordot(c, yingshe.ones(4, 3), dims=([1, 2], [1, 0]))
        tensor([ 66., 210.])
    """
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > builtins.min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError(f"tensordot: both dimension lists should have same length, got "
                           f"{dims_a} and {dims_b}")
    dims_a = [_axis(d, a.ndim, "tensordot") for d in dims_a]
    dims_b = [_axis(d, b.ndim, "tensordot") for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {a.shape[da]} in dim {da} and second has size "
                               f"{b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = math.prod(a.shape[d] for d in dims_a)
    left = a.permute(free_a + dims_a).reshape(-1, k)
    right = b.permute(dims_b + free_b).reshape(k, -1)
    return matmul(left, right).reshape([a.shape[d] for d in free_a] +
                                       [b.shape[d] for d in free_b])


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 and each row of x2, batch dims broadcasting:
    out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p.  The gradient is the norm's (0 where a
    distance is 0).

    Shape:
        x1: (*, P, M), x2: (*, R, M).  Output: (*, P, R), the batch dims broadcast.

    Examples:
        >>> import yingshe
        >>> x1 = yingshe.tensor([[0.0, 0.0], [1.0, 1.0]])
        >>> x2 = yingshe.tensor([[3.0, 4.0]])
        >>> yingshe.cdist(x1, x2)
        tensor([[5.0000],
                [3.6056]])
        >>> yingshe.cdist(x1, x2, p=1)
        tensor([[7.],
                [5.]])
    """
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t.dtype.name}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    differences = elementwise.sub(x1.unsqueeze(-2), x2.unsqueeze(-3))
    return norm(differences, p, dim=-1)


def chain_matmul(*matrices):
    """The product of 2-D matrices, left to right: out = M_1 M_2 ... M_k.  Deprecated, as in
    PyTorch (it warns): use ``matmul`` or ``linalg.multi_dot``.

    Shape:
        Matrices: (n_0, n_1), (n_1, n_2), ..., (n_{k-1}, n_k).  Output: (n_0, n_k).

    Examples:
        >>> import warnings
        >>> import yingshe
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     yingshe.chain_matmul(yingshe.ones(2, 3), yingshe.ones(3, 4), yingshe.ones(4, 1))
        tensor([[12.],
                [12.]])
    """
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Tensor dimension is {m.ndim}, expected 2 "
                               f"instead (matrix {i})")
    product = matrices[0]
    if len(matrices) == 1:
        return product.clone()
    for m in matrices[1:]:
        product = matmul(product, m)
    return product


__all__ += ["unique", "unique_consecutive", "cummax", "cummin", "logcumsumexp", "searchsorted",
            "bucketize", "histc", "bincount", "kthvalue", "median", "nanmedian", "nansum",
            "nanmean", "quantile", "nanquantile", "diff", "gradient", "aminmax", "msort", "dist",
            "tensordot", "cdist", "chain_matmul"]

TENSOR_METHODS.update({name: globals()[name] for name in (
    "unique", "unique_consecutive", "cummax", "cummin", "logcumsumexp", "histc", "bincount",
    "kthvalue", "median", "nanmedian", "nansum", "nanmean", "quantile", "nanquantile", "diff",
    "aminmax", "msort", "dist")})
TENSOR_METHODS.update({"cumsum_": _inplace_variant("cumsum_", cumsum),
                       "cumprod_": _inplace_variant("cumprod_", cumprod)})
