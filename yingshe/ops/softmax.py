"""Softmax and log-softmax, each one fused, numerically stable op:
softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x).  Backward:
softmax: dx = y * (dy - sum(dy * y)); log_softmax: dx = dy - exp(y) * sum(dy)."""
from .. import _dtype
from .._backend import get_array_module
from .._tensor import Tensor, _normalize_dim
from ..autograd.function import Op

__all__ = ["softmax", "log_softmax", "one_hot"]


class Softmax(Op):
    @staticmethod
    def forward(ctx, x, dim):
        xp = get_array_module(x)
        y = x - x.max(axis=dim, keepdims=True)
        xp.exp(y, out=y)
        y /= y.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Op):
    @staticmethod
    def forward(ctx, x, dim):
        xp = get_array_module(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        total = xp.exp(shifted).sum(axis=dim, keepdims=True)
        shifted -= xp.log(total)
        ctx.dim = dim
        ctx.save_for_backward(shifted)
        return shifted

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True), None


def _prepare(op, input, dim, dtype):
    if dim is None:
        raise TypeError(f"{op}: dim must be given (implicit dim is deprecated in PyTorch)")
    if dtype is not None:
        input = input.to(dtype)
    elif not input.is_floating_point():
        input = input.to(_dtype.get_default_dtype())
    return input, _normalize_dim(dim, input.ndim, op)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim``."""
    input, dim = _prepare("softmax", input, dim, dtype)
    return Softmax.apply(input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed without forming softmax."""
    input, dim = _prepare("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(input, dim)


def one_hot(tensor, num_classes=-1):
    """(..., ) int64 class indices -> (..., num_classes) int64 one-hot."""
    if not isinstance(tensor, Tensor) or tensor._data.dtype.kind not in "iu":
        raise TypeError("one_hot: expected an integer (int64) tensor of class indices")
    data = tensor._data
    xp = get_array_module(data)
    if data.size and data.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(data.min())}")
    if num_classes == -1:
        num_classes = int(data.max()) + 1 if data.size else 0
    elif data.size and data.max() >= num_classes:
        raise RuntimeError(f"one_hot: class value {int(data.max())} is too large for "
                           f"num_classes={num_classes}")
    out = (data[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return Tensor._make(out)


TENSOR_METHODS = {"softmax": softmax, "log_softmax": log_softmax}
