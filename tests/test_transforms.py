"""yingshe.vision.transforms against torchvision's v1 transforms, on Pillow images, tensors and
NumPy arrays. Exact: conversions, flips, crops, padding, normalisation, grey and every Pillow
path (the same Pillow calls). Close: resampling of tensors and arrays (resize, rotate, affine),
computed in float32 by torch in another order: 1e-5 on [0, 1] images, one grey level on uint8."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from torchvision_oracle import torchvision
from yingshe.vision import transforms as T
from yingshe.vision.transforms import functional as F

TV, TF = torchvision.transforms, torchvision.transforms.functional
Image = pytest.importorskip("PIL.Image")


def ramp(shape, dtype=np.uint8):
    """A distinct value at every position (modulo 256 for uint8)."""
    return (np.arange(np.prod(shape)) % 256).reshape(shape).astype(dtype)


def noise(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.random(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, 0), min(info.max, 65535) + 1, shape).astype(dtype)


def pil(mode, height=13, width=17, seed=0):
    """A Pillow image of ``mode`` holding noise."""
    if mode in ("L", "RGB", "RGBA", "LA"):
        channels = {"L": (), "RGB": (3,), "RGBA": (4,), "LA": (2,)}[mode]
        return Image.fromarray(noise((height, width, *channels), seed=seed), mode=None)
    if mode == "1":
        return Image.fromarray(noise((height, width), seed=seed) > 127)
    if mode == "P":
        return pil("RGB", height, width, seed).convert("P")
    if mode == "I":
        return Image.fromarray(noise((height, width), np.int32, seed) * 1000)
    if mode == "I;16":
        return Image.fromarray(noise((height, width), np.uint16, seed))
    if mode == "F":
        return Image.fromarray(noise((height, width), np.float32, seed) * 3 - 1)
    raise ValueError(mode)


def ys(array):
    return yingshe.from_numpy(np.ascontiguousarray(array))


def th(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def values(image):
    """The pixels of a Pillow image, tensor (either library) or array, as a NumPy array."""
    if isinstance(image, Image.Image):
        return np.asarray(image)
    if isinstance(image, (yingshe.Tensor, torch.Tensor)):
        return image.numpy()
    return image


def assert_same(ours, theirs, atol=0.0):
    """Same kind (Pillow mode and size, or tensor dtype and shape) and the same pixels."""
    if isinstance(theirs, Image.Image):
        assert isinstance(ours, Image.Image), type(ours)
        assert (ours.mode, ours.size) == (theirs.mode, theirs.size)
    else:
        assert isinstance(ours, yingshe.Tensor), type(ours)
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    a, b = values(ours), values(theirs)
    assert a.shape == b.shape
    if atol:
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=atol,
                                   rtol=0)
    else:
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- conversions

@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "1", "P", "I", "I;16", "F"])
def test_to_tensor_of_pil_images_matches_torchvision(mode):
    image = pil(mode)
    assert_same(T.ToTensor()(image), TV.ToTensor()(image))


@pytest.mark.parametrize("array", [noise((5, 7)), noise((5, 7, 3)), noise((5, 7, 4)),
                                   noise((5, 7, 3), np.float64), noise((5, 7, 1), np.int16)])
def test_to_tensor_of_arrays_matches_torchvision(array):
    out = T.ToTensor()(array)
    assert_same(out, TV.ToTensor()(array))
    if array.dtype == np.uint8:  # float32 (C, H, W) in [0, 1]
        assert out.dtype == yingshe.float32 and 0.0 <= out.numpy().min() <= out.numpy().max() <= 1


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "1", "I", "F"])
def test_pil_to_tensor_matches_torchvision(mode):
    image = pil(mode)
    assert_same(T.PILToTensor()(image), TV.PILToTensor()(image))


def test_pil_to_tensor_keeps_16_bit_values_as_int32():
    image = pil("I;16")
    out, theirs = T.PILToTensor()(image), TV.PILToTensor()(image)
    assert out.dtype == yingshe.int32 and theirs.dtype == torch.uint16
    np.testing.assert_array_equal(out.numpy(), theirs.numpy().astype(np.int32))


@pytest.mark.parametrize("array, mode", [
    (noise((1, 6, 5), np.float32), None), (noise((3, 6, 5), np.float32), None),
    (noise((4, 6, 5), np.float32), None), (noise((2, 6, 5)), None), (noise((3, 6, 5)), None),
    (noise((1, 6, 5), np.int16), None), (noise((1, 6, 5), np.int32), None),
    (noise((1, 6, 5), np.float32), "F"), (noise((3, 6, 5)), "YCbCr"), (noise((4, 6, 5)), "CMYK"),
    (noise((6, 5)), None)])
def test_to_pil_image_of_tensors_matches_torchvision(array, mode):
    assert_same(T.ToPILImage(mode)(ys(array)), TV.ToPILImage(mode)(th(array)))


@pytest.mark.parametrize("array", [noise((6, 5, 3)), noise((6, 5)), noise((6, 5, 4), np.float32)])
def test_to_pil_image_of_arrays_matches_torchvision(array):
    assert_same(T.ToPILImage()(array), TV.ToPILImage()(array))


def test_conversion_errors():
    check_raises(lambda: T.ToTensor()(ys(noise((3, 4, 4)))), TypeError, "PIL Image")
    check_raises(lambda: T.ToTensor()(noise((2, 3, 4, 5))), ValueError, "2/3 dimensional")
    check_raises(lambda: T.ToPILImage()(ys(noise((5, 4, 4)))), ValueError, "> 4 channels")
    check_raises(lambda: T.ToPILImage("RGB")(ys(noise((1, 4, 4)))), ValueError,
                 "incorrect mode (RGB)")


@pytest.mark.parametrize("source, target", [
    ("uint8", "float32"), ("uint8", "float64"), ("float32", "uint8"), ("float64", "int16"),
    ("float32", "float64"), ("int16", "uint8"), ("uint8", "int16"), ("int32", "int64"),
    ("uint8", "uint8")])
def test_convert_image_dtype_matches_torchvision(source, target):
    array = noise((3, 5, 6), np.dtype(source))
    ours = T.ConvertImageDtype(getattr(yingshe, target))(ys(array))
    theirs = TV.ConvertImageDtype(getattr(torch, target))(th(array))
    assert_same(ours, theirs)


def test_convert_image_dtype_refuses_unsafe_casts_as_torchvision():
    array = noise((1, 2, 2), np.float32)
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        TV.ConvertImageDtype(torch.int32)(th(array))
    check_raises(lambda: T.ConvertImageDtype(yingshe.int32)(ys(array)), RuntimeError,
                 "float32 to int32")


# ---------------------------------------------------------------- normalize

@pytest.mark.parametrize("shape, mean, std", [
    ((3, 4, 5), (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)), ((2, 1, 4, 5), (0.1307,), (0.3081,)),
    ((3, 4, 5), 0.5, 0.5)])
def test_normalize_matches_torchvision(shape, mean, std):
    array = noise(shape, np.float32)
    assert_same(T.Normalize(mean, std)(ys(array)), TV.Normalize(mean, std)(th(array)))


def test_normalize_out_of_place_unless_inplace():
    array = noise((3, 2, 2), np.float32)
    image = ys(array.copy())
    out = T.Normalize([0.5] * 3, [0.5] * 3)(image)
    np.testing.assert_array_equal(image.numpy(), array)
    same = T.Normalize([0.5] * 3, [0.5] * 3, inplace=True)(image)
    assert same is image
    np.testing.assert_array_equal(image.numpy(), out.numpy())


def test_normalize_without_autograd_equals_the_recorded_path():
    """A tensor that records no graph takes the raw-array path (issue 29: the data-loading
    case); one that requires grad takes tensor ops: same values bit for bit, and the gradient
    1 / std reaches the input."""
    array = noise((2, 3, 4, 5), np.float32)
    normalize = T.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))
    plain = normalize(ys(array))
    recorded_input = ys(array).requires_grad_()
    recorded = normalize(recorded_input)
    with yingshe.no_grad():
        unrecorded = normalize(recorded_input)
    assert plain.grad_fn is None and unrecorded.grad_fn is None and recorded.grad_fn is not None
    np.testing.assert_array_equal(plain.numpy(), recorded.detach().numpy())
    np.testing.assert_array_equal(unrecorded.numpy(), plain.numpy())
    recorded.sum().backward()
    expected = np.broadcast_to(1 / np.float32([0.5, 0.25, 2.0])[:, None, None], array.shape)
    np.testing.assert_allclose(recorded_input.grad.numpy(), expected, rtol=1e-6)


def test_normalize_errors_name_the_problem():
    image = ys(noise((3, 4, 4), np.float32))
    check_raises(lambda: T.Normalize((0.5, 0.5), (1.0, 1.0))(image), ValueError,
                 "mean has 2 values but the image has 3 channels")
    check_raises(lambda: T.Normalize(0.5, 0.0)(image), ValueError, "std evaluated to zero")
    check_raises(lambda: T.Normalize(0.5, 0.5)(ys(noise((3, 4, 4)))), TypeError, "float tensor",
                 "uint8")
    check_raises(lambda: T.Normalize(0.5, 0.5)(pil("L")), TypeError, "yingshe.Tensor")
    check_raises(lambda: T.Normalize(0.5, 0.5)(ys(noise((4, 4), np.float32))), ValueError,
                 "(4, 4)")


# ---------------------------------------------------------------- resize

@pytest.mark.parametrize("size, max_size", [(7, None), ((9, 25), None), ([11], None), (40, None),
                                            (8, 10), ((13, 17), None)])
@pytest.mark.parametrize("mode", ["L", "RGB", "F"])
def test_resize_of_pil_images_is_torchvisions(size, max_size, mode):
    image = pil(mode)
    out = T.Resize(size, max_size=max_size)(image)
    assert_same(out, TV.Resize(size, max_size=max_size)(image))
    if size == (13, 17):
        assert out is image  # nothing to do: the input itself, as torchvision


@pytest.mark.parametrize("interpolation", list(T.InterpolationMode))
def test_resize_of_pil_images_in_every_interpolation(interpolation):
    image = pil("RGB")
    theirs = TV.Resize((9, 30), TV.InterpolationMode(interpolation.value))(image)
    assert_same(T.Resize((9, 30), interpolation)(image), theirs)


@pytest.mark.parametrize("size", [(5, 7), (26, 40), 6, (13, 40), (40, 8)])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_of_tensors_is_close_to_torchvision(size, interpolation, antialias):
    array = noise((3, 13, 17), np.float32)
    mode = TV.InterpolationMode(interpolation)
    theirs = TV.Resize(size, mode, antialias=antialias)(th(array))
    assert_same(T.Resize(size, interpolation, antialias=antialias)(ys(array)), theirs, atol=1e-5)
    uint8 = noise((2, 3, 13, 17))
    theirs = TV.Resize(size, mode, antialias=antialias)(th(uint8))
    assert_same(T.Resize(size, interpolation, antialias=antialias)(ys(uint8)), theirs, atol=1)


def test_resize_of_an_hwc_array_is_the_tensor_result_in_hwc():
    array = noise((13, 17, 3))
    out = T.Resize((8, 9))(array)
    assert isinstance(out, np.ndarray) and out.shape == (8, 9, 3) and out.dtype == np.uint8
    theirs = TV.Resize((8, 9))(th(array.transpose(2, 0, 1))).numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(out.astype(int), theirs.astype(int), atol=1)
    assert T.Resize(6)(noise((12, 9))).shape == (8, 6)


def test_resize_refuses_bicubic_on_tensors_and_warns_antialias_on_pil():
    check_raises(lambda: T.Resize(5, "bicubic")(ys(noise((1, 8, 8), np.float32))), ValueError,
                 "'bicubic' is supported for PIL images only")
    with pytest.warns(UserWarning, match="Anti-alias option is always applied"):
        T.Resize(5, antialias=False)(pil("L"))


# ---------------------------------------------------------------- crops, padding, flips

@pytest.mark.parametrize("size", [3, (2, 4), (13, 17), (20, 9), [30]])
def test_center_crop_matches_torchvision(size):
    image = pil("RGB")
    assert_same(T.CenterCrop(size)(image), TV.CenterCrop(size)(image))
    tensor = noise((2, 3, 13, 17), np.float32)
    assert_same(T.CenterCrop(size)(ys(tensor)), TV.CenterCrop(size)(th(tensor)))
    hwc = noise((13, 17, 3))
    expected = TV.CenterCrop(size)(th(hwc.transpose(2, 0, 1))).numpy().transpose(1, 2, 0)
    np.testing.assert_array_equal(T.CenterCrop(size)(hwc), expected)


PADDINGS = [2, (1, 3), [0, 1, 2, 3], (4,), [-1, 2, 0, 3]]


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("padding_mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("mode", ["L", "RGB", "P"])
def test_pad_of_pil_images_matches_torchvision(padding, padding_mode, mode):
    image = pil(mode)
    fill = 7 if mode != "RGB" else (9, 8, 7)
    ours = T.Pad(padding, fill, padding_mode)(image)
    assert_same(ours, TV.Pad(padding, fill, padding_mode)(image))
    if mode == "P":
        assert ours.getpalette() == image.getpalette()


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("padding_mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_pad_of_tensors_matches_torchvision(padding, padding_mode, dtype):
    array = noise((3, 6, 7), dtype)
    assert_same(T.Pad(padding, 5, padding_mode)(ys(array)),
                TV.Pad(padding, 5, padding_mode)(th(array)))


def test_pad_of_an_hwc_array_pads_each_channel_with_its_fill():
    out = T.Pad([1, 0, 0, 0], fill=(1, 2, 3))(np.zeros((2, 2, 3), np.uint8))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out[:, 0], [[1, 2, 3], [1, 2, 3]])
    check_raises(lambda: T.Pad(1, fill=(1, 2))(np.zeros((2, 2, 3), np.uint8)), ValueError,
                 "fill (2)", "channels of the image (3)")


@pytest.mark.parametrize("flip, theirs", [(T.RandomHorizontalFlip, TV.RandomHorizontalFlip),
                                          (T.RandomVerticalFlip, TV.RandomVerticalFlip)])
def test_flips_match_torchvision(flip, theirs):
    for image in (pil("RGB"), pil("L")):
        assert_same(flip(p=1)(image), theirs(p=1)(image))
    tensor = noise((2, 3, 5, 6), np.float32)
    assert_same(flip(p=1)(ys(tensor)), theirs(p=1)(th(tensor)))
    hwc = ramp((4, 5, 3))
    expected = hwc[:, ::-1] if flip is T.RandomHorizontalFlip else hwc[::-1]
    np.testing.assert_array_equal(flip(p=1)(hwc), expected)
    assert flip(p=0)(hwc) is hwc


def tv_random_crop(image, size, padding, pad_if_needed, fill, padding_mode, top, left):
    """torchvision's RandomCrop.forward with the window chosen at (top, left)."""
    if padding is not None:
        image = TF.pad(image, padding, fill, padding_mode)
    _, height, width = TF.get_dimensions(image)
    if pad_if_needed and width < size[1]:
        image = TF.pad(image, [size[1] - width, 0], fill, padding_mode)
    if pad_if_needed and height < size[0]:
        image = TF.pad(image, [0, size[0] - height], fill, padding_mode)
    return TF.crop(image, top, left, *size)


