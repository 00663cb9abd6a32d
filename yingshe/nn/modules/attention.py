"""Attention layers: additive (Bahdanau) attention, dot-product attention and PyTorch's
``MultiheadAttention`` with its parameter names, shapes and initialisation."""
from ...ops.attention import _attention, masked_softmax
from ...ops.creation import empty
from ...ops.dropout import dropout
from ...ops.linear import linear
from .. import init
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["AdditiveAttention", "AttentionPool", "DotProductAttention", "MultiheadAttention"]


def _padding_keep(key_padding_mask):
    """(N, Lk) bool, True = pad  ->  a (N, 1, Lk) mask with True = take part."""
    if key_padding_mask is None:
        return None
    if key_padding_mask._data.dtype.kind != "b":
        raise TypeError(f"key_padding_mask must be a bool Tensor (True = padding), got "
                        f"{key_padding_mask.dtype}")
    return ~key_padding_mask.unsqueeze(1)


def _attend(scores, values, key_padding_mask, single, p, training):
    """Weights = softmax over unpadded keys, dropout, context = weights @ values."""
    weights = masked_softmax(scores, _padding_keep(key_padding_mask), -1)
    context = dropout(weights, p, training) @ values
    if single:
        return context.squeeze(1), weights.squeeze(1)
    return context, weights


class AdditiveAttention(Module):
    """Additive attention (Bahdanau, Cho & Bengio 2015):

        e_ij = v^T tanh(W_q s_i + W_k h_j),  alpha_ij = softmax_j(e_ij),  c_i = sum_j alpha_ij v_j.

    ``W_q`` (query_size -> hidden_size), ``W_k`` (key_size -> hidden_size) and ``v``
    (hidden_size -> 1) are Linear layers without bias.  ``forward(query, keys, values,
    key_padding_mask=None)`` returns (context, weights); keys marked True (padding) in
    ``key_padding_mask`` get weight 0.  ``dropout`` applies to the weights in training mode.

    Shape: query (N, D_q) or (N, L_q, D_q); keys (N, L_k, D_k); values (N, L_k, D_v);
    key_padding_mask (N, L_k) bool; context (N, D_v) or (N, L_q, D_v); weights (N, L_k) or
    (N, L_q, L_k).

    Examples:
        >>> import yingshe
        >>> attention = yingshe.nn.AdditiveAttention(query_size=4, key_size=6, hidden_size=8)
        >>> padding = yingshe.tensor([[False] * 5, [False, False, False, True, True]])
        >>> context, weights = attention(yingshe.randn(2, 4), yingshe.randn(2, 5, 6),
        ...                              yingshe.randn(2, 5, 3), key_padding_mask=padding)
        >>> context.shape, weights.shape
        (yingshe.Size([2, 3]), yingshe.Size([2, 5]))
        >>> weights[1, 3:].tolist()  # the padded keys of the second sequence
        [0.0, 0.0]
    """

    def __init__(self, query_size, key_size, hidden_size, dropout=0.0):
        super().__init__()
        self.W_q = Linear(query_size, hidden_size, bias=False)
        self.W_k = Linear(key_size, hidden_size, bias=False)
        self.v = Linear(hidden_size, 1, bias=False)
        self.dropout = dropout

    def forward(self, query, keys, values, key_padding_mask=None):
        single = query.ndim == 2
        q = self.W_q(query.unsqueeze(1) if single else query)  # (N, Lq, H)
        features = (q.unsqueeze(2) + self.W_k(keys).unsqueeze(1)).tanh()  # (N, Lq, Lk, H)
        scores = self.v(features).squeeze(-1)  # (N, Lq, Lk)
        return _attend(scores, values, key_padding_mask, single, self.dropout, self.training)


