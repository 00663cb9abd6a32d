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
    """The error function, elementwise.

    erf(x) = 2 / sqrt(pi) int_0^x e^(-t^2) dt; Phi(x) = (1 + erf(x / sqrt 2)) / 2 is the
    standard normal CDF that ``gelu`` uses. Gradient: 2 / sqrt(pi) e^(-x^2).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.erf(yingshe.tensor([0., 0.5, 1., 2.]))
        tensor([0.0000, 0.5205, 0.8427, 0.9953])
    """
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
    """The leaky rectifier, elementwise (Maas et al. 2013, "Rectifier nonlinearities improve
    neural network acoustic models").

    out = x for x > 0, negative_slope * x otherwise (default slope 0.01), so that negative
    inputs keep a small gradient. ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.leaky_relu(x, 0.1)
        tensor([-0.2000, -0.1000,  0.0000,  1.0000,  2.0000])
    """
    return PiecewiseLinear.apply(_float_input("leaky_relu", input), _leaky(negative_slope))


def _clip(min_val, max_val):
    def function(x):
        xp = get_array_module(x)
        slope = ((x > min_val) & (x < max_val)).astype(x.dtype)
        return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False), slope
    return function


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """The hard tanh, elementwise: ``input`` clipped to [min_val, max_val].

    out = min(max(x, min_val), max_val), default [-1, 1]; gradient 1 strictly inside, 0 outside
    and at the bounds. Integer inputs keep their dtype, as PyTorch's.
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.hardtanh(x)
        tensor([-1., -1.,  0.,  1.,  1.])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return PiecewiseLinear.apply(input, _clip(min_val, max_val))


def relu6(input, inplace=False):
    """The rectifier capped at 6, elementwise (Krizhevsky 2010; MobileNet's activation).

    out = min(max(x, 0), 6), i.e. ``hardtanh(x, 0, 6)``.
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.relu6(yingshe.tensor([-1., 3., 8.]))
        tensor([0., 3., 6.])
    """
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
    """The exponential linear unit, elementwise (Clevert et al. 2015, "Fast and accurate deep
    network learning by exponential linear units").

    out = x for x > 0, alpha (e^x - 1) otherwise (alpha = 1 by default): negative outputs
    saturate at -alpha, pushing mean activations towards zero.
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.elu(x)
        tensor([-0.8647, -0.6321,  0.0000,  1.0000,  2.0000])
    """
    return Elu.apply(_float_input("elu", input), alpha, 1.0, 1.0)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """The scaled exponential linear unit, elementwise (Klambauer et al. 2017,
    "Self-Normalizing Neural Networks").

    out = scale * (x for x > 0, alpha (e^x - 1) otherwise), alpha = 1.6733 and
    scale = 1.0507, the constants that keep activations at zero mean and unit variance through
    the layers. ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.selu(x)
        tensor([-1.5202, -1.1113,  0.0000,  1.0507,  2.1014])
    """
    return Elu.apply(_float_input("selu", input), _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input, alpha=1.0, inplace=False):
    """The continuously differentiable exponential linear unit, elementwise (Barron 2017,
    "Continuously Differentiable Exponential Linear Units").

    out = max(0, x) + min(0, alpha (e^(x / alpha) - 1)); its slope is 1 at 0 for any alpha,
    unlike ``elu``'s. ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.celu(x, alpha=2.0)
        tensor([-1.2642, -0.7869,  0.0000,  1.0000,  2.0000])
    """
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
    """The sigmoid-weighted linear unit, elementwise, also called swish (Elfwing et al. 2018;
    Ramachandran et al. 2017, "Searching for activation functions").

    out = x sigmoid(x) = x / (1 + e^(-x)).
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.silu(x)
        tensor([-0.2384, -0.2689,  0.0000,  0.7311,  1.7616])
    """
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
    """The Gaussian error linear unit, elementwise (Hendrycks & Gimpel 2016, "Gaussian Error
    Linear Units"), the activation of BERT and GPT.

    out = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2, Phi the standard normal CDF; with
    ``approximate='tanh'``, x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.gelu(x)
        tensor([-0.0455, -0.1587,  0.0000,  0.8413,  1.9545])
        >>> F.gelu(x, approximate="tanh")
        tensor([-0.0454, -0.1588,  0.0000,  0.8412,  1.9546])
    """
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
    """The softplus, a smooth relu, elementwise (Dugas et al. 2001).

    out = log(1 + e^(beta x)) / beta, and out = x where beta x > ``threshold`` (20 by
    default), where the two agree to float precision; its derivative is sigmoid(beta x).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.softplus(x)
        tensor([0.1269, 0.3133, 0.6931, 1.3133, 2.1269])
    """
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
    """The mish activation, elementwise (Misra 2019, "Mish: A Self Regularized Non-Monotonic
    Activation Function").

    out = x tanh(softplus(x)) = x tanh(log(1 + e^x)).
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.mish(x)
        tensor([-0.2525, -0.3034,  0.0000,  0.8651,  1.9440])
    """
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
    """The hard swish, a piecewise-quadratic ``silu``, elementwise (Howard et al. 2019,
    "Searching for MobileNetV3").

    out = x relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between.
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.hardswish(x)
        tensor([-0.3333, -0.3333,  0.0000,  0.6667,  1.6667])
    """
    return Hardswish.apply(_float_input("hardswish", input))


def _hard_sigmoid(x):
    xp = get_array_module(x)
    slope = ((x > -3.0) & (x < 3.0)).astype(x.dtype) / x.dtype.type(6)
    return xp.clip(x + 3.0, 0.0, 6.0) / 6.0, slope


def hardsigmoid(input, inplace=False):
    """The hard sigmoid, a piecewise-linear sigmoid, elementwise (Howard et al. 2019).

    out = relu6(x + 3) / 6: 0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between; gradient 1/6
    strictly between -3 and 3. ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.hardsigmoid(x)
        tensor([0.1667, 0.3333, 0.5000, 0.6667, 0.8333])
    """
    return PiecewiseLinear.apply(_float_input("hardsigmoid", input), _hard_sigmoid)


def _threshold(threshold, value):
    def function(x):
        xp = get_array_module(x)
        above = x > threshold
        return xp.where(above, x, x.dtype.type(value)), above.astype(x.dtype)
    return function


def threshold(input, threshold, value, inplace=False):
    """Replace every element at or below ``threshold`` by ``value``, elementwise.

    out = x where x > threshold, else value; gradient 1 above the threshold, 0 elsewhere.
    Integer inputs keep their dtype, as PyTorch's.
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.threshold(x, 0.5, -9.0)
        tensor([-9., -9., -9.,  1.,  2.])
    """
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
    """The log of the sigmoid, elementwise, computed without overflow.

    out = log(1 / (1 + e^(-x))) = min(x, 0) - log(1 + e^(-|x|)), which stays finite for large
    |x| (the log-likelihood term of logistic regression); gradient sigmoid(-x).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.logsigmoid(x)
        tensor([-2.1269, -1.3133, -0.6931, -0.3133, -0.1269])
    """
    return LogSigmoid.apply(_float_input("logsigmoid", input))


def softsign(input):
    """The softsign, elementwise (Bergstra et al. 2009): a tanh-like squashing into (-1, 1)
    with polynomial instead of exponential tails.

    out = x / (1 + |x|).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.softsign(x)
        tensor([-0.6667, -0.5000,  0.0000,  0.5000,  0.6667])
    """
    input = _as_float(input)
    return input / (input.abs() + 1.0)


def tanhshrink(input):
    """The tanh shrinkage, elementwise.

    out = x - tanh(x): near 0 for small |x|, close to x -+ 1 for large |x|.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([-2., -1., 0., 1., 2.])
        >>> F.tanhshrink(x)
        tensor([-1.0360, -0.2384,  0.0000,  0.2384,  1.0360])
    """
    input = _as_float(input)
    return input - tanh(input)


def _implicit_softmax_dim(name, ndim, stacklevel):
    """PyTorch's legacy choice of dim when none is given (with its deprecation warning): 0 for
    0-, 1- and 3-D inputs, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """The softmin along ``dim``: the softmax of -x, which gives the smallest inputs the most
    weight.

    out_i = exp(-x_i) / sum_j exp(-x_j) along ``dim``; without ``dim``, PyTorch's deprecated
    implicit choice (0 for 0-, 1- and 3-D inputs, else 1) with its warning. ``dtype`` casts
    the input first.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.softmin(yingshe.tensor([1., 2., 3.]), dim=0)
        tensor([0.6652, 0.2447, 0.0900])
    """
    if dim is None:
        dim = _implicit_softmax_dim("softmin", input.ndim, _stacklevel)
    return softmax(-input, dim, dtype)


def glu(input, dim=-1):
    """The gated linear unit (Dauphin et al. 2017, "Language Modeling with Gated Convolutional
    Networks").

    out = a * sigmoid(b), where a and b are the first and second halves of ``input`` along
    ``dim`` (the last by default): b gates a.

    Shape: input (*_1, 2M, *_2) with 2M at ``dim``; output (*_1, M, *_2).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.glu(yingshe.tensor([[1., 2., 0., 100.]]))
        tensor([[0.5000, 2.0000]])
        >>> F.glu(yingshe.ones(4, 6), dim=0).shape
        yingshe.Size([2, 6])
    """
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
    """The parametric rectifier (He et al. 2015, "Delving Deep into Rectifiers").

    out = x for x > 0, a x otherwise, with one learned slope a (a 1-element ``weight``) or one
    per channel, a_c along dimension 1. Gradient of a: the sum of dy x over the entries with
    x <= 0 (of its channel).

    Shape: input (*), channels at dim 1: (N, C, *); weight (1) or (C); output (*), the same
    shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([[-1., -1.], [2., 2.]])
        >>> F.prelu(x, yingshe.tensor([0.1, 0.2]))
        tensor([[-0.1000, -0.2000],
                [ 2.0000,  2.0000]])
    """
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
