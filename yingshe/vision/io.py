"""Reading and writing image files, as ``torchvision.io``'s image functions: encoded files are
1-D uint8 tensors of their bytes, images are uint8 tensors ``C x H x W``.  The codecs are
Pillow's (libjpeg-turbo, zlib); torchvision calls libjpeg and libpng directly, and where the two
differ the conversions below follow torchvision's (said at each).

Decoding reads JPEG and PNG (``decode_image`` tells them by their first bytes); GIF, WebP, AVIF
and HEIC, which torchvision also reads, are refused, and so are 16-bit PNGs (torchvision returns
uint16, which yingshe has no dtype for).  A corrupt, truncated or unsupported file raises a
RuntimeError (torchvision's type) naming the file, or the length and first bytes of the data."""
import os
from enum import Enum
from io import BytesIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .._dtype import uint8
from .._tensor import Tensor
from ..ops.creation import from_numpy
from ..serialization import write_atomically

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_png", "encode_png", "write_png",
           "decode_jpeg", "encode_jpeg", "write_jpeg", "decode_image", "read_image"]


class ImageReadMode(Enum):
    """What channels a decoder returns: the file's own (``UNCHANGED``), or converted to gray
    (1 channel), gray + alpha (2), RGB (3) or RGB + alpha (4).  Functions also take the names as
    strings (``"RGB"``).

    Examples:
        >>> from yingshe.vision.io import ImageReadMode
        >>> ImageReadMode.RGB.value, ImageReadMode["GRAY"]
        (3, <ImageReadMode.GRAY: 1>)
    """
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA  # alias, as torchvision's


_SIGNATURES = {"JPEG": b"\xff\xd8\xff", "PNG": b"\x89PNG"}
# libpng's png_set_rgb_to_gray(png_ptr, 1, 0.2989, 0.587), the call torchvision's PNG decoder
# makes: the coefficients in 1/32768 (the blue one is the rest), the sum truncated.
_PNG_GRAY_WEIGHTS = np.array([9794, 19234, 3740], dtype=np.uint32)


def _read_mode(name, mode):
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str) and mode.upper() in ImageReadMode.__members__:
        return ImageReadMode[mode.upper()]
    raise ValueError(f"{name}: mode={mode!r} is not an ImageReadMode; valid names: "
                     f"{', '.join(ImageReadMode.__members__)}")


# ---------------------------------------------------------------- files and byte tensors

def read_file(path):
    """The bytes of the file at ``path`` as a 1-D uint8 tensor (an empty file is an error).

    Shape:
        output ``(L,)``, L the file's length in bytes.

    Examples:
        >>> import os, tempfile
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     io.write_png(image, os.path.join(folder, "x.png"))
        ...     data = io.read_file(os.path.join(folder, "x.png"))
        >>> data.dtype, data[:4]  # PNG's signature
        (yingshe.uint8, tensor([137,  80,  78,  71], dtype=yingshe.uint8))
    """
    data = _read_bytes(path)
    return from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def _read_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise RuntimeError(f"read_file: {os.fspath(path)} is empty; expected a non empty file")
    return data


def write_file(filename, data):
    """Write the 1-D uint8 tensor ``data`` to ``filename`` (atomically: through a temporary file
    renamed into place).

    Shape:
        data ``(L,)``.

    Examples:
        >>> import os, tempfile
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     io.write_file(os.path.join(folder, "x.png"), io.encode_png(image))
        ...     io.read_image(os.path.join(folder, "x.png")).shape
        yingshe.Size([3, 2, 4])
    """
    write_atomically(filename, [_bytes_of("write_file", data, allow_empty=True)])


