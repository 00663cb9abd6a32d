"""Metrics computed from model outputs (logits) and integer targets."""
from collections import Counter

import numpy as np

from .._backend import to_device

__all__ = ["accuracy", "topk_accuracy", "RunningMean", "corpus_bleu"]


def _logits_and_targets(output, target):
    logits = to_device(output._data, "cpu")
    labels = to_device(target._data, "cpu")
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"accuracy: expected logits (N, C) and targets (N,), got "
                         f"{tuple(logits.shape)} and {tuple(labels.shape)}")
    return logits, labels


def accuracy(output, target):
    """Fraction of rows whose largest logit is at the target class."""
    logits, labels = _logits_and_targets(output, target)
    return float((logits.argmax(axis=1) == labels).mean()) if labels.size else 0.0


def topk_accuracy(output, target, k=5):
    """Fraction of rows whose target is among the ``k`` largest logits."""
    logits, labels = _logits_and_targets(output, target)
    k = min(k, logits.shape[1])
    top = np.argpartition(-logits, k - 1, axis=1)[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean()) if labels.size else 0.0


class RunningMean:
    """A mean over batches weighted by their sizes."""

    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value, n=1):
        self.total += float(value) * n
        self.count += n

    @property
    def value(self):
        return self.total / self.count if self.count else float("nan")


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses, references, max_n=4):
    """Corpus BLEU (Papineni et al. 2002) with one reference per sentence, in [0, 1]:
    BP * exp(mean_n log p_n), p_n = clipped n-gram matches / hypothesis n-grams summed over the
    corpus, BP = exp(1 - r / c) when the hypotheses (c tokens) are shorter than the references
    (r tokens), else 1.  0 when some p_n is 0."""
    if len(hypotheses) != len(references):
        raise ValueError(f"corpus_bleu: {len(hypotheses)} hypotheses but {len(references)} "
                         f"references")
    matches, totals = [0] * max_n, [0] * max_n
    hyp_length = ref_length = 0
    for hyp, ref in zip(hypotheses, references):
        hyp_length += len(hyp)
        ref_length += len(ref)
        for n in range(1, max_n + 1):
            hyp_counts, ref_counts = _ngrams(hyp, n), _ngrams(ref, n)
            matches[n - 1] += sum(min(c, ref_counts[g]) for g, c in hyp_counts.items())
            totals[n - 1] += max(len(hyp) - n + 1, 0)
    if hyp_length == 0 or min(matches) == 0:
        return 0.0
    log_precision = sum(np.log(m / t) for m, t in zip(matches, totals)) / max_n
    brevity = 1.0 if hyp_length > ref_length else np.exp(1 - ref_length / hyp_length)
    return float(brevity * np.exp(log_precision))
