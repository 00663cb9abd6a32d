"""What the PyTorch tutorials use and yingshe lacked (tests/pytorch_style): ``Size``, ``out=``,
scatter/gather with a 0-d index, and the default device -- each compared with PyTorch."""
import pickle
import threading
import warnings

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_op, check_raises


def _same(ys_t, torch_t):
    """Same dtype name, shape and values."""
    assert str(ys_t.dtype).split(".")[-1] == str(torch_t.dtype).split(".")[-1]
    assert tuple(ys_t.shape) == tuple(torch_t.shape)
    np.testing.assert_array_equal(ys_t.numpy(), torch_t.numpy())



def _same_outcome(call):
    """``call(yingshe)`` gives what ``call(torch)`` gives, or raises the same exception type."""
    try:
        expected = call(torch)
    except (RuntimeError, IndexError) as error:
        with pytest.raises(type(error)):
            call(yingshe)
        return
    _same(call(yingshe), expected)

# ---- Size -----------------------------------------------------------------------------------
def _as_torch(value):
    """The expected torch value of a yingshe result: repr with the framework's name swapped."""
    return repr(value).replace("yingshe.", "torch.")


@pytest.mark.parametrize("expression", [
    "m.Size([3, 28, 28])", "m.Size([])", "m.Size([3, 28, 28])[1:]", "m.Size([3, 28, 28])[::-1]",
    "m.Size([3, 28, 28])[0]", "m.Size([3, 28, 28])[-1]", "m.Size([3, 28]) + (1,)",
    "(1,) + m.Size([3, 28])", "m.Size([3, 28]) + m.Size([2])", "m.Size([3, 28]) * 2",
    "2 * m.Size([3, 28])", "m.Size([3, 28, 28]).numel()", "m.Size([]).numel()",
    "m.Size([2, 0, 3]).numel()", "m.Size([3, 28]) == (3, 28)", "m.Size([3, 28]) == [3, 28]",
    "hash(m.Size([3, 28])) == hash((3, 28))", "isinstance(m.Size([1]), tuple)",
    "m.Size([3, 28, 28]).index(28)", "m.Size([3, 28, 28]).count(28)", "str(m.Size([1, 2]))",
    "m.Size((m.tensor(3), True))", "m.rand(3, 4).shape", "m.rand(3, 4).size()",
    "m.rand(3, 4).size(1)", "m.rand(3, 4).size(-2)", "m.tensor(2.0).shape", "m.rand(2, 3).shape[1:]",
    "m.zeros(m.rand(2, 3).shape).shape", "m.rand(2, 3).new_zeros(m.rand(4, 1).shape).shape",
    "m.rand(2, 3).view(m.Size([3, 2])).shape", "m.rand(2, 3).reshape(m.rand(6).shape).shape",
    "m.rand(2, 1).expand(m.Size([2, 5])).shape", "m.randn(m.Size([2, 2])).shape",
    "m.tensor(m.Size([2, 3])).tolist()", "m.FloatTensor(m.rand(2, 3).shape).shape",
    "m.Tensor(m.rand(4).size()).shape", "m.LongTensor(m.Size([2])).dtype",
    "m.FloatTensor((2, 3)).tolist()", "m.Tensor([2]).tolist()", "m.FloatTensor(m.Size([])).shape",
])
def test_size_matches_torch(expression):
    got = eval(expression, {"m": yingshe})
    expected = eval(expression, {"m": torch})
    assert type(got).__name__ == type(expected).__name__, (got, expected)
    assert _as_torch(got) == repr(expected)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_size_pickles(protocol):
    size = yingshe.Size([3, 28, 28])
    back = pickle.loads(pickle.dumps(size, protocol=protocol))
    assert type(back) is yingshe.Size and back == size


@pytest.mark.parametrize("items", [(2.5,), ("a",), (1, None)])
def test_size_takes_ints_only(items):
    with pytest.raises(TypeError) as expected:
        torch.Size(items)
    message = check_raises(lambda: yingshe.Size(items), TypeError, "takes an iterable of 'int'")
    assert message.replace("yingshe.", "torch.") == str(expected.value)


def test_size_concatenates_only_tuples():
    with pytest.raises(TypeError):
        torch.Size([1]) + [2]
    check_raises(lambda: yingshe.Size([1]) + [2], TypeError, "list")


