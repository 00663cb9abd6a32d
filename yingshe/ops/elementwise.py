"""Elementwise ops with broadcasting.  Each backward is the local derivative times the incoming
gradient, summed back over broadcast dimensions (``unbroadcast``)."""
import collections
import math

import numpy as np

from .. import _backend, _dtype
from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._out import write_out
from .broadcast import broadcast_shapes, unbroadcast

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "clone"]


def _binary_operands(input, other, op):
    """Both operands with PyTorch's type promotion applied; Python scalars stay scalars."""
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            a, b = input._data, other._data
            if a.shape != b.shape:
                broadcast_shapes(a.shape, b.shape, op=op)
            if a.dtype == b.dtype and a.__class__ is b.__class__:
                return input, other
            if a.__class__ is not b.__class__:
                raise RuntimeError(f"{op}: expected both tensors on the same device, got "
                                   f"{input.device} and {other.device}")
            dtype = _dtype.result_type(a, b)
            return _cast(input, dtype), _cast(other, dtype)
        if isinstance(other, np.ndarray):  # e.g. ndarray + tensor: the array becomes a tensor
            return _binary_operands(input, Tensor._make(other), op)
        if isinstance(other, np.generic):
            # NumPy scalars act as Python scalars, as in PyTorch, which reads a NumPy bool as a float
            other = float(other) if isinstance(other, np.bool_) else other.item()
        if isinstance(other, (int, float, bool)):
            if input._data.dtype.kind == "f":  # a float tensor keeps its dtype with any number
                return input, other
            dtype = _dtype.result_type(input._data, other)
            return _cast(input, dtype), other
        raise TypeError(f"{op}: unsupported operand type {type(other).__name__} "
                        f"(with a tensor of shape {tuple(input.shape)})")
    if isinstance(other, Tensor):  # scalar first, e.g. 2 - t: make the scalar a 0-d tensor
        dtype = _dtype.result_type(input, other._data)
        xp = _backend.get_array_module(other._data)
        return Tensor._make(xp.asarray(input, dtype=dtype)), _cast(other, dtype)
    raise TypeError(f"{op}: expected a tensor operand, got {type(input).__name__} and "
                    f"{type(other).__name__}")


def _cast(t, np_dtype):
    return t if t._data.dtype == np_dtype else to_copy(t, dtype=np_dtype)


def _shape(x):
    return x.shape if hasattr(x, "shape") else ()


class Add(Op):
    """y = a + b;  da = dy, db = dy (each summed over broadcast dimensions)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, _shape(b))
        return a + b

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        return (unbroadcast(grad, a_shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad, b_shape) if ctx.needs_input_grad[1] else None)


class Sub(Op):
    """y = a - b;  da = dy, db = -dy."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return a - b

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        return (unbroadcast(grad, a_shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad, b_shape) if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """y = a * b;  da = dy * b, db = dy * a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (unbroadcast(grad * b, _shape(a)) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * a, _shape(b)) if ctx.needs_input_grad[1] else None)


class Div(Op):
    """y = a / b;  da = dy / b, db = -dy (a / b) / b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(grad / b, _shape(a))
        if ctx.needs_input_grad[1]:  # (a / b) / b, as PyTorch: b * b would underflow to 0
            grad_b = unbroadcast(-grad * (a / b) / b, _shape(b))
        return grad_a, grad_b


class Neg(Op):
    """y = -x;  dx = -dy."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class ToCopy(Op):
    """A copy with another dtype and/or device; the gradient goes back to the input's."""

    @staticmethod
    def forward(ctx, x, np_dtype, device):
        ctx.source = (x.dtype, _backend.device_of(x))
        if device is not None:
            x = _backend.to_device(x, device)
        return x.astype(np_dtype) if np_dtype is not None and x.dtype != np_dtype else x.copy()

    @staticmethod
    def backward(ctx, grad):
        source_dtype, source_device = ctx.source
        return to_copy(grad, dtype=source_dtype, device=source_device), None, None


class Clone(Op):
    """A copy in new memory; dx = dy."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def add(input, other, *, alpha=1, out=None):
    """Adds ``other``, scaled by ``alpha``, to ``input``, broadcasting and promoting dtypes.

    out_i = input_i + alpha other_i;  the gradient reaches both operands unchanged (times alpha
    for ``other``), summed over the dimensions each was broadcast along.  Either operand may be a
    Python number; with ``out`` the result is written into that tensor.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> a = yingshe.tensor([[1.0], [2.0]])
        >>> yingshe.add(a, yingshe.tensor([10.0, 20.0, 30.0]))
        tensor([[11., 21., 31.],
                [12., 22., 32.]])
        >>> yingshe.add(yingshe.tensor([1, 2]), 3, alpha=2)
        tensor([7, 8])
    """
    if out is not None:
        return write_out(out, "add", lambda: add(input, other, alpha=alpha), (input, other))
    if alpha != 1:
        other = other * alpha
    a, b = _binary_operands(input, other, "add")
    return Add.apply(a, b)


def sub(input, other, *, alpha=1, out=None):
    """Subtracts ``other``, scaled by ``alpha``, from ``input``, broadcasting and promoting dtypes.

    out_i = input_i - alpha other_i;  d out / d input = 1, d out / d other = -alpha.  Bool
    tensors are refused, as in PyTorch (use ``logical_xor``); with ``out`` the result is written
    into that tensor.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.sub(yingshe.tensor([5.0, 7.0]), 1.5, alpha=2)
        tensor([2., 4.])
        >>> 10 - yingshe.arange(3)
        tensor([10,  9,  8])
    """
    if out is not None:
        return write_out(out, "sub", lambda: sub(input, other, alpha=alpha), (input, other))
    if _dtype_kind(input) == "b" or _dtype_kind(other) == "b":
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not "
                           "supported; use the `^` or logical_xor() operator instead")
    if alpha != 1:
        other = other * alpha
    a, b = _binary_operands(input, other, "sub")
    return Sub.apply(a, b)


def mul(input, other, *, out=None):
    """Multiplies ``input`` by ``other`` elementwise, broadcasting and promoting dtypes.

    out_i = input_i other_i;  d out / d input = other, d out / d other = input.  An integer
    tensor times a Python float gives the default float dtype; with ``out`` the result is written
    into that tensor.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.mul(yingshe.arange(3), 2.5)
        tensor([0.0000, 2.5000, 5.0000])
        >>> yingshe.mul(yingshe.ones(2, 1), yingshe.tensor([1.0, 2.0, 3.0])).shape
        yingshe.Size([2, 3])
    """
    if out is not None:
        return write_out(out, "mul", lambda: mul(input, other), (input, other))
    a, b = _binary_operands(input, other, "mul")
    return Mul.apply(a, b)


def div(input, other, *, rounding_mode=None, out=None):
    """Divides ``input`` by ``other`` elementwise, broadcasting; a true division unless rounded.

    out_i = input_i / other_i;  d out / d input = 1 / other, d out / d other = -input / other^2.
    Integers give the default float dtype.  ``rounding_mode="trunc"`` rounds the quotient toward
    zero (C's integer division), ``"floor"`` down (Python's ``//``); both keep integer dtypes and
    have zero gradient, and an integer division by zero is an error.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> a = yingshe.tensor([7, -7])
        >>> yingshe.div(a, 2)
        tensor([ 3.5000, -3.5000])
        >>> yingshe.div(a, 2, rounding_mode="trunc"), yingshe.div(a, 2, rounding_mode="floor")
        (tensor([ 3, -3]), tensor([ 3, -4]))
    """
    if out is not None:
        return write_out(out, "div", lambda: div(input, other, rounding_mode=rounding_mode),
                         (input, other))
    a, b = _binary_operands(input, other, "div")
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    if _dtype_kind(a) != "f" and _dtype_kind(b) != "f":
        a = _cast(a, _dtype.get_default_dtype().np) if isinstance(a, Tensor) else float(a)
        b = _cast(b, _dtype.get_default_dtype().np) if isinstance(b, Tensor) else float(b)
    return Div.apply(a, b)


class RoundedDiv(Op):
    """y = trunc(a / b) or floor(a / b) (``mode``);  da = db = 0, as PyTorch (y is piecewise
    constant)."""

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.shapes = (a.shape, _shape(b))
        xp = get_array_module(a)
        with np.errstate(all="ignore"):
            if mode == "floor":  # Python's //: numpy's floor_divide, like PyTorch's div_floor
                return xp.floor_divide(a, b)
            if a.dtype.kind == "f":
                return xp.trunc(a / b)
            quotient = xp.floor_divide(a, b)  # floor, moved up by one where a / b < 0 is inexact
            return quotient + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0)))

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad._data)
        return tuple(Tensor._make(xp.zeros(shape, grad._data.dtype)) if needed else None
                     for shape, needed in zip(ctx.shapes, ctx.needs_input_grad)) + (None,)


def _rounded_div(a, b, mode):
    """div with rounding_mode "trunc" or "floor": integers stay integers."""
    if mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found '{mode}'")
    _check_not_bool(a, "div")
    _check_divisor(a._data, b._data if isinstance(b, Tensor) else b, "div")
    return RoundedDiv.apply(a, b, mode)


def _dtype_kind(x):
    """The NumPy kind letter of a tensor's dtype, or of the dtype a Python number becomes."""
    if isinstance(x, Tensor):
        return x._data.dtype.kind
    return "f" if isinstance(x, float) else "b" if isinstance(x, bool) else "i"


def _no_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; assign the result instead")


def neg(input):
    """The negative of each element.

    out_i = -input_i;  d out / d input = -1.  Bool tensors are refused, as in PyTorch (use
    ``logical_not``).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.neg(yingshe.tensor([1.0, -2.0, 0.5]))
        tensor([-1.0000,  2.0000, -0.5000])
    """
    if input._data.dtype.kind == "b":
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; "
                           "use the `~` or logical_not() operator instead")
    return Neg.apply(input)


def to_copy(input, dtype=None, device=None):
    """``input`` converted to ``dtype`` and/or moved to ``device``; ``input`` itself when it is
    already so (like ``Tensor.to``)."""
    np_dtype = _dtype.to_np(dtype)
    if device is not None:
        device = _backend.device(device)
        if device == input.device:
            device = None
    if device is None and (np_dtype is None or np_dtype == input._data.dtype):
        return input
    return ToCopy.apply(input, np_dtype, device)


def clone(input, *, memory_format=None):
    """A copy of ``input`` in new memory that stays in the autograd graph (the gradient passes back
    unchanged); ``memory_format`` is accepted for PyTorch compatibility and ignored.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0, 2.0], requires_grad=True)
        >>> y = yingshe.clone(x)
        >>> y
        tensor([1., 2.], grad_fn=<CloneBackward0>)
        >>> y.sum().backward()
        >>> x.grad
        tensor([1., 1.])
    """
    return Clone.apply(input)


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg


def _rsub(self, other):
    return sub(other, self)


def _rdiv(self, other):
    return div(other, self)


TENSOR_METHODS = {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "neg": neg, "negative": neg, "clone": clone,
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": _rsub, "__mul__": mul,
    "__rmul__": mul, "__truediv__": div, "__rtruediv__": _rdiv, "__neg__": neg,
    "__pos__": lambda self: self,
}


def _zeros_like(t):
    """A constant zero gradient shaped like ``t``."""
    return Tensor._make(get_array_module(t._data).zeros_like(t._data))


def _as_float(t):
    """Integer and bool tensors become the default float dtype for float functions, as PyTorch."""
    if t._data.dtype.kind != "f":
        return to_copy(t, dtype=_dtype.get_default_dtype())
    return t


# ---- powers -------------------------------------------------------------------------------------
class Pow(Op):
    """y = a^b for tensors a, b;  da = dy b a^(b-1) (0 where b = 0),
    db = dy y ln a (0 where a = 0 and b >= 0), as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(all="ignore"):  # (-1.5) ** 0.5 is NaN quietly, as in PyTorch
            y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            slope = Where.apply(b._data == 0, 0.0, grad * b * a ** (b - 1.0))
            grad_a = unbroadcast(slope, a.shape)
        if ctx.needs_input_grad[1]:
            zero_base = (a._data == 0) & (b._data >= 0)
            with np.errstate(all="ignore"):
                grad_b = unbroadcast(Where.apply(zero_base, 0.0, grad * y * log(a)), b.shape)
        return grad_a, grad_b


def _power(x, c):
    """x ** c for a number c, with PyTorch's special exponents: 0.5 is sqrt, -0.5 is 1 / sqrt,
    -1 is 1 / x, 2 and 3 are products and -2 is 1 / x^2.  They differ from pow at the edges:
    sqrt(-inf) is NaN and 1 / sqrt(-0) is -inf, where pow gives inf; PyTorch's gradients (which
    call pow with c - 1) inherit these values, so ours do too."""
    xp = get_array_module(x)
    if x.dtype.kind != "f":
        return x ** c
    if c == 0.5:
        return xp.sqrt(x)
    if c == -0.5:
        return 1.0 / xp.sqrt(x)
    if c == -1:
        return 1.0 / x
    if c == 2:
        return x * x
    if c == 3:
        return x * x * x
    if c == -2:
        return 1.0 / (x * x)
    return x ** c


class PowScalar(Op):
    """y = x^c for a number c;  dx = dy c x^(c-1) (0 for c = 0)."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return _power(x, exponent)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        c = ctx.exponent
        return (_zeros_like(grad) if c == 0 else grad * c * x ** (c - 1)), None


