"""What runs inside a ``DataLoader`` worker process, and what crosses the process boundary.

Tensors travel as NumPy arrays (wrapped in ``_TensorPayload`` so the main process knows to
rebuild a tensor); exceptions travel as ``ExceptionWrapper`` with their traceback text.
"""
import os
import pickle
import queue
import random
import signal
import sys
import traceback
from typing import Any, NamedTuple

import numpy as np

from ... import _backend
from ..._tensor import Tensor
from ...ops.creation import from_numpy

_POLL_S = 0.1


class WorkerInfo(NamedTuple):
    """Describes the current worker: ``id``, ``num_workers``, ``seed`` and its ``dataset`` copy.

    Examples:
        Which worker loaded each sample (task ``k`` goes to worker ``k % num_workers``):

        >>> from yingshe.utils.data import DataLoader, Dataset, get_worker_info
        >>> class WhoLoads(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, index):
        ...         info = get_worker_info()
        ...         return info.id, info.num_workers
        >>> [[w.item() for w in ids] for ids, _ in DataLoader(WhoLoads(), num_workers=2)]
        [[0], [1], [0], [1]]
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info = None


def get_worker_info():
    """The ``WorkerInfo`` of the calling worker process, or ``None`` in the main process.

    Examples:
        >>> from yingshe.utils.data import get_worker_info
        >>> get_worker_info() is None                # the main process
        True
    """
    return _worker_info


class _KeyErrorMessage(str):
    """A message that ``KeyError`` prints as is (instead of quoting it on one line)."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker: its type and formatted traceback, picklable."""

    def __init__(self, where):
        exc_type, exc, _ = sys.exc_info()
        try:
            pickle.dumps(exc_type)
            self.exc_type = exc_type
        except Exception:  # noqa: BLE001 (a type that cannot travel between processes)
            self.exc_type = RuntimeError
        self.where = where
        self.text = "".join(traceback.format_exception(exc_type, exc, exc.__traceback__))

    def reraise(self):
        """Raise the same exception type in this process, with the original traceback text."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.text}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # noqa: BLE001 (a type not built from one message)
            raise RuntimeError(msg) from None
        raise exc


class _TensorPayload:
    """A tensor's array on its way between processes."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getstate__(self):
        return self.array

    def __setstate__(self, array):
        self.array = array


def _map(data, leaf):
    """Apply ``leaf`` to every non-container in ``data``, keeping container types."""
    if isinstance(data, dict):
        mapped = {k: _map(v, leaf) for k, v in data.items()}
        try:
            return type(data)(mapped)
        except TypeError:
            return mapped
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_map(d, leaf) for d in data))
    if isinstance(data, (tuple, list)):
        return type(data)(_map(d, leaf) for d in data)
    return leaf(data)


def pack(data):
    """``data`` with every tensor replaced by its NumPy array, ready to pickle."""
    return _map(data, lambda x: _TensorPayload(x.detach().cpu().numpy())
                if isinstance(x, Tensor) else x)


def unpack(data):
    """The inverse of ``pack``: arrays that were tensors become tensors again."""
    return _map(data, lambda x: from_numpy(x.array) if isinstance(x, _TensorPayload) else x)


def fetch(dataset, indices, auto_collation, collate_fn):
    """One collated batch for ``indices`` (a single index when auto-collation is off)."""
    if not auto_collation:
        return collate_fn(dataset[indices])
    if callable(getattr(dataset, "__getitems__", None)):
        return collate_fn(dataset.__getitems__(indices))
    return collate_fn([dataset[i] for i in indices])


def worker_loop(dataset, index_queue, result_queue, done_event, auto_collation, collate_fn,
                base_seed, worker_id, num_workers, worker_init_fn):
    """Seed, run ``worker_init_fn``, then answer ``(idx, indices)`` tasks until ``None``.

    Each answer is ``(idx, pickled packed batch)`` or ``(idx, ExceptionWrapper)``. Ctrl-C is
    ignored here (as in PyTorch's workers): the terminal sends SIGINT to the whole process
    group, and only the main process should raise ``KeyboardInterrupt``; it then stops the
    workers.
    """
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    seed = base_seed + worker_id
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    _backend.manual_seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    where = f"in DataLoader worker process {worker_id}"
    init_error = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception:  # noqa: BLE001 (any user error goes back to the main process)
        init_error = ExceptionWrapper(where)
    parent = os.getppid()
    while True:
        try:
            task = index_queue.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent:
                break
            continue
        if task is None or done_event.is_set():
            break
        idx, indices = task
        if init_error is not None:
            result_queue.put((idx, init_error))
            continue
        try:
            result = pickle.dumps(pack(fetch(dataset, indices, auto_collation, collate_fn)),
                                  protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 (any user error goes back to the main process)
            result = ExceptionWrapper(where)
        result_queue.put((idx, result))
    result_queue.cancel_join_thread()
