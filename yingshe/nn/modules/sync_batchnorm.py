"""``SyncBatchNorm``: batch normalisation (Ioffe & Szegedy 2015) whose statistics are those of
the global batch, every rank's part of it together, ``torch.nn.SyncBatchNorm`` (Peng et al.
2018, "MegDet: A Large Mini-Batch Object Detector", §4.2 "Cross-GPU Batch Normalization").

Forward: the ranks all-reduce per channel the sum of x and the count, then the sum of squared
deviations from the global mean, so

    mu = sum_r sum x / N,   var = sum_r sum (x - mu)^2 / N,   N = sum_r n_r

Backward: dx needs mean(g_hat) and mean(g_hat x_hat) over the global batch, so the op all-reduces
those two sums too (``Normalize``'s closed form otherwise); the weight and bias gradients stay
per rank, and ``DistributedDataParallel`` averages them with the others.  Outside training, or
with one rank or no process group, it is plain ``BatchNorm``."""
import numpy as np

from ... import distributed as dist
from ..._backend import get_array_module, to_device
from ..._tensor import Tensor
from ...ops.normalization import Normalize, batch_norm, update_running_statistics
from .batchnorm import _BatchNorm

__all__ = ["SyncBatchNorm"]


def _all_reduce_sum(arrays, process_group):
    """The sums over ranks of ``arrays`` (one collective for all of them)."""
    flat = np.concatenate([to_device(a, "cpu").reshape(-1) for a in arrays]).astype(np.float64)
    dist.all_reduce(Tensor._make(flat), dist.ReduceOp.SUM, process_group)
    xp = get_array_module(arrays[0])
    results, start = [], 0
    for a in arrays:
        part = flat[start:start + a.size].reshape(a.shape).astype(a.dtype)
        results.append(xp.asarray(part) if xp is not np else part)
        start += a.size
    return results


class _SyncNormalize(Normalize):
    """``Normalize`` whose gradient means run over the global batch of ``process_group``
    (``global_count`` values per channel)."""

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, axes, affine_shape, batch_stats,
                process_group, global_count):
        ctx.process_group, ctx.global_count = process_group, global_count
        return Normalize.forward(ctx, x, weight, bias, mean, invstd, axes, affine_shape,
                                 batch_stats)

    def gradient_means(self, g_hat, x_hat):
        sum_g, sum_gx = _all_reduce_sum(
            [g_hat.sum(axis=self.axes, keepdims=True),
             (g_hat * x_hat).sum(axis=self.axes, keepdims=True)], self.process_group)
        return sum_g / self.global_count, sum_gx / self.global_count


def sync_batch_norm(input, running_mean, running_var, weight, bias, momentum, eps,
                    process_group=None):
    """Training-mode batch norm of ``input`` (N, C, ...) with the global batch's statistics;
    the running statistics are updated with them (unbiased variance, N - 1)."""
    x = input._data
    channels = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    stat_shape = (1, channels) + (1,) * (x.ndim - 2)
    xp = get_array_module(x)
    local_sum = x.sum(axis=axes, keepdims=True)
    count_array = xp.full((1,), x.size // max(channels, 1), x.dtype)
    total, count = _all_reduce_sum([local_sum, count_array], process_group)
    count = round(float(count[0]))
    if count <= 1:
        raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel over all ranks "
                         f"when training, got {count} (this rank's input {tuple(input.shape)})")
    mean = total / count
    centred = x - mean
    (squares,) = _all_reduce_sum([(centred * centred).sum(axis=axes, keepdims=True)],
                                 process_group)
    var = squares / count
    invstd = 1.0 / xp.sqrt(var + eps)
    update_running_statistics(running_mean, running_var, mean, var, count, momentum)
    return _SyncNormalize.apply(input, weight, bias, mean, invstd, axes, stat_shape, True,
                                process_group, count)


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation of (N, C, *) input whose training statistics are those of
    the global batch, every rank's part of it together (Peng et al. 2018, §4.2; see the module
    docstring): y = (x - mu) / sqrt(var + eps) * gamma + beta with mu and var all-reduced over the
    ranks of ``process_group``.  Outside training, or with one rank or no process group, it is
    ``BatchNorm``; PyTorch's parameters, buffers and arguments.

    Shape: input (N, C, *) with 0 to 3 trailing dims; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> nn.SyncBatchNorm(3)(yingshe.randn(4, 3, 5, 5)).shape  # one process: plain batch norm
        yingshe.Size([4, 3, 5, 5])
        >>> nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.Conv2d(3, 4, 3),
        ...                                                       nn.BatchNorm2d(4)))
        Sequential(
          (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1))
          (1): SyncBatchNorm(4, eps=1e-05, momentum=0.1, ...)
        )
    """
    _input_dims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _batch_norm(self, input, running_mean, running_var, weight, bias, training, momentum,
                    eps):
        if not (self.training and dist.is_initialized() and
                dist.get_world_size(self.process_group) > 1):
            return batch_norm(input, running_mean, running_var, weight, bias, training,
                              momentum, eps)
        return sync_batch_norm(input, running_mean, running_var, weight, bias, momentum, eps,
                               self.process_group)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every ``BatchNorm*d`` inside replaced by a ``SyncBatchNorm`` that
        shares its parameters and buffers (a BatchNorm given directly is returned converted)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            if module.affine:
                converted.weight, converted.bias = module.weight, module.bias
            if module.track_running_stats:
                converted.running_mean = module.running_mean
                converted.running_var = module.running_var
                converted.num_batches_tracked = module.num_batches_tracked
            converted.train(module.training)
            return converted
        for name, child in module.named_children():
            module.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return module
