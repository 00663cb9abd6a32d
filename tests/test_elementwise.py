"""The elementwise family against PyTorch: values, dtypes and every gradient (float32/float64,
broadcast shape pairs including 0-d and size-1, non-contiguous inputs, finite differences and
second derivatives via ``check_op``), PyTorch's conventions at kinks and ties, type promotion,
comparisons and logic, and error messages."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import yingshe
from helpers import check_op, check_raises

rng = np.random.default_rng(0)

PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((2, 1), ()),
         ((1,), (3, 1, 2))]
TRIPLES = [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)), ((2, 3), (), (2, 3)),
           ((), (2, 1), (1, 3)), ((1,), (2, 3), ())]
SHAPES = [(), (1,), (3, 4), (2, 1, 3)]


def away_from_zero(x, margin=0.2):
    """Values at least ``margin`` from 0 (kinks of abs, relu, sign)."""
    return x + np.where(x >= 0, margin, -margin)


def away_from_integers(x):
    """Values at least 0.1 from integers and halves (the steps of floor, ceil, trunc, round)."""
    shape = np.shape(x)
    return np.floor(x) + rng.uniform(0.1, 0.4, shape) + 0.5 * (rng.uniform(size=shape) > 0.5)


def positive(x):
    return np.abs(x) + 0.5


# ---- unary functions ----------------------------------------------------------------------
UNARY = {  # name: inputs kept in the domain and away from kinks
    "exp": lambda x: x, "log": positive, "log1p": np.abs, "expm1": lambda x: x,
    "sqrt": positive, "rsqrt": positive, "abs": away_from_zero, "sin": lambda x: 2 * x,
    "cos": lambda x: 2 * x, "tanh": lambda x: x, "sigmoid": lambda x: 3 * x,
    "relu": away_from_zero, "square": lambda x: x, "reciprocal": away_from_zero,
    "neg": lambda x: x,
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_functions(name, shape):
    x = UNARY[name](rng.standard_normal(shape))
    check_op(getattr(yingshe, name), getattr(torch, name), [x])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_tensor_methods(name):
    x = UNARY[name](rng.standard_normal((2, 3)))
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x],
             check_gradcheck=False, check_gradgrad=False)


def test_abs_operator():
    check_op(lambda t: abs(t), lambda t: abs(t), [away_from_zero(rng.standard_normal((2, 3)))])


@pytest.mark.parametrize("name", ["abs", "relu", "sign"])
def test_kinks_follow_torch(name):
    """abs'(0) = 0, relu'(0) = 0, sign' = 0, also in second derivatives."""
    x = np.array([-1.5, -0.0, 0.0, 2.0])
    check_op(getattr(yingshe, name), getattr(torch, name), [x], check_gradcheck=False,
             check_gradgrad=False)


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "sqrt", "expm1", "log", "sin", "relu"])
def test_saved_values_like_torch(name):
    """exp, tanh, sigmoid, sqrt, expm1, relu keep their output for backward (changing it in place
    is an error, as in PyTorch); log and sin keep their input (changing the output is fine)."""
    x = np.array([0.5, 1.0, 2.0])
    outcomes = []
    for module, make in ((yingshe, yingshe.tensor), (torch, torch.tensor)):
        t = make(x, requires_grad=True)
        y = getattr(module, name)(t)
        y.mul_(2.0)
        try:
            y.sum().backward()
            outcomes.append("ok")
        except RuntimeError:
            outcomes.append("error")
    assert outcomes[0] == outcomes[1], f"{name}: yingshe {outcomes[0]}, torch {outcomes[1]}"


