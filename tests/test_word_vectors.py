"""Word vectors: word2vec's negative-sampling loss against a
PyTorch twin, its sampling steps, GloVe by hand, the evaluators on planted vectors, and a short
real run on PTB."""
import gzip

import numpy as np
import pytest
import torch

from yingshe import from_numpy
from yingshe.datasets.text import load_corpus, read_sentences
from yingshe.datasets.utils import DatasetIntegrityError
from yingshe.models.glove import GloVe, cooccurrence_matrix, glove_weight
from yingshe.models.keyed_vectors import (
    KeyedVectors,
    _SparseMatrix,
    evaluate_analogies,
    evaluate_similarity,
    load_word2vec_format,
    ppmi_svd_vectors,
    spearman,
)
from yingshe.models.word2vec import CBOWNS, SkipGramNS, negative_sampling_loss
from yingshe.optim import SparseRowSGD
from yingshe.text import UnigramTable, cbow_windows, keep_probabilities, skipgram_pairs, subsample
from yingshe.training.word_vectors import train_word2vec


def _torch_ns_loss(v, out_weight, targets, negatives):
    """-log sigma(u_o . v) - sum_k log sigma(-u_k . v), mean over the batch."""
    u_o = out_weight[torch.as_tensor(targets)]
    u_k = out_weight[torch.as_tensor(negatives)]
    positive = torch.nn.functional.logsigmoid((u_o * v).sum(-1))
    negative = torch.nn.functional.logsigmoid(-(u_k @ v.unsqueeze(2)).squeeze(2)).sum(1)
    return -(positive + negative).mean()


def _random_tables(model, rng):
    for table in (model.in_embed.weight, model.out_embed.weight):
        table.detach().numpy()[:] = rng.standard_normal(table.shape).astype(np.float32)
    return [torch.tensor(t.detach().numpy().copy(), requires_grad=True)
            for t in (model.in_embed.weight, model.out_embed.weight)]


def _check_grads(model, twin):
    for ours, theirs in zip((model.in_embed.weight, model.out_embed.weight), twin):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_skipgram_loss_and_gradients_match_torch():
    rng = np.random.default_rng(0)
    model = SkipGramNS(12, 5)
    twin = _random_tables(model, rng)
    centres, contexts = np.array([0, 3, 3, 7]), np.array([1, 2, 11, 3])
    negatives = np.array([[4, 5, 1], [0, 0, 9], [2, 3, 4], [3, 10, 6]])
    loss = model(centres, contexts, negatives)
    loss.backward()
    expected = _torch_ns_loss(twin[0][torch.as_tensor(centres)], twin[1], contexts, negatives)
    expected.backward()
    assert abs(loss.item() - expected.item()) < 1e-5
    _check_grads(model, twin)


def test_cbow_loss_and_gradients_match_torch():
    rng = np.random.default_rng(1)
    model = CBOWNS(10, 4)
    twin = _random_tables(model, rng)
    ids = rng.integers(0, 10, 30)
    centres, contexts, weights = cbow_windows(ids, 2, rng)
    centres, contexts, weights = centres[:6], contexts[:6], weights[:6]
    negatives = rng.integers(0, 10, (6, 4))
    loss = model(contexts, weights, centres, negatives)
    loss.backward()
    v = (twin[0][torch.as_tensor(contexts)] * torch.as_tensor(weights)[..., None]).sum(1)
    expected = _torch_ns_loss(v, twin[1], centres, negatives)
    expected.backward()
    assert abs(loss.item() - expected.item()) < 1e-5
    _check_grads(model, twin)


