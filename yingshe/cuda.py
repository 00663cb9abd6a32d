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
    """True when CuPy is installed and finds a GPU (``torch.cuda.is_available``).

    Examples:
        >>> import yingshe
        >>> device = "cuda" if yingshe.cuda.is_available() else "cpu"
        >>> model = yingshe.nn.Linear(4, 2).to(device)
        >>> model(yingshe.randn(3, 4, device=device)).shape
        yingshe.Size([3, 2])
        >>> yingshe.cuda.is_available()              # with a GPU and CuPy  # doctest: +SKIP
        True
    """
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
    """The number of GPUs CuPy sees (0 without CuPy or without a GPU;
    ``torch.cuda.device_count``).

    Examples:
        >>> import yingshe
        >>> (yingshe.cuda.device_count() > 0) == yingshe.cuda.is_available()
        True
        >>> [f"cuda:{i}" for i in range(yingshe.cuda.device_count())]   # doctest: +SKIP
        ['cuda:0']
    """
    if not is_available():
        return 0
    return _cupy().cuda.runtime.getDeviceCount()


def current_device():
    """The index of the GPU that new CUDA tensors go to (``torch.cuda.current_device``);
    AssertionError without CUDA.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.current_device()            # with a GPU  # doctest: +SKIP
        0
    """
    return _cupy().cuda.runtime.getDevice()


def set_device(device):
    """Make ``device`` (an index, "cuda:N" or a device) the current GPU, where "cuda" tensors
    go from now on (``torch.cuda.set_device``); a negative index does nothing.  AssertionError
    without CUDA.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.set_device("cuda:1")        # with two GPUs  # doctest: +SKIP
        >>> yingshe.zeros(2, device="cuda").device   # doctest: +SKIP
        device(type='cuda', index=1)
    """
    index = _index(device)
    if index >= 0:
        _cupy().cuda.runtime.setDevice(index)


def synchronize(device=None):
    """Wait until every kernel queued on the GPU ``device`` (default: the current one) has
    finished (``torch.cuda.synchronize``): GPU work runs asynchronously, so time it only after
    a synchronize.  AssertionError without CUDA.

    Examples:
        >>> import time
        >>> import yingshe
        >>> x = yingshe.randn(1024, 1024, device="cuda")    # doctest: +SKIP
        >>> start = time.perf_counter()
        >>> y = x @ x                                       # doctest: +SKIP
        >>> yingshe.cuda.synchronize()                      # doctest: +SKIP
        >>> elapsed = time.perf_counter() - start
    """
    with _cupy().cuda.Device(_index(device)):
        _cupy().cuda.runtime.deviceSynchronize()


def _properties(device):
    return _cupy().cuda.runtime.getDeviceProperties(_index(device))


def get_device_name(device=None):
    """The name of the GPU ``device`` (default: the current one), as the driver reports it
    (``torch.cuda.get_device_name``); AssertionError without CUDA.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.get_device_name(0)          # on an H100  # doctest: +SKIP
        'NVIDIA H100 80GB HBM3'
    """
    name = _properties(device)["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None):
    """The (major, minor) compute capability of the GPU ``device`` (default: the current one;
    ``torch.cuda.get_device_capability``); AssertionError without CUDA.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.get_device_capability()     # an H100 (Hopper)  # doctest: +SKIP
        (9, 0)
    """
    properties = _properties(device)
    return properties["major"], properties["minor"]


def empty_cache():
    """Give the cached, unused GPU memory of CuPy's pools back to the driver
    (``torch.cuda.empty_cache``); memory that tensors still hold stays.  Does nothing without
    CUDA.

    Examples:
        In a fresh process:

        >>> import yingshe
        >>> x = yingshe.zeros(1024, 1024, device="cuda")     # 4 MiB  # doctest: +SKIP
        >>> del x                                            # doctest: +SKIP
        >>> yingshe.cuda.memory_reserved() - yingshe.cuda.memory_allocated()  # doctest: +SKIP
        4194304
        >>> yingshe.cuda.empty_cache()
        >>> yingshe.cuda.memory_reserved() - yingshe.cuda.memory_allocated()  # doctest: +SKIP
        0
    """
    if is_available():
        _cupy().get_default_memory_pool().free_all_blocks()
        _cupy().get_default_pinned_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    """Bytes held by live arrays in CuPy's memory pool (0 without CUDA;
    ``torch.cuda.memory_allocated``, for all GPUs together: ``device`` is accepted and not
    used).

    Examples:
        >>> import yingshe
        >>> before = yingshe.cuda.memory_allocated()
        >>> x = yingshe.zeros(1024, 1024, device="cuda")     # 4 MiB  # doctest: +SKIP
        >>> yingshe.cuda.memory_allocated() - before         # doctest: +SKIP
        4194304
    """
    return _cupy().get_default_memory_pool().used_bytes() if is_available() else 0


def memory_reserved(device=None):
    """Bytes CuPy's memory pool holds from the driver, in use or cached for reuse (0 without
    CUDA; ``torch.cuda.memory_reserved``, for all GPUs together).  ``empty_cache`` returns
    the cached part.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.memory_reserved() >= yingshe.cuda.memory_allocated()
        True
    """
    return _cupy().get_default_memory_pool().total_bytes() if is_available() else 0


def is_bf16_supported(including_emulation=True):
    """False: yingshe has no bfloat16 dtype on any device, so code that picks its
    mixed-precision dtype with this falls back to float16 or float32.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.is_bf16_supported()
        False
    """
    return False


def manual_seed(seed):
    """Seed the CUDA generator, which draws the random numbers of "cuda" tensors
    (``torch.cuda.manual_seed``; ``manual_seed_all`` is the same, one generator serves every
    GPU).  Harmless without CUDA, as in PyTorch; ``yingshe.manual_seed`` seeds it too.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.manual_seed(0)
        >>> a = yingshe.rand(3, device="cuda")              # doctest: +SKIP
        >>> yingshe.cuda.manual_seed(0)
        >>> yingshe.equal(a, yingshe.rand(3, device="cuda"))  # doctest: +SKIP
        True
    """
    _backend.default_state("cuda").manual_seed(seed)


manual_seed_all = manual_seed  # one generator serves every GPU


def seed():
    """Seed the CUDA generator from OS entropy (``torch.cuda.seed``; ``seed_all`` is the
    same); ``initial_seed`` then tells the seed, to repeat the run.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.seed()
        >>> seed = yingshe.cuda.initial_seed()      # with CUDA  # doctest: +SKIP
    """
    manual_seed(int(np.random.SeedSequence().entropy % (1 << 63)))


seed_all = seed


def initial_seed():
    """The seed of the CUDA generator (``torch.cuda.initial_seed``); AssertionError without
    CUDA.

    Examples:
        >>> import yingshe
        >>> yingshe.cuda.manual_seed(42)
        >>> yingshe.cuda.initial_seed()             # with CUDA  # doctest: +SKIP
        42
    """
    _cupy()
    return _backend.default_state("cuda").seed
