"""Bags of embeddings reduced without materialising the lookups one bag at a time
(``torch.nn.functional.embedding_bag``): bag b holds the positions offsets[b] ..
offsets[b+1] - 1 of a flat index vector, and its output row is the sum, the mean or the
elementwise maximum of the rows those positions look up.  With per-sample weights w_j, the sum
is sum_j w_j W[idx_j]: SVD++'s implicit-feedback term |N(u)|^(-1/2) sum_{j in N(u)} y_j (Koren
2008, "Factorization meets the neighborhood", eq. 15) is one bag per user."""
import numpy as np

from .._backend import get_array_module
from ..autograd.function import Op, once_differentiable
from .embedding import sparse_row_grad

__all__ = ["embedding_bag"]

MODES = ("sum", "mean", "max")


class EmbeddingBag(Op):
    """out[b] = reduce over positions j of bag b of s_j W[idx_j], with s_j = w_j (sum, per-sample
    weights), 1 / |bag b| (mean; padding positions not counted), or the elementwise max.

    Backward: dW[idx_j] += s_j dout[bag_j] (sum, mean; as sparse COO entries with ``sparse``);
    dw_j = W[idx_j] . dout[bag_j]; max sends dout[b, d] to the row of the first position that
    attained the maximum of column d.  Empty bags (and bags of padding only) output zeros."""

    @staticmethod
    def forward(ctx, weight, per_sample_weights, *, indices, bags, num_bags, mode, padding_idx,
                sparse):
        xp = get_array_module(weight)
        positions = None
        if padding_idx is not None:  # padding positions are not part of their bag
            positions = xp.flatnonzero(indices != padding_idx)
            indices, bags = indices[positions], bags[positions]
        rows = weight[indices]
        counts = xp.bincount(bags, minlength=num_bags)
        ctx.indices, ctx.bags, ctx.positions = indices, bags, positions
        ctx.mode, ctx.sparse, ctx.weight_shape = mode, sparse, weight.shape
        if mode == "max":
            out = xp.full((num_bags, weight.shape[1]), -xp.inf, weight.dtype)
            xp.maximum.at(out, bags, rows)
            out[counts == 0] = 0
            # the first position of each bag that attains the maximum, column by column
            first = xp.full(out.shape, len(indices), xp.int64)
            xp.minimum.at(first, bags, xp.where(rows == out[bags],
                                                xp.arange(len(indices))[:, None], len(indices)))
            ctx.first, ctx.nonempty = first, counts > 0
            return out
        if per_sample_weights is not None:
            rows = rows * _samples(per_sample_weights, ctx)[:, None]
            ctx.save_for_backward(weight, per_sample_weights)
        out = xp.zeros((num_bags, weight.shape[1]), weight.dtype)
        xp.add.at(out, bags, rows)
        if mode == "mean":
            ctx.divisor = xp.maximum(counts, 1).astype(weight.dtype)
            out /= ctx.divisor[:, None]
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        xp = get_array_module(grad)
        if ctx.mode == "max":
            grad_weight = xp.zeros(ctx.weight_shape, grad.dtype)
            first = ctx.first[ctx.nonempty]
            columns = xp.broadcast_to(xp.arange(grad.shape[1]), first.shape)
            xp.add.at(grad_weight, (ctx.indices[first], columns), grad[ctx.nonempty])
            return grad_weight, None
        if ctx.mode == "mean":
            grad = grad / ctx.divisor[:, None]
        row_grads = grad[ctx.bags]
        grad_samples = None
        if ctx.saved_tensors:
            weight, per_sample_weights = (t._data for t in ctx.saved_tensors)
            if ctx.needs_input_grad[1]:
                dots = xp.einsum("jd,jd->j", weight[ctx.indices], row_grads)
                grad_samples = xp.zeros(per_sample_weights.size, grad.dtype)
                grad_samples[ctx.positions if ctx.positions is not None else slice(None)] = dots
                grad_samples = grad_samples.reshape(per_sample_weights.shape)
            row_grads = row_grads * _samples(per_sample_weights, ctx)[:, None]
        if not ctx.needs_input_grad[0]:
            return None, grad_samples
        if ctx.sparse:
            return sparse_row_grad(ctx.indices, row_grads, ctx.weight_shape), grad_samples
        grad_weight = xp.zeros(ctx.weight_shape, grad.dtype)
        xp.add.at(grad_weight, ctx.indices, row_grads)
        return grad_weight, grad_samples


def _samples(per_sample_weights, ctx):
    """The per-sample weights of the positions that take part in a bag, flat."""
    flat = per_sample_weights.reshape(-1)
    return flat[ctx.positions] if ctx.positions is not None else flat


