"""word2vec with negative sampling (Mikolov et al. 2013; seed 001 §自然语言中词向量生成):
skip-gram predicts the context words from the centre word, CBOW the centre word from the mean
of its context.  For an input vector v (centre word, or mean of the context vectors), the true
output word o and K noise words k drawn from the unigram^0.75 distribution:

    loss = -log sigma(u_o . v) - sum_k log sigma(-u_k . v)
         = softplus(-u_o . v) + sum_k softplus(u_k . v)

The models' ``forward`` looks the vectors up through ``nn.Embedding``, whose backward gives a
dense (V, D) gradient.  Training avoids that: it gathers the batch's rows, lets autograd
differentiate the loss with respect to those rows only, sums them per word and
``SparseRowSGD`` updates just those rows, so a step costs O(batch rows x D), not O(V x D)."""
import time
from dataclasses import dataclass, field

import numpy as np

from .. import nn
from .._backend import manual_seed
from ..ops.activation import softplus
from ..ops.creation import from_numpy
from ..optim.optimizer import Optimizer
from ..text.corpus import (UnigramTable, cbow_windows, keep_probabilities, skipgram_pairs,
                           subsample)
from ._rows import sum_rows
from .keyed_vectors import KeyedVectors

__all__ = ["SkipGramNS", "CBOWNS", "negative_sampling_loss", "SparseRowSGD", "Word2VecRun",
           "train_word2vec"]


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


def _context_mean(looked_up, weights):
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
        v = _context_mean(self.in_embed(from_numpy(np.asarray(contexts))), weights)
        return self._loss(v, centres, negatives, reduction)


class SparseRowSGD(Optimizer):
    """Plain SGD on chosen rows only: theta[r] -= lr * g[r] for the rows r a batch looked up;
    every other row is never read or written."""

    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    def step(self, rows, row_grads=None):
        """``rows``: one integer array per parameter (in parameter order), the rows looked up.
        With ``row_grads`` (one (len(rows), D) array per parameter: the gradient of each
        lookup) g[r] sums the lookups of row r; without, g[r] is read from ``param.grad``."""
        params = [(p, g["lr"]) for g in self.param_groups for p in g["params"]]
        if len(rows) != len(params):
            raise ValueError(f"SparseRowSGD.step: got {len(rows)} row arrays for "
                             f"{len(params)} parameters")
        for k, ((param, lr), index) in enumerate(zip(params, rows)):
            if row_grads is not None:
                index, grad = sum_rows(index, row_grads[k])
            elif param.grad is not None:
                index = np.unique(np.asarray(index).reshape(-1))
                grad = param.grad._data[index]
            else:
                continue
            param._data[index] -= lr * grad
            param._bump_version()


@dataclass
class Word2VecRun:
    """What ``train_word2vec`` returns: the model, its vectors, the mean loss of each epoch
    and the training speed in corpus tokens per second."""
    model: object
    vectors: KeyedVectors
    epoch_losses: list = field(default_factory=list)
    tokens_per_s: float = 0.0


def _leaf(table, index):
    """A copy of the rows ``index`` of ``table`` as a leaf that collects their gradient."""
    return from_numpy(table.detach().numpy()[index]).requires_grad_()


def _batches(count, batch_size, rng):
    order = rng.permutation(count)
    for start in range(0, count, batch_size):
        yield start, order[start:start + batch_size]


def train_word2vec(corpus_ids, vocab, model="skipgram", dim=100, window=5, negatives=5,
                   epochs=1, lr=None, batch_size=256, seed=0, subsample_t=1e-3, log=None):
    """Train skip-gram or CBOW with negative sampling on the int stream ``corpus_ids``.

    Per epoch: subsample frequent words (word2vec.c's keep = sqrt(t/f) + t/f), draw dynamic
    windows (b ~ U{1..window}), shuffle the examples, and for each minibatch draw ``negatives``
    noise words per example from the unigram^0.75 table (a noise word equal to the target is
    kept, unlike word2vec.c, which skips it).  Autograd differentiates the loss with respect
    to the looked-up rows and ``SparseRowSGD`` updates those rows only.  The loss is summed over
    the batch so that ``lr`` is word2vec's per-example ``alpha`` (default 0.025 skip-gram,
    0.05 CBOW); it decays linearly to lr * 1e-4 over all epochs as in word2vec.c.  ``log`` (a
    callable) gets progress lines; ``tokens_per_s`` counts corpus tokens before subsampling."""
    if model not in ("skipgram", "cbow"):
        raise ValueError(f"model must be 'skipgram' or 'cbow', got {model!r}")
    lr = lr if lr is not None else (0.025 if model == "skipgram" else 0.05)
    ids = np.asarray(corpus_ids, np.int64)
    rng = np.random.default_rng(seed)
    manual_seed(seed)
    net = (SkipGramNS if model == "skipgram" else CBOWNS)(len(vocab), dim)
    optimizer = SparseRowSGD([net.in_embed.weight, net.out_embed.weight], lr=lr)
    table = UnigramTable(vocab.counts)
    keep = keep_probabilities(vocab.counts, subsample_t)
    total = epochs * len(ids)
    losses, start_time = [], time.perf_counter()
    for epoch in range(epochs):
        kept = subsample(ids, keep, rng)
        if model == "skipgram":
            examples = skipgram_pairs(kept, window, rng)
        else:
            examples = cbow_windows(kept, window, rng)
        count = len(examples[0])
        loss_sum = 0.0
        for start, batch in _batches(count, batch_size, rng):
            done = epoch * len(ids) + len(ids) * start / max(count, 1)
            optimizer.param_groups[0]["lr"] = lr * max(1e-4, 1 - done / total)
            noise = table.sample((len(batch), negatives), rng)
            if model == "skipgram":
                in_index, target = examples[0][batch], examples[1][batch]
            else:
                target, in_index, weights = (a[batch] for a in examples)
            out_index = np.concatenate([target[:, None], noise], 1)
            inputs = _leaf(net.in_embed.weight, in_index)
            outputs = _leaf(net.out_embed.weight, out_index)
            v = inputs if model == "skipgram" else _context_mean(inputs, weights)
            loss = negative_sampling_loss(v, outputs, reduction="sum")
            loss.backward()
            optimizer.step([in_index, out_index],
                           [inputs.grad.numpy(), outputs.grad.numpy()])
            loss_sum += float(loss.item())
        losses.append(loss_sum / max(count, 1))
        speed = (epoch + 1) * len(ids) / (time.perf_counter() - start_time)
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f}, {count} examples, "
                f"{speed:,.0f} tokens/s")
    seconds = time.perf_counter() - start_time
    vectors = KeyedVectors(vocab.itos, net.vectors())
    return Word2VecRun(net, vectors, losses, total / seconds if seconds > 0 else 0.0)