def pow(input, exponent):
    """``input`` raised to the power ``exponent`` elementwise, broadcasting; either side may be a
    Python number.

    out_i = input_i ^ exponent_i;  d/da a^b = b a^(b-1),  d/db a^b = a^b ln a.  Integer tensors
    stay integers; an integer tensor to a negative integer power is an error, as in PyTorch.
    Shape: input and exponent broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.pow(yingshe.tensor([1.0, 2.0, 3.0]), 2)
        tensor([1., 4., 9.])
        >>> yingshe.pow(2, yingshe.arange(4))
        tensor([1, 2, 4, 8])
    """
    a, b = _binary_operands(input, exponent, "pow")
    _check_not_bool(a, "pow")
    if isinstance(b, Tensor):
        if a._data.dtype.kind != "f":
            return Tensor._make(_integer_power(a._data, b._data))
        return Pow.apply(a, b)
    if a._data.dtype.kind != "f" and b < 0:
        raise RuntimeError(f"pow: Integers to negative integer powers are not allowed "
                           f"({a.dtype.name} tensor ** {b})")
    return PowScalar.apply(a, b)


def _integer_power(a, b):
    """a ** b for integer arrays with PyTorch's rule for b < 0: 1 ** b = 1, (-1) ** b = +-1,
    any other base gives 0 (the integer part of 1 / a^|b|)."""
    xp = get_array_module(a)
    magnitude = a ** xp.abs(b)
    return xp.where((b < 0) & (xp.abs(a) != 1), 0, magnitude)


def _check_not_bool(a, op):
    """PyTorch has no bool kernels for pow, floor_divide and remainder."""
    if a._data.dtype.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool tensors")


def _rpow(self, other):
    return pow(other, self)


def square(input):
    """The square of each element, ``pow(input, 2)``: integers stay integers, bool becomes int64.

    out_i = input_i^2;  d out / d input = 2 input.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.square(yingshe.tensor([-2, 3]))
        tensor([4, 9])
    """
    return pow(input, 2)


class Reciprocal(Op):
    """y = 1 / x;  dx = -dy y^2."""

    @staticmethod
    def forward(ctx, x):
        y = 1.0 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * (y * y)


class Rsqrt(Op):
    """y = 1 / sqrt x;  dx = -dy y^3 / 2."""

    @staticmethod
    def forward(ctx, x):
        y = 1.0 / get_array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * y * y) * -0.5


def reciprocal(input):
    """The reciprocal of each element; integers give the default float dtype.

    out_i = 1 / input_i;  d out / d input = -1 / input^2.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.reciprocal(yingshe.tensor([1, 2, -4]))
        tensor([ 1.0000,  0.5000, -0.2500])
    """
    return Reciprocal.apply(_as_float(input))


def rsqrt(input):
    """The reciprocal of the square root of each element.

    out_i = 1 / sqrt(input_i);  d out / d input = -input^(-3/2) / 2.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.rsqrt(yingshe.tensor([1.0, 4.0, 0.25]))
        tensor([1.0000, 0.5000, 2.0000])
    """
    return Rsqrt.apply(_as_float(input))


# ---- unary functions ------------------------------------------------------------------------
class Exp(Op):
    """y = e^x;  dx = dy y."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Op):
    """y = ln x;  dx = dy / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(Op):
    """y = ln(1 + x);  dx = dy / (1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1.0)


class Expm1(Op):
    """y = e^x - 1;  dx = dy (y + 1)."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1.0)


class Sqrt(Op):
    """y = sqrt x;  dx = dy / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (y * 2.0)


class Abs(Op):
    """y = |x|;  dx = dy sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign(x)


class Sin(Op):
    """y = sin x;  dx = dy cos x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(Op):
    """y = cos x;  dx = -dy sin x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -(grad * sin(x))


class Tanh(Op):
    """y = tanh x;  dx = dy (1 - y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1.0 - y * y)


class Sigmoid(Op):
    """y = 1 / (1 + e^-x);  dx = dy y (1 - y)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        z = xp.exp(-xp.abs(x))  # e^-|x| never overflows: stable for large |x|
        y = xp.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1.0 - y)


