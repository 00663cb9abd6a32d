"""Text corpora, read from local files whose (uncompressed) MD5 is checked against the
published value: Penn Treebank (Mikolov's language-modelling version) and WikiText-2 (Merity,
Xiong, Bradbury & Socher 2017) as token streams, Tiny Shakespeare (Karpathy 2015) as
characters, and the batching of a token stream into BPTT windows (Zaremba, Sutskever & Vinyals
2014)."""
import gzip
from pathlib import Path

import numpy as np

from ..ops.creation import from_numpy
from ..text.vocab import Vocab
from .utils import default_root, read_checked, verify_file

__all__ = ["CORPORA", "corpus_path", "read_sentences", "load_corpus", "PennTreebank",
           "TinyShakespeare", "batchify", "bptt_windows"]

# corpus -> folder, {split: (file, MD5 of the uncompressed text)}, from shared/data/README.md
CORPORA = {
    "ptb": ("ptb", {"train": ("ptb.train.txt.gz", "f26c4b92c5fdc7b3f8c7cdcb991d8420"),
                    "valid": ("ptb.valid.txt.gz", "aa0affc06ff7c36e977d7cd49e3839bf"),
                    "test": ("ptb.test.txt.gz", "8b80168b89c18661a38ef683c0dc3721")}),
    "wikitext-2": ("wikitext-2", {"train": ("train.txt.gz", "34a77ebe59551b3a3b3d8c0a2797c976"),
                                  "valid": ("valid.txt.gz", "d756d22ab2310e7e60c094bea5c5a8eb"),
                                  "test": ("test.txt.gz", "781c9418ab9414bd09e4aad825aae752")}),
}


def corpus_path(corpus, split, root=None):
    """The checked ``.gz`` file of ``corpus``/``split`` under ``root`` (default
    ``$YINGSHE_DATA``)."""
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; available: {', '.join(CORPORA)}")
    folder, files = CORPORA[corpus]
    if split not in files:
        raise ValueError(f"{corpus}: split must be one of {list(files)}, got {split!r}")
    name, md5 = files[split]
    path = Path(root if root is not None else default_root()) / folder / name
    return verify_file(path, md5=md5, gunzip=True)


def read_sentences(corpus="ptb", split="train", root=None, lower=False, eos=False):
    """Yield each line of the corpus as a token list, streaming from the ``.gz`` file.  With
    ``eos`` every line (empty ones too, as in the standard LM counts) ends in ``<eos>``;
    otherwise empty lines are skipped.  ``lower`` lower-cases (WikiText-2 keeps case).

    Examples:
        >>> from yingshe.datasets import read_sentences
        >>> lines = read_sentences("ptb", "valid", eos=True)  # $YINGSHE_DATA  # doctest: +SKIP
        >>> next(lines)[-4:]                                                   # doctest: +SKIP
        ['the', 'tv', 'set', '<eos>']
    """
    with gzip.open(corpus_path(corpus, split, root), "rt", encoding="utf-8") as f:
        for line in f:
            tokens = (line.lower() if lower else line).split()
            if eos:
                tokens.append("<eos>")
            if tokens:
                yield tokens


def load_corpus(corpus="ptb", split="train", root=None, vocab=None, min_freq=5, lower=False,
                eos=False, max_tokens=None):
    """(ids, vocab): the corpus (its first ``max_tokens`` tokens when given) as an int64 stream
    of vocabulary indices.  The vocabulary is built from those tokens unless given; tokens out
    of it are dropped, as word2vec drops words under ``min_count``.

    Shape:
        ``ids`` ``(tokens,)`` int64 NumPy array.

    Examples:
        The split's first word, "consumers", occurs fewer than ``min_freq=5`` times and is
        dropped:

        >>> from yingshe.datasets import load_corpus
        >>> ids, vocab = load_corpus("ptb", "valid", max_tokens=10000)   # doctest: +SKIP
        >>> ids.dtype, len(ids) <= 10000, vocab.decode(ids[:3])          # doctest: +SKIP
        (dtype('int64'), True, ['may', 'want', 'to'])
    """
    tokens = []
    for sentence in read_sentences(corpus, split, root, lower, eos):
        tokens.extend(sentence)
        if max_tokens is not None and len(tokens) >= max_tokens:
            del tokens[max_tokens:]
            break
    if vocab is None:
        vocab = Vocab.build([tokens], min_freq=min_freq)
    return vocab.encode(tokens, drop_unknown=True), vocab


class PennTreebank:
    """Word-level PTB as used for language modelling (10,000 words, ``<unk>``, numbers as N):
    each line's words then ``<eos>``.  ``ids`` is the int64 token stream of the split; the
    vocabulary is built from the training split, in order of first appearance.

    Shape:
        ``ids`` ``(tokens,)`` int64; ``batchify(ids, B)`` makes it ``(T, B)`` for BPTT.

    Examples:
        >>> from yingshe.datasets import PennTreebank
        >>> valid = PennTreebank(split="valid")     # from $YINGSHE_DATA/ptb  # doctest: +SKIP
        >>> len(valid), len(valid.vocab), valid.ids.dtype                      # doctest: +SKIP
        (73760, 10000, yingshe.int64)
        >>> valid.tokens[:5], valid.vocab.decode(valid.ids[:5])                # doctest: +SKIP
        (['consumers', 'may', 'want', 'to', 'move'], ['consumers', 'may', 'want', 'to', 'move'])
    """

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
        """The vocabulary of the training split (the one every split is encoded with)."""
        return Vocab.from_tokens(cls._tokens(root if root is not None else default_root(),
                                             "train"))

    def __len__(self):
        return len(self.tokens)


class TinyShakespeare:
    """Karpathy's char-rnn corpus (1,115,394 characters, 65 distinct); the usual split: first
    90% for training, last 10% for validation.  ``ids`` are character indices.

    Shape:
        ``ids`` ``(characters,)`` int64, one per character of ``text``.

    Examples:
        >>> from yingshe.datasets import TinyShakespeare
        >>> valid = TinyShakespeare(split="valid")    # from $YINGSHE_DATA  # doctest: +SKIP
        >>> len(valid), len(valid.vocab), valid.ids.shape                      # doctest: +SKIP
        (111540, 65, yingshe.Size([111540]))
        >>> valid.text[3:9], valid.vocab.decode(valid.ids[3:9])                # doctest: +SKIP
        ('GREMIO', ['G', 'R', 'E', 'M', 'I', 'O'])
    """
    folder = "tinyshakespeare"
    md5 = "6fb458f1232090904fb40fe944165e91"

    def __init__(self, root=None, split="train", vocab=None):
        if split not in ("train", "valid"):
            raise ValueError(f"TinyShakespeare: split must be 'train' or 'valid', got {split!r}")
        root = Path(root) if root is not None else default_root()
        text = read_checked(root / self.folder / "input.txt", md5=self.md5).decode("utf-8")
        self.vocab = vocab if vocab is not None else Vocab.from_tokens(sorted(set(text)))
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