@pytest.mark.parametrize("size, padding, pad_if_needed, padding_mode", [
    ((8, 8), 2, False, "constant"), ((10, 20), None, True, "constant"),
    ((12, 12), (1, 2), True, "reflect"), ((13, 17), None, False, "constant"),
    ((5, 6), [1, 2, 3, 4], False, "symmetric"), ((16, 21), None, True, "edge")])
def test_random_crop_matches_torchvision_at_the_same_window(size, padding, pad_if_needed,
                                                            padding_mode):
    for image in (pil("RGB"), ys(noise((3, 13, 17), np.float32))):
        crop = T.RandomCrop(size, padding, pad_if_needed, fill=3, padding_mode=padding_mode,
                            generator=np.random.default_rng(4))
        ours = crop(image)
        if size == (13, 17):  # the whole image: no draw
            top, left = 0, 0
        else:
            fitted = T.Pad([max(size[1] - 17, 0), max(size[0] - 13, 0)] if pad_if_needed
                           else 0)(T.Pad(padding or 0)(image))
            top, left, _, _ = T.RandomCrop.get_params(fitted, size, np.random.default_rng(4))
        theirs = tv_random_crop(image if isinstance(image, Image.Image) else th(image.numpy()),
                                size, padding, pad_if_needed, 3, padding_mode, top, left)
        assert_same(ours, theirs)


