"""Empty (0-size) inputs against PyTorch 2.13, for every op family: a 0-size batch dim, a
0-size reduced dim and 0-size non-reduced dims.  Where torch returns a tensor, yingshe must
return one of the same shape, dtype and values, and the gradient of each floating-point input
(an empty tensor for an empty input, zeros for a non-empty one whose output is empty) must match
torch's; where torch raises, yingshe must raise the same kind of error, naming the op."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import _prepare, check_op


class _Lib:
    """yingshe or torch behind one name: ``L.sum``, ``L.F.softmax``, ``L.nn.Conv2d``."""

    def __init__(self, top, functional, nn):
        self._top, self.F, self.nn = top, functional, nn

    def __getattr__(self, name):
        return getattr(self._top, name)


YS = _Lib(yingshe, yingshe.nn.functional, yingshe.nn)
TH = _Lib(torch, torch.nn.functional, torch.nn)

# Where torch raises one exception class and yingshe deliberately another (the layers' argument
# checks raise ValueError in yingshe, as its other shape checks do).
_SAME_KIND = {RuntimeError: (RuntimeError, ValueError, IndexError),
              IndexError: (IndexError,), ValueError: (ValueError, RuntimeError)}
_ERRORS = (RuntimeError, ValueError, IndexError, TypeError)


def _empty(*shape):
    return np.zeros(shape)


def _randn(*shape):
    return np.random.default_rng(sum(shape) + len(shape)).standard_normal(shape)


def _ints(high, *shape):
    return np.random.default_rng(len(shape)).integers(0, high, shape).astype(np.int64)


def check_empty(fn, inputs, op=None, requires_grad=None, torch_backward_fails=None, **options):
    """``fn(L, *tensors)`` with L = yingshe and L = torch: the same result and gradients, or the
    same kind of error (whose message names ``op``).  ``torch_backward_fails`` names, for the
    record, a case whose forward torch computes but whose backward it cannot (a torch bug or a
    missing derivative): then the forward results are compared, and yingshe's gradients must be
    shaped like their inputs (the caller checks their values); returns yingshe's inputs."""
    requires_grad = requires_grad or [True] * len(inputs)
    _, torch_args = _prepare(inputs, "float32", requires_grad, False)
    try:
        out = fn(TH, *torch_args)
    except _ERRORS as error:  # torch refuses: so must yingshe
        ys_args, _ = _prepare(inputs, "float32", requires_grad, False)
        with pytest.raises(Exception) as info:
            fn(YS, *ys_args)
        kinds = _SAME_KIND.get(type(error), (type(error),))
        assert isinstance(info.value, kinds), \
            f"yingshe raised {type(info.value).__name__}({info.value}); torch {error!r}"
        if op is not None:
            assert op in str(info.value), f"the message {info.value} does not name {op}"
        return
    if torch_backward_fails:
        outputs = out if isinstance(out, (tuple, list)) else (out,)
        with pytest.raises(RuntimeError):
            torch.autograd.grad([o.sum() for o in outputs if o.requires_grad],
                                [t for t in torch_args if isinstance(t, torch.Tensor)
                                 and t.requires_grad])
        check_op(lambda *a: fn(YS, *a), lambda *a: fn(TH, *a), inputs, grad=False,
                 requires_grad=requires_grad, **options)
        ys_args, _ = _prepare(inputs, "float32", requires_grad, False)
        ys_out = fn(YS, *ys_args)
        ys_outputs = ys_out if isinstance(ys_out, (tuple, list)) else (ys_out,)
        differentiable = [o for o in ys_outputs if o.requires_grad]
        if differentiable:
            sum(o.sum() for o in differentiable).backward()
            for t in ys_args:
                if isinstance(t, yingshe.Tensor) and t.requires_grad:
                    assert t.grad.shape == t.shape
        return ys_args
    check_op(lambda *a: fn(YS, *a), lambda *a: fn(TH, *a), inputs, check_gradcheck=False,
             check_gradgrad=False, requires_grad=requires_grad, **options)


def _cases(*entries):
    return [pytest.param(fn, inputs, id=name) for name, fn, inputs in entries]


# ---- elementwise -----------------------------------------------------------------------------
UNARY = ["abs", "neg", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin",
         "cos", "tanh", "sigmoid", "relu", "sign", "floor", "ceil", "trunc", "round", "square",
         "erf", "clone", "isnan", "isinf", "isfinite", "logical_not"]
ACTIVATIONS = ["leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh", "relu6", "relu",
               "sigmoid", "tanh"]
EMPTY_SHAPES = [(0,), (0, 3), (3, 0), (2, 0, 4)]


@pytest.mark.parametrize("shape", EMPTY_SHAPES, ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary(name, shape):
    check_empty(lambda L, x: getattr(L, name)(x), [_empty(*shape)])
    check_empty(lambda L, x: getattr(x, name)(), [_empty(*shape)])


@pytest.mark.parametrize("shape", EMPTY_SHAPES, ids=str)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations(name, shape):
    check_empty(lambda L, x: getattr(L.F, name)(x), [_empty(*shape)])


BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "eq", "lt",
          "ge", "atan2"]
BROADCAST_PAIRS = [((0,), (0,)), ((0, 3), (3,)), ((0, 1), (1, 3)), ((3, 0), (3, 1)),
                   ((2, 0, 1), (4,)), ((1,), (0,)), ((0, 3), ())]


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", [n for n in BINARY if n != "atan2"])
def test_binary(name, shapes):
    a, b = shapes
    check_empty(lambda L, x, y: getattr(L, name)(x, y), [_empty(*a) + 1, _empty(*b) + 1])


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS[:4], ids=str)
def test_binary_with_numbers_and_ternary(shapes):
    a, b = shapes
    check_empty(lambda L, x: x * 2.0 + 1 - x ** 2 / 3.0, [_empty(*a)])
    check_empty(lambda L, x, y: L.where(x > y, x, y), [_empty(*a), _empty(*b)])
    check_empty(lambda L, x, y: L.lerp(x, L.broadcast_to(y, x.shape), 0.3), [_empty(*a),
                                                                            _empty(*b)])
    check_empty(lambda L, x, y: L.clamp(x, min=y), [_empty(*a), _empty(*b)])
    check_empty(lambda L, x: L.clamp(x, -1.0, 1.0), [_empty(*a)])
    check_empty(lambda L, x: x.masked_fill(x > 0, 2.0), [_empty(*a)])
    check_empty(lambda L, x: L.floor_divide(x, 2.0), [_empty(*a)],
                torch_backward_fails="torch has no derivative for floor_divide; yingshe's "
                "result is outside the graph")


