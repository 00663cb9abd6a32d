"""CTC loss against torch.nn.functional.ctc_loss (values and gradients over random shapes,
padded and concatenated targets, empty targets, repeated labels, the minimum input length,
infeasible inputs with and without zero_infinity), against a brute-force sum over every
alignment, float64 finite differences through log_softmax, and the decoders on hand-made
distributions."""
import itertools

import numpy as np
import pytest
import torch

import yingshe
import yingshe.nn.functional as F
from helpers import check_op, check_raises
from yingshe.audio import collapse, ctc_greedy_decode, ctc_prefix_beam_search
from yingshe.autograd import gradcheck


def _log_softmax(rng, shape):
    return torch.tensor(rng.standard_normal(shape)).log_softmax(-1).numpy()


def _random_case(rng, concatenated=False):
    frames, batch, classes = (int(rng.integers(1, 14)), int(rng.integers(1, 5)),
                              int(rng.integers(2, 7)))
    longest = int(rng.integers(0, 6))
    blank = int(rng.integers(0, classes))
    labels = [c for c in range(classes) if c != blank]
    targets = rng.choice(labels, (batch, longest)) if longest else np.zeros((batch, 0), np.int64)
    input_lengths = rng.integers(0, frames + 1, batch)
    target_lengths = rng.integers(0, longest + 1, batch)
    if concatenated:
        targets = np.concatenate([row[:n] for row, n in zip(targets, target_lengths)]).astype(
            np.int64)
    return _log_softmax(rng, (frames, batch, classes)), targets, input_lengths, target_lengths, \
        blank


def _check_against_torch(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                         zero_infinity, **options):
    check_op(lambda x, t, i, s: F.ctc_loss(x, t, i, s, blank, reduction, zero_infinity),
             lambda x, t, i, s: torch.nn.functional.ctc_loss(x, t, i, s, blank, reduction,
                                                            zero_infinity),
             [log_probs, targets, input_lengths, target_lengths],
             check_gradcheck=False, check_gradgrad=False, **options)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("seed", range(30))
def test_ctc_loss_matches_torch_on_random_cases(seed):
    rng = np.random.default_rng(seed)
    case = _random_case(rng, concatenated=seed % 3 == 2)
    _check_against_torch(*case, ("mean", "sum", "none")[seed % 3], bool(seed % 2))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ctc_loss_on_a_realistic_batch(reduction):
    rng = np.random.default_rng(7)
    batch, frames, classes = 6, 40, 11
    target_lengths = np.array([1, 7, 3, 0, 5, 7])
    targets = rng.integers(1, classes, (batch, 7))
    targets[1, 2:4] = 4  # a repeated pair
    input_lengths = np.array([40, 33, 12, 5, 40, 16])
    _check_against_torch(_log_softmax(rng, (frames, batch, classes)), targets, input_lengths,
                         target_lengths, 0, reduction, False)


def _minimum_frames(labels):
    """S plus one blank between each repeated pair: the fewest frames a labelling needs."""
    return len(labels) + sum(a == b for a, b in itertools.pairwise(labels))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("labels", [[1, 1], [2, 2, 2], [1, 2, 1], [3], [1, 1, 2, 2]])
def test_minimum_input_length_is_feasible_and_one_less_is_not(labels):
    rng = np.random.default_rng(len(labels))
    need = _minimum_frames(labels)
    log_probs = _log_softmax(rng, (need + 1, 2, 4))
    targets = np.array([labels, labels])
    lengths = np.array([need, need - 1])
    target_lengths = np.array([len(labels)] * 2)
    losses = F.ctc_loss(yingshe.tensor(log_probs, dtype=yingshe.float64),
                        yingshe.tensor(targets), yingshe.tensor(lengths),
                        yingshe.tensor(target_lengths), reduction="none").numpy()
    assert np.isfinite(losses[0]) and losses[1] == np.inf
    for zero_infinity in (False, True):
        for reduction in ("none", "sum", "mean"):
            _check_against_torch(log_probs, targets, lengths, target_lengths, 0, reduction,
                                 zero_infinity, dtypes=("float64",))
    zeroed = F.ctc_loss(yingshe.tensor(log_probs, requires_grad=True), yingshe.tensor(targets),
                        yingshe.tensor(lengths), yingshe.tensor(target_lengths),
                        reduction="none", zero_infinity=True)
    assert zeroed[1].item() == 0.0