@pytest.mark.parametrize("name", ["exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos",
                                  "tanh", "sigmoid", "reciprocal"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_float_functions_of_integers_give_the_default_float(name, dtype):
    data = np.array([1, 2, 3]).astype(dtype)
    ours = getattr(yingshe, name)(yingshe.tensor(data))
    theirs = getattr(torch, name)(torch.tensor(data))
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "") == "float32"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_float_functions_follow_the_default_dtype():
    yingshe.set_default_dtype(yingshe.float64)
    try:
        assert yingshe.exp(yingshe.tensor([1, 2])).dtype == yingshe.float64
    finally:
        yingshe.set_default_dtype(yingshe.float32)


@pytest.mark.parametrize("name", ["abs", "relu", "neg", "square", "sign"])
def test_integer_preserving_functions(name):
    data = np.array([-3, 0, 2, 5])
    ours = getattr(yingshe, name)(yingshe.tensor(data))
    theirs = getattr(torch, name)(torch.tensor(data))
    assert ours.dtype == yingshe.int64 and ours.tolist() == theirs.tolist()


def test_sigmoid_is_stable_at_large_magnitudes():
    x = np.array([-200.0, -50.0, 0.0, 50.0, 200.0])
    check_op(yingshe.sigmoid, torch.sigmoid, [x], check_gradcheck=False, check_gradgrad=False)


# ---- piecewise-constant functions -----------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (3, 4)])
@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "sign"])
def test_piecewise_constant_functions_have_zero_gradient(name, shape):
    x = away_from_integers(rng.standard_normal(shape) * 3)
    check_op(getattr(yingshe, name), getattr(torch, name), [x])


@pytest.mark.parametrize("decimals", [-1, 1, 2])
def test_round_with_decimals(decimals):
    x = rng.standard_normal((3, 4)) * 100
    check_op(lambda t: yingshe.round(t, decimals=decimals),
             lambda t: torch.round(t, decimals=decimals), [x], check_gradcheck=False,
             check_gradgrad=False)


def test_round_halves_to_even_and_integers_pass_through():
    halves = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]
    expected = torch.round(torch.tensor(halves)).tolist()
    assert yingshe.round(yingshe.tensor(halves)).tolist() == expected
    for name in ("floor", "ceil", "trunc", "round"):
        out = getattr(yingshe, name)(yingshe.tensor([-3, 4]))
        assert out.dtype == yingshe.int64 and out.tolist() == [-3, 4]
    assert yingshe.sign(yingshe.tensor([True, False])).tolist() == [True, False]


# ---- arithmetic -----------------------------------------------------------------------------
@pytest.mark.parametrize("a_shape,b_shape", PAIRS[:4] + [((1,), ())])
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_arithmetic(name, a_shape, b_shape):
    a = rng.standard_normal(a_shape)
    b = rng.standard_normal(b_shape) + (3.0 if name == "div" else 0.0)
    check_op(getattr(yingshe, name), getattr(torch, name), [a, b])


# ---- powers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("a_shape,b_shape", PAIRS)
def test_pow_tensor_exponent(a_shape, b_shape):
    a, b = positive(rng.standard_normal(a_shape)), rng.standard_normal(b_shape)
    check_op(yingshe.pow, torch.pow, [a, b])
    check_op(lambda x, y: x ** y, lambda x, y: x ** y, [a, b], check_gradcheck=False,
             check_gradgrad=False)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, 0.5, -1.5, 2.0])
def test_pow_scalar_exponent(exponent):
    x = positive(rng.standard_normal((3, 2)))
    check_op(lambda t: t ** exponent, lambda t: t ** exponent, [x])
    check_op(lambda t: yingshe.pow(t, exponent), lambda t: torch.pow(t, exponent), [x[0, 0]])


@pytest.mark.parametrize("base", [2.0, 0.5, 3])
def test_pow_scalar_base(base):
    x = rng.standard_normal((2, 3))
    check_op(lambda t: base ** t, lambda t: base ** t, [x])
    check_op(lambda t: yingshe.pow(base, t), lambda t: torch.pow(base, t), [x])


def test_pow_integer_exponent_tensor():
    x, n = positive(rng.standard_normal((2, 3))), np.array([0, 1, 2])
    check_op(yingshe.pow, torch.pow, [x, n])


