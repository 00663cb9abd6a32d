"""Reductions (sum, mean, prod, amax/amin, max/min, var/std, logsumexp, norm, cumsum, cumprod)
and index functions (argmax, topk, sort, all, ...) against PyTorch: values, dtypes, gradients,
second derivatives, ties, empty inputs and errors."""
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import yingshe
from helpers import check_op, check_raises
from yingshe.ops import elementwise

rng = np.random.default_rng(0)

# (shape, dim) cases shared by the reductions that take a tuple of dims.
DIM_CASES = [
    ((), None), ((), 0), ((), -1), ((5,), None), ((5,), 0), ((1,), -1), ((3, 4), 1),
    ((3, 4), -2), ((3, 1, 4), 1), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0)), ((2, 3, 4), (0, 1, 2)),
    ((2, 3, 4), ()),
]


def _x(shape, offset=0.0):
    return rng.standard_normal(shape) + offset


def _ties(shape):
    """Whole numbers in a small range: many equal elements (exact in float32 too)."""
    return rng.integers(-2, 3, size=shape).astype(np.float64)


# ---- sum, mean, prod -------------------------------------------------------------------------
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", DIM_CASES)
def test_sum_mean(shape, dim, keepdim):
    check_op(lambda t: yingshe.sum(t, dim, keepdim), lambda t: torch.sum(t, dim, keepdim),
             [_x(shape)])
    check_op(lambda t: t.mean(dim, keepdim), lambda t: t.mean(dim, keepdim), [_x(shape)])


def test_sum_default_and_method_forms():
    x = _x((2, 3))
    check_op(lambda t: t.sum(), lambda t: t.sum(), [x])
    check_op(lambda t: t.sum(dim=[0, 1], keepdim=True), lambda t: t.sum(dim=[0, 1], keepdim=True),
             [x])
    check_op(lambda t: yingshe.mean(t, dim=-1), lambda t: torch.mean(t, dim=-1), [x])


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin"])
def test_reduce_a_whole_matrix(name):
    check_op(lambda t: getattr(yingshe, name)(t), lambda t: getattr(torch, name)(t),
             [_x((3, 4))])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [((3, 4), 0), ((3, 4), -1), ((2, 1, 3), 1)])
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "logsumexp"])
def test_reductions_along_more_dims(name, shape, dim, keepdim):
    """Cases beside ``DIM_CASES``: a non-negative first dim, -1, and a size-1 middle dim."""
    check_op(lambda t: getattr(yingshe, name)(t, dim, keepdim=keepdim),
             lambda t: getattr(torch, name)(t, dim, keepdim=keepdim), [_x(shape)])


def test_sum_dtypes_like_torch():
    for dtype in ["bool", "uint8", "int32", "int64"]:
        data = (np.arange(6) % 3).reshape(2, 3).astype(dtype)
        for dim in [None, 0, (0, 1)]:
            check_op(lambda t: t.sum(dim), lambda t: t.sum(dim), [data], grad=False)
            check_op(lambda t: t.prod(1), lambda t: t.prod(1), [data], grad=False)
            check_op(lambda t: t.cumsum(1), lambda t: t.cumsum(1), [data], grad=False)
    x = _x((2, 3))
    check_op(lambda t: t.sum(0, dtype=yingshe.float64), lambda t: t.sum(0, dtype=torch.float64),
             [x], dtypes=("float32",))
    check_op(lambda t: t.sum(dtype=yingshe.int64), lambda t: t.sum(dtype=torch.int64), [x * 3],
             requires_grad=[False])
    ints = np.arange(6).reshape(2, 3)
    check_op(lambda t: t.mean(1, dtype=yingshe.float64), lambda t: t.mean(1, dtype=torch.float64),
             [ints], grad=False)


def test_float32_stays_float32():
    x = yingshe.tensor(_x((4, 5)), dtype=yingshe.float32, requires_grad=True)
    outputs = [x.sum(), x.mean(0), x.prod(1), x.amax(), x.var(1), x.std(), x.logsumexp(1),
               x.norm(), x.norm(3, dim=0), x.cumsum(0), x.max(1).values, x.topk(2).values,
               x.sort(0).values]
    for out in outputs:
        assert out.dtype == yingshe.float32, out
        g, = yingshe.autograd.grad(out.sum(), x)
        assert g.dtype == yingshe.float32, out


