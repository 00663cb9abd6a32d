"""KL(p || q) = E_p[log p(x) - log q(x)] for pairs of distributions, looked up in a registry by
their types (``register_kl``), as ``torch.distributions.kl``.  Closed forms: Bishop, PRML
§1.6.1 and exercise 2.13 (Gaussians); the Bernoulli/categorical sums are the definition."""
import math
import warnings
from functools import total_ordering

from ..ops.activation import softplus
from ..ops.broadcast import broadcast_shapes
from ..ops.elementwise import where
from ..ops.linalg import solve_triangular
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis, _half_log_det
from .normal import Normal
from .uniform import Uniform
from .utils import _sum_rightmost

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY = {}  # (type_p, type_q) -> function, as registered
_KL_MEMOIZE = {}  # (type(p), type(q)) -> the function dispatch chose


def register_kl(type_p, type_q):
    """Decorator: ``@register_kl(P, Q) def kl(p, q): ...`` makes ``kl_divergence`` use it for
    p of type P (or a subclass) and q of type Q (or a subclass), as
    ``torch.distributions.kl.register_kl``.  When several registered pairs match, the most
    specific one wins (a RuntimeWarning asks to register the pair when that is ambiguous).

    Examples:
        A closed form for a subclass overrides its parents' (here KL of unit-variance normals,
        (mu_p - mu_q)^2 / 2):

        >>> import yingshe
        >>> from yingshe.distributions import Normal, kl_divergence, register_kl
        >>> class UnitNormal(Normal):
        ...     def __init__(self, loc):
        ...         super().__init__(loc, 1.0)
        >>> @register_kl(UnitNormal, UnitNormal)
        ... def _kl_unit_unit(p, q):
        ...     return 0.5 * (p.loc - q.loc) ** 2
        >>> kl_divergence(UnitNormal(yingshe.tensor([0.0, 2.0])), UnitNormal(yingshe.tensor(0.0)))
        tensor([0., 2.])
    """
    for name, cls in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(cls, type) and issubclass(cls, Distribution)):
            raise TypeError(f"Expected {name} to be a Distribution subclass but got {cls}")

    def decorator(function):
        _KL_REGISTRY[type_p, type_q] = function
        _KL_MEMOIZE.clear()  # the most specific match may have changed
        return function

    return decorator


@total_ordering
class _Match:
    """A registered (type_p, type_q) pair, ordered by specificity: a pair is smaller when its
    first type that differs is a subclass of the other's."""
    __slots__ = ["types"]

    def __init__(self, *types):
        self.types = types

    def __eq__(self, other):
        return self.types == other.types

    def __le__(self, other):
        for x, y in zip(self.types, other.types):
            if not issubclass(x, y):
                return False
            if x is not y:
                break
        return True


def _dispatch_kl(type_p, type_q):
    """The registered function of the most specific matching pair; a RuntimeWarning when the
    most specific by p and the most specific by q disagree."""
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return NotImplemented
    left_p, left_q = min(_Match(*m) for m in matches).types
    right_q, right_p = min(_Match(*reversed(m)) for m in matches).types
    left, right = _KL_REGISTRY[left_p, left_q], _KL_REGISTRY[right_p, right_q]
    if left is not right:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please "
                      f"register_kl({left_p.__name__}, {right_q.__name__})", RuntimeWarning,
                      stacklevel=2)
    return left


