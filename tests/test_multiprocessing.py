"""yingshe.multiprocessing, torch.multiprocessing's mirror: shared-memory tensors across "fork"
and "spawn" processes (queues, Hogwild training), spawn() and its exceptions.  Every process is
joined with a timeout; the workers live at module level so "spawn" children can import them
(this module does not import torch at the top, to keep the children's start quick)."""
import gc
import os

import numpy as np
import pytest

import yingshe
import yingshe.multiprocessing as mp
from yingshe.multiprocessing import ProcessException, ProcessExitedException, ProcessRaisedException

TIMEOUT = 120
METHODS = ["fork", "spawn"]


def join(process):
    process.join(timeout=TIMEOUT)
    if process.is_alive():
        process.kill()
        process.join(timeout=TIMEOUT)
        pytest.fail(f"process {process.pid} did not finish in {TIMEOUT} s")
    assert process.exitcode == 0, f"child exited with {process.exitcode}"


# ---- workers (module level: "spawn" children import them) -----------------------------------
def add_one_and_report(inbox, outbox):
    t = inbox.get(timeout=TIMEOUT)
    with yingshe.no_grad():  # a Parameter is a leaf that requires grad
        t.add_(1.0)
    outbox.put((type(t).__name__, t.is_shared(), t.requires_grad, t.tolist()))


def add_to_argument(t):
    t.add_(10.0)


def train_steps(model, inputs, targets, steps):
    optimizer = yingshe.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        yingshe.nn.functional.mse_loss(model(inputs), targets).backward()
        optimizer.step()


def write_rank(i, shared):
    shared[i] = float(i + 1)


def fail_in_one(i):
    if i == 1:
        raise ValueError("rank 1 gave up")


def exit_with_three(i):
    os._exit(3)


def square(t):
    return t * t


# ---- shared tensors in one process -----------------------------------------------------------
def test_share_memory_moves_data_in_place_and_keeps_values():
    for t in (yingshe.arange(6, dtype=yingshe.float64).reshape(2, 3), yingshe.tensor(3),
              yingshe.zeros(0), yingshe.tensor([True, False])):
        values = t.tolist()
        assert not t.is_shared()
        assert t.share_memory_() is t and t.is_shared()
        assert t.tolist() == values
        t.share_memory_()  # a second time is a no-op
        assert t.is_shared()
    t = yingshe.ones(4).share_memory_()
    assert t[1:].is_shared() and t.detach().is_shared()  # views of shared memory are shared
    p = yingshe.nn.Parameter(yingshe.ones(2))
    assert p.share_memory_() is p and isinstance(p, yingshe.nn.Parameter) and p.requires_grad


def test_module_share_memory_shares_parameters_gradients_and_buffers():
    model = yingshe.nn.Sequential(yingshe.nn.Linear(3, 2), yingshe.nn.BatchNorm1d(2))
    model(yingshe.randn(4, 3)).sum().backward()
    weight = model[0].weight
    assert model.share_memory() is model
    assert model[0].weight is weight  # the same Parameter objects: optimisers keep working
    assert all(p.is_shared() and p.grad.is_shared() for p in model.parameters())
    assert all(b.is_shared() for b in model.buffers())


def test_sharing_leaves_no_descriptors_or_segments_behind():
    def fds():
        return len(os.listdir("/proc/self/fd"))
    shm_before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    gc.collect()
    before = fds()
    tensors = [yingshe.ones(1000).share_memory_() for _ in range(20)]
    assert fds() >= before + 20  # one memory file per shared tensor while it lives
    del tensors
    gc.collect()
    assert fds() == before
    if os.path.isdir("/dev/shm"):
        assert set(os.listdir("/dev/shm")) <= shm_before


def test_non_leaf_tensors_that_require_grad_are_refused_as_torch():
    from multiprocessing.reduction import ForkingPickler
    y = yingshe.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(y)


