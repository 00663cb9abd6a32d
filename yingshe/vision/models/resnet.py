"""Residual networks (He, Zhang, Ren & Sun 2016, "Deep residual learning for image recognition"),
as torchvision 0.28 builds them: same constructors, module names, state_dict keys and shapes.

Each block computes y = relu(F(x) + s(x)), F a stack of conv + batch-norm layers and s the
identity or, where the shape changes, a 1x1 projection (``downsample``). ``small_input=True``
gives the paper's CIFAR-10 variant (Section 4.2): a 3x3 stride-1 stem and no max pooling, for
28x28 and 32x32 images; it changes no parameter name, only the stem's kernel shape.

Every builder takes ``weights=`` (its ``*_Weights`` member, the member's name, or "DEFAULT"):
torchvision's ImageNet weights, downloaded on first use into the hub cache (``yingshe.hub``)
with a progress bar when ``progress``; they need the default ``num_classes``, ``in_channels``,
``small_input`` and ``width_mult``."""
from ... import nn
from ._api import build_pretrained, overwrite_named_params, pretrained_kwargs, register_model
from ._utils import scaled_channels
from ._weights import (
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    ResNet101_Weights,
    ResNet152_Weights,
    ResNeXt50_32X4D_Weights,
    ResNeXt101_32X8D_Weights,
    ResNeXt101_64X4D_Weights,
    Wide_ResNet50_2_Weights,
    Wide_ResNet101_2_Weights,
)

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "resnet101",
           "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
           "wide_resnet50_2", "wide_resnet101_2", "ResNet18_Weights", "ResNet34_Weights",
           "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights",
           "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights",
           "Wide_ResNet101_2_Weights"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """The residual block of ResNet-18 and -34 (He et al. 2016, Fig. 5 left): two 3x3
    convolutions,

        y = relu(F(x) + s(x)),   F(x) = bn2(conv2(relu(bn1(conv1(x))))),

    s the identity or ``downsample`` (a 1x1 projection where stride or channels change).

    Shape:
        input ``(N, inplanes, H, W)``; output ``(N, planes, H_out, W_out)``,
        ``H_out = ceil(H / stride)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import BasicBlock
        >>> BasicBlock(8, 8)(yingshe.randn(2, 8, 5, 5)).shape
        yingshe.Size([2, 8, 5, 5])
    """
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """The residual block of ResNet-50 and deeper (He et al. 2016, Fig. 5 right): 1x1 reduce to
    ``width = planes * base_width / 64 * groups``, 3x3 (stride, groups, dilation), 1x1 expand to
    ``4 * planes``; ``y = relu(F(x) + s(x))``.  The stride sits on the 3x3 convolution
    ("ResNet v1.5"), as in torchvision; ``groups > 1`` gives ResNeXt's block (Xie et al. 2017).

    Shape:
        input ``(N, inplanes, H, W)``; output ``(N, 4 planes, ceil(H / stride), ceil(W / stride))``.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> from yingshe.vision.models import Bottleneck
        >>> Bottleneck(32, 8)(yingshe.randn(2, 32, 5, 5)).shape  # 32 -> 8 -> 8 -> 32 channels
        yingshe.Size([2, 32, 5, 5])
        >>> project = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2, bias=False), nn.BatchNorm2d(32))
        >>> Bottleneck(16, 8, stride=2, downsample=project)(yingshe.randn(2, 16, 6, 6)).shape
        yingshe.Size([2, 32, 3, 3])
    """
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        if width == 0:
            raise ValueError(f"Bottleneck: {planes} planes with width_per_group {base_width} "
                             f"leave no channel per group ({groups} groups); use a larger "
                             f"width_mult")
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A residual network (He et al. 2016): stem (7x7/2 conv, BN, ReLU, 3x3/2 max pool; or with
    ``small_input`` a 3x3/1 conv and no pooling, the paper's CIFAR variant, §4.2), four stages
    of ``layers[i]`` blocks with 64, 128, 256, 512 planes (strides 1, 2, 2, 2; each times
    ``width_mult``, our addition for sizing a network to a small machine), global average pooling
    and a linear classifier.  Convolutions get He-normal initialisation (fan_out);
    ``zero_init_residual`` zeroes each block's last BN scale (Goyal et al. 2017).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import BasicBlock, ResNet
        >>> model = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10, small_input=True,
        ...                width_mult=0.25)
        >>> model(yingshe.randn(2, 3, 32, 32)).shape
        yingshe.Size([2, 10])
        >>> model.layer2[0].downsample  # a 1x1 projection where the stage halves the grid
        Sequential(
          (0): Conv2d(16, 32, kernel_size=(1, 1), stride=(2, 2), bias=False)
          (1): BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, ...)
        )
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None, norm_layer=None,
                 small_input=False, in_channels=3, width_mult=1.0):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        planes = scaled_channels((64, 128, 256, 512), width_mult)
        self._norm_layer = norm_layer
        self.inplanes = planes[0]
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, "
                             f"got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        if small_input:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=3, stride=1, padding=1,
                                   bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=7, stride=2, padding=3,
                                   bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = (nn.Identity() if small_input
                        else nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        self.layer1 = self._make_layer(block, planes[0], layers[0])
        self.layer2 = self._make_layer(block, planes[1], layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, planes[2], layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, planes[3], layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(planes[3] * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def _resnet(builder, block, layers, weights, progress, kwargs):
    kwargs = pretrained_kwargs(builder, weights, kwargs)
    return build_pretrained(weights, progress, ResNet, block, layers, **kwargs)


@register_model()
def resnet18(*, weights: ResNet18_Weights | None = None, progress=True, **kwargs):
    """ResNet-18 (He et al. 2016): BasicBlocks (2, 2, 2, 2), 11.7 M parameters. ``kwargs`` go to
    ``ResNet`` (``num_classes``, ``small_input``, ``in_channels``, ``width_mult``, ...).
    ``weights`` (``ResNet18_Weights`` member, its name, or "DEFAULT") loads torchvision's
    ImageNet weights into the default network (see the module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet18
        >>> model = resnet18(num_classes=10, small_input=True, width_mult=0.25)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnet18(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNet18_Weights.verify(weights)
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, progress, kwargs)


@register_model()
def resnet34(*, weights: ResNet34_Weights | None = None, progress=True, **kwargs):
    """ResNet-34 (He et al. 2016): BasicBlocks (3, 4, 6, 3), 21.8 M parameters. ``kwargs`` go to
    ``ResNet`` (``num_classes``, ``small_input``, ``in_channels``, ``width_mult``, ...).
    ``weights`` (``ResNet34_Weights`` member, its name, or "DEFAULT") loads torchvision's
    ImageNet weights into the default network (see the module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet34
        >>> model = resnet34(num_classes=10, small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnet34(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNet34_Weights.verify(weights)
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, progress, kwargs)


@register_model()
def resnet50(*, weights: ResNet50_Weights | None = None, progress=True, **kwargs):
    """ResNet-50 (He et al. 2016): Bottlenecks (3, 4, 6, 3), 25.6 M parameters. ``kwargs`` go to
    ``ResNet`` (``num_classes``, ``small_input``, ``in_channels``, ``width_mult``, ...).
    ``weights`` (``ResNet50_Weights`` member, its name, or "DEFAULT") loads torchvision's
    ImageNet weights into the default network (see the module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet50
        >>> model = resnet50(num_classes=10, small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnet50(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNet50_Weights.verify(weights)
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, progress, kwargs)


@register_model()
def resnet101(*, weights: ResNet101_Weights | None = None, progress=True, **kwargs):
    """ResNet-101 (He et al. 2016): Bottlenecks (3, 4, 23, 3), 44.5 M parameters. ``kwargs`` go to
    ``ResNet`` (``num_classes``, ``small_input``, ``in_channels``, ``width_mult``, ...).
    ``weights`` (``ResNet101_Weights`` member, its name, or "DEFAULT") loads torchvision's
    ImageNet weights into the default network (see the module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet101
        >>> model = resnet101(num_classes=10, small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnet101(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNet101_Weights.verify(weights)
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, progress, kwargs)


@register_model()
def resnet152(*, weights: ResNet152_Weights | None = None, progress=True, **kwargs):
    """ResNet-152 (He et al. 2016): Bottlenecks (3, 8, 36, 3), 60.2 M parameters. ``kwargs`` go to
    ``ResNet`` (``num_classes``, ``small_input``, ``in_channels``, ``width_mult``, ...).
    ``weights`` (``ResNet152_Weights`` member, its name, or "DEFAULT") loads torchvision's
    ImageNet weights into the default network (see the module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet152
        >>> model = resnet152(num_classes=10, small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnet152(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNet152_Weights.verify(weights)
    return _resnet("resnet152", Bottleneck, [3, 8, 36, 3], weights, progress, kwargs)


@register_model()
def resnext50_32x4d(*, weights: ResNeXt50_32X4D_Weights | None = None, progress=True, **kwargs):
    """ResNeXt-50 32x4d (Xie et al. 2017, "Aggregated residual transformations"): Bottlenecks (3,
    4, 6, 3) whose 3x3 convolutions have 32 groups of width 4. ``kwargs`` go to ``ResNet``
    (``num_classes``, ``small_input``, ``in_channels``, ``width_mult``, ...). ``weights``
    (``ResNeXt50_32X4D_Weights`` member, its name, or "DEFAULT") loads torchvision's ImageNet
    weights into the default network (see the module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnext50_32x4d
        >>> model = resnext50_32x4d(num_classes=10, small_input=True, width_mult=0.25)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnext50_32x4d(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNeXt50_32X4D_Weights.verify(weights)
    kwargs = overwrite_named_params(kwargs, groups=32, width_per_group=4)
    return _resnet("resnext50_32x4d", Bottleneck, [3, 4, 6, 3], weights, progress, kwargs)


@register_model()
def resnext101_32x8d(*, weights: ResNeXt101_32X8D_Weights | None = None, progress=True, **kwargs):
    """ResNeXt-101 32x8d (Xie et al. 2017): Bottlenecks (3, 4, 23, 3), 3x3 convolutions of 32
    groups of width 8. ``kwargs`` go to ``ResNet`` (``num_classes``, ``small_input``,
    ``in_channels``, ``width_mult``, ...). ``weights`` (``ResNeXt101_32X8D_Weights`` member, its
    name, or "DEFAULT") loads torchvision's ImageNet weights into the default network (see the
    module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnext101_32x8d
        >>> model = resnext101_32x8d(num_classes=10, small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnext101_32x8d(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNeXt101_32X8D_Weights.verify(weights)
    kwargs = overwrite_named_params(kwargs, groups=32, width_per_group=8)
    return _resnet("resnext101_32x8d", Bottleneck, [3, 4, 23, 3], weights, progress, kwargs)


@register_model()
def resnext101_64x4d(*, weights: ResNeXt101_64X4D_Weights | None = None, progress=True, **kwargs):
    """ResNeXt-101 64x4d (Xie et al. 2017): Bottlenecks (3, 4, 23, 3), 3x3 convolutions of 64
    groups of width 4. ``kwargs`` go to ``ResNet`` (``num_classes``, ``small_input``,
    ``in_channels``, ``width_mult``, ...). ``weights`` (``ResNeXt101_64X4D_Weights`` member, its
    name, or "DEFAULT") loads torchvision's ImageNet weights into the default network (see the
    module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnext101_64x4d
        >>> model = resnext101_64x4d(num_classes=10, small_input=True, width_mult=0.25)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = resnext101_64x4d(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = ResNeXt101_64X4D_Weights.verify(weights)
    kwargs = overwrite_named_params(kwargs, groups=64, width_per_group=4)
    return _resnet("resnext101_64x4d", Bottleneck, [3, 4, 23, 3], weights, progress, kwargs)


@register_model()
def wide_resnet50_2(*, weights: Wide_ResNet50_2_Weights | None = None, progress=True, **kwargs):
    """Wide ResNet-50-2 (Zagoruyko & Komodakis 2016, "Wide residual networks"): ResNet-50 with
    bottlenecks twice as wide inside (``width_per_group=128``). ``kwargs`` go to ``ResNet``
    (``num_classes``, ``small_input``, ``in_channels``, ``width_mult``, ...). ``weights``
    (``Wide_ResNet50_2_Weights`` member, its name, or "DEFAULT") loads torchvision's ImageNet
    weights into the default network (see the module docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import wide_resnet50_2
        >>> model = wide_resnet50_2(num_classes=10, small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = wide_resnet50_2(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = Wide_ResNet50_2_Weights.verify(weights)
    kwargs = overwrite_named_params(kwargs, width_per_group=128)
    return _resnet("wide_resnet50_2", Bottleneck, [3, 4, 6, 3], weights, progress, kwargs)


@register_model()
def wide_resnet101_2(*, weights: Wide_ResNet101_2_Weights | None = None, progress=True, **kwargs):
    """Wide ResNet-101-2 (Zagoruyko & Komodakis 2016): ResNet-101 with bottlenecks twice as wide
    inside. ``kwargs`` go to ``ResNet`` (``num_classes``, ``small_input``, ``in_channels``,
    ``width_mult``, ...). ``weights`` (``Wide_ResNet101_2_Weights`` member, its name, or
    "DEFAULT") loads torchvision's ImageNet weights into the default network (see the module
    docstring).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.  The ImageNet stem divides
        H and W by 32 before the global pooling (224 -> 7); ``small_input=True`` by 8 (32 -> 4).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import wide_resnet101_2
        >>> model = wide_resnet101_2(num_classes=10, small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
        >>> model = wide_resnet101_2(weights="DEFAULT")  # downloads  # doctest: +SKIP
    """
    weights = Wide_ResNet101_2_Weights.verify(weights)
    kwargs = overwrite_named_params(kwargs, width_per_group=128)
    return _resnet("wide_resnet101_2", Bottleneck, [3, 4, 23, 3], weights, progress, kwargs)
