"""Matrix products (matmul, mm, bmm, dot, inner, outer, einsum) against PyTorch: values, gradients,
gradcheck and gradgradcheck; shape rules; error messages."""
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings

import yingshe
from helpers import check_op, check_raises

rng = np.random.default_rng(0)

MATMUL_SHAPES = [
    ((3,), (3,)),               # dot -> 0-d
    ((3,), (3, 4)),             # vector-matrix
    ((2, 3), (3,)),             # matrix-vector
    ((2, 3), (3, 4)),           # one GEMM
    ((1, 3), (3, 1)),           # size-1 rows and columns
    ((2, 2, 3), (3, 4)),        # 3-D x 2-D: batch folded into one GEMM
    ((2, 3, 4), (4,)),          # N-D x 1-D
    ((3,), (2, 3, 4)),          # 1-D x N-D
    ((2, 3), (4, 3, 2)),        # 2-D x N-D
    ((2, 2, 3), (2, 3, 2)),     # equal batches
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dimensions
    ((1, 2, 3), (3, 1, 3, 2)),  # broadcast the other way, different ranks
    ((5, 2, 3), (3, 4)),        # 3-D x 2-D with a larger batch
    ((4,), (2, 4, 3)),          # 1-D x N-D, the vector's length not the last size
]


def _arrays(*shapes):
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("a_shape,b_shape", MATMUL_SHAPES)
def test_matmul(a_shape, b_shape):
    check_op(yingshe.matmul, torch.matmul, _arrays(a_shape, b_shape))


@pytest.mark.parametrize("a_shape,b_shape", [((2, 3), (3, 4)), ((2, 1, 3, 4), (5, 4, 2)),
                                             ((3,), (3,))])
def test_matmul_operator_and_method(a_shape, b_shape):
    check_op(lambda a, b: a @ b, lambda a, b: a @ b, _arrays(a_shape, b_shape))
    check_op(lambda a, b: a.matmul(b), lambda a, b: a.matmul(b), _arrays(a_shape, b_shape))


@pytest.mark.parametrize("requires_grad", [[True, False], [False, True]])
def test_matmul_one_operand_requires_grad(requires_grad):
    check_op(yingshe.matmul, torch.matmul, _arrays((2, 2, 3), (3, 4)),
             requires_grad=requires_grad)


def test_matmul_integers():
    a, b = rng.integers(-5, 5, (2, 3)), rng.integers(-5, 5, (3, 4))
    check_op(yingshe.matmul, torch.matmul, [a, b], dtypes=("float64",))


def test_matmul_float32_stays_float32():
    a = yingshe.randn(8, 5, requires_grad=True)
    b = yingshe.randn(5, 6, requires_grad=True)
    out = a @ b
    yingshe.autograd.backward(out, yingshe.ones(8, 6))
    assert out.dtype == a.grad.dtype == b.grad.dtype == yingshe.float32


def test_matmul_second_derivative_matches_torch():
    a, b, v, u = _arrays((2, 3, 4), (4, 5), (2, 3, 5), (2, 3, 4))
    ya = yingshe.from_numpy(a).requires_grad_()
    yb = yingshe.from_numpy(b).requires_grad_()
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    (ga,) = yingshe.autograd.grad(ya @ yb, [ya], yingshe.from_numpy(v), create_graph=True)
    (gb,) = yingshe.autograd.grad(ga, [yb], yingshe.from_numpy(u))
    (tga,) = torch.autograd.grad(ta @ tb, [ta], torch.tensor(v), create_graph=True)
    (tgb,) = torch.autograd.grad(tga, [tb], torch.tensor(u))
    np.testing.assert_allclose(gb.numpy(), tgb.numpy(), rtol=1e-10)


@settings(max_examples=15, deadline=None)
@given(hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=4, max_side=3))
def test_matmul_hypothesis_shapes(shapes):
    a_shape, b_shape = shapes.input_shapes
    check_op(yingshe.matmul, torch.matmul, _arrays(a_shape, b_shape))