def test_subsampling_probabilities():
    counts = np.array([1000, 100, 10, 1])
    t = 1e-2
    f = counts / counts.sum()
    np.testing.assert_allclose(keep_probabilities(counts, t),
                               np.minimum(1, np.sqrt(t / f) + t / f))
    np.testing.assert_allclose(keep_probabilities(counts, t, "paper"),
                               np.minimum(1, np.sqrt(t / f)))
    assert keep_probabilities(counts, None).tolist() == [1, 1, 1, 1]
    rng = np.random.default_rng(0)
    ids = np.zeros(100_000, np.int64)
    kept = subsample(ids, keep_probabilities(counts, t), rng)
    p = np.sqrt(t / f[0]) + t / f[0]
    assert abs(len(kept) / len(ids) - p) < 4 * np.sqrt(p * (1 - p) / len(ids))


def test_unigram_table_statistics():
    counts = np.array([500, 200, 50, 10, 1, 0])
    table = UnigramTable(counts, table_size=1_000_000)
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(table.probs, expected)
    draws = table.sample(100_000, np.random.default_rng(0))
    observed = np.bincount(draws, minlength=len(counts)) / len(draws)
    sigma = np.sqrt(expected * (1 - expected) / len(draws))
    assert (np.abs(observed - expected) <= 4 * sigma + 1e-5).all()
    assert observed[-1] == 0


def test_dynamic_window_statistics():
    window, n = 4, 20_000
    centres, contexts = skipgram_pairs(np.arange(n), window, np.random.default_rng(0))
    distance = np.abs(contexts - centres)
    assert distance.min() == 1 and distance.max() == window
    interior = (centres >= window) & (centres < n - window)
    share = np.bincount(distance[interior], minlength=window + 1)[1:] / interior.sum()
    expected = window - np.arange(1, window + 1) + 1.0  # P(distance d) ~ P(b >= d)
    np.testing.assert_allclose(share, expected / expected.sum(), atol=0.01)
    assert abs(interior.sum() / (n - 2 * window) - (window + 1)) < 0.05  # E[2b] = window + 1
    centre_ids, ctx, weights = cbow_windows(np.arange(50), 3, np.random.default_rng(1))
    np.testing.assert_allclose(weights.sum(1), 1, rtol=1e-6)
    used = weights > 0
    assert (np.abs(ctx - centre_ids[:, None])[used] <= 3).all()


def test_glove_loss_and_adagrad_step_by_hand():
    model = GloVe(3, 2)
    model.W[:] = [[0.1, 0.2], [0.3, -0.1], [0.0, 0.4]]
    model.W_tilde[:] = [[0.2, 0.1], [-0.2, 0.3], [0.1, 0.1]]
    model.b[:], model.b_tilde[:] = [0.1, 0.0, -0.1], [0.05, 0.1, 0.0]
    rows, cols, values = np.array([0, 0, 2]), np.array([1, 2, 0]), np.array([2.0, 150.0, 0.5])
    start = [p.copy() for p in model.params]
    loss, grads = 0.0, [np.zeros_like(p) for p in start]
    for i, j, x in zip(rows, cols, values):
        f = min(1.0, (x / 100) ** 0.75)
        diff = start[0][i] @ start[1][j] + start[2][i] + start[3][j] - np.log(x)
        loss += f * diff ** 2
        grads[0][i] += 2 * f * diff * start[1][j]
        grads[1][j] += 2 * f * diff * start[0][i]
        grads[2][i] += 2 * f * diff
        grads[3][j] += 2 * f * diff
    assert model.loss(rows, cols, values) == pytest.approx(loss, rel=1e-12)
    assert model.step(rows, cols, values, lr=0.05) == pytest.approx(loss, rel=1e-12)
    for param, before, grad in zip(model.params, start, grads):
        np.testing.assert_allclose(param, before - 0.05 * grad / np.sqrt(1 + grad ** 2),
                                   rtol=1e-12)
    assert glove_weight(250.0) == 1.0


def test_cooccurrence_distance_weighting():
    c = cooccurrence_matrix(np.array([0, 1, 2, 0]), 3, window=2)
    expected = np.zeros((3, 3))
    for i, j, w in [(0, 1, 1), (1, 2, 1), (2, 0, 1), (0, 2, 0.5), (1, 0, 0.5)]:
        expected[i, j] += w
        expected[j, i] += w
    np.testing.assert_allclose(c.to_dense(), expected)


