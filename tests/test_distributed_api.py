"""The parts of data-parallel training that run in one process: DistributedSampler against
PyTorch's, the errors without MPI or a process group, post-accumulate-grad hooks,
SyncBatchNorm outside a group, and the --nproc option's plumbing."""
import sys

import numpy as np
import pytest
import torch
import torch.utils.data.distributed as torch_distributed

import yingshe
from yingshe import distributed as dist
from yingshe import nn
from yingshe.cli import launch
from yingshe.nn.parallel import DistributedDataParallel
from yingshe.utils.data import DistributedSampler


@pytest.mark.parametrize("n", [1, 3, 10, 11, 17])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_without_shuffle_is_pytorchs(n, replicas, drop_last):
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch_distributed.DistributedSampler(data, replicas, rank, shuffle=False,
                                                      drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert (len(ours), ours.num_samples, ours.total_size) == \
            (len(theirs), theirs.num_samples, theirs.total_size)


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 2, False), (11, 3, False),
                                                     (11, 3, True), (3, 8, False)])
def test_sampler_shuffles_like_pytorch(n, replicas, drop_last):
    """Shards as PyTorch's: equal lengths; one permutation of seed + epoch shared by all
    ranks, padded with its own first indices (or cut); a new one after set_epoch."""
    data = list(range(n))

    def shards(epoch, seed=7):
        samplers = [DistributedSampler(data, replicas, r, seed=seed, drop_last=drop_last)
                    for r in range(replicas)]
        for sampler in samplers:
            sampler.set_epoch(epoch)
        return [list(s) for s in samplers]

    theirs = torch_distributed.DistributedSampler(data, replicas, 0, drop_last=drop_last)
    for epoch in range(3):
        ours = shards(epoch)
        assert all(len(shard) == len(theirs) for shard in ours)
        permutation = yingshe.randperm(n, generator=yingshe.Generator().manual_seed(7 + epoch))
        order = permutation.tolist()
        total = len(theirs) * replicas
        order = (order * (total // n + 1))[:total]
        assert ours == [order[r::replicas] for r in range(replicas)]
        assert ours == shards(epoch)  # reproducible
    assert shards(0) != shards(1)


def test_sampler_checks_rank_and_needs_a_group_for_defaults():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))


def test_without_mpi4py_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    assert not dist.is_mpi_available()
    with pytest.raises(ImportError, match=r"'distributed' extra .*mpi4py and mpich"):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_without_a_group():
    assert dist.is_available() and not dist.is_initialized()
    for call in (dist.get_rank, dist.get_world_size, dist.barrier,
                 lambda: dist.all_reduce(yingshe.zeros(2)),
                 lambda: DistributedDataParallel(nn.Linear(2, 2))):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            call()
    with pytest.raises(ValueError, match="MPI backend only"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="neither init_method nor store"):
        dist.init_process_group("mpi", init_method="tcp://127.0.0.1:23456")
    with pytest.raises(TypeError, match="timedelta"):
        dist.init_process_group("mpi", timeout=30)


def test_post_accumulate_grad_hook_is_pytorchs():
    """Called with the leaf after its .grad holds the accumulated gradient, by backward only;
    refused on non-leaves; removable."""
    seen = {"yingshe": [], "torch": []}
    for name, lib in (("yingshe", yingshe), ("torch", torch)):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        handle = w.register_post_accumulate_grad_hook(
            lambda t, name=name: seen[name].append(t.grad.tolist()))
        (w * w).sum().backward()
        (3 * w).sum().backward()
        lib.autograd.grad((w * 5).sum(), w)
        handle.remove()
        w.sum().backward()
        with pytest.raises(RuntimeError, match="non-leaf"):
            (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    assert seen["yingshe"] == seen["torch"] == [[2.0, 4.0], [5.0, 7.0]]


def test_sync_batch_norm_outside_a_group_is_batch_norm():
    yingshe.manual_seed(0)
    x = yingshe.randn(6, 3, 4, 4, dtype=yingshe.float64)
    plain = nn.BatchNorm2d(3).double()
    synced = nn.SyncBatchNorm(3).double()
    for module in (plain, synced):
        module(x * 2 + 1)
    np.testing.assert_allclose(synced.running_var.numpy(), plain.running_var.numpy())
    assert list(synced.state_dict()) == list(torch.nn.SyncBatchNorm(3).state_dict())
    model = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.BatchNorm1d(2)))
    bn = model[1]
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model.eval())
    assert isinstance(converted[1], nn.SyncBatchNorm)
    assert isinstance(converted[2][0], nn.SyncBatchNorm)
    assert converted[1].weight is bn.weight and converted[1].running_mean is bn.running_mean
    assert not converted[1].training


def test_nproc_is_taken_out_of_the_relaunched_command():
    assert launch.without_nproc(["train", "lenet5", "--nproc", "2", "--epochs", "1"]) == \
        ["train", "lenet5", "--epochs", "1"]
    assert launch.without_nproc(["train", "lenet5", "--nproc=4"]) == ["train", "lenet5"]


def test_nproc_is_an_option_of_the_classifiers_only():
    from yingshe.cli.main import run
    with pytest.raises(SystemExit, match="--nproc does not apply to vae; models that take "
                                         "it: .*lenet5"):
        run(["train", "vae", "--nproc", "2"])


def test_nproc_without_mpi4py_names_the_extra(monkeypatch, capsys):
    from yingshe.cli.main import main
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    assert main(["train", "lenet5", "--nproc", "2", "--epochs", "1"]) == 2
    assert "install the 'distributed' extra" in capsys.readouterr().err
