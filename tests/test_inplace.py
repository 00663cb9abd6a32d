"""In-place ops: values, version counters, the graph they record, and PyTorch's errors."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import yingshe
from helpers import check_op, check_raises, noncontiguous

rng = np.random.default_rng(0)

# (self shape, other shape): the operand broadcasts to self's shape, never beyond it
FITTING_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), ()),
                  ((5,), (1,)), ((), ())]
BINARY = ["add_", "sub_", "mul_", "div_"]


def _operand(name, shape):
    other = rng.standard_normal(shape)
    return other + np.sign(other) * 2.0 if name == "div_" else other  # keep away from 0


@pytest.mark.parametrize("self_shape,other_shape", FITTING_SHAPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_in_place_values_without_grad(name, self_shape, other_shape):
    for dtype in (np.float32, np.float64):
        base, other = rng.standard_normal(self_shape).astype(dtype), _operand(name, other_shape)
        for layout in (np.array, noncontiguous):
            x, t = yingshe.from_numpy(layout(base.copy())), torch.tensor(base)
            memory = x._data
            result = getattr(x, name)(yingshe.tensor(other, dtype=dtype))
            getattr(t, name)(torch.tensor(other.astype(dtype)))
            assert result is x and x._data is memory and x._version == 1
            assert x.dtype.name == str(t.dtype)[6:]
            np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("self_shape,other_shape", FITTING_SHAPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_in_place_gradients(name, self_shape, other_shape):
    """On a non-leaf the op is recorded: gradients to both operands match PyTorch's."""
    x, other = rng.standard_normal(self_shape), _operand(name, other_shape)
    check_op(lambda a, b: getattr(a * 1.0, name)(b), lambda a, b: getattr(a * 1.0, name)(b),
             [x, other])


@pytest.mark.parametrize("name,scalar", [("add_", 2.5), ("sub_", 3), ("mul_", -1.5),
                                         ("div_", 4.0), ("add_", True)])
def test_binary_in_place_with_a_number(name, scalar):
    check_op(lambda a: getattr(a * 1.0, name)(scalar), lambda a: getattr(a * 1.0, name)(scalar),
             [rng.standard_normal((2, 3))])
    x = yingshe.ones(3)
    getattr(x, name)(scalar)
    assert x.dtype == yingshe.float32  # a number never changes the tensor's dtype


def test_alpha():
    check_op(lambda a, b: (a * 1.0).add_(b, alpha=-0.5), lambda a, b: (a * 1.0).add_(b, alpha=-0.5),
             [rng.standard_normal((3, 2)), rng.standard_normal((2,))])
    check_op(lambda a, b: (a * 1.0).sub_(b, alpha=3), lambda a, b: (a * 1.0).sub_(b, alpha=3),
             [rng.standard_normal((3, 2)), rng.standard_normal((3, 2))])
    p, g = yingshe.ones(2), yingshe.tensor([1.0, 2.0])
    p.add_(g, alpha=np.float64(-0.1))  # an optimiser step: stays float32
    assert p.dtype == yingshe.float32 and np.allclose(p.numpy(), [0.9, 0.8])


def test_operators_are_in_place():
    x = yingshe.tensor([1.0, 2.0])
    alias, memory = x, x._data
    x += 1
    x -= yingshe.tensor([0.5, 0.5])
    x *= 2
    x /= 4
    assert x is alias and x._data is memory and x._version == 4
    np.testing.assert_allclose(x.numpy(), [0.75, 1.25])


