"""Elementwise ops with broadcasting.  Each backward is the local derivative times the incoming
gradient, summed back over broadcast dimensions (``unbroadcast``)."""
import numpy as np

from .. import _backend, _dtype
from .._tensor import Tensor
from .._backend import get_array_module
from ..autograd.function import Op
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


# ---- powers -------------------------------------------------------------------------------------
class Pow(Op):
    """y = a^b;  da = dy b a^(b-1),  db = dy a^b ln a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a ** b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            if isinstance(b, (int, float)):
                grad_a = grad * b * a ** (b - 1) if b != 0 else grad * 0.0
            else:
                grad_a = unbroadcast(grad * b * a ** (b - 1.0), _shape(a))
        if ctx.needs_input_grad[1]:
            a_tensor = a if isinstance(a, Tensor) else a
            log_a = log(a_tensor) if isinstance(a_tensor, Tensor) else float(np.log(a))
            power = a ** b
            grad_b = unbroadcast(grad * power * log_a, _shape(b))
            if isinstance(a, Tensor):  # d/db 0^b = 0 for b > 0 (PyTorch's convention)
                grad_b = where(a == 0, 0.0, grad_b) if grad_b.shape == _shape(a) else grad_b
        return grad_a, grad_b


def pow(input, exponent):
    """input ** exponent (tensor or scalar on either side), broadcasting."""
    a, b = _binary_operands(input, exponent, "pow")
    if isinstance(a, Tensor) and a._data.dtype.kind in "iu" and isinstance(b, float):
        a = _cast(a, _dtype.get_default_dtype().np)
    return Pow.apply(a, b)


def _rpow(self, other):
    return pow(other, self)


def square(input):
    """x^2."""
    return mul(input, input)


def reciprocal(input):
    """1 / x."""
    return div(1.0, _as_float(input))


# ---- unary functions ------------------------------------------------------------------------
def _as_float(t):
    """Integer and bool tensors become the default float dtype for float functions, as PyTorch."""
    if t._data.dtype.kind != "f":
        return to_copy(t, dtype=_dtype.get_default_dtype())
    return t


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
    """y = |x|;  dx = dy sign(x) (0 at 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign(x)


class Sin(Op):
    """d/dx sin x = cos x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(Op):
    """d/dx cos x = -sin x."""

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
        # stable for large |x|: e^-|x| never overflows
        z = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1.0 - y)


class Relu(Op):
    """y = max(x, 0);  dx = dy where x > 0 (0 at 0)."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y > 0).to(grad.dtype)


def _unary(op_class):
    def function(input):
        return op_class.apply(_as_float(input))
    function.__doc__ = op_class.__doc__
    return function


exp, log, log1p, expm1, sqrt = (_unary(c) for c in (Exp, Log, Log1p, Expm1, Sqrt))
sin, cos, tanh, sigmoid = (_unary(c) for c in (Sin, Cos, Tanh, Sigmoid))
for _name, _f in (("exp", exp), ("log", log), ("log1p", log1p), ("expm1", expm1), ("sqrt", sqrt),
                  ("sin", sin), ("cos", cos), ("tanh", tanh), ("sigmoid", sigmoid)):
    _f.__name__ = _name


def rsqrt(input):
    """1 / sqrt(x)."""
    return div(1.0, sqrt(input))


def abs(input):
    """|x| (integers stay integers)."""
    return Abs.apply(input)


def relu(input):
    """max(x, 0)."""
    return Relu.apply(input)


def sign(input):
    """-1, 0 or 1 (zero gradient)."""
    if input._data.dtype.kind != "f":
        return Tensor._make(get_array_module(input._data).sign(input._data))
    return RoundingOp.apply(input, get_array_module(input._data).sign)


def _rounding(name):
    def function(input):
        xp = get_array_module(input._data)
        if input._data.dtype.kind != "f":
            return input.clone()
        return RoundingOp.apply(input, getattr(xp, "rint" if name == "round" else name))
    function.__name__ = name
    function.__doc__ = f"{name} of each element (zero gradient, as PyTorch)."
    return function


class RoundingOp(Op):
    """Piecewise-constant functions: the gradient is zero almost everywhere."""

    @staticmethod
    def forward(ctx, x, ufunc):
        return ufunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0, None


floor, ceil, round, trunc = (_rounding(n) for n in ("floor", "ceil", "round", "trunc"))


# ---- clamp, maximum, minimum, where, lerp ------------------------------------------------------
class Where(Op):
    """y = a where cond else b;  da = dy where cond, db = dy elsewhere."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        ctx.shapes = (_shape(a), _shape(b))
        return get_array_module(condition).where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        a_shape, b_shape = ctx.shapes
        zero = grad * 0.0
        grad_a = unbroadcast(Where.apply(ctx.condition, grad, zero), a_shape) \
            if ctx.needs_input_grad[1] else None
        grad_b = unbroadcast(Where.apply(ctx.condition, zero, grad), b_shape) \
            if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b


def where(condition, input, other):
    """Elementwise choice: ``input`` where ``condition`` holds, else ``other`` (broadcasting)."""
    cond = condition._data if isinstance(condition, Tensor) else condition
    if getattr(cond, "dtype", None) is None or cond.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got "
                        f"{getattr(condition, 'dtype', type(condition).__name__)}")
    a, b = _binary_operands(input, other, "where")
    if not isinstance(a, Tensor):
        xp = get_array_module(cond)
        a = Tensor._make(xp.asarray(a, dtype=b._data.dtype))
    from .broadcast import broadcast_shapes
    broadcast_shapes(cond.shape, _shape(a), _shape(b))
    return Where.apply(cond, a, b)


def maximum(input, other):
    """Elementwise max; on ties the gradient is split half and half (as PyTorch)."""
    return _extreme(input, other, True)


def minimum(input, other):
    """Elementwise min; on ties the gradient is split half and half."""
    return _extreme(input, other, False)


def _extreme(input, other, largest):
    a, b = _binary_operands(input, other, "maximum" if largest else "minimum")
    a_wins = (a > b) if largest else (a < b)
    ties = a == b
    weight_a = a_wins.to(a.dtype) + ties.to(a.dtype) * 0.5
    return a * weight_a + b * (1.0 - weight_a)


def clamp(input, min=None, max=None):
    """Limit to [min, max] (scalars or tensors); the gradient passes where min <= x <= max."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    out = input
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None:
            out = where(out >= min, out, min if isinstance(min, Tensor) else float(min))
        if max is not None:
            out = where(out <= max, out, max if isinstance(max, Tensor) else float(max))
        return out
    return Clamp.apply(input, min, max)


class Clamp(Op):
    """y = min(max(x, lo), hi);  dx = dy where lo <= x <= hi."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return get_array_module(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = Tensor._make(get_array_module(x._data).ones(x.shape, bool))
        if lo is not None:
            inside = logical_and(inside, x >= lo)
        if hi is not None:
            inside = logical_and(inside, x <= hi)
        return grad * inside.to(grad.dtype), None, None


clip = clamp


def lerp(input, end, weight):
    """start + weight (end - start)."""
    return input + (end - input) * weight


# ---- comparisons and logic (no gradient) -------------------------------------------------------
def _compare(name, ufunc_name):
    def function(input, other):
        a, b = _binary_operands(input, other, name)
        xp = get_array_module(a._data if isinstance(a, Tensor) else b._data)
        a = a._data if isinstance(a, Tensor) else a
        b = b._data if isinstance(b, Tensor) else b
        return Tensor._make(getattr(xp, ufunc_name)(a, b))
    function.__name__ = name
    function.__doc__ = f"Elementwise {ufunc_name} as a bool tensor (no gradient)."
    return function


eq, ne = _compare("eq", "equal"), _compare("ne", "not_equal")
lt, le = _compare("lt", "less"), _compare("le", "less_equal")
gt, ge = _compare("gt", "greater"), _compare("ge", "greater_equal")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bool_ufunc(name, ufunc_name, arity):
    def function(*args):
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        xp = get_array_module(arrays[0])
        return Tensor._make(getattr(xp, ufunc_name)(*arrays))
    function.__name__ = name
    function.__doc__ = f"Elementwise {ufunc_name} (no gradient)."
    return function


isnan, isinf, isfinite = (_bool_ufunc(n, n, 1) for n in ("isnan", "isinf", "isfinite"))
logical_not = _bool_ufunc("logical_not", "logical_not", 1)
logical_and, logical_or, logical_xor = (_bool_ufunc(n, n, 2)
                                        for n in ("logical_and", "logical_or", "logical_xor"))


def _bitwise(name, ufunc_name):
    def function(input, other):
        a, b = _binary_operands(input, other, name)
        if _dtype_kind(a) == "f" or _dtype_kind(b) == "f":
            raise TypeError(f"{name}: only integer and bool tensors, got a floating tensor")
        return _compare(name, ufunc_name)(a, b)
    function.__name__ = name
    return function


bitwise_and, bitwise_or, bitwise_xor = (_bitwise(n, n) for n in
                                        ("bitwise_and", "bitwise_or", "bitwise_xor"))


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise TypeError("bitwise_not: only integer and bool tensors, got a floating tensor")
    return Tensor._make(get_array_module(input._data).invert(input._data))


def floor_divide(input, other):
    """floor(a / b) (no gradient)."""
    a, b = _binary_operands(input, other, "floor_divide")
    arrays = [x._data if isinstance(x, Tensor) else x for x in (a, b)]
    return Tensor._make(get_array_module(arrays[0]).floor_divide(*arrays))


def remainder(input, other):
    """a - floor(a / b) b, Python's sign convention (gradient 1 to a)."""
    return input - floor_divide(input, other) * other


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


__all__ += ["pow", "square", "reciprocal", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "abs",
            "sign", "sin", "cos", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "trunc",
            "clamp", "clip", "maximum", "minimum", "where", "lerp", "eq", "ne", "lt", "le", "gt",
            "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "isnan", "isinf",
            "isfinite", "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_and",
            "bitwise_or", "bitwise_xor", "bitwise_not", "floor_divide", "remainder"]

TENSOR_METHODS.update({name: globals()[name] for name in __all__[__all__.index("pow"):]})
TENSOR_METHODS.update({
    "__pow__": pow, "__rpow__": _rpow, "__abs__": abs, "__eq__": eq, "__ne__": ne, "__lt__": lt,
    "__le__": le, "__gt__": gt, "__ge__": ge, "__and__": bitwise_and, "__or__": bitwise_or,
    "__xor__": bitwise_xor, "__invert__": bitwise_not, "__floordiv__": floor_divide,
    "__rfloordiv__": _rfloordiv, "__mod__": remainder, "__rmod__": _rmod,
})
