"""The continuous uniform distribution on [low, high)."""
import math
import numbers

import numpy as np

from . import constraints
from .distribution import Distribution
from .utils import _standard_uniform, broadcast_all

__all__ = ["Uniform"]


class Uniform(Distribution):
    """The continuous uniform distribution U[low, high): density 1 / (high - low) inside, 0
    outside.

        log p(x) = -log(high - low) for low <= x < high (-inf outside)
        entropy = log(high - low);   mean = (low + high) / 2, variance = (high - low)^2 / 12
        cdf(x) = (x - low) / (high - low), clamped to [0, 1]

    rsample: x = low + u (high - low), u ~ U[0, 1).  With ``validate_args`` (the default)
    ``log_prob`` of a value outside the support [low, high] raises a ValueError, as PyTorch's.

    Shape:
        ``low``, ``high``: broadcastable; batch_shape: their broadcast shape; event_shape: ();
        ``sample(sample_shape)``: sample_shape + batch_shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import Uniform
        >>> d = Uniform(yingshe.tensor([0.0, -1.0]), yingshe.tensor([4.0, 1.0]))
        >>> d.log_prob(yingshe.tensor([1.0, 0.5]))        # -log 4, -log 2
        tensor([-1.3863, -0.6931])
        >>> d.mean, d.variance
        (tensor([2., 0.]), tensor([1.3333, 0.3333]))
        >>> d.cdf(yingshe.tensor([1.0, 0.0]))
        tensor([0.2500, 0.5000])
        >>> d.rsample((3,)).shape
        yingshe.Size([3, 2])
    """
    has_rsample = True

    @property
    def arg_constraints(self):
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        both_numbers = isinstance(low, numbers.Number) and isinstance(high, numbers.Number)
        super().__init__(() if both_numbers else self.low.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Uniform, _instance)
        batch_shape = tuple(batch_shape)
        new.low = self.low.expand(batch_shape)
        new.high = self.high.expand(batch_shape)
        super(Uniform, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return math.nan * self.high

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    def rsample(self, sample_shape=()):
        u = _standard_uniform(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        """-log(high - low) inside [low, high), -inf outside."""
        if self._validate_args:
            self._validate_sample(value)
        inside = self.low.le(value).type_as(self.low) * self.high.gt(value).type_as(self.low)
        with np.errstate(divide="ignore"):  # log 0 = -inf outside, quietly as in PyTorch
            return inside.log() - (self.high - self.low).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        """log(high - low)."""
        return (self.high - self.low).log()
