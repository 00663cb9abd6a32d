"""Transformer layers (Vaswani et al. 2017) with PyTorch's submodule names, so torch state_dicts
load: each sublayer is x + Dropout(Sublayer(x)) followed by LayerNorm (post-norm), or
x + Dropout(Sublayer(LayerNorm(x))) with ``norm_first`` (pre-norm).  The attention sublayers are
``MultiheadAttention`` (Vaswani et al. 2017, §3.2: softmax(Q K^T / sqrt(d_k) + M) V); the
feed-forward one is linear2(dropout(activation(linear1(x))))."""
import copy
import math

from ... import _dtype
from ..._backend import array_module
from ..._tensor import Tensor
from ...ops.activation import gelu
from ...ops.elementwise import relu
from .. import init
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer", "generate_square_subsequent_mask"]


def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """The causal mask of ``nn.Transformer.generate_square_subsequent_mask``:
    (sz, sz) float, 0 on and below the diagonal and -inf above it, so that, added to the attention
    scores, position i attends only to positions j <= i (Vaswani et al. 2017, §3.2.3).

    Shape: output (sz, sz).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.generate_square_subsequent_mask(3)
        tensor([[0., -inf, -inf],
                [0., 0., -inf],
                [0., 0., 0.]])
    """
    xp = array_module(device or "cpu")
    np_dtype = _dtype.to_np(dtype) if dtype is not None else _dtype.get_default_dtype().np
    mask = xp.triu(xp.full((sz, sz), -math.inf, np_dtype), 1)
    return Tensor._make(mask)


def _activation(activation):
    """"relu" / "gelu" -> the function; a callable (function or module) is kept."""
    if callable(activation):
        return activation
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class _FeedForwardLayer(Module):
    """The feed-forward sublayer and the options shared by encoder and decoder layers."""

    def _init_feed_forward(self, d_model, dim_feedforward, dropout, activation, norm_first, bias,
                           kw):
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.activation = _activation(activation)

    def _ff_block(self, x, dropout):
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _attention_block(self, attention, dropout, x, memory, attn_mask, key_padding_mask,
                         is_causal):
        x = attention(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                      need_weights=False, is_causal=is_causal)[0]
        return dropout(x)


class TransformerEncoderLayer(_FeedForwardLayer):
    """``torch.nn.TransformerEncoderLayer`` (Vaswani et al. 2017, §3.1):
    self-attention then a feed-forward block, each with a residual connection and LayerNorm,

        x = norm1(x + dropout1(self_attn(x, x, x)));   x = norm2(x + dropout2(ff(x)))

    with ff(x) = linear2(dropout(activation(linear1(x)))), activation relu (or gelu, or a
    callable); ``norm_first=True`` computes x + sublayer(norm(x)) instead (pre-norm).  Submodules:
    self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.

    Shape: src (S, N, E) (or (N, S, E) with ``batch_first``, (S, E) unbatched); src_mask (S, S) or
    (N * nhead, S, S); src_key_padding_mask (N, S); output like src.

    Examples:
        >>> import yingshe
        >>> layer = yingshe.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> layer(yingshe.randn(5, 3, 8)).shape
        yingshe.Size([5, 3, 8])
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                 dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self._init_feed_forward(d_model, dim_feedforward, dropout, activation, norm_first, bias,
                                kw)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        return self._attention_block(self.self_attn, self.dropout1, x, x, attn_mask,
                                     key_padding_mask, is_causal)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (S, N, E) (or (N, S, E) with batch_first); src_mask (S, S) or (N * nhead, S, S)
        and src_key_padding_mask (N, S) as in ``MultiheadAttention``."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_FeedForwardLayer):
    """``torch.nn.TransformerDecoderLayer`` (Vaswani et al. 2017, §3.1):
    self-attention over the target, attention over the encoder's ``memory``, then feed-forward,
    each with a residual connection and LayerNorm,

        x = norm1(x + self_attn(x, x, x))
        x = norm2(x + multihead_attn(x, memory, memory))
        x = norm3(x + ff(x))

    (dropout after each sublayer; ``norm_first=True``: x + sublayer(norm(x))).  Submodules:
    self_attn, multihead_attn, linear1, dropout, linear2, norm1-3, dropout1-3.

    Shape: tgt (T, N, E) and memory (S, N, E) (batch first with ``batch_first``); tgt_mask
    (T, T); memory_mask (T, S); tgt_key_padding_mask (N, T); memory_key_padding_mask (N, S);
    output like tgt.

    Examples:
        >>> import yingshe
        >>> layer = yingshe.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        >>> layer(yingshe.randn(3, 4, 8), yingshe.randn(3, 5, 8)).shape
        yingshe.Size([3, 4, 8])
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                 dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **kw)
        self._init_feed_forward(d_model, dim_feedforward, dropout, activation, norm_first, bias,
                                kw)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """tgt (T, N, E), memory (S, N, E) (batch first with ``batch_first``); tgt_mask (T, T),
        memory_mask (T, S), tgt_key_padding_mask (N, T), memory_key_padding_mask (N, S)."""
        x = tgt
        self_args = (tgt_mask, tgt_key_padding_mask, tgt_is_causal)
        memory_args = (memory, memory_mask, memory_key_padding_mask, memory_is_causal)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), *self_args)
            x = x + self._mha_block(self.norm2(x), *memory_args)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, *self_args))
        x = self.norm2(x + self._mha_block(x, *memory_args))
        return self.norm3(x + self._ff_block(x, self.dropout3))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        return self._attention_block(self.self_attn, self.dropout1, x, x, attn_mask,
                                     key_padding_mask, is_causal)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        return self._attention_block(self.multihead_attn, self.dropout2, x, memory, attn_mask,
                                     key_padding_mask, is_causal)


