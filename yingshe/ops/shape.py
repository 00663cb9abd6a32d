"""Shape ops: views and rearrangements.  Each backward undoes the rearrangement on the gradient
(reshape back, transpose back, slice back, pad back)."""
import itertools
import math
import warnings

import numpy as np

from .. import _backend, _dtype
from .._backend import get_array_module
from .._tensor import Tensor, _normalize_dim
from ..autograd.function import Op
from .broadcast import broadcast_to
from .elementwise import _inplace_variant, mul
from .indexing import BasicIndex, index_select
from .inplace import masked_fill_

__all__ = ["reshape", "view_as", "transpose", "swapaxes", "swapdims", "permute", "t",
           "squeeze", "unsqueeze", "flatten", "unflatten", "movedim", "moveaxis", "repeat",
           "tile", "flip", "roll", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
           "split", "chunk", "unbind", "narrow", "select", "pad"]


def _sizes(args):
    """f(2, 3) and f((2, 3)) alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


# ---- reshape -------------------------------------------------------------------------------
class Reshape(Op):
    """y = x with a new shape (same elements in row-major order); dx = dy reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return reshape(grad, ctx.input_shape), None


class ReshapeView(Reshape):
    """``Reshape`` whose output is a view of x (shares its version counter): used for contiguous
    inputs, and by the matrix products, whose backward passes treat every reshape as a view."""
    is_view = True


def _infer_shape(op, shape, numel, input_shape):
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got {shape}")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape {shape} is invalid for input of size {numel} "
                               f"(shape {tuple(input_shape)})")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape {shape} is invalid for input of size {numel} "
                           f"(shape {tuple(input_shape)})")
    return shape


def reshape(input, *shape):
    """A tensor with the same elements in the same (row-major) order and the shape ``shape``; one
    size may be -1, inferred from the number of elements.  A view when the memory allows, else a
    copy.

    Shape:
        Input: (*) with n elements.  Output: ``shape``, whose sizes multiply to n.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6)
        >>> yingshe.reshape(x, (2, 3))
        tensor([[0, 1, 2],
                [3, 4, 5]])
        >>> x.reshape(3, -1).shape
        yingshe.Size([3, 2])
    """
    return _reshape_to(input, _infer_shape("reshape", _sizes(shape), input._data.size, input.shape))


def _reshape_to(input, shape):
    """reshape to a checked, fully known shape (the shape ops' own calls skip the inference)."""
    if shape == input.shape:
        return input
    op = ReshapeView if input._data.flags.c_contiguous else Reshape
    return op.apply(input, shape)


