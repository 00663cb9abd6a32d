"""Image transforms as objects, as ``torchvision.transforms`` (v1): same names, arguments, defaults
and results. Each takes a Pillow image, a ``yingshe.Tensor`` ``[..., C, H, W]`` or a NumPy
array ``H x W (x C)`` and returns the same kind (``functional.py`` says how each is handled).

Random transforms draw from their ``generator`` (a ``numpy.random.Generator``, a yingshe
extension) or, when it is ``None``, from the framework's CPU generator, which
``yingshe.manual_seed`` reseeds; torchvision draws from torch's global generator, so the same
seed gives other random parameters than torchvision, never other formulas.
"""
import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from ... import _backend
from . import functional as F
from .functional import InterpolationMode, _interpolation_mode

__all__ = ["InterpolationMode", "Compose", "Lambda", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "Pad", "RandomCrop",
           "RandomResizedCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation",
           "RandomAffine", "Grayscale", "RandomErasing", "ColorJitter"]


def _rng(generator):
    return generator if generator is not None else _backend.generator("cpu")


def _check_p(name, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: the probability p must be in [0, 1], got {p}")
    return p


def _setup_size(name, size):
    """``(h, w)`` from an int or a sequence of one or two positive ints."""
    pair = (size, size) if isinstance(size, numbers.Number) else tuple(size)
    if len(pair) == 1:
        pair = pair * 2
    if len(pair) != 2 or any(not isinstance(s, numbers.Integral) or s <= 0 for s in pair):
        raise ValueError(f"{name}: size must be a positive int or a sequence of one or two "
                         f"positive ints (h, w), got {size}")
    return tuple(int(s) for s in pair)


def _setup_angle(name, what, value, lengths=(2,)):
    """``[lo, hi]`` from a number ``v >= 0`` (meaning ``[-v, v]``) or a sequence."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"{name}: if {what} is a single number, it must be non-negative, "
                             f"got {value}")
        return [-float(value), float(value)]
    if not isinstance(value, Sequence) or len(value) not in lengths:
        raise ValueError(f"{name}: {what} should be a number or a sequence of length "
                         f"{' or '.join(map(str, lengths))}, got {value}")
    return [float(v) for v in value]


def _check_fill(name, fill):
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError(f"{name}: fill should be either a sequence or a number, got "
                        f"{type(fill).__name__}")
    return fill


def _check_range(name, what, value):
    """A (min, max) pair; torchvision only warns when min > max."""
    if not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name}: {what} should be a sequence (min, max), got {value!r}")
    if value[0] > value[1]:
        warnings.warn(f"{name}: {what} should be of kind (min, max), got {value}", stacklevel=3)
    return value


# ---------------------------------------------------------------- composition

class Compose:
    """Apply ``transforms`` one after the other: ``Compose([f, g])(img) = g(f(img))``.

    Examples:
        >>> from PIL import Image
        >>> from yingshe.vision import transforms as T
        >>> to_input = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
        >>> to_input
        Compose(
            ToTensor()
            Normalize(mean=(0.5,), std=(0.5,))
        )
        >>> to_input(Image.new("L", (3, 2), 255))  # white: (1 - 0.5) / 0.5
        tensor([[[1., 1., 1.],
                 [1., 1., 1.]]])
    """

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class Lambda:
    """Apply a user function ``lambd(img)`` as a transform (e.g. inside ``Compose``).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.Lambda(lambda x: x * 2)(yingshe.ones(1, 1, 2))
        tensor([[[2., 2.]]])
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got "
                            f"{type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


# ---------------------------------------------------------------- conversions

class ToTensor:
    """Pillow image or ``H x W (x C)`` array to a ``C x H x W`` tensor; 8-bit images become floats
    in [0, 1] (``x / 255``), other types keep their values (``functional.to_tensor``).

    Shape:
        input ``(H, W)``, ``(H, W, C)`` or a Pillow image of size ``(W, H)``; output
        ``(C, H, W)``.

    Examples:
        >>> import numpy as np
        >>> from yingshe.vision import transforms as T
        >>> x = T.ToTensor()(np.full((4, 5, 3), 51, np.uint8))
        >>> x.shape, x.dtype, x[0, 0, 0].item()
        (yingshe.Size([3, 4, 5]), yingshe.float32, 0.20000000298023224)
    """

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class PILToTensor:
    """Pillow image to a ``C x H x W`` tensor of the same values and type, no scaling
    (``functional.pil_to_tensor``).

    Shape:
        a Pillow image of size ``(W, H)`` with C bands; output ``(C, H, W)``.

    Examples:
        >>> from PIL import Image
        >>> from yingshe.vision import transforms as T
        >>> x = T.PILToTensor()(Image.new("RGB", (5, 4), (255, 0, 128)))
        >>> x.shape, x.dtype
        (yingshe.Size([3, 4, 5]), yingshe.uint8)
    """

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ToPILImage:
    """``C x H x W`` tensor or ``H x W (x C)`` array to a Pillow image; floats are scaled by 255
    (see ``functional.to_pil_image`` for the modes).

    Shape:
        input ``(C, H, W)`` or an array ``(H, W, C)``; output a Pillow image of size ``(W, H)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> image = T.ToPILImage()(yingshe.zeros(3, 4, 5))
        >>> image.mode, image.size
        ('RGB', (5, 4))
    """

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        mode = f"mode={self.mode}" if self.mode is not None else ""
        return f"{type(self).__name__}({mode})"


class ConvertImageDtype:
    """Convert a tensor image to ``dtype``, rescaling the values: integer images span [0, max],
    float images [0, 1] (``functional.convert_image_dtype``).

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.ConvertImageDtype(yingshe.float32)(yingshe.tensor([[[0, 255]]], dtype=yingshe.uint8))
        tensor([[[0., 1.]]])
    """

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, image):
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self):
        return f"{type(self).__name__}(dtype={self.dtype})"