class Relu(Op):
    """y = max(x, 0);  dx = dy where y > 0 or y is NaN (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        keep = ~(y._data <= 0)  # not (y <= 0): NaN passes dy on, as PyTorch
        if not STATE.enabled:  # no create_graph: one fused array product
            return grad._data * keep
        return Where.apply(keep, grad, 0.0)


def exp(input):
    """The exponential of each element; integers give the default float dtype.

    out_i = e^(input_i);  d out / d input = e^input.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.exp(yingshe.tensor([0.0, 1.0, 2.0]))
        tensor([1.0000, 2.7183, 7.3891])
    """
    return Exp.apply(_as_float(input))


def log(input):
    """The natural logarithm of each element (-inf at 0, NaN below).

    out_i = ln(input_i);  d out / d input = 1 / input.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.log(yingshe.tensor([1.0, 2.0, 0.5]))
        tensor([ 0.0000,  0.6931, -0.6931])
    """
    return Log.apply(_as_float(input))


def log1p(input):
    """ln(1 + x) for each element, accurate where x is small (where ``1 + x`` rounds to 1).

    out_i = ln(1 + input_i);  d out / d input = 1 / (1 + input).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1e-8])
        >>> yingshe.log1p(x), yingshe.log(1 + x)
        (tensor([1.0000e-08]), tensor([0.]))
    """
    return Log1p.apply(_as_float(input))


def expm1(input):
    """e^x - 1 for each element, accurate where x is small (where e^x rounds to 1).

    out_i = e^(input_i) - 1;  d out / d input = e^input.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1e-8])
        >>> yingshe.expm1(x), yingshe.exp(x) - 1
        (tensor([1.0000e-08]), tensor([0.]))
    """
    return Expm1.apply(_as_float(input))


def sqrt(input):
    """The square root of each element (NaN for negative numbers).

    out_i = sqrt(input_i);  d out / d input = 1 / (2 sqrt(input)).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.sqrt(yingshe.tensor([4.0, 2.0, 0.0]))
        tensor([2.0000, 1.4142, 0.0000])
    """
    return Sqrt.apply(_as_float(input))


def sin(input):
    """The sine of each element, in radians.

    out_i = sin(input_i);  d out / d input = cos(input).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import math
        >>> import yingshe
        >>> yingshe.sin(yingshe.tensor([0.0, math.pi / 6, math.pi / 2]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    return Sin.apply(_as_float(input))


def cos(input):
    """The cosine of each element, in radians.

    out_i = cos(input_i);  d out / d input = -sin(input).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import math
        >>> import yingshe
        >>> yingshe.cos(yingshe.tensor([0.0, math.pi / 3]))
        tensor([1.0000, 0.5000])
    """
    return Cos.apply(_as_float(input))


def tanh(input):
    """The hyperbolic tangent of each element, an activation with values in (-1, 1).

    out_i = tanh(input_i) = (e^x - e^-x) / (e^x + e^-x);  d out / d input = 1 - out^2.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.tanh(yingshe.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.7616,  0.0000,  0.7616])
    """
    return Tanh.apply(_as_float(input))


def sigmoid(input):
    """The logistic sigmoid of each element, squashing it into (0, 1) (Goodfellow, Bengio &
    Courville, Deep Learning, 2016, §3.10).

    out_i = 1 / (1 + e^(-input_i)), computed from e^-|x| so that it never overflows;
    d out / d input = out (1 - out).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.sigmoid(yingshe.tensor([-2.0, 0.0, 2.0, 100.0]))
        tensor([0.1192, 0.5000, 0.8808, 1.0000])
    """
    return Sigmoid.apply(_as_float(input))


def abs(input):
    """The absolute value of each element; integers stay integers (bool is refused).

    out_i = |input_i|;  d out / d input = sign(input), 0 at 0 (as PyTorch).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.abs(yingshe.tensor([-3, 0, 2]))
        tensor([3, 0, 2])
    """
    if input._data.dtype.kind == "b":
        raise NotImplementedError("abs: not implemented for bool tensors")
    return Abs.apply(input)


def relu(input):
    """The rectified linear unit, max(x, 0) elementwise; integers stay integers (Nair & Hinton,
    "Rectified Linear Units Improve Restricted Boltzmann Machines", 2010).

    out_i = max(input_i, 0);  d out / d input = 1 where input > 0, else 0 (0 at 0, as PyTorch).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.relu(yingshe.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    return Relu.apply(input)


# ---- piecewise-constant functions -------------------------------------------------------------
class Step(Op):
    """y = f(x) for a piecewise-constant f (floor, ceil, round, trunc, sign);
    dx = 0, as PyTorch."""

    @staticmethod
    def forward(ctx, x, function):
        return function(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like(grad), None


def _step(input, function, op):
    if input._data.dtype.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool tensors")
    if input._data.dtype.kind != "f":  # integers are whole already: a copy, as PyTorch
        return Tensor._make(input._data.copy())
    return Step.apply(input, function)


def _sign_array(x):
    """(x > 0) - (x < 0) in x's dtype: PyTorch's sign, 0 for NaN (NumPy's sign gives NaN)."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def sign(input):
    """The sign of each element: -1, 0 or 1 (0 for NaN, as PyTorch; bool stays bool).

    out_i = (input_i > 0) - (input_i < 0);  zero gradient.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.sign(yingshe.tensor([-2.5, 0.0, 3.0, float("nan")]))
        tensor([-1.,  0.,  1.,  0.])
    """
    if input._data.dtype.kind == "b":
        return Tensor._make(input._data.copy())
    return Step.apply(input, _sign_array)


def floor(input):
    """Each element rounded down to an integer value, in the input's dtype.

    out_i = floor(input_i), the largest integer value <= input_i;  zero gradient.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.floor(yingshe.tensor([-1.5, -0.5, 0.5, 1.5]))
        tensor([-2., -1.,  0.,  1.])
    """
    return _step(input, get_array_module(input._data).floor, "floor")


def ceil(input):
    """Each element rounded up to an integer value, in the input's dtype.

    out_i = ceil(input_i), the smallest integer value >= input_i;  zero gradient.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.ceil(yingshe.tensor([-1.5, 0.5, 1.5]))
        tensor([-1.,  1.,  2.])
    """
    return _step(input, get_array_module(input._data).ceil, "ceil")


def trunc(input):
    """Each element rounded toward zero, in the input's dtype (its integer part).

    out_i = sign(input_i) floor(|input_i|);  zero gradient.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.trunc(yingshe.tensor([-1.7, 0.5, 2.9]))
        tensor([-1.,  0.,  2.])
    """
    return _step(input, get_array_module(input._data).trunc, "trunc")


def round(input, *, decimals=0):
    """Each element rounded to ``decimals`` decimal places, halves to the even neighbour (IEEE 754
    round-half-to-even, as PyTorch).

    out_i = round(input_i 10^decimals) / 10^decimals;  zero gradient.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.round(yingshe.tensor([0.5, 1.5, 2.5, -1.7]))
        tensor([ 0.,  2.,  2., -2.])
        >>> yingshe.round(yingshe.tensor([1.2345]), decimals=2)
        tensor([1.2300])
    """
    xp = get_array_module(input._data)
    if decimals == 0:
        return _step(input, xp.rint, "round")
    return _step(input, lambda x: xp.round(x, decimals), "round")


# ---- where, maximum, minimum, clamp, lerp -------------------------------------------------------
class Where(Op):
    """y = a where cond else b;  da = dy where cond, db = dy elsewhere (each summed back to its
    shape); cond is a raw bool array."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        ctx.shapes = (_shape(a), _shape(b))
        return get_array_module(condition).where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        grad_a = grad_b = None
        if ctx.needs_input_grad[1]:
            grad_a = unbroadcast(Where.apply(ctx.condition, grad, 0.0), a_shape)
        if ctx.needs_input_grad[2]:
            grad_b = unbroadcast(Where.apply(ctx.condition, 0.0, grad), b_shape)
        return None, grad_a, grad_b


def where(condition, input, other):
    """Elements of ``input`` where ``condition`` holds, of ``other`` elsewhere (tensors or numbers,
    broadcasting).

    out_i = input_i if condition_i else other_i;  the gradient goes to the side that was chosen.
    Shape: condition (a bool tensor), input and other broadcastable to a common shape (*); output
    (*), that shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([-1.0, 2.0, -3.0])
        >>> yingshe.where(x > 0, x, 0.0)
        tensor([0., 2., 0.])
    """
    if not isinstance(condition, Tensor) or condition._data.dtype.kind != "b":
        got = condition.dtype.name if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where: expected condition to be a boolean tensor, but got {got}")
    cond = condition._data
    shapes = (cond.shape, _shape(input), _shape(other))
    if shapes[0] != shapes[1] or shapes[1] != shapes[2]:
        broadcast_shapes(*shapes, op="where")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two numbers
        dtype = _dtype.result_type(input, other)
        input = Tensor._make(get_array_module(cond).asarray(input, dtype=dtype))
    return Where.apply(cond, *_binary_operands(input, other, "where"))


def _where_method(self, condition, other):
    """Tensor.where(condition, other) is where(condition, self, other)."""
    return where(condition, self, other)


def _share_gradient(ctx, grad, a, b, a_loses, b_loses):
    """maximum/minimum backward: dy to the winner, dy / 2 to each on ties (PyTorch's rule)."""
    shared = Where.apply(a._data == b._data, grad * 0.5, grad)
    grad_a = grad_b = None
    if ctx.needs_input_grad[0]:
        grad_a = unbroadcast(Where.apply(a_loses, 0.0, shared), a.shape)
    if ctx.needs_input_grad[1]:
        grad_b = unbroadcast(Where.apply(b_loses, 0.0, shared), b.shape)
    return grad_a, grad_b


class Maximum(Op):
    """y = max(a, b) (NaN propagates);  da = dy where a > b, db = dy where b > a, dy / 2 each
    where a = b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a).maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _share_gradient(ctx, grad, a, b, a._data < b._data, a._data > b._data)


class Minimum(Op):
    """y = min(a, b) (NaN propagates);  da = dy where a < b, db = dy where b < a, dy / 2 each
    where a = b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a).minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _share_gradient(ctx, grad, a, b, a._data > b._data, a._data < b._data)


def _tensor_pair(input, other, op):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        culprit = other if isinstance(input, Tensor) else input
        raise TypeError(f"{op}(): expected two tensors, got {type(culprit).__name__}")
    return _binary_operands(input, other, op)


def maximum(input, other):
    """The larger of ``input`` and ``other`` elementwise, broadcasting; NaN propagates (``fmax``
    ignores it).

    out_i = max(input_i, other_i);  the gradient goes to the larger, half to each on ties (as
    PyTorch).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> a = yingshe.tensor([1.0, 5.0, float("nan")])
        >>> yingshe.maximum(a, yingshe.tensor([4.0, 2.0, 0.0]))
        tensor([4., 5., nan])
    """
    return Maximum.apply(*_tensor_pair(input, other, "maximum"))


def minimum(input, other):
    """The smaller of ``input`` and ``other`` elementwise, broadcasting; NaN propagates (``fmin``
    ignores it).

    out_i = min(input_i, other_i);  the gradient goes to the smaller, half to each on ties (as
    PyTorch).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.minimum(yingshe.tensor([1, 5, 3]), yingshe.tensor([4, 2, 3]))
        tensor([1, 2, 3])
    """
    return Minimum.apply(*_tensor_pair(input, other, "minimum"))


def _masked_gradient(grad, keep, shape):
    """dy where the bool array ``keep`` holds, 0 elsewhere, summed back to ``shape``."""
    return unbroadcast(Where.apply(keep, grad, 0.0), shape)


class Clamp(Op):
    """y = min(max(x, lo), hi) (lo, hi numbers, arrays or None);  dx = dy where lo <= x <= hi,
    dlo = dy where x < lo < hi, dhi = dy where x > hi or hi < lo (PyTorch's choice at ties)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        return get_array_module(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = (t._data if isinstance(t, Tensor) else t for t in ctx.saved_tensors)
        grad_x = grad_lo = grad_hi = None
        if ctx.needs_input_grad[0]:
            above_lo = True if lo is None else x >= lo
            below_hi = True if hi is None else x <= hi
            grad_x = _masked_gradient(grad, above_lo & below_hi, x.shape)
        if ctx.needs_input_grad[1]:
            keep = x < lo if hi is None else (x < lo) & (lo < hi)
            grad_lo = _masked_gradient(grad, keep, lo.shape)
        if ctx.needs_input_grad[2]:
            keep = x > hi if lo is None else (x > hi) | (hi < lo)
            grad_hi = _masked_gradient(grad, keep, hi.shape)
        return grad_x, grad_lo, grad_hi


def clamp(input, min=None, max=None):
    """Each element limited to [``min``, ``max``]; either bound may be None, a number or a tensor
    (broadcasting, dtypes promoted).

    out_i = min(max(input_i, min_i), max_i);  the gradient passes to input where min <= input <=
    max, and to the bound that was taken elsewhere.
    Shape: input (*), tensor bounds broadcastable to it; output (*), the broadcast shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([-2.0, 0.5, 3.0])
        >>> yingshe.clamp(x, min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
        >>> yingshe.clamp(x, min=yingshe.tensor([-1.0, 1.0, 0.0]))
        tensor([-1.,  1.,  3.])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    lo, hi = _bound(min), _bound(max)
    bounds = [b._data if isinstance(b, Tensor) else b for b in (lo, hi) if b is not None]
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        broadcast_shapes(input.shape, *[_shape(b) for b in bounds], op="clamp")
        dtype = _dtype.result_type(input._data, *bounds)
        lo, hi = (_cast(b, dtype) if isinstance(b, Tensor) else b for b in (lo, hi))
        input = _cast(input, dtype)
    elif input._data.dtype.kind != "f":  # e.g. an int64 tensor clamped to 0.5 becomes float32
        input = _cast(input, _dtype.result_type(input._data, *bounds))
    return Clamp.apply(input, lo, hi)


def _bound(bound):
    """A clamp bound: None, a tensor or a Python number (NumPy scalars become numbers)."""
    if isinstance(bound, np.generic):
        return bound.item()
    if bound is not None and not isinstance(bound, (Tensor, int, float, bool)):
        raise TypeError(f"clamp: min and max must be numbers or tensors, got "
                        f"{type(bound).__name__}")
    return bound


def clamp_min(input, min):
    """Each element limited from below by ``min``: ``clamp(input, min=min)``.

    out_i = max(input_i, min_i).
    Shape: input (*), a tensor ``min`` broadcastable to it; output (*), the broadcast shape.

    Examples:
        >>> import yingshe
        >>> yingshe.clamp_min(yingshe.tensor([-1, 0, 1]), 0)
        tensor([0, 0, 1])
    """
    return clamp(input, min=min)


def clamp_max(input, max):
    """Each element limited from above by ``max``: ``clamp(input, max=max)``.

    out_i = min(input_i, max_i).
    Shape: input (*), a tensor ``max`` broadcastable to it; output (*), the broadcast shape.

    Examples:
        >>> import yingshe
        >>> yingshe.clamp_max(yingshe.tensor([-1.0, 0.5, 2.0]), 1.0)
        tensor([-1.0000,  0.5000,  1.0000])
    """
    return clamp(input, max=max)


clip = clamp


class Lerp(Op):
    """y = a + w (b - a), as PyTorch computes it: b - (b - a)(1 - w) where |w| >= 1/2, exact at
    w = 1;  da = dy (1 - w), db = dy w, dw = dy (b - a)."""

    @staticmethod
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        xp = get_array_module(start)
        difference = end - start
        if isinstance(weight, float):
            if -0.5 < weight < 0.5:
                return start + weight * difference
            return end - difference * (1.0 - weight)
        return xp.where(xp.abs(weight) < 0.5, start + weight * difference,
                        end - difference * (1.0 - weight))

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        grad_start = grad_end = grad_weight = None
        if ctx.needs_input_grad[0]:
            grad_start = unbroadcast(grad * (1.0 - weight), start.shape)
        if ctx.needs_input_grad[1]:
            grad_end = unbroadcast(grad * weight, end.shape)
        if ctx.needs_input_grad[2]:
            grad_weight = unbroadcast(grad * (end - start), weight.shape)
        return grad_start, grad_end, grad_weight


def lerp(input, end, weight):
    """Linear interpolation from ``input`` (start) to ``end`` by ``weight`` (a number or a tensor),
    broadcasting; floating tensors of one dtype.

    out_i = start_i + weight_i (end_i - start_i);  d/dstart = 1 - weight, d/dend = weight,
    d/dweight = end - start.  As in PyTorch it is computed as end - (end - start)(1 - weight)
    where |weight| >= 1/2, so that weight 1 gives ``end`` exactly.
    Shape: input, end and a tensor weight broadcastable to a common shape (*); output (*).

    Examples:
        >>> import yingshe
        >>> yingshe.lerp(yingshe.tensor([0.0, 10.0]), yingshe.tensor([10.0, 20.0]), 0.25)
        tensor([ 2.5000, 12.5000])
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"lerp: expected a floating tensor, got {input.dtype.name}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"lerp: expected dtype {input.dtype.name} for `{name}` but got "
                               f"dtype {t.dtype.name}")
    if isinstance(weight, Tensor):
        broadcast_shapes(input.shape, end.shape, weight.shape, op="lerp")
    else:
        broadcast_shapes(input.shape, end.shape, op="lerp")
        weight = float(weight)
    return Lerp.apply(input, end, weight)


# ---- comparisons and logic (no gradient) -------------------------------------------------------
def _promoted_arrays(input, other, op):
    """The raw operands of ``op`` after PyTorch's type promotion (a number stays a number)."""
    a, b = _binary_operands(input, other, op)
    return a._data, (b._data if isinstance(b, Tensor) else b)


def _comparison(name, ufunc_name, symbol, wording, example):
    """The comparison ``name`` (the operator ``symbol``); ``example`` is the printed result of
    ``name(tensor([1, 2, 3]), 2)`` for its docstring."""
    def compare(input, other):
        a, b = _promoted_arrays(input, other, name)
        return Tensor._make(getattr(get_array_module(a), ufunc_name)(a, b))
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"""True where ``input`` is {wording} ``other`` (a bool tensor), broadcasting;
    the ``{symbol}`` operator.  The operands are compared in their promoted dtype (an integer
    tensor against a float is compared as floats); either may be a Python number.

    out_i = (input_i {symbol} other_i).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.{name}(yingshe.tensor([1, 2, 3]), 2)
        tensor({example})
    """
    return compare


eq = _comparison("eq", "equal", "==", "equal to", "[False,  True, False]")
ne = _comparison("ne", "not_equal", "!=", "not equal to", "[ True, False,  True]")
lt = _comparison("lt", "less", "<", "less than", "[ True, False, False]")
le = _comparison("le", "less_equal", "<=", "less than or equal to", "[ True,  True, False]")
gt = _comparison("gt", "greater", ">", "greater than", "[False, False,  True]")
ge = _comparison("ge", "greater_equal", ">=", "greater than or equal to", "[False,  True,  True]")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

_OPERANDS = (Tensor, int, float, bool, np.ndarray, np.generic)


def _operator(function):
    """The operator form: NotImplemented for foreign operands, so ``t == None`` is False."""
    def operator(self, other):
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return function(self, other)
    operator.__name__ = f"__{function.__name__}__"
    return operator


def _bool_result(ufunc_name, *tensors):
    """A NumPy/CuPy ufunc with a bool result on the raw arrays of ``tensors`` (broadcasting)."""
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{ufunc_name}: expected tensors, got {type(t).__name__}")
    arrays = [t._data for t in tensors]
    if len(arrays) == 2 and arrays[0].shape != arrays[1].shape:
        broadcast_shapes(arrays[0].shape, arrays[1].shape, op=ufunc_name)
    return Tensor._make(getattr(get_array_module(arrays[0]), ufunc_name)(*arrays))


def isnan(input):
    """True where an element is NaN (not a number), a bool tensor.

    out_i = (input_i != input_i), the one value unequal to itself (IEEE 754).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.isnan(yingshe.tensor([1.0, float("inf"), float("nan")]))
        tensor([False, False,  True])
    """
    return _bool_result("isnan", input)


def isinf(input):
    """True where an element is +inf or -inf, a bool tensor.

    out_i = (|input_i| = inf).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.isinf(yingshe.tensor([1.0, float("inf"), -float("inf"), float("nan")]))
        tensor([False,  True,  True, False])
    """
    return _bool_result("isinf", input)


def isfinite(input):
    """True where an element is neither NaN nor infinite, a bool tensor (always True for integers).

    out_i = not (isnan(input_i) or isinf(input_i)).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.isfinite(yingshe.tensor([1.0, float("inf"), float("nan")]))
        tensor([ True, False, False])
    """
    return _bool_result("isfinite", input)


def logical_not(input):
    """Logical not of each element, a bool tensor (zero is False, anything else True).

    out_i = (input_i == 0).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.logical_not(yingshe.tensor([0, 1, -2]))
        tensor([ True, False, False])
    """
    return _bool_result("logical_not", input)


def _logical(ufunc_name, input, other):
    """A logical ufunc of two tensors, taken (as PyTorch) in their promoted dtype: a float64
    1e-50 and a float32 tensor meet as float32, where 1e-50 is 0 (False)."""
    for t in (input, other):
        if not isinstance(t, Tensor):
            raise TypeError(f"{ufunc_name}: expected tensors, got {type(t).__name__}")
    a, b = _promoted_arrays(input, other, ufunc_name)
    return Tensor._make(getattr(get_array_module(a), ufunc_name)(a, b))


def logical_and(input, other):
    """Logical and of two tensors, a bool tensor (zero is False, anything else True); broadcasting.

    out_i = (input_i != 0) and (other_i != 0).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.logical_and(yingshe.tensor([0, 1, 2]), yingshe.tensor([5.0, 0.0, 3.0]))
        tensor([False, False,  True])
    """
    return _logical("logical_and", input, other)


def logical_or(input, other):
    """Logical or of two tensors, a bool tensor (zero is False, anything else True); broadcasting.

    out_i = (input_i != 0) or (other_i != 0).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.logical_or(yingshe.tensor([0, 1, 0]), yingshe.tensor([0.0, 0.0, 3.0]))
        tensor([False,  True,  True])
    """
    return _logical("logical_or", input, other)


def logical_xor(input, other):
    """Logical exclusive or of two tensors, a bool tensor (zero is False, anything else True);
    broadcasting.

    out_i = (input_i != 0) != (other_i != 0).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.logical_xor(yingshe.tensor([0, 1, 2]), yingshe.tensor([0.0, 0.0, 3.0]))
        tensor([False,  True, False])
    """
    return _logical("logical_xor", input, other)


def _bitwise(ufunc_name, input, other):
    a, b = _promoted_arrays(input, other, ufunc_name)
    if a.dtype.kind == "f":
        raise NotImplementedError(f"{ufunc_name}: not implemented for floating point "
                                  f"({_dtype.from_np(a.dtype).name}); integer and bool tensors "
                                  "only")
    return Tensor._make(getattr(get_array_module(a), ufunc_name)(a, b))


def bitwise_and(input, other):
    """Bitwise and of integer or bool tensors (logical and for bool), broadcasting; the ``&``
    operator.

    out_i = input_i & other_i, bit by bit in two's complement.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.bitwise_and(yingshe.tensor([12, 10]), yingshe.tensor([10, 6]))
        tensor([8, 2])
        >>> yingshe.tensor([True, True]) & yingshe.tensor([True, False])
        tensor([ True, False])
    """
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input, other):
    """Bitwise or of integer or bool tensors (logical or for bool), broadcasting; the ``|``
    operator.

    out_i = input_i | other_i, bit by bit in two's complement.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.bitwise_or(yingshe.tensor([12, 10]), yingshe.tensor([10, 6]))
        tensor([14, 14])
    """
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input, other):
    """Bitwise exclusive or of integer or bool tensors (logical xor for bool), broadcasting; the
    ``^`` operator.

    out_i = input_i ^ other_i, bit by bit in two's complement.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.bitwise_xor(yingshe.tensor([12, 10]), yingshe.tensor([10, 6]))
        tensor([ 6, 12])
    """
    return _bitwise("bitwise_xor", input, other)


def bitwise_not(input):
    """Bitwise not of an integer or bool tensor (logical not for bool); the ``~`` operator.

    out_i = ~input_i = -input_i - 1 for integers (two's complement).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.bitwise_not(yingshe.tensor([0, 5, -1]))
        tensor([-1, -6,  0])
        >>> ~yingshe.tensor([True, False])
        tensor([False,  True])
    """
    if input._data.dtype.kind == "f":
        raise NotImplementedError(f"bitwise_not: not implemented for floating point "
                                  f"({input.dtype.name}); integer and bool tensors only")
    return Tensor._make(get_array_module(input._data).invert(input._data))


# ---- integer-style division ---------------------------------------------------------------------
def _check_divisor(a, b, op):
    """Integer division by zero is an error in PyTorch (floats give inf or NaN)."""
    if a.dtype.kind != "f" and not get_array_module(a).all(b):
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")


def floor_divide(input, other):
    """The quotient rounded down, Python's ``//``, broadcasting; integers stay integers; no
    gradient.

    out_i = floor(input_i / other_i).  An integer division by zero is an error.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.floor_divide(yingshe.tensor([7, -7]), 2)
        tensor([ 3, -4])
    """
    a, b = _binary_operands(input, other, "floor_divide")
    _check_not_bool(a, "floor_divide")
    a, b = a._data, (b._data if isinstance(b, Tensor) else b)
    _check_divisor(a, b, "floor_divide")
    return Tensor._make(get_array_module(a).floor_divide(a, b))


class Remainder(Op):
    """y = a - floor(a / b) b (the sign of b, like Python's %);  da = dy, db = -dy floor(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a).remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(grad, a.shape)
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(-grad * floor_divide(a, b), b.shape)
        return grad_a, grad_b


def remainder(input, other):
    """The remainder of a division with the sign of the divisor, Python's ``%``, broadcasting (the
    floored modulo of Knuth, The Art of Computer Programming, Vol. 1, 1997, §1.2.4).

    out_i = input_i - floor(input_i / other_i) other_i;  d/dinput = 1,
    d/dother = -floor(input / other).  ``fmod`` keeps the sign of the dividend instead.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.remainder(yingshe.tensor([7, -7]), 3)
        tensor([1, 2])
        >>> yingshe.tensor([5.5, -5.5]) % 2
        tensor([1.5000, 0.5000])
    """
    a, b = _binary_operands(input, other, "remainder")
    _check_not_bool(a, "remainder")
    _check_divisor(a._data, b._data if isinstance(b, Tensor) else b, "remainder")
    return Remainder.apply(a, b)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


__all__ += ["pow", "square", "reciprocal", "rsqrt", "exp", "log", "log1p", "expm1", "sqrt",
            "abs", "sin", "cos", "tanh", "sigmoid", "relu", "sign", "floor", "ceil", "trunc",
            "round", "where", "maximum", "minimum", "clamp", "clip", "clamp_min", "clamp_max",
            "lerp", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
            "less_equal", "not_equal", "isnan", "isinf", "isfinite", "logical_not", "logical_and",
            "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
            "floor_divide", "remainder"]

TENSOR_METHODS.update({name: globals()[name] for name in __all__[__all__.index("pow"):]})
TENSOR_METHODS.update({
    "where": _where_method, "__pow__": pow, "__rpow__": _rpow, "__abs__": abs,
    "__eq__": _operator(eq), "__ne__": _operator(ne), "__lt__": _operator(lt),
    "__le__": _operator(le), "__gt__": _operator(gt), "__ge__": _operator(ge),
    "__and__": bitwise_and, "__rand__": bitwise_and, "__or__": bitwise_or,
    "__ror__": bitwise_or, "__xor__": bitwise_xor, "__rxor__": bitwise_xor,
    "__invert__": bitwise_not, "__floordiv__": floor_divide, "__rfloordiv__": _rfloordiv,
    "__mod__": remainder, "__rmod__": _rmod,
})


# ---- PyTorch's other pointwise functions -------------------------------------------------------
# Domain edges give NaN or inf quietly (NumPy's warnings are silenced), as in PyTorch:
# asin(2) is NaN, atanh(1) is inf, log2(0) is -inf.

def _special(x, name):
    """SciPy's special function ``name`` (CuPy's cupyx.scipy.special on "cuda") for the array x."""
    if get_array_module(x) is np:
        from scipy import special
    else:
        from cupyx.scipy import special
    return getattr(special, name)


class Pointwise(Op):
    """y = f(x) for a differentiable f (with optional constant ``params``);  dx = dy f'(x).

    A subclass gives ``f(xp, x, *params)`` on raw arrays and ``derivative(saved, *params)`` with
    Tensor ops, so that backward can be differentiated again; ``saved`` is x, or y when
    ``saves_output`` (PyTorch saves the same one, so in-place changes are caught alike)."""
    saves_output = False

    @staticmethod
    def forward(ctx, x, *params):
        ctx.params = params
        with np.errstate(all="ignore"):
            y = ctx.f(get_array_module(x), x, *params)
        ctx.save_for_backward(y if ctx.saves_output else x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (saved,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return (grad * ctx.derivative(saved, *ctx.params),) + (None,) * len(ctx.params)


class Tan(Pointwise):
    """y = tan x;  dx = dy (1 + y^2)."""
    saves_output = True
    f = staticmethod(lambda xp, x: xp.tan(x))
    derivative = staticmethod(lambda y: y * y + 1.0)


class Asin(Pointwise):
    """y = arcsin x;  dx = dy / sqrt(1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arcsin(x))
    derivative = staticmethod(lambda x: rsqrt(1.0 - x * x))


