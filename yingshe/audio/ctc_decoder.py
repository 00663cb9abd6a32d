"""Decoding CTC outputs into label sequences: the best path (greedy) and the prefix beam search
of Hannun, Maas, Jurafsky & Ng (2014, "First-pass large vocabulary continuous speech
recognition using bi-directional recurrent DNNs", §3.1, Algorithm 1), without a language
model.  A CTC path maps to a labelling by merging repeated labels and then removing blanks
(Graves et al. 2006, §3.1, the many-to-one map B)."""
from collections import namedtuple

import numpy as np

from .._backend import to_device
from .._tensor import Tensor

__all__ = ["CTCHypothesis", "ctc_greedy_decode", "ctc_prefix_beam_search", "collapse"]

CTCHypothesis = namedtuple("CTCHypothesis", ["tokens", "score"])
CTCHypothesis.__doc__ = """A labelling and its log-probability: log of the sum over the CTC
paths that map to it (of those the beam kept).

Examples:
    >>> import yingshe
    >>> from yingshe.audio import ctc_prefix_beam_search
    >>> log_probs = yingshe.tensor([[0.2, 0.8], [0.6, 0.4]]).log()     # (T=2, C=2), 0 blank
    >>> hypothesis = ctc_prefix_beam_search(log_probs)[0][0]
    >>> hypothesis.tokens, round(hypothesis.score, 4)  # paths 1-, 11, -1: 0.48 + 0.32 + 0.08
    ([1], -0.1278)
"""


def _emissions(emissions, lengths):
    """(log-probabilities (B, T, C) as a NumPy array, lengths (B,))."""
    array = to_device(emissions._data, "cpu") if isinstance(emissions, Tensor) else \
        np.asarray(emissions)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise ValueError(f"CTC decoding: emissions must be (batch, frames, classes) or (frames, "
                         f"classes), got shape {array.shape}")
    if lengths is None:
        lengths = np.full(array.shape[0], array.shape[1])
    else:
        lengths = np.asarray(to_device(lengths._data, "cpu") if isinstance(lengths, Tensor)
                             else lengths).reshape(-1)
    if lengths.shape != (array.shape[0],) or (lengths > array.shape[1]).any() or \
            (lengths < 0).any():
        raise ValueError(f"CTC decoding: lengths {lengths.tolist()} must give one length in "
                         f"[0, {array.shape[1]}] per utterance of emissions {array.shape}")
    return array, lengths


def collapse(path, blank=0):
    """B(path): repeated labels merged, then blanks removed, e.g. (a, a, -, a, b, b) -> (a, a,
    b) with - the blank.

    Examples:
        >>> from yingshe.audio import collapse
        >>> collapse([1, 1, 0, 1, 2, 2])                  # "aa-abb" with 0 the blank: "aab"
        [1, 1, 2]
    """
    tokens, previous = [], None
    for label in path:
        label = int(label)
        if label != previous and label != blank:
            tokens.append(label)
        previous = label
    return tokens


def ctc_greedy_decode(emissions, lengths=None, blank=0):
    """The labelling of the most probable path of each utterance: the arg max class of each
    frame, collapsed (``collapse``).  ``emissions``: (batch, frames, classes) scores or
    log-probabilities (Tensor or array), or (frames, classes); ``lengths``: the frames of each
    utterance that count (default all).  Returns one list of labels per utterance.

    Shape:
        emissions ``(B, T, C)`` or ``(T, C)``, lengths ``(B,)``; returns ``B`` lists of labels.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio import ctc_greedy_decode
        >>> probs = yingshe.tensor([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1],
        ...                         [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])     # (T=5, C=3), 0 blank
        >>> ctc_greedy_decode(probs.log())                 # best path 1 1 - 1 2
        [[1, 1, 2]]
        >>> ctc_greedy_decode(probs.log().expand(2, 5, 3), lengths=[5, 2])
        [[1, 1, 2], [1]]
    """
    array, lengths = _emissions(emissions, lengths)
    best = array.argmax(axis=2)
    return [collapse(best[b, :lengths[b]], blank) for b in range(array.shape[0])]


