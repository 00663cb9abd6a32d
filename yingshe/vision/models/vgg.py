"""VGG (Simonyan & Zisserman 2015, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR): stacks of 3x3 convolutions with 2x2 max-pools, configurations A (11 layers),
B (13), D (16) and E (19) of the paper's Table 1, optionally with batch normalisation after each
convolution (Ioffe & Szegedy 2015).  Module names, state_dict keys and shapes are torchvision's,
so a torchvision state_dict converted to arrays loads with ``load_state_dict``."""
from ... import flatten, nn
from ._api import build_pretrained, pretrained_kwargs, register_model
from ._utils import scaled_channels
from ._weights import (
    VGG11_BN_Weights,
    VGG11_Weights,
    VGG13_BN_Weights,
    VGG13_Weights,
    VGG16_BN_Weights,
    VGG16_Weights,
    VGG19_BN_Weights,
    VGG19_Weights,
)

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights",
           "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
           "VGG19_BN_Weights"]

SMALL_HIDDEN = 512  # width of the two hidden classifier layers when small_input=True

# Table 1 of the paper: output channels of each 3x3 convolution, "M" for a 2x2 max-pool.
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


class VGG(nn.Module):
    """VGG (Simonyan & Zisserman 2015): ``features`` (from ``make_layers``), an adaptive 7x7
    average pool and three fully connected layers (4096, 4096, ``num_classes``) with dropout
    after the first two.

    ``init_weights`` initialises as torchvision does: convolutions He-normal with fan_out
    (He et al. 2015), linear layers N(0, 0.01^2), batch norm weight 1, every bias 0.
    ``small_input=True`` pools to 1 x 1 and shrinks the hidden layers from 4096 to 512 units (the
    CIFAR-sized head: 512 channels reach it as 512 features).  The classifier takes as many
    channels as the last convolution of ``features`` gives.  Build ``features`` with
    ``make_layers(cfg, small_input=True)`` so 28 x 28 inputs still have a pixel left.

    Shape:
        input ``(N, C, H, W)``; output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import VGG
        >>> from yingshe.vision.models.vgg import cfgs, make_layers
        >>> features = make_layers(cfgs["A"], batch_norm=True, small_input=True, width_mult=0.125)
        >>> model = VGG(features, num_classes=10, small_input=True)
        >>> model(yingshe.randn(2, 3, 28, 28)).shape
        yingshe.Size([2, 10])
        >>> model.classifier[0]  # 512 / 8 channels of 1 x 1
        Linear(in_features=64, out_features=512, bias=True)
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5,
                 small_input=False):
        super().__init__()
        pooled, hidden = ((1, 1), SMALL_HIDDEN) if small_input else ((7, 7), 4096)
        channels = [m.out_channels for m in features.modules() if isinstance(m, nn.Conv2d)][-1]
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d(pooled)
        self.classifier = nn.Sequential(
            nn.Linear(channels * pooled[0] * pooled[1], hidden),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        return self.classifier(x)


def make_layers(cfg, batch_norm=False, in_channels=3, small_input=False, width_mult=1.0):
    """``Sequential`` of Conv2d(3x3, padding 1) [+ BatchNorm2d] + ReLU per number in ``cfg`` and
    MaxPool2d(2, 2) per "M".  ``small_input=True`` leaves out the last max-pool, so 28 x 28
    images shrink 28 -> 14 -> 7 -> 3 -> 1 instead of reaching 0 (the indices of the remaining
    layers, hence the state_dict keys, do not change); ``width_mult`` scales every count."""
    if small_input and cfg[-1] == "M":
        cfg = cfg[:-1]
    cfg = [v if v == "M" else scaled_channels((v,), width_mult)[0] for v in cfg]
    layers = []
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


def _vgg(builder, cfg, batch_norm, weights, progress, kwargs):
    kwargs = pretrained_kwargs(builder, weights, kwargs)
    if weights is not None:
        kwargs["init_weights"] = False  # the checkpoint overwrites every value (torchvision's)
    features = make_layers(cfgs[cfg], batch_norm, kwargs.pop("in_channels"),
                           kwargs["small_input"], kwargs.pop("width_mult"))
    return build_pretrained(weights, progress, VGG, features, **kwargs)


def _builder(name, cfg, batch_norm, weights_enum):
    def build(*, weights: weights_enum | None = None, progress=True, num_classes=1000,
              init_weights=True, dropout=0.5, in_channels=3, small_input=False, width_mult=1.0):
        weights = weights_enum.verify(weights)
        return _vgg(name, cfg, batch_norm, weights, progress, {
            "num_classes": num_classes, "init_weights": init_weights, "dropout": dropout,
            "in_channels": in_channels, "small_input": small_input, "width_mult": width_mult})

    layers = sum(isinstance(v, int) for v in cfgs[cfg]) + 3
    norm = " with batch normalisation" if batch_norm else ""
    build.__name__ = build.__qualname__ = name
    build.__doc__ = (
        f"VGG-{layers} (configuration {cfg}){norm}, torchvision's ``{name}``: "
        f"``VGG(make_layers(cfgs[{cfg!r}], {batch_norm}, in_channels, small_input, width_mult), "
        f"num_classes, init_weights, dropout, small_input)``.  ``small_input=True`` fits 28 x 28 "
        f"and 32 x 32 images, ``width_mult`` scales the convolutions' channels (see ``VGG`` and "
        f"``make_layers``).  ``weights`` (``{weights_enum.__name__}.IMAGENET1K_V1``, its name, "
        f"or \"DEFAULT\") loads torchvision's ImageNet weights, downloaded on first use into the "
        f"hub cache (``yingshe.hub``) with a progress bar when ``progress``; they need the "
        f"default ``num_classes``, ``in_channels``, ``small_input`` and ``width_mult``.\n\n"
        f"Shape:\n"
        f"    input ``(N, in_channels, H, W)``; output ``(N, num_classes)``; H and W at least 32 "
        f"(16 with ``small_input=True``).\n\n"
        f"Examples:\n"
        f"    >>> import yingshe\n"
        f"    >>> from yingshe.vision.models import {name}\n"
        f"    >>> model = {name}(num_classes=10, small_input=True, width_mult=0.125)\n"
        f"    >>> model(yingshe.randn(2, 3, 32, 32)).shape\n"
        f"    yingshe.Size([2, 10])\n"
        f"    >>> model = {name}(weights=\"DEFAULT\")  # downloads  # doctest: +SKIP\n")
    return register_model(name)(build)


vgg11 = _builder("vgg11", "A", False, VGG11_Weights)
vgg11_bn = _builder("vgg11_bn", "A", True, VGG11_BN_Weights)
vgg13 = _builder("vgg13", "B", False, VGG13_Weights)
vgg13_bn = _builder("vgg13_bn", "B", True, VGG13_BN_Weights)
vgg16 = _builder("vgg16", "D", False, VGG16_Weights)
vgg16_bn = _builder("vgg16_bn", "D", True, VGG16_BN_Weights)
vgg19 = _builder("vgg19", "E", False, VGG19_Weights)
vgg19_bn = _builder("vgg19_bn", "E", True, VGG19_BN_Weights)