def test_reduction_gradients_are_fresh_writable_arrays():
    """A leaf's .grad from a reduction is updated in place by optimizers and clip_grad_*: it must
    not be a read-only broadcast view."""
    for fn in (lambda t: t.sum(), lambda t: t.mean(1), lambda t: t.amax(0), lambda t: t.var(),
               lambda t: t.norm(), lambda t: t.logsumexp(1)):
        x = yingshe.randn(3, 4, requires_grad=True)
        fn(x).sum().backward()
        before = x.grad.numpy().copy()
        x.grad.mul_(2.0)
        np.testing.assert_allclose(x.grad.numpy(), 2 * before)


def test_backward_sees_in_place_changes_of_saved_inputs():
    x = yingshe.randn(3, 4, requires_grad=True)
    y = x * 1.0
    out = y.prod(1)
    y.add_(1.0)
    check_raises(lambda: out.sum().backward(), RuntimeError, "modified by an inplace operation")


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [((), None), ((), 0), ((5,), 0), ((3, 4), 1),
                                       ((3, 4), -2), ((2, 1, 3), None)])
def test_prod(shape, dim, keepdim):
    if dim is None:
        check_op(lambda t: t.prod(), lambda t: t.prod(), [_x(shape)])
    else:
        check_op(lambda t: t.prod(dim, keepdim), lambda t: t.prod(dim, keepdim), [_x(shape)])


@pytest.mark.parametrize("zeros", [[1], [0, 2], [0, 1, 3]])
def test_prod_gradient_with_zeros(zeros):
    """prod of the others, not y/x: exact gradients with one zero, and zeros with several;
    gradcheck and gradgradcheck run at these points too (prod is a polynomial)."""
    x = _x((3, 4))
    x[0, zeros] = 0.0
    x[2, zeros[0]] = 0.0
    check_op(lambda t: t.prod(1), lambda t: t.prod(1), [x])
    check_op(lambda t: t.prod(), lambda t: t.prod(), [x[:2, :3]])


@pytest.mark.parametrize("shape,dim", [((3, 4), None), ((2, 3, 4), 0)])
def test_prod_with_one_zero(shape, dim):
    x = _x(shape)
    x.flat[1] = 0.0
    if dim is None:
        check_op(yingshe.prod, torch.prod, [x])
    else:
        check_op(lambda t: yingshe.prod(t, dim), lambda t: torch.prod(t, dim), [x])


def test_prod_second_derivative_with_zeros_matches_torch():
    x = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 1.0, 0.0, 4.0], [1.0, 2.0, 3.0, 4.0]])
    h = rng.standard_normal((3, 4))
    results = []
    for lib in (yingshe, torch):
        t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        g, = (yingshe.autograd.grad if lib is yingshe else torch.autograd.grad)(
            t.prod(1).sum(), t, create_graph=True)
        gg, = (yingshe.autograd.grad if lib is yingshe else torch.autograd.grad)(
            (g * lib.tensor(h, dtype=lib.float64)).sum(), t)
        results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_prod_third_derivative_is_refused():
    t = yingshe.tensor([2.0, 3.0, 4.0], dtype=yingshe.float64, requires_grad=True)
    g, = yingshe.autograd.grad(t.prod(), t, create_graph=True)
    gg, = yingshe.autograd.grad(g.sum(), t, create_graph=True)
    check_raises(lambda: yingshe.autograd.grad(gg.sum(), t), RuntimeError, "prod",
                 "third and higher order")


# ---- amax / amin / max / min ---------------------------------------------------------------
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", DIM_CASES)
@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin(name, shape, dim, keepdim):
    dim = () if dim is None else dim
    check_op(lambda t: getattr(t, name)(dim, keepdim), lambda t: getattr(t, name)(dim, keepdim),
             [_x(shape)])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
