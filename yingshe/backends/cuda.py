"""``yingshe.backends.cuda``: PyTorch's CUDA switches; ``matmul.allow_tf32`` and its kin are
accepted (unknown names raise AttributeError, as in PyTorch) and change nothing in yingshe."""
import importlib.util

__all__ = ["is_built", "matmul"]


def is_built():
    """Whether CUDA support can be used at all: CuPy is installed (as
    ``torch.backends.cuda.is_built``; whether a GPU is there is ``yingshe.cuda.is_available()``).

    Examples:
        >>> import yingshe
        >>> yingshe.backends.cuda.is_built() or not yingshe.cuda.is_available()
        True
        >>> yingshe.backends.cuda.matmul.allow_tf32       # PyTorch's default; setting it is a no-op
        False
    """
    return importlib.util.find_spec("cupy") is not None


class _MatmulSwitches:
    """``matmul.allow_tf32`` (False), ``allow_fp16_reduced_precision_reduction`` and
    ``allow_bf16_reduced_precision_reduction`` (True), PyTorch's defaults."""
    __slots__ = ("allow_tf32", "allow_fp16_reduced_precision_reduction",
                 "allow_bf16_reduced_precision_reduction")

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    def __getattr__(self, name):
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name not in self.__slots__:
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)


matmul = _MatmulSwitches()
