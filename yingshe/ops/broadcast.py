"""Broadcasting and its adjoint: a broadcast in forward is a sum in backward, via ``unbroadcast``."""
from .._backend import get_array_module
from ..autograd.function import Op

__all__ = ["broadcast_to", "expand", "expand_as", "broadcast_tensors", "broadcast_shapes",
           "unbroadcast", "sum_to_size"]


def broadcast_shapes(*shapes, op="broadcast"):
    """The shape that ``shapes`` broadcast to, with an error naming them when they do not."""
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
    """Reduce ``grad`` to ``shape`` by summing the dimensions that broadcasting expanded."""
    if grad.shape == shape:
        return grad
    return SumTo.apply(grad, tuple(shape))


def sum_to_size(input, *size):
    """Tensor.sum_to_size: sum ``input`` down to a shape it was broadcast from."""
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    if broadcast_shapes(size, input.shape) != tuple(input.shape):
        raise RuntimeError(f"sum_to_size: size {size} is not expandable to {tuple(input.shape)}")
    return unbroadcast(input, tuple(size))


def broadcast_to(input, size):
    """A broadcast view of ``input`` with shape ``size`` (-1 keeps a dimension)."""
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
    """Tensor.expand(*sizes): like ``broadcast_to``; -1 keeps that dimension."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    return broadcast_to(input, sizes)


def expand_as(input, other):
    """``input`` broadcast (a view, no copy) to the shape of ``other``."""
    return broadcast_to(input, other.shape)


def broadcast_tensors(*tensors):
    """The tensors broadcast to their common shape (NumPy's broadcasting rules), as views.

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
