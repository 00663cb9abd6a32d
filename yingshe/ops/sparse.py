"""Sparse COO tensors as far as sparse gradients need them (PyTorch's ``torch.sparse_coo``
layout).  ``Embedding(sparse=True)`` and ``EmbeddingBag(sparse=True)`` give their weight a
gradient that holds only the rows a batch looked up: ``indices`` (1, nnz) names the row of each
lookup and ``values`` (nnz, D) its gradient, possibly with repeated rows (uncoalesced: the
gradient is the sum of the entries of each row).  A table of R rows then costs O(nnz D) per
step instead of O(R D), and ``optim.SparseAdam`` updates only those rows.

A sparse tensor is not a dense array: dense ops and the dense optimisers refuse it with an
error that says so (PyTorch's Adam refuses sparse gradients too); ``to_dense()`` converts."""
import math

from .._backend import device_of, get_array_module
from .._dtype import from_np
from .._tensor import Size, Tensor
from .creation import as_tensor

__all__ = ["sparse_coo_tensor"]

TENSOR_METHODS = {"is_sparse": property(lambda self: False, doc="False: a dense tensor")}


class SparseCooTensor(Tensor):
    """A sparse tensor in coordinate format: ``_indices()`` (sparse_dim, nnz) int64,
    ``_values()`` (nnz, *dense dims) and the dense ``shape``; entries with equal indices add
    up.  Made by ``sparse_coo_tensor`` and by the sparse embedding backwards."""
    __slots__ = ("_sparse_indices", "_sparse_values", "_dense_shape", "_coalesced")

    @classmethod
    def _make_sparse(cls, indices, values, shape, coalesced=False):
        """Wrap raw arrays without copying or checking (indices (sparse_dim, nnz))."""
        t = object.__new__(cls)
        t._sparse_indices, t._sparse_values = indices, values
        t._dense_shape, t._coalesced = tuple(int(n) for n in shape), coalesced
        t.grad, t.requires_grad, t.grad_fn, t._output_nr = None, False, None, 0
        t._version_box, t._hooks, t._retains_grad = [0], None, False
        return t

    @property
    def _data(self):
        raise RuntimeError(
            f"this operation needs a dense tensor but got a sparse COO tensor (shape "
            f"{list(self._dense_shape)}, nnz {self._nnz()}), such as the gradient of an "
            f"Embedding or EmbeddingBag with sparse=True; dense optimisers (Adam, SGD, ...) do "
            f"not support sparse gradients: use optim.SparseAdam, or call .to_dense()")

    # ---- attributes ----------------------------------------------------------------------
    is_sparse = property(lambda self: True, doc="True: a sparse COO tensor")

    @property
    def layout(self):
        return "sparse_coo"

    @property
    def shape(self):
        return Size(self._dense_shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._dense_shape[dim]

    def dim(self):
        return len(self._dense_shape)

    @property
    def ndim(self):
        return len(self._dense_shape)

    def numel(self):
        return math.prod(self._dense_shape)

    @property
    def dtype(self):
        return from_np(self._sparse_values.dtype)

    @property
    def device(self):
        return device_of(self._sparse_values)

    def is_floating_point(self):
        return self._sparse_values.dtype.kind == "f"

    def sparse_dim(self):
        return self._sparse_indices.shape[0]

    def dense_dim(self):
        return self._sparse_values.ndim - 1

    def _nnz(self):
        return self._sparse_indices.shape[1]

    def _indices(self):
        return Tensor._make(self._sparse_indices)

    def _values(self):
        return Tensor._make(self._sparse_values)

    def indices(self):
        """The indices of a coalesced tensor (PyTorch refuses an uncoalesced one)."""
        self._check_coalesced("indices")
        return self._indices()

    def values(self):
        """The values of a coalesced tensor (PyTorch refuses an uncoalesced one)."""
        self._check_coalesced("values")
        return self._values()

    def _check_coalesced(self, what):
        if not self._coalesced:
            raise RuntimeError(f"Cannot get {what} on an uncoalesced tensor, please call "
                               f".coalesce() first")

    def is_coalesced(self):
        return self._coalesced

    # ---- conversions ---------------------------------------------------------------------
    def coalesce(self):
        """The same tensor with each index once, in increasing (row-major) order, its values
        the sums of the entries that shared it."""
        if self._coalesced:
            return self
        xp = get_array_module(self._sparse_values)
        sparse_shape = self._dense_shape[:self.sparse_dim()]
        linear = xp.ravel_multi_index(tuple(self._sparse_indices), sparse_shape) \
            if self._nnz() else xp.zeros(0, xp.int64)
        unique, inverse = xp.unique(linear, return_inverse=True)
        values = xp.zeros((len(unique),) + self._sparse_values.shape[1:],
                          self._sparse_values.dtype)
        xp.add.at(values, inverse.reshape(-1), self._sparse_values)
        indices = xp.stack(xp.unravel_index(unique, sparse_shape)).astype(xp.int64) \
            if len(unique) else xp.zeros((len(sparse_shape), 0), xp.int64)
        return SparseCooTensor._make_sparse(indices, values, self._dense_shape, True)

    def to_dense(self):
        """The dense tensor: zeros with the values added at their indices."""
        xp = get_array_module(self._sparse_values)
        dense = xp.zeros(self._dense_shape, self._sparse_values.dtype)
        xp.add.at(dense, tuple(self._sparse_indices), self._sparse_values)
        return Tensor._make(dense)

    def detach(self):
        return SparseCooTensor._make_sparse(self._sparse_indices, self._sparse_values,
                                            self._dense_shape, self._coalesced)

    def clone(self):
        return SparseCooTensor._make_sparse(self._sparse_indices.copy(),
                                            self._sparse_values.copy(), self._dense_shape,
                                            self._coalesced)

    # ---- arithmetic: what summing gradients needs ---------------------------------------
    def __add__(self, other):
        """sparse + sparse is sparse (the entries of both, uncoalesced); sparse + dense is
        dense."""
        if isinstance(other, SparseCooTensor):
            if other._dense_shape != self._dense_shape:
                raise RuntimeError(f"sparse add: shapes {list(self._dense_shape)} and "
                                   f"{list(other._dense_shape)} differ")
            xp = get_array_module(self._sparse_values)
            return SparseCooTensor._make_sparse(
                xp.concatenate([self._sparse_indices, other._sparse_indices], axis=1),
                xp.concatenate([self._sparse_values, other._sparse_values]), self._dense_shape)
        if isinstance(other, Tensor):
            if tuple(other.shape) != self._dense_shape:
                raise RuntimeError(f"add: sparse tensor of shape {list(self._dense_shape)} and "
                                   f"dense tensor of shape {list(other.shape)} differ")
            return self.to_dense() + other
        return NotImplemented

    __radd__ = __add__

    def __mul__(self, other):
        """Times a Python number: the values scaled."""
        if not isinstance(other, (int, float)):
            return NotImplemented
        return SparseCooTensor._make_sparse(self._sparse_indices, self._sparse_values * other,
                                            self._dense_shape, self._coalesced)

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1

    def __repr__(self):
        return (f"tensor(indices={self._indices()!r},\n       values={self._values()!r},\n"
                f"       size={self._dense_shape}, nnz={self._nnz()}, layout=yingshe.sparse_coo)")


def sparse_coo_tensor(indices, values, size=None, dtype=None, device=None, requires_grad=False,
                      is_coalesced=None):
    """A sparse tensor in coordinate (COO) format (``torch.sparse_coo_tensor``).

    The dense tensor it stands for is D[indices[:, k]] += values[k] for k = 0, ..., nnz - 1:
    entries with equal indices add up until ``coalesce()`` merges them. ``size`` defaults to
    one more than the largest index in each sparse dimension, then the values' dense
    dimensions. Not differentiable (sparse tensors here are gradients of sparse embeddings).

    Shape: indices (sparse_dim, nnz) integers; values (nnz, *dense_dims); the tensor
    ``size`` = (s_0, ..., s_{sparse_dim - 1}, *dense_dims).

    Examples:
        >>> import yingshe
        >>> i = yingshe.tensor([[0, 1], [2, 0]])
        >>> yingshe.sparse_coo_tensor(i, yingshe.tensor([3., 4.]), (2, 3)).to_dense()
        tensor([[0., 0., 3.],
                [4., 0., 0.]])
        >>> rows = yingshe.sparse_coo_tensor(yingshe.tensor([[0, 2, 0]]), yingshe.ones(3, 2))
        >>> rows.to_dense()
        tensor([[2., 2.],
                [0., 0.],
                [1., 1.]])
        >>> rows.coalesce().indices()
        tensor([[0, 2]])
    """
    if requires_grad:
        raise NotImplementedError("sparse_coo_tensor: sparse tensors that require grad are not "
                                  "supported (they are gradients only)")
    indices = as_tensor(indices, device=device)._data
    values = as_tensor(values, dtype=dtype, device=device)._data
    xp = get_array_module(values)
    if indices.ndim != 2 or indices.dtype.kind not in "iu":
        raise ValueError(f"sparse_coo_tensor: indices must be a 2-D integer tensor (sparse_dim, "
                         f"nnz), got shape {indices.shape} and dtype {indices.dtype}")
    if values.ndim < 1 or values.shape[0] != indices.shape[1]:
        raise ValueError(f"sparse_coo_tensor: values {values.shape} must have one row per "
                         f"index column ({indices.shape[1]})")
    sparse_dim = indices.shape[0]
    if size is None:
        size = tuple(int(m) + 1 for m in indices.max(axis=1)) if indices.shape[1] else \
            (0,) * sparse_dim
        size += values.shape[1:]
    size = tuple(int(n) for n in size)
    if len(size) != sparse_dim + values.ndim - 1 or size[sparse_dim:] != values.shape[1:]:
        raise ValueError(f"sparse_coo_tensor: size {list(size)} does not fit indices "
                         f"{indices.shape} and values {values.shape}")
    if indices.shape[1] and (int(indices.min()) < 0 or
                             bool((indices.max(axis=1) >= xp.asarray(size[:sparse_dim])).any())):
        raise ValueError(f"sparse_coo_tensor: indices span [{int(indices.min())}, "
                         f"{int(indices.max())}], out of the size {list(size)}")
    return SparseCooTensor._make_sparse(indices.astype(xp.int64), values, size,
                                        bool(is_coalesced))