def test_incompatible_empty_broadcast_raises():
    check_empty(lambda L, x, y: x + y, [_empty(0, 3), _empty(2, 3)])
    check_empty(lambda L, x, y: x * y, [_empty(0), _empty(2)])


# ---- reductions ---------------------------------------------------------------------------------
def _reduction_cases():
    cases = []
    for shape in [(0,), (3, 0), (0, 3), (2, 0, 4)]:
        for dim in [None, 0, -1, (0, -1)]:
            for keepdim in (False, True):
                cases.append((shape, dim, keepdim))
    return cases


REDUCE_CASES = _reduction_cases()
IDENTITY_REDUCTIONS = ["sum", "mean", "logsumexp", "var", "std", "amax", "amin", "all", "any",
                       "count_nonzero", "norm", "var_mean", "std_mean"]


def _call_reduction(L, name, x, dim, keepdim):
    function = getattr(L, name)
    if name == "count_nonzero":
        return function(x) if dim is None else function(x, dim)
    if name in ("logsumexp",):
        return function(x, () if dim is None else dim, keepdim)
    if name in ("amax", "amin"):
        return function(x, () if dim is None else dim, keepdim)
    if name == "norm":
        return function(x, 2, dim, keepdim)
    if dim is None:
        return function(x)
    return function(x, dim, keepdim=keepdim)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@pytest.mark.parametrize("shape,dim,keepdim", REDUCE_CASES, ids=str)
@pytest.mark.parametrize("name", IDENTITY_REDUCTIONS)
def test_reductions(name, shape, dim, keepdim):
    if dim is not None and len(shape) == 1 and isinstance(dim, tuple):
        dim = 0
    check_empty(lambda L, x: _call_reduction(L, name, x, dim, keepdim), [_empty(*shape)],
                op=name)


@pytest.mark.parametrize("shape,dim,keepdim",
                         [c for c in REDUCE_CASES if not isinstance(c[1], tuple)], ids=str)
@pytest.mark.parametrize("name", ["prod", "max", "min", "argmax", "argmin"])
def test_reductions_with_one_dim(name, shape, dim, keepdim):
    def call(L, x):
        if dim is None:
            return getattr(L, name)(x)
        return getattr(L, name)(x, dim, keepdim)
    check_empty(call, [_empty(*shape)], op=name)


@pytest.mark.parametrize("p", [1, 2, 3, 0, float("inf"), -float("inf"), 0.5])
@pytest.mark.parametrize("shape,dim", [((3, 0), 1), ((3, 0), 0), ((0, 3), 0), ((0,), None)],
                         ids=str)
def test_norm_orders(p, shape, dim):
    check_empty(lambda L, x: L.norm(x, p, dim), [_empty(*shape)], op="norm")


@pytest.mark.parametrize("shape,dim", [((0,), 0), ((3, 0), 1), ((3, 0), 0), ((0, 3), 1)],
                         ids=str)
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "sort", "argsort", "softmax",
                                  "log_softmax", "flip", "roll"])
def test_along_one_dim(name, shape, dim):
    def call(L, x):
        if name == "flip":
            return L.flip(x, (dim,))
        if name == "roll":
            return L.roll(x, 1, dim)
        if name in ("softmax", "log_softmax"):
            return getattr(L.F, name)(x, dim)
        return getattr(L, name)(x, dim)
    check_empty(call, [_empty(*shape)], op=name)


@pytest.mark.parametrize("shape,dim,k", [((0,), 0, 0), ((3, 0), 1, 0), ((0, 3), 1, 2),
                                         ((0, 3), 0, 0), ((3, 0), 1, 1)], ids=str)
def test_topk(shape, dim, k):
    check_empty(lambda L, x: L.topk(x, k, dim), [_empty(*shape)], op="topk")


def test_softmax_over_an_empty_dim_is_empty():
    """The issue's example: torch returns empty tensors, yingshe raised NumPy's "zero-size array
    to reduction operation maximum which has no identity"."""
    for function in ("softmax", "log_softmax"):
        x = yingshe.zeros(3, 0, requires_grad=True)
        y = getattr(yingshe.nn.functional, function)(x, dim=1)
        assert y.shape == (3, 0) and y.dtype == yingshe.float32
        y.sum().backward()
        assert x.grad.shape == (3, 0)


