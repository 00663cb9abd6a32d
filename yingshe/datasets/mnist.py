"""MNIST (LeCun et al. 1998) and Fashion-MNIST (Xiao et al. 2017) with torchvision's signature.
They read the four original IDX ``.gz`` files from ``root/mnist`` or ``root/fashion-mnist`` and
check each file's MD5 against the published value before using it."""
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..ops.creation import from_numpy
from .utils import DatasetIntegrityError, default_root, download_url, read_idx, verify_file

__all__ = ["MNIST", "FashionMNIST"]


class MNIST:
    """Handwritten digits: 60,000 training and 10,000 test images, 28 x 28 uint8, labels 0..9.

    ``dataset[i]`` is ``(image, label)``: the image is a uint8 (28, 28) NumPy array passed through
    ``transform`` (e.g. ``transforms.ToTensor()``), the label an int passed through
    ``target_transform``.  ``data`` (uint8 Tensor N x 28 x 28) and ``targets`` (int64 Tensor)
    hold the whole split, as in torchvision."""
    folder = "mnist"
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/")
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes: ClassVar[list[str]] = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                                    "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    mean, std = 0.1307, 0.3081  # of the training images scaled to [0, 1]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = Path(root) if root is not None else default_root()
        self.train, self.transform, self.target_transform = train, transform, target_transform
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = self._checked(f"{prefix}-images-idx3-ubyte.gz")
        labels = self._checked(f"{prefix}-labels-idx1-ubyte.gz")
        self._images = read_idx(images)
        self._labels = read_idx(labels).astype(np.int64)
        if len(self._images) != len(self._labels):
            raise DatasetIntegrityError(f"{self.raw_folder}: {len(self._images)} images but "
                                        f"{len(self._labels)} labels")
        self.data, self.targets = from_numpy(self._images), from_numpy(self._labels)

    @property
    def raw_folder(self):
        return self.root / self.folder

    def _checked(self, filename):
        return verify_file(self.raw_folder / filename, md5=self.resources[filename],
                           hint=f"download it with download=True (`yingshe train ... "
                                f"--download`), or point root (or $YINGSHE_DATA) at a folder "
                                f"holding {self.folder}/{filename}")

    def download(self):
        """Fetch any missing file from the canonical mirrors, checking its MD5."""
        for filename, md5 in self.resources.items():
            if not (self.raw_folder / filename).exists():
                download_url(self.mirrors, filename, self.raw_folder, md5)

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, index):
        image, target = self._images[index], int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def arrays(self):
        """(images uint8 N x 28 x 28, labels int64 N) as NumPy arrays, for batch preprocessing."""
        return self._images, self._labels

    def __repr__(self):
        split = "Train" if self.train else "Test"
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {split}"]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Zalando's article images, a drop-in harder replacement for MNIST (same sizes and format)."""
    folder = "fashion-mnist"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes: ClassVar[list[str]] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    mean, std = 0.2860, 0.3530