def test_empty_targets_and_empty_inputs():
    """An empty target's loss is -sum_t log y_t[blank]; no frames and no labels costs 0."""
    rng = np.random.default_rng(2)
    log_probs = _log_softmax(rng, (5, 3, 4))
    targets = np.zeros((3, 0), np.int64)
    lengths = np.array([5, 2, 0])
    losses = F.ctc_loss(yingshe.tensor(log_probs, dtype=yingshe.float64), yingshe.tensor(targets),
                        yingshe.tensor(lengths), yingshe.tensor([0, 0, 0]), reduction="none")
    expected = [-log_probs[:5, 0, 0].sum(), -log_probs[:2, 1, 0].sum(), 0.0]
    np.testing.assert_allclose(losses.numpy(), expected, rtol=1e-12)
    for reduction in ("none", "mean"):
        _check_against_torch(log_probs, targets, lengths, np.zeros(3, np.int64), 0, reduction,
                             False)


def _brute_force_nll(log_probs, labels, blank):
    """-log of the sum of p(path) over every path of T frames that collapses to ``labels``."""
    frames, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=frames):
        if collapse(path, blank) == list(labels):
            total += np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -np.log(total)


@pytest.mark.parametrize("labels, blank", [([1, 2], 0), ([1, 1], 0), ([0], 2), ([], 1),
                                           ([2, 1, 2], 0)])
def test_loss_is_the_sum_over_every_alignment(labels, blank):
    rng = np.random.default_rng(sum(labels) + blank)
    log_probs = _log_softmax(rng, (5, 3))
    loss = F.ctc_loss(yingshe.tensor(log_probs, dtype=yingshe.float64),
                      yingshe.tensor(labels, dtype=yingshe.int64), 5, len(labels), blank=blank,
                      reduction="sum")
    np.testing.assert_allclose(loss.item(), _brute_force_nll(log_probs, labels, blank),
                               rtol=1e-10)


def test_gradient_through_log_softmax_matches_finite_differences():
    """The gradient with respect to log_probs is PyTorch's (see ``CtcLoss``); through
    log_softmax it is the exact derivative, checked in float64 by finite differences."""
    rng = np.random.default_rng(3)
    logits = yingshe.tensor(rng.standard_normal((6, 2, 4)), dtype=yingshe.float64,
                            requires_grad=True)
    targets = yingshe.tensor([[1, 1, 3], [2, 3, 0]])
    for reduction in ("mean", "sum", "none"):
        assert gradcheck(lambda z: F.ctc_loss(F.log_softmax(z, -1), targets, [6, 5], [3, 2],
                                              reduction=reduction), (logits,), eps=1e-6,
                         atol=1e-6, rtol=1e-5)


def test_unbatched_input_and_the_module():
    rng = np.random.default_rng(4)
    log_probs = _log_softmax(rng, (7, 5))
    check_op(lambda x, t: F.ctc_loss(x, t, 7, 3, reduction="none"),
             lambda x, t: torch.nn.functional.ctc_loss(x, t, torch.tensor(7), torch.tensor(3),
                                                       reduction="none"),
             [log_probs, np.array([1, 4, 4])], check_gradcheck=False, check_gradgrad=False)
    batched = _log_softmax(rng, (7, 2, 5))
    module = yingshe.nn.CTCLoss(blank=4, reduction="sum", zero_infinity=True)
    reference = torch.nn.CTCLoss(blank=4, reduction="sum", zero_infinity=True)
    check_op(lambda x, t: module(x, t, (7, 6), (2, 3)),
             lambda x, t: reference(x, t, (7, 6), (2, 3)),
             [batched, np.array([[1, 1, 0], [2, 0, 3]])], check_gradcheck=False,
             check_gradgrad=False)


