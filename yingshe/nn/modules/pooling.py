"""Pooling and upsampling layers (pooling: Goodfellow, Bengio & Courville, Deep Learning, §9.3)."""
from ...ops import pool as P
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d",
           "AdaptiveMaxPool2d", "Upsample"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max pooling over (N, C, L) input: the maximum of each window of ``kernel_size``
    positions, windows ``stride`` apart (default: ``kernel_size``, non-overlapping),

        out[n, c, l] = max_{k < kernel_size} x[n, c, stride l + dilation k]

    over the input padded with -inf by ``padding`` (Goodfellow, Bengio & Courville, Deep
    Learning, §9.3).  ``return_indices=True`` is not implemented (NotImplementedError).

    Shape: input (N, C, L) or (C, L); output (N, C, L_out) or (C, L_out) with
    L_out = floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1 (ceil with
    ``ceil_mode``).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.MaxPool1d(2)(yingshe.tensor([[[1.0, 5.0, 2.0, 0.0, 3.0]]]))
        tensor([[[5., 2.]]])
    """

    def forward(self, input):
        return P.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """Max pooling over (N, C, H, W) input: the maximum of each ``kernel_size`` window,
    windows ``stride`` apart (default: ``kernel_size``, non-overlapping),

        out[n, c, h, w] = max_{m, k} x[n, c, stride_0 h + dilation_0 m, stride_1 w + dilation_1 k]

    over the input padded with -inf by ``padding`` (Goodfellow, Bengio & Courville, Deep
    Learning, §9.3); the gradient goes to the argmax.  ``return_indices=True`` is not
    implemented (NotImplementedError).

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or (C, H_out, W_out) with
    H_out = floor((H + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1 (ceil with
    ``ceil_mode``), W_out likewise.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.MaxPool2d(2)(yingshe.arange(16.0).reshape(1, 1, 4, 4))
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """

    def forward(self, input):
        return P.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)


class _AvgPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Average pooling over (N, C, L) input: the mean of each window of ``kernel_size``
    positions, windows ``stride`` apart (default: ``kernel_size``),

        out[n, c, l] = 1 / kernel_size * sum_{k < kernel_size} x[n, c, stride l + k],

    the zero padding counted in the mean unless ``count_include_pad=False``.

    Shape: input (N, C, L) or (C, L); output (N, C, L_out) or (C, L_out) with
    L_out = floor((L + 2 padding - kernel_size) / stride) + 1 (ceil with ``ceil_mode``).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.AvgPool1d(2)(yingshe.tensor([[[1.0, 5.0, 2.0, 0.0, 3.0]]]))
        tensor([[[3., 1.]]])
    """

    def forward(self, input):
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Average pooling over (N, C, H, W) input: the mean of each ``kernel_size``
    window, windows ``stride`` apart (default: ``kernel_size``),

        out[n, c, h, w] = 1 / (k_0 k_1) * sum_{m < k_0, k < k_1} x[n, c, s_0 h + m, s_1 w + k],

    (k_0, k_1) the ``kernel_size``, (s_0, s_1) the ``stride``, the zero padding counted in the
    mean unless ``count_include_pad=False``; ``divisor_override`` replaces k_0 k_1.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or (C, H_out, W_out) with
    H_out = floor((H + 2 padding - kernel_size) / stride) + 1 (ceil with ``ceil_mode``), W_out
    likewise.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.AvgPool2d(2)(yingshe.arange(16.0).reshape(1, 1, 4, 4))
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
        >>> yingshe.nn.AvgPool2d(3, stride=1, padding=1)(yingshe.ones(1, 1, 3, 3))[0, 0, 0]
        tensor([0.4444, 0.6667, 0.4444])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        return P.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (H_out, W_out) whatever the input
    size, as before a classifier head (e.g. ResNet's global average pooling, ``output_size=1``).
    Output cell (i, j) averages the input rows floor(i H / H_out) to ceil((i + 1) H / H_out) - 1
    and the columns likewise; ``None`` in ``output_size`` keeps that input size.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or (C, H_out, W_out).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.AdaptiveAvgPool2d(1)(yingshe.arange(16.0).reshape(1, 1, 4, 4))
        tensor([[[[7.5000]]]])
        >>> yingshe.nn.AdaptiveAvgPool2d((5, 7))(yingshe.randn(2, 3, 10, 9)).shape
        yingshe.Size([2, 3, 5, 7])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return P.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (H_out, W_out) whatever the input size:
    output cell (i, j) is the maximum over the input rows floor(i H / H_out) to
    ceil((i + 1) H / H_out) - 1 and the columns likewise.  ``return_indices=True`` is not
    implemented (NotImplementedError).

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or (C, H_out, W_out).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.AdaptiveMaxPool2d((2, 2))(yingshe.arange(16.0).reshape(1, 1, 4, 4))
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return P.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Nearest-neighbour upsampling of (N, C, H, W) input to ``size`` or by
    ``scale_factor``: out[..., i, j] = x[..., floor(i H / H_out), floor(j W / W_out)] (with
    ``scale_factor`` s, floor(i / s)).  Only ``mode='nearest'`` and 4-D input are implemented;
    other modes raise NotImplementedError.

    Shape: input (N, C, H, W); output (N, C, H_out, W_out) with H_out = ``size[0]`` or
    floor(H * scale_factor), W_out likewise.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Upsample(scale_factor=2)(yingshe.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
        tensor([[[[1., 1., 2., 2.],
                  [1., 1., 2., 2.],
                  [3., 3., 4., 4.],
                  [3., 3., 4., 4.]]]])
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input):
        return P.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        what = f"scale_factor={float(self.scale_factor)}" if self.scale_factor is not None \
            else f"size={self.size}"
        return f"{what}, mode='{self.mode}'"
