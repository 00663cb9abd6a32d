"""MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov & Chen 2018, "MobileNetV2: Inverted residuals and
linear bottlenecks"), as torchvision 0.28 builds it: same constructor, module names, state_dict
keys and shapes.

An inverted residual block expands the channels t times with a 1x1 convolution, filters each
channel with a 3x3 depthwise convolution, and projects back with a linear 1x1 convolution (no
activation: the "linear bottleneck"); the shortcut is added when stride is 1 and the channel
count is unchanged (the paper's Table 1 and Figure 4)."""
from ... import nn
from ..ops.misc import Conv2dNormActivation
from ._api import build_pretrained, pretrained_kwargs, register_model
from ._weights import MobileNet_V2_Weights

__all__ = ["MobileNetV2", "InvertedResidual", "MobileNet_V2_Weights", "mobilenet_v2"]


def _make_divisible(v, divisor, min_value=None):
    """v rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never more than
    10% below v (the TensorFlow MobileNet rule torchvision follows)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class InvertedResidual(nn.Module):
    """The inverted residual block of MobileNetV2 (Sandler et al. 2018, Table 1): 1x1 expansion to
    ``round(inp * expand_ratio)`` channels (ReLU6), 3x3 depthwise with ``stride`` (ReLU6), linear
    1x1 projection to ``oup``; ``y = x + F(x)`` when ``stride == 1`` and ``inp == oup``, else
    ``y = F(x)``.

    Shape:
        input ``(N, inp, H, W)``; output ``(N, oup, ceil(H / stride), ceil(W / stride))``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import InvertedResidual
        >>> block = InvertedResidual(16, 16, stride=1, expand_ratio=6)
        >>> block.use_res_connect, block(yingshe.randn(2, 16, 5, 5)).shape
        (True, yingshe.Size([2, 16, 5, 5]))
        >>> InvertedResidual(16, 24, stride=2, expand_ratio=6)(yingshe.randn(2, 16, 5, 5)).shape
        yingshe.Size([2, 24, 3, 3])
    """

    def __init__(self, inp, oup, stride, expand_ratio, norm_layer=None):
        super().__init__()
        self.stride = stride
        if stride not in [1, 2]:
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        hidden_dim = round(inp * expand_ratio)
        self.use_res_connect = self.stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=nn.ReLU6))
        layers.extend([
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                                 norm_layer=norm_layer, activation_layer=nn.ReLU6),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ])
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 (Sandler et al. 2018): a 3x3/2 stem of 32 channels, 17 inverted residual blocks
    set by ``inverted_residual_setting`` rows (t expansion, c channels, n repeats, s first
    stride), a 1x1 convolution to 1280 channels, global average pooling, dropout and a linear
    classifier.  Channel counts are scaled by ``width_mult`` and rounded to multiples of
    ``round_nearest``.

    Our additions (the defaults give torchvision's network): ``in_channels`` (1 for MNIST) and
    ``small_input=True`` for 28 x 28 and 32 x 32 images: the stem and the first stride-2 block
    keep stride 1 (as the CIFAR variants of the network do), so the grid goes 28 -> 14 -> 7 -> 4
    instead of 28 -> 1; the state_dict keys do not change.

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``; the features divide H and
        W by 32 (by 8 with ``small_input=True``).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import MobileNetV2
        >>> model = MobileNetV2(num_classes=10, width_mult=0.25, small_input=True)
        >>> model(yingshe.randn(2, 3, 32, 32)).shape
        yingshe.Size([2, 10])
        >>> model.last_channel  # never scaled below 1280
        1280
    """

    def __init__(self, num_classes=1000, width_mult=1.0, inverted_residual_setting=None,
                 round_nearest=8, block=None, norm_layer=None, dropout=0.2, in_channels=3,
                 small_input=False):
        super().__init__()
        if width_mult <= 0:
            raise ValueError(f"width_mult must be positive, got {width_mult}")
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        input_channel = 32
        last_channel = 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [
                [1, 16, 1, 1],
                [6, 24, 2, 2],
                [6, 32, 3, 2],
                [6, 64, 4, 2],
                [6, 96, 3, 1],
                [6, 160, 3, 2],
                [6, 320, 1, 1],
            ]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError("inverted_residual_setting should be non-empty or a 4-element list, "
                             f"got {inverted_residual_setting}")
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [Conv2dNormActivation(in_channels, input_channel,
                                         stride=1 if small_input else 2,
                                         norm_layer=norm_layer, activation_layer=nn.ReLU6)]
        keep_next_stride = small_input  # small images: the first stride-2 stage keeps stride 1
        for t, c, n, s in inverted_residual_setting:
            if s == 2 and keep_next_stride:
                s, keep_next_stride = 1, False
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(block(input_channel, output_channel, stride, expand_ratio=t,
                                      norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1,
                                             norm_layer=norm_layer, activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(x.flatten(1))


@register_model()
def mobilenet_v2(*, weights: MobileNet_V2_Weights | None = None, progress=True, **kwargs):
    """MobileNetV2 (Sandler et al. 2018); ``kwargs`` go to ``MobileNetV2`` (``num_classes``,
    ``width_mult``, ``round_nearest``, ``dropout``, ...).

    ``weights`` (a ``MobileNet_V2_Weights`` member, its name, or "DEFAULT") loads torchvision's
    ImageNet weights, downloaded on first use into the hub cache (``yingshe.hub``) with a progress
    bar when ``progress``; they need the default ``num_classes``, ``width_mult``,
    ``in_channels`` and ``small_input``.

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import mobilenet_v2
        >>> model = mobilenet_v2(num_classes=10, width_mult=0.25, small_input=True, in_channels=1)
        >>> model(yingshe.randn(2, 1, 28, 28)).shape
        yingshe.Size([2, 10])
        >>> model = mobilenet_v2(weights="DEFAULT")  # 14 MB download  # doctest: +SKIP
    """
    weights = MobileNet_V2_Weights.verify(weights)
    kwargs = pretrained_kwargs("mobilenet_v2", weights, kwargs)
    return build_pretrained(weights, progress, MobileNetV2, **kwargs)
