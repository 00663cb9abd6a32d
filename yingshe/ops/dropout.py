"""Dropout (Srivastava et al. 2014), the "inverted" form PyTorch uses: during
training each element is kept with probability 1 - p and scaled by 1 / (1 - p), so evaluation
needs no rescaling.  ``dropout1d/2d/3d`` drop whole channels (Tompson et al. 2015)."""
import warnings

from .. import _backend
from .._tensor import Tensor
from ..autograd.function import Op

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


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
    """Zero each element with probability ``p`` during training, scaling the rest by 1 / (1 - p)
    (Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks from
    Overfitting").

    out = x m / (1 - p) with m_i ~ Bernoulli(1 - p) drawn independently per element, so that
    E[out] = x and evaluation (``training=False``, which returns ``input`` itself) needs no
    rescaling: PyTorch's "inverted" dropout. Gradient: dx = dy m / (1 - p).
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> y = F.dropout(yingshe.ones(4, 5), p=0.5)
        >>> bool(((y == 0) | (y == 2)).all())
        True
        >>> F.dropout(yingshe.ones(2, 2), p=0.5, training=False)
        tensor([[1., 1.],
                [1., 1.]])
    """
    _check_p(p, "dropout")
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape)


def _feature_dropout(input, p, training, op):
    """Channel dropout of a (N, C, ...) input: one mask entry per (sample, channel)."""
    if not training or p == 0.0:
        return input
    if input.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the input, "
                           f"got shape {tuple(input.shape)}")
    return _masked(input, p, tuple(input.shape[:2]) + (1,) * (input.ndim - 2))


def _unbatched_feature_dropout(input, p, training, op):
    """Channel dropout of an input without a batch dim: (C, ...) seen as (1, C, ...)."""
    if not training or p == 0.0:
        return input
    return _feature_dropout(input.unsqueeze(0), p, training, op).squeeze(0)


def _warn_dims(op, input, expected):
    warnings.warn(f"{op}: Received a {input.ndim}-D input to {op}, which is deprecated and will "
                  f"result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that {op} exists to provide "
                  f"channel-wise dropout on inputs with {expected - 2} spatial dimensions, a "
                  f"channel dimension, and an optional batch dimension (i.e. {expected - 1}D or "
                  f"{expected}D inputs).", UserWarning, stacklevel=3)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a sequence with probability ``p`` during training (Tompson et al.
    2015), scaling the rest by 1 / (1 - p).

    out[n, c, :] = x[n, c, :] m_nc / (1 - p) with one m_nc ~ Bernoulli(1 - p) per (sample,
    channel): neighbouring time steps are correlated, so channels are dropped as a whole.
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (N, C, L) or (C, L); output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> y = F.dropout1d(yingshe.ones(2, 3, 5), p=0.5)
        >>> bool((y.amax(dim=2) == y.amin(dim=2)).all())
        True
    """
    _check_p(p, "dropout1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           f"input of shape {tuple(input.shape)}. Note that dropout1d exists to "
                           "provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                           "inputs).")
    if input.ndim == 2:
        return _unbatched_feature_dropout(input, p, training, "dropout1d")
    return _feature_dropout(input, p, training, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (feature maps) of a (N, C, H, W) input with probability ``p``
    (Tompson et al. 2015, "Efficient object localization using convolutional networks"),
    scaling the rest by 1 / (1 - p).

    out[n, c] = x[n, c] m_nc / (1 - p), one m_nc ~ Bernoulli(1 - p) per (sample, channel):
    adjacent pixels are correlated, so element-wise dropout would barely regularise. As
    PyTorch, other ranks only warn: a 3-D input is read as (N, C, L) (channel dropout of a
    sequence, not an unbatched image), and any other input of 2 or more dims drops (N, C)
    entries. ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (N, C, H, W); output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> y = F.dropout2d(yingshe.ones(2, 3, 4, 4), p=0.5)
        >>> bool((y.amax(dim=(2, 3)) == y.amin(dim=(2, 3))).all())
        True
    """
    _check_p(p, "dropout2d")
    if input.ndim not in (3, 4):
        _warn_dims("dropout2d", input, 4)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", UserWarning, stacklevel=2)
    return _feature_dropout(input, p, training, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (volumes) of a (N, C, D, H, W) or (C, D, H, W) input with probability
    ``p`` during training, scaling the rest by 1 / (1 - p) (Tompson et al. 2015).

    out[n, c] = x[n, c] m_nc / (1 - p), one m_nc ~ Bernoulli(1 - p) per (sample, channel). As
    PyTorch, other ranks only warn and are read as unbatched (C, ...).
    ``inplace`` is accepted and ignored: the result is a new tensor.

    Shape: input (N, C, D, H, W) or (C, D, H, W); output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> y = F.dropout3d(yingshe.ones(2, 3, 2, 2, 2), p=0.5)
        >>> bool((y.amax(dim=(2, 3, 4)) == y.amin(dim=(2, 3, 4))).all())
        True
    """
    _check_p(p, "dropout3d")
    if input.ndim not in (4, 5):
        _warn_dims("dropout3d", input, 5)
    if input.ndim != 5:
        return _unbatched_feature_dropout(input, p, training, "dropout3d")
    return _feature_dropout(input, p, training, "dropout3d")
