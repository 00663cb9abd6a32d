"""Loss modules: thin wrappers over ``yingshe.ops.loss`` that hold the options."""
from ...ops import loss as F
from ...ops.ctc import ctc_loss
from .module import Module

__all__ = ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss", "CTCLoss"]


class _Loss(Module):
    """Holds ``reduction``; PyTorch's deprecated ``size_average``/``reduce`` flags, when given,
    choose it instead, with PyTorch's warning."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = F._legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error, l_n = (x_n - y_n)^2, averaged (``reduction='mean'``), summed
    (``'sum'``) or returned per element (``'none'``) (Goodfellow, Bengio & Courville, Deep
    Learning, §5.1.4).

    Shape: input (*) and target (*) of the same shape; output () or (*) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.MSELoss()(yingshe.tensor([1.0, 2.0]), yingshe.tensor([1.0, 4.0]))
        tensor(2.)
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error, l_n = |x_n - y_n|, reduced as ``MSELoss``.

    Shape: input (*) and target (*) of the same shape; output () or (*) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.L1Loss()(yingshe.tensor([1.0, 2.0]), yingshe.tensor([1.0, 4.0]))
        tensor(1.)
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """l_n = 0.5 (x_n - y_n)^2 / beta where |x_n - y_n| < beta, else |x_n - y_n| - 0.5 beta
    (Girshick, Fast R-CNN, 2015); shapes as ``L1Loss``.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """l_n = 0.5 (x_n - y_n)^2 where |x_n - y_n| < delta, else delta (|x_n - y_n| - 0.5 delta)
    (Huber 1964): ``SmoothL1Loss`` times ``delta``; shapes as ``L1Loss``.
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of class scores (logits) against class indices or class probabilities,
    l_n = -w_{y_n} log softmax(x_n)_{y_n}, fused with the log-softmax in one op (Goodfellow et al.,
    Deep Learning, §6.2.2.3). ``weight`` weighs the classes, ``ignore_index`` skips targets,
    ``label_smoothing`` mixes the targets with the uniform distribution (Szegedy et al. 2016).

    Shape: input (N, C) or (N, C, d1, ...); target (N) or (N, d1, ...) of class indices, or the
    input's shape of probabilities; output () or (N, ...) with ``reduction='none'``.

    Examples:
        >>> import yingshe
        >>> loss = yingshe.nn.CrossEntropyLoss()
        >>> loss(yingshe.tensor([[2.0, 0.0, 0.0]]), yingshe.tensor([0]))
        tensor(0.2395)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities, l_n = -w_{y_n} x_{n, y_n}: with
    ``log_softmax`` before it, ``CrossEntropyLoss``. Shapes as ``CrossEntropyLoss`` with class
    indices.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities, l_n = -w_n [y_n log x_n + (1 - y_n) log(1 - x_n)],
    the logs clamped at -100 as PyTorch's. Shape: input (*) in [0, 1], target (*); output () or
    (*) with ``'none'``.
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``BCELoss`` of sigmoid(x) computed from the logits x stably:
    l_n = -w_n [p y_n log sigmoid(x_n) + (1 - y_n) log(1 - sigmoid(x_n))], p = ``pos_weight``.
    Shape: input (*) and target (*); output () or (*) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.BCEWithLogitsLoss()(yingshe.tensor([0.0]), yingshe.tensor([1.0]))
        tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence, l_n = y_n (log y_n - x_n), with ``input`` x given as
    log-probabilities (and ``target`` too with ``log_target=True``); ``reduction='batchmean'``
    divides the sum by the batch size, the mathematically correct KL. Shapes: input (*), target (*).
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """l_n = 1 - cos(x1_n, x2_n) for y_n = 1, max(0, cos(x1_n, x2_n) - margin) for y_n = -1.
    Shape: input1 (N, D) or (D), input2 of the same shape, target (N) or () of 1 and -1.
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class CTCLoss(_Loss):
    """The connectionist temporal classification loss (Graves et al. 2006), ``F.ctc_loss``:
    ``forward(log_probs, targets, input_lengths, target_lengths)``."""

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