def view(input, *shape):
    """Like ``reshape`` but, as PyTorch, only for layouts that can be viewed without a copy."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)):
        return input.to(shape[0])  # view(dtype) is not supported as reinterpretation
    shape = _infer_shape("view", _sizes(shape), input._data.size, input.shape)
    if not input._data.flags.c_contiguous and shape != input.shape:
        raise RuntimeError(f"view: the input of shape {tuple(input.shape)} is not contiguous, so "
                           f"it cannot be viewed as {shape}; use .reshape(...) instead")
    return _reshape_to(input, shape)


def view_as(input, other):
    """``input.view(other.shape)``: the same elements seen with the shape of ``other`` (without a
    copy, so ``input`` must be contiguous unless the shapes are equal).

    Shape:
        Input: (*) with n elements.  Output: ``other.shape``, which must hold n elements.

    Examples:
        >>> import yingshe
        >>> yingshe.arange(6).view_as(yingshe.zeros(3, 2))
        tensor([[0, 1],
                [2, 3],
                [4, 5]])
    """
    return view(input, other.shape)


# ---- permutations -------------------------------------------------------------------------
class Permute(Op):
    """y = x with its axes permuted; dx = dy with the inverse permutation."""
    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.axes)
        for i, a in enumerate(ctx.axes):
            inverse[a] = i
        return Permute.apply(grad, tuple(inverse)), None


def permute(input, *dims):
    """``input`` with its dimensions reordered: output dim i is input dim ``dims[i]`` (a view).

    Shape:
        Input: (d_0, ..., d_{n-1}).  Output: (d_{dims[0]}, ..., d_{dims[n-1]}).

    Examples:
        >>> import yingshe
        >>> yingshe.zeros(2, 3, 4).permute(2, 0, 1).shape
        yingshe.Size([4, 2, 3])
    """
    dims = _sizes(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute: the number of dims {len(dims)} doesn't match the input's "
                           f"{input.ndim} (shape {tuple(input.shape)})")
    axes = tuple(_normalize_dim(d, input.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    if axes == tuple(range(input.ndim)):
        return input
    return Permute.apply(input, axes)


def transpose(input, dim0, dim1):
    """``input`` with dims ``dim0`` and ``dim1`` swapped (a view): out[..., j, ..., i, ...] =
    input[..., i, ..., j, ...].  ``swapaxes`` and ``swapdims`` are the same function.

    Shape:
        Input: (*).  Output: the input's shape with the sizes of ``dim0`` and ``dim1`` swapped.

    Examples:
        >>> import yingshe
        >>> yingshe.transpose(yingshe.arange(6).reshape(2, 3), 0, 1)
        tensor([[0, 3],
                [1, 4],
                [2, 5]])
        >>> yingshe.zeros(2, 3, 4).transpose(0, -1).shape
        yingshe.Size([4, 3, 2])
    """
    if input.ndim == 0:
        return input
    d0, d1 = (_normalize_dim(d, input.ndim, "transpose") for d in (dim0, dim1))
    axes = list(range(input.ndim))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return permute(input, axes)


swapaxes = swapdims = transpose


def t(input):
    """The transpose of a matrix (out[j, i] = input[i, j]); tensors with fewer than 2 dims are
    returned as they are.

    Shape:
        Input: (m, n), (n,) or ().  Output: (n, m), (n,) or ().

    Examples:
        >>> import yingshe
        >>> yingshe.t(yingshe.tensor([[1, 2, 3]]))
        tensor([[1],
                [2],
                [3]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {tuple(input.shape)}")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def _T(input):
    """All dimensions reversed (``Tensor.T``): the transpose of a matrix."""
    return permute(input, tuple(reversed(range(input.ndim))))


def _mT(input):
    """The last two dimensions swapped (``Tensor.mT``): a batch of matrices transposed."""
    if input.ndim < 2:
        raise RuntimeError(f"mT: tensor of shape {tuple(input.shape)} has fewer than 2 dimensions")
    return transpose(input, -2, -1)


def movedim(input, source, destination):
    """``input`` with dims ``source`` (an int or a tuple) moved to positions ``destination``, the
    other dims keeping their order (a view; ``moveaxis`` is the same function).

    Shape:
        Input: (*).  Output: the same sizes, those of ``source`` now at ``destination``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.zeros(2, 3, 4)
        >>> yingshe.movedim(x, 0, -1).shape  # channels first to channels last
        yingshe.Size([3, 4, 2])
        >>> yingshe.movedim(x, (0, 1), (2, 0)).shape
        yingshe.Size([3, 4, 2])
    """
    source = (source,) if isinstance(source, int) else tuple(source)
    destination = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: source {source} and destination {destination} differ in length")
    src = [_normalize_dim(d, input.ndim, "movedim") for d in source]
    dst = [_normalize_dim(d, input.ndim, "movedim") for d in destination]
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


# ---- squeeze / unsqueeze / flatten ----------------------------------------------------------
def squeeze(input, dim=None):
    """``input`` without its size-1 dims: all of them, or those in ``dim`` (an int or a tuple) that
    have size 1 (a view).

    Shape:
        Input: (*).  Output: the input's shape with those size-1 dims removed.

    Examples:
        >>> import yingshe
        >>> x = yingshe.zeros(2, 1, 3, 1)
        >>> yingshe.squeeze(x).shape
        yingshe.Size([2, 3])
        >>> yingshe.squeeze(x, 1).shape, yingshe.squeeze(x, 0).shape  # dim 0 has size 2: kept
        (yingshe.Size([2, 3, 1]), yingshe.Size([2, 1, 3, 1]))
    """
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {_normalize_dim(d, input.ndim, "squeeze") for d in dims}
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    return _reshape_to(input, shape)


def unsqueeze(input, dim):
    """``input`` with a size-1 dim inserted at ``dim`` (in [-ndim - 1, ndim]; a view).

    Shape:
        Input: (d_0, ..., d_{n-1}).  Output: (d_0, ..., 1, ..., d_{n-1}), 1 at position ``dim``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1, 2, 3])
        >>> yingshe.unsqueeze(x, 0)
        tensor([[1, 2, 3]])
        >>> x.unsqueeze(-1).shape
        yingshe.Size([3, 1])
    """
    d = _normalize_dim(dim, input.ndim + 1, "unsqueeze")
    shape = input.shape[:d] + (1,) + input.shape[d:]
    return _reshape_to(input, shape)


def flatten(input, start_dim=0, end_dim=-1):
    """``input`` with dims ``start_dim`` to ``end_dim`` merged into one (a view when the memory
    allows); a 0-d tensor becomes shape (1,).

    Shape:
        Input: (d_0, ..., d_{n-1}).  Output: (d_0, ..., d_start * ... * d_end, ..., d_{n-1}).

    Examples:
        >>> import yingshe
        >>> x = yingshe.zeros(2, 3, 4, 5)
        >>> yingshe.flatten(x).shape
        yingshe.Size([120])
        >>> yingshe.flatten(x, start_dim=1).shape  # a batch of feature vectors
        yingshe.Size([2, 60])
    """
    if input.ndim == 0:
        return reshape(input, (1,))
    s = _normalize_dim(start_dim, input.ndim, "flatten")
    e = _normalize_dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim}")
    shape = input.shape[:s] + (math.prod(input.shape[s:e + 1]),) + input.shape[e + 1:]
    return _reshape_to(input, shape)


def unflatten(input, dim, sizes):
    """``input`` with dim ``dim`` split into the dims ``sizes`` (one may be -1, inferred): the
    inverse of ``flatten``.

    Shape:
        Input: (*, d, *) with d at ``dim``.  Output: (*, s_0, ..., s_k, *) with
        s_0 * ... * s_k = d.

    Examples:
        >>> import yingshe
        >>> yingshe.unflatten(yingshe.zeros(2, 12), 1, (3, -1)).shape
        yingshe.Size([2, 3, 4])
    """
    d = _normalize_dim(dim, input.ndim, "unflatten")
    sizes = _infer_shape("unflatten", sizes, input.shape[d], input.shape)
    return reshape(input, input.shape[:d] + tuple(sizes) + input.shape[d + 1:])


# ---- repeat / flip / roll ---------------------------------------------------------------------
def repeat(input, *sizes):
    """``input`` tiled ``sizes[i]`` times along each dim i (a copy, as ``Tensor.repeat``); with
    more ``sizes`` than the input has dims, leading size-1 dims are added first.  The gradient
    sums the copies.

    Shape:
        Input: (d_0, ..., d_{n-1}).  Output: (r_0 d_0, ..., r_{m-1} d_{m-1}) for ``sizes`` =
        (r_0, ..., r_{m-1}), m >= n, the input's shape padded on the left with 1s.

    Examples:
        >>> import yingshe
        >>> yingshe.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    sizes = _sizes(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat: number of repeat dims {len(sizes)} can not be smaller than "
                           f"the number of tensor dims {input.ndim}")
    x = reshape(input, (1,) * (len(sizes) - input.ndim) + input.shape)
    # as a broadcast of an interleaved view: (r0, s0, r1, s1, ...) then merged
    expanded_shape, view_shape = [], []
    for r, s in zip(sizes, x.shape):
        view_shape += [1, s]
        expanded_shape += [r, s]
    out = broadcast_to(reshape(x, view_shape), expanded_shape)
    return reshape(out.contiguous(), tuple(r * s for r, s in zip(sizes, x.shape)))


def tile(input, *dims):
    """``input`` repeated ``dims[i]`` times along each dim i; with fewer ``dims`` than the input has
    dims, the leading ones are taken as 1 (``repeat`` otherwise).

    Shape:
        Input: (d_0, ..., d_{n-1}).  Output: (r_i d_i) per dim, ``dims`` padded on the left with
        1s (or the input's shape with 1s, if ``dims`` is longer).

    Examples:
        >>> import yingshe
        >>> yingshe.tile(yingshe.tensor([[1, 2], [3, 4]]), (2,))  # (2,) is taken as (1, 2)
        tensor([[1, 2, 1, 2],
                [3, 4, 3, 4]])
    """
    dims = _sizes(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


class Flip(Op):
    """Reverse the order along ``dims``; its own inverse."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return get_array_module(x).flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


def flip(input, dims):
    """``input`` with the order of its elements reversed along ``dims`` (a copy):
    out[..., i, ...] = input[..., n - 1 - i, ...].

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.flip(yingshe.arange(6).reshape(2, 3), (0,))
        tensor([[3, 4, 5],
                [0, 1, 2]])
    """
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return Flip.apply(input, tuple(_normalize_dim(d, input.ndim, "flip") for d in dims))


class Roll(Op):
    """Circular shift; the gradient rolls back."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return get_array_module(x).roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(grad, back, ctx.dims), None, None


def roll(input, shifts, dims=None):
    """A circular shift of ``input`` by ``shifts`` along ``dims``: out[(i + shift) mod n] =
    input[i]; without ``dims``, of the flattened tensor, reshaped back. Elements shifted past the
    end come back at the start.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.roll(yingshe.arange(4), 1)
        tensor([3, 0, 1, 2])
        >>> yingshe.roll(yingshe.arange(6).reshape(2, 3), shifts=(1, -1), dims=(0, 1))
        tensor([[4, 5, 3],
                [1, 2, 0]])
    """
    if dims is None:
        return reshape(Roll.apply(reshape(input, (-1,)), shifts, 0), input.shape)
    if isinstance(dims, int):
        dims, shifts = (dims,), (shifts,) if isinstance(shifts, int) else tuple(shifts)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    dims = tuple(_normalize_dim(d, input.ndim, "roll") for d in dims)
    return Roll.apply(input, shifts, dims)


# ---- slicing: narrow, select, split ----------------------------------------------------------
def narrow(input, dim, start, length):
    """The slice ``start:start + length`` of ``input`` along ``dim`` (a view; a negative ``start``
    counts from the end).

    Shape:
        Input: (*, d, *) with d at ``dim``.  Output: the same with ``length`` at ``dim``.

    Examples:
        >>> import yingshe
        >>> yingshe.narrow(yingshe.arange(10).reshape(2, 5), 1, 1, 3)
        tensor([[1, 2, 3],
                [6, 7, 8]])
    """
    d = _normalize_dim(dim, input.ndim, "narrow")
    size = input.shape[d]
    start = start + size if start < 0 else start
    if start < 0 or length < 0 or start + length > size:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension size "
                         f"({size}) of shape {tuple(input.shape)}")
    index = (slice(None),) * d + (slice(start, start + length),)
    return BasicIndex.apply(input, index)


def select(input, dim, index):
    """``input[..., index, ...]`` with ``index`` at dim ``dim``, removing that dim (a view).

    Shape:
        Input: (d_0, ..., d_{n-1}).  Output: the input's shape without ``dim``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6).reshape(2, 3)
        >>> yingshe.select(x, 1, 0), yingshe.select(x, 0, -1)
        (tensor([0, 3]), tensor([3, 4, 5]))
    """
    d = _normalize_dim(dim, input.ndim, "select")
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} is out of range for dimension {dim} with size {size}")
    return BasicIndex.apply(input, (slice(None),) * d + (index % size,))


def split(tensor, split_size_or_sections, dim=0):
    """``tensor`` cut along ``dim`` into pieces of ``split_size_or_sections`` elements (the last may
    be smaller), or into pieces of the listed sizes (views).

    Shape:
        Input: (*, d, *) with d at ``dim``.  Output: a tuple of tensors of the same shape except
        at ``dim``, whose sizes add up to d.

    Examples:
        >>> import yingshe
        >>> yingshe.split(yingshe.arange(5), 2)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
        >>> yingshe.split(yingshe.arange(5), [1, 4])
        (tensor([0]), tensor([1, 2, 3, 4]))
    """
    d = _normalize_dim(dim, tensor.ndim, "split")
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0 or (step == 0 and size):
            raise RuntimeError(f"split: split_size must be positive (0 only for a dimension of "
                               f"size 0), got {step} for dimension {dim} of size {size}")
        sections = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(f"split: sections {sections} do not sum to the size {size} of "
                               f"dimension {dim} (shape {tuple(tensor.shape)})")
    pieces, start = [], 0
    for n in sections:
        pieces.append(narrow(tensor, d, start, n))
        start += n
    return tuple(pieces)


def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of ``input`` along ``dim``, each of ceil(d / chunks) elements but
    the last (views); so fewer pieces may come back (``tensor_split`` always gives that many).

    Shape:
        As ``split``: pieces of the input's shape except at ``dim``, where their sizes add up to
        d = input.shape[dim].

    Examples:
        >>> import yingshe
        >>> yingshe.chunk(yingshe.arange(5), 3)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
        >>> len(yingshe.chunk(yingshe.arange(6), 4))  # pieces of 2: only 3 of them
        3
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    size = input.shape[_normalize_dim(dim, input.ndim, "chunk")]
    if size == 0:  # PyTorch gives ``chunks`` empty pieces here
        return split(input, [0] * chunks, dim)
    return split(input, -(-size // chunks), dim)


def unbind(input, dim=0):
    """All slices of ``input`` along ``dim``, each without that dim (views): the inverse of
    ``stack``.

    Shape:
        Input: (*, d, *) with d at ``dim``.  Output: a tuple of d tensors, the input's shape
        without ``dim``.

    Examples:
        >>> import yingshe
        >>> yingshe.unbind(yingshe.arange(6).reshape(2, 3), dim=1)
        (tensor([0, 3]), tensor([1, 4]), tensor([2, 5]))
    """
    d = _normalize_dim(dim, input.ndim, "unbind")
    return tuple(select(input, d, i) for i in range(input.shape[d]))


# ---- joining --------------------------------------------------------------------------------
class Cat(Op):
    """Concatenate along ``dim``; each input's gradient is its slice of dy.  Inputs flagged in
    ``skipped`` (PyTorch's legacy 1-D empty tensors) take no part and get an empty gradient."""

    @staticmethod
    def forward(ctx, dim, skipped, *arrays):
        ctx.dim, ctx.skipped = dim, skipped
        ctx.sizes = [0 if skip else a.shape[dim] for a, skip in zip(arrays, skipped)]
        kept = [a for a, skip in zip(arrays, skipped) if not skip]
        return get_array_module(arrays[0]).concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [None, None], 0
        for i, n in enumerate(ctx.sizes):
            if not ctx.needs_input_grad[i + 2]:
                grads.append(None)
            elif ctx.skipped[i]:
                empty = get_array_module(grad._data).zeros(0, grad._data.dtype)
                grads.append(Tensor._make(empty))
            else:
                grads.append(narrow(grad, ctx.dim, start, n))
            start += n
        return tuple(grads)


def _common_dtype(tensors):
    """PyTorch's promotion across all inputs (cat needs no 0-d tensors, so ranks are equal)."""
    np_dtype = tensors[0]._data.dtype
    for other in tensors[1:]:
        probe = get_array_module(other._data).empty(1, np_dtype)
        np_dtype = _dtype.result_type(probe, other._data)
    return np_dtype


def cat(tensors, dim=0):
    """The tensors joined along the existing dim ``dim`` (``concat`` and ``concatenate`` are the
    same function); dtypes are promoted.  As in PyTorch, 1-D empty tensors are skipped (they
    still take part in the type promotion and get an empty gradient).  Each input's gradient is
    its slice of dy.

    Shape:
        Inputs: (*, d_k, *), equal except at ``dim``.  Output: (*, d_1 + ... + d_K, *).

    Examples:
        >>> import yingshe
        >>> a, b = yingshe.zeros(2, 3), yingshe.ones(1, 3)
        >>> yingshe.cat([a, b])
        tensor([[0., 0., 0.],
                [0., 0., 0.],
                [1., 1., 1.]])
        >>> yingshe.cat([a, a], dim=1).shape
        yingshe.Size([2, 6])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of tensors")
    skipped = tuple(t.ndim == 1 and t.shape[0] == 0 for t in tensors)
    if all(skipped):
        skipped = (False,) + skipped[1:]
    kept = [t for t, skip in zip(tensors, skipped) if not skip]
    ref = kept[0]
    d = _normalize_dim(dim, ref.ndim, "cat")
    for other in kept[1:]:
        if other.ndim != ref.ndim:
            raise RuntimeError(f"cat: tensors must have the same number of dimensions, got "
                               f"{tuple(ref.shape)} and {tuple(other.shape)}")
        if any(a != b for i, (a, b) in enumerate(zip(ref.shape, other.shape)) if i != d):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {dim}; got "
                               f"{tuple(ref.shape)} and {tuple(other.shape)}")
    np_dtype = _common_dtype(tensors)
    tensors = [t if t._data.dtype == np_dtype else t.to(np_dtype) for t in tensors]
    if len(tensors) == 1:
        return tensors[0].clone()
    return Cat.apply(d, skipped, *tensors)


concat = concatenate = cat


def stack(tensors, dim=0):
    """The tensors, all of one shape, joined along a new dim ``dim``: out.select(dim, k) is the k-th
    tensor.

    Shape:
        Inputs: K tensors of shape (d_0, ..., d_{n-1}).  Output: the same with K inserted at
        ``dim``, e.g. (K, d_0, ..., d_{n-1}) for dim 0.

    Examples:
        >>> import yingshe
        >>> a, b = yingshe.tensor([1, 2, 3]), yingshe.tensor([4, 5, 6])
        >>> yingshe.stack([a, b])
        tensor([[1, 2, 3],
                [4, 5, 6]])
        >>> yingshe.stack([a, b], dim=1).shape
        yingshe.Size([3, 2])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    for other in tensors[1:]:
        if other.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, got "
                               f"{tuple(tensors[0].shape)} and {tuple(other.shape)}")
    d = _normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def hstack(tensors):
    """The tensors joined horizontally: along dim 1, or dim 0 for 1-D tensors.

    Shape:
        Inputs: (n_k,) vectors, or (d_0, n_k, *) equal except at dim 1.  Output: (sum n_k,) or
        (d_0, sum n_k, *).

    Examples:
        >>> import yingshe
        >>> yingshe.hstack([yingshe.tensor([1, 2]), yingshe.tensor([3])])
        tensor([1, 2, 3])
        >>> yingshe.hstack([yingshe.zeros(2, 1), yingshe.ones(2, 2)])
        tensor([[0., 1., 1.],
                [0., 1., 1.]])
    """
    tensors = list(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """The tensors joined vertically, along dim 0, after 1-D tensors are made rows (1, n)
    (``row_stack`` is the same function).

    Shape:
        Inputs: (n,) vectors or (m_k, *) equal except at dim 0.  Output: (sum m_k, *), a vector
        counting as m_k = 1.

    Examples:
        >>> import yingshe
        >>> yingshe.vstack([yingshe.tensor([1, 2]), yingshe.tensor([[3, 4], [5, 6]])])
        tensor([[1, 2],
                [3, 4],
                [5, 6]])
    """
    return cat([t if t.ndim >= 2 else reshape(t, (1, -1)) for t in tensors], 0)


# ---- pad ---------------------------------------------------------------------------------------
class ConstantPad(Op):
    """Pad with a constant (negative pads crop); dx = the matching window of dy."""

    @staticmethod
    def forward(ctx, x, widths, value):
        xp = get_array_module(x)
        out_shape = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape, widths))
        if any(s < 0 for s in out_shape):
            raise RuntimeError(f"pad: the padded size {out_shape} of input {x.shape} is negative")
        out = xp.full(out_shape, value, x.dtype)
        src = tuple(slice(max(-lo, 0), s - max(-hi, 0)) for s, (lo, hi) in zip(x.shape, widths))
        dst = tuple(slice(max(lo, 0), max(lo, 0) + (sl.stop - sl.start))
                    for (lo, _), sl in zip(widths, src))
        out[dst] = x[src]
        ctx.widths = widths
        return out

    @staticmethod
    def backward(ctx, grad):
        return ConstantPad.apply(grad, tuple((-lo, -hi) for lo, hi in ctx.widths), 0), None, None


class IndexPad(Op):
    """Reflect/replicate/circular padding as a gather along each padded axis; dx scatters back."""

    @staticmethod
    def forward(ctx, x, axis_indices):
        ctx.input_shape, ctx.axis_indices = x.shape, axis_indices
        for axis, index in axis_indices:
            x = x.take(index, axis=axis)
        return x

    @staticmethod
    def backward(ctx, grad):
        return IndexPadBackward.apply(grad, ctx.input_shape, ctx.axis_indices), None


class IndexPadBackward(Op):
    @staticmethod
    def forward(ctx, grad, input_shape, axis_indices):
        xp = get_array_module(grad)
        ctx.axis_indices = axis_indices
        for axis, index in reversed(axis_indices):
            size = input_shape[axis]
            moved = xp.moveaxis(grad, axis, 0)
            out = xp.zeros((size,) + moved.shape[1:], grad.dtype)
            xp.add.at(out, index, moved)
            grad = xp.moveaxis(out, 0, axis)
        return grad

    @staticmethod
    def backward(ctx, grad):
        return IndexPad.apply(grad, ctx.axis_indices), None, None


def _pad_index(size, lo, hi, mode, xp):
    positions = xp.arange(-lo, size + hi)
    if mode == "replicate":
        return xp.clip(positions, 0, size - 1)
    if mode == "circular":
        return positions % size
    period = 2 * (size - 1)  # reflect without repeating the edge
    positions = xp.abs(positions) % period if period else xp.zeros_like(positions)
    return xp.where(positions >= size, period - positions, positions)


def pad(input, pad, mode="constant", value=None):
    """``input`` padded (or, with negative widths, cropped) at both ends of its last dims
    (``torch.nn.functional.pad``).

    ``pad`` = (last_lo, last_hi, prev_lo, prev_hi, ...) pads the last dim first.  Modes:
    'constant' fills with ``value`` (0 by default); 'reflect' mirrors the input without repeating
    the edge (each width smaller than its dim); 'replicate' repeats the edge; 'circular' wraps
    around.  The gradient sums back onto the elements each padded value came from.

    Shape:
        Input: (*, d_{n-1}).  Output: the input's shape with d + lo + hi for each padded dim,
        e.g. (N, C, H, W) with (1, 1, 2, 2) gives (N, C, H + 4, W + 2).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.0, 2.0, 3.0]])
        >>> yingshe.nn.functional.pad(x, (1, 2))
        tensor([[0., 1., 2., 3., 0., 0.]])
        >>> yingshe.nn.functional.pad(x, (2, 0), mode="reflect")
        tensor([[3., 2., 1., 2., 3.]])
        >>> yingshe.nn.functional.pad(yingshe.zeros(1, 3, 4, 4), (1, 1, 2, 2)).shape
        yingshe.Size([1, 3, 8, 6])
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding length {len(pad)} must be even and at most twice the "
                         f"number of dimensions ({input.ndim}) of input {tuple(input.shape)}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    widths = tuple(widths)
    if mode == "constant":
        for size, (lo, hi) in zip(input.shape, widths):
            if size + min(lo, 0) + min(hi, 0) < 0:  # negative pads crop more than there is
                raise RuntimeError(f"pad: the negative padding ({lo}, {hi}) crops more than "
                                   f"the size {size} of a dimension of input "
                                   f"{tuple(input.shape)}")
        return ConstantPad.apply(input, widths, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} is not supported")
    count = len(pad) // 2
    if mode != "circular" and 0 in input.shape[max(input.ndim - count - 1, 0):]:
        # PyTorch's rule: the padded dims and the one before them (the channels) must not be
        # empty; a batch dim before those may be
        raise RuntimeError(f"pad: {mode} padding of {count} dim(s) expects the padded dims and "
                           f"the channel dim before them to be non-empty (the batch may be "
                           f"empty), got input of shape {tuple(input.shape)}")
    xp = get_array_module(input._data)
    axis_indices = []
    for axis, (lo, hi) in enumerate(widths):
        if lo == 0 and hi == 0:
            continue
        size = input.shape[axis]
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError(f"pad: circular padding ({lo}, {hi}) would wrap around the "
                               f"dimension of size {size} more than once (input "
                               f"{tuple(input.shape)})")
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the "
                               f"dimension size {size} of input {tuple(input.shape)}")
        axis_indices.append((axis, _pad_index(size, lo, hi, mode, xp)))
    return IndexPad.apply(input, tuple(axis_indices)) if axis_indices else input


def _contiguous(input, memory_format=None):
    """Self when already C-contiguous, else a contiguous copy that stays in the graph."""
    if input._data.flags.c_contiguous:
        return input
    return input.clone()


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "view_as": view_as, "transpose": transpose,
    "swapaxes": swapaxes, "swapdims": swapdims, "permute": permute, "t": t,
    "T": property(_T), "mT": property(_mT), "squeeze": squeeze, "unsqueeze": unsqueeze,
    "flatten": flatten, "unflatten": unflatten, "movedim": movedim, "moveaxis": movedim,
    "repeat": repeat, "tile": tile, "flip": flip, "roll": roll, "split": split, "chunk": chunk,
    "unbind": unbind, "narrow": narrow, "select": select, "contiguous": _contiguous,
}


# ---- triangles and diagonals ---------------------------------------------------------------------
class Triangle(Op):
    """y = x with the entries above (``lower``) or below the k-th diagonal of the last two dims
    set to 0;  dx = dy masked the same way."""

    @staticmethod
    def forward(ctx, x, k, lower):
        ctx.k, ctx.lower = k, lower
        xp = get_array_module(x)
        rows, cols = x.shape[-2:]
        keep = xp.tri(rows, cols, k, dtype=bool)
        return xp.where(keep if lower else ~xp.tri(rows, cols, k - 1, dtype=bool), x,
                        x.dtype.type(0))

    @staticmethod
    def backward(ctx, grad):
        return Triangle.apply(grad, ctx.k, ctx.lower), None, None


def _triangle(input, diagonal, lower, op):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(input.shape)}")
    return Triangle.apply(input, int(diagonal), lower)


def tril(input, diagonal=0):
    """The lower triangle of the matrices in the last two dims: out[..., i, j] = x[..., i, j] where
    j - i <= ``diagonal``, else 0 (``diagonal`` > 0 keeps diagonals above the main one, < 0
    removes more).

    Shape:
        Input: (*, m, n).  Output: (*, m, n).

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(1, 10).reshape(3, 3)
        >>> yingshe.tril(x)
        tensor([[1, 0, 0],
                [4, 5, 0],
                [7, 8, 9]])
        >>> yingshe.tril(x, diagonal=-1)
        tensor([[0, 0, 0],
                [4, 0, 0],
                [7, 8, 0]])
    """
    return _triangle(input, diagonal, True, "tril")


def triu(input, diagonal=0):
    """The upper triangle of the matrices in the last two dims: out[..., i, j] = x[..., i, j] where
    j - i >= ``diagonal``, else 0.

    Shape:
        Input: (*, m, n).  Output: (*, m, n).

    Examples:
        >>> import yingshe
        >>> yingshe.triu(yingshe.arange(1, 10).reshape(3, 3), diagonal=1)
        tensor([[0, 2, 3],
                [0, 0, 6],
                [0, 0, 0]])
    """
    return _triangle(input, diagonal, False, "triu")


def _diagonal_view(x, offset, axis1, axis2):
    """The diagonal of the array x as a writable strided view: axes axis1 and axis2 removed and
    the diagonal appended as the last axis (NumPy's and PyTorch's layout)."""
    xp = get_array_module(x)
    start1, start2 = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(min(x.shape[axis1] - start1, x.shape[axis2] - start2), 0)
    rest = [d for d in range(x.ndim) if d not in (axis1, axis2)]
    shape = tuple(x.shape[d] for d in rest) + (length,)
    if length == 0:
        return xp.empty(shape, x.dtype)
    index = [slice(None)] * x.ndim
    index[axis1], index[axis2] = slice(start1, None), slice(start2, None)
    base = x[tuple(index)]
    strides = tuple(base.strides[d] for d in rest) + (base.strides[axis1] + base.strides[axis2],)
    return xp.lib.stride_tricks.as_strided(base, shape, strides)


def _diagonal_axes(ndim, dim1, dim2, op):
    axis1, axis2 = _normalize_dim(dim1, ndim, op), _normalize_dim(dim2, ndim, op)
    if axis1 == axis2:
        raise RuntimeError(f"{op}: dimensions cannot be identical {dim1}, {dim2}")
    return axis1, axis2


class Diagonal(Op):
    """y = the diagonal x[..., i, i + offset] over the axes (axis1, axis2), appended as the last
    dim (a view);  dx = dy written onto that diagonal of zeros."""
    is_view = True

    @staticmethod
    def forward(ctx, x, offset, axis1, axis2):
        ctx.shape, ctx.params = x.shape, (offset, axis1, axis2)
        return _diagonal_view(x, offset, axis1, axis2)

    @staticmethod
    def backward(ctx, grad):
        return DiagonalScatter.apply(grad, ctx.shape, *ctx.params), None, None, None


class DiagonalScatter(Op):
    """y = zeros(shape) with x written onto its diagonal (``offset`` over axes axis1, axis2);
    dx = the diagonal of dy (the adjoint of ``Diagonal``)."""

    @staticmethod
    def forward(ctx, x, shape, offset, axis1, axis2):
        ctx.params = (offset, axis1, axis2)
        out = get_array_module(x).zeros(shape, x.dtype)
        _diagonal_view(out, offset, axis1, axis2)[...] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.params), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal out[..., i] = x[..., i, i + offset] of the matrices over dims ``dim1`` and
    ``dim2`` (``offset`` > 0 above the main diagonal, < 0 below), as the last dim of a view.

    Shape:
        Input: (*) with sizes m at ``dim1`` and n at ``dim2``.  Output: the input's shape without
        those two dims, then L = min(m, n - offset) for offset >= 0 (min(m + offset, n) below).

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(9).reshape(3, 3)
        >>> yingshe.diagonal(x), yingshe.diagonal(x, offset=1)
        (tensor([0, 4, 8]), tensor([1, 5]))
        >>> yingshe.diagonal(yingshe.zeros(2, 3, 3), dim1=1, dim2=2).shape  # one per batch item
        yingshe.Size([2, 3])
    """
    axis1, axis2 = _diagonal_axes(input.ndim, dim1, dim2, "diagonal")
    return Diagonal.apply(input, int(offset), axis1, axis2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices whose ``offset`` diagonal (over the output dims ``dim1``, ``dim2``) is the last dim
    of ``input``, zeros elsewhere: the inverse of ``diagonal``.

    Shape:
        Input: (*, n).  Output: (*, n + |offset|, n + |offset|) for the default dims -2, -1.

    Examples:
        >>> import yingshe
        >>> m = yingshe.diag_embed(yingshe.tensor([[1, 2], [3, 4]]))  # a batch of two vectors
        >>> m.shape
        yingshe.Size([2, 2, 2])
        >>> m[1]
        tensor([[3, 0],
                [0, 4]])
    """
    ndim = input.ndim + 1
    axis1, axis2 = _diagonal_axes(ndim, dim1, dim2, "diag_embed")
    n = (input.shape[-1] if input.ndim else 1) + abs(int(offset))
    shape = list(input.shape[:-1])
    for axis in sorted((axis1, axis2)):
        shape.insert(axis, n)
    return DiagonalScatter.apply(input, tuple(shape), int(offset), axis1, axis2)


def diag(input, diagonal=0):
    """A vector's diagonal matrix (the vector on the ``diagonal``-th diagonal, zeros elsewhere), or
    a matrix's ``diagonal``-th diagonal as a vector (a copy).

    Shape:
        Input (n,): output (n + |diagonal|, n + |diagonal|).  Input (m, n): output (L,), the
        length of that diagonal.

    Examples:
        >>> import yingshe
        >>> yingshe.diag(yingshe.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]])
        >>> yingshe.diag(yingshe.arange(9).reshape(3, 3), -1)
        tensor([3, 7])
    """
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D (shape "
                       f"{tuple(input.shape)})")


def diagflat(input, offset=0):
    """The diagonal matrix of the flattened input, on the ``offset``-th diagonal.

    Shape:
        Input: (*) with n elements.  Output: (n + |offset|, n + |offset|).

    Examples:
        >>> import yingshe
        >>> yingshe.diagflat(yingshe.tensor([[1, 2], [3, 4]])).shape
        yingshe.Size([4, 4])
        >>> yingshe.diagflat(yingshe.tensor([5, 6]), offset=1)
        tensor([[0, 5, 0],
                [0, 0, 6],
                [0, 0, 0]])
    """
    return diag_embed(flatten(input), offset, 0, 1)


def trace(input):
    """The sum of a matrix's main diagonal: out = sum_i x[i, i]; integers sum in int64.

    Shape:
        Input: (m, n).  Output: ().

    Examples:
        >>> import yingshe
        >>> yingshe.trace(yingshe.arange(9).reshape(3, 3))
        tensor(12)
    """
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim} "
                           f"(shape {tuple(input.shape)})")
    return diagonal(input).sum()


def _fill_diagonal_(self, fill_value, wrap=False):
    """The main diagonal set to ``fill_value`` in place (all dims of equal length when more than
    two; with ``wrap`` a tall matrix restarts its diagonal every cols + 1 rows, as NumPy's
    fill_diagonal)."""
    if self.ndim < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got shape "
                           f"{tuple(self.shape)}")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, got "
                           f"shape {tuple(self.shape)}")
    mask = np.zeros(self.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    mask = Tensor._make(_backend.to_device(mask, self.device))
    return masked_fill_(self, mask, fill_value)


# ---- grids and products of tensors ---------------------------------------------------------------
def _tensor_list(tensors):
    """f(a, b) and f([a, b]) alike."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(tensors[0])
    return tuple(tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 0-d and 1-d tensors: grid k holds the k-th tensor's values, varying along
    dim k and repeated along the others.

    With ``indexing='ij'`` (matrix indexing) grid k varies along dim k; with 'xy' (Cartesian, like
    NumPy's default) the first two dims are swapped.  Without ``indexing`` it warns and uses
    'ij', as PyTorch.  The grids are broadcast views.

    Shape:
        Inputs: K tensors of n_1, ..., n_K elements.  Output: K grids, each (n_1, ..., n_K) with
        'ij', or (n_2, n_1, n_3, ..., n_K) with 'xy'.

    Examples:
        >>> import yingshe
        >>> rows, cols = yingshe.meshgrid(yingshe.tensor([1, 2, 3]), yingshe.tensor([4, 5]),
        ...                               indexing="ij")
        >>> rows
        tensor([[1, 1],
                [2, 2],
                [3, 3]])
        >>> cols
        tensor([[4, 5],
                [4, 5],
                [4, 5]])
    """
    tensors = _tensor_list(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got shape {tuple(t.shape)}")
        if t.dtype != tensors[0].dtype or t.device != tensors[0].device:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype and device, "
                               f"got {tensors[0].dtype.name} and {t.dtype.name}")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors = (tensors[1], tensors[0]) + tensors[2:]
    k = len(tensors)
    shape = tuple(t.numel() for t in tensors)
    grids = [broadcast_to(_reshape_to(t, (1,) * i + (t.numel(),) + (1,) * (k - i - 1)), shape)
             for i, t in enumerate(tensors)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """All tuples (a_i, b_j, ...) of elements of 1-D tensors, one per row, in lexicographic order
    (as itertools.product); a single tensor is returned as it is.

    Shape:
        Inputs: K vectors of n_1, ..., n_K elements.  Output: (n_1 * ... * n_K, K).

    Examples:
        >>> import yingshe
        >>> yingshe.cartesian_prod(yingshe.tensor([1, 2]), yingshe.tensor([3, 4]))
        tensor([[1, 3],
                [1, 4],
                [2, 3],
                [2, 4]])
    """
    tensors = _tensor_list(tensors)
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: Expect a 1D vector, but got shape "
                               f"{list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([flatten(g) for g in meshgrid(tensors, indexing="ij")], 1)


def block_diag(*tensors):
    """The block-diagonal matrix with the given blocks on its diagonal, zeros elsewhere; a 0-d
    block is 1 x 1, a 1-d block of n elements a row (1, n).  Dtypes are promoted.

    Shape:
        Blocks: (m_k, n_k).  Output: (m_1 + ... + m_K, n_1 + ... + n_K).

    Examples:
        >>> import yingshe
        >>> yingshe.block_diag(yingshe.tensor([[1, 2], [3, 4]]), yingshe.tensor(5))
        tensor([[1, 2, 0],
                [3, 4, 0],
                [0, 0, 5]])
    """
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.ndim} dimensions")
        blocks.append(_reshape_to(t, (1, 1)) if t.ndim == 0 else
                      _reshape_to(t, (1, t.shape[0])) if t.ndim == 1 else t)
    if not blocks:
        return Tensor._make(np.zeros((1, 0), _dtype.get_default_dtype().np))
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        rows.append(pad(b, (left, width - left - b.shape[1])))
        left += b.shape[1]
    return cat(rows, 0)


def kron(input, other):
    """The Kronecker product: block (i, j, ...) of the result is input[i, j, ...] * other, i.e.
    out[i p + k, j q + l] = a[i, j] b[k, l] for matrices (Horn & Johnson, Topics in Matrix
    Analysis, 1991, Def. 4.2.1); any number of dims, the shorter shape padded on the left with 1s.

    Shape:
        Input: (a_0, ..., a_{n-1}), other: (b_0, ..., b_{n-1}).  Output: (a_0 b_0, ...,
        a_{n-1} b_{n-1}).

    Examples:
        >>> import yingshe
        >>> yingshe.kron(yingshe.eye(2, dtype=yingshe.int64), yingshe.tensor([[1, 2], [3, 4]]))
        tensor([[1, 2, 0, 0],
                [3, 4, 0, 0],
                [0, 0, 1, 2],
                [0, 0, 3, 4]])
    """
    ndim = max(input.ndim, other.ndim)
    a = _reshape_to(input, (1,) * (ndim - input.ndim) + input.shape)
    b = _reshape_to(other, (1,) * (ndim - other.ndim) + other.shape)
    a_shape, b_shape = [], []
    for m, n in zip(a.shape, b.shape):
        a_shape += [m, 1]
        b_shape += [1, n]
    blocks = mul(_reshape_to(a, tuple(a_shape)), _reshape_to(b, tuple(b_shape)))
    return reshape(blocks, tuple(m * n for m, n in zip(a.shape, b.shape)))


# ---- flips and rotations ------------------------------------------------------------------------
def fliplr(input):
    """The order of the columns (dim 1) reversed, left to right: ``flip(input, 1)``.

    Shape:
        Input: (m, n, *), at least 2 dims.  Output: the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.fliplr(yingshe.tensor([[1, 2, 3], [4, 5, 6]]))
        tensor([[3, 2, 1],
                [6, 5, 4]])
    """
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {tuple(input.shape)}")
    return flip(input, 1)


def flipud(input):
    """The order of the rows (dim 0) reversed, upside down: ``flip(input, 0)``.

    Shape:
        Input: (m, *), at least 1 dim.  Output: the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.flipud(yingshe.tensor([[1, 2], [3, 4], [5, 6]]))
        tensor([[5, 6],
                [3, 4],
                [1, 2]])
    """
    if input.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d, got a 0-d tensor")
    return flip(input, 0)


def rot90(input, k=1, dims=(0, 1)):
    """``input`` rotated by k * 90 degrees in the plane of ``dims``, from the first dim towards the
    second (counterclockwise for the default dims (0, 1) of an image; k < 0 the other way).

    Shape:
        Input: (*), at least 2 dims.  Output: the sizes of the two ``dims`` swapped for odd k,
        the same shape for even k.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1, 2], [3, 4]])
        >>> yingshe.rot90(x)
        tensor([[2, 4],
                [1, 3]])
        >>> yingshe.rot90(yingshe.zeros(2, 3, 5), k=1, dims=(1, 2)).shape
        yingshe.Size([2, 5, 3])
    """
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (_normalize_dim(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return transpose(flip(input, d1), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, d0), d0, d1)
    return input.clone()


# ---- atleast_nd, ravel, more splitting and stacking --------------------------------------------
def _at_least(tensors, shape_of):
    tensors = tuple(tensors)
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        return _reshape_to(tensors[0], shape_of(tensors[0].shape))
    return tuple(_reshape_to(t, shape_of(t.shape)) for t in _tensor_list(tensors))


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (0-d becomes (1,), others unchanged); one tensor gives a
    tensor, several (or a list) a tuple.

    Shape:
        () becomes (1,); any other shape is kept.

    Examples:
        >>> import yingshe
        >>> yingshe.atleast_1d(yingshe.tensor(5))
        tensor([5])
        >>> [t.shape for t in yingshe.atleast_1d(yingshe.tensor(1), yingshe.zeros(2, 2))]
        [yingshe.Size([1]), yingshe.Size([2, 2])]
    """
    return _at_least(tensors, lambda s: s or (1,))


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims; one tensor gives a tensor, several (or a list) a tuple.

    Shape:
        () becomes (1, 1), (n,) becomes (1, n); 2 or more dims are kept.

    Examples:
        >>> import yingshe
        >>> yingshe.atleast_2d(yingshe.tensor([1, 2]))
        tensor([[1, 2]])
    """
    return _at_least(tensors, lambda s: (1,) * (2 - len(s)) + s if len(s) < 2 else s)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims; one tensor gives a tensor, several (or a list) a tuple.

    Shape:
        () becomes (1, 1, 1), (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1); 3 or more dims
        are kept.

    Examples:
        >>> import yingshe
        >>> a, b = yingshe.atleast_3d([yingshe.tensor([1, 2]), yingshe.zeros(2, 3)])
        >>> a.shape, b.shape
        (yingshe.Size([1, 2, 1]), yingshe.Size([2, 3, 1]))
    """
    def shape_of(s):
        return {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s)
    return _at_least(tensors, shape_of)


