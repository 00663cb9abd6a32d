"""yingshe.vision.io against torchvision.io's signatures and Pillow's codecs: PNG round trips are
exact, JPEG bytes and pixels are Pillow's, the read modes convert as torchvision's libpng and
libjpeg calls do, and bad input is refused naming the file or the bytes."""
import inspect
from io import BytesIO

import numpy as np
import pytest
from PIL import Image

import yingshe
from helpers import check_raises
from torchvision_oracle import torchvision
from yingshe.vision import io
from yingshe.vision.io import ImageReadMode

FUNCTIONS = ["read_file", "write_file", "decode_png", "encode_png", "write_png", "decode_jpeg",
             "encode_jpeg", "write_jpeg", "decode_image", "read_image"]


def _rgb(shape=(9, 13), seed=0):
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def _tensor(hwc):
    """C x H x W uint8 tensor of an H x W (x C) array."""
    array = hwc[:, :, None] if hwc.ndim == 2 else hwc
    return yingshe.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def _chw(tensor):
    assert tensor.dtype == yingshe.uint8 and tensor.ndim == 3
    return tensor.numpy().transpose(1, 2, 0)


def _encoded(image, format, **options):
    """The bytes Pillow writes for ``image`` (a Pillow image), as a 1-D uint8 tensor."""
    buffer = BytesIO()
    image.save(buffer, format=format, **options)
    return yingshe.from_numpy(np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy())


def test_names_and_signatures_are_torchvisions():
    assert [(m.name, m.value) for m in ImageReadMode] == \
        [(m.name, m.value) for m in torchvision.io.ImageReadMode]
    assert ImageReadMode.RGBA is ImageReadMode.RGB_ALPHA
    for name in FUNCTIONS:
        ours = inspect.signature(getattr(io, name)).parameters
        theirs = inspect.signature(getattr(torchvision.io, name)).parameters
        assert list(ours) == list(theirs), name
        for parameter in theirs.values():
            default = ours[parameter.name].default
            expected = parameter.default
            assert getattr(default, "name", default) == getattr(expected, "name", expected), name
    assert yingshe.vision.io is io


@pytest.mark.parametrize("channels", [1, 3])
def test_png_round_trips_exactly(tmp_path, channels):
    pixels = _rgb()[:, :, :channels]
    image = _tensor(pixels)
    for level in (0, 6, 9):
        encoded = io.encode_png(image, compression_level=level)
        assert encoded.dtype == yingshe.uint8 and encoded.ndim == 1
        np.testing.assert_array_equal(_chw(io.decode_png(encoded)), pixels)
        decoded_by_pillow = np.asarray(Image.open(BytesIO(encoded.numpy().tobytes())))
        np.testing.assert_array_equal(decoded_by_pillow.reshape(pixels.shape), pixels)
    path = tmp_path / "image.png"
    io.write_png(image, path)
    np.testing.assert_array_equal(_chw(io.read_image(path)), pixels)
    np.testing.assert_array_equal(_chw(io.decode_image(str(path))), pixels)
    np.testing.assert_array_equal(io.read_file(path).numpy(),
                                  np.frombuffer(path.read_bytes(), dtype=np.uint8))


def test_jpeg_is_pillows(tmp_path):
    pixels = _rgb((16, 24))
    for quality in (10, 75, 95):
        encoded = io.encode_jpeg(_tensor(pixels), quality=quality)
        expected = _encoded(Image.fromarray(pixels), "JPEG", quality=quality)
        np.testing.assert_array_equal(encoded.numpy(), expected.numpy())
        decoded = io.decode_jpeg(encoded)
        np.testing.assert_array_equal(
            _chw(decoded), np.asarray(Image.open(BytesIO(encoded.numpy().tobytes()))))
    gray = pixels[:, :, 0]
    encoded = io.encode_jpeg(_tensor(gray))
    assert Image.open(BytesIO(encoded.numpy().tobytes())).mode == "L"
    assert io.decode_jpeg(encoded).shape == (1, 16, 24)
    path = tmp_path / "image.jpg"
    io.write_jpeg(_tensor(pixels), path, quality=90)
    np.testing.assert_array_equal(_chw(io.read_image(path)), np.asarray(Image.open(path)))
    as_list = io.encode_jpeg([_tensor(pixels), _tensor(gray)])
    decoded = io.decode_jpeg(as_list)
    assert [tuple(d.shape) for d in decoded] == [(3, 16, 24), (1, 16, 24)]


