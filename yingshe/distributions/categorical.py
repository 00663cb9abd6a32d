"""The categorical distribution over {0, ..., K - 1} (Bishop, PRML §2.2)."""
import math
from typing import ClassVar

import numpy as np

from .._backend import get_array_module
from .._tensor import Tensor
from ..ops.broadcast import broadcast_tensors
from ..ops.creation import arange, full
from ..ops.elementwise import clamp
from . import constraints
from .distribution import Distribution
from .utils import _standard_uniform, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


class Categorical(Distribution):
    """The categorical distribution over {0, ..., K - 1}: P(x = k) = p_k over the last
    dimension of ``probs`` (normalised to sum to 1) or of ``logits`` (unnormalised
    log-probabilities, p = softmax(logits); exactly one of the two is given).

        log p(x) = log p_x;   entropy = -sum_k p_k log p_k

    Samples are int64 class indices; mean and variance are NaN, as PyTorch's (Bishop, PRML,
    2006, §2.2).

    Shape:
        ``probs`` or ``logits``: (*, K), batch_shape: (*); event_shape: ();
        ``sample(sample_shape)``: sample_shape + batch_shape (int64).

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import Categorical
        >>> d = Categorical(probs=yingshe.tensor([1.0, 1.0, 2.0]))
        >>> d.probs
        tensor([0.2500, 0.2500, 0.5000])
        >>> d.log_prob(yingshe.tensor([0, 2]))
        tensor([-1.3863, -0.6931])
        >>> d.entropy()
        tensor(1.0397)
        >>> d.sample((4,)).shape, d.sample().dtype
        (yingshe.Size([4]), yingshe.int64)
        >>> Categorical(logits=yingshe.zeros(2, 5)).sample((3,)).shape   # 2 rows of 5 classes
        yingshe.Size([3, 2])
    """
    arg_constraints: ClassVar[dict] = {"probs": constraints.simplex,
                                       "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.ndim > 1 else ()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = tuple(batch_shape)
        param_shape = batch_shape + (self._num_events,)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        super(Categorical, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        """The shape of ``probs``/``logits``."""
        return self._param.shape

    @property
    def mean(self):
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype,
                    device=self.probs.device)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype,
                    device=self.probs.device)

    def sample(self, sample_shape=()):
        """Inverse-CDF sampling: x = the number of cumulative probabilities F_k <= u * F_K,
        u ~ U[0, 1) (categories of probability 0 are never drawn)."""
        sample_shape = tuple(sample_shape)
        probs = self.probs.detach().reshape(-1, self._num_events)
        count = math.prod(sample_shape)
        u = _standard_uniform((count, probs.shape[0]), probs)._data
        xp = get_array_module(u)
        cdf = xp.cumsum(probs._data, axis=-1)
        draws = (cdf[None, :, :] <= (u * cdf[:, -1])[..., None]).sum(-1, dtype=np.int64)
        draws = xp.minimum(draws, self._num_events - 1)  # u * F_K rounding up to F_K
        return Tensor._make(draws.reshape(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        """log p_x, read from the normalised logits."""
        if self._validate_args:
            self._validate_sample(value)
        index, log_pmf = broadcast_tensors(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, index[..., :1]).squeeze(-1)

    def entropy(self):
        """-sum_k p_k log p_k (log p_k clamped to the dtype's most negative finite number, so
        that p_k = 0 contributes 0)."""
        min_real = float(np.finfo(self.logits._data.dtype).min)
        return -(clamp(self.logits, min=min_real) * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        """0, ..., K - 1 along a new leading dimension (expanded over the batch)."""
        values = arange(self._num_events, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
