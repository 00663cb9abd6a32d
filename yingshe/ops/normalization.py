"""Batch, layer and group normalisation (Ioffe & Szegedy 2015; Ba et al. 2016; Wu & He 2018):
one fused op normalises over some axes and applies the per-feature affine map; its backward is
the closed form below, not a graph of a dozen small ops.

    x_hat = (x - mu) / sqrt(var + eps),   y = gamma x_hat + beta
    dx = invstd (g_hat - mean(g_hat) - x_hat mean(g_hat x_hat)),   g_hat = dy gamma

where the means run over the normalised axes (when mu and var are the batch's own statistics;
with fixed running statistics dx = g_hat invstd)."""
import math

from .._backend import get_array_module
from ..autograd.function import Op, once_differentiable
from . import batch_norm_compiled
from .elementwise import _no_out
from .reduce import norm
from .shape import narrow, pad

__all__ = ["batch_norm", "layer_norm", "group_norm", "local_response_norm", "normalize"]


class Normalize(Op):
    """y = (x - mean) * invstd * weight + bias, statistics broadcast over ``axes``;
    ``batch_stats`` says whether mean/invstd were computed from x itself."""

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, axes, affine_shape, batch_stats):
        x_hat = (x - mean) * invstd
        ctx.x_hat, ctx.invstd, ctx.axes, ctx.batch_stats = x_hat, invstd, axes, batch_stats
        ctx.affine_shape = affine_shape
        ctx.weight_shape = None if weight is None else weight.shape
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.weight = None if weight is None else weight.reshape(affine_shape)
        if ctx.weight is None:
            return x_hat if bias is None else x_hat + bias.reshape(affine_shape)
        y = x_hat * ctx.weight
        if bias is not None:
            y += bias.reshape(affine_shape)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        x_hat = ctx.x_hat
        affine_axes = tuple(i for i, n in enumerate(ctx.affine_shape) if n == 1)
        grad_weight = grad_bias = None
        if ctx.needs_input_grad[1]:
            grad_weight = (grad * x_hat).sum(axis=affine_axes).reshape(ctx.weight_shape)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(axis=affine_axes).reshape(ctx.bias_shape)
        grad_x = None
        if ctx.needs_input_grad[0]:
            g_hat = grad * ctx.weight if ctx.weight is not None else grad
            if ctx.batch_stats and x_hat.size:
                mean_g, mean_gx = ctx.gradient_means(g_hat, x_hat)
                grad_x = (g_hat - mean_g - x_hat * mean_gx) * ctx.invstd
            else:
                grad_x = g_hat * ctx.invstd
        return grad_x, grad_weight, grad_bias, None, None, None, None, None

    def gradient_means(self, g_hat, x_hat):
        """mean(g_hat) and mean(g_hat x_hat) over the normalised axes (``SyncBatchNorm``'s op
        takes them over every rank's batch)."""
        return (g_hat.mean(axis=self.axes, keepdims=True),
                (g_hat * x_hat).mean(axis=self.axes, keepdims=True))


def _statistics(x, axes, eps):
    """Mean, biased variance and 1/sqrt(var + eps) over ``axes`` (kept as size-1 dims)."""
    xp = get_array_module(x)
    if x.size == 0:  # no values: statistics of the right shape, never used (no NaN warnings)
        mean = x.sum(axis=axes, keepdims=True)
        return mean, mean, 1.0 / xp.sqrt(mean + eps)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = xp.mean(centred * centred, axis=axes, keepdims=True)
    return mean, var, 1.0 / xp.sqrt(var + eps)


def update_running_statistics(running_mean, running_var, mean, var, count, momentum):
    """running = (1 - momentum) running + momentum batch, in place (either may be None), with
    the unbiased variance var * count / (count - 1) of ``count`` values per channel."""
    if running_mean is not None:
        running_mean._data *= 1.0 - momentum
        running_mean._data += momentum * mean.reshape(-1)
        running_mean._bump_version()
    if running_var is not None:
        running_var._data *= 1.0 - momentum
        running_var._data += (momentum * count / (count - 1)) * var.reshape(-1)
        running_var._bump_version()


