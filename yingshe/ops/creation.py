"""Making tensors: from data, filled with constants, ranges, and random draws."""
import numbers

import numpy as np

from .. import _backend, _dtype
from .._tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
           "linspace", "eye", "rand", "randn", "randint", "randperm", "normal", "zeros_like",
           "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "randint_like"]


def _array_from_data(data, dtype, device, copy):
    """A raw array for ``data`` with PyTorch's dtype inference: Python floats and float64 NumPy
    input become the default float dtype (float32), Python ints int64, unless ``dtype`` is given."""
    np_dtype = _dtype.to_np(dtype)
    if isinstance(data, Tensor):
        array = data._data
        if device is None:
            device = data.device
    elif hasattr(data, "__cuda_array_interface__") or isinstance(data, np.ndarray):
        array = data
        if device is None:
            device = _backend.device_of(data)
    else:
        array = np.array(_unwrap_nested(data))
        if array.dtype == object:
            raise TypeError(f"tensor: could not convert data of type {type(data).__name__} "
                            "to a numeric array (ragged nesting or non-numeric items?)")
        copy = False
    if np_dtype is None:
        if array.dtype == np.float64 and not isinstance(data, Tensor):
            np_dtype = _dtype.get_default_dtype().np
        elif array.dtype.kind in "iu" and not isinstance(data, (Tensor, np.ndarray)) \
                and not hasattr(data, "__cuda_array_interface__"):
            np_dtype = np.dtype(np.int64)
        else:
            _dtype.from_np(array.dtype)  # raises for dtypes we do not support
    if device is None:
        device = "cpu"
    xp = _backend.array_module(device)
    array = _backend.to_device(array, device)
    if np_dtype is not None and array.dtype != np_dtype:
        return array.astype(np_dtype)
    return array.copy() if copy else xp.asarray(array)


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return _backend.to_device(data._data, "cpu")
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    return data


def _finish(array, requires_grad):
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (list, scalar, array or tensor)."""
    return _finish(_array_from_data(data, dtype, device, copy=True), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array when dtype and device allow it."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray) and dtype is None:
        _dtype.from_np(data.dtype)
        return Tensor._make(_backend.to_device(data, device or "cpu"))
    return _finish(_array_from_data(data, dtype, device, copy=False), False)


def from_numpy(array):
    """A CPU tensor that shares memory (and dtype) with a NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    _dtype.from_np(array.dtype)
    return Tensor._make(array)


def _size(size, op):
    """Accept f(2, 3), f((2, 3)) and f([2, 3])."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}: size must be integers or one tuple of integers, got {size!r}") from None
    if any(s < 0 for s in size):
        raise RuntimeError(f"{op}: negative dimension in size {size}")
    return size


def _float_dtype(dtype):
    return _dtype.to_np(dtype) if dtype is not None else _dtype.get_default_dtype().np


def zeros(*size, dtype=None, device=None, requires_grad=False):
    xp = _backend.array_module(device or "cpu")
    return _finish(xp.zeros(_size(size, "zeros"), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    xp = _backend.array_module(device or "cpu")
    return _finish(xp.ones(_size(size, "ones"), _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    xp = _backend.array_module(device or "cpu")
    return _finish(xp.empty(_size(size, "empty"), _float_dtype(dtype)), requires_grad)


def _scalar_dtype(value):
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    return _dtype.get_default_dtype().np


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """Filled with ``fill_value``; the dtype follows the value (int64, bool, or float32) unless given."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    xp = _backend.array_module(device or "cpu")
    np_dtype = _dtype.to_np(dtype) if dtype is not None else _scalar_dtype(fill_value)
    return _finish(xp.full(_size((size,), "full"), fill_value, np_dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` (inclusive) to ``end`` (exclusive); int64 when all bounds are integers."""
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        integral = all(isinstance(v, numbers.Integral) for v in values)
        np_dtype = np.dtype(np.int64) if integral else _dtype.get_default_dtype().np
    else:
        np_dtype = _dtype.to_np(dtype)
    xp = _backend.array_module(device or "cpu")
    return _finish(xp.arange(*values, dtype=np.float64 if np_dtype.kind == "f" else None)
                   .astype(np_dtype), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    xp = _backend.array_module(device or "cpu")
    return _finish(xp.linspace(start, end, int(steps)).astype(_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    xp = _backend.array_module(device or "cpu")
    return _finish(xp.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad)


def _random_floats(draw, size, dtype, device, requires_grad):
    np_dtype = _float_dtype(dtype)
    if np_dtype.kind != "f":
        raise TypeError(f"random floats need a floating dtype, got {np_dtype}")
    gen = _backend.generator(device or "cpu")
    work_dtype = np_dtype if np_dtype != np.float16 else np.dtype(np.float32)
    array = draw(gen, size, work_dtype).astype(np_dtype, copy=False)
    return _finish(array, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    return _random_floats(lambda g, s, d: g.random(s, dtype=d), _size(size, "rand"),
                          dtype, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal N(0, 1)."""
    return _random_floats(lambda g, s, d: g.standard_normal(s, dtype=d), _size(size, "randn"),
                          dtype, device, requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high); ``randint(high, size)`` like PyTorch."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: size must be given as a tuple, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low} and high={high}")
    gen = _backend.generator(device or "cpu")
    np_dtype = _dtype.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    return _finish(gen.integers(low, high, _size((size,), "randint")).astype(np_dtype),
                   requires_grad)


def randperm(n, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1."""
    gen = _backend.generator(device or "cpu")
    np_dtype = _dtype.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    return _finish(gen.permutation(int(n)).astype(np_dtype), requires_grad)


def normal(mean=0.0, std=1.0, size=None, dtype=None, device=None, requires_grad=False):
    """Draws from N(mean, std^2): scalars with ``size``, or tensors of means/stds (broadcast)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        mean_a = mean._data if isinstance(mean, Tensor) else mean
        std_a = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(mean_a), np.shape(std_a))
        noise = randn(shape, dtype=ref.dtype, device=ref.device)._data
        return _finish((mean_a + std_a * noise).astype(ref._data.dtype, copy=False), requires_grad)
    if size is None:
        raise TypeError("normal: with scalar mean and std, size must be given")
    if std < 0:
        raise RuntimeError(f"normal: std must be >= 0, got {std}")
    t = randn(_size((size,), "normal"), dtype=dtype, device=device)
    return _finish(t._data * t._data.dtype.type(std) + t._data.dtype.type(mean), requires_grad)


def _like(input, dtype, device):
    return (input.dtype if dtype is None else dtype), (input.device if device is None else device)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return zeros(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return ones(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return empty(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return rand(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return randn(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low, high=None, dtype=None, device=None):
    dtype, device = _like(input, dtype, device)
    return randint(low, high, input.shape, dtype=dtype, device=device)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(self, dtype, device)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(self, dtype, device)
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(self, dtype, device)
    return ones(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(self, dtype, device)
    return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(self, dtype, device)
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


TENSOR_METHODS = {"new_tensor": _new_tensor, "new_zeros": _new_zeros, "new_ones": _new_ones,
                  "new_full": _new_full, "new_empty": _new_empty}