# ---- out= -----------------------------------------------------------------------------------
A = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)  # out's dtype: the products need it
B = np.arange(-3.0, 3.0, dtype=np.float32).reshape(2, 3)
OPS = {  # op -> (function of the framework module and out, its operands)
    "add": (lambda m, a, b, out: m.add(a, b, alpha=2, out=out), (A, B)),
    "sub": (lambda m, a, b, out: m.sub(a, 1.5, out=out), (A, B)),
    "mul": (lambda m, a, b, out: m.mul(a, b, out=out), (A, B)),
    "div": (lambda m, a, b, out: m.div(a, b + 10, out=out), (A, B)),
    "div floor": (lambda m, a, b, out: m.div(a, b + 10, rounding_mode="floor", out=out), (A, B)),
    "matmul": (lambda m, a, b, out: m.matmul(a, b.T, out=out), (A, B)),
    "matmul 1-d": (lambda m, a, b, out: m.matmul(a[0], b.T, out=out), (A, B)),
    "mm": (lambda m, a, b, out: m.mm(a.T, b, out=out), (A, B)),
    "bmm": (lambda m, a, b, out: m.bmm(a[None], b.T[None], out=out), (A, B)),
}


@pytest.mark.parametrize("out_shape", [(0,), (2, 3), (3,)], ids=["empty", "same", "other"])
@pytest.mark.parametrize("op", OPS)
def test_out_writes_into_out(op, out_shape):
    function, operands = OPS[op]
    ys_out, torch_out = yingshe.full(out_shape, 7.0), torch.full(out_shape, 7.0)
    with warnings.catch_warnings(record=True) as torch_warned:
        warnings.simplefilter("always")
        torch_result = function(torch, *map(torch.tensor, operands), torch_out)
    with warnings.catch_warnings(record=True) as ys_warned:
        warnings.simplefilter("always")
        version = ys_out._version
        ys_result = function(yingshe, *map(yingshe.tensor, operands), ys_out)
    assert ys_result is ys_out and torch_result is torch_out
    assert ys_out._version > version
    _same(ys_out, torch_out)
    # a warning only when a non-empty out is resized (torch may repeat it: one is enough)
    resized = out_shape != (0,) and tuple(torch_out.shape) != out_shape
    assert bool(ys_warned) == bool(torch_warned) == resized
    assert all(w.category is UserWarning and "resized" in str(w.message) for w in ys_warned)


def test_out_keeps_storage_and_dtype():
    """A right-sized out keeps its memory (views of it see the result) and its own dtype."""
    out = yingshe.zeros(2, 2, dtype=yingshe.float64)
    row = out[0]
    yingshe.add(yingshe.ones(2, 2, dtype=yingshe.int64), 1, out=out)
    assert out.dtype == yingshe.float64 and row.tolist() == [2.0, 2.0]
    x = yingshe.ones(3)
    assert yingshe.add(x, x, out=x) is x and x.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(("call", "exception", "fragments"), [
    (lambda m: m.add(m.ones(2), m.ones(2), out=m.empty(2, dtype=m.int64)), RuntimeError,
     ["can't be cast to the desired output type"]),
    (lambda m: m.mul(m.ones(2, dtype=m.int64), 2, out=m.empty(2, dtype=m.bool)), RuntimeError,
     ["can't be cast to the desired output type"]),
    (lambda m: m.div(m.ones(2, dtype=m.int64), 2, out=m.empty(2, dtype=m.int64)), RuntimeError,
     ["can't be cast to the desired output type"]),
    (lambda m: m.matmul(m.ones(2, 2), m.ones(2, 2), out=m.empty(2, 2, dtype=m.float64)),
     RuntimeError, ["out tensor to have dtype"]),
    (lambda m: m.mm(m.ones(2, 2), m.ones(2, 2), out=m.empty(2, 2, dtype=m.int64)),
     RuntimeError, ["out tensor to have dtype"]),
    (lambda m: m.mul(m.ones(2, requires_grad=True), 2, out=m.empty(2)), RuntimeError,
     ["out=... arguments don't support automatic differentiation"]),
    (lambda m: m.matmul(m.ones(2, 2), m.ones(2, 2), out=m.empty(2, 2, requires_grad=True)),
     RuntimeError, ["out=... arguments don't support automatic differentiation"]),
    (lambda m: m.zeros(2, out=m.empty(2, requires_grad=True)), RuntimeError,
     ["out=... arguments don't support automatic differentiation"]),
    (lambda m: m.add(m.ones(2), 1, out=[0.0, 0.0]), TypeError, ["argument 'out' must be Tensor"]),
    (lambda m: m.add(m.ones(2), m.ones(2), out=m.empty(2, device="meta")), RuntimeError, []),
    (lambda m: m.zeros(2, dtype=m.float64, out=m.empty(2)), RuntimeError,
     ["does not match dtype of out parameter"]),
    (lambda m: m.zeros(2, device="meta", out=m.empty(2)), RuntimeError,
     ["does not match device type of out parameter"]),
], ids=["float into int", "int into bool", "true division into int", "matmul other float",
        "mm int", "input requires grad", "out requires grad", "factory out requires grad",
        "out a list", "out on another device", "factory dtype", "factory device"])