# ---- matrix products ----------------------------------------------------------------------------
MATMUL_SHAPES = [((0, 3), (3, 4)), ((3, 0), (0, 4)), ((3, 4), (4, 0)), ((0,), (0,)),
                 ((2, 0), (0,)), ((0,), (0, 2)), ((0, 2, 3), (3, 4)), ((2, 3, 0), (2, 0, 4)),
                 ((2, 1, 3), (0, 3, 2)), ((0, 3), (2, 3))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    check_empty(lambda L, a, b: L.matmul(a, b), [_randn(*shapes[0]), _randn(*shapes[1])],
                op="matmul")


def test_matrix_product_family():
    check_empty(lambda L, a, b: L.mm(a, b), [_empty(0, 3), _randn(3, 2)])
    check_empty(lambda L, a, b: L.mm(a, b), [_randn(2, 0), _randn(0, 3)])
    check_empty(lambda L, a, b: L.bmm(a, b), [_empty(0, 2, 3), _empty(0, 3, 4)])
    check_empty(lambda L, a, b: L.bmm(a, b), [_randn(2, 2, 0), _randn(2, 0, 4)])
    check_empty(lambda L, a, b: L.dot(a, b), [_empty(0), _empty(0)])
    check_empty(lambda L, a, b: L.outer(a, b), [_empty(0), _randn(3)])
    check_empty(lambda L, a, b: L.inner(a, b), [_randn(0, 3), _randn(2, 3)])
    check_empty(lambda L, a, b: L.inner(a, b), [_randn(2, 0), _randn(3, 0)])
    check_empty(lambda L, a, b: L.einsum("ij,jk->ik", a, b), [_randn(2, 0), _randn(0, 3)])
    check_empty(lambda L, a, b: L.einsum("bij,bjk->bik", a, b), [_empty(0, 2, 3),
                                                                 _empty(0, 3, 4)])
    check_empty(lambda L, a: L.einsum("ii->i", a), [_empty(0, 0)])
    check_empty(lambda L, x, w, b: L.F.linear(x, w, b), [_empty(0, 3), _randn(4, 3), _randn(4)])
    check_empty(lambda L, x, w, b: L.F.linear(x, w, b), [_randn(2, 0), _randn(4, 0), _randn(4)])
    check_empty(lambda L, x, w, b: L.F.linear(x, w, b), [_randn(2, 3), _randn(0, 3), _randn(0)])
    check_empty(lambda L, x, y, w, b: L.F.bilinear(x, y, w, b),
                [_empty(0, 3), _empty(0, 2), _randn(4, 3, 2), _randn(4)])


# ---- shape ops ---------------------------------------------------------------------------------
SHAPE_CASES = _cases(
    ("reshape", lambda L, x: x.reshape(3, 0), [_empty(0, 3)]),
    ("reshape-infer", lambda L, x: x.reshape(-1, 3), [_empty(2, 0, 3)]),
    ("reshape-ambiguous", lambda L, x: x.reshape(0, -1), [_empty(2, 0, 3)]),
    ("view", lambda L, x: x.view(0, 2), [_empty(2, 0, 3)]),
    ("permute", lambda L, x: x.permute(2, 0, 1), [_empty(2, 0, 3)]),
    ("transpose", lambda L, x: x.transpose(0, 1), [_empty(0, 3)]),
    ("t", lambda L, x: x.t(), [_empty(3, 0)]),
    ("mT", lambda L, x: x.mT, [_empty(2, 0, 3)]),
    ("squeeze", lambda L, x: x.squeeze(), [_empty(1, 0, 1)]),
    ("squeeze-dim", lambda L, x: x.squeeze(1), [_empty(1, 0, 1)]),
    ("unsqueeze", lambda L, x: x.unsqueeze(1), [_empty(0, 3)]),
    ("flatten", lambda L, x: x.flatten(1), [_empty(0, 3, 2)]),
    ("flatten-all", lambda L, x: L.flatten(x), [_empty(2, 0, 3)]),
    ("unflatten", lambda L, x: x.unflatten(1, (3, 2)), [_empty(0, 6)]),
    ("unflatten-zero", lambda L, x: x.unflatten(1, (0, 2)), [_empty(3, 0)]),
    ("movedim", lambda L, x: L.movedim(x, 0, -1), [_empty(0, 3, 2)]),
    ("repeat", lambda L, x: x.repeat(2, 3), [_empty(0, 3)]),
    ("repeat-zero-times", lambda L, x: x.repeat(0, 2), [_randn(2, 3)]),
    ("tile", lambda L, x: L.tile(x, (2,)), [_empty(3, 0)]),
    ("expand", lambda L, x: x.expand(0, 3), [_randn(1, 3)]),
    ("expand-empty", lambda L, x: x.expand(2, 0, 3), [_empty(0, 3)]),
    ("broadcast_to", lambda L, x: L.broadcast_to(x, (4, 0)), [_randn(1)]),
    ("sum_to_size", lambda L, x: x.sum_to_size(1, 3), [_empty(0, 3)]),
    ("cat", lambda L, x, y: L.cat([x, y]), [_empty(0, 3), _randn(2, 3)]),
    ("cat-all-empty", lambda L, x, y: L.cat([x, y], 1), [_empty(0, 3), _empty(0, 2)]),
    ("cat-1d-empty-skipped", lambda L, x, y: L.cat([x, y]), [_empty(0), _randn(2, 3)]),
    ("stack", lambda L, x, y: L.stack([x, y], 1), [_empty(0, 3), _empty(0, 3)]),
    ("hstack", lambda L, x, y: L.hstack([x, y]), [_empty(0, 3), _empty(0, 2)]),
    ("vstack", lambda L, x, y: L.vstack([x, y]), [_empty(0, 3), _randn(2, 3)]),
    ("split", lambda L, x: x.split(2, 0), [_empty(0, 3)]),
    ("split-sections", lambda L, x: L.split(x, [0, 3], 1), [_randn(2, 3)]),
    ("chunk", lambda L, x: x.chunk(3, 1), [_empty(2, 0)]),
    ("unbind", lambda L, x: x.unbind(1), [_empty(0, 3)]),
    ("unbind-nothing", lambda L, x: L.stack(x.unbind(0) + (x[0:1, 0],)), [_empty(0, 3)]),
    ("narrow", lambda L, x: x.narrow(1, 1, 0), [_randn(2, 3)]),
    ("narrow-empty", lambda L, x: x.narrow(0, 0, 0), [_empty(0, 3)]),
    ("select", lambda L, x: x.select(1, 1), [_empty(0, 3)]),
    ("select-out-of-range", lambda L, x: x.select(0, 0), [_empty(0, 3)]),
    ("pad", lambda L, x: L.F.pad(x, (1, 1)), [_empty(0, 3)]),
    ("pad-empty-dim", lambda L, x: L.F.pad(x, (1, 2)), [_empty(3, 0)]),
    ("pad-replicate", lambda L, x: L.F.pad(x, (1, 1), mode="replicate"), [_empty(0, 2, 3)]),
    ("pad-reflect-empty-dim", lambda L, x: L.F.pad(x, (1, 1), mode="reflect"),
     [_empty(2, 3, 0)]),
    ("contiguous", lambda L, x: x.transpose(0, 1).contiguous(), [_empty(0, 3)]),
    ("swapaxes", lambda L, x: L.swapaxes(x, 0, 2), [_empty(0, 3, 1)]),
)


@pytest.mark.parametrize("fn,inputs", SHAPE_CASES)
def test_shape_ops(fn, inputs):
    check_empty(fn, inputs)


# ---- indexing ----------------------------------------------------------------------------------
INDEX_CASES = _cases(
    ("empty-slice", lambda L, x: x[1:1], [_randn(3, 4)]),
    ("slice-of-empty", lambda L, x: x[:, 1:], [_empty(0, 3)]),
    ("int-of-empty-dim", lambda L, x: x[:, 1], [_empty(0, 3)]),
    ("int-out-of-range", lambda L, x: x[0], [_empty(0, 3)]),
    ("empty-list", lambda L, x: x[[]], [_randn(3, 4)]),
    ("empty-list-dim1", lambda L, x: x[:, []], [_randn(3, 4)]),
    ("index-tensor-empty", lambda L, x: x[L.tensor([], dtype=L.int64)], [_randn(3, 4)]),
    ("index-2d-empty", lambda L, x: x[L.zeros(0, 2, dtype=L.int64)], [_randn(3, 4)]),
    ("list-of-empty", lambda L, x: x[[0, 0, 1]], [_empty(3, 0)]),
    ("two-arrays-empty", lambda L, x: x[[], []], [_randn(3, 4)]),
    ("mask-false", lambda L, x: x[x > 100], [_randn(3, 4)]),
    ("mask-empty", lambda L, x: x[x > 0], [_empty(0, 4)]),
    ("mask-row", lambda L, x: x[L.zeros(3, dtype=L.bool)], [_randn(3, 4)]),
    ("ellipsis-none", lambda L, x: x[..., None, 0:0], [_randn(2, 3)]),
    ("gather", lambda L, x: L.gather(x, 1, L.zeros(3, 0, dtype=L.int64)), [_randn(3, 4)]),
    ("gather-empty-input", lambda L, x: L.gather(x, 0, L.zeros(0, 3, dtype=L.int64)),
     [_empty(0, 3)]),
    ("gather-empty-dim", lambda L, x: L.gather(x, 1, L.zeros(2, 2, dtype=L.int64)),
     [_empty(2, 0)]),
    ("scatter-empty-index", lambda L, x, s: L.scatter(x, 1, L.zeros(3, 0, dtype=L.int64), s),
     [_randn(3, 4), _randn(3, 0)]),
    ("scatter-empty-input", lambda L, x, s: L.scatter(x, 0, L.zeros(0, 3, dtype=L.int64), s),
     [_empty(0, 3), _empty(0, 3)]),
    ("scatter_add-empty-index", lambda L, x, s: L.scatter_add(
        x, 0, L.zeros(0, 4, dtype=L.int64), s), [_randn(3, 4), _randn(0, 4)]),
    ("scatter-value", lambda L, x: x.scatter(1, L.zeros(0, 4, dtype=L.int64), value=1.0),
     [_empty(0, 4)]),
    ("index_select", lambda L, x: L.index_select(x, 0, L.zeros(0, dtype=L.int64)),
     [_randn(3, 4)]),
    ("index_select-empty-input", lambda L, x: L.index_select(x, 1, L.tensor([0, 2])),
     [_empty(0, 3)]),
    ("index_select-from-empty-dim", lambda L, x: L.index_select(x, 1, L.tensor([0])),
     [_empty(2, 0)]),
    ("take_along_dim", lambda L, x: L.take_along_dim(x, L.zeros(0, 1, dtype=L.int64), 1),
     [_empty(0, 3)]),
    ("take_along_dim-flat", lambda L, x: L.take_along_dim(x, L.zeros(0, dtype=L.int64)),
     [_randn(2, 3)]),
    ("masked_select", lambda L, x: L.masked_select(x, x > 0), [_empty(0, 3)]),
    ("masked_select-none", lambda L, x: L.masked_select(x, x > 100), [_randn(2, 3)]),
)


@pytest.mark.parametrize("fn,inputs", INDEX_CASES)
def test_indexing(fn, inputs):
    check_empty(fn, inputs)


def _setitem(L, x, value, index):
    y = x.clone()
    y[index] = value
    return y


@pytest.mark.parametrize("index", [slice(0, 0), [], (slice(None), slice(1, 1))], ids=str)
def test_setitem_empty_selection(index):
    check_empty(lambda L, x, v: _setitem(L, x, v, index), [_randn(3, 4), _randn(1)])
    check_empty(lambda L, x, v: _setitem(L, x, v, index), [_empty(0, 4), _randn(1)])


def test_in_place_ops_on_empty_tensors():
    for op in ("add_", "mul_", "sub_", "div_"):
        for L in (YS, TH):
            x = L.zeros(0, 3)
            out = getattr(x, op)(L.ones(3))
            assert out is x and tuple(x.shape) == (0, 3)
    for L in (YS, TH):
        x = L.zeros(0, 3)
        x.fill_(1.0).zero_().clamp_(0, 1).masked_fill_(x > 0, 1.0).copy_(L.ones(0, 3))
        x.uniform_().normal_()
        assert tuple(x.shape) == (0, 3)


# ---- softmax, losses -------------------------------------------------------------------------
LOSS_CASES = _cases(
    ("cross_entropy", lambda L, x: L.F.cross_entropy(x, L.zeros(0, dtype=L.int64)),
     [_empty(0, 5)]),
    ("cross_entropy-sum", lambda L, x: L.F.cross_entropy(x, L.zeros(0, dtype=L.int64),
                                                         reduction="sum"), [_empty(0, 5)]),
    ("cross_entropy-none", lambda L, x: L.F.cross_entropy(x, L.zeros(0, dtype=L.int64),
                                                          reduction="none"), [_empty(0, 5)]),
    ("cross_entropy-smoothing-weight",
     lambda L, x, w: L.F.cross_entropy(x, L.zeros(0, dtype=L.int64), weight=w.detach(),
                                       label_smoothing=0.1), [_empty(0, 5), _randn(5) ** 2]),
    ("cross_entropy-probabilities", lambda L, x, t: L.F.cross_entropy(x, t),
     [_empty(0, 5), _empty(0, 5)]),
    ("cross_entropy-spatial", lambda L, x: L.F.cross_entropy(x, L.zeros(2, 0, dtype=L.int64)),
     [_empty(2, 5, 0)]),
    ("cross_entropy-no-classes", lambda L, x: L.F.cross_entropy(x, L.zeros(3, dtype=L.int64)),
     [_empty(3, 0)]),
    ("cross_entropy-no-classes-ignored", lambda L, x: L.F.cross_entropy(
        x, L.full((3,), -100, dtype=L.int64)), [_empty(3, 0)]),
    ("cross_entropy-no-classes-ignored-none", lambda L, x: L.F.cross_entropy(
        x, L.full((3,), -100, dtype=L.int64), reduction="none"),
     [_empty(3, 0)]),
    ("cross_entropy-no-classes-probabilities", lambda L, x, t: L.F.cross_entropy(x, t),
     [_empty(3, 0), _empty(3, 0)]),
    ("cross_entropy-no-classes-probabilities-none", lambda L, x, t: L.F.cross_entropy(
        x, t, reduction="none"), [_empty(3, 0), _empty(3, 0)]),
    ("nll_loss-no-classes-ignored", lambda L, x: L.F.nll_loss(
        x, L.full((3,), -100, dtype=L.int64)), [_empty(3, 0)]),
    ("nll_loss", lambda L, x: L.F.nll_loss(x, L.zeros(0, dtype=L.int64)), [_empty(0, 5)]),
    ("nll_loss-sum", lambda L, x: L.F.nll_loss(x, L.zeros(0, dtype=L.int64), reduction="sum"),
     [_empty(0, 5)]),
    ("nll_loss-none", lambda L, x: L.F.nll_loss(x, L.zeros(0, dtype=L.int64),
                                                reduction="none"), [_empty(0, 5)]),
    ("mse_loss", lambda L, x, y: L.F.mse_loss(x, y), [_empty(0, 3), _empty(0, 3)]),
    ("mse_loss-sum", lambda L, x, y: L.F.mse_loss(x, y, reduction="sum"),
     [_empty(0, 3), _empty(0, 3)]),
    ("l1_loss", lambda L, x, y: L.F.l1_loss(x, y), [_empty(0, 3), _empty(0, 3)]),
    ("smooth_l1_loss", lambda L, x, y: L.F.smooth_l1_loss(x, y), [_empty(0, 3), _empty(0, 3)]),
    ("huber_loss", lambda L, x, y: L.F.huber_loss(x, y), [_empty(0, 3), _empty(0, 3)]),
    ("binary_cross_entropy", lambda L, x, y: L.F.binary_cross_entropy(x, y),
     [_empty(0, 3), _empty(0, 3)]),
    ("bce_with_logits", lambda L, x, y: L.F.binary_cross_entropy_with_logits(x, y),
     [_empty(0, 3), _empty(0, 3)]),
    ("kl_div", lambda L, x, y: L.F.kl_div(x, y, reduction="sum"), [_empty(0, 3), _empty(0, 3)]),
    ("kl_div-batchmean", lambda L, x, y: L.F.kl_div(x, y, reduction="batchmean"),
     [_empty(0, 3), _empty(0, 3)]),
    ("cosine_embedding_loss", lambda L, x, y: L.F.cosine_embedding_loss(
        x, y, L.ones(0)), [_empty(0, 3), _empty(0, 3)]),
)


@pytest.mark.parametrize("fn,inputs", LOSS_CASES)
def test_losses(fn, inputs):
    check_empty(fn, inputs)


def test_one_hot():
    check_empty(lambda L, x: L.F.one_hot(L.zeros(0, dtype=L.int64), 3) + x, [_empty(0, 3)])
    check_empty(lambda L, x: L.F.one_hot(L.zeros(2, 0, dtype=L.int64), 4) + x, [_empty(1)],
                op="one_hot")


# ---- convolution, pooling, layers' functions -------------------------------------------------
CONV_CASES = _cases(
    ("conv2d-batch0", lambda L, x, w, b: L.F.conv2d(x, w, b, padding=1),
     [_empty(0, 3, 5, 5), _randn(4, 3, 3, 3), _randn(4)]),
    ("conv2d-batch0-groups-stride", lambda L, x, w: L.F.conv2d(x, w, stride=2, groups=2),
     [_empty(0, 4, 6, 6), _randn(6, 2, 3, 3)]),
    ("conv2d-no-out-channels", lambda L, x, w: L.F.conv2d(x, w),
     [_randn(2, 3, 5, 5), _randn(0, 3, 3, 3)]),
    ("conv2d-empty-image", lambda L, x, w: L.F.conv2d(x, w, padding=1),
     [_empty(2, 3, 0, 5), _randn(4, 3, 3, 3)]),
    ("conv1d-batch0", lambda L, x, w, b: L.F.conv1d(x, w, b, stride=2),
     [_empty(0, 3, 7), _randn(4, 3, 3), _randn(4)]),
    ("conv_transpose2d-batch0", lambda L, x, w, b: L.F.conv_transpose2d(x, w, b, stride=2),
     [_empty(0, 3, 4, 4), _randn(3, 2, 3, 3), _randn(2)]),
    ("conv_transpose1d-batch0", lambda L, x, w: L.F.conv_transpose1d(x, w),
     [_empty(0, 3, 4), _randn(3, 2, 3)]),
    ("max_pool2d-batch0", lambda L, x: L.F.max_pool2d(x, 2), [_empty(0, 3, 6, 6)]),
    ("max_pool2d-channels0", lambda L, x: L.F.max_pool2d(x, 3, 2, 1), [_empty(2, 0, 6, 6)]),
    ("max_pool2d-3d", lambda L, x: L.F.max_pool2d(x, 2), [_empty(0, 6, 6)]),
    ("max_pool2d-empty-image", lambda L, x: L.F.max_pool2d(x, 2), [_empty(1, 2, 0, 4)]),
    ("avg_pool2d-batch0", lambda L, x: L.F.avg_pool2d(x, 2, padding=1), [_empty(0, 3, 5, 5)]),
    ("avg_pool2d-channels0", lambda L, x: L.F.avg_pool2d(x, 2), [_empty(2, 0, 4, 4)]),
    ("max_pool1d-batch0", lambda L, x: L.F.max_pool1d(x, 2), [_empty(0, 3, 6)]),
    ("avg_pool1d-batch0", lambda L, x: L.F.avg_pool1d(x, 2), [_empty(0, 3, 6)]),
    ("adaptive_avg_pool2d-batch0", lambda L, x: L.F.adaptive_avg_pool2d(x, (2, 3)),
     [_empty(0, 3, 5, 7)]),
    ("adaptive_max_pool2d-batch0", lambda L, x: L.F.adaptive_max_pool2d(x, 2),
     [_empty(0, 3, 5, 7)]),
    ("adaptive_avg_pool2d-empty-image", lambda L, x: L.F.adaptive_avg_pool2d(x, 2),
     [_empty(1, 3, 0, 4)]),
    ("interpolate-batch0", lambda L, x: L.F.interpolate(x, scale_factor=2),
     [_empty(0, 3, 2, 2)]),
    ("batch_norm-eval-batch0", lambda L, x, w, b: L.F.batch_norm(
        x, L.zeros(3), L.ones(3), w, b, training=False), [_empty(0, 3, 4), _randn(3), _randn(3)]),
    ("batch_norm-train-batch0", lambda L, x: L.F.batch_norm(
        x, L.zeros(3), L.ones(3), training=True), [_empty(0, 3)]),
    ("layer_norm-batch0", lambda L, x, w, b: L.F.layer_norm(x, (4,), w, b),
     [_empty(0, 4), _randn(4), _randn(4)]),
    ("layer_norm-empty-normalized", lambda L, x: L.F.layer_norm(x, (0,)), [_empty(3, 0)]),
    ("group_norm-batch0", lambda L, x, w, b: L.F.group_norm(x, 2, w, b),
     [_empty(0, 4, 3), _randn(4), _randn(4)]),
    ("embedding-empty-indices", lambda L, w: L.F.embedding(L.zeros(0, 3, dtype=L.int64), w),
     [_randn(5, 4)]),
    ("dropout", lambda L, x: L.F.dropout(x, 0.5, training=True), [_empty(0, 3)]),
    ("dropout2d", lambda L, x: L.F.dropout2d(x, 0.5, training=True), [_empty(0, 3, 2, 2)]),
    ("sdpa-no-queries", lambda L, q, k, v: L.F.scaled_dot_product_attention(q, k, v),
     [_empty(2, 0, 4), _randn(2, 3, 4), _randn(2, 3, 4)]),
    ("sdpa-batch0", lambda L, q, k, v: L.F.scaled_dot_product_attention(q, k, v),
     [_empty(0, 2, 4), _empty(0, 3, 4), _empty(0, 3, 4)]),
)


@pytest.mark.parametrize("fn,inputs", CONV_CASES)
def test_layer_functions(fn, inputs):
    check_empty(fn, inputs)


# ---- layers ------------------------------------------------------------------------------------
LAYERS = [
    ("Conv2d", lambda nn: nn.Conv2d(3, 4, 3, padding=1), (0, 3, 5, 5)),
    ("Conv2d-groups", lambda nn: nn.Conv2d(4, 6, 3, stride=2, groups=2), (0, 4, 7, 7)),
    ("Conv1d", lambda nn: nn.Conv1d(3, 4, 3), (0, 3, 6)),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2), (0, 3, 4, 4)),
    ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 2, 3), (0, 3, 4)),
    ("Linear", lambda nn: nn.Linear(3, 4), (0, 3)),
    ("Linear-3d", lambda nn: nn.Linear(3, 4), (2, 0, 3)),
    ("Bilinear", lambda nn: nn.Bilinear(3, 3, 2), (0, 3)),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(2), (0, 3, 4, 4)),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(2), (0, 3, 4, 4)),
    ("MaxPool1d", lambda nn: nn.MaxPool1d(2), (0, 3, 4)),
    ("AvgPool1d", lambda nn: nn.AvgPool1d(2), (0, 3, 4)),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d(1), (0, 3, 4, 4)),
    ("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d(2), (0, 3, 4, 4)),
    ("Upsample", lambda nn: nn.Upsample(scale_factor=2), (0, 3, 2, 2)),
    ("BatchNorm1d-eval", lambda nn: nn.BatchNorm1d(3).eval(), (0, 3)),
    ("BatchNorm2d-eval", lambda nn: nn.BatchNorm2d(3).eval(), (0, 3, 2, 2)),
    ("BatchNorm2d-train", lambda nn: nn.BatchNorm2d(3), (0, 3, 2, 2)),
    ("LayerNorm", lambda nn: nn.LayerNorm(3), (0, 3)),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), (0, 4, 3)),
    ("Dropout", lambda nn: nn.Dropout(), (0, 3)),
    ("Dropout2d", lambda nn: nn.Dropout2d(), (0, 3, 2, 2)),
    ("Flatten", lambda nn: nn.Flatten(), (0, 3, 2)),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 3)), (0, 6)),
    ("Identity", lambda nn: nn.Identity(), (0, 3)),
    ("ReLU", lambda nn: nn.ReLU(), (0, 3)),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(), (0, 3)),
    ("ELU", lambda nn: nn.ELU(), (0, 3)),
    ("GELU", lambda nn: nn.GELU(), (0, 3)),
    ("SiLU", lambda nn: nn.SiLU(), (0, 3)),
    ("Sigmoid", lambda nn: nn.Sigmoid(), (0, 3)),
    ("Tanh", lambda nn: nn.Tanh(), (0, 3)),
    ("Softplus", lambda nn: nn.Softplus(), (0, 3)),
    ("Hardtanh", lambda nn: nn.Hardtanh(), (0, 3)),
    ("ReLU6", lambda nn: nn.ReLU6(), (0, 3)),
    ("Softmax-empty-dim", lambda nn: nn.Softmax(dim=1), (3, 0)),
    ("LogSoftmax-batch0", lambda nn: nn.LogSoftmax(dim=1), (0, 3)),
    ("RNN-batch0", lambda nn: nn.RNN(3, 4, batch_first=True), (0, 2, 3)),
    ("RNN-no-steps", lambda nn: nn.RNN(3, 4), (0, 2, 3)),
    ("LSTM-batch0", lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True), (2, 0, 3)),
    ("GRU-batch0", lambda nn: nn.GRU(3, 4, batch_first=True), (0, 2, 3)),
    ("RNNCell-batch0", lambda nn: nn.RNNCell(3, 4), (0, 3)),
    ("LSTMCell-batch0", lambda nn: nn.LSTMCell(3, 4), (0, 3)),
    ("GRUCell-batch0", lambda nn: nn.GRUCell(3, 4), (0, 3)),
    ("MultiheadAttention-batch0", lambda nn: nn.MultiheadAttention(4, 2, batch_first=True),
     (0, 3, 4)),
    ("TransformerEncoderLayer-batch0", lambda nn: nn.TransformerEncoderLayer(
        4, 2, 8, dropout=0.0, batch_first=True), (0, 3, 4)),
]