def test_jpeg_modes():
    pixels = _rgb((16, 24))
    encoded = io.encode_jpeg(_tensor(pixels), quality=90)
    raw = encoded.numpy().tobytes()
    # GRAY is libjpeg's own gray output (the luma plane), which Pillow gives in draft mode "L".
    draft = Image.open(BytesIO(raw))
    draft.draft("L", None)
    np.testing.assert_array_equal(_chw(io.decode_jpeg(encoded, mode="GRAY"))[:, :, 0],
                                  np.asarray(draft))
    np.testing.assert_array_equal(_chw(io.decode_image(encoded, ImageReadMode.RGB)),
                                  _chw(io.decode_jpeg(encoded)))
    gray = io.encode_jpeg(_tensor(pixels[:, :, 1]))
    as_rgb = _chw(io.decode_jpeg(gray, mode=ImageReadMode.RGB))
    assert as_rgb.shape == (16, 24, 3)
    np.testing.assert_array_equal(as_rgb, np.repeat(_chw(io.decode_jpeg(gray)), 3, axis=2))
    for mode in ("GRAY_ALPHA", ImageReadMode.RGB_ALPHA):
        check_raises(lambda m=mode: io.decode_jpeg(encoded, mode=m), RuntimeError,
                     "not supported for JPEG files")


def test_png_modes_convert_as_torchvisions_libpng_calls():
    # Primaries and white: libpng's rgb_to_gray with torchvision's coefficients (0.2989, 0.587)
    # is (9794 R + 19234 G + 3740 B) >> 15, which truncates (pure green gives 149, Pillow 150).
    colours = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]],
                       dtype=np.uint8)
    alpha = np.array([[[10], [20], [30], [40]]], dtype=np.uint8)
    rgba = _encoded(Image.fromarray(np.concatenate([colours, alpha], axis=2)), "PNG")
    assert io.decode_png(rgba).shape == (4, 1, 4)
    np.testing.assert_array_equal(io.decode_png(rgba, "GRAY").numpy().ravel(), [76, 149, 29, 255])
    np.testing.assert_array_equal(_chw(io.decode_png(rgba, "GRAY_ALPHA"))[0],
                                  [[76, 10], [149, 20], [29, 30], [255, 40]])
    np.testing.assert_array_equal(_chw(io.decode_png(rgba, "RGB")), colours)

    gray = np.array([[0, 100, 200, 255]], dtype=np.uint8)
    png = _encoded(Image.fromarray(gray), "PNG")
    np.testing.assert_array_equal(_chw(io.decode_png(png, "RGB")), np.stack([gray] * 3, 2))
    np.testing.assert_array_equal(_chw(io.decode_png(png, ImageReadMode.RGBA))[0, :, 3],
                                  [255] * 4)
    np.testing.assert_array_equal(_chw(io.decode_png(png, "gray_alpha"))[0],
                                  [[0, 255], [100, 255], [200, 255], [255, 255]])
    bits = _encoded(Image.fromarray(np.array([[0, 1, 1, 0]], dtype=bool)), "PNG")
    np.testing.assert_array_equal(io.decode_png(bits).numpy().ravel(), [0, 255, 255, 0])


def test_palette_pngs_keep_their_indices_unless_converted():
    palette = Image.fromarray(np.array([[0, 1, 2, 1]], dtype=np.uint8), mode="P")
    palette.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
    png = _encoded(palette, "PNG", transparency=bytes([255, 128, 0]))
    np.testing.assert_array_equal(io.decode_png(png).numpy().ravel(), [0, 1, 2, 1])
    rgba = _chw(io.decode_png(png, "RGB_ALPHA"))[0]
    np.testing.assert_array_equal(rgba, [[255, 0, 0, 255], [0, 255, 0, 128], [0, 0, 255, 0],
                                         [0, 255, 0, 128]])
    np.testing.assert_array_equal(_chw(io.decode_image(png, "RGB"))[0], rgba[:, :3])
    np.testing.assert_array_equal(io.decode_png(png, "GRAY").numpy().ravel(), [76, 149, 29, 149])