def test_max_min_of_everything(name, shape):
    check_op(lambda t: getattr(yingshe, name)(t), lambda t: getattr(torch, name)(t), [_x(shape)])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [((), 0), ((), -1), ((5,), 0), ((1,), 0), ((3, 4), 1),
                                       ((3, 4), -2), ((2, 3, 4), 1)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim(name, shape, dim, keepdim):
    """(values, indices) like torch; the gradient goes to the returned index."""
    check_op(lambda t: getattr(t, name)(dim, keepdim), lambda t: getattr(t, name)(dim, keepdim),
             [_x(shape)])


def test_max_named_tuple():
    x = yingshe.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    result = yingshe.max(x, dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert type(result).__name__ == "max" and type(x.min(0)).__name__ == "min"
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert indices.dtype == yingshe.int64


@pytest.mark.parametrize("shape,dim", [((6,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), (0, 2)),
                                       ((2, 3, 4), None)])
@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_ties_share_the_gradient(name, shape, dim):
    dim = () if dim is None else dim
    check_op(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), [_ties(shape)],
             check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_ties(name):
    """max(): ties share the gradient; max(dim): the first maximum gets all of it, like torch."""
    x = _ties((4, 5))
    x[0] = 1.0
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x],
             check_gradcheck=False, check_gradgrad=False)
    for dim in (0, 1):
        check_op(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), [x],
                 check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("shape,dim,keepdim", [((3, 4), 0, True), ((2, 3, 4), -1, False)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_function_along_dim(name, shape, dim, keepdim):
    check_op(lambda t: getattr(yingshe, name)(t, dim, keepdim),
             lambda t: getattr(torch, name)(t, dim, keepdim), [_x(shape)])


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_ties_of_a_matrix(name):
    x = rng.integers(0, 3, (4, 5)).astype(float)
    check_op(lambda t: getattr(yingshe, name)(t), lambda t: getattr(torch, name)(t), [x],
             check_gradcheck=False, check_gradgrad=False)
    check_op(lambda t: getattr(yingshe, name)(t, 1), lambda t: getattr(torch, name)(t, 1), [x],
             check_gradcheck=False, check_gradgrad=False)


def test_max_min_with_nan_like_torch():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 2.0]])
    for fn in (lambda t: t.max(), lambda t: t.min(), lambda t: t.amax(1), lambda t: t.max(1),
               lambda t: t.argmax(1), lambda t: t.sort(1), lambda t: t.topk(2)):
        check_op(fn, fn, [x], check_gradcheck=False, check_gradgrad=False)


def test_max_of_two_tensors_is_maximum(monkeypatch):
    calls = []

    def fake(name):
        def function(a, b):
            calls.append((name, a, b))
            return a
        return function
    monkeypatch.setattr(elementwise, "maximum", fake("maximum"), raising=False)
    monkeypatch.setattr(elementwise, "minimum", fake("minimum"), raising=False)
    a, b = yingshe.tensor([1.0, 4.0]), yingshe.tensor([3.0, 2.0])
    assert yingshe.max(a, b) is a and a.min(b) is a
    assert calls == [("maximum", a, b), ("minimum", a, b)]


# ---- var / std -------------------------------------------------------------------------------
@pytest.mark.parametrize("keepdim", [False, True])
# One element per slice leaves no degrees of freedom (tested below).  PyTorch's backward treats
# dim=() as "dims given" but sums over none of them (an inf gradient), so () is left out here.
@pytest.mark.parametrize("shape,dim", [((5,), None), ((5,), 0), ((2,), -1), ((3, 4), 1),
                                       ((3, 4), -2), ((3, 2, 4), 1), ((2, 3, 4), (0, 2)),
                                       ((2, 3, 4), (-1, 0)), ((2, 3, 4), (0, 1, 2))])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, shape, dim, keepdim):
    check_op(lambda t: getattr(t, name)(dim, keepdim=keepdim),
             lambda t: getattr(t, name)(dim, keepdim=keepdim), [_x(shape)])


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_unbiased_and_correction(name):
    x = _x((3, 5))
    for args, kwargs in [((), {"unbiased": False}), ((1, True, True), {}), ((False,), {}),
                         ((0,), {"correction": 0}), (((0, 1),), {"correction": 2}),
                         ((1,), {"correction": 0.5, "keepdim": True})]:
        check_op(lambda t: getattr(yingshe, name)(t, *args, **kwargs),
                 lambda t: getattr(torch, name)(t, *args, **kwargs), [x])


