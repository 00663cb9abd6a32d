"""Data types: yingshe.float32 & co., conversion to NumPy dtypes, and PyTorch's type promotion."""
import numpy as np

__all__ = ["dtype", "float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64",
           "bool", "half", "float", "double", "short", "int", "long",
           "get_default_dtype", "set_default_dtype"]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float


class dtype:
    """A tensor element type; wraps the NumPy dtype that stores it (``dtype.np``)."""
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"yingshe.{self.name}"

    def __reduce__(self):
        return self.name


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)
half, float, double, short, int, long = float16, float32, float64, int16, int32, int64

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_FROM_NP = {d.np: d for d in _ALL}
_FROM_NAME = {d.name: d for d in _ALL}
_FROM_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)
_PY_TYPES = {_builtin_float: float32, _builtin_int: int64, _builtin_bool: bool}

_default_float = [float32]


def get_default_dtype():
    """The dtype that Python floats and float64 NumPy arrays become (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d):
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default_float[0] = d
    _PY_TYPES[_builtin_float] = d


def as_dtype(d):
    """Our dtype for a yingshe dtype, NumPy dtype or type, Python type or name."""
    if d.__class__ is dtype:
        return d
    if d in _PY_TYPES:
        return _PY_TYPES[d]
    if isinstance(d, str) and d in _FROM_NAME:
        return _FROM_NAME[d]
    try:
        return _FROM_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype {d!r}; expected one of "
                        f"{', '.join(x.name for x in _ALL)}") from None


def to_np(d):
    """The NumPy dtype for anything ``as_dtype`` accepts (None stays None)."""
    return None if d is None else as_dtype(d).np


def from_np(np_dtype):
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(f"NumPy dtype {np_dtype} has no yingshe equivalent") from None


# Type promotion, PyTorch's rules: categories bool < integer < floating.  Tensors with
# dimensions outrank 0-d tensors, which outrank Python scalars; within the highest category present,
# the highest-ranked operands of that category decide the dtype.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _category_of(x):
    if isinstance(x, _builtin_bool):
        return 0
    if isinstance(x, _builtin_int):
        return 1
    if isinstance(x, _builtin_float):
        return 2
    return _CATEGORY[x.dtype.kind]


def result_type(a, b):
    """PyTorch's result dtype (a NumPy dtype) for a binary op on arrays and/or Python scalars."""
    a_is_array = hasattr(a, "dtype") and not isinstance(a, np.generic)
    b_is_array = hasattr(b, "dtype") and not isinstance(b, np.generic)
    if a_is_array and b_is_array and a.dtype == b.dtype:
        return a.dtype
    operands = []
    for x, is_array in ((a, a_is_array), (b, b_is_array)):
        if isinstance(x, np.generic):
            x = np.asarray(x)
            is_array = True
        rank = (2 if x.ndim else 1) if is_array else 0
        operands.append((rank, _category_of(x), x))
    top = max(c for _, c, _ in operands)
    for rank in (2, 1, 0):
        chosen = [x for r, c, x in operands if r == rank and c == top]
        if not chosen:
            continue
        if rank == 0:
            return _default_for_category(top)
        return np.result_type(*[x.dtype for x in chosen])
    raise AssertionError("unreachable")


def _default_for_category(category):
    return (np.dtype(np.bool_), np.dtype(np.int64), _default_float[0].np)[category]
