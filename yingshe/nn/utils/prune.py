"""``torch.nn.utils.prune``: zero out weights by a mask, as PyTorch does it.

Pruning ``module.weight`` moves the parameter to ``module.weight_orig``, stores the 0/1 mask as
the buffer ``module.weight_mask`` and makes ``module.weight = weight_mask * weight_orig`` a plain
attribute that a forward pre-hook (the pruning method itself) recomputes before every call, so
gradients reach ``weight_orig`` only through the kept entries.  Pruning the same tensor again
gathers the methods in a ``PruningContainer``: each new method only looks at the entries (or,
for structured methods, the channels) the previous masks kept.  ``remove`` makes the pruning
permanent.  The criteria: magnitude pruning (Han, Pool, Tran & Dally, "Learning both weights and
connections for efficient neural networks", NeurIPS 2015) and norm-based channel pruning (Li,
Kadav, Durdanovic, Samet & Graf, "Pruning filters for efficient ConvNets", ICLR 2017).

Ties between equal importance scores go to the lower flat index (PyTorch leaves their order
unspecified).
"""
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

from ..._backend import get_array_module
from ..._tensor import Tensor
from ...ops.creation import rand, rand_like
from ...ops.reduce import norm

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured",
           "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask", "identity",
           "random_unstructured", "l1_unstructured", "random_structured", "ln_structured",
           "global_unstructured", "custom_from_mask", "remove", "is_pruned"]


class BasePruningMethod(ABC):
    """A pruning method, the base of those below: ``compute_mask(t,
    default_mask)`` returns the new 0/1 mask of ``t`` (keeping ``default_mask``'s zeros), and
    ``prune(t)`` = t * that mask.  ``apply(module, name, ...)`` prunes a module's tensor:
    ``<name>_orig`` holds the parameter, ``<name>_mask`` the mask, and the method object becomes
    the module's forward pre-hook that recomputes ``<name> = <name>_mask * <name>_orig``.  A
    subclass sets ``PRUNING_TYPE`` ('unstructured', 'structured' or 'global') and defines
    ``compute_mask``.

    Shape: t (*); mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> class BelowOne(prune.BasePruningMethod):  # prune the entries with |t| < 1
        ...     PRUNING_TYPE = "unstructured"
        ...
        ...     def compute_mask(self, t, default_mask):
        ...         return default_mask * (t.abs() >= 1).to(default_mask.dtype)
        >>> BelowOne().prune(yingshe.tensor([0.5, -2.0, 3.0]))
        tensor([ 0., -2.,  3.])
    """
    _tensor_name = None

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The mask to apply to ``t`` (same shape), given the mask it already has."""

    def apply_mask(self, module):
        """weight = weight_mask * weight_orig, in the graph of weight_orig."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``, on top of any earlier pruning
        of it; masks are computed from ``importance_scores`` (default: the tensor itself)."""
        old_method, found = None, []
        for key, hook in module._forward_pre_hooks.items():
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
                old_method = hook
                found.append(key)
        if len(found) > 1:
            raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor {name} "
                                 f"of module {module}. Use a PruningContainer.")
        for key in found:
            del module._forward_pre_hooks[key]
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if isinstance(old_method, PruningContainer):
            old_method.add_pruning_method(method)
            method = old_method
        elif old_method is not None:
            container = PruningContainer(old_method)
            container.add_pruning_method(method)
            method = container

        orig = getattr(module, name)
        if importance_scores is not None:
            if importance_scores.shape != orig.shape:
                raise AssertionError(
                    f"importance_scores should have the same shape as parameter {name} of "
                    f"{module}, got {tuple(importance_scores.shape)} vs {tuple(orig.shape)}")
        else:
            importance_scores = orig
        if not isinstance(method, PruningContainer):  # first pruning: weight -> weight_orig
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = _tensor(get_array_module(orig._data).ones_like(orig._data))
        else:
            default_mask = _tensor(getattr(module, name + "_mask")._data.copy())
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if not isinstance(method, PruningContainer):  # roll back
                orig = getattr(module, name + "_orig")
                module.register_parameter(name, orig)
                del module._parameters[name + "_orig"]
            raise
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """``t`` times the mask this method computes (from ``importance_scores`` if given)."""
        if importance_scores is not None:
            if importance_scores.shape != t.shape:
                raise AssertionError(
                    "importance_scores should have the same shape as tensor t, got "
                    f"{tuple(importance_scores.shape)} vs {tuple(t.shape)}")
        else:
            importance_scores = t
        if default_mask is None:
            default_mask = _tensor(get_array_module(t._data).ones_like(t._data))
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module):
        """Make the pruning permanent: ``weight_orig`` (the same Parameter object) takes the
        masked values and becomes ``weight`` again; the mask and the reparametrization go."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be "
                                 "removed")
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        orig.data = weight.data
        orig._bump_version()
        del module._parameters[self._tensor_name + "_orig"]
        del module._buffers[self._tensor_name + "_mask"]
        setattr(module, self._tensor_name, orig)


