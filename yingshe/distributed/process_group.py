"""The default process group of ``torch.distributed`` over MPI: one process per rank, started by
``mpiexec -n N`` (Message Passing Interface Forum, MPI: A Message-Passing Interface Standard,
version 4.0, 2021), reached through mpi4py (Dalcin & Fang 2021, "mpi4py: Status Update After
12 Years of Development", Computing in Science & Engineering 23(4)).

MPI starts every rank itself, so ``init_process_group("mpi")`` needs no address, store or rank:
MPI says who is who.  MPI cannot be started twice in a process, so ``destroy_process_group``
forgets the group without finalising MPI (mpi4py finalises it at exit) and a later
``init_process_group`` joins the same ranks again.

A rank that stops must not leave the others waiting for ever:

* a rank killed by a signal: ``mpiexec`` (MPICH's Hydra) sees it and ends every other rank;
* a rank that raises: the group's exception hook prints the traceback and calls
  ``MPI_Abort``, which ends the whole job with status 1 (otherwise the raising rank would
  wait in ``MPI_Finalize`` for ranks that wait in a collective for it).  It waits half a
  second before aborting: Hydra forwards a rank's output and its abort request on separate
  channels, and a traceback still in the output pipe when the abort arrives is lost;
* a rank that hangs: every collective waits at most ``timeout`` (default 30 minutes, as
  PyTorch's gloo and MPI groups), then raises ``DistBackendError`` on the ranks waiting, whose
  exception hook aborts the job.
"""
import datetime
import os
import sys
import time
import traceback

__all__ = ["Backend", "DistBackendError", "GroupMember", "default_pg_timeout", "is_available",
           "is_mpi_available", "is_initialized", "init_process_group", "destroy_process_group",
           "get_rank", "get_world_size", "get_backend", "launched_by_mpi", "communicator",
           "timeout_seconds"]

_OUTPUT_GRACE_SECONDS = 0.5  # time for Hydra to forward the traceback before MPI_Abort

default_pg_timeout = datetime.timedelta(minutes=30)

_INSTALL_HINT = ("yingshe.distributed needs mpi4py and an MPI library: install the "
                 "'distributed' extra (pip install 'yingshe[distributed]', i.e. mpi4py and "
                 "mpich)")

# Environment variables that MPI launchers set in every rank they start (MPICH/Intel MPI's
# Hydra, Open MPI, Slurm's PMI): a process holding one was started by mpiexec or srun.
_LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")


class Backend(str):
    """A backend name (a str, as ``torch.distributed.Backend``); yingshe has one,
    ``Backend.MPI`` = "mpi".

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.Backend.MPI
        'mpi'
        >>> dist.init_process_group(dist.Backend.MPI)      # under mpiexec  # doctest: +SKIP
    """
    MPI = "mpi"


class DistBackendError(RuntimeError):
    """A collective failed or waited longer than the group's timeout (PyTorch's name; a
    RuntimeError).  Uncaught, it ends every rank of the job (the group's exception hook
    calls ``MPI_Abort``), so a rank that hangs cannot keep the others waiting for ever.

    Examples:
        >>> import datetime
        >>> import yingshe
        >>> import yingshe.distributed as dist
        >>> issubclass(dist.DistBackendError, RuntimeError)
        True
        >>> x = yingshe.ones(2)
        >>> work = dist.all_reduce(x, async_op=True)       # under mpiexec  # doctest: +SKIP
        >>> try:                                           # doctest: +SKIP
        ...     work.wait(timeout=datetime.timedelta(seconds=10))
        ... except dist.DistBackendError as error:
        ...     print("a rank did not take part:", error)
    """


class _State:
    """The default group: the MPI communicator, its timeout and the hook to put back."""
    comm = None
    timeout = default_pg_timeout.total_seconds()
    previous_excepthook = None


