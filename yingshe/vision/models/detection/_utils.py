"""The pieces every detector is built from, as ``torchvision.models.detection._utils``: the box
coder (anchor-relative regression targets), the matchers (which ground-truth box each anchor
learns from) and the sampler of positive and negative anchors.

Box regression targets of a ground-truth box g for an anchor (or proposal) a, both "xyxy"
(Girshick et al. 2014, "Rich feature hierarchies...", Appendix C; Ren et al. 2015, eq. 2):

    t_x = w_x (g_cx - a_cx) / a_w        t_w = w_w log(g_w / a_w)
    t_y = w_y (g_cy - a_cy) / a_h        t_h = w_h log(g_h / a_h)

with per-coordinate weights (w_x, w_y, w_w, w_h) that put the four targets on similar scales.
"""
import math

from ...._backend import get_array_module
from ...._tensor import Tensor
from ....ops.creation import randperm
from ....ops.shape import cat, stack

__all__ = ["BoxCoder", "Matcher", "SSDMatcher", "BalancedPositiveNegativeSampler"]

BBOX_XFORM_CLIP = math.log(1000.0 / 16)


class BoxCoder:
    """Encode ground-truth boxes as offsets from reference boxes (anchors, proposals) and decode
    offsets back to boxes (Girshick et al. 2014, Appendix C; Ren et al. 2015, eq. 2):

        t_x = w_x (g_cx - a_cx) / a_w,   t_y = w_y (g_cy - a_cy) / a_h,
        t_w = w_w log(g_w / a_w),        t_h = w_h log(g_h / a_h)

    with ``weights = (w_x, w_y, w_w, w_h)``.  ``bbox_xform_clip`` caps the decoded log-scale
    (exp(4.135) = 1000/16), so an untrained network cannot produce an overflowing width.

    Shape:
        ``encode_single(boxes (N, 4), anchors (N, 4))`` gives ``(N, 4)``;
        ``decode_single(codes (N, 4 K), anchors (N, 4))`` gives ``(N, 4 K)`` "xyxy" boxes.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import BoxCoder
        >>> coder = BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
        >>> anchors = yingshe.tensor([[0., 0., 10., 10.], [10., 10., 30., 20.]])
        >>> truth = yingshe.tensor([[1., 1., 11., 11.], [10., 10., 30., 40.]])
        >>> codes = coder.encode_single(truth, anchors)
        >>> codes  # a 1-pixel shift of a 10-pixel box; a box 3 times as tall: 5 log 3
        tensor([[ 1.0000,  1.0000,  0.0000,  0.0000],
                [ 0.0000, 10.0000,  0.0000,  5.4931]])
        >>> coder.decode_single(codes, anchors)
        tensor([[ 1.,  1., 11., 11.],
                [10., 10., 30., 40.]])
    """

    def __init__(self, weights, bbox_xform_clip=BBOX_XFORM_CLIP):
        self.weights = tuple(float(w) for w in weights)
        self.bbox_xform_clip = bbox_xform_clip

    def encode(self, reference_boxes, proposals):
        """Per image lists: ``reference_boxes[i]`` (the targets) relative to ``proposals[i]``."""
        counts = [len(b) for b in reference_boxes]
        return self.encode_single(cat(list(reference_boxes)), cat(list(proposals))).split(counts)

    def encode_single(self, reference_boxes, proposals):
        """[N, 4] targets (t_x, t_y, t_w, t_h) of ``reference_boxes`` [N, 4] relative to
        ``proposals`` [N, 4] (see the module docstring)."""
        wx, wy, ww, wh = self.weights
        anchor_w = proposals[:, 2] - proposals[:, 0]
        anchor_h = proposals[:, 3] - proposals[:, 1]
        anchor_x = proposals[:, 0] + 0.5 * anchor_w
        anchor_y = proposals[:, 1] + 0.5 * anchor_h
        gt_w = reference_boxes[:, 2] - reference_boxes[:, 0]
        gt_h = reference_boxes[:, 3] - reference_boxes[:, 1]
        gt_x = reference_boxes[:, 0] + 0.5 * gt_w
        gt_y = reference_boxes[:, 1] + 0.5 * gt_h
        return stack((wx * (gt_x - anchor_x) / anchor_w, wy * (gt_y - anchor_y) / anchor_h,
                      ww * (gt_w / anchor_w).log(), wh * (gt_h / anchor_h).log()), dim=1)

    def decode(self, rel_codes, boxes):
        """``rel_codes`` [sum N_i, K * 4] applied to the list ``boxes`` ([N_i, 4] per image):
        [sum N_i, K, 4] boxes."""
        concat = cat(list(boxes))
        total = concat.shape[0]
        if total > 0:
            rel_codes = rel_codes.reshape(total, -1)
        decoded = self.decode_single(rel_codes, concat)
        return decoded.reshape(total, -1, 4) if total > 0 else decoded

    def decode_single(self, rel_codes, boxes):
        """Boxes [N, K * 4] ("xyxy") of the offsets ``rel_codes`` [N, K * 4] from ``boxes``
        [N, 4]: the inverse of ``encode_single``, with the log-scales clipped."""
        boxes = boxes.to(rel_codes.dtype)
        wx, wy, ww, wh = self.weights
        widths = boxes[:, 2] - boxes[:, 0]
        heights = boxes[:, 3] - boxes[:, 1]
        ctr_x = boxes[:, 0] + 0.5 * widths
        ctr_y = boxes[:, 1] + 0.5 * heights
        dx, dy = rel_codes[:, 0::4] / wx, rel_codes[:, 1::4] / wy
        dw = (rel_codes[:, 2::4] / ww).clamp(max=self.bbox_xform_clip)
        dh = (rel_codes[:, 3::4] / wh).clamp(max=self.bbox_xform_clip)
        pred_x = dx * widths[:, None] + ctr_x[:, None]
        pred_y = dy * heights[:, None] + ctr_y[:, None]
        half_w = 0.5 * dw.exp() * widths[:, None]
        half_h = 0.5 * dh.exp() * heights[:, None]
        return stack((pred_x - half_w, pred_y - half_h, pred_x + half_w, pred_y + half_h),
                     dim=2).flatten(1)


