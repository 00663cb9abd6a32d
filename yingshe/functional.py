"""``yingshe.functional``: the mirror of ``torch.functional``, the tensor functions PyTorch
writes in Python.  Each name is the yingshe function itself (``yingshe.functional.meshgrid is
yingshe.meshgrid``), defined with its op family in ``yingshe.ops``.

Not mirrored: ``stft`` and ``istft`` (they return complex tensors, which yingshe does not
have), ``lu``, ``pca_lowrank`` and ``svd_lowrank`` (no linear-algebra decompositions yet)."""
from .ops.broadcast import broadcast_shapes, broadcast_tensors
from .ops.indexing import unravel_index
from .ops.matmul import einsum
from .ops.reduce import cdist, chain_matmul, norm, tensordot, unique, unique_consecutive
from .ops.shape import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    cartesian_prod,
    meshgrid,
    split,
)

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
           "cartesian_prod", "block_diag", "cdist", "chain_matmul", "einsum", "norm", "meshgrid",
           "split", "tensordot", "unique", "unique_consecutive", "unravel_index"]
