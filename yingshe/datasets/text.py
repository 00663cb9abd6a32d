"""Text corpora for language models: Penn Treebank (Mikolov's LM version) and Tiny Shakespeare,
read from local files whose (uncompressed) MD5 is checked against the published value, a
vocabulary, and the batching of a token stream into BPTT windows (Zaremba et al. 2014)."""
import gzip
import hashlib
from pathlib import Path

import numpy as np

from ..ops.creation import from_numpy
from ..text.corpus import read_sentences
from .utils import DatasetIntegrityError, default_root

__all__ = ["Vocabulary", "PennTreebank", "TinyShakespeare", "batchify", "bptt_windows"]


class Vocabulary:
    """A bijection between tokens and indices 0..n-1, in order of first appearance."""

    def __init__(self, tokens=(), specials=()):
        self.itos, self.stoi = [], {}
        for token in list(specials) + list(tokens):
            self.add(token)

    def add(self, token):
        if token not in self.stoi:
            self.stoi[token] = len(self.itos)
            self.itos.append(token)
        return self.stoi[token]

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def encode(self, tokens, unknown=None):
        """Indices of ``tokens``; unknown tokens map to ``unknown`` (a token) or raise KeyError."""
        if unknown is None:
            return np.array([self.stoi[t] for t in tokens], np.int64)
        fallback = self.stoi[unknown]
        return np.array([self.stoi.get(t, fallback) for t in tokens], np.int64)

    def decode(self, indices):
        return [self.itos[int(i)] for i in indices]


def _read_checked(path, md5):
    """The decompressed bytes of ``path`` (.gz or plain), after checking their MD5."""
    path = Path(path)
    if not path.exists():
        raise DatasetIntegrityError(f"{path} not found; point root (or $YINGSHE_DATA) at the "
                                    f"folder that holds it")
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    actual = hashlib.md5(raw).hexdigest()
    if actual != md5:
        raise DatasetIntegrityError(f"{path}: MD5 of the text {actual} differs from the "
                                    f"published {md5}; the file is damaged or not the original")
    return raw.decode("utf-8")


class PennTreebank:
    """Word-level PTB as used for language modelling (10,000 words, ``<unk>``, numbers as N):
    each line's words then ``<eos>``.  ``ids`` is the int64 token stream of the split; the
    vocabulary is built from the training split, as everyone does."""
    def __init__(self, root=None, split="train", vocab=None):
        self.root = Path(root) if root is not None else default_root()
        self.split = split
        self.vocab = vocab if vocab is not None else self.build_vocab(self.root)
        self.tokens = self._tokens(self.root, split)
        self.ids = from_numpy(self.vocab.encode(self.tokens))

    @staticmethod
    def _tokens(root, split):
        """The split's words, each line ending in <eos>, from the MD5-checked file."""
        return [token for line in read_sentences("ptb", split, root, eos=True) for token in line]

    @classmethod
    def build_vocab(cls, root=None):
        return Vocabulary(cls._tokens(root if root is not None else default_root(), "train"))

    def __len__(self):
        return len(self.tokens)


class TinyShakespeare:
    """Karpathy's char-rnn corpus (1,115,394 characters, 65 distinct); the usual split: first
    90% for training, last 10% for validation.  ``ids`` are character indices."""
    folder = "tinyshakespeare"
    md5 = "6fb458f1232090904fb40fe944165e91"

    def __init__(self, root=None, split="train", vocab=None):
        if split not in ("train", "valid"):
            raise ValueError(f"TinyShakespeare: split must be 'train' or 'valid', got {split!r}")
        root = Path(root) if root is not None else default_root()
        text = _read_checked(root / self.folder / "input.txt", self.md5)
        self.vocab = vocab if vocab is not None else Vocabulary(sorted(set(text)))
        cut = int(len(text) * 0.9)
        self.text = text[:cut] if split == "train" else text[cut:]
        self.ids = from_numpy(self.vocab.encode(self.text))

    def __len__(self):
        return len(self.text)


def batchify(ids, batch_size):
    """Cut a token stream into ``batch_size`` equal columns: (T, batch_size), dropping the
    remainder (column j continues where column j-1's text would have gone on)."""
    ids = ids.numpy() if hasattr(ids, "numpy") else np.asarray(ids)
    steps = len(ids) // batch_size
    if steps < 2:
        raise ValueError(f"batchify: {len(ids)} tokens are too few for batch_size {batch_size}")
    return from_numpy(np.ascontiguousarray(ids[:steps * batch_size].reshape(batch_size, steps).T))


def bptt_windows(data, bptt):
    """(input, target) windows of ``bptt`` steps over batchified (T, B) data; the target is the
    input shifted by one step.  The last window may be shorter."""
    total = data.shape[0]
    for start in range(0, total - 1, bptt):
        length = min(bptt, total - 1 - start)
        yield data[start:start + length], data[start + 1:start + 1 + length]
