"""The training loops of the word-vector models: word2vec's SGD (Mikolov et al. 2013;
word2vec.c's schedule), per example in a compiled kernel or row-sparse through autograd, and
GloVe's AdaGrad over the nonzero co-occurrence entries (Pennington, Socher & Manning 2014)."""
import time
from dataclasses import dataclass, field

import numpy as np

from .._backend import manual_seed
from ..models.glove import GloVe
from ..models.keyed_vectors import KeyedVectors
from ..models.word2vec import CBOWNS, SkipGramNS, context_mean, negative_sampling_loss
from ..ops._compiled import compiled_enabled
from ..ops.creation import from_numpy
from ..optim.sparse import SparseRowSGD
from ..text import sampling
from .trainer import check_finite

__all__ = ["Word2VecRun", "KERNELS", "train_word2vec", "GloVeRun", "train_glove"]


@dataclass
class Word2VecRun:
    """What ``train_word2vec`` returns: the model, its vectors, the mean loss of each epoch,
    the training speed in corpus tokens per second and the kernel that trained it."""
    model: object
    vectors: KeyedVectors
    epoch_losses: list = field(default_factory=list)
    tokens_per_s: float = 0.0
    kernel: str = "autograd"


KERNELS = ("auto", "compiled", "autograd")  # train_word2vec's kernel= choices


def _compiled_module():
    """``_word2vec_compiled`` (which imports numba), or None when numba is missing or the
    compiled kernels are switched off."""
    if not compiled_enabled():
        return None
    try:
        from . import _word2vec_compiled
    except ImportError:
        return None
    return _word2vec_compiled


def _choose_kernel(kernel, batch_size, workers):
    """The kernel ``kernel`` names ("auto": compiled when numba is available), after checking
    that ``batch_size`` and ``workers`` apply to it."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(map(repr, KERNELS))}, got "
                         f"{kernel!r}")
    if not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    available = _compiled_module() is not None
    if kernel == "auto":
        kernel = "compiled" if available else "autograd"
    if kernel == "compiled" and not available:
        why = "switched off (YINGSHE_NUMBA=0)" if not compiled_enabled() else \
            "not installed (pip install 'yingshe[fast]')"
        raise ImportError(f"kernel='compiled' needs numba, which is {why}; "
                          f"kernel='autograd' trains without it")
    if kernel == "compiled" and batch_size is not None:
        raise ValueError(f"batch_size={batch_size} applies to kernel='autograd' only: the "
                         f"compiled kernel updates the tables after every example")
    if kernel == "autograd" and workers != 1:
        raise ValueError(f"workers={workers} applies to kernel='compiled' only: the autograd "
                         f"kernel is one loop of minibatches")
    return kernel


def _check_corpus(corpus_ids, vocab):
    """``corpus_ids`` as an int64 array, with a ValueError for an empty corpus or an id that
    is not a row of the vocabulary."""
    ids = np.asarray(corpus_ids)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise ValueError(f"corpus_ids must be a 1-D stream of integer word ids, got shape "
                         f"{ids.shape} dtype {ids.dtype}")
    if ids.size == 0:
        raise ValueError("the corpus is empty: no word ids to train on")
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= len(vocab):
        raise ValueError(f"corpus word ids must lie in [0, {len(vocab)}) for a vocabulary of "
                         f"{len(vocab)} words; got ids from {low} to {high}")
    return ids.astype(np.int64)


def _leaf(table, index):
    """A copy of the rows ``index`` of ``table`` as a leaf that collects their gradient."""
    return from_numpy(table.detach().numpy()[index]).requires_grad_()


def _batches(count, batch_size, rng):
    order = rng.permutation(count)
    for start in range(0, count, batch_size):
        yield start, order[start:start + batch_size]


def _autograd_epochs(net, model, table, window, negatives, lr, epochs, batch_size):
    """The epoch function of the textbook path: shuffled minibatches of examples, the loss
    differentiated by autograd with respect to the looked-up rows, ``SparseRowSGD`` on those
    rows; the loss is checked before each step."""
    optimizer = SparseRowSGD([net.in_embed.weight, net.out_embed.weight], lr=lr)

    def train_epoch(kept, epoch, rng):
        if model == "skipgram":
            examples = sampling.skipgram_pairs(kept, window, rng)
        else:
            examples = sampling.cbow_windows(kept, window, rng)
        count = len(examples[0])
        loss_sum = 0.0
        for step, (start, batch) in enumerate(_batches(count, batch_size, rng), 1):
            done = (epoch + start / max(count, 1)) / epochs
            optimizer.param_groups[0]["lr"] = lr * max(1e-4, 1 - done)
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
        return loss_sum, count

    return train_epoch


def _compiled_epochs(net, model, table, window, negatives, lr, epochs, workers):
    """The epoch function of the compiled path (``_word2vec_compiled``): the dynamic windows
    drawn here, then one SGD step per example in corpus order on ``workers`` threads; the
    epoch's loss is checked at its end."""
    kernel = _compiled_module()
    weights = (net.in_embed.weight, net.out_embed.weight)
    syn0, syn1 = (w.detach().numpy() for w in weights)

    def train_epoch(kept, epoch, rng):
        spans = sampling.reduced_windows(len(kept), window, rng)
        seeds = rng.integers(0, np.iinfo(np.int64).max, size=workers, dtype=np.int64)
        loss_sum, count = kernel.train_epoch(syn0, syn1, kept, spans, table.table, negatives,
                                             model == "cbow", lr, epoch, epochs,
                                             seeds.astype(np.uint64))
        for w in weights:
            w._bump_version()
        check_finite(loss_sum, f"{model} loss", epoch=epoch + 1)
        return loss_sum, count

    return train_epoch


