"""Anchors, as ``torchvision.models.detection.anchor_utils``: the reference boxes a detector
regresses from, laid on every cell of every feature map it predicts from.

``AnchorGenerator`` is Faster R-CNN's (Ren et al. 2015, Section 3.1.1): at each cell, one box
per (size, aspect ratio) with area size^2 and height / width = ratio.  ``DefaultBoxGenerator``
is SSD's (Liu et al. 2016, Section 2.2, "Choosing scales and aspect ratios for default
boxes"): on the k-th of m feature maps the scale

    s_k = s_min + (s_max - s_min) (k - 1) / (m - 1)

of the image side, boxes of width s_k sqrt(a) and height s_k / sqrt(a) for each ratio a, plus a
square of side sqrt(s_k s_{k+1}), centred on the cells."""
import math

import numpy as np

from ....ops.creation import from_numpy

__all__ = ["ImageList", "AnchorGenerator", "DefaultBoxGenerator"]


class ImageList:
    """A batch of images padded into one Tensor with the size each image had before padding, as
    ``torchvision.models.detection.image_list.ImageList``.

    Shape:
        tensors ``(N, C, H, W)``; ``image_sizes`` a list of N ``(H_i, W_i)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import ImageList
        >>> batch = ImageList(yingshe.zeros(2, 3, 32, 32), [(32, 32), (28, 30)])
        >>> batch.tensors.shape, batch.image_sizes
        (yingshe.Size([2, 3, 32, 32]), [(32, 32), (28, 30)])
    """

    def __init__(self, tensors, image_sizes):
        self.tensors = tensors
        self.image_sizes = [tuple(int(s) for s in size) for size in image_sizes]


