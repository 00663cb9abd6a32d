"""Activation layers (Goodfellow, Bengio & Courville, Deep Learning, §6.3).  ``inplace=True`` is
accepted for PyTorch compatibility and ignored: the result is always a new tensor, which is always
safe."""
from ...ops import activation as A
from ...ops import elementwise as E
from ...ops.creation import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid",
           "Tanh", "Softplus", "Softmax", "LogSoftmax", "Softmin", "Hardtanh", "Hardswish",
           "Hardsigmoid", "Threshold", "LogSigmoid", "Softsign", "Tanhshrink", "GLU", "PReLU"]


class _Activation(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Activation):
    """max(x, 0).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.ReLU()(yingshe.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """

    def forward(self, input):
        return E.relu(input)


class ReLU6(_Activation):
    """ReLU capped at 6, elementwise: out = min(max(x, 0), 6) (Krizhevsky 2010; the
    activation of MobileNetV2, Sandler et al. 2018).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.ReLU6()(yingshe.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """

    def forward(self, input):
        return A.relu6(input)


class LeakyReLU(_Activation):
    """Leaky ReLU, elementwise: out = x for x >= 0, else negative_slope * x (Maas, Hannun
    & Ng 2013); ``negative_slope`` defaults to 0.01.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.LeakyReLU(0.1)(yingshe.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.2000,  0.0000,  3.0000])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, input):
        return A.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(_Activation):
    """Exponential linear unit, elementwise: out = x for x > 0, else alpha (exp(x) - 1)
    (Clevert, Unterthiner & Hochreiter 2016); ``alpha`` defaults to 1.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.ELU()(yingshe.tensor([-1.0, 0.0, 2.0]))
        tensor([-0.6321,  0.0000,  2.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input):
        return A.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """Gaussian error linear unit, elementwise: out = x Phi(x), Phi the standard normal
    distribution function (Hendrycks & Gimpel 2016); ``approximate='tanh'`` computes
    0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) instead.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([-1.0, 0.0, 1.0])
        >>> yingshe.nn.GELU()(x)
        tensor([-0.1587,  0.0000,  0.8413])
        >>> yingshe.nn.GELU(approximate="tanh")(x)
        tensor([-0.1588,  0.0000,  0.8412])
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return A.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(_Activation):
    """Sigmoid linear unit ("swish"), elementwise: out = x sigmoid(x) = x / (1 + exp(-x))
    (Hendrycks & Gimpel 2016; Ramachandran, Zoph & Le 2017).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.SiLU()(yingshe.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.2689,  0.0000,  0.7311])
    """

    def forward(self, input):
        return A.silu(input)


class Sigmoid(Module):
    """Logistic sigmoid, elementwise: out = 1 / (1 + exp(-x)), squashing to (0, 1).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Sigmoid()(yingshe.tensor([-2.0, 0.0, 2.0]))
        tensor([0.1192, 0.5000, 0.8808])
    """

    def forward(self, input):
        return E.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent, elementwise: out = (exp(x) - exp(-x)) / (exp(x) + exp(-x)),
    squashing to (-1, 1).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Tanh()(yingshe.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.7616,  0.0000,  0.7616])
    """

    def forward(self, input):
        return E.tanh(input)


