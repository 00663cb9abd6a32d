"""GoogLeNet, Inception v1 (Szegedy et al. 2015, "Going deeper with convolutions"), as torchvision
0.28 builds it: same constructor, module names, state_dict keys and shapes.

An Inception module runs four branches on the same input and concatenates them along channels:
a 1x1 convolution; 1x1 reduce then 3x3; 1x1 reduce then a second 3x3 (torchvision's choice, the
paper has 5x5); 3x3 max pooling then a 1x1 projection (the paper's Table 1 gives the widths). Two
auxiliary classifiers on inception4a and inception4d add their losses during training (Section
5)."""
import warnings
from collections import namedtuple

from ... import nn
from ...ops.shape import cat
from ._api import build_pretrained, overwrite_named_params, pretrained_kwargs, register_model
from ._utils import scaled_channels
from ._weights import GoogLeNet_Weights

__all__ = ["GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "BasicConv2d",
           "GoogLeNet_Weights", "googlenet"]

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])
GoogLeNetOutputs.__doc__ = """What ``GoogLeNet`` returns in training mode with ``aux_logits``:
the main ``logits`` and those of the auxiliary classifiers on inception4d (``aux_logits2``) and
inception4a (``aux_logits1``), each ``(N, num_classes)``.  The paper trains on
``loss(logits) + 0.3 (loss(aux_logits1) + loss(aux_logits2))`` (Szegedy et al. 2015, §5).

Shape:
    each field ``(N, num_classes)``.

Examples:
    >>> import yingshe
    >>> from yingshe.nn import functional as F
    >>> from yingshe.vision.models import GoogLeNetOutputs
    >>> outputs = GoogLeNetOutputs(*(yingshe.zeros(2, 10) for _ in range(3)))  # as from a model
    >>> target = yingshe.tensor([3, 7])
    >>> loss = F.cross_entropy(outputs.logits, target) + 0.3 * (
    ...     F.cross_entropy(outputs.aux_logits1, target)
    ...     + F.cross_entropy(outputs.aux_logits2, target))
    >>> round(loss.item(), 4)  # uniform logits: 1.6 ln 10
    3.6841
"""


