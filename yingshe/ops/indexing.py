"""Indexing: ``t[index]``, ``t[index] = value`` and the gather/scatter family.

Two kinds of selection, as in NumPy and PyTorch:

- basic (ints, slices, None, ``...``): the result is a view of the input (``BasicIndex``); its
  gradient is dy written into zeros at the selected places (``SliceScatter``).
- advanced (integer arrays, boolean masks): the result is a copy.  An element picked k times
  receives k gradients, so every backward here is a scatter-add: dx.flat[p] += dy[i] for each
  selected flat position p = positions[i] (``ScatterAddFlat``, whose own adjoint is the flat take
  ``TakeFlat``: dx = dy.flat[positions]).  ``t[index]`` computes them only in backward;
  gather, take_along_dim and scatter select through them in forward too.

PyTorch applies ints, slices and None first and the index arrays afterwards, so for x of shape
(2, 3, 4) ``x[0, :, [0, 1]]`` has shape (3, 2) where NumPy gives (2, 3); ``_parse_index`` splits
an index into those two NumPy steps.
"""
import collections.abc
import operator
import warnings

import numpy as np

from .. import _backend, _dtype
from .._backend import get_array_module
from .._tensor import Tensor, _normalize_dim
from ..autograd.function import Op
from .broadcast import broadcast_shapes, broadcast_to, unbroadcast
from .elementwise import _inplace_variant, to_copy
from .inplace import _inplace

__all__ = ["gather", "scatter", "scatter_add", "index_select", "take_along_dim", "masked_select",
           "nonzero", "argwhere", "take", "put", "index_add", "index_copy", "index_fill",
           "masked_scatter", "tril_indices", "triu_indices", "unravel_index"]

_FULL = slice(None)


# ---- the autograd ops ----------------------------------------------------------------------
class BasicIndex(Op):
    """y = x[index] for ints, slices and None: a view of x.  dx = zeros with dy written at index."""
    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        return SliceScatter.apply(grad, ctx.shape, ctx.index), None


class SliceScatter(Op):
    """y = zeros(shape) with y[index] = x (a basic index).  The adjoint of BasicIndex:
    dx = dy[index]."""

    @staticmethod
    def forward(ctx, x, shape, index):
        ctx.index = index
        out = get_array_module(x).zeros(shape, x.dtype)
        out[index] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return BasicIndex.apply(grad, ctx.index), None, None


