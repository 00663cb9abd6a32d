"""PyTorch's pointwise math family (torch's "Pointwise Ops" list) against PyTorch: values, dtypes,
every gradient with broadcasting (``check_op``: float32/float64, non-contiguous inputs, finite
differences and second derivatives), the in-place methods, the edges of each domain (asin(2) is
NaN, without warnings), integer and bool inputs, div's rounding modes, closeness tests and
``format`` of 0-d tensors."""
import math
import warnings

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_op, check_raises

rng = np.random.default_rng(0)

PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((2, 1), ())]
SHAPES = [(), (5,), (2, 3)]


def uniform(low, high):
    return lambda shape: rng.uniform(low, high, shape)


def away_from_integers(shape):
    return np.floor(rng.uniform(-3, 3, shape)) + rng.uniform(0.1, 0.9, shape)


# name: (draw inputs inside the domain, away from kinks and poles; tolerances where torch's
# kernels and SciPy's differ by more than float32's default 1e-5)
UNARY = {
    "tan": uniform(-1.2, 1.2), "asin": uniform(-0.9, 0.9), "arcsin": uniform(-0.9, 0.9),
    "acos": uniform(-0.9, 0.9), "arccos": uniform(-0.9, 0.9), "atan": uniform(-3, 3),
    "arctan": uniform(-3, 3), "sinh": uniform(-2, 2), "cosh": uniform(-2, 2),
    "asinh": uniform(-3, 3), "arcsinh": uniform(-3, 3), "acosh": uniform(1.2, 4),
    "arccosh": uniform(1.2, 4), "atanh": uniform(-0.9, 0.9), "arctanh": uniform(-0.9, 0.9),
    "exp2": uniform(-3, 3), "log2": uniform(0.2, 4), "log10": uniform(0.2, 4),
    "sinc": uniform(-2.5, 2.5), "erfc": uniform(-2, 2), "erfinv": uniform(-0.9, 0.9),
    "i0": uniform(-3, 3), "lgamma": uniform(0.2, 4), "digamma": uniform(0.5, 4),
    "logit": uniform(0.05, 0.95), "nan_to_num": uniform(-3, 3), "frac": away_from_integers,
    "fix": away_from_integers, "deg2rad": uniform(-200, 200), "rad2deg": uniform(-3, 3),
    "sgn": uniform(-3, 3), "absolute": lambda shape: rng.uniform(0.2, 2, shape) * rng.choice(
        [-1, 1], shape), "positive": uniform(-3, 3), "angle": uniform(-3, 3),
    "conj_physical": uniform(-3, 3),
}
TOLERANCE = {"lgamma": {"float32": {"rtol": 1e-4, "atol": 1e-4}},
             "digamma": {"float32": {"rtol": 1e-4, "atol": 1e-4}},
             "erfinv": {"float32": {"rtol": 1e-4, "atol": 1e-4}},
             "i0": {"float32": {"rtol": 1e-4, "atol": 1e-4}}}
