"""Recurrent layers as one fused op per layer and direction (Goodfellow, Bengio & Courville,
Deep Learning, ch. 10): the input projection of every time step is one GEMM before the loop, each
step is one GEMM for the recurrent part plus the gate arithmetic done in place, and
backpropagation through time is written by hand (Deep Learning, §10.2.2) rather than recorded as a
graph of small ops.

Gate layouts are PyTorch's, so PyTorch weights load unchanged:

    RNN:   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)                  (or relu)
    LSTM:  [i, f, g, o] = [sigma, sigma, tanh, sigma](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
           c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
           (Hochreiter & Schmidhuber 1997, with the forget gate f of Gers et al. 2000)
    GRU:   r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz)
           n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}
           (``reset_after=True``, PyTorch's and cuDNN's form); with ``reset_after=False`` the
           reset gate scales h before the projection, as Cho et al. 2014, eq. 8:
           n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)

Variable lengths: ``batch_sizes[t]`` rows (sorted by decreasing length) take part in step t;
the others keep their state, so each row's final state is the one after its last step."""
from .._backend import get_array_module
from ..autograd.function import Op, once_differentiable

__all__ = ["rnn_layer"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sigmoid_(x):
    """sigma(x) = (1 + tanh(x / 2)) / 2 in place: no overflow for large |x|."""
    xp = get_array_module(x)
    x *= 0.5
    xp.tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


def _steps(length, reverse):
    return range(length - 1, -1, -1) if reverse else range(length)


class RecurrentLayer(Op):
    """One layer, one direction: x (T, N, I), h0 (N, H) [, c0] -> out (T, N, H), h_n [, c_n]."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, mode, reverse, batch_sizes, reset_after):
        xp = get_array_module(x)
        steps, n, _ = x.shape
        hidden = w_hh.shape[1]
        # all steps in one GEMM (sizes explicit, not -1: T or N may be 0)
        xw = (x.reshape(steps * n, x.shape[2]) @ w_ih.T).reshape(steps, n, w_ih.shape[0])
        if b_ih is not None:
            xw += b_ih
            if mode != "GRU" or not reset_after:  # PyTorch's GRU keeps b_hn in r (W_hn h + b_hn)
                xw += b_hh
        out = xp.zeros((steps, n, hidden), x.dtype)
        h_prev_all = xp.zeros((steps, n, hidden), x.dtype)
        h = h0.copy()
        saved = {}
        if mode == "LSTM":
            c = c0.copy()
            saved["c_prev"] = xp.zeros((steps, n, hidden), x.dtype)
            saved["tanh_c"] = xp.zeros((steps, n, hidden), x.dtype)
        if mode == "GRU":  # what the n gate's recurrent weights multiplied: r (W_hn h + b_hn) or r h
            saved["hh_n" if reset_after else "rh"] = xp.zeros((steps, n, hidden), x.dtype)
        acts = xp.zeros((steps, n, w_hh.shape[0]), x.dtype)
        for t in _steps(steps, reverse):
            b = n if batch_sizes is None else int(batch_sizes[t])
            hb = h[:b]
            h_prev_all[t, :b] = hb
            gates = acts[t, :b]
            if mode == "GRU" and not reset_after:
                gates[:, :2 * hidden] = hb @ w_hh[:2 * hidden].T
            else:
                xp.matmul(hb, w_hh.T, out=gates)
            if mode == "GRU":
                if reset_after:
                    if b_hh is not None:
                        gates += b_hh
                    saved["hh_n"][t, :b] = gates[:, 2 * hidden:]
                gates[:, :2 * hidden] += xw[t, :b, :2 * hidden]
                _sigmoid_(gates[:, :2 * hidden])
                r, z = gates[:, :hidden], gates[:, hidden:2 * hidden]
                new = gates[:, 2 * hidden:]
                if reset_after:
                    new *= r
                else:
                    rh = saved["rh"][t, :b]
                    xp.multiply(r, hb, out=rh)
                    new[...] = rh @ w_hh[2 * hidden:].T
                new += xw[t, :b, 2 * hidden:]
                xp.tanh(new, out=new)
                h[:b] = new + z * (hb - new)  # (1 - z) n + z h_prev
            elif mode == "LSTM":
                gates += xw[t, :b]
                _sigmoid_(gates[:, :2 * hidden])
                xp.tanh(gates[:, 2 * hidden:3 * hidden], out=gates[:, 2 * hidden:3 * hidden])
                _sigmoid_(gates[:, 3 * hidden:])
                i, f = gates[:, :hidden], gates[:, hidden:2 * hidden]
                g, o = gates[:, 2 * hidden:3 * hidden], gates[:, 3 * hidden:]
                saved["c_prev"][t, :b] = c[:b]
                cb = f * c[:b]
                cb += i * g
                c[:b] = cb
                tanh_c = saved["tanh_c"][t, :b]
                xp.tanh(cb, out=tanh_c)
                h[:b] = o * tanh_c
            else:
                gates += xw[t, :b]
                if mode == "RNN_TANH":
                    xp.tanh(gates, out=gates)
                else:
                    xp.maximum(gates, 0, out=gates)
                h[:b] = gates
            out[t, :b] = h[:b]
        if ctx._record:
            ctx.x, ctx.h_prev, ctx.acts, ctx.saved = x, h_prev_all, acts, saved
            ctx.params = (mode, reverse, batch_sizes, b_ih is not None, reset_after)
            ctx.save_for_backward(w_ih, w_hh)
        if mode == "LSTM":
            return out, h, c
        return out, h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out, grad_h, grad_c=None):
        mode, reverse, batch_sizes, has_bias, reset_after = ctx.params
        w_ih, w_hh = (t._data for t in ctx.saved_tensors)
        grad_out = grad_out._data
        xp = get_array_module(grad_out)
        x, acts, h_prev_all, saved = ctx.x, ctx.acts, ctx.h_prev, ctx.saved
        steps, n, _ = x.shape
        hidden = w_hh.shape[1]
        dh = grad_h._data.copy()
        d_gates = xp.zeros_like(acts)  # gradient of the input-side pre-activations
        # of the recurrent side: they differ only in PyTorch's GRU, where r scales W_hn h + b_hn
        d_hh = xp.zeros_like(acts) if mode == "GRU" and reset_after else d_gates
        if mode == "LSTM":
            dc = grad_c._data.copy()
        for t in _steps(steps, not reverse):  # the forward loop, run backwards
            b = n if batch_sizes is None else int(batch_sizes[t])
            dhb = dh[:b]
            dhb += grad_out[t, :b]
            a = acts[t, :b]
            dg = d_gates[t, :b]
            if mode == "LSTM":
                i, f = a[:, :hidden], a[:, hidden:2 * hidden]
                g, o = a[:, 2 * hidden:3 * hidden], a[:, 3 * hidden:]
                tanh_c = saved["tanh_c"][t, :b]
                dcb = dc[:b]
                dcb += dhb * o * (1.0 - tanh_c * tanh_c)
                dg[:, :hidden] = dcb * g * i * (1.0 - i)
                dg[:, hidden:2 * hidden] = dcb * saved["c_prev"][t, :b] * f * (1.0 - f)
                dg[:, 2 * hidden:3 * hidden] = dcb * i * (1.0 - g * g)
                dg[:, 3 * hidden:] = dhb * tanh_c * o * (1.0 - o)
                dcb *= f
                dh[:b] = dg @ w_hh
            elif mode == "GRU":
                r, z, new = a[:, :hidden], a[:, hidden:2 * hidden], a[:, 2 * hidden:]
                hb = h_prev_all[t, :b]
                d_new = dhb * (1.0 - z) * (1.0 - new * new)
                dg[:, 2 * hidden:] = d_new
                dg[:, hidden:2 * hidden] = dhb * (hb - new) * z * (1.0 - z)
                if reset_after:
                    dg[:, :hidden] = d_new * saved["hh_n"][t, :b] * r * (1.0 - r)
                    dhh = d_hh[t, :b]
                    dhh[:, :2 * hidden] = dg[:, :2 * hidden]
                    dhh[:, 2 * hidden:] = d_new * r
                    dh[:b] = dhb * z + dhh @ w_hh
                else:  # n = tanh(... + W_hn (r h)): the gradient reaches h through r h too
                    d_rh = d_new @ w_hh[2 * hidden:]
                    dg[:, :hidden] = d_rh * hb * r * (1.0 - r)
                    dh[:b] = dhb * z + d_rh * r + dg[:, :2 * hidden] @ w_hh[:2 * hidden]
            else:
                if mode == "RNN_TANH":
                    dg[:] = dhb * (1.0 - a * a)
                else:
                    dg[:] = dhb * (a > 0)
                dh[:b] = dg @ w_hh
        flat = d_gates.reshape(steps * n, acts.shape[2])
        flat_hh = d_hh.reshape(steps * n, acts.shape[2])
        need = ctx.needs_input_grad
        grad_x = (flat @ w_ih).reshape(x.shape) if need[0] else None
        grad_w_ih = flat.T @ x.reshape(steps * n, x.shape[2]) if need[3] else None
        grad_w_hh = None
        if need[4]:
            h_prev_flat = h_prev_all.reshape(steps * n, hidden)
            if mode == "GRU" and not reset_after:  # W_hn multiplied r h, not h
                rh_flat = saved["rh"].reshape(steps * n, hidden)
                grad_w_hh = xp.concatenate([flat_hh[:, :2 * hidden].T @ h_prev_flat,
                                            flat_hh[:, 2 * hidden:].T @ rh_flat])
            else:
                grad_w_hh = flat_hh.T @ h_prev_flat
        grad_b_ih = flat.sum(axis=0) if has_bias and need[5] else None
        grad_b_hh = flat_hh.sum(axis=0) if has_bias and need[6] else None
        grad_c0 = dc if mode == "LSTM" and need[2] else None
        return (grad_x, dh if need[1] else None, grad_c0, grad_w_ih, grad_w_hh, grad_b_ih,
                grad_b_hh, None, None, None, None)


def rnn_layer(mode, input, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False,
              batch_sizes=None, reset_after=True):
    """One recurrent layer over a (T, N, I) sequence in one direction; returns (output, h_n) or,
    for LSTM, (output, h_n, c_n).  ``batch_sizes`` (numpy ints, length T, non-increasing) gives
    how many leading rows take part in each step (packed sequences).  ``reset_after`` (GRU only)
    picks where the reset gate acts: after the hidden projection (PyTorch) or before it (Cho et
    al. 2014)."""
    if mode not in GATES:
        raise ValueError(f"rnn_layer: mode must be one of {sorted(GATES)}, got {mode!r}")
    if not reset_after and mode != "GRU":
        raise ValueError(f"rnn_layer: reset_after=False applies to mode 'GRU' only, got {mode!r}")
    return RecurrentLayer.apply(input, h0, c0, w_ih, w_hh, b_ih, b_hh, mode, reverse,
                                batch_sizes, reset_after)
