"""The sampling steps of word2vec (Mikolov, Sutskever, Chen, Corrado & Dean 2013,
"Distributed representations of words and phrases", and word2vec.c): subsampling of frequent
words, dynamic context windows and the unigram^0.75 negative-sampling table."""
import numpy as np

__all__ = ["keep_probabilities", "subsample", "reduced_windows", "skipgram_pairs",
           "cbow_windows", "UnigramTable"]


def keep_probabilities(counts, t=1e-3, formula="code"):
    """Probability of keeping each word of frequency f = count / total.

    ``formula="code"`` (default) is word2vec.c's: keep = min(1, sqrt(t/f) + t/f).
    ``formula="paper"`` is Mikolov et al. 2013's: discard with 1 - sqrt(t/f), so
    keep = min(1, sqrt(t/f)).  ``t=None`` or 0 keeps everything.

    Shape:
        counts ``(V,)``, one per vocabulary entry; output ``(V,)`` float64.

    Examples:
        Frequencies 0.9, 0.09 and 0.01 with ``t = 0.01``: the rarest word is always kept.

        >>> from yingshe.text import keep_probabilities
        >>> keep_probabilities([900, 90, 10], t=0.01).round(4)
        array([0.1165, 0.4444, 1.    ])
        >>> keep_probabilities([900, 90, 10], t=0.01, formula="paper").round(4)
        array([0.1054, 0.3333, 1.    ])
    """
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
    """The tokens of ``ids`` that survive: token w is kept with probability keep_prob[w].

    Shape:
        ids ``(L,)`` token indices, keep_prob ``(V,)``; output ``(L',)`` with ``L' <= L``, the
        survivors in their order.

    Examples:
        >>> import numpy as np
        >>> from yingshe.text import subsample
        >>> keep = np.array([1.0, 0.0, 1.0])                 # drop every token 1
        >>> subsample([0, 1, 2, 1, 0], keep, np.random.default_rng(0))
        array([0, 2, 0])
    """
    ids = np.asarray(ids)
    return ids[rng.random(len(ids)) < keep_prob[ids]]


def reduced_windows(n, window, rng):
    """word2vec's dynamic window: each of ``n`` centres draws b uniformly in 1..window, so a
    context word at distance d is used with probability (window - d + 1) / window.

    Shape:
        output ``(n,)`` int64, the half-width b_t of each centre's window.

    Examples:
        >>> import numpy as np
        >>> from yingshe.text import reduced_windows
        >>> spans = reduced_windows(1000, 5, np.random.default_rng(0))
        >>> int(spans.min()), int(spans.max())
        (1, 5)
    """
    return rng.integers(1, window + 1, size=n)


def skipgram_pairs(ids, window, rng):
    """(centres, contexts): every (w_t, w_{t+j}) with 0 < |j| <= b_t, b_t the dynamic window.

    Shape:
        ids ``(L,)``; centres and contexts ``(P,)``, one entry per pair (P varies with the drawn
        windows; at most ``2 window L``).

    Examples:
        With ``window=1`` every ``b_t`` is 1: each word pairs with its neighbours.

        >>> import numpy as np
        >>> from yingshe.text import skipgram_pairs
        >>> centres, contexts = skipgram_pairs([10, 11, 12, 13], 1, np.random.default_rng(0))
        >>> sorted(zip(centres.tolist(), contexts.tolist()))
        [(10, 11), (11, 10), (11, 12), (12, 11), (12, 13), (13, 12)]
    """
    ids = np.asarray(ids)
    n = len(ids)
    spans = reduced_windows(n, window, rng)
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
    out.

    Shape:
        ids ``(L,)``; centres ``(M,)``, contexts ``(M, 2 window)`` (left distances 1..window,
        then right), weights ``(M, 2 window)`` float32, with ``M <= L``.

    Examples:
        >>> import numpy as np
        >>> from yingshe.text import cbow_windows
        >>> centres, contexts, weights = cbow_windows([10, 11, 12, 13], 1, np.random.default_rng(0))
        >>> centres
        array([10, 11, 12, 13])
        >>> contexts                                   # [left, right], 0 where absent
        array([[ 0, 11],
               [10, 12],
               [11, 13],
               [12,  0]])
        >>> weights[:2]
        array([[0. , 1. ],
               [0.5, 0.5]], dtype=float32)
    """
    ids = np.asarray(ids)
    n = len(ids)
    spans = reduced_windows(n, window, rng)
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
    Generator.

    Shape:
        counts ``(V,)``; ``sample(shape, rng)`` returns int64 indices of ``shape``.

    Examples:
        Counts 16 and 1 become 16^0.75 = 8 against 1:

        >>> import numpy as np
        >>> from yingshe.text import UnigramTable
        >>> table = UnigramTable([16, 1, 0], table_size=90)
        >>> table.probs.round(3), np.bincount(table.table)
        (array([0.889, 0.111, 0.   ]), array([80, 10]))
        >>> table.sample((2, 5), np.random.default_rng(0)).shape   # e.g. 5 negatives per pair
        (2, 5)
    """

    def __init__(self, counts, power=0.75, table_size=10_000_000):
        weights = np.asarray(counts, np.float64) ** power
        self.probs = weights / weights.sum()
        slots = np.floor(self.probs * table_size).astype(np.int64)
        slots[(slots == 0) & (self.probs > 0)] = 1
        self.table = np.repeat(np.arange(len(self.probs), dtype=np.int32), slots)

    def sample(self, shape, rng):
        """Noise-word indices of ``shape``, drawn from unigram^power with the NumPy ``rng``."""
        return self.table[rng.integers(0, len(self.table), size=shape)].astype(np.int64)
