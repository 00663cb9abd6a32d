"""Tensor creation, attributes, conversions, dtypes, devices, randomness and repr."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises


@pytest.mark.parametrize("data", [[1.0, 2.0], [[1, 2], [3, 4]], [True, False], 3.5, 7, [],
                                  [[1.5], [2.0]]])
def test_tensor_infers_dtype_and_shape_like_torch(data):
    ours, theirs = yingshe.tensor(data), torch.tensor(data)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_numpy_input_keeps_its_dtype_unless_dtype_given():
    array = np.arange(3, dtype=np.float64)
    assert yingshe.tensor(array).dtype == yingshe.float64 == yingshe.as_tensor(array).dtype
    assert yingshe.tensor(array, dtype=yingshe.float32).dtype == yingshe.float32
    assert yingshe.from_numpy(array).dtype == yingshe.float64
    assert yingshe.tensor(np.arange(3, dtype=np.int32)).dtype == yingshe.int32


def test_tensor_copies_but_from_numpy_and_as_tensor_share_memory():
    array = np.zeros(3, dtype=np.float32)
    copied, shared, as_t = yingshe.tensor(array), yingshe.from_numpy(array), yingshe.as_tensor(array)
    array[0] = 5.0
    assert copied[0].item() == 0.0 and shared[0].item() == 5.0 and as_t[0].item() == 5.0


@pytest.mark.parametrize("name,args", [("zeros", (2, 3)), ("ones", ((2, 3),)), ("empty", (4,)),
                                       ("eye", (3,)), ("arange", (5,)), ("arange", (0, 1, 0.25)),
                                       ("linspace", (0, 1, 5))])
def test_factories_match_torch(name, args):
    ours, theirs = getattr(yingshe, name)(*args), getattr(torch, name)(*args)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    if name != "empty":
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_full_and_like_functions():
    assert yingshe.full((2,), 3).dtype == yingshe.int64
    assert yingshe.full((2,), 3.0).dtype == yingshe.float32
    x = yingshe.ones(2, 3, dtype=yingshe.float64)
    for fn in (yingshe.zeros_like, yingshe.ones_like, yingshe.rand_like, yingshe.randn_like):
        y = fn(x)
        assert y.shape == (2, 3) and y.dtype == yingshe.float64
    assert yingshe.full_like(x, 7).numpy().tolist() == [[7.0] * 3] * 2


def test_manual_seed_makes_every_random_function_reproducible():
    def draw():
        return [yingshe.rand(3).numpy(), yingshe.randn(2, 2).numpy(),
                yingshe.randint(0, 10, (4,)).numpy(), yingshe.randperm(5).numpy(),
                yingshe.normal(1.0, 2.0, (3,)).numpy()]
    yingshe.manual_seed(123)
    first = draw()
    yingshe.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    yingshe.manual_seed(124)
    assert not np.array_equal(draw()[1], first[1])


def test_random_distributions_have_the_right_moments():
    u, n = yingshe.rand(100_000), yingshe.randn(100_000)
    assert u.dtype == yingshe.float32 and 0.0 <= u.numpy().min() and u.numpy().max() < 1.0
    assert abs(n.numpy().mean()) < 0.02 and abs(n.numpy().std() - 1.0) < 0.02
    assert sorted(yingshe.randperm(10).tolist()) == list(range(10))
    r = yingshe.randint(3, 7, (1000,)).numpy()
    assert r.min() == 3 and r.max() == 6


def test_attributes():
    x = yingshe.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.dim() == 3 and x.numel() == 24
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.device == "cpu" and x.device == yingshe.device("cpu") and x.is_leaf
    assert x.grad is None and x.grad_fn is None and not x.requires_grad
    check_raises(lambda: x.size(3), IndexError, "range of [-3, 2]", "got 3")


def test_conversions():
    x = yingshe.tensor([[1.5, -2.0]])
    assert x.tolist() == [[1.5, -2.0]]
    assert x[0, 0].item() == 1.5 if hasattr(yingshe.Tensor, "__getitem__") else True
    assert x.double().dtype == yingshe.float64 and x.half().dtype == yingshe.float16
    assert x.long().tolist() == [[1, -2]] and x.int().dtype == yingshe.int32
    assert x.bool().tolist() == [[True, True]] and x.float() is x
    assert x.to(yingshe.float64).dtype == yingshe.float64 and x.to("cpu") is x
    assert x.cpu() is x
    check_raises(lambda: x.item(), RuntimeError, "2 elements")
    y = yingshe.tensor([1.0], requires_grad=True)
    check_raises(lambda: y.numpy(), RuntimeError, "detach")
    assert float(y.detach()) == 1.0


def test_detach_shares_memory_and_clone_copies():
    x = yingshe.tensor([1.0, 2.0], requires_grad=True)
    d, c = x.detach(), x.clone()
    assert not d.requires_grad and c.requires_grad and c.grad_fn is not None
    d.numpy()[0] = 9.0
    assert x.detach().numpy()[0] == 9.0 and c.detach().numpy()[0] == 1.0


def test_conversion_to_float64_is_differentiable():
    x = yingshe.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3.0
    assert y.dtype == yingshe.float64
    y.sum().backward()
    assert x.grad.dtype == yingshe.float32 and x.grad.tolist() == [3.0, 3.0]


def test_cuda_without_cupy_raises_a_clear_error():
    if yingshe._backend.cuda_is_available():
        pytest.skip("a GPU with CuPy is present: the error path cannot be exercised")
    check_raises(lambda: yingshe.zeros(2, device="cuda"), RuntimeError, "cupy")
    check_raises(lambda: yingshe.ones(2).cuda(), RuntimeError, "cupy")
    check_raises(lambda: yingshe.device("tpu"), RuntimeError, "unknown device")


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([[1.0, 2.0]], requires_grad=True),
    lambda m: m.tensor([0.12345, 1.0, -3.5]),
    lambda m: m.tensor([1, 2, 3]),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    lambda m: m.tensor(2.5),
    lambda m: m.tensor([1e10, 1.0]),
    lambda m: m.tensor([[1.0, 2.0], [3.0, 40.0]]),
    lambda m: m.tensor([1.0, 5.0, float("nan")]),  # NaN and inf do not widen the columns
    lambda m: m.tensor([[1.0, -float("inf")], [0.25, 0.0]]),
    lambda m: m.tensor([-0.0, 1.0]),
    lambda m: m.tensor([1.0, 2.0, 1024.0]),  # magnitudes over 1000x apart: scientific
    lambda m: m.tensor([0.0, 1e-5]),
])
def test_repr_matches_torch(make):
    assert repr(make(yingshe)) == repr(make(torch)).replace("torch.", "yingshe.")


def test_repr_shows_grad_fn():
    x = yingshe.tensor([1.0], requires_grad=True)
    assert repr(x * 2.0) == "tensor([2.], grad_fn=<MulBackward0>)"


@pytest.mark.parametrize("a,b", [("int64", "float32"), ("int32", "int64"), ("bool", "int64"),
                                 ("float16", "float32"), ("bool", "float32"), ("int64", "float64")])
def test_type_promotion_between_tensors_matches_torch(a, b):
    x, y = yingshe.ones(2, dtype=a), yingshe.ones(2, dtype=b)
    tx, ty = torch.ones(2, dtype=getattr(torch, a)), torch.ones(2, dtype=getattr(torch, b))
    assert (x + y).dtype.name == str((tx + ty).dtype).replace("torch.", "")


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float16", "float64"])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_type_promotion_with_python_scalars_matches_torch(dtype, scalar):
    x, tx = yingshe.ones(2, dtype=dtype), torch.ones(2, dtype=getattr(torch, dtype))
    assert (x * scalar).dtype.name == str((tx * scalar).dtype).replace("torch.", "")


def test_zero_dim_tensor_does_not_promote_dimensioned_one():
    x, s = yingshe.ones(3, dtype=yingshe.float32), yingshe.tensor(2.0, dtype=yingshe.float64)
    assert (x * s).dtype == yingshe.float32
    assert (yingshe.ones(3, dtype=yingshe.int64) * s).dtype == yingshe.float64


def test_allocator_tuning_is_on_by_default_with_a_switch():
    import subprocess
    import sys
    code = "import yingshe; print(yingshe.ALLOCATOR_TUNED)"
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                        check=False)
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"YINGSHE_MALLOC_TUNING": "0", "PATH": ""}, check=False)
    assert on.stdout.strip() == "True" and off.stdout.strip() == "False"
