"""Generalised IoU loss (Rezatofighi et al. 2019, "Generalized Intersection over Union",
Algorithm 2) of matched box pairs: L = 1 - GIoU, with

    GIoU = I / (U + eps) - (|C| - U) / (|C| + eps),   C the smallest box enclosing both,

which, unlike 1 - IoU, still has a gradient when the boxes do not overlap."""
from ... import _dtype
from ...ops.elementwise import maximum, minimum, where
from ._reduction import reduce_loss

__all__ = ["generalized_box_iou_loss"]


def _upcast_non_float(t):
    return t if t.dtype in (_dtype.float32, _dtype.float64) else t.float()


def _loss_inter_union(boxes1, boxes2):
    """Intersection and union of each pair ``boxes1[i]``, ``boxes2[i]`` (same shape [..., 4])."""
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    left, top = maximum(x1, x1g), maximum(y1, y1g)
    right, bottom = minimum(x2, x2g), minimum(y2, y2g)
    overlaps = (bottom > top) & (right > left)
    inter = where(overlaps, (right - left) * (bottom - top), 0.0)
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return inter, union


def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """Generalised IoU loss of matched pairs of ``"xyxy"`` boxes
    (``torchvision.ops.generalized_box_iou_loss``; Rezatofighi et al. 2019, Algorithm 2):

        loss_i = 1 - GIoU(boxes1[i], boxes2[i]),
        GIoU = I / (U + eps) - (|C| - U) / (|C| + eps),  C the smallest box enclosing both

    in [0, 2].  ``reduction``: ``"none"`` (default), ``"mean"`` (0 for no boxes) or ``"sum"``.

    Shape:
        boxes1 ``(*, 4)``, boxes2 ``(*, 4)`` (same shape); output ``(*)``, or a scalar when
        reduced.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import generalized_box_iou_loss
        >>> pred = yingshe.tensor([[0., 0., 2., 2.], [0., 0., 1., 1.]])
        >>> target = yingshe.tensor([[1., 1., 3., 3.], [2., 2., 3., 3.]])
        >>> generalized_box_iou_loss(pred, target)  # the disjoint pair costs more than 1
        tensor([1.0794, 1.7778])
        >>> generalized_box_iou_loss(pred, target, reduction="mean")
        tensor(1.4286)
    """
    if tuple(boxes1.shape) != tuple(boxes2.shape) or boxes1.shape[-1:] != (4,):
        raise ValueError(f"generalized_box_iou_loss: boxes1 and boxes2 must have the same shape "
                         f"[..., 4], got {tuple(boxes1.shape)} and {tuple(boxes2.shape)}")
    boxes1, boxes2 = _upcast_non_float(boxes1), _upcast_non_float(boxes2)
    inter, union = _loss_inter_union(boxes1, boxes2)
    iou = inter / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    enclosing = (maximum(x2, x2g) - minimum(x1, x1g)) * (maximum(y2, y2g) - minimum(y1, y1g))
    loss = 1 - (iou - (enclosing - union) / (enclosing + eps))
    return reduce_loss("generalized_box_iou_loss", loss, reduction)
