"""Activation functions beyond relu/sigmoid/tanh (Goodfellow, Bengio & Courville, Deep Learning,
§6.3), PyTorch's ``torch.nn.functional`` names and conventions at the kinks (the derivative at a
kink is the left one for leaky_relu and hardtanh's bounds, as PyTorch).

Piecewise-linear activations multiply the incoming gradient by a constant slope array, so their
second derivative is zero exactly; the smooth ones write their backward with Tensor ops so that
``create_graph=True`` differentiates them again."""
import math
import warnings

from .._backend import get_array_module
from .._tensor import Tensor, _normalize_dim
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from .broadcast import unbroadcast
from .elementwise import _as_float, exp, sigmoid, tanh, where
from .shape import narrow
from .softmax import softmax

__all__ = ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh",
           "relu6", "hardswish", "hardsigmoid", "threshold", "logsigmoid", "softsign",
           "tanhshrink", "softmin", "glu", "prelu", "erf"]


def _float_input(op, input):
    """``input`` itself; integer and bool inputs raise, as PyTorch's activation kernels do."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {input.dtype} input (shape "
                                  f"{tuple(input.shape)}); pass a floating-point tensor")
    return input


def _erf_array(x):
    """Element-wise error function of a NumPy/CuPy array (SciPy's or CuPy's vectorised kernel)."""
    if get_array_module(x).__name__ == "cupy":
        from cupyx.scipy.special import erf as cupy_erf
        return cupy_erf(x)
    from scipy.special import erf as scipy_erf
    return scipy_erf(x).astype(x.dtype, copy=False)


class Erf(Op):
    """y = erf x;  dx = dy 2/sqrt(pi) e^(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (exp(-(x * x)) * (2.0 / math.sqrt(math.pi)))


def erf(input):
    """The error function erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt."""
    return Erf.apply(_as_float(input))


class PiecewiseLinear(Op):
    """y = slope(x) * x + offset(x) with piecewise-constant slope;  dx = dy slope(x)."""

    @staticmethod
    def forward(ctx, x, function):
        y, slope = function(x)
        ctx.slope = slope
        return y

    @staticmethod
    def backward(ctx, grad):
        return grad * Tensor._make(ctx.slope), None


def _leaky(negative_slope):
    def function(x):
        xp = get_array_module(x)
        slope = xp.where(x > 0, x.dtype.type(1), x.dtype.type(negative_slope))
        return x * slope, slope
    return function


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, else negative_slope * x."""
    return PiecewiseLinear.apply(_float_input("leaky_relu", input), _leaky(negative_slope))


def _clip(min_val, max_val):
    def function(x):
        xp = get_array_module(x)
        slope = ((x > min_val) & (x < max_val)).astype(x.dtype)
        return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False), slope
    return function


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]; gradient 1 strictly inside, 0 outside and at the bounds.
    Integer inputs keep their dtype, as PyTorch's."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return PiecewiseLinear.apply(input, _clip(min_val, max_val))


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


class Elu(Op):
    """y = scale x for x > 0, scale alpha (e^(input_scale x) - 1) otherwise;
    dx = dy scale for x > 0, dy scale alpha input_scale e^(input_scale x) otherwise.
    elu has scale = input_scale = 1, selu fixed alpha and scale, celu input_scale = 1 / alpha."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        negative = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
        return xp.where(x > 0, x * scale, negative)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        negative_slope = exp(where(x > 0, 0.0, x) * ctx.input_scale) * (
            ctx.alpha * ctx.scale * ctx.input_scale)
        return grad * where(x > 0, ctx.scale, negative_slope), None, None, None


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise (Clevert et al. 2015)."""
    return Elu.apply(_float_input("elu", input), alpha, 1.0, 1.0)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with alpha = 1.6733 and scale = 1.0507, the constants that make
    activations self-normalising (Klambauer et al. 2017, "Self-Normalizing Neural Networks")."""
    return Elu.apply(_float_input("selu", input), _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)), continuously differentiable in x for any
    alpha (Barron 2017, "Continuously Differentiable Exponential Linear Units")."""
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    return Elu.apply(_float_input("celu", input), alpha, 1.0, 1.0 / alpha)


class Silu(Op):
    """y = x sigmoid(x);  dx = dy s (1 + x (1 - s)) with s = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return x / (1.0 + xp.exp(-x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = sigmoid(x)
        return grad * (s * (1.0 + x * (1.0 - s)))


def silu(input, inplace=False):
    """x sigmoid(x), also called swish."""
    return Silu.apply(_float_input("silu", input))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


class Gelu(Op):
    """Exact: y = x Phi(x), dx = dy (Phi(x) + x phi(x)); 'tanh': y = x/2 (1 + tanh u) with
    u = sqrt(2/pi) (x + 0.044715 x^3), dx = dy (1/2 (1 + t) + x/2 (1 - t^2) du/dx).  The exact
    form keeps Phi(x) from the forward pass, so a plain backward computes no second erf."""

    @staticmethod
    def forward(ctx, x, approximate):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            return 0.5 * x * (1.0 + xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
        ctx.cdf = 0.5 * (1.0 + _erf_array(x * (1.0 / math.sqrt(2.0))))
        return x * ctx.cdf

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI)
            du = (1.0 + x * x * (3 * 0.044715)) * _SQRT_2_OVER_PI
            return grad * ((1.0 + t) * 0.5 + x * 0.5 * (1.0 - t * t) * du), None
        if not STATE.enabled:  # no create_graph: reuse Phi(x) on raw arrays
            xp, a = get_array_module(x._data), x._data
            pdf = xp.exp(a * a * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))
            return grad._data * (ctx.cdf + a * pdf), None
        cdf = (erf(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
        pdf = exp(x * x * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))
        return grad * (cdf + x * pdf), None


def gelu(input, approximate="none"):
    """x Phi(x) (Hendrycks & Gimpel 2016); ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_float_input("gelu", input), approximate)


class Softplus(Op):
    """y = log(1 + e^(beta x)) / beta, linear (y = x) where beta x > threshold;
    dx = dy sigmoid(beta x) (1 above the threshold)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        z = x * beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, soft)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        return grad * where(z > ctx.threshold, 1.0, sigmoid(z)), None, None


def softplus(input, beta=1.0, threshold=20.0):
    """Smooth relu: log(1 + e^(beta x)) / beta."""
    return Softplus.apply(_float_input("softplus", input), beta, threshold)


class Mish(Op):
    """y = x tanh(softplus(x));  dx = dy (t + x sigmoid(x) (1 - t^2)) with t = tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return x * xp.tanh(xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x))))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = tanh(softplus(x))
        return grad * (t + x * sigmoid(x) * (1.0 - t * t))


def mish(input, inplace=False):
    """x tanh(softplus(x)) (Misra 2019, "Mish: A Self Regularized Non-Monotonic Activation")."""
    return Mish.apply(_float_input("mish", input))


class Hardswish(Op):
    """y = x relu6(x + 3) / 6;  dx = 0 for x <= -3, dy (x / 3 + 1/2) for -3 < x < 3, dy from 3
    on (PyTorch's one-sided choice at the kinks)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return x * xp.clip(x + 3.0, 0.0, 6.0) / 6.0

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * where(x <= -3.0, 0.0, where(x < 3.0, x / 3.0 + 0.5, 1.0))


def hardswish(input, inplace=False):
    """x relu6(x + 3) / 6, a piecewise-quadratic swish (Howard et al. 2019, "Searching for
    MobileNetV3")."""
    return Hardswish.apply(_float_input("hardswish", input))


def _hard_sigmoid(x):
    xp = get_array_module(x)
    slope = ((x > -3.0) & (x < 3.0)).astype(x.dtype) / x.dtype.type(6)
    return xp.clip(x + 3.0, 0.0, 6.0) / 6.0, slope


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6 (Howard et al. 2019); gradient 1/6 strictly between -3 and 3."""
    return PiecewiseLinear.apply(_float_input("hardsigmoid", input), _hard_sigmoid)


def _threshold(threshold, value):
    def function(x):
        xp = get_array_module(x)
        above = x > threshold
        return xp.where(above, x, x.dtype.type(value)), above.astype(x.dtype)
    return function


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value; gradient 1 above the threshold, 0 elsewhere.  Integer
    inputs keep their dtype, as PyTorch's."""
    return PiecewiseLinear.apply(input, _threshold(threshold, value))


class LogSigmoid(Op):
    """y = log sigmoid(x) = min(x, 0) - log(1 + e^-|x|), stable for large |x|;
    dx = dy sigmoid(-x)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sigmoid(-x)


def logsigmoid(input):
    """log(1 / (1 + e^-x)), computed without overflow."""
    return LogSigmoid.apply(_float_input("logsigmoid", input))


def softsign(input):
    """x / (1 + |x|)."""
    input = _as_float(input)
    return input / (input.abs() + 1.0)


def tanhshrink(input):
    """x - tanh x."""
    input = _as_float(input)
    return input - tanh(input)


def _implicit_softmax_dim(name, ndim, stacklevel):
    """PyTorch's legacy choice of dim when none is given (with its deprecation warning): 0 for
    0-, 1- and 3-D inputs, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``: exp(-x_i) / sum_j exp(-x_j)."""
    if dim is None:
        dim = _implicit_softmax_dim("softmin", input.ndim, _stacklevel)
    return softmax(-input, dim, dtype)


def glu(input, dim=-1):
    """Gated linear unit a sigmoid(b), where a and b are the two halves of ``input`` along
    ``dim`` (Dauphin et al. 2017, "Language Modeling with Gated Convolutional Networks")."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = _normalize_dim(dim, input.ndim, "glu")
    size = input.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size} "
                           f"(input shape {tuple(input.shape)})")
    half = size // 2
    return narrow(input, axis, 0, half) * sigmoid(narrow(input, axis, half, half))


