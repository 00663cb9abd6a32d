"""The non-image dataset readers (text, sentences, word benchmarks) and the file plumbing every
dataset uses: the original files, checked against published checksums, from a local root
(``$YINGSHE_DATA``) or downloaded from the canonical mirrors. The image sets (MNIST,
Fashion-MNIST) are in ``yingshe.vision.datasets``; ``prepare`` turns them into training splits,
``catalog`` lists every file."""
from .fsdd import FSDD, ConnectedDigits
from .movielens import MovieLens100K
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

__all__ = ["FSDD", "ConnectedDigits", "MovieLens100K", "RTPolarity", "PennTreebank",
           "TinyShakespeare", "TatoebaPairs", "CORPORA", "read_sentences", "load_corpus", "DatasetIntegrityError",
           "default_root", "download_url", "verify_file", "read_checked", "read_idx",
           "standardize", "train_val_split"]