class PruningContainer(BasePruningMethod):
    """The successive pruning methods of one tensor, which ``apply`` builds when a
    tensor is pruned again; the last method acts on what the earlier masks kept (the entries
    still 1 for unstructured methods, the channels not all zero for structured ones, everything
    for "global" ones such as ``CustomFromMask``).

    Shape: t (*); mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> layer = prune.l1_unstructured(yingshe.nn.Linear(4, 2), "weight", amount=0.5)
        >>> layer = prune.ln_structured(layer, "weight", amount=1, n=2, dim=0)
        >>> container = next(iter(layer._forward_pre_hooks.values()))
        >>> type(container).__name__, len(container)
        ('PruningContainer', 2)
        >>> int((layer.weight_mask.sum(dim=1) == 0).sum())  # one whole row pruned
        1
    """

    def __init__(self, *args):
        self._pruning_methods = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method):
        """Add ``method`` (acting on the same parameter) to the chain of pruning methods."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError("Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """The last method's mask, computed on the part of ``t`` that ``default_mask`` (the
        earlier methods' combined mask) leaves, written into a copy of ``default_mask``."""
        method = self._pruning_methods[-1]
        mask = default_mask._data
        new_mask = mask.astype(t._data.dtype, copy=True)
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            slc = mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have '
                                     "the attribute `dim` defined.")
            n_dims = t.ndim
            dim = method.dim + n_dims if method.dim < 0 else method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
            keep_channel = mask.sum(axis=tuple(d for d in range(n_dims) if d != dim)) != 0
            slc = [slice(None)] * n_dims
            slc[dim] = keep_channel
            slc = tuple(slc)
        elif kind == "global":
            slc = (slice(None),) * t.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
        partial = method.compute_mask(_tensor(t._data[slc]), default_mask=_tensor(mask[slc]))
        new_mask[slc] = partial._data.astype(new_mask.dtype, copy=False)
        return _tensor(new_mask)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (useful to set up the reparametrization,
    ``<name>_orig`` and ``<name>_mask``, before editing the mask by hand).

    Shape: t (*); mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> prune.Identity().prune(yingshe.tensor([0.1, -3.0, 0.2]))
        tensor([ 0.1000, -3.0000,  0.2000])
    """
    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` entries chosen uniformly at random with the
    framework generator (an int: that many; a float in [0, 1]: that fraction, rounded); on a
    tensor pruned before, among the entries the earlier masks kept (see ``PruningContainer``).

    Shape: t (*); mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> mask = prune.RandomUnstructured(amount=0.25).compute_mask(yingshe.ones(8),
        ...                                                           yingshe.ones(8))
        >>> int((mask == 0).sum())  # 25% of 8 entries
        2
    """
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _prune_smallest(t, default_mask, self.amount,
                               lambda: -rand_like(t.detach())._data.reshape(-1))

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Magnitude pruning (Han, Pool, Tran & Dally, NeurIPS 2015): prunes the
    ``amount`` entries of smallest absolute value (an int: that many; a float: that fraction).

    Shape: t (*); mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> prune.L1Unstructured(amount=0.5).prune(yingshe.tensor([0.1, -3.0, 0.2, 4.0]))
        tensor([ 0., -3.,  0.,  4.])
    """
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _prune_smallest(t, default_mask, self.amount,
                               lambda: get_array_module(t._data).abs(t._data).reshape(-1))

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` whole channels along ``dim`` (slices t.select(dim, i)),
    chosen at random; an int is a count, a float a fraction of the channels.

    Shape: t (*), at least 1-D; mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> mask = prune.RandomStructured(amount=1, dim=0).compute_mask(yingshe.ones(3, 2),
        ...                                                             yingshe.ones(3, 2))
        >>> sorted(mask.sum(dim=1).tolist())  # one of the three rows zeroed
        [0.0, 2.0, 2.0]
    """
    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        size, k = _channels_to_prune(t, self.dim, self.amount)
        if k == 0:
            return default_mask
        prob = rand(size)._data
        xp = get_array_module(t._data)
        threshold = xp.sort(prob)[k - 1]  # the k-th smallest (torch.kthvalue)
        return _channel_mask(t, self.dim, prob > threshold, default_mask)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Norm-based channel pruning (Li, Kadav, Durdanovic, Samet & Graf, ICLR 2017):
    prunes the ``amount`` channels along ``dim`` of smallest L``n`` norm (``n`` as
    ``torch.norm``'s ``p``: a number, inf, -inf or "fro").

    Shape: t (*), at least 1-D; mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> weight = yingshe.tensor([[1.0, 1.0], [3.0, 0.0], [0.5, 0.5]])
        >>> prune.LnStructured(amount=1, n=2, dim=0).compute_mask(weight, yingshe.ones(3, 2))
        tensor([[1., 1.],
                [1., 1.],
                [0., 0.]])
    """
    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        size, k = _channels_to_prune(t, self.dim, self.amount)
        if k == 0:
            return default_mask
        dim = self.dim % t.ndim
        norms = norm(t.detach(), p=self.n, dim=[d for d in range(t.ndim) if d != dim])._data
        xp = get_array_module(norms)
        keep = xp.zeros(size, dtype=bool)
        keep[_smallest(-norms, size - k)] = True  # the largest norms
        return _channel_mask(t, dim, keep, default_mask)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given ``mask`` is 0.

    Shape: t (*); mask (*), the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> method = prune.CustomFromMask(yingshe.tensor([1.0, 0.0, 1.0]))
        >>> method.prune(yingshe.tensor([1.0, 2.0, 3.0]))
        tensor([1., 0., 3.])
    """
    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if default_mask.shape != self.mask.shape:
            raise AssertionError(f"default_mask shape {tuple(default_mask.shape)} must match "
                                 f"self.mask shape {tuple(self.mask.shape)}")
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


def identity(module, name):
    """Set up pruning of ``module.<name>`` with an all-ones mask: ``<name>_orig`` and
    the buffer ``<name>_mask`` appear, nothing is zeroed.  Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> layer = prune.identity(yingshe.nn.Linear(3, 2), "bias")
        >>> layer.bias_mask
        tensor([1., 1.])
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune ``amount`` (count or fraction) random entries of
    ``module.<name>`` (see ``RandomUnstructured``).  Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> layer = prune.random_unstructured(yingshe.nn.Linear(4, 5), "weight", amount=0.5)
        >>> int((layer.weight_mask == 0).sum())  # half of the 20 weights
        10
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the ``amount`` (count or fraction) entries of ``module.<name>`` of
    smallest absolute value (of ``importance_scores`` if given): magnitude pruning (see
    ``L1Unstructured``).  Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> layer = prune.l1_unstructured(yingshe.nn.Linear(4, 2), "weight", amount=0.5)
        >>> [n for n, _ in layer.named_parameters()], [n for n, _ in layer.named_buffers()]
        (['bias', 'weight_orig'], ['weight_mask'])
        >>> int((layer.weight == 0).sum())  # the 4 smallest of 8 weights
        4
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    """Prune ``amount`` random channels of ``module.<name>`` along ``dim`` (see
    ``RandomStructured``).  Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> layer = prune.random_structured(yingshe.nn.Linear(4, 5), "weight", amount=2, dim=0)
        >>> int((layer.weight_mask.sum(dim=1) == 0).sum())  # 2 of the 5 output rows
        2
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the ``amount`` channels along ``dim`` of ``module.<name>`` of smallest
    L``n`` norm (of ``importance_scores`` if given; see ``LnStructured``), e.g. whole filters of
    a convolution with ``dim=0``.  Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> conv = prune.ln_structured(yingshe.nn.Conv2d(3, 8, 3), "weight", amount=0.25, n=2,
        ...                            dim=0)
        >>> int((conv.weight_mask.sum(dim=(1, 2, 3)) == 0).sum())  # 2 of the 8 filters
        2
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the (module, name) tensors in ``parameters`` together:
    ``pruning_method`` (an unstructured method class, built with ``kwargs``) chooses among all
    their entries at once, e.g. the 20% smallest weights of the whole network rather than of each
    layer.  Each tensor then carries a ``CustomFromMask`` pruning.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> a, b = yingshe.nn.Linear(10, 10), yingshe.nn.Linear(10, 10)
        >>> prune.global_unstructured([(a, "weight"), (b, "weight")],
        ...                           pruning_method=prune.L1Unstructured, amount=0.2)
        >>> int((a.weight == 0).sum() + (b.weight == 0).sum())  # 20% of the 200 weights
        40
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = [importance_scores.get((module, name), getattr(module, name))._data
              for module, name in parameters]
    xp = get_array_module(scores[0]) if scores else None
    masks = []
    for module, name in parameters:
        existing = getattr(module, name + "_mask", None)
        masks.append(existing._data if existing is not None
                     else xp.ones_like(getattr(module, name)._data))
    flat_scores = _tensor(xp.concatenate([s.reshape(-1) for s in scores]))
    default_mask = _tensor(xp.concatenate([m.reshape(-1) for m in masks]))
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f"Found method {pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final_mask = container.compute_mask(flat_scores, default_mask)._data
    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        n = param.numel()
        custom_from_mask(module, name, mask=_tensor(final_mask[pointer:pointer + n]
                                                    .reshape(param.shape)))
        pointer += n


def custom_from_mask(module, name, mask):
    """Prune ``module.<name>`` where ``mask`` is 0 (see ``CustomFromMask``).
    Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> layer = prune.custom_from_mask(yingshe.nn.Linear(3, 2), "bias",
        ...                                mask=yingshe.tensor([1.0, 0.0]))
        >>> layer.bias_mask, bool(layer.bias[1] == 0)
        (tensor([1., 0.]), True)
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module, name):
    """Make the pruning of ``module.<name>`` permanent (see ``BasePruningMethod.remove``):
    ``<name>`` is a Parameter again, holding the pruned values, and the mask and the hook go.
    Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> layer = prune.l1_unstructured(yingshe.nn.Linear(4, 2), "weight", amount=3)
        >>> layer = prune.remove(layer, "weight")
        >>> [n for n, _ in layer.named_parameters()], int((layer.weight == 0).sum())
        (['bias', 'weight'], 3)
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     "can be removed")


