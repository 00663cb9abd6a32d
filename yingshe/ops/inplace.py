"""In-place ops (``add_``, ``mul_``, ``zero_``, ``copy_``, ``uniform_``, ...), all through one
mechanism, ``_inplace``:

1. No gradient involved (grad mode off, or neither the tensor nor an operand requires grad):
   the op writes straight into the tensor's memory (``out=``), the optimiser's fast path.
2. Otherwise the op is recorded out of place on a clone of the tensor (so no node keeps the
   memory about to be overwritten), the result is copied into the tensor's memory, and the
   tensor takes the result's place in the graph (``grad_fn``).

Either way the version counter goes up, so a node that saved the tensor for backward raises
instead of differentiating with overwritten values.  As in PyTorch, a leaf that requires grad
cannot be changed in place while grad mode is on, and the result keeps the tensor's dtype.
"""
import numpy as np

from .. import _backend, _dtype
from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from .broadcast import broadcast_shapes, unbroadcast
from .elementwise import Clamp, add, clone, div, mul, sub, to_copy

__all__ = ["masked_fill"]


# ---- the mechanism -------------------------------------------------------------------------
def _inplace(self, op, write, record, operands=(), clone_self=True):
    """Apply the in-place op ``op`` to ``self`` and return ``self``.

    ``write(array)`` changes ``self``'s array directly; it runs when no gradient is involved.
    ``record(tensor)`` returns the differentiable out-of-place result, built on a clone of
    ``self`` (or on ``self`` itself with ``clone_self=False``, for ops whose node keeps nothing of
    it); that result then replaces ``self``'s values and place in the graph.
    """
    if STATE.enabled and (self.requires_grad or any(
            isinstance(o, Tensor) and o.requires_grad for o in operands)):
        _check_differentiable_inplace(self, op)
        result = record(clone(self) if clone_self else self)
        if result._data.dtype != self._data.dtype:
            result = to_copy(result, dtype=self.dtype)
        if result._data is not self._data:
            self._data[...] = result._data
        self.grad_fn, self._output_nr = result.grad_fn, result._output_nr
        self.requires_grad = result.requires_grad
    else:
        write(self._data)
    self._bump_version()
    return self


def _check_differentiable_inplace(self, op):
    """PyTorch's rule: no in-place change of a leaf that requires grad (or of a view of one).
    yingshe does not track a view's base, so an in-place change of any view inside the graph
    would leave the base's history stale: it is refused rather than differentiated wrongly."""
    node = self.grad_fn
    if node is None:
        if self.requires_grad:
            raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        return
    if not node.is_view:
        return
    view_op = node.name()
    while node is not None and node.is_view and node.next_edges[0] is not None:
        base = node.next_edges[0][0]
        if isinstance(base, Tensor):
            raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used "
                               "in an in-place operation.")
        node = base
    raise RuntimeError(f"{op}: in-place change of a view (made by {view_op}) of a tensor that "
                       "requires grad is not supported (yingshe does not track a view's base, "
                       "whose gradient would be wrong); index the base itself (base[i] = ...) or "
                       "change a clone of the view")


# ---- checks shared by the ops ----------------------------------------------------------------
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _operand(self, other, op):
    """``other`` as a raw array or Python scalar to combine with ``self`` in place, after
    PyTorch's checks: a number or a tensor on self's device that broadcasts to self's shape."""
    if isinstance(other, Tensor):
        value = other._data
        if value.__class__ is not self._data.__class__:
            raise RuntimeError(f"{op}: expected the operand on {self.device}, got {other.device}")
        if value.shape != self._data.shape:
            _check_fits(self.shape, value.shape, op)
        return value
    if isinstance(other, np.generic):  # PyTorch reads a NumPy bool scalar as a float
        return float(other) if isinstance(other, np.bool_) else other.item()
    if isinstance(other, (int, float, bool)):
        return other
    raise TypeError(f"{op}: expected a tensor or a number, got {type(other).__name__}")


def _check_fits(shape, other_shape, op):
    """``other_shape`` must broadcast to ``shape`` itself: an in-place result cannot grow."""
    try:
        full = broadcast_shapes(tuple(shape), tuple(other_shape))
    except RuntimeError as error:
        raise RuntimeError(f"{op}: {error}") from None
    if full != tuple(shape):
        raise RuntimeError(f"{op}: output with shape {list(shape)} doesn't match the broadcast "
                           f"shape {list(full)}")


def _check_cast(self, value, op):
    """The result dtype of ``self op value`` must be castable to self's (no float into int,
    no int into bool), as in PyTorch."""
    if self._data.dtype.kind == "f":
        return
    result = _dtype.result_type(self._data, value)
    if _CATEGORY[result.kind] > _CATEGORY[self._data.dtype.kind]:
        raise RuntimeError(f"{op}: result type {_dtype.from_np(result).name} can't be cast to the "
                           f"desired output type {self.dtype.name}")


def _check_alpha(self, alpha, op):
    if isinstance(alpha, float) and self._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: for integral input tensors, argument alpha must not be a "
                           f"floating point number (got {alpha})")


