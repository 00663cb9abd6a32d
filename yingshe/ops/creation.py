"""Making tensors: from data, filled with constants, ranges, and random draws."""
import numbers
import operator

import numpy as np

from .. import _backend, _dtype
from .._tensor import Tensor
from ..autograd.function import Op
from ._out import write_factory_out, write_out

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
           "linspace", "logspace", "eye", "rand", "randn", "randint", "randperm", "normal",
           "bernoulli", "multinomial", "zeros_like", "ones_like", "full_like", "empty_like",
           "rand_like", "randn_like", "randint_like", "Generator", "default_generator",
           "manual_seed", "get_rng_state", "set_rng_state", "result_type"]


def _array_from_data(data, dtype, device, copy):
    """A raw array for ``data`` with PyTorch's dtype inference (unless ``dtype`` is given):
    tensors, NumPy arrays and NumPy scalars keep their dtype; Python floats become the default
    dtype, ints int64, bools bool; a sequence takes the promotion of its items' dtypes
    (``[1, 2.5]`` is float32, ``[np.float64(1), 2]`` float64; an empty one the default float)."""
    np_dtype = _dtype.to_np(dtype)
    if isinstance(data, Tensor):
        array = data._data
        if device is None:
            device = data.device
    elif hasattr(data, "__cuda_array_interface__") or isinstance(data, np.ndarray):
        array = data
        if device is None:
            device = _backend.device_of(data)
        if np_dtype is None:
            _check_array_dtype(array.dtype)
    else:
        if np_dtype is None:
            np_dtype = _inferred_dtype(data)
            np_dtype = _dtype.get_default_dtype().np if np_dtype is None else np_dtype
        array = _nested_array(data, np_dtype)
        copy = False
    if device is None:
        device = "cpu"
    array = _backend.to_device(array, device)
    if np_dtype is not None and array.dtype != np_dtype:
        return array.astype(np_dtype)
    return array.copy() if copy else _backend.array_module(device).asarray(array)


def _check_array_dtype(np_dtype):
    if np_dtype not in _dtype._FROM_NP:
        raise TypeError(f"can't convert an array of dtype {np_dtype}: the supported dtypes are "
                        f"{', '.join(d.name for d in _dtype._ALL)}")


_PYTHON_SCALARS = {bool: np.dtype(np.bool_), int: np.dtype(np.int64), float: None}


def _scalar_type(kind):
    """The NumPy dtype a Python scalar type stands for (floats: the default dtype)."""
    np_dtype = _PYTHON_SCALARS[kind]
    return _dtype.get_default_dtype().np if np_dtype is None else np_dtype


def _inferred_dtype(data):
    """The dtype PyTorch infers for ``data`` (None for an empty sequence)."""
    if isinstance(data, (np.ndarray, np.generic)):
        _check_array_dtype(data.dtype)
        return data.dtype
    if isinstance(data, Tensor):
        if data._data.size != 1 or data._data.ndim:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"(a tensor of shape {tuple(data.shape)} inside a sequence)")
        return data._data.dtype
    if isinstance(data, (list, tuple, range)):
        kinds = set(map(type, data))
        result = None
        for kind in kinds & _PYTHON_SCALARS.keys():
            result = _dtype._promote(result, _scalar_type(kind))
        if kinds - _PYTHON_SCALARS.keys():
            for item in data:
                if type(item) not in _PYTHON_SCALARS:
                    result = _dtype._promote(result, _inferred_dtype(item))
        return result
    if isinstance(data, numbers.Real):  # bool, int, float and their kin (e.g. Fraction)
        return _scalar_type(bool if isinstance(data, bool) else
                            int if isinstance(data, numbers.Integral) else float)
    raise TypeError(f"tensor: could not infer a dtype for data of type {type(data).__name__} "
                    f"(expected numbers, sequences of numbers, NumPy arrays or tensors)")