def test_mm_bmm_dot_inner_outer():
    check_op(yingshe.mm, torch.mm, _arrays((2, 3), (3, 4)))
    check_op(lambda a, b: a.mm(b), lambda a, b: a.mm(b), _arrays((1, 3), (3, 2)))
    check_op(yingshe.bmm, torch.bmm, _arrays((2, 2, 3), (2, 3, 4)))
    check_op(lambda a, b: a.bmm(b), lambda a, b: a.bmm(b), _arrays((1, 2, 3), (1, 3, 1)))
    check_op(yingshe.dot, torch.dot, _arrays((5,), (5,)))
    check_op(yingshe.dot, torch.dot, _arrays((4,), (4,)))
    check_op(lambda a, b: a.dot(b), lambda a, b: a.dot(b), _arrays((1,), (1,)))
    check_op(yingshe.outer, torch.outer, _arrays((3,), (4,)))
    check_op(lambda a, b: a.outer(b), lambda a, b: a.outer(b), _arrays((1,), (2,)))


@pytest.mark.parametrize("a_shape,b_shape", [((4,), (4,)), ((2, 4), (4,)), ((2, 3), (2, 2, 3)),
                                             ((), (2, 3))])
def test_inner(a_shape, b_shape):
    check_op(yingshe.inner, torch.inner, _arrays(a_shape, b_shape))


def test_outer_promotes_dtypes():
    out = yingshe.outer(yingshe.tensor([1, 2]), yingshe.tensor([0.5, 1.0, 2.0]))
    expected = torch.outer(torch.tensor([1, 2]), torch.tensor([0.5, 1.0, 2.0]))
    assert out.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.numpy(), expected.numpy())


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),                      # matrix product
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),             # batched
    ("ij,ij->", [(3, 4), (3, 4)]),                        # sum of the elementwise product
    ("i,j->ij", [(3,), (4,)]),                            # outer
    ("ij->ji", [(3, 4)]),                                 # transpose
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 2)]),    # ellipsis with broadcasting
    ("ijk->i", [(2, 3, 4)]),                              # summed-out indices
    ("ij,jk", [(2, 3), (3, 4)]),                          # implicit output
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 4)]),           # three operands
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 2), (2, 2, 4, 2)]),    # attention scores
    ("i,i", [(5,), (5,)]),                                # implicit dot -> 0-d
    ("ij,jk->ik", [(2, 1), (3, 4)]),                      # a size-1 index broadcasts
    ("ij,jk->ik", [(2, 3), (1, 4)]),                      # ... in the other operand
    ("ij->", [(3, 4)]),                                   # total sum
    ("bA,ab", [(2, 3), (4, 2)]),                          # implicit order: 'A' before 'a'
    ("...a,b", [(2, 3), (4,)]),                           # implicit with ellipsis
    ("...ij->ij", [(2, 3, 4)]),                           # ellipsis summed away
    ("ii->i", [(3, 3)]),                                  # diagonal
    ("ii", [(3, 3)]),                                     # trace
    ("...ii->...i", [(2, 3, 3)]),                         # batched diagonal
    ("iij,j->ij", [(2, 2, 3), (3,)]),                     # diagonal times a vector
    ("ij,ij->ij", [(2, 3), (2, 3)]),                      # elementwise product
    ("ij,ij->", [(2, 3), (2, 3)]),                        # ... summed, another shape
    ("ij->ji", [(2, 3)]),                                 # transpose of a non-square matrix
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]),       # ellipsis, equal batches
    ("ijk->i", [(2, 3, 2)]),                              # summed-out indices, another shape
    ("bi,bi->b", [(3, 4), (3, 4)]),                       # row-wise dot products
    ("ijk,k->ij", [(2, 3, 4), (4,)]),                     # tensor times a vector
]


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES)
def test_einsum(equation, shapes):
    check_op(lambda *ops: yingshe.einsum(equation, *ops),
             lambda *ops: torch.einsum(equation, *ops), _arrays(*shapes))


def test_einsum_operand_list_and_spaces():
    check_op(lambda a, b: yingshe.einsum("ij , jk -> ik", [a, b]),
             lambda a, b: torch.einsum("ij,jk->ik", [a, b]), _arrays((2, 3), (3, 2)))


def test_einsum_output_is_new_memory():
    x = yingshe.randn(3, 3)
    for equation in ("ij->ji", "ii->i", "ij->ij"):
        out = yingshe.einsum(equation, x)
        out.mul_(0.0)
        assert np.all(x.numpy() != 0.0), equation


def _t(*shape, dtype=yingshe.float32):
    return yingshe.zeros(shape, dtype=dtype)