def _first_output(out):
    while isinstance(out, (tuple, list)):
        out = out[0]
    return out


def _run_layer(module, x, call):
    if call == "bilinear":
        out = module(x, x)
    elif call == "attention":
        out = module(x, x, x)
    else:
        out = module(x)
    return _first_output(out)


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[case[0] for case in LAYERS])
def test_layers(name, make, shape):
    """Torch's weights loaded into the yingshe layer: the same output (shape, dtype, values),
    input gradient and parameter gradients on an empty input, or the same kind of error."""
    torch.manual_seed(0)
    torch_layer = make(torch.nn)
    layer = make(yingshe.nn)
    layer.load_state_dict({k: yingshe.from_numpy(v.detach().numpy().copy())
                           for k, v in torch_layer.state_dict().items()})
    layer.train(torch_layer.training)
    call = "bilinear" if name.startswith("Bilinear") else \
        "attention" if name.startswith("MultiheadAttention") else None
    x = np.zeros(shape, np.float32)
    tx = torch.from_numpy(x.copy()).requires_grad_()
    yx = yingshe.from_numpy(x.copy()).requires_grad_()
    try:
        expected = _run_layer(torch_layer, tx, call)
        expected.sum().backward()
    except _ERRORS as error:
        with pytest.raises(Exception) as info:
            _run_layer(layer, yx, call).sum().backward()
        assert isinstance(info.value, _SAME_KIND.get(type(error), (type(error),))), \
            f"yingshe raised {info.value!r}; torch {error!r}"
        return
    out = _run_layer(layer, yx, call)
    assert tuple(out.shape) == tuple(expected.shape)
    assert out.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5,
                               atol=1e-6, equal_nan=True)
    out.sum().backward()
    assert yx.grad is not None and yx.grad.shape == tuple(tx.grad.shape)
    torch_params = dict(torch_layer.named_parameters())
    for key, p in layer.named_parameters():
        expected_grad = torch_params[key].grad
        if expected_grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), key
            continue
        assert p.grad is not None, f"{key}: no gradient"
        np.testing.assert_allclose(p.grad.numpy(), expected_grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=key, equal_nan=True)
    for key, b in torch_layer.named_buffers():
        np.testing.assert_allclose(dict(layer.named_buffers())[key].numpy(), b.numpy(),
                                   rtol=1e-5, atol=1e-6, err_msg=key, equal_nan=True)