# (shape, dim, correction) with a degree of freedom left; a few slices of one element.
@pytest.mark.parametrize("shape,dim,correction", [
    ((3, 4), None, 0), ((3, 4), None, 1), ((3, 4), None, 2), ((3, 4), 0, 0), ((3, 4), 0, 1),
    ((3, 4), 0, 2), ((3, 4), -1, 0), ((3, 4), -1, 1), ((3, 4), -1, 2), ((2, 3, 4), (0, 2), 0),
    ((2, 3, 4), (0, 2), 2), ((2, 1, 3), 1, 0), ((), None, 0), ((5,), 0, 0), ((5,), 0, 2)])
def test_var_std_correction_keepdim(shape, dim, correction):
    x = _x(shape, 0.5)
    kwargs = {"correction": correction, "keepdim": True}
    check_op(lambda t: yingshe.var(t, dim, **kwargs), lambda t: torch.var(t, dim, **kwargs), [x])
    check_op(lambda t: yingshe.std(t, dim, **kwargs), lambda t: torch.std(t, dim, **kwargs), [x])
    check_op(lambda t: yingshe.var(t, dim, unbiased=False),
             lambda t: torch.var(t, dim, unbiased=False), [x])


def test_var_std_without_degrees_of_freedom_like_torch():
    cases = [(np.array([1.0]), {}), (np.array([1.0, 2.0]), {"correction": 3}),
             (np.array([1.0, 2.0]), {"dim": 0, "correction": 3}),
             (np.array([1.0, 2.0]), {"dim": 0, "correction": 2}), (np.array(2.0), {"dim": 0}),
             (np.zeros((0, 3)), {"dim": 0})]
    for x, kwargs in cases:
        for name in ("var", "std"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # both warn about the degrees of freedom
                check_op(lambda t: getattr(t, name)(**kwargs), lambda t: getattr(t, name)(**kwargs),
                         [x], check_gradcheck=False, check_gradgrad=False)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        yingshe.tensor([1.0]).var()


def test_std_of_constant_has_zero_gradient():
    check_op(lambda t: t.std(1), lambda t: t.std(1), [np.ones((2, 3))], check_gradcheck=False,
             check_gradgrad=False)


def test_var_mean_std_mean():
    x = _x((3, 4))
    check_op(lambda t: yingshe.var_mean(t, 1), lambda t: torch.var_mean(t, 1), [x])
    check_op(lambda t: yingshe.std_mean(t, (0, 1), keepdim=True, correction=0),
             lambda t: torch.std_mean(t, (0, 1), keepdim=True, correction=0), [x])


# ---- logsumexp --------------------------------------------------------------------------------
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [c for c in DIM_CASES if c[1] not in (None, ())])
def test_logsumexp(shape, dim, keepdim):
    check_op(lambda t: t.logsumexp(dim, keepdim), lambda t: t.logsumexp(dim, keepdim), [_x(shape)])


def test_logsumexp_is_stable_and_handles_infinities():
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 2.0]])
    check_op(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), [x], grad=False)
    check_op(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), [x[:1] * 1.0], dtypes=("float32",))
    ints = np.arange(6).reshape(2, 3)
    check_op(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), [ints], grad=False)
    check_op(lambda t: t.logsumexp(0), lambda t: t.logsumexp(0), [np.zeros((0, 3))], grad=False)


# ---- norm -----------------------------------------------------------------------------------
P_VALUES = [2, "fro", 1, 3, 0.5, 1.5, math.inf, -math.inf, 0, -1.5]


@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("shape,dim,keepdim", [((5,), None, False), ((3, 4), 1, False),
                                               ((3, 4), (0, 1), True), ((2, 3, 4), -1, True),
                                               ((), None, False)])
def test_norm(p, shape, dim, keepdim):
    if p == "fro" and shape == (2, 3, 4):
        dim = (1, 2)
    check_op(lambda t: t.norm(p, dim, keepdim), lambda t: t.norm(p, dim, keepdim), [_x(shape)])


@pytest.mark.parametrize("p", P_VALUES)
def test_norm_gradient_at_zero_like_torch(p):
    x = np.zeros((2, 3))
    x[1, 1] = -2.0
    check_op(lambda t: t.norm(p, 1), lambda t: t.norm(p, 1), [x], check_gradcheck=False,
             check_gradgrad=False)


def test_norm_inf_ties_share_the_gradient():
    x = np.array([[1.0, -3.0, 3.0, 0.0], [2.0, 2.0, -2.0, 2.0]])
    for p in (math.inf, -math.inf):
        check_op(lambda t: t.norm(p, 1), lambda t: t.norm(p, 1), [x], check_gradcheck=False,
                 check_gradgrad=False)


