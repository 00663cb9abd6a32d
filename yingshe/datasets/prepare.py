"""From raw images to training-ready splits: scale to [0, 1], standardise with the training
statistics, hold out a validation set (see ``utils.standardize``); what the command line, the
examples and the studies use."""
import numpy as np

from ..ops.creation import from_numpy
from ..utils.data import Batch, Dataset, TensorDataset
from ..vision.datasets import CIFAR10, MNIST, BCCDCells, FashionMNIST
from ..vision.transforms import (
    Compose,
    InterpolationMode,
    RandomAffine,
    RandomCrop,
    RandomHorizontalFlip,
)
from .utils import train_val_split

__all__ = ["DATASETS", "GREY_DATASETS", "AUGMENTATIONS", "AugmentedImages", "default_augmentation",
           "crop_flip_augmentation", "classification_splits", "preprocess_images"]

DATASETS = {"mnist": MNIST, "fashion-mnist": FashionMNIST, "cifar10": CIFAR10,
            "bccd-cells": BCCDCells}
GREY_DATASETS = ("mnist", "fashion-mnist")  # the 28 x 28 grey sets the generative models draw


def _channel_statistics(mean, std):
    """A dataset's mean and std (numbers, or one per channel) shaped to broadcast over
    (..., C, H, W)."""
    return (np.asarray(mean, np.float32).reshape(-1, 1, 1),
            np.asarray(std, np.float32).reshape(-1, 1, 1))


def _channels_first(images):
    """uint8 (N, H, W) grey or (N, H, W, C) colour -> (N, C, H, W)."""
    return images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)


def preprocess_images(images, mean, std):
    """uint8 (N, H, W) or (N, H, W, C) -> float32 (N, C, H, W) scaled to [0, 1] and
    standardised per channel: x = (pixel / 255 - mean) / std."""
    mean, std = _channel_statistics(mean, std)
    x = _channels_first(images).astype(np.float32)
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
        self.mean, self.std = _channel_statistics(mean, std)

    def __len__(self):
        return len(self.labels)

    def _standardise(self, images):
        """uint8-valued (N, H, W[, C]) -> standardised float32 (N, C, H, W)."""
        images = _channels_first(images).astype(np.float32)
        return (images * np.float32(1.0 / 255.0) - self.mean) / self.std

    def __getitem__(self, index):
        image = np.asarray(self.transform(self.images[index]))
        return from_numpy(self._standardise(image[None])[0]), int(self.labels[index])

    def __getitems__(self, indices):
        """A whole batch at once when the transform can warp a stack (``apply_batch``)."""
        if not hasattr(self.transform, "apply_batch"):
            return [self[i] for i in indices]
        images = self.transform.apply_batch(self.images[indices])
        return Batch((from_numpy(self._standardise(images)),
                      from_numpy(self.labels[indices])))


def default_augmentation():
    """Small random rotations, shifts and scalings, safe for digits and clothing (bilinear)."""
    return RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1),
                        interpolation=InterpolationMode.BILINEAR)


