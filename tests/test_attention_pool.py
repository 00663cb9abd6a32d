"""nn.AttentionPool (a_i = softmax(s_i), c = sum_i a_i x_i with s_i = w^T x_i + b or x_i^T q)
against the same formulas written in PyTorch: context, weights and every gradient; padding gets
weight 0 and cannot change the result; float64 gradcheck; the attention-pool sentence
classifier against a PyTorch twin (its short real run on rt-polarity is in test_sentiment.py)."""
import numpy as np
import pytest
import torch

import yingshe
from yingshe import nn
from yingshe.models.sentiment import AttentionPoolClassifier

rng = np.random.default_rng(0)


def _torch_pool(x, pad, w=None, b=None, query=None):
    """The seed's steps in PyTorch: scores, softmax over the real positions, weighted sum."""
    scores = x @ w.T[:, 0] + b[0] if query is None else (x @ query[:, :, None])[..., 0]
    weights = torch.softmax(scores.masked_fill(pad, -torch.inf), dim=1)
    return (weights[:, :, None] * x).sum(1), weights


def _inputs(n=3, t=5, d=4):
    x = rng.standard_normal((n, t, d))
    pad = np.zeros((n, t), bool)
    pad[0, 3:], pad[2, 1:] = True, True  # lengths 3, 5, 1
    return x, pad


@pytest.mark.parametrize("score", ["linear", "dot"])
def test_matches_torch_forward_and_backward(score):
    x, pad = _inputs()
    pool = nn.AttentionPool(4, score=score).double()
    q = rng.standard_normal((3, 4))
    ys_x, th_x = yingshe.from_numpy(x).requires_grad_(), torch.from_numpy(x).requires_grad_()
    ys_q, th_q = yingshe.from_numpy(q).requires_grad_(), torch.from_numpy(q).requires_grad_()
    if score == "linear":
        w = torch.from_numpy(pool.score_proj.weight.detach().numpy().copy()).requires_grad_()
        b = torch.from_numpy(pool.score_proj.bias.detach().numpy().copy()).requires_grad_()
        ys_out = pool(ys_x, yingshe.from_numpy(pad))
        th_out = _torch_pool(th_x, torch.from_numpy(pad), w, b)
    else:
        ys_out = pool(ys_x, yingshe.from_numpy(pad), query=ys_q)
        th_out = _torch_pool(th_x, torch.from_numpy(pad), query=th_q)
    for a, e in zip(ys_out, th_out):
        np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=1e-12,
                                   atol=1e-12)
    seeds = [rng.standard_normal(tuple(e.shape)) for e in th_out]
    sum((a * yingshe.from_numpy(s)).sum() for a, s in zip(ys_out, seeds)).backward()
    sum((e * torch.from_numpy(s)).sum() for e, s in zip(th_out, seeds)).backward()
    pairs = [(ys_x, th_x)] + ([(pool.score_proj.weight, w), (pool.score_proj.bias, b)]
                              if score == "linear" else [(ys_q, th_q)])
    for a, e in pairs:
        np.testing.assert_allclose(a.grad.numpy(), e.grad.numpy(), rtol=1e-10, atol=1e-12)
    if score == "linear":  # a constant added to every score leaves softmax unchanged
        assert abs(pool.score_proj.bias.grad.item()) < 1e-12


def test_padding_has_zero_weight_and_no_influence_and_gradcheck():
    x, pad = _inputs()
    pool = nn.AttentionPool(4).double()
    with yingshe.no_grad():
        context, weights = pool(yingshe.from_numpy(x), yingshe.from_numpy(pad))
        changed = x.copy()
        changed[pad] = 1e3
        again, _ = pool(yingshe.from_numpy(changed), yingshe.from_numpy(pad))
    np.testing.assert_array_equal(again.numpy(), context.numpy())
    assert (weights.numpy()[pad] == 0).all()
    np.testing.assert_allclose(weights.numpy().sum(1), 1.0)
    assert np.allclose(context.numpy()[2], x[2, 0])  # one real word: c = x_1
    leaf = yingshe.from_numpy(x).requires_grad_()
    assert yingshe.autograd.gradcheck(lambda v: pool(v, yingshe.from_numpy(pad))[0], (leaf,))


def test_errors_name_shapes():
    pool = nn.AttentionPool(4)
    with pytest.raises(ValueError, match=r"expected input \(N, T, 4\), got \(2, 3, 5\)"):
        pool(yingshe.zeros(2, 3, 5))
    with pytest.raises(ValueError, match=r"key_padding_mask \(2, 4\) must be \(N, T\)"):
        pool(yingshe.zeros(2, 3, 4), yingshe.zeros(2, 4, dtype=yingshe.bool))
    with pytest.raises(ValueError, match="takes no query"):
        pool(yingshe.zeros(2, 3, 4), query=yingshe.zeros(2, 4))
    with pytest.raises(ValueError, match=r"needs a query of shape \(2, 4\).*got None"):
        nn.AttentionPool(4, score="dot")(yingshe.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="score must be 'linear' or 'dot', got 'mlp'"):
        nn.AttentionPool(4, score="mlp")


@pytest.mark.parametrize("score", ["linear", "dot"])
def test_classifier_matches_a_torch_twin(score):
    model = AttentionPoolClassifier(30, embed_dim=6, maps=5, score=score).double().eval()
    ids = np.array([[3, 7, 9, 2], [5, 4, 0, 0], [8, 0, 0, 0]])
    p = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    h = torch.relu(torch.nn.functional.conv1d(p["embedding.weight"][torch.from_numpy(ids)]
                                              .transpose(1, 2), p["conv.weight"],
                                              p["conv.bias"], padding=1)).transpose(1, 2)
    pad = torch.from_numpy(ids == 0)
    if score == "linear":
        context, weights = _torch_pool(h, pad, p["pool.score_proj.weight"],
                                       p["pool.score_proj.bias"])
    else:
        keep = (~pad).double()[:, :, None]
        context, weights = _torch_pool(h, pad, query=(h * keep).sum(1) / keep.sum(1))
    expected = context @ p["fc.weight"].T + p["fc.bias"]
    got = model(yingshe.from_numpy(ids))
    np.testing.assert_allclose(got.detach().numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.last_weights.detach().numpy(), weights.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="width must be odd"):
        AttentionPoolClassifier(30, width=4)