# torch's sgn returns its zero gradient as a ZeroTensor, which has no NumPy view; for real
# tensors sgn is sign.
REFERENCE = {"sgn": "sign"}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_function(name, shape):
    check_op(getattr(yingshe, name), getattr(torch, REFERENCE.get(name, name)),
             [UNARY[name](shape)], tol=TOLERANCE.get(name))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_method(name):
    reference = REFERENCE.get(name, name)
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, reference)(),
             [UNARY[name]((2, 3))], check_gradcheck=False, check_gradgrad=False,
             tol=TOLERANCE.get(name))


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma(n):
    x = rng.uniform(0.5, 3, (2, 3))
    tol = {"float32": {"rtol": 1e-4, "atol": 1e-4}}
    check_op(lambda t: yingshe.polygamma(n, t), lambda t: torch.polygamma(n, t), [x], tol=tol)
    check_op(lambda t: t.polygamma(n), lambda t: t.polygamma(n), [x], tol=tol,
             check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_mvlgamma(p):
    x = rng.uniform(1.5, 4, (2, 3))
    check_op(lambda t: yingshe.mvlgamma(t, p), lambda t: torch.mvlgamma(t, p), [x],
             tol={"float32": {"rtol": 1e-4, "atol": 1e-4}})


@pytest.mark.parametrize("eps", [None, 0.1])
def test_logit_with_eps_and_outside_the_domain(eps):
    """Gradients: 0 where eps clamped the input, NaN outside [0, 1] without eps."""
    x = np.array([-0.5, 0.05, 0.3, 0.95, 1.5])
    check_op(lambda t: yingshe.logit(t, eps), lambda t: torch.logit(t, eps), [x],
             check_gradcheck=False, check_gradgrad=False)


def test_nan_to_num_values_and_gradient():
    x = np.array([1.5, np.nan, np.inf, -np.inf, -2.0])
    for kwargs in ({}, {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}):
        check_op(lambda t: yingshe.nan_to_num(t, **kwargs),
                 lambda t: torch.nan_to_num(t, **kwargs), [x], check_gradcheck=False,
                 check_gradgrad=False)


def test_sinc_at_zero_and_i0_at_zero():
    x = np.array([0.0, 1.0, -2.0, 0.5])
    check_op(yingshe.sinc, torch.sinc, [x], check_gradcheck=False, check_gradgrad=False)
    check_op(yingshe.i0, torch.i0, [x], check_gradcheck=False)


def test_domain_edges_without_warnings():
    """asin(2) is NaN, atanh(1) is inf, log2(0) is -inf, ... quietly, as in PyTorch."""
    cases = {
        "asin": [2.0, -1.5, 1.0], "acos": [2.0, -1.0], "acosh": [0.5, 1.0],
        "atanh": [1.0, -1.0, 2.0],
        "log2": [0.0, -1.0], "log10": [0.0, -1.0], "erfinv": [1.0, -1.0, 2.0],
        "lgamma": [0.0, -1.0, -2.5], "digamma": [0.0, -0.0, -1.0], "logit": [0.0, 1.0, 2.0],
        "tan": [math.pi / 2], "exp2": [200.0, -200.0], "sinh": [100.0], "cosh": [-100.0],
        "i0": [100.0], "erfc": [-10.0, 30.0], "sinc": [0.0, 1e-30],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, values in cases.items():
            x = np.array(values, np.float32)
            expected = getattr(torch, name)(torch.tensor(x)).numpy()
            actual = getattr(yingshe, name)(yingshe.tensor(x)).numpy()
            np.testing.assert_allclose(actual, expected, rtol=1e-5, err_msg=name)
            number = ~np.isnan(expected)  # the sign of NaN is not specified
            np.testing.assert_array_equal(np.signbit(actual[number]), np.signbit(expected[number]),
                                          err_msg=name)


INTEGER_INPUTS = ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
                  "exp2", "log2", "log10", "sinc", "erfc", "erfinv", "i0", "lgamma", "digamma",
                  "logit", "deg2rad", "rad2deg", "sgn", "angle", "nan_to_num", "signbit",
                  "isposinf", "isneginf", "isreal", "fix", "absolute", "positive"]


@pytest.mark.parametrize("name", INTEGER_INPUTS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_and_bool_inputs(name, dtype):
    """Integer and bool inputs give the default float dtype (or stay integers) as in PyTorch, or
    raise as PyTorch does."""
    values = np.array([0, 1, 2, 3]).astype(dtype)
    try:
        expected = getattr(torch, name)(torch.tensor(values))
    except (RuntimeError, NotImplementedError) as error:
        with pytest.raises(type(error)):
            getattr(yingshe, name)(yingshe.tensor(values))
        return
    actual = getattr(yingshe, name)(yingshe.tensor(values))
    assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-5)


# ---- binary functions -----------------------------------------------------------------------
def positive(shape):
    return rng.uniform(0.5, 2.5, shape)


def signed(shape):
    return rng.uniform(0.3, 2.5, shape) * rng.choice([-1, 1], shape)


BINARY = {  # name: (draw a, draw b)
    "atan2": (signed, signed), "arctan2": (signed, signed), "hypot": (signed, signed),
    "logaddexp": (signed, signed), "logaddexp2": (signed, signed),
    "copysign": (signed, signed), "xlogy": (signed, positive),
    "fmod": (lambda s: rng.uniform(-5, 5, s), positive), "fmax": (signed, signed),
    "fmin": (signed, signed), "nextafter": (signed, signed), "float_power": (positive, signed),
    "remainder": (lambda s: rng.uniform(-5, 5, s), positive),
}


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_function_with_broadcasting(name, shapes):
    draw_a, draw_b = BINARY[name]
    a, b = draw_a(shapes[0]), draw_b(shapes[1])
    if name == "fmod":  # keep a / b away from the integers where trunc(a / b) jumps
        a = (np.floor(a / b) + 0.5) * b
    check_op(getattr(yingshe, name), getattr(torch, name), [a, b])
    check_op(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), [a, b],
             check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma(name):
    """The gradient in x; the one in a is not implemented (torch raises in backward, too)."""
    a, x = rng.uniform(0.5, 3, (3, 1)), rng.uniform(0.5, 3, (1, 4))
    check_op(getattr(yingshe, name), getattr(torch, name), [a, x], requires_grad=[False, True],
             tol={"float32": {"rtol": 1e-4, "atol": 1e-5}})
    ys_a = yingshe.tensor(a, requires_grad=True)
    out = getattr(yingshe, name)(ys_a, yingshe.tensor(x))
    check_raises(lambda: out.sum().backward(), NotImplementedError, "igamma: input")


def test_ldexp():
    a, e = rng.standard_normal((2, 3)), rng.integers(-3, 4, (3,))
    check_op(yingshe.ldexp, torch.ldexp, [a, e.astype(np.float64)])
    check_op(yingshe.ldexp, torch.ldexp, [a, np.abs(e)])
    # DELIBERATE: torch's gradient for a negative integer exponent is 0 (it computes 2^e in
    # integers); yingshe's is 2^e.
    x = yingshe.tensor([3.0, 3.0], requires_grad=True)
    yingshe.ldexp(x, yingshe.tensor([-2, 1])).sum().backward()
    assert x.grad.tolist() == [0.25, 2.0]


@pytest.mark.parametrize("scalar_first", [False, True])
def test_binary_functions_with_python_numbers(scalar_first):
    x = rng.uniform(0.5, 2, (2, 3))
    for name in ["copysign", "xlogy", "fmod", "float_power", "remainder"]:
        for number in (-1.5, 2.0, 3):
            if scalar_first and name in ("copysign", "fmod", "remainder"):
                continue  # torch takes a number only as the second operand of these
            if scalar_first:
                args = lambda m, t: (number, t)
            else:
                args = lambda m, t: (t, number)
            check_op(lambda t: getattr(yingshe, name)(*args(yingshe, t)),
                     lambda t: getattr(torch, name)(*args(torch, t)), [x],
                     check_gradcheck=False, check_gradgrad=False)


def test_binary_functions_take_tensors_only_where_torch_does():
    x = yingshe.tensor([1.0, 2.0])
    for name in ["atan2", "hypot", "logaddexp", "logaddexp2", "fmax", "fmin", "nextafter",
                 "ldexp", "igamma", "heaviside", "isclose"]:
        with pytest.raises(TypeError):
            getattr(torch, name)(torch.tensor([1.0, 2.0]), 2.0)
        check_raises(lambda: getattr(yingshe, name)(x, 2.0), TypeError, name)


def test_xlogy_edges():
    a = np.array([0.0, 0.0, 0.0, 2.0, -1.0, 1.0])
    b = np.array([0.0, np.nan, 3.0, 0.0, 2.0, np.inf])
    check_op(yingshe.xlogy, torch.xlogy, [a, b], check_gradcheck=False, check_gradgrad=False)


def test_copysign_and_fmax_edges():
    """copysign with -0.0 and at a = 0 (zero gradient); fmax and fmin ignore NaN and give ties
    to the first operand."""
    a = np.array([0.0, -0.0, 1.5, 2.0, np.nan, 3.0, np.nan])
    b = np.array([-0.0, 1.0, -2.0, 2.0, 1.0, np.nan, np.nan])
    for name in ["copysign", "fmax", "fmin"]:
        check_op(getattr(yingshe, name), getattr(torch, name), [a, b], check_gradcheck=False,
                 check_gradgrad=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_binary_integer_inputs(dtype):
    a = np.array([0, 1, 2, 3]).astype(dtype)
    b = np.array([1, 1, 3, 2]).astype(dtype)
    for name in ["atan2", "hypot", "logaddexp", "copysign", "xlogy", "fmod", "fmax", "fmin",
                 "nextafter", "float_power", "ldexp", "igamma", "bitwise_left_shift",
                 "bitwise_right_shift"]:
        try:
            expected = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        except (RuntimeError, NotImplementedError) as error:
            with pytest.raises(type(error)):
                getattr(yingshe, name)(yingshe.tensor(a), yingshe.tensor(b))
            continue
        actual = getattr(yingshe, name)(yingshe.tensor(a), yingshe.tensor(b))
        assert actual.dtype.name == str(expected.dtype).replace("torch.", ""), name
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6, err_msg=name)


def test_integer_division_by_zero_raises():
    a, zero = yingshe.tensor([3, -3]), yingshe.tensor([0, 1])
    check_raises(lambda: yingshe.fmod(a, zero), RuntimeError, "fmod", "ZeroDivisionError")
    check_raises(lambda: yingshe.div(a, zero, rounding_mode="trunc"), RuntimeError,
                 "ZeroDivisionError")


def test_bit_shifts():
    a = np.array([1, -8, 3, 7, -1])
    shifts = np.array([1, 2, 70, -1, 63])
    for name, op in [("bitwise_left_shift", lambda x, y: x << y),
                     ("bitwise_right_shift", lambda x, y: x >> y)]:
        for ys_b, t_b in [(yingshe.tensor(shifts), torch.tensor(shifts)), (2, 2)]:
            expected = getattr(torch, name)(torch.tensor(a), t_b)
            np.testing.assert_array_equal(
                getattr(yingshe, name)(yingshe.tensor(a), ys_b).numpy(), expected.numpy())
            np.testing.assert_array_equal(op(yingshe.tensor(a), ys_b).numpy(),
                                          op(torch.tensor(a), t_b).numpy())
    np.testing.assert_array_equal((3 << yingshe.tensor([1, 2])).numpy(), [6, 12])
    small = yingshe.tensor(np.array([1, 200], np.uint8))
    assert (small << 9).tolist() == [0, 0] and (small << 9).dtype == yingshe.uint8
    check_raises(lambda: yingshe.tensor([1.5]) << 1, NotImplementedError, "float32")


def test_heaviside():
    x = np.array([-1.5, 0.0, 2.0, np.nan, 0.0])
    values = np.array([0.5, 0.25, 0.5, 0.5, 1.0])
    for v in (values, values[1:2]):
        expected = torch.heaviside(torch.tensor(x), torch.tensor(v))
        np.testing.assert_array_equal(
            yingshe.heaviside(yingshe.tensor(x), yingshe.tensor(v)).numpy(), expected.numpy())
    check_raises(lambda: yingshe.heaviside(yingshe.tensor([1.0]), yingshe.tensor([1])),
                 RuntimeError, "different dtypes")


def test_addcmul_and_addcdiv():
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((3,)), signed((2, 1))
    for value in (1, 0.5, -2):
        for name in ["addcmul", "addcdiv"]:
            check_op(lambda x, y, z: getattr(yingshe, name)(x, y, z, value=value),
                     lambda x, y, z: getattr(torch, name)(x, y, z, value=value), [a, b, c])
    ints = yingshe.tensor([1, 2])
    check_raises(lambda: yingshe.addcdiv(ints, ints, ints), RuntimeError, "Integer division")


def test_frexp():
    x = np.array([0.0, 1.0, -3.5, 1e-3, 1024.0, 0.75])
    check_op(yingshe.frexp, torch.frexp, [x], check_gradcheck=False, check_gradgrad=False)
    result = yingshe.frexp(yingshe.tensor(x))
    assert result.exponent.dtype == yingshe.int32 and result.mantissa is result[0]
    check_raises(lambda: yingshe.frexp(yingshe.tensor([1])), RuntimeError, "floating-point")


def test_real_imag_angle():
    x = yingshe.tensor([-1.0, 0.0, 2.0])
    assert yingshe.real(x) is x and x.real is x
    check_raises(lambda: x.imag, RuntimeError, "non-complex")
    check_raises(lambda: torch.tensor([1.0]).imag, RuntimeError, "non-complex")
    check_raises(lambda: yingshe.positive(yingshe.tensor([True])), RuntimeError, "bool")
    check_raises(lambda: +yingshe.tensor([True]), RuntimeError, "bool")


# ---- div with rounding modes -------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode(mode):
    a = np.array([7, -7, 7, -7, 0, 5])
    b = np.array([2, 2, -2, -2, 3, 5])
    for ys_b, t_b in [(yingshe.tensor(b), torch.tensor(b)), (2, 2), (-2.5, -2.5)]:
        expected = torch.div(torch.tensor(a), t_b, rounding_mode=mode)
        actual = yingshe.div(yingshe.tensor(a), ys_b, rounding_mode=mode)
        assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())
    x = np.array([1.5, -2.0, 0.0, 7.3, -7.3])
    y = np.array([0.0, 0.0, 0.0, -0.7, 0.7])
    expected = torch.div(torch.tensor(x), torch.tensor(y), rounding_mode=mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        actual = yingshe.div(yingshe.tensor(x), yingshe.tensor(y), rounding_mode=mode)
    np.testing.assert_array_equal(actual.numpy(), expected.numpy())
    np.testing.assert_array_equal(np.signbit(actual.numpy()), np.signbit(expected.numpy()))
    # zero gradients for both operands, as in PyTorch
    check_op(lambda p, q: yingshe.div(p, q, rounding_mode=mode),
             lambda p, q: torch.div(p, q, rounding_mode=mode),
             [rng.uniform(0.1, 5, (2, 3)) * 3.3, positive((3,))], check_gradcheck=False,
             check_gradgrad=False)


def test_div_rounding_mode_errors():
    x = yingshe.tensor([1.0])
    check_raises(lambda: yingshe.div(x, x, rounding_mode="round"), ValueError, "rounding_mode")
    b = yingshe.tensor([True])
    check_raises(lambda: yingshe.div(b, b, rounding_mode="floor"), NotImplementedError, "bool")
    assert x.div(2.0, rounding_mode="floor").item() == 0.0


# ---- closeness -------------------------------------------------------------------------------
def test_isclose_allclose_equal():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 1.0, 0.0, 1e-9])
    b = np.array([1.0 + 1e-6, np.nan, np.inf, np.inf, 1.1, 1e-8, 0.0])
    for dtype in ("float32", "float64"):
        ta, tb = torch.tensor(a.astype(dtype)), torch.tensor(b.astype(dtype))
        ya, yb = yingshe.tensor(a.astype(dtype)), yingshe.tensor(b.astype(dtype))
        for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"rtol": 0, "atol": 0},
                       {"atol": 1e-7, "rtol": 0}):
            np.testing.assert_array_equal(yingshe.isclose(ya, yb, **kwargs).numpy(),
                                          torch.isclose(ta, tb, **kwargs).numpy())
            assert ya.isclose(yb, **kwargs).tolist() == ta.isclose(tb, **kwargs).tolist()
            assert yingshe.allclose(ya[:1], yb[:1], **kwargs) == torch.allclose(ta[:1], tb[:1],
                                                                                **kwargs)
        assert yingshe.allclose(ya, ya, equal_nan=True) is True
        assert ya.allclose(ya) is False  # NaN != NaN
    ints = yingshe.tensor([1, 2, 3])
    np.testing.assert_array_equal(yingshe.isclose(ints, yingshe.tensor([1, 3, 3]), atol=1).numpy(),
                                  torch.isclose(torch.tensor([1, 2, 3]), torch.tensor([1, 3, 3]),
                                                atol=1).numpy())
    assert yingshe.isclose(yingshe.ones(2, 1), yingshe.ones(3)).shape == (2, 3)
    check_raises(lambda: yingshe.isclose(ya.float(), ya.double()), RuntimeError, "float32",
                 "float64")
    check_raises(lambda: yingshe.isclose(ya, ya, rtol=-1), RuntimeError, "rtol")
    assert yingshe.equal(ints, yingshe.tensor([1.0, 2.0, 3.0])) is True
    assert ints.equal(yingshe.tensor([1, 2, 4])) is False
    assert yingshe.equal(ints, yingshe.tensor([[1, 2, 3]])) is False
    assert yingshe.equal(yingshe.tensor([np.nan]), yingshe.tensor([np.nan])) is False


