"""Variable-length batches for recurrent layers, as ``torch.nn.utils.rnn``.

A ``PackedSequence`` holds the steps of a batch sorted by decreasing length, time-major:
``data[offset_t : offset_t + batch_sizes[t]]`` are the ``batch_sizes[t]`` sequences still running
at step t.  ``sorted_indices[k]`` is the original position of the k-th longest sequence and
``unsorted_indices`` its inverse.  Conversions are gathers (differentiable)."""
from collections import namedtuple

import numpy as np

from ..._tensor import Tensor
from ...ops.creation import from_numpy, full, tensor
from ...ops.shape import cat, stack

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence"]


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of variable-length sequences packed for the recurrent layers, as
    PyTorch's: the named tuple (data, batch_sizes, sorted_indices, unsorted_indices).  ``data``
    holds the steps time-major, longest sequences first: the first ``batch_sizes[0]`` rows are
    step 0 of every sequence, the next ``batch_sizes[1]`` step 1 of those still running, and so
    on; ``sorted_indices[k]`` is the original position of the k-th longest sequence (None when
    the batch came sorted) and ``unsorted_indices`` its inverse.  Made by ``pack_padded_sequence``
    and ``pack_sequence``, not by hand.

    Shape: data (sum of lengths, *); batch_sizes (max length); sorted_indices and
    unsorted_indices (N).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.rnn import pack_sequence
        >>> packed = pack_sequence([yingshe.tensor([1.0, 2.0, 3.0]), yingshe.tensor([4.0, 5.0])])
        >>> packed.data, packed.batch_sizes
        (tensor([1., 4., 2., 5., 3.]), tensor([2, 2, 1]))
    """

    def __new__(cls, data, batch_sizes, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = from_numpy(np.argsort(sorted_indices.numpy()))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        return lengths.numpy().astype(np.int64)
    return np.asarray(lengths, dtype=np.int64)


def _batch_sizes(sorted_lengths):
    """How many sequences are still running at each step, for lengths sorted decreasingly."""
    steps = np.arange(int(sorted_lengths[0]))
    return (sorted_lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of sequences of the given ``lengths`` into a
    ``PackedSequence``, so that a recurrent layer runs each sequence for its own length only (and
    its h_n is each sequence's last real step).  ``enforce_sorted=True`` requires lengths in
    decreasing order; ``False`` sorts them and records the order.  A gather: differentiable.

    Shape: input (T, N, *) (or (N, T, *) with ``batch_first``); lengths (N), each in [1, T];
    output data (sum of lengths, *).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.rnn import pack_padded_sequence
        >>> padded = yingshe.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0], [6.0, 0.0, 0.0]])
        >>> packed = pack_padded_sequence(padded, [3, 2, 1], batch_first=True)
        >>> packed.data, packed.batch_sizes  # step 0 of all, step 1 of two, step 2 of one
        (tensor([1., 4., 6., 2., 5., 3.]), tensor([3, 2, 1]))
    """
    lengths = _lengths_array(lengths)
    if batch_first:
        input = input.transpose(0, 1)
    steps, n = input.shape[:2]
    if len(lengths) != n:
        raise ValueError(f"pack_padded_sequence: {len(lengths)} lengths for a batch of {n}")
    if lengths.min() <= 0 or lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: lengths must be in [1, {steps}], got "
                           f"{lengths.tolist()}")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(f"pack_padded_sequence: `lengths` array must be sorted in "
                               f"decreasing order when `enforce_sorted` is True, got "
                               f"{lengths.tolist()}")
        order = np.arange(n)
        sorted_indices = unsorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = from_numpy(order)
        unsorted_indices = from_numpy(np.argsort(order))
    batch_sizes = _batch_sizes(lengths[order])
    rows = np.concatenate([t * n + order[:b] for t, b in enumerate(batch_sizes)])
    data = input.reshape((steps * n,) + tuple(input.shape[2:]))[rows]
    return PackedSequence(data, from_numpy(batch_sizes), sorted_indices, unsorted_indices)


def padded_rows(batch_sizes, steps=None):
    """For a (steps x N) padded layout of packed data: the packed row of each (t, k) position in
    sorted order, or len(data) (a padding row) where sequence k has ended."""
    batch_sizes = np.asarray(batch_sizes, dtype=np.int64)
    n, total = int(batch_sizes[0]), int(batch_sizes.sum())
    steps = len(batch_sizes) if steps is None else steps
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    k = np.arange(n)
    index = np.full((steps, n), total, np.int64)
    index[:len(batch_sizes)] = np.where(k[None, :] < batch_sizes[:, None],
                                        offsets[:, None] + k[None, :], total)
    return index


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of ``pack_padded_sequence``: (padded, lengths), the
    sequences in their original batch order, padded with ``padding_value`` to the longest (or to
    ``total_length``).

    Shape: sequence data (sum of lengths, *); padded (T, N, *) (or (N, T, *) with
    ``batch_first``), T the longest length or ``total_length``; lengths (N).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> a, b = yingshe.tensor([1.0, 2.0]), yingshe.tensor([3.0, 4.0, 5.0])
        >>> padded, lengths = pad_packed_sequence(pack_sequence([a, b], enforce_sorted=False),
        ...                                       batch_first=True)
        >>> padded, lengths
        (tensor([[1., 2., 0.],
                [3., 4., 5.]]), tensor([2, 3]))
    """
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = batch_sizes.numpy()
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: total_length={total_length} is shorter than "
                             f"the longest sequence ({steps})")
        steps = total_length
    index = padded_rows(sizes, steps)
    lengths = (index < int(sizes.sum())).sum(axis=0)
    if unsorted_indices is not None:
        order = unsorted_indices.numpy()
        index, lengths = index[:, order], lengths[order]
    padding = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, padding])[index]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tensor(lengths.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths into one tensor, padded with
    ``padding_value`` at the end (``padding_side='right'``) or the start (``'left'``).

    Shape: sequences (L_i, *) with the same trailing dims; output (max L_i, N, *) (or
    (N, max L_i, *) with ``batch_first``).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.rnn import pad_sequence
        >>> pad_sequence([yingshe.tensor([1.0, 2.0, 3.0]), yingshe.tensor([4.0])], batch_first=True)
        tensor([[1., 2., 3.],
                [4., 0., 0.]])
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    longest = max(s.shape[0] for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    padded = []
    for s in sequences:
        gap = longest - s.shape[0]
        if gap:
            fill = full((gap,) + trailing, padding_value, dtype=s.dtype)
            s = cat([s, fill]) if padding_side == "right" else cat([fill, s])
        padded.append(s)
    return stack(padded, dim=0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (longest first, unless ``enforce_sorted=False``):
    ``pad_sequence`` then ``pack_padded_sequence``.

    Shape: sequences (L_i, *); output data (sum L_i, *).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.rnn import pack_sequence
        >>> packed = pack_sequence([yingshe.randn(5, 4), yingshe.randn(2, 4)])
        >>> packed.data.shape, packed.batch_sizes
        (yingshe.Size([7, 4]), tensor([2, 2, 1, 1, 1]))
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