def test_out_errors_as_torch(call, exception, fragments):
    with pytest.raises(exception):
        call(torch)
    check_raises(lambda: call(yingshe), exception, *fragments)


def test_out_under_no_grad():
    x = yingshe.ones(2, requires_grad=True)
    out = yingshe.empty(2, requires_grad=True)
    with yingshe.no_grad():
        assert yingshe.mul(x, 3, out=out) is out
    assert out.tolist() == [3.0, 3.0] and out.requires_grad and out.grad_fn is None


FACTORIES = {  # name -> call with out (deterministic ones are compared value for value)
    "zeros": lambda m, out: m.zeros(2, 3, out=out),
    "ones": lambda m, out: m.ones((4,), out=out),
    "full": lambda m, out: m.full((2, 2), 3, out=out),
    "arange": lambda m, out: m.arange(1, 6, 2, out=out),
    "linspace": lambda m, out: m.linspace(0, 10, 5, out=out),
    "logspace": lambda m, out: m.logspace(0, 2, 3, out=out),
    "eye": lambda m, out: m.eye(2, 3, out=out),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("name", FACTORIES)
def test_factory_out_takes_outs_dtype(name, dtype):
    ys_out = yingshe.empty(3, dtype=getattr(yingshe, dtype))
    torch_out = torch.empty(3, dtype=getattr(torch, dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # factories resize silently
        assert FACTORIES[name](yingshe, ys_out) is ys_out
    FACTORIES[name](torch, torch_out)
    _same(ys_out, torch_out)


@pytest.mark.parametrize(("name", "call", "dtype", "shape"), [
    ("empty", lambda m, out: m.empty(2, 5, out=out), "float32", (2, 5)),
    ("rand", lambda m, out: m.rand(3, out=out), "float64", (3,)),
    ("randn", lambda m, out: m.randn(2, 2, out=out), "float32", (2, 2)),
    ("randint", lambda m, out: m.randint(0, 4, (5,), out=out), "float32", (5,)),
    ("randperm", lambda m, out: m.randperm(6, out=out), "int32", (6,)),
    ("normal", lambda m, out: m.normal(2.0, 0.5, (4,), out=out), "float64", (4,)),
    ("normal of tensors", lambda m, out: m.normal(m.zeros(3), 1.0, out=out), "float64", (3,)),
])
def test_random_factory_out(name, call, dtype, shape):
    start = shape if name == "normal of tensors" else (0,)  # torch resizes no out for that one
    ys_out = yingshe.empty(start, dtype=getattr(yingshe, dtype))
    torch_out = torch.empty(start, dtype=getattr(torch, dtype))
    assert call(yingshe, ys_out) is ys_out
    call(torch, torch_out)
    assert tuple(ys_out.shape) == tuple(torch_out.shape) == shape
    assert ys_out.dtype == getattr(yingshe, dtype)
    if name == "randperm":
        assert sorted(ys_out.tolist()) == list(range(6))
    if name == "randint":
        assert set(ys_out.tolist()) <= {0.0, 1.0, 2.0, 3.0}


def test_factory_out_requires_grad():
    out = yingshe.zeros(2, out=yingshe.empty(0), requires_grad=True)
    expected = torch.zeros(2, out=torch.empty(0), requires_grad=True)
    assert out.requires_grad == expected.requires_grad


# ---- scatter and gather with 0-d tensors ------------------------------------------------------
SCATTER_CASES = [  # (self shape, dim, index, src shape or None for value=)
    ((10,), 0, 3, None), ((10,), -1, 9, None), ((10,), 0, 3, ()), ((10,), 0, 3, (2,)),
    ((10,), 0, [3], ()), ((), 0, 0, None), ((), 0, [0], (1,)), ((), 0, 0, ()), ((), 0, 0, (1,)),
    ((2, 3), 0, 0, None), ((2, 3), 1, [[1]], ()), ((10,), 0, [[1]], None), ((10,), 1, 3, None),
    ((10,), 0, 10, None),
]


def _scatter_args(m, shape, index, src_shape):
    self = m.tensor(np.arange(float(np.prod(shape))).reshape(shape))
    src = None if src_shape is None else m.tensor(np.full(src_shape, -5.0))
    return self, m.tensor(index), src


@pytest.mark.parametrize(("op", "shape", "dim", "index", "src_shape"), [
    (op, *case) for op in ("scatter", "scatter_", "scatter_add", "scatter_add_")
    for case in SCATTER_CASES if case[-1] is not None or not op.startswith("scatter_add")])
def test_scatter_with_0d_tensors_as_torch(op, shape, dim, index, src_shape):
    def call(m):
        self, idx, src = _scatter_args(m, shape, index, src_shape)
        method = getattr(self, op)
        return method(dim, idx, value=-5.0) if src is None else method(dim, idx, src)
    _same_outcome(call)


@pytest.mark.parametrize(("shape", "dim", "index"), [
    ((10,), 0, 3), ((10,), -1, 9), ((), 0, 0), ((), 0, [0, 0]), ((10,), 0, [[1]]), ((2, 3), 0, 0),
    ((2, 3), 0, [0]), ((4,), 0, 4),
])
def test_gather_with_0d_tensors_as_torch(shape, dim, index):
    def call(m):
        x = m.tensor(np.arange(float(np.prod(shape))).reshape(shape))
        return x.gather(dim, m.tensor(index))
    _same_outcome(call)


@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_0d_index_gradients(op):
    x = np.random.default_rng(0).standard_normal(6)
    check_op(lambda a, i, s: getattr(a, op)(0, i, s), lambda a, i, s: getattr(a, op)(0, i, s),
             [x, np.array(4), np.array(2.5)])


@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_0d_index_longer_src_gradient(op):
    """Only src[0] is written, so only it gets a gradient (PyTorch's backward fails here:
    "ScatterAddBackward0 returned an invalid gradient"); checked by finite differences."""
    x = yingshe.tensor([1.0, 2.0, 3.0], dtype=yingshe.float64, requires_grad=True)
    src = yingshe.tensor([2.5, -1.0], dtype=yingshe.float64, requires_grad=True)
    index = yingshe.tensor(1)
    y = getattr(x, op)(0, index, src)
    (y * yingshe.tensor([1.0, 10.0, 100.0], dtype=yingshe.float64)).sum().backward()
    assert src.grad.tolist() == [10.0, 0.0]
    assert x.grad.tolist() == ([1.0, 10.0, 100.0] if op == "scatter_add" else [1.0, 0.0, 100.0])
    assert yingshe.autograd.gradcheck(lambda a, s: getattr(a, op)(0, index, s), (x, src))


@pytest.mark.parametrize("shape", [(6,), ()])
def test_gather_0d_index_gradients(shape):
    x = np.random.default_rng(1).standard_normal(shape)
    check_op(lambda a, i: a.gather(0, i), lambda a, i: a.gather(0, i),
             [x, np.array(min(4, x.size - 1))])


@pytest.mark.parametrize("dtype", ["int32", "int16"])
@pytest.mark.parametrize("op", ["scatter", "scatter_add"])
def test_scatter_index_dtypes_as_torch(op, dtype):
    def call(m):
        index = m.tensor([2, 0], dtype=getattr(m, dtype))
        return getattr(m.zeros(3), op)(0, index, m.tensor([1.0, 2.0]))
    try:
        expected = call(torch)
    except RuntimeError:
        check_raises(lambda: call(yingshe), RuntimeError, "int64", "index")
        return
    _same(call(yingshe), expected)


def test_one_hot_lambda_of_learn_the_basics():
    target = yingshe.zeros(10, dtype=yingshe.float).scatter_(0, yingshe.tensor(7), value=1)
    assert target.tolist() == [0.0] * 7 + [1.0] + [0.0] * 2


# ---- the default device ---------------------------------------------------------------------
@pytest.fixture
def default_device():
    """Puts both frameworks' default device back to unset after the test."""
    yield
    yingshe.set_default_device(None)
    torch.set_default_device(None)


MAKERS = {  # factory -> call (each given no device)
    "tensor": lambda m: m.tensor([1.0, 2.0]), "tensor of a tensor": lambda m: m.tensor(m.ones(2)),
    "as_tensor": lambda m: m.as_tensor(np.ones(2)), "zeros": lambda m: m.zeros(2),
    "ones": lambda m: m.ones(2), "empty": lambda m: m.empty(2), "full": lambda m: m.full((2,), 1.0),
    "arange": lambda m: m.arange(3), "linspace": lambda m: m.linspace(0, 1, 3),
    "logspace": lambda m: m.logspace(0, 1, 3), "eye": lambda m: m.eye(2),
    "rand": lambda m: m.rand(2), "randn": lambda m: m.randn(2),
    "randint": lambda m: m.randint(0, 3, (2,)), "randperm": lambda m: m.randperm(3),
    "tril_indices": lambda m: m.tril_indices(3, 3),
    "Linear weight": lambda m: m.nn.Linear(2, 3).weight,
    "Conv2d bias": lambda m: m.nn.Conv2d(1, 2, 3).bias,
    "BatchNorm1d running_mean": lambda m: m.nn.BatchNorm1d(3).running_mean,
    "LSTM weight": lambda m: m.nn.LSTM(2, 3).weight_ih_l0,
    "Embedding weight": lambda m: m.nn.Embedding(3, 2).weight,
    # made from something that already has a device: unchanged
    "from_numpy": lambda m: m.from_numpy(np.ones(2)), "Tensor(2)": lambda m: m.Tensor(2),
    "zeros_like": lambda m: m.zeros_like(m.ones(2, device="cpu")),
    "new_zeros": lambda m: m.ones(2, device="cpu").new_zeros(2),
    "explicit device": lambda m: m.zeros(2, device="cpu"),
    "an op": lambda m: m.ones(2, device="cpu") + 1,
}


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor")
@pytest.mark.parametrize("name", MAKERS)
def test_default_device_as_torch(name, default_device):
    yingshe.set_default_device("meta")
    torch.set_default_device("meta")
    assert yingshe.get_default_device() == yingshe.device("meta")
    assert MAKERS[name](yingshe).device.type == MAKERS[name](torch).device.type


def test_default_device_reset(default_device):
    assert repr(yingshe.get_default_device()) == repr(torch.get_default_device())
    yingshe.set_default_device(yingshe.device("meta"))
    assert yingshe.zeros(1).is_meta and yingshe.rand(1).is_meta
    yingshe.set_default_device(None)
    assert yingshe.zeros(1).device.type == "cpu"
    assert repr(yingshe.get_default_device()) == "device(type='cpu')"
    check_raises(lambda: yingshe.set_default_device("tpu"), RuntimeError, "unknown device")


def test_default_device_is_per_thread(default_device):
    yingshe.set_default_device("meta")
    seen = []
    worker = threading.Thread(target=lambda: seen.append(yingshe.zeros(1).device.type))
    worker.start()
    worker.join()
    assert seen == ["cpu"] and yingshe.zeros(1).is_meta


def test_device_as_a_context_manager(default_device):
    with yingshe.device("meta") as meta:
        assert meta == yingshe.device("meta")
        assert yingshe.zeros(2).is_meta and yingshe.nn.Linear(2, 2).weight.is_meta
        with yingshe.device("cpu"):
            assert yingshe.zeros(2).device.type == "cpu"
        assert yingshe.get_default_device() == yingshe.device("meta")
    assert yingshe.zeros(2).device.type == "cpu"
    yingshe.set_default_device("meta")
    with yingshe.device("cpu"):
        assert yingshe.zeros(2).device.type == "cpu"
    assert yingshe.zeros(2).is_meta