def is_pruned(module):
    """Whether ``module`` or one of its submodules has a pruning hook.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import prune
        >>> model = yingshe.nn.Sequential(yingshe.nn.Linear(4, 4), yingshe.nn.ReLU())
        >>> prune.is_pruned(model)
        False
        >>> _ = prune.l1_unstructured(model[0], "weight", amount=0.5)
        >>> prune.is_pruned(model)
        True
    """
    for _, submodule in module.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False


def _tensor(array):
    return Tensor._make(array)


def _prune_smallest(t, default_mask, amount, scores):
    """A copy of ``default_mask`` with 0 at the ``amount`` entries of ``t`` whose ``scores()``
    (a flat array, one score per entry, computed only when something is pruned) are smallest."""
    k = _count_to_prune(amount, t.numel())
    mask = default_mask._data.copy()
    if k:
        mask.reshape(-1)[_smallest(scores(), k)] = 0
    return _tensor(mask)


def _channels_to_prune(t, dim, amount):
    """After checking ``t`` and ``dim`` for structured pruning: the number of channels along
    ``dim`` and how many of them ``amount`` prunes."""
    _validate_structured_pruning(t)
    _validate_pruning_dim(t, dim)
    size = t.shape[dim]
    return size, _count_to_prune(amount, size)


def _smallest(values, k):
    """Flat indices of the k smallest entries of the 1-D array ``values`` (ties: lower index)."""
    xp = get_array_module(values)
    return xp.argsort(values, kind="stable")[:k]


def _channel_mask(t, dim, keep, default_mask):
    """Ones on the channels along ``dim`` where ``keep`` is true, zeros elsewhere, times the
    earlier mask."""
    xp = get_array_module(t._data)
    mask = xp.zeros(t.shape, dtype=t._data.dtype)
    index = [slice(None)] * t.ndim
    index[dim] = keep
    mask[tuple(index)] = 1
    return _tensor(mask * default_mask._data.astype(mask.dtype, copy=False))


def _validate_pruning_amount_init(amount):
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral)
            and (float(amount) > 1.0 or float(amount) < 0.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")


def _count_to_prune(amount, size):
    """How many of ``size`` units to prune: ``amount`` itself if an int (checked against
    ``size``), else round(amount * size)."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters "
                             f"to prune={size}")
        return int(amount)
    return round(amount * size)


def _validate_structured_pruning(t):
    if t.ndim <= 1:
        raise ValueError("Structured pruning can only be applied to multidimensional tensors. "
                         f"Found tensor of shape {tuple(t.shape)} with {t.ndim} dims")


def _validate_pruning_dim(t, dim):
    if dim >= t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {tuple(t.shape)}")