def _scalar(x):
    return x.item() if isinstance(x, np.generic) else x


# ---- arithmetic ---------------------------------------------------------------------------
def add_(self, other, *, alpha=1):
    """self += alpha * other, in place (other broadcast to self's shape)."""
    value, alpha = _operand(self, other, "add_"), _scalar(alpha)
    _check_cast(self, value, "add_")
    _check_alpha(self, alpha, "add_")
    if alpha != 1:
        value = value * alpha
    return _inplace(self, "add_",
                    lambda a: get_array_module(a).add(a, value, out=a, casting="unsafe"),
                    lambda s: add(s, other, alpha=alpha), (other,))


def sub_(self, other, *, alpha=1):
    """self -= alpha * other, in place."""
    value, alpha = _operand(self, other, "sub_"), _scalar(alpha)
    _check_cast(self, value, "sub_")
    _check_alpha(self, alpha, "sub_")
    if self._data.dtype.kind == "b":
        raise RuntimeError("sub_: subtraction, the `-` operator, with two bool tensors is not "
                           "supported; use the `^` or logical_xor() operator instead")
    if alpha != 1:
        value = value * alpha
    return _inplace(self, "sub_",
                    lambda a: get_array_module(a).subtract(a, value, out=a, casting="unsafe"),
                    lambda s: sub(s, other, alpha=alpha), (other,))


def mul_(self, other):
    """self *= other, in place."""
    value = _operand(self, other, "mul_")
    _check_cast(self, value, "mul_")
    return _inplace(self, "mul_",
                    lambda a: get_array_module(a).multiply(a, value, out=a, casting="unsafe"),
                    lambda s: mul(s, other), (other,))


def div_(self, other):
    """self /= other, in place (true division: only floating tensors can hold the result)."""
    value = _operand(self, other, "div_")
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"div_: result type {_dtype.get_default_dtype().name} can't be cast to "
                           f"the desired output type {self.dtype.name}")
    return _inplace(self, "div_", lambda a: get_array_module(a).divide(a, value, out=a),
                    lambda s: div(s, other), (other,))


def _iadd(self, other):
    return add_(self, other)


def _isub(self, other):
    return sub_(self, other)


def _imul(self, other):
    return mul_(self, other)


def _itruediv(self, other):
    return div_(self, other)


