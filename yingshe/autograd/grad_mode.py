"""Gradient recording on or off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``
(context managers and decorators)."""
import copy
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]


class _GradState:
    """One process-wide switch (yingshe is single-threaded, like its NumPy backend)."""
    enabled = True


STATE = _GradState


def is_grad_enabled():
    """Whether ops record a graph: True unless inside ``no_grad``/``inference_mode`` or after
    ``set_grad_enabled(False)`` (``torch.is_grad_enabled``).

    Examples:
        >>> import yingshe
        >>> yingshe.is_grad_enabled()
        True
        >>> with yingshe.no_grad():
        ...     yingshe.is_grad_enabled()
        False
    """
    return STATE.enabled


class _GradModeContext:
    _enter_value = True

    def __new__(cls, *args, **kwargs):
        """``@no_grad`` without parentheses decorates like ``@no_grad()`` (as PyTorch 2 allows)."""
        if cls is not set_grad_enabled and len(args) == 1 and not kwargs and callable(args[0]):
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._previous = STATE.enabled
        STATE.enabled = self._enter_value

    def __exit__(self, *exc):
        STATE.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with copy.copy(self):  # a context of its own per call, same mode
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Context manager (or decorator) inside which ops record no graph and save nothing for
    backward: results have ``requires_grad=False`` even when their inputs require grad.  The
    usual way to evaluate a model, or to update weights by hand without the update entering
    the graph (``torch.no_grad``).

    Examples:
        >>> import yingshe
        >>> w = yingshe.tensor([1.0, 2.0], requires_grad=True)
        >>> with yingshe.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
        >>> @yingshe.no_grad()
        ... def step(w):
        ...     w -= 0.1 * w                 # an in-place update of a leaf, allowed here
        >>> step(w)
        >>> w
        tensor([0.9000, 1.8000], requires_grad=True)
    """
    _enter_value = False


class enable_grad(_GradModeContext):
    """Context manager (or decorator) that turns recording back on inside a ``no_grad`` block
    (``torch.enable_grad``).

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0], requires_grad=True)
        >>> with yingshe.no_grad():
        ...     with yingshe.enable_grad():
        ...         y = x * 2
        ...     z = x * 2
        >>> y.requires_grad, z.requires_grad
        (True, False)
    """
    _enter_value = True


class inference_mode(no_grad):
    """``no_grad`` under PyTorch's name for its faster variant (``torch.inference_mode``):
    ``inference_mode()`` turns recording off, ``inference_mode(False)`` leaves it on.  yingshe
    has no separate "inference tensors": results are ordinary tensors that do not require grad.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0], requires_grad=True)
        >>> with yingshe.inference_mode():
        ...     (x * 2).requires_grad
        False
        >>> with yingshe.inference_mode(False):
        ...     (x * 2).requires_grad
        True
    """

    def __init__(self, mode=True):
        self._enter_value = not mode


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off (``torch.set_grad_enabled``): called as a function it stays
    so, used as a context manager (or decorator) it restores the previous setting on exit.
    Handy where one code path serves training and evaluation: ``set_grad_enabled(training)``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0], requires_grad=True)
        >>> with yingshe.set_grad_enabled(False):
        ...     (x * 2).requires_grad
        False
        >>> _ = yingshe.set_grad_enabled(False)      # as a call: stays off ...
        >>> yingshe.is_grad_enabled()
        False
        >>> _ = yingshe.set_grad_enabled(True)       # ... until turned back on
        >>> yingshe.is_grad_enabled()
        True
    """

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