class AttentionPool(Module):
    """Attention pooling: a sequence of vectors x_1..x_T becomes one weighted average
    (feed-forward attention, Raffel & Ellis 2016; the word-level attention of Yang et al. 2016
    with a linear score):

        s_i = w^T x_i + b          (``score="linear"``: w, b learned, ``score_proj``)
        s_i = x_i^T q              (``score="dot"``: the query q is passed to forward)
        a_i = exp(s_i) / sum_j exp(s_j) over the unpadded positions,   c = sum_i a_i x_i.

    ``forward(input, key_padding_mask=None, query=None)`` returns (c, a); padded positions (True
    in ``key_padding_mask``) get weight 0.  ``dropout`` applies to the weights in training mode.
    Softmax is unchanged when the same b is added to every score, so b only follows the formula:
    its gradient is zero.

    Shape: input (N, T, D); key_padding_mask (N, T) bool; query (N, D); c (N, D); a (N, T).

    Examples:
        >>> import yingshe
        >>> pool = yingshe.nn.AttentionPool(6)
        >>> padding = yingshe.tensor([[False] * 5, [False, False, False, True, True]])
        >>> c, a = pool(yingshe.randn(2, 5, 6), key_padding_mask=padding)
        >>> c.shape, a.shape
        (yingshe.Size([2, 6]), yingshe.Size([2, 5]))
        >>> a[1, 3:].tolist()
        [0.0, 0.0]
    """

    def __init__(self, embed_dim, score="linear", bias=True, dropout=0.0, device=None,
                 dtype=None):
        super().__init__()
        if score not in ("linear", "dot"):
            raise ValueError(f"AttentionPool: score must be 'linear' or 'dot', got {score!r}")
        self.embed_dim, self.score, self.dropout = embed_dim, score, dropout
        self.score_proj = Linear(embed_dim, 1, bias=bias, device=device, dtype=dtype) \
            if score == "linear" else None

    def forward(self, input, key_padding_mask=None, query=None):
        if input.ndim != 3 or input.shape[-1] != self.embed_dim:
            raise ValueError(f"AttentionPool: expected input (N, T, {self.embed_dim}), got "
                             f"{tuple(input.shape)}")
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != input.shape[:2]:
            raise ValueError(f"AttentionPool: key_padding_mask {tuple(key_padding_mask.shape)} "
                             f"must be (N, T) = {input.shape[:2]} for input "
                             f"{tuple(input.shape)}")
        if self.score == "linear":
            if query is not None:
                raise ValueError("AttentionPool: score='linear' learns its scores and takes no "
                                 "query (use score='dot')")
            scores = self.score_proj(input).transpose(1, 2)  # (N, 1, T)
        else:
            expected = (input.shape[0], self.embed_dim)
            if query is None or tuple(query.shape) != expected:
                got = None if query is None else tuple(query.shape)
                raise ValueError(f"AttentionPool: score='dot' needs a query of shape {expected} "
                                 f"for input {tuple(input.shape)}, got {got}")
            scores = query.unsqueeze(1) @ input.transpose(1, 2)  # (N, 1, T)
        return _attend(scores, input, key_padding_mask, True, self.dropout, self.training)

    def extra_repr(self):
        text = f"{self.embed_dim}, score={self.score!r}"
        return text + (f", dropout={self.dropout}" if self.dropout else "")


class DotProductAttention(Module):
    """Dot-product attention (Luong, Pham & Manning 2015; scaled: Vaswani et al.
    2017): weights = softmax(Q K^T / sqrt(d_k)) (softmax(Q K^T) with ``scaled=False``), context =
    weights V.  Same forward signature, masking and outputs as ``AdditiveAttention``; the query
    size must equal the key size.

    Shape: query (N, D) or (N, L_q, D); keys (N, L_k, D); values (N, L_k, D_v); context (N, D_v) or
    (N, L_q, D_v); weights (N, L_k) or (N, L_q, L_k).

    Examples:
        >>> import yingshe
        >>> query = yingshe.tensor([[[1.0, 0.0]]])
        >>> keys = yingshe.tensor([[[1.0, 0.0], [0.0, 1.0]]])
        >>> values = yingshe.tensor([[[10.0, 0.0], [0.0, 10.0]]])
        >>> context, weights = yingshe.nn.DotProductAttention()(query, keys, values)
        >>> weights  # softmax([1, 0] / sqrt(2))
        tensor([[[0.6698, 0.3302]]])
        >>> context
        tensor([[[6.6976, 3.3024]]])
    """

    def __init__(self, scaled=True, dropout=0.0):
        super().__init__()
        self.scaled, self.dropout = scaled, dropout

    def forward(self, query, keys, values, key_padding_mask=None):
        single = query.ndim == 2
        q = query.unsqueeze(1) if single else query
        if self.scaled:
            q = q * (1.0 / q.shape[-1] ** 0.5)
        scores = q @ keys.transpose(-2, -1)
        return _attend(scores, values, key_padding_mask, single, self.dropout, self.training)

    def extra_repr(self):
        return f"scaled={self.scaled}, dropout={self.dropout}"


