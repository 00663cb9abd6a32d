"""AlexNet (Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification with Deep
Convolutional Neural Networks", NeurIPS), in torchvision's single-tower form from Krizhevsky
2014, "One weird trick for parallelizing convolutional neural networks" (64-192-384-256-256
filters, no local response normalisation).  Module names, state_dict keys and shapes are
torchvision's, so a torchvision state_dict converted to arrays loads with ``load_state_dict``."""
from ... import flatten, nn
from ._api import build_pretrained, pretrained_kwargs, register_model
from ._utils import scaled_channels as _scaled
from ._weights import AlexNet_Weights

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]

SMALL_HIDDEN = 512  # width of the two hidden classifier layers when small_input=True


class AlexNet(nn.Module):
    """AlexNet (Krizhevsky et al. 2012; torchvision's single-tower form): five convolutions
    (11x11/4, 5x5, 3x3, 3x3, 3x3) with three 3x3/2 max-pools, an adaptive 6x6 average pool and
    three fully connected layers (4096, 4096, ``num_classes``) with dropout before the first two.
    Takes 3 x 224 x 224 images (at least 63 x 63).

    ``in_channels`` sets the input channels (1 for MNIST).  ``small_input=True`` fits 28 x 28 and
    32 x 32 images: the first convolution becomes 3x3 with stride 1 and padding 1 (the grid goes
    28 -> 13 -> 6 -> 2 through the three max-pools; layer indices and state_dict keys stay the
    same), the average pool goes to 1 x 1 and the hidden layers shrink from 4096 to 512 units.
    ``width_mult`` scales the convolutions' channels (our addition, to size the network to a
    small machine).  With the defaults the module tree is torchvision's exactly.

    Shape:
        input ``(N, in_channels, H, W)``, H, W at least 63 (at least 15 with ``small_input``);
        output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import AlexNet
        >>> model = AlexNet(num_classes=10, in_channels=1, small_input=True, width_mult=0.25)
        >>> model(yingshe.randn(2, 1, 28, 28)).shape  # MNIST-sized
        yingshe.Size([2, 10])
        >>> model.features[0]
        Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    """

    def __init__(self, num_classes=1000, dropout=0.5, in_channels=3, small_input=False,
                 width_mult=1.0):
        super().__init__()
        c1, c2, c3, c4, c5 = _scaled((64, 192, 384, 256, 256), width_mult)
        if small_input:
            first_conv = nn.Conv2d(in_channels, c1, kernel_size=3, stride=1, padding=1)
            pooled, hidden = (1, 1), SMALL_HIDDEN
        else:
            first_conv = nn.Conv2d(in_channels, c1, kernel_size=11, stride=4, padding=2)
            pooled, hidden = (6, 6), 4096
        self.features = nn.Sequential(
            first_conv,
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c1, c2, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c4, c5, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(pooled)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(c5 * pooled[0] * pooled[1], hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        return self.classifier(x)


@register_model()
def alexnet(*, weights: AlexNet_Weights | None = None, progress=True, num_classes=1000,
            dropout=0.5, in_channels=3, small_input=False, width_mult=1.0):
    """``AlexNet(num_classes, dropout, in_channels, small_input, width_mult)``, torchvision's
    builder.

    ``weights`` (``AlexNet_Weights.IMAGENET1K_V1``, its name, or "DEFAULT") loads torchvision's
    ImageNet weights, downloaded on first use into the hub cache (``yingshe.hub``) with a progress
    bar when ``progress``; they need the default ``num_classes``, ``in_channels``,
    ``small_input`` and ``width_mult``.

    Shape:
        input ``(N, in_channels, H, W)``; output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import alexnet
        >>> model = alexnet(num_classes=10, small_input=True, width_mult=0.25)
        >>> model(yingshe.randn(2, 3, 32, 32)).shape
        yingshe.Size([2, 10])
        >>> model = alexnet(weights="DEFAULT")  # 233 MB download  # doctest: +SKIP
    """
    weights = AlexNet_Weights.verify(weights)
    kwargs = pretrained_kwargs("alexnet", weights, {
        "num_classes": num_classes, "dropout": dropout, "in_channels": in_channels,
        "small_input": small_input, "width_mult": width_mult})
    return build_pretrained(weights, progress, AlexNet, **kwargs)

