"""The programs ``tests/test_distributed.py`` runs under ``mpiexec -n 2``: one function per case,
named on the command line (``python distributed_worker.py CASE``).  Each rank checks its own
results with asserts; a failed assert ends the job (the group's exception hook aborts it)."""
import datetime
import os
import sys
import time

import numpy as np

import yingshe
import yingshe.distributed as dist
from yingshe import nn
from yingshe.nn import functional as F
from yingshe.nn.parallel import DistributedDataParallel


def check_collectives():
    rank, world = dist.get_rank(), dist.get_world_size()
    values = [np.arange(6.0).reshape(2, 3) * (r + 1) - r for r in range(world)]
    expected = {dist.ReduceOp.SUM: sum(values), dist.ReduceOp.AVG: sum(values) / world,
                dist.ReduceOp.MAX: np.maximum.reduce(values),
                dist.ReduceOp.MIN: np.minimum.reduce(values),
                dist.ReduceOp.PRODUCT: np.multiply.reduce(values)}
    for op, result in expected.items():
        t = yingshe.from_numpy(values[rank].copy())
        version = t._version
        assert dist.all_reduce(t, op) is None
        np.testing.assert_array_equal(t.numpy(), result, err_msg=str(op))
        assert t._version > version
    # a non-contiguous view is reduced in place through a copy
    base = yingshe.from_numpy(values[rank].copy())
    view = base.t()
    dist.all_reduce(view, dist.ReduceOp.SUM)
    np.testing.assert_array_equal(base.numpy(), sum(values))
    # integers: SUM works, AVG is refused
    ints = yingshe.tensor([rank, 10 * rank])
    dist.all_reduce(ints)
    assert ints.tolist() == [sum(range(world)), 10 * sum(range(world))]
    try:
        dist.all_reduce(ints, dist.ReduceOp.AVG)
    except TypeError as error:
        assert "floating-point" in str(error)
    else:
        raise AssertionError("AVG on integers was accepted")
    # asynchronous work
    t = yingshe.full((4,), float(rank + 1))
    work = dist.all_reduce(t, dist.ReduceOp.SUM, async_op=True)
    assert work.wait() and work.is_completed()
    assert t.tolist() == [world * (world + 1) / 2] * 4
    for src in range(world):
        t = yingshe.full((3,), float(rank))
        dist.broadcast(t, src)
        assert t.tolist() == [float(src)] * 3
    gathered = [yingshe.zeros(2, 2) for _ in range(world)]
    dist.all_gather(gathered, yingshe.full((2, 2), rank + 0.5))
    assert [g[0, 0].item() for g in gathered] == [r + 0.5 for r in range(world)]
    out = yingshe.zeros(3)
    dist.reduce_scatter(out, [yingshe.full((3,), 10.0 * rank + i) for i in range(world)])
    assert out.tolist() == [sum(10.0 * r + rank for r in range(world))] * 3
    for bad, call in (("src must be a rank", lambda: dist.broadcast(yingshe.zeros(1), world)),
                      ("list of world size", lambda: dist.all_gather([yingshe.zeros(1)],
                                                                      yingshe.zeros(1))),
                      ("op must be a ReduceOp", lambda: dist.all_reduce(yingshe.zeros(1), "sum"))):
        try:
            call()
        except (ValueError, TypeError) as error:
            assert bad in str(error), error
        else:
            raise AssertionError(f"accepted: {bad}")
    dist.barrier()


def _mlp():
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 3))


def _cnn():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3))


def _train(model, batches, accumulate=1, ddp=None):
    """SGD with momentum over ``batches`` [(x, y)]; with ``ddp``, each step's gradient is the
    sum over ``accumulate`` micro-batches, all but the last under ``no_sync``."""
    optimizer = yingshe.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    for x, y in batches:
        optimizer.zero_grad()
        forward = ddp or model
        pieces = list(zip(x.chunk(accumulate), y.chunk(accumulate)))
        for i, (xs, ys) in enumerate(pieces):
            sync = ddp.no_sync() if ddp is not None and i < len(pieces) - 1 else _nothing()
            with sync:
                (F.cross_entropy(forward(xs), ys) / accumulate).backward()
        optimizer.step()
    return model


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def check_ddp_equals_one_process():
    """DDP over the ranks' halves of each batch gives the weights of one process on the whole
    batch (float64, 1e-9): an MLP and a small CNN, several buckets, gradient accumulation."""
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(0)
    for build, shape in ((_mlp, (5,)), (_cnn, (2, 8, 8))):
        batches = [(yingshe.from_numpy(rng.standard_normal((8, *shape))),
                    yingshe.from_numpy(rng.integers(0, 3, 8))) for _ in range(4)]
        yingshe.manual_seed(0)
        reference = _train(build().double(), batches)
        for accumulate in (1, 2):
            yingshe.manual_seed(0 if rank == 0 else 100)  # DDP copies rank 0's weights
            model = build().double()
            ddp = DistributedDataParallel(model, bucket_cap_mb=0.001)
            assert len(ddp._buckets) > 1
            shards = [(x[rank::world], y[rank::world]) for x, y in batches]
            _train(model, shards, accumulate, ddp)
            for (name, p), q in zip(model.named_parameters(), reference.parameters()):
                np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=0,
                                           atol=1e-9, err_msg=f"{build.__name__} {name}")
            assert all(key.startswith("module.") for key in ddp.state_dict())


