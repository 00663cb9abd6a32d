"""Turning a list of samples into a batch: ``default_collate`` and ``default_convert``.

Rules (as ``torch.utils.data.default_collate``): tensors are stacked along a new first
dimension, NumPy arrays and NumPy scalars become tensors, Python ints an int64 tensor
(bools a bool tensor), Python floats a float64 tensor, strings stay a list, and
mappings, named tuples and sequences are collated field by field (a tuple of fields
comes back as a list, like PyTorch). A ``Batch`` is already a batch and passes through.
"""
import collections.abc
import re

import numpy as np

from ..._dtype import float64
from ..._tensor import Tensor
from ...ops.creation import as_tensor, from_numpy, tensor
from ...ops.shape import stack

_NP_STR_OBJ = re.compile(r"[SaUO]")
_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                "dicts or lists; found {}")


class Batch(tuple):
    """A tuple of already-batched fields, as returned by a dataset's ``__getitems__``.

    ``DataLoader`` calls ``dataset.__getitems__(indices)`` once per batch when the dataset
    has it and hands the result to ``collate_fn``. ``default_collate`` returns a ``Batch``
    unchanged, so an in-memory dataset (``TensorDataset``) builds a whole batch with one
    fancy index per field instead of stacking ``batch_size`` separate samples.

    Examples:
        >>> import yingshe
        >>> from yingshe.utils.data import Batch, TensorDataset, default_collate
        >>> dataset = TensorDataset(yingshe.arange(6.0).reshape(3, 2), yingshe.arange(3))
        >>> batch = dataset.__getitems__([0, 2])
        >>> isinstance(batch, Batch), default_collate(batch) is batch
        (True, True)
        >>> batch
        (tensor([[0., 1.],
                [4., 5.]]), tensor([0, 2]))
    """

    __slots__ = ()


def _is_numpy(obj):
    return type(obj).__module__ == "numpy" and not isinstance(obj, (np.str_, np.bytes_))


def default_collate(batch):
    """Merge a list of samples into a batch of tensors, as ``torch.utils.data.default_collate``.

    Tensors are stacked along a new first dimension, NumPy arrays and scalars become tensors,
    Python ints an int64 tensor, floats a float64 one, strings stay a list; mappings, named
    tuples and sequences are collated field by field (a tuple of fields comes back as a list).
    A ``Batch`` passes through unchanged.

    Shape:
        ``batch_size`` tensors of shape ``(*)`` become one of shape ``(batch_size, *)``.

    Examples:
        >>> import numpy as np
        >>> import yingshe
        >>> from yingshe.utils.data import default_collate
        >>> default_collate([(yingshe.zeros(3), 1), (yingshe.ones(3), 0)])
        [tensor([[0., 0., 0.],
                [1., 1., 1.]]), tensor([1, 0])]
        >>> batch = default_collate([{"x": np.zeros(2), "y": 1.5}, {"x": np.ones(2), "y": 2.5}])
        >>> batch["x"].shape, batch["y"]
        (yingshe.Size([2, 2]), tensor([1.5000, 2.5000], dtype=yingshe.float64))
    """
    if isinstance(batch, Batch):
        return batch
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if _is_numpy(elem):
        if isinstance(elem, np.ndarray) and elem.shape != ():
            if _NP_STR_OBJ.search(elem.dtype.str) is not None:
                raise TypeError(_COLLATE_ERR.format(elem.dtype))
            return from_numpy(np.stack(batch))
        return as_tensor(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_COLLATE_ERR.format(type(elem)))


def default_convert(data):
    """Convert one unbatched sample: NumPy arrays become tensors, containers are walked.

    Used as the collate function when automatic batching is off (``batch_size=None``).

    Examples:
        >>> import numpy as np
        >>> from yingshe.utils.data import default_convert
        >>> default_convert((np.arange(3), "label"))
        [tensor([0, 1, 2]), 'label']
    """
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if isinstance(data, np.ndarray) and _NP_STR_OBJ.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        fields = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(fields)
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
