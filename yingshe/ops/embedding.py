"""Embedding lookup: row i of the weight matrix is the vector of token i (Bengio et al. 2003);
the gradient of a row is the sum of the gradients of every position that looked it up (with
``sparse=True`` kept as one sparse COO entry per lookup, ``ops.sparse``)."""
from .._backend import get_array_module
from ..autograd.function import Op, once_differentiable
from .sparse import SparseCooTensor

__all__ = ["embedding"]


class Embedding(Op):
    """y[...] = W[idx[...]];  dW[i] = sum of dy at the positions where idx == i (none for
    padding_idx)."""

    @staticmethod
    def forward(ctx, indices, weight, padding_idx, sparse=False):
        ctx.indices, ctx.weight_shape, ctx.padding_idx = indices, weight.shape, padding_idx
        ctx.sparse = sparse
        return weight[indices]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        xp = get_array_module(grad)
        rows = grad.reshape(-1, ctx.weight_shape[1])
        if ctx.sparse:
            return None, sparse_row_grad(ctx.indices.reshape(-1), rows, ctx.weight_shape,
                                         ctx.padding_idx), None
        grad_weight = xp.zeros(ctx.weight_shape, grad.dtype)
        xp.add.at(grad_weight, ctx.indices.reshape(-1), rows)
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return None, grad_weight, None


def sparse_row_grad(rows, row_grads, weight_shape, padding_idx=None):
    """The sparse COO gradient of a table of ``weight_shape`` whose row ``rows[k]`` received
    ``row_grads[k]``: one entry per lookup, uncoalesced, lookups of ``padding_idx`` left out
    (as PyTorch's sparse embedding backward)."""
    if padding_idx is not None:
        kept = rows != padding_idx
        rows, row_grads = rows[kept], row_grads[kept]
    return SparseCooTensor._make_sparse(rows.reshape(1, -1).astype("int64"), row_grads.copy(),
                                        weight_shape)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of the table ``weight`` by the integer indices ``input``.

    out[..., :] = weight[input[...], :]: row i is the vector of token i (Bengio et al. 2003,
    "A neural probabilistic language model"). The gradient of row i is the sum of the output
    gradients at every position that looked it up (none for ``padding_idx``); with ``sparse``
    it is a sparse COO tensor of the looked-up rows. ``max_norm`` and ``scale_grad_by_freq``
    are not supported.

    Shape: input (*) integers in [0, num_embeddings); weight (num_embeddings, embedding_dim);
    output (*, embedding_dim).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> weight = yingshe.arange(8.).reshape(4, 2)
        >>> F.embedding(yingshe.tensor([0, 3, 1]), weight)
        tensor([[0., 1.],
                [6., 7.],
                [2., 3.]])
        >>> F.embedding(yingshe.tensor([[0, 3], [1, 1]]), weight).shape
        yingshe.Size([2, 2, 2])
        >>> w = weight.clone().requires_grad_()
        >>> F.embedding(yingshe.tensor([1, 1, 2]), w, padding_idx=2).sum().backward()
        >>> w.grad[:3]
        tensor([[0., 0.],
                [2., 2.],
                [0., 0.]])
    """
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding: max_norm and scale_grad_by_freq are not supported")
    num = weight.shape[0]
    indices = input._data
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices, got dtype {input.dtype}")
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= num):
        raise IndexError(f"embedding: index out of range: indices span "
                         f"[{int(indices.min())}, {int(indices.max())}] but the table has {num} "
                         f"rows")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    return Embedding.apply(input, weight, padding_idx, bool(sparse))
