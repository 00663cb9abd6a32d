"""Elementwise ops with broadcasting.  Each backward is the local derivative times the incoming
gradient, summed back over broadcast dimensions (``unbroadcast``)."""
import numpy as np

from .. import _backend, _dtype
from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
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
            other = other.item()  # NumPy scalars act as Python scalars, as in PyTorch
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
    """input + alpha * other, broadcasting."""
    _no_out(out, "add")
    if alpha != 1:
        other = other * alpha
    a, b = _binary_operands(input, other, "add")
    return Add.apply(a, b)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, broadcasting."""
    _no_out(out, "sub")
    if _dtype_kind(input) == "b" or _dtype_kind(other) == "b":
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not "
                           "supported; use the `^` or logical_xor() operator instead")
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
    """The NumPy kind letter of a tensor's dtype, or of the dtype a Python number becomes."""
    if isinstance(x, Tensor):
        return x._data.dtype.kind
    return "f" if isinstance(x, float) else "b" if isinstance(x, bool) else "i"


def _no_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; assign the result instead")


def neg(input):
    """-input."""
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


def _zeros_like(t):
    """A constant zero gradient shaped like ``t``."""
    return Tensor._make(get_array_module(t._data).zeros_like(t._data))


def _as_float(t):
    """Integer and bool tensors become the default float dtype for float functions, as PyTorch."""
    if t._data.dtype.kind != "f":
        return to_copy(t, dtype=_dtype.get_default_dtype())
    return t


def _result_type(*operands):
    """PyTorch's result dtype over several raw arrays and/or Python scalars: the highest category
    (bool < integer < floating) present decides; within it, arrays with dimensions outrank 0-d
    arrays, which outrank Python scalars (these give their category's default dtype)."""
    top = max(_dtype._category_of(x) for x in operands)
    for rank in (2, 1):
        chosen = [x.dtype for x in operands if hasattr(x, "dtype")
                  and (2 if x.ndim else 1) == rank and _dtype._category_of(x) == top]
        if chosen:
            return np.result_type(*chosen)
    return _dtype._default_for_category(top)


