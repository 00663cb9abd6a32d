"""``Independent``: reinterpret batch dimensions of a distribution as event dimensions."""
from typing import ClassVar

from . import constraints
from .distribution import Distribution
from .utils import _sum_rightmost

__all__ = ["Independent"]


class Independent(Distribution):
    """The base distribution with its ``reinterpreted_batch_ndims`` rightmost batch dimensions
    made part of the event (``torch.distributions.Independent``): the entries along them are
    independent, so log_prob and entropy are summed over them,

        log p(x) = sum over the reinterpreted dims of log p_base(x_i)

    and samples, mean and variance are the base distribution's.  A diagonal Gaussian over
    vectors is ``Independent(Normal(loc, scale), 1)``.

    Shape:
        with base batch_shape B + R (R the ``reinterpreted_batch_ndims`` rightmost dims) and
        event_shape E: batch_shape B, event_shape R + E; ``log_prob``/``entropy``: B.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import Independent, Normal
        >>> base = Normal(yingshe.zeros(3), yingshe.ones(3))       # three scalars
        >>> base.log_prob(yingshe.zeros(3))
        tensor([-0.9189, -0.9189, -0.9189])
        >>> d = Independent(base, 1)                                 # one 3-vector
        >>> d.log_prob(yingshe.zeros(3))
        tensor(-2.7568)
        >>> d.entropy()
        tensor(4.2568)
        >>> d.sample((5,)).shape
        yingshe.Size([5, 3])
    """
    arg_constraints: ClassVar[dict] = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(f"Expected reinterpreted_batch_ndims <= "
                             f"len(base_distribution.batch_shape), actual "
                             f"{reinterpreted_batch_ndims} vs "
                             f"{len(base_distribution.batch_shape)}")
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[:len(shape) - event_dim], shape[len(shape) - event_dim:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Independent, _instance)
        batch_shape = tuple(batch_shape)
        new.base_dist = self.base_dist.expand(
            batch_shape + self.event_shape[:self.reinterpreted_batch_ndims])
        new.reinterpreted_batch_ndims = self.reinterpreted_batch_ndims
        super(Independent, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self):
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self):
        result = self.base_dist.support
        if self.reinterpreted_batch_ndims:
            result = constraints.independent(result, self.reinterpreted_batch_ndims)
        return result

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def mode(self):
        return self.base_dist.mode

    @property
    def variance(self):
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand=True):
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_dist}, {self.reinterpreted_batch_ndims})"
