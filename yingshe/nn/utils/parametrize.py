"""``torch.nn.utils.parametrize``: a tensor of a module computed from other tensors.

After ``register_parametrization(module, "weight", P)``, reading ``module.weight`` returns
``P(original)``, where ``original`` (the old parameter, the same object, so optimisers keep
working) now lives at ``module.parametrizations.weight.original``.  As in PyTorch the module's
class is swapped for a subclass ``Parametrized<Class>`` that holds a property per parametrized
name; registering several parametrizations chains them (``P2(P1(original))``); assigning
``module.weight = X`` stores ``P.right_inverse(X)`` in the original (Lezcano-Casado, "Trivializations
for gradient-based optimization on manifolds", NeurIPS 2019, the design PyTorch follows).
"""
import collections.abc
import copy
import copyreg
from contextlib import contextmanager

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.container import ModuleDict, ModuleList
from ..parameter import Parameter

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations",
           "transfer_parametrizations_and_params"]

_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Within this context each parametrized tensor is computed once, on first access, and the
    value reused (e.g. a parametrized recurrent weight used at every step); the values are
    dropped on leaving the outermost ``cached()``.

    Examples:
        >>> from yingshe import nn
        >>> from yingshe.nn.utils import parametrize
        >>> class Doubled(nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        >>> layer = parametrize.register_parametrization(nn.Linear(2, 2), "weight", Doubled())
        >>> layer.weight is layer.weight  # computed anew at each access
        False
        >>> with parametrize.cached():
        ...     layer.weight is layer.weight  # computed once, then reused
        True
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module, name, X):
    if isinstance(X, Parameter):
        module.register_parameter(name, X)
    else:
        module.register_buffer(name, X)


