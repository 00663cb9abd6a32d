"""Convolution layers (Goodfellow, Bengio & Courville, Deep Learning, §9.1) with PyTorch's
parameter layout and initialisation: weight (out, in / groups, k...) for Conv,
(in, out / groups, k...) for ConvTranspose; both ~ kaiming_uniform(a=sqrt 5),
bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
import math

from ...ops import conv as C
from ...ops.creation import empty
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", output_padding=0, device=None,
                 dtype=None):
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{type(self).__name__}: in_channels ({in_channels}) and "
                             f"out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{type(self).__name__}: padding_mode {padding_mode!r} is "
                                      "not supported (only 'zeros')")
        n = self._dims
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _tuple(kernel_size, n), _tuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n)
        self.dilation, self.output_padding = _tuple(dilation, n), _tuple(output_padding, n)
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(empty(*shape, device=device, dtype=dtype))
        self.bias = Parameter(empty(out_channels, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) input, e.g. a sequence of feature vectors; padding may
    be an int, 'same' or 'valid'.

    out[n, c] = bias[c] + sum_k weight[c, k] (*) x[n, k], (*) the 1-D cross-correlation (as
    PyTorch's; Goodfellow, Bengio & Courville, Deep Learning, §9.1); with ``groups`` = g each
    output channel sees C_in / g input channels.
    Shape: input (N, C_in, L); output (N, C_out, L_out) with
    L_out = floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Conv1d(16, 33, 3, stride=2)(yingshe.randn(20, 16, 50)).shape
        yingshe.Size([20, 33, 24])
    """
    _dims = 1

    def forward(self, input):
        return C.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) input; padding may be an int, a pair, 'same' or
    'valid'.

    out[n, c] = bias[c] + sum_k weight[c, k] (*) x[n, k], (*) the 2-D cross-correlation (as
    PyTorch's; Goodfellow, Bengio & Courville, Deep Learning, §9.1).
    Shape: input (N, C_in, H, W); output (N, C_out, H_out, W_out) with
    H_out = floor((H + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1, W_out likewise.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Conv2d(1, 6, 5, padding=2)(yingshe.randn(8, 1, 28, 28)).shape
        yingshe.Size([8, 6, 28, 28])
    """

    def forward(self, input):
        return C.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution over (N, C, L) input: the gradient of ``Conv1d``
    with respect to its input, so it maps a conv's output length back to its input length (an
    upsampling by ``stride``; Dumoulin & Visin 2016, "A guide to convolution arithmetic").  Each
    input value adds weight-scaled copies of the kernel to the output, spaced ``stride`` apart.
    Shape: input (N, C_in, L); output (N, C_out, L_out) with
    L_out = (L - 1) stride - 2 padding + dilation (kernel_size - 1) + output_padding + 1.

    Examples:
        >>> import yingshe
        >>> up = yingshe.nn.ConvTranspose1d(1, 1, kernel_size=2, stride=2, bias=False)
        >>> _ = yingshe.nn.init.ones_(up.weight)
        >>> up(yingshe.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[1., 1., 2., 2., 3., 3.]]], grad_fn=<...>)
    """
    _dims = 1

    def forward(self, input):
        return C.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution ("deconvolution") over (N, C, H, W) input: the
    gradient of ``Conv2d`` with respect to its input, an upsampling by ``stride`` (Dumoulin &
    Visin 2016, "A guide to convolution arithmetic"; the decoder of FCN, Long, Shelhamer &
    Darrell 2015).  ``output_padding`` picks among the input sizes a strided conv maps to the same
    output size.
    Shape: input (N, C_in, H, W); output (N, C_out, H_out, W_out) with
    H_out = (H - 1) stride - 2 padding + dilation (kernel_size - 1) + output_padding + 1,
    W_out likewise.

    Examples:
        >>> import yingshe
        >>> up = yingshe.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
        >>> up(yingshe.randn(1, 8, 7, 7)).shape  # doubles H and W
        yingshe.Size([1, 4, 14, 14])
    """

    def forward(self, input):
        return C.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