def test_random_crop_windows_cover_every_position():
    img = ramp((3, 8, 8)) + 1  # no zeros, so padding shows
    padded = np.pad(img, ((0, 0), (2, 2), (2, 2)))
    crop = T.RandomCrop(8, padding=2, generator=np.random.default_rng(3))
    seen = set()
    for _ in range(200):
        out = crop(ys(img)).numpy()
        windows = [(i, j) for i in range(5) for j in range(5)
                   if np.array_equal(out, padded[:, i:i + 8, j:j + 8])]
        assert len(windows) == 1
        seen.update(windows)
    assert len(seen) == 25


def test_random_resized_crop_matches_torchvision_at_the_same_window():
    image = pil("RGB", 30, 40)
    for scale, ratio in (((0.08, 1.0), (3 / 4, 4 / 3)), ((0.9, 1.0), (5.0, 6.0))):
        crop = T.RandomResizedCrop(12, scale, ratio, generator=np.random.default_rng(2))
        params = T.RandomResizedCrop.get_params(image, scale, ratio, np.random.default_rng(2))
        ours = crop(image)
        assert_same(ours, TF.resized_crop(image, *params, [12, 12]))
        tensor = noise((3, 30, 40), np.float32)
        crop.generator = np.random.default_rng(2)
        assert_same(crop(ys(tensor)), TF.resized_crop(th(tensor), *params, [12, 12]), atol=1e-5)