class IndexSelect(Op):
    """y = x.take(index, axis): y[..., i, ...] = x[..., index[i], ...] (index of any shape).
    dx: dy scatter-added back, so an index repeated k times collects k gradients."""

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.shape, ctx.index, ctx.axis = x.shape, index, axis
        return get_array_module(x).take(x, index, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        positions = _take_positions(ctx.shape, ctx.axis, ctx.index)
        return ScatterAddFlat.apply(grad, positions, ctx.shape), None, None


class AdvancedIndex(Op):
    """y = x[index], ``index`` a tuple of full slices and integer arrays (NumPy's advanced
    indexing).  dx.flat[p] += dy[i] for every selected flat position p (repeats accumulate)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        positions = _advanced_positions(ctx.shape, ctx.index)
        return ScatterAddFlat.apply(grad, positions, ctx.shape), None


class TakeFlat(Op):
    """y = x.flat[positions] (y has the shape of positions).  dx: dy scatter-added at positions."""

    @staticmethod
    def forward(ctx, x, positions):
        ctx.shape, ctx.positions = x.shape, positions
        return get_array_module(x).take(x, positions)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAddFlat.apply(grad, ctx.positions, ctx.shape), None


class ScatterAddFlat(Op):
    """y = zeros(shape), then y.flat[positions[i]] += x[i] for every i (repeats add up).
    The adjoint of TakeFlat: dx = dy.flat[positions]."""

    @staticmethod
    def forward(ctx, x, positions, shape):
        xp = get_array_module(x)
        positions = xp.broadcast_to(positions, x.shape)
        ctx.positions = positions
        out = xp.zeros(int(np.prod(shape)), x.dtype)
        xp.add.at(out, positions.reshape(-1), x.reshape(-1))
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return TakeFlat.apply(grad, ctx.positions), None, None


class IndexPut(Op):
    """y = x with y[index] = value (``t[index] = value``).  dx = dy with zeros at index;
    dvalue = dy[index], summed over the dimensions value was broadcast along.

    With ``inplace`` the write goes into x's own memory (``__setitem__``): safe, because the node
    keeps nothing of x."""

    @staticmethod
    def forward(ctx, x, value, index, inplace):
        ctx.index, ctx.value_shape = index, getattr(value, "shape", None)
        out = x if inplace else x.copy()
        _write(out, index, value)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_value = None
        if ctx.needs_input_grad[0]:
            grad_x = IndexPut.apply(grad, 0.0, ctx.index, False)
        if ctx.needs_input_grad[1]:
            selected = _select(grad, ctx.index)
            extra = len(ctx.value_shape) - selected.ndim  # value may carry leading size-1 dims
            if extra > 0:
                selected = BasicIndex.apply(selected, (None,) * extra + (Ellipsis,))
            grad_value = unbroadcast(selected, ctx.value_shape)
        return grad_x, grad_value, None, None


class Scatter(Op):
    """y = x, then y.flat[positions] = src (``scatter``) or += src (``scatter_add``, repeats add
    up); src is cut to the shape of positions.  dx = dy (zeroed at the written positions for
    scatter); dsrc = dy.flat[positions], zero outside the part of src that was used."""

    @staticmethod
    def forward(ctx, x, src, positions, accumulate):
        ctx.positions, ctx.accumulate = positions, accumulate
        ctx.src_shape = getattr(src, "shape", None)
        out = x.copy()
        _scatter_into(out.reshape(-1), positions, src, accumulate)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_x = grad if ctx.accumulate else Scatter.apply(grad, 0.0, ctx.positions, False)
        if ctx.needs_input_grad[1]:
            grad_src = TakeFlat.apply(grad, ctx.positions)
            if grad_src.shape != ctx.src_shape:
                grad_src = SliceScatter.apply(grad_src, ctx.src_shape,
                                              _leading_block(grad_src.shape))
        return grad_x, grad_src, None, None


# ---- flat positions: where each selected element lives in a C-ordered array -------------------
def _c_strides(shape):
    """Element strides of a C-ordered array of ``shape``: stride[d] = prod(shape[d+1:])."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return strides[::-1]


def _arange_at(xp, n, dim, ndim):
    """arange(n) laid along dimension ``dim`` of ``ndim`` (broadcasts against the others)."""
    return xp.arange(n).reshape((n,) + (1,) * (ndim - dim - 1))


def _take_positions(shape, axis, index):
    """Flat positions in an array of ``shape`` of ``take(x, index, axis)``'s elements."""
    xp = get_array_module(index)
    strides, k = _c_strides(shape), index.ndim
    out_ndim = len(shape) + k - 1
    index = xp.where(index < 0, index + shape[axis], index)
    positions = index.reshape(index.shape + (1,) * (len(shape) - axis - 1)) * strides[axis]
    for d, n in enumerate(shape):
        if d != axis:
            out_dim = d if d < axis else d + k - 1
            positions = positions + _arange_at(xp, n, out_dim, out_ndim) * strides[d]
    return positions


def _advanced_positions(shape, index):
    """Flat positions in an array of ``shape`` of ``x[index]``'s elements: the coordinate grids of
    each dimension, indexed like x, weighted by the strides (no array of x's full size is made)."""
    xp = get_array_module(next(i for i in index if i.__class__ is not slice))
    positions = 0
    for d, (n, stride) in enumerate(zip(shape, _c_strides(shape))):
        grid = xp.broadcast_to(_arange_at(xp, n, d, len(shape)) * stride, shape)
        positions = positions + grid[index]
    return positions


def _positions_along(shape, dim, index):
    """Flat positions in an array of ``shape`` of x[p with p_dim = index[p]] for each position p of
    ``index`` (gather's rule); a size-1 dimension of ``shape`` is broadcast (stride 0)."""
    xp = get_array_module(index)
    strides = _c_strides(shape) or [1]
    positions = index * strides[dim]
    for d, n in enumerate(index.shape):
        if d != dim and shape[d] != 1:
            positions = positions + _arange_at(xp, n, d, index.ndim) * strides[d]
    return positions


def _leading_block(shape):
    """The basic index of the block [0:shape[0], 0:shape[1], ...] (a view, also for 0-d)."""
    return tuple(slice(0, n) for n in shape) + (Ellipsis,)


def _scatter_into(flat, positions, src, accumulate):
    """flat[positions] = src (or += src, repeats adding up); an array src is cut to the shape of
    positions."""
    if hasattr(src, "shape"):
        src = src[_leading_block(positions.shape)].reshape(-1)
    if accumulate:
        get_array_module(flat).add.at(flat, positions.reshape(-1), src)
    else:
        flat[positions.reshape(-1)] = src


# ---- parsing an index ------------------------------------------------------------------------
_LEGACY_SEQUENCE = ("x[seq] with a list that holds slices, sequences, None or Ellipsis is read "
                    "as x[tuple(seq)], a multidimensional index; PyTorch deprecates this "
                    "reading (it will become x[tensor(seq)]): write x[tuple(seq)]")


def _is_sequence(obj):
    """Python's sequence protocol as PyTorch's indexing reads it: lists, tuples, ranges, NumPy
    arrays and other sequences, but not strings."""
    return isinstance(obj, (collections.abc.Sequence, np.ndarray)) and not isinstance(
        obj, (str, bytes))


def _index_items(index):
    """The index as a tuple of items.  A sequence other than a tuple is one item (an index
    array), except a short one (fewer than 32 entries) holding a slice, None, ``...``, a sequence
    or a tensor: that counts as a tuple, with PyTorch's deprecation warning (its legacy rule,
    still in force in 2.13)."""
    if isinstance(index, tuple):
        return index
    if type(index) is np.ndarray or not _is_sequence(index) or len(index) >= 32:
        return (index,)
    for item in index:
        if (item is None or item is Ellipsis or isinstance(item, (slice, Tensor))
                or _is_sequence(item)):
            warnings.warn(_LEGACY_SEQUENCE, UserWarning, stacklevel=4)
            return tuple(index)
    return (index,)


def _sequence_array(item):
    """A Python sequence used as an index: a bool array when every entry is a bool, else int64
    (floats are truncated, as PyTorch converts index lists)."""
    try:
        array = np.asarray(item)
    except (TypeError, ValueError) as error:
        raise IndexError(f"an index sequence must hold numbers or bools of one nested shape "
                         f"({error})") from None
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind not in "iuf":
        raise IndexError(f"an index sequence must hold numbers or bools, got {array.dtype}")
    return array.astype(np.int64)


def _convert_item(item, like):
    """One index item as an int, slice, None, Ellipsis, Python bool, or an integer or boolean
    array on the device of ``like``."""
    if item is None or item is Ellipsis or item.__class__ is bool:
        return item
    if item.__class__ is slice:
        if item.step is not None and operator.index(item.step) <= 0:
            raise ValueError("step must be greater than zero")
        return item
    if isinstance(item, Tensor):
        array = item._data
    elif isinstance(item, np.ndarray) or hasattr(item, "__cuda_array_interface__"):
        array = item
    elif isinstance(item, np.bool_):
        return bool(item)
    elif _is_sequence(item):
        array = _sequence_array(item)
    else:
        try:
            return operator.index(item)
        except TypeError:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             f"Variables are valid indices (got {type(item).__name__})") from None
    kind = array.dtype.kind
    if kind == "b" or array.dtype == np.uint8:  # PyTorch reads uint8 index tensors as masks
        if array.ndim == 0:
            return bool(array)
        return _backend.to_device(array.astype(bool), _backend.device_of(like))
    if kind not in "iu":
        raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors "
                         f"(got {array.dtype})")
    return int(array) if array.ndim == 0 else _backend.to_device(array, _backend.device_of(like))