def crop_flip_augmentation(size=28):
    """Random size x size crops of the image padded by a 14th of its side (2 pixels at 28, 2 at
    32), mirrored left-right half the time: the augmentation of the residual networks' CIFAR
    experiments (He et al. 2016, §4.2; they pad by 4), for clothing, cells and objects (not for
    digits: a mirrored digit is another shape)."""
    return Compose([RandomCrop(size, padding=max(1, size // 14)), RandomHorizontalFlip()])


AUGMENTATIONS = {"affine": default_augmentation, "crop-flip": crop_flip_augmentation}


def classification_splits(name, root=None, val_size=5000, train_subset=None, augment=False,
                          seed=0, classes=None, labels_per_class=None):
    """(train, validation, test) datasets and an info dict for an image-classification set.

    ``val_size`` images are held out of the training split (seeded), unless the dataset has an
    official validation split (``split="val"``, e.g. BCCD), which is used instead (``val_size``
    0 still means none); ``classes`` (original label indices) keeps only those classes,
    relabelled 0..k-1 in the order given; ``labels_per_class`` keeps that many training images
    of each class (seeded; the few-label regime of transfer learning); ``train_subset`` keeps
    only the first n of the remaining training images (for the overfitting studies);
    ``augment`` (a name of ``AUGMENTATIONS``; True means "affine", False or "none" none)
    transforms the training images only."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    augment = "affine" if augment is True else augment
    if augment not in (False, None, "none", *AUGMENTATIONS):
        raise ValueError(f"unknown augmentation {augment!r}; available: none, "
                         f"{', '.join(AUGMENTATIONS)}")
    cls = DATASETS[name]
    train_set = cls(root, train=True)
    splits = [train_set.arrays(), cls(root, train=False).arrays()]
    official_validation = "val" in getattr(cls, "split_sha256", ()) and val_size
    if official_validation:
        splits.append(cls(root, split="val").arrays())
    names = list(train_set.classes)
    if classes is not None:
        *splits, names = _keep_classes(classes, names, *splits)
    (images, labels), (test_images, test_labels) = splits[:2]
    if official_validation:
        train_idx = np.arange(len(labels))
        val_images, val_labels = splits[2]
    else:
        train_idx, val_idx = train_val_split(len(labels), val_size / len(labels), seed)
        val_images, val_labels = images[val_idx], labels[val_idx]
    if labels_per_class is not None:
        train_idx = _per_class(train_idx, labels, labels_per_class, seed)
    if train_subset is not None:
        train_idx = np.random.default_rng(seed + 1).permutation(train_idx)[:train_subset]
    mean, std = cls.mean, cls.std

    def tensors(imgs, labs):
        return TensorDataset(from_numpy(preprocess_images(imgs, mean, std)), from_numpy(labs))

    if augment in AUGMENTATIONS:
        transform = (AUGMENTATIONS[augment](images.shape[1]) if augment == "crop-flip"
                     else AUGMENTATIONS[augment]())
        train = AugmentedImages(images[train_idx], labels[train_idx], transform, mean, std)
    else:
        train = tensors(images[train_idx], labels[train_idx])
    validation = tensors(val_images, val_labels) if len(val_labels) else None
    test = tensors(test_images, test_labels)
    channels = 1 if images.ndim == 3 else images.shape[3]
    info = {"name": name, "classes": names, "mean": mean, "std": std,
            "image_shape": [channels, *images.shape[1:3]], "train": len(train_idx),
            "validation": len(val_labels), "test": len(test_labels)}
    return train, validation, test, info


def _keep_classes(classes, names, *splits):
    """Each (images, labels) split restricted to ``classes`` and relabelled 0..k-1, and the
    kept class names; a class index out of range is a ValueError."""
    classes = [int(c) for c in classes]
    wrong = [c for c in classes if not 0 <= c < len(names)] or \
        sorted({c for c in classes if classes.count(c) > 1})
    if wrong or not classes:
        raise ValueError(f"classes must be distinct indices in 0..{len(names) - 1}, got "
                         f"{classes}")
    relabel = np.full(len(names), -1, np.int64)
    relabel[classes] = np.arange(len(classes))
    kept = []
    for images, labels in splits:
        keep = relabel[labels] >= 0
        kept.append((images[keep], relabel[labels[keep]]))
    return (*kept, [names[c] for c in classes])


def _per_class(indices, labels, count, seed):
    """``count`` of ``indices`` drawn at random (seeded) from each class, in index order; a
    class with fewer is a ValueError."""
    rng = np.random.default_rng(seed + 2)
    chosen = []
    for label in np.unique(labels[indices]):
        members = indices[labels[indices] == label]
        if len(members) < count:
            raise ValueError(f"labels_per_class={count}: class {label} has only {len(members)} "
                             f"training images")
        chosen.append(rng.choice(members, count, replace=False))
    return np.sort(np.concatenate(chosen))