def test_conv2d_layer_on_an_empty_batch():
    """The issue's example: Conv2d on a batch of 0 raised NumPy's reshape error."""
    conv = yingshe.nn.Conv2d(3, 4, 3)
    x = yingshe.zeros(0, 3, 5, 5, requires_grad=True)
    y = conv(x)
    assert y.shape == (0, 4, 3, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 5, 5)
    assert conv.weight.grad.shape == (4, 3, 3, 3) and not conv.weight.grad.numpy().any()
    assert not conv.bias.grad.numpy().any()


@pytest.mark.parametrize("name", ["scatter", "scatter_add"])
def test_scatter_with_an_empty_index_and_a_larger_src(name):
    """torch 2.13 computes the forward but its backward fails ("ScatterBackward0 returned an
    invalid gradient at index 1 - got [3, 0] but expected shape compatible with [3, 2]"): src's
    gradient is zeros of src's shape, which yingshe gives."""
    x, src = check_empty(
        lambda L, x, s: getattr(L, name)(x, 1, L.zeros(3, 0, dtype=L.int64), s),
        [_randn(3, 4), _randn(3, 2)], torch_backward_fails="torch 2.13 bug")
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(src.grad.numpy(), np.zeros((3, 2)))


def test_conv2d_without_input_channels_is_the_bias():
    """Deliberately different: with 0 input channels the sum over channels is empty, so the output
    is the bias, shape (N, out_channels, Ho, Wo).  torch 2.13 returns a tensor of shape
    (N, 0, Ho, Wo) there (its shortcut for empty inputs takes the channel count from the input);
    yingshe keeps the shape that the layer's arithmetic gives."""
    x = yingshe.zeros(2, 0, 5, 5, requires_grad=True)
    weight = yingshe.zeros(4, 0, 3, 3, requires_grad=True)
    bias = yingshe.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = yingshe.nn.functional.conv2d(x, weight, bias)
    assert y.shape == (2, 4, 3, 3)
    np.testing.assert_array_equal(y.detach().numpy(),
                                  np.broadcast_to(np.arange(1.0, 5.0).reshape(4, 1, 1),
                                                  (2, 4, 3, 3)))
    y.sum().backward()
    assert x.grad.shape == (2, 0, 5, 5) and weight.grad.shape == (4, 0, 3, 3)
    np.testing.assert_array_equal(bias.grad.numpy(), np.full(4, 18.0))
    assert tuple(torch.nn.functional.conv2d(torch.zeros(2, 0, 5, 5), torch.zeros(4, 0, 3, 3),
                                            torch.ones(4)).shape) == (2, 0, 3, 3)