@pytest.mark.parametrize("p", [2, "fro", 1, 3, math.inf, -math.inf])
def test_norm_of_a_whole_matrix(p):
    check_op(lambda t: yingshe.norm(t, p), lambda t: torch.norm(t, p), [_x((3, 4))])


def test_norm_gradient_at_zero_is_zero():
    x = yingshe.zeros(3, dtype=yingshe.float64, requires_grad=True)
    yingshe.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_norm_defaults_and_dtype():
    x = _x((2, 3))
    check_op(lambda t: yingshe.norm(t), lambda t: torch.norm(t), [x])
    check_op(lambda t: yingshe.norm(t, dtype=yingshe.float64),
             lambda t: torch.norm(t, dtype=torch.float64), [x], dtypes=("float32",))


# ---- cumsum, cumprod ------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((), 0), ((5,), 0), ((5,), -1), ((3, 4), 1), ((3, 4), 0),
                                       ((2, 3, 4), -2)])
def test_cumsum(shape, dim):
    check_op(lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), [_x(shape)])
    check_op(lambda t: yingshe.cumsum(t, dim=dim), lambda t: torch.cumsum(t, dim=dim), [_x(shape)])


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((2, 3, 4), -2)])
def test_cumprod(shape, dim):
    check_op(lambda t: yingshe.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [_x(shape)])


# ---- index functions ----------------------------------------------------------------------------
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [((), None), ((), 0), ((7,), None), ((7,), 0),
                                       ((3, 4), None), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 2)])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name, shape, dim, keepdim):
    check_op(lambda t: getattr(t, name)(dim, keepdim), lambda t: getattr(t, name)(dim, keepdim),
             [_x(shape)], grad=False)


def test_argmax_first_of_ties_and_integers():
    x = np.array([[1, 3, 3, 0], [2, 2, 2, 2]])
    for fn in (lambda t: t.argmax(1), lambda t: t.argmin(1), lambda t: t.argmax(),
               lambda t: t.max(1), lambda t: t.min(0)):
        check_op(fn, fn, [x], grad=False)


@pytest.mark.parametrize("shape,dim", [((), 0), ((6,), 0), ((3, 5), 1), ((3, 5), 0),
                                       ((2, 3, 4), -2)])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort(shape, dim, descending):
    check_op(lambda t: t.sort(dim, descending), lambda t: t.sort(dim, descending), [_x(shape)])
    check_op(lambda t: yingshe.argsort(t, dim, descending),
             lambda t: torch.argsort(t, dim, descending), [_x(shape)], grad=False)


def test_sort_is_stable_like_torchs_stable_sort():
    x = _ties((3, 8))
    for descending in (False, True):
        check_op(lambda t: yingshe.sort(t, dim=1, descending=descending, stable=True),
                 lambda t: torch.sort(t, dim=1, descending=descending, stable=True), [x],
                 check_gradcheck=False, check_gradgrad=False)
    bools = np.array([True, False, True])
    check_op(lambda t: t.sort(), lambda t: t.sort(stable=True), [bools], grad=False)


@pytest.mark.parametrize("shape,k,dim", [((), 1, 0), ((6,), 3, 0), ((6,), 0, -1), ((3, 5), 5, 1),
                                         ((3, 5), 2, 0), ((2, 3, 4), 2, 1)])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(shape, k, dim, largest):
    check_op(lambda t: t.topk(k, dim, largest), lambda t: t.topk(k, dim, largest), [_x(shape)])
    integers = rng.permutation(max(int(np.prod(shape)), 1))[:int(np.prod(shape))].reshape(shape)
    check_op(lambda t: t.topk(k, dim, largest), lambda t: t.topk(k, dim, largest), [integers],
             grad=False)


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name):
    cases = [(np.array([[1.0, 0.0], [2.0, 3.0]]), None), (np.array([[1, 0], [2, 3]]), 1),
             (np.array([[True, False], [True, True]]), (0, 1)),
             (np.array([[1, 0], [2, 3]], dtype=np.uint8), 0), (np.array(0.0), None),
             (np.zeros((0, 3)), 0)]
    for x, dim in cases:
        for keepdim in (False, True):
            if dim is None:
                check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x],
                         grad=False)
            else:
                check_op(lambda t: getattr(t, name)(dim, keepdim),
                         lambda t: getattr(t, name)(dim, keepdim), [x], grad=False)


