"""Datasets: map-style ``Dataset`` and its combinators, ``IterableDataset``, ``random_split``."""
import bisect
import math
import numbers
import warnings

import numpy as np

from ... import _backend
from .collate import Batch


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and usually ``__len__``.

    A subclass may also define ``__getitems__(indices)`` to fetch a whole batch at once; see
    ``Batch`` for what ``DataLoader`` does with its result.

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import DataLoader, Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 5
        ...     def __getitem__(self, index):
        ...         return yingshe.tensor([float(index)]), index ** 2
        >>> Squares()[3]
        (tensor([3.]), 9)
        >>> x, y = next(iter(DataLoader(Squares(), batch_size=4)))
        >>> x.shape, y
        (yingshe.Size([4, 1]), tensor([0, 1, 4, 9]))
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__``. ``DataLoader`` batches the stream
    in order (no sampler, no shuffle).

    Examples:
        >>> from yingshe.utils.data import DataLoader, IterableDataset
        >>> class Countdown(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(5, 0, -1))
        >>> [batch.tolist() for batch in DataLoader(Countdown(), batch_size=2)]
        [[5, 4], [3, 2], [1]]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other):
        raise TypeError("IterableDataset does not support concatenation with +")


class TensorDataset(Dataset):
    """Samples are the rows of several tensors that share their first dimension.

    Shape:
        tensors ``(N, *)``, each its own trailing shape; item ``i`` is the tuple of rows
        ``(t[i] for t in tensors)``, each of shape ``(*)``; ``len`` is ``N``.

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import DataLoader, TensorDataset
        >>> features, labels = yingshe.arange(10.0).reshape(5, 2), yingshe.arange(5)
        >>> dataset = TensorDataset(features, labels)
        >>> len(dataset), dataset[1]
        (5, (tensor([2., 3.]), tensor(1)))
        >>> for x, y in DataLoader(dataset, batch_size=2):
        ...     print(x.shape, y)
        yingshe.Size([2, 2]) tensor([0, 1])
        yingshe.Size([2, 2]) tensor([2, 3])
        yingshe.Size([1, 2]) tensor([4])
    """

    def __init__(self, *tensors):
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors, first dimensions "
                             f"are {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        """A whole batch with one fancy index per tensor, as a ``Batch``."""
        rows = np.asarray(indices, dtype=np.int64)
        return Batch(t[rows] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0] if self.tensors else 0


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order:
    ``subset[i] = dataset[indices[i]]``.

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import Subset, TensorDataset
        >>> dataset = TensorDataset(yingshe.arange(5))
        >>> subset = Subset(dataset, [4, 0])
        >>> len(subset), subset[0]
        (2, (tensor(4),))
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        """Map ``indices`` and use the inner dataset's ``__getitems__`` when it has one."""
        mapped = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(mapped)
        return [self.dataset[i] for i in mapped]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other: index ``i`` falls in the first dataset
    whose ``cumulative_sizes`` entry exceeds it.

    ``dataset_a + dataset_b`` builds one.

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import ConcatDataset, TensorDataset
        >>> a, b = TensorDataset(yingshe.arange(3)), TensorDataset(yingshe.arange(10, 12))
        >>> both = ConcatDataset([a, b])
        >>> len(both), both[3], both.cumulative_sizes
        (5, (tensor(10),), [3, 5])
        >>> len(a + b)
        5
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        if idx >= len(self):
            raise IndexError(f"index {idx} is out of range for a dataset of length {len(self)}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def _split_lengths(lengths, n):
    """Integer lengths from ints or fractions (torch's rule: floor, then round-robin)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              f"empty dataset.")
        return sizes
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are sizes summing to ``len(dataset)`` or fractions summing to 1.
    ``generator`` is a ``yingshe.Generator`` or a ``numpy.random.Generator`` (default: the
    framework's CPU generator).

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import TensorDataset, random_split
        >>> dataset = TensorDataset(yingshe.arange(10))
        >>> generator = yingshe.Generator().manual_seed(0)
        >>> train, val = random_split(dataset, [0.8, 0.2], generator=generator)
        >>> len(train), len(val), sorted(train.indices + val.indices) == list(range(10))
        (8, 2, True)
    """
    n = len(dataset)
    sizes = _split_lengths(list(lengths), n)
    if sum(sizes) != n or any(isinstance(s, bool) or not isinstance(s, numbers.Integral)
                              or s < 0 for s in sizes):
        raise ValueError(f"random_split: lengths {list(lengths)} must be non-negative and sum "
                         f"to the dataset size {n} (or be fractions summing to 1)")
    perm = _backend.rng(generator, "cpu").permutation(n).tolist()
    ends = np.cumsum(sizes).tolist()
    return [Subset(dataset, perm[end - int(size):end]) for size, end in zip(sizes, ends)]