def _bytes_of(name, data, allow_empty=False):
    """The bytes a 1-D uint8 tensor holds."""
    if not isinstance(data, Tensor):
        raise TypeError(f"{name}: expected a 1-D uint8 yingshe.Tensor of bytes, got "
                        f"{type(data).__name__}")
    if data.dtype != uint8 or data.ndim != 1 or (data.numel() == 0 and not allow_empty):
        raise RuntimeError(f"{name}: expected a non empty 1-dimensional uint8 tensor of bytes, "
                           f"got dtype {data.dtype} and shape {tuple(data.shape)}")
    return data.detach().cpu().numpy().tobytes()


def _describe(data, path):
    return str(path) if path is not None else f"the {len(data)} bytes given (starting {data[:8]!r})"


# ---------------------------------------------------------------- decoding

def _decode(name, data, mode, apply_exif_orientation, formats, path=None):
    """Decode the encoded ``data`` (bytes) as one of ``formats`` into a C x H x W uint8
    tensor; ``path`` names the file in errors."""
    mode = _read_mode(name, mode)
    kind = next((k for k, signature in _SIGNATURES.items() if data.startswith(signature)), None)
    if kind not in formats:
        raise RuntimeError(f"{name}: {_describe(data, path)} is not a {' or '.join(formats)} "
                           f"image; supported formats: {', '.join(formats)}")
    if kind == "JPEG" and mode not in (ImageReadMode.UNCHANGED, ImageReadMode.GRAY,
                                       ImageReadMode.RGB):
        raise RuntimeError(f"{name}: mode {mode.name} is not supported for JPEG files (they have "
                           f"no alpha channel); use UNCHANGED, GRAY or RGB")
    if kind == "PNG" and len(data) > 24 and data[24] == 16:  # IHDR's bit depth
        raise RuntimeError(f"{name}: {_describe(data, path)} is a 16-bit PNG; torchvision decodes "
                           f"it to uint16, which yingshe has no dtype for (PIL.Image.open and "
                           f"transforms.functional.pil_to_tensor read 16-bit gray as int32)")
    try:
        with Image.open(BytesIO(data), formats=[kind]) as image:
            if kind == "JPEG" and mode is ImageReadMode.GRAY and image.mode == "RGB":
                image.draft("L", None)  # libjpeg's own gray output (the Y plane), as torchvision
            image.load()
            if apply_exif_orientation:
                image = ImageOps.exif_transpose(image)
            array = (_jpeg_array if kind == "JPEG" else _png_array)(image, mode)
    except (OSError, SyntaxError, EOFError, ValueError, Image.DecompressionBombError) as error:
        reason = "no valid header" if isinstance(error, UnidentifiedImageError) else error
        raise RuntimeError(f"{name}: cannot decode {_describe(data, path)} as {kind}: {reason} "
                           f"(the file is corrupt or truncated)") from error
    return from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def _channels_last(array):
    return array[:, :, None] if array.ndim == 2 else array


def _jpeg_array(image, mode):
    """H x W x C: the file's components (gray, RGB from YCbCr, CMYK) or gray / RGB.  CMYK
    converts through RGB with Pillow's formulas, which torchvision's decoder copies."""
    if mode is ImageReadMode.GRAY and image.mode != "L":
        image = image.convert("RGB").convert("L")
    elif mode is ImageReadMode.RGB and image.mode != "RGB":
        image = image.convert("RGB")
    return _channels_last(np.asarray(image))


def _png_gray(rgb):
    """libpng's RGB -> gray of 8-bit rows without gamma: (9794 R + 19234 G + 3740 B) >> 15."""
    return ((rgb.astype(np.uint32) @ _PNG_GRAY_WEIGHTS) >> 15).astype(np.uint8)


