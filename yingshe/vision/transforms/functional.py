"""Image operations one call at a time, as ``torchvision.transforms.functional``.

The geometric and colour functions take these kinds of image and return the kind they were given
(the conversions, ``normalize`` and ``erase`` say which they take):

* a Pillow image: worked on with Pillow's own calls, exactly as torchvision does;
* a ``yingshe.Tensor`` of shape ``[..., H, W]`` (usually ``C x H x W``);
* a NumPy array ``H x W`` or ``H x W x C`` (the layout images are stored in), a yingshe extension:
  torchvision's functions other than ``to_tensor`` / ``to_pil_image`` refuse arrays.

Tensors and arrays are resampled with the formulas of torchvision's tensor backend: resize with
half-pixel centres (antialiased bilinear as Pillow's ``ImagingResample``: the filter widened by
the scale, Schumacher 1992, "General Filtered Image Rescaling", Graphics Gems III), rotations and
affine maps through the inverse matrix of ``_get_inverse_affine_matrix``. Integer images are
computed in floating point and rounded back (half to even), except by the colour adjustments,
which truncate as torchvision's tensor casts do.
"""
import math
import numbers
import sys
import warnings
from enum import Enum

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from ..._backend import get_array_module
from ..._dtype import as_dtype, get_default_dtype
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ...ops.creation import from_numpy

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize",
           "resize", "pad", "crop", "center_crop", "resized_crop", "hflip", "vflip", "rotate",
           "affine", "rgb_to_grayscale", "to_grayscale", "erase", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue"]


class InterpolationMode(Enum):
    """How to read between pixels; the names and values of torchvision's enum.

    The geometric functions accept a member, its value (``"bilinear"``) or a Pillow filter
    constant.  Tensors and arrays support ``NEAREST``, ``NEAREST_EXACT`` and ``BILINEAR``;
    Pillow images every mode.

    Examples:
        >>> from yingshe.vision.transforms import InterpolationMode
        >>> InterpolationMode("bilinear")
        <InterpolationMode.BILINEAR: 'bilinear'>
        >>> InterpolationMode.NEAREST_EXACT.value
        'nearest-exact'
    """
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTER = {
    InterpolationMode.NEAREST: Image.Resampling.NEAREST,
    InterpolationMode.NEAREST_EXACT: Image.Resampling.NEAREST,
    InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
    InterpolationMode.BICUBIC: Image.Resampling.BICUBIC,
    InterpolationMode.BOX: Image.Resampling.BOX,
    InterpolationMode.HAMMING: Image.Resampling.HAMMING,
    InterpolationMode.LANCZOS: Image.Resampling.LANCZOS,
}
_FROM_PIL_FILTER = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
                    3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
                    5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def _interpolation_mode(name, mode):
    """An ``InterpolationMode`` from itself, its value ('bilinear', ...) or a Pillow filter."""
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, str):
        try:
            return InterpolationMode(mode)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in InterpolationMode)
            raise ValueError(f"{name}: interpolation must be one of {choices}, "
                             f"got {mode!r}") from None
    if isinstance(mode, numbers.Integral) and int(mode) in _FROM_PIL_FILTER:
        return _FROM_PIL_FILTER[int(mode)]
    raise TypeError(f"{name}: interpolation should be an InterpolationMode or a Pillow filter "
                    f"constant, got {mode!r}")


# ---------------------------------------------------------------- the three kinds of image

def _is_pil(img):
    return isinstance(img, Image.Image)


def _unwrap(name, img):
    """``(array with H, W as its last two dims, how)`` for a tensor or an H x W (x C) array;
    ``_wrap(result, how)`` gives the result back in the input's kind and layout."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError(f"{name}: a tensor image has shape [..., H, W], got shape "
                            f"{tuple(img.shape)}")
        return img.detach().cpu().numpy(), ("tensor", img.device)
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img, ("HW", None)
        if img.ndim == 3:
            return img.transpose(2, 0, 1), ("HWC", None)
        raise ValueError(f"{name}: a NumPy image is H x W or H x W x C, got shape {img.shape}")
    raise TypeError(f"{name}: img should be a PIL Image, a yingshe.Tensor or a numpy.ndarray, "
                    f"got {type(img).__name__}")


def _wrap(array, how):
    kind, device = how
    if kind == "HWC":
        array = array.transpose(1, 2, 0)
    array = np.ascontiguousarray(array)
    if kind != "tensor":
        return array
    tensor = from_numpy(array)
    return tensor if device.type == "cpu" else tensor.to(device)


def _channels(array):
    """The channel count of an array whose last two dims are H, W."""
    return 1 if array.ndim == 2 else array.shape[-3]


def _cast_like(values, dtype):
    """Floating-point values as ``dtype``: integers are rounded (half to even) and clipped."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = np.clip(np.rint(values), info.min, info.max)
    return values.astype(dtype)


def _work_dtype(dtype):
    """The floating type images of ``dtype`` are resampled in (float32 unless float64)."""
    return np.float64 if dtype == np.float64 else np.float32


def get_dimensions(img):
    """``[channels, height, width]`` of an image (tensor, array or Pillow image).

    Shape:
        img ``(*, C, H, W)`` or ``(H, W)`` (one channel), or an array ``(H, W, C)``.

    Examples:
        >>> import yingshe
        >>> from PIL import Image
        >>> import yingshe.vision.transforms.functional as F
        >>> F.get_dimensions(yingshe.zeros(3, 4, 5))
        [3, 4, 5]
        >>> F.get_dimensions(Image.new("L", (5, 4)))  # Pillow sizes are (width, height)
        [1, 4, 5]
    """
    if _is_pil(img):
        return [len(img.getbands()), img.height, img.width]
    array, _ = _unwrap("get_dimensions", img)
    return [_channels(array), *array.shape[-2:]]


def get_image_size(img):
    """``[width, height]`` of an image (Pillow's order, the reverse of the tensor's last two
    dims).

    Shape:
        img ``(*, H, W)``, or an array ``(H, W)`` / ``(H, W, C)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.get_image_size(yingshe.zeros(3, 4, 5))
        [5, 4]
    """
    _, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img):
    """The number of channels of a tensor ``(*, C, H, W)``, array or Pillow image (torchvision's old
    name for ``get_dimensions(img)[0]``).

    Shape:
        img ``(*, C, H, W)``, or an array ``(H, W, C)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.get_image_num_channels(yingshe.zeros(3, 4, 5))
        3
    """
    return get_dimensions(img)[0]