def test_random_resized_crop_fallback_is_the_centre_crop():
    image = pil("L", 30, 40)  # no window of these scales and ratios fits
    for scale, ratio in (((0.9, 1.0), (5.0, 6.0)), ((2.0, 3.0), (0.75, 1.3)),
                         ((2.0, 3.0), (0.5, 2.0))):
        assert T.RandomResizedCrop.get_params(image, scale, ratio) == \
            TV.RandomResizedCrop.get_params(image, scale, ratio)


# ---------------------------------------------------------------- rotation and affine maps

@pytest.mark.parametrize("expand, center, fill", [(False, None, 0), (True, None, (10, 20, 30)),
                                                  (False, (3, 4), 5)])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_rotate_of_pil_images_is_torchvisions(expand, center, fill, interpolation):
    image = pil("RGB")
    mode = TV.InterpolationMode(interpolation)
    assert_same(F.rotate(image, 33.0, interpolation, expand, center, fill),
                TF.rotate(image, 33.0, mode, expand, center, fill))


@pytest.mark.parametrize("expand, center, fill", [(False, None, None), (True, None, [0.5] * 3),
                                                  (False, [3, 4], [0.0, 1.0, 0.5])])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotate_of_tensors_is_close_to_torchvision(expand, center, fill, interpolation):
    array = noise((3, 13, 17), np.float32)
    mode = TV.InterpolationMode(interpolation)
    assert_same(F.rotate(ys(array), 33.0, interpolation, expand, center, fill),
                TF.rotate(th(array), 33.0, mode, expand, center, fill), atol=1e-5)
    uint8 = noise((3, 13, 17))
    fill = None if fill is None else [255 * f for f in fill]
    assert_same(F.rotate(ys(uint8), -70.0, interpolation, expand, center, fill),
                TF.rotate(th(uint8), -70.0, mode, expand, center, fill), atol=1)