def _planted_vectors():
    rng = np.random.default_rng(0)
    royal, male, female, noise = np.eye(4)
    words = {"king": royal + male, "queen": royal + female, "man": male, "woman": female,
             "prince": royal + male + 0.3 * noise, "boy": male + 0.3 * noise}
    names = list(words) + [f"w{i}" for i in range(20)]
    vectors = np.vstack([np.pad(v, (0, 4)) for v in words.values()]
                        + [rng.standard_normal((20, 8)) * 0.2 + 0.5])
    return KeyedVectors(names, vectors)


def test_analogy_on_planted_vectors(tmp_path):
    kv = _planted_vectors()
    assert kv.analogy("man", "king", "woman") == "queen"
    assert kv.most_similar("king", topn=1)[0][0] == "prince"
    sections = ["capital-common-countries", "capital-world", "currency", "city-in-state",
                "family", "gram1-adjective-to-adverb"]
    lines = []
    for name in sections:
        lines += [f": {name}", "man king woman queen", "Man Woman King Queen",
                  "man king woman missing"]
    lines[-3] = "man king woman boy"  # one wrong answer in the syntactic section
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(lines) + "\n")
    result = evaluate_analogies(kv, path)
    assert (result["total"], result["covered"], result["correct"]) == (18, 12, 11)
    assert result["coverage"] == pytest.approx(12 / 18)
    assert result["semantic"]["accuracy"] == 1.0
    assert result["syntactic"]["accuracy"] == 0.5
    assert result["sections"]["family"]["covered"] == 2


def _reference_ranks(x):
    x = np.asarray(x, float)
    return np.array([1 + (x < v).sum() + 0.5 * ((x == v).sum() - 1) for v in x])


def test_spearman_and_similarity_evaluator(tmp_path):
    x, y = [1, 2, 2, 3, 5, 5, 5], [2, 1, 4, 3, 7, 6, 6]
    expected = np.corrcoef(_reference_ranks(x), _reference_ranks(y))[0, 1]
    assert spearman(x, y) == pytest.approx(expected, rel=1e-12)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    kv = _planted_vectors()
    path = tmp_path / "pairs.tab"
    path.write_text("Word 1\tWord 2\tHuman (mean)\r\nKing\tqueen\t8.5\r\nking\tprince\t9\r\n"
                    "man\tw3\t1.0\r\nking\tunseen\t5\r\n")
    result = evaluate_similarity(kv, path)
    assert (result["covered"], result["total"]) == (3, 4)
    human = [8.5, 9.0, 1.0]
    cosines = [kv.similarity("king", "queen"), kv.similarity("king", "prince"),
               kv.similarity("man", "w3")]
    assert result["spearman"] == pytest.approx(spearman(human, cosines))


