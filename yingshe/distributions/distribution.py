"""``Distribution``: the interface every distribution follows (``torch.distributions``).

A distribution has a ``batch_shape`` (independent, not identically distributed copies) and an
``event_shape`` (the shape of one draw): ``sample(sample_shape)`` has the shape
sample_shape + batch_shape + event_shape, and ``log_prob(value)`` one number per event.
``rsample`` draws with the reparameterisation trick, x = g(params, eps) with eps from a fixed
noise distribution, so that gradients reach the parameters (Kingma & Welling, "Auto-encoding
variational Bayes", ICLR 2014, §2.4).  Draws come from the framework's seeded generator
(``yingshe.manual_seed``)."""
import warnings

from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.broadcast import broadcast_shapes
from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


def _all_true(valid):
    return bool(valid._data.all())


class Distribution:
    """Base class: subclasses set ``arg_constraints`` and ``support`` and define ``log_prob``,
    ``rsample`` or ``sample``, ``entropy``, ``mean``, ``variance`` and ``expand``.

    With ``validate_args`` (on by default, as PyTorch's; ``set_default_validate_args(False)``
    turns it off) the parameters are checked against ``arg_constraints`` here, raising a
    ValueError that names the parameter, and ``log_prob`` checks its value's shape and support.

    Shape:
        ``sample(sample_shape)``: sample_shape + batch_shape + event_shape;
        ``log_prob(value)``: value's shape without the event dims, broadcast with batch_shape;
        ``entropy()``: batch_shape; ``mean``, ``variance``: batch_shape + event_shape.

    Examples:
        Twelve scalar normals (batch_shape (4, 3)) against four 3-vectors (event_shape (3,)):

        >>> import yingshe
        >>> from yingshe.distributions import Independent, Normal
        >>> d = Normal(yingshe.zeros(4, 3), yingshe.ones(4, 3))
        >>> d.sample((2,)).shape
        yingshe.Size([2, 4, 3])
        >>> d.log_prob(yingshe.zeros(4, 3)).shape
        yingshe.Size([4, 3])
        >>> vectors = Independent(d, 1)
        >>> vectors.sample((2,)).shape
        yingshe.Size([2, 4, 3])
        >>> vectors.log_prob(yingshe.zeros(4, 3)).shape
        yingshe.Size([4])
    """
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument validation on or off for distributions made afterwards."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if not self._validate_args:
            return
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(f"{self.__class__} does not define `arg_constraints`. Please set "
                          f"`arg_constraints = {{}}` or initialize the distribution with "
                          f"`validate_args=False` to turn off validation.", stacklevel=2)
        for param, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue  # depends on other parameters: cannot be checked alone
            if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                continue  # computed from the parameter that was given
            value = getattr(self, param)
            if not _all_true(constraint.check(value)):
                raise ValueError(f"Expected parameter {param} ({type(value).__name__} of shape "
                                 f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                                 f"constraint {constraint!r}, but found invalid values:\n{value}")

    def expand(self, batch_shape, _instance=None):
        """A view of this distribution with a larger ``batch_shape`` (parameters expanded)."""
        raise NotImplementedError

    @property
    def batch_shape(self):
        """The shape of independent, differently parameterised draws."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of one draw."""
        return self._event_shape

    @property
    def arg_constraints(self):
        """{parameter name: the constraint its values must satisfy}."""
        raise NotImplementedError

    @property
    def support(self):
        """The constraint the distribution's values satisfy."""
        raise NotImplementedError

    @property
    def mean(self):
        """E[X], of shape batch_shape + event_shape."""
        raise NotImplementedError

    @property
    def mode(self):
        """The most probable value, of shape batch_shape + event_shape."""
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self):
        """Var[X] = E[(X - E[X])^2], of shape batch_shape + event_shape."""
        raise NotImplementedError

    @property
    def stddev(self):
        """The standard deviation sqrt(Var[X])."""
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        """A draw of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        """A reparameterised draw: differentiable with respect to the parameters."""
        raise NotImplementedError(f"{self.__class__.__name__} does not support rsample (it has "
                                  f"no reparameterised sampler; use sample)")

    def log_prob(self, value):
        """log p(value) (a density or a probability mass), of shape sample + batch_shape."""
        raise NotImplementedError

    def cdf(self, value):
        """P(X <= value), the cumulative distribution function."""
        raise NotImplementedError

    def icdf(self, value):
        """The inverse of ``cdf``: the value x with P(X <= x) = ``value``."""
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        """Every value of a discrete distribution's support, along a new leading dim
        (expanded over batch_shape unless ``expand=False``).
        """
        raise NotImplementedError

    def entropy(self):
        """H = -E[log p(X)] in nats, of shape batch_shape."""
        raise NotImplementedError

    def perplexity(self):
        """exp(entropy)."""
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=()):
        return tuple(sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value):
        """``value`` is a Tensor whose rightmost dimensions are event_shape, whose shape
        broadcasts with batch_shape + event_shape, and whose entries lie in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = tuple(value.shape)
        start = len(shape) - len(self._event_shape)
        if shape[start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {shape} vs "
                             f"{self._event_shape}.")
        expected = self._batch_shape + self._event_shape
        try:
            broadcast_shapes(shape, expected)
        except RuntimeError:
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {shape} "
                             f"vs {expected}.") from None
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{self.__class__} does not define `support` to enable sample "
                          f"validation. Please initialize the distribution with "
                          f"`validate_args=False` to turn off validation.", stacklevel=2)
            return
        if not _all_true(support.check(value)):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {shape}) "
                             f"to be within the support ({support!r}) of the distribution "
                             f"{self!r}, but found invalid values:\n{value}")

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {self.__class__.__name__} of {cls.__name__} "
                                      f"that defines a custom __init__ method must also define a "
                                      f"custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self):
        shown = []
        for name in self.arg_constraints:
            if name in self.__dict__:
                value = self.__dict__[name]
                text = f"{value.item()}" if value.numel() == 1 and value.ndim == 0 else \
                    (f"{value}" if value.numel() == 1 else f"{tuple(value.shape)}")
                shown.append(f"{name}: {text}")
        return f"{self.__class__.__name__}({', '.join(shown)})"
