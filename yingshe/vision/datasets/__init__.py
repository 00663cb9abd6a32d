"""Image datasets, as ``torchvision.datasets``: MNIST and Fashion-MNIST from the original
checksummed files, random ``FakeData``, and ``ImageFolder`` for one folder per class."""
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset

__all__ = ["MNIST", "FashionMNIST", "FakeData", "ImageFolder", "DatasetFolder", "VisionDataset",
           "StandardTransform"]