def ravel(input):
    """The elements of ``input`` in row-major order as a 1-D tensor (a view when the memory allows).

    Shape:
        Input: (*) with n elements.  Output: (n,).

    Examples:
        >>> import yingshe
        >>> yingshe.ravel(yingshe.tensor([[1, 2], [3, 4]]))
        tensor([1, 2, 3, 4])
    """
    return flatten(input)


def tensor_split(input, indices_or_sections, dim=0):
    """``input`` cut along ``dim`` (views): an int n gives n nearly equal pieces (the first d mod n
    are one element longer), a list of indices cuts before each of them; a tensor argument acts
    as its int or list.

    Shape:
        Input: (*, d, *) with d at ``dim``.  Output: a tuple of tensors of the same shape except
        at ``dim``, whose sizes add up to d.

    Examples:
        >>> import yingshe
        >>> yingshe.tensor_split(yingshe.arange(7), 3)
        (tensor([0, 1, 2]), tensor([3, 4]), tensor([5, 6]))
        >>> yingshe.tensor_split(yingshe.arange(7), [1, 5])
        (tensor([0]), tensor([1, 2, 3, 4]), tensor([5, 6]))
    """
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    d = _normalize_dim(dim, input.ndim, "tensor_split")
    size = input.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {n}")
        bounds = [i * (size // n) + min(i, size % n) for i in range(n + 1)]
    else:
        bounds = [0] + [min(max(int(i), 0), size) for i in indices_or_sections] + [size]
    return tuple(narrow(input, d, start, max(stop - start, 0))
                 for start, stop in itertools.pairwise(bounds))


def _split_along(input, sections, dim, op, min_ndim):
    if input.ndim < min_ndim:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_ndim} dimension, but "
                           f"got a tensor with {input.ndim} dimensions!")
    if isinstance(sections, int) and (sections <= 0 or input.shape[dim] % sections):
        raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size "
                           f"of the dimension {input.shape[dim]} is not divisible by the "
                           f"split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, sections):
    """``tensor_split`` along the columns: dim 1, or dim 0 of a vector; an int number of sections
    must divide that size evenly.

    Shape:
        Input: (n,) or (m, n, *).  Output: a tuple of pieces of the same shape except at the
        split dim.

    Examples:
        >>> import yingshe
        >>> left, right = yingshe.hsplit(yingshe.arange(8).reshape(2, 4), 2)
        >>> right
        tensor([[2, 3],
                [6, 7]])
    """
    return _split_along(input, sections, 0 if input.ndim == 1 else 1, "hsplit", 1)