CREATION = _cases(
    ("zeros", lambda L: L.zeros(0, 3), []),
    ("ones-int", lambda L: L.ones((2, 0), dtype=L.int64), []),
    ("empty", lambda L: L.empty(0, 2), []),
    ("full", lambda L: L.full((0, 2), 1.5), []),
    ("arange", lambda L: L.arange(0), []),
    ("arange-float", lambda L: L.arange(1.0, 1.0, 0.5), []),
    ("linspace", lambda L: L.linspace(0, 1, 0), []),
    ("eye", lambda L: L.eye(0), []),
    ("eye-rect", lambda L: L.eye(0, 3), []),
    ("randperm", lambda L: L.randperm(0), []),
    ("randint", lambda L: L.randint(0, 5, (0, 2)), []),
    ("rand", lambda L: L.rand(0, 2), []),
    ("randn", lambda L: L.randn(2, 0), []),
    ("normal", lambda L: L.normal(0.0, 1.0, size=(0,)), []),
    ("zeros_like", lambda L: L.zeros_like(L.zeros(0, 2)), []),
    ("full_like", lambda L: L.full_like(L.zeros(0, 2), 3), []),
    ("randn_like", lambda L: L.randn_like(L.zeros(0, 2)), []),
    ("new_zeros", lambda L: L.zeros(2).new_zeros(0, 3), []),
    ("tensor-empty-list", lambda L: L.tensor([]), []),
    ("tensor-empty-nested", lambda L: L.tensor([[], []]), []),
    ("logical_and", lambda L: L.logical_and(L.zeros(0, 2), L.ones(2)), []),
    ("bitwise_and", lambda L: L.zeros(0, 2, dtype=L.int64) & L.ones(2, dtype=L.int64), []),
    ("bitwise_not", lambda L: ~L.zeros(0, dtype=L.bool), []),
    ("int-sum", lambda L: L.zeros(0, 2, dtype=L.int32).sum(0), []),
    ("int-prod", lambda L: L.zeros(0, 2, dtype=L.int32).prod(), []),
    ("int-cumsum", lambda L: L.zeros(0, 2, dtype=L.int32).cumsum(0), []),
    ("int-cumprod", lambda L: L.zeros(0, 2, dtype=L.bool).cumprod(0), []),
    ("cumprod-0d-bool", lambda L: L.tensor(True).cumprod(0), []),
    ("int-max-dim", lambda L: L.zeros(2, 0, dtype=L.int64).max(0).values, []),
    ("bool-any", lambda L: L.zeros(0, 2, dtype=L.bool).any(0), []),
    ("bool-all", lambda L: L.zeros(0, dtype=L.bool).all(), []),
    ("sort-int", lambda L: L.zeros(3, 0, dtype=L.int64).sort(0).values, []),
)


