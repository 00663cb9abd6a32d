"""The older, hook-based ``torch.nn.utils.spectral_norm``: ``<name> = <name>_orig / sigma``,
sigma estimated by power iteration on the buffers ``<name>_u`` and ``<name>_v`` before every
forward in training mode (Miyato et al., "Spectral normalization for generative adversarial
networks", ICLR 2018, Algorithm 1).  ``parametrizations.spectral_norm`` is the newer form."""
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..parameter import Parameter
from .parametrizations import _normalized, _weight_as_matrix
from .weight_norm import _remove_norm_hook

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name> = <name>_orig / sigma``."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        return _weight_as_matrix(weight, self.dim)

    def compute_weight(self, module, do_power_iteration):
        """W / (u^T W v), after ``n_power_iterations`` updates of u and v in place if asked."""
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            w = weight_mat._data
            for _ in range(self.n_power_iterations):
                v._data[...] = _normalized(w.T @ u._data, self.eps)
                u._data[...] = _normalized(w @ v._data, self.eps)
            u._bump_version()
            v._bump_version()
            u, v = u.clone(), v.clone()
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError("Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        weight_mat = fn.reshape_weight_to_matrix(weight.detach())
        h, w = weight_mat.shape
        u = _normalized(weight.new_empty(h).normal_(0, 1)._data, fn.eps)
        v = _normalized(weight.new_empty(w).normal_(0, 1)._data, fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", Tensor._make(u))
        module.register_buffer(fn.name + "_v", Tensor._make(v))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Normalise ``module.<name>`` by its spectral norm, W = W_orig / sigma(W_orig),
    with a forward pre-hook (the older form of ``parametrizations.spectral_norm``; Miyato et al.,
    ICLR 2018): the parameter becomes ``<name>_orig``, the power-iteration vectors the buffers
    ``<name>_u`` and ``<name>_v``, and before every forward in training mode one power-iteration
    step (``n_power_iterations``) updates sigma.  ``dim`` defaults to 1 for transposed
    convolutions, else 0.  Returns the module.

    Shape: the weight keeps its shape; ``<name>_u`` (size(dim)), ``<name>_v`` (the other dims'
    product).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import spectral_norm
        >>> layer = spectral_norm(yingshe.nn.Linear(20, 40))
        >>> [n for n, _ in layer.named_parameters()], [n for n, _ in layer.named_buffers()]
        (['bias', 'weight_orig'], ['weight_u', 'weight_v'])
        >>> layer(yingshe.randn(8, 20)).shape  # the pre-hook sets layer.weight first
        yingshe.Size([8, 40])
    """
    if dim is None:
        transposed = any(c.__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
                         for c in type(module).__mro__)
        dim = 1 if transposed else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``<name>_orig``, ``<name>_u`` and ``<name>_v``
    are replaced by one parameter ``<name>`` holding the normalised weight, and the hook goes.
    Returns the module.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils import remove_spectral_norm, spectral_norm
        >>> layer = remove_spectral_norm(spectral_norm(yingshe.nn.Linear(20, 40)))
        >>> [n for n, _ in layer.named_parameters()], layer.weight.shape
        (['bias', 'weight'], yingshe.Size([40, 20]))
    """
    return _remove_norm_hook(module, name, SpectralNorm, "spectral_norm")