def _nested_array(data, np_dtype):
    try:
        array = np.array(_unwrap_nested(data), dtype=np_dtype)
    except OverflowError as exc:
        raise ValueError(f"tensor: a value does not fit {_dtype.from_np(np_dtype)}: {exc}") \
            from None
    except ValueError as exc:
        raise ValueError(f"tensor: the nested sequences must be rectangular: {exc}") from None
    return array


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
    """A new tensor holding a copy of ``data`` (list, scalar, array or tensor), on ``device``, else
    on the default device if one was set (``set_default_device``), else where ``data`` is.

    The dtype, unless given, is inferred as PyTorch does: Python floats give the default float
    dtype, ints int64, bools bool, and a sequence the promotion of its items (``[1, 2.5]`` is
    float32); NumPy arrays and tensors keep theirs.

    Shape:
        Output: the nesting of ``data``: a list of m lists of n numbers gives (m, n), a number
        gives ().

    Examples:
        >>> import yingshe
        >>> yingshe.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> yingshe.tensor([1.0, 2.0], requires_grad=True)
        tensor([1., 2.], requires_grad=True)
        >>> yingshe.tensor([1, 2.5]).dtype, yingshe.tensor(3).shape
        (yingshe.float32, yingshe.Size([]))
    """
    if device is None:
        device = _backend.chosen_default_device()
    return _finish(_array_from_data(data, dtype, device, copy=True), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor without a copy where it can be: a NumPy array or a tensor whose dtype
    and device already fit is shared (writes to one show in the other); anything else is copied as
    by ``tensor``.

    Shape:
        Output: the shape of ``data``.

    Examples:
        >>> import numpy as np
        >>> import yingshe
        >>> a = np.array([1, 2, 3])
        >>> t = yingshe.as_tensor(a)
        >>> a[0] = -1  # t shares a's memory
        >>> t
        tensor([-1,  2,  3])
        >>> yingshe.as_tensor([1, 2], dtype=yingshe.float64)
        tensor([1., 2.], dtype=yingshe.float64)
    """
    if device is None:
        device = _backend.chosen_default_device()
    if isinstance(data, Tensor) and dtype is None and (device is None or device == data.device):
        return data
    if isinstance(data, np.ndarray) and dtype is None:
        _dtype.from_np(data.dtype)
        return Tensor._make(_backend.to_device(data, device or "cpu"))
    return _finish(_array_from_data(data, dtype, device, copy=False), False)


def from_numpy(array):
    """A CPU tensor that shares memory and dtype with the NumPy array ``array`` (no copy): writes to
    one show in the other.

    Shape:
        Output: ``array.shape``.

    Examples:
        >>> import numpy as np
        >>> import yingshe
        >>> a = np.zeros(3, dtype=np.float32)
        >>> t = yingshe.from_numpy(a)
        >>> t[1] = 5.0
        >>> a
        array([0., 5., 0.], dtype=float32)
    """
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


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of shape ``size`` filled with 0 (the default float dtype unless ``dtype``).

    Shape:
        Output: ``size``, given as ``zeros(2, 3)`` or ``zeros((2, 3))``.

    Examples:
        >>> import yingshe
        >>> yingshe.zeros(2, 3)
        tensor([[0., 0., 0.],
                [0., 0., 0.]])
        >>> yingshe.zeros((2,), dtype=yingshe.int64)
        tensor([0, 0])
    """
    if out is not None:
        return write_factory_out(out, "zeros", zeros, *size, dtype=dtype, device=device,
                                 requires_grad=requires_grad)
    xp = _backend.array_module(_backend.factory_device(device))
    return _finish(xp.zeros(_size(size, "zeros"), _float_dtype(dtype)), requires_grad)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of shape ``size`` filled with 1 (the default float dtype unless ``dtype``).

    Shape:
        Output: ``size``, given as ``ones(2, 3)`` or ``ones((2, 3))``.

    Examples:
        >>> import yingshe
        >>> yingshe.ones(2, dtype=yingshe.int64)
        tensor([1, 1])
        >>> yingshe.ones((2, 3)).shape
        yingshe.Size([2, 3])
    """
    if out is not None:
        return write_factory_out(out, "ones", ones, *size, dtype=dtype, device=device,
                                 requires_grad=requires_grad)
    xp = _backend.array_module(_backend.factory_device(device))
    return _finish(xp.ones(_size(size, "ones"), _float_dtype(dtype)), requires_grad)


def empty(*size, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of shape ``size`` whose values are not initialised (whatever the memory held):
    write every element before reading it.

    Shape:
        Output: ``size``, given as ``empty(2, 3)`` or ``empty((2, 3))``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.empty(2, 3)
        >>> x.shape, x.dtype
        (yingshe.Size([2, 3]), yingshe.float32)
        >>> x.fill_(1.0).sum()
        tensor(6.)
    """
    if out is not None:
        return write_factory_out(out, "empty", empty, *size, dtype=dtype, device=device,
                                 requires_grad=requires_grad)
    xp = _backend.array_module(_backend.factory_device(device))
    return _finish(xp.empty(_size(size, "empty"), _float_dtype(dtype)), requires_grad)


def _scalar_dtype(value):
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    return _dtype.get_default_dtype().np


def full(size, fill_value, dtype=None, device=None, requires_grad=False, *, out=None):
    """A tensor of shape ``size`` filled with ``fill_value``; unless ``dtype`` is given, the dtype
    follows the value: bool, int64 for an int, else the default float dtype.

    Shape:
        Output: ``size`` (a tuple).

    Examples:
        >>> import yingshe
        >>> yingshe.full((2, 2), 7)
        tensor([[7, 7],
                [7, 7]])
        >>> yingshe.full((3,), 0.5)
        tensor([0.5000, 0.5000, 0.5000])
    """
    if out is not None:
        return write_factory_out(out, "full", full, size, fill_value, dtype=dtype, device=device,
                                 requires_grad=requires_grad)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    xp = _backend.array_module(_backend.factory_device(device))
    np_dtype = _dtype.to_np(dtype) if dtype is not None else _scalar_dtype(fill_value)
    return _finish(xp.full(_size((size,), "full"), fill_value, np_dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False, *, out=None):
    """Values from ``start`` (inclusive) to ``end`` (exclusive) in steps of ``step``:
    out_i = start + i * step.  ``arange(end)`` starts at 0; the dtype is int64 when all bounds
    are integers, else the default float dtype.

    Shape:
        Output: (ceil((end - start) / step),).

    Examples:
        >>> import yingshe
        >>> yingshe.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> yingshe.arange(1, 2.5, 0.5)
        tensor([1.0000, 1.5000, 2.0000])
    """
    if out is not None:
        return write_factory_out(out, "arange", arange, start, end, step, dtype=dtype,
                                 device=device, requires_grad=requires_grad)
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
    xp = _backend.array_module(_backend.factory_device(device))
    return _finish(xp.arange(*values, dtype=np.float64 if np_dtype.kind == "f" else None)
                   .astype(np_dtype), requires_grad)


def _bound(value, op, name):
    """A linspace/logspace bound: a number or a 0-d tensor, as a Python number."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{op} only supports 0-dimensional start and end tensors, but got "
                               f"{name} with {value.ndim} dimension(s).")
        return value.item()
    return value


def _steps(steps, op):
    try:
        steps = operator.index(steps)
    except TypeError:
        raise TypeError(f"{op}: steps must be an integer, got {type(steps).__name__}") from None
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative, got {steps}")
    return steps


def _evenly_spaced(start, end, steps, np_dtype, op):
    """``steps`` values from ``start`` to ``end`` in float64, PyTorch's way: the bounds first
    converted to the result dtype, the first half counted up from start and the second half down
    from end (start + i step, end - (steps - 1 - i) step), so both ends are exact."""
    if np_dtype.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool")
    start, end = (float(np.asarray(v).astype(np_dtype)) for v in (start, end))
    i = np.arange(steps, dtype=np.float64)
    if steps == 1:
        return np.full(1, start)
    step = (end - start) / (steps - 1)
    return np.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i))


def _spaced_result(values, steps, np_dtype, device, requires_grad):
    device = _backend.factory_device(device)
    if _backend.device(device).type == "meta":
        return _finish(_backend.meta_empty((steps,), np_dtype), requires_grad)
    xp = _backend.array_module(device)
    return _finish(xp.asarray(values.astype(np_dtype)), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included:
    out_i = start + i * (end - start) / (steps - 1).  The default float dtype unless ``dtype`` is
    given (integer dtypes truncate toward zero).  As PyTorch, the first half is counted up from
    ``start`` and the second half down from ``end``, so both ends are exact.

    Shape:
        Output: (steps,).

    Examples:
        >>> import yingshe
        >>> yingshe.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
        >>> yingshe.linspace(0, 10, 4, dtype=yingshe.int64)
        tensor([ 0,  3,  6, 10])
    """
    if out is not None:
        return write_factory_out(out, "linspace", linspace, start, end, steps, dtype=dtype,
                                 device=device, requires_grad=requires_grad)
    start, end = _bound(start, "linspace", "start"), _bound(end, "linspace", "end")
    steps, np_dtype = _steps(steps, "linspace"), _float_dtype(dtype)
    values = _evenly_spaced(start, end, steps, np_dtype, "linspace")
    return _spaced_result(values, steps, np_dtype, device, requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, device=None,
             requires_grad=False):
    """``steps`` values evenly spaced on a log scale: out_i = base^(start + i (end - start) /
    (steps - 1)), from base^start to base^end.

    Shape:
        Output: (steps,).

    Examples:
        >>> import yingshe
        >>> yingshe.logspace(0, 3, 4)
        tensor([   1.,   10.,  100., 1000.])
        >>> yingshe.logspace(0, 3, 4, base=2)
        tensor([1., 2., 4., 8.])
    """
    if out is not None:
        return write_factory_out(out, "logspace", logspace, start, end, steps, base, dtype=dtype,
                                 device=device, requires_grad=requires_grad)
    start, end = _bound(start, "logspace", "start"), _bound(end, "logspace", "end")
    steps, np_dtype = _steps(steps, "logspace"), _float_dtype(dtype)
    if np_dtype.kind == "b":
        raise NotImplementedError("logspace: not implemented for bool")
    exponents = _evenly_spaced(start, end, steps, np.dtype(np.float64), "logspace")
    with np.errstate(invalid="ignore", over="ignore"):
        values = np.power(float(base), exponents)
    return _spaced_result(values, steps, np_dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False, *, out=None):
    """The n x m identity matrix (``m`` defaults to ``n``): out[i, j] = 1 if i = j, else 0.

    Shape:
        Output: (n, m).

    Examples:
        >>> import yingshe
        >>> yingshe.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
        >>> yingshe.eye(2, 3, dtype=yingshe.int64)
        tensor([[1, 0, 0],
                [0, 1, 0]])
    """
    if out is not None:
        return write_factory_out(out, "eye", eye, n, m, dtype=dtype, device=device,
                                 requires_grad=requires_grad)
    xp = _backend.array_module(_backend.factory_device(device))
    return _finish(xp.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad)


# ---- randomness ----------------------------------------------------------------------------
class Generator:
    """A random number generator (``torch.Generator``): a seed and the stream drawn from it.

    Every random function takes one as ``generator=``; the same seed gives the same stream.  On
    "cpu" the stream is NumPy's PCG64 (O'Neill, PCG: A Family of Simple Fast Space-Efficient
    Statistically Good Algorithms for Random Number Generation, 2014); ``get_state`` returns it
    as a uint8 tensor of 48 values (seed, 128-bit state, 128-bit increment, cached half word)
    that ``set_state`` restores.

    Shape:
        ``get_state()``: a uint8 tensor of shape (48,).

    Examples:
        >>> import yingshe
        >>> g = yingshe.Generator().manual_seed(0)
        >>> state = g.get_state()
        >>> a = yingshe.rand(3, generator=g)
        >>> b = yingshe.rand(3, generator=g.set_state(state))  # the same draws again
        >>> bool((a == b).all()), state.shape
        (True, yingshe.Size([48]))
    """
    __slots__ = ("_random_state",)

    def __init__(self, device="cpu"):
        self._random_state = _backend.RandomState(device)
        if self.device.type == "cuda":
            _backend._import_cupy()  # a clear error now rather than at the first draw

    @property
    def device(self):
        """The device whose random stream this generator draws."""
        return self._random_state.device

    def manual_seed(self, seed):
        """Reseed (integers in [-2^63, 2^64), negatives taken modulo 2^64); returns self."""
        self._random_state.manual_seed(seed)
        return self

    def seed(self):
        """Reseed from OS entropy; returns the seed."""
        seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self._random_state.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._random_state.seed

    def get_state(self):
        """The generator's whole state as a uint8 tensor, for ``set_state``."""
        return Tensor._make(self._random_state.get_state())

    def set_state(self, new_state):
        """Restore a state from ``get_state``; returns self."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a yingshe.ByteTensor, but got {type(new_state).__name__}")
        if new_state._data.dtype != np.uint8:
            raise TypeError(f"RNG state must be a yingshe.ByteTensor, got {new_state.dtype}")
        self._random_state.set_state(_backend.to_device(new_state._data, "cpu"))
        return self

    def __repr__(self):
        return f"<yingshe.Generator device='{self.device}' initial_seed={self.initial_seed()}>"


default_generator = object.__new__(Generator)
default_generator._random_state = _backend.default_state("cpu")


def manual_seed(seed):
    """Seed the generator of every device (``default_generator``, CUDA's); returns
    ``default_generator``.  After the same seed the global random functions draw the same numbers.

    Examples:
        >>> import yingshe
        >>> _ = yingshe.manual_seed(0)
        >>> a = yingshe.randn(3)
        >>> _ = yingshe.manual_seed(0)
        >>> bool((yingshe.randn(3) == a).all())
        True
    """
    _backend.manual_seed(seed)
    return default_generator


def get_rng_state():
    """The state of ``default_generator``, for ``set_rng_state``.

    Shape:
        Output: a uint8 tensor of shape (48,).

    Examples:
        >>> import yingshe
        >>> state = yingshe.get_rng_state()
        >>> a = yingshe.rand(2)
        >>> yingshe.set_rng_state(state)
        >>> bool((yingshe.rand(2) == a).all()), state.dtype, state.shape
        (True, yingshe.uint8, yingshe.Size([48]))
    """
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore ``default_generator`` from ``get_rng_state()``: later draws repeat those that
    followed it. The dict that training checkpoints hold (seed and NumPy bit-generator state) is
    accepted too.

    Shape:
        ``new_state``: a uint8 tensor of shape (48,), or that dict.

    Examples:
        >>> import yingshe
        >>> state = yingshe.get_rng_state()
        >>> a = yingshe.randn(2)
        >>> yingshe.set_rng_state(state)
        >>> bool((yingshe.randn(2) == a).all())
        True
    """
    if isinstance(new_state, dict):
        _backend.set_rng_state(new_state)
    else:
        default_generator.set_state(new_state)


def _is_meta(device):
    return _backend.device(device).type == "meta"


def _random_floats(draw, size, generator, dtype, device, requires_grad):
    np_dtype = _float_dtype(dtype)
    if np_dtype.kind != "f":
        raise TypeError(f"random floats need a floating dtype, got {np_dtype}")
    device = _backend.factory_device(device)
    if _is_meta(device):
        return _finish(_backend.meta_empty(size, np_dtype), requires_grad)
    gen = _backend.rng(generator, device)
    work_dtype = np_dtype if np_dtype != np.float16 else np.dtype(np.float32)
    array = draw(gen, size, work_dtype).astype(np_dtype, copy=False)
    return _finish(array, requires_grad)


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Independent draws from the uniform distribution on [0, 1), in the default float dtype unless
    ``dtype`` (a floating dtype) is given.

    Shape:
        Output: ``size``, given as ``rand(2, 3)`` or ``rand((2, 3))``.

    Examples:
        >>> import yingshe
        >>> g = yingshe.Generator().manual_seed(0)
        >>> x = yingshe.rand(2, 3, generator=g)
        >>> x.shape, bool(((x >= 0) & (x < 1)).all())
        (yingshe.Size([2, 3]), True)
    """
    if out is not None:
        return write_factory_out(out, "rand", rand, *size, generator=generator, dtype=dtype,
                                 device=device, requires_grad=requires_grad)
    return _random_floats(lambda g, s, d: g.random(s, dtype=d), _size(size, "rand"),
                          generator, dtype, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Independent draws from the standard normal distribution N(0, 1), in the default float dtype
    unless ``dtype`` (a floating dtype) is given.

    Shape:
        Output: ``size``, given as ``randn(2, 3)`` or ``randn((2, 3))``.

    Examples:
        >>> import yingshe
        >>> g = yingshe.Generator().manual_seed(0)
        >>> x = yingshe.randn(2, 3, generator=g, dtype=yingshe.float64)
        >>> x.shape, x.dtype
        (yingshe.Size([2, 3]), yingshe.float64)
    """
    if out is not None:
        return write_factory_out(out, "randn", randn, *size, generator=generator, dtype=dtype,
                                 device=device, requires_grad=requires_grad)
    return _random_floats(lambda g, s, d: g.standard_normal(s, dtype=d), _size(size, "randn"),
                          generator, dtype, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, device=None,
            requires_grad=False):
    """Integers drawn uniformly from [low, high) (int64 unless ``dtype``); ``randint(high, size)``
    means low = 0, as in PyTorch.

    Shape:
        Output: ``size`` (a tuple).

    Examples:
        >>> import yingshe
        >>> g = yingshe.Generator().manual_seed(0)
        >>> x = yingshe.randint(3, 10, (2, 4), generator=g)
        >>> x.shape, x.dtype, bool(((x >= 3) & (x < 10)).all())
        (yingshe.Size([2, 4]), yingshe.int64, True)
    """
    if out is not None:
        return write_factory_out(out, "randint", randint, low, high, size, generator=generator,
                                 dtype=dtype, device=device, requires_grad=requires_grad)
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: size must be given as a tuple, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low} and high={high}")
    np_dtype = _dtype.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    size = _size((size,), "randint")
    device = _backend.factory_device(device)
    if _is_meta(device):
        return _finish(_backend.meta_empty(size, np_dtype), requires_grad)
    gen = _backend.rng(generator, device)
    return _finish(gen.integers(low, high, size).astype(np_dtype), requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0, 1, ..., n - 1 (int64 unless ``dtype``), each of the n! orders
    equally likely.

    Shape:
        Output: (n,).

    Examples:
        >>> import yingshe
        >>> p = yingshe.randperm(5, generator=yingshe.Generator().manual_seed(0))
        >>> p.sort().values
        tensor([0, 1, 2, 3, 4])
    """
    if out is not None:
        return write_factory_out(out, "randperm", randperm, n, generator=generator, dtype=dtype,
                                 device=device, requires_grad=requires_grad)
    np_dtype = _dtype.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    device = _backend.factory_device(device)
    if _is_meta(device):
        return _finish(_backend.meta_empty((int(n),), np_dtype), requires_grad)
    gen = _backend.rng(generator, device)
    return _finish(gen.permutation(int(n)).astype(np_dtype), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False):
    """Draws from N(mean, std^2): out = mean + std * z with z ~ N(0, 1).  With numbers for ``mean``
    and ``std`` give ``size``; with tensors, each element has its own mean and std (broadcast).

    Shape:
        Output: ``size`` for number arguments, else the broadcast shape of ``mean`` and ``std``.

    Examples:
        >>> import yingshe
        >>> yingshe.normal(2.0, 3.0, (4,)).shape
        yingshe.Size([4])
        >>> yingshe.normal(yingshe.zeros(3), yingshe.ones(2, 1)).shape
        yingshe.Size([2, 3])
        >>> yingshe.normal(yingshe.arange(3.0), 0.0)  # std 0: exactly the means
        tensor([0., 1., 2.])
    """
    tensors = isinstance(mean, Tensor) or isinstance(std, Tensor)
    if out is not None and tensors:
        return write_out(out, "normal", lambda: normal(mean, std, generator=generator),
                         (mean, std))
    if out is not None:
        return write_factory_out(out, "normal", normal, mean, std, size, generator=generator,
                                 dtype=dtype, device=device, requires_grad=requires_grad)
    if tensors:
        ref = mean if isinstance(mean, Tensor) else std
        mean_a = mean._data if isinstance(mean, Tensor) else mean
        std_a = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(mean_a), np.shape(std_a))
        noise = randn(shape, generator=generator, dtype=ref.dtype, device=ref.device)._data
        return _finish((mean_a + std_a * noise).astype(ref._data.dtype, copy=False), requires_grad)
    if size is None:
        raise TypeError("normal: with scalar mean and std, size must be given")
    if std < 0:
        raise RuntimeError(f"normal: std must be >= 0, got {std}")
    t = randn(_size((size,), "normal"), generator=generator, dtype=dtype, device=device)
    return _finish(t._data * t._data.dtype.type(std) + t._data.dtype.type(mean), requires_grad)


class Bernoulli(Op):
    """y = [u < p] with u ~ U(0, 1), so y ~ Bernoulli(p).  A draw is not a smooth function of
    p: dp = 0, as in PyTorch."""

    @staticmethod
    def forward(ctx, p, u):
        return (u < p).astype(p.dtype)

    @staticmethod
    def backward(ctx, grad):
        return Tensor._make(_backend.get_array_module(grad._data).zeros_like(grad._data)), None


def _check_probabilities(p, op):
    xp = _backend.get_array_module(p)
    if not _backend.is_meta(p) and not bool(xp.all((p >= 0) & (p <= 1))):
        raise RuntimeError(f"{op}: expected every probability p to satisfy 0 <= p <= 1")


def bernoulli(input, p=None, *, generator=None):
    """0/1 draws: out_i = 1 with probability p_i, else 0, where p = ``input`` (probabilities in
    [0, 1]) elementwise, or the number ``p`` for every element, in the shape and dtype of
    ``input``.  A draw is not a smooth function of p: the gradient is 0, as in PyTorch.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.bernoulli(yingshe.tensor([0.0, 1.0, 1.0, 0.0]))  # certain outcomes
        tensor([0., 1., 1., 0.])
        >>> yingshe.bernoulli(yingshe.zeros(2, 3), p=0.5).shape
        yingshe.Size([2, 3])
    """
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"bernoulli: not implemented for {input.dtype.name} input "
                                  "(only floating-point probabilities)")
    if _backend.is_meta(input._data):
        return _finish(_backend.meta_empty(input.shape, input._data.dtype),
                       p is None and input.requires_grad)
    xp = _backend.get_array_module(input._data)
    u = xp.asarray(_backend.rng(generator, input.device).random(input.shape))
    if p is not None:
        _check_probabilities(np.asarray(p, np.float64), "bernoulli")
        return Tensor._make((u < p).astype(input._data.dtype))
    _check_probabilities(input._data, "bernoulli")
    return Bernoulli.apply(input, u)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices (int64) drawn from the weights in each row of ``input`` (non-negative, not
    necessarily normalised): category k has probability w_k / sum_j w_j.

    With replacement: inverse transform sampling on the cumulative weights.  Without: the
    ``num_samples`` smallest E_k / w_k with E_k ~ Exp(1), i.e. successive draws each
    proportional to the remaining weights (Efraimidis & Spirakis, Weighted random sampling with
    a reservoir, 2006).

    Shape:
        Input: (K,) or (N, K).  Output: (num_samples,) or (N, num_samples).

    Examples:
        >>> import yingshe
        >>> w = yingshe.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 5.0]])
        >>> yingshe.multinomial(w, 2, replacement=True)
        tensor([[1, 1],
                [2, 2]])
        >>> yingshe.multinomial(yingshe.ones(4), 4).sort().values  # without replacement
        tensor([0, 1, 2, 3])
    """
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape "
                           f"{tuple(input.shape)}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype.name}")
    num_samples = operator.index(num_samples)
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement ({num_samples} > {categories})")
    out_shape = input.shape[:-1] + (num_samples,)
    if _backend.is_meta(input._data):
        return Tensor._make(_backend.meta_empty(out_shape, np.int64))
    xp = _backend.get_array_module(input._data)
    w = input._data.astype(np.float64).reshape(-1, categories)
    if not bool(xp.all(xp.isfinite(w) & (w >= 0))):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    total = w.sum(axis=1, keepdims=True)
    if not bool(xp.all(total > 0)):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities "
                           "<= 0)")
    gen = _backend.rng(generator, input.device)
    if replacement:
        # row r's cumulative weights, shifted to [r, r + 1], searched all at once
        row = xp.arange(w.shape[0], dtype=np.float64)[:, None]
        cdf = xp.cumsum(w, axis=1) / total + row
        u = xp.asarray(gen.random((w.shape[0], num_samples))) + row
        flat = xp.searchsorted(cdf.reshape(-1), u.reshape(-1), side="right").reshape(u.shape)
        picks = xp.clip(flat - row.astype(np.int64) * categories, 0, categories - 1)
    else:
        keys = xp.asarray(gen.standard_exponential(w.shape))
        with np.errstate(divide="ignore"):
            keys = keys / w
        picks = xp.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(picks.astype(np.int64).reshape(out_shape))


def _like(input, dtype, device):
    return (input.dtype if dtype is None else dtype), (input.device if device is None else device)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    """``zeros`` with the shape of ``input`` and, unless given, its dtype and device.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.zeros_like(yingshe.tensor([[1, 2, 3]]))
        tensor([[0, 0, 0]])
    """
    dtype, device = _like(input, dtype, device)
    return zeros(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    """``ones`` with the shape of ``input`` and, unless given, its dtype and device.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.ones_like(yingshe.tensor([1.5, 2.0]))
        tensor([1., 1.])
    """
    dtype, device = _like(input, dtype, device)
    return ones(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    """``empty`` with the shape of ``input`` and, unless given, its dtype and device: the values are
    not initialised.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> x = yingshe.empty_like(yingshe.zeros(2, 3, dtype=yingshe.float64))
        >>> x.shape, x.dtype
        (yingshe.Size([2, 3]), yingshe.float64)
    """
    dtype, device = _like(input, dtype, device)
    return empty(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    """``full(input.shape, fill_value)`` with, unless given, the dtype and device of ``input`` (the
    value is converted to that dtype).

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.full_like(yingshe.arange(3), 7)
        tensor([7, 7, 7])
        >>> yingshe.full_like(yingshe.arange(3), 2.7)  # int64 like the input: truncated
        tensor([2, 2, 2])
    """
    dtype, device = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    """U[0, 1) draws (``rand``) with the shape and, unless given, the dtype and device of ``input``.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.rand_like(yingshe.zeros(2, 3, dtype=yingshe.float64)).dtype
        yingshe.float64
    """
    dtype, device = _like(input, dtype, device)
    return rand(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    """N(0, 1) draws (``randn``) with the shape and, unless given, the dtype and device of
    ``input``.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> yingshe.randn_like(yingshe.zeros(4, 2)).shape
        yingshe.Size([4, 2])
    """
    dtype, device = _like(input, dtype, device)
    return randn(input.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low, high=None, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) (``randint``; ``randint_like(input, high)`` means
    low = 0) with the shape and, unless given, the dtype and device of ``input``.

    Shape:
        Input: (*).  Output: (*), same shape as the input.

    Examples:
        >>> import yingshe
        >>> x = yingshe.randint_like(yingshe.zeros(2, 2), 5)
        >>> x.dtype, bool(((x >= 0) & (x < 5) & (x == x.floor())).all())
        (yingshe.float32, True)
    """
    dtype, device = _like(input, dtype, device)
    return randint(low, high, input.shape, dtype=dtype, device=device)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """``tensor(data)`` with this tensor's dtype and device unless given (``Tensor.new_tensor``)."""
    dtype, device = _like(self, dtype, device)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """``zeros(*size)`` with this tensor's dtype and device unless given (``Tensor.new_zeros``)."""
    dtype, device = _like(self, dtype, device)
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """``ones(*size)`` with this tensor's dtype and device unless given (``Tensor.new_ones``)."""
    dtype, device = _like(self, dtype, device)
    return ones(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """``full(size, fill_value)`` with this tensor's dtype and device unless given
    (``Tensor.new_full``).
    """
    dtype, device = _like(self, dtype, device)
    return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """``empty(*size)`` with this tensor's dtype and device unless given (``Tensor.new_empty``)."""
    dtype, device = _like(self, dtype, device)
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _bernoulli_(self, p=0.5, *, generator=None):
    """In place: every element becomes 1 with probability ``p`` (a number, or a tensor that
    broadcasts to self's shape), else 0."""
    probabilities = p._data if isinstance(p, Tensor) else np.float64(p)
    _check_probabilities(probabilities, "bernoulli_")
    if _backend.is_meta(self._data):
        return self
    xp = _backend.get_array_module(self._data)
    u = xp.asarray(_backend.rng(generator, self.device).random(self.shape))
    return self.copy_(Tensor._make(u < probabilities))


def result_type(tensor, other):
    """The dtype an arithmetic op on ``tensor`` and ``other`` (tensors or numbers) returns, by
    PyTorch's promotion rules: a number only raises the category (bool, integer, float), a
    0-d tensor likewise, and tensors with dims promote to the wider dtype.

    Examples:
        >>> import yingshe
        >>> yingshe.result_type(yingshe.tensor([1, 2]), 1.0)
        yingshe.float32
        >>> yingshe.result_type(yingshe.tensor([1], dtype=yingshe.int32), 5)
        yingshe.int32
        >>> yingshe.result_type(yingshe.tensor([1], dtype=yingshe.int32), yingshe.tensor([1]))
        yingshe.int64
    """
    return _dtype.from_np(_dtype.result_type(tensor, other))


TENSOR_METHODS = {"new_tensor": _new_tensor, "new_zeros": _new_zeros, "new_ones": _new_ones,
                  "new_full": _new_full, "new_empty": _new_empty, "bernoulli": bernoulli,
                  "bernoulli_": _bernoulli_, "multinomial": multinomial}
