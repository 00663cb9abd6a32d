"""EmbeddingBag (sum, mean, max; offsets, per-sample weights, padding_idx), sparse embedding
gradients and SparseAdam, against PyTorch and float64 finite differences."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import yingshe
from helpers import check_op, check_raises
from yingshe import nn
from yingshe.nn import functional as F
from yingshe.ops.sparse import SparseCooTensor

RNG = np.random.default_rng(0)
WEIGHT = RNG.standard_normal((6, 3))
FLAT = np.array([1, 2, 0, 4, 0, 5, 5, 3])
OFFSETS = np.array([0, 2, 2, 5])  # bags [1 2] [] [0 4 0] [5 5 3]: an empty one, repeats


def _offsets_or_none(offsets):
    return None if offsets is None else yingshe.from_numpy(offsets)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
@pytest.mark.parametrize("layout", ["offsets", "last_offset", "2d"])
def test_embedding_bag_matches_torch(mode, padding_idx, layout):
    if layout == "2d":
        indices, offsets, last = RNG.integers(0, 6, size=(4, 3)), None, False
    elif layout == "last_offset":
        indices, offsets, last = FLAT, np.array([0, 2, 2, 5, 8]), True
    else:
        indices, offsets, last = FLAT, OFFSETS, False
    check_op(lambda w: F.embedding_bag(yingshe.from_numpy(indices), w,
                                       _offsets_or_none(offsets), mode=mode,
                                       padding_idx=padding_idx, include_last_offset=last),
             lambda w: TF.embedding_bag(torch.from_numpy(indices), w,
                                        None if offsets is None else torch.from_numpy(offsets),
                                        mode=mode, padding_idx=padding_idx,
                                        include_last_offset=last),
             [WEIGHT], check_gradgrad=False)


@pytest.mark.parametrize("padding_idx", [None, 5])
@pytest.mark.parametrize("two_d", [False, True])
def test_per_sample_weights_match_torch(padding_idx, two_d):
    indices = FLAT.reshape(2, 4) if two_d else FLAT
    offsets = None if two_d else OFFSETS
    samples = RNG.standard_normal(indices.shape)
    check_op(lambda w, s: F.embedding_bag(yingshe.from_numpy(indices), w,
                                          _offsets_or_none(offsets), mode="sum",
                                          per_sample_weights=s, padding_idx=padding_idx),
             lambda w, s: TF.embedding_bag(torch.from_numpy(indices), w,
                                           None if offsets is None else
                                           torch.from_numpy(offsets), mode="sum",
                                           per_sample_weights=s, padding_idx=padding_idx),
             [WEIGHT, samples], check_gradgrad=False)


def test_larger_random_bags_match_torch():
    """Many bags of random lengths (some empty) over a larger table, float32 and float64."""
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 7, size=40)
    indices = rng.integers(0, 50, size=lengths.sum())
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    samples = rng.standard_normal(len(indices))
    for mode in ("sum", "mean", "max"):
        check_op(lambda w, mode=mode: F.embedding_bag(yingshe.from_numpy(indices), w,
                                                      yingshe.from_numpy(offsets), mode=mode),
                 lambda w, mode=mode: TF.embedding_bag(torch.from_numpy(indices), w,
                                                       torch.from_numpy(offsets), mode=mode),
                 [rng.standard_normal((50, 8))], check_gradgrad=False)
    check_op(lambda w, s: F.embedding_bag(yingshe.from_numpy(indices), w,
                                          yingshe.from_numpy(offsets), mode="sum",
                                          per_sample_weights=s),
             lambda w, s: TF.embedding_bag(torch.from_numpy(indices), w,
                                           torch.from_numpy(offsets), mode="sum",
                                           per_sample_weights=s),
             [rng.standard_normal((50, 8)), samples], check_gradgrad=False)


def test_module_matches_torch():
    for options in ({}, {"mode": "sum", "padding_idx": 2}, {"mode": "max"},
                    {"mode": "sum", "include_last_offset": True, "sparse": True}):
        ours, theirs = nn.EmbeddingBag(6, 3, **options), torch.nn.EmbeddingBag(6, 3, **options)
        assert repr(ours) == repr(theirs)
        if "padding_idx" in options:
            assert not ours.weight.detach().numpy()[2].any()
        theirs.weight.data = torch.tensor(ours.weight.detach().numpy())
        offsets = OFFSETS if not options.get("include_last_offset") else np.append(OFFSETS, 8)
        np.testing.assert_allclose(
            ours(yingshe.from_numpy(FLAT), yingshe.from_numpy(offsets)).detach().numpy(),
            theirs(torch.from_numpy(FLAT), torch.from_numpy(offsets)).detach().numpy(),
            rtol=1e-6)
    frozen = nn.EmbeddingBag.from_pretrained(yingshe.from_numpy(WEIGHT), mode="sum")
    assert not frozen.weight.requires_grad
    assert frozen.weight.dtype == yingshe.float64


def _sparse_and_dense_grads(make_output):
    """(yingshe sparse grad, yingshe dense grad, torch sparse grad) of the same output."""
    grads = []
    for sparse in (True, False):
        weight = yingshe.from_numpy(WEIGHT.copy()).requires_grad_()
        make_output(weight, sparse, yingshe, F).sum().backward()
        grads.append(weight.grad)
    weight = torch.tensor(WEIGHT, requires_grad=True)
    make_output(weight, True, torch, TF).sum().backward()
    return grads[0], grads[1], weight.grad


@pytest.mark.parametrize("kind", ["embedding", "bag_sum", "bag_mean", "bag_weighted"])
def test_sparse_gradients_match_torch_and_the_dense_ones(kind):
    upstream = RNG.standard_normal((8, 3) if kind == "embedding" else (4, 3))

    def output(weight, sparse, lib, functional):
        index, offsets = lib.from_numpy(FLAT), lib.from_numpy(OFFSETS)
        scale = lib.from_numpy(upstream)
        if kind == "embedding":
            return functional.embedding(index, weight, padding_idx=0, sparse=sparse) * scale
        samples = lib.from_numpy(np.linspace(0.5, 2.0, 8)) if kind == "bag_weighted" else None
        return functional.embedding_bag(index, weight, offsets, mode=kind[4:8] if kind !=
                                        "bag_weighted" else "sum", sparse=sparse,
                                        per_sample_weights=samples, padding_idx=4) * scale

    sparse, dense, theirs = _sparse_and_dense_grads(output)
    assert isinstance(sparse, SparseCooTensor) and sparse.is_sparse and theirs.is_sparse
    assert not dense.is_sparse
    np.testing.assert_array_equal(sparse._indices().numpy(), theirs._indices().numpy())
    np.testing.assert_allclose(sparse._values().numpy(), theirs._values().numpy(), rtol=1e-12)
    np.testing.assert_allclose(sparse.to_dense().numpy(), dense.numpy(), rtol=1e-12)
    coalesced = sparse.coalesce()
    expected = theirs.coalesce()
    np.testing.assert_array_equal(coalesced.indices().numpy(), expected.indices().numpy())
    np.testing.assert_allclose(coalesced.values().numpy(), expected.values().numpy(),
                               rtol=1e-12)


def test_sparse_gradients_accumulate_and_mix_with_dense_ones():
    table = nn.Embedding(6, 3, sparse=True)
    assert repr(table) == "Embedding(6, 3, sparse=True)"
    table(yingshe.tensor([1, 2])).sum().backward()
    table(yingshe.tensor([2, 5])).sum().backward()  # sparse + sparse: entries concatenated
    grad = table.weight.grad
    assert grad._nnz() == 4 and not grad.is_coalesced()
    np.testing.assert_array_equal(grad.to_dense().numpy()[:, 0], [0, 1, 2, 0, 0, 1])
    dense = table.weight * 3  # the same weight through a dense op too: the sum is dense
    table.weight.grad = None
    (table(yingshe.tensor([1])).sum() + dense.sum()).backward()
    assert not table.weight.grad.is_sparse
    np.testing.assert_array_equal(table.weight.grad.numpy()[:, 0], [3, 4, 3, 3, 3, 3])


def test_sparse_tensor_api_and_refusals():
    sparse = yingshe.sparse_coo_tensor([[0, 2, 0]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
                                       (4, 2))
    theirs = torch.sparse_coo_tensor([[0, 2, 0]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], (4, 2),
                                     check_invariants=True)
    assert sparse.shape == (4, 2) and sparse.sparse_dim() == 1 and sparse.dense_dim() == 1
    np.testing.assert_array_equal(sparse.to_dense().numpy(), theirs.to_dense().numpy())
    np.testing.assert_array_equal(sparse.coalesce().indices().numpy(),
                                  theirs.coalesce().indices().numpy())
    np.testing.assert_array_equal((sparse * 2 + sparse).to_dense().numpy(),
                                  3 * theirs.to_dense().numpy())
    np.testing.assert_array_equal((yingshe.ones(4, 2) + sparse).numpy(),
                                  (torch.ones(4, 2) + theirs).numpy())
    assert not yingshe.ones(2).is_sparse
    check_raises(sparse.values, RuntimeError, "uncoalesced", ".coalesce()")
    check_raises(lambda: sparse.exp(), RuntimeError, "sparse COO tensor", "shape [4, 2]",
                 "to_dense()")
    check_raises(lambda: sparse + yingshe.ones(3, 2), RuntimeError, "[4, 2]", "[3, 2]")
    check_raises(lambda: yingshe.sparse_coo_tensor([[0, 5]], [[1.0], [2.0]], (4, 1)),
                 ValueError, "[0, 5]", "[4, 1]")
    check_raises(lambda: yingshe.sparse_coo_tensor([[0, 1]], [[1.0]], (4, 1)), ValueError,
                 "one row per index column")


def test_dense_optimizers_refuse_sparse_gradients():
    table = nn.Embedding(5, 2, sparse=True)
    table(yingshe.tensor([0, 3])).sum().backward()
    check_raises(yingshe.optim.Adam(table.parameters()).step, RuntimeError,
                 "sparse gradients", "optim.SparseAdam")


def _train_both(steps=12, maximize=False, lr=0.05, betas=(0.9, 0.999), rows=7):
    rng = np.random.default_rng(3)
    start = rng.standard_normal((rows, 4)).astype(np.float32)
    ours = nn.Embedding(rows, 4, sparse=True)
    ours.weight.data = yingshe.from_numpy(start.copy())
    theirs = torch.nn.Embedding(rows, 4, sparse=True)
    theirs.weight.data = torch.from_numpy(start.copy())
    our_optimizer = yingshe.optim.SparseAdam(ours.parameters(), lr=lr, betas=betas,
                                             maximize=maximize)
    their_optimizer = torch.optim.SparseAdam(theirs.parameters(), lr=lr, betas=betas,
                                             maximize=maximize)
    for _ in range(steps):
        index = rng.integers(0, rows - 2, size=5)  # the last two rows are never touched
        upstream = rng.standard_normal((5, 4)).astype(np.float32)
        (ours(yingshe.from_numpy(index)) * yingshe.from_numpy(upstream)).sum().backward()
        (theirs(torch.from_numpy(index)) * torch.from_numpy(upstream)).sum().backward()
        our_optimizer.step()
        our_optimizer.zero_grad()
        their_optimizer.step()
        their_optimizer.zero_grad()
    return ours, theirs, our_optimizer, start


@pytest.mark.parametrize("maximize", [False, True])
def test_sparse_adam_matches_torch_and_leaves_untouched_rows(maximize):
    ours, theirs, optimizer, start = _train_both(maximize=maximize)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.weight.detach().numpy()[-2:], start[-2:])
    state = optimizer.state_dict()["state"][0]
    assert state["step"] == 12 and not state["exp_avg"].numpy()[-2:].any()


def test_sparse_adam_state_resumes_exactly(tmp_path):
    ours, _, optimizer, _ = _train_both(steps=3)
    yingshe.save({"weight": ours.state_dict(), "optimizer": optimizer.state_dict()},
                  tmp_path / "state.safetensors")
    saved = yingshe.load(tmp_path / "state.safetensors")
    copy = nn.Embedding(7, 4, sparse=True)
    copy.load_state_dict(saved["weight"])
    restored = yingshe.optim.SparseAdam(copy.parameters(), lr=0.05)
    restored.load_state_dict(saved["optimizer"])
    for table, opt in ((ours, optimizer), (copy, restored)):
        table(yingshe.tensor([0, 1, 1])).sum().backward()
        opt.step()
    np.testing.assert_array_equal(ours.weight.detach().numpy(), copy.weight.detach().numpy())


def test_sparse_adam_refusals():
    weight = yingshe.zeros(3, 2, requires_grad=True)
    check_raises(lambda: yingshe.optim.SparseAdam([weight], lr=0), ValueError,
                 "Invalid learning rate: 0")
    check_raises(lambda: yingshe.optim.SparseAdam([weight], eps=0), ValueError,
                 "Invalid epsilon value: 0")
    check_raises(lambda: yingshe.optim.SparseAdam([weight], betas=(0.9, 1.0)), ValueError,
                 "Invalid beta parameter at index 1: 1.0")
    (weight * 2).sum().backward()
    check_raises(yingshe.optim.SparseAdam([weight]).step, RuntimeError,
                 "SparseAdam does not support dense gradients, please consider Adam instead")


def test_embedding_bag_errors():
    weight = yingshe.from_numpy(WEIGHT)
    index = yingshe.from_numpy(FLAT)

    def bag(**options):
        options.setdefault("offsets", yingshe.from_numpy(OFFSETS))
        return lambda: F.embedding_bag(options.pop("input", index), weight, **options)

    check_raises(bag(offsets=yingshe.tensor([1, 3])), RuntimeError, "offsets[0] has to be 0",
                 "got 1")
    check_raises(bag(offsets=yingshe.tensor([0, 9])), RuntimeError, "input's length 8",
                 "offsets[-1] of 9")
    check_raises(bag(offsets=yingshe.tensor([0, 4, 2])), RuntimeError, "non-decreasing",
                 "[0, 4, 2]")
    check_raises(bag(offsets=None), ValueError, "offsets has to be a 1D Tensor but got None")
    check_raises(bag(offsets=yingshe.tensor([0, 2, 7]), include_last_offset=True), ValueError,
                 "last offset must be the input's length 8, got 7")
    check_raises(bag(input=index.reshape(2, 4)), ValueError, "if input is 2D, then offsets "
                 "has to be None")
    check_raises(bag(input=index.reshape(2, 2, 2)), ValueError, "dimension 3")
    check_raises(bag(mode="avg"), ValueError, "mode has to be one of sum, mean or max")
    check_raises(bag(mode="mean", per_sample_weights=yingshe.ones(8, dtype=yingshe.float64)),
                 NotImplementedError, "only supported for mode='sum' (got mode='mean')")
    check_raises(bag(mode="sum", per_sample_weights=yingshe.ones(7, dtype=yingshe.float64)),
                 ValueError, "(7,)", "(8,)")
    check_raises(bag(mode="sum", per_sample_weights=yingshe.ones(8)), TypeError, "float32",
                 "float64")
    check_raises(bag(mode="max", sparse=True), ValueError, "max mode does not support sparse")
    check_raises(bag(input=yingshe.tensor([1, 6]), offsets=yingshe.tensor([0])), IndexError,
                 "[1, 6]", "6 rows")
    check_raises(bag(input=yingshe.tensor([1.0, 2.0]), offsets=yingshe.tensor([0])), TypeError,
                 "integer indices", "float32")
    check_raises(bag(padding_idx=6), ValueError, "padding_idx 6", "(6)")
    check_raises(lambda: nn.EmbeddingBag(4, 2, mode="median"), ValueError, "'median'")
