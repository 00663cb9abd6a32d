"""Image transforms in the style of ``torchvision.transforms``, written with NumPy only.

Images are NumPy arrays (``H x W`` or ``H x W x C``, as read from files, usually uint8) or, after
``ToTensor``, ``C x H x W`` arrays and ``yingshe.Tensor``s. Geometric transforms accept every
layout and return the same layout and dtype (integer images are rounded after interpolation):

* a 2-D array is ``H x W``;
* a ``yingshe.Tensor``, or a 3-D array whose first dim is 1, 3 or 4, is ``C x H x W``;
* any other 3-D array whose last dim is 1, 3 or 4 is ``H x W x C``.

Random transforms draw from their ``generator`` (a ``numpy.random.Generator``), or, when it is
``None``, from the framework's CPU generator, which ``yingshe.manual_seed`` reseeds.
"""
import math
import numbers

import numpy as np

from . import _backend
from ._tensor import Tensor
from .ops.creation import from_numpy

__all__ = ["Compose", "Lambda", "ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "RandomAffine",
           "RandomErasing"]

_CHANNELS = (1, 3, 4)
_INTERPOLATIONS = ("nearest", "bilinear")
_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


# ---------------------------------------------------------------- layouts and small helpers

def _to_chw(img):
    """``(C x H x W view of img, how)``; ``_from_chw(result, how)`` restores img's layout."""
    if isinstance(img, Tensor):
        arr = img.detach().cpu().numpy()
    elif isinstance(img, np.ndarray):
        arr = img
    else:
        raise TypeError(f"expected a numpy.ndarray or yingshe.Tensor image, "
                        f"got {type(img).__name__}")
    if arr.ndim == 2:
        layout, chw = "HW", arr[None]
    elif arr.ndim == 3 and (isinstance(img, Tensor) or arr.shape[0] in _CHANNELS):
        layout, chw = "CHW", arr
    elif arr.ndim == 3 and arr.shape[-1] in _CHANNELS:
        layout, chw = "HWC", arr.transpose(2, 0, 1)
    else:
        raise ValueError(f"can't read an image of shape {arr.shape}: expected H x W, H x W x C "
                         f"or C x H x W with C in {_CHANNELS}")
    device = img.device if isinstance(img, Tensor) else None
    return chw, (layout, device)


def _from_chw(chw, how):
    """The inverse of ``_to_chw``: a contiguous array, or a tensor on the input's device."""
    layout, device = how
    if layout == "HW":
        arr = chw[0]
    elif layout == "HWC":
        arr = chw.transpose(1, 2, 0)
    else:
        arr = chw
    arr = np.ascontiguousarray(arr)
    if device is None:
        return arr
    tensor = from_numpy(arr)
    return tensor if device.type == "cpu" else tensor.to(device)