class Matcher:
    """Assign to each prediction (column of the quality matrix ``[M ground truths, N
    predictions]``, usually IoUs) the ground truth it overlaps most: its index where the IoU is
    ``>= high_threshold``, ``BELOW_LOW_THRESHOLD`` (-1, background) under ``low_threshold`` and
    ``BETWEEN_THRESHOLDS`` (-2, ignored) in between.  ``allow_low_quality_matches`` also keeps,
    for every ground truth, the predictions that overlap it best even below the threshold, so no
    object goes unmatched (Ren et al. 2015, Section 3.1.2).

    Shape:
        quality ``(M, N)``; output int64 ``(N,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import Matcher
        >>> iou = yingshe.tensor([[0.9, 0.2, 0.1, 0.2],
        ...                       [0.1, 0.4, 0.2, 0.0]])  # 2 objects, 4 anchors
        >>> Matcher(0.7, 0.3)(iou)
        tensor([ 0, -2, -1, -1])
        >>> Matcher(0.7, 0.3, allow_low_quality_matches=True)(iou)  # object 1 keeps anchor 1
        tensor([ 0,  1, -1, -1])
    """
    BELOW_LOW_THRESHOLD = -1
    BETWEEN_THRESHOLDS = -2

    def __init__(self, high_threshold, low_threshold, allow_low_quality_matches=False):
        if low_threshold > high_threshold:
            raise ValueError(f"Matcher: low_threshold {low_threshold} exceeds high_threshold "
                             f"{high_threshold}")
        self.high_threshold = high_threshold
        self.low_threshold = low_threshold
        self.allow_low_quality_matches = allow_low_quality_matches

    def __call__(self, match_quality_matrix):
        """int64 Tensor [N]: the matched ground-truth index of each prediction, or -1 / -2."""
        quality = match_quality_matrix.detach()._data
        if quality.size == 0:
            what = "ground-truth boxes" if quality.shape[0] == 0 else "proposal boxes"
            raise ValueError(f"Matcher: no {what} available for one of the images during "
                             f"training (quality matrix {tuple(quality.shape)})")
        return Tensor._make(self._match(quality))

    def _match(self, quality):
        xp = get_array_module(quality)
        matched_vals = quality.max(axis=0)
        matches = quality.argmax(axis=0).astype(xp.int64)
        all_matches = matches.copy()
        matches[matched_vals < self.low_threshold] = self.BELOW_LOW_THRESHOLD
        matches[(matched_vals >= self.low_threshold)
                & (matched_vals < self.high_threshold)] = self.BETWEEN_THRESHOLDS
        if self.allow_low_quality_matches:
            best_for_gt = quality.max(axis=1)
            _, predictions = xp.nonzero(quality == best_for_gt[:, None])
            matches[predictions] = all_matches[predictions]
        return matches


