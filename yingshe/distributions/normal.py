"""The normal distribution N(loc, scale^2) (Bishop, Pattern Recognition and Machine Learning,
§2.3; entropy and moments from §1.6 and §2.3)."""
import math
import numbers
from typing import ClassVar

from ..ops.activation import erf
from ..ops.elementwise import erfinv
from . import constraints
from .distribution import Distribution
from .utils import _standard_normal, broadcast_all

__all__ = ["Normal"]


class Normal(Distribution):
    """The normal (Gaussian) distribution N(loc, scale^2), batched over the broadcast shape of
    ``loc`` (the mean mu) and ``scale`` (the standard deviation s > 0).

        p(x) = exp(-(x - mu)^2 / (2 s^2)) / (s sqrt(2 pi))
        log p(x) = -(x - mu)^2 / (2 s^2) - log s - log sqrt(2 pi)
        entropy = 1/2 + 1/2 log(2 pi) + log s;   mean = mode = mu, variance = s^2
        cdf(x) = (1 + erf((x - mu) / (s sqrt 2))) / 2

    rsample: x = loc + scale * eps, eps ~ N(0, 1), so dx/dloc = 1 and dx/dscale = eps (Bishop,
    Pattern Recognition and Machine Learning, 2006, §2.3).

    Shape:
        ``loc``, ``scale``: broadcastable (numbers or tensors); batch_shape: their broadcast
        shape; event_shape: (); ``sample(sample_shape)``: sample_shape + batch_shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import Normal
        >>> d = Normal(yingshe.tensor([0.0, 1.0]), yingshe.tensor([1.0, 2.0]))
        >>> d.log_prob(yingshe.tensor([0.0, 0.0]))
        tensor([-0.9189, -1.7371])
        >>> d.entropy()
        tensor([1.4189, 2.1121])
        >>> d.cdf(yingshe.tensor([0.0, 1.0]))
        tensor([0.5000, 0.5000])
        >>> d.sample((3,)).shape
        yingshe.Size([3, 2])

        ``rsample`` lets gradients reach the parameters (the reparameterisation trick):

        >>> loc = yingshe.tensor([0.0], requires_grad=True)
        >>> Normal(loc, 1.0).rsample((5,)).mean().backward()
        >>> loc.grad
        tensor([1.])
    """
    arg_constraints: ClassVar[dict] = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        both_numbers = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        super().__init__(() if both_numbers else self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Normal, _instance)
        batch_shape = tuple(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        super(Normal, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def rsample(self, sample_shape=()):
        eps = _standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        """log N(x | mu, s^2) = -(x - mu)^2 / (2 s^2) - log s - log sqrt(2 pi)."""
        if self._validate_args:
            self._validate_sample(value)
        variance = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * variance) - self.scale.log() - \
            math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        """Phi((x - mu) / s) = (1 + erf((x - mu) / (s sqrt 2))) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        """mu + s sqrt(2) erfinv(2 p - 1)."""
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        """1/2 + 1/2 log(2 pi) + log s."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
