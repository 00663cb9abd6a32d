"""Shared-memory tensors and how they cross process boundaries.

A shared tensor's array lies in an anonymous memory file (``memfd_create`` on Linux, an
unlinked temporary file elsewhere) mapped with MAP_SHARED.  Pickling such a tensor for another
process (multiprocessing's ``ForkingPickler``: queues, pipes, pools, spawned processes'
arguments) sends a duplicate of the file descriptor plus the array's offset, shape, strides and
dtype; the receiver maps the same file, so both see the same memory.  Each mapping keeps its
descriptor open while it lives and closes it when it is freed: nothing is left behind.
"""
import mmap
import os
import tempfile
import weakref
from multiprocessing import reduction

import numpy as np

from .._backend import get_array_module
from .._tensor import Tensor
from ..nn.parameter import Buffer, Parameter

__all__ = ["init_reductions", "share_memory_", "is_shared"]


class _SharedMapping(mmap.mmap):
    """A MAP_SHARED mapping of a memory file whose descriptor (``fd``) it keeps for sending."""


def _memory_file(size):
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("yingshe-tensor", os.MFD_CLOEXEC)
    else:
        with tempfile.TemporaryFile() as handle:  # already unlinked on POSIX
            fd = os.dup(handle.fileno())
    os.ftruncate(fd, size)
    return fd


def _map(fd, size):
    mapping = _SharedMapping(fd, size)
    mapping.fd = fd
    mapping.address = np.frombuffer(mapping, dtype=np.uint8, count=1).ctypes.data
    weakref.finalize(mapping, os.close, fd)
    return mapping


def _mapping_of(array):
    """The shared mapping under ``array`` (following its chain of bases), or None."""
    base = array
    while base is not None:
        if isinstance(base, _SharedMapping):
            return base
        base = getattr(base, "base", None) if not isinstance(base, memoryview) else base.obj
    return None


def share_memory_(self):
    """Move this tensor's data into shared memory (in place; a no-op if it is there already or
    on "cuda"); returns self.  Other processes that receive the tensor then share it."""
    array = self._data
    if get_array_module(array) is not np or _mapping_of(array) is not None:
        return self
    size = max(array.nbytes, 1)
    mapping = _map(_memory_file(size), size)
    shared = np.ndarray(array.shape, array.dtype, buffer=mapping)
    shared[...] = array
    self._data = shared
    return self


def is_shared(self):
    """Whether this tensor's data is in shared memory (``share_memory_``, or received from
    another process)."""
    return _mapping_of(self._data) is not None


def _rebuild_shared(cls, dupfd, size, offset, shape, strides, dtype, requires_grad, extra):
    mapping = _map(dupfd.detach(), size)
    array = np.ndarray(shape, np.dtype(dtype), buffer=mapping, offset=offset, strides=strides)
    return _make(cls, array, requires_grad, extra)


def _rebuild_copy(cls, array, device, requires_grad, extra):
    from .._backend import to_device
    return _make(cls, to_device(array, device), requires_grad, extra)


def _make(cls, array, requires_grad, extra):
    tensor = object.__new__(cls)
    Tensor._init(tensor, array, requires_grad)
    if cls is Buffer:
        tensor.persistent = extra
    return tensor


def _reduce_tensor(tensor):
    """How ForkingPickler sends a tensor: a handle to its shared memory (moving it there first,
    as PyTorch does), or a copy for a "cuda" tensor."""
    if tensor.requires_grad and tensor.grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
            "does not support crossing process boundaries.  If you just want to transfer the "
            "data, call detach() on the tensor before serializing (e.g., putting it on the "
            "queue).")
    cls = type(tensor)
    extra = getattr(tensor, "persistent", None)
    if get_array_module(tensor._data) is not np:
        from .._backend import to_device
        return _rebuild_copy, (cls, to_device(tensor._data, "cpu"), str(tensor.device),
                               tensor.requires_grad, extra)
    share_memory_(tensor)
    array = tensor._data
    mapping = _mapping_of(array)
    offset = array.__array_interface__["data"][0] - mapping.address
    return _rebuild_shared, (cls, reduction.DupFd(mapping.fd), len(mapping), offset, array.shape,
                             array.strides, array.dtype.str, tensor.requires_grad, extra)


def init_reductions():
    """Teach multiprocessing to send tensors through shared memory; bind ``Tensor.share_memory_``
    and ``Tensor.is_shared``."""
    for cls in (Tensor, Parameter, Buffer):
        reduction.ForkingPickler.register(cls, _reduce_tensor)
    Tensor.share_memory_ = share_memory_
    Tensor.is_shared = is_shared
