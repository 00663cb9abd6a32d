"""Devices: "cpu" is NumPy, "cuda" is CuPy, "meta" is shapes and dtypes without data.  Every op
reaches its math through ``get_array_module``."""
import threading
import types

import numpy as np

__all__ = ["device", "get_array_module", "manual_seed", "seed", "initial_seed",
           "set_default_device", "get_default_device"]

_cupy = None


def _import_cupy():
    """CuPy, imported on first use; a clear error when it is missing or finds no GPU."""
    global _cupy
    if _cupy is None:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # noqa: BLE001 (ImportError, or CUDA missing at runtime)
            raise RuntimeError(
                "device 'cuda' needs the package 'cupy' and a working NVIDIA GPU "
                f"(pip install 'yingshe[cuda]'): {type(exc).__name__}: {exc}") from None
        _cupy = cupy
    return _cupy


def cuda_is_available():
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


_DEVICE_TYPES = ("cpu", "cuda", "meta")


class device:
    """A device, ``torch.device``: where a tensor's data lives and which array module computes on
    it, "cpu" (NumPy), "cuda" (CuPy, an optional extra) or "meta" (shapes and dtypes without
    data, for sizing models).

    ``device("cuda:1")`` and ``device("cuda", 1)`` name a GPU by index.  Unlike ``torch.device``,
    a device compares equal to its string, and one without an index to every index of its type
    (``device("cuda") == "cuda:0"``).  ``with device("meta"):`` makes it the default device of
    the factories inside the block (``set_default_device``).

    Examples:
        >>> import yingshe
        >>> yingshe.device("cuda:1"), yingshe.device("cpu") == "cpu"
        (device(type='cuda', index=1), True)
        >>> with yingshe.device("meta"):
        ...     yingshe.zeros(2, 3)
        tensor(..., device='meta', size=(2, 3))
    """
    __slots__ = ("type", "index")

    def __init__(self, spec, index=None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        kind, _, idx = str(spec).partition(":")
        if kind not in _DEVICE_TYPES:
            raise RuntimeError(f"unknown device {spec!r}: expected 'cpu', 'cuda[:N]' or 'meta'")
        self.type = kind
        self.index = int(idx) if idx else index

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and (
            self.index is None or other.index is None or self.index == other.index)

    def __hash__(self):
        return hash(self.type)

    def __enter__(self):
        _DEFAULT.outer.append(_DEFAULT.device)
        _DEFAULT.device = self
        return self

    def __exit__(self, *exc_info):
        _DEFAULT.device = _DEFAULT.outer.pop()


class _DefaultDevice(threading.local):
    """The device set by ``set_default_device`` (None: not set, i.e. "cpu"), and the ones that
    enclosing ``with device(...)`` blocks will restore; one of each per thread, as in PyTorch."""

    def __init__(self):
        self.device = None
        self.outer = []


_DEFAULT = _DefaultDevice()


def set_default_device(dev):
    """Make ``dev`` the device that factories (``tensor``, ``zeros``, ``rand``, ``arange``, ...),
    and so layers' parameters, make their tensors on when they are given no ``device``; ``None``
    goes back to "cpu".  Tensors made from other tensors (``zeros_like``, ``x.new_*``, ops) stay
    on their inputs' device.  The setting is per thread, as in PyTorch.

    Examples:
        >>> import yingshe
        >>> yingshe.set_default_device("meta")
        >>> yingshe.nn.Linear(1000, 1000).weight.device  # no memory for a million weights
        device(type='meta')
        >>> yingshe.set_default_device(None)
        >>> yingshe.zeros(1).device
        device(type='cpu')
    """
    _DEFAULT.device = None if dev is None else device(dev)


def get_default_device():
    """The device factories make tensors on when given none: "cpu" unless ``set_default_device`` or
    a ``with device(...)`` block says otherwise.

    Examples:
        >>> import yingshe
        >>> yingshe.get_default_device()
        device(type='cpu')
        >>> with yingshe.device("meta"):
        ...     yingshe.get_default_device()
        device(type='meta')
    """
    return _DEFAULT.device or CPU


def factory_device(dev):
    """The device a factory called with ``device=dev`` makes its tensor on."""
    if dev is None:
        return _DEFAULT.device or CPU
    return dev


def chosen_default_device():
    """The default device if one was set (``set_default_device``, ``with device``), else None."""
    return _DEFAULT.device


CPU = device("cpu")
CUDA = device("cuda")
META = device("meta")


# ---- the meta device ---------------------------------------------------------------------
class MetaArray(np.ndarray):
    """The storage of a tensor on device "meta": a NumPy array whose strides are all 0, so that a
    tensor of any shape holds one element.  Ops run on it as on a CPU array (NumPy computes every
    result's shape and dtype) and ``Tensor`` makes each result zero-strided again; the values are
    meaningless and are never shown."""
    __array_priority__ = 100.0  # NumPy functions mixing it with plain arrays return MetaArray

    def __array_wrap__(self, array, context=None, return_scalar=False):
        return np.asarray(array).view(MetaArray)  # a 0-d array, never a NumPy scalar

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Elementwise ufuncs cost one element: the result's dtype comes from the ufunc on one
        element of each input, its shape from broadcasting, and an ``out=`` is returned as it is.
        Other ufunc methods (reductions, ``at``, ``matmul``) run over the zero-strided values."""
        out = kwargs.get("out")
        if method == "__call__" and ufunc.signature is None:
            if out is not None:
                return out[0] if len(out) == 1 else out
            shape = np.broadcast_shapes(*(np.shape(x) for x in inputs))
            ones = [np.ones((), x.dtype) if isinstance(x, np.ndarray) else x for x in inputs]
            kwargs.pop("where", None)  # a mask changes values, not the dtype
            with np.errstate(all="ignore"):
                result = ufunc(*ones, **kwargs)
            if ufunc.nout == 1:
                return meta_empty(shape, result.dtype)
            return tuple(meta_empty(shape, r.dtype) for r in result)
        plain = [x.view(np.ndarray) if isinstance(x, MetaArray) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(x.view(np.ndarray) if isinstance(x, MetaArray) else x
                                  for x in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if isinstance(result, np.generic):
            result = np.asarray(result)
        return _meta_result(result)


def meta_empty(shape, dtype):
    """A writable zero-strided MetaArray: one element of memory for any ``shape``."""
    one = np.zeros((), dtype).view(MetaArray)
    shape = tuple(shape)
    return np.lib.stride_tricks.as_strided(one, shape, (0,) * len(shape), subok=True,
                                           writeable=True)


def compact_meta(array):
    """``array`` (a MetaArray) without per-element memory."""
    if array.size <= 1 or not any(array.strides):
        return array
    return meta_empty(array.shape, array.dtype)


def _meta_result(value):
    """NumPy's result with every array in it made a MetaArray."""
    if isinstance(value, np.ndarray):
        return value if value.__class__ is MetaArray else value.view(MetaArray)
    if isinstance(value, tuple):
        items = [_meta_result(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [_meta_result(v) for v in value]
    return value


def _meta_factory(np_function, like):
    """``zeros``, ``empty``, ... for meta: a zero-strided array of the asked shape and dtype (NumPy
    reads the arguments, making an empty array of the same dtype)."""
    if like:
        def make(prototype, *args, shape=None, **kwargs):
            empty = np.empty(0, np.result_type(prototype))
            dtype = np_function(empty, *args, **kwargs).dtype
            return meta_empty(np.shape(prototype) if shape is None else shape, dtype)
    else:
        def make(shape, *args, **kwargs):
            dtype = np_function(0, *args, **kwargs).dtype
            return meta_empty((shape,) if isinstance(shape, (int, np.integer)) else shape, dtype)
    return make


_META_FACTORIES = {"zeros": (np.zeros, False), "ones": (np.ones, False),
                   "empty": (np.empty, False), "full": (np.full, False),
                   "zeros_like": (np.zeros_like, True), "ones_like": (np.ones_like, True),
                   "empty_like": (np.empty_like, True), "full_like": (np.full_like, True)}


class _MetaNumPy:
    """NumPy as the array module of meta arrays: functions return MetaArrays, and the factories
    (``zeros``, ``empty``, ``full``, ...) return zero-strided ones, so no op allocates memory per
    element for them.  Classes, constants and ufuncs are NumPy's own (ufuncs keep MetaArray by
    ``__array_wrap__``)."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        value = getattr(self._module, name)
        if self._module is np and name in _META_FACTORIES:
            wrapped = _meta_factory(*_META_FACTORIES[name])
        elif isinstance(value, types.ModuleType):
            wrapped = _MetaNumPy(value)
        elif callable(value) and not isinstance(value, (type, np.ufunc)):
            def wrapped(*args, _function=value, **kwargs):
                return _meta_result(_function(*args, **kwargs))
        else:
            wrapped = value
        setattr(self, name, wrapped)
        return wrapped


meta_numpy = _MetaNumPy(np)


def is_meta(array):
    return array.__class__ is MetaArray


# ---- array modules and moving arrays -----------------------------------------------------
def get_array_module(x):
    """The array module that computes on the raw array ``x``: NumPy for CPU arrays (and anything
    that is not a device array), CuPy for GPU arrays, a meta variant of NumPy for meta arrays.
    Every op reaches its math through it (``xp = get_array_module(x)``), so one code path serves
    all devices; pass it an array (``t.numpy()``, or ``t._data`` inside an op), not a Tensor.

    Examples:
        >>> import yingshe
        >>> xp = yingshe.get_array_module(yingshe.arange(3).numpy())
        >>> xp.__name__, xp.cumsum(yingshe.arange(4).numpy())
        ('numpy', array([0, 1, 3, 6]))
    """
    cls = x.__class__
    if cls is np.ndarray:
        return np
    if cls is MetaArray:
        return meta_numpy
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy
    return np


def array_module(dev):
    """The array module of a device given as a string or ``device``."""
    kind = device(dev).type
    if kind == "cpu":
        return np
    return meta_numpy if kind == "meta" else _import_cupy()


def device_of(array):
    if array.__class__ is MetaArray:
        return META
    return CUDA if (_cupy is not None and isinstance(array, _cupy.ndarray)) else CPU


def to_device(array, dev):
    """``array`` moved to device ``dev`` (the same object when it is already there).  An array
    moved to "meta" keeps only its shape and dtype; nothing can be copied out of "meta"."""
    kind = device(dev).type
    if array.__class__ is MetaArray:
        if kind != "meta":
            raise NotImplementedError("Cannot copy out of meta tensor; no data! (make the tensor "
                                      f"again on {kind!r}, e.g. with Module.to_empty)")
        return array
    if kind == "meta":
        return meta_empty(array.shape, array.dtype)
    if kind == "cpu":
        return array.get() if (_cupy is not None and isinstance(array, _cupy.ndarray)) else array
    return _import_cupy().asarray(array)


# ---- randomness ----------------------------------------------------------------------------
# One RandomState per device for the framework (reseeded together by manual_seed), and one in
# each yingshe.Generator.  The CPU stream is NumPy's PCG64 (O'Neill 2014, "PCG: A Family of
# Simple Fast Space-Efficient Statistically Good Algorithms for Random Number Generation").
_DEFAULT_SEED = 67280421310721  # PyTorch's default seed
_SEED_RANGE = 1 << 64


def as_seed(s, op="manual_seed"):
    """A seed as PyTorch reads it: an integer in [-2^63, 2^64), negatives taken modulo 2^64."""
    if isinstance(s, (bool, float)) or not hasattr(s, "__index__") or hasattr(s, "_data"):
        raise RuntimeError(f"{op} expected a long, but got {type(s).__name__}")
    s = s.__index__()
    if not -(1 << 63) <= s < _SEED_RANGE:
        raise ValueError(f"{op}: the seed {s} is out of range [-2**63, 2**64)")
    return s % _SEED_RANGE


class RandomState:
    """The random stream of one device: its seed and the generator drawing from it (NumPy's
    ``Generator`` on "cpu", CuPy's on "cuda"), made on first use."""
    __slots__ = ("device", "seed", "_rng")

    def __init__(self, dev="cpu", seed=_DEFAULT_SEED):
        self.device = device(dev)
        if self.device.type == "meta":
            raise RuntimeError("META device type not an accelerator: a generator needs 'cpu' or "
                               "'cuda'")
        self.seed = seed
        self._rng = None

    @property
    def rng(self):
        if self._rng is None:
            if self.device.type == "cpu":
                self._rng = np.random.Generator(np.random.PCG64(self.seed))
            else:
                self._rng = _import_cupy().random.default_rng(self.seed)
        return self._rng

    def manual_seed(self, s):
        self.seed = as_seed(s)
        self._rng = None

    def get_state(self):
        """The state as 48 bytes: seed (8), PCG64 state (16) and increment (16), the cached half
        word flag (4) and value (4), little-endian."""
        if self.device.type != "cpu":
            raise NotImplementedError("get_state: the state of a 'cuda' generator (CuPy) cannot "
                                      "be read; reseed it with manual_seed instead")
        state = self.rng.bit_generator.state
        fields = ((self.seed, 8), (state["state"]["state"], 16), (state["state"]["inc"], 16),
                  (state["has_uint32"], 4), (state["uinteger"], 4))
        return np.frombuffer(b"".join(v.to_bytes(n, "little") for v, n in fields), np.uint8).copy()

    def set_state(self, data):
        """Restore what ``get_state`` returned (48 uint8 values)."""
        if self.device.type != "cpu":
            raise NotImplementedError("set_state: the state of a 'cuda' generator (CuPy) cannot "
                                      "be set; reseed it with manual_seed instead")
        if data.dtype != np.uint8 or data.ndim != 1 or data.size != STATE_SIZE:
            raise RuntimeError(f"Expected a generator state of {STATE_SIZE} uint8 values but "
                               f"found the input RNG state to have {data.size} of {data.dtype}")
        raw, values, start = bytes(data), [], 0
        for n in (8, 16, 16, 4, 4):
            values.append(int.from_bytes(raw[start:start + n], "little"))
            start += n
        seed, state, inc, has_uint32, uinteger = values
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                                   "has_uint32": has_uint32, "uinteger": uinteger}
        self.seed, self._rng = seed, rng


STATE_SIZE = 48
_default_states = {"cpu": RandomState("cpu")}


def default_state(dev="cpu"):
    """The framework's RandomState of a device."""
    kind = device(dev).type
    state = _default_states.get(kind)
    if state is None:
        state = _default_states[kind] = RandomState(kind, _default_states["cpu"].seed)
    return state


def manual_seed(s):
    """Seed every device's generator: a run that starts with the same seed draws the same numbers.
    Returns the seed as stored (negative seeds are taken modulo 2^64, as PyTorch)."""
    s = as_seed(s)
    for state in list(_default_states.values()):
        state.manual_seed(s)
    return s


def seed():
    """Seed every device's generator from OS entropy, as ``torch.seed``, and return the seed used
    (a non-negative integer below 2^63); ``initial_seed()`` gives it back later, so a run seeded
    at random can still be repeated.

    Examples:
        >>> import yingshe
        >>> s = yingshe.seed()
        >>> a = yingshe.rand(3)
        >>> _ = yingshe.manual_seed(s)
        >>> yingshe.equal(yingshe.rand(3), a), yingshe.initial_seed() == s
        (True, True)
    """
    return manual_seed(int(np.random.SeedSequence().entropy % (1 << 63)))


def initial_seed():
    """The seed the CPU generator was last seeded with, by ``manual_seed`` or ``seed`` (PyTorch's
    default seed, 67280421310721, before either).

    Examples:
        >>> import yingshe
        >>> _ = yingshe.manual_seed(42)
        >>> yingshe.initial_seed()
        42
    """
    return _default_states["cpu"].seed


# Draws for meta tensors are meaningless; they come from here so no device's stream moves.
_meta_rng = np.random.Generator(np.random.PCG64(0))


def generator(dev="cpu"):
    """The framework's random generator of a device: ``numpy.random.Generator`` or CuPy's."""
    if device(dev).type == "meta":
        return _meta_rng
    return default_state(dev).rng


def rng(gen=None, dev="cpu"):
    """The raw generator to draw from for a tensor on ``dev``: the device's own when ``gen`` is
    None, a ``yingshe.Generator``'s (which must be of that device), or a NumPy/CuPy
    ``Generator`` given directly."""
    if gen is None:
        return generator(dev)
    state = getattr(gen, "_random_state", None)
    if state is not None:
        kind = device(dev).type
        if kind != "meta" and state.device.type != kind:
            raise RuntimeError(f"Expected a '{kind}' device type for generator but found "
                               f"'{state.device.type}'")
        return state.rng
    if isinstance(gen, np.random.Generator) or (
            _cupy is not None and isinstance(gen, _cupy.random.Generator)):
        return gen
    raise TypeError(f"generator must be a yingshe.Generator (or a numpy.random.Generator), got "
                    f"{type(gen).__name__}")


def get_rng_state():
    """Every device generator's state as plain data (for training checkpoints)."""
    state = {"seed": initial_seed()}
    cpu = _default_states["cpu"]
    if cpu._rng is not None:
        state["cpu"] = cpu._rng.bit_generator.state
    return state


def set_rng_state(state):
    """Restore what ``get_rng_state`` returned: random draws continue exactly where they were."""
    manual_seed(int(state["seed"]))
    if "cpu" in state:
        generator("cpu").bit_generator.state = state["cpu"]
