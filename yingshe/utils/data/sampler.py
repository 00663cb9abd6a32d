"""Samplers: which indices a ``DataLoader`` fetches, in what order, in what groups.

Random samplers take an optional ``yingshe.Generator`` (or ``numpy.random.Generator``); without
one they draw from the framework's CPU generator, so ``yingshe.manual_seed`` makes them
reproducible.
"""
import numpy as np

from ... import _backend

_SEED_HIGH = 1 << 63


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``.

    Examples:
        >>> from yingshe.utils.data import DataLoader, Sampler
        >>> class EvenFirst(Sampler):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter([*range(0, self.n, 2), *range(1, self.n, 2)])
        ...     def __len__(self):
        ...         return self.n
        >>> list(EvenFirst(5))
        [0, 2, 4, 1, 3]
        >>> [b.tolist() for b in DataLoader(list(range(10, 15)), batch_size=3,
        ...                                 sampler=EvenFirst(5))]
        [[10, 12, 14], [11, 13]]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """The indices 0, 1, ..., len(data_source) - 1 in order (``DataLoader``'s default without
    ``shuffle``).

    Examples:
        >>> from yingshe.utils.data import SequentialSampler
        >>> list(SequentialSampler(["a", "b", "c"]))
        [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices: a permutation (or ``num_samples`` draws with ``replacement``).

    Without ``generator`` each pass seeds a fresh generator from the framework generator,
    so successive epochs differ and ``yingshe.manual_seed`` fixes them all.

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import RandomSampler
        >>> sampler = RandomSampler(range(5), generator=yingshe.Generator().manual_seed(0))
        >>> sorted(sampler)                          # each index once, in a random order
        [0, 1, 2, 3, 4]
        >>> len(list(RandomSampler(range(5), replacement=True, num_samples=8)))
        8
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if isinstance(self.num_samples, bool) or not isinstance(self.num_samples, int) \
                or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        """How many indices an epoch yields (the dataset's length unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if self.generator is None:
            seed = int(_backend.generator("cpu").integers(0, _SEED_HIGH))
            gen = np.random.Generator(np.random.PCG64(seed))
        else:
            gen = _backend.rng(self.generator, "cpu")
        if self.replacement:
            yield from gen.integers(0, n, size=self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from gen.permutation(n).tolist()
        yield from gen.permutation(n)[:self.num_samples % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new one each pass).

    Examples:
        >>> from yingshe.utils.data import SubsetRandomSampler
        >>> sampler = SubsetRandomSampler([1, 3, 5])  # e.g. the validation indices
        >>> len(sampler), sorted(sampler)
        (3, [1, 3, 5])
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _backend.rng(self.generator, "cpu").permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (last one may be short
    unless ``drop_last``).

    Examples:
        >>> from yingshe.utils.data import BatchSampler, SequentialSampler
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=True))
        [[0, 1], [2, 3]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