def test_integer_and_mixed_dtypes():
    ints = yingshe.tensor([1, 2, 3], dtype=yingshe.int32)
    ints.add_(yingshe.tensor([1, 1, 1]))  # int64 operand: result cast back to int32
    ints.mul_(2)
    assert ints.dtype == yingshe.int32 and ints.tolist() == [4, 6, 8]
    floats = yingshe.ones(2)
    floats.add_(yingshe.tensor([0.5, 0.5], dtype=yingshe.float64))
    assert floats.dtype == yingshe.float32 and floats.tolist() == [1.5, 1.5]
    ints64 = yingshe.tensor([1, 2])
    check_raises(lambda: ints64.add_(1.5), RuntimeError,
                 "result type float32 can't be cast to the desired output type int64")
    check_raises(lambda: ints64.add_(yingshe.ones(2)), RuntimeError, "can't be cast")
    check_raises(lambda: ints64.div_(2), RuntimeError, "can't be cast", "int64")
    check_raises(lambda: ints64.add_(1, alpha=1.5), RuntimeError, "alpha", "floating point")
    check_raises(lambda: ints64.clamp_(0.5), RuntimeError, "can't be cast")
    check_raises(lambda: yingshe.tensor([True]).add_(1), RuntimeError, "int64", "bool")
    check_raises(lambda: yingshe.tensor([True]).sub_(True), RuntimeError, "bool")
    assert ints64._version == 0  # a refused op writes nothing


def test_shape_and_type_errors():
    x = yingshe.zeros(3)
    check_raises(lambda: x.add_(yingshe.ones(2, 3)), RuntimeError,
                 "output with shape [3] doesn't match the broadcast shape [2, 3]")
    check_raises(lambda: x.mul_(yingshe.ones(2)), RuntimeError, "mul_",
                 "(3,)", "(2,)")
    check_raises(lambda: x.add_("1"), TypeError, "add_", "str")
    check_raises(lambda: x.copy_(yingshe.ones(1, 3)), RuntimeError, "copy_", "[1, 3]")
    check_raises(lambda: x.fill_(yingshe.ones(2)), RuntimeError, "0-dimensional", "1 dimension")
    check_raises(lambda: x.clamp_(), RuntimeError, "at least one of 'min' or 'max'")
    check_raises(lambda: x.masked_fill_(yingshe.tensor([1, 0, 1]), 0.0), RuntimeError,
                 "boolean masks", "int64")
    check_raises(lambda: x.masked_fill_(yingshe.tensor([[True], [False]]), 0.0), RuntimeError,
                 "output with shape [3]", "[2, 3]")
    check_raises(lambda: x.normal_(0, -1), RuntimeError, "std >= 0.0", "-1")
    check_raises(lambda: yingshe.zeros(2, dtype=yingshe.int64).uniform_(), NotImplementedError,
                 "uniform_", "int64")


# ---- the graph -------------------------------------------------------------------------------
def test_leaf_that_requires_grad_cannot_change_in_place():
    w = yingshe.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.uniform_(),
               lambda: w.copy_(yingshe.ones(2))):
        check_raises(op, RuntimeError,
                     "a leaf Variable that requires grad is being used in an in-place operation")
    check_raises(lambda: w[0].add_(1), RuntimeError, "a view of a leaf Variable")
    assert w._version == 0 and w.tolist() == [1.0, 2.0]


def test_in_place_on_a_leaf_under_no_grad_is_allowed():
    w = yingshe.tensor([1.0, 2.0], requires_grad=True)
    with yingshe.no_grad():
        w.mul_(3).add_(yingshe.tensor([1.0, 1.0]), alpha=-1)
        w[1] = 10.0
    assert w.is_leaf and w.requires_grad and w.grad_fn is None and w._version == 3
    assert w.tolist() == [2.0, 10.0]


def test_modified_saved_tensor_raises_on_backward():
    w = yingshe.tensor(rng.standard_normal(3), requires_grad=True)
    a = w * 2
    b = a * a  # saves a
    a.add_(1)
    check_raises(lambda: b.backward(yingshe.ones(3)), RuntimeError,
                 "modified by an inplace operation", "version 1", "expected version 0")


def test_in_place_result_continues_the_graph():
    w = yingshe.tensor(rng.standard_normal(3), dtype=yingshe.float64, requires_grad=True)
    v = yingshe.tensor(rng.standard_normal(3), dtype=yingshe.float64, requires_grad=True)
    a = w * 2
    a.mul_(v).add_(1).div_(v * v + 1)
    tw, tv = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (w, v))
    ta = tw * 2
    ta.mul_(tv).add_(1).div_(tv * tv + 1)
    np.testing.assert_allclose(a.detach().numpy(), ta.detach().numpy())
    a.backward(yingshe.ones(3, dtype=yingshe.float64))
    ta.backward(torch.ones(3, dtype=torch.float64))
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())
    assert a._version == 3 and not a.is_leaf


