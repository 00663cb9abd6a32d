"""English-French sentence pairs from Tatoeba (manythings.org/anki, 2019-04-07 release): read,
tokenised, filtered by length and split into a fixed held-out test set; vocabularies with the
special tokens ``<pad> <bos> <eos> <unk>``, and padded batches for sequence-to-sequence models."""
from collections import Counter
from pathlib import Path

import numpy as np

from ..ops.creation import from_numpy
from ..text.tokenize import tokenize_sentence
from ..text.vocab import Vocab
from .utils import default_root, read_checked

__all__ = ["SPECIALS", "PAD", "BOS", "EOS", "UNK", "TatoebaPairs", "build_vocab", "encode_batch"]

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
PAD, BOS, EOS, UNK = range(4)


class TatoebaPairs:
    """(English tokens, French tokens) pairs of at most ``max_len`` tokens each; a seeded
    shuffle puts ``test_size`` pairs aside (the same ones for every run with that seed).

    Each pair: ``(English tokens, French tokens)``, from ``tokenize_sentence``; ``train`` and
    ``test`` are lists of them.

    Examples:
        >>> from yingshe.datasets import TatoebaPairs
        >>> pairs = TatoebaPairs()    # from $YINGSHE_DATA/fra-eng, seconds  # doctest: +SKIP
        >>> len(pairs.train), len(pairs.test)                                  # doctest: +SKIP
        (138565, 2000)
        >>> english, french = pairs.train[0]                                   # doctest: +SKIP
        >>> " ".join(english), " ".join(french)                                # doctest: +SKIP
        ('tell tom i still have his umbrella .', "dis à tom que j'ai toujours son parapluie .")
    """
    folder, filename = "fra-eng", "fra.txt.gz"
    md5 = "cebd8a015c7f8c813d2c7f52716ea2dd"  # of the uncompressed fra.txt

    def __init__(self, root=None, max_len=10, test_size=2000, seed=0):
        path = (Path(root) if root is not None else default_root()) / self.folder / self.filename
        raw = read_checked(path, md5=self.md5, gunzip=True)
        pairs = []
        for line in raw.decode("utf-8").splitlines():
            columns = line.split("\t")
            if len(columns) < 2:
                continue
            source, target = tokenize_sentence(columns[0]), tokenize_sentence(columns[1])
            if 0 < len(source) <= max_len and 0 < len(target) <= max_len:
                pairs.append((source, target))
        order = np.random.default_rng(seed).permutation(len(pairs))
        self.test = [pairs[i] for i in order[:test_size]]
        self.train = [pairs[i] for i in order[test_size:]]


def build_vocab(sentences, min_freq=2):
    """The specials, then every token seen at least ``min_freq`` times, most frequent first."""
    counts = Counter(token for sentence in sentences for token in sentence)
    alphabetical = Counter(dict(sorted(counts.items())))  # equal counts stay in this order
    return Vocab(alphabetical, min_freq, specials=SPECIALS)


def encode_batch(sentences, vocab, add_bos=False):
    """Token lists -> (ids (N, max_len) int64 padded with <pad>, lengths (N,)); each sentence
    ends with <eos> (and starts with <bos> when ``add_bos``)."""
    rows = [([BOS] if add_bos else []) + vocab.encode(s, unknown="<unk>").tolist() + [EOS]
            for s in sentences]
    lengths = np.array([len(r) for r in rows], np.int64)
    ids = np.full((len(rows), lengths.max()), PAD, np.int64)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
    return from_numpy(ids), lengths
