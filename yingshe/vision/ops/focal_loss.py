"""Sigmoid focal loss (Lin, Goyal, Girshick, He & Dollar 2017, "Focal Loss for Dense Object
Detection", eq. 5): binary cross-entropy scaled down on easy examples,

    FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t),   p_t = p if y = 1 else 1 - p,  p = sigmoid(x),

with alpha_t = alpha for positives and 1 - alpha for negatives (alpha = -1: no weighting)."""
from ...nn.functional import binary_cross_entropy_with_logits
from ...ops.elementwise import sigmoid
from ._reduction import reduce_loss

__all__ = ["sigmoid_focal_loss"]


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """Sigmoid focal loss of logits ``inputs`` and binary (or soft) ``targets``
    (``torchvision.ops.sigmoid_focal_loss``; Lin et al. 2017, eq. 5):

        p = sigmoid(x),  p_t = p y + (1 - p)(1 - y),  alpha_t = alpha y + (1 - alpha)(1 - y)
        FL = alpha_t (1 - p_t)^gamma BCE(x, y)

    ``alpha = -1`` drops the weighting; ``gamma = 0`` gives back the binary cross-entropy.
    ``reduction``: ``"none"`` (torchvision's default), ``"mean"`` or ``"sum"``.

    Shape:
        inputs ``(*)``, targets ``(*)`` (same shape); output ``(*)``, or a scalar when reduced.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import sigmoid_focal_loss
        >>> logits = yingshe.tensor([[2.0, -2.0, 0.0]])
        >>> targets = yingshe.tensor([[1.0, 0.0, 1.0]])
        >>> sigmoid_focal_loss(logits, targets)  # the two easy examples count little
        tensor([[0.0005, 0.0014, 0.0433]])
        >>> sigmoid_focal_loss(logits, targets, alpha=-1, gamma=0)  # plain BCE
        tensor([[0.1269, 0.1269, 0.6931]])
        >>> sigmoid_focal_loss(logits, targets, reduction="sum")
        tensor(0.0451)
    """
    if not (0 <= alpha <= 1) and alpha != -1:
        raise ValueError(f"sigmoid_focal_loss: alpha must be in [0, 1] or -1 for no weighting, "
                         f"got {alpha}")
    if tuple(inputs.shape) != tuple(targets.shape):
        raise ValueError(f"sigmoid_focal_loss: inputs {tuple(inputs.shape)} and targets "
                         f"{tuple(targets.shape)} must have the same shape")
    p = sigmoid(inputs)
    ce_loss = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    if reduction == "mean":  # torchvision's focal loss: the plain mean (NaN for no elements)
        return loss.mean()
    return reduce_loss("sigmoid_focal_loss", loss, reduction)