class TransformerEncoder(Module):
    """``torch.nn.TransformerEncoder``: ``num_layers`` deep copies of
    ``encoder_layer`` (in ``layers``) applied in turn, then the optional ``norm``.
    ``enable_nested_tensor`` and ``mask_check`` are accepted for PyTorch compatibility (there is no
    nested-tensor fast path).

    Shape: src (S, N, E) (or (N, S, E) with the layers' ``batch_first``); mask (S, S);
    src_key_padding_mask (N, S); output like src.

    Examples:
        >>> import yingshe
        >>> layer = yingshe.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> encoder = yingshe.nn.TransformerEncoder(layer, num_layers=2)
        >>> padding = yingshe.tensor([[False] * 5, [False] * 3 + [True] * 2])  # lengths 5 and 3
        >>> encoder(yingshe.randn(5, 2, 8), src_key_padding_mask=padding).shape
        yingshe.Size([5, 2, 8])
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))
        return self.norm(output) if self.norm is not None else output


class TransformerDecoder(Module):
    """``torch.nn.TransformerDecoder``: ``num_layers`` deep copies of
    ``decoder_layer`` (in ``layers``) applied in turn to the target with the same ``memory``, then
    the optional ``norm``.

    Shape: tgt (T, N, E) and memory (S, N, E) (batch first with the layers' ``batch_first``);
    tgt_mask (T, T); memory_mask (T, S); tgt_key_padding_mask (N, T); memory_key_padding_mask
    (N, S); output like tgt.

    Examples:
        >>> import yingshe
        >>> layer = yingshe.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        >>> decoder = yingshe.nn.TransformerDecoder(layer, num_layers=2)
        >>> causal = yingshe.nn.Transformer.generate_square_subsequent_mask(4)
        >>> decoder(yingshe.randn(3, 4, 8), yingshe.randn(3, 5, 8), tgt_mask=causal).shape
        yingshe.Size([3, 4, 8])
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return self.norm(output) if self.norm is not None else output


class Transformer(Module):
    """``torch.nn.Transformer`` (Vaswani et al. 2017, "Attention is all you need"):
    an encoder (num_encoder_layers layers + LayerNorm) over ``src`` and a decoder
    (num_decoder_layers layers + LayerNorm) over ``tgt`` that attends to the encoder's output;
    every parameter with more than one dimension is re-initialised with xavier_uniform_, as
    PyTorch.  The defaults are the paper's base model (d_model 512, 8 heads, 6 + 6 layers,
    dim_feedforward 2048, dropout 0.1).

    Shape: src (S, N, E) and tgt (T, N, E) (or (N, S, E), (N, T, E) with ``batch_first``);
    src_mask (S, S); tgt_mask (T, T); memory_mask (T, S); src_key_padding_mask and
    memory_key_padding_mask (N, S); tgt_key_padding_mask (N, T); output (T, N, E).

    Examples:
        >>> import yingshe
        >>> model = yingshe.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
        ...                                num_decoder_layers=1, dim_feedforward=16)
        >>> src, tgt = yingshe.randn(6, 2, 8), yingshe.randn(4, 2, 8)
        >>> model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(4)).shape
        yingshe.Size([4, 2, 8])
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                       norm_first=norm_first, bias=bias, **kw)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