AFFINES = [(20.0, [3, -2], 1.2, [10.0, 5.0]), (-45.0, [0, 0], 0.8, 7.0), (90.0, [1, 1], 1.0, 0.0)]


@pytest.mark.parametrize("angle, translate, scale, shear", AFFINES)
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_matches_torchvision(angle, translate, scale, shear, interpolation):
    mode = TV.InterpolationMode(interpolation)
    for image in (pil("RGB"), pil("L")):
        assert_same(F.affine(image, angle, translate, scale, shear, interpolation, fill=9),
                    TF.affine(image, angle, translate, scale, shear, mode, fill=9))
    array = noise((2, 3, 13, 17), np.float32)
    assert_same(F.affine(ys(array), angle, translate, scale, shear, interpolation, [1, 0, 0.5],
                         center=[4, 9]),
                TF.affine(th(array), angle, translate, scale, shear, mode, [1, 0, 0.5],
                          center=[4, 9]), atol=1e-5)


@pytest.mark.parametrize("layout", ["hw", "hwc", "chw"])
def test_rotation_by_90_is_counter_clockwise_rot90(layout):
    img = ramp((7, 7))
    rotate = T.RandomRotation(degrees=(90, 90))
    if layout == "hw":
        np.testing.assert_array_equal(rotate(img), np.rot90(img))
    elif layout == "hwc":
        rgb = np.stack([img, img + 1, img + 2], axis=-1)
        np.testing.assert_array_equal(rotate(rgb), np.rot90(rgb))
    else:
        np.testing.assert_array_equal(rotate(ys(img[None].astype(np.float32))).numpy()[0],
                                      np.rot90(img))