def _png_array(image, mode):
    """H x W x C of a decoded PNG as torchvision's libpng calls give it: UNCHANGED keeps the
    stored channels (gray bit depths below 8 scaled to 0..255; a palette image is its 1 channel
    of indices); the conversions expand palettes (with their tRNS transparency as alpha), drop
    alpha, turn colour to gray with libpng's weights, repeat gray for RGB, and add an opaque
    alpha (tRNS of gray and RGB images is ignored, as torchvision does)."""
    if image.mode == "1":
        image = image.convert("L")
    if image.mode == "P" and mode is not ImageReadMode.UNCHANGED:
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    array = _channels_last(np.asarray(image))
    if mode is ImageReadMode.UNCHANGED:
        return array
    colour, alpha = array[:, :, :-1 if array.shape[2] in (2, 4) else None], None
    if array.shape[2] in (2, 4):
        alpha = array[:, :, -1:]
    wants_gray = mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA)
    if wants_gray and colour.shape[2] == 3:
        colour = _png_gray(colour)[:, :, None]
    elif not wants_gray and colour.shape[2] == 1:
        colour = np.repeat(colour, 3, axis=2)
    if mode in (ImageReadMode.GRAY, ImageReadMode.RGB):
        return colour
    if alpha is None:
        alpha = np.full(colour.shape[:2] + (1,), 255, dtype=np.uint8)
    return np.concatenate([colour, alpha], axis=2)


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode the PNG bytes in the 1-D uint8 tensor ``input`` into a uint8 image; ``mode`` (an
    ``ImageReadMode`` or its name) converts the channels (gray from RGB with libpng's
    ``(9794 R + 19234 G + 3740 B) >> 15``).

    Shape:
        input ``(L,)``; output ``(C, H, W)``, C the file's channels or the mode's.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> data = io.encode_png(image)
        >>> bool((io.decode_png(data) == image).all())  # PNG is lossless
        True
        >>> io.decode_png(data, mode="GRAY").shape, io.decode_png(data, mode="RGBA").shape
        (yingshe.Size([1, 2, 4]), yingshe.Size([4, 2, 4]))
    """
    return _decode("decode_png", _bytes_of("decode_png", input), mode, apply_exif_orientation,
                   ("PNG",))


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation=False):
    """Decode the JPEG bytes in the 1-D uint8 tensor ``input`` (or each of a list of them) into a
    uint8 image on ``device``; ``mode`` may be ``UNCHANGED``, ``GRAY`` or ``RGB``.

    Shape:
        input ``(L,)``; output ``(C, H, W)``, C = 1 (gray) or 3 (colour).

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> data = io.encode_jpeg(image, quality=90)
        >>> io.decode_jpeg(data).shape, io.decode_jpeg(data, mode="GRAY").shape
        (yingshe.Size([3, 2, 4]), yingshe.Size([1, 2, 4]))
    """
    if isinstance(input, (list, tuple)):
        if not input:
            raise ValueError("decode_jpeg: Input list must contain at least one element")
        return [decode_jpeg(data, mode, device, apply_exif_orientation) for data in input]
    image = _decode("decode_jpeg", _bytes_of("decode_jpeg", input), mode, apply_exif_orientation,
                    ("JPEG",))
    return image.to(device)


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode a JPEG or PNG image (told apart by their first bytes), given as a 1-D uint8 tensor of
    its bytes or as a path, into a uint8 image; ``mode`` converts the channels.

    Shape:
        input ``(L,)`` or a path; output ``(C, H, W)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> io.decode_image(io.encode_jpeg(image)).shape
        yingshe.Size([3, 2, 4])
        >>> io.decode_image(io.encode_png(image), mode=io.ImageReadMode.GRAY).shape
        yingshe.Size([1, 2, 4])
    """
    if isinstance(input, Tensor):
        return _decode("decode_image", _bytes_of("decode_image", input), mode,
                       apply_exif_orientation, ("JPEG", "PNG"))
    return _decode("decode_image", _read_bytes(input), mode, apply_exif_orientation,
                   ("JPEG", "PNG"), path=os.fspath(input))


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """``decode_image`` of the file at ``path`` (torchvision's older name).

    Shape:
        output ``(C, H, W)``, uint8.

    Examples:
        >>> import os, tempfile
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     io.write_png(image, os.path.join(folder, "x.png"))
        ...     io.read_image(os.path.join(folder, "x.png"), mode="RGB_ALPHA").shape
        yingshe.Size([4, 2, 4])
    """
    return decode_image(path, mode, apply_exif_orientation)