def kl_divergence(p, q):
    """The Kullback-Leibler divergence KL(p || q) = E_p[log p(x) - log q(x)], in nats, from the
    closed form registered for the types of p and q (``torch.distributions.kl_divergence``);
    NotImplementedError for an unregistered pair.  Closed forms registered here:

        Normal:        (r + ((mu_p - mu_q) / s_q)^2 - 1 - log r) / 2, r = (s_p / s_q)^2
        Bernoulli:     p log(p / q) + (1 - p) log((1 - p) / (1 - q))
        Categorical:   sum_k p_k (log p_k - log q_k)
        Uniform:       log((high_q - low_q) / (high_p - low_p)), inf unless p's range is in q's
        MultivariateNormal: (tr(Sigma_q^-1 Sigma_p) + (mu_q - mu_p)^T Sigma_q^-1 (mu_q - mu_p)
                       - n) / 2 + log det L_q - log det L_p
        Independent:   the base distributions' KL summed over the reinterpreted dims

    (Bishop, PRML, 2006, §1.6.1 and exercise 2.13.)  KL is not symmetric, and is inf where q
    gives probability 0 to an outcome p does not.

    Shape:
        the broadcast of p's and q's batch_shape (event dims are summed over).

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import Categorical, Normal, kl_divergence
        >>> p = Normal(yingshe.tensor([0.0, 1.0]), 1.0)
        >>> kl_divergence(p, Normal(0.0, 2.0))
        tensor([0.3181, 0.4431])
        >>> fair = Categorical(probs=yingshe.tensor([0.5, 0.5]))
        >>> bent = Categorical(probs=yingshe.tensor([0.9, 0.1]))
        >>> kl_divergence(fair, bent), kl_divergence(bent, fair)
        (tensor(0.5108), tensor(0.3681))
    """
    key = type(p), type(q)
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    function = _KL_MEMOIZE[key]
    if function is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type "
                                  f"{p.__class__.__name__} and q type {q.__class__.__name__}")
    return function(p, q)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """p log(p / q) + (1 - p) log((1 - p) / (1 - q)), written with softplus of the logits; a
    term is 0 where p's weight is 0 and inf where q gives 0 to an outcome p does not."""
    ones = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    ones = where(p.probs == 0, 0.0, where(q.probs == 0, math.inf, ones))
    zeros = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    zeros = where(p.probs == 1, 0.0, where(q.probs == 1, math.inf, zeros))
    return ones + zeros


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """sum_k p_k (log p_k - log q_k), with 0 where p_k = 0 and inf where only q_k = 0."""
    terms = p.probs * (p.logits - q.logits)
    terms = where((q.probs == 0).expand_as(terms), math.inf, terms)
    terms = where((p.probs == 0).expand_as(terms), 0.0, terms)
    return terms.sum(-1)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    """The base distributions' KL summed over the reinterpreted dimensions."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(f"No KL(p || q) is implemented for Independent distributions "
                                  f"with different reinterpreted_batch_ndims "
                                  f"({p.reinterpreted_batch_ndims} and "
                                  f"{q.reinterpreted_batch_ndims})")
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    """(tr(Sigma_q^{-1} Sigma_p) + (mu_q - mu_p)^T Sigma_q^{-1} (mu_q - mu_p) - n) / 2
    + log det L_q - log det L_p, with tr(Sigma_q^{-1} Sigma_p) = |L_q^{-1} L_p|_F^2."""
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event "
                         "shapes cannot be computed")
    p_tril, q_tril = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    n = p.event_shape[0]
    batch = broadcast_shapes(q_tril.shape[:-2], p_tril.shape[:-2], op="kl_divergence")
    whitened = solve_triangular(q_tril.expand(batch + (n, n)), p_tril.expand(batch + (n, n)),
                                upper=False)
    trace = whitened.pow(2).sum((-2, -1))
    mahalanobis = _batch_mahalanobis(q_tril, q.loc - p.loc)
    return _half_log_det(q_tril) - _half_log_det(p_tril) + 0.5 * (trace + mahalanobis - n)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """(r + ((mu_p - mu_q) / s_q)^2 - 1 - log r) / 2 with r = (s_p / s_q)^2."""
    variance_ratio = (p.scale / q.scale).pow(2)
    mean_term = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (variance_ratio + mean_term - 1 - variance_ratio.log())


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """log((high_q - low_q) / (high_p - low_p)), inf unless p's interval lies inside q's."""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return where((q.low > p.low) | (q.high < p.high), math.inf, result)
