"""ResNet-18 for 32 x 32 images (He, Zhang, Ren & Sun 2016, "Deep residual learning for image
recognition", the CIFAR-style stem: one 3x3 convolution, no max pooling): y = relu(F(x) + s(x))
with F two 3x3 conv + batch-norm layers and s the identity or a 1x1 projection."""
from .. import nn

__all__ = ["BasicBlock", "ResNet", "resnet18"]


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus the shortcut, then ReLU."""
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        relu = nn.functional.relu
        out = relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """Stem conv 3x3 (64), four stages of BasicBlocks (64, 128, 256, 512 channels, strides
    1, 2, 2, 2), global average pooling, linear classifier."""

    def __init__(self, blocks=(2, 2, 2, 2), num_classes=10, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        stages, in_planes = [], 64
        for planes, count, stride in zip((64, 128, 256, 512), blocks, (1, 2, 2, 2)):
            layers = []
            for s in [stride] + [1] * (count - 1):
                layers.append(BasicBlock(in_planes, planes, s))
                in_planes = planes
            stages.append(nn.Sequential(*layers))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        out = nn.functional.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return self.fc(self.pool(out).flatten(1))


def resnet18(num_classes=10, in_channels=3):
    return ResNet((2, 2, 2, 2), num_classes, in_channels)
