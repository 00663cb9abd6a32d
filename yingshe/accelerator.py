"""``yingshe.accelerator``: the device-agnostic view of the accelerator, as ``torch.accelerator``.
yingshe's only accelerator is CUDA (through CuPy), so this answers from ``yingshe.cuda``:

    device = yingshe.accelerator.current_accelerator().type \
        if yingshe.accelerator.is_available() else "cpu"
"""
from . import _backend, cuda

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]


def is_available():
    """True when an accelerator (a CUDA GPU through CuPy) can be used."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """``device("cuda")`` when a GPU is usable, else None."""
    return _backend.device("cuda") if cuda.is_available() else None


def device_count():
    """The number of accelerator devices (0 without one)."""
    return cuda.device_count()


def _check():
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index():
    """The index of the current accelerator device; RuntimeError without one."""
    _check()
    return cuda.current_device()


def set_device_index(device):
    """Make ``device`` the current accelerator device; RuntimeError without one."""
    _check()
    cuda.set_device(device)


def synchronize(device=None):
    """Wait until all work queued on the accelerator ``device`` has finished."""
    _check()
    cuda.synchronize(device)
