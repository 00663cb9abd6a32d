"""Sentence polarity v1.0 (Pang & Lee 2005, "MR"): 5,331 positive and 5,331 negative movie-review
snippets, read from the original ``rt-polarity.pos``/``.neg`` (8-bit text, decoded as latin-1)
whose MD5 and SHA-256 are checked, cleaned with Kim's (2014) ``clean_str``, and cut into a seeded
90/10 split or k folds (there is no official split; Kim used 10-fold cross-validation)."""
from pathlib import Path

import numpy as np

from ..text.tokenize import clean_str
from ..text.vocab import Vocab
from .utils import default_root, read_checked, train_val_split

__all__ = ["RTPolarity", "k_folds", "pad_batch", "batches", "PAD", "UNK"]

PAD, UNK = "<pad>", "<unk>"

# file -> (bytes, MD5, SHA-256), from shared/data/README.md (rt-polarity/)
FILES = {
    "rt-polarity.pos": (626168, "674ca95d7fa6547818f1cb30daa7eafe",
                        "d79ef14009bbf87cd6be21f91c3ea1a3cbcb73b34dfb4231aef7bbcd7677abc4"),
    "rt-polarity.neg": (612290, "7d312d2c8eacbb57b0074c59b910756a",
                        "4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc"),
}


class RTPolarity:
    """The movie-review sentence polarity set v1.0 (Pang & Lee 2005, "Seeing stars"; the "MR"
    set of Kim 2014): ``sentences`` (token lists after ``clean_str``) and ``labels`` (int64,
    1 = positive, 0 = negative), the 5,331 positive snippets first, then the 5,331 negative
    ones.

    Each entry: ``(sentences[i], labels[i])``, a token list and 1 or 0.

    Examples:
        >>> from yingshe.datasets import RTPolarity
        >>> reviews = RTPolarity()              # from $YINGSHE_DATA/rt-polarity  # doctest: +SKIP
        >>> len(reviews), reviews.sentences[0][:6], int(reviews.labels[0])      # doctest: +SKIP
        (10662, ['the', 'rock', 'is', 'destined', 'to', 'be'], 1)
        >>> train, test = reviews.split(test_fraction=0.1)                      # doctest: +SKIP
        >>> len(train), len(test)                                               # doctest: +SKIP
        (9596, 1066)
    """
    folder = "rt-polarity"

    def __init__(self, root=None):
        folder = Path(root if root is not None else default_root()) / self.folder
        self.sentences, labels = [], []
        for name, label in (("rt-polarity.pos", 1), ("rt-polarity.neg", 0)):
            # "\n" only: latin-1 0x85 (an ellipsis in cp1252) is a line break to splitlines()
            size, md5, sha256 = FILES[name]
            text = read_checked(folder / name, md5=md5, sha256=sha256, size=size)
            text = text.decode("latin-1")
            lines = text.rstrip("\n").split("\n")
            self.sentences += [clean_str(line).split() for line in lines]
            labels += [label] * len(lines)
        self.labels = np.array(labels, np.int64)

    def __len__(self):
        return len(self.sentences)

    def split(self, test_fraction=0.1, seed=0):
        """Sorted index arrays (train, test) of a seeded random split."""
        return train_val_split(len(self), test_fraction, seed)

    def build_vocab(self, indices=None, min_freq=1):
        """A ``Vocab`` (``<pad>`` = 0, ``<unk>`` = 1, then by frequency) of the sentences at
        ``indices`` (all of them by default)."""
        chosen = range(len(self)) if indices is None else indices
        return Vocab.build((self.sentences[i] for i in chosen), min_freq, specials=(PAD, UNK))

    def encode(self, vocab, indices=None):
        """The sentences at ``indices`` as int64 id arrays (unknown words -> ``<unk>``)."""
        chosen = range(len(self)) if indices is None else indices
        return [vocab.encode(self.sentences[i], unknown=UNK) for i in chosen]


def k_folds(n, k=10, seed=0):
    """k (train, test) pairs of sorted index arrays: a seeded permutation of range(n) cut into
    k nearly equal test folds, each trained on the other k - 1."""
    if not 2 <= k <= n:
        raise ValueError(f"k_folds: need 2 <= k <= n ({n}), got k = {k}")
    folds = np.array_split(np.random.default_rng(seed).permutation(n), k)
    return [(np.sort(np.concatenate(folds[:i] + folds[i + 1:])), np.sort(fold))
            for i, fold in enumerate(folds)]


def pad_batch(sequences, min_length=1, pad_id=0):
    """(N, T) int64 ids, each sequence right-padded with ``pad_id`` to T = max(longest,
    ``min_length``) (a CNN needs at least its widest filter's width)."""
    length = max(min_length, max(len(s) for s in sequences))
    out = np.full((len(sequences), length), pad_id, np.int64)
    for row, sequence in zip(out, sequences):
        row[:len(sequence)] = sequence
    return out


def batches(sequences, labels, batch_size=50, rng=None, min_length=1):
    """(ids (N, T), labels (N,)) NumPy batches, in a ``rng`` permutation when given."""
    order = rng.permutation(len(sequences)) if rng is not None else np.arange(len(sequences))
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        yield pad_batch([sequences[i] for i in chosen], min_length), labels[chosen]