# ---------------------------------------------------------------- conversions

def to_tensor(pic):
    """Pillow image or ``H x W (x C)`` array to a ``C x H x W`` tensor.  8-bit images become the
    default float dtype divided by 255 (``x / 255`` in [0, 1]); other types keep their values
    (mode ``'I'`` int32, ``'I;16'`` int16, ``'F'`` float32, as torchvision).

    Shape:
        input ``(H, W)`` or ``(H, W, C)`` (or a Pillow image of that size); output ``(C, H, W)``.

    Examples:
        >>> import numpy as np
        >>> from PIL import Image
        >>> import yingshe.vision.transforms.functional as F
        >>> x = F.to_tensor(Image.new("RGB", (5, 4), (255, 0, 128)))
        >>> x.shape, x.dtype
        (yingshe.Size([3, 4, 5]), yingshe.float32)
        >>> x[:, 0, 0]
        tensor([1.0000, 0.0000, 0.5020])
        >>> F.to_tensor(np.zeros((4, 5, 3), np.uint8)).shape
        yingshe.Size([3, 4, 5])
    """
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_tensor: pic should be 2/3 dimensional, got {pic.ndim} "
                             f"dimensions (shape {pic.shape})")
        array = (pic[:, :, None] if pic.ndim == 2 else pic).transpose(2, 0, 1)
    elif _is_pil(pic):
        types = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
                 "F": np.float32}
        array = np.array(pic, types.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            array = 255 * array
        array = array.reshape(pic.height, pic.width, len(pic.getbands())).transpose(2, 0, 1)
    else:
        raise TypeError(f"to_tensor: pic should be a PIL Image or a numpy.ndarray, "
                        f"got {type(pic).__name__}")
    if array.dtype == np.uint8:
        dtype = get_default_dtype().np
        array = array.astype(dtype) / dtype.type(255)
    return from_numpy(np.ascontiguousarray(array))


def pil_to_tensor(pic):
    """Pillow image to a ``C x H x W`` tensor of the same values and type, unscaled (``to_tensor``
    without the division by 255).  16-bit images (``'I;16'``, unsigned) become int32: yingshe has
    no uint16.

    Shape:
        a Pillow image of size ``(W, H)`` with C bands; output ``(C, H, W)``.

    Examples:
        >>> from PIL import Image
        >>> import yingshe.vision.transforms.functional as F
        >>> x = F.pil_to_tensor(Image.new("RGB", (5, 4), (255, 0, 128)))
        >>> x.shape, x[:, 0, 0]
        (yingshe.Size([3, 4, 5]), tensor([255,   0, 128], dtype=yingshe.uint8))
    """
    if not _is_pil(pic):
        raise TypeError(f"pil_to_tensor: pic should be a PIL Image, got {type(pic).__name__}")
    array = np.array(pic, copy=True)
    if array.dtype.kind == "u" and array.dtype.itemsize > 1:
        array = array.astype(np.int32)
    array = array.reshape(pic.height, pic.width, len(pic.getbands())).transpose(2, 0, 1)
    return from_numpy(np.ascontiguousarray(array))


def _pil_from_array(array, mode):
    """``Image.fromarray(array, mode)`` as Pillow did before 11.3: read the bytes as ``mode``
    (what torchvision's ``_Image_fromarray`` does)."""
    array = np.ascontiguousarray(array)
    return Image.frombuffer(mode, (array.shape[1], array.shape[0]), array, "raw", mode, 0, 1)


def to_pil_image(pic, mode=None):
    """``C x H x W`` tensor or ``H x W (x C)`` array to a Pillow image.  Floats are multiplied by
    255 and truncated to uint8 (unless ``mode='F'``); the mode follows the channels and the
    type: 1 channel uint8 ``'L'``, int16 ``'I;16'``, int32 ``'I'``, float32 ``'F'``; 2 ``'LA'``;
    3 ``'RGB'``; 4 ``'RGBA'``.

    Shape:
        input ``(C, H, W)``, ``(H, W)`` or an array ``(H, W, C)``; output a Pillow image of size
        ``(W, H)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> image = F.to_pil_image(yingshe.tensor([[[0.0, 0.5], [1.0, 0.25]]]))
        >>> image.mode, image.size, image.getpixel((1, 0)), image.getpixel((0, 1))
        ('L', (2, 2), 127, 255)
    """
    if isinstance(pic, Tensor):
        array = pic.detach().cpu().numpy()
        if array.ndim == 3:
            array = array.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        array = pic
    else:
        raise TypeError(f"to_pil_image: pic should be a yingshe.Tensor or a numpy.ndarray, "
                        f"got {type(pic).__name__}")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(f"to_pil_image: pic should be 2/3 dimensional, got {array.ndim} "
                         f"dimensions")
    if array.shape[-1] > 4:
        raise ValueError(f"to_pil_image: pic should not have > 4 channels, got "
                         f"{array.shape[-1]} channels (layout C x H x W for tensors, "
                         f"H x W x C for arrays)")
    if np.issubdtype(array.dtype, np.floating) and mode != "F":
        array = (array * 255).astype(np.uint8)
    channels = array.shape[2]
    if channels == 1:
        array = array[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16" if sys.byteorder ==
                    "little" else "I;16B", np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(array.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"to_pil_image: incorrect mode ({mode}) supplied for input type "
                             f"{array.dtype}; should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
        if mode is not None and mode not in permitted[channels]:
            raise ValueError(f"to_pil_image: only modes {permitted[channels]} are supported "
                             f"for {channels}-channel inputs, got {mode!r}")
        if mode is None and array.dtype == np.uint8:
            mode = permitted[channels][0]
    if mode is None:
        raise TypeError(f"to_pil_image: input type {array.dtype} is not supported")
    return _pil_from_array(array, mode)


def _max_value(dtype):
    """The value full intensity has in an image of ``dtype`` (1 for floats)."""
    return int(np.iinfo(dtype).max) if np.issubdtype(dtype, np.integer) else 1


def convert_image_dtype(image, dtype=None):
    """Convert a tensor image to ``dtype`` (default float32) and rescale: integer images span
    [0, max of the type], float images [0, 1].  Int to float divides by the max; float to int
    multiplies by ``max + 1 - 0.001`` and truncates, which spreads [0, 1] evenly over the integers
    (torchvision's rule); int to int shifts by the difference in bits.

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.convert_image_dtype(yingshe.tensor([[[0, 128, 255]]], dtype=yingshe.uint8))
        tensor([[[0.0000, 0.5020, 1.0000]]])
        >>> F.convert_image_dtype(yingshe.tensor([[[0.0, 0.5, 1.0]]]), yingshe.uint8)
        tensor([[[  0, 127, 255]]], dtype=yingshe.uint8)
    """
    if _is_pil(image):
        raise TypeError("convert_image_dtype: input img should be a tensor image, got a PIL "
                        "Image; use PILToTensor first")
    array, how = _unwrap("convert_image_dtype", image)
    source, target = array.dtype, as_dtype(dtype if dtype is not None else "float32").np
    if source == target:
        return image
    source_float, target_float = source.kind == "f", target.kind == "f"
    if source_float and target_float:
        result = array.astype(target)
    elif source_float:
        if (source == np.float32 and target in (np.int32, np.int64)) or \
                (source == np.float64 and target == np.int64):
            raise RuntimeError(f"convert_image_dtype: the cast from {source} to {target} cannot "
                               f"be performed safely")
        result = (array * source.type(_max_value(target) + 1.0 - 1e-3)).astype(target)
    elif target_float:
        result = array.astype(target) / target.type(_max_value(source))
    else:
        in_max, out_max = _max_value(source), _max_value(target)
        if in_max > out_max:
            result = (array // ((in_max + 1) // (out_max + 1))).astype(target)
        else:
            result = array.astype(target) * target.type((out_max + 1) // (in_max + 1))
    return _wrap(result, how)


def normalize(tensor, mean, std, inplace=False):
    """Standardise each channel of a float tensor image:

        out[..., c, :, :] = (x[..., c, :, :] - mean[c]) / std[c]

    (``inplace=True`` writes into ``tensor``).  Typical ``mean``/``std`` are the training set's
    per-channel statistics, e.g. ImageNet's ``(0.485, 0.456, 0.406)``/``(0.229, 0.224, 0.225)``.

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> x = yingshe.tensor([[[0.0, 1.0]], [[0.5, 0.5]]])  # 2 channels, 1 x 2 pixels
        >>> F.normalize(x, mean=[0.5, 0.5], std=[0.5, 0.25])
        tensor([[[-1.,  1.]],
        <BLANKLINE>
                [[ 0.,  0.]]])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: img should be a yingshe.Tensor image, got "
                        f"{type(tensor).__name__}")
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"normalize: input tensor should be a float tensor, got {tensor.dtype}; "
                        f"apply ToTensor or ConvertImageDtype first")
    if tensor.ndim < 3:
        raise ValueError(f"normalize: expected a tensor image of size (..., C, H, W), got "
                         f"shape {tuple(tensor.shape)}")
    dtype, channels = tensor.dtype.np, tensor.shape[-3]
    mean = np.atleast_1d(np.asarray(mean, dtype=dtype))
    std = np.atleast_1d(np.asarray(std, dtype=dtype))
    for what, values in (("mean", mean), ("std", std)):
        if values.ndim != 1 or len(values) not in (1, channels):
            raise ValueError(f"normalize: {what} has {values.size} values but the image has "
                             f"{channels} channels (shape {tuple(tensor.shape)})")
    if (std == 0).any():
        raise ValueError(f"normalize: std evaluated to zero after conversion to {dtype}, "
                         f"leading to division by zero (std {std.tolist()})")
    if not inplace and not (tensor.requires_grad and is_grad_enabled()):
        # nothing to record (the data-loading case): the same arithmetic on the raw array,
        # without the four tensor ops' autograd bookkeeping (about 20 us of a 28 x 28 image)
        xp = get_array_module(tensor._data)
        return Tensor._make((tensor._data - xp.asarray(mean.reshape(-1, 1, 1)))
                            / xp.asarray(std.reshape(-1, 1, 1)))
    mean = from_numpy(mean.reshape(-1, 1, 1)).to(tensor.device)
    std = from_numpy(std.reshape(-1, 1, 1)).to(tensor.device)
    if inplace:
        return tensor.sub_(mean).div_(std)
    return (tensor - mean) / std


# ---------------------------------------------------------------- flips, crops and padding

def hflip(img):
    """Mirror left to right: ``out[..., i, j] = x[..., i, W - 1 - j]``.

    Shape:
        input ``(*, H, W)`` (or an array / Pillow image); output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.hflip(yingshe.arange(6.).reshape(1, 2, 3))
        tensor([[[2., 1., 0.],
                 [5., 4., 3.]]])
    """
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    array, how = _unwrap("hflip", img)
    return _wrap(array[..., ::-1], how)


def vflip(img):
    """Mirror top to bottom: ``out[..., i, j] = x[..., H - 1 - i, j]``.

    Shape:
        input ``(*, H, W)`` (or an array / Pillow image); output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.vflip(yingshe.arange(6.).reshape(1, 2, 3))
        tensor([[[3., 4., 5.],
                 [0., 1., 2.]]])
    """
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    array, how = _unwrap("vflip", img)
    return _wrap(array[..., ::-1, :], how)


def _padding_ltrb(name, padding):
    """``[left, top, right, bottom]`` from an int or 1, 2 (left/right, top/bottom) or 4 ints."""
    if isinstance(padding, numbers.Integral):
        return [int(padding)] * 4
    if not isinstance(padding, (tuple, list)):
        raise TypeError(f"{name}: padding should be an int or a sequence, got "
                        f"{type(padding).__name__}")
    if len(padding) not in (1, 2, 4) or \
            not all(isinstance(p, numbers.Integral) for p in padding):
        raise ValueError(f"{name}: padding must be an int or a 1, 2, or 4 element sequence of "
                         f"ints, got {padding}")
    if len(padding) == 1:
        return [int(padding[0])] * 4
    if len(padding) == 2:
        return [int(padding[0]), int(padding[1])] * 2
    return [int(p) for p in padding]


def _fill_values(name, fill, channels):
    """One fill value per channel, from a number or a sequence of 1 or ``channels`` values."""
    values = np.atleast_1d(np.asarray(0 if fill is None else fill, dtype=np.float64))
    if values.ndim != 1 or len(values) not in (1, channels):
        raise ValueError(f"{name}: the number of elements in fill ({values.size}) does not "
                         f"match the number of channels of the image ({channels})")
    return np.broadcast_to(values, (channels,))


def _parse_pil_fill(name, fill, img, keyword):
    """Pillow's colour for ``fill``: a number for one band, a tuple for several."""
    bands = len(img.getbands())
    values = _fill_values(name, fill, bands)
    convert = float if img.mode == "F" else int
    fill = tuple(convert(v) for v in values)
    return {keyword: fill[0] if bands == 1 else fill}


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders: ``padding`` is one int, (left/right, top/bottom) or (left, top, right,
    bottom); ``padding_mode`` ``'constant'`` (with ``fill``), ``'edge'``, ``'reflect'`` or
    ``'symmetric'``.  Negative padding crops.

    Shape:
        input ``(*, H, W)``; output ``(*, H + top + bottom, W + left + right)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> x = yingshe.arange(4.).reshape(1, 2, 2)
        >>> F.pad(x, 1)
        tensor([[[0., 0., 0., 0.],
                 [0., 0., 1., 0.],
                 [0., 2., 3., 0.],
                 [0., 0., 0., 0.]]])
        >>> F.pad(x, [1, 0], padding_mode="edge")  # 1 column left and right, no rows
        tensor([[[0., 0., 1., 1.],
                 [2., 2., 3., 3.]]])
    """
    ltrb = _padding_ltrb("pad", padding)
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"pad: padding_mode should be one of {_PADDING_MODES}, got "
                         f"{padding_mode!r}")
    if _is_pil(img) and padding_mode == "constant":
        palette = img.getpalette() if img.mode == "P" else None
        out = ImageOps.expand(img, border=tuple(ltrb), **_parse_pil_fill("pad", fill, img, "fill"))
        if palette is not None:
            out.putpalette(palette)
        return out
    if _is_pil(img):
        palette = img.getpalette() if img.mode == "P" else None
        array = np.asarray(img)
        if array.ndim == 3:
            padded = _pad_array(array.transpose(2, 0, 1), ltrb, 0, padding_mode).transpose(1, 2, 0)
        else:
            padded = _pad_array(array, ltrb, 0, padding_mode)
        out = Image.fromarray(np.ascontiguousarray(padded))
        if palette is not None:
            out.putpalette(palette)
        return out
    array, how = _unwrap("pad", img)
    return _wrap(_pad_array(array, ltrb, fill, padding_mode), how)


def _pad_array(array, ltrb, fill, mode):
    """Pad (or, for negative values, crop) the last two dims of ``array``."""
    left, top, right, bottom = ltrb
    height, width = array.shape[-2:]
    array = array[..., max(-top, 0):height - max(-bottom, 0), max(-left, 0):width - max(-right, 0)]
    left, top, right, bottom = (max(p, 0) for p in ltrb)
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if mode != "constant":
        return np.pad(array, widths, mode={"edge": "edge", "reflect": "reflect",
                                           "symmetric": "symmetric"}[mode])
    fills = _cast_like(_fill_values("pad", fill, _channels(array)), array.dtype)
    out = np.empty(array.shape[:-2] + (array.shape[-2] + top + bottom,
                                       array.shape[-1] + left + right), array.dtype)
    out[...] = fills[:, None, None] if array.ndim > 2 else fills[0]
    out[..., top:top + array.shape[-2], left:left + array.shape[-1]] = array
    return out


def crop(img, top, left, height, width):
    """The ``height x width`` window whose top-left pixel is ``(top, left)``:
    ``out[..., i, j] = x[..., top + i, left + j]``; parts outside the image are zeros.

    Shape:
        input ``(*, H, W)``; output ``(*, height, width)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.crop(yingshe.arange(12.).reshape(1, 3, 4), top=1, left=1, height=2, width=2)
        tensor([[[ 5.,  6.],
                 [ 9., 10.]]])
    """
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    array, how = _unwrap("crop", img)
    full_h, full_w = array.shape[-2:]
    right, bottom = left + width, top + height
    window = array[..., max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)]
    if left < 0 or top < 0 or right > full_w or bottom > full_h:
        window = _pad_array(window, [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                                     max(right - max(full_w, left), 0),
                                     max(bottom - max(full_h, top), 0)], 0, "constant")
    return _wrap(window, how)


def center_crop(img, output_size):
    """The centre ``(h, w)`` window (an int gives a square), starting at
    ``top = round((H - h) / 2)``, ``left = round((W - w) / 2)``; a smaller image is first
    zero-padded around.

    Shape:
        input ``(*, H, W)``; output ``(*, h, w)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> x = yingshe.arange(12.).reshape(1, 3, 4)
        >>> F.center_crop(x, 2)
        tensor([[[1., 2.],
                 [5., 6.]]])
        >>> F.center_crop(x, [2, 6])  # wider than the image: zero columns on both sides
        tensor([[[0., 0., 1., 2., 3., 0.],
                 [0., 4., 5., 6., 7., 0.]]])
    """
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, height, width = get_dimensions(img)
    crop_h, crop_w = output_size
    if crop_w > width or crop_h > height:
        img = pad(img, [(crop_w - width) // 2 if crop_w > width else 0,
                        (crop_h - height) // 2 if crop_h > height else 0,
                        (crop_w - width + 1) // 2 if crop_w > width else 0,
                        (crop_h - height + 1) // 2 if crop_h > height else 0])
        _, height, width = get_dimensions(img)
        if (crop_h, crop_w) == (height, width):
            return img
    return crop(img, round((height - crop_h) / 2.0), round((width - crop_w) / 2.0),
                crop_h, crop_w)


# ---------------------------------------------------------------- resizing

def _resized_output_size(height, width, size, max_size=None):
    """``[h, w]`` an image is resized to: ``size`` (h, w), or for an int (or one value) the
    shorter side becomes ``size`` keeping the aspect ratio, the longer at most ``max_size``."""
    if isinstance(size, numbers.Integral):
        size = [int(size)]
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("resize: max_size should only be passed if size specifies the "
                             "length of the smaller edge (an int or a sequence of length 1)")
        return [int(size[0]), int(size[1])]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = int(size[0]), int(int(size[0]) * long / short)
    if max_size is not None:
        if max_size <= new_short:
            raise ValueError(f"resize: max_size = {max_size} must be strictly greater than the "
                             f"requested size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if width <= height else [new_short, new_long]


def _filter_weights(n_in, n_out, antialias):
    """(n_out, n_in) weights of bilinear interpolation with half-pixel centres.

    Without antialiasing each output sample reads its two nearest inputs (PyTorch's
    ``interpolate(mode='bilinear', align_corners=False)``). With it, when shrinking, the
    triangle filter is widened by the scale so every input pixel contributes (Pillow's
    ``ImagingResample``, PyTorch's ``antialias=True``): weight ``max(0, 1 - |d| / s)`` for an
    input pixel at distance d from the sample centre, s = max(scale, 1), normalised to sum 1.
    """
    scale = n_in / n_out
    centres = (np.arange(n_out) + 0.5) * scale
    weights = np.zeros((n_out, n_in))
    if not antialias:
        src = np.maximum(centres - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.intp), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        frac = src - i0
        np.add.at(weights, (np.arange(n_out), i0), 1 - frac)
        np.add.at(weights, (np.arange(n_out), i1), frac)
        return weights
    support = max(scale, 1.0)
    for i, centre in enumerate(centres):
        lo = max(int(centre - support + 0.5), 0)
        hi = min(int(centre + support + 0.5), n_in)
        taps = np.maximum(1 - np.abs((np.arange(lo, hi) - centre + 0.5) / support), 0.0)
        weights[i, lo:hi] = taps / taps.sum()
    return weights


def _nearest_index(n_in, n_out, exact):
    """Source index of each output sample (PyTorch's 'nearest' and 'nearest-exact' rules,
    computed in float32 as its kernel does)."""
    scale = np.float32(n_in / n_out)
    positions = np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    return np.minimum(np.floor(positions * scale).astype(np.intp), n_in - 1)


def _resize_array(array, height, width, interpolation, antialias):
    if interpolation in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        exact = interpolation is InterpolationMode.NEAREST_EXACT
        rows = _nearest_index(array.shape[-2], height, exact)
        cols = _nearest_index(array.shape[-1], width, exact)
        return array[..., rows[:, None], cols]
    if interpolation is not InterpolationMode.BILINEAR:
        raise ValueError(f"resize: interpolation {interpolation.value!r} is supported for PIL "
                         f"images only; tensors and arrays take 'nearest', 'nearest-exact' or "
                         f"'bilinear'")
    work = _work_dtype(array.dtype)
    rows = _filter_weights(array.shape[-2], height, antialias).astype(work)
    cols = _filter_weights(array.shape[-1], width, antialias).astype(work)
    out = rows @ (array.astype(work) @ cols.T)
    return _cast_like(out, array.dtype)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size``: ``(h, w)``, or an int that becomes the length of the shorter side, the
    longer one keeping the aspect ratio (``int(size * long / short)``) but at most ``max_size``.
    Pillow images use Pillow's resize (always antialiased for bilinear and bicubic); tensors and
    arrays support ``'nearest'``, ``'nearest-exact'`` and ``'bilinear'`` with half-pixel centres
    (antialiased when shrinking unless ``antialias=False``, Schumacher 1992).

    Shape:
        input ``(*, H, W)``; output ``(*, H_out, W_out)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.resize(yingshe.zeros(3, 32, 48), 16).shape  # shorter side to 16
        yingshe.Size([3, 16, 24])
        >>> F.resize(yingshe.zeros(3, 32, 48), 16, max_size=20).shape
        yingshe.Size([3, 13, 20])
        >>> F.resize(yingshe.arange(16.).reshape(1, 4, 4), [2, 2])  # antialiased bilinear
        tensor([[[ 3.5714,  5.1429],
                 [ 9.8571, 11.4286]]])
    """
    interpolation = _interpolation_mode("resize", interpolation)
    if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
        raise ValueError(f"resize: size must be an int or a 1 or 2 element sequence, got {size}")
    _, height, width = get_dimensions(img)
    out_h, out_w = _resized_output_size(height, width, size, max_size)
    if (out_h, out_w) == (height, width):
        return img
    if _is_pil(img):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument "
                          "antialias is ignored.", stacklevel=2)
        return img.resize((out_w, out_h), _PIL_FILTER[interpolation])
    array, how = _unwrap("resize", img)
    return _wrap(_resize_array(array, out_h, out_w, interpolation, bool(antialias)), how)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    """``crop(img, top, left, height, width)`` then ``resize(..., size)``: the crop and zoom of
    ``RandomResizedCrop``.

    Shape:
        input ``(*, H, W)``; output ``(*, size[0], size[1])``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> from yingshe.vision.transforms import InterpolationMode
        >>> x = yingshe.arange(16.).reshape(1, 4, 4)
        >>> F.resized_crop(x, 0, 0, 2, 2, [4, 4], InterpolationMode.NEAREST)
        tensor([[[0., 0., 1., 1.],
                 [0., 0., 1., 1.],
                 [4., 4., 5., 5.],
                 [4., 4., 5., 5.]]])
    """
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


# ---------------------------------------------------------------- rotations and affine maps

def _inverse_affine_matrix(center, angle, translate, scale, shear):
    """The 6 numbers ``[a, b, c, d, e, f]`` that map an output pixel ``(x, y)`` to the input
    point ``(a x + b y + c, d x + e y + f)``: the inverse of ``M = T C RSS C^-1``.

    RSS(angle, scale, shear) = R(angle) S(scale) SHy(shear_y) SHx(shear_x) turns a positive
    ``angle`` (degrees) clockwise on screen (y points down); C moves the origin to ``center``,
    T translates by ``translate`` pixels (torchvision's ``_get_inverse_affine_matrix``)."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]  # RSS^-1 (its determinant is 1)
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def _warp(array, matrix, out_size, interpolation, fill):
    """Sample ``array`` ([..., H, W]) at ``matrix`` applied to every output pixel centre.

    Coordinates are centred: output pixel (i, j) is ``(j + 0.5 - W_out / 2, i + 0.5 - H_out / 2)``
    and the input point ``(x, y)`` is read at column ``x + W / 2 - 0.5``, row ``y + H / 2 - 0.5``.
    As torchvision's grid_sample path: with S the sample of the image padded with zeros and M
    the sample of an all-ones image (the share of the taps inside), the output is
    ``S M + (1 - M) fill`` for bilinear (S alone when ``fill`` is None), and ``fill`` where
    the nearest pixel is outside."""
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"interpolation {interpolation.value!r} is supported for PIL images "
                         f"only; tensors and arrays take 'nearest' or 'bilinear'")
    height, width = array.shape[-2:]
    out_h, out_w = out_size
    v, u = np.meshgrid(np.arange(out_h) + 0.5 - out_h / 2, np.arange(out_w) + 0.5 - out_w / 2,
                       indexing="ij")
    x = matrix[0] * u + matrix[1] * v + matrix[2] + width / 2 - 0.5
    y = matrix[3] * u + matrix[4] * v + matrix[5] + height / 2 - 0.5
    fills = _fill_values("fill", fill, _channels(array))
    fills = fills[:, None, None] if array.ndim > 2 else fills[0]
    # A one-pixel frame of zeros: every tap outside the image is clipped onto it.
    framed = np.zeros(array.shape[:-2] + (height + 2, width + 2))
    framed[..., 1:-1, 1:-1] = array

    def tap(yi, xi):
        return framed[..., np.clip(yi, -1, height) + 1, np.clip(xi, -1, width) + 1]

    if interpolation is InterpolationMode.NEAREST:
        yi, xi = np.rint(y).astype(np.intp), np.rint(x).astype(np.intp)
        inside = (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
        out = np.where(inside, tap(yi, xi), fills)
    else:
        y0, x0 = np.floor(y), np.floor(x)
        wy, wx = y - y0, x - x0
        y0, x0 = y0.astype(np.intp), x0.astype(np.intp)
        sample = ((tap(y0, x0) * (1 - wx) + tap(y0, x0 + 1) * wx) * (1 - wy)
                  + (tap(y0 + 1, x0) * (1 - wx) + tap(y0 + 1, x0 + 1) * wx) * wy)
        if fill is None:  # torchvision samples the zero-padded image alone
            out = sample
        else:
            mask = _inside_share(y0, wy, height) * _inside_share(x0, wx, width)
            out = sample * mask + (1 - mask) * fills
    return _cast_like(out, array.dtype)


def _inside_share(i0, frac, n):
    """The weight of the two linear taps i0 (1 - frac) and i0 + 1 (frac) that fall in [0, n)."""
    return np.where((i0 >= 0) & (i0 < n), 1 - frac, 0) + np.where((i0 >= -1) & (i0 < n - 1),
                                                                  frac, 0)


def _warp_batch(images, matrices, interpolation, fill):
    """``_warp`` for a stack of grey images (N, H, W), each with its own 6-number map, in one
    vectorised float32 pass; returns float32 (N, H, W) (no rounding)."""
    n, height, width = images.shape
    v, u = np.meshgrid(np.arange(height) + 0.5 - height / 2, np.arange(width) + 0.5 - width / 2,
                       indexing="ij")
    u, v = u.astype(np.float32), v.astype(np.float32)
    m = np.asarray(matrices, np.float32).reshape(n, 2, 3)[:, :, :, None, None]
    x = m[:, 0, 0] * u + m[:, 0, 1] * v + m[:, 0, 2] + (width / 2 - 0.5)
    y = m[:, 1, 0] * u + m[:, 1, 1] * v + m[:, 1, 2] + (height / 2 - 0.5)
    framed = np.zeros((n, height + 2, width + 2), np.float32)
    framed[:, 1:-1, 1:-1] = images
    flat = framed.reshape(-1)
    base = (np.arange(n) * framed[0].size).reshape(n, 1, 1)

    def tap(yi, xi):
        return flat[base + (np.clip(yi, -1, height) + 1) * (width + 2) + np.clip(xi, -1, width) + 1]

    fill = np.float32(fill)
    if interpolation is InterpolationMode.NEAREST:
        yi, xi = np.rint(y).astype(np.intp), np.rint(x).astype(np.intp)
        inside = (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
        return np.where(inside, tap(yi, xi), fill)
    y0, x0 = np.floor(y), np.floor(x)
    wy, wx = y - y0, x - x0
    y0, x0 = y0.astype(np.intp), x0.astype(np.intp)
    sample = ((tap(y0, x0) * (1 - wx) + tap(y0, x0 + 1) * wx) * (1 - wy)
              + (tap(y0 + 1, x0) * (1 - wx) + tap(y0 + 1, x0 + 1) * wx) * wy)
    mask = _inside_share(y0, wy, height) * _inside_share(x0, wx, width)
    return (sample * mask + (1 - mask) * fill).astype(np.float32)


def _expanded_size(matrix, width, height):
    """``(w, h)`` that holds the whole rotated image (torchvision's rule, after Pillow's)."""
    corners = np.array([[-0.5 * width, -0.5 * height, 1.0], [-0.5 * width, 0.5 * height, 1.0],
                        [0.5 * width, 0.5 * height, 1.0], [0.5 * width, -0.5 * height, 1.0]],
                       np.float32)
    moved = corners @ np.asarray(matrix, np.float32).reshape(2, 3).T
    low = moved.min(axis=0) + np.array([width * 0.5, height * 0.5], np.float32)
    high = moved.max(axis=0) + np.array([width * 0.5, height * 0.5], np.float32)
    tol = 1e-4  # truncate to 1e-4 so that a ceil of 1e-15 does not add a pixel
    size = np.ceil(np.trunc(high / tol) * tol) - np.floor(np.trunc(low / tol) * tol)
    return int(size[0]), int(size[1])


def _centered(center, width, height):
    """A centre in pixel coordinates (origin top left) -> relative to the image centre."""
    if center is None:
        return [0.0, 0.0]
    return [float(c) - s * 0.5 for c, s in zip(center, (width, height))]


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
           fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default the image centre);
    each output pixel reads the input at the inversely rotated position (``affine`` with only an
    angle).  ``expand=True`` enlarges the output to hold the whole image; outside reads ``fill``.

    Shape:
        input ``(*, H, W)``; output ``(*, H, W)``, or the rotated bounding size with ``expand``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.rotate(yingshe.tensor([[[1., 2.], [3., 4.]]]), 90)
        tensor([[[2., 4.],
                 [1., 3.]]])
        >>> F.rotate(yingshe.zeros(1, 2, 4), 90, expand=True).shape
        yingshe.Size([1, 4, 2])
    """
    interpolation = _interpolation_mode("rotate", interpolation)
    if not isinstance(angle, numbers.Real):
        raise TypeError(f"rotate: angle should be int or float, got {type(angle).__name__}")
    if _is_pil(img):
        return img.rotate(angle, _PIL_FILTER[interpolation], expand, center,
                          **_parse_pil_fill("rotate", fill, img, "fillcolor"))
    array, how = _unwrap("rotate", img)
    height, width = array.shape[-2:]
    # affine turns clockwise, rotate counter-clockwise: hence -angle (as torchvision)
    matrix = _inverse_affine_matrix(_centered(center, width, height), -float(angle), [0.0, 0.0],
                                   1.0, [0.0, 0.0])
    out_w, out_h = _expanded_size(matrix, width, height) if expand else (width, height)
    return _wrap(_warp(array, matrix, (out_h, out_w), interpolation, fill), how)


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate by ``angle`` degrees clockwise, scale, shear (degrees: a number is the x shear, or
    (x, y)) about ``center`` and translate by ``translate = (dx, dy)`` pixels, in one map:

        M = T(translate) C R(angle) Sh(shear) S(scale) C^-1,   out(p) = x(M^-1 p)

    (C the translation to the centre; torchvision's ``_get_inverse_affine_matrix``).

    Shape:
        input ``(*, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> x = yingshe.arange(9.).reshape(1, 3, 3)
        >>> F.affine(x, angle=0, translate=[1, 0], scale=1.0, shear=[0.0, 0.0])  # 1 pixel right
        tensor([[[0., 0., 1.],
                 [0., 3., 4.],
                 [0., 6., 7.]]])
    """
    interpolation = _interpolation_mode("affine", interpolation)
    if not isinstance(angle, numbers.Real):
        raise TypeError(f"affine: angle should be int or float, got {type(angle).__name__}")
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise ValueError(f"affine: translate should be a sequence of length 2, got {translate}")
    if scale <= 0.0:
        raise ValueError(f"affine: scale should be positive, got {scale}")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"affine: shear should be a number or a sequence of two values, got "
                         f"{shear}")
    _, height, width = get_dimensions(img)
    if _is_pil(img):
        center = [width * 0.5, height * 0.5] if center is None else center
        matrix = _inverse_affine_matrix(center, float(angle), translate, scale, shear)
        return img.transform(img.size, Image.Transform.AFFINE, matrix, _PIL_FILTER[interpolation],
                             **_parse_pil_fill("affine", fill, img, "fillcolor"))
    array, how = _unwrap("affine", img)
    matrix = _inverse_affine_matrix(_centered(center, width, height), float(angle),
                                   [float(t) for t in translate], scale, shear)
    return _wrap(_warp(array, matrix, (height, width), interpolation, fill), how)


# ---------------------------------------------------------------- colour and erasing

def rgb_to_grayscale(img, num_output_channels=1):
    """Grey ``L = 0.2989 R + 0.587 G + 0.114 B`` (ITU-R BT.601 luma) with 1 or 3 equal channels;
    Pillow images use Pillow's conversion to ``'L'``.

    Shape:
        input ``(*, 3, H, W)``; output ``(*, num_output_channels, H, W)``.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> rgb = yingshe.tensor([[[1.0]], [[0.5]], [[0.0]]])  # one orange pixel
        >>> F.rgb_to_grayscale(rgb)
        tensor([[[0.5924]]])
        >>> F.rgb_to_grayscale(rgb, num_output_channels=3).shape
        yingshe.Size([3, 1, 1])
    """
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels should be either 1 or 3, got "
                         f"{num_output_channels}")
    if _is_pil(img):
        grey = img.convert("L")
        if num_output_channels == 3:
            grey = _pil_from_array(np.dstack([np.asarray(grey)] * 3), "RGB")
        return grey
    array, how = _unwrap("rgb_to_grayscale", img)
    if array.ndim < 3 or array.shape[-3] not in (1, 3):
        raise TypeError(f"rgb_to_grayscale: the image should have 1 or 3 channels [..., C, H, W] "
                        f"(H x W x C for arrays), got shape {tuple(array.shape)}")
    if array.shape[-3] == 3:
        work = array.dtype.type if array.dtype.kind == "f" else np.float32
        r, g, b = (array[..., i, :, :].astype(work) for i in range(3))
        grey = (work(0.2989) * r + work(0.587) * g + work(0.114) * b).astype(array.dtype)[
            ..., None, :, :]
    else:
        grey = array.copy()
    if num_output_channels == 3:
        grey = np.repeat(grey, 3, axis=-3) if grey.shape[-3] == 1 else grey
    return _wrap(grey, how)


def to_grayscale(img, num_output_channels=1):
    """Pillow image of any mode to a grey Pillow image with 1 (``'L'``) or 3 (``'RGB'``) channels,
    by Pillow's ``L = 299/1000 R + 587/1000 G + 114/1000 B``.

    Examples:
        >>> from PIL import Image
        >>> import yingshe.vision.transforms.functional as F
        >>> grey = F.to_grayscale(Image.new("RGB", (4, 4), (255, 0, 0)))
        >>> grey.mode, grey.getpixel((0, 0))
        ('L', 76)
    """
    if not _is_pil(img):
        raise TypeError(f"to_grayscale: input should be a PIL Image, got {type(img).__name__}")
    return rgb_to_grayscale(img, num_output_channels)


def erase(img, i, j, h, w, v, inplace=False):
    """Set the ``h x w`` window at ``(i, j)`` of a tensor to ``v`` (a number, per-channel
    ``(C, 1, 1)`` values or a ``(C, h, w)`` block): the erasing of ``RandomErasing``
    (Zhong et al. 2020).  ``inplace=True`` writes into ``img``.

    Shape:
        input ``(*, C, H, W)`` (or an ``H x W x C`` array); output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.erase(yingshe.ones(1, 3, 3), i=0, j=1, h=2, w=2, v=0)
        tensor([[[1., 0., 0.],
                 [1., 0., 0.],
                 [1., 1., 1.]]])
    """
    if isinstance(img, Tensor):
        value = v if isinstance(v, Tensor) else from_numpy(
            np.asarray(v, dtype=img.dtype.np)).to(img.device)
        if not inplace:
            img = img.clone()
        img[..., i:i + h, j:j + w] = value.to(img.dtype)
        return img
    array, how = _unwrap("erase", img)
    if not inplace:
        array = array.copy()
    value = np.asarray(v.numpy() if isinstance(v, Tensor) else v)
    array[..., i:i + h, j:j + w] = _cast_like(np.broadcast_to(value, array[..., i:i + h, j:j + w]
                                                              .shape), array.dtype)
    return img if inplace else _wrap(array, how)


# ---------------------------------------------------------------- colour
def _colour_array(name, img, channels=(1, 3)):
    array, how = _unwrap(name, img)
    if _channels(array) not in channels:
        raise TypeError(f"{name}: input image channel should be one of {list(channels)} "
                        f"[..., C, H, W], got shape {tuple(array.shape)}")
    return array, how


def _blend(array, other, ratio):
    """``ratio * array + (1 - ratio) * other`` clamped to the image range, in ``array``'s
    dtype (integers truncated, as torchvision's tensor cast)."""
    work = array.dtype.type if array.dtype.kind == "f" else np.float32
    out = work(ratio) * array.astype(work) + work(1.0 - ratio) * np.asarray(other, dtype=work)
    return np.clip(out, 0, _max_value(array.dtype)).astype(array.dtype)


def _check_factor(name, what, factor):
    if factor < 0:
        raise ValueError(f"{name}: {what} ({factor}) is not non-negative.")


def adjust_brightness(img, brightness_factor):
    """Scale the intensities: ``out = clamp(factor x, 0, max)`` (0 gives black, 1 the image);
    Pillow images go through ``ImageEnhance.Brightness`` as in torchvision.

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.adjust_brightness(yingshe.tensor([[[0.2, 0.6]]]), 2.0)  # clamped to 1
        tensor([[[0.4000, 1.0000]]])
    """
    _check_factor("adjust_brightness", "brightness_factor", brightness_factor)
    if _is_pil(img):
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    array, how = _colour_array("adjust_brightness", img)
    return _wrap(_blend(array, np.zeros_like(array), brightness_factor), how)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean grey level m of each image: ``out = clamp(factor x + (1 - factor) m)``
    (0 gives flat grey, 1 the image); Pillow images go through ``ImageEnhance.Contrast``.

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.adjust_contrast(yingshe.tensor([[[0.2, 0.6]]]), 0.5)  # halfway to the mean 0.4
        tensor([[[0.3000, 0.5000]]])
    """
    _check_factor("adjust_contrast", "contrast_factor", contrast_factor)
    if _is_pil(img):
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    array, how = _colour_array("adjust_contrast", img)
    work = array.dtype.type if array.dtype.kind == "f" else np.float32
    grey = _unwrap("adjust_contrast", rgb_to_grayscale(img))[0] if _channels(array) == 3 \
        else array
    mean = grey.astype(work).mean(axis=tuple(range(-min(3, grey.ndim), 0)), keepdims=True)
    return _wrap(_blend(array, mean, contrast_factor), how)


def adjust_saturation(img, saturation_factor):
    """Blend with the image's grey version g: ``out = clamp(factor x + (1 - factor) g)`` (0 gives
    grey, 1 the image); Pillow images go through ``ImageEnhance.Color``; one channel is left as
    is.

    Shape:
        input ``(*, C, H, W)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> F.adjust_saturation(yingshe.tensor([[[1.0]], [[0.5]], [[0.0]]]), 0.0).flatten()
        tensor([0.5924, 0.5924, 0.5924])
    """
    _check_factor("adjust_saturation", "saturation_factor", saturation_factor)
    if _is_pil(img):
        return ImageEnhance.Color(img).enhance(saturation_factor)
    array, how = _colour_array("adjust_saturation", img)
    if _channels(array) == 1:
        return _wrap(array.copy(), how)
    grey = _unwrap("adjust_saturation", rgb_to_grayscale(img))[0]
    return _wrap(_blend(array, grey, saturation_factor), how)


def _rgb_to_hsv(rgb):
    """RGB in [0, 1] (channels on axis -3) to HSV, all in [0, 1] (Smith 1978, "Color Gamut
    Transform Pairs"), with torchvision's handling of grey pixels (h = s = 0)."""
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    divisor = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    h = ((maxc == r) * (bc - gc) + ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
         + ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)).astype(rgb.dtype)
    h = np.fmod(h / rgb.dtype.type(6.0) + rgb.dtype.type(1.0), rgb.dtype.type(1.0))
    return np.stack((h, s, maxc), axis=-3)


def _hsv_to_rgb(hsv):
    """The inverse of ``_rgb_to_hsv`` (Smith 1978)."""
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    one = hsv.dtype.type(1.0)
    i = np.floor(h * hsv.dtype.type(6.0))
    f = h * hsv.dtype.type(6.0) - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (one - s), 0, 1)
    q = np.clip(v * (one - s * f), 0, 1)
    t = np.clip(v * (one - s * (one - f)), 0, 1)
    table = np.stack([np.stack(row, axis=-3) for row in
                      ((v, q, p, p, t, v), (t, v, v, q, p, p), (p, p, t, v, v, q))], axis=-4)
    return np.take_along_axis(table, i[..., None, None, :, :], axis=-3)[..., 0, :, :]


def adjust_hue(img, hue_factor):
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space, keeping saturation and
    value: ``h' = (h + hue_factor) mod 1``; Pillow images shift their 8-bit ``'HSV'`` hue band as
    torchvision does.

    Shape:
        input ``(*, 3, H, W)`` (or 1 channel, returned as is); output the same shape.

    Examples:
        >>> import yingshe
        >>> import yingshe.vision.transforms.functional as F
        >>> red = yingshe.tensor([[[1.0]], [[0.0]], [[0.0]]])
        >>> F.adjust_hue(red, 1 / 3).flatten()  # a third of a turn: red becomes green
        tensor([0., 1., 0.])
    """
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil(img):
        if img.mode in {"L", "1", "I", "F"}:
            return img
        h, s, v = img.convert("HSV").split()
        hue = np.array(h, dtype=np.uint8)
        with np.errstate(over="ignore"):
            hue += np.array(hue_factor * 255).astype(np.uint8)
        return Image.merge("HSV", (Image.fromarray(hue, "L"), s, v)).convert(img.mode)
    array, how = _colour_array("adjust_hue", img)
    if _channels(array) == 1:
        return _wrap(array.copy(), how)
    integer = array.dtype.kind != "f"  # through float32 as convert_image_dtype does
    work = array.astype(np.float32) / np.float32(_max_value(array.dtype)) if integer else array
    hsv = _rgb_to_hsv(work)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + work.dtype.type(hue_factor),
                               work.dtype.type(1.0))
    rgb = _hsv_to_rgb(hsv)
    if integer:
        rgb = (rgb * np.float32(_max_value(array.dtype) + 1.0 - 1e-3)).astype(array.dtype)
    return _wrap(rgb, how)