class Normalize:
    """Standardise each channel of a float tensor: ``out[c] = (x[c] - mean[c]) / std[c]``; out of
    place unless ``inplace``.

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> normalize = T.Normalize(mean=[0.5, 0.5], std=[0.5, 0.25])
        >>> normalize(yingshe.tensor([[[0.0, 1.0]], [[0.5, 0.5]]]))
        tensor([[[-1.,  1.]],
        <BLANKLINE>
                [[ 0.,  0.]]])
    """

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


# ---------------------------------------------------------------- geometry

class Resize:
    """Resize to ``size = (h, w)``, or for an int the shorter side to ``size`` keeping the aspect
    ratio (the longer side at most ``max_size``).  Bilinear and antialiased by default; Pillow
    images go through Pillow's resize, as in torchvision (``functional.resize``).

    Shape:
        input ``(*, H, W)`` (or an array / Pillow image); output ``(*, H_out, W_out)``.

    Examples:
        >>> import yingshe
        >>> from PIL import Image
        >>> from yingshe.vision import transforms as T
        >>> T.Resize(16)(yingshe.zeros(3, 32, 48)).shape
        yingshe.Size([3, 16, 24])
        >>> T.Resize((8, 8))(Image.new("RGB", (48, 32))).size
        (8, 8)
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        if not isinstance(size, (numbers.Integral, Sequence)):
            raise TypeError(f"Resize: size should be int or sequence, got {type(size).__name__}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError(f"Resize: if size is a sequence, it should have 1 or 2 values, "
                             f"got {size}")
        _setup_size("Resize", size)
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = _interpolation_mode("Resize", interpolation)

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation="
                f"{self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


class CenterCrop:
    """Crop the centre ``(h, w)`` (an int gives a square); an image smaller than that is first
    zero-padded around (``functional.center_crop``).

    Shape:
        input ``(*, H, W)``; output ``(*, h, w)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.CenterCrop(2)(yingshe.arange(12.).reshape(1, 3, 4))
        tensor([[[1., 2.],
                 [5., 6.]]])
    """

    def __init__(self, size):
        self.size = _setup_size("CenterCrop", size)

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class Pad:
    """Pad the borders by ``padding`` (int, (left/right, top/bottom) or (left, top, right,
    bottom)) with ``fill`` or by ``'edge'``, ``'reflect'`` or ``'symmetric'`` ``padding_mode``
    (``functional.pad``).

    Shape:
        input ``(*, H, W)``; output ``(*, H + top + bottom, W + left + right)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.Pad((1, 2))(yingshe.zeros(3, 4, 4)).shape  # 1 column each side, 2 rows each side
        yingshe.Size([3, 8, 6])
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        F._padding_ltrb("Pad", padding)
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError(f"Pad: fill should be a number or a sequence, got "
                            f"{type(fill).__name__}")
        if padding_mode not in F._PADDING_MODES:
            raise ValueError(f"Pad: padding_mode should be one of {F._PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return (f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class RandomCrop:
    """Crop a random ``(h, w)`` window, after optional ``padding`` (as ``Pad``); the top-left
    corner is drawn uniformly among the windows that fit.

    ``pad_if_needed`` pads an image narrower or shorter than the crop on both sides by the
    shortfall (as torchvision does), with ``fill`` / ``padding_mode``.

    Shape:
        input ``(*, H, W)``; output ``(*, h, w)``.

    Examples:
        >>> import numpy as np
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> crop = T.RandomCrop(32, padding=4, generator=np.random.default_rng(0))  # CIFAR's
        >>> crop(yingshe.zeros(3, 32, 32)).shape
        yingshe.Size([3, 32, 32])
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        self.size = _setup_size("RandomCrop", size)
        if padding is not None:
            F._padding_ltrb("RandomCrop", padding)
        if padding_mode not in F._PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode should be one of {F._PADDING_MODES}, "
                             f"got {padding_mode!r}")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode
        self.generator = generator

    @staticmethod
    def get_params(img, output_size, generator=None):
        """``(top, left, h, w)`` of a random ``output_size`` window of ``img``."""
        _, height, width = F.get_dimensions(img)
        th, tw = output_size
        if height < th or width < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than the "
                             f"input image size {(height, width)}; use padding or "
                             f"pad_if_needed=True")
        if (height, width) == (th, tw):
            return 0, 0, height, width
        gen = _rng(generator)
        return int(gen.integers(0, height - th + 1)), int(gen.integers(0, width - tw + 1)), th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size, self.generator))

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomResizedCrop:
    """Crop a random window covering a ``scale`` fraction of the area with aspect ratio (w / h)
    in ``ratio`` (log-uniform), then resize it to ``size`` (Szegedy et al. 2015, "Going deeper
    with convolutions", §6: the Inception training crops).

    Shape:
        input ``(*, H, W)``; output ``(*, size[0], size[1])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.RandomResizedCrop(8)(yingshe.zeros(3, 32, 48)).shape
        yingshe.Size([3, 8, 8])
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True, generator=None):
        self.size = _setup_size("RandomResizedCrop", size)
        self.scale = _check_range("RandomResizedCrop", "scale", scale)
        self.ratio = _check_range("RandomResizedCrop", "ratio", ratio)
        self.interpolation = _interpolation_mode("RandomResizedCrop", interpolation)
        self.antialias = antialias
        self.generator = generator

    @staticmethod
    def get_params(img, scale, ratio, generator=None):
        """``(top, left, h, w)``; the centre crop of the nearest allowed ratio after 10 misses."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        gen = _rng(generator)
        for _ in range(10):
            target_area = area * gen.uniform(scale[0], scale[1])
            aspect_ratio = math.exp(gen.uniform(*log_ratio))
            w = round(math.sqrt(target_area * aspect_ratio))
            h = round(math.sqrt(target_area / aspect_ratio))
            if 0 < w <= width and 0 < h <= height:
                return (int(gen.integers(0, height - h + 1)), int(gen.integers(0, width - w + 1)),
                        h, w)
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, round(width / min(ratio))
        elif in_ratio > max(ratio):
            w, h = round(height * max(ratio)), height
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        top, left, h, w = self.get_params(img, self.scale, self.ratio, self.generator)
        return F.resized_crop(img, top, left, h, w, self.size, self.interpolation,
                              antialias=self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, "
                f"scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, "
                f"interpolation={self.interpolation.value}, antialias={self.antialias})")


class RandomHorizontalFlip:
    """Mirror the image left to right (``functional.hflip``) with probability ``p``.

    Shape:
        input ``(*, C, H, W)`` tensor, ``H x W (x C)`` array or Pillow image; output the same
        kind and shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.RandomHorizontalFlip(p=1.0)(yingshe.arange(3.).reshape(1, 1, 3))
        tensor([[[2., 1., 0.]]])
    """

    def __init__(self, p=0.5, generator=None):
        self.p = _check_p("RandomHorizontalFlip", p)
        self.generator = generator

    def __call__(self, img):
        return F.hflip(img) if _rng(self.generator).random() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip:
    """Mirror the image top to bottom (``functional.vflip``) with probability ``p``.

    Shape:
        input ``(*, C, H, W)`` tensor, ``H x W (x C)`` array or Pillow image; output the same
        kind and shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.RandomVerticalFlip(p=1.0)(yingshe.arange(2.).reshape(1, 2, 1))
        tensor([[[1.],
                 [0.]]])
    """

    def __init__(self, p=0.5, generator=None):
        self.p = _check_p("RandomVerticalFlip", p)
        self.generator = generator

    def __call__(self, img):
        return F.vflip(img) if _rng(self.generator).random() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomRotation:
    """Rotate counter-clockwise by an angle drawn uniformly from ``degrees`` ((min, max), or a
    number d meaning (-d, d)) about ``center``; ``expand`` keeps the whole image; outside reads
    ``fill``.  Nearest-neighbour by default, as torchvision (``functional.rotate``).

    Shape:
        input ``(*, H, W)``; output ``(*, H, W)`` (larger with ``expand=True``).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.RandomRotation(30)(yingshe.zeros(1, 8, 8)).shape
        yingshe.Size([1, 8, 8])
        >>> T.RandomRotation((90, 90))(yingshe.tensor([[[1., 2.], [3., 4.]]]))  # always 90
        tensor([[[2., 4.],
                 [1., 3.]]])
    """

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False,
                 center=None, fill=0, generator=None):
        self.degrees = _setup_angle("RandomRotation", "degrees", degrees)
        self.interpolation = _interpolation_mode("RandomRotation", interpolation)
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError(f"RandomRotation: center should be a sequence of length 2, "
                             f"got {center}")
        self.expand, self.center = expand, center
        self.fill = _check_fill("RandomRotation", fill)
        self.generator = generator

    @staticmethod
    def get_params(degrees, generator=None):
        """An angle drawn uniformly from ``degrees``."""
        return float(_rng(generator).uniform(float(degrees[0]), float(degrees[1])))

    def __call__(self, img):
        angle = self.get_params(self.degrees, self.generator)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self):
        center = f", center={self.center}" if self.center is not None else ""
        return (f"{type(self).__name__}(degrees={self.degrees}, "
                f"interpolation={self.interpolation.value}, expand={self.expand}{center}, "
                f"fill={self.fill})")


class RandomAffine:
    """Random rotation, translation, scale and shear about the centre, as one inverse map
    (``functional.affine``).

    Same parameters and conventions as torchvision's, including its angle direction: a positive
    angle turns the image clockwise (RandomRotation turns counter-clockwise).
    ``translate=(a, b)``: horizontal shift drawn in ``[-a W, a W]``, vertical in ``[-b H, b H]``
    (rounded to whole pixels); ``scale=(min, max)``; ``shear``: a number ``s`` (x shear in
    ``[-s, s]``), ``(min, max)`` for x, or ``(xmin, xmax, ymin, ymax)``.

    Shape:
        input ``(*, C, H, W)`` tensor, ``H x W (x C)`` array or Pillow image; output the same
        kind and shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> jitter = T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1))
        >>> jitter(yingshe.zeros(1, 28, 28)).shape  # the MNIST augmentation
        yingshe.Size([1, 28, 28])
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None, generator=None):
        name = "RandomAffine"
        self.degrees = _setup_angle(name, "degrees", degrees)
        if translate is not None and (not isinstance(translate, Sequence) or len(translate) != 2
                                      or not all(0.0 <= t <= 1.0 for t in translate)):
            raise ValueError(f"{name}: translate should be two fractions in [0, 1], "
                             f"got {translate}")
        if scale is not None and (not isinstance(scale, Sequence) or len(scale) != 2
                                  or min(scale) <= 0):
            raise ValueError(f"{name}: scale should be two positive values (min, max), "
                             f"got {scale}")
        self.translate, self.scale = translate, scale
        self.shear = None if shear is None else _setup_angle(name, "shear", shear, (2, 4))
        self.interpolation = _interpolation_mode(name, interpolation)
        self.fill = _check_fill(name, fill)
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError(f"{name}: center should be a sequence of length 2, got {center}")
        self.center = center
        self.generator = generator

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size, generator=None):
        """Draw ``(angle, (tx, ty), scale, (shear_x, shear_y))`` for an image of ``img_size`` =
        [width, height], in torchvision's order."""
        gen = _rng(generator)
        angle = float(gen.uniform(degrees[0], degrees[1]))
        translations = (0, 0)
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            translations = (round(gen.uniform(-max_dx, max_dx)),
                            round(gen.uniform(-max_dy, max_dy)))
        scale = 1.0 if scale_ranges is None else float(gen.uniform(scale_ranges[0],
                                                                    scale_ranges[1]))
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = float(gen.uniform(shears[0], shears[1]))
            if len(shears) == 4:
                shear_y = float(gen.uniform(shears[2], shears[3]))
        return angle, translations, scale, (shear_x, shear_y)

    def _params(self, width, height):
        return self.get_params(self.degrees, self.translate, self.scale, self.shear,
                               [width, height], self.generator)

    def __call__(self, img):
        _, height, width = F.get_dimensions(img)
        return F.affine(img, *self._params(width, height), interpolation=self.interpolation,
                        fill=self.fill, center=self.center)

    def apply_batch(self, images):
        """Transform a stack of grey images (N, H, W) at once, each with its own random
        parameters drawn in order (the same draws as N calls); returns float32 (N, H, W)."""
        images = np.asarray(images)
        if images.ndim != 3:
            raise ValueError(f"RandomAffine.apply_batch: expected (N, H, W) grey images, got "
                             f"shape {images.shape}")
        if not isinstance(self.fill, numbers.Number):
            raise ValueError(f"RandomAffine.apply_batch: fill must be one number, got {self.fill}")
        height, width = images.shape[1:]
        centre = F._centered(self.center, width, height)
        matrices = [F._inverse_affine_matrix(centre, angle, [float(t) for t in translate], scale,
                                             shear)
                    for angle, translate, scale, shear in
                    (self._params(width, height) for _ in range(len(images)))]
        return F._warp_batch(images, matrices, self.interpolation, self.fill)

    def __repr__(self):
        text = f"{type(self).__name__}(degrees={self.degrees}"
        text += f", translate={self.translate}" if self.translate is not None else ""
        text += f", scale={self.scale}" if self.scale is not None else ""
        text += f", shear={self.shear}" if self.shear is not None else ""
        text += (f", interpolation={self.interpolation.value}"
                 if self.interpolation is not InterpolationMode.NEAREST else "")
        text += f", fill={self.fill}" if self.fill != 0 else ""
        text += f", center={self.center}" if self.center is not None else ""
        return text + ")"