# ---- in-place methods --------------------------------------------------------------------------
INPLACE_UNARY = ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "atanh", "exp2", "log2",
                 "log10", "sinc", "erfc", "erfinv", "i0", "lgamma", "digamma", "logit",
                 "nan_to_num", "frac", "fix", "deg2rad", "rad2deg", "sgn", "abs", "absolute",
                 "neg", "negative", "exp", "log1p", "expm1", "sin", "cos", "tanh", "sigmoid",
                 "relu", "sign", "floor", "ceil", "trunc", "round", "square", "reciprocal", "erf",
                 "arcsin", "arccos", "arctan", "arcsinh", "arctanh"]


@pytest.mark.parametrize("name", INPLACE_UNARY)
def test_inplace_unary(name):
    """x.f_() writes f(x) into x and returns x; in a graph its gradient is f's."""
    x = rng.uniform(0.1, 0.9, (2, 3))
    t, y = torch.tensor(x), yingshe.tensor(x)
    assert getattr(y, name + "_")() is y
    getattr(t, name + "_")()
    np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-5)
    out_of_place = {"asinh": torch.asinh, "arcsinh": torch.asinh, "atanh": torch.atanh,
                    "arctanh": torch.atanh}
    if name in out_of_place:  # torch has no derivative for these in place; yingshe has
        check_op(lambda a: getattr(a * 1.0, name + "_")(), lambda a: out_of_place[name](a * 1.0),
                 [x], check_gradcheck=False, check_gradgrad=False, noncontiguous_inputs=False)
        return
    reference = REFERENCE.get(name, name) + "_"
    check_op(lambda a: getattr(a * 1.0, name + "_")(), lambda a: getattr(a * 1.0, reference)(),
             [x], check_gradcheck=False, check_gradgrad=False, noncontiguous_inputs=False)


