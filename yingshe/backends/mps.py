"""``yingshe.backends.mps``: Apple's Metal backend, which yingshe does not have."""

__all__ = ["is_available", "is_built"]


def is_available():
    """False: yingshe has no Apple Metal (MPS) backend, so device-picking code written for
    PyTorch falls through to the next choice.

    Examples:
        >>> import yingshe
        >>> yingshe.backends.mps.is_available()
        False
        >>> device = ("cuda" if yingshe.cuda.is_available()
        ...           else "mps" if yingshe.backends.mps.is_available() else "cpu")
        >>> device in ("cuda", "cpu")
        True
    """
    return False


def is_built():
    """False: yingshe is not built with Apple Metal (MPS) support.

    Examples:
        >>> import yingshe
        >>> yingshe.backends.mps.is_built()
        False
    """
    return False
