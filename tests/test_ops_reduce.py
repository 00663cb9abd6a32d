"""Reductions against PyTorch: dims (int, tuple, negative), keepdim, ties, indices, errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes

import yingshe
from helpers import check_op, check_raises

rng = np.random.default_rng(0)
DIMS = [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 1, 3), 1),
        ((), None), ((5,), 0)]


@pytest.mark.parametrize("shape,dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "logsumexp"])
def test_reductions(name, shape, dim, keepdim):
    x = rng.standard_normal(shape)
    if dim is None:
        if name == "logsumexp":
            return
        check_op(lambda t: getattr(yingshe, name)(t), lambda t: getattr(torch, name)(t), [x])
        return
    check_op(lambda t: getattr(yingshe, name)(t, dim, keepdim=keepdim),
             lambda t: getattr(torch, name)(t, dim, keepdim=keepdim), [x])


@pytest.mark.parametrize("shape,dim", DIMS)
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std(shape, dim, correction):
    if shape in ((), (5,)) and correction == 2 and dim is None:
        return
    x = rng.standard_normal(shape) + 0.5
    if int(np.prod([shape[d] for d in ((dim,) if isinstance(dim, int) else dim or range(len(shape)))])) <= correction:
        return
    for name in ("var", "std"):
        check_op(lambda t: getattr(yingshe, name)(t, dim, correction=correction, keepdim=True),
                 lambda t: getattr(torch, name)(t, dim, correction=correction, keepdim=True), [x])
    check_op(lambda t: yingshe.var(t, dim, unbiased=False), lambda t: torch.var(t, dim, unbiased=False),
             [x])


@pytest.mark.parametrize("shape,dim", [((3, 4), None), ((3, 4), 1), ((2, 3, 4), 0)])
def test_prod_including_zeros(shape, dim):
    x = rng.standard_normal(shape)
    x.flat[1] = 0.0
    if dim is None:
        check_op(yingshe.prod, torch.prod, [x])
    else:
        check_op(lambda t: yingshe.prod(t, dim), lambda t: torch.prod(t, dim), [x])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("shape,dim,keepdim", [((3, 4), 1, False), ((3, 4), 0, True),
                                               ((2, 3, 4), -1, False), ((5,), 0, False)])
def test_max_min_with_dim_return_values_and_indices(name, shape, dim, keepdim):
    x = rng.standard_normal(shape)
    check_op(lambda t: getattr(yingshe, name)(t, dim, keepdim),
             lambda t: getattr(torch, name)(t, dim, keepdim), [x])
    values, indices = getattr(yingshe.from_numpy(x), name)(dim)
    assert values.shape == getattr(yingshe.from_numpy(x), name)(dim).values.shape


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_tie_gradients_match_torch(name):
    x = rng.integers(0, 3, (4, 5)).astype(float)
    check_op(lambda t: getattr(yingshe, name)(t), lambda t: getattr(torch, name)(t), [x],
             check_gradcheck=False, check_gradgrad=False)
    if name in ("amax", "amin"):
        check_op(lambda t: getattr(yingshe, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                 [x], check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("p", [2, "fro", 1, 3, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm(p, dim):
    x = rng.standard_normal((3, 4))
    check_op(lambda t: yingshe.norm(t, p, dim), lambda t: torch.norm(t, p, dim), [x])


def test_norm_gradient_at_zero_is_zero():
    x = yingshe.zeros(3, dtype=yingshe.float64, requires_grad=True)
    yingshe.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((2, 3, 4), -2)])
def test_cumsum_cumprod(shape, dim):
    x = rng.standard_normal(shape)
    check_op(lambda t: yingshe.cumsum(t, dim), lambda t: torch.cumsum(t, dim), [x])
    check_op(lambda t: yingshe.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [x])


@given(array_shapes(min_dims=1, max_dims=3, max_side=4), st.data())
@settings(max_examples=15, deadline=None)
def test_reductions_hypothesis(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    x = rng.standard_normal(shape)
    for name in ("sum", "mean", "amax", "logsumexp"):
        check_op(lambda t: getattr(yingshe, name)(t, dim, keepdim=keepdim),
                 lambda t: getattr(torch, name)(t, dim, keepdim=keepdim), [x],
                 check_gradgrad=False, noncontiguous_inputs=False)
    if shape[dim % len(shape)] > 1:
        check_op(lambda t: yingshe.var(t, dim, keepdim=keepdim),
                 lambda t: torch.var(t, dim, keepdim=keepdim), [x], check_gradgrad=False,
                 noncontiguous_inputs=False)


def test_index_functions_match_torch():
    x = rng.standard_normal((4, 6))
    ours, theirs = yingshe.from_numpy(x), torch.from_numpy(x)
    assert ours.argmax().item() == theirs.argmax().item()
    assert ours.argmin(1).tolist() == theirs.argmin(1).tolist()
    assert ours.argmax(0, keepdim=True).tolist() == theirs.argmax(0, keepdim=True).tolist()
    assert yingshe.argsort(ours, 1).tolist() == torch.argsort(theirs, 1).tolist()
    assert (ours > 0).all().item() == (theirs > 0).all().item()
    assert (ours > 0).any(1).tolist() == (theirs > 0).any(1).tolist()
    assert yingshe.count_nonzero(ours > 0).item() == torch.count_nonzero(theirs > 0).item()
    assert ours.sum(0).dtype == yingshe.float64
    assert yingshe.tensor([True, True]).sum().dtype == yingshe.int64


@pytest.mark.parametrize("largest", [True, False])
def test_topk_and_sort(largest):
    x = rng.standard_normal((3, 6))
    check_op(lambda t: yingshe.topk(t, 3, largest=largest), lambda t: torch.topk(t, 3, largest=largest),
             [x])
    check_op(lambda t: yingshe.sort(t, 0, descending=largest),
             lambda t: torch.sort(t, 0, descending=largest), [x])


def test_reduction_errors():
    x = yingshe.zeros(2, 3)
    check_raises(lambda: x.sum(2), IndexError, "[-2, 1]", "got 2")
    check_raises(lambda: yingshe.tensor([1, 2]).mean(), RuntimeError, "floating point")
    check_raises(lambda: x.topk(4), RuntimeError, "k=4", "size 3")
    check_raises(lambda: yingshe.zeros(0).amax(), (IndexError, RuntimeError), "empty")
