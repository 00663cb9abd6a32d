"""PyTorch's dtype rules (issue 24): what tensor()/as_tensor()/from_numpy() infer, the default
dtype, type promotion between tensors, 0-d tensors, Python and NumPy scalars, linspace/logspace,
the legacy tensor types, and a PyTorch model built on float64 NumPy data run as its yingshe twin."""
import operator
import warnings

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _name(dtype):
    return str(dtype).split(".")[-1]


@pytest.fixture
def default_dtype():
    """Restores both frameworks' default dtype after the test."""
    yield
    yingshe.set_default_dtype(yingshe.float32)
    torch.set_default_dtype(torch.float32)


# ---- inference ------------------------------------------------------------------------------
def _data_cases(m):
    """(label, data) for ``m`` (torch or yingshe: 0-d tensors inside lists are the framework's)."""
    return [
        ("float64 array", np.zeros(2)), ("float32 array", np.ones(3, np.float32)),
        ("float16 array", np.ones(2, np.float16)), ("int32 array", np.arange(3, dtype=np.int32)),
        ("int8 array", np.arange(3, dtype=np.int8)), ("uint8 array", np.arange(3, dtype=np.uint8)),
        ("int64 array", np.arange(3)), ("bool array", np.array([True, False])),
        ("0-d float64 array", np.array(2.5)), ("float", 2.5), ("int", 7), ("bool", True),
        ("floats", [1.0, 2.0]), ("ints", [1, 2]), ("bools", [True, False]),
        ("ints and floats", [[1, 2], [3, 4.5]]), ("bool and int", [True, 2]),
        ("empty", []), ("tuple", (1, 2.5)), ("range", range(3)),
        ("np.float64", np.float64(1.5)), ("np.float32", np.float32(1.5)),
        ("np.float16", np.float16(1.5)), ("np.int32", np.int32(3)), ("np.int64", np.int64(3)),
        ("np.uint8", np.uint8(3)), ("np.bool_", np.bool_(True)),
        ("[np.float64]", [np.float64(1.0)]), ("[np.float64, int]", [np.float64(1.0), 2]),
        ("[np.float32, float]", [np.float32(1.0), 2.5]), ("[np.float16, int]", [np.float16(1), 2]),
        ("[np.float16, float]", [np.float16(1), 2.5]), ("[np.int32]", [np.int32(1)]),
        ("[np.int32, int]", [np.int32(1), 2]), ("[np.uint8, np.int8]", [np.uint8(1), np.int8(1)]),
        ("[np.bool_, bool]", [np.bool_(True), True]),
        ("[int32 array, ints]", [np.zeros(2, np.int32), [1, 2]]),
        ("[float32 array, float64 array]", [np.zeros(2, np.float32), np.zeros(2)]),
        ("[0-d float64 tensor, int]", [m.tensor(1.0, dtype=m.float64), 2]),
        ("[0-d int32 tensor, int]", [m.tensor(1, dtype=m.int32), 2]),
    ]


@pytest.mark.parametrize("index", range(len(_data_cases(torch))),
                         ids=[label for label, _ in _data_cases(torch)])