# ---- across processes ------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_tensor_sent_through_a_queue_is_shared_with_the_child(method):
    ctx = mp.get_context(method)
    inbox, outbox = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=add_one_and_report, args=(inbox, outbox))
    child.start()
    t = yingshe.zeros(3)  # not shared yet: sending it moves it to shared memory, as torch
    inbox.put(t)
    report = outbox.get(timeout=TIMEOUT)
    join(child)
    assert report == ("Tensor", True, False, [1.0, 1.0, 1.0])
    assert t.is_shared() and t.tolist() == [1.0, 1.0, 1.0]  # the child's change is seen here

    child = ctx.Process(target=add_one_and_report, args=(inbox, outbox))
    child.start()
    p = yingshe.nn.Parameter(yingshe.zeros(2))
    inbox.put(p)
    assert outbox.get(timeout=TIMEOUT) == ("Parameter", True, True, [1.0, 1.0])
    join(child)
    assert p.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("method", METHODS)
def test_shared_tensor_as_process_argument(method):
    ctx = mp.get_context(method)
    t = yingshe.zeros(2).share_memory_()
    child = ctx.Process(target=add_to_argument, args=(t,))
    child.start()
    join(child)
    assert t.tolist() == [10.0, 10.0]


def regression_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype(np.float32)
    return yingshe.tensor(x), yingshe.tensor(x @ np.array([[1.0], [-2.0], [0.5]], np.float32))


@pytest.mark.parametrize("method", METHODS)
def test_hogwild_training_of_a_shared_model(method):
    ctx = mp.get_context(method)
    x, y = regression_data()
    yingshe.manual_seed(0)
    model = yingshe.nn.Linear(3, 1)
    reference = yingshe.nn.Linear(3, 1)
    reference.load_state_dict(model.state_dict())
    model.share_memory()
    child = ctx.Process(target=train_steps, args=(model, x, y, 5))  # one worker: exact
    child.start()
    join(child)
    train_steps(reference, x, y, 5)
    for a, b in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
    loss_before = yingshe.nn.functional.mse_loss(model(x), y).item()
    workers = [ctx.Process(target=train_steps, args=(model, x, y, 20)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        join(w)
    assert yingshe.nn.functional.mse_loss(model(x), y).item() < 0.5 * loss_before


def test_pool_map_returns_tensors():
    with mp.get_context("fork").Pool(2) as pool:
        results = pool.map(square, [yingshe.tensor([1.0, 2.0]), yingshe.tensor([3.0])],
                           chunksize=1)
    assert [r.tolist() for r in results] == [[1.0, 4.0], [9.0]]


# ---- spawn -----------------------------------------------------------------------------------
def test_spawn_runs_fn_with_its_index_in_each_process():
    shared = yingshe.zeros(3).share_memory_()
    assert mp.spawn(write_rank, args=(shared,), nprocs=3) is None
    assert shared.tolist() == [1.0, 2.0, 3.0]
    context = mp.spawn(write_rank, args=(shared,), nprocs=2, join=False)
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 2
    deadline = 0
    while not context.join(timeout=TIMEOUT):
        deadline += 1
        assert deadline < 5


def test_spawn_reports_a_child_exception_as_torch():
    with pytest.raises(ProcessRaisedException) as info:
        mp.spawn(fail_in_one, nprocs=2)
    error = info.value
    assert isinstance(error, ProcessException) and error.error_index == 1
    message = str(error)
    assert message.startswith("\n\n-- Process 1 terminated with the following error:\n"
                              "Traceback (most recent call last):")
    assert message.rstrip().endswith("ValueError: rank 1 gave up")


def test_spawn_reports_an_exit_code_and_warns_for_other_methods():
    with pytest.raises(ProcessExitedException, match="process 0 terminated with exit code 3") \
            as info:
        mp.start_processes(exit_with_three, nprocs=1, start_method="fork")
    assert info.value.exit_code == 3 and info.value.error_index == 0
    shared = yingshe.zeros(1).share_memory_()
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(write_rank, args=(shared,), nprocs=1, start_method="fork")
    assert shared.tolist() == [1.0]


def test_module_mirrors_torch_multiprocessing_names():
    import torch.multiprocessing as tmp
    missing = {name for name in tmp.__all__ if not hasattr(mp, name)}
    assert not missing
    for name in ("Process", "Queue", "Pool", "get_context", "set_start_method", "spawn",
                 "start_processes", "ProcessRaisedException", "ProcessExitedException"):
        assert name in mp.__all__
    assert mp.get_sharing_strategy() == "file_descriptor"
    assert mp.get_all_sharing_strategies() == {"file_descriptor"}
    with pytest.raises(AssertionError, match="invalid sharing strategy"):
        mp.set_sharing_strategy("file_system")
