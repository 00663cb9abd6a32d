"""Attention against PyTorch: scaled_dot_product_attention (check_op: forward, gradients,
gradcheck), masked_softmax, the additive / dot-product attention layers, MultiheadAttention and
the Transformer layers loaded with torch's state_dict (outputs, input and parameter gradients)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import yingshe
from helpers import check_op, check_raises
from yingshe.autograd import gradcheck
from yingshe.nn.modules.attention import AdditiveAttention, DotProductAttention, MultiheadAttention
from yingshe.nn.modules.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from yingshe.ops.attention import masked_softmax, scaled_dot_product_attention

rng = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _no_torch_fastpath():
    """Compare with torch's reference (non-fused) attention path."""
    torch.backends.mha.set_fastpath_enabled(False)
    yield
    torch.backends.mha.set_fastpath_enabled(True)


def _randn(*shape):
    return rng.standard_normal(shape)


# ---- scaled_dot_product_attention ----------------------------------------------------------------
def _sdpa_case(q, k, v, mask=None, **kw):
    inputs = [_randn(*q), _randn(*k), _randn(*v)]
    if mask is not None:
        inputs.append(mask)
    return inputs, kw


_BOOL_MASK = rng.random((3, 5)) > 0.4
_BOOL_MASK[1] = False  # a query with no key: zero output (torch's safe softmax)
_BOOL_MASK[0, 0] = True
_FLOAT_MASK = rng.standard_normal((3, 5))
_FLOAT_MASK[2, :2] = -math.inf

SDPA_CASES = {
    "plain": _sdpa_case((2, 3, 4), (2, 5, 4), (2, 5, 3)),
    "bool-mask": _sdpa_case((2, 3, 4), (2, 5, 4), (2, 5, 3), _BOOL_MASK),
    "float-mask": _sdpa_case((2, 3, 4), (2, 5, 4), (2, 5, 3), _FLOAT_MASK),
    "causal": _sdpa_case((2, 3, 4), (2, 5, 4), (2, 5, 3), is_causal=True),
    "causal-square": _sdpa_case((1, 2, 4, 3), (1, 2, 4, 3), (1, 2, 4, 2), is_causal=True),
    "broadcast-batch": _sdpa_case((2, 1, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3),
                                  _BOOL_MASK[None, None]),
    "scale": _sdpa_case((3, 4), (5, 4), (5, 2), scale=0.3),
}


@pytest.mark.parametrize("case", SDPA_CASES)
def test_scaled_dot_product_attention_matches_torch(case):
    inputs, kw = SDPA_CASES[case]
    grads = [True, True, True, False][:len(inputs)]
    check_op(lambda q, k, v, *m: scaled_dot_product_attention(q, k, v, *m, **kw),
             lambda q, k, v, *m: F.scaled_dot_product_attention(q, k, v, *m, **kw),
             inputs, requires_grad=grads, noncontiguous_inputs=False)


def test_sdpa_dropout_uses_the_framework_generator():
    q, k, v = (yingshe.from_numpy(_randn(2, 4, 3)) for _ in range(3))
    yingshe.manual_seed(3)
    a = scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    yingshe.manual_seed(3)
    b = scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), scaled_dot_product_attention(q, k, v).numpy())
    assert not scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy().any()


def test_sdpa_errors():
    q = yingshe.from_numpy(_randn(3, 4))
    mask = yingshe.from_numpy(np.ones((3, 3), bool))
    check_raises(lambda: scaled_dot_product_attention(q, q, q, mask, is_causal=True),
                 RuntimeError, "is_causal")
    check_raises(lambda: scaled_dot_product_attention(q, q[:, :2], q), RuntimeError, "(3, 2)")


