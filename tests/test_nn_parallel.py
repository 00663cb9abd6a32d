"""yingshe.nn.parallel against torch.nn.parallel on a machine with no GPU (where PyTorch's
DataParallel calls the module directly), and the refusal of several GPUs."""
from collections import namedtuple

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe import nn

rng = np.random.default_rng(0)
needs_cuda = pytest.mark.skipif(not yingshe.cuda.is_available(), reason="needs CuPy and a GPU")


def _twins():
    """The same small network in yingshe and in PyTorch, with PyTorch's weights in both."""
    ours = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.BatchNorm1d(4),
                                 torch.nn.ReLU(), torch.nn.Linear(4, 3))
    ours.load_state_dict({k: yingshe.from_numpy(v.numpy().copy())
                          for k, v in theirs.state_dict().items()})
    return ours, theirs


class _Scaled(nn.Module):
    """forward(x, scale=1.0, *, shift=None): positional and keyword inputs reach the module."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 2)

    def forward(self, x, scale=1.0, *, shift=None):
        y = self.linear(x) * scale
        return y if shift is None else y + shift


@pytest.mark.skipif(torch.cuda.is_available(), reason="compares PyTorch without a GPU")
def test_data_parallel_wraps_the_module_as_pytorch():
    ours, theirs = _twins()
    wrapped, torch_wrapped = nn.DataParallel(ours), torch.nn.DataParallel(theirs)
    assert nn.DataParallel is nn.parallel.DataParallel
    assert wrapped.module is ours and wrapped.device_ids == torch_wrapped.device_ids == []
    assert repr(wrapped) == repr(torch_wrapped)
    assert list(wrapped.state_dict()) == list(torch_wrapped.state_dict())
    assert next(iter(wrapped.state_dict())) == "module.0.weight"
    assert [n for n, _ in wrapped.named_parameters()] == \
        [n for n, _ in torch_wrapped.named_parameters()]
    x = rng.standard_normal((8, 5)).astype(np.float32)
    for train in (True, False):
        wrapped.train(train)
        torch_wrapped.train(train)
        assert ours.training == train
        np.testing.assert_allclose(wrapped(yingshe.from_numpy(x)).detach().numpy(),
                                   torch_wrapped(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
    # the wrapper trains the module's own parameters and BatchNorm statistics
    np.testing.assert_allclose(ours[1].running_mean.numpy(), theirs[1].running_mean.numpy(),
                               rtol=1e-5, atol=1e-6)
    # a checkpoint of PyTorch's wrapper loads into ours
    state = {k: yingshe.from_numpy(v.numpy().copy())
             for k, v in torch_wrapped.state_dict().items()}
    assert str(wrapped.load_state_dict(state)) == "<All keys matched successfully>"


@pytest.mark.skipif(torch.cuda.is_available(), reason="compares PyTorch without a GPU")
def test_data_parallel_ignores_device_ids_without_a_gpu_and_passes_inputs_through():
    module = _Scaled()
    wrapped = nn.DataParallel(module, device_ids=[0, 1], output_device=1, dim=1)
    torch_wrapped = torch.nn.DataParallel(torch.nn.Linear(3, 2), device_ids=[0, 1])
    assert wrapped.device_ids == torch_wrapped.device_ids == []
    x = yingshe.randn(4, 3)
    shift = yingshe.ones(2)
    np.testing.assert_array_equal(wrapped(x, 2.0, shift=shift).detach().numpy(),
                                  module(x, 2.0, shift=shift).detach().numpy())
    out = wrapped(x)
    out.sum().backward()
    assert module.linear.weight.grad is not None


@pytest.mark.skipif(torch.cuda.is_available(), reason="compares PyTorch without a GPU")
def test_functional_data_parallel_needs_a_gpu_as_pytorch():
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        torch.nn.parallel.data_parallel(torch.nn.Linear(3, 2), torch.ones(1, 3))
    check_raises(lambda: nn.parallel.data_parallel(nn.Linear(3, 2), yingshe.ones(1, 3)),
                 RuntimeError, "device type could not be determined", "no CUDA device")


@pytest.fixture
def two_gpus(monkeypatch):
    """yingshe.cuda reporting two GPUs (no array is ever made on them)."""
    monkeypatch.setattr(yingshe.cuda, "is_available", lambda: True)
    monkeypatch.setattr(yingshe.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(yingshe.cuda, "current_device", lambda: 0)


def test_several_gpus_are_refused(two_gpus):
    module = nn.Linear(3, 2)
    for device_ids in (None, [0, 1], ["cuda:0", "cuda:1"]):
        check_raises(lambda ids=device_ids: nn.DataParallel(module, ids), NotImplementedError,
                     "2 GPUs", "DistributedDataParallel")
        check_raises(lambda ids=device_ids: nn.parallel.data_parallel(module, yingshe.ones(1, 3),
                                                                      ids),
                     NotImplementedError, "DistributedDataParallel")
    check_raises(lambda: nn.DataParallel(module, ["cpu"]), ValueError, "expected a cuda device",
                 "cpu")
    check_raises(lambda: nn.DataParallel(module, [0.5]), ValueError, "0.5")
    check_raises(lambda: nn.DataParallel(module, []), RuntimeError, "no available devices")


def test_inputs_are_moved_inside_containers():
    from yingshe.nn.parallel.data_parallel import _moved
    Pair = namedtuple("Pair", "a b")
    x = yingshe.ones(2)
    moved = _moved((x, [x, 3], {"k": Pair(x, "s")}), "cpu")
    assert isinstance(moved[1], list) and isinstance(moved[2]["k"], Pair)
    assert moved[1][1] == 3 and moved[2]["k"].b == "s"
    assert all(isinstance(t, yingshe.Tensor) for t in (moved[0], moved[1][0], moved[2]["k"].a))


@needs_cuda
def test_one_gpu_runs_the_module_there():
    ours, _ = _twins()
    x = yingshe.randn(8, 5)
    ours.eval()
    expected = ours(x).detach().numpy()
    wrapped = nn.DataParallel(ours, device_ids=[0])
    assert wrapped.device_ids == [0] and wrapped.output_device == 0
    assert all(p.is_cuda for p in ours.parameters())
    out = wrapped(x)  # a CPU input is moved to the GPU
    assert out.is_cuda
    np.testing.assert_allclose(out.cpu().detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    out = nn.parallel.data_parallel(ours, x, device_ids=[0])
    np.testing.assert_allclose(out.cpu().detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    check_raises(lambda: nn.parallel.data_parallel(nn.Linear(5, 3), x, [0]), RuntimeError,
                 "parameters and buffers on device")