def _check_affine(op, name, tensor, size):
    if tensor is not None and tensor.numel() != size:
        raise RuntimeError(f"{op}: expected {name} with {size} elements, got shape "
                           f"{tuple(tensor.shape)}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation: normalise each channel (dim 1) over the batch and spatial dims
    (Ioffe & Szegedy 2015, "Batch Normalization").

    y = gamma (x - mu_c) / sqrt(var_c + eps) + beta, gamma = ``weight`` and beta = ``bias``
    per channel (1 and 0 when None). With ``training`` mu_c and var_c (biased) are the batch's
    and the running statistics (when given) are updated in place:
    running = (1 - momentum) running + momentum batch, with the unbiased variance (PyTorch);
    otherwise the running statistics are used. One fused op with a closed-form backward.

    Shape: input (N, C) or (N, C, *); running_mean, running_var, weight, bias (C); output
    the shape of ``input``.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([[1., 10.], [3., 30.]])
        >>> mean, var = yingshe.zeros(2), yingshe.ones(2)
        >>> F.batch_norm(x, mean, var, training=True)
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
        >>> mean, var
        (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected a (N, C, ...) input, got shape "
                         f"{tuple(input.shape)}")
    x = input._data
    channels = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _check_affine("batch_norm", name, t, channels)
    axes = (0,) + tuple(range(2, x.ndim))
    stat_shape = (1, channels) + (1,) * (x.ndim - 2)
    if training and x.size == 0:  # nothing to normalise: an empty result, as PyTorch, and the
        # running statistics stay as they are
        xp = get_array_module(x)
        mean = xp.zeros(stat_shape, x.dtype)
        return Normalize.apply(input, weight, bias, mean, mean + 1, axes, stat_shape, False)
    if training:
        count = x.size // channels
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(input.shape)}")
        if batch_norm_compiled.applies(x, weight, bias):  # compiled passes, threads over C
            mean, var, invstd = batch_norm_compiled.statistics(x, eps)
            update_running_statistics(running_mean, running_var, mean, var, count, momentum)
            return batch_norm_compiled.BatchNormCompiled.apply(input, weight, bias, mean, invstd)
        mean, var, invstd = _statistics(x, axes, eps)
        update_running_statistics(running_mean, running_var, mean, var, count, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed in evaluation")
        xp = get_array_module(x)
        mean = running_mean._data.reshape(stat_shape).astype(x.dtype, copy=False)
        invstd = (1.0 / xp.sqrt(running_var._data + eps)).reshape(stat_shape).astype(x.dtype,
                                                                                     copy=False)
    return Normalize.apply(input, weight, bias, mean, invstd, axes, stat_shape, training)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the last ``len(normalized_shape)`` dims of each sample (Ba,
    Kiros & Hinton 2016, "Layer Normalization").

    y = (x - mu) / sqrt(var + eps) * weight + bias, mu and var (biased) over the normalised
    dims of each sample, so it behaves the same in training and evaluation (the norm of
    Transformers); ``weight`` and ``bias`` have ``normalized_shape`` (1 and 0 when None).

    Shape: input (*, normalized_shape); weight, bias ``normalized_shape``; output the shape of
    ``input``.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.layer_norm(yingshe.tensor([[1., 2., 3.], [2., 2., 8.]]), (3,))
        tensor([[-1.2247,  0.0000,  1.2247],
                [-0.7071, -0.7071,  1.4142]])
        >>> F.layer_norm(yingshe.ones(2, 5, 16), 16, yingshe.ones(16), yingshe.zeros(16)).shape
        yingshe.Size([2, 5, 16])
    """
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or k > input.ndim:
        raise RuntimeError(f"layer_norm: normalized_shape {list(normalized_shape)} does not match "
                           f"the trailing dims of input of shape {tuple(input.shape)}")
    x = input._data
    axes = tuple(range(x.ndim - k, x.ndim))
    mean, _, invstd = _statistics(x, axes, eps)
    affine_shape = (1,) * (x.ndim - k) + normalized_shape
    return Normalize.apply(input, weight, bias, mean, invstd, axes, affine_shape, True)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation: normalise each of ``num_groups`` channel groups of each sample (Wu &
    He 2018, "Group Normalization"), then the per-channel affine map.

    y = (x - mu_g) / sqrt(var_g + eps) * weight_c + bias_c, mu_g and var_g (biased) over the
    C / num_groups channels of group g and all spatial positions of one sample: independent of
    the batch size. num_groups = 1 is a layer norm over (C, *), num_groups = C instance norm.

    Shape: input (N, C, *) with C divisible by ``num_groups``; weight, bias (C); output the
    shape of ``input``.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.group_norm(yingshe.arange(8.).reshape(1, 4, 2), 2)
        tensor([[[-1.3416, -0.4472],
                 [ 0.4472,  1.3416],
                 [-1.3416, -0.4472],
                 [ 0.4472,  1.3416]]])
    """
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(f"group_norm: expected input (N, C, ...) with C divisible by "
                           f"num_groups={num_groups}, got shape {tuple(input.shape)}")
    n, channels = input.shape[0], input.shape[1]
    _check_affine("group_norm", "weight", weight, channels)
    _check_affine("group_norm", "bias", bias, channels)
    group_size = channels // num_groups * math.prod(input.shape[2:])
    grouped = input.reshape(n, num_groups, group_size)  # sizes explicit: n may be 0
    mean, _, invstd = _statistics(grouped._data, (2,), eps)
    normalised = Normalize.apply(grouped, None, None, mean, invstd, (2,), (1, 1, 1), True)
    y = normalised.reshape(input.shape)
    affine_shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(affine_shape)
    if bias is not None:
        y = y + bias.reshape(affine_shape)
    return y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalisation across channels (Krizhevsky, Sutskever & Hinton 2012,
    "ImageNet Classification with Deep Convolutional Neural Networks", §3.3), as PyTorch:

        y_c = x_c / (k + alpha / size * sum_{j = c - size//2}^{c + (size-1)//2} x_j^2)^beta

    over the channels (dim 1) of a (N, C, ...) input, channels outside [0, C) counting as 0.
    Built from differentiable ops, so gradients of any order come from autograd.

    Shape: input (N, C, *) with at least 3 dimensions; output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.ones(1, 4, 1, 1)
        >>> F.local_response_norm(x, size=2, alpha=1.0, beta=1.0).flatten()
        tensor([0.6667, 0.5000, 0.5000, 0.5000])
    """
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got "
                         f"{input.ndim} dimensions, shape {tuple(input.shape)})")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    squares = pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    window = narrow(squares, 1, 0, channels)
    for offset in range(1, size):
        window = window + narrow(squares, 1, offset, channels)
    div = ((window / size) * alpha + k) ** beta
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Scale vectors along ``dim`` to unit ``p``-norm.

    out = x / max(||x||_p, eps), ||x||_p = (sum_i |x_i|^p)^(1/p) along ``dim`` (default: the
    Euclidean norm along dim 1), eps guarding against division by zero (a zero vector stays
    zero).

    Shape: input (*); output (*), the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.normalize(yingshe.tensor([[3., 4.], [0., 0.]]))
        tensor([[0.6000, 0.8000],
                [0.0000, 0.0000]])
        >>> F.normalize(yingshe.tensor([[3., 4.], [1., -1.]]), p=1)
        tensor([[ 0.4286,  0.5714],
                [ 0.5000, -0.5000]])
    """
    _no_out(out, "normalize")
    return input / norm(input, p, dim, keepdim=True).clamp(min=eps)
