"""Image datasets, as ``torchvision.datasets``: MNIST, Fashion-MNIST and CIFAR-10/100 from the
original checksummed files, random ``FakeData``, ``ImageFolder`` for one folder per class, and
the cells of the BCCD blood-smear images as a colour classification set."""
from .bccd import BCCDCells, parse_voc_annotation
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "FakeData", "ImageFolder",
           "DatasetFolder", "VisionDataset", "StandardTransform", "BCCDCells",
           "parse_voc_annotation"]
