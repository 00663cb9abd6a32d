"""``yingshe.backends.mps``: Apple's Metal backend, which yingshe does not have."""

__all__ = ["is_available", "is_built"]


def is_available():
    """False: yingshe has no Apple Metal (MPS) backend."""
    return False


def is_built():
    """False: yingshe is not built with Apple Metal (MPS) support."""
    return False
