"""Gradient recording on or off: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (context managers and decorators)."""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]


class _GradState:
    """One process-wide switch (yingshe is single-threaded, like its NumPy backend)."""
    enabled = True


STATE = _GradState


def is_grad_enabled():
    """True unless inside ``no_grad``/``inference_mode`` or ``set_grad_enabled(False)``: whether ops record a graph."""
    return STATE.enabled


class _GradModeContext:
    _enter_value = True

    def __enter__(self):
        self._previous = STATE.enabled
        STATE.enabled = self._enter_value

    def __exit__(self, *exc):
        STATE.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Inside it, ops record no graph and save nothing for backward."""
    _enter_value = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` block."""
    _enter_value = True


class inference_mode(no_grad):
    """Alias of ``no_grad`` (PyTorch's faster variant; here they are the same)."""

    def __init__(self, mode=True):
        self._enter_value = not mode


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` works as a call, a context manager or a decorator."""

    def __init__(self, mode):
        self._enter_value = bool(mode)
        self._previous = STATE.enabled
        STATE.enabled = self._enter_value

    def __enter__(self):
        pass

    def __call__(self, fn):
        STATE.enabled = self._previous
        mode = self._enter_value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