def test_operand_that_requires_grad_makes_a_plain_tensor_part_of_the_graph():
    v = yingshe.tensor([1.0, 2.0], requires_grad=True)
    buffer = yingshe.zeros(2)
    buffer.add_(v * v)
    assert buffer.requires_grad and buffer.grad_fn is not None
    buffer.backward(yingshe.ones(2))
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 4.0])


def test_views_share_the_version_counter():
    x = yingshe.zeros(2, 3)
    row = x[0]
    with yingshe.no_grad():
        row.add_(1)
    assert x._version == 1 and x.tolist()[0] == [1, 1, 1]
    w = yingshe.tensor(np.ones((2, 3)), requires_grad=True)
    a = w * 2
    check_raises(lambda: a[0].mul_(3), RuntimeError, "view", "not supported")


# ---- clamp, fill, copy, masked fill ----------------------------------------------------------
@pytest.mark.parametrize("low,high", [(-0.5, 0.5), (None, 0.2), (0.1, None), (0.5, -0.5)])
def test_clamp_with_numbers(low, high):
    x = rng.standard_normal((3, 4))
    check_op(lambda a: (a * 1.0).clamp_(low, high), lambda a: (a * 1.0).clamp_(low, high), [x])
    y, t = yingshe.tensor(x, dtype=yingshe.float32), torch.tensor(x, dtype=torch.float32)
    y.clip_(low, high)
    t.clip_(low, high)
    np.testing.assert_array_equal(y.numpy(), t.numpy())


@pytest.mark.parametrize("low_shape,high_shape", [((3, 4), (3, 4)), ((4,), None), (None, (3, 1)),
                                                  ((), ())])
def test_clamp_with_tensors(low_shape, high_shape):
    x = rng.standard_normal((3, 4))
    inputs = [x] + [np.asarray(rng.standard_normal(s) * 0.5 + (0.4 if i else -0.4))
                    for i, s in enumerate((low_shape, high_shape)) if s is not None]

    def clamp(a, *bounds):
        bounds = list(bounds)
        low = bounds.pop(0) if low_shape is not None else None
        high = bounds.pop(0) if high_shape is not None else None
        return (a * 1.0).clamp_(low, high)
    check_op(clamp, clamp, inputs)


def test_fill_zero_and_random_fills_cut_the_gradient():
    check_op(lambda a: (a * 1.0).fill_(2.5), lambda a: (a * 1.0).fill_(2.5),
             [rng.standard_normal(3)])
    check_op(lambda a: (a * 1.0).zero_(), lambda a: (a * 1.0).zero_(), [rng.standard_normal(3)])
    check_op(lambda a, v: (a * 1.0).fill_(v), lambda a, v: (a * 1.0).fill_(v),
             [rng.standard_normal((2, 3)), rng.standard_normal(())])
    w = yingshe.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    y.uniform_()
    y.backward(yingshe.ones(2))
    assert y.requires_grad and w.grad.tolist() == [0.0, 0.0]  # as PyTorch: zeros, not None


@pytest.mark.parametrize("src_shape,src_dtype", [((2, 3), "float64"), ((3,), "float64"),
                                                 ((2, 1), "float32"), ((), "float64")])
def test_copy(src_shape, src_dtype):
    src = rng.standard_normal(src_shape)
    check_op(lambda a, s: (a * 1.0).copy_(s), lambda a, s: (a * 1.0).copy_(s),
             [rng.standard_normal((2, 3)), src])
    x = yingshe.zeros(2, 3, dtype=yingshe.int32)
    x.copy_(yingshe.tensor(src * 10, dtype=src_dtype))
    t = torch.zeros(2, 3, dtype=torch.int32).copy_(
        torch.tensor(src * 10, dtype=getattr(torch, src_dtype)))
    assert x.dtype == yingshe.int32 and x.tolist() == t.tolist()
    assert yingshe.zeros(2).copy_(3).tolist() == [3.0, 3.0]


