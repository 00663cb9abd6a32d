"""GloVe (Pennington, Socher & Manning 2014): fit word vectors to
global co-occurrence counts by weighted least squares,

    J = sum_{ij: X_ij > 0} f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2,
    f(x) = min(1, (x / x_max)^alpha),

with AdaGrad over minibatches of nonzero entries; the final vectors are W + W~."""
import math
from dataclasses import dataclass

import numpy as np

from ..optim.sparse import sum_rows

__all__ = ["Cooccurrence", "cooccurrence_matrix", "glove_weight", "GloVe"]


@dataclass
class Cooccurrence:
    """A sparse size x size co-occurrence matrix in COO form (unique (row, col) pairs)."""
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    size: int

    def __len__(self):
        return len(self.values)

    def to_dense(self):
        dense = np.zeros((self.size, self.size))
        dense[self.rows, self.cols] = self.values
        return dense


def _reduce(keys, weights):
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse.ravel(), weights, len(unique))


def cooccurrence_matrix(ids, vocab_size, window=10, symmetric=True, distance_weighting=True,
                        merge_every=1 << 24):
    """X_ij = sum over occurrences of j within ``window`` words after (and, if ``symmetric``,
    before) i of 1/d, d the distance (1 without ``distance_weighting``), as glove's cooccur."""
    ids = np.asarray(ids, np.int64)
    keys, weights, pending = [], [], 0
    for d in range(1, window + 1):
        left, right = ids[:-d], ids[d:]
        pairs = [left * vocab_size + right] + ([right * vocab_size + left] if symmetric else [])
        key, weight = _reduce(np.concatenate(pairs), None)
        keys.append(key)
        weights.append(weight / d if distance_weighting else weight)
        pending += len(key)
        if pending > merge_every:
            key, weight = _reduce(np.concatenate(keys), np.concatenate(weights))
            keys, weights, pending = [key], [weight], len(key)
    key, weight = _reduce(np.concatenate(keys), np.concatenate(weights))
    return Cooccurrence(key // vocab_size, key % vocab_size, weight, vocab_size)


def glove_weight(x, x_max=100.0, alpha=0.75):
    """f(x) = (x / x_max)^alpha for x < x_max, else 1."""
    return np.minimum(1.0, (np.asarray(x, np.float64) / x_max) ** alpha)


class GloVe:
    """Parameters W, W~ (V, D) and biases b, b~ initialised U(-0.5/D, 0.5/D) as glove.c, and
    their AdaGrad accumulators, which start at 1 as in glove.c."""

    def __init__(self, vocab_size, dim, seed=0):
        rng = np.random.default_rng(seed)
        self.W, self.W_tilde = ((rng.random((2, vocab_size, dim)) - 0.5) / dim)
        self.b, self.b_tilde = ((rng.random((2, vocab_size)) - 0.5) / dim)
        self.params = [self.W, self.W_tilde, self.b, self.b_tilde]
        self.gradsq = [np.ones_like(p) for p in self.params]

    def _residual(self, rows, cols, values):
        dot = np.einsum("ij,ij->i", self.W[rows], self.W_tilde[cols])
        return dot + self.b[rows] + self.b_tilde[cols] - np.log(values)

    def loss(self, rows, cols, values, x_max=100.0, alpha=0.75):
        """J over the given nonzero entries."""
        diff = self._residual(rows, cols, values)
        return float((glove_weight(values, x_max, alpha) * diff ** 2).sum())

    def step(self, rows, cols, values, lr=0.05, x_max=100.0, alpha=0.75):
        """One AdaGrad step on J over a minibatch of entries: with e = 2 f(X_ij) diff_ij,
        dJ/dw_i = sum e w~_j, dJ/dw~_j = sum e w_i, dJ/db_i = dJ/db~_j = sum e; then for every
        touched row G += g^2, theta -= lr g / sqrt(G).  Returns J before the step; a NaN or
        infinite J is returned without a step, for the caller to stop on."""
        diff = self._residual(rows, cols, values)
        weight = glove_weight(values, x_max, alpha)
        loss = float((weight * diff ** 2).sum())
        if not math.isfinite(loss):
            return loss
        e = 2 * weight * diff
        grads = [e[:, None] * self.W_tilde[cols], e[:, None] * self.W[rows], e, e]
        for param, gradsq, index, grad in zip(self.params, self.gradsq,
                                              (rows, cols, rows, cols), grads):
            touched, total = sum_rows(index, grad)
            total = total.reshape((len(touched),) + grad.shape[1:])
            gradsq[touched] += total ** 2
            param[touched] -= lr * total / np.sqrt(gradsq[touched])
        return loss

    def vectors(self):
        """W + W~, the vectors the paper evaluates."""
        return (self.W + self.W_tilde).astype(np.float32)
