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
    """How ``all_reduce`` and ``reduce_scatter`` combine the ranks' values, elementwise:
    SUM x_0 + ... + x_{n-1}, AVG that sum / n (floating-point tensors only), PRODUCT, MIN,
    MAX (``torch.distributed.ReduceOp``'s arithmetic members; no bitwise ones).

    Examples:
        >>> import yingshe.distributed as dist
        >>> [op.name for op in dist.ReduceOp]
        ['SUM', 'AVG', 'PRODUCT', 'MIN', 'MAX']
        >>> dist.all_reduce(loss, op=dist.ReduceOp.AVG)     # under mpiexec  # doctest: +SKIP
    """
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
    """A started collective, what a collective called with ``async_op=True`` returns
    (``torch.distributed.Work``): ``wait()`` finishes it (True when done), ``is_completed()``
    polls.  The result is in the tensors only after that.  ``finish`` runs once the request
    completes (copy back, divide for AVG).

    Examples:
        Overlap communication with computation (under ``mpiexec``):

        >>> import yingshe
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")                  # doctest: +SKIP
        >>> grad = yingshe.ones(4)
        >>> work = dist.all_reduce(grad, async_op=True)     # doctest: +SKIP
        >>> other = yingshe.ones(4) * 2                     # computed meanwhile
        >>> work.wait()                                     # doctest: +SKIP
        True
        >>> grad                                            # -n 2  # doctest: +SKIP
        tensor([2., 2., 2., 2.])
    """

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
    """Replace ``tensor`` on every rank by ``op`` over all ranks' ``tensor``, in place
    (``torch.distributed.all_reduce``): with SUM, x <- x_0 + x_1 + ... + x_{n-1}.  The
    gradient average of data-parallel training is ``all_reduce(grad, ReduceOp.AVG)``.
    Returns None, or the ``Work`` with ``async_op=True``.

    Shape:
        ``tensor``: (*), the same shape and dtype on every rank; unchanged.

    Examples:
        Under ``mpiexec -n 2`` (skipped here), rank r holding (r + 1) [1, 2]:

        >>> import yingshe
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")                  # doctest: +SKIP
        >>> x = yingshe.tensor([1.0, 2.0]) * (dist.get_rank() + 1)  # doctest: +SKIP
        >>> dist.all_reduce(x)                              # doctest: +SKIP
        >>> x                                               # on both ranks  # doctest: +SKIP
        tensor([3., 6.])
        >>> dist.all_reduce(x, op=dist.ReduceOp.MAX)        # doctest: +SKIP
    """
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
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank, in place
    (``torch.distributed.broadcast``), e.g. so that every rank starts from rank 0's initial
    weights.  ``group_src`` is PyTorch's other name for ``src``.

    Shape:
        ``tensor``: (*), the same shape and dtype on every rank; unchanged.

    Examples:
        Under ``mpiexec -n 2`` (skipped here):

        >>> import yingshe
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")                  # doctest: +SKIP
        >>> x = yingshe.arange(3.0) if dist.get_rank() == 0 else yingshe.zeros(3)  # doctest: +SKIP
        >>> dist.broadcast(x, src=0)                        # doctest: +SKIP
        >>> x                                               # on both ranks  # doctest: +SKIP
        tensor([0., 1., 2.])
    """
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
    """Fill ``tensor_list[r]`` on every rank with rank r's ``tensor``
    (``torch.distributed.all_gather``), e.g. to collect every rank's predictions.

    Shape:
        ``tensor``: (*); ``tensor_list``: world size tensors of the same shape and dtype.

    Examples:
        Under ``mpiexec -n 2`` (skipped here):

        >>> import yingshe
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")                  # doctest: +SKIP
        >>> x = yingshe.tensor([float(dist.get_rank())])    # doctest: +SKIP
        >>> parts = [yingshe.zeros(1) for _ in range(dist.get_world_size())]  # doctest: +SKIP
        >>> dist.all_gather(parts, x)                       # doctest: +SKIP
        >>> parts                                           # on both ranks  # doctest: +SKIP
        [tensor([0.]), tensor([1.])]
    """
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
    """Set ``output`` on rank r to ``op`` over all ranks of their ``input_list[r]``
    (``torch.distributed.reduce_scatter``): out_r = input_list[r] of rank 0 + ... of rank
    n - 1 with SUM, an ``all_reduce`` whose result is split among the ranks.

    Shape:
        ``output``: (*); ``input_list``: world size tensors of the same shape and dtype.

    Examples:
        Under ``mpiexec -n 2`` (skipped here), rank r sending [10 r + 0] and [10 r + 1]:

        >>> import yingshe
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")                  # doctest: +SKIP
        >>> rank = dist.get_rank()                          # doctest: +SKIP
        >>> inputs = [yingshe.tensor([10.0 * rank + i]) for i in range(2)]  # doctest: +SKIP
        >>> out = yingshe.zeros(1)
        >>> dist.reduce_scatter(out, inputs)                # doctest: +SKIP
        >>> out                             # rank 0: 0 + 10; rank 1 has 1 + 11  # doctest: +SKIP
        tensor([10.])
    """
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
    """Return once every rank has called ``barrier`` (``torch.distributed.barrier``), e.g.
    so that the other ranks read a file only after rank 0 has written it.  ``device_ids`` is
    accepted for PyTorch's signature and not used.

    Examples:
        Under ``mpiexec`` (skipped here):

        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")                  # doctest: +SKIP
        >>> if dist.get_rank() == 0:                        # doctest: +SKIP
        ...     prepare_the_data()
        >>> dist.barrier()                                  # doctest: +SKIP
    """
    comm = communicator(group, "barrier")
    return _run(Work(comm.Ibarrier(), "barrier"), async_op)