def test_pow_at_zero_base_and_zero_exponent_follows_torch():
    """d/da a^b = 0 where b = 0 (no 0 * inf); d/db a^b = 0 where a = 0 and b >= 0."""
    a, b = np.array([0.0, 0.0, 0.0, 0.0, 2.0]), np.array([0.0, 1.0, 2.0, -1.0, 0.0])
    with np.errstate(divide="ignore", invalid="ignore"):  # 0^-1 = inf, ln 0 = -inf
        check_op(yingshe.pow, torch.pow, [a, b], check_gradcheck=False, check_gradgrad=False)
        check_op(lambda t: 0.0 ** t, lambda t: 0.0 ** t, [b], check_gradcheck=False,
                 check_gradgrad=False)
    check_op(lambda t: t ** 0, lambda t: t ** 0, [a], check_gradcheck=False, check_gradgrad=False)


def test_pow_and_square_dtypes():
    i, flags = [1, 2, 3], [True, False]
    cases = [(lambda m: m.tensor(i) ** 2), (lambda m: m.tensor(i) ** 0.5),
             (lambda m: 2 ** m.tensor(i)), (lambda m: 2.5 ** m.tensor(i)),
             (lambda m: m.tensor(flags) ** 2), (lambda m: m.square(m.tensor(flags))),
             (lambda m: m.tensor([1.5, 2.0]) ** m.tensor(i[:2])),
             (lambda m: m.tensor(i[:2]) ** m.tensor([0.5, 2.0], dtype=m.float64))]
    for case in cases:
        ours, theirs = case(yingshe), case(torch)
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(np.asarray(ours.tolist()), theirs.numpy(), rtol=1e-6)


# ---- maximum, minimum -------------------------------------------------------------------------
@pytest.mark.parametrize("a_shape,b_shape", PAIRS)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name, a_shape, b_shape):
    check_op(getattr(yingshe, name), getattr(torch, name),
             [rng.standard_normal(a_shape), rng.standard_normal(b_shape)])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_ties_split_the_gradient_half_and_half(name):
    a = np.array([[1.0, 2.0, 3.0]])
    b = np.array([[2.0], [3.0]])  # broadcast: ties at (0, 1) and (1, 2)
    check_op(getattr(yingshe, name), getattr(torch, name), [a, b], check_gradcheck=False,
             check_gradgrad=False)
    x = yingshe.tensor([1.0, 5.0], requires_grad=True)
    getattr(yingshe, name)(x, x.detach()).sum().backward()
    assert x.grad.tolist() == [0.5, 0.5]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_nan_and_infinity(name):
    a = np.array([np.nan, 1.0, -np.inf, np.inf, 2.0])
    b = np.array([1.0, np.nan, 0.0, 0.0, np.nan])
    check_op(getattr(yingshe, name), getattr(torch, name), [a, b], check_gradcheck=False,
             check_gradgrad=False)


def test_maximum_minimum_keep_integers_and_promote():
    for name in ("maximum", "minimum"):
        for a, b in (([1, 5], [3, 2]), ([1, 5], [1.5, 2.5]), ([True, False], [False, False])):
            ours = getattr(yingshe, name)(yingshe.tensor(a), yingshe.tensor(b))
            theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
            assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
            assert ours.tolist() == theirs.tolist()


# ---- clamp ----------------------------------------------------------------------------------
@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.3), (-0.2, None), (0.4, -0.4), (1, 2)])
def test_clamp_with_numbers(bounds):
    x = rng.standard_normal((4, 5))
    check_op(lambda t: yingshe.clamp(t, *bounds), lambda t: torch.clamp(t, *bounds), [x])


# x has the broadcast shape: PyTorch's clamp backward fails when the bounds broadcast x up
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (3, 1), (4,)),
                                    ((2, 3), (), (2, 3)), ((), (), ()), ((2, 3), (1,), ())])
