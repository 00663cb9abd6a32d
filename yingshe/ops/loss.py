"""Loss functions (``torch.nn.functional`` names).  Cross-entropy is one fused, numerically
stable op: log p = z - max(z) - log sum exp(z - max(z)), L = -sum_c a_c log p_c, and
dL/dz = p * sum_c a_c - a (Bishop, Pattern Recognition and Machine Learning, §4.3.4)."""
import math
import warnings

import numpy as np

from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op, once_differentiable
from .broadcast import broadcast_tensors

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce, reduction):
    """``reduction`` itself, or the one PyTorch's deprecated ``size_average``/``reduce`` flags
    stand for (with its warning) when either is given: 'mean' unless one is False, 'sum' when
    only ``size_average`` is False, 'none' when ``reduce`` is False."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{legacy}' instead.", UserWarning, stacklevel=3)
    return legacy


def _check_reduction(op, reduction, allowed=_REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")


def _softmax_rows(x):
    """Row-wise (z - max z, log sum exp(z - max z), softmax p) of a 2-D array: three passes
    over the matrix besides the max, and log p = (z - max z) - lse is never formed.  Without
    classes (no columns) every row sum is empty: lse is taken as 0, so that each loss is 0."""
    xp = get_array_module(x)
    if x.shape[1] == 0:
        return x, xp.zeros((x.shape[0], 1), x.dtype), x.copy()
    shifted = x - x.max(axis=1, keepdims=True)
    p = xp.exp(shifted)
    sums = p.sum(axis=1, keepdims=True)
    p /= sums
    return shifted, xp.log(sums), p


def _check_targets(target, classes, ignore_index, xp, op="cross_entropy"):
    """(safe targets with ignored rows pointing at class 0, keep mask)."""
    keep = target != ignore_index
    safe_target = xp.where(keep, target, 0)
    out_of_range = keep & ((safe_target < 0) | (safe_target >= classes))
    if target.size and out_of_range.any():
        bad = safe_target[out_of_range][0]
        raise IndexError(f"{op}: target {int(bad)} is out of bounds for {classes} classes")
    return safe_target, keep


def _picked(matrix, safe_target):
    """matrix[i, target_i] for each row (zeros without classes: every row is then ignored)."""
    xp = get_array_module(matrix)
    if matrix.shape[1] == 0:
        return xp.zeros(matrix.shape[0], matrix.dtype)
    return matrix[xp.arange(matrix.shape[0]), safe_target]


def _total(losses, reduction, denominator, dtype):
    """The reduced loss: sum, or mean over ``denominator``; NaN when the denominator is 0 (no
    rows, or no weight), as PyTorch, whose label-smoothing term x / 0 adds to its 0 / 0."""
    xp = get_array_module(losses)
    total = losses.sum()
    if reduction == "mean":
        total = total / dtype.type(denominator) if denominator else dtype.type(np.nan)
    return xp.asarray(total, dtype)


class CrossEntropy(Op):
    """Fused log-softmax + negative log-likelihood over rows of a 2-D array of logits.

    Class-index targets are never expanded into a one-hot matrix: with t the target, w its class
    weight and eps the label smoothing, a_c = (1 - eps) w [c = t] + (eps / C) weight_c, so
    L = -(1 - eps) w log p_t - (eps / C) sum_c weight_c log p_c and the gradient
    p sum_c a_c - a touches the dense matrix only through p."""

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index, smoothing, reduction):
        xp = get_array_module(logits)
        rows, classes = logits.shape
        shifted, lse, p = _softmax_rows(logits)  # log p = shifted - lse
        if target.dtype.kind == "f":  # class probabilities
            a = target * (1.0 - smoothing) + smoothing / max(classes, 1)
            if weight is not None:
                a = a * weight
            losses = lse[:, 0] * a.sum(axis=1) - (a * shifted).sum(axis=1)
            ctx.saved = (p, a)
            ctx.log_p = (shifted, lse, smoothing, weight)  # for the gradient of the target
            denominator = rows if classes else 0  # PyTorch: numel / classes, NaN without classes
        else:
            safe_target, keep = _check_targets(target, classes, ignore_index, xp)
            w_target = (weight[safe_target] if weight is not None and classes
                        else xp.ones(rows, p.dtype)) * keep
            picked = (1.0 - smoothing) * w_target
            losses = -picked * (_picked(shifted, safe_target) - lse[:, 0])
            smooth = None
            if smoothing:  # sum_c weight_c log p_c = sum_c weight_c shifted_c - lse sum_c weight_c
                smooth = (smoothing / max(classes, 1)) * keep.astype(p.dtype)
                weighted = shifted if weight is None else shifted * weight
                losses -= smooth * (weighted.sum(axis=1) -
                                    lse[:, 0] * (classes if weight is None else weight.sum()))
            losses = xp.where(keep, losses, 0)  # ignored rows add 0, even with NaN logits
            ctx.saved = (p, (safe_target, keep, picked, smooth, weight))
            denominator = w_target.sum()
        ctx.reduction, ctx.denominator = reduction, denominator
        if reduction == "none":
            return losses
        return _total(losses, reduction, denominator, logits.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        """dL/dz = g (p sum_c a_c - a), from the softmax kept by forward (no exp here); for
        probability targets also dL/dt_c = -g (1 - eps) weight_c log p_c."""
        p, coefficients = ctx.saved
        g = grad._data
        if ctx.reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                g = g / p.dtype.type(ctx.denominator)
        g = g.reshape(-1) if ctx.reduction == "none" else g
        column = g.reshape(-1, 1) if g.ndim else g
        with np.errstate(invalid="ignore"):  # a NaN mean over no rows gives NaN gradients
            out = _logits_gradient(p, coefficients, g, column)
        grad_target = None
        if not isinstance(coefficients, tuple) and ctx.needs_input_grad[1]:
            shifted, lse, smoothing, weight = ctx.log_p
            grad_target = (shifted - lse) * (column * -(1.0 - smoothing))
            if weight is not None:
                grad_target *= weight
        return out, grad_target, None, None, None, None


def _logits_gradient(p, coefficients, g, column):
    """dL/dz = g (p sum_c a_c - a) for cross-entropy's coefficients a (class-index targets:
    the tuple (targets, kept rows, the targets' weights, smoothing, class weights);
    probabilities: the matrix a); ``column`` is g as a column."""
    if not isinstance(coefficients, tuple):
        out = p * (coefficients.sum(axis=1) * g).reshape(-1, 1)
        out -= coefficients * column
        return out
    safe_target, keep, picked, smooth, weight = coefficients
    xp = get_array_module(p)
    if g.ndim == 0 and not xp.isfinite(g):  # NaN or inf (a mean over no weight): it reaches
        g = xp.where(keep, g, 0)  # the kept rows only; ignored rows get exactly 0, as PyTorch
    total = picked if smooth is None else picked + smooth * (
        p.shape[1] if weight is None else weight.sum())
    out = p * (total * g).reshape(-1, 1)  # one pass over the matrix
    if p.shape[1]:
        out[xp.arange(len(safe_target)), safe_target] -= picked * g
    if smooth is not None:
        out -= (smooth * g).reshape(-1, 1) * (1.0 if weight is None else weight)
    return out


def _rows(input, target, op):
    """(N, C, d1, ...) logits -> (N*d1*..., C) rows; targets flattened to match."""
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dimension")
    if input.ndim == 1:  # unbatched (C,)
        return input.unsqueeze(0), target.reshape(1, *target.shape), ()
    classes = input.shape[1]
    spatial = tuple(input.shape[2:])
    if input.ndim > 2:
        input = input.movedim(1, -1)
        if target.dtype.is_floating_point:  # probabilities (N, C, d1, ...) like the input
            target = target.movedim(1, -1)
    count = math.prod(input.shape[:-1])  # not -1: there may be no classes
    rows = input.reshape(count, classes)
    if target.dtype.is_floating_point:
        target = target.reshape(count, classes)
    else:
        target = target.reshape(-1)
    return rows, target, (input.shape[0],) + spatial


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """The cross-entropy between the softmax of ``input`` (logits) and ``target`` (Bishop,
    Pattern Recognition and Machine Learning, §4.3.4), fused with ``log_softmax``.

    With class indices y_n: l_n = -w_(y_n) log softmax(x_n)[y_n], and 'mean' (the default)
    divides sum_n l_n by sum_n w_(y_n) over the targets that are not ``ignore_index``. With
    class probabilities p_n (a float target of the input's shape): l_n = -sum_c w_c p_nc
    log softmax(x_n)_c, 'mean' dividing by N. ``label_smoothing`` e mixes the target with the
    uniform distribution, (1 - e) target + e / C (Szegedy et al. 2016, "Rethinking the
    Inception Architecture", §7). 'sum' adds, 'none' returns l. Gradient: softmax(x) - target.

    Shape: input (N, C), (N, C, d_1, ..., d_K) or (C); target (N), (N, d_1, ..., d_K) or ()
    int64 in [0, C), or probabilities of the input's shape; weight (C); output () or, with
    'none', the shape of the class-index target.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> logits = yingshe.tensor([[2., 0., 0.], [0., 0., 0.]])
        >>> target = yingshe.tensor([0, 2])
        >>> F.cross_entropy(logits, target)
        tensor(0.6691)
        >>> F.cross_entropy(logits, target, reduction="none")
        tensor([0.2395, 1.0986])
        >>> F.cross_entropy(logits, yingshe.tensor([[1., 0., 0.], [0., 0.5, 0.5]]))
        tensor(0.6691)
        >>> F.cross_entropy(logits, target, label_smoothing=0.1)
        tensor(0.7357)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if not isinstance(target, Tensor):
        raise TypeError(f"cross_entropy: target must be a Tensor, got {type(target).__name__}")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise ValueError(f"cross_entropy: probability targets must have the input's shape; "
                             f"input {tuple(input.shape)}, target {tuple(target.shape)}")
    else:
        expected = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.ndim > 1 else ()
        if tuple(target.shape) != expected:
            raise ValueError(f"cross_entropy: expected target of shape {expected} for input of "
                             f"shape {tuple(input.shape)}, got {tuple(target.shape)}")
    if weight is not None and tuple(weight.shape) != (classes,):
        raise ValueError(f"cross_entropy: weight must have shape ({classes},), got "
                         f"{tuple(weight.shape)}")
    rows, flat_target, out_shape = _rows(input, target, "cross_entropy")
    loss = CrossEntropy.apply(rows, flat_target,
                              None if weight is None else weight._data.astype(rows._data.dtype),
                              ignore_index, float(label_smoothing), reduction)
    if reduction == "none":
        return loss.reshape(out_shape)
    return loss


class NLLLoss(Op):
    """L = -sum_i w_{t_i} logp[i, t_i] (/ sum_i w_{t_i} for 'mean'); d/dlogp = -w_t at t
    (a gather and a scatter: no one-hot matrix)."""

    @staticmethod
    def forward(ctx, logp, target, weight, ignore_index, reduction):
        xp = get_array_module(logp)
        rows, classes = logp.shape
        safe_target, keep = _check_targets(target, classes, ignore_index, xp, "nll_loss")
        w_target = (weight[safe_target] if weight is not None and classes
                    else xp.ones(rows, logp.dtype)) * keep
        losses = xp.where(keep, -w_target * _picked(logp, safe_target), 0)
        ctx.saved = (logp.shape, logp.dtype, safe_target, keep, w_target)
        ctx.reduction, ctx.denominator = reduction, w_target.sum()
        if reduction == "none":
            return losses
        return _total(losses, reduction, ctx.denominator, logp.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        shape, dtype, safe_target, keep, w_target = ctx.saved
        xp = get_array_module(grad._data)
        g = grad._data
        if ctx.reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                g = g / dtype.type(ctx.denominator)
        grad_logp = xp.zeros(shape, dtype)
        if shape[1]:  # ignored rows get exactly 0, also when g is NaN (a mean over no weight)
            grad_logp[xp.arange(shape[0]), safe_target] = xp.where(keep, -w_target * g, 0)
        return grad_logp, None, None, None, None


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """The negative log-likelihood of class indices under log-probabilities ``input``.

    l_n = -w_(y_n) input[n, y_n] (w = ``weight``, 1 when None; 0 where y_n = ``ignore_index``);
    'mean' (the default) divides sum_n l_n by sum_n w_(y_n), 'sum' adds, 'none' returns l.
    ``nll_loss(log_softmax(x, 1), y)`` is ``cross_entropy(x, y)``.

    Shape: input (N, C) or (N, C, d_1, ..., d_K) log-probabilities; target (N) or
    (N, d_1, ..., d_K) int64 in [0, C); weight (C); output () or, with 'none', the target's
    shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> log_p = yingshe.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> F.nll_loss(log_p, yingshe.tensor([0, 1]))
        tensor(0.3000)
        >>> F.nll_loss(log_p, yingshe.tensor([0, 1]), reduction="none")
        tensor([0.5000, 0.1000])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("nll_loss", reduction)
    if target.dtype.is_floating_point:
        raise TypeError(f"nll_loss: target must hold class indices (int64), got {target.dtype}")
    rows, flat_target, out_shape = _rows(input, target, "nll_loss")
    loss = NLLLoss.apply(rows, flat_target._data,
                         None if weight is None else weight._data.astype(rows._data.dtype),
                         ignore_index, reduction)
    return loss.reshape(out_shape) if reduction == "none" else loss


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape(op, input, target):
    """(input, target), broadcast to one shape (with a warning) when their shapes differ.  As in
    PyTorch they are broadcast before the arithmetic, so a 0-d target takes part in the type
    promotion as a dimensioned tensor."""
    if tuple(input.shape) != tuple(target.shape):
        import warnings
        warnings.warn(f"{op}: target size {tuple(target.shape)} differs from input size "
                      f"{tuple(input.shape)}; they will be broadcast, which is rarely intended",
                      stacklevel=3)
        return broadcast_tensors(input, target)
    return input, target


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The mean squared error between ``input`` and ``target``.

    l_i = (x_i - y_i)^2; ``reduction``: 'mean' (the default) averages the per-element losses, 'sum'
    adds them, 'none' returns them. The loss of least squares and of Gaussian regression.

    Shape: input (*) and target (*) of the same shape (other shapes broadcast, with a
    warning); output () or, with 'none', (*).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x, y = yingshe.tensor([1., 2., 4.]), yingshe.tensor([1., 0., 1.])
        >>> F.mse_loss(x, y)
        tensor(4.3333)
        >>> F.mse_loss(x, y, reduction="none")
        tensor([0., 4., 9.])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("mse_loss", reduction)
    input, target = _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The mean absolute error between ``input`` and ``target``.

    l_i = |x_i - y_i|; ``reduction``: 'mean' (the default) averages the per-element losses, 'sum'
    adds them, 'none' returns them. Less sensitive to outliers than ``mse_loss``.

    Shape: input (*) and target (*) of the same shape (other shapes broadcast, with a
    warning); output () or, with 'none', (*).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x, y = yingshe.tensor([1., 2., 4.]), yingshe.tensor([1., 0., 1.])
        >>> F.l1_loss(x, y), F.l1_loss(x, y, reduction="sum")
        (tensor(1.6667), tensor(5.))
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("l1_loss", reduction)
    input, target = _same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """The smooth L1 loss: quadratic for small errors, linear for large ones (Girshick 2015,
    "Fast R-CNN", eq. 3).

    With d = x - y: l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 1 by default;
    beta = 0 is ``l1_loss``); ``huber_loss`` divided by beta. ``reduction``: 'mean' (the default)
    averages the per-element losses, 'sum' adds them, 'none' returns them.

    Shape: input (*) and target (*) of the same shape; output () or, with 'none', (*).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([0.5, 3.])
        >>> F.smooth_l1_loss(x, yingshe.zeros(2), reduction="none")
        tensor([0.1250, 2.5000])
        >>> F.smooth_l1_loss(x, yingshe.zeros(2), reduction="none", beta=2.0)
        tensor([0.0625, 2.0000])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("smooth_l1_loss", reduction)
    input, target = _same_shape("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    distance = (input - target).abs()
    if beta == 0:
        return _reduce(distance, reduction)
    from .elementwise import where
    loss = where(distance < beta, distance * distance * (0.5 / beta), distance - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """The Huber loss: quadratic for small errors, linear for large ones (Huber 1964, "Robust
    Estimation of a Location Parameter").

    With d = x - y: l = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (delta = 1 by
    default); ``smooth_l1_loss`` times beta. ``reduction``: 'mean' (the default) averages the
    per-element losses, 'sum' adds them, 'none' returns them.

    Shape: input (*) and target (*) of the same shape; output () or, with 'none', (*).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([0.5, 3.])
        >>> F.huber_loss(x, yingshe.zeros(2), reduction="none", delta=2.0)
        tensor([0.1250, 4.0000])
    """
    _check_reduction("huber_loss", reduction)
    input, target = _same_shape("huber_loss", input, target)
    from .elementwise import where
    distance = (input - target).abs()
    loss = where(distance < delta, distance * distance * 0.5, (distance - 0.5 * delta) * delta)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """The binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    l_i = -w_i (y_i log x_i + (1 - y_i) log(1 - x_i)), the logs clamped at -100 like PyTorch's so
    that x = 0 or 1 gives a finite loss; ``reduction``: 'mean' (the default) averages the
    per-element losses, 'sum' adds them, 'none' returns them. For logits,
    ``binary_cross_entropy_with_logits`` is the stable form.

    Shape: input (*) in [0, 1] and target (*) of the same shape; weight broadcastable to it;
    output () or, with 'none', (*).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> p, y = yingshe.tensor([0.9, 0.2, 0.5]), yingshe.tensor([1., 0., 1.])
        >>> F.binary_cross_entropy(p, y)
        tensor(0.3406)
        >>> F.binary_cross_entropy(p, y, reduction="none")
        tensor([0.1054, 0.2231, 0.6931])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"binary_cross_entropy: target size {tuple(target.shape)} must equal "
                         f"input size {tuple(input.shape)}")
    data = input._data
    if data.size and (data.min() < 0 or data.max() > 1):
        raise RuntimeError("binary_cross_entropy: all input elements must be between 0 and 1 "
                           "(apply a sigmoid, or use binary_cross_entropy_with_logits)")
    log_x = input.log().clamp(min=-100.0)
    log_1mx = (1.0 - input).log().clamp(min=-100.0)
    loss = -(target * log_x + (1.0 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + BCE in one stable form: with softplus(-x) = log(1 + e^-x) = -log sigmoid(x),
    loss = (1 - y) x + (1 + (pw - 1) y) softplus(-x) (pw = ``pos_weight``, 1 without it), so
    d loss / dx = (1 - y) - (1 + (pw - 1) y) sigmoid(-x): sigma(x) - y without ``pos_weight``,
    exact at x = 0 too (LogSigmoid's own gradient, not that of |x| and max(-x, 0)).

    The same as ``binary_cross_entropy(sigmoid(x), y)`` without its overflow or its clamp;
    ``weight`` scales each element, ``pos_weight`` (one per class, broadcast over the last
    dimension) the positive term. ``reduction``: 'mean' (the default) averages the per-element
    losses, 'sum' adds them, 'none' returns them.

    Shape: input (*) logits and target (*) of the same shape; pos_weight (C) for input
    (N, C); output () or, with 'none', (*).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> z, y = yingshe.tensor([2., -1., 0.]), yingshe.tensor([1., 0., 1.])
        >>> F.binary_cross_entropy_with_logits(z, y)
        tensor(0.3778)
        >>> F.binary_cross_entropy(yingshe.sigmoid(z), y)
        tensor(0.3778)
        >>> F.binary_cross_entropy_with_logits(yingshe.tensor([100.]), yingshe.tensor([0.]))
        tensor(100.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"binary_cross_entropy_with_logits: target size {tuple(target.shape)} "
                         f"must equal input size {tuple(input.shape)}")
    from .activation import logsigmoid
    softplus_neg = -logsigmoid(input)
    if pos_weight is not None:
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * softplus_neg
    else:
        loss = (1.0 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """The Kullback-Leibler divergence KL(target || q) with ``input`` = log q (log-probabilities).

    Pointwise l = y (log y - x), 0 where y = 0 (with ``log_target``, target holds log y and
    l = e^(log y) (log y - x)); sum over a distribution to get KL(y || q) = sum_c y_c
    log(y_c / q_c) (Bishop, Pattern Recognition and Machine Learning, §1.6.1). 'batchmean'
    divides the sum by the batch size N: the KL divergence per sample. 'mean' (the default)
    divides by the number of elements, which is not the KL divergence of the batch; PyTorch
    warns about it, and so does this. 'sum' adds, 'none' returns l.

    Shape: input (*) and target (*) of the same shape; output () or, with 'none', (*).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> y = yingshe.tensor([[0.5, 0.5], [0.9, 0.1]])
        >>> q = yingshe.tensor([[0.25, 0.75], [0.9, 0.1]])
        >>> F.kl_div(q.log(), y, reduction="batchmean")
        tensor(0.0719)
        >>> F.kl_div(q.log(), y.log(), reduction="batchmean", log_target=True)
        tensor(0.0719)
    """
    if size_average is not None or reduce is not None:
        applied = _legacy_reduction(size_average, reduce, reduction)
    else:
        _check_reduction("kl_div", reduction, _REDUCTIONS + ("batchmean",))
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          UserWarning, stacklevel=2)
        applied = "sum" if reduction == "batchmean" else reduction
    if log_target:
        loss = target.exp() * (target - input)
    else:
        from .elementwise import where
        positive = target > 0
        safe = where(positive, target, 1.0)
        loss = where(positive, target * (safe.log() - input), 0.0)
    loss = _reduce(loss, applied)
    if reduction == "batchmean" and input.ndim:
        return loss / input.shape[0]
    return loss


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """The cosine embedding loss: pull pairs labelled 1 together, push pairs labelled -1 apart.

    l_n = 1 - cos(x1_n, x2_n) where y_n = 1, max(0, cos(x1_n, x2_n) - margin) where y_n = -1, cos(a,
    b) = a . b / sqrt((||a||^2 + eps) (||b||^2 + eps)), eps = 1e-12; ``reduction``: 'mean' (the
    default) averages the per-element losses, 'sum' adds them, 'none' returns them.

    Shape: input1 (N, D) or (D); input2 of the same shape; target (N) or () of 1 and -1;
    output () or, with 'none', (N) or ().

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> a = yingshe.tensor([[1., 0.], [1., 0.]])
        >>> b = yingshe.tensor([[0., 1.], [1., 1.]])
        >>> F.cosine_embedding_loss(a, b, yingshe.tensor([1, -1]), reduction="none")
        tensor([1.0000, 0.7071])
        >>> F.cosine_embedding_loss(a, b, yingshe.tensor([1, -1]), margin=0.5)
        tensor(0.6036)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("cosine_embedding_loss", reduction)
    eps = 1e-12
    dot = (input1 * input2).sum(-1)
    norms = ((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)
    cos = dot / norms.sqrt()
    from .elementwise import where
    loss = where(target == 1, 1.0 - cos, (cos - margin).clamp(min=0.0))
    return _reduce(loss, reduction)
