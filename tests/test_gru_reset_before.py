"""The GRU of Cho et al. 2014 (``reset_after=False``: n = tanh(W_in x + b_in + W_hn (r h) + b_hn))
against a direct NumPy implementation of the paper's equations: outputs, final states and every
gradient, the gradients checked by central finite differences of that NumPy forward in float64.
PyTorch has no such option, so the NumPy reference is first checked against torch's GRU in
PyTorch's form (``reset_after=True``)."""
import numpy as np
import pytest
import torch

import yingshe
from yingshe import nn
from yingshe.nn.utils import rnn as ys_rnn

rng = np.random.default_rng(0)
NAMES = ("x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gru_numpy(x, h0, w_ih, w_hh, b_ih, b_hh, reset_after):
    """One GRU layer over x (T, N, I), step by step as the papers write it; returns (out, h_n)."""
    hidden = h0.shape[1]
    (w_ir, w_iz, w_in), (w_hr, w_hz, w_hn) = np.split(w_ih, 3), np.split(w_hh, 3)
    (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = np.split(b_ih, 3), np.split(b_hh, 3)
    h, out = h0, np.zeros((x.shape[0], x.shape[1], hidden))
    for t, x_t in enumerate(x):
        r = _sigmoid(x_t @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
        z = _sigmoid(x_t @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
        if reset_after:
            n = np.tanh(x_t @ w_in.T + b_in + r * (h @ w_hn.T + b_hn))
        else:
            n = np.tanh(x_t @ w_in.T + b_in + (r * h) @ w_hn.T + b_hn)
        h = (1.0 - z) * n + z * h
        out[t] = h
    return out, h


def _arrays(steps=4, n=3, inputs=2, hidden=5):
    shapes = [(steps, n, inputs), (n, hidden), (3 * hidden, inputs), (3 * hidden, hidden),
              (3 * hidden,), (3 * hidden,)]
    return [rng.standard_normal(s) * 0.7 for s in shapes]


def test_numpy_reference_is_pytorchs_gru_when_reset_after():
    arrays = _arrays()
    th = torch.nn.GRU(2, 5).double()
    with torch.no_grad():
        for name, a in zip(NAMES[2:], arrays[2:]):
            getattr(th, name + "_l0").copy_(torch.from_numpy(a))
        out, h_n = th(torch.from_numpy(arrays[0]), torch.from_numpy(arrays[1][None]))
    ref_out, ref_h = gru_numpy(*arrays, reset_after=True)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n.numpy()[0], ref_h, rtol=1e-12, atol=1e-12)
    assert not np.allclose(gru_numpy(*arrays, reset_after=False)[0], ref_out)


def _finite_difference_grads(arrays, seed_out, seed_h, reset_after, eps=1e-6):
    """d(sum(out * seed_out) + sum(h_n * seed_h)) / d(each array) by central differences."""
    def loss():
        out, h = gru_numpy(*arrays, reset_after=reset_after)
        return (out * seed_out).sum() + (h * seed_h).sum()
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            keep = a[i]
            a[i] = keep + eps
            up = loss()
            a[i] = keep - eps
            down = loss()
            a[i] = keep
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("reset_after", [False, True])
def test_layer_op_forward_and_backward_match_numpy_float64(reset_after):
    arrays = _arrays()
    ref_out, ref_h = gru_numpy(*arrays, reset_after=reset_after)
    seed_out, seed_h = rng.standard_normal(ref_out.shape), rng.standard_normal(ref_h.shape)
    leaves = [yingshe.from_numpy(a.copy()).requires_grad_() for a in arrays]
    out, h_n = yingshe.ops.rnn.rnn_layer("GRU", leaves[0], leaves[1], None, *leaves[2:],
                                         reset_after=reset_after)
    np.testing.assert_allclose(out.detach().numpy(), ref_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), ref_h, rtol=1e-12, atol=1e-12)
    ((out * yingshe.from_numpy(seed_out)).sum() + (h_n * yingshe.from_numpy(seed_h)).sum()
     ).backward()
    expected = _finite_difference_grads(arrays, seed_out, seed_h, reset_after)
    for name, leaf, g in zip(NAMES, leaves, expected):
        np.testing.assert_allclose(leaf.grad.numpy(), g, rtol=1e-6, atol=1e-8,
                                   err_msg=f"gradient of {name}")


def test_cell_without_bias_and_gradcheck():
    cell = nn.GRUCell(3, 4, bias=False, reset_after=False).double()
    x = yingshe.from_numpy(rng.standard_normal((2, 3))).requires_grad_()
    h = yingshe.from_numpy(rng.standard_normal((2, 4))).requires_grad_()
    w_ih, w_hh = (p.detach().numpy() for p in (cell.weight_ih, cell.weight_hh))
    zero = np.zeros(12)
    _, ref = gru_numpy(x.detach().numpy()[None], h.detach().numpy(), w_ih, w_hh, zero, zero,
                       reset_after=False)
    np.testing.assert_allclose(cell(x, h).detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    assert yingshe.autograd.gradcheck(lambda a, b: cell(a, b), (x, h))
    assert "reset_after=False" in repr(cell)


def test_bidirectional_two_layer_packed_gru_matches_numpy():
    """The option reaches every layer and direction, and packed rows stop at their length."""
    gru = nn.GRU(2, 3, num_layers=2, bidirectional=True, reset_after=False).double()
    lengths = [5, 3, 2]
    x = rng.standard_normal((5, 3, 2))
    packed = ys_rnn.pack_padded_sequence(yingshe.from_numpy(x), lengths)
    out, h_n = gru(packed)
    out, _ = ys_rnn.pad_packed_sequence(out)
    params = {k: v.detach().numpy() for k, v in gru.state_dict().items()}
    for row, length in enumerate(lengths):
        layer_in = x[:length, row:row + 1]
        for layer in range(2):
            outputs = []
            for direction, suffix in enumerate(("", "_reverse")):
                weights = [params[f"{name}_l{layer}{suffix}"] for name in NAMES[2:]]
                seq = layer_in[::-1] if direction else layer_in
                o, h = gru_numpy(seq, np.zeros((1, 3)), *weights, reset_after=False)
                outputs.append(o[::-1] if direction else o)
                np.testing.assert_allclose(h_n.detach().numpy()[2 * layer + direction, row],
                                           h[0], rtol=1e-12, atol=1e-12)
            layer_in = np.concatenate(outputs, axis=2)
        np.testing.assert_allclose(out.detach().numpy()[:length, row], layer_in[:, 0],
                                   rtol=1e-12, atol=1e-12)


def test_state_dict_is_shared_between_forms_and_only_the_gru_takes_the_option():
    cho, torch_form = nn.GRU(2, 3, reset_after=False), nn.GRU(2, 3)
    torch_form.load_state_dict(cho.state_dict())
    assert repr(torch_form) == "GRU(2, 3)" and repr(cho) == "GRU(2, 3, reset_after=False)"
    x = yingshe.randn(4, 1, 2)
    assert not np.allclose(cho(x)[0].detach().numpy(), torch_form(x)[0].detach().numpy())
    with pytest.raises(TypeError):
        nn.LSTM(2, 3, reset_after=False)
    with pytest.raises(ValueError, match="reset_after=False applies to mode 'GRU' only"):
        yingshe.ops.rnn.rnn_layer("LSTM", x, yingshe.zeros(1, 3), yingshe.zeros(1, 3),
                                  yingshe.zeros(12, 2), yingshe.zeros(12, 3), reset_after=False)



@pytest.mark.parametrize("reverse", [False, True])
def test_packed_rows_gradcheck(reverse):
    """With ``batch_sizes`` (packed sequences) rows that stop early keep their state; every
    input's gradient passes gradcheck."""
    leaves = [yingshe.from_numpy(a).requires_grad_() for a in _arrays(4, 3, 2, 3)]

    def run(*tensors):
        return yingshe.ops.rnn.rnn_layer("GRU", tensors[0], tensors[1], None, *tensors[2:],
                                         reverse=reverse, batch_sizes=np.array([3, 2, 1, 1]),
                                         reset_after=False)
    assert yingshe.autograd.gradcheck(run, leaves)
