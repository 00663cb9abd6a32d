"""The sampling steps of word2vec (Mikolov, Sutskever, Chen, Corrado & Dean 2013,
"Distributed representations of words and phrases", and word2vec.c): subsampling of frequent
words, dynamic context windows and the unigram^0.75 negative-sampling table."""
import numpy as np

__all__ = ["keep_probabilities", "subsample", "skipgram_pairs", "cbow_windows", "UnigramTable"]


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
        """Noise-word indices of ``shape``, drawn from unigram^power with the NumPy ``rng``."""
        return self.table[rng.integers(0, len(self.table), size=shape)].astype(np.int64)
