"""Building blocks the detection and classification networks share, as ``torchvision.ops.misc``."""
from ... import nn

__all__ = ["Conv2dNormActivation"]


def _pair(value, dims):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims


class Conv2dNormActivation(nn.Sequential):
    """Convolution, normalisation, activation in an ``nn.Sequential``
    (``torchvision.ops.Conv2dNormActivation``): ``y = activation(norm(conv(x)))``.

    ``padding`` defaults to ``(kernel_size - 1) // 2 * dilation`` ("same" size at stride 1),
    ``bias`` to ``norm_layer is None`` (a normalisation's shift makes the bias redundant);
    ``norm_layer=None`` or ``activation_layer=None`` leaves that stage out.

    Shape:
        input ``(N, C_in, H, W)``; output ``(N, C_out, H_out, W_out)`` with
        ``H_out = floor((H + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import Conv2dNormActivation
        >>> block = Conv2dNormActivation(3, 8, kernel_size=3, stride=2)
        >>> [type(layer).__name__ for layer in block]
        ['Conv2d', 'BatchNorm2d', 'ReLU']
        >>> block(yingshe.randn(2, 3, 8, 8)).shape
        yingshe.Size([2, 8, 4, 4])
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1, inplace=True,
                 bias=None):
        if padding is None:
            if isinstance(kernel_size, int) and isinstance(dilation, int):
                padding = (kernel_size - 1) // 2 * dilation
            else:
                dims = len(kernel_size) if isinstance(kernel_size, (tuple, list)) else len(dilation)
                kernel_size = _pair(kernel_size, dims)
                dilation = _pair(dilation, dims)
                padding = tuple((k - 1) // 2 * d for k, d in zip(kernel_size, dilation))
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                            dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels
