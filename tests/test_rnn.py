"""RNN/LSTM/GRU layers and cells against torch.nn from the same weights: outputs, final states,
input/state gradients and every parameter gradient; packed sequences; gradcheck in float64."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe import nn
from yingshe.nn.utils import rnn as ys_rnn
from yingshe.ops.rnn import rnn_layer

rng = np.random.default_rng(0)


def _pair(make, dtype=np.float32):
    """The same layer in both frameworks, torch's weights loaded into yingshe."""
    th = make(torch.nn)
    ys = make(nn)
    if dtype == np.float64:
        th = th.double()
        ys = ys.double()
    ys.load_state_dict({k: yingshe.from_numpy(v.detach().numpy().copy())
                        for k, v in th.state_dict().items()})
    return ys, th


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    if hasattr(out, "data") and hasattr(out, "batch_sizes"):  # PackedSequence
        return [out.data]
    return [out]


def _close(a, b, what, tol=1e-5):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


def _compare(ys, th, ys_args, th_args, leaves_ys, leaves_th, tol=1e-5):
    ys_out, th_out = _flatten(ys(*ys_args)), _flatten(th(*th_args))
    assert len(ys_out) == len(th_out)
    for k, (a, b) in enumerate(zip(ys_out, th_out)):
        assert tuple(a.shape) == tuple(b.shape), f"output {k}"
        _close(a.detach().numpy(), b.detach().numpy(), f"output {k}", tol)
    seeds = [rng.standard_normal(tuple(b.shape)).astype(b.detach().numpy().dtype)
             for b in th_out]
    sum(((a * yingshe.from_numpy(s)).sum() for a, s in zip(ys_out, seeds))).backward()
    sum(((b * torch.from_numpy(s)).sum() for b, s in zip(th_out, seeds))).backward()
    for k, (a, b) in enumerate(zip(leaves_ys, leaves_th)):
        _close(a.grad.numpy(), b.grad.numpy(), f"gradient of input {k}", tol)
    if not hasattr(ys, "named_parameters"):  # a function wrapping the layers
        return
    th_params = dict(th.named_parameters())
    for name, p in ys.named_parameters():
        _close(p.grad.numpy(), th_params[name].grad.numpy(), f"gradient of {name}", tol)


def _leaf(shape, dtype=np.float32):
    x = rng.standard_normal(shape).astype(dtype)
    return yingshe.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x).requires_grad_()


CONFIGS = [{"num_layers": 1}, {"num_layers": 2}, {"num_layers": 2, "bidirectional": True},
           {"num_layers": 1, "bias": False}, {"num_layers": 3, "batch_first": True},
           {"num_layers": 2, "bidirectional": True, "batch_first": True}]


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_matches_torch(mode, config, with_state):
    ys, th = _pair(lambda m: getattr(m, mode)(3, 5, **config))
    assert repr(ys) == repr(th)
    steps, batch = 6, 4
    shape = (batch, steps, 3) if config.get("batch_first") else (steps, batch, 3)
    x_ys, x_th = _leaf(shape)
    leaves_ys, leaves_th = [x_ys], [x_th]
    ys_args, th_args = [x_ys], [x_th]
    if with_state:
        layers = config["num_layers"] * (2 if config.get("bidirectional") else 1)
        h_ys, h_th = _leaf((layers, batch, 5))
        leaves_ys.append(h_ys)
        leaves_th.append(h_th)
        if mode == "LSTM":
            c_ys, c_th = _leaf((layers, batch, 5))
            leaves_ys.append(c_ys)
            leaves_th.append(c_th)
            ys_args.append((h_ys, c_ys))
            th_args.append((h_th, c_th))
        else:
            ys_args.append(h_ys)
            th_args.append(h_th)
    _compare(ys, th, ys_args, th_args, leaves_ys, leaves_th)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_relu_rnn_and_unbatched_input(mode):
    make = (lambda m: m.RNN(3, 4, nonlinearity="relu")) if mode == "RNN" \
        else (lambda m: getattr(m, mode)(3, 4))
    ys, th = _pair(make)
    x_ys, x_th = _leaf((7, 3))
    _compare(ys, th, [x_ys], [x_th], [x_ys], [x_th])


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequences_match_torch(mode, enforce_sorted, bidirectional):
    lengths = [6, 4, 4, 1] if enforce_sorted else [2, 6, 1, 4]
    ys, th = _pair(lambda m: getattr(m, mode)(3, 5, num_layers=2, bidirectional=bidirectional))
    x_ys, x_th = _leaf((6, 4, 3))

    def run(layer, module, x):
        packed = module.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        out, state = layer(packed)
        padded, out_lengths = module.utils.rnn.pad_packed_sequence(out)
        assert list(out_lengths.tolist()) == lengths
        return padded, state

    _compare(lambda x: run(ys, nn, x), lambda x: run(th, torch.nn, x), [x_ys], [x_th],
             [x_ys], [x_th])
    for (name, p), (_, q) in zip(ys.named_parameters(), th.named_parameters()):
        _close(p.grad.numpy(), q.grad.numpy(), name)


def test_packed_sequence_with_initial_state_in_original_order():
    ys, th = _pair(lambda m: m.GRU(2, 3))
    lengths = [2, 5, 3]
    x_ys, x_th = _leaf((5, 3, 2))
    h_ys, h_th = _leaf((1, 3, 3))

    def run(layer, module, x, h):
        packed = module.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        return layer(packed, h)[1]

    _compare(lambda x, h: run(ys, nn, x, h), lambda x, h: run(th, torch.nn, x, h),
             [x_ys, h_ys], [x_th, h_th], [x_ys, h_ys], [x_th, h_th])


def test_pad_sequence_and_pack_sequence():
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (3, 5, 1)]
    ys = ys_rnn.pad_sequence([yingshe.from_numpy(s) for s in seqs], batch_first=True,
                             padding_value=-1.0)
    th = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(s) for s in seqs], batch_first=True,
                                         padding_value=-1.0)
    np.testing.assert_array_equal(ys.numpy(), th.numpy())
    packed = ys_rnn.pack_sequence([yingshe.from_numpy(s) for s in seqs], enforce_sorted=False)
    th_packed = torch.nn.utils.rnn.pack_sequence([torch.from_numpy(s) for s in seqs],
                                                 enforce_sorted=False)
    np.testing.assert_array_equal(packed.data.numpy(), th_packed.data.numpy())
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), th_packed.batch_sizes.numpy())
    check_raises(lambda: ys_rnn.pack_padded_sequence(yingshe.zeros(3, 2, 1), [1, 3]),
                 RuntimeError, "decreasing", "[1, 3]")


@pytest.mark.parametrize("mode", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(mode, batched):
    ys, th = _pair(lambda m: getattr(m, mode)(3, 4))
    assert repr(ys) == repr(th)
    x_ys, x_th = _leaf((5, 3) if batched else (3,))
    h_ys, h_th = _leaf((5, 4) if batched else (4,))
    if mode == "LSTMCell":
        c_ys, c_th = _leaf((5, 4) if batched else (4,))
        _compare(ys, th, [x_ys, (h_ys, c_ys)], [x_th, (h_th, c_th)], [x_ys, h_ys, c_ys],
                 [x_th, h_th, c_th])
    else:
        _compare(ys, th, [x_ys, h_ys], [x_th, h_th], [x_ys, h_ys], [x_th, h_th])


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_layer_op_gradcheck_float64(mode, reverse):
    gates = {"RNN_TANH": 1, "LSTM": 4, "GRU": 3}[mode]
    hidden = 2
    tensors = [yingshe.from_numpy(rng.standard_normal(s)).requires_grad_() for s in
               [(3, 2, 2), (2, hidden), (2, hidden), (gates * hidden, 2),
                (gates * hidden, hidden), (gates * hidden,), (gates * hidden,)]]
    if mode != "LSTM":
        tensors[2] = None
    sizes = np.array([2, 2, 1])

    def fn(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        return rnn_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse,
                         batch_sizes=sizes)

    assert yingshe.autograd.gradcheck(fn, tensors, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_bptt_over_1000_steps():
    lstm = nn.LSTM(2, 3)
    x = yingshe.randn(1000, 2, 2, requires_grad=True)
    out, _ = lstm(x)
    out.sum().backward()
    assert x.grad.shape == (1000, 2, 2) and np.isfinite(x.grad.numpy()).all()


def test_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = yingshe.randn(5, 2, 3)
    yingshe.manual_seed(1)
    a = lstm(x)[0].detach().numpy()
    lstm.eval()
    b = lstm(x)[0].detach().numpy()
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(b, lstm(x)[0].detach().numpy())


def test_errors_name_sizes():
    lstm = nn.LSTM(3, 4)
    check_raises(lambda: lstm(yingshe.randn(5, 2, 6)), RuntimeError, "Expected 3, got 6")
    check_raises(lambda: lstm(yingshe.randn(5, 2, 3), (yingshe.zeros(2, 2, 4),) * 2),
                 RuntimeError, "(1, 2, 4)", "(2, 2, 4)")
    check_raises(lambda: nn.RNN(3, 4, nonlinearity="gelu"), ValueError, "gelu")