# ---- clamp ---------------------------------------------------------------------------------
def clamp_(self, min=None, max=None):
    """self = min(max(self, min), max), in place; min and max are numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
    min, max = _scalar(min), _scalar(max)
    lo = None if min is None else _operand(self, min, "clamp_")
    hi = None if max is None else _operand(self, max, "clamp_")
    for bound in (lo, hi):
        if bound is not None:
            _check_cast(self, bound, "clamp_")

    def record(s):
        bounds = [to_copy(b, dtype=self.dtype) if isinstance(b, Tensor) else b for b in (min, max)]
        return Clamp.apply(s, *bounds)
    return _inplace(self, "clamp_", lambda a: get_array_module(a).clip(a, lo, hi, out=a), record,
                    (min, max))


# ---- filling -------------------------------------------------------------------------------
class Fill(Op):
    """y = value broadcast to x's shape (x only gives the shape and dtype).
    dx = 0; dvalue = dy summed over the broadcast dimensions."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_shape = getattr(value, "shape", ())
        out = get_array_module(x).empty_like(x)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = Fill.apply(grad, 0.0) if ctx.needs_input_grad[0] else None
        grad_value = unbroadcast(grad, ctx.value_shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_value


def _fill_value(self, value, op):
    """A number, or a 0-d tensor cast to self's dtype (still differentiable)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{op}: only supports a 0-dimensional value tensor, but got a "
                               f"tensor with {value.ndim} dimension(s)")
        if value._data.__class__ is not self._data.__class__:
            raise RuntimeError(f"{op}: expected the value on {self.device}, got {value.device}")
        return value
    value = _scalar(value)
    if not isinstance(value, (int, float, bool)):
        raise TypeError(f"{op}: expected a number or a 0-d tensor, got {type(value).__name__}")
    return value


def _fill(self, value, op):
    """Fill ``self`` with ``value`` (a number, a tensor broadcast to self or a raw array)."""
    raw = value._data if isinstance(value, Tensor) else value

    def write(array):
        array[...] = raw

    def record(s):
        v = to_copy(value, dtype=self.dtype, device=self.device) if isinstance(value, Tensor) \
            else value
        return Fill.apply(s, v)
    return _inplace(self, op, write, record, (value,), clone_self=False)


def fill_(self, value):
    """Every element set to ``value``: a number, or a 0-d tensor whose gradient is the sum of dy."""
    return _fill(self, _fill_value(self, value, "fill_"), "fill_")


def zero_(self):
    """Every element set to 0."""
    return _fill(self, 0, "zero_")


def copy_(self, src, non_blocking=False):
    """self's values replaced by src's, broadcast to self's shape and converted to its dtype and
    device; the gradient flows to src (summed over the broadcast dimensions)."""
    if isinstance(src, Tensor):
        if src.shape != self.shape:
            _check_fits(self.shape, src.shape, "copy_")
        if src.device != self.device:
            return _fill(self, to_copy(src, device=self.device), "copy_")
        return _fill(self, src, "copy_")
    return _fill(self, _fill_value(self, src, "copy_"), "copy_")


def _random_fill(self, draw, op, generator):
    """Fill with ``draw(generator, shape, dtype)``; the draws use the device's seeded generator."""
    if self._data.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {self.dtype.name} tensors (only "
                                  "floating-point ones)")
    gen = _backend.rng(generator, self.device)  # a yingshe.Generator or numpy.random.Generator
    if self.is_meta:  # nothing to draw
        return _fill(self, 0, op)
    work = self._data.dtype if self._data.dtype != np.float16 else np.dtype(np.float32)
    return _fill(self, draw(gen, self.shape, work), op)


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with draws from U(a, b): a + (b - a) * u, u ~ U(0, 1) (the draws of ``rand``)."""
    def draw(gen, shape, dtype):
        u = gen.random(shape, dtype=dtype)
        return u * (b - a) + a if (a, b) != (0, 1) else u
    return _random_fill(self, draw, "uniform_", generator)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with draws from N(mean, std^2): mean + std * z, z ~ N(0, 1) (the draws of ``randn``)."""
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")

    def draw(gen, shape, dtype):
        z = gen.standard_normal(shape, dtype=dtype)
        return z * std + mean if (mean, std) != (0, 1) else z
    return _random_fill(self, draw, "normal_", generator)


# ---- masked fill ---------------------------------------------------------------------------
class MaskedFill(Op):
    """y = where(mask, value, x) (x and mask broadcast).  dx = dy where not mask;
    dvalue = the sum of dy where mask."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        ctx.shapes = (x.shape, getattr(value, "shape", ()))
        xp = get_array_module(x)
        shape = x.shape if mask.shape == x.shape else broadcast_shapes(x.shape, mask.shape)
        out = xp.array(xp.broadcast_to(x, shape))
        xp.copyto(out, value, where=mask, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        x_shape, value_shape = ctx.shapes
        grad_x = grad_value = None
        if ctx.needs_input_grad[0]:
            grad_x = unbroadcast(MaskedFill.apply(grad, mask, 0.0), x_shape)
        if ctx.needs_input_grad[2]:
            grad_value = _grad_where(grad, mask._data, value_shape)
        return grad_x, None, grad_value


def _grad_where(grad, keep, shape):
    """dy where ``keep`` (a bool array), 0 elsewhere, summed down to ``shape``."""
    xp = get_array_module(grad._data)
    dropped = Tensor._make(xp.logical_not(keep))
    return unbroadcast(MaskedFill.apply(grad, dropped, 0.0), tuple(shape))


def _check_mask(mask, op):
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{op}: only supports boolean masks, but got mask with dtype {got}")


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where the boolean ``mask`` is True.

    out = where(mask, value, input); ``value`` is a number or a 0-d tensor. The usual use: set
    masked attention scores to -inf before a softmax. Gradients: d input = dy where the mask is
    False (0 elsewhere); d value = the sum of dy where it is True.

    Shape: input (*); mask (*) bool, broadcastable with input; output their broadcast shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.arange(6.).reshape(2, 3)
        >>> yingshe.masked_fill(x, x > 3, 0.0)
        tensor([[0., 1., 2.],
                [3., 0., 0.]])
        >>> x.masked_fill(yingshe.tensor([True, False, False]), float("-inf"))
        tensor([[-inf,   1.,   2.],
                [-inf,   4.,   5.]])
    """
    _check_mask(mask, "masked_fill")
    value = _fill_value(input, value, "masked_fill")
    if isinstance(value, Tensor):
        value = to_copy(value, dtype=input.dtype)
    return MaskedFill.apply(input, mask, value)


def masked_fill_(self, mask, value):
    """In-place ``masked_fill``; the mask must broadcast to self's shape."""
    _check_mask(mask, "masked_fill_")
    if mask.shape != self.shape:
        _check_fits(self.shape, mask.shape, "masked_fill_")
    value = _fill_value(self, value, "masked_fill_")
    raw = value._data if isinstance(value, Tensor) else value
    return _inplace(
        self, "masked_fill_",
        lambda a: get_array_module(a).copyto(a, raw, where=mask._data, casting="unsafe"),
        lambda s: masked_fill(s, mask, value), (value,), clone_self=False)


TENSOR_METHODS = {
    "add_": add_, "sub_": sub_, "subtract_": sub_, "mul_": mul_, "multiply_": mul_, "div_": div_,
    "divide_": div_, "true_divide_": div_, "__iadd__": _iadd, "__isub__": _isub,
    "__imul__": _imul, "__itruediv__": _itruediv, "clamp_": clamp_, "clip_": clamp_,
    "fill_": fill_, "zero_": zero_, "copy_": copy_, "uniform_": uniform_, "normal_": normal_,
    "masked_fill": masked_fill, "masked_fill_": masked_fill_,
}