@pytest.mark.parametrize("shape,mask_shape", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)),
                                              ((2,), ())])
def test_masked_fill(shape, mask_shape):
    x, mask = rng.standard_normal(shape), np.asarray(rng.standard_normal(mask_shape) > 0)
    check_op(lambda a, m: (a * 1.0).masked_fill_(m, -2.0),
             lambda a, m: (a * 1.0).masked_fill_(m, -2.0), [x, mask])
    check_op(lambda a, m, v: (a * 1.0).masked_fill_(m, v),
             lambda a, m, v: (a * 1.0).masked_fill_(m, v), [x, mask, rng.standard_normal(())])
    y, t = yingshe.from_numpy(noncontiguous(x.copy())), torch.tensor(x)
    y.masked_fill_(yingshe.tensor(mask), 7)
    t.masked_fill_(torch.tensor(mask), 7)
    np.testing.assert_array_equal(y.numpy(), t.numpy())


@pytest.mark.parametrize("shape,mask_shape", [((3,), (2, 3)), ((3, 4), (4,)), ((), (2,))])
def test_masked_fill_out_of_place_broadcasts(shape, mask_shape):
    x, mask = rng.standard_normal(shape), np.asarray(rng.standard_normal(mask_shape) > 0)
    check_op(lambda a, m, v: yingshe.masked_fill(a, m, v), torch.masked_fill,
             [x, mask, rng.standard_normal(())])
    check_op(lambda a, m: a.masked_fill(m, 0.5), lambda a, m: a.masked_fill(m, 0.5), [x, mask])


# ---- random fills ----------------------------------------------------------------------------
def test_clamp_with_numpy_scalars_keeps_float32():
    x = yingshe.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    y = (x * 1.0).clamp_(np.float64(-1), np.float64(1))
    assert y.dtype == yingshe.float32 and y.tolist() == [-1.0, 0.0, 1.0]


def test_uniform_and_normal_are_seeded_and_keep_the_dtype():
    yingshe.manual_seed(7)
    a = yingshe.empty(1000).uniform_(-2, 3)
    b = yingshe.empty(1000, dtype=yingshe.float64).normal_(1.0, 0.5)
    yingshe.manual_seed(7)
    a2 = yingshe.empty(1000).uniform_(-2, 3)
    b2 = yingshe.empty(1000, dtype=yingshe.float64).normal_(1.0, 0.5)
    assert a.tolist() == a2.tolist() and b.tolist() == b2.tolist()
    assert a.dtype == yingshe.float32 and b.dtype == yingshe.float64
    assert -2 <= a.numpy().min() and a.numpy().max() < 3 and abs(a.numpy().mean() - 0.5) < 0.2
    assert abs(b.numpy().mean() - 1.0) < 0.1 and abs(b.numpy().std() - 0.5) < 0.05
    yingshe.manual_seed(3)
    drawn = yingshe.rand(4, 5)
    yingshe.manual_seed(3)
    assert yingshe.empty(4, 5).uniform_().tolist() == drawn.tolist()  # the draws of rand
    half = yingshe.zeros(8, dtype=yingshe.float16).normal_()
    assert half.dtype == yingshe.float16 and half._version == 1
    view = yingshe.from_numpy(noncontiguous(np.zeros((3, 4), np.float32)))
    view.uniform_(5, 6)
    assert view.numpy().min() >= 5


# ---- a property test: random shapes that fit ---------------------------------------------------
@st.composite
def fitting_shapes(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    keep = draw(st.integers(0, len(shape)))
    other = tuple(n if draw(st.booleans()) else 1 for n in shape[len(shape) - keep:])
    return shape, other


@settings(max_examples=15, deadline=None)
@given(fitting_shapes(), st.sampled_from(["add_", "sub_", "mul_"]))
def test_random_fitting_shapes(shapes, name):
    self_shape, other_shape = shapes
    check_op(lambda a, b: getattr(a * 1.0, name)(b), lambda a, b: getattr(a * 1.0, name)(b),
             [rng.standard_normal(self_shape), rng.standard_normal(other_shape)],
             check_gradgrad=False)
