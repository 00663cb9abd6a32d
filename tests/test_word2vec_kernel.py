"""word2vec's compiled per-example kernel (yingshe/training/_word2vec_compiled.py): one step
against the closed-form update, a sequence of steps against the autograd path at batch size 1,
word2vec.c's noise generator, a short PTB run, and the errors of ``train_word2vec``.  Skipped
without numba (the ``fast`` extra)."""
import numpy as np
import pytest

from yingshe import from_numpy
from yingshe.datasets.text import load_corpus
from yingshe.models.word2vec import CBOWNS, SkipGramNS, context_mean, negative_sampling_loss
from yingshe.ops import _compiled
from yingshe.optim import SparseRowSGD
from yingshe.text import Vocab, cbow_windows, skipgram_pairs
from yingshe.training import NonFiniteLossError
from yingshe.training.word_vectors import train_word2vec

kernel = pytest.importorskip("yingshe.training._word2vec_compiled")  # it imports numba


def _tables(rng, vocab_size, dim, scale):
    return [(rng.standard_normal((vocab_size, dim)) * scale).astype(np.float32)
            for _ in range(2)]


def _softplus(x):
    return np.logaddexp(0.0, x)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("inputs", [[4], [2, 7, 2]], ids=["skipgram", "cbow"])
@pytest.mark.parametrize("scale", [0.3, 3.0], ids=["small", "saturated"])
def test_one_step_is_the_closed_form_update(inputs, scale):
    """v = mean of the input rows; u_w += alpha (label_w - sigma(u_w . v)) v for the true word
    and the noise words; each input row += alpha sum_w (label_w - sigma(u_w . v)) u_w / m."""
    rng = np.random.default_rng(0)
    syn0, syn1 = _tables(rng, 10, 6, scale)
    before0, before1 = syn0.astype(np.float64), syn1.astype(np.float64)
    outputs, labels, alpha = np.array([3, 0, 8, 5]), np.array([1.0, 0, 0, 0]), 0.2
    v = before0[inputs].mean(0)
    scores = before1[outputs] @ v
    g = alpha * (labels - _sigmoid(scores))
    expected0, expected1 = before0.copy(), before1.copy()
    expected1[outputs] += g[:, None] * v
    for row in inputs:
        expected0[row] += g @ before1[outputs] / len(inputs)
    loss = kernel.negative_sampling_step(syn0, syn1, np.array(inputs), len(inputs), outputs,
                                         len(outputs), alpha, np.empty(6, np.float32),
                                         np.empty(6, np.float32))
    assert loss == pytest.approx(_softplus(-scores[0]) + _softplus(scores[1:]).sum(), rel=1e-5)
    np.testing.assert_allclose(syn0, expected0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, expected1, rtol=1e-5, atol=1e-6)
    untouched = np.setdiff1d(np.arange(10), inputs)
    np.testing.assert_array_equal(syn0[untouched], before0[untouched].astype(np.float32))