def _grid(height, width, stride_y, stride_x, offset):
    """(x, y) [H * W, 2] of the cells of an H x W grid, row by row, at (index + offset) *
    stride."""
    ys, xs = np.meshgrid((np.arange(height) + offset) * stride_y,
                         (np.arange(width) + offset) * stride_x, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


class AnchorGenerator:
    """Faster R-CNN's anchors (Ren et al. 2015, Section 3.1.1): ``sizes`` and ``aspect_ratios`` give
    one tuple per feature map; each cell gets one box per (size s, ratio r) with

        w = s / sqrt(r),   h = s sqrt(r)   (area s^2, h / w = r, rounded to whole pixels)

    Cell (i, j) of a map of stride s gets the base anchors shifted by (j s, i s) (torchvision's
    convention: the cell's corner, not its centre), in order cell-major then ratio-major then
    size.

    Shape:
        called with an ``ImageList`` and maps ``(N, C, H_k, W_k)``: a list of N tensors
        ``(sum_k H_k W_k A_k, 4)`` of "xyxy" anchors, ``A_k = len(sizes[k]) len(ratios[k])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import AnchorGenerator, ImageList
        >>> generator = AnchorGenerator(sizes=((16,),), aspect_ratios=((0.5, 1.0, 2.0),))
        >>> images = ImageList(yingshe.zeros(2, 3, 32, 32), [(32, 32)] * 2)
        >>> anchors = generator(images, [yingshe.zeros(2, 8, 4, 4)])  # stride 8
        >>> len(anchors), anchors[0].shape  # 4 x 4 cells, 3 anchors each
        (2, yingshe.Size([48, 4]))
        >>> anchors[0][:3]  # cell (0, 0): wide, square, tall
        tensor([[-11.,  -6.,  11.,   6.],
                [ -8.,  -8.,   8.,   8.],
                [ -6., -11.,   6.,  11.]])
    """

    def __init__(self, sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)):
        if not isinstance(sizes[0], (list, tuple)):
            sizes = tuple((s,) for s in sizes)
        if not isinstance(aspect_ratios[0], (list, tuple)):
            aspect_ratios = (aspect_ratios,) * len(sizes)
        if len(sizes) != len(aspect_ratios):
            raise ValueError(f"AnchorGenerator: {len(sizes)} tuples of sizes but "
                             f"{len(aspect_ratios)} tuples of aspect ratios; give one per "
                             f"feature map")
        self.sizes, self.aspect_ratios = sizes, aspect_ratios
        self.cell_anchors = [self.generate_anchors(s, a) for s, a in zip(sizes, aspect_ratios)]

    @staticmethod
    def generate_anchors(scales, aspect_ratios):
        """[len(ratios) * len(scales), 4] zero-centred anchors, rounded to whole pixels."""
        scales, ratios = np.asarray(scales, np.float32), np.asarray(aspect_ratios, np.float32)
        h_ratios = np.sqrt(ratios)
        ws = (scales[None, :] / h_ratios[:, None]).ravel()
        hs = (scales[None, :] * h_ratios[:, None]).ravel()
        return np.round(np.stack([-ws, -hs, ws, hs], axis=1) / 2)

    def num_anchors_per_location(self):
        """Anchors per cell of each feature map."""
        return [len(s) * len(a) for s, a in zip(self.sizes, self.aspect_ratios)]

    def __call__(self, image_list, feature_maps):
        """One Tensor [sum_k H_k W_k A_k, 4] of "xyxy" anchors per image."""
        if len(feature_maps) != len(self.cell_anchors):
            raise ValueError(f"AnchorGenerator: {len(feature_maps)} feature maps but anchors for "
                             f"{len(self.cell_anchors)}")
        height, width = image_list.tensors.shape[-2:]
        anchors = []
        for feature, base in zip(feature_maps, self.cell_anchors):
            rows, cols = feature.shape[-2:]
            shifts = np.tile(_grid(rows, cols, height // rows, width // cols, 0.0), 2)
            anchors.append((shifts[:, None, :] + base[None, :, :]).reshape(-1, 4))
        flat = from_numpy(np.concatenate(anchors).astype(np.float32))
        return [flat for _ in image_list.image_sizes]


class DefaultBoxGenerator:
    """SSD's default boxes (Liu et al. 2016, Section 2.2): on the k-th of m feature maps the scale

        s_k = s_min + (s_max - s_min) (k - 1) / (m - 1)

    of the image side (``min_ratio``, ``max_ratio``; then 1), and at each cell centre boxes of
    width ``s_k sqrt(a)`` and height ``s_k / sqrt(a)`` for a = 1 and each ratio of
    ``aspect_ratios[k]`` and its inverse, plus a square of side ``sqrt(s_k s_{k+1})``.  ``steps``
    (pixels per cell of each map) default to the image size over the map size; ``clip`` keeps
    the boxes' sizes within the image.

    Shape:
        called with an ``ImageList`` and maps ``(N, C, H_k, W_k)``: a list of N tensors
        ``(sum_k H_k W_k A_k, 4)`` of "xyxy" boxes in pixels, ``A_k = 2 + 2 len(ratios[k])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import DefaultBoxGenerator, ImageList
        >>> generator = DefaultBoxGenerator([[2], [2, 3]])
        >>> generator.scales, generator.num_anchors_per_location()
        ([0.15, 0.9, 1.0], [4, 6])
        >>> images = ImageList(yingshe.zeros(1, 3, 32, 32), [(32, 32)])
        >>> boxes = generator(images, [yingshe.zeros(1, 8, 4, 4), yingshe.zeros(1, 8, 2, 2)])
        >>> boxes[0].shape  # 16 cells x 4 + 4 cells x 6
        yingshe.Size([88, 4])
        >>> boxes[0][0]  # a square of 0.15 x 32 = 4.8 pixels around the first cell's centre (4, 4)
        tensor([1.6000, 1.6000, 6.4000, 6.4000])
    """

    def __init__(self, aspect_ratios, min_ratio=0.15, max_ratio=0.9, scales=None, steps=None,
                 clip=True):
        if steps is not None and len(aspect_ratios) != len(steps):
            raise ValueError(f"DefaultBoxGenerator: {len(aspect_ratios)} aspect-ratio lists but "
                             f"{len(steps)} steps")
        self.aspect_ratios, self.steps, self.clip = aspect_ratios, steps, clip
        count = len(aspect_ratios)
        if scales is None:
            if count > 1:
                scales = [min_ratio + (max_ratio - min_ratio) * k / (count - 1.0)
                          for k in range(count)] + [1.0]
            else:
                scales = [min_ratio, max_ratio]
        if len(scales) != count + 1:
            raise ValueError(f"DefaultBoxGenerator: {count} feature maps need {count + 1} "
                             f"scales, got {len(scales)}")
        self.scales = list(scales)
        self._wh_pairs = [self._wh_pairs_of(k) for k in range(count)]

    def _wh_pairs_of(self, k):
        s_k = self.scales[k]
        s_prime = math.sqrt(s_k * self.scales[k + 1])
        pairs = [[s_k, s_k], [s_prime, s_prime]]
        for ratio in self.aspect_ratios[k]:
            root = math.sqrt(ratio)
            pairs.extend([[s_k * root, s_k / root], [s_k / root, s_k * root]])
        pairs = np.asarray(pairs, np.float32)
        return np.clip(pairs, 0, 1) if self.clip else pairs

    def num_anchors_per_location(self):
        """Default boxes per cell of each feature map: 2 squares and 2 per extra ratio."""
        return [2 + 2 * len(r) for r in self.aspect_ratios]

    def __call__(self, image_list, feature_maps):
        """One Tensor [sum_k H_k W_k A_k, 4] of "xyxy" default boxes (pixels) per image."""
        if len(feature_maps) != len(self._wh_pairs):
            raise ValueError(f"DefaultBoxGenerator: {len(feature_maps)} feature maps but default "
                             f"boxes for {len(self._wh_pairs)}")
        height, width = image_list.tensors.shape[-2:]
        boxes = []
        for k, feature in enumerate(feature_maps):
            rows, cols = feature.shape[-2:]
            cells_y, cells_x = ((height / self.steps[k], width / self.steps[k]) if self.steps
                                else (rows, cols))
            centres = _grid(rows, cols, 1.0 / cells_y, 1.0 / cells_x, 0.5)
            pairs = self._wh_pairs[k]
            centres = np.repeat(centres, len(pairs), axis=0)
            sizes = np.tile(pairs, (rows * cols, 1))
            boxes.append(np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1))
        scale = np.asarray([width, height, width, height], np.float32)
        flat = from_numpy((np.concatenate(boxes) * scale).astype(np.float32))
        return [flat for _ in image_list.image_sizes]
