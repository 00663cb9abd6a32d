"""Metrics computed from model outputs (logits) and integer targets."""
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
    """Fraction of rows whose largest logit is at the target class:
    ``mean_i [argmax_c output[i, c] == target[i]]`` (0.0 for an empty batch).

    Shape:
        output ``(N, C)`` logits (or probabilities), target ``(N,)`` class indices; returns a
        Python float.

    Examples:
        >>> import yingshe
        >>> from yingshe.training import accuracy
        >>> logits = yingshe.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.0],
        ...                          [0.0, 0.1, 0.2]])
        >>> accuracy(logits, yingshe.tensor([0, 2, 2, 1]))   # rows 0 and 2 right
        0.5
    """
    logits, labels = _logits_and_targets(output, target)
    return float((logits.argmax(axis=1) == labels).mean()) if labels.size else 0.0


def topk_accuracy(output, target, k=5):
    """Fraction of rows whose target is among the ``k`` largest logits:
    ``mean_i [target[i] in topk_c output[i, c]]`` (the ImageNet top-5 error is 1 minus it).

    Shape:
        output ``(N, C)`` logits, target ``(N,)`` class indices; returns a Python float.

    Examples:
        >>> import yingshe
        >>> from yingshe.training import topk_accuracy
        >>> logits = yingshe.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.0],
        ...                          [0.0, 0.1, 0.2]])
        >>> topk_accuracy(logits, yingshe.tensor([0, 2, 2, 1]), k=2)  # row 1's 2 is third
        0.75
    """
    logits, labels = _logits_and_targets(output, target)
    k = min(k, logits.shape[1])
    top = np.argpartition(-logits, k - 1, axis=1)[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean()) if labels.size else 0.0


class RunningMean:
    """A mean over batches weighted by their sizes.

    ``value = sum_b n_b * mean_b / sum_b n_b``, so the mean over an epoch counts each item once
    even when the last batch is shorter.

    Examples:
        >>> from yingshe.training import RunningMean
        >>> loss = RunningMean()
        >>> loss.update(0.5, n=10)
        >>> loss.update(1.0, n=30)
        >>> loss.value                               # (10 * 0.5 + 30 * 1.0) / 40
        0.875
    """

    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value, n=1):
        """Add ``value``, the mean of ``n`` items."""
        self.total += float(value) * n
        self.count += n

    @property
    def value(self):
        """The mean so far (NaN before any update)."""
        return self.total / self.count if self.count else float("nan")


def corpus_bleu(hypotheses, references, tokenize="13a", smooth_method="exp"):
    """Corpus BLEU-4 (Papineni et al. 2002) in [0, 1], computed by sacrebleu (Post 2018), the
    standard implementation whose figures compare with published ones: one reference per
    sentence, each a string or a token list (joined with spaces, so that sacrebleu's own
    tokeniser ``tokenize`` sees detokenised text).  ``tokenize="none"`` with
    ``smooth_method="none"`` is Papineni's BLEU on the given tokens."""
    import sacrebleu
    if len(hypotheses) != len(references):
        raise ValueError(f"corpus_bleu: {len(hypotheses)} hypotheses but {len(references)} "
                         f"references")

    def text(sentence):
        return sentence if isinstance(sentence, str) else " ".join(sentence)

    bleu = sacrebleu.corpus_bleu([text(h) for h in hypotheses], [[text(r) for r in references]],
                                 tokenize=tokenize, smooth_method=smooth_method, force=True)
    return bleu.score / 100.0