class MultiheadAttention(Module):
    """Multi-head attention, ``torch.nn.MultiheadAttention`` (Vaswani et al. 2017,
    §3.2.2): head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V) with Attention(Q, K, V) =
    softmax(Q K^T / sqrt(d_k) + M) V, d_k = embed_dim / num_heads, and output =
    Concat(head_1..head_h) W^O + b^O.

    Parameters as PyTorch: ``in_proj_weight`` (3E, E) (or ``q_proj_weight`` (E, E),
    ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim) when kdim/vdim differ from E),
    ``in_proj_bias`` (3E), ``out_proj`` Linear(E, E); projection weights xavier_uniform_, biases 0.
    Masks as PyTorch: ``key_padding_mask`` and ``attn_mask``, bool with True = NOT allowed to
    attend, or float added to the scores (M).  ``forward`` returns (attn_output, attn_weights),
    the weights averaged over the heads unless ``average_attn_weights=False``.  Difference: a query
    that may attend to no key gets a zero output and zero weights (PyTorch's are NaN there).

    Shape: query (L, N, E); key (S, N, kdim); value (S, N, vdim) (with ``batch_first``
    (N, L, E), (N, S, kdim), (N, S, vdim); unbatched (L, E), (S, kdim), (S, vdim));
    key_padding_mask (N, S); attn_mask (L, S) or (N * num_heads, L, S); attn_output like the
    query; attn_weights (N, L, S), or (N, num_heads, L, S) with ``average_attn_weights=False``.

    Examples:
        >>> import yingshe
        >>> mha = yingshe.nn.MultiheadAttention(embed_dim=8, num_heads=2)
        >>> query, memory = yingshe.randn(5, 3, 8), yingshe.randn(7, 3, 8)
        >>> output, weights = mha(query, memory, memory)
        >>> output.shape, weights.shape
        (yingshe.Size([5, 3, 8]), yingshe.Size([3, 5, 7]))
        >>> causal = yingshe.nn.Transformer.generate_square_subsequent_mask(5)
        >>> output, weights = mha(query, query, query, attn_mask=causal)
        >>> weights[0, 0].tolist()  # the first position sees only itself
        [1.0, 0.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                                      "implemented")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = dropout, batch_first
        self.head_dim = embed_dim // num_heads
        kw = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **kw)
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def _project(self, query, key, value, packed_self):
        """Q, K, V = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v."""
        biases = (self.in_proj_bias.chunk(3) if self.in_proj_bias is not None
                  else (None, None, None))
        if not self._qkv_same_embed_dim:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        elif packed_self:  # self-attention: one product with the packed (3E, E) weight
            return linear(query, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        else:
            weights = self.in_proj_weight.chunk(3)
        return [linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases)]

    def _masks(self, key_padding_mask, attn_mask, n, length, source_length):
        """PyTorch's masks as (keep, bias) broadcasting to the (N, H, L, S) scores: keep a bool
        array (True = attend), bias a float Tensor added to the scores."""
        keep, bias = None, None
        masks = []
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (n, source_length):
                raise RuntimeError(f"expected key_padding_mask of shape {(n, source_length)}, "
                                   f"got {tuple(key_padding_mask.shape)}")
            masks.append(key_padding_mask.reshape(n, 1, 1, source_length))
        if attn_mask is not None:
            if attn_mask.ndim == 2:
                expected = (length, source_length)
            else:
                expected = (n * self.num_heads, length, source_length)
            if tuple(attn_mask.shape) != expected:
                raise RuntimeError(f"The shape of the {attn_mask.ndim}D attn_mask is "
                                   f"{tuple(attn_mask.shape)}, but should be {expected}.")
            if attn_mask.ndim == 3:
                attn_mask = attn_mask.reshape(n, self.num_heads, length, source_length)
            masks.append(attn_mask)
        for mask in masks:
            if mask._data.dtype.kind == "b":
                keep = ~mask._data if keep is None else keep & ~mask._data
            else:
                bias = mask if bias is None else bias + mask
        return keep, bias

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """Returns (attn_output, attn_weights): the output shaped like ``query`` and the weights
        (N, L, S) averaged over heads, (N, num_heads, L, S) with ``average_attn_weights=False``,
        or None with ``need_weights=False``.  ``is_causal`` is a hint that ``attn_mask`` is the
        causal mask, which must then be given (as PyTorch)."""
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                               "generate_square_subsequent_mask to create this mask.")
        packed_self = query is key and key is value
        batched = query.ndim == 3
        if not batched:  # (L, E) -> (1, L, E)
            query, key, value = (x.unsqueeze(0) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        n, length, source_length = query.shape[0], query.shape[1], key.shape[1]
        if query.shape[2] != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but "
                                 f"got {query.shape[2]}")
        if key.shape[:2] != value.shape[:2] or key.shape[0] != n:
            raise AssertionError(f"query, key and value need one batch size and key/value one "
                                 f"length, got shapes {tuple(query.shape)}, {tuple(key.shape)} "
                                 f"and {tuple(value.shape)} (batch first)")
        q, k, v = self._project(query, key, value, packed_self)
        heads = [x.reshape(n, x.shape[1], self.num_heads, self.head_dim).permute(0, 2, 1, 3)
                 for x in (q, k, v)]  # (N, H, L or S, head_dim)
        keep, bias = self._masks(key_padding_mask, attn_mask, n, length, source_length)
        p = self.dropout if self.training else 0.0
        output, weights = _attention(*heads, keep=keep, bias=bias, dropout_p=p)
        output = self.out_proj(output.permute(0, 2, 1, 3).reshape(n, length, self.embed_dim))
        if not batched:
            output = output.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(dim=1)
        return output, (weights if batched else weights.squeeze(0))
