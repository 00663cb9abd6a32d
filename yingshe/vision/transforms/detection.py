"""Box-aware transforms for detection: each takes and returns ``(image, target)``, like
``torchvision.transforms.v2`` with its ``tv_tensors`` reduced to one convention: the image is a
Pillow image, a tensor ``[..., C, H, W]`` or an ``H x W (x C)`` array, and ``target["boxes"]`` a
float Tensor ``[N, 4]`` of ``(x1, y1, x2, y2)`` pixel coordinates (the detection datasets'
target).  Geometry moves the boxes with the pixels; a transform that removes boxes (a crop,
``SanitizeBoundingBoxes``) removes the matching entries of the per-box keys ``labels``,
``area`` and ``iscrowd`` too and adds the count to its ``dropped`` attribute (per process: a
DataLoader worker counts its own).  Randomness comes from ``generator`` (a
``numpy.random.Generator``) or, by default, the framework's CPU generator
(``yingshe.manual_seed``)."""
import numpy as np

from ..._tensor import Tensor
from ...ops.creation import from_numpy
from . import functional as F
from .transforms import _rng

__all__ = ["Compose", "ToTensor", "RandomHorizontalFlip", "Resize", "ScaleJitter", "RandomCrop",
           "SanitizeBoundingBoxes"]

PER_BOX_KEYS = ("labels", "area", "iscrowd")


def _boxes(name, target):
    """``target["boxes"]`` as a float NumPy array [N, 4], checked."""
    if not isinstance(target, dict) or "boxes" not in target:
        raise TypeError(f"{name}: the target must be a dict with 'boxes', got "
                        f"{type(target).__name__}")
    boxes = target["boxes"]
    array = boxes.detach().numpy() if isinstance(boxes, Tensor) else np.asarray(boxes)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{name}: target['boxes'] must be [N, 4], got {array.shape}")
    return array.astype(np.float32 if array.dtype != np.float64 else np.float64)


def _replace_boxes(target, boxes, keep=None):
    """A copy of ``target`` with new ``boxes``, the per-box keys reduced to ``keep`` (a mask)."""
    out = dict(target)
    out["boxes"] = from_numpy(np.ascontiguousarray(boxes if keep is None else boxes[keep]))
    if keep is not None:
        for key in PER_BOX_KEYS:
            if key in out:
                value = out[key]
                array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
                out[key] = from_numpy(np.ascontiguousarray(array[keep]))
    return out


def _sides_at_least(boxes, min_size):
    return (boxes[:, 2] - boxes[:, 0] >= min_size) & (boxes[:, 3] - boxes[:, 1] >= min_size)


def _resize(image, target, out_h, out_w):
    """``image`` resized to ``out_h x out_w`` and the boxes scaled with it."""
    width, height = F.get_image_size(image)
    boxes = _boxes("Resize", target) * np.array([out_w / width, out_h / height] * 2, np.float32)
    return F.resize(image, [out_h, out_w]), _replace_boxes(target, boxes)


