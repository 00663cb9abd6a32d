"""MNIST (LeCun et al. 1998) and Fashion-MNIST (Xiao et al. 2017) as torchvision's datasets.

They read the four original IDX files from either layout:

* ours, ``root/mnist/*.gz`` (``root/fashion-mnist/*.gz``), where ``download=True`` puts them;
* torchvision's, ``root/MNIST/raw/`` (``root/FashionMNIST/raw/``), the ``.gz`` files or the
  extracted ones;

and check each file's MD5 against the published value (of the extracted content for extracted
files) before using it.
"""
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from ...datasets.utils import (
    DatasetIntegrityError,
    default_root,
    download_url,
    read_idx,
    verify_file,
)
from ...ops.creation import from_numpy
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST"]


class MNIST(VisionDataset):
    """Handwritten digits (LeCun et al. 1998): 60,000 training and 10,000 test images, 28 x 28
    grey, labels 0..9, from the four original IDX files (MD5-checked).

    ``data`` (uint8 tensor N x 28 x 28) and ``targets`` (int64 tensor N) hold the whole split, as
    in torchvision; ``arrays()`` gives them as NumPy arrays for whole-split preprocessing.
    ``root`` defaults to ``$YINGSHE_DATA``; ``download=True`` fetches missing files.

    Each item: ``(image, label)``, the image a Pillow image of mode 'L' passed through
    ``transform`` (``transforms.ToTensor()`` makes it a float32 (1, 28, 28) tensor in [0, 1]),
    the label an int passed through ``target_transform``.

    Examples:
        >>> from yingshe.vision import datasets, transforms
        >>> test = datasets.MNIST(train=False, transform=transforms.ToTensor())  # doctest: +SKIP
        >>> len(test)  # doctest: +SKIP
        10000
        >>> image, label = test[0]  # doctest: +SKIP
        >>> image.shape, image.dtype, label  # doctest: +SKIP
        (yingshe.Size([1, 28, 28]), yingshe.float32, 7)
    """
    folder = "mnist"
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/")
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    # MD5 of the extracted files (torchvision keeps them beside the .gz files)
    extracted: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    }
    classes: ClassVar[list[str]] = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                                    "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    mean, std = 0.1307, 0.3081  # of the training images scaled to [0, 1]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        root = Path(root).expanduser() if root is not None else default_root()
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = read_idx(self._checked(f"{prefix}-images-idx3-ubyte.gz"))
        labels = read_idx(self._checked(f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
        if len(images) != len(labels):
            raise DatasetIntegrityError(f"{self.root}: {len(images)} {type(self).__name__} "
                                        f"images but {len(labels)} labels")
        self.data, self.targets = from_numpy(images), from_numpy(labels)

    @property
    def raw_folder(self):
        """Where ``download`` puts the files: ``root/mnist`` (``root/fashion-mnist``)."""
        return self.root / self.folder

    @property
    def torchvision_folder(self):
        """torchvision's place for them: ``root/MNIST/raw`` (``root/FashionMNIST/raw``)."""
        return self.root / type(self).__name__ / "raw"

    @property
    def class_to_idx(self):
        """{class name: label}."""
        return {name: i for i, name in enumerate(self.classes)}

    def _candidates(self, filename):
        """(path, verify_file keywords) of every place ``filename`` may be, ours first."""
        stem = filename.removesuffix(".gz")
        return [(self.raw_folder / filename, {"md5": self.resources[filename]}),
                (self.torchvision_folder / filename, {"md5": self.resources[filename]}),
                (self.torchvision_folder / stem, {"md5": self.extracted[stem]})]

    def _checked(self, filename):
        for path, expected in self._candidates(filename):
            if path.is_file():
                return verify_file(path, **expected)
        raise DatasetIntegrityError(
            f"{self.raw_folder / filename} not found (nor torchvision's "
            f"{self.torchvision_folder / filename}, .gz or extracted); download it with "
            f"download=True (`yingshe train ... --download`), or point root (or $YINGSHE_DATA) "
            f"at a folder holding {self.folder}/{filename}")

    def download(self):
        """Fetch any file found in neither layout from the canonical mirrors into
        ``raw_folder``, checking its MD5."""
        for filename, md5 in self.resources.items():
            if not any(path.is_file() for path, _ in self._candidates(filename)):
                download_url(self.mirrors, filename, self.raw_folder, md5)

    def arrays(self):
        """(images uint8 N x 28 x 28, labels int64 N) as NumPy arrays, for batch preprocessing."""
        return self.data.numpy(), self.targets.numpy()

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = Image.fromarray(self.data.numpy()[index])  # mode 'L', as torchvision
        target = int(self.targets.numpy()[index])
        return self._transformed(image, target)

    def extra_repr(self):
        """The split, for ``repr``."""
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's article images (Xiao et al. 2017), a drop-in harder replacement for MNIST: same
    sizes, format and item, 10 classes of clothing (``classes`` names them).

    Each item: ``(image, label)``, a Pillow 'L' image of 28 x 28 and an int in 0..9.

    Examples:
        >>> from yingshe.vision import datasets
        >>> test = datasets.FashionMNIST(train=False)  # doctest: +SKIP
        >>> image, label = test[0]  # doctest: +SKIP
        >>> image.size, test.classes[label]  # doctest: +SKIP
        ((28, 28), 'Ankle boot')
    """
    folder = "fashion-mnist"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    extracted: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    }
    classes: ClassVar[list[str]] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    mean, std = 0.2860, 0.3530