# ---- powers -------------------------------------------------------------------------------------
class Pow(Op):
    """y = a^b for tensors a, b;  da = dy b a^(b-1) (0 where b = 0),
    db = dy y ln a (0 where a = 0 and b >= 0), as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
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
    """input ** exponent, broadcasting; either side may be a number.
    d/da a^b = b a^(b-1),  d/db a^b = a^b ln a."""
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
    """x^2 (pow(x, 2): bool becomes int64);  d/dx x^2 = 2 x."""
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
    """1 / x (integers give floats);  d/dx 1/x = -1/x^2."""
    return Reciprocal.apply(_as_float(input))


def rsqrt(input):
    """1 / sqrt x;  d/dx x^(-1/2) = -x^(-3/2) / 2."""
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
    """e^x;  d/dx e^x = e^x."""
    return Exp.apply(_as_float(input))


def log(input):
    """ln x;  d/dx ln x = 1 / x."""
    return Log.apply(_as_float(input))


def log1p(input):
    """ln(1 + x), accurate for small x;  d/dx = 1 / (1 + x)."""
    return Log1p.apply(_as_float(input))


def expm1(input):
    """e^x - 1, accurate for small x;  d/dx = e^x."""
    return Expm1.apply(_as_float(input))


def sqrt(input):
    """sqrt x;  d/dx sqrt x = 1 / (2 sqrt x)."""
    return Sqrt.apply(_as_float(input))


def sin(input):
    """sin x;  d/dx sin x = cos x."""
    return Sin.apply(_as_float(input))


def cos(input):
    """cos x;  d/dx cos x = -sin x."""
    return Cos.apply(_as_float(input))


def tanh(input):
    """tanh x;  d/dx tanh x = 1 - tanh^2 x."""
    return Tanh.apply(_as_float(input))


def sigmoid(input):
    """1 / (1 + e^-x);  d/dx sigmoid x = sigmoid x (1 - sigmoid x)."""
    return Sigmoid.apply(_as_float(input))


def abs(input):
    """|x| (integers stay integers);  d/dx |x| = sign x, 0 at 0."""
    return Abs.apply(input)


def relu(input):
    """max(x, 0) (integers stay integers);  d/dx = 1 for x > 0, else 0."""
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


def _step(input, function):
    if input._data.dtype.kind != "f":  # integers are whole already: a copy, as PyTorch
        return Tensor._make(input._data.copy())
    return Step.apply(input, function)


def _sign_array(x):
    """(x > 0) - (x < 0) in x's dtype: PyTorch's sign, 0 for NaN (NumPy's sign gives NaN)."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def sign(input):
    """-1, 0 or 1 by the sign of x, 0 for NaN as PyTorch (bool stays bool); zero gradient."""
    if input._data.dtype.kind == "b":
        return Tensor._make(input._data.copy())
    return Step.apply(input, _sign_array)


def floor(input):
    """The largest integer <= x; zero gradient."""
    return _step(input, get_array_module(input._data).floor)


def ceil(input):
    """The smallest integer >= x; zero gradient."""
    return _step(input, get_array_module(input._data).ceil)


def trunc(input):
    """x rounded toward zero; zero gradient."""
    return _step(input, get_array_module(input._data).trunc)


def round(input, *, decimals=0):
    """x rounded to ``decimals`` decimal places, halves to even; zero gradient."""
    xp = get_array_module(input._data)
    if decimals == 0:
        return _step(input, xp.rint)
    return _step(input, lambda x: xp.round(x, decimals))


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
    """``input`` where ``condition`` holds, else ``other`` (tensors or numbers, broadcasting);
    the gradient goes to the side that was chosen."""
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
    """max(a, b) elementwise, broadcasting; on ties each gets half the gradient (as PyTorch)."""
    return Maximum.apply(*_tensor_pair(input, other, "maximum"))


def minimum(input, other):
    """min(a, b) elementwise, broadcasting; on ties each gets half the gradient (as PyTorch)."""
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
    """min(max(x, min), max) with numbers or tensors as bounds (broadcasting, type promotion);
    the gradient passes to x where min <= x <= max, to the bound that was taken elsewhere."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    lo, hi = _bound(min), _bound(max)
    bounds = [b._data if isinstance(b, Tensor) else b for b in (lo, hi) if b is not None]
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        broadcast_shapes(input.shape, *[_shape(b) for b in bounds], op="clamp")
        dtype = _result_type(input._data, *bounds)
        lo, hi = (_cast(b, dtype) if isinstance(b, Tensor) else b for b in (lo, hi))
        input = _cast(input, dtype)
    elif input._data.dtype.kind != "f":  # e.g. an int64 tensor clamped to 0.5 becomes float32
        input = _cast(input, _result_type(input._data, *bounds))
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
    """max(x, min): clamp with a lower bound only."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(x, max): clamp with an upper bound only."""
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
    """start + weight (end - start) (weight a number or a tensor; broadcasting).
    d/dstart = 1 - weight,  d/dend = weight,  d/dweight = end - start."""
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


def _comparison(name, ufunc_name, symbol):
    def compare(input, other):
        a, b = _promoted_arrays(input, other, name)
        return Tensor._make(getattr(get_array_module(a), ufunc_name)(a, b))
    compare.__name__ = name
    compare.__doc__ = f"a {symbol} b elementwise, compared in the promoted dtype: a bool tensor."
    return compare


eq, ne = _comparison("eq", "equal", "=="), _comparison("ne", "not_equal", "!=")
lt, le = _comparison("lt", "less", "<"), _comparison("le", "less_equal", "<=")
gt, ge = _comparison("gt", "greater", ">"), _comparison("ge", "greater_equal", ">=")
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
    """True where x is NaN."""
    return _bool_result("isnan", input)


def isinf(input):
    """True where x is +inf or -inf."""
    return _bool_result("isinf", input)


def isfinite(input):
    """True where x is neither NaN nor infinite."""
    return _bool_result("isfinite", input)


def logical_not(input):
    """not x (zero is False, anything else True), a bool tensor."""
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
    """a and b (zero is False, anything else True), a bool tensor; broadcasting."""
    return _logical("logical_and", input, other)


def logical_or(input, other):
    """a or b (zero is False, anything else True), a bool tensor; broadcasting."""
    return _logical("logical_or", input, other)


def logical_xor(input, other):
    """a xor b (zero is False, anything else True), a bool tensor; broadcasting."""
    return _logical("logical_xor", input, other)


def _bitwise(ufunc_name, input, other):
    a, b = _promoted_arrays(input, other, ufunc_name)
    if a.dtype.kind == "f":
        raise NotImplementedError(f"{ufunc_name}: not implemented for floating point "
                                  f"({_dtype.from_np(a.dtype).name}); integer and bool tensors "
                                  "only")
    return Tensor._make(getattr(get_array_module(a), ufunc_name)(a, b))


def bitwise_and(input, other):
    """a & b bit by bit (logical and for bool tensors)."""
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input, other):
    """a | b bit by bit (logical or for bool tensors)."""
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input, other):
    """a ^ b bit by bit (logical xor for bool tensors)."""
    return _bitwise("bitwise_xor", input, other)


def bitwise_not(input):
    """~x bit by bit (logical not for bool tensors)."""
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
    """floor(a / b) (Python's //); no gradient."""
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
    """a mod b with the sign of b (Python's %);  d/da = 1, d/db = -floor(a / b)."""
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