def test_tensor_infers_the_dtype_torch_infers(index):
    (_, theirs), (_, ours) = _data_cases(torch)[index], _data_cases(yingshe)[index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "creating a tensor from a list of ndarrays"
        expected = torch.tensor(theirs)
    result = yingshe.tensor(ours)
    assert _name(result.dtype) == _name(expected.dtype)
    assert tuple(result.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(result.numpy(), expected.numpy())
    if not isinstance(ours, list):
        assert _name(yingshe.as_tensor(ours).dtype) == _name(torch.as_tensor(theirs).dtype)


def test_numpy_arrays_keep_their_dtype_and_from_numpy_shares_memory():
    for dtype in DTYPES:
        array = np.ones(3, dtype)
        assert yingshe.tensor(array).dtype.name == dtype == yingshe.from_numpy(array).dtype.name
        assert yingshe.as_tensor(array).dtype.name == dtype
    array = np.zeros(3)
    yingshe.from_numpy(array)[0] = 5.0
    yingshe.as_tensor(array)[1] = 6.0
    assert array.tolist() == [5.0, 6.0, 0.0]


def test_bad_data_raises_as_torch():
    check_raises(lambda: yingshe.tensor([[1], [1, 2]]), ValueError, "rectangular")
    check_raises(lambda: yingshe.tensor([yingshe.ones(2), yingshe.ones(2)]), ValueError,
                 "only one element tensors")
    check_raises(lambda: yingshe.tensor([1, "a"]), TypeError, "str")
    check_raises(lambda: yingshe.tensor(np.zeros(2, dtype=object)), TypeError, "object")
    check_raises(lambda: yingshe.tensor([2 ** 63]), ValueError, "int64")


def test_python_types_name_fixed_dtypes_as_in_torch(default_dtype):
    yingshe.set_default_dtype(yingshe.float16)
    assert yingshe.zeros(2, dtype=float).dtype == yingshe.float64
    assert yingshe.zeros(2, dtype=int).dtype == yingshe.int64
    assert yingshe.ones(2).to(float).dtype == yingshe.float64
    assert yingshe.zeros(2, dtype=bool).dtype == yingshe.bool


@pytest.mark.parametrize("default", ["float64", "float16", "float32"])
def test_default_dtype_reaches_what_it_reaches_in_torch(default, default_dtype):
    yingshe.set_default_dtype(getattr(yingshe, default))
    torch.set_default_dtype(getattr(torch, default))
    for make in (lambda m: m.tensor([1.0]), lambda m: m.tensor(1.5), lambda m: m.zeros(2),
                 lambda m: m.rand(2), lambda m: m.arange(0.5), lambda m: m.linspace(0, 1, 3),
                 lambda m: m.full((2,), 1.0), lambda m: m.tensor(np.zeros(2, np.float32)),
                 lambda m: m.tensor(np.zeros(2)), lambda m: m.ones(2, dtype=m.int32) + 2.5,
                 lambda m: m.ones(2, dtype=m.int32) / m.ones(2, dtype=m.int32),
                 lambda m: m.ones(2, dtype=m.float32) * np.float64(2), lambda m: m.eye(2),
                 lambda m: m.tensor([np.float32(1), 2.5])):
        assert _name(make(yingshe).dtype) == _name(make(torch).dtype)
    assert yingshe.get_default_dtype().name == default


def test_set_default_dtype_only_takes_floating_dtypes():
    check_raises(lambda: yingshe.set_default_dtype(yingshe.int32), TypeError,
                 "only floating-point types")
    assert yingshe.get_default_dtype() == yingshe.float32


# ---- promotion ------------------------------------------------------------------------------
def _operands(m):
    """(label, operand): tensors with dimensions and 0-d tensors of every dtype, Python scalars
    and NumPy scalars (PyTorch treats these like Python scalars; a NumPy bool like a float)."""
    out = []
    for d in DTYPES:
        value = np.ones if d == "bool" else (lambda shape, d=d: np.full(shape, 3).astype(d))
        out.append((f"tensor {d}", m.tensor(value((2,)).astype(d))))
        out.append((f"0-d {d}", m.tensor(value(()).astype(d))))
    out += [("True", True), ("2", 2), ("2.5", 2.5)]
    out += [(f"np.{n}", getattr(np, n)(True if n == "bool_" else 2))
            for n in ["bool_", "uint8", "int32", "int64", "float16", "float32", "float64"]]
    return out


def _iadd(a, b):
    a = a.clone()
    a += b
    return a


def _imul(a, b):
    a = a.clone()
    a *= b
    return a


BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
          "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
          "pow": operator.pow, "lt": operator.lt, "eq": operator.eq, "iadd": _iadd,
          "imul": _imul, "where": None, "maximum": None}


def _result(m, op, a, b):
    """The result dtype's name, or 'error'."""
    try:
        if op == "where":
            out = m.where(m.tensor([True, False]), a, b)
        elif op == "maximum":
            out = m.maximum(a, b)
        else:
            out = BINARY[op](a, b)
        return _name(out.dtype)
    except Exception:  # noqa: BLE001 (both frameworks must refuse the same pairs)
        return "error"


def _applies(op, a, b):
    tensors = [x.startswith(("tensor", "0-d")) for x in (a, b)]
    if op in ("iadd", "imul"):
        return tensors[0]
    if op == "maximum":
        return all(tensors)
    return op == "where" or any(tensors)


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_result_dtypes_match_torch(op):
    ours, theirs = _operands(yingshe), _operands(torch)
    mismatches, checked = [], 0
    for (a_label, ya), (_, ta) in zip(ours, theirs):
        for (b_label, yb), (_, tb) in zip(ours, theirs):
            if not _applies(op, a_label, b_label):
                continue
            if op == "pow" and a_label.endswith(" bool") and b_label == "True":
                continue  # torch special-cases exponent 1 (a bool tensor ** True); documented
            checked += 1
            expected, got = _result(torch, op, ta, tb), _result(yingshe, op, ya, yb)
            if expected != got:
                mismatches.append(f"{a_label} {op} {b_label}: torch {expected}, yingshe {got}")
    assert checked > 100
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("fn", ["cat", "stack"])
def test_cat_and_stack_promote_like_torch(fn):
    for a in DTYPES:
        for b in DTYPES:
            pair = [np.ones(2, a), np.ones(2, b)]
            ours = getattr(yingshe, fn)([yingshe.tensor(x) for x in pair])
            theirs = getattr(torch, fn)([torch.tensor(x) for x in pair])
            assert _name(ours.dtype) == _name(theirs.dtype), (a, b)


def test_promote_types_can_cast_and_result_type_match_torch():
    for a in DTYPES:
        for b in DTYPES:
            ya, yb, ta, tb = getattr(yingshe, a), getattr(yingshe, b), getattr(torch, a), \
                getattr(torch, b)
            assert _name(yingshe.promote_types(ya, yb)) == _name(torch.promote_types(ta, tb))
            assert yingshe.can_cast(ya, yb) == torch.can_cast(ta, tb), (a, b)
    for (label, ours), (_, theirs) in zip(_operands(yingshe)[:18], _operands(torch)[:18]):
        for other in (2, 2.5, True, np.float64(1.5), np.int32(1)):
            assert _name(yingshe.result_type(ours, other)) == _name(torch.result_type(theirs, other))
    assert yingshe.result_type(yingshe.ones(2, dtype=yingshe.int64),
                               yingshe.tensor(1.0)) == yingshe.float32
    assert yingshe.result_type(yingshe.ones(2, dtype=yingshe.float16),
                               yingshe.tensor(1.0)) == yingshe.float16


def test_inplace_arithmetic_computes_in_the_promoted_dtype_then_casts():
    ours = yingshe.tensor([200, 3], dtype=yingshe.uint8)
    theirs = torch.tensor([200, 3], dtype=torch.uint8)
    ours += yingshe.tensor([100, -5], dtype=yingshe.int8)
    theirs += torch.tensor([100, -5], dtype=torch.int8)
    assert ours.tolist() == theirs.tolist() and ours.dtype == yingshe.uint8


# ---- linspace and logspace --------------------------------------------------------------------
LINSPACE_CASES = [(0, 1, 5, None), (0, 10, 4, "int64"), (-10, 10, 4, "int64"), (0, 1, 3, "uint8"),
                  (0, -3, 3, "uint8"), (-1.5, 2.25, 7, "float64"), (3, -2, 6, "float32"),
                  (0, 1, 3, "float16"), (0, 1, 1, None), (0, 1, 0, None), (2.5, 2.5, 4, None),
                  (0, 1, 101, None), (1e-3, 1e3, 13, "float64")]


@pytest.mark.parametrize("start,end,steps,dtype", LINSPACE_CASES)
@pytest.mark.parametrize("fn", ["linspace", "logspace"])
def test_linspace_and_logspace_match_torch(fn, start, end, steps, dtype):
    def make(m, **kwargs):
        d = None if dtype is None else getattr(m, dtype)
        return getattr(m, fn)(start, end, steps, dtype=d, **kwargs)
    ours, theirs = make(yingshe), make(torch)
    assert _name(ours.dtype) == _name(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
    if dtype in ("int64", "uint8"):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    else:
        tolerance = 1e-3 if dtype == "float16" else 1e-6
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tolerance, atol=tolerance)
        if steps:  # both ends exactly
            np.testing.assert_array_equal(ours.numpy()[[0, -1]], theirs.numpy()[[0, -1]])


def test_linspace_and_logspace_take_tensors_base_and_requires_grad():
    ours = yingshe.linspace(yingshe.tensor(0), yingshe.tensor(1.0, dtype=yingshe.float64), 3,
                            requires_grad=True)
    assert ours.dtype == yingshe.float32 and ours.requires_grad and ours.tolist() == [0, 0.5, 1]
    ours = yingshe.logspace(0, 2, 3, base=2)
    np.testing.assert_array_equal(ours.numpy(), torch.logspace(0, 2, 3, base=2).numpy())
    np.testing.assert_array_equal(yingshe.logspace(0, 2, 3, -2.0).numpy(),
                                  torch.logspace(0, 2, 3, -2.0).numpy())
    np.testing.assert_array_equal(yingshe.logspace(-1, 2, 4, dtype=yingshe.int64).numpy(),
                                  torch.logspace(-1, 2, 4, dtype=torch.int64).numpy())
    check_raises(lambda: yingshe.linspace(yingshe.zeros(1), 1, 3), RuntimeError,
                 "0-dimensional start and end")
    check_raises(lambda: yingshe.linspace(0, 1, -1), RuntimeError, "non-negative")
    check_raises(lambda: yingshe.linspace(0, 1, 2.5), TypeError, "steps")
    check_raises(lambda: yingshe.linspace(0, 1, 3, dtype=yingshe.bool), NotImplementedError,
                 "bool")
    check_raises(lambda: yingshe.linspace(0, 1, 3, dtype=yingshe.int64, requires_grad=True),
                 RuntimeError, "int64")


# ---- legacy tensor types ----------------------------------------------------------------------
LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
          "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors_match_torch(name):
    ours, theirs = getattr(yingshe, name), getattr(torch, name)
    assert _name(ours.dtype) == _name(theirs.dtype)
    for args in ((2, 3), (4,), ([1, 0, 2],), ([[1.5], [2.0]],), (np.array([1, 0]),), ((2, 3),),
                 ()):
        a, b = ours(*args), theirs(*args)
        assert _name(a.dtype) == _name(b.dtype) and tuple(a.shape) == tuple(b.shape), args
        if not args or not isinstance(args[0], int):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    made = ours(3)
    assert isinstance(made, yingshe.Tensor) and isinstance(made, ours)
    assert made.type() == f"yingshe.{name}"
    assert all(isinstance(made, getattr(yingshe, other)) == (other == name) for other in LEGACY)


def test_legacy_constructor_errors_and_the_default_type_tensor():
    check_raises(lambda: yingshe.FloatTensor(2.5), TypeError, "sequence")
    check_raises(lambda: yingshe.FloatTensor(-1), RuntimeError, "negative")
    check_raises(lambda: yingshe.FloatTensor(yingshe.ones(2, dtype=yingshe.int64)), TypeError,
                 "int64")
    check_raises(lambda: yingshe.FloatTensor(2, 3.0), TypeError, "float")
    shared = yingshe.ones(2)
    yingshe.FloatTensor(shared)[0] = 5
    assert shared.tolist() == [5, 1]
    assert yingshe.Tensor(2, 3).shape == (2, 3) and yingshe.Tensor(2, 3).dtype == yingshe.float32
    assert yingshe.Tensor(np.array([1, 2])).dtype == yingshe.float32
    assert yingshe.Tensor().shape == (0,)
    assert not isinstance(yingshe.ones(2, device="meta"), yingshe.FloatTensor)


def test_tensor_type_names_and_conversions():
    x = yingshe.ones(2)
    assert x.type() == "yingshe.FloatTensor" and x.type(yingshe.float32) is x
    assert yingshe.ones(1, dtype=yingshe.bool).type() == "yingshe.BoolTensor"
    assert yingshe.ones(1, device="meta").type() == "yingshe.meta.FloatTensor"
    for target in (yingshe.int64, yingshe.LongTensor, "yingshe.LongTensor", "torch.LongTensor"):
        assert x.type(target).dtype == yingshe.int64
    check_raises(lambda: x.type("float"), ValueError, "invalid type")
    check_raises(lambda: x.type("torch.int64"), ValueError, "invalid type")


# ---- a PyTorch model on float64 NumPy data, and its yingshe twin ------------------------------
def _make_net(m):
    """The same model written once against the PyTorch API: ``m`` is torch or yingshe.  Its
    constants come from float64 NumPy arrays, so the whole model runs in float64."""
    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = m.nn.Linear(4, 5, dtype=m.float64)
            self.out = m.nn.Linear(5, 2, dtype=m.float64)
            self.register_buffer("scale", m.tensor(np.linspace(0.5, 1.5, 4)))

        def forward(self, x):
            x = m.tensor(x)  # a float64 array stays float64
            offset = m.from_numpy(np.arange(5.0))
            h = m.tanh(self.hidden(x * self.scale) + offset * 0.1)
            return self.out(h) * np.float64(2.0) + 1  # NumPy scalars keep float64 here
    return Net()


def test_pytorch_model_on_float64_numpy_data_runs_as_its_yingshe_twin():
    torch.manual_seed(0)
    theirs, ours = _make_net(torch), _make_net(yingshe)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 4))
    y_theirs, y_ours = theirs(x), ours(x)
    assert y_theirs.dtype == torch.float64 and y_ours.dtype == yingshe.float64
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    (y_theirs ** 2).sum().backward()
    (y_ours ** 2).sum().backward()
    for (name, p_theirs), (_, p_ours) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert p_ours.grad.dtype == yingshe.float64, name
        np.testing.assert_allclose(p_ours.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-12,
                                   atol=1e-12, err_msg=name)