def _cast_like(values, dtype):
    """Float values as ``dtype``: integer types are rounded (half to even) and clipped."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = np.clip(np.rint(values), info.min, info.max)
    return values.astype(dtype)


def _rng(generator):
    return generator if generator is not None else _backend.generator("cpu")


def _check_p(name, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: the probability p must be in [0, 1], got {p}")
    return float(p)


def _size_pair(name, size):
    """``(h, w)`` from an int or a sequence of one or two positive ints."""
    pair = (size, size) if isinstance(size, numbers.Number) else tuple(size)
    if len(pair) == 1:
        pair = pair * 2
    if len(pair) != 2 or any(not isinstance(s, numbers.Integral) or s <= 0 for s in pair):
        raise ValueError(f"{name}: size must be a positive int or a pair of positive ints "
                         f"(h, w), got {size}")
    return tuple(int(s) for s in pair)


def _range(name, what, value, *, symmetric=True):
    """``(lo, hi)`` from a number ``v >= 0`` (meaning ``(-v, v)``) or a pair ``lo <= hi``."""
    if isinstance(value, numbers.Number) and symmetric:
        if value < 0:
            raise ValueError(f"{name}: a single {what} must be non-negative, got {value}")
        return (-float(value), float(value))
    pair = tuple(float(v) for v in value)
    if len(pair) != 2 or pair[0] > pair[1]:
        raise ValueError(f"{name}: {what} must be a pair (min, max) with min <= max, "
                         f"got {value}")
    return pair


def _per_channel(name, value, channels):
    """A float64 array of one value per channel, from a number or a sequence."""
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if values.ndim != 1 or len(values) not in (1, channels):
        raise ValueError(f"{name}: got {len(values)} values {value} for an image with "
                         f"{channels} channels")
    return np.broadcast_to(values, (channels,))


def _padding_ltrb(padding):
    """``(left, top, right, bottom)`` from an int, ``(left/right, top/bottom)`` or 4 values."""
    if isinstance(padding, numbers.Number):
        pads = (padding,) * 4
    elif len(padding) == 2:
        pads = (padding[0], padding[1]) * 2
    elif len(padding) == 4:
        pads = tuple(padding)
    else:
        pads = ()
    if not pads or any(not isinstance(p, numbers.Integral) or p < 0 for p in pads):
        raise ValueError(f"padding must be a non-negative int or a sequence of 2 or 4 of them, "
                         f"got {padding}")
    return tuple(int(p) for p in pads)


def _pad(chw, ltrb, fill=0, mode="constant"):
    """Pad the two spatial dims of a C x H x W array; ``fill`` is per channel or one number."""
    left, top, right, bottom = ltrb
    widths = ((top, bottom), (left, right))
    if mode != "constant":
        return np.pad(chw, ((0, 0),) + widths, mode=mode)
    fills = _per_channel("pad", fill, chw.shape[0])
    return np.stack([np.pad(ch, widths, constant_values=f) for ch, f in zip(chw, fills)])


def _crop(chw, top, left, height, width):
    return chw[:, top:top + height, left:left + width]


# ---------------------------------------------------------------- resampling

def _linear_taps(n_in, n_out):
    """Indices and weight of linear interpolation with half-pixel centres (PyTorch's rule)."""
    src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.intp), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, src - i0


def _resize_bilinear(chw, height, width):
    """Bilinear resize like ``interpolate(mode='bilinear', align_corners=False)``."""
    y0, y1, wy = _linear_taps(chw.shape[1], height)
    x0, x1, wx = _linear_taps(chw.shape[2], width)
    src = chw.astype(np.float64)
    rows = src[:, y0, :] * (1 - wy)[:, None] + src[:, y1, :] * wy[:, None]
    out = rows[:, :, x0] * (1 - wx) + rows[:, :, x1] * wx
    return _cast_like(out, chw.dtype)


def _inverse_affine(angle, translate, scale, shear):
    """2 x 3 map from output to input pixel coordinates, both centred on the image centre.

    Same matrix as torchvision's ``_get_inverse_affine_matrix``: with y pointing down, a positive
    ``angle`` (degrees) turns the image clockwise; ``translate`` is in pixels, ``shear`` in degrees.
    """
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    linear = np.array([[d, -b], [-c, a]]) / scale  # the inverse of [[a, b], [c, d]] (det 1)
    offset = -linear @ np.asarray(translate, dtype=np.float64)
    return np.hstack([linear, offset[:, None]])


def _warp(chw, matrix, interpolation, fill):
    """Sample ``chw`` at ``matrix`` applied to every output pixel centre; outside reads ``fill``.

    Pixel ``(i, j)`` has centred coordinates ``(j + 0.5 - W / 2, i + 0.5 - H / 2)``.
    """
    channels, height, width = chw.shape
    v, u = np.meshgrid(np.arange(height) + 0.5 - height / 2, np.arange(width) + 0.5 - width / 2,
                       indexing="ij")
    x = matrix[0, 0] * u + matrix[0, 1] * v + matrix[0, 2] + width / 2 - 0.5
    y = matrix[1, 0] * u + matrix[1, 1] * v + matrix[1, 2] + height / 2 - 0.5
    # A one-pixel border of fill: every tap outside the image is clipped onto it.
    fills = _per_channel("fill", fill, channels)
    framed = np.empty((channels, height + 2, width + 2))
    framed[:] = fills[:, None, None]
    framed[:, 1:-1, 1:-1] = chw

    def tap(yi, xi):
        return framed[:, np.clip(yi, -1, height) + 1, np.clip(xi, -1, width) + 1]

    if interpolation == "nearest":
        out = tap(np.rint(y).astype(np.intp), np.rint(x).astype(np.intp))
    else:
        y0, x0 = np.floor(y), np.floor(x)
        wy, wx = y - y0, x - x0
        y0, x0 = y0.astype(np.intp), x0.astype(np.intp)
        out = ((tap(y0, x0) * (1 - wx) + tap(y0, x0 + 1) * wx) * (1 - wy)
               + (tap(y0 + 1, x0) * (1 - wx) + tap(y0 + 1, x0 + 1) * wx) * wy)
    return _cast_like(out, chw.dtype)