def ctc_prefix_beam_search(emissions, lengths=None, beam_width=10, blank=0, nbest=1):
    """Prefix beam search (Hannun et al. 2014, Algorithm 1, with no language model or insertion
    bonus): keep the ``beam_width`` most probable label prefixes, each with the
    log-probabilities p_b / p_nb of the paths so far that map to it and end in a blank / in its
    last label; at each frame extend them by every class:

        blank:                 p_b(l)     += (p_b(l) + p_nb(l)) y_t[blank]
        the last label of l:   p_nb(l)    += p_nb(l) y_t[c]      (repeat merged)
                               p_nb(l + c) += p_b(l) y_t[c]      (a blank in between)
        any other label c:     p_nb(l + c) += (p_b(l) + p_nb(l)) y_t[c]

    ``emissions`` are log-probabilities (batch, frames, classes) (or (frames, classes)).
    Returns, per utterance, the ``nbest`` most probable ``CTCHypothesis`` (tokens, log p),
    best first.  With a beam as wide as the number of prefixes, the scores are exact:
    log p(l | x) = -ctc_loss.

    Shape:
        emissions ``(B, T, C)`` or ``(T, C)`` log-probabilities, lengths ``(B,)``; returns ``B``
        lists of ``nbest`` hypotheses.

    Examples:
        With a wide beam the score of a labelling is its exact log-probability, ``-ctc_loss``:

        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> from yingshe.audio import ctc_prefix_beam_search
        >>> log_probs = yingshe.tensor([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1],
        ...                             [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]).log()
        >>> best, second = ctc_prefix_beam_search(log_probs, beam_width=100, nbest=2)[0]
        >>> best.tokens, round(best.score, 4), second.tokens, round(second.score, 4)
        ([1, 1, 2], -0.8769, [1, 2], -1.7011)
        >>> loss = F.ctc_loss(log_probs.unsqueeze(1), yingshe.tensor([[1, 1, 2]]), [5], [3],
        ...                   reduction="sum")
        >>> round(-loss.item(), 4)
        -0.8769
    """
    if beam_width < 1 or nbest < 1:
        raise ValueError(f"ctc_prefix_beam_search: beam_width and nbest must be at least 1, got "
                         f"{beam_width} and {nbest}")
    array, lengths = _emissions(emissions, lengths)
    return [_beam_search(array[b, :lengths[b]].astype(np.float64), beam_width, blank, nbest)
            for b in range(array.shape[0])]


def _extend(grown, prefix, blank_part, label_part):
    """Add the path probabilities (log p_b, log p_nb) to those of ``prefix`` in ``grown``."""
    old_b, old_nb = grown.get(prefix, (-np.inf, -np.inf))
    grown[prefix] = (np.logaddexp(old_b, blank_part), np.logaddexp(old_nb, label_part))


def _beam_search(log_probs, beam_width, blank, nbest):
    neg_inf = -np.inf
    beams = {(): (0.0, neg_inf)}  # prefix -> (log p_b, log p_nb)
    classes = range(log_probs.shape[1])
    for frame in log_probs:
        grown = {}
        for prefix, (p_b, p_nb) in beams.items():
            total = np.logaddexp(p_b, p_nb)
            for c in classes:
                p = frame[c]
                if c == blank:
                    _extend(grown, prefix, total + p, neg_inf)
                elif prefix and prefix[-1] == c:
                    _extend(grown, prefix, neg_inf, p_nb + p)
                    _extend(grown, prefix + (c,), neg_inf, p_b + p)
                else:
                    _extend(grown, prefix + (c,), neg_inf, total + p)
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = dict(ranked[:beam_width])
    ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))
    return [CTCHypothesis(list(prefix), float(np.logaddexp(*scores)))
            for prefix, scores in ranked[:nbest]]