def test_clamp_with_tensors(shapes):
    x_shape, lo_shape, hi_shape = shapes
    x = rng.standard_normal(x_shape)
    lo, hi = rng.standard_normal(lo_shape) - 0.5, rng.standard_normal(hi_shape) + 0.5
    check_op(lambda t, a, b: yingshe.clamp(t, a, b), lambda t, a, b: torch.clamp(t, a, b),
             [x, lo, hi])
    check_op(lambda t, a: yingshe.clamp(t, min=a), lambda t, a: torch.clamp(t, min=a), [x, lo])
    check_op(lambda t, b: t.clamp(max=b), lambda t, b: t.clamp(max=b), [x, hi])


def test_clamp_ties_follow_torch():
    """At x = min or x = max the gradient goes to x; with min = max (or min > max) PyTorch's
    rules decide who gets it, also where x equals a bound."""
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 1.0, 3.0])
    lo = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.5])
    hi = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0])  # last two: min = max, min > max
    check_op(lambda t, a, b: yingshe.clamp(t, a, b), lambda t, a, b: torch.clamp(t, a, b),
             [x, lo, hi], check_gradcheck=False, check_gradgrad=False)
    check_op(lambda t: yingshe.clamp(t, 0.0, 1.0), lambda t: torch.clamp(t, 0.0, 1.0), [x],
             check_gradcheck=False, check_gradgrad=False)
    check_op(lambda t: yingshe.clamp(t, 1.0, 1.0), lambda t: torch.clamp(t, 1.0, 1.0), [x],
             check_gradcheck=False, check_gradgrad=False)


def test_clip_clamp_min_clamp_max():
    x = rng.standard_normal((3, 4))
    check_op(lambda t: yingshe.clip(t, -0.3, 0.3), lambda t: torch.clip(t, -0.3, 0.3), [x])
    check_op(lambda t: t.clip(min=-0.3), lambda t: t.clip(min=-0.3), [x])
    check_op(lambda t: yingshe.clamp_min(t, 0.1), lambda t: torch.clamp_min(t, 0.1), [x])
    check_op(lambda t: t.clamp_max(0.1), lambda t: t.clamp_max(0.1), [x])


def test_clamp_dtypes():
    cases = [
        lambda m: m.clamp(m.tensor([1, 2, 3]), min=1.5),
        lambda m: m.clamp(m.tensor([1, 2, 3]), 1, 2),
        lambda m: m.clamp(m.tensor([0.5, 2.0]), m.tensor(0.0, dtype=m.float64)),
        lambda m: m.clamp(m.tensor([0.5, 2.0]), m.tensor([0.0, 1.0], dtype=m.float64)),
        lambda m: m.clamp(m.tensor([True, False]), m.tensor(0, dtype=m.int8), m.tensor(1)),
        lambda m: m.clamp(m.tensor([0.5, 2.0], dtype=m.float64), max=1),
    ]
    for case in cases:
        ours, theirs = case(yingshe), case(torch)
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        assert ours.tolist() == theirs.tolist()


# ---- where, masked_fill, lerp ---------------------------------------------------------------
@pytest.mark.parametrize("shapes", TRIPLES)
def test_where(shapes):
    c_shape, a_shape, b_shape = shapes
    condition = rng.standard_normal(c_shape) > 0
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    check_op(yingshe.where, torch.where, [condition, a, b])
    check_op(lambda c, x: yingshe.where(c, x, 0.5), lambda c, x: torch.where(c, x, 0.5),
             [condition, a])
    check_op(lambda c, x: yingshe.where(c, -1.0, x), lambda c, x: torch.where(c, -1.0, x),
             [condition, b])


