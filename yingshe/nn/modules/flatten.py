"""Reshaping layers: ``Flatten`` (e.g. conv features to a vector) and ``Unflatten``."""
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one (default: everything but the batch dim),
    e.g. conv features to the vector a ``Linear`` layer takes.

    Shape: input (*, S_start, ..., S_end, *); output (*, S_start * ... * S_end, *).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Flatten()(yingshe.zeros(2, 3, 4, 5)).shape
        yingshe.Size([2, 60])
        >>> yingshe.nn.Flatten(0, 1)(yingshe.zeros(2, 3, 4, 5)).shape
        yingshe.Size([6, 4, 5])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size``, the inverse of ``Flatten`` (e.g. a
    decoder's vector back to an image).

    Shape: input (*, S_dim, *) with S_dim = prod(unflattened_size); output (*, U_1, ..., U_n, *).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Unflatten(1, (1, 28, 28))(yingshe.zeros(3, 784)).shape
        yingshe.Size([3, 1, 28, 28])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        dim = self.dim % input.ndim
        shape = tuple(input.shape[:dim]) + self.unflattened_size + tuple(input.shape[dim + 1:])
        return input.reshape(shape)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
