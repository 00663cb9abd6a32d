"""Attention (Vaswani et al. 2017): a query is compared with every key, the scores are
normalised into weights with softmax, and the output is the weighted sum of the values,

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k) + M) V,

with M an optional additive mask (0 where a key takes part, -inf where it does not).  Built from
Tensor ops (matmul, masked_fill and the fused softmax), so autograd differentiates it."""
import math

from .._backend import get_array_module
from .._tensor import Tensor, _normalize_dim
from .dropout import dropout
from .softmax import softmax

__all__ = ["scaled_dot_product_attention", "masked_softmax"]


def _bool_array(mask, op):
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"{op}: expected a bool mask Tensor, got {got}")
    return mask._data


def masked_softmax(scores, mask, dim=-1):
    """softmax over ``dim`` restricted to the positions where the bool ``mask`` is True (mask
    broadcasts to scores): p_j = m_j exp(s_j) / sum_k m_k exp(s_k).  Positions with mask False get
    probability 0, and a row with no True entry gives all zeros (not NaN), with zero gradient.
    ``mask=None`` is a plain softmax.

    Shape: scores (*); mask (*) bool, broadcastable to scores; output the shape of scores.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> scores = yingshe.tensor([[1., 2., 3.], [1., 1., 1.]])
        >>> mask = yingshe.tensor([[True, True, False], [False, False, False]])
        >>> F.masked_softmax(scores, mask)
        tensor([[0.2689, 0.7311, 0.0000],
                [0.0000, 0.0000, 0.0000]])
    """
    if mask is None:
        return softmax(scores, dim)
    keep = _bool_array(mask, "masked_softmax")
    axis = _normalize_dim(dim, scores.ndim, "masked_softmax")
    xp = get_array_module(scores._data)
    keep = xp.broadcast_to(keep, scores.shape)
    live = keep.any(axis=axis, keepdims=True)
    scores = scores.masked_fill(Tensor._make(~keep & live), -math.inf)
    if live.all():
        return softmax(scores, axis)
    dead = Tensor._make(~live)  # rows without a key: softmax of zeros, then zeroed
    return softmax(scores.masked_fill(dead, 0.0), axis).masked_fill(dead, 0.0)


def _attention(query, key, value, keep=None, bias=None, scale=None, dropout_p=0.0):
    """(softmax(Q K^T * scale + bias) V, weights) with the bool array ``keep`` (True = take
    part) and the additive Tensor ``bias``, both broadcasting to the (..., L, S) scores; -inf
    entries of ``bias`` are treated as masked out.  Dropout with probability ``dropout_p`` on the
    weights; the weights returned are those after dropout (as PyTorch's MultiheadAttention)."""
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query * scale) @ key.transpose(-2, -1)
    if bias is not None:
        scores = scores + bias
        finite = scores._data != -math.inf
        if not finite.all():
            keep = finite if keep is None else keep & finite
    weights = softmax(scores, -1) if keep is None else masked_softmax(scores, Tensor._make(keep))
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value, weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    """Scaled dot-product attention, softmax(Q K^T / sqrt(E) + M) V (Vaswani et al. 2017,
    "Attention Is All You Need", eq. 1).

    Each query row attends to every key row: out_i = sum_j a_ij v_j with
    a_ij = softmax_j(q_i . k_j / sqrt(E) + M_ij).  ``attn_mask`` broadcasts to (..., L, S): a
    bool mask says which keys take part (True = attend), a float mask is added to the scores.
    ``is_causal`` keeps key j <= query i (lower-triangular, top-left aligned).  ``scale``
    replaces 1 / sqrt(E).  ``dropout_p`` drops attention weights (always, as PyTorch's
    functional form; pass 0 in evaluation) with the framework's generator.  A query with no
    key to attend to gets a zero output.

    Shape: query (*, L, E); key (*, S, E); value (*, S, E_v); attn_mask broadcastable to
    (*, L, S); output (*, L, E_v). Batch dimensions (``*``, e.g. (N, heads)) broadcast.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> q = k = yingshe.tensor([[[1., 0.], [0., 1.]]])
        >>> v = yingshe.tensor([[[1., 2.], [3., 4.]]])
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)
        tensor([[[1.0000, 2.0000],
                 [2.3395, 3.3395]]])
        >>> q, k = yingshe.ones(2, 4, 5, 8), yingshe.ones(2, 4, 7, 8)  # (N, heads, L or S, E)
        >>> F.scaled_dot_product_attention(q, k, yingshe.ones(2, 4, 7, 16)).shape
        yingshe.Size([2, 4, 5, 16])
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise RuntimeError(f"scaled_dot_product_attention: {name} must be a Tensor with at "
                               f"least 2 dimensions (..., seq, features)")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: shapes query {tuple(query.shape)}, "
                           f"key {tuple(key.shape)}, value {tuple(value.shape)} do not match "
                           f"(need query/key feature sizes and key/value lengths equal)")
    keep = bias = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be "
                               "set when is_causal=True")
        xp = get_array_module(query._data)
        keep = xp.tril(xp.ones((query.shape[-2], key.shape[-2]), bool))
    elif attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"scaled_dot_product_attention: attn_mask must be a Tensor, got "
                            f"{type(attn_mask).__name__}")
        if attn_mask._data.dtype.kind == "b":
            keep = attn_mask._data
        else:
            bias = attn_mask
    return _attention(query, key, value, keep, bias, scale, dropout_p)[0]
