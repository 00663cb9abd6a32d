"""AlexNet (Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification with Deep
Convolutional Neural Networks", NeurIPS), in torchvision's single-tower form from Krizhevsky
2014, "One weird trick for parallelizing convolutional neural networks" (64-192-384-256-256
filters, no local response normalisation).  Module names, state_dict keys and shapes are
torchvision's, so a torchvision state_dict converted to arrays loads with ``load_state_dict``."""
from ... import flatten, nn
from ._weights import no_pretrained_weights

__all__ = ["AlexNet", "alexnet"]

SMALL_HIDDEN = 512  # width of the two hidden classifier layers when small_input=True


class AlexNet(nn.Module):
    """Five convolutions (11x11/4, 5x5, 3x3, 3x3, 3x3) with three 3x3/2 max-pools, an adaptive
    6x6 average pool and three fully connected layers (4096, 4096, ``num_classes``) with dropout
    before the first two.  Takes 3 x 224 x 224 images (at least 63 x 63).

    ``in_channels`` sets the input channels (1 for MNIST).  ``small_input=True`` fits 28 x 28 and
    32 x 32 images: the first convolution becomes 3x3 with stride 1 and padding 1, the first
    max-pool an ``Identity`` (so layer indices and state_dict keys stay the same), the average
    pool goes to 1 x 1 and the hidden layers shrink from 4096 to 512 units.  With the defaults the
    module tree is torchvision's exactly."""

    def __init__(self, num_classes=1000, dropout=0.5, in_channels=3, small_input=False):
        super().__init__()
        if small_input:
            first_conv = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1)
            first_pool = nn.Identity()
            pooled, hidden = (1, 1), SMALL_HIDDEN
        else:
            first_conv = nn.Conv2d(in_channels, 64, kernel_size=11, stride=4, padding=2)
            first_pool = nn.MaxPool2d(kernel_size=3, stride=2)
            pooled, hidden = (6, 6), 4096
        self.features = nn.Sequential(
            first_conv,
            nn.ReLU(inplace=True),
            first_pool,
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(pooled)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * pooled[0] * pooled[1], hidden),
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


def alexnet(*, weights=None, progress=True, num_classes=1000, dropout=0.5, in_channels=3,
            small_input=False):
    """``AlexNet(num_classes, dropout, in_channels, small_input)``, torchvision's builder.

    Pretrained weights are not wired yet: ``weights`` must be None (load a converted torchvision
    state_dict with ``load_state_dict`` instead); ``progress`` only concerns downloads."""
    no_pretrained_weights("alexnet", weights)
    return AlexNet(num_classes=num_classes, dropout=dropout, in_channels=in_channels,
                   small_input=small_input)

