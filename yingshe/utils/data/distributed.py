"""``DistributedSampler``: each of ``num_replicas`` processes reads its own share of a dataset,
``torch.utils.data.distributed.DistributedSampler`` with PyTorch's semantics.

Every rank draws the same permutation of the dataset (seeded with ``seed + epoch``, so all
ranks agree without talking to each other), pads it with its own first indices to a multiple of
``num_replicas`` (or, with ``drop_last``, cuts the tail), and keeps every ``num_replicas``-th
index from its ``rank`` on: the shards are disjoint, equally long, and together cover the
dataset.  Without ``shuffle`` the index lists are exactly PyTorch's.  With it, the permutation
is ``yingshe.randperm(n, generator=yingshe.Generator().manual_seed(seed + epoch))`` (NumPy's
PCG64), a different permutation from PyTorch's Mersenne Twister one, sharded the same way."""
import math

import numpy as np

from ...distributed import get_rank, get_world_size
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The indices rank ``rank`` of ``num_replicas`` reads each epoch (defaults: the default
    process group's rank and world size).  Call ``set_epoch(epoch)`` before each epoch for a new
    order; ``len`` is the shard's length, ``num_samples``.

    Examples:
        Five samples over two ranks: rank 1 pads its shard with index 0.

        >>> from yingshe.utils.data import DistributedSampler
        >>> [list(DistributedSampler(range(5), num_replicas=2, rank=rank, shuffle=False))
        ...  for rank in range(2)]
        [[0, 2, 4], [1, 3, 0]]
        >>> sampler = DistributedSampler(range(5), num_replicas=2, rank=0)
        >>> sampler.set_epoch(1)                     # before each epoch: a new shuffle
        >>> len(sampler)
        3
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = get_world_size()
        if rank is None:
            rank = get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle, self.seed = shuffle, seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            generator = np.random.Generator(np.random.PCG64(self.seed + self.epoch))
            indices = generator.permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:  # repeat the list as often as needed, as PyTorch does for tiny datasets
            padding = self.total_size - n
            indices += (indices * math.ceil(padding / n))[:padding] if padding else []
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Make the next pass draw the permutation of ``epoch`` (the same on every rank)."""
        self.epoch = epoch
