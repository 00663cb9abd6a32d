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
    """Smooth L1 loss (Girshick, "Fast R-CNN", 2015): quadratic near zero, linear
    beyond, so outliers pull less than with ``MSELoss``,

        l_n = 0.5 (x_n - y_n)^2 / beta   if |x_n - y_n| < beta,   else |x_n - y_n| - 0.5 beta,

    ``beta`` = 1 by default, reduced as ``MSELoss`` (mean by default).

    Shape: input (*) and target (*) of the same shape; output () or (*) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> x, y = yingshe.tensor([0.0, 1.0, 3.0]), yingshe.tensor([0.5, 3.0, 3.0])
        >>> yingshe.nn.SmoothL1Loss(reduction="none")(x, y)
        tensor([0.1250, 1.5000, 0.0000])
        >>> yingshe.nn.SmoothL1Loss()(x, y)
        tensor(0.5417)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss (Huber 1964), quadratic within ``delta`` of the target, linear beyond:

        l_n = 0.5 (x_n - y_n)^2   if |x_n - y_n| < delta,   else delta (|x_n - y_n| - 0.5 delta),

    ``delta`` = 1 by default (where it equals ``SmoothL1Loss``; in general it is ``SmoothL1Loss``
    with beta = delta, times delta), reduced as ``MSELoss``.

    Shape: input (*) and target (*) of the same shape; output () or (*) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> x, y = yingshe.tensor([0.0, 1.0, 3.0]), yingshe.tensor([0.5, 4.0, 3.0])
        >>> yingshe.nn.HuberLoss(reduction="none", delta=2.0)(x, y)
        tensor([0.1250, 4.0000, 0.0000])
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
    ``LogSoftmax`` before it, ``CrossEntropyLoss``.  ``weight`` (C) weighs the classes (the mean
    then divides by the sum of the targets' weights), targets equal to ``ignore_index`` (-100)
    are skipped.

    Shape: input (N, C) or (N, C, d1, ...) of log-probabilities; target (N) or (N, d1, ...) of class
    indices in [0, C); output () or (N, d1, ...) with ``reduction='none'``.

    Examples:
        >>> import yingshe
        >>> log_probs = yingshe.tensor([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]]).log()
        >>> yingshe.nn.NLLLoss(reduction="none")(log_probs, yingshe.tensor([0, 2]))  # -log p
        tensor([0.6931, 0.3567])
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities x in [0, 1] against targets y,

        l_n = -w_n [y_n log x_n + (1 - y_n) log(1 - x_n)],

    the logs clamped at -100 as PyTorch's, so x = 0 or 1 gives a finite loss; ``weight`` w
    broadcasts to the input.  ``BCEWithLogitsLoss`` on the logits is the stabler form.

    Shape: input (*) in [0, 1], target (*) of the same shape; output () or (*) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.BCELoss()(yingshe.tensor([0.8, 0.2]), yingshe.tensor([1.0, 0.0]))  # -log 0.8
        tensor(0.2231)
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
    """Kullback-Leibler divergence KL(y || exp(x)), l_n = y_n (log y_n - x_n), with the
    ``input`` x given as log-probabilities (and the ``target`` y too with ``log_target=True``).
    ``reduction='batchmean'`` divides the sum by the batch size, the mathematically correct KL;
    the default ``'mean'`` divides by the number of elements, as PyTorch's.

    Shape: input (*) and target (*) of the same shape; output () or (*) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> p, q = yingshe.tensor([[0.5, 0.5]]), yingshe.tensor([[0.25, 0.75]])
        >>> yingshe.nn.KLDivLoss(reduction="batchmean")(q.log(), p)  # KL(p || q)
        tensor(0.1438)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """Cosine embedding loss, which pulls pairs labelled 1 together and
    pushes pairs labelled -1 apart (below cosine ``margin``, default 0):

        l_n = 1 - cos(x1_n, x2_n)                  if y_n = 1,
        l_n = max(0, cos(x1_n, x2_n) - margin)     if y_n = -1.

    Shape: input1 (N, D) or (D); input2 of the same shape; target (N) or () of 1 and -1; output
    () or (N) with ``'none'``.

    Examples:
        >>> import yingshe
        >>> x1 = yingshe.tensor([[1.0, 0.0], [1.0, 0.0]])
        >>> x2 = yingshe.tensor([[1.0, 1.0], [1.0, 1.0]])  # cosine 0.7071 with x1
        >>> yingshe.nn.CosineEmbeddingLoss(reduction="none")(x1, x2, yingshe.tensor([1, -1]))
        tensor([0.2929, 0.7071])
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class CTCLoss(_Loss):
    """The connectionist temporal classification loss (Graves, Fernandez, Gomez &
    Schmidhuber 2006), ``F.ctc_loss``: -log p(target | input), p summed over every alignment of
    the target to the T steps (labels repeated, ``blank`` in between) by the forward algorithm.
    ``reduction='mean'`` divides each loss by its target length, then averages over the batch;
    ``zero_infinity`` turns the infinite losses of impossible alignments into 0.

    Shape: log_probs (T, N, C) or (T, C) (log-softmax outputs); targets (N, S) or
    (sum of target_lengths); input_lengths (N) or (); target_lengths (N) or (); output () or (N)
    with ``'none'``.

    Examples:
        >>> import yingshe
        >>> log_probs = yingshe.full((2, 1, 2), 0.5).log()  # T=2 steps, C=2 (blank 0, label 1)
        >>> ctc = yingshe.nn.CTCLoss()
        >>> ctc(log_probs, yingshe.tensor([[1]]), yingshe.tensor([2]), yingshe.tensor([1]))
        tensor(0.2877)

        Three alignments of 2 steps read "1" ("1 1", "- 1", "1 -"), each of probability 1/4:
        -log(3/4) = 0.2877.
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