def test_matmul_errors():
    check_raises(lambda: yingshe.matmul(_t(64, 784), _t(100, 10)), RuntimeError,
                 "matmul: shapes (64, 784) and (100, 10) cannot be multiplied (784 != 100)")
    check_raises(lambda: _t(3) @ _t(4), RuntimeError, "(3,) and (4,)", "3 != 4")
    check_raises(lambda: _t(2, 3, 4) @ _t(5,), RuntimeError, "(2, 3, 4) and (5,)", "4 != 5")
    check_raises(lambda: _t(2, 2, 3) @ _t(3, 3, 4), RuntimeError, "batch dimensions",
                 "(2, 2, 3) and (3, 3, 4)", "2 vs 3")
    check_raises(lambda: _t() @ _t(3, 2), RuntimeError, "at least 1 dimension", "() and (3, 2)")
    check_raises(lambda: _t(2, 3) @ _t(3, 2, dtype=yingshe.float64), RuntimeError,
                 "same dtype", "float32", "float64")
    check_raises(lambda: _t(2, 2, dtype=yingshe.bool) @ _t(2, 2, dtype=yingshe.bool),
                 NotImplementedError, "bool")
    check_raises(lambda: np.ones((2, 2)) @ _t(2, 2), TypeError, "matmul", "ndarray")


def test_mm_bmm_dot_inner_outer_errors():
    check_raises(lambda: yingshe.mm(_t(3), _t(3, 4)), RuntimeError, "mm: expected 2-D",
                 "(3,) and (3, 4)")
    check_raises(lambda: yingshe.mm(_t(3), _t(3, 2)), RuntimeError, "2-D")
    check_raises(lambda: yingshe.mm(_t(2, 3), _t(4, 4)), RuntimeError,
                 "mm: shapes (2, 3) and (4, 4) cannot be multiplied (3 != 4)")
    check_raises(lambda: yingshe.bmm(_t(2, 3), _t(2, 3, 4)), RuntimeError, "bmm: expected 3-D",
                 "(2, 3) and (2, 3, 4)")
    check_raises(lambda: yingshe.bmm(_t(2, 2, 3), _t(3, 3, 4)), RuntimeError, "bmm: batch sizes",
                 "2 != 3")
    check_raises(lambda: yingshe.bmm(_t(2, 2, 3), _t(2, 4, 4)), RuntimeError, "3 != 4")
    check_raises(lambda: yingshe.dot(_t(2, 2), _t(2)), RuntimeError, "dot: expected 1-D",
                 "(2, 2) and (2,)")
    check_raises(lambda: yingshe.dot(_t(2), _t(3)), RuntimeError, "dot:", "2 != 3")
    check_raises(lambda: yingshe.inner(_t(2, 3), _t(4)), RuntimeError, "inner:", "3 != 4")
    check_raises(lambda: yingshe.outer(_t(2, 2), _t(2)), RuntimeError, "outer: expected 1-D",
                 "(2, 2) and (2,)")
    check_raises(lambda: yingshe.outer([1, 2], _t(2)), TypeError, "outer", "list")


@pytest.mark.parametrize("equation,shapes,fragments", [
    ("ij,jk->ik", [(2, 3)], ["2 operand(s)", "1 tensor(s)"]),
    ("i1->i", [(2, 3)], ["invalid subscript '1'", "[a-zA-Z]"]),
    ("i.j->i", [(2, 3)], ["invalid subscript '.'"]),
    ("...i...->i", [(2, 3)], ["more than one ellipsis"]),
    ("ijk->i", [(2, 3)], ["'ijk' name 3", "(2, 3)", "no ellipsis"]),
    ("...ijk->i", [(2, 3)], ["'...ijk' name 3", "(2, 3)"]),
    ("ij->ii", [(2, 3)], ["output subscript i appears more than once"]),
    ("ij->ik", [(2, 3)], ["output subscript k", "does not appear"]),
    ("ij,jk->ik", [(2, 2), (3, 4)], ["subscript j has size 3 for operand 1", "size 2"]),
    ("ii->i", [(3, 1)], ["subscript i is repeated for operand 0", "3 != 1"]),
])
def test_einsum_errors(equation, shapes, fragments):
    check_raises(lambda: yingshe.einsum(equation, *[_t(*s) for s in shapes]), RuntimeError,
                 *fragments)


def test_einsum_type_errors():
    check_raises(lambda: yingshe.einsum("ij,jk", _t(2, 3), _t(3, 2, dtype=yingshe.float64)),
                 RuntimeError, "same dtype", "float32", "float64")
    check_raises(lambda: yingshe.einsum("ij", np.ones((2, 2))), TypeError, "operand 0",
                 "ndarray")
    check_raises(lambda: yingshe.einsum("ij"), RuntimeError, "at least one operand")