class Prelu(Op):
    """y = x for x > 0, w x otherwise, w broadcast over x;
    dx = dy for x > 0, dy w otherwise;  dw = sum of dy x over the entries with x <= 0."""

    @staticmethod
    def forward(ctx, x, w):
        xp = get_array_module(x)
        ctx.save_for_backward(x, w)
        return xp.where(x > 0, x, w * x)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        positive = x > 0
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_x = where(positive, grad, grad * w)
        if ctx.needs_input_grad[1]:
            grad_w = unbroadcast(where(positive, 0.0, grad * x), tuple(w.shape))
        return grad_x, grad_w


def prelu(input, weight):
    """Parametric relu: x for x > 0, a x otherwise, with one learned slope a (a 1-element
    ``weight``) or one per channel (dim 1) (He et al. 2015, "Delving Deep into Rectifiers")."""
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input.dtype} input and "
                           f"{weight.dtype} weight")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"prelu: not implemented for {input.dtype} input")
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError(f"prelu: Not allow zero-dim input tensor with a weight of "
                               f"{weight.numel()} elements.")
        channels = input.shape[1] if input.ndim > 1 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                               f"Found parameter numbers = {weight.numel()} and channel size = "
                               f"{channels} (input shape {tuple(input.shape)}).")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if weight.ndim != input.ndim:  # the slopes along dim 1, broadcast over the rest
        shape = [1] * input.ndim
        if input.ndim > 1:
            shape[1] = weight.numel()
        weight = weight.reshape(tuple(shape))
    return Prelu.apply(input, weight)


TENSOR_METHODS = {"erf": erf}
