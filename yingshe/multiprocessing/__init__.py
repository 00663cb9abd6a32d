"""``torch.multiprocessing``'s mirror: Python's ``multiprocessing`` (every name of it:
``Process``, ``Queue``, ``Pool``, ``get_context``, ``set_start_method``, ...) plus tensors that
processes share.

``tensor.share_memory_()`` moves a CPU tensor's data into shared memory (an anonymous
memory file mapped with MAP_SHARED); ``module.share_memory()`` does it for every parameter and
buffer.  A tensor sent to another process (through a ``Queue``, a ``Pipe``, a ``Pool`` or the
arguments of a "spawn"/"forkserver" ``Process``) travels as a handle to that memory, the
sender's tensor first moved there if it was not, so both processes see each other's in-place
changes, e.g. several processes training one model (Hogwild: Recht, Re, Wright & Niu,
"Hogwild!: A lock-free approach to parallelizing stochastic gradient descent", NeurIPS 2011).
A "fork" child inherits the shared mappings of tensors shared before the fork.  The memory is
freed when the last process holding a tensor on it lets it go; no named segment outlives the
processes.  ``spawn(fn, args, nprocs)`` runs ``fn(i, *args)`` in ``nprocs`` processes as
PyTorch's does.
"""
import multiprocessing
from multiprocessing import *

from .reductions import init_reductions
from .spawn import (
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    spawn,
    start_processes,
)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies",
           "spawn", "start_processes", "ProcessContext", "ProcessException",
           "ProcessExitedException", "ProcessRaisedException"] + multiprocessing.__all__

_sharing_strategy = "file_descriptor"
_all_sharing_strategies = {"file_descriptor"}


def set_sharing_strategy(new_strategy):
    """Choose how CPU tensors are shared (``torch.multiprocessing.set_sharing_strategy``);
    yingshe has one strategy, "file_descriptor" (the memory file's descriptor is passed to the
    other process), PyTorch's default on Linux.  Another name raises AssertionError.

    Examples:
        >>> import yingshe.multiprocessing as mp
        >>> mp.set_sharing_strategy("file_descriptor")
        >>> mp.set_sharing_strategy("file_system")
        Traceback (most recent call last):
            ...
        AssertionError: invalid sharing strategy 'file_system', expected one of {'file_descriptor'}
    """
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of "
                             f"{_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """The strategy for sharing CPU tensors: "file_descriptor"
    (``torch.multiprocessing.get_sharing_strategy``).

    Examples:
        >>> import yingshe.multiprocessing as mp
        >>> mp.get_sharing_strategy()
        'file_descriptor'
    """
    return _sharing_strategy


def get_all_sharing_strategies():
    """The strategies this system supports: {"file_descriptor"}
    (``torch.multiprocessing.get_all_sharing_strategies``).

    Examples:
        >>> import yingshe.multiprocessing as mp
        >>> mp.get_all_sharing_strategies()
        {'file_descriptor'}
    """
    return _all_sharing_strategies


init_reductions()