# ---------------------------------------------------------------- encoding

def _image_array(name, input):
    """H x W (x 3) uint8 array of a C x H x W uint8 tensor with 1 or 3 channels."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a uint8 yingshe.Tensor C x H x W, got "
                        f"{type(input).__name__}")
    if input.dtype != uint8:
        raise RuntimeError(f"{name}: Input tensor dtype should be uint8, got {input.dtype}")
    if input.ndim != 3:
        raise RuntimeError(f"{name}: Input data should be a 3-dimensional tensor C x H x W, got "
                           f"shape {tuple(input.shape)}")
    if input.shape[0] not in (1, 3):
        raise RuntimeError(f"{name}: The number of channels should be 1 or 3, got: "
                           f"{input.shape[0]} (shape {tuple(input.shape)})")
    array = input.detach().cpu().numpy().transpose(1, 2, 0)
    return np.ascontiguousarray(array[:, :, 0] if array.shape[2] == 1 else array)


def _encoded(array, format, **options):
    buffer = BytesIO()
    Image.fromarray(array).save(buffer, format=format, **options)
    return from_numpy(np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy())


def encode_png(input, compression_level=6):
    """The PNG file of the uint8 image ``input`` as a 1-D uint8 tensor; ``compression_level`` 0
    (none) to 9 (smallest).

    Shape:
        input ``(C, H, W)`` with C = 1 or 3; output ``(L,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> data = io.encode_png(image)
        >>> data.dtype, data.ndim
        (yingshe.uint8, 1)
    """
    if not 0 <= compression_level <= 9:
        raise RuntimeError(f"encode_png: Compression level should be between 0 and 9, got "
                           f"{compression_level}")
    return _encoded(_image_array("encode_png", input), "PNG", compress_level=compression_level)


def write_png(input, filename, compression_level=6):
    """Write ``encode_png(input, compression_level)`` to ``filename``.

    Shape:
        input ``(C, H, W)``, uint8, C = 1 or 3.

    Examples:
        >>> import os, tempfile
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     io.write_png(image, os.path.join(folder, "x.png"), compression_level=9)
        ...     bool((io.read_image(os.path.join(folder, "x.png")) == image).all())
        True
    """
    write_file(filename, encode_png(input, compression_level))


def encode_jpeg(input, quality=75):
    """The JPEG file of the uint8 image ``input`` (or each of a list of them) as a 1-D uint8
    tensor; ``quality`` 1 to 100 (lossy: decoding gives back close, not equal, values).

    Shape:
        input ``(C, H, W)`` with C = 1 or 3; output ``(L,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> io.encode_jpeg(image, quality=90)[:3]  # JPEG's start-of-image marker
        tensor([255, 216, 255], dtype=yingshe.uint8)
    """
    if quality < 1 or quality > 100:
        raise ValueError(f"encode_jpeg: Image quality should be a positive number between 1 and "
                         f"100, got {quality}")
    if isinstance(input, (list, tuple)):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is "
                             "passed")
        return [encode_jpeg(image, quality) for image in input]
    return _encoded(_image_array("encode_jpeg", input), "JPEG", quality=quality)


def write_jpeg(input, filename, quality=75):
    """Write ``encode_jpeg(input, quality)`` to ``filename``.

    Shape:
        input ``(C, H, W)``, uint8, C = 1 or 3.

    Examples:
        >>> import os, tempfile
        >>> import yingshe
        >>> from yingshe.vision import io
        >>> image = yingshe.full((3, 2, 4), 200, dtype=yingshe.uint8)  # C x H x W
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     io.write_jpeg(image, os.path.join(folder, "x.jpg"), quality=95)
        ...     io.read_image(os.path.join(folder, "x.jpg")).shape
        yingshe.Size([3, 2, 4])
    """
    write_file(filename, encode_jpeg(input, quality))