class Compose:
    """Apply ``transforms`` one after the other to ``(image, target)``.

    Examples:
        >>> from PIL import Image
        >>> import yingshe
        >>> from yingshe.vision.transforms import detection as T
        >>> image = yingshe.zeros(3, 20, 40)
        >>> target = {"boxes": yingshe.tensor([[0., 0., 10., 10.], [30., 5., 40., 20.]]),
        ...           "labels": yingshe.tensor([1, 2])}
        >>> pipeline = T.Compose([T.ToTensor(), T.RandomHorizontalFlip(p=1.0), T.Resize(10)])
        >>> image, target = pipeline(Image.new("RGB", (40, 20)), target)
        >>> image.shape
        yingshe.Size([3, 10, 20])
        >>> target["boxes"]  # flipped (x -> 40 - x), then halved
        tensor([[15.0000,  0.0000, 20.0000,  5.0000],
                [ 0.0000,  2.5000,  5.0000, 10.0000]])
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image, target):
        for transform in self.transforms:
            image, target = transform(image, target)
        return image, target

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


class ToTensor:
    """The image as a float tensor in [0, 1] (``functional.to_tensor``); the target unchanged.

    Shape:
        image ``(H, W, C)`` array or Pillow image of size ``(W, H)``; output image ``(C, H, W)``.

    Examples:
        >>> from PIL import Image
        >>> from yingshe.vision.transforms import detection as T
        >>> image, target = T.ToTensor()(Image.new("RGB", (40, 20)), {"boxes": [[0, 0, 4, 4]]})
        >>> image.shape, image.dtype
        (yingshe.Size([3, 20, 40]), yingshe.float32)
    """

    def __call__(self, image, target):
        return F.to_tensor(image), target

    def __repr__(self):
        return "ToTensor()"


class RandomHorizontalFlip:
    """Mirror image and boxes left to right with probability ``p``:
    ``(x1, y1, x2, y2) -> (W - x2, y1, W - x1, y2)``.

    Shape:
        image ``(*, C, H, W)`` (or an array / Pillow image), same shape out; boxes ``(N, 4)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.transforms import detection as T
        >>> image = yingshe.zeros(3, 20, 40)
        >>> target = {"boxes": yingshe.tensor([[0., 0., 10., 10.], [30., 5., 40., 20.]]),
        ...           "labels": yingshe.tensor([1, 2])}
        >>> T.RandomHorizontalFlip(p=1.0)(image, target)[1]["boxes"]
        tensor([[30.,  0., 40., 10.],
                [ 0.,  5., 10., 20.]])
    """

    def __init__(self, p=0.5, generator=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: the probability p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, image, target):
        if _rng(self.generator).random() >= self.p:
            return image, target
        width, _ = F.get_image_size(image)
        boxes = _boxes("RandomHorizontalFlip", target)
        flipped = np.stack([width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]], 1)
        return F.hflip(image), _replace_boxes(target, flipped)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class Resize:
    """Resize as ``transforms.Resize`` (an int: the shorter side, at most ``max_size`` for the
    longer; a pair: ``(h, w)``) and scale the boxes by the same factors:
    ``x -> x W_out / W``, ``y -> y H_out / H``.

    Shape:
        image ``(*, C, H, W)``, output ``(*, C, H_out, W_out)``; boxes ``(N, 4)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.transforms import detection as T
        >>> image = yingshe.zeros(3, 20, 40)
        >>> target = {"boxes": yingshe.tensor([[0., 0., 10., 10.], [30., 5., 40., 20.]]),
        ...           "labels": yingshe.tensor([1, 2])}
        >>> image, target = T.Resize(10)(image, target)
        >>> image.shape
        yingshe.Size([3, 10, 20])
        >>> target["boxes"]
        tensor([[ 0.0000,  0.0000,  5.0000,  5.0000],
                [15.0000,  2.5000, 20.0000, 10.0000]])
    """

    def __init__(self, size, max_size=None):
        self.size, self.max_size = size, max_size

    def __call__(self, image, target):
        width, height = F.get_image_size(image)
        out_h, out_w = F._resized_output_size(height, width, self.size, self.max_size)
        return _resize(image, target, out_h, out_w)

    def __repr__(self):
        return f"Resize(size={self.size}, max_size={self.max_size})"


class ScaleJitter:
    """Large-scale jitter (Ghiasi et al. 2021, "Simple Copy-Paste", §3.1; torchvision v2's
    ``ScaleJitter``): resize by ``r = min(th / h, tw / w) * s`` with s uniform in
    ``scale_range``, keeping the aspect ratio, so the image fits ``target_size = (th, tw)``
    scaled by s; boxes scale with it.

    Shape:
        image ``(*, C, H, W)``, output ``(*, C, int(H r), int(W r))``; boxes ``(N, 4)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.transforms import detection as T
        >>> image = yingshe.zeros(3, 20, 40)
        >>> target = {"boxes": yingshe.tensor([[0., 0., 10., 10.], [30., 5., 40., 20.]]),
        ...           "labels": yingshe.tensor([1, 2])}
        >>> jitter = T.ScaleJitter(target_size=(20, 40), scale_range=(0.5, 0.5))  # s = 0.5
        >>> jitter(image, target)[0].shape
        yingshe.Size([3, 10, 20])
    """

    def __init__(self, target_size, scale_range=(0.1, 2.0), generator=None):
        if not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f"ScaleJitter: scale_range must be 0 < low <= high, got {scale_range}")
        self.target_size, self.scale_range, self.generator = tuple(target_size), scale_range, generator

    def __call__(self, image, target):
        width, height = F.get_image_size(image)
        scale = _rng(self.generator).uniform(*self.scale_range)
        ratio = min(self.target_size[0] / height, self.target_size[1] / width) * scale
        return _resize(image, target, max(int(height * ratio), 1), max(int(width * ratio), 1))

    def __repr__(self):
        return f"ScaleJitter(target_size={self.target_size}, scale_range={self.scale_range})"


class SanitizeBoundingBoxes:
    """Drop the boxes with a side shorter than ``min_size`` pixels (and their per-box keys
    ``labels``, ``area``, ``iscrowd``); ``dropped`` counts them.

    Shape:
        boxes ``(N, 4)``; output boxes ``(N_kept, 4)``; the image is returned unchanged.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.transforms import detection as T
        >>> target = {"boxes": yingshe.tensor([[0., 0., 10., 10.], [5., 5., 5.5, 30.]]),
        ...           "labels": yingshe.tensor([1, 2])}
        >>> sanitize = T.SanitizeBoundingBoxes(min_size=1.0)
        >>> sanitize(yingshe.zeros(3, 40, 40), target)[1]  # the 0.5-pixel-wide box goes
        {'boxes': tensor([[ 0.,  0., 10., 10.]]), 'labels': tensor([1])}
        >>> sanitize.dropped
        1
    """

    def __init__(self, min_size=1.0):
        self.min_size, self.dropped = min_size, 0

    def __call__(self, image, target):
        boxes = _boxes("SanitizeBoundingBoxes", target)
        keep = _sides_at_least(boxes, self.min_size)
        self.dropped += int((~keep).sum())
        return image, _replace_boxes(target, boxes, keep)

    def __repr__(self):
        return f"SanitizeBoundingBoxes(min_size={self.min_size})"


class RandomCrop:
    """A random ``size = (h, w)`` window (the whole side where the image is smaller): boxes move
    with it and are clipped to it; a box keeping a side shorter than ``min_size`` or less than
    ``min_visibility`` of its area is dropped and counted in ``dropped``.

    Shape:
        image ``(*, C, H, W)``, output ``(*, C, min(h, H), min(w, W))``; boxes ``(N, 4)``,
        output ``(N_kept, 4)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.transforms import detection as T
        >>> image = yingshe.zeros(3, 20, 40)
        >>> target = {"boxes": yingshe.tensor([[0., 0., 10., 10.], [30., 5., 40., 20.]]),
        ...           "labels": yingshe.tensor([1, 2])}
        >>> crop = T.RandomCrop((20, 20))
        >>> image, target = crop(image, target)
        >>> image.shape, target["boxes"].shape[0] + crop.dropped  # each box kept or dropped
        (yingshe.Size([3, 20, 20]), 2)
    """

    def __init__(self, size, min_size=1.0, min_visibility=0.0, generator=None):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.min_size, self.min_visibility = min_size, min_visibility
        self.generator, self.dropped = generator, 0

    def __call__(self, image, target):
        width, height = F.get_image_size(image)
        crop_h, crop_w = min(self.size[0], height), min(self.size[1], width)
        rng = _rng(self.generator)
        top, left = int(rng.integers(0, height - crop_h + 1)), int(rng.integers(0, width - crop_w + 1))
        boxes = _boxes("RandomCrop", target)
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        moved = boxes - np.array([left, top, left, top], boxes.dtype)
        clipped = np.clip(moved, 0, np.array([crop_w, crop_h, crop_w, crop_h], boxes.dtype))
        visible = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            keep = _sides_at_least(clipped, self.min_size) & \
                (visible >= self.min_visibility * area)
        self.dropped += int((~keep).sum())
        return F.crop(image, top, left, crop_h, crop_w), _replace_boxes(target, clipped, keep)

    def __repr__(self):
        return (f"RandomCrop(size={self.size}, min_size={self.min_size}, "
                f"min_visibility={self.min_visibility})")