def test_where_tensor_method_and_dtypes():
    condition = np.array([True, False, True])
    check_op(lambda x, c, y: x.where(c, y), lambda x, c, y: x.where(c, y),
             [rng.standard_normal(3), condition, rng.standard_normal((2, 3))])
    cases = [lambda m, c: m.where(c, 1.0, 0.0), lambda m, c: m.where(c, 1, 0),
             lambda m, c: m.where(c, m.tensor([1, 2, 3]), 0.5),
             lambda m, c: m.where(c, m.tensor([1, 2, 3]), m.tensor([0.5], dtype=m.float64)),
             lambda m, c: m.where(c, m.tensor([1, 2, 3], dtype=m.int32), 7)]
    for case in cases:
        ours = case(yingshe, yingshe.tensor(condition))
        theirs = case(torch, torch.tensor(condition))
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("x_shape,mask_shape", [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 1)),
                                                ((), (2,))])
def test_masked_fill(x_shape, mask_shape):
    x, mask = rng.standard_normal(x_shape), rng.standard_normal(mask_shape) > 0
    check_op(lambda t, m: yingshe.masked_fill(t, m, -2.5),
             lambda t, m: torch.masked_fill(t, m, -2.5), [x, mask])
    check_op(lambda t, m, v: t.masked_fill(m, v), lambda t, m, v: t.masked_fill(m, v),
             [x, mask, np.array(0.75)])


@pytest.mark.parametrize("shapes", TRIPLES)
def test_lerp(shapes):
    s_shape, e_shape, w_shape = shapes
    start, end = rng.standard_normal(s_shape), rng.standard_normal(e_shape)
    weight = rng.uniform(-0.5, 1.5, w_shape)  # both sides of PyTorch's |w| < 1/2 switch
    check_op(yingshe.lerp, torch.lerp, [start, end, weight])
    for w in (0.25, 0.9):
        check_op(lambda s, e: s.lerp(e, w), lambda s, e: s.lerp(e, w), [start, end])


def test_lerp_is_exact_at_the_ends():
    start, end = np.array([0.1, 1e8, -3.7]), np.array([0.3, 1.0, 2.9])
    check_op(lambda s, e: yingshe.lerp(s, e, 1.0), lambda s, e: torch.lerp(s, e, 1.0), [start, end],
             tol={"float32": {"rtol": 0, "atol": 0}, "float64": {"rtol": 0, "atol": 0}})