def test_exif_orientation_is_applied_on_request():
    pixels = _rgb((8, 12))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display after a 90-degree clockwise turn
    encoded = _encoded(Image.fromarray(pixels), "JPEG", exif=exif, quality=95)
    assert io.decode_jpeg(encoded).shape == (3, 8, 12)
    turned = io.decode_jpeg(encoded, apply_exif_orientation=True)
    assert turned.shape == (3, 12, 8)
    np.testing.assert_array_equal(_chw(turned), np.rot90(_chw(io.decode_jpeg(encoded)), k=-1))


def test_bad_input_is_refused_naming_the_file_or_the_bytes(tmp_path):
    png = io.encode_png(_tensor(_rgb()))
    jpeg = io.encode_jpeg(_tensor(_rgb()))
    check_raises(lambda: io.decode_image(yingshe.tensor([1, 2, 3], dtype=yingshe.uint8)),
                 RuntimeError, "the 3 bytes given", "not a JPEG or PNG image")
    check_raises(lambda: io.decode_png(png[:40]), RuntimeError, "cannot decode the 40 bytes",
                 "as PNG")
    check_raises(lambda: io.decode_jpeg(jpeg[:len(jpeg) // 2]), RuntimeError, "cannot decode",
                 "as JPEG")
    check_raises(lambda: io.decode_jpeg(png), RuntimeError, "is not a JPEG image")
    check_raises(lambda: io.decode_png(png.float()), RuntimeError, "uint8", "float32")
    check_raises(lambda: io.decode_png(png.reshape(2, -1)), RuntimeError, "1-dimensional")
    check_raises(lambda: io.decode_png(png, mode="RGBX"), ValueError, "'RGBX'", "GRAY_ALPHA")
    broken = tmp_path / "broken.png"
    broken.write_bytes(png.numpy().tobytes()[:60])
    check_raises(lambda: io.read_image(broken), RuntimeError, str(broken), "corrupt or truncated")
    gif = tmp_path / "image.gif"
    Image.fromarray(_rgb()).save(gif)
    check_raises(lambda: io.read_image(gif), RuntimeError, str(gif), "JPEG, PNG")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    check_raises(lambda: io.read_file(empty), RuntimeError, str(empty), "empty")
    deep = _encoded(Image.fromarray(np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000), "PNG")
    check_raises(lambda: io.decode_png(deep), RuntimeError, "16-bit PNG", "uint16")


def test_encoders_refuse_what_torchvisions_refuse():
    image = _tensor(_rgb())
    four = yingshe.cat([image, image[:1]], 0)
    check_raises(lambda: io.encode_png(four), RuntimeError, "1 or 3", "(4, 9, 13)")
    check_raises(lambda: io.encode_jpeg(image.float()), RuntimeError, "uint8", "float32")
    check_raises(lambda: io.encode_png(image[0]), RuntimeError, "3-dimensional", "(9, 13)")
    check_raises(lambda: io.encode_png(image, compression_level=10), RuntimeError,
                 "between 0 and 9")
    check_raises(lambda: io.encode_jpeg(image, quality=0), ValueError, "between 1 and 100")
    check_raises(lambda: io.encode_jpeg([]), ValueError, "at least one")


def test_write_file_writes_the_bytes(tmp_path):
    data = yingshe.tensor([0, 1, 254, 255], dtype=yingshe.uint8)
    io.write_file(tmp_path / "bytes.bin", data)
    assert (tmp_path / "bytes.bin").read_bytes() == bytes([0, 1, 254, 255])
    check_raises(lambda: io.write_file(tmp_path / "x", data.float()), RuntimeError, "uint8")
