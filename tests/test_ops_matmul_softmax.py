"""matmul family, einsum, softmax/log_softmax and one_hot against PyTorch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st

import yingshe
import yingshe.nn.functional as F
from helpers import check_op, check_raises

rng = np.random.default_rng(0)


@pytest.mark.parametrize("a_shape,b_shape", [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)),
                                             ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                             ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)),
                                             ((2, 3, 4), (4,))])
def test_matmul(a_shape, b_shape):
    check_op(yingshe.matmul, torch.matmul, [rng.standard_normal(a_shape), rng.standard_normal(b_shape)])
    check_op(lambda a, b: a @ b, lambda a, b: a @ b,
             [rng.standard_normal(a_shape), rng.standard_normal(b_shape)], check_gradcheck=False,
             check_gradgrad=False)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2), st.booleans())
@settings(max_examples=15, deadline=None)
def test_matmul_hypothesis(n, k, m, batch, broadcast_b):
    lead = (2,) * batch
    a = rng.standard_normal(lead + (n, k))
    b = rng.standard_normal(((1,) * batch if broadcast_b else lead) + (k, m))
    check_op(yingshe.matmul, torch.matmul, [a, b], check_gradgrad=False, noncontiguous_inputs=False)


def test_mm_bmm_dot_outer():
    check_op(yingshe.mm, torch.mm, [rng.standard_normal((2, 3)), rng.standard_normal((3, 4))])
    check_op(yingshe.bmm, torch.bmm, [rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 3, 4))])
    check_op(yingshe.dot, torch.dot, [rng.standard_normal(4), rng.standard_normal(4)])
    check_op(yingshe.outer, torch.outer, [rng.standard_normal(3), rng.standard_normal(4)])


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("ij,ij->", [(2, 3), (2, 3)]), ("i,j->ij", [(3,), (4,)]), ("ij->ji", [(2, 3)]),
           ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]), ("ijk->i", [(2, 3, 2)]),
           ("ij,jk", [(2, 3), (3, 4)]), ("bi,bi->b", [(3, 4), (3, 4)]),
           ("ijk,k->ij", [(2, 3, 4), (4,)])]


@pytest.mark.parametrize("equation,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum(equation, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    check_op(lambda *t: yingshe.einsum(equation, *t), lambda *t: torch.einsum(equation, *t), arrays)


@pytest.mark.parametrize("shape,dim", [((4,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -2)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(name, shape, dim):
    check_op(lambda t: getattr(F, name)(t, dim), lambda t: getattr(TF, name)(t, dim),
             [rng.standard_normal(shape)])
    check_op(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim),
             [rng.standard_normal(shape)], check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_for_large_inputs(name):
    x = np.array([[1e4, -1e4, 0.0], [3e4, 3e4 - 1, 3e4 + 2]])
    check_op(lambda t: getattr(F, name)(t, 1), lambda t: getattr(TF, name)(t, 1), [x],
             check_gradcheck=False, check_gradgrad=False)


def test_one_hot():
    labels = np.array([[0, 3], [2, 1]])
    assert F.one_hot(yingshe.from_numpy(labels)).tolist() == TF.one_hot(torch.from_numpy(labels)).tolist()
    assert F.one_hot(yingshe.tensor([1]), 4).dtype == yingshe.int64
    check_raises(lambda: F.one_hot(yingshe.tensor([5]), 3), RuntimeError, "5", "num_classes=3")
    check_raises(lambda: F.one_hot(yingshe.tensor([-1])), RuntimeError, "-1")


def test_matmul_errors_name_shapes():
    check_raises(lambda: yingshe.zeros(64, 784) @ yingshe.zeros(100, 10), RuntimeError,
                 "(64, 784)", "(100, 10)", "784 != 100")
    check_raises(lambda: yingshe.mm(yingshe.zeros(3), yingshe.zeros(3, 2)), RuntimeError, "2-D")
    check_raises(lambda: yingshe.einsum("ij,jk->ik", yingshe.zeros(2, 3)), (ValueError, RuntimeError), "operand")
    check_raises(lambda: F.softmax(yingshe.zeros(3)), TypeError, "dim")