def test_index_functions_match_torch():
    x = _x((4, 6))
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
    x = _x((3, 6))
    check_op(lambda t: yingshe.topk(t, 3, largest=largest),
             lambda t: torch.topk(t, 3, largest=largest), [x])
    check_op(lambda t: yingshe.sort(t, 0, descending=largest),
             lambda t: torch.sort(t, 0, descending=largest), [x])


def test_count_nonzero():
    x = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])
    for dim in (None, 0, -1, (0, 1)):
        check_op(lambda t: yingshe.count_nonzero(t, dim), lambda t: torch.count_nonzero(t, dim),
                 [x], grad=False)
        check_op(lambda t: t.count_nonzero(dim), lambda t: t.count_nonzero(dim), [x > 0],
                 grad=False)


# ---- empty inputs ----------------------------------------------------------------------------
def test_empty_reductions_like_torch():
    x = np.zeros((0, 3))
    for fn in (lambda t: t.sum(), lambda t: t.sum(0), lambda t: t.mean(), lambda t: t.mean(0),
               lambda t: t.prod(0), lambda t: t.amax(1), lambda t: t.max(1), lambda t: t.norm(),
               lambda t: t.norm(math.inf, 1), lambda t: t.logsumexp(0), lambda t: t.cumsum(0),
               lambda t: t.argmax(1), lambda t: t.sort(0), lambda t: t.topk(0, 0)):
        check_op(fn, fn, [x], check_gradcheck=False, check_gradgrad=False)


def test_empty_reduction_errors():
    x = yingshe.zeros(0, 3)
    check_raises(lambda: x.amax(0), IndexError, "amax", "dim 0", "non-zero size", "(0, 3)")
    check_raises(lambda: x.amax(), RuntimeError, "amax", "empty input", "(0, 3)")
    check_raises(lambda: x.max(), RuntimeError, "max", "'dim'", "(0, 3)")
    check_raises(lambda: x.max(0), IndexError, "max", "dim 0", "non-zero size")
    check_raises(lambda: x.argmax(), IndexError, "argmax", "empty input")
    check_raises(lambda: x.norm(math.inf), RuntimeError, "norm", "inf", "empty")


# ---- errors ---------------------------------------------------------------------------------
def test_dim_out_of_range():
    x = yingshe.zeros(2, 3)
    for fn, op in [(lambda: x.sum(2), "sum"), (lambda: x.mean((0, -3)), "mean"),
                   (lambda: x.amax(2), "amax"), (lambda: x.max(2), "max"),
                   (lambda: x.var(2), "var"), (lambda: x.logsumexp(-3), "logsumexp"),
                   (lambda: x.norm(2, 5), "norm"), (lambda: x.cumsum(2), "cumsum"),
                   (lambda: x.argmax(2), "argmax"), (lambda: x.sort(2), "sort"),
                   (lambda: x.topk(1, 2), "topk"), (lambda: x.all(2), "all"),
                   (lambda: x.prod(-3), "prod"), (lambda: yingshe.count_nonzero(x, 2), "count_nonzero")]:
        check_raises(fn, IndexError, op, "[-2, 1]", "with 2 dimensions")
    check_raises(lambda: yingshe.tensor(1.0).sum(1), IndexError, "[-1, 0]", "but got 1",
                 "0 dimensions")


def test_reduction_errors():
    x = yingshe.zeros(2, 3)
    check_raises(lambda: x.sum(2), IndexError, "[-2, 1]", "got 2")
    check_raises(lambda: yingshe.tensor([1, 2]).mean(), RuntimeError, "floating point")
    check_raises(lambda: x.topk(4), RuntimeError, "k=4", "size 3")
    check_raises(lambda: yingshe.zeros(0).amax(), (IndexError, RuntimeError), "empty")


