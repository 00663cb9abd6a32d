"""Data types: yingshe.float32 & co., conversion to NumPy dtypes, and PyTorch's type promotion."""
import numpy as np

__all__ = ["dtype", "float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64",
           "bool", "half", "float", "double", "short", "int", "long",
           "get_default_dtype", "set_default_dtype", "promote_types", "can_cast"]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float


class dtype:
    """A tensor element type, ``torch.dtype``: ``yingshe.float32``, ``float64``, ``float16``,
    ``int64``, ``int32``, ``int16``, ``int8``, ``uint8`` and ``bool`` (with PyTorch's aliases
    ``float``, ``double``, ``half``, ``long``, ``int``, ``short``).

    It wraps the NumPy dtype that stores the elements (``dtype.np``) and knows its ``name``,
    ``itemsize`` in bytes, ``is_floating_point`` and ``is_signed``.  Ops combine dtypes by
    PyTorch's type promotion (``promote_types``).

    Examples:
        >>> import yingshe
        >>> yingshe.tensor([1, 2]).dtype, yingshe.tensor([1.0, 2.0]).dtype
        (yingshe.int64, yingshe.float32)
        >>> yingshe.float is yingshe.float32, yingshe.float64.itemsize, yingshe.int8.is_signed
        (True, 8, True)
    """
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
# As in PyTorch, the Python types name fixed dtypes: float is float64 whatever the default dtype.
_PY_TYPES = {_builtin_float: float64, _builtin_int: int64, _builtin_bool: bool}

_default_float = [float32]


def get_default_dtype():
    """The dtype of Python floats in new tensors and of float factories (``zeros``, ``randn``, ...):
    float32 unless ``set_default_dtype`` changed it.  NumPy arrays and scalars keep their own
    dtype.

    Examples:
        >>> import yingshe
        >>> yingshe.get_default_dtype()
        yingshe.float32
        >>> yingshe.zeros(2).dtype, yingshe.tensor([1.5]).dtype
        (yingshe.float32, yingshe.float32)
    """
    return _default_float[0]


def set_default_dtype(d):
    """Make ``d`` (a floating dtype) the default dtype: what Python floats become in ``tensor``,
    what float factories (``zeros``, ``rand``, ``arange(0.5)``, ...) make, and what integer
    operands promote to when a float Python scalar joins them (``int_tensor * 2.5``).

    Examples:
        >>> import yingshe
        >>> yingshe.set_default_dtype(yingshe.float64)
        >>> yingshe.tensor([1.5]).dtype, (yingshe.arange(3) * 2.5).dtype
        (yingshe.float64, yingshe.float64)
        >>> yingshe.set_default_dtype(yingshe.float32)  # back to the default
    """
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {d}")
    _default_float[0] = d


def as_dtype(d):
    """Our dtype for a yingshe dtype, NumPy dtype or type, Python type or name."""
    if d.__class__ is dtype:
        return d
    if d in _PY_TYPES:
        return _PY_TYPES[d]
    if isinstance(d, str) and d in _FROM_NAME:
        return _FROM_NAME[d]
    legacy = getattr(d, "dtype", None)  # yingshe.FloatTensor & co. name their dtype
    if legacy.__class__ is dtype and isinstance(d, type):
        return legacy
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
        raise TypeError(f"NumPy dtype {np_dtype} has no yingshe equivalent (supported: "
                        f"{', '.join(x.name for x in _ALL)})") from None


# Type promotion, PyTorch's rules (torch.result_type).  Each dtype has a category,
# bool < integer < floating.  Operands come in three tiers: tensors with dimensions, 0-d tensors,
# and scalars (Python numbers and NumPy scalars, which PyTorch wraps like Python numbers).  The
# highest category present decides the kind of result; its dtype comes from the highest tier that
# holds an operand of that category (several of them: NumPy's promotion within the category), and
# is the category's default (bool, int64, the default float) when only scalars hold it.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _category_of(x):
    if isinstance(x, np.bool_):  # PyTorch reads a NumPy bool scalar as a Python float
        return 2
    if isinstance(x, _builtin_bool):
        return 0
    if isinstance(x, _builtin_int):
        return 1
    if isinstance(x, _builtin_float):
        return 2
    return _CATEGORY[x.dtype.kind]


def promote_types(type1, type2):
    """The dtype two dtypes combine to, ``torch.promote_types``: the smallest dtype both convert to
    without leaving the higher category (bool < integer < floating).

    A floating dtype wins over any integer (``promote_types(int64, float16)`` is float16); within
    a category the wider one wins, and uint8 with int8 needs int16.  Ops on tensors use this rule
    (a Python number joins by its category only: ``int8_tensor + 1`` stays int8).

    Examples:
        >>> import yingshe
        >>> yingshe.promote_types(yingshe.int64, yingshe.float16)
        yingshe.float16
        >>> yingshe.promote_types(yingshe.uint8, yingshe.int8)
        yingshe.int16
        >>> (yingshe.ones(2, dtype=yingshe.int32) + yingshe.ones(2, dtype=yingshe.float64)).dtype
        yingshe.float64
    """
    a, b = as_dtype(type1).np, as_dtype(type2).np
    return from_np(_promote(a, b))


def _promote(a, b):
    """``promote_types`` on NumPy dtypes; None (no operand yet) gives the other one."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def can_cast(from_, to):
    """Whether type promotion may cast ``from_`` to ``to``, ``torch.can_cast``: never to a lower
    category, so floating to integer and anything but bool to bool are refused (in-place ops and
    ``out=`` follow this rule).

    Examples:
        >>> import yingshe
        >>> yingshe.can_cast(yingshe.int64, yingshe.float16)
        True
        >>> yingshe.can_cast(yingshe.float32, yingshe.int64)
        False
    """
    return _CATEGORY[as_dtype(from_).np.kind] <= _CATEGORY[as_dtype(to).np.kind]


def result_type(*operands):
    """PyTorch's result dtype (a NumPy dtype) for an op on raw arrays, tensors and/or scalars."""
    if len(operands) == 2:  # the hot path: two arrays of one dtype
        a, b = operands
        if a.__class__ is np.ndarray and b.__class__ is np.ndarray and a.dtype == b.dtype:
            return a.dtype
    top, tiers = -1, ([], [], [])
    for x in operands:
        x = getattr(x, "_data", x)
        category = _category_of(x)
        tier = 0 if isinstance(x, (np.generic, _builtin_bool, _builtin_int, _builtin_float)) \
            else (2 if x.ndim else 1)
        top = max(top, category)
        tiers[tier].append((category, x))
    for tier in (2, 1):
        chosen = None
        for category, x in tiers[tier]:
            if category == top:
                chosen = _promote(chosen, x.dtype)
        if chosen is not None:
            return chosen
    return _default_for_category(top)


def _default_for_category(category):
    return (np.dtype(np.bool_), np.dtype(np.int64), _default_float[0].np)[category]