class Softplus(Module):
    """Softplus, a smooth ReLU, elementwise: out = log(1 + exp(beta x)) / beta (Dugas et
    al. 2001); where beta x > ``threshold`` (20) it returns x, which it equals there to float
    precision.  Defaults beta = 1, threshold = 20.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Softplus()(yingshe.tensor([-1.0, 0.0, 1.0, 30.0]))
        tensor([ 0.3133,  0.6931,  1.3133, 30.0000])
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return A.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(_Activation):
    """``x`` clipped to [min_val, max_val], elementwise: out = min(max(x, min_val),
    max_val); the defaults -1 and 1 make it a piecewise-linear tanh.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Hardtanh()(yingshe.tensor([-3.0, 0.5, 2.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        self.min_val, self.max_val = min_val, max_val

    def forward(self, input):
        return A.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class Softmax(Module):
    """Softmax along ``dim``: out_i = exp(x_i) / sum_j exp(x_j), so every slice along
    ``dim`` becomes a probability distribution (computed stably, with max(x) subtracted first).
    Without ``dim`` it takes PyTorch's implicit choice (dim 0 for 0-, 1- and 3-D input, else 1)
    and warns.

    Shape: input (*); output (*), the same shape, values in [0, 1] summing to 1 along ``dim``.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Softmax(dim=1)(yingshe.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
        tensor([[0.0900, 0.2447, 0.6652],
                [0.3333, 0.3333, 0.3333]])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along ``dim``: out_i = x_i - log sum_j exp(x_j), computed stably
    (log-sum-exp with max(x) subtracted, no softmax formed); ``NLLLoss`` after it is
    ``CrossEntropyLoss``.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.LogSoftmax(dim=1)(yingshe.tensor([[0.0, 0.0], [0.0, 2.0]]))
        tensor([[-0.6931, -0.6931],
                [-2.1269, -0.1269]])
    """

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmin(Softmax):
    """Softmin along ``dim``: out_i = exp(-x_i) / sum_j exp(-x_j) = softmax(-x)_i, the
    largest weight to the smallest entry.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Softmin(dim=0)(yingshe.tensor([1.0, 2.0, 3.0]))
        tensor([0.6652, 0.2447, 0.0900])
    """

    def forward(self, input):
        return A.softmin(input, self.dim, _stacklevel=5)


class SELU(_Activation):
    """Scaled exponential linear unit, elementwise: out = scale (max(0, x) + min(0,
    alpha (exp(x) - 1))) with alpha = 1.6733 and scale = 1.0507, the constants for which activations
    self-normalise towards mean 0 and variance 1 (Klambauer, Unterthiner, Mayr & Hochreiter 2017).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.SELU()(yingshe.tensor([-1.0, 0.0, 1.0]))
        tensor([-1.1113,  0.0000,  1.0507])
    """

    def forward(self, input):
        return A.selu(input)


class CELU(_Activation):
    """Continuously differentiable ELU, elementwise: out = max(0, x) + min(0,
    alpha (exp(x / alpha) - 1)) (Barron 2017); ``alpha`` defaults to 1, where it equals ``ELU``.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.CELU(alpha=2.0)(yingshe.tensor([-2.0, 0.0, 2.0]))
        tensor([-1.2642,  0.0000,  2.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input):
        return A.celu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Mish(_Activation):
    """Mish, elementwise: out = x tanh(softplus(x)) = x tanh(log(1 + exp(x))) (Misra 2019).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Mish()(yingshe.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.3034,  0.0000,  0.8651])
    """

    def forward(self, input):
        return A.mish(input)


class Hardswish(_Activation):
    """Hard swish, elementwise: out = x relu6(x + 3) / 6, i.e. 0 for x <= -3, x for
    x >= 3 and x (x + 3) / 6 between (Howard et al. 2019, "Searching for MobileNetV3").

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Hardswish()(yingshe.tensor([-4.0, -1.0, 0.0, 1.0, 4.0]))
        tensor([-0.0000, -0.3333,  0.0000,  0.6667,  4.0000])
    """

    def forward(self, input):
        return A.hardswish(input)

    def extra_repr(self):  # PyTorch's repr leaves inplace out here
        return ""


class Hardsigmoid(_Activation):
    """Hard sigmoid, elementwise: out = relu6(x + 3) / 6, i.e. 0 for x <= -3, 1 for
    x >= 3 and x / 6 + 1 / 2 between (Howard et al. 2019, "Searching for MobileNetV3").

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Hardsigmoid()(yingshe.tensor([-4.0, 0.0, 1.5, 4.0]))
        tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """

    def forward(self, input):
        return A.hardsigmoid(input)

    def extra_repr(self):
        return ""


class Threshold(_Activation):
    """Thresholding, elementwise: out = x where x > ``threshold``, else ``value``.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Threshold(0.5, -1.0)(yingshe.tensor([0.2, 0.5, 0.8]))
        tensor([-1.0000, -1.0000,  0.8000])
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__(inplace)
        self.threshold, self.value = threshold, value

    def forward(self, input):
        return A.threshold(input, self.threshold, self.value)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class LogSigmoid(Module):
    """Log of the sigmoid, elementwise: out = log(1 / (1 + exp(-x))) = -softplus(-x),
    computed stably for large negative x.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.LogSigmoid()(yingshe.tensor([-100.0, 0.0, 2.0]))
        tensor([-100.0000,   -0.6931,   -0.1269])
    """

    def forward(self, input):
        return A.logsigmoid(input)


class Softsign(Module):
    """Softsign, elementwise: out = x / (1 + |x|), squashing to (-1, 1) polynomially.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Softsign()(yingshe.tensor([-3.0, 0.0, 1.0]))
        tensor([-0.7500,  0.0000,  0.5000])
    """

    def forward(self, input):
        return A.softsign(input)


class Tanhshrink(Module):
    """Tanh shrinkage, elementwise: out = x - tanh(x).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Tanhshrink()(yingshe.tensor([-1.0, 0.0, 2.0]))
        tensor([-0.2384,  0.0000,  1.0360])
    """

    def forward(self, input):
        return A.tanhshrink(input)


class GLU(Module):
    """Gated linear unit: the input is split along ``dim`` into halves a and b and
    out = a * sigmoid(b) (Dauphin, Fan, Auli & Grangier 2017); ``dim`` defaults to -1.

    Shape: input (*1, N, *2) with N even at ``dim``; output (*1, N / 2, *2).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.GLU()(yingshe.tensor([[1.0, 2.0, 0.0, 100.0]]))
        tensor([[0.5000, 2.0000]])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return A.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """Parametric ReLU: out = x for x >= 0, else a x, the slopes a learned (He, Zhang,
    Ren & Sun 2015): one shared slope (``num_parameters=1``) or one per channel, all starting at
    ``init`` (0.25).

    Shape: input (*); output (*), the same shape.  With ``num_parameters`` = C the input must
    be (N, C, *): the channels are dim 1 (an input of fewer dims has one channel).

    Examples:
        >>> import yingshe
        >>> prelu = yingshe.nn.PReLU()
        >>> prelu(yingshe.tensor([-2.0, 1.0]))
        tensor([-0.5000,  1.0000], grad_fn=<...>)
        >>> yingshe.nn.PReLU(num_parameters=3)(yingshe.randn(8, 3, 5, 5)).shape
        yingshe.Size([8, 3, 5, 5])
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        """Every slope back to ``init`` (0.25 by default)."""
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return A.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"