def _examples(model, rng):
    """(input rows, output rows) of 30 examples of a random corpus: the pairs or windows the
    autograd path trains on, each with 4 noise words distinct from each other and the target."""
    ids = rng.integers(0, 25, 40)
    if model == "skipgram":
        centres, contexts = skipgram_pairs(ids, 2, rng)
        inputs, targets, weights = centres[:, None], contexts, np.ones((len(centres), 1))
    else:
        targets, inputs, weights = cbow_windows(ids, 2, rng)
    examples = []
    for i in rng.permutation(len(targets))[:30]:
        noise = rng.choice(np.setdiff1d(np.arange(25), targets[i]), 4, replace=False)
        examples.append((inputs[i][weights[i] > 0], inputs[i], weights[i:i + 1],
                         np.concatenate([[targets[i]], noise])))
    return examples


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_per_example_steps_equal_the_autograd_path_at_batch_size_1(model):
    rng = np.random.default_rng(1)
    net = (SkipGramNS if model == "skipgram" else CBOWNS)(25, 8)
    weights = (net.in_embed.weight, net.out_embed.weight)
    syn0, syn1 = _tables(rng, 25, 8, 0.5)
    for table, start in zip(weights, (syn0, syn1)):
        table.detach().numpy()[:] = start
    optimizer = SparseRowSGD(list(weights), lr=0.1)
    v, e = np.empty(8, np.float32), np.empty(8, np.float32)
    for used, row_inputs, row_weights, outputs in _examples(model, rng):
        # the autograd path's step (train_word2vec's _autograd_epochs) on one example
        in_index = row_inputs if model == "skipgram" else row_inputs[None, :]
        out_index = outputs[None, :]
        leaves = [from_numpy(w.detach().numpy()[i]).requires_grad_()
                  for w, i in ((weights[0], in_index), (weights[1], out_index))]
        vector = leaves[0] if model == "skipgram" else context_mean(leaves[0], row_weights)
        loss = negative_sampling_loss(vector, leaves[1], reduction="sum")
        loss.backward()
        optimizer.step([in_index, out_index], [leaf.grad.numpy() for leaf in leaves])
        compiled_loss = kernel.negative_sampling_step(syn0, syn1, used, len(used), outputs,
                                                      len(outputs), 0.1, v, e)
        assert compiled_loss == pytest.approx(loss.item(), rel=1e-5)
    np.testing.assert_allclose(syn0, weights[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, weights[1].detach().numpy(), rtol=1e-5, atol=1e-6)


def test_noise_words_follow_word2vec_c_generator_and_skip_the_target():
    table = np.array([3, 3, 5, 7, 3, 9, 3], np.int32)
    outputs = np.empty(9, np.int64)
    count, state = kernel.draw_outputs(3, table, 8, np.uint64(12345), outputs)
    expected, r = [3], 12345
    for _ in range(8):  # word2vec.c: next_random = next_random * 25214903917 + 11
        r = (r * 25214903917 + 11) % 2 ** 64
        word = int(table[(r >> 32) * len(table) >> 32])  # the top 32 bits scaled to the table
        if word != 3:
            expected.append(word)
    assert (count, int(state)) == (len(expected), r)
    assert outputs[:count].tolist() == expected and len(expected) < 9


def _rank(kv, word, other):
    """Where ``other`` comes among all words by cosine similarity to ``word`` (0: nearest)."""
    unit = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    order = np.argsort(-(unit @ unit[kv.words.index(word)]))
    return int(np.nonzero(order == kv.words.index(other))[0][0]) - 1  # the word itself first


RELATED = [("million", "billion"), ("president", "chairman"), ("buy", "sell"),
           ("rose", "fell"), ("year", "month"), ("up", "down"), ("two", "three"),
           ("he", "she"), ("company", "firm"), ("stock", "shares")]


@pytest.mark.parametrize("model, workers", [("skipgram", 1), ("skipgram", 2), ("cbow", 1)])
def test_short_ptb_run_learns_related_words(data_root, model, workers):
    ids, vocab = load_corpus("ptb", "train", root=data_root, min_freq=5, max_tokens=100_000)
    run = train_word2vec(ids, vocab, model=model, dim=32, window=5, epochs=3, seed=0,
                         workers=workers, kernel="compiled")
    assert run.kernel == "compiled"
    assert run.epoch_losses[-1] < run.epoch_losses[0] - 0.3
    kv = run.vectors
    assert _rank(kv, "million", "billion") < 10
    percentiles = [_rank(kv, a, b) / len(kv) for a, b in RELATED]
    assert np.median(percentiles) < 0.1  # unrelated words: 0.5


def _tiny(**options):
    rng = np.random.default_rng(0)
    vocab = Vocab.from_tokens([f"w{i}" for i in range(20)] * 2)
    return train_word2vec(rng.integers(0, 20, 2000), vocab, dim=8, window=2, negatives=2,
                          **options)


def test_a_seeded_run_on_one_worker_is_reproducible():
    first, second = _tiny(kernel="compiled", seed=3), _tiny(kernel="compiled", seed=3)
    np.testing.assert_array_equal(first.vectors.vectors, second.vectors.vectors)
    assert first.epoch_losses == second.epoch_losses
    assert not np.array_equal(first.vectors.vectors, _tiny(kernel="compiled", seed=4)
                              .vectors.vectors)


def test_auto_follows_the_compiled_switch():
    assert _tiny().kernel == "compiled"
    old = _compiled.use_compiled(False)
    try:
        assert _tiny().kernel == "autograd"
        with pytest.raises(ImportError, match=r"kernel='compiled' needs numba, which is "
                                              r"switched off \(YINGSHE_NUMBA=0\)"):
            _tiny(kernel="compiled")
    finally:
        _compiled.use_compiled(old)


def test_bad_input_gets_a_clear_error():
    vocab = Vocab.from_tokens(["a", "b", "c"])
    with pytest.raises(ValueError, match="the corpus is empty"):
        train_word2vec([], vocab)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 3\) .* got ids from 0 to 3"):
        train_word2vec([0, 1, 3], vocab)
    with pytest.raises(ValueError, match=r"got ids from -1 to 2"):
        train_word2vec([2, -1], vocab, kernel="autograd")
    with pytest.raises(ValueError, match=r"1-D stream of integer word ids, got shape \(2,\) "
                                         r"dtype float64"):
        train_word2vec([0.0, 1.0], vocab)
    for workers in (0, -2, 1.5):
        with pytest.raises(ValueError, match=rf"workers must be an integer >= 1, got {workers}"):
            train_word2vec([0, 1], vocab, workers=workers)
    with pytest.raises(ValueError, match="kernel must be one of 'auto', 'compiled', "
                                         "'autograd', got 'cuda'"):
        train_word2vec([0, 1], vocab, kernel="cuda")
    with pytest.raises(ValueError, match="batch_size=64 applies to kernel='autograd' only"):
        train_word2vec([0, 1], vocab, kernel="compiled", batch_size=64)
    with pytest.raises(ValueError, match="workers=2 applies to kernel='compiled' only"):
        train_word2vec([0, 1], vocab, kernel="autograd", workers=2)


def test_a_nan_learning_rate_stops_the_run_after_the_epoch():
    with pytest.raises(NonFiniteLossError, match=r"epoch 1: the cbow loss is nan"):
        _tiny(model="cbow", kernel="compiled", lr=float("nan"))
