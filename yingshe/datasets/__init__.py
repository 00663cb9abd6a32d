"""Every dataset file reader: the original files, checked against published checksums, from a
local root (``$YINGSHE_DATA``) or, for the image sets, downloaded from the canonical mirrors."""
from .mnist import MNIST, FashionMNIST
from .prepare import DATASETS, classification_splits
from .sentiment import RTPolarity
from .text import CORPORA, PennTreebank, TinyShakespeare, load_corpus, read_sentences
from .translation import TatoebaPairs
from .utils import (
    DatasetIntegrityError,
    default_root,
    download_url,
    read_checked,
    read_idx,
    standardize,
    train_val_split,
    verify_file,
)

__all__ = ["MNIST", "FashionMNIST", "RTPolarity", "PennTreebank", "TinyShakespeare",
           "TatoebaPairs", "CORPORA", "read_sentences", "load_corpus", "DATASETS",
           "classification_splits", "DatasetIntegrityError", "default_root", "download_url",
           "verify_file", "read_checked", "read_idx", "standardize", "train_val_split"]
