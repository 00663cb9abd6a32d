"""Dropout (Srivastava et al. 2014), the "inverted" form PyTorch uses: during
training each element is kept with probability 1 - p and scaled by 1 / (1 - p), so evaluation
needs no rescaling.  ``dropout2d`` drops whole channels (Tompson et al. 2015)."""
from .. import _backend
from .._tensor import Tensor
from ..autograd.function import Op

__all__ = ["dropout", "dropout1d", "dropout2d"]


class MaskedScale(Op):
    """y = x * m with a constant mask m (0 or 1 / (1 - p)), broadcast over x;  dx = dy * m."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        return grad * Tensor._make(ctx.mask), None


def _check_p(p, op):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _masked(input, p, mask_shape):
    """Keep each mask entry with probability 1 - p; kept entries scale by 1 / (1 - p)."""
    x = input._data
    if p == 1.0:
        return MaskedScale.apply(input, _backend.get_array_module(x).zeros(mask_shape, x.dtype))
    keep = _backend.generator(input.device).random(mask_shape, dtype=x.dtype) >= p
    mask = keep.astype(x.dtype)
    mask *= 1.0 / (1.0 - p)
    return MaskedScale.apply(input, mask)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p during training, scaling the rest by 1 / (1 - p)."""
    _check_p(p, "dropout")
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape)


def _channel_dropout(input, p, training, op, spatial_dims):
    _check_p(p, op)
    if input.ndim not in (spatial_dims + 1, spatial_dims + 2):
        raise ValueError(f"{op}: expected a {spatial_dims + 1}-D or {spatial_dims + 2}-D input "
                         f"(channels then {spatial_dims} spatial dims), got shape "
                         f"{tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    kept_dims = input.ndim - spatial_dims
    return _masked(input, p, tuple(input.shape[:kept_dims]) + (1,) * spatial_dims)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, L) or (C, L) input with probability p."""
    return _channel_dropout(input, p, training, "dropout1d", 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (feature maps) of a (N, C, H, W) or (C, H, W) input with probability
    p (Tompson et al. 2015), scaling the rest by 1 / (1 - p)."""
    return _channel_dropout(input, p, training, "dropout2d", 2)