# ---------------------------------------------------------------- colour and erasing

class Grayscale:
    """Convert to grey ``L = 0.2989 R + 0.587 G + 0.114 B`` with ``num_output_channels`` (1 or 3)
    equal channels (``functional.rgb_to_grayscale``).

    Shape:
        input ``(*, 3, H, W)`` (or a Pillow image); output ``(*, num_output_channels, H, W)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> T.Grayscale()(yingshe.tensor([[[1.0]], [[0.5]], [[0.0]]]))
        tensor([[[0.5924]]])
    """

    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Each of ``brightness``, ``contrast``, ``saturation`` is a number ``x`` (the factor is drawn
    uniformly from ``[max(0, 1 - x), 1 + x]``) or a ``(min, max)`` pair; ``hue`` is a number
    ``x`` in [0, 0.5] (factor from ``[-x, x]``) or a pair within [-0.5, 0.5]. The order of the
    four operations (a permutation) and the factors are drawn from ``generator``; each is the
    ``functional.adjust_*`` of its name.

    Shape:
        input ``(*, 3, H, W)`` (or an array / Pillow image); output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> jitter = T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
        >>> jitter
        ColorJitter(brightness=(0.6, 1.4), contrast=(0.6, 1.4), saturation=(0.6, 1.4), hue=...)
        >>> jitter(yingshe.rand(3, 8, 8)).shape
        yingshe.Size([3, 8, 8])
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, generator=None):
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5),
                                     clip_first_on_zero=False)
        self.generator = generator

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        """``(min, max)`` of the factor, or None when it can only be the identity."""
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"ColorJitter: if {name} is a single number, it must be non "
                                 f"negative, got {value}")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"ColorJitter: {name} should be a single number or a list/tuple "
                            f"with length 2, got {value!r}")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"ColorJitter: {name} values should be between {bound}, but got "
                             f"{value}.")
        return None if value[0] == value[1] == center else tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue, generator=None):
        """(order of the four operations, brightness, contrast, saturation, hue factors; None
        for a range that is None)."""
        rng = _rng(generator)
        order = rng.permutation(4).tolist()
        factors = [None if r is None else float(rng.uniform(r[0], r[1]))
                   for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation,
                                          self.hue, self.generator)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for i in order:
            if factors[i] is not None:
                img = adjust[i](img, factors[i])
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class RandomErasing:
    """With probability ``p``, set a random rectangle of a tensor image to ``value`` (Zhong et
    al. 2020, "Random Erasing Data Augmentation", Alg. 1).

    The rectangle covers a ``scale`` fraction of the area with aspect ratio (h / w) in ``ratio``
    (log-uniform); ``value`` is a number, one per channel, or ``'random'`` (standard normal
    noise).  Applied after ``ToTensor``/``Normalize``, as in torchvision.

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import transforms as T
        >>> erased = T.RandomErasing(p=1.0, value=0)(yingshe.ones(3, 8, 8))
        >>> erased.shape, bool((erased == 0).any())
        (yingshe.Size([3, 8, 8]), True)
    """

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False,
                 generator=None):
        name = "RandomErasing"
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError(f"{name}: value should be a number, a str or a sequence, got "
                            f"{type(value).__name__}")
        if isinstance(value, str) and value != "random":
            raise ValueError(f"{name}: if value is a str, it should be 'random', got {value!r}")
        self.scale = _check_range(name, "scale", scale)
        self.ratio = _check_range(name, "ratio", ratio)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError(f"{name}: scale should be between 0 and 1, got {scale}")
        self.p = _check_p(name, p)
        self.value, self.inplace = value, inplace
        self.generator = generator

    @staticmethod
    def get_params(img, scale, ratio, value=None, generator=None):
        """``(top, left, h, w, v)``: v is ``value`` as (C, 1, 1), or (C, h, w) standard normal
        noise when ``value`` is None; the whole image, unchanged, after 10 misses."""
        channels, height, width = F.get_dimensions(img)
        gen = _rng(generator)
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = height * width * gen.uniform(scale[0], scale[1])
            aspect_ratio = math.exp(gen.uniform(*log_ratio))
            h = round(math.sqrt(erase_area * aspect_ratio))
            w = round(math.sqrt(erase_area / aspect_ratio))
            if not (h < height and w < width):
                continue
            if value is None:
                v = gen.standard_normal((channels, h, w)).astype(np.float32)
            else:
                v = np.asarray(value, np.float64)[:, None, None]
            return int(gen.integers(0, height - h + 1)), int(gen.integers(0, width - w + 1)), \
                h, w, v
        return 0, 0, height, width, None

    def __call__(self, img):
        if _rng(self.generator).random() >= self.p:
            return img
        if isinstance(self.value, numbers.Number):
            value = [float(self.value)]
        elif isinstance(self.value, str):
            value = None
        else:
            value = [float(v) for v in self.value]
        channels = F.get_dimensions(img)[0]
        if value is not None and len(value) not in (1, channels):
            raise ValueError(f"RandomErasing: if value is a sequence, it should have either a "
                             f"single value or {channels} (the number of input channels), got "
                             f"{len(value)}")
        top, left, h, w, v = self.get_params(img, self.scale, self.ratio, value, self.generator)
        if v is None:
            return img
        return F.erase(img, top, left, h, w, v, self.inplace)

    def __repr__(self):
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
                f"value={self.value}, inplace={self.inplace})")