def _warp_batch(images, matrices, interpolation, fill):
    """``_warp`` for a stack of grey images (N, H, W), each with its own (2, 3) map, in one
    vectorised pass (float32)."""
    n, height, width = images.shape
    v, u = np.meshgrid(np.arange(height) + 0.5 - height / 2, np.arange(width) + 0.5 - width / 2,
                       indexing="ij")
    u, v = u.astype(np.float32), v.astype(np.float32)
    m = matrices.astype(np.float32)[:, :, :, None, None]
    x = m[:, 0, 0] * u + m[:, 0, 1] * v + m[:, 0, 2] + (width / 2 - 0.5)
    y = m[:, 1, 0] * u + m[:, 1, 1] * v + m[:, 1, 2] + (height / 2 - 0.5)
    framed = np.full((n, height + 2, width + 2), fill, np.float32)
    framed[:, 1:-1, 1:-1] = images
    flat = framed.reshape(-1)
    base = (np.arange(n) * framed[0].size).reshape(n, 1, 1)

    def tap(yi, xi):
        return flat[base + (np.clip(yi, -1, height) + 1) * (width + 2) + np.clip(xi, -1, width) + 1]

    if interpolation == "nearest":
        return tap(np.rint(y).astype(np.intp), np.rint(x).astype(np.intp))
    y0, x0 = np.floor(y), np.floor(x)
    wy, wx = y - y0, x - x0
    y0, x0 = y0.astype(np.intp), x0.astype(np.intp)
    return ((tap(y0, x0) * (1 - wx) + tap(y0, x0 + 1) * wx) * (1 - wy)
            + (tap(y0 + 1, x0) * (1 - wx) + tap(y0 + 1, x0 + 1) * wx) * wy).astype(np.float32)