def _maybe_set(dest, src):
    """Make ``dest`` hold ``src``'s values without changing its identity (PyTorch's ``set_``):
    an optimiser holding ``dest`` keeps working."""
    dest._data = src._data
    dest._bump_version()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor and the tensor(s) they start from, as
    ``module.parametrizations[name]``: calling it computes P_k(...P_1(original)).  The original
    is ``original`` when the first parametrization's ``right_inverse`` returns one tensor (or
    there is none: the identity), else ``original0``, ``original1``, ...  Made by
    ``register_parametrization`` only.

    Shape: ``original`` has the unparametrized tensor's shape (unless ``right_inverse`` changes
    it); the output, the parametrized tensor's.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.parametrizations import weight_norm
        >>> layer = weight_norm(yingshe.nn.Linear(3, 2))
        >>> layer.parametrizations.weight
        ParametrizationList(
          (0): _WeightNorm()
        )
        >>> [name for name, _ in layer.parametrizations.weight.named_parameters()]  # g and v
        ['original0', 'original1']
    """

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        with no_grad():
            new = original
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, collections.abc.Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\n"
                    f"right_inverse(original).dtype: {new.dtype}")
            if original.device != new.device:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the device.\n"
                    f"original.device: {original.device}\n"
                    f"right_inverse(original).device: {new.device}")
            with no_grad():
                _maybe_set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, originali in enumerate(new):
                if not isinstance(originali, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors "
                        f"(list, tuple...). Got element {i} of the sequence with type "
                        f"{type(originali).__name__}.")
                if isinstance(original, Parameter):
                    originali = Parameter(originali, original.requires_grad)
                originali.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", originali)
        if not self.unsafe:
            Z = self()
            if not isinstance(Z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(Z).__name__}.")
            if Z.dtype != original_dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, "
                    "unless `unsafe` flag is enabled.\n"
                    f"unparametrized dtype: {original_dtype}\nparametrized dtype: {Z.dtype}")
            if Z.shape != original_shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, "
                    "unless `unsafe` flag is enabled.\n"
                    f"unparametrized shape: {original_shape}\nparametrized shape: {Z.shape}")

    def right_inverse(self, value):
        """Store ``value`` by running the ``right_inverse`` of each parametrization, last
        registered first, into ``original`` (or ``original0``, ``original1``, ...)."""
        with no_grad():
            for module in reversed(self):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(
                        f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype "
                                     f"{value.dtype} while `original` has dtype "
                                     f"{self.original.dtype}")
                _maybe_set(self.original, value)
            else:
                if not isinstance(value, collections.abc.Sequence):
                    raise ValueError("'right_inverse' must return a sequence of tensors. "
                                     f"Got {type(value).__name__}.")
                if len(value) != self.ntensors:
                    raise ValueError("'right_inverse' must return a sequence of tensors of "
                                     f"length {self.ntensors}. Got a sequence of length "
                                     f"{len(value)}.")
                for i, tensor in enumerate(value):
                    original_i = getattr(self, f"original{i}")
                    if not isinstance(tensor, Tensor):
                        raise ValueError("'right_inverse' must return a sequence of tensors. "
                                         f"Got element {i} of type {type(tensor).__name__}.")
                    if original_i.dtype != tensor.dtype:
                        raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype "
                                         f"{tensor.dtype} while `original{i}` has dtype "
                                         f"{original_i.dtype}")
                    _maybe_set(original_i, tensor)

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        index = 1
        while hasattr(self, str(index)):
            x = self[index](x)
            index += 1
        return x


def _default_deepcopy(self, memo):
    """A plain deepcopy (the class refuses pickling, which deepcopy would otherwise use)."""
    obj = memo.get(id(self))
    if obj is not None:
        return obj
    replica = self.__new__(self.__class__)
    memo[id(self)] = replica
    replica.__dict__ = copy.deepcopy(self.__dict__, memo)
    for slot in copyreg._slotnames(self.__class__):
        if hasattr(self, slot):
            setattr(replica, slot, copy.deepcopy(getattr(self, slot), memo))
    return replica


def _getstate(self):
    raise RuntimeError("Serialization of parametrized modules is only supported through "
                       "state_dict(): save module.state_dict() and load it into a module "
                       "built and parametrized in code.")


def _inject_new_class(module):
    """Swap the module's class for ``Parametrized<Class>``, a subclass that can hold properties
    without touching the class other instances share."""
    cls = module.__class__
    namespace = {"__getstate__": _getstate}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = _default_deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _inject_property(module, tensor_name):
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        tensor = _cache.get(key)
        if tensor is None:
            tensor = _cache[key] = parametrization()
        return tensor

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` be ``parametrization(original)``, as
    PyTorch: a constraint or a reparametrization of a weight (Lezcano-Casado 2019) that every
    access recomputes, while the optimiser updates the unconstrained ``original``.

    The parameter or buffer moves to ``module.parametrizations[tensor_name].original`` (after
    ``parametrization.right_inverse``, if defined, maps it to the original's space), and the
    module's class becomes ``Parametrized<Class>``.  A second registration on the same name
    chains: ``P2(P1(original))``.  Unless ``unsafe``, the parametrized tensor must keep the shape
    and dtype, which is checked here.  The parametrization may also return several tensors from
    ``right_inverse``; they become ``original0``, ``original1``, ... and ``forward`` takes them in
    that order.  Returns the module.

    Shape: the parametrized tensor keeps the original's shape unless ``unsafe=True``.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> from yingshe.nn.utils import parametrize
        >>> class Symmetric(nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).transpose(-1, -2)
        >>> layer = parametrize.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
        >>> type(layer).__name__
        'ParametrizedLinear'
        >>> yingshe.equal(layer.weight, layer.weight.T)  # symmetric after every update
        True
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            if not isinstance(X, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
            if X.dtype != Y.dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, "
                    "unless the `unsafe` flag is enabled.\n"
                    f"module.{tensor_name}.dtype: {Y.dtype}\n"
                    f"parametrization(module.{tensor_name}).dtype: {X.dtype}")
            if X.shape != Y.shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, "
                    "unless the `unsafe` flag is enabled.\n"
                    f"module.{tensor_name}.shape: {Y.shape}\n"
                    f"parametrization(module.{tensor_name}).shape: {X.shape}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    Z = parametrization.right_inverse(X)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(Z, Tensor):
                        raise ValueError("parametrization.right_inverse must return a tensor. "
                                         f"Got: {type(Z).__name__}")
                    if Z.dtype != Y.dtype:
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the "
                            f"same dtype as module.{tensor_name}, unless the `unsafe` flag is "
                            f"enabled.\nmodule.{tensor_name}.dtype: {Y.dtype}\n"
                            f"returned dtype: {Z.dtype}")
                    if Z.shape != Y.shape:
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the "
                            f"same shape as module.{tensor_name}, unless the `unsafe` flag is "
                            f"enabled.\nmodule.{tensor_name}.shape: {Y.shape}\n"
                            f"returned shape: {Z.shape}")
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import parametrize
        >>> from yingshe.nn.utils.parametrizations import weight_norm
        >>> layer = weight_norm(yingshe.nn.Linear(3, 2))
        >>> parametrize.is_parametrized(layer), parametrize.is_parametrized(layer, "bias")
        (True, False)
    """
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo ``register_parametrization`` on ``tensor_name``: the attribute
    becomes a plain parameter (or buffer) again, holding the current parametrized value
    (``leave_parametrized=True``, in the original Parameter object when there is one original)
    or the unparametrized ``original`` (``False``; one original only).  The module gets its
    class back once nothing is parametrized.  Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import parametrize
        >>> from yingshe.nn.utils.parametrizations import orthogonal
        >>> layer = orthogonal(yingshe.nn.Linear(3, 3))
        >>> layer = parametrize.remove_parametrizations(layer, "weight")
        >>> type(layer).__name__, type(layer.weight).__name__
        ('Linear', 'Parameter')
        >>> w = layer.weight  # still orthogonal, now free to leave that set
        >>> yingshe.allclose(w @ w.T, yingshe.eye(3), atol=1e-5)
        True
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
                _maybe_set(original, t)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        t = getattr(module, tensor_name)
        original = Parameter(t.detach()) if t.requires_grad else t
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module):
    """The module's class before any parametrization (its own class
    if none), e.g. ``Conv2d`` for a ``ParametrizedConv2d``.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import parametrize
        >>> from yingshe.nn.utils.parametrizations import spectral_norm
        >>> conv = spectral_norm(yingshe.nn.Conv2d(1, 4, 3))
        >>> type(conv).__name__, parametrize.type_before_parametrizations(conv).__name__
        ('ParametrizedConv2d', 'Conv2d')
    """
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Register ``from_module``'s parametrizations (of
    ``tensor_name``, or all) on ``to_module`` too, creating the parameters it lacks, and share
    the originals (the same Parameter objects).  Returns ``to_module``.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import parametrize
        >>> from yingshe.nn.utils.parametrizations import weight_norm
        >>> source = weight_norm(yingshe.nn.Linear(3, 2))
        >>> target = yingshe.nn.Linear(3, 2)
        >>> target = parametrize.transfer_parametrizations_and_params(source, target)
        >>> target.parametrizations.weight.original1 is source.parametrizations.weight.original1
        True
    """
    if not is_parametrized(from_module):
        return to_module
    names = from_module.parametrizations if tensor_name is None else [tensor_name]
    for name in list(names):
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach()))
        for parametrization in from_module.parametrizations[name]:
            register_parametrization(to_module, name, parametrization)
        source = from_module.parametrizations[name]
        target = to_module.parametrizations[name]
        if hasattr(source, "original"):
            target.original = source.original
        else:
            i = 0
            while hasattr(source, f"original{i}"):
                setattr(target, f"original{i}", getattr(source, f"original{i}"))
                i += 1
    return to_module