class GroupMember:
    """``GroupMember.WORLD`` names the default group, as in PyTorch (it is None here, and
    every ``group=`` argument accepts it or None); yingshe has no other group.
    ``NON_GROUP_MEMBER`` is PyTorch's -100.

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.GroupMember.WORLD is None, dist.GroupMember.NON_GROUP_MEMBER
        (True, -100)
        >>> dist.get_world_size(dist.GroupMember.WORLD)     # mpiexec -n 2  # doctest: +SKIP
        2
    """
    WORLD = None
    NON_GROUP_MEMBER = -100


def _mpi():
    """mpi4py's ``MPI`` module, or ImportError naming the package to install."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(f"{_INSTALL_HINT} ({error})") from None
    return MPI


def is_available():
    """True: yingshe always has its ``distributed`` package (its MPI backend may be missing:
    see ``is_mpi_available``), as ``torch.distributed.is_available``.

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.is_available()
        True
    """
    return True


def is_mpi_available():
    """Whether mpi4py and an MPI library can be imported (the ``distributed`` extra:
    ``pip install 'yingshe[distributed]'``), as ``torch.distributed.is_mpi_available``.

    Examples:
        >>> import yingshe.distributed as dist
        >>> backend = "mpi" if dist.is_mpi_available() else None
        >>> dist.is_mpi_available()                     # with the extra  # doctest: +SKIP
        True
    """
    try:
        _mpi()
    except ImportError:
        return False
    return True


def launched_by_mpi():
    """The number of ranks when this process was started by an MPI launcher (``mpiexec -n N``,
    ``srun``), read from the variables launchers set (``PMI_SIZE``, ``OMPI_COMM_WORLD_SIZE``,
    ``PMIX_SIZE``); 0 otherwise.  Nothing is imported, so a script can ask before it decides
    to join a group.

    Examples:
        >>> import os
        >>> import yingshe.distributed as dist
        >>> os.environ["PMI_SIZE"] = "4"                # what mpiexec -n 4 sets in every rank
        >>> dist.launched_by_mpi()
        4
        >>> del os.environ["PMI_SIZE"]
        >>> if dist.launched_by_mpi():                  # doctest: +SKIP
        ...     dist.init_process_group("mpi")
    """
    for name in _LAUNCHER_SIZE_VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 0


def is_initialized():
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` has not since),
    as ``torch.distributed.is_initialized``.

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.is_initialized()                       # a plain python process
        False
        >>> dist.init_process_group("mpi")              # under mpiexec  # doctest: +SKIP
        >>> dist.is_initialized()                       # doctest: +SKIP
        True
    """
    return _State.comm is not None