class Acos(Pointwise):
    """y = arccos x;  dx = -dy / sqrt(1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arccos(x))
    derivative = staticmethod(lambda x: -rsqrt(1.0 - x * x))


class Atan(Pointwise):
    """y = arctan x;  dx = dy / (1 + x^2)."""
    f = staticmethod(lambda xp, x: xp.arctan(x))
    derivative = staticmethod(lambda x: reciprocal(x * x + 1.0))


class Sinh(Pointwise):
    """y = sinh x;  dx = dy cosh x."""
    f = staticmethod(lambda xp, x: xp.sinh(x))
    derivative = staticmethod(lambda x: cosh(x))


class Cosh(Pointwise):
    """y = cosh x;  dx = dy sinh x."""
    f = staticmethod(lambda xp, x: xp.cosh(x))
    derivative = staticmethod(lambda x: sinh(x))


class Asinh(Pointwise):
    """y = arsinh x;  dx = dy / sqrt(x^2 + 1)."""
    f = staticmethod(lambda xp, x: xp.arcsinh(x))
    derivative = staticmethod(lambda x: rsqrt(x * x + 1.0))


class Acosh(Pointwise):
    """y = arcosh x;  dx = dy / sqrt(x^2 - 1)."""
    f = staticmethod(lambda xp, x: xp.arccosh(x))
    derivative = staticmethod(lambda x: rsqrt(x * x - 1.0))


class Atanh(Pointwise):
    """y = artanh x;  dx = dy / (1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arctanh(x))
    derivative = staticmethod(lambda x: reciprocal(1.0 - x * x))


class Exp2(Pointwise):
    """y = 2^x;  dx = dy y ln 2."""
    saves_output = True
    f = staticmethod(lambda xp, x: xp.exp2(x))
    derivative = staticmethod(lambda y: y * math.log(2.0))


class Log2(Pointwise):
    """y = log_2 x;  dx = dy / (x ln 2)."""
    f = staticmethod(lambda xp, x: xp.log2(x))
    derivative = staticmethod(lambda x: reciprocal(x * math.log(2.0)))


class Log10(Pointwise):
    """y = log_10 x;  dx = dy / (x ln 10)."""
    f = staticmethod(lambda xp, x: xp.log10(x))
    derivative = staticmethod(lambda x: reciprocal(x * math.log(10.0)))


def _sinc_array(xp, x):
    pi_x = x * x.dtype.type(math.pi)
    return xp.where(x == 0, x.dtype.type(1), xp.sin(pi_x) / pi_x)