def _parse_index(index, x):
    """Split a PyTorch index of the array ``x`` into two NumPy steps.

    Returns (basic, advanced, axis, arrays): ``basic`` is a tuple of ints, slices and None ending in
    ``...`` (a view), or () when there is nothing to do; ``advanced`` is None or a tuple of full
    slices and integer arrays to apply to that view; ``axis`` is the dimension of the view when
    ``advanced`` is one array (a take along that axis); ``arrays`` lists (array, size, dimension)
    for the bounds message.
    """
    shape, ndim = x.shape, x.ndim
    if index.__class__ is int and ndim and -shape[0] <= index < shape[0]:
        return (index, Ellipsis), None, None, ()  # x[i], the commonest index, without the walk
    items = [_convert_item(item, x) for item in _index_items(index)]
    used = 0
    for item in items:
        if item.__class__ is int or item.__class__ is slice:
            used += 1
        elif hasattr(item, "ndim"):
            used += item.ndim if item.dtype.kind == "b" else 1
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim} (shape {tuple(shape)})")
    ellipses = sum(item is Ellipsis for item in items)
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if ellipses:
        at = next(i for i, item in enumerate(items) if item is Ellipsis)
        items[at:at + 1] = [_FULL] * (ndim - used)

    basic, advanced, arrays = [], {}, []
    d = v = 0  # the next dimension of x, and of the view made by the basic step
    for item in items:
        if item is None:
            basic.append(None)
            v += 1
        elif item.__class__ is slice:
            basic.append(item)
            d, v = d + 1, v + 1
        elif item.__class__ is bool:  # a new dimension of size 1, kept (True) or emptied (False)
            basic.append(None)
            advanced[v] = get_array_module(x).zeros(int(item), np.int64)
            v += 1
        elif item.__class__ is int:
            n = shape[d]
            if not -n <= item < n:
                raise IndexError(f"index {item} is out of bounds for dimension {d} with size {n}")
            basic.append(item)
            d += 1
        elif item.dtype.kind == "b":
            k = item.ndim
            for j in range(k):
                if item.shape[j] != shape[d + j]:
                    raise IndexError(
                        f"The shape of the mask {list(item.shape)} at index {j} does not match "
                        f"the shape of the indexed tensor {list(shape)} at index {d + j}")
            for j, coordinates in enumerate(get_array_module(item).nonzero(item)):
                advanced[v + j] = coordinates
            basic.extend([_FULL] * k)
            d, v = d + k, v + k
        else:
            advanced[v] = item
            arrays.append((item, shape[d], d))
            basic.append(_FULL)
            d, v = d + 1, v + 1
    _check_empty_dims(arrays)
    while basic and basic[-1] == _FULL:
        basic.pop()
    basic = tuple(basic) + (Ellipsis,) if basic else ()
    if not advanced:
        return basic, None, None, arrays
    axis = next(iter(advanced)) if len(advanced) == 1 else None
    advanced = tuple(advanced.get(i, _FULL) for i in range(max(advanced) + 1))
    return basic, advanced, axis, arrays


def _check_empty_dims(arrays):
    """PyTorch refuses to index a dimension of size 0 with index arrays that select anything
    (after broadcasting), whatever the size of the result; NumPy returns an empty result."""
    if any(size == 0 for _, size, _ in arrays):
        shapes = [a.shape for a, _, _ in arrays]
        try:
            shape = broadcast_shapes(*shapes, op="index")
        except RuntimeError:
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                             f"with shapes {', '.join(str(list(s)) for s in shapes)}") from None
        if all(shape):
            dim = next(d for _, size, d in arrays if size == 0)
            raise IndexError(f"index is out of bounds for dimension {dim} with size 0 (an index "
                             f"array of {tuple(shape)} positions into an empty dimension)")


def _out_of_bounds(array, size, allow_negative=True):
    """An entry of the index array outside [-size, size) (or [0, size) without
    ``allow_negative``): its maximum if that is too large, else its minimum; None when all are in
    range."""
    if array.size:
        low, high = int(array.min()), int(array.max())
        if high >= size:
            return high
        if low < (-size if allow_negative else 0):
            return low
    return None


def _check_bounds(arrays):
    """Raise PyTorch's IndexError for the first index array with an entry outside [-size, size)."""
    for array, size, dim in arrays:
        bad = _out_of_bounds(array, size)
        if bad is not None:
            raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size "
                             f"{size}")