@pytest.mark.parametrize("fn,inputs", CREATION)
def test_creation_and_integer_ops(fn, inputs):
    check_empty(fn, inputs)


@pytest.mark.parametrize("convert", [bool, float, int, lambda t: t.item()],
                         ids=["bool", "float", "int", "item"])
def test_scalar_conversions_of_an_empty_tensor_raise(convert):
    with pytest.raises(Exception) as torch_error:
        convert(torch.zeros(0))
    kind = type(torch_error.value)
    with pytest.raises(_SAME_KIND.get(kind, kind)):
        convert(yingshe.zeros(0))


def test_python_protocols_on_empty_tensors():
    for L in (YS, TH):
        x = L.zeros(0, 3)
        assert len(x) == 0 and list(x) == [] and x.tolist() == []
        assert x.numel() == 0 and x.shape[1] == 3
        assert L.zeros(3, 0).tolist() == [[], [], []]


MORE_CASES = _cases(
    ("broadcast_tensors", lambda L, x, y: L.broadcast_tensors(x, y), [_empty(0, 1), _randn(3)]),
    ("expand_as", lambda L, x, y: x.expand_as(y), [_randn(1, 3), _empty(0, 3)]),
    ("view_as", lambda L, x, y: x.view_as(y), [_empty(0, 3), _empty(3, 0)]),
    ("where-method", lambda L, x, y: x.where(x > 0, y), [_empty(0, 3), _empty(3)]),
    ("dropout1d", lambda L, x: L.F.dropout1d(x, 0.5, training=True), [_empty(0, 3, 4)]),
    ("clamp_min", lambda L, x: L.clamp_min(x, 0.5), [_empty(2, 0)]),
    ("true_divide", lambda L, x: L.true_divide(x, 2), [_empty(0, 2)]),
    ("sum_to_size-empty", lambda L, x: x.sum_to_size(0, 1), [_empty(0, 3)]),
    ("scatter_", lambda L, x: x.clone().scatter_(1, L.zeros(0, 2, dtype=L.int64), 1.0),
     [_empty(0, 3)]),
    ("scatter_add_", lambda L, x, s: x.clone().scatter_add_(0, L.zeros(0, 3, dtype=L.int64), s),
     [_randn(2, 3), _empty(0, 3)]),
    ("amax-keepdim-empty-kept", lambda L, x: L.amax(x, 1, keepdim=True), [_empty(0, 3)]),
    ("logsumexp-empty-dim", lambda L, x: L.logsumexp(x, 1), [_empty(3, 0)]),
    ("var-empty-dim", lambda L, x: L.var(x, 1), [_empty(3, 0)]),
    ("norm-0-empty", lambda L, x: L.norm(x, 0, 1), [_empty(3, 0)]),
    ("einsum-outer-empty", lambda L, x, y: L.einsum("i,j->ij", x, y), [_empty(0), _randn(2)]),
    ("one_hot-empty-classes", lambda L, x: L.F.one_hot(L.zeros(3, 0, dtype=L.int64), 0) * 1.0
     + x, [_empty(1)]),
)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@pytest.mark.parametrize("fn,inputs", MORE_CASES)
def test_more_ops(fn, inputs):
    check_empty(fn, inputs)