# ---- masked_softmax -----------------------------------------------------------------------------
def test_masked_softmax_zero_rows_and_gradients():
    scores = yingshe.from_numpy(_randn(2, 3, 4)).requires_grad_()
    keep = np.ones((2, 3, 4), bool)
    keep[0, 1] = False
    keep[1, 2, 1:] = False
    p = masked_softmax(scores, yingshe.from_numpy(keep), dim=-1)
    expected = torch.softmax(torch.tensor(scores.detach().numpy()).masked_fill(
        torch.tensor(~keep), -math.inf), -1).nan_to_num(0.0).numpy()
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-12, atol=1e-15)
    assert not p.detach().numpy()[0, 1].any()
    (p * yingshe.from_numpy(_randn(2, 3, 4))).sum().backward()
    g = scores.grad.numpy()
    assert np.isfinite(g).all() and not g[0, 1].any() and not g[1, 2].any()
    assert gradcheck(lambda s: masked_softmax(s, yingshe.from_numpy(keep), 1),
                     [yingshe.from_numpy(_randn(2, 3, 4)).requires_grad_()])
    np.testing.assert_allclose(masked_softmax(scores, None).detach().numpy(),
                               torch.softmax(torch.tensor(scores.detach().numpy()), -1).numpy())


# ---- AdditiveAttention / DotProductAttention ----------------------------------------------------
def _padding(n, lk, lengths):
    return np.arange(lk)[None, :] >= np.asarray(lengths)[:, None]  # True = pad


def test_additive_attention_shapes_weights_and_formula():
    layer = AdditiveAttention(4, 5, 6).double()
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == [
        ("W_q.weight", (6, 4)), ("W_k.weight", (6, 5)), ("v.weight", (1, 6))]
    q, keys, values = _randn(2, 3, 4), _randn(2, 7, 5), _randn(2, 7, 2)
    pad = _padding(2, 7, [7, 4])
    ctx, w = layer(*(yingshe.from_numpy(a) for a in (q, keys, values, pad)))
    assert tuple(ctx.shape) == (2, 3, 2) and tuple(w.shape) == (2, 3, 7)
    w = w.detach().numpy()
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-12)
    assert not w[1, :, 4:].any()
    wq, wk, v = (p.detach().numpy() for p in layer.parameters())
    e = np.tanh((q @ wq.T)[:, :, None] + (keys @ wk.T)[:, None]) @ v[0]
    e = np.where(pad[:, None], -np.inf, e)
    alpha = np.exp(e - e.max(-1, keepdims=True))
    alpha /= alpha.sum(-1, keepdims=True)
    np.testing.assert_allclose(w, alpha, rtol=1e-10)
    np.testing.assert_allclose(ctx.detach().numpy(), alpha @ values, rtol=1e-10)
    ctx1, w1 = layer(*(yingshe.from_numpy(a) for a in (q[:, 0], keys, values, pad)))
    assert tuple(ctx1.shape) == (2, 2) and tuple(w1.shape) == (2, 7)
    np.testing.assert_allclose(w1.detach().numpy(), w[:, 0], rtol=1e-12)


def test_additive_attention_gradcheck():
    layer = AdditiveAttention(3, 2, 4).double()
    pad = yingshe.from_numpy(_padding(2, 4, [4, 2]))
    inputs = [yingshe.from_numpy(_randn(*s)).requires_grad_()
              for s in ((2, 2, 3), (2, 4, 2), (2, 4, 3))]
    assert gradcheck(lambda q, k, v: layer(q, k, v, pad)[0], inputs)
    # gradcheck perturbs its inputs in place, so the layer's own parameters can be checked
    assert gradcheck(lambda *params: layer(*inputs, pad)[0], list(layer.parameters()))


def test_dot_product_attention_matches_sdpa():
    q, k, v = (yingshe.from_numpy(_randn(2, s, 4)) for s in (3, 5, 5))
    pad = _padding(2, 5, [5, 3])
    for scaled in (True, False):
        ctx, w = DotProductAttention(scaled)(q, k, v, yingshe.from_numpy(pad))
        expected = scaled_dot_product_attention(q, k, v, yingshe.from_numpy(~pad[:, None]),
                                                scale=None if scaled else 1.0)
        np.testing.assert_allclose(ctx.numpy(), expected.numpy(), rtol=1e-12)
        assert not w.numpy()[1, :, 3:].any()


