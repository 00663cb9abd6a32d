"""The input side of every detector, as ``torchvision.models.detection.transform``: check the
images and targets, normalise, resize (boxes with them), batch into one padded Tensor, and map
the predicted boxes back to each image's own size."""
from .... import nn
from ....ops.creation import tensor, zeros
from ....ops.shape import stack
from ...datasets.voc import check_detection_target
from ...transforms.functional import resize
from .anchor_utils import ImageList

__all__ = ["GeneralizedRCNNTransform", "check_targets"]


def check_targets(images, targets, num_classes):
    """The checks torchvision's detectors make of a training batch: one target per image,
    each passing ``check_detection_target`` (boxes [N, 4] of positive width and height,
    labels in 1..num_classes - 1, 0 being the background), a ValueError naming the target and
    the box otherwise.  An image without objects has ``boxes`` of shape [0, 4]."""
    if targets is None:
        raise ValueError("targets should not be None when in training mode")
    if len(targets) != len(images):
        raise ValueError(f"{len(images)} images but {len(targets)} targets")
    for index, target in enumerate(targets):
        check_detection_target(target, num_classes, where=f"target {index}")
        if not target["boxes"].is_floating_point():
            raise ValueError(f"target {index}: boxes must be a float Tensor, got "
                             f"{target['boxes'].dtype}")


class GeneralizedRCNNTransform(nn.Module):
    """The input side of every detector (torchvision's ``GeneralizedRCNNTransform``): normalise
    with ``image_mean``/``image_std`` (``(x - mean_c) / std_c``), resize each image so its shorter
    side is ``min_size`` (the longer at most ``max_size``) or to exactly ``fixed_size`` (height,
    width), scaling the target boxes with it, and batch them zero-padded to a multiple of
    ``size_divisible``.  ``postprocess`` maps predicted boxes back to the original sizes.

    Shape:
        images a list of ``(C, H_i, W_i)``; output ``(ImageList (N, C, H, W), targets)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models.detection import GeneralizedRCNNTransform
        >>> transform = GeneralizedRCNNTransform(min_size=32, max_size=64, image_mean=[0.5] * 3,
        ...                                      image_std=[0.25] * 3, size_divisible=16)
        >>> targets = [{"boxes": yingshe.tensor([[0., 0., 30., 20.]])},
        ...            {"boxes": yingshe.tensor([[0., 0., 10., 10.]])}]
        >>> batch, targets = transform([yingshe.rand(3, 40, 60), yingshe.rand(3, 20, 20)], targets)
        >>> batch.tensors.shape, batch.image_sizes  # shorter sides to 32, padded together
        (yingshe.Size([2, 3, 32, 48]), [(32, 48), (32, 32)])
        >>> targets[0]["boxes"]  # scaled by 32 / 40
        tensor([[ 0.,  0., 24., 16.]])
    """

    def __init__(self, min_size, max_size, image_mean, image_std, size_divisible=32,
                 fixed_size=None):
        super().__init__()
        self.min_size, self.max_size = min_size, max_size
        self.image_mean, self.image_std = list(image_mean), list(image_std)
        self.size_divisible = size_divisible
        self.fixed_size = tuple(fixed_size) if fixed_size is not None else None

    def forward(self, images, targets=None):
        """(ImageList, targets with boxes in the resized images' pixels)."""
        images = list(images)
        targets = [dict(t) for t in targets] if targets is not None else None
        for index, image in enumerate(images):
            if image.ndim != 3 or image.shape[0] != len(self.image_mean):
                raise ValueError(f"images must be a list of 3-D tensors [C, H, W] with "
                                 f"C = {len(self.image_mean)}; image {index} has shape "
                                 f"{tuple(image.shape)}")
            images[index], boxes = self.resize(self.normalize(image),
                                               targets[index]["boxes"] if targets else None)
            if targets:
                targets[index]["boxes"] = boxes
        sizes = [tuple(image.shape[-2:]) for image in images]
        return ImageList(self.batch_images(images), sizes), targets

    def normalize(self, image):
        """(image - mean) / std per channel."""
        mean = tensor(self.image_mean, dtype=image.dtype)[:, None, None]
        std = tensor(self.image_std, dtype=image.dtype)[:, None, None]
        return (image - mean) / std

    def _new_size(self, height, width):
        if self.fixed_size is not None:
            return self.fixed_size
        scale = min(self.min_size / min(height, width), self.max_size / max(height, width))
        return round(height * scale), round(width * scale)

    def resize(self, image, boxes=None):
        """Bilinear (antialiased) resize of ``image`` [C, H, W]; ``boxes`` scaled by the same
        factors."""
        height, width = image.shape[-2:]
        new_h, new_w = self._new_size(height, width)
        if (new_h, new_w) != (height, width):
            image = resize(image, [new_h, new_w])
        if boxes is not None:
            boxes = resize_boxes(boxes, (height, width), (new_h, new_w))
        return image, boxes

    def batch_images(self, images):
        """One zero-padded Tensor [N, C, H_max, W_max], sides rounded up to size_divisible."""
        step = self.size_divisible
        height = -(-max(i.shape[1] for i in images) // step) * step
        width = -(-max(i.shape[2] for i in images) // step) * step
        if all(tuple(i.shape[1:]) == (height, width) for i in images):
            return stack(images)
        batch = zeros((len(images), images[0].shape[0], height, width), dtype=images[0].dtype)
        for index, image in enumerate(images):
            batch[index, :, :image.shape[1], :image.shape[2]] = image
        return batch

    def postprocess(self, result, image_sizes, original_sizes):
        """Predicted boxes from the resized images back to each original image's pixels."""
        for prediction, size, original in zip(result, image_sizes, original_sizes):
            prediction["boxes"] = resize_boxes(prediction["boxes"], size, original)
        return result


def resize_boxes(boxes, original_size, new_size):
    """"xyxy" ``boxes`` of an image of ``original_size`` (H, W) in one of ``new_size``."""
    ratio_h = new_size[0] / original_size[0]
    ratio_w = new_size[1] / original_size[1]
    if ratio_h == 1 and ratio_w == 1:
        return boxes
    scale = tensor([ratio_w, ratio_h, ratio_w, ratio_h], dtype=boxes.dtype)
    return boxes * scale