def _sinc_derivative(x):
    pi_x = x * math.pi
    slope = (pi_x * cos(pi_x) - sin(pi_x)) / (pi_x * x)
    return Where.apply(x._data == 0, 0.0, slope)


class Sinc(Pointwise):
    """y = sin(pi x) / (pi x), 1 at x = 0;  dx = dy (pi x cos(pi x) - sin(pi x)) / (pi x^2),
    0 at x = 0."""
    f = staticmethod(_sinc_array)
    derivative = staticmethod(_sinc_derivative)


class Erfc(Pointwise):
    """y = erfc x = 1 - erf x;  dx = -dy 2/sqrt(pi) e^(-x^2)."""
    f = staticmethod(lambda xp, x: _special(x, "erfc")(x).astype(x.dtype, copy=False))
    derivative = staticmethod(lambda x: exp(-(x * x)) * (-2.0 / math.sqrt(math.pi)))


class Erfinv(Pointwise):
    """y = erf^-1 x;  dx = dy sqrt(pi)/2 e^(y^2) (the inverse function rule)."""
    f = staticmethod(lambda xp, x: _special(x, "erfinv")(x).astype(x.dtype, copy=False))
    derivative = staticmethod(lambda x: exp(square(erfinv(x))) * (math.sqrt(math.pi) / 2.0))


def _i1_derivative(x):
    """I1'(x) = I0(x) - I1(x) / x, 1/2 at x = 0 (Abramowitz & Stegun 9.6.26)."""
    eps = float(np.finfo(x._data.dtype).eps)
    tiny = get_array_module(x._data).abs(x._data) <= eps
    safe = Where.apply(tiny, eps, x)
    return Where.apply(tiny, 0.5, i0(safe) - I1.apply(safe) / safe)


class I1(Pointwise):
    """y = I1(x), the modified Bessel function of the first kind of order 1 (the derivative of
    I0);  dx = dy (I0(x) - I1(x) / x)."""
    f = staticmethod(lambda xp, x: _special(x, "i1")(x).astype(x.dtype, copy=False))
    derivative = staticmethod(_i1_derivative)


class I0(Pointwise):
    """y = I0(x), the modified Bessel function of the first kind of order 0;  dx = dy I1(x)
    (Abramowitz & Stegun 9.6.27)."""
    f = staticmethod(lambda xp, x: _special(x, "i0")(x).astype(x.dtype, copy=False))
    derivative = staticmethod(lambda x: I1.apply(x))


class Lgamma(Pointwise):
    """y = ln |Gamma(x)|;  dx = dy digamma(x)."""
    f = staticmethod(lambda xp, x: _special(x, "gammaln")(x).astype(x.dtype, copy=False))
    derivative = staticmethod(lambda x: digamma(x))


def _polygamma_array(xp, x, n):
    function = _special(x, "psi") if n == 0 else lambda v: _special(x, "polygamma")(n, v)
    return function(x).astype(x.dtype, copy=False)


class Polygamma(Pointwise):
    """y = psi^(n)(x), the n-th derivative of digamma = (ln Gamma)';  dx = dy psi^(n+1)(x)."""
    f = staticmethod(_polygamma_array)
    derivative = staticmethod(lambda x, n: Polygamma.apply(x, n + 1))


def _logit_array(xp, x, eps):
    z = x if eps is None else xp.clip(x, eps, 1.0 - eps)
    return xp.log(z / (1.0 - z))


def _logit_derivative(x, eps):
    """1 / (x (1 - x)) inside the domain; NaN outside [0, 1], or 0 outside [eps, 1 - eps] where
    the input was clamped (PyTorch's rule)."""
    low, high = (0.0, 1.0) if eps is None else (eps, 1.0 - eps)
    outside = (x._data < low) | (x._data > high)
    return Where.apply(outside, math.nan if eps is None else 0.0, reciprocal(x * (1.0 - x)))


class Logit(Pointwise):
    """y = ln(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given;
    dx = dy / (x (1 - x)) (0 where x was clamped)."""
    f = staticmethod(_logit_array)
    derivative = staticmethod(_logit_derivative)


def _finite_mask(x, *params):
    return Tensor._make(get_array_module(x._data).isfinite(x._data).astype(x._data.dtype))


class NanToNum(Pointwise):
    """y = x with NaN, +inf and -inf replaced by numbers;  dx = dy where x is finite, else 0."""
    f = staticmethod(lambda xp, x, nan, posinf, neginf: xp.nan_to_num(
        x, nan=nan, posinf=posinf, neginf=neginf))
    derivative = staticmethod(_finite_mask)


def tan(input):
    """The tangent of each element, in radians.

    out_i = tan(input_i);  d out / d input = 1 + tan^2(input).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import math
        >>> import yingshe
        >>> yingshe.tan(yingshe.tensor([0.0, math.pi / 4, 1.0]))
        tensor([0.0000, 1.0000, 1.5574])
    """
    return Tan.apply(_as_float(input))


def asin(input):
    """The arcsine of each element, in [-pi/2, pi/2] (NaN outside [-1, 1]).

    out_i = arcsin(input_i);  d out / d input = 1 / sqrt(1 - input^2).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.asin(yingshe.tensor([-1.0, 0.0, 0.5, 2.0]))
        tensor([-1.5708,  0.0000,  0.5236,     nan])
    """
    return Asin.apply(_as_float(input))


def acos(input):
    """The arccosine of each element, in [0, pi] (NaN outside [-1, 1]).

    out_i = arccos(input_i);  d out / d input = -1 / sqrt(1 - input^2).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.acos(yingshe.tensor([-1.0, 0.0, 0.5]))
        tensor([3.1416, 1.5708, 1.0472])
    """
    return Acos.apply(_as_float(input))


def atan(input):
    """The arctangent of each element, in (-pi/2, pi/2).

    out_i = arctan(input_i);  d out / d input = 1 / (1 + input^2).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.atan(yingshe.tensor([-1.0, 0.0, float("inf")]))
        tensor([-0.7854,  0.0000,  1.5708])
    """
    return Atan.apply(_as_float(input))


def sinh(input):
    """The hyperbolic sine of each element.

    out_i = sinh(input_i) = (e^x - e^-x) / 2;  d out / d input = cosh(input).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.sinh(yingshe.tensor([0.0, 1.0]))
        tensor([0.0000, 1.1752])
    """
    return Sinh.apply(_as_float(input))


def cosh(input):
    """The hyperbolic cosine of each element.

    out_i = cosh(input_i) = (e^x + e^-x) / 2;  d out / d input = sinh(input).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.cosh(yingshe.tensor([0.0, 1.0]))
        tensor([1.0000, 1.5431])
    """
    return Cosh.apply(_as_float(input))


def asinh(input):
    """The inverse hyperbolic sine of each element.

    out_i = arsinh(input_i) = ln(x + sqrt(x^2 + 1));  d out / d input = 1 / sqrt(input^2 + 1).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.asinh(yingshe.tensor([0.0, 1.0, -1.0]))
        tensor([ 0.0000,  0.8814, -0.8814])
    """
    return Asinh.apply(_as_float(input))


def acosh(input):
    """The inverse hyperbolic cosine of each element (NaN below 1).

    out_i = arcosh(input_i) = ln(x + sqrt(x^2 - 1));  d out / d input = 1 / sqrt(input^2 - 1).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.acosh(yingshe.tensor([1.0, 2.0, 0.5]))
        tensor([0.0000, 1.3170,    nan])
    """
    return Acosh.apply(_as_float(input))


def atanh(input):
    """The inverse hyperbolic tangent of each element (+-inf at +-1, NaN beyond).

    out_i = artanh(input_i) = ln((1 + x) / (1 - x)) / 2;  d out / d input = 1 / (1 - input^2).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.atanh(yingshe.tensor([0.0, 0.5, 1.0]))
        tensor([0.0000, 0.5493,    inf])
    """
    return Atanh.apply(_as_float(input))


def exp2(input):
    """2 to the power of each element; integers give the default float dtype.

    out_i = 2^(input_i);  d out / d input = 2^input ln 2.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.exp2(yingshe.tensor([0, 1, 3, -1]))
        tensor([1.0000, 2.0000, 8.0000, 0.5000])
    """
    return Exp2.apply(_as_float(input))


def log2(input):
    """The base-2 logarithm of each element.

    out_i = log_2(input_i);  d out / d input = 1 / (input ln 2).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.log2(yingshe.tensor([1.0, 8.0, 0.5, 3.0]))
        tensor([ 0.0000,  3.0000, -1.0000,  1.5850])
    """
    return Log2.apply(_as_float(input))


def log10(input):
    """The base-10 logarithm of each element.

    out_i = log_10(input_i);  d out / d input = 1 / (input ln 10).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.log10(yingshe.tensor([1.0, 1000.0, 0.5]))
        tensor([ 0.0000,  3.0000, -0.3010])
    """
    return Log10.apply(_as_float(input))


def sinc(input):
    """The normalised sinc function of each element, the Fourier transform of a unit box (Woodward,
    Probability and Information Theory, 1953).

    out_i = sin(pi x) / (pi x), with sinc(0) = 1;
    d out / d input = (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at 0.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.sinc(yingshe.tensor([0.0, 0.5, 1.5]))
        tensor([ 1.0000,  0.6366, -0.2122])
    """
    return Sinc.apply(_as_float(input))


def erfc(input):
    """The complementary error function of each element, accurate where erf x is near 1
    (Abramowitz & Stegun, Handbook of Mathematical Functions, 1964, 7.1.2).

    out_i = erfc(x) = 1 - erf(x) = 2/sqrt(pi) int_x^inf e^(-t^2) dt;
    d out / d input = -2/sqrt(pi) e^(-x^2).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.erfc(yingshe.tensor([0.0, 1.0, 5.0]))
        tensor([1.0000e+00, 1.5730e-01, 1.5375e-12])
    """
    return Erfc.apply(_as_float(input))


def erfinv(input):
    """The inverse error function of each element: erf(erfinv(y)) = y for y in (-1, 1), +-inf at
    +-1 and NaN beyond (Abramowitz & Stegun, 1964, 7.1.1 defines erf).

    out_i = erf^(-1)(input_i);  d out / d input = sqrt(pi)/2 e^(out^2) (the inverse function rule).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.erfinv(yingshe.tensor([0.0, 0.5, 1.0]))
        tensor([0.0000, 0.4769,    inf])
    """
    return Erfinv.apply(_as_float(input))


def i0(input):
    """The modified Bessel function of the first kind of order 0 of each element (Abramowitz &
    Stegun, 1964, 9.6.12).

    out_i = I0(x) = sum_k (x^2 / 4)^k / (k!)^2;  d out / d input = I1(x) (A&S 9.6.27).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.i0(yingshe.tensor([0.0, 1.0, 2.0]))
        tensor([1.0000, 1.2661, 2.2796])
    """
    return I0.apply(_as_float(input))


def lgamma(input):
    """The natural logarithm of the absolute value of the gamma function of each element (inf at
    0, -1, -2, ...; Abramowitz & Stegun, 1964, 6.1.1).

    out_i = ln |Gamma(input_i)|;  d out / d input = digamma(input).  ln Gamma(n) = ln (n - 1)!.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.lgamma(yingshe.tensor([1.0, 5.0, 0.5]))
        tensor([0.0000, 3.1781, 0.5724])
    """
    return Lgamma.apply(_as_float(input))


def digamma(input):
    """The digamma function psi of each element, the derivative of ln Gamma (Abramowitz & Stegun,
    1964, 6.3.1); -inf at 0, +inf at -0 and NaN at negative integers, as PyTorch.

    out_i = psi(x) = d/dx ln Gamma(x) = Gamma'(x) / Gamma(x);  d out / d input = polygamma(1, x).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.digamma(yingshe.tensor([1.0, 2.0]))
        tensor([-0.5772,  0.4228])
    """
    return Polygamma.apply(_as_float(input), 0)


