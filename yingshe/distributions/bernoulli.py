"""The Bernoulli distribution: x in {0, 1} with P(x = 1) = p (Bishop, PRML §2.1)."""
import math
import numbers
from typing import ClassVar

from ..ops.activation import logsigmoid
from ..ops.creation import arange
from ..ops.elementwise import where
from . import constraints
from .distribution import Distribution
from .utils import _standard_uniform, broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]


def _binary_cross_entropy_with_logits(logits, target):
    """(1 - y) x - log sigmoid(x) = -(y log p + (1 - y) log(1 - p)) with p = sigmoid(x)."""
    return (1 - target) * logits - logsigmoid(logits)


class Bernoulli(Distribution):
    """The Bernoulli distribution: x in {0, 1} with P(x = 1) = p, given by ``probs`` p or by
    ``logits`` log(p / (1 - p)) (exactly one; Bishop, PRML, 2006, §2.1).

        log p(x) = x log p + (1 - x) log(1 - p)   (from the logits, without overflow)
        entropy = -(p log p + (1 - p) log(1 - p));   mean = p, variance = p (1 - p)

    Samples are floats 0. and 1.; ``enumerate_support`` lists both values.

    Shape:
        ``probs`` or ``logits``: any shape = batch_shape; event_shape: ();
        ``sample(sample_shape)``: sample_shape + batch_shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import Bernoulli
        >>> d = Bernoulli(probs=yingshe.tensor([0.25, 0.5]))
        >>> d.log_prob(yingshe.tensor([1.0, 0.0]))        # log 0.25, log 0.5
        tensor([-1.3863, -0.6931])
        >>> d.entropy()
        tensor([0.5623, 0.6931])
        >>> d.variance
        tensor([0.1875, 0.2500])
        >>> d.sample((3,)).shape
        yingshe.Size([3, 2])
        >>> Bernoulli(logits=yingshe.tensor([0.0, 2.0])).probs
        tensor([0.5000, 0.8808])
    """
    arg_constraints: ClassVar[dict] = {"probs": constraints.unit_interval,
                                       "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given)
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._param = param
        batch_shape = () if isinstance(given, numbers.Number) else param.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = tuple(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(Bernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        """The shape of ``probs``/``logits``."""
        return self._param.shape

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        """1 where p > 1/2, 0 where p < 1/2, NaN at p = 1/2."""
        above = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, math.nan, above)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        """x = 1 where u < p for u ~ U[0, 1)."""
        shape = self._extended_shape(sample_shape)
        probs = self.probs.detach().expand(shape)
        return (_standard_uniform(shape, probs) < probs).to(probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_binary_cross_entropy_with_logits(logits, value)

    def entropy(self):
        """-(p log p + (1 - p) log(1 - p))."""
        return _binary_cross_entropy_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand=True):
        """The values 0 and 1 along a new leading dimension (expanded over the batch)."""
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values

