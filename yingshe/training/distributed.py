"""Training across the ranks of ``yingshe.distributed`` (``mpiexec -n N yingshe train ...``):
synchronous data parallelism, each rank on its shard of every epoch, gradients averaged by
``DistributedDataParallel`` (Goyal et al. 2017, "Accurate, Large Minibatch SGD", §2: with the
global batch fixed, N ranks take the steps one process would).

* The global batch is the run's ``batch_size``; each rank takes ``batch_size / N`` of it, from
  a ``DistributedSampler`` reshuffled each epoch (``set_epoch``).
* Evaluation splits the images into N strided shards (no padding, so no image counts twice)
  and all-reduces the sums, so every rank gets the figures of the whole set.
* Only rank 0 writes: the run folder, checkpoints, curves, the log.  A checkpoint holds the
  plain module's weights (no ``module.`` prefix), so a run resumes, is evaluated and predicts
  with any number of processes, one included.
"""
import numpy as np

from .. import distributed as dist
from .._tensor import Tensor
from ..nn.parallel import DistributedDataParallel
from ..utils.data import DataLoader, DistributedSampler, Subset
from .trainer import Trainer

__all__ = ["active", "is_main_process", "main_process_log", "on_main_process", "train_loader",
           "evaluation_loader", "DistributedTrainer"]


def active():
    """Whether a process group of more than one rank is running."""
    return dist.is_initialized() and dist.get_world_size() > 1


def is_main_process():
    """Rank 0, or the only process."""
    return not active() or dist.get_rank() == 0


def main_process_log(log):
    """``log`` on rank 0; on the other ranks a log that prints nothing."""
    return log if is_main_process() else (lambda *args, **kwargs: None)


def on_main_process(write, *args):
    """Run ``write(*args)`` on rank 0 only; the other ranks wait until it has finished (so a
    file it writes is complete when any rank goes on to read it)."""
    if is_main_process():
        write(*args)
    if active():
        dist.barrier()


def train_loader(dataset, batch_size, seed, workers=0):
    """This rank's loader of ``dataset``: ``batch_size / world size`` images per step from a
    ``DistributedSampler`` seeded with ``seed``.  The global batch must split evenly."""
    world = dist.get_world_size()
    if batch_size % world:
        raise ValueError(f"the batch size {batch_size} (the global batch) does not split "
                         f"evenly over {world} processes; give a multiple of {world}")
    sampler = DistributedSampler(dataset, shuffle=True, seed=seed)
    return DataLoader(dataset, batch_size=batch_size // world, sampler=sampler,
                      num_workers=workers)


def evaluation_loader(dataset, batch_size):
    """A loader of this rank's strided shard of ``dataset`` (images rank, rank + N, ...)."""
    shard = Subset(dataset, range(dist.get_rank(), len(dataset), dist.get_world_size()))
    return DataLoader(shard, batch_size=batch_size)


def _global_means(means, count):
    """{name: mean over every rank's ``count`` items} from each rank's {name: mean}."""
    names = sorted(means)
    sums = Tensor._make(np.array([means[name] * count for name in names] + [count], np.float64))
    dist.all_reduce(sums)
    total = sums._data[-1]
    return {name: float(value / total) for name, value in zip(names, sums._data[:-1])}


class DistributedTrainer(Trainer):
    """``Trainer`` for one rank of a data-parallel run: the forward pass goes through
    ``DistributedDataParallel(model)`` (``self.ddp``), while ``self.model`` stays the plain
    module that checkpoints, evaluation and callbacks see.  Figures of an epoch are those of
    all ranks together; checkpoints are written by rank 0."""

    def __init__(self, model, optimizer, loss_fn, **options):
        super().__init__(model, optimizer, loss_fn, **options)
        self.ddp = DistributedDataParallel(model)

    def forward(self, inputs):
        return self.ddp(inputs)

    def train_epoch(self, loader):
        loader.sampler.set_epoch(self.epoch)
        return _global_means(super().train_epoch(loader), len(loader.sampler))

    def evaluate(self, loader):
        return _global_means(super().evaluate(loader), len(loader.dataset))

    def save_checkpoint(self, path):
        on_main_process(super().save_checkpoint, path)