INPLACE_BINARY = ["atan2", "arctan2", "hypot", "copysign", "xlogy", "fmod", "remainder",
                  "float_power", "pow", "lerp", "ldexp", "clamp_min", "clamp_max", "eq", "lt",
                  "ge", "not_equal", "logical_and", "logical_xor", "floor_divide", "nextafter",
                  "igamma", "polygamma"]


@pytest.mark.parametrize("name", INPLACE_BINARY)
def test_inplace_binary(name):
    x, other = rng.uniform(0.5, 2, (2, 3)), rng.uniform(0.5, 2, (3,))

    def args(module):
        if name == "lerp":
            return (module.tensor(other.astype(np.float32)), 0.3)
        if name in ("clamp_min", "clamp_max"):
            return (1.0,)
        if name == "polygamma":
            return (1,)
        return (module.tensor(other),)
    dtype = "float64" if name == "float_power" else "float32"
    t, y = torch.tensor(x.astype(dtype)), yingshe.tensor(x.astype(dtype))
    method = name + "_"
    assert getattr(y, method)(*args(yingshe)) is y
    getattr(t, method)(*args(torch))
    np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-5)


def test_inplace_records_the_graph():
    x = rng.uniform(0.1, 0.9, (2, 3))
    other = rng.uniform(0.5, 2, (3,))
    check_op(lambda a, b: (a * 2.0).atan2_(b), lambda a, b: (a * 2.0).atan2_(b), [x, other],
             noncontiguous_inputs=False)
    check_op(lambda a, b: (a + 0.0).xlogy_(b).asin_(), lambda a, b: (a + 0.0).xlogy_(b).asin_(),
             [x * 0.1, other], noncontiguous_inputs=False)


