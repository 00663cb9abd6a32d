"""From raw images to training-ready splits: scale to [0, 1], standardise with the training
statistics, hold out a validation set (see ``utils.standardize``); what the command line, the
examples and the studies use."""
import numpy as np

from ..ops.creation import from_numpy
from ..utils.data import Batch, Dataset, TensorDataset
from ..vision.datasets import MNIST, FashionMNIST
from ..vision.transforms import InterpolationMode, RandomAffine
from .utils import train_val_split

__all__ = ["DATASETS", "AugmentedImages", "default_augmentation", "classification_splits",
           "preprocess_images"]

DATASETS = {"mnist": MNIST, "fashion-mnist": FashionMNIST}


def preprocess_images(images, mean, std):
    """uint8 (N, H, W) -> float32 (N, 1, H, W) scaled to [0, 1] and standardised:
    x = (pixel / 255 - mean) / std."""
    x = images.astype(np.float32)[:, None]
    x *= 1.0 / 255.0
    x -= mean
    x *= 1.0 / std
    return x


class AugmentedImages(Dataset):
    """uint8 images passed one by one through a random ``transform`` (data augmentation:
    rotate, scale, shift, flip, crop; Simard, Steinkraus & Platt 2003) and then standardised;
    labels as int64."""

    def __init__(self, images, labels, transform, mean, std):
        self.images, self.labels, self.transform = images, labels, transform
        self.mean, self.std = np.float32(mean), np.float32(std)

    def __len__(self):
        return len(self.labels)

    def _standardise(self, images):
        return (images * np.float32(1.0 / 255.0) - self.mean) / self.std

    def __getitem__(self, index):
        image = self.transform(self.images[index]).astype(np.float32)
        return from_numpy(self._standardise(image[None])), int(self.labels[index])

    def __getitems__(self, indices):
        """A whole batch at once when the transform can warp a stack (``apply_batch``)."""
        if not hasattr(self.transform, "apply_batch"):
            return [self[i] for i in indices]
        images = self.transform.apply_batch(self.images[indices])
        return Batch((from_numpy(self._standardise(images)[:, None]),
                      from_numpy(self.labels[indices])))


def default_augmentation():
    """Small random rotations, shifts and scalings, safe for digits and clothing (bilinear)."""
    return RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1),
                        interpolation=InterpolationMode.BILINEAR)


def classification_splits(name, root=None, val_size=5000, train_subset=None, augment=False,
                          seed=0):
    """(train, validation, test) datasets and an info dict for an image-classification set.

    ``val_size`` images are held out of the training split (seeded); ``train_subset`` keeps only
    the first n of the remaining training images (for the overfitting studies); ``augment`` adds
    ``default_augmentation`` to the training images only."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    cls = DATASETS[name]
    train_set, test_set = cls(root, train=True), cls(root, train=False)
    images, labels = train_set.arrays()
    train_idx, val_idx = train_val_split(len(labels), val_size / len(labels), seed)
    if train_subset is not None:
        train_idx = np.random.default_rng(seed + 1).permutation(train_idx)[:train_subset]
    mean, std = cls.mean, cls.std

    def tensors(imgs, labs):
        return TensorDataset(from_numpy(preprocess_images(imgs, mean, std)), from_numpy(labs))

    if augment:
        train = AugmentedImages(images[train_idx], labels[train_idx], default_augmentation(),
                                mean, std)
    else:
        train = tensors(images[train_idx], labels[train_idx])
    validation = tensors(images[val_idx], labels[val_idx]) if len(val_idx) else None
    test = tensors(*test_set.arrays())
    info = {"name": name, "classes": list(cls.classes), "mean": mean, "std": std,
            "image_shape": [1, *images.shape[1:]], "train": len(train_idx),
            "validation": len(val_idx), "test": len(test_set)}
    return train, validation, test, info