class SSDMatcher(Matcher):
    """SSD's matching (Liu et al. 2016, Section 2.2): every default box whose IoU with a ground
    truth is ``>= threshold`` takes the best one (the others are background, -1), and each
    ground truth also takes the default box that overlaps it most, whatever the IoU.

    Shape:
        quality ``(M, N)``; output int64 ``(N,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import SSDMatcher
        >>> iou = yingshe.tensor([[0.9, 0.2, 0.1, 0.2],
        ...                       [0.1, 0.4, 0.2, 0.0]])
        >>> SSDMatcher(0.5)(iou)
        tensor([ 0,  1, -1, -1])
    """

    def __init__(self, threshold):
        super().__init__(threshold, threshold, allow_low_quality_matches=False)

    def _match(self, quality):
        xp = get_array_module(quality)
        matches = super()._match(quality)
        matches[quality.argmax(axis=1)] = xp.arange(quality.shape[0], dtype=xp.int64)
        return matches


class BalancedPositiveNegativeSampler:
    """Sample ``batch_size_per_image`` anchors per image, at most ``positive_fraction`` of them
    positive, the rest negative (Ren et al. 2015, Section 3.1.3: 256 anchors, up to 1:1); the
    choice within each kind is uniform (``randperm``).

    Shape:
        per image labels ``(A,)`` (``>= 1`` positive, 0 negative, -1 ignored); output two lists
        of bool masks ``(A,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import BalancedPositiveNegativeSampler
        >>> sampler = BalancedPositiveNegativeSampler(4, positive_fraction=0.25)
        >>> positive, negative = sampler([yingshe.tensor([1, 1, 0, 0, 0, 0, -1, 2])])
        >>> positive[0].sum().item(), negative[0].sum().item()  # 1 of 3 positives, 3 negatives
        (1, 3)
    """

    def __init__(self, batch_size_per_image, positive_fraction):
        self.batch_size_per_image = batch_size_per_image
        self.positive_fraction = positive_fraction

    def __call__(self, matched_idxs):
        """``matched_idxs``: per image an int Tensor of labels (>= 1 positive, 0 negative,
        -1 ignored).  Returns two lists of bool Tensors: the sampled positives and negatives."""
        positives, negatives = [], []
        for labels in matched_idxs:
            data = labels._data
            xp = get_array_module(data)
            positive = xp.nonzero(data >= 1)[0]
            negative = xp.nonzero(data == 0)[0]
            num_pos = min(positive.size, int(self.batch_size_per_image * self.positive_fraction))
            num_neg = min(negative.size, self.batch_size_per_image - num_pos)
            pos_mask = xp.zeros(data.shape, bool)
            neg_mask = xp.zeros(data.shape, bool)
            pos_mask[positive[randperm(positive.size)._data[:num_pos]]] = True
            neg_mask[negative[randperm(negative.size)._data[:num_neg]]] = True
            positives.append(Tensor._make(pos_mask))
            negatives.append(Tensor._make(neg_mask))
        return positives, negatives