def _select(x, parsed):
    """x[index] for a parsed index: the basic step (a view), then the advanced one (a copy)."""
    basic, advanced, axis, _ = parsed
    if basic or advanced is None:
        view = BasicIndex.apply(x, basic or (Ellipsis,))
        view._version_box = x._version_box  # also outside the graph, where apply does not link it
        x = view
    if advanced is None:
        return x
    if axis is not None:
        return IndexSelect.apply(x, advanced[axis], axis)
    return AdvancedIndex.apply(x, advanced)


def _write(array, parsed, value):
    """array[index] = value, in place, for a parsed index."""
    basic, advanced, _, _ = parsed
    target = array[basic] if basic else array
    if advanced is None:
        target[...] = value
    else:
        target[advanced] = value


def _getitem(self, index):
    """``t[index]`` with PyTorch's rules: ints, slices, None and ``...`` give a view; integer
    arrays, lists, int tensors and boolean masks give a copy whose gradient accumulates repeats."""
    parsed = _parse_index(index, self._data)
    if parsed[3] and get_array_module(self._data) is not np:
        _check_bounds(parsed[3])  # CuPy wraps out-of-range indices instead of raising
    try:
        return _select(self, parsed)
    except IndexError:
        _check_bounds(parsed[3])
        raise


def _setitem(self, index, value):
    """``t[index] = value``: a true in-place write (value broadcast to the indexed shape and cast
    to t's dtype).  In the graph it is an index_put: dt_old = dy with zeros at index,
    dvalue = dy[index] summed over the broadcast dimensions."""
    parsed = _parse_index(index, self._data)
    if isinstance(value, Tensor):
        if value._data.__class__ is not self._data.__class__:
            raise RuntimeError(f"__setitem__: expected the value on {self.device}, got "
                               f"{value.device}")
        raw = value._data
    elif isinstance(value, (list, tuple, np.ndarray)):
        raw = _backend.to_device(np.asarray(value), self.device)
        value = Tensor._make(raw)
    else:
        raw = value
    if parsed[3] and get_array_module(self._data) is not np:
        _check_bounds(parsed[3])

    def record(target):
        v = to_copy(value, dtype=self.dtype) if isinstance(value, Tensor) else value
        return IndexPut.apply(target, v, parsed, True)
    try:
        _inplace(self, "__setitem__", lambda array: _write(array, parsed, raw), record,
                 (value,), clone_self=False)
    except IndexError:
        _check_bounds(parsed[3])
        raise
    except ValueError as error:
        raise RuntimeError(f"__setitem__: shape mismatch: a value of shape {tuple(np.shape(raw))} "
                           f"cannot be broadcast to the indexed part of a tensor of shape "
                           f"{tuple(self.shape)} ({error})") from None


