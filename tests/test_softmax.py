"""softmax, log_softmax and one_hot against PyTorch: values, gradients, second derivatives,
numerical stability and error messages."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings

import yingshe
from helpers import check_op, check_raises
from yingshe.ops.softmax import log_softmax, one_hot, softmax

rng = np.random.default_rng(0)
FUNCTIONS = {"softmax": (softmax, torch.softmax), "log_softmax": (log_softmax, torch.log_softmax)}
SHAPES_AND_DIMS = [((5,), 0), ((5,), -1), ((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((3, 4), -2),
                   ((2, 3, 4), 1), ((2, 3, 4), -3), ((), 0), ((), -1), ((1, 1), 0), ((4, 1), 1),
                   ((1, 6), 1), ((4,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -2)]


@pytest.mark.parametrize("shape,dim", SHAPES_AND_DIMS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_softmax_family(name, shape, dim):
    ys_fn, torch_fn = FUNCTIONS[name]
    check_op(lambda x: ys_fn(x, dim), lambda x: torch_fn(x, dim), [rng.standard_normal(shape)])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_tensor_methods_and_keyword(name):
    check_op(lambda x: getattr(x, name)(dim=-1), lambda x: getattr(x, name)(dim=-1),
             [rng.standard_normal((3, 4))])
    check_op(lambda x: getattr(x, name)(0), lambda x: getattr(x, name)(0),
             [rng.standard_normal((3, 4))])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_dtype_argument(name):
    ys_fn, torch_fn = FUNCTIONS[name]
    check_op(lambda x: ys_fn(x, 1, dtype=yingshe.float64),
             lambda x: torch_fn(x, 1, dtype=torch.float64), [rng.standard_normal((2, 3))],
             dtypes=("float32",))
    labels = rng.integers(-3, 3, (2, 3))
    check_op(lambda x: ys_fn(x, 0, dtype=yingshe.float32),
             lambda x: torch_fn(x, 0, dtype=torch.float32), [labels], dtypes=("float64",))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_large_magnitudes_do_not_overflow(name, dtype):
    ys_fn, torch_fn = FUNCTIONS[name]
    x = (rng.standard_normal((4, 7)) * 1e4).astype(dtype)
    x[0] = 1e4  # a row of equal, large values: exactly uniform
    x[1] = -1e4
    out = ys_fn(yingshe.from_numpy(x), -1).numpy()
    expected = torch_fn(torch.from_numpy(x), -1).numpy()
    assert out.dtype == x.dtype and np.all(np.isfinite(out))
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
    check_op(lambda t: ys_fn(t, 0), lambda t: torch_fn(t, 0), [x], dtypes=(dtype,),
             check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_large_inputs_a_few_units_apart(name):
    """Differences of a few units between values of 3e4 survive the shift by the maximum."""
    ys_fn, torch_fn = FUNCTIONS[name]
    x = np.array([[1e4, -1e4, 0.0], [3e4, 3e4 - 1, 3e4 + 2]])
    check_op(lambda t: ys_fn(t, 1), lambda t: torch_fn(t, 1), [x], check_gradcheck=False,
             check_gradgrad=False)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_second_derivatives_match_torch(name):
    ys_fn, torch_fn = FUNCTIONS[name]
    x, v, u = (rng.standard_normal((3, 5)) for _ in range(3))
    yx, yv = (yingshe.from_numpy(a).requires_grad_() for a in (x, v))
    tx, tv = (torch.tensor(a, requires_grad=True) for a in (x, v))
    (gx,) = yingshe.autograd.grad(ys_fn(yx, 1), [yx], yv, create_graph=True)
    ys_second = yingshe.autograd.grad(gx, [yx, yv], yingshe.from_numpy(u))
    (tgx,) = torch.autograd.grad(torch_fn(tx, 1), [tx], tv, create_graph=True)
    torch_second = torch.autograd.grad(tgx, [tx, tv], torch.from_numpy(u))
    for a, b in zip(ys_second, torch_second):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), st.data())
def test_softmax_family_hypothesis(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    name = data.draw(st.sampled_from(sorted(FUNCTIONS)), label="name")
    ys_fn, torch_fn = FUNCTIONS[name]
    check_op(lambda x: ys_fn(x, dim), lambda x: torch_fn(x, dim), [rng.standard_normal(shape)],
             check_gradgrad=False)


def test_softmax_rows_sum_to_one():
    out = softmax(yingshe.randn(6, 9), dim=1).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.sum(axis=1), np.ones(6), rtol=1e-6)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_softmax_errors(name):
    ys_fn = FUNCTIONS[name][0]
    x = yingshe.zeros(2, 3)
    check_raises(lambda: ys_fn(x), TypeError, name, "'dim'")
    check_raises(lambda: ys_fn(yingshe.zeros(3)), TypeError, name, "'dim'")
    check_raises(lambda: ys_fn(x, 2), IndexError, name, "[-2, 1]", "got 2")
    check_raises(lambda: ys_fn(x, (0, 1)), TypeError, name, "dim must be an int", "tuple")
    check_raises(lambda: ys_fn(yingshe.tensor([1, 2]), 0), NotImplementedError, name, "int64")
    check_raises(lambda: ys_fn([1.0, 2.0], 0), TypeError, name, "list")


@pytest.mark.parametrize("shape,num_classes", [((5,), -1), ((5,), 7), ((2, 3), -1), ((2, 3), 4),
                                               ((), 3), ((0,), 3), ((0, 2), 3)])
def test_one_hot(shape, num_classes):
    labels = rng.integers(0, 3, shape)
    out = one_hot(yingshe.from_numpy(labels), num_classes)
    expected = TF.one_hot(torch.from_numpy(labels), num_classes)
    assert out.dtype == yingshe.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_one_hot_of_a_literal_matrix():
    labels = np.array([[0, 3], [2, 1]])
    assert one_hot(yingshe.from_numpy(labels)).tolist() == \
        TF.one_hot(torch.from_numpy(labels)).tolist()
    assert one_hot(yingshe.tensor([1]), 4).dtype == yingshe.int64
    check_raises(lambda: one_hot(yingshe.tensor([5]), 3), RuntimeError, "5", "num_classes=3")
    check_raises(lambda: one_hot(yingshe.tensor([-1])), RuntimeError, "-1")


def test_one_hot_errors():
    labels = yingshe.tensor([0, 3, 1])
    check_raises(lambda: one_hot(yingshe.tensor([0, -2, 1])), RuntimeError, "non-negative",
                 "-2")
    check_raises(lambda: one_hot(labels, 3), RuntimeError, "class value 3",
                 "num_classes=3")
    check_raises(lambda: one_hot(labels, -3), RuntimeError, "num_classes", "-3")
    check_raises(lambda: one_hot(yingshe.tensor([], dtype=yingshe.int64)), RuntimeError,
                 "empty tensor", "num_classes")
    check_raises(lambda: one_hot(yingshe.tensor([1, 2], dtype=yingshe.int32)), RuntimeError,
                 "int64", "int32")
    check_raises(lambda: one_hot(yingshe.tensor([1.0])), RuntimeError, "int64", "float32")
    check_raises(lambda: one_hot([1, 2]), TypeError, "one_hot", "list")
