"""Elementwise ops with broadcasting.  Each backward is the local derivative times the incoming
gradient, summed back over broadcast dimensions (``unbroadcast``)."""
import numpy as np

from .. import _backend, _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from .broadcast import unbroadcast

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "clone"]


def _binary_operands(input, other, op):
    """Both operands with PyTorch's type promotion applied; Python scalars stay scalars."""
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            a, b = input._data, other._data
            if a.dtype == b.dtype and a.__class__ is b.__class__:
                return input, other
            if a.__class__ is not b.__class__:
                raise RuntimeError(f"{op}: expected both tensors on the same device, got "
                                   f"{input.device} and {other.device}")
            dtype = _dtype.result_type(a, b)
            return _cast(input, dtype), _cast(other, dtype)
        if isinstance(other, np.generic):
            other = other.item()  # NumPy scalars act as Python scalars, as in PyTorch
        if isinstance(other, (int, float, bool)):
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
    """y = a / b;  da = dy / b, db = -dy * a / b^2."""

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
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(-grad * a / (b * b), _shape(b))
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
    """input + alpha * other, broadcasting."""
    _no_out(out, "add")
    if alpha != 1:
        other = other * alpha
    a, b = _binary_operands(input, other, "add")
    return Add.apply(a, b)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, broadcasting."""
    _no_out(out, "sub")
    if alpha != 1:
        other = other * alpha
    a, b = _binary_operands(input, other, "sub")
    return Sub.apply(a, b)


def mul(input, other, *, out=None):
    """input * other, broadcasting."""
    _no_out(out, "mul")
    a, b = _binary_operands(input, other, "mul")
    return Mul.apply(a, b)


def div(input, other, *, rounding_mode=None, out=None):
    """input / other (true division: integers give floats), broadcasting."""
    _no_out(out, "div")
    a, b = _binary_operands(input, other, "div")
    if rounding_mode is not None:
        raise NotImplementedError("div: rounding_mode is not supported; use floor_divide")
    if _dtype_kind(a) != "f" and _dtype_kind(b) != "f":
        a = _cast(a, _dtype.get_default_dtype().np) if isinstance(a, Tensor) else float(a)
        b = _cast(b, _dtype.get_default_dtype().np) if isinstance(b, Tensor) else float(b)
    return Div.apply(a, b)


def _dtype_kind(x):
    if isinstance(x, Tensor):
        return x._data.dtype.kind
    return "f" if isinstance(x, float) else "i"


def _no_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; assign the result instead")


def neg(input):
    """-input."""
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
    """A copy of ``input`` that stays in the graph."""
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