def _abort_on_uncaught(kind, value, trace):
    """The exception hook of a rank in a group: print the traceback, then end every rank
    (``MPI_Abort``) instead of waiting in ``MPI_Finalize`` for ranks that wait for this one."""
    traceback.print_exception(kind, value, trace)
    comm = _State.comm
    print(f"yingshe.distributed: rank {comm.Get_rank()} of {comm.Get_size()} stopped on "
          f"{kind.__name__}; aborting all ranks", file=sys.stderr, flush=True)
    time.sleep(_OUTPUT_GRACE_SECONDS)
    comm.Abort(1)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the default group of all the ranks ``mpiexec`` started (``torch.distributed``'s
    signature; ``backend`` must be "mpi" or None).  MPI numbers the ranks, so ``world_size``
    and ``rank``, when given, must agree with it; ``init_method`` and ``store`` have no use
    with MPI and are refused.  ``timeout`` (a ``datetime.timedelta``; default 30 minutes)
    bounds every wait of a collective.  Calling it twice raises, as in PyTorch.

    Examples:
        Every rank of ``mpiexec -n 2 python train.py`` runs the same script; MPI tells each
        its rank (the lines that need mpiexec are skipped here):

        >>> import datetime
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi", timeout=datetime.timedelta(minutes=5))  # doctest: +SKIP
        >>> dist.get_rank(), dist.get_world_size()      # on rank 1  # doctest: +SKIP
        (1, 2)
        >>> dist.destroy_process_group()                # doctest: +SKIP
        >>> dist.init_process_group("gloo")
        Traceback (most recent call last):
            ...
        ValueError: init_process_group: yingshe has the MPI backend only (backend='mpi'), ...
    """
    if backend is not None and str(backend).lower() != Backend.MPI:
        raise ValueError(f"init_process_group: yingshe has the MPI backend only (backend='mpi'), "
                         f"got backend={backend!r}")
    if init_method is not None or store is not None:
        raise ValueError("init_process_group: the MPI backend takes neither init_method nor "
                         "store: start the ranks with `mpiexec -n N python script.py`")
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"init_process_group: expected timeout as a datetime.timedelta, got "
                        f"{type(timeout).__name__}")
    comm = _mpi().COMM_WORLD
    for name, asked, actual in (("world_size", world_size, comm.Get_size()),
                                ("rank", rank, comm.Get_rank())):
        if asked not in (-1, None) and asked != actual:
            raise ValueError(f"init_process_group: {name}={asked} but MPI started this process "
                             f"as {name} {actual} (mpiexec sets both)")
    _State.comm = comm
    _State.timeout = (timeout or default_pg_timeout).total_seconds()
    _State.previous_excepthook = sys.excepthook
    sys.excepthook = _abort_on_uncaught


def destroy_process_group(group=None):
    """Leave the default group (MPI itself stays initialised until the process exits, so a
    later ``init_process_group`` joins the same ranks again), as
    ``torch.distributed.destroy_process_group``.

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")              # under mpiexec  # doctest: +SKIP
        >>> dist.destroy_process_group()                # doctest: +SKIP
        >>> dist.is_initialized()
        False
    """
    _check_group(group, "destroy_process_group")
    communicator()
    sys.excepthook = _State.previous_excepthook
    _State.comm = _State.previous_excepthook = None
    _State.timeout = default_pg_timeout.total_seconds()


def _check_group(group, op):
    if group is not None and group is not GroupMember.WORLD:
        raise NotImplementedError(f"{op}: yingshe has the default group only (group=None)")


def communicator(group=None, op="this call"):
    """The MPI communicator of the default group; ValueError (PyTorch's message) before
    ``init_process_group``."""
    _check_group(group, op)
    if _State.comm is None:
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    return _State.comm


def timeout_seconds():
    """How long a collective waits for the other ranks before raising ``DistBackendError``."""
    return _State.timeout


def get_rank(group=None):
    """This process's rank, 0 .. world size - 1 (``torch.distributed.get_rank``);
    ValueError before ``init_process_group``.  Rank 0 usually logs and saves checkpoints.

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")              # under mpiexec -n 2  # doctest: +SKIP
        >>> dist.get_rank()                             # on the second rank  # doctest: +SKIP
        1
        >>> if dist.is_initialized() and dist.get_rank() == 0:
        ...     print("only rank 0 writes the checkpoint")
    """
    return communicator(group, "get_rank").Get_rank()


def get_world_size(group=None):
    """How many ranks the group has, the N of ``mpiexec -n N``
    (``torch.distributed.get_world_size``); ValueError before ``init_process_group``.

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")              # under mpiexec -n 2  # doctest: +SKIP
        >>> dist.get_world_size()                       # doctest: +SKIP
        2
        >>> world = dist.get_world_size() if dist.is_initialized() else 1
    """
    return communicator(group, "get_world_size").Get_size()


def get_backend(group=None):
    """The group's backend: "mpi", yingshe's only one (``torch.distributed.get_backend``);
    ValueError before ``init_process_group``.

    Examples:
        >>> import yingshe.distributed as dist
        >>> dist.init_process_group("mpi")              # under mpiexec  # doctest: +SKIP
        >>> dist.get_backend()                          # doctest: +SKIP
        'mpi'
    """
    communicator(group, "get_backend")
    return Backend.MPI
