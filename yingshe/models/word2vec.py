"""word2vec with negative sampling (Mikolov, Sutskever, Chen, Corrado & Dean 2013):
skip-gram predicts the context words from the centre word, CBOW the centre word from the mean
of its context.  For an input vector v (centre word, or mean of the context vectors), the true
output word o and K noise words k drawn from the unigram^0.75 distribution:

    loss = -log sigma(u_o . v) - sum_k log sigma(-u_k . v)
         = softplus(-u_o . v) + sum_k softplus(u_k . v)

The models' ``forward`` looks the vectors up through ``nn.Embedding``, whose backward gives a
dense (V, D) gradient; ``yingshe.training.word_vectors.train_word2vec`` avoids that with
row-sparse updates."""
import numpy as np

from .. import nn
from ..ops.activation import softplus
from ..ops.creation import from_numpy

__all__ = ["SkipGramNS", "CBOWNS", "negative_sampling_loss", "context_mean"]


def negative_sampling_loss(v, outputs, reduction="mean"):
    """``v`` (B, D) input vectors, ``outputs`` (B, 1 + K, D) with the true output word's vector
    first and the K noise words' after: softplus(-u_o . v) + sum_k softplus(u_k . v) per row,
    then its mean (or sum) over the batch."""
    scores = outputs.bmm(v.unsqueeze(2)).squeeze(2)  # (B, 1 + K)
    sign = np.ones(scores.shape[1], np.float32)
    sign[0] = -1.0
    per_row = softplus(scores * from_numpy(sign.astype(scores.detach().numpy().dtype))).sum(1)
    if reduction == "mean":
        return per_row.mean()
    if reduction == "sum":
        return per_row.sum()
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def context_mean(looked_up, weights):
    """sum_j weights_j v_j over the context axis of ``looked_up`` (B, C, D)."""
    dtype = looked_up.detach().numpy().dtype
    return (looked_up * from_numpy(np.asarray(weights, dtype)[:, :, None])).sum(1)


class _NegativeSampling(nn.Module):
    """Input and output tables initialised as word2vec.c: input U(-0.5/D, 0.5/D), output 0."""

    def __init__(self, vocab_size, dim):
        super().__init__()
        self.vocab_size, self.dim = vocab_size, dim
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(vocab_size, dim)
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)

    def _loss(self, v, targets, negatives, reduction):
        rows = np.concatenate([np.asarray(targets)[:, None], np.asarray(negatives)], 1)
        return negative_sampling_loss(v, self.out_embed(from_numpy(rows)), reduction)

    def vectors(self):
        """The input vectors, the ones word2vec.c writes out, as a NumPy array."""
        return self.in_embed.weight.detach().numpy().copy()


class SkipGramNS(_NegativeSampling):
    """Skip-gram: v = in[centre], true output word = the context word."""

    def forward(self, centres, contexts, negatives, reduction="mean"):
        """``centres``, ``contexts`` (B,) and ``negatives`` (B, K) integer NumPy arrays."""
        v = self.in_embed(from_numpy(np.asarray(centres)))
        return self._loss(v, contexts, negatives, reduction)


class CBOWNS(_NegativeSampling):
    """CBOW: v = sum_j weights_j in[context_j] (the mean with weights 1/count), true output
    word = the centre word."""

    def forward(self, contexts, weights, centres, negatives, reduction="mean"):
        """``contexts``, ``weights`` (B, C), ``centres`` (B,), ``negatives`` (B, K)."""
        v = context_mean(self.in_embed(from_numpy(np.asarray(contexts))), weights)
        return self._loss(v, centres, negatives, reduction)