def test_word2vec_text_format_round_trip(tmp_path):
    kv = _planted_vectors()
    kv.save_word2vec_format(tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_text().splitlines()[0] == "26 8"
    loaded = load_word2vec_format(tmp_path / "v.txt")
    assert loaded.words == kv.words
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


@pytest.mark.parametrize("gathered", [False, True])
def test_sparse_row_update_touches_only_batch_rows(gathered):
    model = SkipGramNS(40, 6)
    tables = (model.in_embed.weight, model.out_embed.weight)
    tables[1].detach().numpy()[:] = 0.1
    before = [t.detach().numpy().copy() for t in tables]
    centres, contexts, negatives = np.array([1, 5, 5]), np.array([2, 3, 9]), np.array([[7], [8],
                                                                                       [2]])
    model(centres, contexts, negatives).backward()
    dense = [b - 0.5 * t.grad.numpy() for b, t in zip(before, tables)]
    rows = [centres, np.concatenate([contexts[:, None], negatives], 1)]
    optimizer = SparseRowSGD(tables, lr=0.5)
    if gathered:  # gradients of the looked-up rows, as train_word2vec computes them
        optimizer.zero_grad()
        leaves = [from_numpy(b[r]).requires_grad_() for b, r in zip(before, rows)]
        negative_sampling_loss(*leaves).backward()
        optimizer.step(rows, [leaf.grad.numpy() for leaf in leaves])
    else:
        optimizer.step(rows)
    for table, old, new, used in zip(tables, before, dense, ([1, 5], [2, 3, 7, 8, 9])):
        after = table.detach().numpy()
        untouched = np.setdiff1d(np.arange(40), used)
        np.testing.assert_array_equal(after[untouched], old[untouched])
        assert (after[used] != old[used]).any(1).all()
        np.testing.assert_allclose(after, new, rtol=1e-6)


def test_corpus_reader_names_missing_or_damaged_file(tmp_path):
    with pytest.raises(DatasetIntegrityError, match="ptb.train.txt.gz"):
        next(read_sentences("ptb", "train", root=tmp_path))
    (tmp_path / "ptb").mkdir()
    (tmp_path / "ptb" / "ptb.train.txt.gz").write_bytes(gzip.compress(b"not ptb\n"))
    with pytest.raises(DatasetIntegrityError, match="ptb.train.txt.gz.*MD5"):
        next(read_sentences("ptb", "train", root=tmp_path))


def test_ppmi_svd_baseline_on_a_tiny_matrix():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 5, (6, 6)).astype(float)
    counts += counts.T
    kv = ppmi_svd_vectors(counts, list("abcdef"), dim=6, context_power=1.0, eig=1.0)
    with np.errstate(divide="ignore"):
        pmi = np.log(counts * counts.sum() / counts.sum(1, keepdims=True)
                     / counts.sum(0, keepdims=True))
    ppmi = np.maximum(pmi, 0)
    np.testing.assert_allclose(kv.vectors @ kv.vectors.T, ppmi @ ppmi.T, atol=1e-4)
    sparse = _SparseMatrix(*np.nonzero(ppmi), ppmi[np.nonzero(ppmi)], ppmi.shape)
    dense = rng.standard_normal((6, 3))
    np.testing.assert_allclose(sparse @ dense, ppmi @ dense)
    np.testing.assert_allclose(sparse.T @ dense, ppmi.T @ dense)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_short_ptb_run_lowers_the_loss(data_root, model):
    ids, vocab = load_corpus("ptb", "train", root=data_root, min_freq=2, max_tokens=20_000)
    assert len(vocab) > 1000 and vocab.itos[0] == "the"
    run = train_word2vec(ids, vocab, model=model, dim=24, window=3, negatives=5, epochs=3,
                         batch_size=256, seed=0, kernel="autograd")
    assert run.epoch_losses[-1] < run.epoch_losses[0] - 0.1
    assert run.tokens_per_s > 0 and run.vectors.vectors.shape == (len(vocab), 24)


def test_word_vector_training_stops_on_a_nan_loss():
    from yingshe.text import Vocab
    from yingshe.training import NonFiniteLossError
    from yingshe.training.word_vectors import train_glove
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 20, 2000)
    vocab = Vocab.from_tokens([f"w{i}" for i in range(20)] * 2)
    # a NaN learning rate poisons the weights in step 1, so step 2's loss is NaN
    with pytest.raises(NonFiniteLossError, match=r"epoch 1, step 2: the skipgram loss is nan"):
        train_word2vec(ids, vocab, model="skipgram", dim=8, window=2, negatives=2, epochs=1,
                       batch_size=64, lr=float("nan"), seed=0, kernel="autograd")
    with pytest.raises(NonFiniteLossError, match=r"epoch 1, step 2: the GloVe loss J is nan"):
        train_glove(cooccurrence_matrix(ids, 20, window=2), vocab.itos, dim=8, epochs=1,
                    lr=float("nan"), batch_size=16)
