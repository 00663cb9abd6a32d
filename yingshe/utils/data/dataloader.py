"""``DataLoader``: batches from a dataset, in the main process or in worker processes."""
import itertools
import multiprocessing
import pickle
import queue
import sys
import time

from ... import _backend
from . import _worker
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_SEED_HIGH = 1 << 63
# Seconds that workers get, all together, to finish their current task and exit when an epoch
# ends normally or early; after a timeout, a dead worker or an interrupt they get none.
_SHUTDOWN_GRACE_S = 0.5
# Seconds to wait for terminated workers before killing them, and again after killing them.
_KILL_WAIT_S = 0.5


class DataLoader:
    """Iterate over ``dataset`` in batches, like ``torch.utils.data.DataLoader``.

    ``generator`` (a ``yingshe.Generator`` or ``numpy.random.Generator``) draws the shuffles
    and worker seeds; without it
    each epoch draws from the framework generator (``yingshe.manual_seed`` fixes every
    epoch, and successive epochs differ). With ``num_workers > 0`` batches are built in
    worker processes (worker ``i`` is seeded with ``base_seed + i``) and still come out in
    the sampler's order. A dataset with ``__getitems__`` gets one call per batch and its
    result goes to ``collate_fn`` as is (see ``Batch``). ``pin_memory`` has no effect on
    CPU; ``persistent_workers`` is accepted but workers are restarted every epoch.

    Shape:
        each batch is ``collate_fn`` of ``batch_size`` samples: with ``default_collate`` a sample's
        tensor of shape ``(*)`` comes as ``(batch_size, *)`` (the last batch shorter unless
        ``drop_last``); ``len`` is the number of batches.

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import DataLoader, TensorDataset
        >>> dataset = TensorDataset(yingshe.arange(20.0).reshape(10, 2), yingshe.arange(10))
        >>> loader = DataLoader(dataset, batch_size=4, shuffle=True,
        ...                     generator=yingshe.Generator().manual_seed(0))
        >>> len(loader)
        3
        >>> [(tuple(x.shape), tuple(y.shape)) for x, y in loader]
        [((4, 2), (4,)), ((4, 2), (4,)), ((2, 2), (2,))]
        >>> len(DataLoader(dataset, batch_size=4, drop_last=True))
        2
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, generator=None, prefetch_factor=None,
                 persistent_workers=False):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
            if num_workers > 0:
                raise NotImplementedError("DataLoader: IterableDataset with num_workers > 0 "
                                          "is not supported")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn or (default_collate if batch_size is not None or
                                         batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        base_seed = int(_backend.rng(self.generator, "cpu").integers(0, _SEED_HIGH))
        if isinstance(self.dataset, IterableDataset):
            return self._iterable_batches()
        tasks = iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)
        if self.num_workers == 0:
            return (_worker.fetch(self.dataset, t, self._auto_collation, self.collate_fn)
                    for t in tasks)
        return _MultiProcessIter(self, tasks, base_seed)

    def _iterable_batches(self):
        """Batches of an ``IterableDataset``'s stream, in order."""
        stream = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(sample) for sample in stream)
            return
        while True:
            batch = list(itertools.islice(stream, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)


def _context():
    """The 'fork' multiprocessing context where the platform has it, else the default."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class _MultiProcessIter:
    """One epoch with worker processes: task ``k`` goes to worker ``k % num_workers``, at most
    ``prefetch_factor * num_workers`` tasks are in flight, and results are reordered."""

    def __init__(self, loader, tasks, base_seed):
        ctx = _context()
        self._tasks = tasks
        self._timeout = loader.timeout
        self._num_workers = loader.num_workers
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        self._alive = True
        for worker_id in range(loader.num_workers):
            index_queue = ctx.Queue()
            worker = ctx.Process(
                target=_worker.worker_loop, daemon=True,
                args=(loader.dataset, index_queue, self._result_queue, self._done_event,
                      loader._auto_collation, loader.collate_fn, base_seed, worker_id,
                      loader.num_workers, loader.worker_init_fn))
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._send_idx = self._rcvd_idx = 0
        self._results = {}
        for _ in range(loader.prefetch_factor * loader.num_workers):
            self._put_task()

    def __iter__(self):
        return self

    def _put_task(self):
        indices = next(self._tasks, None)
        if indices is not None:
            self._index_queues[self._send_idx % self._num_workers].put((self._send_idx,
                                                                        indices))
            self._send_idx += 1

    def _get_result(self):
        """The next ``(idx, result)`` from any worker; fail if a worker died or on timeout."""
        deadline = time.monotonic() + self._timeout if self._timeout else None
        while True:
            wait = _worker._POLL_S
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                return self._result_queue.get(timeout=wait)
            except queue.Empty:
                dead = [str(w.pid) for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown(grace=0)
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(dead)}) exited "
                                       f"unexpectedly") from None
                if deadline is not None and time.monotonic() >= deadline:
                    self._shutdown(grace=0)
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} "
                                       f"seconds") from None

    def __next__(self):
        try:
            return self._next_batch()
        except StopIteration:
            raise
        except BaseException:
            # KeyboardInterrupt (the workers ignore SIGINT) or any other failure here: stop the
            # workers at once rather than when this iterator is collected.
            self._shutdown(grace=0)
            raise

    def _next_batch(self):
        while self._rcvd_idx not in self._results:
            if self._rcvd_idx >= self._send_idx:
                self._shutdown()
                raise StopIteration
            idx, result = self._get_result()
            self._results[idx] = result
        result = self._results.pop(self._rcvd_idx)
        self._rcvd_idx += 1
        if isinstance(result, _worker.ExceptionWrapper):
            self._shutdown()
            result.reraise()
        self._put_task()
        return _worker.unpack(pickle.loads(result))

    def _shutdown(self, grace=_SHUTDOWN_GRACE_S):
        """Stop the workers and close the queues.

        The workers get ``grace`` seconds in all to finish their current task and exit; any
        still running then are terminated, and killed if SIGTERM does not end them.
        """
        if not self._alive:
            return
        self._alive = False
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                index_queue.put(None)
            _join_all(self._workers, grace)
        finally:
            for worker in self._workers:
                if worker.is_alive():
                    worker.terminate()
            if not _join_all(self._workers, _KILL_WAIT_S):
                for worker in self._workers:
                    if worker.is_alive():
                        worker.kill()
                _join_all(self._workers, _KILL_WAIT_S)
            for q in self._index_queues + [self._result_queue]:
                q.cancel_join_thread()
                q.close()

    def __del__(self):
        if getattr(self, "_alive", False):
            self._shutdown()


def _join_all(workers, seconds):
    """Wait at most ``seconds`` in all for ``workers`` to exit; whether all of them did."""
    deadline = time.monotonic() + seconds
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))
    return not any(worker.is_alive() for worker in workers)
