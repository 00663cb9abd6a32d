"""The collectives of ``torch.distributed`` on Tensors, each one MPI operation of the default
group (MPI 4.0 standard, chapter 6, "Collective Communication"):

    all_reduce      every rank ends with op(x_0, ..., x_{n-1})          MPI_Iallreduce
    broadcast       every rank ends with x_src                           MPI_Ibcast
    all_gather      every rank ends with [x_0, ..., x_{n-1}]             MPI_Iallgather
    reduce_scatter  rank r ends with op over ranks of their input r      MPI_Ireduce_scatter_block
    barrier         no rank leaves before every rank has arrived         MPI_Ibarrier

Each is started non-blocking; ``async_op=True`` returns the ``Work`` (``wait()``), otherwise
the call waits.  Waiting polls the request and gives up after the group's timeout with
``DistBackendError``, so a rank that hangs cannot keep the others waiting for ever.  Results
are written into the given tensors (in place, their version bumped).  MPI reads and writes
host memory: a CUDA tensor travels through a host copy.
"""
import enum
import time

import numpy as np

from .._backend import to_device
from .._tensor import Tensor
from .process_group import DistBackendError, _mpi, communicator, timeout_seconds

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "all_gather", "reduce_scatter",
           "barrier"]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce_scatter`` combine the ranks' values.  AVG is SUM divided
    by the world size (floating-point tensors only)."""
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


def _mpi_op(op, tensor, name):
    if not isinstance(op, ReduceOp):
        raise ValueError(f"{name}: op must be a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX), got "
                         f"{op!r}")
    if op is ReduceOp.AVG and not tensor.dtype.is_floating_point:
        raise TypeError(f"{name}: ReduceOp.AVG needs a floating-point tensor, got "
                        f"{tensor.dtype}; use SUM and divide")
    MPI = _mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]


class Work:
    """A started collective: ``wait()`` finishes it (True when done), ``is_completed()``
    polls.  ``finish`` runs once the request completes (copy back, divide for AVG)."""

    def __init__(self, request, op_name, finish=None):
        self._request, self._op_name, self._finish = request, op_name, finish
        self._done = False

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()

    def is_completed(self):
        """True once the collective has finished, without waiting for it."""
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        """Wait for the other ranks, at most ``timeout`` (a timedelta; default the group's):
        spin for a millisecond, then sleep between polls so a long wait leaves the core to
        other work.  Raises ``DistBackendError`` when the time is up."""
        limit = timeout.total_seconds() if timeout is not None else timeout_seconds()
        start = time.monotonic()
        pause = 0.0
        while not self.is_completed():
            waited = time.monotonic() - start
            if waited > limit:
                raise DistBackendError(
                    f"{self._op_name}: the other ranks did not take part within {limit:g} s "
                    f"(a rank stopped or hangs); giving up")
            if waited > 1e-3:
                pause = min(1e-3, pause + 1e-5)
                time.sleep(pause)
        return True


def _run(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


def _check_tensor(tensor, name, what="tensor"):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: {what} must be a yingshe Tensor, got {type(tensor).__name__}")
    if tensor.device.type == "meta":
        raise ValueError(f"{name}: {what} is on the meta device and holds no values")


def _host_buffer(tensor):
    """A C-contiguous NumPy array MPI can read and write: the tensor's own memory when it is
    one, else a copy (``_store_back`` then copies the result in)."""
    array = tensor._data
    if isinstance(array, np.ndarray) and array.flags.c_contiguous:
        return array
    return np.ascontiguousarray(to_device(array, "cpu"))


def _store_back(tensor, buffer):
    if buffer is not tensor._data:
        tensor._data[...] = to_device(buffer, tensor.device)
    tensor._bump_version()


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Replace ``tensor`` on every rank by ``op`` over all ranks' ``tensor`` (in place)."""
    comm = communicator(group, "all_reduce")
    _check_tensor(tensor, "all_reduce")
    mpi_op = _mpi_op(op, tensor, "all_reduce")
    buffer = _host_buffer(tensor)
    request = comm.Iallreduce(_mpi().IN_PLACE, buffer, op=mpi_op)

    def finish():
        if op is ReduceOp.AVG:
            buffer[...] /= comm.Get_size()
        _store_back(tensor, buffer)
    return _run(Work(request, "all_reduce", finish), async_op)


def _check_rank(value, name, what, comm):
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 0 <= value < comm.Get_size():
        raise ValueError(f"{name}: {what} must be a rank in 0..{comm.Get_size() - 1}, got "
                         f"{value!r}")


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    comm = communicator(group, "broadcast")
    _check_tensor(tensor, "broadcast")
    src = group_src if src is None else src
    _check_rank(src, "broadcast", "src", comm)
    buffer = _host_buffer(tensor)
    request = comm.Ibcast(buffer, root=src)
    return _run(Work(request, "broadcast", lambda: _store_back(tensor, buffer)), async_op)


def _check_list(tensors, like, name, what, comm):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != comm.Get_size():
        raise ValueError(f"{name}: {what} must be a list of world size = {comm.Get_size()} "
                         f"tensors, got {type(tensors).__name__} of "
                         f"{len(tensors) if hasattr(tensors, '__len__') else '?'}")
    for i, t in enumerate(tensors):
        _check_tensor(t, name, f"{what}[{i}]")
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{name}: {what}[{i}] has shape {tuple(t.shape)} and dtype "
                             f"{t.dtype} but the tensor has shape {tuple(like.shape)} and "
                             f"dtype {like.dtype}")


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` on every rank with rank r's ``tensor``."""
    comm = communicator(group, "all_gather")
    _check_tensor(tensor, "all_gather")
    _check_list(tensor_list, tensor, "all_gather", "tensor_list", comm)
    send = _host_buffer(tensor)
    received = np.empty((comm.Get_size(), *send.shape), send.dtype)
    request = comm.Iallgather(send, received)

    def finish():
        for t, part in zip(tensor_list, received):
            t._data[...] = to_device(part, t.device)
            t._bump_version()
    return _run(Work(request, "all_gather", finish), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Set ``output`` on rank r to ``op`` over all ranks of their ``input_list[r]``."""
    comm = communicator(group, "reduce_scatter")
    _check_tensor(output, "reduce_scatter", "output")
    _check_list(input_list, output, "reduce_scatter", "input_list", comm)
    mpi_op = _mpi_op(op, output, "reduce_scatter")
    send = np.stack([to_device(t._data, "cpu") for t in input_list])
    buffer = _host_buffer(output)
    request = comm.Ireduce_scatter_block(send, buffer, op=mpi_op)

    def finish():
        if op is ReduceOp.AVG:
            buffer[...] /= comm.Get_size()
        _store_back(output, buffer)
    return _run(Work(request, "reduce_scatter", finish), async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Return once every rank has called ``barrier``."""
    comm = communicator(group, "barrier")
    return _run(Work(comm.Ibarrier(), "barrier"), async_op)
