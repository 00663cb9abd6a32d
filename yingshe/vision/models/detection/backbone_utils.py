"""Feature extractors for the detectors: a classification network cut before its pooling and
classifier, its intermediate feature maps returned by name (torchvision's
``IntermediateLayerGetter``), with extra stride-2 stages for coarser scales (SSD's "extra
feature layers", Liu et al. 2016, Fig. 2).  Starting from a network trained on a
classification task is the transfer of Girshick et al. 2014 and Ren et al. 2015 (Section 3.2:
"initialized by a model pre-trained for ImageNet classification")."""
from collections import OrderedDict

from .... import nn
from ... import ops as vision_ops
from ..resnet import ResNet

__all__ = ["IntermediateLayerGetter", "DetectionBackbone", "resnet_detection_backbone"]


class IntermediateLayerGetter(nn.ModuleDict):
    """The children of ``model`` up to the last one named in ``return_layers`` ({child name: output
    name}); ``forward`` runs them in order and returns an OrderedDict of the outputs named there
    (torchvision's ``IntermediateLayerGetter``).  The model must run its children in
    registration order (ResNet, VGG's ``features``).

    Shape:
        input ``(N, C, H, W)``; output ``{name: (N, C_k, H_k, W_k)}``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet18
        >>> from yingshe.vision.models.detection import IntermediateLayerGetter
        >>> net = resnet18(small_input=True, width_mult=0.125)
        >>> body = IntermediateLayerGetter(net, {"layer2": "fine", "layer4": "coarse"})
        >>> {name: x.shape for name, x in body(yingshe.randn(2, 3, 32, 32)).items()}
        {'fine': yingshe.Size([2, 16, 16, 16]), 'coarse': yingshe.Size([2, 64, 4, 4])}
        >>> "fc" in body  # everything after layer4 is cut off
        False
    """

    def __init__(self, model, return_layers):
        wanted = set(return_layers)
        if not wanted <= {name for name, _ in model.named_children()}:
            raise ValueError(f"IntermediateLayerGetter: return_layers {sorted(wanted)} are not "
                             f"all children of {type(model).__name__}")
        layers = OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            wanted.discard(name)
            if not wanted:
                break
        super().__init__(layers)
        self.return_layers = dict(return_layers)

    def forward(self, x):
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out


class DetectionBackbone(nn.Module):
    """``body`` (an ``IntermediateLayerGetter``) followed by ``extra_blocks`` stages, each a 1x1
    then a 3x3 stride-2 convolution (with batch norm and ReLU) on the previous map: SSD's
    "extra feature layers" (Liu et al. 2016, Fig. 2).  ``out_channels`` lists the channels of
    the maps ``forward`` returns, finest first.

    Shape:
        input ``(N, C, H, W)``; output ``{"0": (N, out_channels[0], H_0, W_0), ...}``, each extra
        map half the size of the one before (rounded up).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet18
        >>> from yingshe.vision.models.detection import DetectionBackbone, IntermediateLayerGetter
        >>> body = IntermediateLayerGetter(resnet18(small_input=True, width_mult=0.125),
        ...                                {"layer2": "0", "layer4": "1"})
        >>> backbone = DetectionBackbone(body, body_channels=[16, 64], extra_blocks=1)
        >>> maps = backbone(yingshe.randn(2, 3, 32, 32))
        >>> backbone.out_channels, [tuple(x.shape[-2:]) for x in maps.values()]
        ([16, 64, 64], [(16, 16), (4, 4), (2, 2)])
    """

    def __init__(self, body, body_channels, extra_blocks=0):
        super().__init__()
        self.body = body
        channels = list(body_channels)
        extras = []
        for _ in range(extra_blocks):
            width = channels[-1]
            extras.append(nn.Sequential(
                vision_ops.Conv2dNormActivation(width, width // 2, kernel_size=1),
                vision_ops.Conv2dNormActivation(width // 2, width, kernel_size=3, stride=2)))
            channels.append(width)
        self.extra = nn.ModuleList(extras)
        self.out_channels = channels

    def forward(self, x):
        features = list(self.body(x).values())
        for block in self.extra:
            features.append(block(features[-1]))
        return OrderedDict((str(i), f) for i, f in enumerate(features))


def resnet_detection_backbone(resnet, returned_layers=(2, 3, 4), extra_blocks=0):
    """A ``DetectionBackbone`` from a ``ResNet`` classifier (trained or not, the transfer of Ren et
    al. 2015, Section 3.2): the maps of its stages ``returned_layers`` (1..4; strides 4, 8, 16, 32
    with the ImageNet stem, 1, 2, 4, 8 with the small-input stem) and ``extra_blocks`` coarser
    ones.

    Shape:
        input ``(N, 3, H, W)``; output one map per returned stage and extra block, finest first.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import resnet18
        >>> from yingshe.vision.models.detection import resnet_detection_backbone
        >>> backbone = resnet_detection_backbone(resnet18(small_input=True, width_mult=0.125),
        ...                                      returned_layers=(3, 4), extra_blocks=1)
        >>> maps = backbone(yingshe.randn(2, 3, 32, 32))
        >>> backbone.out_channels, [tuple(x.shape) for x in maps.values()]
        ([32, 64, 64], [(2, 32, 8, 8), (2, 64, 4, 4), (2, 64, 2, 2)])
    """
    if not isinstance(resnet, ResNet):
        raise TypeError(f"resnet_detection_backbone: expected a ResNet, got "
                        f"{type(resnet).__name__}")
    if not returned_layers or not set(returned_layers) <= {1, 2, 3, 4}:
        raise ValueError(f"returned_layers must be among 1..4, got {returned_layers}")
    body = IntermediateLayerGetter(resnet, {f"layer{k}": str(k) for k in returned_layers})
    channels = []
    for k in returned_layers:
        last_block = getattr(resnet, f"layer{k}")[-1]
        last_conv = last_block.conv3 if hasattr(last_block, "conv3") else last_block.conv2
        channels.append(last_conv.out_channels)
    return DetectionBackbone(body, channels, extra_blocks)
