"""The sets a distribution's parameters and samples live in, as ``torch.distributions.constraints``:
``constraint.check(value)`` is a bool Tensor, one entry per event (``event_dim`` rightmost
dimensions are checked together).  Distributions check their parameters with these when
``validate_args`` is on, and ``log_prob`` checks its value against ``support``."""
from .._backend import get_array_module
from .._tensor import Tensor
from ..ops.linalg import cholesky_ex

__all__ = ["Constraint", "boolean", "dependent", "dependent_property", "greater_than",
           "greater_than_eq", "half_open_interval", "independent", "integer_interval",
           "interval", "is_dependent", "less_than", "lower_cholesky", "lower_triangular",
           "nonnegative", "positive", "positive_definite", "real", "real_vector", "simplex",
           "square", "symmetric", "unit_interval"]


def _shown(bound):
    """A bound as PyTorch's reprs show it: a 0-d tensor as its number."""
    return f"{bound.item()}" if isinstance(bound, Tensor) and bound.ndim == 0 else f"{bound}"


def _bool_tensor(array):
    return Tensor._make(array)


class Constraint:
    """A set of valid values; ``check`` says, per event, whether ``value`` lies in it
    (``torch.distributions.constraints.Constraint``).  ``event_dim`` is how many rightmost
    dimensions make one event (0 for scalars, 1 for ``simplex``, 2 for matrices) and
    ``is_discrete`` whether the set is countable.  Subclasses define ``check``.

    Shape:
        ``check(value)``: value (*, E) with E the ``event_dim`` rightmost dims, result (*) bool.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> constraints.positive.check(yingshe.tensor([-1.0, 0.0, 2.0]))
        tensor([False, False,  True])
        >>> constraints.simplex.check(yingshe.tensor([[0.5, 0.5], [0.5, 0.6]]))  # one per row
        tensor([ True, False])
        >>> class Even(constraints.Constraint):
        ...     is_discrete = True
        ...     def check(self, value):
        ...         return value % 2 == 0
        >>> Even().check(yingshe.tensor([1, 2, 4]))
        tensor([False,  True,  True])
    """
    is_discrete = False
    event_dim = 0

    def check(self, value):
        """A bool tensor: whether each event of ``value`` lies in the set."""
        raise NotImplementedError

    def __repr__(self):
        return self.__class__.__name__[1:] + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (e.g. Uniform's support): it cannot be
    checked on its own, and parameter validation skips it."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim
        super().__init__()

    @property
    def is_discrete(self):
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        if is_discrete is NotImplemented:
            is_discrete = self._is_discrete
        if event_dim is NotImplemented:
            event_dim = self._event_dim
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, x):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint):
    """True for the constraints that depend on other parameters (``dependent``, a
    ``dependent_property`` seen on the class), which ``Distribution.__init__`` therefore cannot
    check on their own.

    Examples:
        >>> from yingshe.distributions import Uniform, constraints
        >>> constraints.is_dependent(Uniform.support), constraints.is_dependent(constraints.real)
        (True, False)
    """
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """Decorator for a property whose value is a constraint built from the instance
    (``support`` of Uniform or Categorical); on the class it is itself a dependent constraint,
    so argument validation skips it.  ``is_discrete`` and ``event_dim`` (keyword arguments)
    state what every instance's constraint will have.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import Uniform, constraints
        >>> Uniform(0.0, 2.0).support
        Interval(lower_bound=0.0, upper_bound=2.0)
        >>> class Window(Uniform):
        ...     @constraints.dependent_property(is_discrete=False, event_dim=0)
        ...     def support(self):
        ...         return constraints.half_open_interval(self.low, self.high)
        >>> Window(0.0, 2.0).support.check(yingshe.tensor([0.0, 2.0]))
        tensor([ True, False])
        >>> constraints.is_dependent(Window.support)
        True
    """

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        super().__init__(fn)
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class _IndependentConstraint(Constraint):
    """``base_constraint`` with its ``reinterpreted_batch_ndims`` rightmost dimensions checked
    as one event: an event holds when all its entries do (the support of ``Independent``;
    ``real_vector`` is ``independent(real, 1)``).  event_dim = the base's + the reinterpreted
    dims.

    Shape:
        ``check(value)``: value (*, D) with D the ``reinterpreted_batch_ndims`` (plus the
        base's event) rightmost dims, result (*) bool.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> rows = constraints.independent(constraints.real, 1)
        >>> rows
        IndependentConstraint(Real(), 1)
        >>> rows.check(yingshe.tensor([[0.0, 1.0], [float("nan"), 1.0]]))
        tensor([ True, False])
    """

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"independent: base_constraint must be a Constraint, got "
                            f"{type(base_constraint).__name__}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(f"independent: reinterpreted_batch_ndims must be an int >= 0, got "
                             f"{reinterpreted_batch_ndims!r}")
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__()

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)
        n = self.reinterpreted_batch_ndims
        if result.ndim < n:
            raise ValueError(f"Expected value.dim() >= {self.base_constraint.event_dim + n} but "
                             f"got {value.ndim}")
        return result.reshape(tuple(result.shape[:result.ndim - n]) + (-1,)).all(-1)

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}({self.base_constraint!r}, " \
               f"{self.reinterpreted_batch_ndims})"