def vsplit(input, sections):
    """``tensor_split`` along the rows (dim 0) of a tensor with at least 2 dims; an int number of
    sections must divide the number of rows evenly.

    Shape:
        Input: (m, n, *).  Output: a tuple of pieces of the same shape except at dim 0.

    Examples:
        >>> import yingshe
        >>> yingshe.vsplit(yingshe.arange(6).reshape(3, 2), [1])
        (tensor([[0, 1]]), tensor([[2, 3],
                [4, 5]]))
    """
    return _split_along(input, sections, 0, "vsplit", 2)


def dsplit(input, sections):
    """``tensor_split`` along the depth (dim 2) of a tensor with at least 3 dims; an int number of
    sections must divide that size evenly.

    Shape:
        Input: (m, n, d, *).  Output: a tuple of pieces of the same shape except at dim 2.

    Examples:
        >>> import yingshe
        >>> [p.shape for p in yingshe.dsplit(yingshe.zeros(2, 2, 6), 3)]
        [yingshe.Size([2, 2, 2]), yingshe.Size([2, 2, 2]), yingshe.Size([2, 2, 2])]
    """
    return _split_along(input, sections, 2, "dsplit", 3)


def column_stack(tensors):
    """The tensors joined as columns: 0-d and 1-d tensors of n elements become columns (n, 1), then
    all are joined along dim 1.

    Shape:
        Inputs: (m,) vectors or (m, n_k, *).  Output: (m, sum n_k, *), a vector counting as
        n_k = 1.

    Examples:
        >>> import yingshe
        >>> yingshe.column_stack([yingshe.tensor([1, 2]), yingshe.tensor([3, 4])])
        tensor([[1, 3],
                [2, 4]])
    """
    tensors = list(tensors)
    return hstack([_reshape_to(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors])


def dstack(tensors):
    """The tensors joined along the depth (dim 2), after ``atleast_3d``.

    Shape:
        Inputs: (m, n, d_k, *) (or fewer dims, made 3-D first: (n,) is (1, n, 1)).  Output:
        (m, n, sum d_k, *).

    Examples:
        >>> import yingshe
        >>> yingshe.dstack([yingshe.tensor([1, 2]), yingshe.tensor([3, 4])])
        tensor([[[1, 3],
                 [2, 4]]])
    """
    return cat(atleast_3d(list(tensors)), 2)


row_stack = vstack


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place: [a, b] with 2
    gives [a, a, b, b] (``repeat`` would give [a, b, a, b]).

    ``repeats`` may be a tensor with one count per slice.  Without ``dim`` the input is
    flattened.  ``repeat_interleave(counts)`` alone gives the indices 0, 1, ... each repeated
    counts[i] times.  The gradient sums the copies.

    Shape:
        Input: (*, d, *) with d at ``dim``.  Output: the same with the sum of the repeats (r d for
        a number r) at ``dim``; without ``dim``, (sum of the repeats,) for the flattened input.

    Examples:
        >>> import yingshe
        >>> yingshe.repeat_interleave(yingshe.tensor([1, 2]), 2)
        tensor([1, 1, 2, 2])
        >>> x = yingshe.tensor([[1, 2], [3, 4]])
        >>> yingshe.repeat_interleave(x, yingshe.tensor([1, 2]), dim=0)  # row 1 twice
        tensor([[1, 2],
                [3, 4],
                [3, 4]])
        >>> yingshe.repeat_interleave(yingshe.tensor([2, 1]))
        tensor([0, 0, 1])
    """
    xp = get_array_module(input._data)
    if repeats is None:
        counts = input._data
        if counts.ndim != 1 or counts.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be a 1-D integer tensor, got "
                               f"shape {tuple(counts.shape)} ({input.dtype.name})")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeat_interleave: Repeats must be non-negative")
        return Tensor._make(xp.repeat(xp.arange(counts.size), counts))
    if dim is None:
        input, dim = flatten(input), 0
    d = _normalize_dim(dim, input.ndim, "repeat_interleave")
    size = input.shape[d] if input.ndim else 1
    counts = repeats._data if isinstance(repeats, Tensor) else xp.asarray(repeats)
    if counts.ndim == 1 and counts.size != size and counts.size != 1:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along "
                           f"dim, but got repeats.size(0) = {counts.size} and input.size({dim}) "
                           f"= {size}")
    if counts.ndim > 1:
        raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, got shape "
                           f"{tuple(counts.shape)}")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeat_interleave: Repeats must be non-negative")
    index = Tensor._make(xp.repeat(xp.arange(size), counts.reshape(-1)))
    return index_select(reshape(input, (1,)) if input.ndim == 0 else input, d, index)


__all__ += ["tril", "triu", "diagonal", "diag_embed", "diag", "diagflat", "trace", "meshgrid",
            "cartesian_prod", "block_diag", "kron", "fliplr", "flipud", "rot90",
            "atleast_1d", "atleast_2d", "atleast_3d", "ravel", "tensor_split", "hsplit", "vsplit",
            "dsplit", "column_stack", "dstack", "row_stack", "repeat_interleave"]

TENSOR_METHODS.update({name: globals()[name] for name in (
    "tril", "triu", "diagonal", "diag_embed", "diag", "diagflat", "trace", "kron",
    "fliplr", "flipud", "rot90", "ravel", "tensor_split", "hsplit", "vsplit", "dsplit",
    "repeat_interleave")})
TENSOR_METHODS.update({"tril_": _inplace_variant("tril_", tril),
                       "triu_": _inplace_variant("triu_", triu),
                       "fill_diagonal_": _fill_diagonal_})
