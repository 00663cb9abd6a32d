"""Box operations of ``torchvision.ops.boxes``: areas, format conversion, clipping, the
intersection over union (Jaccard index) and its generalised form, and greedy non-maximum
suppression.

A box is ``(x1, y1, x2, y2)`` (``"xyxy"``), ``(x1, y1, w, h)`` (``"xywh"``) or
``(cx, cy, w, h)`` (``"cxcywh"``), in pixels, with ``x1 <= x2`` and ``y1 <= y2``.

    IoU(A, B)  = |A n B| / |A u B|                      (Jaccard 1901; Everingham et al. 2010)
    GIoU(A, B) = IoU(A, B) - (|C| - |A u B|) / |C|,     C the smallest box enclosing A and B
                                                        (Rezatofighi et al. 2019, Algorithm 1)

The area and IoU functions are written with Tensor ops, so they are differentiable (the GIoU
loss backpropagates through them); ``nms`` and ``batched_nms`` return indices.
"""
from ... import _dtype
from ..._backend import get_array_module
from ..._tensor import Tensor
from ...ops.elementwise import maximum, minimum
from ...ops.shape import stack

__all__ = ["box_area", "box_convert", "box_iou", "generalized_box_iou", "clip_boxes_to_image",
           "remove_small_boxes", "nms", "batched_nms"]

_FORMATS = ("xyxy", "xywh", "cxcywh")


def _upcast(t):
    """torchvision's guard against overflow in products: float16 -> float32, small ints -> int32."""
    if t.is_floating_point():
        return t if t.dtype in (_dtype.float32, _dtype.float64) else t.float()
    return t if t.dtype in (_dtype.int32, _dtype.int64) else t.int()


def _check_boxes(name, boxes, what="boxes"):
    if not isinstance(boxes, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(boxes).__name__}")
    if boxes.ndim < 1 or boxes.shape[-1] != 4:
        raise ValueError(f"{name}: {what} must have shape [..., 4], got {tuple(boxes.shape)}")


def _check_format(name, fmt):
    if fmt not in _FORMATS:
        raise ValueError(f"{name}: unsupported box format {fmt!r}; expected one of {_FORMATS}")


def box_area(boxes, fmt="xyxy"):
    """Area of each box: ``(x2 - x1) * (y2 - y1)`` for ``"xyxy"``, ``w * h`` for the other
    formats (half-precision input is computed in float32, small integers in int32).

    Shape:
        boxes ``(*, 4)``; output ``(*)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import box_area
        >>> box_area(yingshe.tensor([[0., 0., 4., 2.], [1., 1., 3., 4.]]))
        tensor([8., 6.])
        >>> box_area(yingshe.tensor([[5., 5., 4., 2.]]), fmt="cxcywh")
        tensor([8.])
    """
    _check_boxes("box_area", boxes)
    _check_format("box_area", fmt)
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _to_xyxy(boxes, fmt):
    x, y, a, b = boxes.unbind(-1)
    if fmt == "xywh":
        return stack((x, y, x + a, y + b), dim=-1)
    if fmt == "cxcywh":
        return stack((x - 0.5 * a, y - 0.5 * b, x + 0.5 * a, y + 0.5 * b), dim=-1)
    return boxes


def _from_xyxy(boxes, fmt):
    x1, y1, x2, y2 = boxes.unbind(-1)
    if fmt == "xywh":
        return stack((x1, y1, x2 - x1, y2 - y1), dim=-1)
    if fmt == "cxcywh":
        return stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)
    return boxes