def test_ctc_loss_errors_name_the_problem():
    log_probs = yingshe.randn(5, 2, 4).log_softmax(-1)
    targets = yingshe.tensor([[1, 2], [3, 1]])
    check_raises(lambda: F.ctc_loss(log_probs, targets, [6, 5], [2, 2]), ValueError,
                 "at most 5", "6")
    check_raises(lambda: F.ctc_loss(log_probs, targets, [5, 5], [3, 2]), ValueError,
                 "(2, 2)", "3")
    check_raises(lambda: F.ctc_loss(log_probs, yingshe.tensor([1, 2, 3]), [5, 5], [2, 2]),
                 ValueError, "3 labels", "sum to 4")
    check_raises(lambda: F.ctc_loss(log_probs, yingshe.tensor([[1, 9], [3, 1]]), [5, 5], [2, 2]),
                 IndexError, "9", "4 classes")
    check_raises(lambda: F.ctc_loss(log_probs, targets, [5], [2, 2]), ValueError,
                 "input_lengths", "(2)")
    check_raises(lambda: F.ctc_loss(log_probs, targets, [5, 5], [2, 2], reduction="avg"),
                 ValueError, "'avg'")
    check_raises(lambda: F.ctc_loss(log_probs, targets.float(), [5, 5], [2, 2]), TypeError,
                 "float32")
    check_raises(lambda: F.ctc_loss(log_probs, targets, [5, 5], [2, 2], blank=4), ValueError,
                 "blank", "4")
    check_raises(lambda: F.ctc_loss(log_probs, targets, [5, -1], [2, 2]), ValueError,
                 "non-negative")


# ---- decoding ----------------------------------------------------------------------------------
def _log(rows):
    return np.log(np.array(rows, np.float64))


def test_greedy_decoding_merges_repeats_then_drops_blanks():
    # frames' arg max: a a - a b b - (a = 1, b = 2, - = blank 0)
    rows = [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.1, 0.6, 0.3],
            [0.1, 0.2, 0.7], [0.2, 0.1, 0.7], [0.8, 0.1, 0.1]]
    assert ctc_greedy_decode(_log(rows)) == [[1, 1, 2]]
    assert ctc_greedy_decode(_log(rows)[None], lengths=[2]) == [[1]]
    assert ctc_greedy_decode(yingshe.tensor(_log(rows)[None]), blank=2) == [[1, 0, 1, 0]]


def test_beam_search_finds_the_labelling_greedy_misses():
    """p(-) = 0.6 and p(a) = 0.4 at both frames: the best path is '- -' (0.36, the empty
    labelling), but 'a' gathers aa, a-, -a: 0.16 + 0.24 + 0.24 = 0.64."""
    rows = _log([[0.6, 0.4], [0.6, 0.4]])
    assert ctc_greedy_decode(rows) == [[]]
    best, second = ctc_prefix_beam_search(rows, beam_width=4, nbest=2)[0]
    assert best.tokens == [1] and second.tokens == []
    np.testing.assert_allclose([best.score, second.score], np.log([0.64, 0.36]))


@pytest.mark.parametrize("seed", range(4))
def test_wide_beam_scores_are_exact_probabilities(seed):
    """With a beam that keeps every prefix, each hypothesis' score is log p(l | x), which is
    -ctc_loss, and the best one is the most probable labelling found by enumeration."""
    rng = np.random.default_rng(seed)
    log_probs = _log_softmax(rng, (5, 3))
    hypotheses = ctc_prefix_beam_search(log_probs, beam_width=1000, nbest=1000)[0]
    for hypothesis in hypotheses:
        loss = F.ctc_loss(yingshe.tensor(log_probs, dtype=yingshe.float64),
                          yingshe.tensor(hypothesis.tokens, dtype=yingshe.int64), 5,
                          len(hypothesis.tokens), reduction="sum")
        np.testing.assert_allclose(hypothesis.score, -loss.item(), rtol=1e-10)
    totals = {}
    for path in itertools.product(range(3), repeat=5):
        key = tuple(collapse(path))
        totals[key] = totals.get(key, 0.0) + np.exp(sum(log_probs[t, c]
                                                        for t, c in enumerate(path)))
    assert tuple(hypotheses[0].tokens) == max(totals, key=totals.get)
    np.testing.assert_allclose(sum(np.exp(h.score) for h in hypotheses), 1.0)


def test_narrow_beam_and_batches():
    rng = np.random.default_rng(9)
    emissions = _log_softmax(rng, (3, 12, 5))
    results = ctc_prefix_beam_search(yingshe.tensor(emissions), lengths=[12, 7, 0],
                                     beam_width=3)
    assert len(results) == 3 and results[2] == [ctc_prefix_beam_search(
        emissions[2, :0], beam_width=3)[0][0]]
    assert results[2][0].tokens == [] and results[2][0].score == 0.0
    check_raises(lambda: ctc_prefix_beam_search(emissions, lengths=[13, 1, 1]), ValueError,
                 "13")
    check_raises(lambda: ctc_prefix_beam_search(emissions, beam_width=0), ValueError,
                 "beam_width")
