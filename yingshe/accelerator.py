"""``yingshe.accelerator``: the device-agnostic view of the accelerator, as ``torch.accelerator``.
yingshe's only accelerator is CUDA (through CuPy), so this answers from ``yingshe.cuda``:

    device = yingshe.accelerator.current_accelerator().type \
        if yingshe.accelerator.is_available() else "cpu"
"""
from . import _backend, cuda

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]


def is_available():
    """True when an accelerator (a CUDA GPU through CuPy) can be used
    (``torch.accelerator.is_available``).

    Examples:
        The device-agnostic idiom: the accelerator when there is one, else the CPU.

        >>> import yingshe
        >>> device = "cuda" if yingshe.accelerator.is_available() else "cpu"
        >>> yingshe.zeros(2, device=device).device.type == device
        True
        >>> yingshe.accelerator.is_available()      # with a GPU and CuPy  # doctest: +SKIP
        True
    """
    return cuda.is_available()


def current_accelerator(check_available=False):
    """``device("cuda")`` when a GPU is usable, else None, as
    ``torch.accelerator.current_accelerator`` (``check_available`` is accepted for its
    signature: the answer is None without a usable GPU either way).

    Examples:
        >>> import yingshe
        >>> accelerator = yingshe.accelerator.current_accelerator()
        >>> device = accelerator if accelerator is not None else yingshe.device("cpu")
        >>> yingshe.ones(2, device=device).device.type == device.type
        True
        >>> accelerator                              # with a GPU and CuPy  # doctest: +SKIP
        device(type='cuda')
    """
    return _backend.device("cuda") if cuda.is_available() else None


def device_count():
    """The number of accelerator devices (0 without one; ``torch.accelerator.device_count``).

    Examples:
        >>> import yingshe
        >>> (yingshe.accelerator.device_count() > 0) == yingshe.accelerator.is_available()
        True
        >>> yingshe.accelerator.device_count()      # one GPU  # doctest: +SKIP
        1
    """
    return cuda.device_count()


def _check():
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index():
    """The index of the current accelerator device, where new CUDA tensors go
    (``torch.accelerator.current_device_index``); RuntimeError without an accelerator.

    Examples:
        >>> import yingshe
        >>> if yingshe.accelerator.is_available():
        ...     index = yingshe.accelerator.current_device_index()
        ...     assert 0 <= index < yingshe.accelerator.device_count()
        >>> yingshe.accelerator.current_device_index()   # with a GPU  # doctest: +SKIP
        0
    """
    _check()
    return cuda.current_device()


def set_device_index(device):
    """Make ``device`` (an index, "cuda:N" or a ``device``) the current accelerator device
    (``torch.accelerator.set_device_index``); RuntimeError without an accelerator.

    Examples:
        >>> import yingshe
        >>> yingshe.accelerator.set_device_index(0)      # with a GPU  # doctest: +SKIP
        >>> yingshe.accelerator.current_device_index()   # doctest: +SKIP
        0
    """
    _check()
    cuda.set_device(device)


def synchronize(device=None):
    """Wait until all work queued on the accelerator ``device`` (default: the current one) has
    finished (``torch.accelerator.synchronize``), e.g. before reading a timer: GPU kernels run
    asynchronously.  RuntimeError without an accelerator.

    Examples:
        >>> import yingshe
        >>> if yingshe.accelerator.is_available():
        ...     total = yingshe.ones(1000, device="cuda").sum()   # queued on the GPU
        ...     yingshe.accelerator.synchronize()                 # now it has run
    """
    _check()
    cuda.synchronize(device)
