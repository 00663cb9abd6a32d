"""The older, hook-based ``torch.nn.utils.weight_norm`` (deprecated in PyTorch in favour of
``parametrizations.weight_norm``): w = g v / ||v|| (Salimans & Kingma, "Weight normalization",
NeurIPS 2016) with the parameters ``<name>_g`` and ``<name>_v``, ``<name>`` recomputed by a
forward pre-hook."""
import warnings

from ..parameter import Parameter
from .parametrizations import _norm_except_dim

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


class WeightNorm:
    """The forward pre-hook that sets ``module.<name> = g v / ||v||``."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`yingshe.nn.utils.weight_norm` is deprecated in favor of "
                      "`yingshe.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError("Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(_norm_except_dim(weight.detach(), fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Split ``module.<name>`` into magnitude ``<name>_g`` and direction ``<name>_v``,
    w = g v / ||v|| (Salimans & Kingma, NeurIPS 2016), recomputed by a forward pre-hook; the norm
    per slice along ``dim`` (default 0), over the whole tensor for ``dim=None``.  Deprecated, with
    PyTorch's FutureWarning: ``parametrizations.weight_norm`` is the newer form.  Returns the
    module.

    Shape: ``<name>_g`` (out, 1, ..., 1) for ``dim=0``; ``<name>_v`` like the weight.

    Examples:
        >>> import warnings, yingshe
        >>> from yingshe.nn.utils import weight_norm
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     layer = weight_norm(yingshe.nn.Linear(20, 40))
        >>> layer.weight_g.shape, layer.weight_v.shape
        (yingshe.Size([40, 1]), yingshe.Size([40, 20]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: fold ``<name>_g`` and ``<name>_v`` back into one
    parameter ``<name>`` = g v / ||v|| and drop the hook.  Returns the module.

    Examples:
        >>> import warnings, yingshe
        >>> from yingshe.nn.utils import remove_weight_norm, weight_norm
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     layer = weight_norm(yingshe.nn.Linear(20, 40))
        >>> [n for n, _ in remove_weight_norm(layer).named_parameters()]
        ['bias', 'weight']
    """
    return _remove_norm_hook(module, name, WeightNorm, "weight_norm")


def _remove_norm_hook(module, name, hook_type, what):
    """Undo the ``hook_type`` pre-hook that reparametrizes ``module.<name>`` (its ``remove``
    folds the parameter back) and drop it; ValueError naming ``what`` if there is none."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, hook_type) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")