def box_convert(boxes, in_fmt, out_fmt):
    """Convert ``boxes`` from ``in_fmt`` to ``out_fmt``, each one of ``"xyxy"``, ``"xywh"``,
    ``"cxcywh"`` (a copy when they are equal, as torchvision).

    ``"xywh"`` to ``"xyxy"``: ``(x1, y1, x1 + w, y1 + h)``; ``"cxcywh"`` to ``"xyxy"``:
    ``(cx - w/2, cy - h/2, cx + w/2, cy + h/2)``; other pairs go through ``"xyxy"``.

    Shape:
        boxes ``(*, 4)``; output ``(*, 4)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import box_convert
        >>> boxes = yingshe.tensor([[0., 0., 4., 2.], [1., 1., 3., 5.]])
        >>> box_convert(boxes, "xyxy", "cxcywh")
        tensor([[2., 1., 4., 2.],
                [2., 3., 2., 4.]])
        >>> box_convert(boxes, "xywh", "xyxy")
        tensor([[0., 0., 4., 2.],
                [1., 1., 4., 6.]])
    """
    _check_boxes("box_convert", boxes)
    if in_fmt not in _FORMATS or out_fmt not in _FORMATS:
        raise ValueError(f"box_convert: unsupported conversion {in_fmt!r} -> {out_fmt!r}; "
                         f"formats are {_FORMATS}")
    if in_fmt == out_fmt:
        return boxes.clone()
    return _from_xyxy(_to_xyxy(boxes, in_fmt), out_fmt)


def _inter_union(boxes1, boxes2, fmt="xyxy"):
    """Pairwise |A n B| and |A u B|, ``[..., N, M]`` each."""
    _check_boxes("box_iou", boxes1, "boxes1")
    _check_boxes("box_iou", boxes2, "boxes2")
    _check_format("box_iou", fmt)
    area1, area2 = box_area(boxes1, fmt), box_area(boxes2, fmt)
    a, b = _to_xyxy(boxes1, fmt), _to_xyxy(boxes2, fmt)
    top_left = maximum(a[..., None, :2], b[..., None, :, :2])
    bottom_right = minimum(a[..., None, 2:], b[..., None, :, 2:])
    wh = _upcast(bottom_right - top_left).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[..., None] + area2[..., None, :] - inter


def box_iou(boxes1, boxes2, fmt="xyxy"):
    """Pairwise intersection over union (Jaccard index) of two sets of boxes:

        IoU(A, B) = |A n B| / |A u B|   (Jaccard 1901; Everingham et al. 2010, PASCAL VOC)

    0 for disjoint boxes, 1 for identical ones.  Written with Tensor ops: differentiable.

    Shape:
        boxes1 ``(*, N, 4)``, boxes2 ``(*, M, 4)`` in format ``fmt``; output ``(*, N, M)``,
        ``out[..., i, j] = IoU(boxes1[..., i], boxes2[..., j])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import box_iou
        >>> a = yingshe.tensor([[0., 0., 2., 2.], [1., 1., 3., 3.]])
        >>> b = yingshe.tensor([[0., 0., 2., 2.], [4., 4., 5., 5.]])
        >>> box_iou(a, b)  # [1, 1, 2, 2] overlaps [0, 0, 2, 2] by 1 of 7 pixels
        tensor([[1.0000, 0.0000],
                [0.1429, 0.0000]])
    """
    inter, union = _inter_union(boxes1, boxes2, fmt)
    return inter / union


