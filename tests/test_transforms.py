"""yingshe.transforms on known images, with PyTorch's interpolate / grid_sample as references."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import yingshe
from yingshe import transforms as T


def ramp(shape, dtype=np.uint8):
    """A distinct value at every position (modulo 256 for uint8)."""
    return (np.arange(np.prod(shape)) % 256).reshape(shape).astype(dtype)


def torch_warp(chw, inverse, mode="bilinear"):
    """Reference warp with torch: ``inverse`` maps centred output pixel coordinates (x right,
    y down) to centred input coordinates; outside samples are zero."""
    _, h, w = chw.shape
    theta = np.array([[inverse[0][0], inverse[0][1] * h / w],
                      [inverse[1][0] * w / h, inverse[1][1]]])
    theta = torch.tensor(np.hstack([theta, np.zeros((2, 1))])[None], dtype=torch.float64)
    grid = F.affine_grid(theta, (1, *chw.shape), align_corners=False)
    out = F.grid_sample(torch.from_numpy(chw[None].astype(np.float64)), grid, mode=mode,
                        padding_mode="zeros", align_corners=False)
    return out[0].numpy()


# ---------------------------------------------------------------- ToTensor and Normalize

def test_to_tensor_scales_uint8_and_moves_channels_first():
    hwc = ramp((4, 5, 3))
    out = T.ToTensor()(hwc)
    assert isinstance(out, yingshe.Tensor)
    assert out.shape == (3, 4, 5) and out.dtype == yingshe.float32
    np.testing.assert_allclose(out.numpy(), hwc.transpose(2, 0, 1) / 255, rtol=1e-6)
    gray = T.ToTensor()(ramp((4, 5)))
    assert gray.shape == (1, 4, 5)
    assert gray.numpy().max() <= 1.0


def test_to_tensor_keeps_float_values():
    img = np.linspace(-2, 7, 24, dtype=np.float32).reshape(2, 4, 3)
    out = T.ToTensor()(img)
    assert out.dtype == yingshe.float32
    np.testing.assert_array_equal(out.numpy(), img.transpose(2, 0, 1))


def test_normalize_matches_hand_computation():
    img = np.random.rand(3, 4, 5).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    expected = np.stack([(img[c] - mean[c]) / std[c] for c in range(3)])
    out = T.Normalize(mean, std)(yingshe.from_numpy(img.copy()))
    assert isinstance(out, yingshe.Tensor)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    out_np = T.Normalize(mean, std)(img)
    assert isinstance(out_np, np.ndarray) and out_np.dtype == np.float32
    np.testing.assert_allclose(out_np, expected, rtol=1e-6)


def test_normalize_inplace_changes_the_input():
    img = np.random.rand(3, 2, 2).astype(np.float32)
    expected = (img - 0.5) / 0.5
    out = T.Normalize([0.5] * 3, [0.5] * 3, inplace=True)(img)
    assert out is img
    np.testing.assert_allclose(img, expected, rtol=1e-6)


def test_normalize_channel_mismatch_names_the_counts():
    with pytest.raises(ValueError, match=r"mean has 2 values but the image has 3 channels"):
        T.Normalize((0.5, 0.5), (1.0, 1.0))(np.zeros((3, 4, 4), np.float32))


# ---------------------------------------------------------------- crops and flips

def test_center_crop_shape_and_values():
    img = ramp((7, 9))
    out = T.CenterCrop(3)(img)
    np.testing.assert_array_equal(out, img[2:5, 3:6])
    assert T.CenterCrop((2, 4))(ramp((3, 6, 8))).shape == (3, 2, 4)
    assert T.CenterCrop((2, 4))(ramp((6, 8, 3))).shape == (2, 4, 3)
    assert T.CenterCrop(10)(img).shape == (10, 10)  # smaller images are zero-padded first


def test_random_crop_with_padding_is_a_window_of_the_padded_image():
    img = ramp((3, 8, 8)) + 1  # no zeros, so padding shows
    padded = np.pad(img, ((0, 0), (2, 2), (2, 2)))
    crop = T.RandomCrop(8, padding=2, generator=np.random.default_rng(3))
    for _ in range(5):
        out = crop(img)
        assert out.shape == (3, 8, 8) and out.dtype == np.uint8
        windows = [(i, j) for i in range(5) for j in range(5)
                   if np.array_equal(out, padded[:, i:i + 8, j:j + 8])]
        assert len(windows) == 1


def test_random_crop_pad_if_needed_and_layouts():
    out = T.RandomCrop((6, 10), pad_if_needed=True)(ramp((4, 4)))
    assert out.shape == (6, 10)
    tensor = yingshe.from_numpy(ramp((1, 5, 5), np.float32))
    out = T.RandomCrop(3)(tensor)
    assert isinstance(out, yingshe.Tensor) and out.shape == (1, 3, 3)


def test_horizontal_and_vertical_flip():
    img = ramp((6, 5, 3))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1)(img), img[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1)(img), img[::-1])
    chw = yingshe.from_numpy(ramp((3, 4, 5), np.float32))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1)(chw).numpy(),
                                  chw.numpy()[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0)(img), img)


# ---------------------------------------------------------------- rotation and affine

@pytest.mark.parametrize("layout", ["hw", "hwc", "chw"])
def test_rotation_by_90_is_counter_clockwise_rot90(layout):
    img = ramp((7, 7))
    rotate = T.RandomRotation(degrees=(90, 90), interpolation="nearest")
    if layout == "hw":
        np.testing.assert_array_equal(rotate(img), np.rot90(img))
    elif layout == "hwc":
        rgb = np.stack([img, img + 1, img + 2], axis=-1)
        np.testing.assert_array_equal(rotate(rgb), np.rot90(rgb))
    else:
        chw = yingshe.from_numpy(img[None].astype(np.float32))
        np.testing.assert_array_equal(rotate(chw).numpy()[0], np.rot90(img))


def test_bilinear_rotation_matches_torch_grid_sample():
    img = np.random.rand(1, 9, 12)
    angle = math.radians(30)
    out = T.RandomRotation((30, 30))(img)
    # Counter-clockwise on screen (y down): input = [[cos, -sin], [sin, cos]] @ output.
    inverse = [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    np.testing.assert_allclose(out, torch_warp(img, inverse), atol=1e-10)


def test_affine_rotation_and_scale_match_torch_grid_sample():
    img = np.random.rand(3, 10, 8)
    angle, scale = math.radians(20), 1.25
    out = T.RandomAffine(degrees=(20, 20), scale=(scale, scale))(img)
    # torchvision's RandomAffine turns a positive angle clockwise on screen.
    inverse = np.array([[math.cos(angle), math.sin(angle)],
                        [-math.sin(angle), math.cos(angle)]]) / scale
    np.testing.assert_allclose(out, torch_warp(img, inverse), atol=1e-10)


def test_affine_translate_shifts_the_image():
    img = ramp((9, 11)) + 1
    affine = T.RandomAffine(degrees=0, translate=(0.3, 0.3), generator=np.random.default_rng(1))
    angle, (tx, ty), _, _ = T.RandomAffine(
        degrees=0, translate=(0.3, 0.3), generator=np.random.default_rng(1)).get_params(9, 11)
    assert angle == 0 and (tx, ty) != (0, 0)
    out = affine(img)
    expected = np.zeros_like(img)
    expected[max(ty, 0):9 + min(ty, 0), max(tx, 0):11 + min(tx, 0)] = \
        img[max(-ty, 0):9 - max(ty, 0), max(-tx, 0):11 - max(tx, 0)]
    np.testing.assert_array_equal(out, expected)


def test_affine_fill_and_uint8_dtype():
    img = np.full((9, 9, 3), 200, np.uint8)
    out = T.RandomAffine(degrees=(45, 45), fill=(10, 20, 30))(img)
    assert out.dtype == np.uint8 and out.shape == img.shape
    np.testing.assert_array_equal(out[0, 0], [10, 20, 30])  # the corner comes from outside
    np.testing.assert_array_equal(out[4, 4], [200, 200, 200])


# ---------------------------------------------------------------- resize

@pytest.mark.parametrize("size", [(5, 7), (13, 17), (8, 3)])
def test_resize_matches_torch_bilinear(size):
    img = np.random.rand(3, 8, 10).astype(np.float32)
    out = T.Resize(size)(img)
    expected = F.interpolate(torch.from_numpy(img)[None], size=size, mode="bilinear",
                             align_corners=False)[0].numpy()
    assert out.shape == (3, *size) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_resize_int_keeps_aspect_ratio_and_uint8():
    img = ramp((20, 30, 3))
    out = T.Resize(10)(img)
    assert out.shape == (10, 15, 3) and out.dtype == np.uint8
    expected = F.interpolate(torch.from_numpy(img.transpose(2, 0, 1).astype(np.float64))[None],
                             size=(10, 15), mode="bilinear", align_corners=False)[0]
    np.testing.assert_array_equal(out, expected.round().numpy().transpose(1, 2, 0))
    assert T.Resize(6)(yingshe.from_numpy(ramp((1, 9, 6), np.float32))).shape == (1, 9, 6)


# ---------------------------------------------------------------- erasing

def test_random_erasing_sets_one_rectangle_to_value():
    img = np.ones((3, 16, 16), np.float32)
    out = T.RandomErasing(p=1, value=0)(img)
    erased = np.all(out == 0, axis=0)
    rows, cols = np.nonzero(erased)
    assert rows.size > 0
    box = erased[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert box.all() and erased.sum() == box.size  # one filled rectangle
    assert np.all(out[:, ~erased] == 1)
    np.testing.assert_array_equal(img, 1)  # not in place by default


def test_random_erasing_per_channel_value_on_tensor():
    img = yingshe.from_numpy(np.zeros((3, 10, 10), np.float32))
    out = T.RandomErasing(p=1, value=(1, 2, 3))(img).numpy()
    for c, v in enumerate((1, 2, 3)):
        assert set(np.unique(out[c])) == {0, v}


# ---------------------------------------------------------------- composition and randomness

def test_compose_pipeline_and_repr():
    pipeline = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(),
                          T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    out = pipeline(ramp((28, 28)))
    assert isinstance(out, yingshe.Tensor) and out.shape == (1, 28, 28)
    text = repr(pipeline)
    assert "RandomCrop(size=(28, 28), padding=2)" in text
    assert "RandomHorizontalFlip(p=0.5)" in text
    assert "Normalize(mean=[0.1307], std=[0.3081])" in text
    assert repr(T.Lambda(np.fliplr)) == "Lambda(fn=fliplr)"


def make_pipeline(generator=None):
    return T.Compose([T.RandomCrop(12, padding=2, generator=generator),
                      T.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5,
                                     generator=generator),
                      T.RandomHorizontalFlip(generator=generator), T.ToTensor(),
                      T.RandomErasing(generator=generator)])


def test_same_seed_gives_same_output():
    img = ramp((12, 12, 3))
    first = make_pipeline(np.random.default_rng(7))(img).numpy()
    second = make_pipeline(np.random.default_rng(7))(img).numpy()
    np.testing.assert_array_equal(first, second)
    yingshe.manual_seed(5)
    third = make_pipeline()(img).numpy()
    yingshe.manual_seed(5)
    np.testing.assert_array_equal(make_pipeline()(img).numpy(), third)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("make, message", [
    (lambda: T.RandomHorizontalFlip(p=1.5), r"p must be in \[0, 1\], got 1.5"),
    (lambda: T.Resize(-3), r"size must be a positive int .* got -3"),
    (lambda: T.CenterCrop((4, 0)), r"got \(4, 0\)"),
    (lambda: T.RandomRotation(-10), r"non-negative, got -10"),
    (lambda: T.RandomAffine(0, translate=(0.5, 2)), r"translate .* got \(0.5, 2.0\)"),
    (lambda: T.RandomErasing(scale=(0.5, 0.1)), r"min <= max, got \(0.5, 0.1\)"),
    (lambda: T.RandomRotation(5, interpolation="cubic"), r"got 'cubic'"),
])
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_crop_larger_than_image_names_sizes_and_shape():
    with pytest.raises(ValueError, match=r"crop size \(10, 10\) .* image size \(8, 6\) "
                                         r"\(image shape \(3, 8, 6\)"):
        T.RandomCrop(10)(ramp((8, 6, 3)))


def test_unreadable_layout_raises():
    with pytest.raises(ValueError, match=r"shape \(5, 6, 7\)"):
        T.RandomHorizontalFlip(p=1)(np.zeros((5, 6, 7)))


def test_random_affine_apply_batch_equals_one_call_per_image():
    images = np.random.default_rng(0).random((4, 9, 11)).astype(np.float32)
    affine = T.RandomAffine(15, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=5,
                            generator=np.random.default_rng(7))
    batch = affine.apply_batch(images)
    affine.generator = np.random.default_rng(7)
    single = np.stack([affine(image) for image in images])
    assert batch.dtype == np.float32
    np.testing.assert_allclose(batch, single, atol=1e-5)
    with pytest.raises(ValueError, match=r"\(9, 11\)"):
        affine.apply_batch(images[0])
