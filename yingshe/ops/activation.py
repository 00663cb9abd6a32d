"""Activation functions beyond relu/sigmoid/tanh (Goodfellow, Bengio & Courville, Deep Learning,
§6.3), PyTorch's ``torch.nn.functional`` names and conventions at the kinks (the derivative at a
kink is the left one for leaky_relu and hardtanh's bounds, as PyTorch).

Piecewise-linear activations multiply the incoming gradient by a constant slope array, so their
second derivative is zero exactly; the smooth ones write their backward with Tensor ops so that
``create_graph=True`` differentiates them again."""
import math

from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from .elementwise import _as_float, exp, sigmoid, tanh, where

__all__ = ["leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "relu6", "erf"]


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
    return PiecewiseLinear.apply(_as_float(input), _leaky(negative_slope))


def _clip(min_val, max_val):
    def function(x):
        xp = get_array_module(x)
        slope = ((x > min_val) & (x < max_val)).astype(x.dtype)
        return xp.clip(x, min_val, max_val), slope
    return function


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]; gradient 1 strictly inside, 0 outside and at the bounds."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return PiecewiseLinear.apply(_as_float(input), _clip(min_val, max_val))


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


class Elu(Op):
    """y = x for x > 0, alpha (e^x - 1) otherwise;  dx = dy for x > 0, dy (y + alpha) otherwise."""

    @staticmethod
    def forward(ctx, x, alpha):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        negative_slope = exp(where(x > 0, 0.0, x)) * ctx.alpha
        return grad * where(x > 0, 1.0, negative_slope), None


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise (Clevert et al. 2015)."""
    return Elu.apply(_as_float(input), alpha)


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
    return Silu.apply(_as_float(input))


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
    return Gelu.apply(_as_float(input), approximate)


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
    return Softplus.apply(_as_float(input), beta, threshold)


TENSOR_METHODS = {"erf": erf}