class GoogLeNet(nn.Module):
    """GoogLeNet (Szegedy et al. 2015): stem (7x7/2 conv, pool, 1x1 and 3x3 convs, pool), nine
    Inception modules with 3x3/2 and 2x2/2 poolings between stages, global average pooling,
    dropout, linear classifier.  In training mode with ``aux_logits`` the forward returns
    ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)`` (the paper adds the auxiliary losses
    with weight 0.3), otherwise the logits.

    Our additions, for small machines and images (the defaults give torchvision's network):
    ``in_channels`` (1 for MNIST); ``small_input=True`` fits 28 x 28 and 32 x 32 images (the
    first convolution becomes 3x3 with stride 1 and the first max pool an ``Identity``, so the
    grid goes 28 -> 14 -> 7 -> 4 and the state_dict keys stay the same); ``width_mult`` scales
    every convolution's channels.

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)`` (each of the three in
        training mode with ``aux_logits``).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import GoogLeNet
        >>> model = GoogLeNet(num_classes=10, aux_logits=False, init_weights=True,
        ...                   small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 32, 32)).shape
        yingshe.Size([2, 10])
    """

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False,
                 init_weights=None, blocks=None, dropout=0.2, dropout_aux=0.7, in_channels=3,
                 small_input=False, width_mult=1.0):
        super().__init__()
        if blocks is None:
            blocks = [BasicConv2d, Inception, InceptionAux]
        if init_weights is None:
            warnings.warn("The default weight initialization of GoogleNet will be changed in "
                          "future releases of torchvision. If you wish to keep the old behavior "
                          "(which leads to long initialization times due to scipy/scipy#11299), "
                          "please set init_weights=True.", FutureWarning, stacklevel=2)
            init_weights = True
        if len(blocks) != 3:
            raise ValueError(f"blocks length should be 3 instead of {len(blocks)}")
        conv_block, inception_block, inception_aux_block = blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input

        def widths(*channels):
            return scaled_channels(channels, width_mult)

        def inception(*channels):
            return inception_block(*widths(*channels))

        if small_input:
            self.conv1 = conv_block(in_channels, *widths(64), kernel_size=3, stride=1, padding=1)
            self.maxpool1 = nn.Identity()
        else:
            self.conv1 = conv_block(in_channels, *widths(64), kernel_size=7, stride=2, padding=3)
            self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(*widths(64, 64), kernel_size=1)
        self.conv3 = conv_block(*widths(64, 192), kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = inception(832, 384, 192, 384, 48, 128, 128)
        if aux_logits:
            self.aux1 = inception_aux_block(*widths(512), num_classes, dropout=dropout_aux)
            self.aux2 = inception_aux_block(*widths(528), num_classes, dropout=dropout_aux)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(*widths(1024), num_classes)

        if init_weights:
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    def _transform_input(self, x):
        """Map ImageNet-normalised input to the (x - 0.5) / 0.5 scaling the ported weights
        expect: x_c * std_c / 0.5 + (mean_c - 0.5) / 0.5."""
        if not self.transform_input:
            return x
        x_ch0 = x[:, 0].unsqueeze(1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
        x_ch1 = x[:, 1].unsqueeze(1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
        x_ch2 = x[:, 2].unsqueeze(1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
        return cat((x_ch0, x_ch1, x_ch2), 1)

    def forward(self, x):
        x = self._transform_input(x)
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.fc(self.dropout(self.avgpool(x).flatten(1)))
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        return x


class Inception(nn.Module):
    """The Inception module (Szegedy et al. 2015, Fig. 2b): four parallel branches concatenated
    along channels, 1x1; 1x1 -> 3x3; 1x1 -> 3x3 (torchvision's choice where the paper has 5x5);
    3x3 max pool -> 1x1.

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import Inception
        >>> block = Inception(32, ch1x1=16, ch3x3red=8, ch3x3=16, ch5x5red=4, ch5x5=8, pool_proj=8)
        >>> block(yingshe.randn(2, 32, 7, 7)).shape  # 16 + 16 + 8 + 8 channels
        yingshe.Size([2, 48, 7, 7])
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                 conv_block=None):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),
                                     conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                     conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1,
                                                  ceil_mode=True),
                                     conv_block(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier (Szegedy et al. 2015, §5): 4x4 adaptive average pooling, 1x1 conv
    (128), fc 1024 with ReLU, dropout, fc to the classes.

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import InceptionAux
        >>> InceptionAux(32, num_classes=10)(yingshe.randn(2, 32, 7, 7)).shape
        yingshe.Size([2, 10])
    """

    def __init__(self, in_channels, num_classes, conv_block=None, dropout=0.7):
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = self.conv(nn.functional.adaptive_avg_pool2d(x, (4, 4))).flatten(1)
        x = self.dropout(nn.functional.relu(self.fc1(x)))
        return self.fc2(x)


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm (eps 0.001), ReLU: ``y = relu(bn(conv(x)))``;
    ``kwargs`` go to ``nn.Conv2d``.

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, out_channels, H_out, W_out)`` as
        ``nn.Conv2d``'s.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import BasicConv2d
        >>> BasicConv2d(3, 8, kernel_size=3, padding=1)(yingshe.randn(2, 3, 5, 5)).shape
        yingshe.Size([2, 8, 5, 5])
    """

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return nn.functional.relu(self.bn(self.conv(x)))


@register_model()
def googlenet(*, weights: GoogLeNet_Weights | None = None, progress=True, **kwargs):
    """GoogLeNet (Szegedy et al. 2015); ``kwargs`` go to ``GoogLeNet`` (``num_classes``,
    ``aux_logits``, ``transform_input``, ``init_weights``, ``dropout``, ``dropout_aux``, and our
    ``in_channels``, ``small_input``, ``width_mult``).

    ``weights`` (``GoogLeNet_Weights.IMAGENET1K_V1``, its name, or "DEFAULT") loads the weights
    torchvision ported from the paper, downloaded on first use into the hub cache
    (``yingshe.hub``) with a progress bar when ``progress``.  As in torchvision,
    ``transform_input`` then defaults to True (the ported weights expect (x - 0.5) / 0.5
    inputs), and the auxiliary classifiers, which the checkpoint holds untrained, are dropped
    unless ``aux_logits=True`` was asked (then a warning says to train them).

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``, or a ``GoogLeNetOutputs``
        of three in training mode with ``aux_logits``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import googlenet
        >>> model = googlenet(num_classes=10, aux_logits=False, init_weights=True,
        ...                   small_input=True, width_mult=0.125)
        >>> model(yingshe.randn(2, 3, 32, 32)).shape
        yingshe.Size([2, 10])
        >>> model = googlenet(weights="DEFAULT").eval()  # 50 MB download  # doctest: +SKIP
    """
    weights = GoogLeNet_Weights.verify(weights)
    original_aux_logits = kwargs.get("aux_logits", False)
    if weights is not None:
        if "transform_input" not in kwargs:
            kwargs["transform_input"] = True
        kwargs = overwrite_named_params(kwargs, aux_logits=True, init_weights=False)
        kwargs = pretrained_kwargs("googlenet", weights, kwargs)
    model = build_pretrained(weights, progress, GoogLeNet, **kwargs)
    if weights is not None:
        if not original_aux_logits:
            model.aux_logits = False
            model.aux1 = None
            model.aux2 = None
        else:
            warnings.warn("auxiliary heads in the pretrained googlenet model are NOT pretrained, "
                          "so make sure to train them", stacklevel=2)
    return model