def test_inplace_rules():
    """The result keeps the tensor's shape and dtype: no broadcasting to a larger shape, no
    floats into integers; a leaf that requires grad cannot be changed in place."""
    ints = yingshe.tensor([1, 4])
    check_raises(lambda: ints.sqrt_(), RuntimeError, "sqrt_", "float32", "int64")
    check_raises(lambda: yingshe.tensor([1.0, 2.0]).atan2_(yingshe.ones(3, 2)), RuntimeError,
                 "atan2_", "[2]", "[3, 2]")
    check_raises(lambda: yingshe.tensor([0.5], requires_grad=True).asin_(), RuntimeError, "leaf")
    floats = yingshe.tensor([1.0, 2.0])
    assert floats.lt_(1.5) is floats and floats.tolist() == [1.0, 0.0]
    assert ints.eq_(yingshe.tensor([1.0, 2.0])).tolist() == [1, 0]
    assert yingshe.tensor([1, 4]).abs_().dtype == yingshe.int64
    y = yingshe.tensor([5, 6])
    y //= 4
    y <<= 2
    y |= 1
    assert y.tolist() == [5, 5]
    z = yingshe.tensor([2.0, 3.0])
    z **= 2
    z %= 5
    assert z.tolist() == [4.0, 4.0]


def test_inplace_method_names_match_torch():
    """Every pointwise function yingshe has that PyTorch also offers in place has its x.f_()."""
    names = [n for n in yingshe.ops.elementwise.__all__
             if hasattr(torch.Tensor, n + "_") and hasattr(yingshe.Tensor, n)]
    missing = [n + "_" for n in names if not hasattr(yingshe.Tensor, n + "_")]
    assert not missing


