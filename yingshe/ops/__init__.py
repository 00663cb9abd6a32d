"""The op library, one module per family.  Each module lists in ``TENSOR_METHODS`` the functions
that also become ``Tensor`` methods and operators; they are attached here, once, at import."""
from .._tensor import Tensor
from . import (
    activation,
    broadcast,
    creation,
    elementwise,
    indexing,
    inplace,
    linalg,
    matmul,
    reduce,
    shape,
    softmax,
    sparse,
)

_FAMILIES = (creation, broadcast, elementwise, activation, reduce, shape, indexing, inplace, matmul,
             softmax, linalg, sparse)


def _bind_tensor_methods():
    for family in _FAMILIES:
        for name, function in family.TENSOR_METHODS.items():
            setattr(Tensor, name, function)


_bind_tensor_methods()
