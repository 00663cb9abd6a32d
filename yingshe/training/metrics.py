"""Metrics computed from model outputs (logits) and integer targets."""
import numpy as np

from .._backend import to_device

__all__ = ["accuracy", "topk_accuracy", "RunningMean"]


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