def polygamma(n, input):
    """The polygamma function of order ``n`` >= 0 of each element, the n-th derivative of digamma
    (Abramowitz & Stegun, 1964, 6.4.1).

    out_i = psi^(n)(x) = d^(n+1)/dx^(n+1) ln Gamma(x);  d out / d input = psi^(n+1)(x).  At the
    poles 0, -1, -2, ... it gives +-inf (SciPy's values); PyTorch agrees except for n = 1 at
    the negative poles, where it gives large finite numbers.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.polygamma(1, yingshe.tensor([1.0]))  # pi^2 / 6
        tensor([1.6449])
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return Polygamma.apply(_as_float(input), int(n))


def _polygamma_method(self, n):
    """Tensor.polygamma(n) is polygamma(n, self)."""
    return polygamma(n, self)


def mvlgamma(input, p):
    """The multivariate log-gamma function of dimension ``p`` of each element, defined for
    x > (p - 1) / 2 (Muirhead, Aspects of Multivariate Statistical Theory, 1982, Def. 2.1.10).

    out_i = ln Gamma_p(x) = p (p - 1) / 4 ln pi + sum_{j=0}^{p-1} ln Gamma(x - j / 2).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.mvlgamma(yingshe.tensor([2.5, 3.0]), p=2)
        tensor([0.8570, 1.5502])
    """
    if not isinstance(p, (int, np.integer)) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    x = _as_float(input)
    halves = Tensor._make(get_array_module(x._data).arange(p, dtype=x._data.dtype) * 0.5)
    terms = lgamma(sub(x.unsqueeze(-1), halves))
    return terms.sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


def logit(input, eps=None):
    """The log-odds of each element, the inverse of ``sigmoid``; with ``eps`` the input is first
    clamped to [eps, 1 - eps], keeping the result finite.

    out_i = ln(z_i / (1 - z_i)), z = input (clamped);  d out / d input = 1 / (x (1 - x)), 0 where
    x was clamped.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.logit(yingshe.tensor([0.25, 0.5, 0.75]))
        tensor([-1.0986,  0.0000,  1.0986])
        >>> yingshe.logit(yingshe.tensor([0.0, 1.0]), eps=1e-6)
        tensor([-13.8155,  13.8023])
    """
    return Logit.apply(_as_float(input), None if eps is None else float(eps))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """The input with NaN replaced by ``nan`` and +-inf by ``posinf``/``neginf`` (by default the
    largest and the smallest finite number of the dtype); integers are copied unchanged.

    out_i = input_i where it is finite, else its replacement;  the gradient passes where input is
    finite and is 0 elsewhere.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([float("nan"), float("inf"), -float("inf"), 2.0])
        >>> yingshe.nan_to_num(x, posinf=1.0, neginf=-1.0)
        tensor([ 0.,  1., -1.,  2.])
        >>> yingshe.nan_to_num(x)[1].item()
        3.4028234663852886e+38
    """
    if input._data.dtype.kind != "f":
        return Tensor._make(input._data.copy())
    return NanToNum.apply(input, float(nan), posinf, neginf)


def frac(input):
    """The fractional part of each element, with the element's sign (floating tensors only).

    out_i = input_i - trunc(input_i);  d out / d input = 1.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.frac(yingshe.tensor([1.5, -2.25, 3.0]))
        tensor([ 0.5000, -0.2500,  0.0000])
    """
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"frac: not implemented for {input.dtype.name} tensors "
                                  "(floating point only)")
    return sub(input, trunc(input))


def deg2rad(input):
    """Each element converted from degrees to radians; integers give the default float dtype.

    out_i = input_i pi / 180.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.deg2rad(yingshe.tensor([180, 90, -45]))
        tensor([ 3.1416,  1.5708, -0.7854])
    """
    return mul(_as_float(input), math.pi / 180.0)


def rad2deg(input):
    """Each element converted from radians to degrees; integers give the default float dtype.

    out_i = input_i 180 / pi.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import math
        >>> import yingshe
        >>> yingshe.rad2deg(yingshe.tensor([math.pi, -math.pi / 2]))
        tensor([180., -90.])
    """
    return mul(_as_float(input), 180.0 / math.pi)


def sgn(input):
    """The sign of each element; for real tensors the same as ``sign`` (PyTorch's ``sgn`` extends it
    to complex numbers as x / |x|, which yingshe does not have).

    out_i = (input_i > 0) - (input_i < 0);  zero gradient.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.sgn(yingshe.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    return sign(input)


def signbit(input):
    """True where the sign bit of an element is set: negative numbers and -0.0 (a bool tensor).

    out_i = the IEEE 754 sign bit of input_i (False for bool tensors).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.signbit(yingshe.tensor([-1.0, -0.0, 0.0, 2.0]))
        tensor([ True,  True, False, False])
    """
    x = input._data
    xp = get_array_module(x)
    if x.dtype.kind == "b":
        return Tensor._make(xp.zeros(x.shape, dtype=bool))
    return Tensor._make(xp.signbit(x))


def positive(input):
    """``+input``: the input tensor itself, not a copy (bool tensors are refused, as in PyTorch).

    out_i = input_i.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1, -2])
        >>> yingshe.positive(x) is x
        True
    """
    if input._data.dtype.kind == "b":
        raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported")
    return input


def _angle_array(x):
    xp = get_array_module(x)
    return xp.where(x < 0, x.dtype.type(math.pi), xp.where(xp.isnan(x), x, x.dtype.type(0)))


def angle(input):
    """The argument (phase angle) of each element seen as a complex number: pi for negative
    numbers, 0 otherwise (NaN stays NaN); integers give the default float dtype.

    out_i = pi if input_i < 0 else 0;  zero gradient.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.angle(yingshe.tensor([-2.0, 0.0, 3.0]))
        tensor([3.1416, 0.0000, 0.0000])
    """
    return Step.apply(_as_float(input), _angle_array)


def real(input):
    """The real part of a tensor: a real tensor itself (yingshe has no complex dtypes).

    out_i = input_i.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.5, -2.0])
        >>> yingshe.real(x) is x
        True
    """
    return input


def imag(input):
    """The imaginary part of a tensor, which real tensors do not have: an error, as in PyTorch
    (yingshe has no complex dtypes).

    Shape: input (*); no output.

    Examples:
        >>> import yingshe
        >>> yingshe.imag(yingshe.tensor([1.5]))
        Traceback (most recent call last):
            ...
        RuntimeError: imag: imag is not implemented for tensors with non-complex dtypes ...
    """
    raise RuntimeError(f"imag: imag is not implemented for tensors with non-complex dtypes "
                       f"(got {input.dtype.name})")


def conj_physical(input):
    """The complex conjugate of each element: for a real tensor, the tensor itself.

    out_i = conj(input_i) = input_i for real numbers.
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.conj_physical(yingshe.tensor([1.5, -2.0]))
        tensor([ 1.5000, -2.0000])
    """
    return input


def isposinf(input):
    """True where an element is +inf, a bool tensor (all False for integers).

    out_i = (input_i = +inf).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.isposinf(yingshe.tensor([-float("inf"), 0.0, float("inf")]))
        tensor([False, False,  True])
    """
    xp = get_array_module(input._data)
    if input._data.dtype.kind != "f":
        return Tensor._make(xp.zeros(input.shape, dtype=bool))
    return Tensor._make(xp.isposinf(input._data))


def isneginf(input):
    """True where an element is -inf, a bool tensor (all False for integers).

    out_i = (input_i = -inf).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.isneginf(yingshe.tensor([-float("inf"), 0.0, float("inf")]))
        tensor([ True, False, False])
    """
    xp = get_array_module(input._data)
    if input._data.dtype.kind != "f":
        return Tensor._make(xp.zeros(input.shape, dtype=bool))
    return Tensor._make(xp.isneginf(input._data))


def isreal(input):
    """True where an element has no imaginary part: everywhere, for yingshe's real dtypes (NaN
    included).

    out_i = (imag(input_i) = 0).
    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.isreal(yingshe.tensor([1.0, float("nan")]))
        tensor([True, True])
    """
    return Tensor._make(get_array_module(input._data).ones(input.shape, dtype=bool))


# ---- binary functions ---------------------------------------------------------------------------
class PointwiseBinary(Op):
    """y = f(a, b) with broadcasting (b may be a number);  da = dy df/da, db = dy df/db, each
    summed back over its broadcast dimensions.  A subclass gives ``f(xp, a, b)`` on raw arrays and
    ``grad_a(dy, a, b, y)``, ``grad_b(dy, a, b, y)`` with Tensor ops (y is None unless
    ``saves_output``)."""
    saves_output = False

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a)
        if not hasattr(b, "dtype"):  # a Python number, in a's (already promoted) dtype
            b = xp.asarray(b, dtype=a.dtype)
        with np.errstate(all="ignore"):
            y = ctx.f(xp, a, b)
        ctx.save_for_backward(a, b, y if ctx.saves_output else None)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        grad_a = grad_b = None
        with np.errstate(all="ignore"):
            if ctx.needs_input_grad[0]:
                grad_a = unbroadcast(ctx.grad_a(grad, a, b, y), a.shape)
            if ctx.needs_input_grad[1]:
                grad_b = unbroadcast(ctx.grad_b(grad, a, b, y), b.shape)
        return grad_a, grad_b