def test_random_rotation_and_affine_draw_then_call_the_functions():
    image = pil("RGB")
    rotation = T.RandomRotation(30, fill=(1, 2, 3), generator=np.random.default_rng(1))
    angle = T.RandomRotation.get_params(rotation.degrees, np.random.default_rng(1))
    assert -30 <= angle <= 30
    assert_same(rotation(image), TF.rotate(image, angle, fill=(1, 2, 3)))
    affine = T.RandomAffine(15, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(-5, 5, -3, 3),
                            generator=np.random.default_rng(7))
    params = T.RandomAffine.get_params(affine.degrees, affine.translate, affine.scale,
                                       affine.shear, [17, 13], np.random.default_rng(7))
    assert_same(affine(image), TF.affine(image, *params))
    tensor = noise((3, 13, 17), np.float32)
    affine.generator = np.random.default_rng(7)
    assert_same(affine(ys(tensor)), TF.affine(th(tensor), *params, fill=[0.0] * 3), atol=1e-5)


def test_affine_translate_shifts_the_image():
    img = ramp((9, 11)) + 1
    affine = T.RandomAffine(degrees=0, translate=(0.3, 0.3), generator=np.random.default_rng(1))
    angle, (tx, ty), _, _ = T.RandomAffine.get_params(affine.degrees, affine.translate, None,
                                                      None, [11, 9], np.random.default_rng(1))
    assert angle == 0 and (tx, ty) != (0, 0)
    expected = np.zeros_like(img)
    expected[max(ty, 0):9 + min(ty, 0), max(tx, 0):11 + min(tx, 0)] = \
        img[max(-ty, 0):9 - max(ty, 0), max(-tx, 0):11 - max(tx, 0)]
    np.testing.assert_array_equal(affine(img), expected)