class _Boolean(Constraint):
    """{0, 1}."""
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _IntegerInterval(Constraint):
    """The integers in [lower_bound, upper_bound] (the support of ``Categorical``):
    value % 1 == 0 and lower_bound <= value <= upper_bound.

    Shape:
        ``check(value)``: (*) in, (*) bool out; the bounds broadcast with value.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> constraints.integer_interval(0, 2).check(yingshe.tensor([0.0, 1.5, 2.0, 3.0]))
        tensor([ True, False,  True, False])
    """
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}(lower_bound={_shown(self.lower_bound)}, " \
               f"upper_bound={_shown(self.upper_bound)})"


class _Real(Constraint):
    """The real line (anything but NaN)."""

    def check(self, value):
        return value == value  # noqa: PLR0124 (NaN is the one value unequal to itself)


class _GreaterThan(Constraint):
    """The open half-line (lower_bound, inf): value > lower_bound (``positive`` is
    ``greater_than(0.0)``; Uniform's ``high`` must be greater than ``low``).

    Shape:
        ``check(value)``: (*) in, (*) bool out; the bound (a number or tensor) broadcasts.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> constraints.greater_than(1.0).check(yingshe.tensor([0.5, 1.0, 1.5]))
        tensor([False, False,  True])
    """

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound
        super().__init__()

    def check(self, value):
        return value > self.lower_bound

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}(lower_bound={_shown(self.lower_bound)})"


class _GreaterThanEq(_GreaterThan):
    """The closed half-line [lower_bound, inf): value >= lower_bound (``nonnegative`` is
    ``greater_than_eq(0.0)``).

    Shape:
        ``check(value)``: (*) in, (*) bool out; the bound (a number or tensor) broadcasts.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> constraints.greater_than_eq(1.0).check(yingshe.tensor([0.5, 1.0, 1.5]))
        tensor([False,  True,  True])
    """

    def check(self, value):
        return value >= self.lower_bound


class _LessThan(Constraint):
    """The open half-line (-inf, upper_bound): value < upper_bound (Uniform's ``low`` must be
    less than ``high``).

    Shape:
        ``check(value)``: (*) in, (*) bool out; the bound (a number or tensor) broadcasts.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> constraints.less_than(1.0).check(yingshe.tensor([0.5, 1.0, 1.5]))
        tensor([ True, False, False])
    """

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        return value < self.upper_bound

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}(upper_bound={_shown(self.upper_bound)})"


class _Interval(Constraint):
    """The closed interval [lower_bound, upper_bound]: lower_bound <= value <= upper_bound
    (``unit_interval`` is ``interval(0.0, 1.0)``, the constraint on Bernoulli's ``probs``).

    Shape:
        ``check(value)``: (*) in, (*) bool out; the bounds (numbers or tensors) broadcast.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> constraints.interval(0.0, 1.0).check(yingshe.tensor([-0.5, 0.0, 1.0, 1.5]))
        tensor([False,  True,  True, False])
    """

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        super().__init__()

    def check(self, value):
        return (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self):
        return f"{self.__class__.__name__[1:]}(lower_bound={_shown(self.lower_bound)}, " \
               f"upper_bound={_shown(self.upper_bound)})"


class _HalfOpenInterval(_Interval):
    """The half-open interval [lower_bound, upper_bound): lower_bound <= value < upper_bound.

    Shape:
        ``check(value)``: (*) in, (*) bool out; the bounds (numbers or tensors) broadcast.

    Examples:
        >>> import yingshe
        >>> from yingshe.distributions import constraints
        >>> constraints.half_open_interval(0.0, 1.0).check(yingshe.tensor([-0.5, 0.0, 1.0]))
        tensor([False,  True, False])
    """

    def check(self, value):
        return (value >= self.lower_bound) & (value < self.upper_bound)


class _Simplex(Constraint):
    """Vectors of nonnegative entries that sum to 1 (within 1e-6)."""
    event_dim = 1

    def check(self, value):
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _LowerTriangular(Constraint):
    """Lower-triangular square matrices."""
    event_dim = 2

    def check(self, value):
        x = value._data
        xp = get_array_module(x)
        return _bool_tensor((xp.tril(x) == x).all((-2, -1)))


class _LowerCholesky(Constraint):
    """Lower-triangular matrices with a positive diagonal (Cholesky factors)."""
    event_dim = 2

    def check(self, value):
        x = value._data
        xp = get_array_module(x)
        positive = (xp.diagonal(x, axis1=-2, axis2=-1) > 0).all(-1)
        return _bool_tensor((xp.tril(x) == x).all((-2, -1)) & positive)


class _Square(Constraint):
    """Square matrices."""
    event_dim = 2

    def check(self, value):
        xp = get_array_module(value._data)
        return _bool_tensor(xp.full(value.shape[:-2], value.shape[-2] == value.shape[-1]))


class _Symmetric(_Square):
    """Square matrices equal to their transpose (isclose with rtol 1e-5, atol 1e-6)."""

    def check(self, value):
        square = super().check(value)
        if not bool(square._data.all()):
            return square
        x = value._data
        xp = get_array_module(x)
        return _bool_tensor(xp.isclose(x, x.swapaxes(-1, -2), rtol=1e-5, atol=1e-6)
                            .all((-2, -1)))


class _PositiveDefinite(_Symmetric):
    """Symmetric matrices with a Cholesky factorisation."""

    def check(self, value):
        symmetric = super().check(value)
        if not bool(symmetric._data.all()):
            return symmetric
        return cholesky_ex(value.detach()).info == 0


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
integer_interval = _IntegerInterval
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
square = _Square()
symmetric = _Symmetric()
positive_definite = _PositiveDefinite()
