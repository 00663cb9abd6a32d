"""``DistributedDataParallel``: synchronous data-parallel SGD over the ranks of
``yingshe.distributed`` (one process per rank), ``torch.nn.parallel.DistributedDataParallel``.

Every rank holds a full replica and runs forward and backward on its own part of the global
batch; the gradients are then averaged across ranks, so each replica takes the step that one
process computing the mean loss over the whole global batch would take (Goyal et al. 2017,
"Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", §2; Li et al. 2020, "PyTorch
Distributed: Experiences on Accelerating Data Parallel Training", VLDB 13(12), whose design
this follows):

1. At construction rank 0's parameters and buffers are broadcast, so all replicas start equal.
2. Parameters are packed, in reverse registration order (roughly the order backward produces
   their gradients), into buckets of at most ``bucket_cap_mb`` MiB (the first 1 MiB) of one
   dtype and device.
3. A post-accumulate-grad hook on each parameter copies its gradient into its bucket's flat
   buffer; when a bucket is full it starts one non-blocking all-reduce of the whole buffer
   (buckets start in a fixed order, the same on every rank, as MPI requires).  When the last
   bucket has started, all are waited for, divided by the world size, and each parameter's
   ``.grad`` becomes a view of its bucket's averaged buffer (a fresh buffer each step).
4. ``no_sync()`` skips the reduction: gradients accumulate locally, and the first backward
   after it averages the accumulated sums.

Overlap: yingshe's engine accumulates leaf gradients when the backward pass has finished with
every node, so the all-reduces start during that last phase rather than while earlier layers
still compute, and MPICH advances a non-blocking collective only inside MPI calls.  The
reduction is bucketed (one call per bucket, not per parameter) but not hidden behind compute.

BatchNorm stays local, as PyTorch's default: ``broadcast_buffers`` copies rank 0's buffers
(running statistics) to every rank before each training forward.  ``nn.SyncBatchNorm``
normalises with the statistics of the global batch instead.
"""
import contextlib
import weakref
import zlib

import numpy as np

from ... import distributed as dist
from ..._backend import to_device
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_DEFAULT_BUCKET_CAP_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024


class _Bucket:
    """Parameters whose gradients travel in one flat buffer: ``offsets[i]`` is where
    ``params[i]`` starts in it."""

    def __init__(self, params):
        self.params = params
        self.offsets = np.cumsum([0] + [p.numel() for p in params]).tolist()
        self.dtype = params[0]._data.dtype
        self.pending = set()
        self.buffer = self.work = None

    def prepare(self):
        """Start a step: every gradient awaited, a fresh buffer to pack them into."""
        self.pending = {id(p) for p in self.params}
        self.buffer = np.zeros(self.offsets[-1], self.dtype)
        self.work = None

    def put(self, index, param):
        """Copy ``param``'s gradient (zeros when it has none) into the buffer."""
        if param.grad is not None:
            start, stop = self.offsets[index], self.offsets[index + 1]
            self.buffer[start:stop] = to_device(param.grad._data, "cpu").reshape(-1)
        self.pending.discard(id(param))

    def write_back(self, world_size, used):
        """Average the reduced sums and make each parameter's ``.grad`` a view of them
        (parameters no rank used keep ``.grad`` as it was, as in PyTorch)."""
        self.buffer /= world_size
        for index, param in enumerate(self.params):
            if not used(param):
                continue
            start, stop = self.offsets[index], self.offsets[index + 1]
            view = self.buffer[start:stop].reshape(param.shape)
            param.grad = Tensor._make(to_device(view, param.device))


def _buckets(params, cap_bytes):
    """Group ``params`` (reverse order) into buckets of one dtype and device, the first at most
    1 MiB and the others at most ``cap_bytes`` (a parameter larger than the cap is alone)."""
    open_buckets, done = {}, []
    for param in reversed(params):
        key = (param._data.dtype, str(param.device))
        members, size = open_buckets.get(key, ([], 0))
        limit = min(_DEFAULT_FIRST_BUCKET_BYTES, cap_bytes) if not done else cap_bytes
        nbytes = param.numel() * param._data.dtype.itemsize
        if members and size + nbytes > limit:
            done.append(_Bucket(members))
            members, size = [], 0
        open_buckets[key] = (members + [param], size + nbytes)
    done.extend(_Bucket(members) for members, _ in open_buckets.values())
    return done


