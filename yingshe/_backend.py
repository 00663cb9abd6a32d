"""Devices: "cpu" is NumPy, "cuda" is CuPy.  Every op reaches its math through ``get_array_module``."""
import numpy as np

__all__ = ["device", "get_array_module", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state"]

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


class device:
    """A device, ``device("cpu")`` or ``device("cuda")`` / ``device("cuda:0")``; compares equal to its string."""
    __slots__ = ("type", "index")

    def __init__(self, spec, index=None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        kind, _, idx = str(spec).partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"unknown device {spec!r}: expected 'cpu' or 'cuda[:N]'")
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


CPU = device("cpu")
CUDA = device("cuda")


def get_array_module(x):
    """NumPy for CPU arrays (and anything that is not a CuPy array), CuPy for GPU arrays."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy
    return np


def array_module(dev):
    """The array module of a device given as a string or ``device``."""
    return np if device(dev).type == "cpu" else _import_cupy()


def device_of(array):
    return CUDA if (_cupy is not None and isinstance(array, _cupy.ndarray)) else CPU


def to_device(array, dev):
    """``array`` moved to device ``dev`` (the same object when it is already there)."""
    dev = device(dev)
    if dev.type == "cpu":
        return array.get() if (_cupy is not None and isinstance(array, _cupy.ndarray)) else array
    cupy = _import_cupy()
    return cupy.asarray(array)


# Randomness: one generator per device, reseeded together by manual_seed.
_DEFAULT_SEED = 67280421310721
_generators = {}
_seed = [_DEFAULT_SEED]


def manual_seed(s):
    """Seed every device's generator: a run that starts with the same seed draws the same numbers."""
    s = int(s)
    if s < 0:
        raise ValueError(f"manual_seed: the seed must be non-negative, got {s}")
    _seed[0] = s
    _generators.clear()
    return s


def seed():
    """Seed from OS entropy and return the seed used."""
    return manual_seed(int(np.random.SeedSequence().entropy % (1 << 63)))


def initial_seed():
    return _seed[0]


def generator(dev="cpu"):
    """The random generator of a device: ``numpy.random.Generator`` or CuPy's equivalent."""
    kind = device(dev).type
    gen = _generators.get(kind)
    if gen is None:
        if kind == "cpu":
            gen = np.random.Generator(np.random.PCG64(_seed[0]))
        else:
            gen = _import_cupy().random.default_rng(_seed[0])
        _generators[kind] = gen
    return gen


def get_rng_state():
    """The state of every device generator that has been used, as plain data (for checkpoints)."""
    state = {"seed": _seed[0]}
    cpu = _generators.get("cpu")
    if cpu is not None:
        state["cpu"] = cpu.bit_generator.state
    return state


def set_rng_state(state):
    """Restore what ``get_rng_state`` returned: random draws continue exactly where they were."""
    _seed[0] = int(state["seed"])
    _generators.clear()
    if "cpu" in state:
        generator("cpu").bit_generator.state = state["cpu"]
