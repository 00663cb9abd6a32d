"""The evaluation preprocessing of pretrained classifiers, as ``torchvision.transforms._presets``:
what ``weights.transforms()`` returns."""
import numpy as np

from ..._dtype import float32
from ..._tensor import Tensor
from . import functional as F
from .functional import InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification:
    """Resize the shorter side to ``resize_size`` (bilinear, antialiased), crop the centre
    ``crop_size`` x ``crop_size``, rescale to float32 in [0, 1] and normalise each channel,
    ``(x - mean[c]) / std[c]`` (ImageNet's statistics by default): the single centre crop with
    which the ImageNet classifiers are evaluated (Krizhevsky et al. 2012; He et al. 2016).

    Takes a Pillow image, a ``(C, H, W)`` or batched ``(B, C, H, W)`` tensor, or an
    ``H x W (x C)`` NumPy array; returns a float32 tensor.  Torchvision's preset, built from
    ``functional``'s resize, center_crop, pil_to_tensor, convert_image_dtype and normalize."""

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406),
                 std=(0.229, 0.224, 0.225), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def __call__(self, img):
        img = F.resize(img, self.resize_size, interpolation=self.interpolation,
                       antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if isinstance(img, np.ndarray):
            img = F.to_tensor(img)  # H x W x C -> C x H x W; uint8 scaled as convert_image_dtype
        elif not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, float32)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        return (f"{type(self).__name__}(\n    crop_size={self.crop_size}\n"
                f"    resize_size={self.resize_size}\n    mean={self.mean}\n    std={self.std}\n"
                f"    interpolation={self.interpolation}\n)")

    def describe(self):
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image "
                "``yingshe.Tensor`` objects. The images are resized to "
                f"``resize_size={self.resize_size}`` using ``interpolation={self.interpolation}"
                f"``, followed by a central crop of ``crop_size={self.crop_size}``. Finally the "
                "values are first rescaled to ``[0.0, 1.0]`` and then normalized using "
                f"``mean={self.mean}`` and ``std={self.std}``.")
