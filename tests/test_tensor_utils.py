"""The tensor utilities a tutorial reader meets, against PyTorch: triangles and diagonals, grids
and products (meshgrid, cartesian_prod, block_diag, kron), flips and rotations, splitting
and stacking, unique values, running extrema, sorted positions and counts, order statistics,
contractions and distances; indexing with any integer sequence (get and set, with gradients);
and ``yingshe.functional``, the mirror of ``torch.functional``."""
import warnings

import numpy as np
import pytest
import torch

import yingshe
import yingshe.functional
from helpers import check_op, check_raises

rng = np.random.default_rng(0)


def same(actual, expected):
    """Equal values, shape and dtype (tensors or tuples of tensors)."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, tuple) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            same(a, e)
        return
    assert isinstance(actual, yingshe.Tensor), type(actual)
    assert tuple(actual.shape) == tuple(expected.shape), (actual.shape, expected.shape)
    assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6, equal_nan=True)


def both(function, *arrays, **kwargs):
    """``function`` applied to yingshe and torch tensors made from the same arrays."""
    ys = function(yingshe, *[yingshe.tensor(a) for a in arrays], **kwargs)
    th = function(torch, *[torch.tensor(a) for a in arrays], **kwargs)
    return ys, th


# ---- triangles and diagonals -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3)], ids=str)
@pytest.mark.parametrize("k", [-1, 0, 2])
def test_triangles(name, shape, k):
    x = rng.standard_normal(shape)
    check_op(lambda t: getattr(yingshe, name)(t, k), lambda t: getattr(torch, name)(t, k), [x])
    check_op(lambda t: getattr(t, name)(diagonal=k), lambda t: getattr(t, name)(diagonal=k), [x],
             check_gradcheck=False, check_gradgrad=False)
    check_op(lambda t: getattr(t * 1.0, name + "_")(k), lambda t: getattr(t * 1.0, name + "_")(k),
             [x], check_gradcheck=False, check_gradgrad=False, noncontiguous_inputs=False)


def test_triangles_of_other_dtypes_and_errors():
    for dtype in ("int64", "bool"):
        ys, th = both(lambda m, t: m.tril(t, -1), np.ones((3, 3), dtype))
        same(ys, th)
    check_raises(lambda: yingshe.tril(yingshe.ones(3)), RuntimeError, "tril", "2 dimensions")


@pytest.mark.parametrize("shape, offset, dims", [((3, 4), 0, (0, 1)), ((3, 4), 1, (0, 1)),
                                                 ((3, 4), -2, (1, 0)), ((2, 3, 4), 1, (2, 0)),
                                                 ((2, 3, 4), -1, (-1, -2)), ((2, 3), 5, (0, 1))],
                         ids=str)
def test_diagonal(shape, offset, dims):
    x = rng.standard_normal(shape)
    check_op(lambda t: yingshe.diagonal(t, offset, *dims),
             lambda t: torch.diagonal(t, offset, *dims), [x])
    check_op(lambda t: t.diagonal(offset, *dims), lambda t: t.diagonal(offset, *dims), [x],
             check_gradcheck=False, check_gradgrad=False)


def test_diagonal_is_a_writable_view():
    y, t = yingshe.arange(12.0).reshape(3, 4), torch.arange(12.0).reshape(3, 4)
    y.diagonal().fill_(-1.0)
    t.diagonal().fill_(-1.0)
    same(y, t)
    check_raises(lambda: yingshe.diagonal(y, 0, 1, 1), RuntimeError, "diagonal")


@pytest.mark.parametrize("offset, dims", [(0, (-2, -1)), (1, (0, 2)), (-1, (2, 0)), (2, (1, 2))],
                         ids=str)
def test_diag_embed(offset, dims):
    x = rng.standard_normal((2, 3))
    check_op(lambda t: yingshe.diag_embed(t, offset, *dims),
             lambda t: torch.diag_embed(t, offset, *dims), [x])


@pytest.mark.parametrize("offset", [-1, 0, 2])
def test_diag_diagflat_trace(offset):
    vector, matrix = rng.standard_normal(3), rng.standard_normal((3, 4))
    for x in (vector, matrix):
        check_op(lambda t: yingshe.diag(t, offset), lambda t: torch.diag(t, offset), [x])
        check_op(lambda t: t.diagflat(offset), lambda t: t.diagflat(offset), [x])
    check_op(yingshe.trace, torch.trace, [matrix])
    same(*both(lambda m, t: m.trace(t), np.ones((2, 3), np.int32)))
    check_raises(lambda: yingshe.diag(yingshe.ones(2, 2, 2)), RuntimeError, "1D or 2D")
    check_raises(lambda: yingshe.trace(yingshe.ones(3)), RuntimeError, "matrix")


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((5, 2), True), ((5, 2), False),
                                         ((2, 5), True), ((3, 3, 3), False)], ids=str)
def test_fill_diagonal(shape, wrap):
    y, t = yingshe.zeros(*shape), torch.zeros(*shape)
    assert y.fill_diagonal_(2.5, wrap=wrap) is y
    same(y, t.fill_diagonal_(2.5, wrap=wrap))
    check_op(lambda a: (a * 1.0).fill_diagonal_(0.0, wrap),
             lambda a: (a * 1.0).fill_diagonal_(0.0, wrap), [rng.standard_normal(shape)],
             check_gradcheck=False, check_gradgrad=False, noncontiguous_inputs=False)
    check_raises(lambda: yingshe.zeros(2, 3, 2).fill_diagonal_(1), RuntimeError, "equal length")


# ---- grids and products ----------------------------------------------------------------------
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(3,), (), (4,)], [(2,)], [(2,), (3,), (4,)]],
                         ids=str)
def test_meshgrid(indexing, shapes):
    inputs = [rng.standard_normal(s) for s in shapes]
    check_op(lambda *ts: yingshe.meshgrid(*ts, indexing=indexing),
             lambda *ts: torch.meshgrid(*ts, indexing=indexing), inputs)
    check_op(lambda *ts: yingshe.functional.meshgrid(list(ts), indexing=indexing),
             lambda *ts: torch.functional.meshgrid(list(ts), indexing=indexing), inputs,
             check_gradcheck=False, check_gradgrad=False)


def test_meshgrid_warns_without_indexing_and_checks_its_inputs():
    a, b = yingshe.arange(3), yingshe.arange(2)
    with pytest.warns(UserWarning, match="indexing argument"):
        grids = yingshe.meshgrid(a, b)
    assert [g.shape for g in grids] == [(3, 2), (3, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yingshe.meshgrid(a, b, indexing="ij")
    check_raises(lambda: yingshe.meshgrid(yingshe.ones(2, 2), indexing="ij"), RuntimeError,
                 "0D or 1D")
    check_raises(lambda: yingshe.meshgrid(a, b.float(), indexing="ij"), RuntimeError, "dtype")
    check_raises(lambda: yingshe.meshgrid(indexing="ij"), RuntimeError, "non-empty")
    check_raises(lambda: yingshe.meshgrid(a, indexing="yx"), RuntimeError, '"xy" or "ij"')


def test_cartesian_prod_and_block_diag():
    a, b, c = rng.standard_normal(3), rng.standard_normal(2), rng.standard_normal(2)
    check_op(yingshe.cartesian_prod, torch.cartesian_prod, [a, b])
    check_op(yingshe.cartesian_prod, torch.cartesian_prod, [a, b, c])
    x = yingshe.tensor([1, 2])
    assert yingshe.cartesian_prod(x) is x
    check_raises(lambda: yingshe.cartesian_prod(yingshe.tensor(1), x), RuntimeError, "1D")
    blocks = [rng.standard_normal(()), rng.standard_normal(3), rng.standard_normal((2, 2))]
    check_op(yingshe.block_diag, torch.block_diag, blocks)
    same(*both(lambda m, *ts: m.block_diag(*ts), np.array(1), np.array([2.0, 3.0]),
               np.ones((2, 2), np.int32)))
    same(yingshe.block_diag(), torch.block_diag())
    check_raises(lambda: yingshe.block_diag(yingshe.ones(2, 2, 2)), RuntimeError, "2 or fewer")


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 2)], [(3,), (2, 2)], [(2, 1, 2), (3, 2)],
                                    [(), (2,)]], ids=str)
def test_kron(shapes):
    a, b = (rng.standard_normal(s) for s in shapes)
    check_op(yingshe.kron, torch.kron, [a, b])
    check_op(lambda x, y: x.kron(y), lambda x, y: x.kron(y), [a, b], check_gradcheck=False,
             check_gradgrad=False)
    same(*both(lambda m, x, y: m.kron(x, y), np.array([1, 2]), np.ones((2, 2))))


# ---- flips, rotations, atleast_nd ---------------------------------------------------------------
@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (2, 0), (-1, 1)], ids=str)
def test_rot90(k, dims):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: yingshe.rot90(t, k, dims), lambda t: torch.rot90(t, k, dims), [x])
    check_op(lambda t: t.rot90(k, dims), lambda t: t.rot90(k, dims), [x], check_gradcheck=False,
             check_gradgrad=False)


def test_rot90_errors_and_flips():
    x = yingshe.ones(2, 3)
    check_raises(lambda: yingshe.rot90(x, 1, [0]), RuntimeError, "rotation dims == 2")
    check_raises(lambda: yingshe.rot90(yingshe.ones(3)), RuntimeError, "total dims >= 2")
    check_raises(lambda: yingshe.rot90(x, 1, (1, -1)), RuntimeError, "different")
    m = rng.standard_normal((2, 3, 2))
    for name in ("fliplr", "flipud"):
        check_op(getattr(yingshe, name), getattr(torch, name), [m])
        check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [m],
                 check_gradcheck=False, check_gradgrad=False)
    check_raises(lambda: yingshe.fliplr(yingshe.ones(3)), RuntimeError, ">= 2-d")


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast(name):
    arrays = [rng.standard_normal(s) for s in [(), (3,), (2, 3), (2, 3, 4)]]
    for a in arrays:
        same(*both(lambda m, t: getattr(m, name)(t), a))
    same(*both(lambda m, *ts: getattr(m, name)(*ts), *arrays))
    same(*both(lambda m, *ts: getattr(m, name)(list(ts)), *arrays))
    assert getattr(yingshe, name)() == getattr(torch, name)() == ()
    check_op(getattr(yingshe, name), getattr(torch, name), [arrays[1]])


# ---- splitting and stacking ---------------------------------------------------------------------
@pytest.mark.parametrize("sections", [3, 1, 11, [2, 5, 20], [5, 2], [], [0]], ids=str)
def test_tensor_split(sections):
    x = rng.standard_normal((10, 2))
    check_op(lambda t: yingshe.tensor_split(t, sections), lambda t: torch.tensor_split(t, sections),
             [x], check_gradcheck=False)
    check_op(lambda t: t.tensor_split(sections, 1 if isinstance(sections, int) else 0),
             lambda t: t.tensor_split(sections, 1 if isinstance(sections, int) else 0), [x],
             check_gradcheck=False, check_gradgrad=False)


def test_hsplit_vsplit_dsplit_and_stacks():
    x = rng.standard_normal((4, 6, 2))
    for name, sections in [("hsplit", 3), ("hsplit", [1, 4]), ("vsplit", 2), ("vsplit", [3]),
                           ("dsplit", 2)]:
        same(*both(lambda m, t: getattr(m, name)(t, sections), x))
        same(*both(lambda m, t: getattr(t, name)(sections), x))
    same(*both(lambda m, t: m.hsplit(t, 2), np.arange(6.0)))
    check_raises(lambda: yingshe.hsplit(yingshe.ones(3, 4), 3), RuntimeError, "divisible")
    check_raises(lambda: yingshe.vsplit(yingshe.ones(4), 2), RuntimeError, "at least 2")
    check_raises(lambda: yingshe.tensor_split(yingshe.ones(4), 0), RuntimeError, "larger than 0")
    same(*both(lambda m, *ts: m.column_stack(ts), np.array([1, 2]), np.ones((2, 2))))
    same(*both(lambda m, *ts: m.column_stack(ts), np.array(1), np.array(2.0)))
    same(*both(lambda m, *ts: m.dstack(ts), np.array([1, 2]), np.array([3, 4])))
    same(*both(lambda m, *ts: m.row_stack(ts), np.ones(2), np.zeros((1, 2))))
    check_op(lambda a, b: yingshe.column_stack([a, b]), lambda a, b: torch.column_stack([a, b]),
             [rng.standard_normal(3), rng.standard_normal((3, 2))])
    for a in (np.ones(()), np.ones((2, 3))):
        same(*both(lambda m, t: m.ravel(t), a))
        same(*both(lambda m, t: t.ravel(), a))


@pytest.mark.parametrize("repeats, dim", [(2, None), (3, 0), (2, 1), ([1, 0, 2], 0),
                                          ([2, 3], 1), (0, 0), ("scalar-tensor", 1)], ids=str)
def test_repeat_interleave(repeats, dim):
    x = rng.standard_normal((3, 2))

    def counts(m):
        if repeats == "scalar-tensor":
            return m.tensor(2)
        return m.tensor(repeats) if isinstance(repeats, list) else repeats
    check_op(lambda t: yingshe.repeat_interleave(t, counts(yingshe), dim),
             lambda t: torch.repeat_interleave(t, counts(torch), dim), [x])
    check_op(lambda t: t.repeat_interleave(counts(yingshe), dim),
             lambda t: t.repeat_interleave(counts(torch), dim), [x], check_gradcheck=False,
             check_gradgrad=False)


def test_repeat_interleave_of_counts_and_errors():
    same(*both(lambda m, t: m.repeat_interleave(t), np.array([2, 0, 1])))
    x = yingshe.ones(2, 2)
    check_raises(lambda: yingshe.repeat_interleave(x, yingshe.tensor([1, 2, 3]), dim=0),
                 RuntimeError, "same size as input")
    check_raises(lambda: yingshe.repeat_interleave(x, -1), RuntimeError, "non-negative")


@pytest.mark.parametrize("n, dim", [(1, -1), (2, 0), (3, 1), (5, 1), (0, 0)])
def test_diff(n, dim):
    x = rng.standard_normal((4, 3))
    check_op(lambda t: yingshe.diff(t, n, dim), lambda t: torch.diff(t, n, dim), [x])
    check_op(lambda t: t.diff(n, dim), lambda t: t.diff(n, dim), [x], check_gradcheck=False,
             check_gradgrad=False)


def test_diff_with_prepend_append_and_bool():
    x, before = rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    after = rng.standard_normal((2, 2))
    check_op(lambda t, p, a: yingshe.diff(t, prepend=p, append=a),
             lambda t, p, a: torch.diff(t, prepend=p, append=a), [x, before, after])
    same(*both(lambda m, t: m.diff(t), np.array([True, False, False])))
    same(*both(lambda m, t, p: m.diff(t, prepend=p), np.array([1.0, 2.0]), np.array([0])))
    check_raises(lambda: yingshe.diff(yingshe.tensor(1.0)), RuntimeError, "one-dimensional")


# ---- unique --------------------------------------------------------------------------------------
UNIQUE_INPUTS = [np.array([[3, 1, 2, 1], [3, 1, 2, 1], [0, 5, 5, 0]]),
                 np.array([3.0, np.nan, 1.0, np.nan, 3.0]), np.array(7), np.array([True, False]),
                 np.zeros((0, 3))]


@pytest.mark.parametrize("x", UNIQUE_INPUTS, ids=lambda a: str(a.shape))
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)],
                         ids=str)
def test_unique(x, flags):
    inverse, counts = flags
    same(*both(lambda m, t: m.unique(t, return_inverse=inverse, return_counts=counts), x))
    same(*both(lambda m, t: t.unique(sorted=True, return_inverse=inverse, return_counts=counts),
               x))
    same(*both(lambda m, t: m.unique_consecutive(t, return_inverse=inverse,
                                                 return_counts=counts), x))
    if x.ndim == 2 and x.size:
        for dim in (0, 1, -1):
            same(*both(lambda m, t: m.unique(t, dim=dim, return_inverse=inverse,
                                             return_counts=counts), x))
            same(*both(lambda m, t: m.unique_consecutive(t, dim=dim, return_inverse=inverse,
                                                         return_counts=counts), x))


def test_unique_consecutive_runs():
    same(*both(lambda m, t: m.unique_consecutive(t, return_inverse=True, return_counts=True),
               np.array([1, 1, 2, 2, 3, 1, 1])))
    check_raises(lambda: yingshe.unique(yingshe.ones(2, 3), dim=2), IndexError, "out of range")


# ---- running extrema, logcumsumexp ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_running_extrema(name):
    x = rng.standard_normal((3, 5))
    for dim in (0, 1, -1):
        check_op(lambda t: getattr(yingshe, name)(t, dim), lambda t: getattr(torch, name)(t, dim),
                 [x])
    ties = np.array([1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan, 0.0])
    check_op(lambda t: getattr(t, name)(0), lambda t: getattr(t, name)(0), [ties],
             check_gradcheck=False, check_gradgrad=False)
    same(*both(lambda m, t: getattr(m, name)(t, 0), np.array([3, 1, 1, 2, 5])))
    same(*both(lambda m, t: getattr(m, name)(t, 0), np.array(2.0)))
    result = getattr(yingshe, name)(yingshe.tensor([1.0, 2.0]), 0)
    assert result.values is result[0] and result.indices is result[1]


def test_logcumsumexp():
    x = rng.standard_normal((3, 4)) * 3
    for dim in (0, 1, -1):
        check_op(lambda t: yingshe.logcumsumexp(t, dim), lambda t: torch.logcumsumexp(t, dim), [x])
    check_op(lambda t: t.logcumsumexp(0), lambda t: t.logcumsumexp(0), [np.array(1.5)])
    extreme = np.array([-1000.0, 0.0, -np.inf, 1000.0, np.inf])
    same(*both(lambda m, t: m.logcumsumexp(t, 0), extreme))
    check_raises(lambda: yingshe.logcumsumexp(yingshe.tensor([1, 2]), 0), NotImplementedError,
                 "int64")


# ---- sorted positions and counts ----------------------------------------------------------------
@pytest.mark.parametrize("side", [{}, {"right": True}, {"side": "right"}, {"side": "left"},
                                  {"out_int32": True}], ids=str)
def test_searchsorted(side):
    sequence = np.array([1, 3, 3, 5, 7])
    values = np.array([[0, 3], [6, 9]])
    same(*both(lambda m, s, v: m.searchsorted(s, v, **side), sequence, values))
    rows = np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    same(*both(lambda m, s, v: m.searchsorted(s, v, **side), rows, np.array([[3.0], [4.5]])))
    same(yingshe.searchsorted(yingshe.tensor([1.0, 3.0]), 2, **side),
         torch.searchsorted(torch.tensor([1.0, 3.0]), 2, **side))
    unsorted, order = np.array([3, 1, 2]), np.array([1, 2, 0])
    same(*both(lambda m, s, v, o: m.searchsorted(s, v, sorter=o, **side), unsorted,
               np.array([2, 3]), order))


def test_searchsorted_errors_and_bucketize():
    s = yingshe.tensor([1, 3])
    check_raises(lambda: yingshe.searchsorted(s, yingshe.tensor([3]), side="left", right=True),
                 RuntimeError, "opposites")
    check_raises(lambda: yingshe.searchsorted(yingshe.tensor([[1, 3]]), yingshe.tensor([3, 1])),
                 RuntimeError, "first N-1 dimensions")
    for right in (False, True):
        same(*both(lambda m, x, b: m.bucketize(x, b, right=right), np.array([[1, 5], [3, 7]]),
                   np.array([1, 3, 5])))
    same(yingshe.bucketize(3, yingshe.tensor([1, 3, 5])),
         torch.bucketize(3, torch.tensor([1, 3, 5])))
    check_raises(lambda: yingshe.bucketize(s, yingshe.tensor([[1]])), RuntimeError, "1 dimension")


@pytest.mark.parametrize("bins, low, high", [(4, 0, 3), (10, 0, 0), (3, -1, 1), (1, 0, 0)])
def test_histc(bins, low, high):
    x = rng.standard_normal(50).astype(np.float32)
    same(*both(lambda m, t: m.histc(t, bins, low, high), x))
    same(*both(lambda m, t: t.histc(bins=bins, min=low, max=high), x.astype(np.float64)))


def test_histc_edges():
    same(*both(lambda m, t: m.histc(t, bins=4, min=0, max=3), np.array([1.0, 2, 1, 4, 2.5, 3, 0])))
    same(*both(lambda m, t: m.histc(t, bins=4), np.array([1.0, 1.0])))
    same(*both(lambda m, t: m.histc(t, bins=2), np.zeros(0)))
    check_raises(lambda: yingshe.histc(yingshe.tensor([1, 2])), NotImplementedError, "int64")
    check_raises(lambda: yingshe.histc(yingshe.tensor([1.0]), 2, 3, 1), RuntimeError, "larger")
    check_raises(lambda: yingshe.histc(yingshe.tensor([1.0]), 0), RuntimeError, "bins")


def test_bincount():
    x = np.array([0, 1, 1, 5])
    same(*both(lambda m, t: m.bincount(t), x))
    same(*both(lambda m, t: t.bincount(minlength=8), x))
    for weights in (np.array([0.5, 1, 2, 3], np.float32), np.array([0.5, 1, 2, 3]),
                    np.array([1, 2, 3, 4]), np.array([True, False, True, True])):
        same(*both(lambda m, t, w: m.bincount(t, w), x, weights))
    same(*both(lambda m, t: m.bincount(t), np.zeros(0, np.int64)))
    check_raises(lambda: yingshe.bincount(yingshe.tensor([-1])), RuntimeError, "non-negative")
    check_raises(lambda: yingshe.bincount(yingshe.tensor([[1]])), RuntimeError, "1-d")
    check_raises(lambda: yingshe.bincount(yingshe.tensor([1.0])), NotImplementedError, "float32")


# ---- order statistics ----------------------------------------------------------------------------
@pytest.mark.parametrize("k, dim, keepdim", [(1, -1, False), (2, 1, True), (3, 0, False)])
def test_kthvalue(k, dim, keepdim):
    x = rng.standard_normal((3, 4))
    check_op(lambda t: yingshe.kthvalue(t, k, dim, keepdim),
             lambda t: torch.kthvalue(t, k, dim, keepdim), [x])
    check_op(lambda t: t.kthvalue(k, dim=dim), lambda t: t.kthvalue(k, dim=dim), [x],
             check_gradcheck=False, check_gradgrad=False)
    check_raises(lambda: yingshe.kthvalue(yingshe.ones(3), 4), RuntimeError, "out of range")


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median(name):
    x = rng.standard_normal((3, 5))
    check_op(getattr(yingshe, name), getattr(torch, name), [x])
    for dim, keepdim in [(0, False), (1, True), (-1, False)]:
        check_op(lambda t: getattr(yingshe, name)(t, dim, keepdim),
                 lambda t: getattr(torch, name)(t, dim, keepdim), [x])
    ties = np.array([[3.0, 1.0, 2.0, 2.0], [1.0, 1.0, 1.0, 0.0]])
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [ties],
             check_gradcheck=False, check_gradgrad=False)
    nans = np.array([[3.0, np.nan, 2.0, 0.5], [np.nan, 4.0, np.nan, np.nan]])
    check_op(lambda t: getattr(t, name)(1), lambda t: getattr(t, name)(1), [nans],
             check_gradcheck=False, check_gradgrad=False)
    # a slice of NaNs only: the value is NaN; torch's index there is implementation-defined
    all_nan = np.full((2, 3), np.nan)
    np.testing.assert_array_equal(getattr(yingshe, name)(yingshe.tensor(all_nan), 1)[0].numpy(),
                                  getattr(torch, name)(torch.tensor(all_nan), 1)[0].numpy())
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [nans[0]],
             check_gradcheck=False, check_gradgrad=False)
    same(*both(lambda m, t: getattr(m, name)(t), np.array([3, 1, 2, 4])))
    same(*both(lambda m, t: getattr(m, name)(t), np.zeros(0)))


def test_nansum_nanmean():
    x = rng.standard_normal((3, 4))
    x[0, 1] = x[2, :] = np.nan
    for dim in (None, 0, 1):
        check_op(lambda t: yingshe.nansum(t, dim), lambda t: torch.nansum(t, dim), [x],
                 check_gradcheck=False, check_gradgrad=False)
        check_op(lambda t: t.nanmean(dim), lambda t: t.nanmean(dim), [x], check_gradcheck=False,
                 check_gradgrad=False)
    same(*both(lambda m, t: m.nansum(t), np.array([1, 2])))
    check_raises(lambda: yingshe.nanmean(yingshe.tensor([1, 2])), RuntimeError, "floating")


# ---- contractions and distances ----------------------------------------------------------------
@pytest.mark.parametrize("shapes, dims", [[((3, 4, 5), (4, 5, 2)), 2], [((3, 4), (4, 2)), 1],
                                          [((2, 3), (4,)), 0],
                                          [((3, 4, 5), (5, 3, 2)), ([0, 2], [1, 0])],
                                          [((3, 4), (4, 3)), ([1], [0])]], ids=str)
def test_tensordot(shapes, dims):
    a, b = (rng.standard_normal(s) for s in shapes)
    check_op(lambda x, y: yingshe.tensordot(x, y, dims), lambda x, y: torch.tensordot(x, y, dims),
             [a, b])


def test_tensordot_errors():
    a = yingshe.ones(3, 4)
    check_raises(lambda: yingshe.tensordot(a, yingshe.ones(3, 4), 1), RuntimeError,
                 "contracted dimensions need to match")
    check_raises(lambda: yingshe.tensordot(a, a, ([0], [0, 1])), RuntimeError, "same length")


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf"), 0.0])
@pytest.mark.parametrize("shapes", [[(4, 3), (5, 3)], [(2, 4, 3), (1, 5, 3)],
                                    [(2, 1, 3, 2), (4, 2, 2)]], ids=str)
def test_cdist(p, shapes):
    """p = 0 counts the nonzero differences: torch gives it zero gradients, yingshe none."""
    a, b = (rng.standard_normal(s) for s in shapes)
    check_op(lambda x, y: yingshe.cdist(x, y, p), lambda x, y: torch.cdist(x, y, p), [a, b],
             check_gradgrad=p != float("inf"), grad=p != 0)


def test_cdist_at_zero_distance_and_errors():
    a = rng.standard_normal((3, 2))
    check_op(lambda x: yingshe.cdist(x, x), lambda x: torch.cdist(x, x), [a],
             check_gradcheck=False, check_gradgrad=False)
    check_raises(lambda: yingshe.cdist(yingshe.ones(3), yingshe.ones(3)), RuntimeError, "2D")
    check_raises(lambda: yingshe.cdist(yingshe.ones(2, 3), yingshe.ones(2, 4)), RuntimeError,
                 "columns")
    check_raises(lambda: yingshe.cdist(yingshe.ones(2, 3), yingshe.ones(2, 3), -1.0),
                 RuntimeError, "non-negative")
    check_raises(lambda: yingshe.cdist(yingshe.ones(2, 3, dtype=yingshe.int64),
                                       yingshe.ones(2, 3)), RuntimeError, "floating")


def test_chain_matmul():
    mats = [rng.standard_normal(s) for s in [(2, 3), (3, 4), (4, 2)]]
    with pytest.warns(UserWarning, match="deprecated"):
        check_op(yingshe.chain_matmul, torch.chain_matmul, mats, check_gradgrad=False)
    with pytest.warns(UserWarning):
        check_raises(lambda: yingshe.chain_matmul(yingshe.ones(3)), RuntimeError, "dimension")


# ---- indexing with integer sequences -------------------------------------------------------------
INDICES = {
    "range": lambda m: range(3), "range-step": lambda m: range(0, 4, 2),
    "empty-range": lambda m: range(0), "list": lambda m: [0, 2],
    "negative-list": lambda m: [-1, -4, 2], "repeated": lambda m: [1, 1, 3],
    "tuple-is-multidim": lambda m: (0, 2), "tuple-of-lists": lambda m: ([0, 1], [2, 3]),
    "ndarray": lambda m: np.array([0, 2]), "ndarray-2d": lambda m: np.array([[0, 1], [3, 3]]),
    "tensor": lambda m: m.tensor([0, 2]), "int32-tensor": lambda m: m.tensor([3, 0], dtype=m.int32),
    "list-of-lists": lambda m: [[0, 1], [2, 3]], "bool-list": lambda m: [True, False, True, False],
    "bool-ndarray": lambda m: np.array([True, False, True, True]),
    "bool-list-2d": lambda m: ([[True, False, True, False, True]] * 4,),
    "slice-and-range": lambda m: (slice(None), range(2)), "range-and-int": lambda m: (range(2), 1),
    "list-with-slice": lambda m: [[0, 2], slice(1, 3)],
    "numpy-ints": lambda m: [np.int64(1), np.int64(2)],
    "float-list": lambda m: [1.0, 2.7], "list-with-none": lambda m: [0, 1, None],
    "ellipsis-and-list": lambda m: (Ellipsis, [4, 0]), "nested-tuple": lambda m: ((0, 1), (2, 3)),
    "list-and-tensor": lambda m: ([0, 2], m.tensor([1, 4])), "empty-list": lambda m: [],
}


@pytest.mark.parametrize("name", sorted(INDICES))
def test_getitem_with_sequences(name):
    x = rng.standard_normal((4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy multi-dimensional list warning
        check_op(lambda t: t[INDICES[name](yingshe)], lambda t: t[INDICES[name](torch)], [x],
                 check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("name", sorted(set(INDICES) - {"repeated", "negative-list"}))
def test_setitem_with_sequences(name):
    """t[index] = value for the same indices: the values and both gradients (of the old tensor
    and of the value) as in PyTorch."""
    x = rng.standard_normal((4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shape = tuple(torch.zeros(4, 5)[INDICES[name](torch)].shape)
        value = rng.standard_normal(shape)

        def assign(m):
            def f(t, v):
                out = t * 1.0
                out[INDICES[name](m)] = v
                return out
            return f
        check_op(assign(yingshe), assign(torch), [x, value], check_gradcheck=False,
                 check_gradgrad=False, noncontiguous_inputs=False)
        y, t = yingshe.tensor(x), torch.tensor(x)
        y[INDICES[name](yingshe)] = 0.5
        t[INDICES[name](torch)] = 0.5
        same(y, t)


def test_legacy_sequence_warning_as_torch():
    x, t = yingshe.zeros(4, 5), torch.zeros(4, 5)
    for index in ([[0, 1], [2, 3]], [0, None], [range(2)], [slice(1)]):
        with pytest.warns(UserWarning, match=r"write x\[tuple\(seq\)\]"):
            x[index]
        with pytest.warns(UserWarning, match="non-tuple sequence"):
            t[index]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for index in ([0, 2], range(2), (0, [1, 2]), np.array([[0, 1]]), [True, False, True, True]):
            x[index]
            t[index]


def test_sequence_index_errors():
    x = yingshe.zeros(4, 5)
    check_raises(lambda: x[[0, 7]], IndexError, "index 7", "size 4")
    check_raises(lambda: x[range(5)], IndexError, "out of bounds")
    check_raises(lambda: x[["a"]], IndexError, "numbers or bools")


# ---- nonzero, take, put, index_add, index_copy, index_fill, masked_scatter -----------------------
def test_nonzero_and_argwhere():
    x = np.array([[0, 1, 0], [2, 0, 3]])
    for a in (x, np.array(5), np.array(0), np.zeros((0, 2)), x.astype(bool)):
        same(*both(lambda m, t: m.nonzero(t), a))
        same(*both(lambda m, t: t.nonzero(as_tuple=True), a))
        same(*both(lambda m, t: m.argwhere(t), a))


def test_take_and_put():
    x = rng.standard_normal((2, 3))
    index = np.array([[0, -1], [4, 4]])
    check_op(lambda t, i: yingshe.take(t, i), lambda t, i: torch.take(t, i), [x, index])
    check_raises(lambda: yingshe.take(yingshe.ones(6), yingshe.tensor([10])), IndexError,
                 "out of range")
    check_raises(lambda: yingshe.take(yingshe.ones(6), yingshe.tensor([1], dtype=yingshe.int32)),
                 RuntimeError, "long")
    source = rng.standard_normal(3)
    for accumulate in (False, True):
        idx = np.array([1, -1, 2]) if not accumulate else np.array([1, -1, 1])
        check_op(lambda t, i, s: t.put(i, s, accumulate),
                 lambda t, i, s: t.put(i, s, accumulate), [x, idx, source])
        check_op(lambda t, i, s: (t * 1.0).put_(i, s, accumulate),
                 lambda t, i, s: (t * 1.0).put_(i, s, accumulate), [x, idx, source],
                 check_gradcheck=False, check_gradgrad=False, noncontiguous_inputs=False)
    check_raises(lambda: yingshe.ones(2, 3).put(yingshe.tensor([1, 2]), yingshe.ones(3)),
                 IndexError, "same number of elements")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add_copy_fill(dim):
    x = rng.standard_normal((3, 4))
    index = np.array([2, 0]) if dim == 0 else np.array([3, 1])
    source_shape = (2, 4) if dim == 0 else (3, 2)
    source = rng.standard_normal(source_shape)
    add_index = np.array([2, 2]) if dim == 0 else np.array([1, 1])
    check_op(lambda t, i, s: yingshe.index_add(t, dim, i, s, alpha=2.0),
             lambda t, i, s: torch.index_add(t, dim, i, s, alpha=2.0), [x, add_index, source])
    check_op(lambda t, i, s: t.index_copy(dim, i, s), lambda t, i, s: t.index_copy(dim, i, s),
             [x, index, source])
    check_op(lambda t, i: t.index_fill(dim, i, -1.5), lambda t, i: t.index_fill(dim, i, -1.5),
             [x, index])
    check_op(lambda t, i, v: yingshe.index_fill(t, dim, i, v),
             lambda t, i, v: torch.index_fill(t, dim, i, v), [x, index, np.array(0.25)])
    for name, args in [("index_add_", (add_index, source)), ("index_copy_", (index, source)),
                       ("index_fill_", (index, 3.0))]:
        y, t = yingshe.tensor(x), torch.tensor(x)
        ys_args = [yingshe.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        th_args = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        assert getattr(y, name)(dim, *ys_args) is y
        same(y, getattr(t, name)(dim, *th_args))


def test_index_ops_errors():
    x = yingshe.ones(3, 2)
    check_raises(lambda: x.index_add(0, yingshe.tensor([0, 0]), yingshe.ones(3, 2)),
                 RuntimeError, "Number of indices")
    check_raises(lambda: x.index_add(0, yingshe.tensor([0, 5]), yingshe.ones(2, 2)),
                 RuntimeError, "out of bounds")
    check_raises(lambda: x.index_add(0, yingshe.tensor([0]), yingshe.ones(1, 2).double()),
                 RuntimeError, "same scalar type")
    check_raises(lambda: x.index_fill(1, yingshe.tensor([1]), yingshe.tensor([2.0])),
                 RuntimeError, "0-dimensional")


def test_masked_scatter():
    x = rng.standard_normal((2, 3))
    mask = np.array([True, False, True])
    source = rng.standard_normal(10)
    check_op(lambda t, m, s: t.masked_scatter(m, s), lambda t, m, s: t.masked_scatter(m, s),
             [x, mask, source])
    check_op(lambda t, m, s: (t * 1.0).masked_scatter_(m, s),
             lambda t, m, s: (t * 1.0).masked_scatter_(m, s), [x, mask, source],
             check_gradcheck=False, check_gradgrad=False, noncontiguous_inputs=False)
    check_raises(lambda: yingshe.zeros(2, 3).masked_scatter(yingshe.tensor(mask),
                                                            yingshe.ones(3)),
                 RuntimeError, "Number of elements of source")


@pytest.mark.parametrize("row, col, offset", [(3, 4, 1), (3, 3, -1), (4, 2, 0), (0, 3, 0)])
def test_triangle_indices(row, col, offset):
    for name in ("tril_indices", "triu_indices"):
        same(getattr(yingshe, name)(row, col, offset), getattr(torch, name)(row, col, offset))
    same(yingshe.triu_indices(row, col, offset, dtype=yingshe.int32),
         torch.triu_indices(row, col, offset, dtype=torch.int32))


def test_unravel_index():
    for indices in (np.array([5, -1, 6]), np.array(4), np.array([[0, 1], [2, 3]])):
        same(*both(lambda m, i: m.unravel_index(i, (2, 3)), indices))
    same(*both(lambda m, i: m.unravel_index(i, 4), np.array([1])))
    check_raises(lambda: yingshe.unravel_index(yingshe.tensor([1.0]), (2, 3)), TypeError,
                 "integer")


# ---- yingshe.functional --------------------------------------------------------------------------
NOT_MIRRORED = {"stft", "istft", "lu", "pca_lowrank", "svd_lowrank"}


def test_functional_mirrors_torch_functional():
    """Every name of torch.functional (except those that need complex tensors or matrix
    decompositions) is in yingshe.functional, as the very yingshe function."""
    names = set(torch.functional.__all__) - NOT_MIRRORED
    assert names == set(yingshe.functional.__all__)
    for name in names:
        assert getattr(yingshe.functional, name) is getattr(yingshe, name), name


def test_functional_functions_work():
    a, b = yingshe.arange(3.0), yingshe.arange(2.0)
    grids = yingshe.functional.meshgrid(a, b, indexing="xy")
    assert [g.shape for g in grids] == [(2, 3), (2, 3)]
    assert yingshe.functional.unique(yingshe.tensor([2, 1, 2])).tolist() == [1, 2]
    assert yingshe.functional.broadcast_shapes((2, 1), (3,)) == (2, 3)
    pieces = yingshe.functional.split(yingshe.arange(5), 2)
    assert [p.tolist() for p in pieces] == [[0, 1], [2, 3], [4]]
    assert yingshe.functional.einsum("i,i->", a, a).item() == 5.0


# ---- numerical gradient, aminmax, msort, dist ----------------------------------------------------
@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("kwargs", [{}, {"spacing": 2.0}, {"dim": 1}, {"spacing": [0.5, 2.0]},
                                    {"dim": (0, 1), "spacing": 3}, {"dim": -1, "spacing": "x"}],
                         ids=str)
def test_numerical_gradient(edge_order, kwargs):
    f = rng.standard_normal((4, 5))
    if kwargs.get("spacing") == "x":
        coordinates = np.cumsum(rng.uniform(0.5, 2.0, 5))
        kwargs = dict(kwargs, spacing=None)

        def call(m, t):
            return m.gradient(t, spacing=(m.tensor(coordinates),), dim=-1, edge_order=edge_order)
    else:
        def call(m, t):
            return m.gradient(t, edge_order=edge_order, **kwargs)
    check_op(lambda t: call(yingshe, t), lambda t: call(torch, t), [f],
             tol={"float32": {"rtol": 1e-4, "atol": 1e-4}})


def test_numerical_gradient_of_integers_and_errors():
    same(*both(lambda m, t: m.gradient(t), np.array([1, 4, 9, 16, 25])))
    check_raises(lambda: yingshe.gradient(yingshe.ones(3, 2), edge_order=2), RuntimeError,
                 "at least edge_order+1")
    check_raises(lambda: yingshe.gradient(yingshe.ones(3), edge_order=3), RuntimeError,
                 "edge_order=1 and edge_order=2")


def test_aminmax_msort_dist():
    x = rng.standard_normal((3, 4))
    check_op(lambda t: yingshe.aminmax(t), lambda t: torch.aminmax(t), [x])
    check_op(lambda t: t.aminmax(dim=1, keepdim=True), lambda t: t.aminmax(dim=1, keepdim=True),
             [x], check_gradcheck=False, check_gradgrad=False)
    same(*both(lambda m, t: m.aminmax(t, dim=0), np.array([[1, 5], [3, 2]])))
    check_op(yingshe.msort, torch.msort, [x])
    for p in (2, 1, 3.5, float("inf")):
        check_op(lambda a, b: yingshe.dist(a, b, p), lambda a, b: torch.dist(a, b, p),
                 [x, rng.standard_normal(4)])


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(name, interpolation):
    x = rng.standard_normal((3, 5))
    for q in (0.3, "vector"):
        for dim, keepdim in [(None, False), (None, True), (1, False), (0, True), (-1, True)]:
            def call(m, t):
                qs = m.tensor([0.0, 0.25, 0.5, 1.0], dtype=t.dtype) if q == "vector" else q
                return getattr(m, name)(t, qs, dim, keepdim, interpolation=interpolation)
            check_op(lambda t: call(yingshe, t), lambda t: call(torch, t), [x],
                     check_gradcheck=False, check_gradgrad=False)
    check_op(lambda t: getattr(t, name)(0.7, 1), lambda t: getattr(t, name)(0.7, 1), [x])
    nans = np.array([[1.0, 5.0, 2.0, 8.0], [3.0, np.nan, 4.0, 0.0], [np.nan] * 4])
    same(*both(lambda m, t: getattr(m, name)(t, 0.4, dim=1, interpolation=interpolation), nans))


def test_quantile_errors():
    x = yingshe.ones(2, 3)
    check_raises(lambda: yingshe.quantile(x, 1.5), RuntimeError, "[0, 1]")
    check_raises(lambda: yingshe.quantile(x.long(), 0.5), RuntimeError, "float or double")
    check_raises(lambda: yingshe.quantile(x, yingshe.tensor([[0.5]])), RuntimeError, "1D")
    check_raises(lambda: yingshe.quantile(x, 0.5, interpolation="cubic"), ValueError, "linear")
