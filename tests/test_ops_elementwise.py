"""Elementwise ops against PyTorch: values, gradients, broadcasting, dtypes, double backward."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import yingshe
from helpers import check_op, check_raises

rng = np.random.default_rng(0)
PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((1,), ())]

UNARY = {  # name: (domain transform applied to standard normals)
    "exp": lambda x: x, "log": lambda x: np.abs(x) + 0.5, "log1p": lambda x: np.abs(x),
    "expm1": lambda x: x, "sqrt": lambda x: np.abs(x) + 0.5, "rsqrt": lambda x: np.abs(x) + 0.5,
    "abs": lambda x: x + np.sign(x) * 0.1, "sin": lambda x: x, "cos": lambda x: x,
    "tanh": lambda x: x, "sigmoid": lambda x: x * 3, "relu": lambda x: x + np.sign(x) * 0.1,
    "square": lambda x: x, "reciprocal": lambda x: np.abs(x) + 0.5, "neg": lambda x: x,
}


@pytest.mark.parametrize("shape", [(), (1,), (3, 4), (2, 1, 3)])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, shape):
    x = UNARY[name](rng.standard_normal(shape))
    check_op(getattr(yingshe, name), getattr(torch, name), [x])


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc"])
def test_piecewise_constant(name):
    x = rng.standard_normal((3, 4)) * 3
    check_op(getattr(yingshe, name), getattr(torch, name), [x], check_gradcheck=False,
             check_gradgrad=False)


@pytest.mark.parametrize("a_shape,b_shape", PAIRS)
def test_pow_with_tensor_exponent(a_shape, b_shape):
    a, b = np.abs(rng.standard_normal(a_shape)) + 0.5, rng.standard_normal(b_shape)
    check_op(yingshe.pow, torch.pow, [a, b])


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 0])
def test_pow_with_scalar_exponent_and_base(exponent):
    x = np.abs(rng.standard_normal((3, 2))) + 0.5
    check_op(lambda t: t ** exponent, lambda t: t ** exponent, [x])
    check_op(lambda t: 2.0 ** t, lambda t: 2.0 ** t, [x])


@pytest.mark.parametrize("a_shape,b_shape", PAIRS)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name, a_shape, b_shape):
    check_op(getattr(yingshe, name), getattr(torch, name),
             [rng.standard_normal(a_shape), rng.standard_normal(b_shape)])


def test_maximum_splits_gradient_on_ties_like_torch():
    a = np.array([1.0, 2.0, 3.0])
    check_op(yingshe.maximum, torch.maximum, [a, a.copy()], check_gradcheck=False,
             check_gradgrad=False)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)),
                                    ((2, 3), (), (2, 3))])
def test_where(shapes):
    c_shape, a_shape, b_shape = shapes
    condition = rng.standard_normal(c_shape) > 0
    check_op(yingshe.where, torch.where,
             [condition, rng.standard_normal(a_shape), rng.standard_normal(b_shape)])
    check_op(lambda c, a: yingshe.where(c, a, 0.0), lambda c, a: torch.where(c, a, 0.0),
             [condition, rng.standard_normal(a_shape)])


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.3), (-0.2, None)])
def test_clamp_with_scalars(bounds):
    x = rng.standard_normal((4, 5))
    check_op(lambda t: yingshe.clamp(t, *bounds), lambda t: torch.clamp(t, *bounds), [x])


def test_clamp_with_tensor_bounds_and_lerp():
    x, lo, hi = rng.standard_normal((3, 4)), rng.standard_normal(4) - 1, rng.standard_normal(4) + 1
    check_op(lambda t, a, b: yingshe.clamp(t, a, b), lambda t, a, b: torch.clamp(t, a, b),
             [x, lo, hi])
    check_op(lambda s, e, w: yingshe.lerp(s, e, w), lambda s, e, w: torch.lerp(s, e, w),
             [rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0, 1, 4)])


@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
@settings(max_examples=15, deadline=None)
def test_broadcasting_arithmetic_hypothesis(shapes):
    a_shape, b_shape = shapes.input_shapes
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape) + 3.0
    for name in ("add", "sub", "mul", "div", "maximum"):
        check_op(getattr(yingshe, name), getattr(torch, name), [a, b], check_gradgrad=False,
                 noncontiguous_inputs=False)


@given(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
@settings(max_examples=10, deadline=None)
def test_where_and_pow_hypothesis(shapes):
    c_shape, a_shape, b_shape = shapes.input_shapes
    check_op(yingshe.where, torch.where, [rng.standard_normal(c_shape) > 0,
                                          rng.standard_normal(a_shape), rng.standard_normal(b_shape)],
             check_gradgrad=False, noncontiguous_inputs=False)
    check_op(yingshe.pow, torch.pow, [np.abs(rng.standard_normal(a_shape)) + 0.5,
                                      rng.standard_normal(b_shape)],
             check_gradgrad=False, noncontiguous_inputs=False)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(name):
    a = rng.integers(0, 3, (3, 4)).astype(float)
    b = rng.integers(0, 3, (4,)).astype(float)
    check_op(getattr(yingshe, name), getattr(torch, name), [a, b], grad=False)
    ours = getattr(yingshe.tensor([1, 2, 3]), f"__{name}__")(2)
    theirs = getattr(torch.tensor([1, 2, 3]), f"__{name}__")(2)
    assert ours.tolist() == theirs.tolist() and ours.dtype == yingshe.bool


def test_logical_and_nan_checks():
    a, b = np.array([True, False, True]), np.array([True, True, False])
    for name in ("logical_and", "logical_or", "logical_xor"):
        check_op(getattr(yingshe, name), getattr(torch, name), [a, b], grad=False)
    check_op(yingshe.logical_not, torch.logical_not, [a], grad=False)
    x = np.array([1.0, np.nan, np.inf, -np.inf])
    for name in ("isnan", "isinf", "isfinite"):
        check_op(getattr(yingshe, name), getattr(torch, name), [x], grad=False)


def test_integer_ops_and_operators():
    a, b = yingshe.tensor([7, -7, 5]), yingshe.tensor([2, 2, 3])
    ta, tb = torch.tensor([7, -7, 5]), torch.tensor([2, 2, 3])
    assert (a // b).tolist() == (ta // tb).tolist()
    assert (a % b).tolist() == (ta % tb).tolist()
    assert (a & b).tolist() == (ta & tb).tolist() and (~a).tolist() == (~ta).tolist()
    assert (abs(a)).tolist() == [7, 7, 5] and (-a).tolist() == [-7, 7, -5]
    assert (a / b).dtype == yingshe.float32 and (a * 2.5).dtype == yingshe.float32
    assert yingshe.exp(a).dtype == yingshe.float32


@pytest.mark.parametrize("op", ["__add__", "__mul__", "__sub__", "__truediv__", "__pow__"])
def test_reflected_scalar_operators(op):
    x = np.abs(rng.standard_normal((2, 3))) + 0.5
    reflected = op.replace("__", "__r", 1)
    check_op(lambda t: getattr(t, reflected)(1.5), lambda t: getattr(t, reflected)(1.5), [x])


def test_numpy_array_on_the_left_gives_a_tensor():
    out = np.ones(3, dtype=np.float32) + yingshe.ones(3)
    assert isinstance(out, yingshe.Tensor) and out.tolist() == [2.0, 2.0, 2.0]


def test_broadcast_error_names_both_shapes():
    check_raises(lambda: yingshe.ones(2, 3) + yingshe.ones(4), RuntimeError, "add", "(2, 3)", "(4,)")
