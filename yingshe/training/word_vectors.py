"""The training loops of the word-vector models: word2vec's row-sparse SGD (Mikolov et al.
2013; word2vec.c's schedule) and GloVe's AdaGrad over the nonzero co-occurrence entries
(Pennington, Socher & Manning 2014)."""
import time
from dataclasses import dataclass, field

import numpy as np

from .._backend import manual_seed
from ..models.glove import GloVe
from ..models.keyed_vectors import KeyedVectors
from ..models.word2vec import CBOWNS, SkipGramNS, context_mean, negative_sampling_loss
from ..ops.creation import from_numpy
from ..optim.sparse import SparseRowSGD
from ..text.sampling import (
    UnigramTable,
    cbow_windows,
    keep_probabilities,
    skipgram_pairs,
    subsample,
)
from .trainer import check_finite

__all__ = ["Word2VecRun", "train_word2vec", "GloVeRun", "train_glove"]


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
        for step, (start, batch) in enumerate(_batches(count, batch_size, rng), 1):
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
            v = inputs if model == "skipgram" else context_mean(inputs, weights)
            loss = negative_sampling_loss(v, outputs, reduction="sum")
            loss.backward()
            loss_sum += check_finite(loss.item(), f"{model} loss", epoch=epoch + 1, step=step)
            optimizer.step([in_index, out_index],
                           [inputs.grad.numpy(), outputs.grad.numpy()])
        losses.append(loss_sum / max(count, 1))
        speed = (epoch + 1) * len(ids) / (time.perf_counter() - start_time)
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f}, {count} examples, "
                f"{speed:,.0f} tokens/s")
    seconds = time.perf_counter() - start_time
    vectors = KeyedVectors(vocab.itos, net.vectors())
    return Word2VecRun(net, vectors, losses, total / seconds if seconds > 0 else 0.0)


@dataclass
class GloVeRun:
    """What ``train_glove`` returns: the model, its vectors (W + W~), the mean J per nonzero
    entry of each epoch, and the seconds it took."""
    model: GloVe
    vectors: KeyedVectors
    epoch_losses: list = field(default_factory=list)
    seconds: float = 0.0


def train_glove(cooccurrence, vocab, dim=50, epochs=25, lr=0.05, x_max=100.0, alpha=0.75,
                batch_size=4096, seed=0, log=None):
    """Fit GloVe to ``cooccurrence`` (a ``Cooccurrence``), shuffling the nonzero entries each
    epoch and taking one AdaGrad step per minibatch (defaults: the paper's lr 0.05,
    x_max 100, alpha 3/4).  ``vocab`` gives the words (a ``Vocab`` or a list)."""
    rng = np.random.default_rng(seed)
    model = GloVe(cooccurrence.size, dim, seed)
    c = cooccurrence
    losses, start = [], time.perf_counter()
    for epoch in range(epochs):
        order = rng.permutation(len(c))
        total = 0.0
        for i in range(0, len(order), batch_size):
            batch = order[i:i + batch_size]
            total += check_finite(
                model.step(c.rows[batch], c.cols[batch], c.values[batch], lr, x_max, alpha),
                "GloVe loss J", epoch=epoch + 1, step=i // batch_size + 1)
        losses.append(total / max(len(c), 1))
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}: J per entry {losses[-1]:.4f}")
    words = vocab.itos if hasattr(vocab, "itos") else list(vocab)
    return GloVeRun(model, KeyedVectors(words, model.vectors()), losses,
                    time.perf_counter() - start)
