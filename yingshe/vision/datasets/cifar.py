"""CIFAR-10 and CIFAR-100 (Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny
Images") as torchvision's datasets, from the python version of the original files.

``root/cifar-10-batches-py/`` holds the pickled batches ``data_batch_1`` .. ``data_batch_5``,
``test_batch`` and ``batches.meta`` (``root/cifar-100-python/``: ``train``, ``test``, ``meta``).
Each file's MD5 is checked against the published value before it is read, and the pickles are
read by an unpickler that builds only plain containers, strings, numbers and NumPy arrays: a
file that asks for any other global (e.g. ``os.system``) is refused without running it.
"""
import codecs
import io
import pickle
import tarfile
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from ...datasets.utils import DatasetIntegrityError, default_root, download_url, verify_file
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]

# The globals an array pickle needs (NumPy 1 and 2 spell the module differently) and the one
# Python 3 writes for bytes under protocol 2; anything else is refused.
_RECONSTRUCT = np.zeros(1).__reduce__()[0]
_SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles plain data and NumPy arrays only."""

    def find_class(self, module, name):
        try:
            return _SAFE_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name}: a CIFAR batch holds only plain data "
                f"and arrays; the file is not the original") from None


def _load(path, md5):
    """The dict pickled in ``path`` once its MD5 is ``md5`` (Python 2 strings read as
    latin-1, as torchvision does)."""
    data = verify_file(path, md5=md5, hint="download it with download=True").read_bytes()
    try:
        entry = _ArrayUnpickler(io.BytesIO(data), encoding="latin1").load()
    except pickle.UnpicklingError as error:
        raise DatasetIntegrityError(f"{path}: {error}") from None
    if not isinstance(entry, dict):
        raise DatasetIntegrityError(f"{path}: holds a {type(entry).__name__}, not a dict")
    return entry


class CIFAR10(VisionDataset):
    """Tiny colour images in 10 classes (Krizhevsky 2009): 50,000 training and 10,000 test images,
    32 x 32 RGB, from the python version of the original files (MD5-checked).

    As in torchvision, ``data`` is a uint8 NumPy array (N, 32, 32, 3), ``targets`` a list of
    ints, ``classes`` the names from the meta file and ``class_to_idx`` maps name to label.

    Each item: ``(image, label)``, a Pillow image of mode 'RGB' passed through ``transform``
    (``transforms.ToTensor()`` makes it (3, 32, 32)) and an int passed through
    ``target_transform``.

    Examples:
        >>> from yingshe.vision import datasets, transforms
        >>> train = datasets.CIFAR10("data", train=True, download=True,  # doctest: +SKIP
        ...                          transform=transforms.ToTensor())
        >>> image, label = train[0]  # doctest: +SKIP
        >>> image.shape, train.classes[label]  # doctest: +SKIP
        (yingshe.Size([3, 32, 32]), 'frog')
    """
    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list: ClassVar[list[list[str]]] = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list: ClassVar[list[list[str]]] = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta: ClassVar[dict[str, str]] = {"filename": "batches.meta", "key": "label_names",
                                      "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    labels_key = "labels"
    # Per-channel statistics of the training images scaled to [0, 1].
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        root = Path(root).expanduser() if root is not None else default_root()
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        data, self.targets = [], []
        for name, md5 in self.train_list if train else self.test_list:
            path = self.root / self.base_folder / name
            entry = _load(path, md5)
            images, labels = entry.get("data"), entry.get(self.labels_key)
            if (not isinstance(images, np.ndarray) or images.dtype != np.uint8
                    or images.ndim != 2 or images.shape[1] != 3072
                    or not isinstance(labels, list) or len(labels) != len(images)):
                raise DatasetIntegrityError(f"{path}: expected 'data' uint8 (N, 3072) and "
                                            f"'{self.labels_key}' a list of N ints")
            data.append(images)
            self.targets.extend(int(label) for label in labels)
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        meta = _load(self.root / self.base_folder / self.meta["filename"], self.meta["md5"])
        self.classes = list(meta[self.meta["key"]])
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def _files(self):
        return [(self.root / self.base_folder / name, md5)
                for name, md5 in self.train_list + self.test_list
                + [[self.meta["filename"], self.meta["md5"]]]]

    def download(self):
        """Fetch the tarball from the original site (MD5 checked) and extract it into ``root``
        unless every file is already there; extraction refuses links and paths outside
        ``root`` (``tarfile``'s 'data' filter)."""
        if all(path.is_file() for path, _ in self._files()):
            return
        archive = download_url([self.url], self.filename, self.root, self.tgz_md5)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(self.root, filter="data")

    def arrays(self):
        """(images uint8 N x 32 x 32 x 3, labels int64 N) as NumPy arrays."""
        return self.data, np.asarray(self.targets, np.int64)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = Image.fromarray(self.data[index])  # mode 'RGB', as torchvision
        target = self.targets[index]
        return self._transformed(image, target)

    def extra_repr(self):
        """The split, for ``repr``."""
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """As ``CIFAR10`` with 100 fine classes (the 20 coarse superclasses are not exposed, as in
    torchvision).

    Each item: ``(image, label)``, a Pillow RGB image of 32 x 32 and an int in 0..99.

    Examples:
        >>> from yingshe.vision import datasets
        >>> test = datasets.CIFAR100("data", train=False, download=True)  # doctest: +SKIP
        >>> len(test), len(test.classes)  # doctest: +SKIP
        (10000, 100)
    """
    base_folder = "cifar-100-python"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list: ClassVar[list[list[str]]] = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list: ClassVar[list[list[str]]] = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta: ClassVar[dict[str, str]] = {"filename": "meta", "key": "fine_label_names",
                                      "md5": "7973b15100ade9c7d40fb424638fde48"}
    labels_key = "fine_labels"
    mean, std = (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)