MORE_LAYERS = [
    ("Embedding", lambda nn: nn.Embedding(5, 3), np.zeros((0, 2), np.int64)),
    ("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(reduction="sum"), None),
    ("TransformerDecoderLayer", lambda nn: nn.TransformerDecoderLayer(
        4, 2, 8, dropout=0.0, batch_first=True), None),
]


@pytest.mark.parametrize("name,make,indices", MORE_LAYERS, ids=[c[0] for c in MORE_LAYERS])
def test_more_layers(name, make, indices):
    torch.manual_seed(0)
    torch_layer, layer = make(torch.nn), make(yingshe.nn)
    layer.load_state_dict({k: yingshe.from_numpy(v.detach().numpy().copy())
                           for k, v in torch_layer.state_dict().items()})
    if name == "Embedding":
        out = layer(yingshe.from_numpy(indices))
        expected = torch_layer(torch.from_numpy(indices))
    elif name == "CrossEntropyLoss":
        x = yingshe.zeros(0, 4, requires_grad=True)
        out = layer(x, yingshe.zeros(0, dtype=yingshe.int64))
        expected = torch_layer(torch.zeros(0, 4), torch.zeros(0, dtype=torch.int64))
    else:
        x = yingshe.zeros(0, 3, 4, requires_grad=True)
        out = layer(x, x)
        expected = torch_layer(torch.zeros(0, 3, 4), torch.zeros(0, 3, 4))
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy())
    out.sum().backward()
    for key, p in layer.named_parameters():
        assert p.grad is not None and not p.grad.numpy().any(), key


def test_masked_softmax_and_attention_modules_on_empty_inputs():
    """yingshe's own attention helpers (no torch counterpart): empty in, empty out, and gradients
    shaped like the inputs."""
    scores = yingshe.zeros(2, 0, requires_grad=True)
    out = yingshe.nn.functional.masked_softmax(scores, yingshe.zeros(2, 0, dtype=yingshe.bool))
    assert out.shape == (2, 0)
    out.sum().backward()
    assert scores.grad.shape == (2, 0)
    q = yingshe.zeros(0, 2, 4, requires_grad=True)
    keys = yingshe.zeros(0, 3, 4, requires_grad=True)
    out, weights = yingshe.nn.DotProductAttention()(q, keys, keys)
    assert out.shape == (0, 2, 4) and weights.shape == (0, 2, 3)
    out.sum().backward()
    assert q.grad.shape == (0, 2, 4) and keys.grad.shape == (0, 3, 4)


@pytest.mark.parametrize(("shape", "dtype"), [((0,), "float32"), ((0, 3), "float32"),
                                              ((2, 0), "int64"), ((2, 0, 4), "float64")])
def test_repr_and_scalar_conversion_of_empty_tensors_as_torch(shape, dtype):
    y, t = yingshe.zeros(shape, dtype=getattr(yingshe, dtype)), torch.zeros(
        shape, dtype=getattr(torch, dtype))
    assert repr(y) == repr(t).replace("torch.", "yingshe.")
    for convert in (float, int):
        with pytest.raises(ValueError, match="only one element tensors"):
            convert(t)
        with pytest.raises(ValueError, match="only one element tensors"):
            convert(y)
