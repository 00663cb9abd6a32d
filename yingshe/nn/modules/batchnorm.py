"""Batch normalisation layers (Ioffe & Szegedy 2015) with PyTorch's
parameters (weight, bias), buffers (running_mean, running_var, num_batches_tracked) and update
rule for the running statistics."""
from ...ops.creation import ones, tensor, zeros
from ...ops.normalization import batch_norm
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    _input_dims = ()
    _batch_norm = staticmethod(batch_norm)  # SyncBatchNorm's takes the statistics of all ranks

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = self.bias = None
        if affine:
            self.weight = Parameter(ones(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_features, device=device, dtype=dtype))
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, device=device))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def forward(self, input):
        if input.ndim not in self._input_dims:
            raise ValueError(f"{type(self).__name__}: expected a "
                             f"{' or '.join(f'{d}-D' for d in self._input_dims)} input, got "
                             f"shape {tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels "
                             f"(dim 1), got input of shape {tuple(input.shape)}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked._data)
        use_batch_stats = self.training or not self.track_running_stats
        return self._batch_norm(input, self.running_mean if self.track_running_stats else None,
                                self.running_var if self.track_running_stats else None,
                                self.weight, self.bias, use_batch_stats,
                                0.0 if momentum is None else momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input (Ioffe & Szegedy 2015): each
    feature c is normalised over the batch (and the positions L), then scaled and shifted,

        y = (x - E[x]) / sqrt(Var[x] + eps) * gamma + beta.

    In training E and Var are the batch's mean and biased variance, and the running estimates
    move towards them: running = (1 - momentum) running + momentum * batch value (the variance
    unbiased; ``momentum=None`` keeps a cumulative average).  In eval mode the running estimates
    are used.  gamma (``weight``) starts at 1, beta (``bias``) at 0; ``affine=False`` drops them,
    ``track_running_stats=False`` uses batch statistics in eval mode too.

    Shape: input (N, C) or (N, C, L); output the same shape.

    Examples:
        >>> import yingshe
        >>> bn = yingshe.nn.BatchNorm1d(2)
        >>> bn(yingshe.tensor([[1.0, 10.0], [3.0, 30.0]]))
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]], grad_fn=<NativeBatchNormBackward0>)
        >>> bn.running_mean, bn.running_var  # 0.9 * (0, 1) + 0.1 * (mean, unbiased var)
        (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    """
    _input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input (Ioffe & Szegedy 2015): each channel
    is normalised over the batch and all positions, y = (x - E[x]) / sqrt(Var[x] + eps) * gamma +
    beta, gamma and beta per channel; training and eval statistics as ``BatchNorm1d``.

    Shape: input (N, C, H, W); output (N, C, H, W).

    Examples:
        >>> import yingshe
        >>> bn = yingshe.nn.BatchNorm2d(3)
        >>> y = bn(yingshe.randn(4, 3, 5, 5) * 10 + 7)
        >>> y.shape, bn.weight.shape, bn.running_mean.shape
        (yingshe.Size([4, 3, 5, 5]), yingshe.Size([3]), yingshe.Size([3]))
        >>> bool(y.mean().abs() < 1e-5)  # each channel now has mean 0 over (N, H, W)
        True
    """
    _input_dims = (4,)
