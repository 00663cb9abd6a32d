"""``Parameter``: a Tensor that a Module registers as a learnable weight."""
from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and that ``Module`` lists in ``parameters()``."""
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        from ..ops.creation import empty
        source = empty(0) if data is None else data
        array = source._data if isinstance(source, Tensor) else source
        self._init(array, False)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """Marks a Tensor assigned to a Module attribute as a buffer (``persistent`` in state_dict)."""
    __slots__ = ("persistent",)

    def __init__(self, data, *, persistent=True):
        self._init(data._data if isinstance(data, Tensor) else data, False)
        self.persistent = persistent
