"""Corpora and the sampling steps of word2vec (Mikolov et al. 2013; seed 001
§自然语言中词向量生成): streaming readers for PTB and WikiText-2 (MD5-checked ``.gz`` files under
``$YINGSHE_DATA``), subsampling of frequent words, dynamic context windows and the unigram^0.75
negative-sampling table."""
import gzip
import hashlib
from pathlib import Path

import numpy as np

from ..datasets.utils import DatasetIntegrityError, default_root
from .vocab import Vocab

__all__ = ["CORPORA", "read_sentences", "load_corpus", "keep_probabilities", "subsample",
           "skipgram_pairs", "cbow_windows", "UnigramTable"]

# corpus -> folder, {split: (file, MD5 of the uncompressed text)}, from shared/data/README.md
CORPORA = {
    "ptb": ("ptb", {"train": ("ptb.train.txt.gz", "f26c4b92c5fdc7b3f8c7cdcb991d8420"),
                    "valid": ("ptb.valid.txt.gz", "aa0affc06ff7c36e977d7cd49e3839bf"),
                    "test": ("ptb.test.txt.gz", "8b80168b89c18661a38ef683c0dc3721")}),
    "wikitext-2": ("wikitext-2", {"train": ("train.txt.gz", "34a77ebe59551b3a3b3d8c0a2797c976"),
                                  "valid": ("valid.txt.gz", "d756d22ab2310e7e60c094bea5c5a8eb"),
                                  "test": ("test.txt.gz", "781c9418ab9414bd09e4aad825aae752")}),
}
_verified = set()


def _checked_path(corpus, split, root):
    """The file of ``corpus``/``split`` once the MD5 of its decompressed text matches the
    published one (checked once per file, size and mtime, per process)."""
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; available: {', '.join(CORPORA)}")
    folder, files = CORPORA[corpus]
    if split not in files:
        raise ValueError(f"{corpus}: split must be one of {list(files)}, got {split!r}")
    name, md5 = files[split]
    path = Path(root if root is not None else default_root()) / folder / name
    if not path.is_file():
        raise DatasetIntegrityError(f"{path} not found; point root (or $YINGSHE_DATA) at the "
                                    f"folder that holds {folder}/{name}")
    key = (str(path), path.stat().st_size, path.stat().st_mtime_ns)
    if key not in _verified:
        digest = hashlib.md5()
        try:
            with gzip.open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        except (OSError, EOFError) as error:
            raise DatasetIntegrityError(f"{path}: not a readable gzip file ({error}); the file "
                                        f"is damaged") from error
        if digest.hexdigest() != md5:
            raise DatasetIntegrityError(f"{path}: MD5 of the text {digest.hexdigest()} differs "
                                        f"from the published {md5}; the file is damaged or not "
                                        f"the original")
        _verified.add(key)
    return path


def read_sentences(corpus="ptb", split="train", root=None, lower=False, eos=False):
    """Yield each line of the corpus as a token list, streaming from the ``.gz`` file.  With
    ``eos`` every line (empty ones too, as in the standard LM counts) ends in ``<eos>``;
    otherwise empty lines are skipped.  ``lower`` lower-cases (WikiText-2 keeps case)."""
    path = _checked_path(corpus, split, root)
    with gzip.open(path, "rt", encoding="utf-8") as f:
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
    of it are dropped, as word2vec drops words under ``min_count``."""
    tokens = []
    for sentence in read_sentences(corpus, split, root, lower, eos):
        tokens.extend(sentence)
        if max_tokens is not None and len(tokens) >= max_tokens:
            del tokens[max_tokens:]
            break
    if vocab is None:
        vocab = Vocab.build([tokens], min_freq=min_freq)
    return vocab.encode(tokens), vocab


def keep_probabilities(counts, t=1e-3, formula="code"):
    """Probability of keeping each word of frequency f = count / total.

    ``formula="code"`` (default) is word2vec.c's: keep = min(1, sqrt(t/f) + t/f).
    ``formula="paper"`` is Mikolov et al. 2013's: discard with 1 - sqrt(t/f), so
    keep = min(1, sqrt(t/f)).  ``t=None`` or 0 keeps everything."""
    counts = np.asarray(counts, np.float64)
    if not t:
        return np.ones_like(counts)
    f = counts / counts.sum()
    with np.errstate(divide="ignore"):
        ratio = np.where(f > 0, t / f, np.inf)
    if formula == "code":
        keep = np.sqrt(ratio) + ratio
    elif formula == "paper":
        keep = np.sqrt(ratio)
    else:
        raise ValueError(f"formula must be 'code' or 'paper', got {formula!r}")
    return np.minimum(keep, 1.0)


def subsample(ids, keep_prob, rng):
    """The tokens of ``ids`` that survive: token w is kept with probability keep_prob[w]."""
    ids = np.asarray(ids)
    return ids[rng.random(len(ids)) < keep_prob[ids]]


def _reduced_windows(n, window, rng):
    """word2vec's dynamic window: each centre draws b uniformly in 1..window, so a context
    word at distance d is used with probability (window - d + 1) / window."""
    return rng.integers(1, window + 1, size=n)


def skipgram_pairs(ids, window, rng):
    """(centres, contexts): every (w_t, w_{t+j}) with 0 < |j| <= b_t, b_t the dynamic window."""
    ids = np.asarray(ids)
    n = len(ids)
    spans = _reduced_windows(n, window, rng)
    centres, contexts = [], []
    for d in range(1, window + 1):
        left = np.nonzero(spans[d:] >= d)[0] + d  # centre t uses t - d
        right = np.nonzero(spans[:n - d] >= d)[0]  # centre t uses t + d
        centres += [ids[left], ids[right]]
        contexts += [ids[left - d], ids[right + d]]
    return np.concatenate(centres), np.concatenate(contexts)


def cbow_windows(ids, window, rng):
    """(centres, contexts, weights) for CBOW: contexts (N, 2 window) holds the words at
    distances 1..b_t on both sides (0 where absent), weights 1/count on the present ones (so
    summing gives word2vec's mean of the context vectors); centres without context are left
    out."""
    ids = np.asarray(ids)
    n = len(ids)
    spans = _reduced_windows(n, window, rng)
    positions = np.arange(n)
    offsets = np.concatenate([-np.arange(1, window + 1), np.arange(1, window + 1)])
    where = positions[:, None] + offsets[None, :]
    present = (np.abs(offsets)[None, :] <= spans[:, None]) & (where >= 0) & (where < n)
    contexts = np.where(present, ids[np.clip(where, 0, n - 1)], 0)
    number = present.sum(1)
    used = number > 0
    weights = present[used] / number[used, None]
    return ids[used], contexts[used], weights.astype(np.float32)


class UnigramTable:
    """word2vec's noise distribution P(w) = c(w)^power / sum_v c(v)^power (power 0.75), as a
    table of ``table_size`` entries in which word w fills about P(w) * table_size slots (every
    word with a count gets at least one); ``sample`` draws uniform slots with a NumPy
    Generator."""

    def __init__(self, counts, power=0.75, table_size=10_000_000):
        weights = np.asarray(counts, np.float64) ** power
        self.probs = weights / weights.sum()
        slots = np.floor(self.probs * table_size).astype(np.int64)
        slots[(slots == 0) & (self.probs > 0)] = 1
        self.table = np.repeat(np.arange(len(self.probs), dtype=np.int32), slots)

    def sample(self, shape, rng):
        return self.table[rng.integers(0, len(self.table), size=shape)].astype(np.int64)