def test_random_affine_apply_batch_equals_one_call_per_image():
    images = np.random.default_rng(0).random((4, 9, 11)).astype(np.float32)
    for interpolation in ("bilinear", "nearest"):
        affine = T.RandomAffine(15, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=5,
                                interpolation=interpolation, fill=0.25,
                                generator=np.random.default_rng(7))
        batch = affine.apply_batch(images)
        affine.generator = np.random.default_rng(7)
        single = np.stack([affine(image) for image in images])
        assert batch.dtype == np.float32
        np.testing.assert_allclose(batch, single, atol=1e-5)
    check_raises(lambda: affine.apply_batch(images[0]), ValueError, "(9, 11)")


# ---------------------------------------------------------------- grey and erasing

@pytest.mark.parametrize("channels", [1, 3])
def test_grayscale_matches_torchvision(channels):
    for image in (pil("RGB"), pil("L")):
        assert_same(T.Grayscale(channels)(image), TV.Grayscale(channels)(image))
    for dtype in (np.float32, np.uint8):
        array = noise((2, 3, 5, 6), dtype)
        assert_same(T.Grayscale(channels)(ys(array)), TV.Grayscale(channels)(th(array)),
                    atol=1e-6 if dtype == np.float32 else 0)
    check_raises(lambda: T.Grayscale()(ys(noise((4, 5, 6)))), TypeError, "1 or 3 channels")


@pytest.mark.parametrize("value", [0, (1.0, 2.0, 3.0), "random"])
def test_random_erasing_matches_torchvision_at_the_same_rectangle(value):
    array = noise((3, 16, 20), np.float32)
    erase = T.RandomErasing(p=1, value=value, generator=np.random.default_rng(3))
    out = erase(ys(array))
    gen = np.random.default_rng(3)
    gen.random()  # the draw against p
    as_list = None if value == "random" else [float(v) for v in np.atleast_1d(value)]
    top, left, h, w, v = T.RandomErasing.get_params(ys(array), erase.scale, erase.ratio,
                                                    as_list, gen)
    assert_same(out, TF.erase(th(array), top, left, h, w, th(np.asarray(v, np.float32))))
    np.testing.assert_array_equal(array, noise((3, 16, 20), np.float32))  # not in place


def test_random_erasing_in_place_and_on_arrays():
    image = ys(np.zeros((3, 10, 10), np.float32))
    assert T.RandomErasing(p=1, value=1, inplace=True)(image) is image
    assert image.numpy().sum() > 0
    hwc = np.zeros((10, 10, 3), np.uint8)
    out = T.RandomErasing(p=1, value=(1, 2, 3))(hwc)
    for c, v in enumerate((1, 2, 3)):
        assert set(np.unique(out[..., c])) == {0, v}
    check_raises(lambda: T.RandomErasing(p=1, value=(1, 2))(image), ValueError, "single value or 3")


# ---------------------------------------------------------------- composition, printing, seeds

def test_reprs_are_torchvisions():
    pairs = [(T.Resize(32), TV.Resize(32)), (T.CenterCrop(4), TV.CenterCrop(4)),
             (T.Normalize((0.1307,), (0.3081,)), TV.Normalize((0.1307,), (0.3081,))),
             (T.RandomCrop(28, padding=2), TV.RandomCrop(28, padding=2)),
             (T.RandomHorizontalFlip(), TV.RandomHorizontalFlip()), (T.ToTensor(), TV.ToTensor()),
             (T.RandomRotation(10), TV.RandomRotation(10)),
             (T.RandomAffine(10, (0.1, 0.1), (0.9, 1.1), interpolation="bilinear"),
              TV.RandomAffine(10, (0.1, 0.1), (0.9, 1.1),
                              interpolation=TV.InterpolationMode.BILINEAR)),
             (T.Pad(2, padding_mode="edge"), TV.Pad(2, padding_mode="edge")),
             (T.Grayscale(3), TV.Grayscale(3)), (T.RandomErasing(), TV.RandomErasing()),
             (T.RandomResizedCrop(24), TV.RandomResizedCrop(24)), (T.ToPILImage(), TV.ToPILImage()),
             (T.Compose([T.ToTensor(), T.Lambda(abs)]), TV.Compose([TV.ToTensor(),
                                                                    TV.Lambda(abs)]))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def test_compose_pipeline_from_pil_to_normalised_tensor():
    pipeline = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(), T.ToTensor(),
                          T.Normalize((0.1307,), (0.3081,))])
    out = pipeline(Image.fromarray(ramp((28, 28))))
    assert isinstance(out, yingshe.Tensor) and out.shape == (1, 28, 28)
    assert out.dtype == yingshe.float32