def _reachable_leaves(outputs):
    """ids of the leaf tensors the autograd graph of ``outputs`` (tensors in nested tuples,
    lists and dicts) reaches."""
    stack, seen, leaves = [], set(), set()

    def collect(obj):
        if isinstance(obj, Tensor):
            if obj.grad_fn is not None:
                stack.append(obj.grad_fn)
            elif obj.requires_grad:
                leaves.add(id(obj))
        elif isinstance(obj, (tuple, list)):
            for item in obj:
                collect(item)
        elif isinstance(obj, dict):
            for item in obj.values():
                collect(item)
    collect(outputs)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for edge in node.next_edges:
            if edge is None:
                continue
            if isinstance(edge[0], Tensor):
                leaves.add(id(edge[0]))
            else:
                stack.append(edge[0])
    return leaves


def _hook_of(ddp):
    """A post-accumulate-grad hook calling ``ddp._grad_ready`` while ``ddp`` lives."""
    ref = weakref.ref(ddp)

    def hook(param):
        wrapper = ref()
        if wrapper is not None:
            wrapper._grad_ready(param)
    return hook


def _remove_hooks(handles):
    for handle in handles:
        handle.remove()


class DistributedDataParallel(Module):
    """Wrap ``module`` for synchronous data-parallel training across the
    ranks of the default process group (Li et al. 2020; see the module docstring): every rank runs
    forward and backward on its part of the global batch, and backward averages the gradients
    over the ranks, g = (1 / world_size) sum_r g_r, so every replica takes the same step.
    ``self.module`` is the wrapped module, so the wrapper's ``state_dict`` keys start with
    ``module.``; save ``ddp.module.state_dict()`` to get the plain module's keys, as with PyTorch.

    ``find_unused_parameters``: after each forward, parameters the output does not depend on
    are marked ready at once (their share is zero) so the reduction can finish; without it a
    parameter that gets no gradient leaves the reduction unfinished and the next forward raises
    PyTorch's error.  ``device_ids``/``output_device``/``dim`` are accepted as PyTorch's for a
    module on one device (the inputs are not moved).  ``gradient_as_bucket_view`` is always in
    effect (gradients are views of the averaged bucket) and ``static_graph`` needs nothing
    here (every step finds its ready parameters afresh).

    Shape: inputs and outputs those of the wrapped module (each rank's share of the batch).

    Examples:
        Run with ``mpiexec -n 2 python train.py`` (the lines that need it are skipped here):

        >>> import yingshe
        >>> import yingshe.distributed as dist
        >>> from yingshe import nn
        >>> dist.init_process_group("mpi")  # doctest: +SKIP
        >>> model = nn.parallel.DistributedDataParallel(nn.Linear(4, 2))  # doctest: +SKIP
        >>> model(yingshe.randn(8, 4)).sum().backward()  # averages the grads  # doctest: +SKIP
        >>> list(model.module.state_dict())  # doctest: +SKIP
        ['weight', 'bias']
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 check_reduction=False, gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got "
                            f"{type(module).__name__}")
        self.process_group = process_group
        self.world_size = dist.get_world_size(process_group)
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view, self.static_graph = gradient_as_bucket_view, static_graph
        self.bucket_bytes_cap = int((bucket_cap_mb or _DEFAULT_BUCKET_CAP_MB) * 1024 * 1024)
        self.require_backward_grad_sync = True
        params = [p for p in module.parameters() if p.requires_grad]
        self._check_same_parameters(params)
        self._sync_module_states()
        self._buckets = _buckets(params, self.bucket_bytes_cap)
        self._place = {id(p): (bucket, i) for bucket in self._buckets
                       for i, p in enumerate(bucket.params)}
        self._grad_hook_handles = [p.register_post_accumulate_grad_hook(_hook_of(self))
                                   for p in params]
        # the hooks hold the wrapper weakly and go with it, as PyTorch's reducer's do
        weakref.finalize(self, _remove_hooks, self._grad_hook_handles)
        self._expect_backward = False
        self._next_bucket = 0
        self._locally_used = None

    def _check_same_parameters(self, params):
        """Every rank must wrap the same parameter shapes: compare a fingerprint of them."""
        shapes = ",".join(f"{tuple(p.shape)}{p.dtype}" for p in params)
        crc = zlib.crc32(shapes.encode())
        fingerprint = Tensor._make(np.array([crc, -crc], np.float64))  # max = -min: all equal
        dist.all_reduce(fingerprint, dist.ReduceOp.MAX, self.process_group)
        if fingerprint._data[0] != -fingerprint._data[1]:
            raise RuntimeError(f"DistributedDataParallel: the ranks wrap modules with different "
                               f"parameters (this rank: {len(params)} tensors, shapes "
                               f"{shapes[:200]})")

    def _sync_module_states(self):
        """Broadcast rank 0's parameters and buffers (in place, not recorded by autograd)."""
        for tensor in (*self.module.parameters(), *self.module.buffers()):
            dist.broadcast(tensor.detach(), 0, self.process_group)

    # ---- forward -----------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._expect_backward:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss (or that backward was not called on the last output). "
                "You can enable unused parameter detection by passing the keyword argument "
                "`find_unused_parameters=True` to `DistributedDataParallel`. Parameters not "
                f"reduced: {self._unreduced_names()}")
        if self.broadcast_buffers and self.module.training:
            for buffer in self.module.buffers():
                dist.broadcast(buffer, 0, self.process_group)
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync and self._buckets:
            self._prepare_for_backward(output)
        return output

    def _unreduced_names(self):
        waiting = {i for bucket in self._buckets for i in bucket.pending}
        return [name for name, p in self.module.named_parameters() if id(p) in waiting]

    def _prepare_for_backward(self, output):
        for bucket in self._buckets:
            bucket.prepare()
        self._next_bucket = 0
        self._expect_backward = True
        self._locally_used = None
        if self.find_unused_parameters:
            reached = _reachable_leaves(output)
            self._locally_used = np.array([float(id(p) in reached) for b in self._buckets
                                           for p in b.params])
            for bucket in self._buckets:
                bucket.pending -= {id(p) for p in bucket.params if id(p) not in reached}
            self._launch_ready_buckets()

    # ---- backward: the reduction -------------------------------------------------------------
    def _grad_ready(self, param):
        """The post-accumulate-grad hook of every parameter."""
        if not self._expect_backward or not self.require_backward_grad_sync:
            return
        bucket, index = self._place[id(param)]
        if id(param) not in bucket.pending:  # PyTorch's error: its bucket holds a stale value
            name = next(n for n, p in self.module.named_parameters() if p is param)
            raise RuntimeError(
                f"Expected to mark a variable ready only once: parameter {name} received a "
                f"second gradient in this iteration (a second backward before the next forward, "
                f"or a gradient for a parameter find_unused_parameters marked unused); run the "
                f"extra backward passes under no_sync() or sum the losses first")
        bucket.put(index, param)
        self._launch_ready_buckets()

    def _launch_ready_buckets(self):
        """Start the all-reduce of each full bucket in bucket order; after the last, finish."""
        while self._next_bucket < len(self._buckets) and \
                not self._buckets[self._next_bucket].pending:
            bucket = self._buckets[self._next_bucket]
            bucket.work = dist.all_reduce(Tensor._make(bucket.buffer), dist.ReduceOp.SUM,
                                          self.process_group, async_op=True)
            self._next_bucket += 1
        if self._next_bucket == len(self._buckets):
            self._finish_reduction()

    def _finish_reduction(self):
        used = self._globally_used()
        for bucket in self._buckets:
            bucket.work.wait()
            bucket.write_back(self.world_size, used)
        self._expect_backward = False

    def _globally_used(self):
        """Which parameters some rank used: every one, unless ``find_unused_parameters``,
        which all-reduces the ranks' used maps (PyTorch's ``local_used_map``)."""
        if self._locally_used is None:
            return lambda param: True
        used = Tensor._make(self._locally_used)
        dist.all_reduce(used, dist.ReduceOp.MAX, self.process_group)
        flags = {id(p): flag > 0 for p, flag in
                 zip((p for b in self._buckets for p in b.params), used._data)}
        return lambda param: flags[id(param)]

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without any communication; the first
        backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