# ---- modules against torch ----------------------------------------------------------------------
def _load(module, torch_module):
    assert [(k, tuple(v.shape)) for k, v in module.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in torch_module.state_dict().items()]
    module.load_state_dict({k: yingshe.from_numpy(v.detach().numpy().copy())
                            for k, v in torch_module.state_dict().items()})


def _compare(module, torch_module, arrays, masks=None, call=None, train=False):
    """float64, torch's weights loaded: outputs, input and parameter gradients agree."""
    module, torch_module = module.double().train(train), torch_module.double().train(train)
    _load(module, torch_module)
    masks = masks or {}
    call = call or (lambda m, *xs, **kw: m(*xs, **kw))
    ys_in = [yingshe.from_numpy(a.copy()).requires_grad_() for a in arrays]
    th_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ys_out = call(module, *ys_in, **{k: v if v is None or isinstance(v, bool)
                                     else yingshe.from_numpy(v) for k, v in masks.items()})
    th_out = call(torch_module, *th_in, **{k: v if v is None or isinstance(v, bool)
                                           else torch.tensor(v) for k, v in masks.items()})
    ys_out = ys_out if isinstance(ys_out, tuple) else (ys_out,)
    th_out = th_out if isinstance(th_out, tuple) else (th_out,)
    ys_loss, th_loss = 0, 0
    for a, b in zip(ys_out, th_out):
        if b is None:
            assert a is None
            continue
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)
        seed = rng.standard_normal(tuple(b.shape))
        ys_loss = ys_loss + (a * yingshe.from_numpy(seed)).sum()
        th_loss = th_loss + (b * torch.tensor(seed)).sum()
    ys_loss.backward()
    th_loss.backward()
    for i, (a, b) in enumerate(zip(ys_in, th_in)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-11,
                                   err_msg=f"input {i}")
    th_params = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), th_params[name].grad.numpy(), rtol=1e-8,
                                   atol=1e-11, err_msg=name)


def test_multihead_attention_parameters_and_init():
    m, t = MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    bound = math.sqrt(6 / (8 + 24))
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    m, t = MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False), \
        torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    check_raises(lambda: MultiheadAttention(8, 3), AssertionError, "divisible")
    check_raises(lambda: MultiheadAttention(8, 2, add_bias_kv=True), NotImplementedError,
                 "add_bias_kv")


_KPM = _padding(3, 5, [5, 3, 4])
_AMASK = rng.random((4, 5)) > 0.7
_AMASK[:, 0] = False

MHA_CASES = {
    "plain": {},
    "batch_first": {"batch_first": True},
    "kpm+bool-mask-per-head": {"masks": {"key_padding_mask": _KPM,
                                         "attn_mask": np.repeat(_AMASK[None], 6, 0)},
                               "call": {"average_attn_weights": False}},
    "float-masks": {"masks": {"key_padding_mask": np.where(_KPM, -math.inf, 0.0),
                              "attn_mask": rng.standard_normal((4, 5))}},
    "bool-mask-no-weights": {"batch_first": True, "masks": {"attn_mask": _AMASK},
                             "call": {"need_weights": False}},
    "kdim-vdim-nobias": {"module": {"kdim": 3, "vdim": 2, "bias": False},
                         "masks": {"key_padding_mask": _KPM}},
    "eval-dropout": {"module": {"dropout": 0.5}},
}


@pytest.mark.parametrize("case", MHA_CASES)
def test_multihead_attention_matches_torch(case):
    spec = MHA_CASES[case]
    batch_first = spec.get("batch_first", False)
    kw = dict(spec.get("module", {}), batch_first=batch_first)
    kdim, vdim = kw.get("kdim", 6), kw.get("vdim", 6)
    def shape(length, d):
        return (3, length, d) if batch_first else (length, 3, d)

    arrays = [_randn(*shape(4, 6)), _randn(*shape(5, kdim)), _randn(*shape(5, vdim))]
    extra = spec.get("call", {})
    _compare(MultiheadAttention(6, 2, **kw), torch.nn.MultiheadAttention(6, 2, **kw), arrays,
             spec.get("masks"), call=lambda m, q, k, v, **masks: m(q, k, v, **masks, **extra))