def make_pipeline(generator=None):
    return T.Compose([T.RandomCrop(12, padding=2, generator=generator),
                      T.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5,
                                     generator=generator),
                      T.RandomHorizontalFlip(generator=generator), T.ToTensor(),
                      T.RandomErasing(generator=generator)])


def test_same_seed_gives_same_output():
    img = Image.fromarray(ramp((12, 12, 3)))
    first = make_pipeline(np.random.default_rng(7))(img).numpy()
    np.testing.assert_array_equal(make_pipeline(np.random.default_rng(7))(img).numpy(), first)
    yingshe.manual_seed(5)
    third = make_pipeline()(img).numpy()
    yingshe.manual_seed(5)
    np.testing.assert_array_equal(make_pipeline()(img).numpy(), third)


@pytest.mark.parametrize("make, error, message", [
    (lambda: T.RandomHorizontalFlip(p=1.5), ValueError, r"p must be in \[0, 1\], got 1.5"),
    (lambda: T.Resize(-3), ValueError, r"size must be a positive int .* got -3"),
    (lambda: T.Resize((1, 2, 3)), ValueError, r"1 or 2 values, got \(1, 2, 3\)"),
    (lambda: T.CenterCrop((4, 0)), ValueError, r"got \(4, 0\)"),
    (lambda: T.RandomRotation(-10), ValueError, r"non-negative, got -10"),
    (lambda: T.RandomAffine(0, translate=(0.5, 2)), ValueError, r"translate .* got \(0.5, 2\)"),
    (lambda: T.RandomAffine(0, shear=(1, 2, 3)), ValueError, r"length 2 or 4, got \(1, 2, 3\)"),
    (lambda: T.RandomRotation(5, interpolation="cubic"), ValueError, r"got 'cubic'"),
    (lambda: T.RandomRotation(5, interpolation=1.5), TypeError, r"got 1.5"),
    (lambda: T.Pad(1, padding_mode="wrap"), ValueError, r"got 'wrap'"),
    (lambda: T.Pad((1, 2, 3)), ValueError, r"1, 2, or 4 element"),
    (lambda: T.RandomErasing(scale=(0.5, 1.5)), ValueError, r"between 0 and 1"),
    (lambda: T.Lambda(3), TypeError, r"callable, got 'int'"),
])
def test_bad_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_min_above_max_only_warns_as_torchvision():
    with pytest.warns(UserWarning, match=r"scale should be of kind \(min, max\)"):
        T.RandomErasing(scale=(0.5, 0.1))
    with pytest.warns(UserWarning, match=r"ratio should be of kind \(min, max\)"):
        T.RandomResizedCrop(8, ratio=(2.0, 1.0))


def test_images_of_the_wrong_kind_or_shape_are_named():
    check_raises(lambda: T.RandomCrop(10)(noise((8, 6, 3))), ValueError,
                 "crop size (10, 10) is larger than the input image size (8, 6)")
    check_raises(lambda: T.RandomHorizontalFlip(p=1)(noise((2, 5, 6, 7))), ValueError,
                 "H x W or H x W x C", "(2, 5, 6, 7)")
    check_raises(lambda: T.CenterCrop(2)([[1, 2], [3, 4]]), TypeError, "got list")
    check_raises(lambda: T.Resize(2)(ys(np.zeros(5, np.float32))), TypeError, "[..., H, W]",
                 "(5,)")


def test_the_transforms_have_one_home():
    with pytest.raises(ModuleNotFoundError):
        __import__("yingshe.transforms")
