"""The multivariate normal distribution N(loc, Sigma) (Bishop, PRML §2.3), parameterised by the
covariance Sigma, the precision Sigma^{-1} or the lower Cholesky factor L with Sigma = L L^T."""
import math
from typing import ClassVar

from .._backend import get_array_module
from .._tensor import Tensor
from ..ops.broadcast import broadcast_shapes
from ..ops.linalg import linalg_cholesky, solve_triangular
from ..ops.matmul import einsum
from . import constraints
from .distribution import Distribution
from .utils import _standard_normal, lazy_property

__all__ = ["MultivariateNormal"]


def _identity_like(matrix):
    xp = get_array_module(matrix._data)
    return Tensor._make(xp.eye(matrix.shape[-1], dtype=matrix._data.dtype))


def _half_log_det(scale_tril):
    """log det(L) = sum_i log L_ii, which is log det(Sigma) / 2."""
    return einsum("...ii->...i", scale_tril).log().sum(-1)


def _batch_mahalanobis(scale_tril, x):
    """x^T Sigma^{-1} x = |L^{-1} x|^2 for Sigma = L L^T (one triangular solve), batched with
    broadcasting."""
    whitened = solve_triangular(scale_tril, x.unsqueeze(-1), upper=False)
    return whitened.squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(precision):
    """L with L L^T = P^{-1}: the Cholesky factor of P with rows and columns reversed gives
    P = L_inv^T L_inv with L_inv lower triangular, and L = L_inv^{-1}."""
    flipped = linalg_cholesky(precision.flip((-2, -1)))
    l_inverse = flipped.flip((-2, -1)).transpose(-2, -1)
    return solve_triangular(l_inverse, _identity_like(precision), upper=False)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors of size n = loc.shape[-1], batched over the broadcast of
    loc.shape[:-1] and the matrix's batch shape.  Exactly one of ``covariance_matrix``,
    ``precision_matrix`` and ``scale_tril`` is given; all computations use L.

    log p(x) = -(n log(2 pi) + (x - mu)^T Sigma^{-1} (x - mu)) / 2 - log det L;
    entropy = n (1 + log(2 pi)) / 2 + log det L;  rsample: x = mu + L eps, eps ~ N(0, I).
    Here log det L = sum_i log L_ii = log det(Sigma) / 2, and the Mahalanobis term is
    |L^{-1} (x - mu)|^2 from one triangular solve (Bishop, PRML, 2006, §2.3).

    Shape:
        ``loc``: (*, n); the matrix: (*, n, n) (batch dims broadcast with loc's);
        batch_shape: the broadcast (*); event_shape: (n,);
        ``sample(sample_shape)``: sample_shape + batch_shape + (n,); ``log_prob(value)``:
        value (*, n) to (*) broadcast with batch_shape; ``entropy()``: batch_shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import MultivariateNormal
        >>> cov = yingshe.tensor([[2.0, 1.0], [1.0, 2.0]])
        >>> d = MultivariateNormal(yingshe.zeros(2), covariance_matrix=cov)
        >>> d.scale_tril
        tensor([[1.4142, 0.0000],
                [0.7071, 1.2247]])
        >>> d.log_prob(yingshe.tensor([1.0, 1.0]))
        tensor(-2.7205)
        >>> d.entropy()
        tensor(3.3872)
        >>> d.sample((5,)).shape
        yingshe.Size([5, 2])
        >>> MultivariateNormal(yingshe.zeros(3, 2), cov).sample((5,)).shape   # a batch of 3
        yingshe.Size([5, 3, 2])
    """
    arg_constraints: ClassVar[dict] = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [(name, m) for name, m in (("scale_tril", scale_tril),
                                            ("covariance_matrix", covariance_matrix),
                                            ("precision_matrix", precision_matrix))
                 if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        name, matrix = given[0]
        if matrix.ndim < 2:
            raise ValueError(f"{name} must be at least two-dimensional, with optional leading "
                             f"batch dimensions")
        batch_shape = broadcast_shapes(matrix.shape[:-2], loc.shape[:-1],
                                       op="MultivariateNormal")
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = linalg_cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        matrix_shape = batch_shape + self.event_shape + self.event_shape
        new.loc = self.loc.expand(batch_shape + self.event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(matrix_shape))
        super(MultivariateNormal, new).__init__(batch_shape, self.event_shape,
                                                validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(
            self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self):
        factor = self._unbroadcasted_scale_tril
        return (factor @ factor.mT).expand(
            self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self):
        """Sigma^{-1} = L^{-T} L^{-1}."""
        factor = self._unbroadcasted_scale_tril
        inverse = solve_triangular(factor, _identity_like(factor), upper=False)
        return (inverse.mT @ inverse).expand(
            self._batch_shape + self._event_shape + self._event_shape)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        """diag(Sigma)_i = sum_j L_ij^2."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()):
        eps = _standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        mahalanobis = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - \
            _half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self):
        n = self._event_shape[0]
        entropy = 0.5 * n * (1.0 + math.log(2 * math.pi)) + \
            _half_log_det(self._unbroadcasted_scale_tril)
        return entropy.expand(self._batch_shape) if self._batch_shape else entropy