def test_multihead_self_attention_unbatched_and_causal():
    x = _randn(4, 6)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64).numpy()
    np.testing.assert_array_equal(generate_square_subsequent_mask(4, dtype=yingshe.float64)
                                  .numpy(), mask)
    _compare(MultiheadAttention(6, 3), torch.nn.MultiheadAttention(6, 3), [x],
             {"attn_mask": mask, "is_causal": True}, call=lambda m, x, **kw: m(x, x, x, **kw))
    m = MultiheadAttention(6, 3)
    t = yingshe.from_numpy(x.astype(np.float32))
    check_raises(lambda: m(t, t, t, is_causal=True), RuntimeError, "attn_mask")


ENCODER_CASES = [(False, "relu"), (True, "gelu"), (False, "gelu"), (True, "relu")]


@pytest.mark.parametrize("norm_first,activation", ENCODER_CASES)
def test_transformer_encoder_layer_matches_torch(norm_first, activation):
    kw = {"dim_feedforward": 12, "dropout": 0.1, "activation": activation, "norm_first": norm_first}
    masks = {"src_mask": np.triu(np.ones((5, 5), bool), 1),
             "src_key_padding_mask": _padding(2, 5, [5, 3]), "is_causal": True}
    _compare(TransformerEncoderLayer(8, 2, **kw), torch.nn.TransformerEncoderLayer(8, 2, **kw),
             [_randn(5, 2, 8)], masks)


@pytest.mark.parametrize("norm_first,activation", ENCODER_CASES)
def test_transformer_decoder_layer_matches_torch(norm_first, activation):
    kw = {"dim_feedforward": 12, "activation": activation, "norm_first": norm_first,
          "batch_first": True}
    masks = {"tgt_mask": generate_square_subsequent_mask(4).numpy().astype(np.float64),
             "memory_key_padding_mask": _padding(2, 5, [5, 2]), "tgt_is_causal": True}
    _compare(TransformerDecoderLayer(8, 2, **kw), torch.nn.TransformerDecoderLayer(8, 2, **kw),
             [_randn(2, 4, 8), _randn(2, 5, 8)], masks)


def test_transformer_encoder_and_decoder_stacks_match_torch():
    enc = TransformerEncoder(TransformerEncoderLayer(8, 2, 12), 2, norm=yingshe.nn.LayerNorm(8))
    t_enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 12), 2,
                                        norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    _compare(enc, t_enc, [_randn(5, 2, 8)], {"src_key_padding_mask": _padding(2, 5, [5, 4])})
    dec = TransformerDecoder(TransformerDecoderLayer(8, 2, 12), 2)
    t_dec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 12), 2)
    _compare(dec, t_dec, [_randn(4, 2, 8), _randn(5, 2, 8)],
             {"tgt_mask": generate_square_subsequent_mask(4).numpy().astype(np.float64)})


def test_transformer_matches_torch():
    kw = {"d_model": 8, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 2,
          "dim_feedforward": 12, "batch_first": True}
    _compare(Transformer(**kw), torch.nn.Transformer(**kw), [_randn(2, 5, 8), _randn(2, 3, 8)],
             {"tgt_mask": generate_square_subsequent_mask(3).numpy().astype(np.float64)})


def test_dropout_is_active_in_training_only():
    x = yingshe.from_numpy(_randn(4, 2, 6))
    layer = TransformerEncoderLayer(6, 2, 8, dropout=0.5).double()
    mha = MultiheadAttention(6, 2, dropout=0.5).double()
    for module, call in ((layer, lambda m: m(x)), (mha, lambda m: m(x, x, x)[0])):
        module.eval()
        reference = call(module).detach().numpy()
        module.train()
        yingshe.manual_seed(1)
        a = call(module).detach().numpy()
        yingshe.manual_seed(1)
        np.testing.assert_array_equal(a, call(module).detach().numpy())
        assert not np.allclose(a, reference)
    _, weights = mha(x, x, x, average_attn_weights=False)
    assert (weights.detach().numpy() == 0).any()  # weights are returned after dropout