def _bags(input, offsets, include_last_offset, xp):
    """(flat indices, bag of each, number of bags) of 1-D ``input`` cut at ``offsets``
    (checked as PyTorch checks them)."""
    length = input.shape[0]
    if offsets.size == 0:
        if include_last_offset:
            raise ValueError("embedding_bag: include_last_offset needs at least one offset")
        return input[:0], xp.zeros(0, xp.int64), 0
    first, last = int(offsets[0]), int(offsets[-1])
    if first != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {first}")
    if last > length:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {length} but "
                           f"got offsets[-1] of {last}")
    if bool((offsets[1:] < offsets[:-1]).any()):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got "
                           f"{offsets.tolist() if offsets.size <= 20 else 'a decrease'}")
    if include_last_offset:
        if last != length:  # PyTorch's results then differ between dtypes and modes
            raise ValueError(f"embedding_bag: with include_last_offset the last offset must be "
                             f"the input's length {length}, got {last}")
        starts, ends = offsets[:-1], offsets[1:]
    else:
        starts, ends = offsets, xp.concatenate([offsets[1:], xp.asarray([length])])
    bags = xp.repeat(xp.arange(len(starts)), (ends - starts).astype(xp.int64))
    return input, bags, len(starts)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of rows of ``weight``, without materialising the lookups.

    out[b] = reduce_{j in bag b} s_j weight[input_j], with reduce = sum (s_j the
    ``per_sample_weights``, else 1), mean (the default; s_j = 1 / |bag b|) or the elementwise
    max. ``input`` (B, N) is B bags of N indices (no ``offsets``), or 1-D with ``offsets``
    giving where each bag starts (B + 1 offsets with ``include_last_offset``, the last one the
    input's length). ``padding_idx`` rows are left out of their bags and of the mean's count;
    empty bags give zeros. With ``sparse`` (sum and mean) the weight's gradient is a sparse COO
    tensor, one entry per lookup. One bag per user is SVD++'s implicit-feedback term (Koren
    2008). ``max_norm`` and ``scale_grad_by_freq`` are not supported.

    Shape: input (B, N), or (n) with offsets (B) (or (B + 1)); weight (num_embeddings,
    embedding_dim); per_sample_weights the shape of ``input``; output (B, embedding_dim).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> weight = yingshe.arange(8.).reshape(4, 2)
        >>> input, offsets = yingshe.tensor([0, 1, 3, 2]), yingshe.tensor([0, 3])
        >>> F.embedding_bag(input, weight, offsets, mode="sum")
        tensor([[ 8., 11.],
                [ 4.,  5.]])
        >>> F.embedding_bag(yingshe.tensor([[0, 1], [3, 2]]), weight, mode="max")
        tensor([[2., 3.],
                [6., 7.]])
    """
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: max_norm and scale_grad_by_freq are not "
                                  "supported")
    if mode not in MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if weight.ndim != 2:
        raise ValueError(f"embedding_bag: weight must be 2-D (num_embeddings, embedding_dim), "
                         f"got shape {tuple(weight.shape)}")
    indices = input._data
    xp = get_array_module(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding_bag: expected integer indices, got dtype {input.dtype}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                f"on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights "
                             f"({tuple(per_sample_weights.shape)}) is not None, then it must "
                             f"have the same shape as the input ({tuple(input.shape)})")
        if per_sample_weights.dtype != weight.dtype:
            raise TypeError(f"embedding_bag: per_sample_weights ({per_sample_weights.dtype}) "
                            f"must have the dtype of weight ({weight.dtype})")
    if sparse and mode == "max":
        raise ValueError("max mode does not support sparse weights")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding_bag: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({num})")
        padding_idx %= num
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated "
                             f"is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets).__name__}")
        batch, length = indices.shape
        flat, bags, num_bags = indices.reshape(-1), xp.repeat(xp.arange(batch), length), batch
    elif indices.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        offset_array = offsets._data
        if offset_array.ndim != 1 or offset_array.dtype.kind not in "iu":
            raise ValueError(f"offsets has to be a 1D integer Tensor, got shape "
                             f"{tuple(offsets.shape)} and dtype {offsets.dtype}")
        flat, bags, num_bags = _bags(indices, offset_array, include_last_offset, xp)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{indices.ndim}")
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= num):
        raise IndexError(f"embedding_bag: index out of range: indices span [{int(flat.min())}, "
                         f"{int(flat.max())}] but the table has {num} rows")
    return EmbeddingBag.apply(weight, per_sample_weights, indices=flat.astype(np.int64),
                              bags=bags.astype(np.int64), num_bags=num_bags, mode=mode,
                              padding_idx=padding_idx, sparse=bool(sparse))