def _check_interpolation(name, interpolation):
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {_INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    return interpolation


# ---------------------------------------------------------------- transforms

class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class Lambda:
    """Apply a user function ``fn(img)`` as a transform."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda: fn must be callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, img):
        return self.fn(img)

    def __repr__(self):
        return f"{type(self).__name__}(fn={getattr(self.fn, '__name__', repr(self.fn))})"


class ToTensor:
    """H x W (x C) ndarray -> C x H x W ``yingshe.Tensor``; uint8 becomes float32 in [0, 1].

    Other dtypes keep their values and dtype, as in torchvision.
    """

    def __call__(self, pic):
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: expected an H x W or H x W x C numpy.ndarray, "
                            f"got {type(pic).__name__}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: expected an H x W or H x W x C image, "
                             f"got shape {pic.shape}")
        arr = (pic[:, :, None] if pic.ndim == 2 else pic).transpose(2, 0, 1)
        if arr.dtype == np.uint8:
            arr = arr.astype(np.float32) / np.float32(255)
        return from_numpy(np.ascontiguousarray(arr))

    def __repr__(self):
        return f"{type(self).__name__}()"


class Normalize:
    """Per channel ``(x - mean[c]) / std[c]`` on a float C x H x W tensor or array."""

    def __init__(self, mean, std, inplace=False):
        self.mean = [float(m) for m in np.atleast_1d(mean)]
        self.std = [float(s) for s in np.atleast_1d(std)]
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std must not contain zeros, got {self.std}")
        self.inplace = inplace

    def __call__(self, img):
        if not isinstance(img, (Tensor, np.ndarray)):
            raise TypeError(f"Normalize: expected a yingshe.Tensor or numpy.ndarray, "
                            f"got {type(img).__name__}")
        if img.ndim < 3:
            raise ValueError(f"Normalize: expected a C x H x W image, got shape {tuple(img.shape)}")
        is_tensor = isinstance(img, Tensor)
        np_dtype = img.dtype.np if is_tensor else img.dtype
        if not np.issubdtype(np_dtype, np.floating):
            raise TypeError(f"Normalize: expected a floating-point image, got {img.dtype}; "
                            f"apply ToTensor first")
        channels = img.shape[-3]
        for what, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise ValueError(f"Normalize: {what} has {len(values)} values but the image has "
                                 f"{channels} channels (shape {tuple(img.shape)})")
        mean = np.asarray(self.mean, dtype=np_dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=np_dtype).reshape(-1, 1, 1)
        if is_tensor:
            mean, std = from_numpy(mean).to(img.device), from_numpy(std).to(img.device)
            return img.sub_(mean).div_(std) if self.inplace else (img - mean) / std
        if self.inplace:
            img -= mean
            img /= std
            return img
        return (img - mean) / std

    def __repr__(self):
        inplace = ", inplace=True" if self.inplace else ""
        return f"{type(self).__name__}(mean={self.mean}, std={self.std}{inplace})"


class Resize:
    """Bilinear resize to ``(h, w)``, or, for an int, the shorter side to ``size`` (same aspect).

    Matches ``interpolate(mode='bilinear', align_corners=False)`` without antialiasing.
    """

    def __init__(self, size):
        if isinstance(size, numbers.Number):
            _size_pair("Resize", size)
            self.size = int(size)
        else:
            self.size = _size_pair("Resize", size)

    def output_size(self, height, width):
        """The ``(h, w)`` an image of ``height x width`` is resized to."""
        if not isinstance(self.size, int):
            return self.size
        short, long = sorted((height, width))
        new_long = int(self.size * long / short)
        return (self.size, new_long) if height <= width else (new_long, self.size)

    def __call__(self, img):
        chw, how = _to_chw(img)
        height, width = self.output_size(*chw.shape[1:])
        return _from_chw(_resize_bilinear(chw, height, width), how)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, interpolation=bilinear)"


class CenterCrop:
    """Crop the centre ``(h, w)``; an image smaller than that is first zero-padded around."""

    def __init__(self, size):
        self.size = _size_pair("CenterCrop", size)

    def __call__(self, img):
        chw, how = _to_chw(img)
        (height, width), (th, tw) = chw.shape[1:], self.size
        if th > height or tw > width:
            dh, dw = max(th - height, 0), max(tw - width, 0)
            chw = _pad(chw, (dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2))
            height, width = chw.shape[1:]
        top, left = round((height - th) / 2), round((width - tw) / 2)
        return _from_chw(_crop(chw, top, left, th, tw), how)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    """Crop a random ``(h, w)`` window, after optional ``padding`` (int, 2 or 4 values).

    ``pad_if_needed`` pads an image smaller than the crop (both sides by the shortfall, as
    torchvision does); ``padding_mode`` is 'constant' (with ``fill``), 'edge', 'reflect' or
    'symmetric'.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        self.size = _size_pair("RandomCrop", size)
        self.padding = padding
        self.ltrb = None if padding is None else _padding_ltrb(padding)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {_PADDING_MODES}, "
                             f"got {padding_mode!r}")
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    def __call__(self, img):
        chw, how = _to_chw(img)
        shape = tuple(chw.shape)
        if self.ltrb is not None:
            chw = _pad(chw, self.ltrb, self.fill, self.padding_mode)
        th, tw = self.size
        if self.pad_if_needed:
            dh, dw = max(th - chw.shape[1], 0), max(tw - chw.shape[2], 0)
            chw = _pad(chw, (dw, dh, dw, dh), self.fill, self.padding_mode)
        height, width = chw.shape[1:]
        if th > height or tw > width:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the "
                             f"{'padded ' if self.ltrb else ''}image size {(height, width)} "
                             f"(image shape {shape} as C x H x W); use padding or "
                             f"pad_if_needed=True")
        gen = _rng(self.generator)
        top, left = int(gen.integers(0, height - th + 1)), int(gen.integers(0, width - tw + 1))
        return _from_chw(_crop(chw, top, left, th, tw), how)

    def __repr__(self):
        extra = "".join(f", {name}={value!r}" for name, value, default in (
            ("pad_if_needed", self.pad_if_needed, False), ("fill", self.fill, 0),
            ("padding_mode", self.padding_mode, "constant")) if value != default)
        return f"{type(self).__name__}(size={self.size}, padding={self.padding}{extra})"


