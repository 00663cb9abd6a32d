"""Per-sample normalisation layers: ``LayerNorm`` (Ba et al. 2016) and ``GroupNorm``
(Wu & He 2018), with PyTorch's parameters and initialisation (weight 1, bias 0), and
``LocalResponseNorm`` (Krizhevsky et al. 2012), which has none."""
from ...ops.creation import ones, zeros
from ...ops.normalization import group_norm, layer_norm, local_response_norm
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "LocalResponseNorm"]


class LayerNorm(Module):
    """Layer normalisation (Ba, Kiros & Hinton 2016): each sample is normalised over
    its trailing ``normalized_shape`` dims, then scaled and shifted elementwise,

        y = (x - E[x]) / sqrt(Var[x] + eps) * gamma + beta,

    E and the biased Var over those dims; gamma (``weight``) and beta (``bias``) have shape
    ``normalized_shape`` and start at 1 and 0.  The same in training and eval mode.

    Shape: input (*, normalized_shape...); output the same shape.

    Examples:
        >>> import yingshe
        >>> layer_norm = yingshe.nn.LayerNorm(3)
        >>> layer_norm(yingshe.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 6.0]]))
        tensor([[-1.2247,  0.0000,  1.2247],
                [-0.7071, -0.7071,  1.4142]], grad_fn=<NativeLayerNormBackward0>)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) \
            else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = self.bias = None
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(self.normalized_shape, device=device, dtype=dtype))

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation (Wu & He 2018): the C channels of each sample are split into
    ``num_groups`` groups of C / num_groups channels, each group normalised over its channels and
    positions, then a per-channel affine map,

        y = (x - E[x]) / sqrt(Var[x] + eps) * gamma + beta.

    gamma and beta (C values) start at 1 and 0.  ``num_groups=1`` normalises like ``LayerNorm``
    over (C, *), ``num_groups=C`` like instance norm.  Independent of the batch size.

    Shape: input (N, C, *); output the same shape.

    Examples:
        >>> import yingshe
        >>> group_norm = yingshe.nn.GroupNorm(num_groups=2, num_channels=4)
        >>> group_norm(yingshe.arange(8.0).reshape(1, 4, 2))  # groups: channels 0-1 and 2-3
        tensor([[[-1.3416, -0.4472],
                 [ 0.4472,  1.3416],
                 [-1.3416, -0.4472],
                 [ 0.4472,  1.3416]]], grad_fn=<...>)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None,
                 *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        self.weight = self.bias = None
        if affine:
            self.weight = Parameter(ones(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_channels, device=device, dtype=dtype))

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """Local response normalisation across channels (Krizhevsky, Sutskever &
    Hinton 2012, §3.3): each value is divided by a power of the sum of squares of its ``size``
    neighbouring channels,

        b_c = a_c / (k + alpha / size * sum_{c'} a_{c'}^2)^beta,
        c' from c - floor(size / 2) to c + floor((size - 1) / 2),

    the channels outside [0, C) counting as zero (defaults alpha = 1e-4, beta = 0.75, k = 1).
    No parameters.

    Shape: input (N, C, *); output the same shape.

    Examples:
        >>> import yingshe
        >>> lrn = yingshe.nn.LocalResponseNorm(size=3, alpha=1.0)
        >>> lrn(yingshe.ones(1, 3, 1, 1)).flatten()  # the edge channels have one neighbour
        tensor([0.6817, 0.5946, 0.6817])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