# ---- the gather / scatter family --------------------------------------------------------------
def _index_array(index, op, dtypes=("int64", "int32")):
    """The raw array of an index tensor, with PyTorch's dtype check."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: index must be a tensor, got {type(index).__name__}")
    if index._data.dtype.name not in dtypes:
        raise RuntimeError(f"{op}: expected dtype {' or '.join(dtypes)} for index, got "
                           f"{index.dtype.name}")
    return index._data


class IndexOutOfRangeError(IndexError, RuntimeError):
    """index_select's out-of-range error: an IndexError, as PyTorch raises, and a RuntimeError,
    as yingshe raised before (and as gather and scatter raise)."""


def _check_range(index, size, dim, op, allow_negative=False, error=RuntimeError):
    """Every entry of ``index`` in [0, size) (or [-size, size)), else PyTorch's error (a
    RuntimeError; ``IndexOutOfRangeError`` for index_select)."""
    bad = _out_of_bounds(index, size, allow_negative)
    if bad is not None:
        raise error(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size}")


def _check_same_ndim(index, input, op, what="input", scalar_as_vector=False):
    """index.ndim == input.ndim; with ``scalar_as_vector`` (gather, scatter) a 0-d tensor counts
    as 1-d, as in PyTorch (``zeros(10).scatter_(0, tensor(3), value=1)``)."""
    ndims = (index.ndim, input.ndim)
    if scalar_as_vector:
        ndims = (max(index.ndim, 1), max(input.ndim, 1))
    if ndims[0] != ndims[1]:
        raise RuntimeError(f"{op}: index tensor must have the same number of dimensions as the "
                           f"{what} tensor (index {tuple(index.shape)}, {what} "
                           f"{tuple(input.shape)})")


def gather(input, dim, index, *, sparse_grad=False):
    """Values of ``input`` picked along ``dim`` by ``index``.

    out[p] = input[p with p_dim replaced by index[p]]; for a 2-D input and dim=1,
    ``out[i][j] = input[i][index[i][j]]``. The gradient of ``input`` is the output gradient
    scatter-added back to the gathered places (always dense: ``sparse_grad`` is refused).

    Shape: input (d_0, ..., d_{n-1}); index (e_0, ..., e_{n-1}) int64, the same number of
    dimensions, e_k <= d_k for k != dim; output the shape of ``index``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1., 2.], [3., 4.]])
        >>> yingshe.gather(x, 1, yingshe.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
        >>> x.gather(0, yingshe.tensor([[1, 0]]))
        tensor([[3., 2.]])
    """
    if sparse_grad:
        raise NotImplementedError("gather: sparse_grad=True is not supported (gradients are dense)")
    dim = _normalize_dim(dim, input.ndim, "gather")
    array = _index_array(index, "gather")
    _check_same_ndim(array, input._data, "gather", scalar_as_vector=True)
    for d, (m, n) in enumerate(zip(array.shape, input.shape)):
        if d != dim and m > n:
            raise RuntimeError(f"gather: size does not match at dimension {d}: expected index "
                               f"{list(array.shape)} to be no larger than input "
                               f"{list(input.shape)} apart from dimension {dim}")
    _check_range(array, input.shape[dim] if input.ndim else 1, dim, "gather")
    return TakeFlat.apply(input, _positions_along(input.shape, dim, array))


def take_along_dim(input, indices, dim=None):
    """``input``'s values at ``indices`` along ``dim``: ``gather`` with broadcasting.

    out[p] = input[p with p_dim replaced by indices[p]], where ``input`` and ``indices`` first
    broadcast against each other in every dimension but ``dim`` (NumPy's
    ``take_along_axis``); with dim=None, out = input.flatten()[indices.flatten()]. The
    gradient is scatter-added back. Typical use: the values at ``argmax(dim, keepdim=True)``.

    Shape: input (*) and indices (*) int64 with the same number of dimensions; output their
    broadcast shape with size ``indices.shape[dim]`` at ``dim``, or (indices.numel()) with
    dim=None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6.).reshape(2, 3)
        >>> yingshe.take_along_dim(x, x.argmax(dim=1, keepdim=True), dim=1)
        tensor([[2.],
                [5.]])
        >>> yingshe.take_along_dim(x, yingshe.tensor([5, 0]))
        tensor([5., 0.])
    """
    array = _index_array(indices, "take_along_dim", ("int64",))
    if dim is None:
        size = input._data.size
        _check_range(array, size, 0, "take_along_dim")
        return TakeFlat.apply(input, array.reshape(-1))
    dim = _normalize_dim(dim, input.ndim, "take_along_dim")
    _check_same_ndim(array, input._data, "take_along_dim", "input")
    shape = list(broadcast_shapes(input.shape[:dim] + (1,) + input.shape[dim + 1:],
                                  array.shape[:dim] + (1,) + array.shape[dim + 1:]))
    n = input.shape[dim]
    _check_range(array, n, dim, "take_along_dim", allow_negative=True)
    xp = get_array_module(array)
    shape[dim] = array.shape[dim]
    array = xp.broadcast_to(xp.where(array < 0, array + n, array), tuple(shape))
    return TakeFlat.apply(input, _positions_along(input.shape, dim, array))


def index_select(input, dim, index):
    """The slices of ``input`` at positions ``index`` along ``dim``, in that order (a copy).

    out[..., i, ...] = input[..., index[i], ...] with ``i`` at dimension ``dim``; indices may
    repeat. The gradient of ``input`` is ``index_add`` of the output gradient.

    Shape: input (d_0, ..., d_{n-1}); index (k) int64 (or int32); output like ``input`` with
    d_dim replaced by k.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6.).reshape(2, 3)
        >>> yingshe.index_select(x, 1, yingshe.tensor([2, 0]))
        tensor([[2., 0.],
                [5., 3.]])
        >>> x.index_select(0, yingshe.tensor([1, 1, 0])).shape
        yingshe.Size([3, 3])
    """
    dim = _normalize_dim(dim, input.ndim, "index_select")
    array = _index_array(index, "index_select")
    if array.ndim > 1:
        raise IndexError(f"index_select: index is supposed to be a vector, got shape "
                         f"{tuple(array.shape)}")
    _check_range(array, input.shape[dim], dim, "index_select", error=IndexOutOfRangeError)
    return IndexSelect.apply(input, array.reshape(-1), dim)


def _scatter_positions(input, dim, index, src, op):
    """Checks of scatter/scatter_add (PyTorch's) and the flat positions they write to, with
    ``src``; a 0-d index or src (allowed where self is 0-d or 1-d) is made a 1-element vector."""
    dim = _normalize_dim(dim, input.ndim, op)
    array = _index_array(index, op)
    _check_same_ndim(array, input._data, op, "self", scalar_as_vector=True)
    if isinstance(src, Tensor):
        _check_same_ndim(array, src._data, op, "src", scalar_as_vector=True)
        if src.dtype != input.dtype:
            raise RuntimeError(f"{op}: expected self.dtype to be equal to src.dtype, got "
                               f"{input.dtype.name} and {src.dtype.name}")
        if src._data.__class__ is not input._data.__class__:
            raise RuntimeError(f"{op}: expected src on {input.device}, got {src.device}")
        if src._data.ndim == 0:
            src = src.reshape(1)
    array = array.reshape(array.shape or (1,))
    self_shape = input._data.shape or (1,)
    for d, m in enumerate(array.shape):
        if (d != dim and m > self_shape[d]) or (isinstance(src, Tensor) and m > src.shape[d]):
            raise RuntimeError(
                f"{op}: expected index {list(array.shape)} to be no larger than self "
                f"{list(input.shape)} apart from dimension {dim} and to be no larger than src "
                f"{list(src.shape) if isinstance(src, Tensor) else []}")
    _check_range(array, self_shape[dim], dim, op)
    return _positions_along(input._data.shape, dim, array), src


def _scalar_or_tensor(src, value, op):
    src = value if src is None else src
    if src is None:
        raise TypeError(f"{op}: expected src (a tensor) or value (a number)")
    if not isinstance(src, (Tensor, int, float, bool)):
        raise TypeError(f"{op}: src must be a tensor or a number, got {type(src).__name__}")
    return src


def scatter(input, dim, index, src=None, *, value=None):
    """A copy of ``input`` with ``src`` written at the places ``index`` names along ``dim``.

    out[p with p_dim = index[p]] = src[p] for every position p of ``index`` (or the number
    ``value``); the inverse of ``gather``. Where indices repeat, which write wins is
    unspecified, as in PyTorch. Gradients: d input = dy with zeros where written,
    d src = dy gathered at the written places.

    Shape: input (*); index int64 with input's number of dimensions, no larger than ``src``
    (and than ``input`` apart from ``dim``); output the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> index = yingshe.tensor([[2], [0]])
        >>> yingshe.scatter(yingshe.zeros(2, 3), 1, index, yingshe.tensor([[5.], [7.]]))
        tensor([[0., 0., 5.],
                [7., 0., 0.]])
        >>> yingshe.zeros(2, 3).scatter(1, index, value=1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    src = _scalar_or_tensor(src, value, "scatter")
    positions, src = _scatter_positions(input, dim, index, src, "scatter")
    return Scatter.apply(input, src, positions, False)


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at the places ``index`` names along ``dim``.

    out[p with p_dim = index[p]] += src[p] for every position p of ``index``; repeated indices
    add up (a histogram, a segment sum). Gradients: d input = dy, d src = dy gathered at the
    written places.

    Shape: as ``scatter``: index int64 with input's number of dimensions, no larger than
    ``src``; output the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> index = yingshe.tensor([0, 1, 0, 3, 0])
        >>> yingshe.scatter_add(yingshe.zeros(4), 0, index, yingshe.ones(5))
        tensor([3., 1., 0., 1.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a tensor, got {type(src).__name__}")
    positions, src = _scatter_positions(input, dim, index, src, "scatter_add")
    return Scatter.apply(input, src, positions, True)


def _scatter_(self, dim, index, src=None, *, value=None):
    """In-place ``scatter``."""
    src = _scalar_or_tensor(src, value, "scatter_")
    return _scatter_in_place(self, dim, index, src, False, "scatter_")


def _scatter_add_(self, dim, index, src):
    """In-place ``scatter_add``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add_: src must be a tensor, got {type(src).__name__}")
    return _scatter_in_place(self, dim, index, src, True, "scatter_add_")


def _scatter_in_place(self, dim, index, src, accumulate, op):
    """scatter_/scatter_add_ through the in-place mechanism (strided memory written via a copy)."""
    positions, src = _scatter_positions(self, dim, index, src, op)
    raw = src._data if isinstance(src, Tensor) else src

    def write(array):
        target = array if array.flags.c_contiguous else array.copy()
        _scatter_into(target.reshape(-1), positions, raw, accumulate)
        if target is not array:
            array[...] = target
    return _inplace(self, op, write, lambda t: Scatter.apply(t, src, positions, accumulate),
                    (src,), clone_self=False)


def masked_select(input, mask):
    """The elements of ``input`` where the boolean ``mask`` is True, as a 1-D tensor.

    ``input`` and ``mask`` broadcast against each other, and the selected elements come in
    row-major order (``input[mask]`` for equal shapes). The gradient is scattered back to
    those places.

    Shape: input (*) and mask (*) bool, broadcastable; output (n), n = the number of True
    entries of the broadcast mask.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6.).reshape(2, 3)
        >>> yingshe.masked_select(x, x > 2)
        tensor([3., 4., 5.])
        >>> yingshe.masked_select(x, yingshe.tensor([True, False, True]))
        tensor([0., 2., 3., 5.])
    """
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_select: expected a bool tensor for mask, got {got}")
    shape = broadcast_shapes(input.shape, mask.shape)
    expanded = broadcast_to(input, shape)
    mask = get_array_module(mask._data).broadcast_to(mask._data, shape)
    return _select(expanded, _parse_index(mask, expanded._data))


TENSOR_METHODS = {
    "__getitem__": _getitem, "__setitem__": _setitem, "gather": gather, "scatter": scatter,
    "scatter_add": scatter_add, "scatter_": _scatter_, "scatter_add_": _scatter_add_,
    "index_select": index_select, "take_along_dim": take_along_dim, "masked_select": masked_select,
}


# ---- positions of nonzeros, flat take and put --------------------------------------------------
def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements of ``input``, in row-major order (int64).

    One row [i_0, ..., i_{d-1}] per element with input[i_0, ..., i_{d-1}] != 0; with
    ``as_tuple``, one 1-D tensor of coordinates per dimension instead (what ``t[mask]`` uses,
    NumPy's ``nonzero``). Not differentiable.

    Shape: input (*) with d dimensions; output (n, d), n the number of nonzero elements, or a
    tuple of d tensors (n) with ``as_tuple`` (one tensor (n) for a 0-d input).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[0, 1], [1, 1]])
        >>> yingshe.nonzero(x)
        tensor([[0, 1],
                [1, 0],
                [1, 1]])
        >>> yingshe.nonzero(x, as_tuple=True)
        (tensor([0, 1, 1]), tensor([1, 0, 1]))
    """
    x = input._data
    xp = get_array_module(x)
    if as_tuple:
        coordinates = xp.nonzero(x.reshape(x.shape or (1,)))
        return tuple(Tensor._make(c.astype(np.int64, copy=False)) for c in coordinates)
    return Tensor._make(xp.argwhere(x).astype(np.int64, copy=False))


def argwhere(input):
    """The indices of the nonzero elements of ``input``, one row per element (int64).

    The same as ``nonzero(input)``: rows in row-major order.

    Shape: input (*) with d dimensions; output (n, d), n the number of nonzero elements.

    Examples:
        >>> import yingshe
        >>> yingshe.argwhere(yingshe.tensor([0., 2., 0., 3.]))
        tensor([[1],
                [3]])
    """
    return nonzero(input)


def _flat_positions(index, numel, op, error=IndexError):
    """An int64 index tensor's entries as flat positions in [0, numel) (negative ones count from
    the end), with PyTorch's errors."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: index must be a tensor, got {type(index).__name__}")
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{op}: Expected a long tensor for index, but got {index.dtype.name}")
    array = index._data
    bad = _out_of_bounds(array, numel)
    if bad is not None:
        raise error(f"{op}: out of range: tried to access index {bad} on a tensor of "
                    f"{numel} elements.")
    return get_array_module(array).where(array < 0, array + numel, array)


def take(input, index):
    """Elements of ``input`` at flat (row-major) positions ``index``.

    out[p] = input.flatten()[index[p]]; negative indices count from the end. The gradient
    scatter-adds back (repeated indices accumulate).

    Shape: input (*); index (*) int64 of any shape; output the shape of ``index``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6.).reshape(2, 3)
        >>> yingshe.take(x, yingshe.tensor([[0, 5], [-1, 1]]))
        tensor([[0., 5.],
                [5., 1.]])
    """
    return TakeFlat.apply(input, _flat_positions(index, input._data.size, "take"))


def put(input, index, source, accumulate=False):
    """A copy of ``input`` with the elements of ``source`` written at flat positions ``index``.

    input.flatten()[index[i]] = source.flatten()[i], or += with ``accumulate`` (repeats add
    up); the out-of-place form of ``Tensor.put_``, the inverse of ``take``. Gradients:
    d input = dy (zero where overwritten), d source = dy at the positions.

    Shape: input (*); index (*) int64 and source (*) with the same number of elements;
    output the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> yingshe.put(yingshe.zeros(2, 2), yingshe.tensor([3, 0]), yingshe.tensor([9., 8.]))
        tensor([[8., 0.],
                [0., 9.]])
        >>> index, source = yingshe.tensor([1, 1]), yingshe.tensor([1., 2.])
        >>> yingshe.put(yingshe.zeros(3), index, source, accumulate=True)
        tensor([0., 3., 0.])
    """
    positions = _flat_positions(index, input._data.size, "put_")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, index.numel() = "
                         f"{index.numel()}")
    _same_dtype(input, source, "put_")
    return Scatter.apply(input, source.reshape(positions.shape), positions, accumulate)


def _same_dtype(input, source, op):
    if source.dtype != input.dtype:
        raise RuntimeError(f"{op}: self ({input.dtype.name}) and source ({source.dtype.name}) "
                           f"must have the same scalar type")


# ---- index_add, index_copy, index_fill, masked_scatter ------------------------------------------
def _index_positions(input, dim, index, op, source=None):
    """Flat positions of the slices input[..., index[i], ...] along ``dim`` (laid out like
    ``index_select``'s result), after PyTorch's checks of index and source."""
    dim = _normalize_dim(dim, input.ndim, op)
    array = _index_array(index, op)
    if array.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape "
                         f"{tuple(array.shape)}")
    array = array.reshape(-1)
    size = input.shape[dim] if input.ndim else 1
    _check_range(array, size, dim, op, allow_negative=True)
    if source is not None:
        _same_dtype(input, source, op)
        expected = input.shape[:dim] + (array.size,) + input.shape[dim + 1:]
        if source.ndim and source.shape[dim] != array.size:
            raise RuntimeError(f"{op}(): Number of indices ({array.size}) should be equal to "
                               f"source.size(dim): ({source.shape[dim]}), for dim: {dim}")
        if tuple(source.shape) != expected and source.ndim:
            raise RuntimeError(f"{op}(): source {tuple(source.shape)} must match self "
                               f"{tuple(input.shape)} apart from dimension {dim}")
    xp = get_array_module(array)
    array = xp.where(array < 0, array + size, array)
    return _take_positions(input.shape or (1,), dim, array)


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` added to the slices ``index`` names.

    out[..., index[i], ...] += alpha * source[..., i, ...] along ``dim``; repeated indices add
    up (the gradient of ``index_select``). Gradients: d input = dy, d source = alpha times dy
    gathered at ``index``.

    Shape: input (d_0, ..., d_{n-1}); index (k) int64; source like ``input`` with d_dim
    replaced by k; output the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> yingshe.index_add(yingshe.zeros(3, 2), 0, yingshe.tensor([0, 2, 0]), yingshe.ones(3, 2))
        tensor([[2., 2.],
                [0., 0.],
                [1., 1.]])
    """
    positions = _index_positions(input, dim, index, "index_add", source)
    if alpha != 1:
        source = source * alpha
    return Scatter.apply(input, source.reshape(positions.shape), positions, True)


def index_copy(input, dim, index, source):
    """A copy of ``input`` with the slices ``index`` names along ``dim`` replaced by ``source``.

    out[..., index[i], ...] = source[..., i, ...] along ``dim``. Gradients: d input = dy with
    zeros in the replaced slices, d source = dy gathered at ``index``.

    Shape: input (d_0, ..., d_{n-1}); index (k) int64; source like ``input`` with d_dim
    replaced by k; output the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> source = yingshe.tensor([[1., 2.], [3., 4.]])
        >>> yingshe.index_copy(yingshe.zeros(3, 2), 0, yingshe.tensor([2, 0]), source)
        tensor([[3., 4.],
                [0., 0.],
                [1., 2.]])
    """
    positions = _index_positions(input, dim, index, "index_copy", source)
    return Scatter.apply(input, source.reshape(positions.shape), positions, False)


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices ``index`` names along ``dim`` set to ``value``.

    out[..., index[i], ...] = value along ``dim``; ``value`` is a number or a 0-d tensor, whose
    gradient is the sum of dy over the filled slices (d input = dy with zeros there).

    Shape: input (*); index (k) int64; output the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6.).reshape(2, 3)
        >>> yingshe.index_fill(x, 1, yingshe.tensor([0, 2]), -1.0)
        tensor([[-1.,  1., -1.],
                [-1.,  4., -1.]])
    """
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        value = to_copy(value, dtype=input.dtype)
    positions = _index_positions(input, dim, index, "index_fill")
    if isinstance(value, Tensor):
        value = broadcast_to(value, positions.shape)
    return Scatter.apply(input, value, positions, False)


def masked_scatter(input, mask, source):
    """A copy of ``input`` whose elements where ``mask`` is True come, in order, from ``source``.

    The k-th True position of the mask (row-major, mask broadcast to ``input``) gets
    source.flatten()[k]; the inverse of ``masked_select``. Gradients: d input = dy with zeros
    where the mask is True, d source = dy at those places (zero for unused elements).

    Shape: input (*); mask bool broadcastable to input; source (*) with at least as many
    elements as the mask has True entries; output the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> mask = yingshe.tensor([True, False, True])
        >>> yingshe.masked_scatter(yingshe.zeros(2, 3), mask, yingshe.arange(1., 7.))
        tensor([[1., 0., 2.],
                [3., 0., 4.]])
    """
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_scatter: expected a bool tensor for mask, got {got}")
    _same_dtype(input, source, "masked_scatter_")
    xp = get_array_module(mask._data)
    full = xp.broadcast_to(mask._data, broadcast_shapes(input.shape, mask.shape,
                                                        op="masked_scatter"))
    if full.shape != input.shape:
        raise RuntimeError(f"masked_scatter: the mask {tuple(mask.shape)} must broadcast to the "
                           f"input {tuple(input.shape)}")
    positions = xp.flatnonzero(full)
    if positions.size > source.numel():
        raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones in "
                           f"mask ({source.numel()} < {positions.size})")
    used = source.reshape(-1)[:positions.size]
    return Scatter.apply(input, used, positions, False)


# ---- index arithmetic ----------------------------------------------------------------------------
def _triangle_indices(row, col, offset, dtype, device, lower):
    xp = _backend.array_module(_backend.factory_device(device))
    rows, cols = xp.nonzero(xp.tri(row, col, offset, dtype=bool) if lower
                            else ~xp.tri(row, col, offset - 1, dtype=bool))
    return Tensor._make(xp.stack([rows, cols]).astype(_dtype.to_np(dtype)))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The coordinates of the lower triangle of a ``row`` x ``col`` matrix, in row-major order.

    Row 0 holds the i's, row 1 the j's of every entry with j - i <= offset (offset 0: the main
    diagonal and below; 1 also takes the first superdiagonal). ``A[tuple(idx)]`` reads them.

    Shape: output (2, n) int64 (or ``dtype``), n the number of such entries.

    Examples:
        >>> import yingshe
        >>> yingshe.tril_indices(3, 3)
        tensor([[0, 1, 1, 2, 2, 2],
                [0, 0, 1, 0, 1, 2]])
    """
    return _triangle_indices(row, col, offset, dtype or np.int64, device, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The coordinates of the upper triangle of a ``row`` x ``col`` matrix, in row-major order.

    Row 0 holds the i's, row 1 the j's of every entry with j - i >= offset (offset 1: strictly
    above the diagonal, the pairs i < j).

    Shape: output (2, n) int64 (or ``dtype``), n the number of such entries.

    Examples:
        >>> import yingshe
        >>> yingshe.triu_indices(3, 3, 1)
        tensor([[0, 0, 1],
                [1, 2, 2]])
    """
    return _triangle_indices(row, col, offset, dtype or np.int64, device, False)


def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of flat (row-major) ``indices``.

    For shape (d_0, ..., d_{n-1}) the flat index f = sum_k i_k * prod(d_{k+1:}) is split back
    into (i_0, ..., i_{n-1}), the inverse of ``flatten``'s numbering; indices wrap around
    modulo the number of elements.

    Shape: indices (*) of integers; output a tuple of n int64 tensors shaped like ``indices``.

    Examples:
        >>> import yingshe
        >>> yingshe.unravel_index(yingshe.tensor([4, 1]), (2, 3))
        (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index: expected 'indices' to be a tensor, got "
                        f"{type(indices).__name__}")
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype.name}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    xp = get_array_module(indices._data)
    numel = int(np.prod(shape))
    flat = indices._data.astype(np.int64) % max(numel, 1)
    return tuple(Tensor._make(xp.asarray(c, dtype=np.int64))
                 for c in xp.unravel_index(flat, shape))

TENSOR_METHODS.update({name: globals()[name] for name in (
    "nonzero", "argwhere", "take", "put", "index_add", "index_copy", "index_fill",
    "masked_scatter")})
TENSOR_METHODS.update({f"{name}_": _inplace_variant(f"{name}_", globals()[name]) for name in (
    "put", "index_add", "index_copy", "index_fill", "masked_scatter")})