def train_word2vec(corpus_ids, vocab, model="skipgram", dim=100, window=5, negatives=5,
                   epochs=1, lr=None, batch_size=None, seed=0, subsample_t=1e-3, kernel="auto",
                   workers=1, log=None):
    """Train skip-gram or CBOW with negative sampling on the int stream ``corpus_ids``.

    Per epoch: subsample frequent words (word2vec.c's keep = sqrt(t/f) + t/f), draw dynamic
    windows (b ~ U{1..window}) and, per example, ``negatives`` noise words from the
    unigram^0.75 table.  ``lr`` is word2vec's per-example ``alpha`` (default 0.025 skip-gram,
    0.05 CBOW); it decays linearly to lr * 1e-4 over all epochs as in word2vec.c.

    ``kernel="compiled"`` (numba, the ``fast`` extra; ``"auto"`` picks it when numba is
    available) runs word2vec.c's loop: one SGD step per example in corpus order straight into
    the two tables, on ``workers`` threads over chunks of the corpus without locks (Hogwild; a
    seeded run with one worker is reproducible), skipping a noise word equal to the target
    (``_word2vec_compiled``).  ``kernel="autograd"``, the textbook path, shuffles the examples
    into minibatches of ``batch_size`` (default 256), differentiates the loss summed over the
    batch with respect to the looked-up rows, and ``SparseRowSGD`` updates those rows only (a
    noise word equal to the target is kept).  ``log`` (a callable) gets progress lines;
    ``tokens_per_s`` counts corpus tokens before subsampling."""
    if model not in ("skipgram", "cbow"):
        raise ValueError(f"model must be 'skipgram' or 'cbow', got {model!r}")
    kernel = _choose_kernel(kernel, batch_size, workers)
    ids = _check_corpus(corpus_ids, vocab)
    lr = lr if lr is not None else (0.025 if model == "skipgram" else 0.05)
    rng = np.random.default_rng(seed)
    manual_seed(seed)
    net = (SkipGramNS if model == "skipgram" else CBOWNS)(len(vocab), dim)
    table = sampling.UnigramTable(vocab.counts)
    keep = sampling.keep_probabilities(vocab.counts, subsample_t)
    if kernel == "compiled":
        train_epoch = _compiled_epochs(net, model, table, window, negatives, lr, epochs, workers)
    else:
        train_epoch = _autograd_epochs(net, model, table, window, negatives, lr, epochs,
                                       batch_size or 256)
    losses, start_time = [], time.perf_counter()
    for epoch in range(epochs):
        loss_sum, count = train_epoch(sampling.subsample(ids, keep, rng), epoch, rng)
        losses.append(loss_sum / max(count, 1))
        speed = (epoch + 1) * len(ids) / (time.perf_counter() - start_time)
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f}, {count} examples, "
                f"{speed:,.0f} tokens/s")
    seconds = time.perf_counter() - start_time
    vectors = KeyedVectors(vocab.itos, net.vectors())
    return Word2VecRun(net, vectors, losses, epochs * len(ids) / seconds if seconds > 0 else 0.0,
                       kernel)


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
