"""``yingshe.cuda``: the CUDA device as ``torch.cuda`` presents it, answered by CuPy.

CuPy is optional.  Without it (or without a GPU) ``is_available()`` is False, ``device_count()``
is 0, the seeding and cache functions do nothing, and the functions that need a GPU raise
AssertionError, as PyTorch does in a build without CUDA."""
import numpy as np

from . import _backend

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "get_device_name", "get_device_capability", "empty_cache", "memory_allocated",
           "memory_reserved", "is_bf16_supported", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "initial_seed"]


def is_available():
    """True when CuPy is installed and finds a GPU."""
    return _backend.cuda_is_available()


def _cupy():
    """CuPy, or PyTorch's AssertionError when there is no CUDA device to ask."""
    try:
        return _backend._import_cupy()
    except RuntimeError as exc:
        raise AssertionError(f"CUDA is not available to yingshe: {exc}") from None


def _index(device):
    if device is None:
        return _cupy().cuda.runtime.getDevice()
    if isinstance(device, int):
        return device
    device = _backend.device(device)
    if device.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {device}")
    return _cupy().cuda.runtime.getDevice() if device.index is None else device.index


def device_count():
    """The number of GPUs CuPy sees (0 without CuPy)."""
    if not is_available():
        return 0
    return _cupy().cuda.runtime.getDeviceCount()


def current_device():
    """The index of the GPU that new CUDA arrays go to."""
    return _cupy().cuda.runtime.getDevice()


def set_device(device):
    """Make ``device`` (an index, "cuda:N" or a device) the current GPU; negative does nothing."""
    index = _index(device)
    if index >= 0:
        _cupy().cuda.runtime.setDevice(index)


def synchronize(device=None):
    """Wait until every kernel queued on the GPU has finished."""
    with _cupy().cuda.Device(_index(device)):
        _cupy().cuda.runtime.deviceSynchronize()


def _properties(device):
    return _cupy().cuda.runtime.getDeviceProperties(_index(device))


def get_device_name(device=None):
    """The name of the GPU ``device`` (default: the current one), e.g. ``'NVIDIA H100'``."""
    name = _properties(device)["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None):
    """(major, minor) compute capability."""
    properties = _properties(device)
    return properties["major"], properties["minor"]


def empty_cache():
    """Give the cached, unused GPU memory of CuPy's pools back to the driver."""
    if is_available():
        _cupy().get_default_memory_pool().free_all_blocks()
        _cupy().get_default_pinned_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    """Bytes held by arrays in CuPy's memory pool (0 without CUDA)."""
    return _cupy().get_default_memory_pool().used_bytes() if is_available() else 0


def memory_reserved(device=None):
    """Bytes CuPy's memory pool holds from the driver, in use or cached (0 without CUDA)."""
    return _cupy().get_default_memory_pool().total_bytes() if is_available() else 0


def is_bf16_supported(including_emulation=True):
    """False: yingshe has no bfloat16 dtype on any device."""
    return False


def manual_seed(seed):
    """Seed the CUDA generator (harmless without CUDA, as in PyTorch)."""
    _backend.default_state("cuda").manual_seed(seed)


manual_seed_all = manual_seed  # one generator serves every GPU


def seed():
    """Seed the CUDA generator from OS entropy."""
    manual_seed(int(np.random.SeedSequence().entropy % (1 << 63)))


seed_all = seed


def initial_seed():
    """The seed of the CUDA generator."""
    _cupy()
    return _backend.default_state("cuda").seed
