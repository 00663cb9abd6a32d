"""``yingshe.backends.cudnn``: PyTorch's cuDNN switches.  yingshe never calls cuDNN, so they
are plain settings that code may read and write (``benchmark = True``, ``deterministic = True``);
they change nothing, and ``is_available()`` is False."""

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic", "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: yingshe does not call cuDNN (its GPU path is CuPy), so the switches of this
    module are plain settings that change nothing.

    Examples:
        >>> import yingshe
        >>> yingshe.backends.cudnn.is_available()
        False
        >>> yingshe.backends.cudnn.benchmark     # PyTorch's default; code may set it freely
        False
    """
    return False


def version():
    """None (the function body is this docstring): no cuDNN is used, so there is no version
    to report, as in a PyTorch built without cuDNN.

    Examples:
        >>> import yingshe
        >>> print(yingshe.backends.cudnn.version())
        None
    """