def generalized_box_iou(boxes1, boxes2):
    """Pairwise generalised IoU of ``"xyxy"`` boxes (Rezatofighi et al. 2019, "Generalized
    Intersection over Union", Algorithm 1):

        GIoU(A, B) = IoU(A, B) - (|C| - |A u B|) / |C|,   C the smallest box enclosing A and B

    in [-1, 1]; unlike the IoU it keeps decreasing as disjoint boxes move apart.

    Shape:
        boxes1 ``(*, N, 4)``, boxes2 ``(*, M, 4)``; output ``(*, N, M)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import generalized_box_iou
        >>> a = yingshe.tensor([[0., 0., 2., 2.], [1., 1., 3., 3.]])
        >>> b = yingshe.tensor([[0., 0., 2., 2.], [4., 4., 5., 5.]])
        >>> generalized_box_iou(a, b)
        tensor([[ 1.0000, -0.8000],
                [-0.0794, -0.6875]])
    """
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / union
    top_left = minimum(boxes1[..., None, :2], boxes2[..., None, :, :2])
    bottom_right = maximum(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    wh = _upcast(bottom_right - top_left).clamp(min=0)
    enclosing = wh[..., 0] * wh[..., 1]
    return iou - (enclosing - union) / enclosing


def clip_boxes_to_image(boxes, size):
    """Clamp ``"xyxy"`` boxes to an image of ``size = (height, width)``: x to [0, width],
    y to [0, height].

    Shape:
        boxes ``(*, 4)``; output ``(*, 4)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import clip_boxes_to_image
        >>> clip_boxes_to_image(yingshe.tensor([[-1., 3., 5., 12.]]), (10, 4))
        tensor([[ 0.,  3.,  4., 10.]])
    """
    _check_boxes("clip_boxes_to_image", boxes)
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return stack((x, y), dim=boxes.ndim).reshape(boxes.shape)


def remove_small_boxes(boxes, min_size):
    """Indices (int64) of the ``"xyxy"`` boxes whose width and height are both
    ``>= min_size``.

    Shape:
        boxes ``(K, 4)``; output ``(K_kept,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import remove_small_boxes
        >>> boxes = yingshe.tensor([[0., 0., 4., 2.], [0., 0., 1., 5.], [0., 0., 3., 3.]])
        >>> remove_small_boxes(boxes, 2)  # the 1-pixel-wide box goes
        tensor([0, 2])
    """
    _check_boxes("remove_small_boxes", boxes)
    keep = ((boxes[..., 2] - boxes[..., 0]) >= min_size) & \
           ((boxes[..., 3] - boxes[..., 1]) >= min_size)
    return keep.nonzero()[:, 0]


NMS_BLOCK = 128  # boxes whose suppression is settled together


def _overlapping(a, b, groups_a, groups_b, iou_threshold):
    """``[len(a), len(b)]``: IoU(a_i, b_j) > ``iou_threshold`` within the same group (0 / 0,
    two boxes without area, is no overlap, as torchvision's kernel)."""
    xp = get_array_module(a)
    w = xp.minimum(a[:, None, 2], b[None, :, 2]) - xp.maximum(a[:, None, 0], b[None, :, 0])
    h = xp.minimum(a[:, None, 3], b[None, :, 3]) - xp.maximum(a[:, None, 1], b[None, :, 1])
    inter = xp.clip(w, 0, None) * xp.clip(h, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    with xp.errstate(invalid="ignore", divide="ignore"):
        over = inter / (area_a[:, None] + area_b[None, :] - inter) > iou_threshold
    return over & (groups_a[:, None] == groups_b[None, :])


def _greedy_suppression(boxes, scores, groups, iou_threshold):
    """Greedy NMS on raw arrays (Felzenszwalb et al. 2010; torchvision's ``nms_kernel``): visit
    the boxes by decreasing score; keep a box unless an already kept box of the same group
    overlaps it with IoU > ``iou_threshold``.

    The boxes are settled ``NMS_BLOCK`` at a time.  Within a block, the kept set K is the
    fixed point of K[j] = no earlier box i of the block with K[i] overlaps j (its value at j
    depends only on earlier positions, so the fixed point is unique and is the greedy
    answer); iterating from "all kept" reaches it in a few matrix steps.  The block's kept
    boxes then suppress every later box they overlap, in one matrix comparison."""
    xp = get_array_module(boxes)
    order = xp.argsort(-scores, kind="stable")
    boxes = boxes[order].astype(xp.float64 if boxes.dtype == xp.float64 else xp.float32)
    groups = groups[order]
    n = len(order)
    suppressed = xp.zeros(n, bool)
    for start in range(0, n, NMS_BLOCK):
        stop = min(start + NMS_BLOCK, n)
        block = xp.flatnonzero(~suppressed[start:stop]) + start
        earlier = xp.triu(_overlapping(boxes[block], boxes[block], groups[block], groups[block],
                                       iou_threshold), 1)
        kept = xp.ones(len(block), bool)
        while True:
            settled = ~(earlier & kept[:, None]).any(axis=0)
            if (settled == kept).all():
                break
            kept = settled
        suppressed[block[~kept]] = True
        rest = xp.flatnonzero(~suppressed[stop:]) + stop
        if len(rest) and kept.any():
            winners = block[kept]
            hit = _overlapping(boxes[winners], boxes[rest], groups[winners], groups[rest],
                               iou_threshold).any(axis=0)
            suppressed[rest[hit]] = True
    return order[xp.flatnonzero(~suppressed)].astype(xp.int64)


def _check_nms(name, boxes, scores, idxs=None):
    _check_boxes(name, boxes)
    if boxes.ndim != 2:
        raise ValueError(f"{name}: boxes must be [N, 4], got {tuple(boxes.shape)}")
    if not isinstance(scores, Tensor) or tuple(scores.shape) != (boxes.shape[0],):
        raise ValueError(f"{name}: scores must be a Tensor [N] with N = {boxes.shape[0]}, got "
                         f"{tuple(getattr(scores, 'shape', ())) or type(scores).__name__}")
    if idxs is not None and (not isinstance(idxs, Tensor) or tuple(idxs.shape) != (boxes.shape[0],)):
        raise ValueError(f"{name}: idxs must be a Tensor [N] with N = {boxes.shape[0]}, got "
                         f"{tuple(getattr(idxs, 'shape', ())) or type(idxs).__name__}")


def nms(boxes, scores, iou_threshold):
    """Greedy non-maximum suppression of ``"xyxy"`` boxes (Felzenszwalb et al. 2010): visit
    the boxes by decreasing score and discard a box when an already kept box overlaps it with
    ``IoU > iou_threshold``.  Returns the int64 indices of the kept boxes, by decreasing score.

    Shape:
        boxes ``(N, 4)``, scores ``(N,)``; output ``(N_kept,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import nms
        >>> boxes = yingshe.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.],
        ...                         [0., 0., 10., 10.], [20., 20., 30., 30.]])
        >>> nms(boxes, yingshe.tensor([0.9, 0.8, 0.7, 0.6]), iou_threshold=0.5)
        tensor([0, 3])
    """
    _check_nms("nms", boxes, scores)
    xp = get_array_module(boxes._data)
    groups = xp.zeros(boxes.shape[0], xp.int64)
    return Tensor._make(_greedy_suppression(boxes._data, scores._data, groups,
                                            float(iou_threshold)))


def batched_nms(boxes, scores, idxs, iou_threshold):
    """Non-maximum suppression within each category: boxes with different ``idxs`` never
    suppress each other.  Int64 indices of the kept boxes, by decreasing score
    (torchvision's ``batched_nms``, done in one greedy pass in which a kept box suppresses
    boxes of its own category only).

    Shape:
        boxes ``(N, 4)``, scores ``(N,)``, idxs ``(N,)`` (integer categories); output
        ``(N_kept,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import batched_nms
        >>> boxes = yingshe.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.],
        ...                         [0., 0., 10., 10.], [20., 20., 30., 30.]])
        >>> scores = yingshe.tensor([0.9, 0.8, 0.7, 0.6])
        >>> batched_nms(boxes, scores, yingshe.tensor([0, 0, 1, 1]), 0.5)  # box 2: class 1
        tensor([0, 2, 3])
    """
    _check_nms("batched_nms", boxes, scores, idxs)
    return Tensor._make(_greedy_suppression(boxes._data, scores._data, idxs._data,
                                            float(iou_threshold)))
