"""Image datasets, as ``torchvision.datasets``: MNIST, Fashion-MNIST and CIFAR-10/100 from the
original checksummed files, random ``FakeData``, and ``ImageFolder`` for one folder per class."""
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "FakeData", "ImageFolder",
           "DatasetFolder", "VisionDataset", "StandardTransform"]