# ---- remainder, floor_divide -----------------------------------------------------------------
@pytest.mark.parametrize("a_shape,b_shape", PAIRS)
def test_remainder(a_shape, b_shape):
    a = rng.standard_normal(a_shape) * 3  # a / b lands on a jump with probability ~0
    b = away_from_zero(rng.standard_normal(b_shape), 0.5)
    check_op(yingshe.remainder, torch.remainder, [a, b])
    check_op(lambda x, y: x % y, lambda x, y: x % y, [a, b], check_gradcheck=False,
             check_gradgrad=False)
    check_op(lambda x, y: x // y, lambda x, y: x // y, [a, b], grad=False)


def test_remainder_and_floor_divide_signs_and_scalars():
    a = yingshe.tensor([-7, -3, 0, 3, 7])
    ta = torch.tensor([-7, -3, 0, 3, 7])
    for ours, theirs in ((a % 3, ta % 3), (a % -3, ta % -3), (a // 2, ta // 2), (a // -2, ta // -2),
                         (10 % (a + 8), 10 % (ta + 8)), (10 // (a + 8), 10 // (ta + 8)),
                         (a // 2.5, ta // 2.5), (a % 2.5, ta % 2.5),
                         (yingshe.floor_divide(a, 4), torch.floor_divide(ta, 4))):
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        assert ours.tolist() == theirs.tolist()
    x = np.array([-5.5, -1.25, 0.0, 1.25, 5.5])
    check_op(lambda t: t % 1.5, lambda t: t % 1.5, [x], check_gradcheck=False,
             check_gradgrad=False)
    check_op(lambda t: t % -1.5, lambda t: t % -1.5, [x], check_gradcheck=False,
             check_gradgrad=False)
    divisor = yingshe.tensor(x + 6.0, requires_grad=True)  # PyTorch has no gradient for this
    (4.0 % divisor).sum().backward()
    assert divisor.grad.tolist() == (-np.floor(4.0 / (x + 6.0))).tolist()


# ---- broadcasting families (hypothesis) -------------------------------------------------------
@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
@settings(max_examples=15, deadline=None)
def test_binary_ops_broadcast_hypothesis(shapes):
    a_shape, b_shape = shapes.input_shapes
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    for name in ("add", "sub", "mul", "maximum", "minimum"):
        check_op(getattr(yingshe, name), getattr(torch, name), [a, b], check_gradgrad=False,
                 noncontiguous_inputs=False)
    check_op(yingshe.div, torch.div, [a, away_from_zero(b, 0.5)], check_gradgrad=False,
             noncontiguous_inputs=False)
    check_op(yingshe.pow, torch.pow, [positive(a), b], check_gradgrad=False,
             noncontiguous_inputs=False)


@given(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
@settings(max_examples=15, deadline=None)
def test_ternary_ops_broadcast_hypothesis(shapes):
    c_shape, a_shape, b_shape = shapes.input_shapes
    condition = rng.standard_normal(c_shape) > 0
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    check_op(yingshe.where, torch.where, [condition, a, b], check_gradgrad=False,
             noncontiguous_inputs=False)
    check_op(lambda x, lo, hi: yingshe.clamp(x, lo, hi), lambda x, lo, hi: torch.clamp(x, lo, hi),
             [rng.standard_normal(shapes.result_shape), a - 0.5, b + 0.5], check_gradgrad=False,
             noncontiguous_inputs=False)
    check_op(yingshe.lerp, torch.lerp, [rng.standard_normal(c_shape), a, b],
             check_gradgrad=False, noncontiguous_inputs=False)


# ---- type promotion ---------------------------------------------------------------------------
OPERANDS = {  # name: maker of the operand, given the module (yingshe or torch)
    "i64": lambda m: m.tensor([[1, -2, 3]]), "i32": lambda m: m.tensor([4, 5, -6], dtype=m.int32),
    "u8": lambda m: m.tensor([7, 8, 9], dtype=m.uint8),
    "i8": lambda m: m.tensor([-1, 2, 3], dtype=m.int8),
    "b": lambda m: m.tensor([True, False, True]), "f32": lambda m: m.tensor([0.5, -1.5, 2.25]),
    "f64": lambda m: m.tensor([[1.25], [-0.5]], dtype=m.float64),
    "f16": lambda m: m.tensor([1.5, 2.0, -0.25], dtype=m.float16),
    "f64_0d": lambda m: m.tensor(2.5, dtype=m.float64),
    "i32_0d": lambda m: m.tensor(3, dtype=m.int32),
    "int": lambda m: 3, "float": lambda m: 1.5, "bool": lambda m: True,
}
PROMOTION_PAIRS = [("i64", "float"), ("i64", "f32"), ("f32", "i64"), ("i32", "i64"), ("u8", "i8"),
                   ("b", "b"), ("b", "int"), ("b", "float"), ("b", "i32"), ("f32", "f64_0d"),
                   ("i64", "f64_0d"), ("i32", "i32_0d"), ("u8", "int"), ("f16", "f32"),
                   ("f16", "float"), ("int", "f32"), ("float", "i64"), ("i8", "bool"),
                   ("f32", "f64"), ("i32_0d", "f64_0d")]
PROMOTING_OPS = {
    "add": lambda m, a, b: a + b, "mul": lambda m, a, b: a * b, "div": lambda m, a, b: a / b,
    "maximum": lambda m, a, b: m.maximum(a, b), "where": lambda m, a, b: m.where(
        m.tensor([True, False, True]), a, b),
    "eq": lambda m, a, b: a == b, "lt": lambda m, a, b: a < b, "ge": lambda m, a, b: a >= b,
    "floor_divide": lambda m, a, b: a // b, "remainder": lambda m, a, b: a % b,
    "pow": lambda m, a, b: a ** b, "sub": lambda m, a, b: a - b,
}


@pytest.mark.parametrize("op", sorted(PROMOTING_OPS))
@pytest.mark.parametrize("pair", PROMOTION_PAIRS, ids="-".join)
def test_type_promotion_like_torch(op, pair):
    fn = PROMOTING_OPS[op]
    torch_args = [OPERANDS[k](torch) for k in pair]
    ys_args = [OPERANDS[k](yingshe) for k in pair]
    try:
        expected = fn(torch, *torch_args)
    except (RuntimeError, TypeError) as error:  # e.g. bool - bool, maximum with a number
        with pytest.raises(type(error)):
            fn(yingshe, *ys_args)
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        actual = fn(yingshe, *ys_args)
    assert actual.dtype.name == str(expected.dtype).replace("torch.", ""), f"{op}{pair}"
    assert tuple(actual.shape) == tuple(expected.shape)
    np.testing.assert_allclose(np.asarray(actual.tolist(), dtype=np.float64),
                               expected.double().numpy(), rtol=1e-3, equal_nan=True)


def test_int_tensor_with_float_tensor_is_differentiable_in_the_float_dtype():
    check_op(lambda x, n: x * n + n / x, lambda x, n: x * n + n / x,
             [positive(rng.standard_normal((2, 3))), np.array([1, 2, 3])])


# ---- comparisons and logic -------------------------------------------------------------------
COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
               "less_equal", "not_equal"]


@pytest.mark.parametrize("a_shape,b_shape", PAIRS)
@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons(name, a_shape, b_shape):
    a = rng.integers(0, 3, a_shape).astype(float)
    b = rng.integers(0, 3, b_shape).astype(float)
    out = check_op(getattr(yingshe, name), getattr(torch, name), [a, b], grad=False)[0]
    assert out.dtype == yingshe.bool and not out.requires_grad and out.grad_fn is None
    check_op(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), [a, b],
             grad=False)


@pytest.mark.parametrize("symbol", ["==", "!=", "<", "<=", ">", ">="])
def test_comparison_operators_with_mixed_dtypes(symbol):
    compare = eval(f"lambda a, b: a {symbol} b")
    pairs = [(lambda m: m.tensor([1, 2, 3]), lambda m: 2),
             (lambda m: m.tensor([1, 2, 3]), lambda m: 2.5),
             (lambda m: m.tensor([1, 2, 3]), lambda m: m.tensor([1.0, 2.5, 2.0])),
             (lambda m: m.tensor([16777217]), lambda m: m.tensor([16777216.0])),  # in float32
             (lambda m: m.tensor([True, False]), lambda m: m.tensor([1, 1])),
             (lambda m: 2, lambda m: m.tensor([1, 2, 3])),
             (lambda m: m.tensor([np.nan, 1.0]), lambda m: m.tensor([np.nan, 1.0]))]
    for left, right in pairs:
        ours, theirs = compare(left(yingshe), right(yingshe)), compare(left(torch), right(torch))
        assert ours.dtype == yingshe.bool and ours.tolist() == theirs.tolist()


def test_equality_with_foreign_objects_is_false_like_torch():
    t = yingshe.tensor([1, 2])
    assert (t == None) is False and (t != "text") is True
    assert (torch.tensor([1, 2]) == None) is False
    with pytest.raises(TypeError):
        _ = t < "text"


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary(name):
    a = np.array([[True, False, True, False]])
    b = np.array([[True], [False]])
    check_op(getattr(yingshe, name), getattr(torch, name), [a, b], grad=False)
    check_op(getattr(yingshe, name), getattr(torch, name),  # any dtype: nonzero is True
             [np.array([0.0, 1.5, -2.0]), np.array([3, 0, 1])], grad=False)


def test_logical_not_and_finiteness():
    check_op(yingshe.logical_not, torch.logical_not, [np.array([True, False])], grad=False)
    check_op(yingshe.logical_not, torch.logical_not, [np.array([0, 2, -1])], grad=False)
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    for name in ("isnan", "isinf", "isfinite"):
        out = check_op(getattr(yingshe, name), getattr(torch, name), [x], grad=False)[0]
        assert not out.requires_grad
        check_op(getattr(yingshe, name), getattr(torch, name), [np.array([1, -2])], grad=False)


def test_bitwise_operators():
    a, b = yingshe.tensor([12, -7, 5]), yingshe.tensor([10, 3, 0])
    ta, tb = torch.tensor([12, -7, 5]), torch.tensor([10, 3, 0])
    flags, tflags = yingshe.tensor([True, False, True]), torch.tensor([True, False, True])
    pairs = [(a & b, ta & tb), (a | b, ta | tb), (a ^ b, ta ^ tb), (~a, ~ta), (~flags, ~tflags),
             (a & 6, ta & 6), (6 | a, 6 | ta), (True ^ flags, True ^ tflags),
             (flags & a, tflags & ta), (flags | flags, tflags | tflags),
             (yingshe.bitwise_and(a, b), torch.bitwise_and(ta, tb)),
             (yingshe.bitwise_not(a), torch.bitwise_not(ta)),
             (a.bitwise_xor(b), ta.bitwise_xor(tb)), (a.bitwise_or(1), ta.bitwise_or(1))]
    for ours, theirs in pairs:
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        assert ours.tolist() == theirs.tolist()


# ---- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                  "eq", "lt", "remainder", "floor_divide", "logical_and"])
def test_incompatible_broadcast_names_the_op_and_both_shapes(name):
    a, b = yingshe.ones(2, 3), yingshe.ones(4)
    check_raises(lambda: getattr(yingshe, name)(a, b), RuntimeError, name, "(2, 3)", "(4,)")


def test_ternary_broadcast_errors_name_every_shape():
    c = yingshe.ones(2, 3) > 0
    check_raises(lambda: yingshe.where(c, yingshe.ones(3), yingshe.ones(4)), RuntimeError,
                 "where", "(2, 3)", "(3,)", "(4,)")
    check_raises(lambda: yingshe.clamp(yingshe.ones(2, 3), yingshe.ones(5)), RuntimeError,
                 "clamp", "(2, 3)", "(5,)")
    check_raises(lambda: yingshe.lerp(yingshe.ones(2, 3), yingshe.ones(2, 3), yingshe.ones(2)),
                 RuntimeError, "lerp", "(2, 3)", "(2,)")


def test_argument_errors():
    x, n = yingshe.ones(3), yingshe.tensor([1, 2, 3])
    check_raises(lambda: yingshe.where(x, x, x), RuntimeError, "where", "boolean", "float32")
    check_raises(lambda: yingshe.clamp(x), RuntimeError, "clamp", "min", "max")
    check_raises(lambda: yingshe.clamp(x, "0"), TypeError, "clamp", "str")
    check_raises(lambda: yingshe.maximum(x, 1.0), TypeError, "maximum", "float")
    check_raises(lambda: n ** -1, RuntimeError, "pow", "negative integer powers", "int64")
    check_raises(lambda: x & x, NotImplementedError, "bitwise_and", "float32")
    check_raises(lambda: yingshe.bitwise_not(x), NotImplementedError, "bitwise_not", "float32")
    check_raises(lambda: yingshe.lerp(x, x.double(), 0.5), RuntimeError, "lerp", "float32",
                 "float64", "end")
    check_raises(lambda: yingshe.lerp(n, n, 0.5), RuntimeError, "lerp", "int64")
    check_raises(lambda: n // yingshe.tensor([1, 0, 1]), RuntimeError, "floor_divide",
                 "ZeroDivisionError")
    check_raises(lambda: n % 0, RuntimeError, "remainder", "ZeroDivisionError")
    check_raises(lambda: x + "1", TypeError, "add", "str")
    check_raises(lambda: yingshe.logical_and(x, True), TypeError, "logical_and", "bool")
