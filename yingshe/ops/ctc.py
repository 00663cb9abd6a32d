"""Connectionist temporal classification (Graves, Fernández, Gomez & Schmidhuber 2006,
"Connectionist temporal classification: labelling unsegmented sequence data with recurrent
neural networks", §3-4): the negative log-likelihood of a label sequence under per-frame class
distributions, summed over every alignment, by the forward-backward recursion in log space.

With l' the label sequence with a blank before, between and after its labels (length 2S + 1)
and y_t = exp(log_probs[t]),

    alpha_t(s) = y_t[l'_s] (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [skip] alpha_{t-1}(s-2))
    beta_t(s)  = y_t[l'_s] (beta_{t+1}(s) + beta_{t+1}(s+1) + [skip] beta_{t+1}(s+2))

where a blank may be skipped (``skip``) unless l'_s is the blank or repeats l'_{s-2} (Graves et
al. 2006, eqs. 6-11); -log p(l | x) = -log(alpha_{T-1}(2S) + alpha_{T-1}(2S - 1)).  The
gradient comes from the same tables (eq. 16): the posterior of class c at frame t is
gamma_t(c) = sum_{s: l'_s = c} alpha_t(s) beta_t(s) / (y_t[c] p(l | x)).  Each recursion is a
loop over time whose step is vectorised over the batch and the positions s."""
import numpy as np

from .._backend import get_array_module, to_device
from .._tensor import Tensor
from ..autograd.function import Op, once_differentiable

__all__ = ["ctc_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _shift(table, by, fill):
    """table[..., s - by] at position s (``fill`` where s < by)."""
    out = get_array_module(table).empty_like(table)
    out[..., :by] = fill
    out[..., by:] = table[..., :-by]
    return out


def _extended(targets, target_lengths, blank):
    """(l' (N, 2S + 1) with blanks around and between the labels, the mask of positions inside
    each sample's own 2 S_n + 1, the mask of positions whose blank-skipping transition from
    s - 2 is allowed), arrays of the module of ``targets``."""
    xp = get_array_module(targets)
    batch, longest = targets.shape
    labels = xp.full((batch, 2 * longest + 1), blank, xp.int64)
    labels[:, 1::2] = targets
    positions = xp.arange(2 * longest + 1)
    inside = positions[None, :] < (2 * target_lengths[:, None] + 1)
    skip = (labels != blank) & (labels != _shift(labels, 2, blank))
    skip[:, :2] = False
    return labels, inside, skip


def _forward_backward(log_probs, labels, inside, skip, input_lengths, target_lengths):
    """(log alpha (T, N, L'), log beta (T, N, L'), -log p (N,)) in the dtype of ``log_probs``;
    frames at or past a sample's input length hold -inf."""
    xp = get_array_module(log_probs)
    frames, batch, _ = log_probs.shape
    width = labels.shape[1]
    neg_inf = log_probs.dtype.type(-np.inf)
    # emitted[t, n, s] = log y_t[l'_s] inside each sample's extended labels, -inf outside
    emitted = xp.take_along_axis(log_probs, xp.broadcast_to(labels, (frames, batch, width)), 2)
    emitted = xp.where(inside & (xp.arange(frames)[:, None, None] < input_lengths[:, None]),
                       emitted, neg_inf)
    alpha = xp.full((frames, batch, width), neg_inf, log_probs.dtype)
    beta = xp.full((frames, batch, width), neg_inf, log_probs.dtype)
    rows = xp.arange(batch)
    last = xp.clip(input_lengths - 1, 0, None)
    end = 2 * target_lengths
    skip_back = _unshift(skip, 2, False)  # s -> s + 2 allowed, seen from s
    ends = (end[:, None] - xp.arange(width)[None, :] <= 1) & inside  # s = 2S and 2S - 1
    with np.errstate(invalid="ignore", divide="ignore"):  # log 0 = -inf; -inf - -inf: -inf
        if frames:
            alpha[0, :, :2] = emitted[0, :, :2]
        for t in range(1, frames):
            previous = alpha[t - 1]
            total = xp.logaddexp(previous, _shift(previous, 1, neg_inf))
            total = xp.logaddexp(total, xp.where(skip, _shift(previous, 2, neg_inf), neg_inf))
            alpha[t] = emitted[t] + total
        for t in range(frames - 1, -1, -1):
            if t + 1 < frames:
                following = beta[t + 1]
                total = xp.logaddexp(following, _unshift(following, 1, neg_inf))
                total = xp.logaddexp(total, xp.where(skip_back, _unshift(following, 2, neg_inf),
                                                     neg_inf))
                beta[t] = emitted[t] + total
            starting = (last == t)[:, None] & ends
            beta[t] = xp.where(starting, emitted[t], beta[t])
        if frames:
            final = alpha[last, rows]  # (N, L') at each sample's last frame
            ending = xp.where(ends, final, neg_inf)
            top = ending.max(axis=1)
            safe = xp.where(xp.isfinite(top), top, 0)
            nll = -(xp.log(xp.exp(ending - safe[:, None]).sum(axis=1)) + safe)
        else:
            nll = xp.full(batch, np.inf, log_probs.dtype)
    empty = input_lengths == 0  # no frames: p = 1 for an empty target, else 0
    nll = xp.where(empty, xp.where(target_lengths == 0, 0.0, np.inf), nll)
    return alpha, beta, nll.astype(log_probs.dtype)


def _unshift(table, by, fill):
    """table[..., s + by] at position s (``fill`` past the end)."""
    out = get_array_module(table).empty_like(table)
    out[..., -by:] = fill
    out[..., :-by] = table[..., by:]
    return out


class CtcLoss(Op):
    """The CTC negative log-likelihood of each sample (N,), and its gradient from the
    forward-backward tables as PyTorch computes it:

        d/d log_probs[t, n, c] = y_t[c] - gamma_t(c)    (0 for t >= input_length)

    which is the derivative with respect to the logits z when log_probs = log_softmax(z)
    (the y_t term is what log_softmax's backward removes again: sum_c gamma_t(c) = 1), so that
    the pair log_softmax + ctc_loss differentiates exactly.  With ``zero_infinity`` an
    infeasible sample (p = 0) has loss 0 and gradient 0."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        xp = get_array_module(log_probs)
        targets, input_lengths, target_lengths = (
            xp.asarray(a) for a in (targets, input_lengths, target_lengths))
        labels, inside, skip = _extended(targets, target_lengths, blank)
        alpha, beta, nll = _forward_backward(log_probs, labels, inside, skip, input_lengths,
                                             target_lengths)
        infinite = xp.isinf(nll)
        if zero_infinity:
            nll = xp.where(infinite, 0.0, nll).astype(nll.dtype)
        ctx.tables = (log_probs, labels, alpha, beta, nll, infinite, input_lengths)
        ctx.zero_infinity = zero_infinity
        return nll

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        lp, labels, alpha, beta, nll, infinite, input_lengths = ctx.tables
        xp = get_array_module(lp)
        frames, _, classes = lp.shape
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            both = alpha + beta  # log alpha_t(s) beta_t(s), (T, N, L')
            top = both.max(axis=2, keepdims=True)
            top = xp.where(xp.isfinite(top), top, 0)
            one_hot = (labels[:, :, None] == xp.arange(classes)).astype(lp.dtype)  # (N, L', C)
            summed = xp.einsum("tns,nsc->tnc", xp.exp(both - top), one_hot)
            log_both = xp.log(summed) + top  # log sum_{s: l'_s = c} alpha beta, (T, N, C)
            unnormalised = xp.where(infinite, np.inf, nll) if ctx.zero_infinity else nll
            gamma = xp.exp(log_both + unnormalised[None, :, None] - lp)
            out = (xp.exp(lp) - gamma) * grad._data.reshape(1, -1, 1)
        active = xp.arange(frames)[:, None] < input_lengths[None, :]  # (T, N)
        out = xp.where(active[:, :, None], out, 0)
        if ctx.zero_infinity:
            out = xp.where(infinite[None, :, None], 0, out)
        return out.astype(lp.dtype, copy=False), None, None, None, None, None


def _lengths(values, name, batch):
    """Integer lengths (N,) from a Tensor, a list/tuple or an int."""
    if isinstance(values, Tensor):
        array = to_device(values._data, "cpu")
        if array.dtype.kind not in "iu":
            raise TypeError(f"ctc_loss: {name} must hold integers, got dtype {values.dtype}")
    else:
        array = np.asarray(values)
        if array.dtype.kind not in "iu":
            raise TypeError(f"ctc_loss: {name} must be integers, got {values!r}")
    array = array.astype(np.int64).reshape(-1)
    if array.shape != (batch,):
        raise ValueError(f"ctc_loss: {name} must have one entry per batch element ({batch}), "
                         f"got {array.shape[0]}")
    if (array < 0).any():
        raise ValueError(f"ctc_loss: {name} must be non-negative, got {array.tolist()}")
    return array


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """The connectionist temporal classification loss (Graves et al. 2006), for sequence
    labelling without frame-level alignments (speech and handwriting recognition).

    loss = -log p(l | x) = -log sum over the alignments pi that collapse to l (repeats merged,
    then blanks removed) of prod_t y_t[pi_t], by the forward recursion over the label sequence
    with blanks interleaved.  Input: ``log_probs`` (T, N, C), log-softmax
    outputs over C classes (class ``blank`` included) for N sequences of up to T frames, or
    (T, C) for one sequence, against ``targets``: padded (N, S) or the N label sequences
    concatenated (sum(target_lengths),) (or (S,) for one sequence).  ``input_lengths`` and
    ``target_lengths`` (Tensors or sequences of ints, one per sequence) say how many frames and
    labels of each are real.

    ``reduction``: 'none' gives the N losses, 'sum' their sum, 'mean' (the default) the mean
    over the batch of each loss divided by its target length (at least 1), as PyTorch.  A
    sequence that cannot be aligned (fewer frames than labels plus repeated pairs) has an
    infinite loss, and NaN gradients, unless ``zero_infinity`` sets both to 0.  See ``CtcLoss``
    for the gradient.

    Shape: log_probs (T, N, C) or (T, C); targets (N, S) or (sum(target_lengths)), or (S);
    input_lengths (N); target_lengths (N); output () or, with 'none', (N).

    Examples:
        >>> import math
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> log_probs = yingshe.full((3, 1, 2), math.log(0.5))  # 3 frames, classes {blank, 1}
        >>> F.ctc_loss(log_probs, yingshe.tensor([[1]]), [3], [1])  # 6 of 8 paths give "1"
        tensor(0.2877)
        >>> log_probs = yingshe.full((2, 1, 3), math.log(1 / 3))
        >>> F.ctc_loss(log_probs, yingshe.tensor([[1, 1]]), [2], [2], reduction="none")
        tensor([inf])
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"ctc_loss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if not isinstance(log_probs, Tensor) or not log_probs.dtype.is_floating_point:
        raise TypeError(f"ctc_loss: log_probs must be a floating-point Tensor, got "
                        f"{getattr(log_probs, 'dtype', type(log_probs).__name__)}")
    if not isinstance(targets, Tensor) or targets.dtype.is_floating_point:
        raise TypeError(f"ctc_loss: targets must be an integer Tensor, got "
                        f"{getattr(targets, 'dtype', type(targets).__name__)}")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.reshape(1, -1)
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape "
                         f"{tuple(log_probs.shape)}")
    frames, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_loss: blank must be in [0, {classes}), got {blank}")
    input_lengths = _lengths(input_lengths, "input_lengths", batch)
    target_lengths = _lengths(target_lengths, "target_lengths", batch)
    if input_lengths.size and input_lengths.max() > frames:
        raise ValueError(f"ctc_loss: Expected input_lengths to have value at most {frames}, "
                         f"but got value {int(input_lengths.max())}")
    target_array = to_device(targets._data, "cpu").astype(np.int64)
    longest = int(target_lengths.max()) if batch else 0
    if target_array.ndim == 1 and not unbatched:  # concatenated
        if target_array.shape[0] != target_lengths.sum():
            raise ValueError(f"ctc_loss: concatenated targets hold {target_array.shape[0]} "
                             f"labels but target_lengths sum to {int(target_lengths.sum())}")
        padded = np.full((batch, longest), blank, np.int64)
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
        for n, (start, count) in enumerate(zip(starts, target_lengths)):
            padded[n, :count] = target_array[start:start + count]
    elif target_array.ndim == 2 and target_array.shape[0] == batch:
        if target_array.shape[1] < longest:
            raise ValueError(f"ctc_loss: padded targets {target_array.shape} are shorter than "
                             f"the longest target length {longest}")
        padded = target_array[:, :longest]
    else:
        raise ValueError(f"ctc_loss: targets must be padded (N, S) = ({batch}, S) or "
                         f"concatenated (sum(target_lengths),), got shape "
                         f"{tuple(targets.shape)}")
    used = np.arange(longest)[None, :] < target_lengths[:, None]
    if used.any() and ((padded[used] < 0) | (padded[used] >= classes)).any():
        bad = padded[used][(padded[used] < 0) | (padded[used] >= classes)][0]
        raise IndexError(f"ctc_loss: target label {int(bad)} is out of range for {classes} "
                         f"classes")
    padded = np.where(used, padded, blank)
    losses = CtcLoss.apply(log_probs, padded, input_lengths, target_lengths, int(blank),
                           bool(zero_infinity))
    if reduction == "none":
        return losses[0] if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    divisor = np.maximum(target_lengths, 1).astype(losses._data.dtype)
    xp = get_array_module(losses._data)
    return (losses / Tensor._make(xp.asarray(divisor))).mean()
