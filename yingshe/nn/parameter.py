"""``Parameter``: a Tensor that a Module registers as a learnable weight."""
from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and that ``Module`` registers, when
    assigned to one of its attributes, as a learnable weight: ``parameters()`` lists it for the
    optimiser and ``state_dict()`` saves it.  It shares the memory of the ``data`` it wraps.

    Shape: any, that of ``data`` (an empty (0,) tensor without it).

    Examples:
        >>> import yingshe
        >>> weight = yingshe.nn.Parameter(yingshe.ones(2))
        >>> weight
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        >>> layer = yingshe.nn.Module()
        >>> layer.scale = weight
        >>> [name for name, _ in layer.named_parameters()]
        ['scale']
    """
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
    """Marks a Tensor assigned to a Module attribute as a buffer: non-learnable state such as
    BatchNorm's running mean, which ``buffers()`` lists, ``to()`` moves and, when ``persistent``
    (the default), ``state_dict()`` saves.  The module stores it as a plain Tensor, as PyTorch's.

    Shape: any, that of ``data``.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> module = nn.Module()
        >>> module.steps = nn.Buffer(yingshe.zeros(1))
        >>> module.scratch = nn.Buffer(yingshe.zeros(1), persistent=False)
        >>> [name for name, _ in module.named_buffers()], list(module.state_dict())
        (['steps', 'scratch'], ['steps'])
    """
    __slots__ = ("persistent",)

    def __init__(self, data, *, persistent=True):
        self._init(data._data if isinstance(data, Tensor) else data, False)
        self.persistent = persistent