def test_argument_errors():
    x = yingshe.zeros(2, 3)
    check_raises(lambda: x.sum((0, -2)), RuntimeError, "sum", "dim 0 appears multiple times")
    check_raises(lambda: x.sum(1.5), TypeError, "sum", "float")
    check_raises(lambda: x.max((0, 1)), TypeError, "max", "tuple")
    check_raises(lambda: x.prod((0, 1)), TypeError, "prod", "tuple")
    check_raises(lambda: yingshe.arange(3).mean(), RuntimeError, "mean", "int64", "dtype=")
    check_raises(lambda: x.mean(dtype=yingshe.int64), RuntimeError, "mean", "int64")
    check_raises(lambda: yingshe.arange(3).var(), RuntimeError, "var", "floating", "int64")
    check_raises(lambda: yingshe.arange(3).std(), RuntimeError, "std", "floating")
    check_raises(lambda: x.var(0, unbiased=True, correction=0), TypeError, "var", "not both")
    check_raises(lambda: yingshe.arange(3).norm(), RuntimeError, "norm", "floating", "int64")
    check_raises(lambda: x.norm("spectral"), RuntimeError, "norm", "'spectral'")
    check_raises(lambda: yingshe.zeros(2, 2, 2).norm("fro", (0, 1, 2)), RuntimeError, "norm",
                 "at most 2 dims")
    check_raises(lambda: x.topk(4), RuntimeError, "topk", "k=4", "size 3")
    check_raises(lambda: x.topk(-1), RuntimeError, "topk", "k=-1")
    check_raises(lambda: yingshe.tensor([True]).topk(1), RuntimeError, "topk", "bool")
    check_raises(lambda: yingshe.tensor([True]).argmax(), RuntimeError, "argmax", "bool")


# ---- random shapes --------------------------------------------------------------------------
@st.composite
def shape_and_dim(draw):
    """A shape (0-d to 3-d, sizes 1..4) and a dim for it: None, an int or a tuple of distinct
    dims, possibly negative."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    ndim = len(shape)
    if ndim == 0:
        return shape, draw(st.sampled_from([None, 0, -1]))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    dims = tuple(a - ndim if draw(st.booleans()) else a for a in axes)
    return shape, draw(st.sampled_from([None, dims[0], dims]))


@settings(max_examples=15, deadline=None)
@given(shape_and_dim(), st.booleans(), st.sampled_from(["sum", "mean", "amax", "var",
                                                        "logsumexp"]))
def test_random_reductions_match_torch(case, keepdim, name):
    shape, dim = case
    if name == "logsumexp" and dim is None:
        dim = tuple(range(len(shape)))
    if name == "amax" and dim is None:
        dim = ()
    x = _x(shape)
    axes = range(len(shape)) if dim is None or not shape else np.atleast_1d(dim)
    if name == "var" and np.prod([shape[a] for a in axes]) < 2:
        with pytest.warns(UserWarning, match="degrees of freedom"):  # and so does torch
            check_op(lambda t: t.var(dim, keepdim=keepdim), lambda t: t.var(dim, keepdim=keepdim),
                     [x], check_gradcheck=False, check_gradgrad=False)
        return
    check_op(lambda t: getattr(t, name)(dim, keepdim=keepdim),
             lambda t: getattr(t, name)(dim, keepdim=keepdim), [x])


def test_cumprod_accumulates_float32_in_float64_as_torch():
    """1e30 * 1e30 leaves float32's range; met by a zero it is 0 in torch's CPU kernel (which
    accumulates in double), forward and backward, not inf * 0 = NaN."""
    for values in ([1e30, 1e30, 0.0], [0.0, 0.0, 1e30, 1e30]):
        x = yingshe.tensor(np.array(values, np.float32), requires_grad=True)
        t = torch.tensor(values, dtype=torch.float32, requires_grad=True)
        g = np.linspace(0.1, 0.4, len(values), dtype=np.float32)
        y, ty = yingshe.cumprod(x, 0), torch.cumprod(t, 0)
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        assert y.dtype == yingshe.float32
        if values[0] == 0.0:
            y.backward(yingshe.tensor(g))
            ty.backward(torch.tensor(g))
            np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize(("shape", "dim", "keepdim"),
                         [((3, 4), None, False), ((2, 3, 4), (1, 2), False),
                          ((2, 3, 4), (0, 2), True)])
def test_nuclear_norm_as_torch_norm(shape, dim, keepdim):
    check_op(lambda x: yingshe.norm(x, "nuc", dim, keepdim),
             lambda x: torch.norm(x, "nuc", dim, keepdim), [_x(shape)])
    check_raises(lambda: yingshe.ones(3).norm("nuc"), RuntimeError, "at least 2 dimensions")
