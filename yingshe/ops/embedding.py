"""Embedding lookup: row i of the weight matrix is the vector of token i (Bengio et al. 2003);
the gradient of a row is the sum of the gradients of every position that looked it up."""
from .._backend import get_array_module
from ..autograd.function import Op, once_differentiable

__all__ = ["embedding"]


class Embedding(Op):
    """y[...] = W[idx[...]];  dW[i] = sum of dy at the positions where idx == i (none for
    padding_idx)."""

    @staticmethod
    def forward(ctx, indices, weight, padding_idx):
        ctx.indices, ctx.weight_shape, ctx.padding_idx = indices, weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        xp = get_array_module(grad)
        rows = grad.reshape(-1, ctx.weight_shape[1])
        grad_weight = xp.zeros(ctx.weight_shape, grad.dtype)
        xp.add.at(grad_weight, ctx.indices.reshape(-1), rows)
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return None, grad_weight, None


def embedding(input, weight, padding_idx=None):
    """Look up rows of ``weight`` (num_embeddings, embedding_dim) by the integer ``input``."""
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
    return Embedding.apply(input, weight, padding_idx)