class Atan2(PointwiseBinary):
    """y = atan2(a, b), the angle of the point (b, a);  da = dy b / (a^2 + b^2),
    db = -dy a / (a^2 + b^2)."""
    f = staticmethod(lambda xp, a, b: xp.arctan2(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: grad * b * reciprocal(a * a + b * b))
    grad_b = staticmethod(lambda grad, a, b, y: grad * -a * reciprocal(a * a + b * b))


class Hypot(PointwiseBinary):
    """y = sqrt(a^2 + b^2) without overflow;  da = dy a / y, db = dy b / y."""
    saves_output = True
    f = staticmethod(lambda xp, a, b: xp.hypot(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: grad * a / y)
    grad_b = staticmethod(lambda grad, a, b, y: grad * b / y)


class LogAddExp(PointwiseBinary):
    """y = ln(e^a + e^b), computed stably;  da = dy / (1 + e^(b - a)), db = dy / (1 + e^(a - b))."""
    f = staticmethod(lambda xp, a, b: xp.logaddexp(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: grad / (exp(b - a) + 1.0))
    grad_b = staticmethod(lambda grad, a, b, y: grad / (exp(a - b) + 1.0))


class LogAddExp2(PointwiseBinary):
    """y = log_2(2^a + 2^b);  da = dy / (1 + 2^(b - a)), db = dy / (1 + 2^(a - b))."""
    f = staticmethod(lambda xp, a, b: xp.logaddexp2(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: grad / (exp2(b - a) + 1.0))
    grad_b = staticmethod(lambda grad, a, b, y: grad / (exp2(a - b) + 1.0))


class Copysign(PointwiseBinary):
    """y = |a| with the sign of b;  da = dy y / a (0 at a = 0), db = 0."""
    saves_output = True
    f = staticmethod(lambda xp, a, b: xp.copysign(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: grad * Where.apply(a._data == 0, 0.0, y / a))
    grad_b = staticmethod(lambda grad, a, b, y: _zeros_like(grad))


def _xlogy_array(xp, a, b):
    product = xp.where(a == 0, a.dtype.type(0), a * xp.log(b))
    return xp.where(xp.isnan(b), b, product)


def _xlogy_grad_a(grad, a, b, y):
    """dy ln b, taken as 0 where a = 0 and b <= 0 (PyTorch's choice where xlogy is not
    differentiable, the derivative along the line a = 0)."""
    return Where.apply((a._data == 0) & (b._data <= 0), 0.0, Xlogy.apply(grad, b))


class Xlogy(PointwiseBinary):
    """y = a ln b, with 0 ln b = 0 unless b is NaN;  da = dy ln b, db = dy a / b."""
    f = staticmethod(_xlogy_array)
    grad_a = staticmethod(_xlogy_grad_a)
    grad_b = staticmethod(lambda grad, a, b, y: grad * a / b)


class Fmod(PointwiseBinary):
    """y = a - trunc(a / b) b, the C remainder (the sign of a);  da = dy, db = -dy trunc(a / b)."""
    f = staticmethod(lambda xp, a, b: xp.fmod(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: grad)
    grad_b = staticmethod(lambda grad, a, b, y: -grad * div(a, b, rounding_mode="trunc"))


def _fmax_keeps_a(a, b):
    return (a._data >= b._data) | get_array_module(b._data).isnan(b._data)


def _fmin_keeps_a(a, b):
    return (a._data <= b._data) | get_array_module(b._data).isnan(b._data)


class Fmax(PointwiseBinary):
    """y = max(a, b) ignoring NaN (NaN only where both are);  da = dy where a >= b or b is NaN,
    db = dy elsewhere (PyTorch's rule: a tie goes to a)."""
    f = staticmethod(lambda xp, a, b: xp.fmax(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: Where.apply(_fmax_keeps_a(a, b), grad, 0.0))
    grad_b = staticmethod(lambda grad, a, b, y: Where.apply(_fmax_keeps_a(a, b), 0.0, grad))


class Fmin(PointwiseBinary):
    """y = min(a, b) ignoring NaN (NaN only where both are);  da = dy where a <= b or b is NaN,
    db = dy elsewhere."""
    f = staticmethod(lambda xp, a, b: xp.fmin(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: Where.apply(_fmin_keeps_a(a, b), grad, 0.0))
    grad_b = staticmethod(lambda grad, a, b, y: Where.apply(_fmin_keeps_a(a, b), 0.0, grad))


class Nextafter(PointwiseBinary):
    """y = the next float after a towards b;  da = dy where a != b, else 0; db = 0 (PyTorch's
    convention)."""
    f = staticmethod(lambda xp, a, b: xp.nextafter(a, b))
    grad_a = staticmethod(lambda grad, a, b, y: Where.apply(a._data != b._data, grad, 0.0))
    grad_b = staticmethod(lambda grad, a, b, y: _zeros_like(grad))


def _igamma_no_grad_a(grad, a, b, y):
    raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")


class Igamma(PointwiseBinary):
    """y = P(a, x) = gamma(a, x) / Gamma(a), the regularised lower incomplete gamma function;
    dx = dy x^(a-1) e^(-x) / Gamma(a) (no derivative in a, as in PyTorch)."""
    f = staticmethod(lambda xp, a, b: _special(a, "gammainc")(a, b).astype(a.dtype, copy=False))
    grad_a = staticmethod(_igamma_no_grad_a)
    grad_b = staticmethod(lambda grad, a, b, y: grad * exp((a - 1.0) * log(b) - b - lgamma(a)))


class Igammac(Igamma):
    """y = Q(a, x) = 1 - P(a, x), the regularised upper incomplete gamma function;
    dx = -dy x^(a-1) e^(-x) / Gamma(a)."""
    f = staticmethod(lambda xp, a, b: _special(a, "gammaincc")(a, b).astype(a.dtype, copy=False))
    grad_b = staticmethod(lambda grad, a, b, y: -grad * exp((a - 1.0) * log(b) - b - lgamma(a)))


def _float_operands(input, other, op):
    """Both operands after PyTorch's promotion; integers and bools then become the default float
    dtype (for functions whose values are not integers)."""
    a, b = _binary_operands(input, other, op)
    if a._data.dtype.kind != "f":
        np_dtype = _dtype.get_default_dtype().np
        a = _cast(a, np_dtype)
        b = _cast(b, np_dtype) if isinstance(b, Tensor) else float(b)
    return a, b


def _apply_floating_only(function, input, other, op):
    """``function`` applied to two tensors after dtype promotion, for functions PyTorch
    implements for floating dtypes only."""
    a, b = _tensor_pair(input, other, op)
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {a.dtype.name} tensors (floating "
                                  "point only)")
    return function.apply(a, b)


def atan2(input, other):
    """The angle in (-pi, pi] of the point (other, input) (note the order: y first, as in C's
    ``atan2``), broadcasting; integers give the default float dtype.

    out_i = atan2(input_i, other_i), the arctangent of input / other placed in the right quadrant;
    d/dinput = other / (input^2 + other^2), d/dother = -input / (input^2 + other^2).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> y, x = yingshe.tensor([1.0, 1.0, -1.0]), yingshe.tensor([1.0, -1.0, -1.0])
        >>> yingshe.atan2(y, x)
        tensor([ 0.7854,  2.3562, -2.3562])
    """
    _tensor_pair(input, other, "atan2")
    return Atan2.apply(*_float_operands(input, other, "atan2"))


def hypot(input, other):
    """The hypotenuse of the right triangle with legs ``input`` and ``other``, computed without
    intermediate overflow; broadcasting, floating tensors only.

    out_i = sqrt(input_i^2 + other_i^2);  d/dinput = input / out, d/dother = other / out.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.hypot(yingshe.tensor([3.0, 5.0, 3e30]), yingshe.tensor([4.0, 12.0, 4e30]))
        tensor([5.0000e+00, 1.3000e+01, 5.0000e+30])
    """
    return _apply_floating_only(Hypot, input, other, "hypot")


def logaddexp(input, other):
    """The logarithm of the sum of exponentials of ``input`` and ``other``, computed without
    overflow (log-domain addition of probabilities; Murphy, Machine Learning: A Probabilistic
    Perspective, 2012, §3.5.3); broadcasting, floating tensors only.

    out_i = ln(e^a + e^b) = max(a, b) + ln(1 + e^(-|a - b|));
    d/da = 1 / (1 + e^(b - a)), d/db = 1 / (1 + e^(a - b)).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.logaddexp(yingshe.tensor([0.0, 1000.0]), yingshe.tensor([0.0, 1000.0]))
        tensor([6.9315e-01, 1.0007e+03])
    """
    return _apply_floating_only(LogAddExp, input, other, "logaddexp")


def logaddexp2(input, other):
    """The base-2 logarithm of the sum of powers of 2 of ``input`` and ``other``, computed without
    overflow; broadcasting, floating tensors only.

    out_i = log_2(2^a + 2^b);  d/da = 1 / (1 + 2^(b - a)), d/db = 1 / (1 + 2^(a - b)).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.logaddexp2(yingshe.tensor([1.0, 3.0]), yingshe.tensor([1.0, 2.0]))
        tensor([2.0000, 3.5850])
    """
    return _apply_floating_only(LogAddExp2, input, other, "logaddexp2")


def copysign(input, other):
    """The magnitude of ``input`` with the sign of ``other`` (also the sign of -0.0), broadcasting;
    integers give the default float dtype.

    out_i = |input_i| sign(other_i);  d/dinput = out / input (0 at 0), d/dother = 0.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.copysign(yingshe.tensor([1.0, -2.0, 3.0]), yingshe.tensor([-1.0, 1.0, -0.0]))
        tensor([-1.,  2., -3.])
    """
    return Copysign.apply(*_float_operands(input, other, "copysign"))


def xlogy(input, other):
    """``input`` times the natural logarithm of ``other``, taken as 0 where input is 0 (unless other
    is NaN), the convention 0 ln 0 = 0 of entropy terms (Cover & Thomas, Elements of Information
    Theory, 2006, §2.1); broadcasting.

    out_i = x_i ln y_i (0 where x_i = 0);  d/dx = ln y, d/dy = x / y.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> p = yingshe.tensor([0.0, 0.5, 0.5])
        >>> -yingshe.xlogy(p, p).sum()  # the entropy of (0, 1/2, 1/2) in nats
        tensor(0.6931)
    """
    return Xlogy.apply(*_float_operands(input, other, "xlogy"))


def fmod(input, other):
    """The remainder of a division with the sign of the dividend, C's ``fmod``, broadcasting
    (ISO C99, 7.12.10.1); ``remainder`` takes the divisor's sign instead.

    out_i = input_i - trunc(input_i / other_i) other_i;  d/dinput = 1,
    d/dother = -trunc(input / other).  An integer division by zero is an error.
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.fmod(yingshe.tensor([7, -7]), 3)
        tensor([ 1, -1])
    """
    a, b = _binary_operands(input, other, "fmod")
    _check_not_bool(a, "fmod")
    _check_divisor(a._data, b._data if isinstance(b, Tensor) else b, "fmod")
    return Fmod.apply(a, b)


def fmax(input, other):
    """The larger of ``input`` and ``other`` elementwise, where a NaN loses to a number (NaN only
    where both are; ``maximum`` propagates NaN), broadcasting.

    out_i = max(input_i, other_i), ignoring NaN;  the gradient goes to the chosen side (to input
    on ties, as PyTorch).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> nan = float("nan")
        >>> yingshe.fmax(yingshe.tensor([1.0, nan, nan]), yingshe.tensor([2.0, 0.0, nan]))
        tensor([2., 0., nan])
    """
    return Fmax.apply(*_tensor_pair(input, other, "fmax"))


def fmin(input, other):
    """The smaller of ``input`` and ``other`` elementwise, where a NaN loses to a number (NaN only
    where both are; ``minimum`` propagates NaN), broadcasting.

    out_i = min(input_i, other_i), ignoring NaN;  the gradient goes to the chosen side (to input
    on ties, as PyTorch).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> nan = float("nan")
        >>> yingshe.fmin(yingshe.tensor([1.0, nan, nan]), yingshe.tensor([2.0, 0.0, nan]))
        tensor([1., 0., nan])
    """
    return Fmin.apply(*_tensor_pair(input, other, "fmin"))


def nextafter(input, other):
    """The next representable floating-point number after ``input`` in the direction of ``other``
    (IEEE 754 ``nextAfter``), broadcasting; floating tensors only.

    out_i = the float adjacent to input_i towards other_i (input_i itself where they are equal).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> one = yingshe.tensor([1.0])
        >>> yingshe.nextafter(one, yingshe.tensor([2.0])) - one  # float32's machine epsilon
        tensor([1.1921e-07])
    """
    return _apply_floating_only(Nextafter, input, other, "nextafter")


def igamma(input, other):
    """The regularised lower incomplete gamma function P(a, x), a = ``input`` > 0 and x = ``other``
    >= 0, broadcasting (Abramowitz & Stegun, Handbook of Mathematical Functions, 1964, 6.5.1).

    out_i = P(a, x) = (1 / Gamma(a)) int_0^x t^(a-1) e^(-t) dt;
    d/dx = x^(a-1) e^(-x) / Gamma(a) (there is no derivative in a, as in PyTorch).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> a, x = yingshe.tensor([1.0, 2.0]), yingshe.tensor([1.0, 1.0])
        >>> yingshe.igamma(a, x)  # 1 - 1/e, 1 - 2/e
        tensor([0.6321, 0.2642])
    """
    return _apply_floating_only(Igamma, input, other, "igamma")


def igammac(input, other):
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), a = ``input`` > 0 and
    x = ``other`` >= 0, broadcasting (Abramowitz & Stegun, 1964, 6.5.3).

    out_i = Q(a, x) = (1 / Gamma(a)) int_x^inf t^(a-1) e^(-t) dt;
    d/dx = -x^(a-1) e^(-x) / Gamma(a) (no derivative in a, as in PyTorch).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.igammac(yingshe.tensor([1.0, 2.0]), yingshe.tensor([1.0, 1.0]))  # 1/e, 2/e
        tensor([0.3679, 0.7358])
    """
    return _apply_floating_only(Igammac, input, other, "igammac")


def float_power(input, exponent):
    """``input`` raised to the power ``exponent`` in double precision: both sides become float64
    first, broadcasting; either may be a number.

    out_i = double(input_i) ^ double(exponent_i);  the gradients of ``pow``.
    Shape: input and exponent broadcastable to a common shape (*); output (*), that shape, float64.

    Examples:
        >>> import yingshe
        >>> yingshe.float_power(yingshe.tensor([2, 3]), 2)
        tensor([4., 9.], dtype=yingshe.float64)
    """
    def double(x):
        return to_copy(x, dtype=_dtype.float64) if isinstance(x, Tensor) else float(x)
    return pow(double(input), double(exponent))


def ldexp(input, other):
    """``input`` multiplied by 2 to the power ``other``, broadcasting (C's ``ldexp``, the inverse of
    ``frexp``); integers give the default float dtype.

    out_i = input_i 2^(other_i).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.ldexp(yingshe.tensor([1.0, 3.0]), yingshe.tensor([3, -1]))
        tensor([8.0000, 1.5000])
    """
    a, b = _float_operands(*_tensor_pair(input, other, "ldexp"), "ldexp")
    return mul(a, exp2(b))


def heaviside(input, values):
    """The Heaviside step function of ``input``, taking ``values`` where input is 0; broadcasting,
    tensors of one dtype.  The result is outside the graph (PyTorch has no derivative for it).

    out_i = 0 if input_i < 0, values_i if input_i = 0, 1 if input_i > 0.
    Shape: input and values broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.heaviside(yingshe.tensor([-1.5, 0.0, 2.0]), yingshe.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' must be Tensor, not "
                        f"{type(values).__name__}")
    if input.dtype != values.dtype:
        raise RuntimeError(f"heaviside: heaviside is not yet implemented for tensors with "
                           f"different dtypes ({input.dtype.name} and {values.dtype.name})")
    x, v = input._data, values._data
    broadcast_shapes(x.shape, v.shape, op="heaviside")
    xp = get_array_module(x)
    return Tensor._make(xp.where(x == 0, v, (x > 0).astype(x.dtype)))


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input`` plus ``value`` times the elementwise product of ``tensor1`` and ``tensor2``,
    broadcasting (a step of optimisers such as Adam's moment updates).

    out_i = input_i + value tensor1_i tensor2_i.
    Shape: input, tensor1 and tensor2 broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> t1, t2 = yingshe.tensor([2.0, 3.0]), yingshe.tensor([4.0, 5.0])
        >>> yingshe.addcmul(yingshe.ones(2), t1, t2, value=0.5)
        tensor([5.0000, 8.5000])
    """
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input`` plus ``value`` times the elementwise quotient of ``tensor1`` and ``tensor2``,
    broadcasting; a true division, so an integer ``tensor1`` / ``tensor2`` pair is refused, as in
    PyTorch (Adam's update is ``addcdiv`` of the moments; Kingma & Ba, 2015).

    out_i = input_i + value tensor1_i / tensor2_i.
    Shape: input, tensor1 and tensor2 broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> t1, t2 = yingshe.tensor([2.0, 3.0]), yingshe.tensor([4.0, 5.0])
        >>> yingshe.addcdiv(yingshe.ones(2), t1, t2, value=2)
        tensor([2.0000, 2.2000])
    """
    if _dtype_kind(tensor1) != "f" and _dtype_kind(tensor2) != "f":
        raise RuntimeError("addcdiv: Integer division with addcdiv is no longer supported; "
                           "use addcmul(input, tensor1, 1 / tensor2) or pass floating tensors")
    return add(input, div(tensor1, tensor2), alpha=value)


def _shift(input, other, op, left):
    """a << b or a >> b for integer tensors; shifts by a negative amount or by the width of the
    dtype or more give 0 (left) or the sign (right), as in PyTorch."""
    a, b = _promoted_arrays(input, other, op)
    if a.dtype.kind not in "iu":
        raise NotImplementedError(f"{op}: not implemented for {_dtype.from_np(a.dtype).name} "
                                  "tensors (integer only)")
    xp = get_array_module(a)
    bits = a.dtype.itemsize * 8
    outside = (b < 0) | (b >= bits)
    amount = xp.where(outside, 0, b).astype(a.dtype)
    if left:
        return Tensor._make(xp.where(outside, a.dtype.type(0), xp.left_shift(a, amount)))
    return Tensor._make(xp.where(outside, xp.right_shift(a, bits - 1), xp.right_shift(a, amount)))


def bitwise_left_shift(input, other):
    """The bits of integer ``input`` shifted left by ``other``, broadcasting; the ``<<`` operator.
    Shifts by a negative amount or by the dtype's width or more give 0, as in PyTorch.

    out_i = input_i << other_i = input_i 2^(other_i) (wrapping around on overflow).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.bitwise_left_shift(yingshe.tensor([1, 3, -4]), 2)
        tensor([  4,  12, -16])
    """
    return _shift(input, other, "bitwise_left_shift", left=True)


def bitwise_right_shift(input, other):
    """The bits of integer ``input`` shifted right by ``other`` (an arithmetic shift, keeping
    the sign), broadcasting; the ``>>`` operator.  Shifts by a negative amount or by the
    dtype's width or more give 0 or -1, the sign, as in PyTorch.

    out_i = input_i >> other_i = floor(input_i / 2^(other_i)).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> yingshe.tensor([16, 7, -7]) >> 1
        tensor([ 8,  3, -4])
    """
    return _shift(input, other, "bitwise_right_shift", left=False)


def _rlshift(self, other):
    return bitwise_left_shift(other, self)


def _rrshift(self, other):
    return bitwise_right_shift(other, self)


class Frexp(Op):
    """(m, e) with x = m 2^e and 0.5 <= |m| < 1 (m = e = 0 at x = 0);  dx = dm / 2^e (the
    exponent has no gradient)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        mantissa, exponent = xp.frexp(x)
        ctx.scale = xp.ldexp(xp.ones_like(x), -exponent)
        return mantissa, exponent.astype(np.int32)

    @staticmethod
    def backward(ctx, grad_mantissa, grad_exponent):
        return grad_mantissa * Tensor._make(ctx.scale)


_FrexpResult = collections.namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input):
    """Each element split into a mantissa and a power of two, the named tuple ``(mantissa,
    exponent)`` (C's ``frexp``; ``ldexp`` inverts it); floating tensors only.

    input_i = mantissa_i 2^(exponent_i) with 0.5 <= |mantissa_i| < 1 (both 0 at 0);
    d/dinput mantissa = 2^(-exponent), the exponent (int32) has no gradient.
    Shape: input (*); mantissa (*) and exponent (*), the same shape.

    Examples:
        >>> import yingshe
        >>> mantissa, exponent = yingshe.frexp(yingshe.tensor([8.0, 0.75, -3.0]))
        >>> mantissa, exponent
        (tensor([ 0.5000,  0.7500, -0.7500]), tensor([4, 0, 2], dtype=yingshe.int32))
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"frexp: only supports floating-point dtypes, got {input.dtype.name}")
    return _FrexpResult(*Frexp.apply(input))


# ---- closeness ----------------------------------------------------------------------------------
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True where ``input`` is close to ``other`` (a bool tensor), broadcasting; tensors of one
    dtype.  Equal values, infinities included, are close; NaN only with ``equal_nan``.

    out_i = |input_i - other_i| <= atol + rtol |other_i| (not symmetric: ``other`` is the
    reference, as in NumPy's ``isclose``).
    Shape: input and other broadcastable to a common shape (*); output (*), that shape.

    Examples:
        >>> import yingshe
        >>> a = yingshe.tensor([1.0, 1.0, float("nan")])
        >>> b = yingshe.tensor([1.000001, 1.1, float("nan")])
        >>> yingshe.isclose(a, b), yingshe.isclose(a, b, equal_nan=True)
        (tensor([ True, False, False]), tensor([ True, False,  True]))
    """
    _tensor_pair(input, other, "isclose")
    if input.dtype != other.dtype:
        raise RuntimeError(f"isclose: {input.dtype.name} did not match {other.dtype.name}")
    for name, tolerance in (("rtol", rtol), ("atol", atol)):
        if tolerance < 0:
            raise RuntimeError(f"isclose: {name} must be greater than or equal to zero, but got "
                               f"{tolerance}")
    a, b = input._data, other._data
    if a.shape != b.shape:
        broadcast_shapes(a.shape, b.shape, op="isclose")
    xp = get_array_module(a)
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close = close | (xp.isnan(a) & xp.isnan(b))
    if rtol == 0 and atol == 0:
        return Tensor._make(close)
    if a.dtype.kind != "f":
        float_dtype = _dtype.get_default_dtype().np
        a, b = a.astype(float_dtype), b.astype(float_dtype)
    with np.errstate(all="ignore"):
        allowed = atol + xp.abs(rtol * b)
        error = xp.abs(a - b)
        return Tensor._make(close | (xp.isfinite(error) & (error <= allowed)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element of ``input`` is close to ``other`` (``isclose``), a Python bool.

    |input_i - other_i| <= atol + rtol |other_i| for all i.
    Shape: input and other broadcastable to a common shape (*); the result is a Python bool.

    Examples:
        >>> import yingshe
        >>> yingshe.allclose(yingshe.tensor([1.0, 2.0]), yingshe.tensor([1.0, 2.000001]))
        True
        >>> yingshe.allclose(yingshe.tensor([1.0, 2.0]), yingshe.tensor([1.0, 2.1]))
        False
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """True when both tensors have the same shape and the same values, a Python bool (values are
    compared after type promotion).

    Shape: input (*) and other (*); False when the shapes differ.

    Examples:
        >>> import yingshe
        >>> yingshe.equal(yingshe.tensor([1, 2]), yingshe.tensor([1.0, 2.0]))
        True
        >>> yingshe.equal(yingshe.tensor([1, 2]), yingshe.tensor([[1, 2]]))
        False
    """
    if input.shape != other.shape:
        return False
    a, b = _promoted_arrays(*_tensor_pair(input, other, "equal"), "equal")
    return bool(get_array_module(a).array_equal(a, b))


# ---- in-place variants: x.f_(...) ---------------------------------------------------------------
def _inplace_variant(name, function):
    """The in-place method ``name`` (e.g. ``asin_``) of ``function``: the result is written into
    the tensor, which keeps its shape and dtype.  As in PyTorch the result must not need a larger
    shape (broadcasting goes one way) nor a higher dtype category (no floats into an integer
    tensor, no integers into a bool one)."""
    def method(self, *args, **kwargs):
        from .inplace import _inplace  # inplace imports this module

        def result(tensor):
            out = function(tensor, *args, **kwargs)
            if out.shape != self.shape:
                raise RuntimeError(f"{name}: output with shape {list(self.shape)} doesn't match "
                                   f"the broadcast shape {list(out.shape)}")
            if not _dtype.can_cast(out.dtype, self.dtype):
                raise RuntimeError(f"{name}: result type {out.dtype.name} can't be cast to the "
                                   f"desired output type {self.dtype.name}")
            return out

        def write(array):
            array[...] = result(Tensor._make(array))._data
        return _inplace(self, name, write, result, args + tuple(kwargs.values()))
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``: the result is written into this tensor."
    return method


def _erf(input):
    from .activation import erf  # activation imports this module
    return erf(input)


def _format(self, format_spec):
    """format(t, spec): a 0-d tensor formats its number (f"{loss:.4f}"); other tensors accept only
    the empty spec, as in PyTorch."""
    if self._data.ndim == 0:
        return self._data.item().__format__(format_spec)
    return object.__format__(self, format_spec)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
arctan2, absolute, fix = atan2, abs, trunc

__all__ += ["tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "asinh",
            "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "exp2", "log2", "log10", "sinc",
            "erfc", "erfinv", "i0", "lgamma", "digamma", "polygamma", "mvlgamma", "logit",
            "nan_to_num", "frac", "fix", "deg2rad", "rad2deg", "sgn", "signbit", "positive",
            "absolute", "angle", "real", "imag", "conj_physical", "isposinf", "isneginf",
            "isreal", "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "copysign",
            "xlogy", "fmod", "fmax", "fmin", "nextafter", "igamma", "igammac", "float_power",
            "ldexp", "heaviside", "addcmul", "addcdiv", "bitwise_left_shift",
            "bitwise_right_shift", "frexp", "isclose", "allclose", "equal"]

TENSOR_METHODS.update({name: globals()[name] for name in __all__[__all__.index("tan"):]})
TENSOR_METHODS.update({
    "polygamma": _polygamma_method, "__lshift__": bitwise_left_shift, "__rlshift__": _rlshift,
    "__rshift__": bitwise_right_shift, "__rrshift__": _rrshift, "__pos__": positive,
    "__format__": _format, "real": property(real), "imag": property(imag),
})

# In-place methods: every function above (and erf) that PyTorch also has as x.f_(...).
_INPLACE = {name: globals()[name] for name in (
    "neg", "negative", "pow", "square", "reciprocal", "rsqrt", "exp", "log", "log1p", "expm1",
    "sqrt", "abs", "absolute", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sign", "sgn",
    "floor", "ceil", "trunc", "fix", "round", "frac", "clamp_min", "clamp_max", "lerp", "eq",
    "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "floor_divide",
    "remainder", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "asinh",
    "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "exp2", "log2", "log10", "sinc", "erfc",
    "erfinv", "i0", "lgamma", "digamma", "mvlgamma", "logit", "nan_to_num", "deg2rad",
    "rad2deg", "atan2", "arctan2", "hypot", "copysign", "xlogy", "fmod", "nextafter", "igamma",
    "igammac", "float_power", "ldexp", "heaviside", "addcmul", "addcdiv", "conj_physical")}
_INPLACE.update(erf=_erf, polygamma=_polygamma_method)
TENSOR_METHODS.update({f"{name}_": _inplace_variant(f"{name}_", function)
                       for name, function in _INPLACE.items()})
TENSOR_METHODS.update({
    "__ipow__": TENSOR_METHODS["pow_"], "__iand__": TENSOR_METHODS["bitwise_and_"],
    "__ior__": TENSOR_METHODS["bitwise_or_"], "__ixor__": TENSOR_METHODS["bitwise_xor_"],
    "__ilshift__": TENSOR_METHODS["bitwise_left_shift_"],
    "__irshift__": TENSOR_METHODS["bitwise_right_shift_"],
    "__ifloordiv__": TENSOR_METHODS["floor_divide_"], "__imod__": TENSOR_METHODS["remainder_"],
})
