"""Datasets read from their original files, checked against published checksums."""
from .mnist import MNIST, FashionMNIST
from .prepare import DATASETS, classification_splits
from .sentiment import RTPolarity
from .utils import (DatasetIntegrityError, default_root, download_url, read_idx, standardize,
                    train_val_split)

__all__ = ["MNIST", "FashionMNIST", "RTPolarity", "DATASETS", "classification_splits",
           "DatasetIntegrityError", "default_root", "download_url", "read_idx", "standardize",
           "train_val_split"]
