"""Broadcasting and its adjoint: a broadcast in forward is a sum in backward, via ``unbroadcast``."""
from .._backend import get_array_module
from ..autograd.function import Op

__all__ = ["broadcast_to", "expand", "expand_as", "broadcast_tensors", "broadcast_shapes",
           "unbroadcast", "sum_to_size"]


def broadcast_shapes(*shapes, op="broadcast"):
    """The shape that ``shapes`` broadcast to, with an error naming them when they do not.

    NumPy's rule: align the shapes at their last dimension, pad the shorter ones with leading 1s;
    in each dimension the sizes must be equal or 1, and the result takes the size that is not 1.
    ``op`` names the caller in the error message.

    Shape: ``shapes`` (S_1), ..., (S_k) as tuples of ints; the result is a plain tuple of
    ``max(len(S_i))`` ints (PyTorch returns a ``torch.Size``).

    Examples:
        >>> import yingshe
        >>> yingshe.broadcast_shapes((3, 1), (4,))
        (3, 4)
        >>> yingshe.broadcast_shapes((2, 1, 5), (3, 1))
        (2, 3, 5)
        >>> yingshe.broadcast_shapes((2, 3), (4,))
        Traceback (most recent call last):
        ...
        RuntimeError: broadcast: shapes (2, 3), (4,) cannot be broadcast together ...
    """
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape, start=ndim - len(shape)):
            if n != 1:
                if result[i] not in (1, n):
                    raise RuntimeError(f"{op}: shapes {', '.join(str(tuple(s)) for s in shapes)} "
                                       f"cannot be broadcast together (dimension {i - ndim}: "
                                       f"{result[i]} vs {n})")
                result[i] = n
    return tuple(result)


def _sum_axes(from_shape, to_shape):
    """Axes of ``from_shape`` to sum so that the result, reshaped, has ``to_shape``."""
    lead = len(from_shape) - len(to_shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(to_shape) if n == 1 and from_shape[lead + i] != 1)
    return axes


class SumTo(Op):
    """Sum a broadcast gradient back to ``shape``; backward broadcasts again."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        axes = _sum_axes(x.shape, shape)
        return x.sum(axis=axes).reshape(shape) if axes else x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.input_shape), None


class BroadcastTo(Op):
    """y = x viewed with size-1 and missing leading dimensions repeated; dx = sum of dy over them."""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.input_shape), None


def unbroadcast(grad, shape):
    """Reduce ``grad`` to ``shape`` by summing the dimensions that broadcasting expanded.

    The adjoint of broadcasting, used by every backward whose forward broadcast an input:
    ``grad`` is summed over its extra leading dimensions and over each dimension where ``shape``
    has size 1, so ``unbroadcast(g, x.shape)`` is the gradient of ``x`` in ``x + y``.

    Shape: ``grad`` (*), any shape ``shape`` broadcasts to; output ``shape``.

    Examples:
        >>> import yingshe
        >>> yingshe.unbroadcast(yingshe.ones(4, 2, 3), (2, 1))
        tensor([[12.],
                [12.]])
    """
    if grad.shape == shape:
        return grad
    return SumTo.apply(grad, tuple(shape))


def sum_to_size(input, *size):
    """Sum ``input`` down to ``size``, a shape that broadcasts to it (``Tensor.sum_to_size``).

    out = the sum of ``input`` over the dimensions that broadcasting ``size`` to ``input.shape``
    would expand, kept with size 1; ``size`` may be given as ints or one tuple.

    Shape: input (*); output ``size``, which must broadcast to ``input.shape``.

    Examples:
        >>> import yingshe
        >>> g = yingshe.ones(2, 3)
        >>> g.sum_to_size(1, 3)
        tensor([[2., 2., 2.]])
        >>> yingshe.sum_to_size(g, (2, 1))
        tensor([[3.],
                [3.]])
    """
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    if broadcast_shapes(size, input.shape) != tuple(input.shape):
        raise RuntimeError(f"sum_to_size: size {size} is not expandable to {tuple(input.shape)}")
    return unbroadcast(input, tuple(size))


def broadcast_to(input, size):
    """A broadcast view of ``input`` with shape ``size`` (-1 keeps a dimension).

    out[i_1, ..., i_n] = input[j_1, ..., j_m] with the trailing dimensions aligned and j = 0
    wherever ``input`` has size 1: no data is copied. Its gradient sums over the repeated
    dimensions (``unbroadcast``).

    Shape: input (*); output ``size``, which has at least ``input.ndim`` dimensions and agrees
    with ``input.shape`` wherever that is not 1.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.], [2.]])
        >>> yingshe.broadcast_to(x, (2, 3))
        tensor([[1., 1., 1.],
                [2., 2., 2.]])
        >>> yingshe.broadcast_to(x, (4, -1, 3)).shape
        yingshe.Size([4, 2, 3])
    """
    size = tuple(size)
    if len(size) < input.ndim:
        raise RuntimeError(f"broadcast_to: the target size {size} has fewer dimensions than the "
                           f"input {tuple(input.shape)}")
    lead = len(size) - input.ndim
    size = tuple(input.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(size))
    for i, n in enumerate(input.shape):
        if n != 1 and n != size[lead + i]:
            raise RuntimeError(f"broadcast_to: the expanded size ({size[lead + i]}) must match the "
                               f"existing size ({n}) at dimension {lead + i}; input "
                               f"{tuple(input.shape)}, target {size}")
    if size == input.shape:
        return input
    return BroadcastTo.apply(input, size)


def expand(input, *sizes):
    """A view of ``input`` with size-1 dimensions repeated to ``sizes`` (``Tensor.expand``).

    The same as ``broadcast_to(input, sizes)``: -1 keeps that dimension, new dimensions are
    added in front, and nothing is copied; ``sizes`` may be ints or one tuple.

    Shape: input (*); output ``sizes``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.], [2.]])
        >>> x.expand(-1, 3)
        tensor([[1., 1., 1.],
                [2., 2., 2.]])
        >>> yingshe.expand(x, 5, 2, 4).shape
        yingshe.Size([5, 2, 4])
    """
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    return broadcast_to(input, sizes)


def expand_as(input, other):
    """``input`` broadcast (a view, no copy) to the shape of ``other``.

    ``expand_as(x, y)`` is ``broadcast_to(x, y.shape)``; ``other``'s values are not read.

    Shape: input (*), broadcastable to ``other``'s shape; output ``other.shape``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1.], [2.]])
        >>> x.expand_as(yingshe.zeros(2, 4))
        tensor([[1., 1., 1., 1.],
                [2., 2., 2., 2.]])
    """
    return broadcast_to(input, other.shape)


def broadcast_tensors(*tensors):
    """The tensors broadcast to their common shape (NumPy's broadcasting rules), as views.

    Each output is ``broadcast_to(t, broadcast_shapes(*shapes))``: no data is copied.

    Shape: inputs (S_1), ..., (S_k); each output the broadcast shape of S_1, ..., S_k.

    Examples:
        >>> import yingshe
        >>> a, b = yingshe.broadcast_tensors(yingshe.ones(3, 1), yingshe.zeros(4))
        >>> a.shape, b.shape
        (yingshe.Size([3, 4]), yingshe.Size([3, 4]))
    """
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(broadcast_to(t, shape) for t in tensors)


TENSOR_METHODS = {"broadcast_to": broadcast_to, "expand": expand, "expand_as": expand_as,
                  "sum_to_size": sum_to_size}