TORCH_POINTWISE = ["abs", "absolute", "acos", "arccos", "acosh", "arccosh", "add", "addcdiv",
    "addcmul", "angle", "asin", "arcsin", "asinh", "arcsinh", "atan", "arctan", "atanh", "arctanh",
    "atan2", "arctan2", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_left_shift", "bitwise_right_shift", "ceil", "clamp", "clip", "conj_physical",
    "copysign", "cos", "cosh", "deg2rad", "div", "divide", "digamma", "erf", "erfc", "erfinv",
    "exp", "exp2", "expm1", "fix", "float_power", "floor", "floor_divide", "fmod", "frac", "frexp",
    "imag", "ldexp", "lerp", "lgamma", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logit", "hypot", "i0", "igamma",
    "igammac", "mul", "multiply", "mvlgamma", "nan_to_num", "neg", "negative", "nextafter",
    "polygamma", "positive", "pow", "rad2deg", "real", "reciprocal", "remainder", "round", "rsqrt",
    "sigmoid", "sign", "sgn", "signbit", "sin", "sinc", "sinh", "sqrt", "square", "sub",
    "subtract", "tan", "tanh", "true_divide", "trunc", "xlogy", "heaviside", "clamp_min",
    "clamp_max", "isfinite", "isinf", "isnan", "isposinf", "isneginf", "isreal", "fmax", "fmin",
    "isclose", "allclose", "equal"]


