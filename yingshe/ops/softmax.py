"""Softmax and log-softmax along one dimension, each one fused, numerically stable op:
softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m) and log_softmax(x)_i = x_i - m - log sum_j
exp(x_j - m), with m = max_j x_j (the shift cancels out and keeps exp from overflowing).
Backward: softmax dx = y * (dy - sum(dy * y)), log_softmax dx = dy - exp(y) * sum(dy).  Each
backward is one op too, computed in place on one fresh array, with its own backward for second
derivatives.  Also ``one_hot``, the class-index encoding."""
from .._backend import get_array_module
from .._tensor import Tensor, _normalize_dim
from ..autograd.function import Op
from .elementwise import Exp, to_copy
from .shape import ReshapeView

__all__ = ["softmax", "log_softmax", "one_hot"]


# ---- softmax ------------------------------------------------------------------------------------
class Softmax(Op):
    """y = exp(x - max x) / sum exp(x - max x) along ``axis``;  dx = y * (dy - sum(dy * y))."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        ctx.axis = axis
        if x.size == 0:  # nothing to normalise (max has no identity): an empty result
            y = x.copy()
            ctx.save_for_backward(y)
            return y
        y = x - x.max(axis=axis, keepdims=True)
        xp.exp(y, out=y)
        y /= y.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return SoftmaxBackward.apply(y, grad, ctx.axis), None


class SoftmaxBackward(Op):
    """dx = y * (dy - s), s = sum(dy * y) along ``axis``, from softmax's output y.  Its own
    derivatives, for an incoming g: d/d(dy) = y * (g - sum(g * y)) (this op again) and
    d/dy = g * (dy - s) - dy * sum(g * y)."""

    @staticmethod
    def forward(ctx, y, dy, axis):
        xp = get_array_module(y)
        ctx.axis = axis
        ctx.save_for_backward(y, dy)
        dx = dy * y
        xp.subtract(dy, dx.sum(axis=axis, keepdims=True), out=dx)
        dx *= y
        return dx

    @staticmethod
    def backward(ctx, g):
        y, dy = ctx.saved_tensors
        axis = ctx.axis
        grad_y = grad_dy = None
        if ctx.needs_input_grad[0]:
            grad_y = (g * (dy - (dy * y).sum(axis, keepdim=True))
                      - dy * (g * y).sum(axis, keepdim=True))
        if ctx.needs_input_grad[1]:
            grad_dy = SoftmaxBackward.apply(y, g, axis)
        return grad_y, grad_dy, None


class LogSoftmax(Op):
    """y = x - max x - log sum exp(x - max x) along ``axis``;  dx = dy - exp(y) * sum(dy)."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        ctx.axis = axis
        if x.size == 0:  # nothing to normalise (max has no identity): an empty result
            y = x.copy()
            ctx.save_for_backward(y)
            return y
        y = x - x.max(axis=axis, keepdims=True)
        y -= xp.log(xp.exp(y).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return LogSoftmaxBackward.apply(y, grad, ctx.axis), None


class LogSoftmaxBackward(Op):
    """dx = dy - p * sum(dy) along ``axis``, p = exp(y) from log_softmax's output y.  Its own
    derivatives, for an incoming g: d/d(dy) = g - sum(g * p) and d/dy = -g * p * sum(dy)."""

    @staticmethod
    def forward(ctx, y, dy, axis):
        xp = get_array_module(y)
        ctx.axis = axis
        ctx.save_for_backward(y, dy)
        dx = xp.exp(y)
        dx *= dy.sum(axis=axis, keepdims=True)
        xp.subtract(dy, dx, out=dx)
        return dx

    @staticmethod
    def backward(ctx, g):
        y, dy = ctx.saved_tensors
        axis = ctx.axis
        p = Exp.apply(y)
        grad_y = grad_dy = None
        if ctx.needs_input_grad[0]:
            grad_y = -(g * p * dy.sum(axis, keepdim=True))
        if ctx.needs_input_grad[1]:
            grad_dy = g - (g * p).sum(axis, keepdim=True)
        return grad_y, grad_dy, None


def _softmax_input(op, input, dim, dtype):
    """The (cast) floating-point input and the axis to normalise over."""
    if dim is None:
        raise TypeError(f"{op}: the argument 'dim' is required (an implicit dim is deprecated in "
                        f"PyTorch); pass e.g. dim=-1 for the last dimension")
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if not isinstance(dim, int):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if dtype is not None:
        input = to_copy(input, dtype=dtype)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {input.dtype} input (shape "
                                  f"{tuple(input.shape)}); pass a floating-point dtype=")
    return input, _normalize_dim(dim, input.ndim, op)


def _apply_along(op_class, input, axis):
    """``op_class`` along ``axis``; a 0-d input is treated as a vector of one element."""
    if input.ndim == 0:
        return ReshapeView.apply(op_class.apply(ReshapeView.apply(input, (1,)), 0), ())
    return op_class.apply(input, axis)


def softmax(input, dim=None, dtype=None):
    """The softmax along ``dim``: scores turned into probabilities that sum to 1.

    softmax(x)_i = exp(x_i) / sum_j exp(x_j) along ``dim``, computed stably as
    exp(x_i - m) / sum_j exp(x_j - m) with m = max_j x_j (Goodfellow, Bengio & Courville, Deep
    Learning, §6.2.2.3 and §4.1); ``dtype`` casts the input first (integer inputs need it).
    Gradient: dx = y (dy - sum_j dy_j y_j).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1., 2., 3.], [1., 1., 1.]])
        >>> yingshe.softmax(x, dim=1)
        tensor([[0.0900, 0.2447, 0.6652],
                [0.3333, 0.3333, 0.3333]])
        >>> yingshe.softmax(yingshe.tensor([1000., 1001.]), dim=0)
        tensor([0.2689, 0.7311])
    """
    input, axis = _softmax_input("softmax", input, dim, dtype)
    return _apply_along(Softmax, input, axis)


def log_softmax(input, dim=None, dtype=None):
    """The log of the softmax along ``dim``, computed stably without forming the softmax.

    log_softmax(x)_i = x_i - log sum_j exp(x_j) = x_i - m - log sum_j exp(x_j - m),
    m = max_j x_j (the log-sum-exp trick); the input of ``nll_loss``. ``dtype`` casts the
    input first. Gradient: dx = dy - softmax(x) sum_j dy_j.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1., 2., 3.], [1., 1., 1.]])
        >>> yingshe.log_softmax(x, dim=1)
        tensor([[-2.4076, -1.4076, -0.4076],
                [-1.0986, -1.0986, -1.0986]])
    """
    input, axis = _softmax_input("log_softmax", input, dim, dtype)
    return _apply_along(LogSoftmax, input, axis)


# ---- one_hot ------------------------------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    """One-hot encoding of class indices (``torch.nn.functional.one_hot``).

    out[..., c] = 1 where c = tensor[...], else 0, as int64; num_classes=-1 (the default)
    means max(tensor) + 1. Indices must lie in [0, num_classes).

    Shape: tensor (*) int64; output (*, num_classes) int64.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.one_hot(yingshe.tensor([0, 2, 1]))
        tensor([[1, 0, 0],
                [0, 0, 1],
                [0, 1, 0]])
        >>> F.one_hot(yingshe.tensor([[0], [3]]), num_classes=5).shape
        yingshe.Size([2, 1, 5])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: expected a Tensor of class indices, got "
                        f"{type(tensor).__name__}")
    data = tensor._data
    if data.dtype.name != "int64":
        raise RuntimeError(f"one_hot: expected an int64 (long) tensor of class indices, got "
                           f"{tensor.dtype}")
    if num_classes < -1:
        raise RuntimeError(f"one_hot: num_classes must be -1 (inferred) or >= 0, got "
                           f"{num_classes}")
    if data.size:
        low, high = int(data.min()), int(data.max())
        if low < 0:
            raise RuntimeError(f"one_hot: class values must be non-negative, got {low}")
        if num_classes == -1:
            num_classes = high + 1
        elif high >= num_classes:
            raise RuntimeError(f"one_hot: class value {high} is out of range for "
                               f"num_classes={num_classes} (values must be smaller)")
    elif num_classes <= 0:  # PyTorch: also for num_classes=0
        raise RuntimeError("one_hot: cannot infer the number of classes from an empty tensor; "
                           "pass num_classes > 0")
    xp = get_array_module(data)
    out = xp.zeros(data.shape + (num_classes,), xp.int64)
    out.reshape(data.size, num_classes)[xp.arange(data.size), data.reshape(-1)] = 1
    return Tensor._make(out)


TENSOR_METHODS = {"softmax": softmax, "log_softmax": log_softmax}
