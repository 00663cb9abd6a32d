"""Tensor: an n-dimensional array (NumPy on "cpu", CuPy on "cuda") that records the ops made from it."""
import math
import operator

import numpy as np

from . import _backend, _dtype
from .autograd.grad_mode import STATE

__all__ = ["Size", "Tensor", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


class Size(tuple):
    """The shape of a tensor, ``torch.Size``: a tuple of ints that stays a Size when sliced, added to
    a tuple or repeated, and prints as ``yingshe.Size([3, 28, 28])``.

    ``numel()`` is the number of elements of a tensor of this shape, the product of the sizes.
    Passed to a legacy constructor (``FloatTensor(t.shape)``) it is a size, where a plain tuple
    would be data.

    Examples:
        >>> import yingshe
        >>> s = yingshe.zeros(2, 3, 28, 28).shape
        >>> s
        yingshe.Size([2, 3, 28, 28])
        >>> s[1:], s.numel(), s == (2, 3, 28, 28)
        (yingshe.Size([3, 28, 28]), 4704, True)
    """
    __slots__ = ()

    def __new__(cls, sizes=()):
        items = []
        for i, n in enumerate(sizes):
            try:
                items.append(operator.index(n))
            except TypeError:
                raise TypeError(f"yingshe.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(n).__name__}')") from None
        return _new_tuple(cls, items)

    def numel(self):
        """The number of elements of a tensor of this shape (1 for the shape of a scalar)."""
        return math.prod(self)

    def __getitem__(self, key):
        item = _tuple_getitem(self, key)
        return _new_tuple(Size, item) if key.__class__ is slice else item

    def __add__(self, other):
        return _new_tuple(Size, _tuple_add(self, other))

    def __radd__(self, other):
        return _new_tuple(Size, _tuple_add(other, self))

    def __mul__(self, n):
        return _new_tuple(Size, _tuple_mul(self, n))

    __rmul__ = __mul__

    def __reduce__(self):
        return Size, (tuple(self),)

    def __repr__(self):
        return f"yingshe.Size({list(self)})"


# the tuple methods themselves, so the hot paths (``Tensor.shape``) skip ``Size.__new__``'s checks
_new_tuple, _tuple_getitem, _tuple_add, _tuple_mul = (tuple.__new__, tuple.__getitem__,
                                                      tuple.__add__, tuple.__mul__)


# id(leaf) -> {handle id: hook} of ``register_post_accumulate_grad_hook``, kept outside the
# Tensor's slots so that the ops' hot path (``Tensor._make``) does not pay for a field that
# only parameters under DistributedDataParallel use; an entry goes when its tensor does.
POST_ACCUMULATE_GRAD_HOOKS = {}


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation, mirroring
    ``torch.Tensor``.

    Tensors come from factories (``yingshe.tensor``, ``zeros``, ``randn``, ...) and from ops;
    ``Tensor(2, 3)`` is PyTorch's legacy constructor, an uninitialised tensor of the default
    dtype.  An op on a tensor that ``requires_grad`` records itself as the result's ``grad_fn``;
    ``backward()`` walks these nodes in reverse, applying the chain rule, and accumulates
    d(output)/d(leaf) into every leaf's ``.grad`` (reverse-mode differentiation; Griewank &
    Walther, Evaluating Derivatives, 2nd ed., 2008, ch. 3).

    ``_data`` is the raw array (NumPy on "cpu", CuPy on "cuda"); ``_version_box`` is a
    one-element list shared with views and bumped by in-place ops.  Most methods (``exp``,
    ``sum``, ``reshape``, ``__add__``, ...) are attached by ``yingshe.ops``.
    Shape: any, ``t.shape`` (a ``Size``); () for a scalar.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y
        tensor(14., grad_fn=<SumBackward0>)
        >>> y.backward()
        >>> x.grad  # d(sum x^2)/dx = 2 x
        tensor([2., 4., 6.])
        >>> yingshe.Tensor(2, 3).shape, yingshe.Tensor([1, 2]).dtype
        (yingshe.Size([2, 3]), yingshe.float32)
    """
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_output_nr", "_version_box",
                 "_hooks", "_retains_grad", "__weakref__")
    __array_ufunc__ = None  # NumPy defers to our reflected operators: ndarray + Tensor -> Tensor

    def __init__(self, *args, device=None):
        """PyTorch's legacy constructor, in the default dtype: ``Tensor(2, 3)`` and
        ``Tensor(Size([2, 3]))`` are uninitialised of shape (2, 3), ``Tensor([1, 2])`` holds that
        data, ``Tensor()`` is empty."""
        self._init(_legacy_array(_dtype.get_default_dtype(), args, device, "Tensor"))

    def _init(self, array, requires_grad=False, grad_fn=None, output_nr=0):
        self._data = array
        self.grad = None
        self.requires_grad = requires_grad
        self.grad_fn = grad_fn
        self._output_nr = output_nr
        self._version_box = [0]
        self._hooks = None
        self._retains_grad = False

    @classmethod
    def _make(cls, array, requires_grad=False, grad_fn=None, output_nr=0):
        """Wrap a raw array without copying or checking (the hot path of every op)."""
        t = object.__new__(Tensor)
        if array.__class__ is not np.ndarray:
            if isinstance(array, np.generic):
                array = np.asarray(array)  # NumPy reductions on 0-d arrays return scalars
            elif array.__class__ is _backend.MetaArray:
                array = _backend.compact_meta(array)  # one element of memory, whatever the shape
        t._data = array
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._version_box = [0]
        t._hooks = None
        t._retains_grad = False
        return t

    # ---- attributes ------------------------------------------------------------------------
    @property
    def shape(self):
        """The shape as a ``Size`` (ops read ``self._data.shape``, a plain tuple, instead)."""
        return _new_tuple(Size, self._data.shape)

    @property
    def dtype(self):
        """The element type (``yingshe.float32``, ``yingshe.int64``, ...)."""
        return _dtype.from_np(self._data.dtype)

    @property
    def device(self):
        """Where the data lives: ``device('cpu')``, ``device('cuda', i)`` or ``device('meta')``."""
        return _backend.device_of(self._data)

    @property
    def is_cuda(self):
        """True for a tensor on a GPU."""
        return self.device.type == "cuda"

    @property
    def is_meta(self):
        """True for a tensor on the ``meta`` device (shape and dtype only, no data)."""
        return self._data.__class__ is _backend.MetaArray

    @property
    def ndim(self):
        """The number of dimensions (``dim()``)."""
        return self._data.ndim

    def dim(self):
        """The number of dimensions."""
        return self._data.ndim

    def size(self, dim=None):
        """The shape as a ``Size`` (a tuple), or the length of dimension ``dim``."""
        if dim is None:
            return _new_tuple(Size, self._data.shape)
        return self._data.shape[_normalize_dim(dim, self._data.ndim, "size")]

    def numel(self):
        """The number of elements, the product of the shape."""
        return self._data.size

    def element_size(self):
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self):
        """Bytes per element (``element_size()``)."""
        return self._data.itemsize

    @property
    def nbytes(self):
        """Bytes of the data: ``numel() * element_size()``."""
        return self._data.nbytes

    @property
    def is_leaf(self):
        """True for a tensor no recorded op made (``grad_fn`` is None): ``backward`` fills its
        ``.grad`` if it requires grad.
        """
        return self.grad_fn is None

    @property
    def _version(self):
        return self._version_box[0]

    def _bump_version(self):
        self._version_box[0] += 1

    @property
    def data(self):
        """The same storage as a tensor outside the graph (changes to it are not tracked)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else value

    def is_floating_point(self):
        """True for float16, float32 and float64 tensors."""
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        """True when the elements lie in row-major (C) order in memory."""
        return self._data.flags.c_contiguous

    # ---- conversions -----------------------------------------------------------------------
    def numpy(self):
        """The underlying NumPy array (shared, not copied)."""
        if self.requires_grad and STATE.enabled:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        self._check_not_meta_for_numpy()
        if self.device.type != "cpu":
            raise TypeError("numpy(): the tensor is on 'cuda'; use tensor.cpu().numpy() to copy it")
        return self._data

    def _check_not_meta_for_numpy(self):
        if self.is_meta:
            raise TypeError("can't convert meta device type tensor to numpy: a meta tensor has "
                            "no data")

    def __array__(self, dtype=None, copy=None):
        self._check_not_meta_for_numpy()
        array = _backend.to_device(self._data, "cpu")
        return array if dtype is None else array.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.is_meta:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        if self._data.size != 1:
            raise RuntimeError(f"item(): a tensor with {self._data.size} elements cannot be "
                               f"converted to a Python scalar (shape {tuple(self.shape)})")
        return self._data.item()

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        return _backend.to_device(self._data, "cpu").tolist()

    def detach(self):
        """The same data outside the graph; shares storage and version counter."""
        t = Tensor._make(self._data)
        t._version_box = self._version_box
        return t

    def detach_(self):
        """Detach this tensor from the graph in place: it becomes a leaf not requiring grad."""
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records ops on this (leaf, floating-point) tensor; returns it."""
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"requires_grad_: only floating-point tensors can require "
                               f"gradients, this one is {self.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) is only allowed on leaf tensors; use detach()")
        self.requires_grad = requires_grad
        return self

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``; differentiable."""
        device, dtype = _parse_to(*args, **kwargs)
        from .ops.elementwise import to_copy
        return to_copy(self, dtype=dtype, device=device)

    def type(self, dtype=None, non_blocking=False):
        """Without ``dtype``, the legacy type name, e.g. 'yingshe.FloatTensor' ('yingshe.cuda.' and
        'yingshe.meta.' off the CPU); with one (a dtype, ``yingshe.LongTensor`` or its name, the
        'torch.' spelling too), the tensor converted to it."""
        if dtype is None:
            where = "" if self.device.type == "cpu" else f"{self.device.type}."
            return f"yingshe.{where}{_LEGACY_NAMES[self._data.dtype]}"
        if isinstance(dtype, str):
            return self.to(*_parse_type_name(dtype))
        return self.to(dtype)

    def type_as(self, other):
        """This tensor converted to the dtype of ``other``."""
        return self.to(other.dtype)

    def float(self):
        """``self.to(yingshe.float32)``."""
        return self.to(_dtype.float32)

    def double(self):
        """``self.to(yingshe.float64)``."""
        return self.to(_dtype.float64)

    def half(self):
        """``self.to(yingshe.float16)``."""
        return self.to(_dtype.float16)

    def long(self):
        """``self.to(yingshe.int64)``."""
        return self.to(_dtype.int64)

    def int(self):
        """``self.to(yingshe.int32)``."""
        return self.to(_dtype.int32)

    def bool(self):
        """``self.to(yingshe.bool)``."""
        return self.to(_dtype.bool)

    def cpu(self):
        """This tensor on the CPU (itself if it is already there)."""
        return self.to("cpu")

    def cuda(self, device=None):
        """This tensor on the GPU ``device`` (default: the current one)."""
        return self.to("cuda" if device is None else device)

    # ---- autograd --------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (reverse-mode chain rule)."""
        from .autograd.engine import backward
        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                 inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't "
                               "require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._register_pre_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = {}
        from .autograd.function import RemovableHandle
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` after ``backward`` has accumulated a gradient into this leaf's
        ``.grad`` (what ``DistributedDataParallel`` reduces gradients with); returns a handle
        whose ``remove()`` unregisters it.  ``autograd.grad`` does not call it."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = POST_ACCUMULATE_GRAD_HOOKS.get(id(self))
        if hooks is None:
            import weakref
            hooks = POST_ACCUMULATE_GRAD_HOOKS[id(self)] = {}
            weakref.finalize(self, POST_ACCUMULATE_GRAD_HOOKS.pop, id(self), None)
        from .autograd.function import RemovableHandle
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        """Keep ``.grad`` for a non-leaf tensor too (leaves keep it anyway)."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("retain_grad: can't retain_grad on a tensor that doesn't "
                                   "require gradient")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        import weakref
        ref = weakref.ref(self)

        def keep(grad):
            tensor = ref()
            if tensor is not None:
                g = grad.detach()
                tensor.grad = g if tensor.grad is None else tensor.grad + g
            return grad
        self.grad_fn._register_pre_hook(self._output_nr, keep)

    @property
    def retains_grad(self):
        """True after ``retain_grad()`` on a non-leaf: ``backward`` keeps its ``.grad``."""
        return self._retains_grad

    # ---- Python protocol -------------------------------------------------------------------
    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} elements "
                               f"is ambiguous (shape {tuple(self.shape)})")
        return bool(self.item())

    def __float__(self):
        return float(self._single_item())

    def __int__(self):
        return int(self._single_item())

    def _single_item(self):
        """The one element, for ``float()`` and ``int()`` (a ValueError otherwise, as PyTorch)."""
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"(this one has {self._data.size}, shape {tuple(self.shape)})")
        return self.item()

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        return _format_tensor(self)


def _zero_grads(params, set_to_none):
    """``zero_grad`` of modules and optimizers: each ``p.grad = None`` or, with
    ``set_to_none=False``, filled with zeros in place (detached from any graph)."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad = False
            p.grad._data.fill(0)
            p.grad._bump_version()

def _parse_to(*args, **kwargs):
    """The (device, dtype) named by the arguments of ``Tensor.to`` and ``Module.to``: a device
    (str or ``device``), a dtype, both, or a tensor whose device and dtype are taken; the keywords
    ``device`` and ``dtype`` too (``non_blocking`` and ``copy`` are accepted and ignored).  None
    stands for "unchanged"."""
    device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None), kwargs.pop("copy", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, _backend.device)):
            device = a
        elif a is not None:
            dtype = a
    return device, dtype


def _normalize_dim(dim, ndim, op):
    """``dim`` as a non-negative axis, with PyTorch's error for one out of range."""
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not lo <= dim <= hi:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{lo}, {hi}], but got {dim})")
    return dim % max(ndim, 1)


_QUIET_DTYPES = ("float32", "int64", "bool")


def _format_tensor(t):
    prefix = "tensor("
    if t.is_meta:  # no values: PyTorch's "tensor(..., device='meta', size=(2, 3))"
        array = t._data
        body = f"..., device='meta', size={tuple(array.shape)}"
    elif t._data.size == 0:
        array = t._data
        body = "[]" if array.ndim <= 1 else f"[], size={tuple(array.shape)}"
    else:
        array = _backend.to_device(t._data, "cpu")
        body = np.array2string(array, separator=", ", prefix=prefix, threshold=1000, edgeitems=3,
                               formatter=_formatter(array))
    extras = []
    if t.device.type not in ("cpu", "meta"):
        extras.append(f"device='{t.device}'")
    no_values = array.size == 0 or t.is_meta  # the dtype cannot be read off the values
    if t.dtype.name not in _QUIET_DTYPES or (no_values and t.dtype.name != "float32"):
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + ", ".join([body] + extras) + ")"


def _formatter(array):
    """PyTorch's number style (``torch._tensor_str._Formatter``): '1.' for whole floats, 4
    decimals, scientific when the nonzero magnitudes span more than 1000x or leave [1e-4, 1e8];
    every element right-aligned to the widest.  As in PyTorch only the finite nonzero floats set
    the format and the width: zeros, NaN and infinities do not widen the columns."""
    values = array.reshape(-1)[:2000]
    if array.dtype.kind == "b":
        to_text = lambda v: "True" if v else "False"
    elif array.dtype.kind != "f":
        to_text = str
    else:
        finite = array[np.isfinite(array)].astype(np.float64)
        values = finite[finite != 0]
        magnitude = np.abs(values)
        if values.size and (magnitude.max() > 1000 * magnitude.min() or magnitude.max() > 1e8
                            or magnitude.min() < 1e-4):
            fmt = "{:.4e}"
        elif np.all(values == np.round(values)):
            fmt = "{:.0f}."
        else:
            fmt = "{:.4f}"
        values = values[:2000]

        def to_text(v):
            if np.isnan(v):
                return "nan"
            if np.isinf(v):
                return "inf" if v > 0 else "-inf"
            return fmt.format(v)
    width = max((len(to_text(v)) for v in values), default=1)
    kind = {"b": "bool", "f": "float_kind"}.get(array.dtype.kind, "int_kind")
    return {kind: lambda v: to_text(v).rjust(width)}


# ---- PyTorch's legacy tensor types -----------------------------------------------------------
_LEGACY_TYPES = (("FloatTensor", _dtype.float32), ("DoubleTensor", _dtype.float64),
                 ("HalfTensor", _dtype.float16), ("LongTensor", _dtype.int64),
                 ("IntTensor", _dtype.int32), ("ShortTensor", _dtype.int16),
                 ("CharTensor", _dtype.int8), ("ByteTensor", _dtype.uint8),
                 ("BoolTensor", _dtype.bool))
_LEGACY_NAMES = {d.np: name for name, d in _LEGACY_TYPES}


def _legacy_array(dtype, args, device, name):
    """The array of a legacy constructor call ``name(*args)``: integers or one ``Size`` are a size
    (values left uninitialised), one other sequence or array is data, a tensor of the same dtype
    is shared."""
    from .ops.creation import _array_from_data, _size
    if device is not None and _backend.device(device).type != "cpu":
        raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                           f"{_backend.device(device).type} was passed")
    if not args:
        return np.empty((0,), dtype.np)
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and isinstance(args[0], Size)):
        return np.empty(_size(args, name), dtype.np)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype is not dtype:
                raise TypeError(f"{name}(): expected a tensor of dtype {dtype}, got {data.dtype}")
            return data._data
        if isinstance(data, (list, tuple, range, np.ndarray)):
            return _array_from_data(data, dtype, "cpu", copy=True)
        raise TypeError(f"{name}(): data must be a sequence (got {type(data).__name__})")
    raise TypeError(f"{name}(): expected integers (a size) or one sequence, got "
                    f"({', '.join(type(a).__name__ for a in args)})")


class _LegacyTensorType(type):
    """Metaclass of ``FloatTensor`` & co.: calling one makes a Tensor of its dtype, and
    ``isinstance(t, FloatTensor)`` holds for a float32 CPU tensor, as in PyTorch."""

    def __call__(cls, *args, device=None):
        return Tensor._make(_legacy_array(cls.dtype, args, device, cls.__name__))

    def __instancecheck__(cls, instance):
        return (isinstance(instance, Tensor) and instance._data.dtype == cls.dtype.np
                and instance.device.type == "cpu")

    def __repr__(cls):
        return f"<class 'yingshe.{cls.__name__}'>"


def _legacy_type(name, dtype):
    doc = f"""PyTorch's legacy constructor of {dtype.name} tensors: ``{name}(*sizes)`` is an
    uninitialised tensor of that shape, ``{name}(data)`` holds ``data`` converted to {dtype.name}
    (today's spellings: ``yingshe.empty(*sizes, dtype=yingshe.{dtype.name})`` and
    ``yingshe.tensor(data, dtype=yingshe.{dtype.name})``).  ``isinstance(t, {name})`` holds for
    a {dtype.name} tensor on the CPU.

    Shape: ``{name}(*sizes)``: (*sizes); ``{name}(data)``: the nested lengths of ``data``.

    Examples:
        >>> import yingshe
        >>> yingshe.{name}(2, 3).shape
        yingshe.Size([2, 3])
        >>> t = yingshe.{name}([1, 0])
        >>> t.dtype, isinstance(t, yingshe.{name})
        ({dtype!r}, True)
    """
    return _LegacyTensorType(name, (), {"dtype": dtype, "__doc__": doc, "__slots__": ()})


FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, \
    ByteTensor, BoolTensor = (_legacy_type(name, d) for name, d in _LEGACY_TYPES)
_FROM_LEGACY_NAME = {name: d for name, d in _LEGACY_TYPES}


def _parse_type_name(name):
    """(device, dtype) of a legacy type name such as 'yingshe.LongTensor', 'torch.cuda.FloatTensor'."""
    parts = name.split(".")
    if len(parts) in (2, 3) and parts[0] in ("yingshe", "torch") and parts[-1] in _FROM_LEGACY_NAME \
            and (len(parts) == 2 or parts[1] in ("cuda", "meta")):
        return ("cpu" if len(parts) == 2 else parts[1]), _FROM_LEGACY_NAME[parts[-1]]
    raise ValueError(f"invalid type: {name!r}")