def check_unused_parameters():
    """A parameter the output does not use: without find_unused_parameters the next forward
    raises PyTorch's error; with it, the step completes and that parameter keeps grad None."""
    model = nn.ModuleDict({"used": nn.Linear(3, 2), "unused": nn.Linear(3, 2)}).double()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, x):
            return self.inner["used"](x)
    x = yingshe.ones(4, 3, dtype=yingshe.float64) * (dist.get_rank() + 1)
    ddp = DistributedDataParallel(Net())
    ddp(x).sum().backward()
    try:
        ddp(x)
    except RuntimeError as error:
        assert "find_unused_parameters" in str(error) and "inner.unused.weight" in str(error)
    else:
        raise AssertionError("an unfinished reduction went unnoticed")
    model.zero_grad()
    ddp = DistributedDataParallel(Net(), find_unused_parameters=True)
    for _ in range(2):
        ddp(x).sum().backward()
    mean_input = sum(r + 1 for r in range(dist.get_world_size())) / dist.get_world_size()
    np.testing.assert_allclose(model["used"].weight.grad.numpy(), 2 * 4 * mean_input)
    assert model["unused"].weight.grad is None

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, x):
            return self.inner["used"](x), self.inner["unused"](x)
    heads = DistributedDataParallel(TwoHeads())  # the wrappers above are gone, with their hooks
    first, _ = heads(x)
    first.sum().backward(retain_graph=True)
    try:  # the bucket already holds this gradient; a second one would be lost
        first.sum().backward()
    except RuntimeError as error:
        assert "mark a variable ready only once: parameter inner.used." in str(error), error
    else:
        raise AssertionError("a second gradient before the reduction went unnoticed")


def check_sync_batch_norm():
    """SyncBatchNorm on the ranks' halves equals BatchNorm on the whole batch: outputs, input
    and parameter gradients (after DDP's averaging), running statistics."""
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 3, 4, 4)) * 2 + 1
    weights = rng.standard_normal((8, 3, 4, 4))
    yingshe.manual_seed(0)
    reference = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)).double()
    full = yingshe.from_numpy(x.copy()).requires_grad_()
    full_out = reference(full)
    (full_out * yingshe.from_numpy(weights)).sum().backward()
    yingshe.manual_seed(0)
    model = nn.SyncBatchNorm.convert_sync_batchnorm(
        nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)).double())
    assert isinstance(model[1], nn.SyncBatchNorm)
    ddp = DistributedDataParallel(model)
    part = yingshe.from_numpy(x[rank::world].copy()).requires_grad_()
    out = ddp(part)
    (out * yingshe.from_numpy(weights[rank::world])).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), full_out.detach().numpy()[rank::world],
                               atol=1e-12)
    np.testing.assert_allclose(part.grad.numpy(), full.grad.numpy()[rank::world], atol=1e-10)
    for p, q in zip(model.parameters(), reference.parameters()):
        # DDP averages: the mean over ranks of gradients of per-rank sums is 1/world of the sum
        np.testing.assert_allclose(p.grad.numpy() * world, q.grad.numpy(), atol=1e-10)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(model[1], name).numpy(),
                                   getattr(reference[1], name).numpy(), atol=1e-12)


def rank_raises():
    """Rank 1 raises while rank 0 waits in a collective."""
    if dist.get_rank() == 1:
        raise RuntimeError("rank 1 fails on purpose")
    dist.all_reduce(yingshe.zeros(3))


def rank_killed():
    """Rank 1 is killed (SIGKILL) while rank 0 waits in a collective."""
    if dist.get_rank() == 1:
        os.kill(os.getpid(), 9)
    dist.all_reduce(yingshe.zeros(3))


def rank_hangs():
    """Rank 1 never joins; rank 0's collective gives up after the group's 2 s timeout."""
    if dist.get_rank() == 1:
        time.sleep(120)
    dist.all_reduce(yingshe.zeros(3))


if __name__ == "__main__":
    case = sys.argv[1]
    timeout = datetime.timedelta(seconds=2 if case == "rank_hangs" else 60)
    dist.init_process_group("mpi", timeout=timeout)
    globals()[case]()
    print(f"ok {case} rank {dist.get_rank()}", flush=True)
    dist.destroy_process_group()
