"""Indexing (getitem, setitem) and the gather/scatter family, compared with PyTorch."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import yingshe
from helpers import check_op, check_raises, noncontiguous

rng = np.random.default_rng(0)


def lib_index(index, lib):
    """The index with NumPy arrays turned into tensors of ``lib`` (yingshe or torch)."""
    if isinstance(index, tuple):
        return tuple(lib_index(i, lib) for i in index)
    if isinstance(index, np.ndarray):
        return lib.tensor(index)
    return index


def check_getitem(shape, index, **kwargs):
    x = rng.standard_normal(shape)
    ys_index, torch_index = lib_index(index, yingshe), lib_index(index, torch)
    check_op(lambda t: t[ys_index], lambda t: t[torch_index], [x], **kwargs)


MASK_23 = np.array([[True, False, True], [False, False, True]])
GETITEM_CASES = [
    # basic: ints, slices, None, Ellipsis
    1, -1, (0, 1), (1, -1, 2), (slice(None), 2), (Ellipsis, 1), (None, 0), slice(0, 2, 2),
    (slice(None), slice(1, None), None), (1, Ellipsis, None),
    (slice(-2, None), slice(None, None, 2), slice(1, 3)), slice(5, 9), (), Ellipsis,
    # advanced: integer arrays, lists, negative and repeated entries
    np.array([0, 1, 1]), [1, -1, 1, 1], (slice(None), np.array([2, 0, 2, -3])),
    (np.array([0, 1]), slice(None), np.array([3, 3])), (np.array([[0, 1], [1, 1]]), 2),
    ([0, 1], 1, [1, 2]), (slice(None), [0, 1], 1), (None, [0, 1], 1), ([0, 1], None, [0, 1]),
    ([0, 1], slice(None), None), (Ellipsis, [0, 1], None), ([0, 1], Ellipsis, [0, 3]),
    ([0, 1], Ellipsis, 0), (slice(0, 1), [0, 1]), [], (0, [0, 1], slice(None), None),
    np.array([[1, 1], [1, 1]]), (np.array(1), slice(None), [0, 1]),
    # PyTorch applies ints before index arrays (NumPy would give shape (2, 3) here)
    (0, slice(None), [0, 1]),
    # boolean masks, Python bools
    np.array([True, False]), (slice(None), np.array([True, False, True])), MASK_23,
    (MASK_23, [0, 1, 3]), [True, True], True, False, (slice(None), True, [0, 1]),
    np.array(True), (Ellipsis, np.array([False, True, True, False])),
    rng.standard_normal((2, 3, 4)) > 0,
]


@pytest.mark.parametrize("index", GETITEM_CASES, ids=repr)
def test_getitem_matches_torch(index):
    check_getitem((2, 3, 4), index)


@pytest.mark.parametrize("shape,index", [
    ((), None), ((), Ellipsis), ((), True), ((), (None, None)), ((5,), 3), ((5,), [4, 4, 0, 4]),
    ((5,), slice(1, None, 3)), ((1,), np.array([0, 0, 0])), ((4, 1), (slice(None), 0)),
    ((3, 0), [0, 2]), ((3, 2, 1, 2), (Ellipsis, [0, 1], 0, [1, 1])),
])
def test_getitem_other_shapes(shape, index):
    check_getitem(shape, index)


def test_repeated_indices_accumulate_like_an_embedding():
    weight = yingshe.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    idx = np.array([[0, 5, 0], [0, 2, 5]])
    out = weight[yingshe.tensor(idx)]
    assert out.shape == (2, 3, 3)
    upstream = rng.standard_normal((2, 3, 3)).astype(np.float32)
    out.backward(yingshe.tensor(upstream))
    expected = np.zeros((6, 3), np.float32)
    np.add.at(expected, idx, upstream)
    np.testing.assert_allclose(weight.grad.numpy(), expected, rtol=1e-6)
    assert weight.grad.dtype == yingshe.float32


def test_getitem_index_forms_agree():
    x = yingshe.tensor(rng.standard_normal((4, 3)))
    expected = x.detach().numpy()[[3, 0, 3]]
    for index in ([3, 0, 3], np.array([3, 0, 3]), yingshe.tensor([3, 0, 3]),
                  yingshe.tensor([3, 0, 3], dtype=yingshe.int32), (np.int64(3),)):
        np.testing.assert_array_equal(x[index].numpy().reshape(-1, 3)[-1], expected[-1])
    assert x[yingshe.tensor(2)].shape == (3,)
    assert x[np.int64(2), np.int32(1)].shape == ()


def test_basic_index_is_a_view_and_advanced_a_copy():
    x = yingshe.tensor(np.arange(12.0).reshape(3, 4))
    row, picked = x[1], x[[1]]
    with yingshe.no_grad():
        row.add_(100)
    assert x[1, 0].item() == 104.0 and picked[0, 0].item() == 4.0
    scalar_view = x[2, 3]
    scalar_view.fill_(-1)
    assert x.numpy()[2, 3] == -1
    w = yingshe.tensor(np.ones((3, 4)), requires_grad=True)
    view = w * 2
    assert view[0]._version_box is view._version_box


def test_index_of_a_noncontiguous_tensor():
    base = rng.standard_normal((3, 4))
    x = yingshe.from_numpy(noncontiguous(base))
    np.testing.assert_array_equal(x[1:, [0, 2]].numpy(), base[1:, [0, 2]])
    np.testing.assert_array_equal(x[:, 1].numpy(), base[:, 1])


# ---- a property test: random index tuples behave like PyTorch's ---------------------------------
@st.composite
def shape_and_index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    array_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    items = []
    for n in shape:
        if draw(st.integers(0, 5)) == 0:
            items.append(None)
        kind = draw(st.sampled_from(["int", "slice", "array", "mask", "full"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            bound = st.none() | st.integers(-n - 1, n + 1)
            items.append(slice(draw(bound), draw(bound), draw(st.none() | st.integers(1, 3))))
        elif kind == "array":
            items.append(draw(hnp.arrays(np.int64, array_shape, elements=st.integers(-n, n - 1))))
        elif kind == "mask":
            items.append(draw(hnp.arrays(np.bool_, (n,))))
        else:
            items.append(slice(None))
    items = items[:draw(st.integers(0, len(items)))]
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), Ellipsis)
    return shape, tuple(items)


@settings(max_examples=40, deadline=None)
@given(shape_and_index())
def test_random_indexing_matches_torch(case):
    """getitem (values, gradients) and setitem of a number, for random index tuples."""
    shape, index = case
    x = np.random.default_rng(1).standard_normal(shape)
    t = torch.tensor(x, requires_grad=True)
    try:
        expected = t[lib_index(index, torch)]
    except (IndexError, RuntimeError, ValueError) as error:  # e.g. arrays that don't broadcast
        with pytest.raises(type(error)):
            yingshe.tensor(x)[lib_index(index, yingshe)]
        return
    y = yingshe.tensor(x, dtype=yingshe.float64, requires_grad=True)
    out = y[lib_index(index, yingshe)]
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    upstream = np.random.default_rng(2).standard_normal(out.shape)
    expected.backward(torch.tensor(upstream))
    out.backward(yingshe.tensor(upstream, dtype=yingshe.float64))
    np.testing.assert_allclose(y.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        t[lib_index(index, torch)] = 7.0
    with yingshe.no_grad():
        y[lib_index(index, yingshe)] = 7.0
    np.testing.assert_array_equal(y.detach().numpy(), t.detach().numpy())


# ---- getitem errors ------------------------------------------------------------------------
def test_getitem_errors():
    x = yingshe.tensor(np.zeros((2, 3)))
    check_raises(lambda: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 2")
    check_raises(lambda: x[:, -4], IndexError, "index -4", "dimension 1 with size 3")
    check_raises(lambda: x[[0, 2]], IndexError, "index 2 is out of bounds", "size 2")
    check_raises(lambda: x[:, yingshe.tensor([1, 3])], IndexError, "index 3", "dimension 1",
                 "size 3")
    check_raises(lambda: x[::-1], ValueError, "step must be greater than zero")
    check_raises(lambda: x[0, 0, 0], IndexError, "too many indices for tensor of dimension 2")
    check_raises(lambda: x[1.5], IndexError, "only integers, slices", "got float")
    check_raises(lambda: x[yingshe.tensor([0.0])], IndexError, "long, int, byte or bool")
    check_raises(lambda: x[yingshe.tensor([True, False, True])], IndexError,
                 "shape of the mask [3]", "indexed tensor [2, 3]")
    check_raises(lambda: x[..., ...], IndexError, "single ellipsis")
    with pytest.raises(IndexError):  # index arrays that do not broadcast together
        x[[0, 1], [0, 1, 2]]


# ---- setitem -------------------------------------------------------------------------------
SETITEM_CASES = [
    (1, (4,)), ((0, 2), ()), ((slice(None), 1), (1,)), ((Ellipsis, slice(1, 3)), (3, 2)),
    (0, (1, 4)), ([2, 0], (2, 4)), ((slice(None), [3, 0]), (2,)), (([0, 2], [1, 1]), ()),
    (np.array([True, False, True]), (1, 4)), (([1, 2], 0), (2,)), (None, (3, 4)),
    (rng.standard_normal((3, 4)) > 0, ()), ((slice(None), np.array([1, -1])), (3, 1)),
]


@pytest.mark.parametrize("index,value_shape", SETITEM_CASES, ids=repr)
def test_setitem_matches_torch(index, value_shape):
    """Values and gradients (to the old target and to the value) through a non-leaf copy."""
    x, value = rng.standard_normal((3, 4)), rng.standard_normal(value_shape)

    def put(lib):
        idx = lib_index(index, lib)

        def f(target, v):
            out = target * 1.0
            out[idx] = v
            return out
        return f
    check_op(put(yingshe), put(torch), [x, value])


def test_setitem_values_without_grad():
    for index, value in [((0, 1), 7.0), (slice(None), 2), ([0, 0], np.array([1.0, 2.0, 3.0, 4.0])),
                         ((Ellipsis, 0), [5.0, 6.0, 7.0]), (np.array([[True] * 4] * 3), -1)]:
        x, t = yingshe.tensor(np.zeros((3, 4))), torch.zeros((3, 4))
        x[lib_index(index, yingshe)] = value
        t[lib_index(index, torch)] = torch.tensor(value, dtype=torch.float32) \
            if isinstance(value, (list, np.ndarray)) else value
        np.testing.assert_array_equal(x.numpy(), t.numpy())
    ints = yingshe.tensor([[0, 0, 0]])
    ints[0, 1] = 1.7  # cast to the tensor's dtype, as in PyTorch
    assert ints.dtype == yingshe.int64 and ints.tolist() == [[0, 1, 0]]


def test_setitem_is_in_place_and_bumps_the_version():
    x = yingshe.tensor(np.zeros((3, 4)))
    view, memory = x[1], x._data
    x[1, 2] = 5.0
    assert x._data is memory and view[2].item() == 5.0 and x._version == 1
    x[yingshe.tensor([0, 2])] = yingshe.tensor(np.ones(4))
    assert x._version == 2 and x.numpy()[2].tolist() == [1, 1, 1, 1]


def test_setitem_value_that_requires_grad_into_a_plain_tensor():
    v = yingshe.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    buffer = yingshe.zeros(2, 3)
    buffer[1] = v * 2
    assert buffer.requires_grad and buffer.grad_fn is not None
    buffer.backward(yingshe.tensor(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_allclose(v.grad.numpy(), [6.0, 8.0, 10.0])


def test_setitem_row_by_row_builds_the_right_gradient():
    w = yingshe.tensor(rng.standard_normal((4, 3)), dtype=yingshe.float64, requires_grad=True)
    out = yingshe.zeros(4, 3, dtype=yingshe.float64)
    for i in range(4):
        out[i] = w[i] * (i + 1)
    out.backward(yingshe.ones(4, 3, dtype=yingshe.float64))
    np.testing.assert_allclose(w.grad.numpy(), np.repeat(np.arange(1.0, 5.0)[:, None], 3, 1))


def test_setitem_errors():
    w = yingshe.tensor(np.zeros((2, 3)), requires_grad=True)
    check_raises(lambda: w.__setitem__(0, 1.0), RuntimeError,
                 "leaf Variable that requires grad is being used in an in-place operation")
    with yingshe.no_grad():
        w[0] = 1.0  # allowed outside the graph
    assert w.detach().numpy()[0].tolist() == [1, 1, 1] and w.grad_fn is None
    x = yingshe.zeros(2, 3)
    check_raises(lambda: x.__setitem__((0, 3), 1.0), IndexError, "index 3", "size 3")
    check_raises(lambda: x.__setitem__([[0, 5]], 1.0), IndexError, "index 5", "size 2")
    check_raises(lambda: x.__setitem__(0, yingshe.ones(2)), RuntimeError, "shape mismatch",
                 "(2,)")
    a = w * 2
    b = a * a
    a[0] = 0.0
    check_raises(lambda: b.backward(yingshe.ones(2, 3)), RuntimeError,
                 "modified by an inplace operation")


# ---- gather / scatter / index_select / take_along_dim / masked_select -------------------------
@pytest.mark.parametrize("shape,dim,index_shape", [
    ((3, 4), 0, (2, 4)), ((3, 4), 1, (3, 6)), ((3, 4), -1, (2, 2)), ((2, 3, 4), 1, (2, 5, 1)),
    ((5,), 0, (7,)), ((3, 1), 1, (3, 1)), ((), 0, ()), ((3, 4), 0, (0, 4)),
])
def test_gather(shape, dim, index_shape):
    x = rng.standard_normal(shape)
    size = shape[dim] if shape else 1
    index = np.asarray(rng.integers(0, size, index_shape))
    check_op(lambda t, i: yingshe.gather(t, dim, i), lambda t, i: torch.gather(t, dim, i),
             [x, index])
    check_op(lambda t, i: t.gather(dim, i), lambda t, i: t.gather(dim, i), [x, index],
             check_gradgrad=False)


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_gather_random_shapes(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = tuple(data.draw(st.integers(1, 5)) if d % len(shape) == dim % len(shape)
                        else data.draw(st.integers(1, n)) for d, n in enumerate(shape))
    index = data.draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    check_op(lambda t, i: yingshe.gather(t, dim, i), lambda t, i: torch.gather(t, dim, i),
             [rng.standard_normal(shape), index], check_gradgrad=False)


def _distinct_index(shape, dim, size):
    """Per-slice distinct targets along ``dim`` (scatter with repeats is order-dependent)."""
    rows = int(np.prod(shape)) // shape[dim]
    index = np.stack([rng.permutation(size)[:shape[dim]] for _ in range(rows)])
    return np.moveaxis(index.reshape(tuple(np.delete(shape, dim)) + (shape[dim],)), -1, dim)


@pytest.mark.parametrize("shape,dim,index_shape,src_shape", [
    ((3, 5), 1, (3, 2), (3, 2)), ((3, 5), 1, (2, 3), (3, 4)), ((4, 3), 0, (2, 3), (2, 3)),
    ((2, 3, 4), -1, (2, 2, 3), (2, 3, 3)), ((5,), 0, (3,), (4,)),
])
def test_scatter(shape, dim, index_shape, src_shape):
    x, src = rng.standard_normal(shape), rng.standard_normal(src_shape)
    index = _distinct_index(index_shape, dim, shape[dim])
    block = tuple(slice(0, n) for n in index_shape)  # the part of src that is used
    # (PyTorch's own backward fails for a src larger than index, so it gets the block only)
    check_op(lambda t, i, s: yingshe.scatter(t, dim, i, s),
             lambda t, i, s: torch.scatter(t, dim, i, s[block]), [x, index, src])
    check_op(lambda t, i: yingshe.scatter(t, dim, i, value=2.5),
             lambda t, i: torch.scatter(t, dim, i, value=2.5), [x, index])
    check_op(lambda t, i, s: (t * 1.0).scatter_(dim, i, s),
             lambda t, i, s: (t * 1.0).scatter_(dim, i, s[block]), [x, index, src],
             check_gradgrad=False)


@pytest.mark.parametrize("shape,dim,index_shape,src_shape", [
    ((3, 5), 1, (3, 6), (3, 6)), ((3, 5), 0, (4, 2), (5, 3)), ((2, 3, 4), 1, (2, 7, 4), (2, 7, 4)),
    ((4,), 0, (9,), (9,)),
])
def test_scatter_add(shape, dim, index_shape, src_shape):
    x, src = rng.standard_normal(shape), rng.standard_normal(src_shape)
    index = rng.integers(0, shape[dim], index_shape)  # repeats add up
    block = tuple(slice(0, n) for n in index_shape)
    check_op(lambda t, i, s: yingshe.scatter_add(t, dim, i, s),
             lambda t, i, s: torch.scatter_add(t, dim, i, s[block]), [x, index, src])
    check_op(lambda t, i, s: (t * 1.0).scatter_add_(dim, i, s),
             lambda t, i, s: (t * 1.0).scatter_add_(dim, i, s[block]), [x, index, src],
             check_gradgrad=False)


def test_scatter_in_place_without_grad_on_a_noncontiguous_tensor():
    base = rng.standard_normal((3, 4))
    x, t = yingshe.from_numpy(noncontiguous(base.copy())), torch.tensor(base)
    index = np.array([[0, 1], [2, 3], [1, 0]])
    x.scatter_(1, yingshe.tensor(index), 9.0)
    t.scatter_(1, torch.tensor(index), 9.0)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    assert x._version == 1
    x.scatter_add_(1, yingshe.tensor(index), yingshe.ones(3, 2, dtype=yingshe.float64))
    t.scatter_add_(1, torch.tensor(index), torch.ones(3, 2, dtype=torch.float64))
    np.testing.assert_array_equal(x.numpy(), t.numpy())


@pytest.mark.parametrize("shape,dim,index", [
    ((4, 3), 0, [3, 0, 3, 3]), ((4, 3), 1, [2]), ((2, 3, 4), -1, [0, 3, 1]), ((5,), 0, []),
    ((4, 3), 0, 2),
])
def test_index_select(shape, dim, index):
    x, index = rng.standard_normal(shape), np.array(index, dtype=np.int64)
    check_op(lambda t, i: yingshe.index_select(t, dim, i),
             lambda t, i: torch.index_select(t, dim, i), [x, index])
    check_op(lambda t, i: t.index_select(dim, i), lambda t, i: t.index_select(dim, i), [x, index],
             check_gradgrad=False)


@pytest.mark.parametrize("shape,index_shape,dim", [
    ((3, 4), (3, 2), 1), ((3, 4), (5, 1), 0), ((3, 1, 5), (1, 4, 2), 2), ((3, 4), (2, 3), None),
    ((2, 3), (2, 3), -1), ((4,), (6,), 0),
])
def test_take_along_dim(shape, index_shape, dim):
    x = rng.standard_normal(shape)
    if dim is None:  # PyTorch allows negative entries only along a given dim
        index = rng.integers(0, int(np.prod(shape)), index_shape)
    else:
        index = rng.integers(-shape[dim], shape[dim], index_shape)
    check_op(lambda t, i: yingshe.take_along_dim(t, i, dim),
             lambda t, i: torch.take_along_dim(t, i, dim), [x, index])


@pytest.mark.parametrize("shape,mask_shape", [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)),
                                              ((2, 3), (2, 1)), ((), ())])
def test_masked_select(shape, mask_shape):
    x, mask = rng.standard_normal(shape), np.asarray(rng.standard_normal(mask_shape) > 0)
    check_op(yingshe.masked_select, torch.masked_select, [x, mask])


def test_gather_family_errors():
    x = yingshe.zeros(2, 3)
    i = yingshe.tensor([[1]])
    check_raises(lambda: yingshe.gather(x, 1, yingshe.tensor([[3]])), RuntimeError,
                 "index 3 is out of bounds for dimension 1 with size 3")
    check_raises(lambda: yingshe.gather(x, 1, yingshe.tensor([[-1]])), RuntimeError, "index -1")
    check_raises(lambda: yingshe.gather(x, 1, yingshe.tensor([1])), RuntimeError,
                 "same number of dimensions", "(1,)", "(2, 3)")
    check_raises(lambda: yingshe.gather(x, 0, yingshe.tensor([[1, 1, 1, 1]])), RuntimeError,
                 "[1, 4]", "[2, 3]", "apart from dimension 0")
    check_raises(lambda: yingshe.gather(x, 2, i), IndexError, "dimension out of range")
    check_raises(lambda: yingshe.gather(x, 1, yingshe.tensor([[1.0]])), RuntimeError,
                 "int64 or int32", "float32")
    check_raises(lambda: yingshe.index_select(x, 1, yingshe.tensor([[1]])), IndexError, "vector")
    check_raises(lambda: yingshe.index_select(x, 1, yingshe.tensor([3])), RuntimeError,
                 "index 3", "size 3")
    check_raises(lambda: yingshe.scatter(x, 1, i, yingshe.tensor([[1]])), RuntimeError,
                 "self.dtype to be equal to src.dtype")
    check_raises(lambda: yingshe.scatter(x, 1, yingshe.tensor([[0, 1]]), yingshe.zeros(1, 1)),
                 RuntimeError, "[1, 2]", "src [1, 1]")
    check_raises(lambda: yingshe.scatter(x, 1, i), TypeError, "src")
    check_raises(lambda: yingshe.take_along_dim(x, i.int(), 1), RuntimeError, "int64")
    check_raises(lambda: yingshe.take_along_dim(x, yingshe.tensor([1]), 1), RuntimeError,
                 "same number of dimensions")
    check_raises(lambda: yingshe.masked_select(x, yingshe.tensor([1, 0, 1])), RuntimeError,
                 "bool tensor for mask")