class RandomHorizontalFlip:
    """Mirror the image left to right with probability ``p``."""

    def __init__(self, p=0.5, generator=None):
        self.p = _check_p("RandomHorizontalFlip", p)
        self.generator = generator

    def __call__(self, img):
        if _rng(self.generator).random() >= self.p:
            return img
        chw, how = _to_chw(img)
        return _from_chw(chw[:, :, ::-1], how)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip:
    """Mirror the image top to bottom with probability ``p``."""

    def __init__(self, p=0.5, generator=None):
        self.p = _check_p("RandomVerticalFlip", p)
        self.generator = generator

    def __call__(self, img):
        if _rng(self.generator).random() >= self.p:
            return img
        chw, how = _to_chw(img)
        return _from_chw(chw[:, ::-1], how)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomRotation:
    """Rotate about the image centre by an angle drawn from ``degrees`` (counter-clockwise).

    ``degrees`` is ``(min, max)`` or a number ``d`` meaning ``(-d, d)``; outside reads ``fill``.
    """

    def __init__(self, degrees, interpolation="bilinear", fill=0, generator=None):
        self.degrees = _range("RandomRotation", "degrees", degrees)
        self.interpolation = _check_interpolation("RandomRotation", interpolation)
        self.fill = fill
        self.generator = generator

    def __call__(self, img):
        angle = _rng(self.generator).uniform(*self.degrees)
        chw, how = _to_chw(img)
        # torchvision's affine angle turns clockwise, so rotate passes -angle (as torchvision).
        matrix = _inverse_affine(-angle, (0.0, 0.0), 1.0, (0.0, 0.0))
        return _from_chw(_warp(chw, matrix, self.interpolation, self.fill), how)

    def __repr__(self):
        return (f"{type(self).__name__}(degrees={self.degrees}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class RandomAffine:
    """Random rotation, translation, scale and shear about the centre, as one inverse map.

    Same parameters and conventions as torchvision's RandomAffine, including its angle direction:
    a positive angle turns the image clockwise (RandomRotation turns counter-clockwise).
    ``translate=(a, b)``: horizontal shift drawn in ``[-a W, a W]``, vertical in ``[-b H, b H]``
    (rounded to whole pixels); ``scale=(min, max)``; ``shear``: a number ``s`` (x shear in
    ``[-s, s]``), ``(min, max)`` for x, or ``(xmin, xmax, ymin, ymax)``.
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation="bilinear",
                 fill=0, generator=None):
        name = "RandomAffine"
        self.degrees = _range(name, "degrees", degrees)
        if translate is not None:
            translate = tuple(float(t) for t in translate)
            if len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError(f"{name}: translate must be two fractions in [0, 1], "
                                 f"got {translate}")
        if scale is not None:
            scale = _range(name, "scale", scale, symmetric=False)
            if scale[0] <= 0:
                raise ValueError(f"{name}: scale values must be positive, got {scale}")
        if shear is not None:
            if isinstance(shear, numbers.Number) or len(shear) == 2:
                shear = _range(name, "shear", shear)
            elif len(shear) == 4:
                shear = _range(name, "shear", shear[:2]) + _range(name, "shear", shear[2:])
            else:
                raise ValueError(f"{name}: shear must be a number or 2 or 4 values, got {shear}")
        self.translate, self.scale, self.shear = translate, scale, shear
        self.interpolation = _check_interpolation(name, interpolation)
        self.fill = fill
        self.generator = generator

    def get_params(self, height, width):
        """Draw ``(angle, (tx, ty), scale, (shear_x, shear_y))`` for a ``height x width`` image."""
        gen = _rng(self.generator)
        angle = gen.uniform(*self.degrees)
        translate = (0, 0)
        if self.translate is not None:
            max_dx, max_dy = self.translate[0] * width, self.translate[1] * height
            translate = (round(gen.uniform(-max_dx, max_dx)),
                         round(gen.uniform(-max_dy, max_dy)))
        scale = 1.0 if self.scale is None else gen.uniform(*self.scale)
        shear = [0.0, 0.0]
        if self.shear is not None:
            shear[0] = gen.uniform(*self.shear[:2])
            if len(self.shear) == 4:
                shear[1] = gen.uniform(*self.shear[2:])
        return angle, translate, scale, tuple(shear)

    def __call__(self, img):
        chw, how = _to_chw(img)
        matrix = _inverse_affine(*self.get_params(*chw.shape[1:]))
        return _from_chw(_warp(chw, matrix, self.interpolation, self.fill), how)

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
        matrices = np.stack([_inverse_affine(*self.get_params(height, width))
                             for _ in range(len(images))])
        return _warp_batch(images, matrices, self.interpolation, self.fill)

    def __repr__(self):
        extra = "".join(f", {name}={value}" for name, value in (
            ("translate", self.translate), ("scale", self.scale), ("shear", self.shear))
            if value is not None)
        return (f"{type(self).__name__}(degrees={self.degrees}{extra}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class RandomErasing:
    """With probability ``p``, set a random rectangle of a C x H x W image to ``value``.

    The rectangle covers a ``scale`` fraction of the area with aspect ratio (h / w) in ``ratio``
    (log-uniform); ``value`` is a number, one per channel, or 'random' (standard normal noise).
    """

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False,
                 generator=None):
        name = "RandomErasing"
        self.p = _check_p(name, p)
        self.scale = _range(name, "scale", scale, symmetric=False)
        self.ratio = _range(name, "ratio", ratio, symmetric=False)
        if self.scale[0] < 0 or self.scale[1] > 1:
            raise ValueError(f"{name}: scale must lie in [0, 1], got {scale}")
        if self.ratio[0] <= 0:
            raise ValueError(f"{name}: ratio values must be positive, got {ratio}")
        if isinstance(value, str) and value != "random":
            raise ValueError(f"{name}: value must be a number, a sequence or 'random', "
                             f"got {value!r}")
        self.value = value
        self.inplace = inplace
        self.generator = generator

    def get_params(self, height, width):
        """``(top, left, h, w)`` of the rectangle; the whole image after 10 failed draws."""
        gen = _rng(self.generator)
        log_ratio = np.log(self.ratio)
        for _ in range(10):
            area = height * width * gen.uniform(*self.scale)
            aspect = math.exp(gen.uniform(*log_ratio))
            h, w = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
            if h < height and w < width:
                top, left = gen.integers(0, height - h + 1), gen.integers(0, width - w + 1)
                return int(top), int(left), h, w
        return 0, 0, height, width

    def __call__(self, img):
        gen = _rng(self.generator)
        if gen.random() >= self.p:
            return img
        chw, how = _to_chw(img)
        top, left, h, w = self.get_params(*chw.shape[1:])
        if self.value == "random":
            value = gen.standard_normal((chw.shape[0], h, w))
        else:
            value = _per_channel("RandomErasing", self.value, chw.shape[0])[:, None, None]
        if not self.inplace:
            chw = chw.copy()
        value = np.broadcast_to(value, (chw.shape[0], h, w))
        chw[:, top:top + h, left:left + w] = _cast_like(value, chw.dtype)
        return img if self.inplace else _from_chw(chw, how)

    def __repr__(self):
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
                f"value={self.value!r}, inplace={self.inplace})")
