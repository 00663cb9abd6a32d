"""LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied to document
recognition") and a smaller LeNet-style ConvNet, the network of PyTorch's CIFAR-10 tutorial
"Training a Classifier"."""
from .. import nn

__all__ = ["LeNet5", "SeedConvNet", "lenet_seed"]


class LeNet5(nn.Module):
    """C1 6@5x5 -> S2 pool -> C3 16@5x5 -> S4 pool -> F5 120 -> F6 84 -> 10 logits.

    LeCun 1998 takes 32 x 32 inputs; 28 x 28 MNIST digits get padding=2 on C1 instead, which
    gives the same 28 -> 14 -> 10 -> 5 feature maps.  Modern defaults (ReLU, max pooling, a full
    C3 connection table, a linear output instead of RBF units); ``activation='tanh'`` and
    ``pool='avg'`` come closer to the original.  Optional batch norm after each convolution and
    dropout before the classifier serve the regularisation study.

    Shape:
        input ``(N, in_channels, 28, 28)``; output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.models import LeNet5
        >>> model = LeNet5(num_classes=10)
        >>> model.features(yingshe.zeros(2, 1, 28, 28)).shape     # S4: 16 maps of 5 x 5
        yingshe.Size([2, 16, 5, 5])
        >>> model(yingshe.zeros(2, 1, 28, 28)).shape
        yingshe.Size([2, 10])
    """

    def __init__(self, in_channels=1, num_classes=10, activation="relu", pool="max",
                 dropout=0.0, batch_norm=False):
        super().__init__()
        act = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
        pool_layer = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}[pool]

        def conv_block(cin, cout, padding):
            layers = [nn.Conv2d(cin, cout, 5, padding=padding)]
            if batch_norm:
                layers.append(nn.BatchNorm2d(cout))
            return layers + [act(), pool_layer(2)]

        self.features = nn.Sequential(*conv_block(in_channels, 6, 2), *conv_block(6, 16, 0))
        head = [nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act()]
        if dropout > 0:
            head.append(nn.Dropout(dropout))
        head += [nn.Linear(120, 84), act()]
        if dropout > 0:
            head.append(nn.Dropout(dropout))
        head.append(nn.Linear(84, num_classes))
        self.classifier = nn.Sequential(*head)

    def forward(self, x):
        return self.classifier(self.features(x))


class SeedConvNet(nn.Module):
    """LeNet-style ConvNet, layer for layer PyTorch's "Training a Classifier" tutorial network:
    conv1 6@5x5, pool 2, conv2 16@5x5, pool 2, fc1 120, fc2 84, fc3 10, ReLU.  The tutorial
    feeds 3 x 32 x 32 CIFAR-10 images; the flattened size follows from ``in_channels`` and
    ``image_size`` (28 for MNIST gives 16 x 4 x 4).

    Shape:
        input ``(N, in_channels, image_size, image_size)``; output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.models import SeedConvNet
        >>> model = SeedConvNet(in_channels=3, image_size=32, num_classes=10)   # CIFAR-10
        >>> model.flat_features, model(yingshe.zeros(2, 3, 32, 32)).shape
        (400, yingshe.Size([2, 10]))
    """

    def __init__(self, in_channels=3, image_size=32, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        side = ((image_size - 4) // 2 - 4) // 2
        self.flat_features = 16 * side * side
        self.fc1 = nn.Linear(self.flat_features, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        relu = nn.functional.relu
        x = self.pool(relu(self.conv1(x)))
        x = self.pool(relu(self.conv2(x)))
        x = x.view(-1, self.flat_features)
        x = relu(self.fc1(x))
        x = relu(self.fc2(x))
        return self.fc3(x)


def lenet_seed(in_channels=1, image_size=28, num_classes=10):
    """``SeedConvNet`` sized for MNIST (1 x 28 x 28) by default.

    Shape:
        input ``(N, in_channels, image_size, image_size)``; output ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.models import lenet_seed
        >>> model = lenet_seed()
        >>> model.flat_features, model(yingshe.zeros(2, 1, 28, 28)).shape      # 16 x 4 x 4
        (256, yingshe.Size([2, 10]))
    """
    return SeedConvNet(in_channels, image_size, num_classes)
