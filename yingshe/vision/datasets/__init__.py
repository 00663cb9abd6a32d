"""Image datasets, as ``torchvision.datasets``: MNIST, Fashion-MNIST and CIFAR-10/100 from the
original checksummed files, random ``FakeData``, ``ImageFolder`` for one folder per class, and
the cells of the BCCD blood-smear images as a colour classification set; detection sets in the
PASCAL VOC layout (BCCD, raccoon, kangaroo) and multi-digit MNIST canvases with digit boxes."""
from .bccd import BCCDCells, BCCDDetection
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .multidigit import MultiDigitMNIST
from .vision import StandardTransform, VisionDataset
from .voc import (
    KangarooDetection,
    RaccoonDetection,
    VOCDetectionFolder,
    check_detection_target,
    collate_detection,
    parse_voc_annotation,
)

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "FakeData", "ImageFolder",
           "DatasetFolder", "VisionDataset", "StandardTransform", "BCCDCells",
           "parse_voc_annotation", "BCCDDetection", "VOCDetectionFolder", "RaccoonDetection",
           "KangarooDetection", "MultiDigitMNIST", "collate_detection",
           "check_detection_target"]