@pytest.mark.parametrize("name", TORCH_POINTWISE)
def test_pointwise_names_exist(name):
    """torch.f, Tensor.f and Tensor.f_ exist in yingshe wherever they exist in PyTorch."""
    assert hasattr(yingshe, name)
    for attribute in (name, name + "_"):
        if hasattr(torch.Tensor, attribute):
            assert hasattr(yingshe.Tensor, attribute), attribute


# ---- format -------------------------------------------------------------------------------------
def test_format_of_tensors():
    """A 0-d tensor formats its number; other tensors take only the empty spec (TypeError)."""
    for value in (3.14159, 2, True, -0.5):
        t, y = torch.tensor(value), yingshe.tensor(value)
        for spec in ("", ".4f", "8.2e", "+", ">10"):
            if isinstance(value, bool) and spec in (".4f", "8.2e"):
                continue
            assert format(y, spec) == format(t, spec), (value, spec)
    loss = yingshe.tensor(0.123456, requires_grad=True) * 2.0
    assert f"{loss:.4f}" == "0.2469"
    assert f"{yingshe.tensor(5):d}" == "5"
    vector = yingshe.tensor([1.0, 2.0])
    assert format(vector, "") == repr(vector) and f"{vector}" == str(vector)
    check_raises(lambda: format(vector, ".2f"), TypeError, "unsupported format string")
    with pytest.raises(TypeError):
        format(torch.tensor([1.0, 2.0]), ".2f")
