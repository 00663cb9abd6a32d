"""yingshe.vision.utils against torchvision.utils: make_grid's tensors, save_image's files and
draw_bounding_boxes' pixels are compared exactly (both draw with the same Pillow)."""
import io
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import yingshe
from helpers import check_raises
from torchvision_oracle import torchvision
from yingshe.training.images import make_grid as training_grid
from yingshe.vision import utils

rng = np.random.default_rng(0)
tv = torchvision.utils


def _both(array):
    return yingshe.from_numpy(array.copy()), torch.from_numpy(array.copy())


GRID_SHAPES = [(10, 1, 5, 7), (3, 3, 4, 4), (9, 2, 3, 5), (1, 3, 4, 4), (1, 1, 4, 4),
               (3, 6, 5), (1, 6, 5), (6, 5)]
GRID_OPTIONS = [{}, {"nrow": 3, "padding": 1, "pad_value": 0.7}, {"nrow": 20, "padding": 0},
                {"normalize": True}, {"normalize": True, "scale_each": True},
                {"normalize": True, "value_range": (-1.0, 1.0)},
                {"normalize": True, "value_range": (-0.5, 2.0), "scale_each": True}]


@pytest.mark.parametrize("shape", GRID_SHAPES)
@pytest.mark.parametrize("options", GRID_OPTIONS)
def test_make_grid_matches_torchvision(shape, options):
    array = (3 * rng.standard_normal(shape)).astype(np.float32)
    ys, th = _both(array)
    out, expected = utils.make_grid(ys, **options), tv.make_grid(th, **options)
    assert out.shape == tuple(expected.shape) and out.dtype == yingshe.float32
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(ys.numpy(), array)  # normalize works on a copy


def test_make_grid_of_a_list_of_images_and_other_dtypes():
    images = [rng.random((3, 4, 5)).astype(np.float32) for _ in range(5)]
    out = utils.make_grid([yingshe.from_numpy(x) for x in images], nrow=2)
    np.testing.assert_array_equal(out.numpy(),
                                  tv.make_grid([torch.from_numpy(x) for x in images], nrow=2))
    for dtype in (np.uint8, np.float64):
        ys, th = _both((255 * rng.random((4, 1, 3, 3))).astype(dtype))
        out, expected = utils.make_grid(ys, pad_value=9), tv.make_grid(th, pad_value=9)
        assert out.numpy().dtype == expected.numpy().dtype == dtype
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_make_grid_builds_no_graph():
    x = yingshe.randn(4, 3, 2, 2, requires_grad=True)
    assert not utils.make_grid(x, normalize=True).requires_grad


def test_make_grid_errors():
    check_raises(lambda: utils.make_grid(np.zeros((2, 3, 4, 4))), TypeError,
                 "tensor or list of tensors expected")
    check_raises(lambda: utils.make_grid([yingshe.zeros(3, 4, 4), np.zeros((3, 4, 4))]),
                 TypeError, "got a list containing")
    check_raises(lambda: utils.make_grid(yingshe.zeros(2, 3, 4, 4), normalize=True,
                                         value_range=[0, 1]), TypeError, "tuple (min, max)")
    with pytest.raises(TypeError):
        tv.make_grid(torch.zeros(2, 3, 4, 4), normalize=True, value_range=[0, 1])
    # torchvision fails inside (IndexError); yingshe names the shape
    check_raises(lambda: utils.make_grid(yingshe.zeros(5)), ValueError, "(5,)")
    with pytest.raises(IndexError):
        tv.make_grid(torch.zeros(5))


@pytest.mark.parametrize("options", [{}, {"normalize": True, "nrow": 4},
                                     {"normalize": True, "value_range": (0.2, 0.8)}])
def test_save_image_writes_torchvisions_bytes(tmp_path, options):
    array = (1.2 * rng.random((6, 3, 8, 9)) - 0.1).astype(np.float32)
    ys, th = _both(array)
    utils.save_image(ys, tmp_path / "ours.png", **options)
    tv.save_image(th, tmp_path / "theirs.png", **options)
    assert (tmp_path / "ours.png").read_bytes() == (tmp_path / "theirs.png").read_bytes()
    with Image.open(tmp_path / "ours.png") as picture:
        assert picture.mode == "RGB"
        assert picture.size == tuple(tv.make_grid(th, **options).shape[:0:-1])


def test_save_image_file_object_grey_single_image_and_list():
    for tensor in ([rng.random((1, 5, 6)).astype(np.float32)] * 3,
                   rng.random((1, 5, 6)).astype(np.float32),
                   rng.random((5, 6)).astype(np.float32)):
        ours, theirs = io.BytesIO(), io.BytesIO()
        if isinstance(tensor, list):
            utils.save_image([yingshe.from_numpy(t) for t in tensor], ours, format="PNG")
            tv.save_image([torch.from_numpy(t) for t in tensor], theirs, format="PNG")
        else:
            utils.save_image(yingshe.from_numpy(tensor), ours, format="PNG")
            tv.save_image(torch.from_numpy(tensor), theirs, format="PNG")
        assert ours.getvalue() == theirs.getvalue()


def test_training_grids_are_vision_grids():
    """training.images.make_grid is vision's make_grid with normalize, a value range and
    white padding (one channel of the grey RGB grid)."""
    images = (2 * rng.random((10, 1, 6, 6)) - 1).astype(np.float32)
    expected = tv.make_grid(torch.from_numpy(images), nrow=4, normalize=True,
                            value_range=(-1.0, 1.0), pad_value=1.0)[0]
    np.testing.assert_array_equal(training_grid(images, nrow=4), expected.numpy())
    colour = rng.random((3, 3, 6, 6)).astype(np.float32)
    expected = tv.make_grid(torch.from_numpy(colour), normalize=True, value_range=(0.0, 1.0),
                            pad_value=1.0).permute(1, 2, 0)
    np.testing.assert_array_equal(training_grid(colour), expected.numpy())


IMAGE = (255 * rng.random((3, 60, 80))).astype(np.uint8)
BOXES = np.array([[5, 5, 40, 30], [10.7, 20.2, 70.9, 55.5], [0, 0, 79, 59]], np.float32)
ROTATED = np.array([[10, 10, 50, 15, 45, 40, 5, 35], [70, 5, 75, 50, 20, 55, 15, 10],
                    [30.5, 2.2, 60.9, 20.1, 40.4, 58.7, 12.3, 40.8]], np.float32)
DEJAVU = Path(__file__).resolve().parent / "missing.ttf"
try:
    import matplotlib
    DEJAVU = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
except ImportError:
    pass

BOX_OPTIONS = [
    {},
    {"labels": ["a", "bb", "c"], "width": 3},
    {"fill": True, "colors": "red"},
    {"colors": ["red", (0, 255, 0), "#0000ff"], "labels": ["x", "y", "z"], "fill_labels": True},
    {"labels": ["one", "two", "three"], "label_colors": "white", "fill_labels": True,
     "label_background_colors": ["black", "navy", (9, 9, 9)]},
    {"labels": ["cat", "dog", "bird"], "colors": (200, 100, 0), "fill": True, "width": 2},
    pytest.param({"labels": ["cat", "dog", "bird"], "font": str(DEJAVU), "font_size": 14},
                 marks=pytest.mark.skipif(not DEJAVU.is_file(), reason="no TrueType font")),
]


@pytest.mark.parametrize("options", BOX_OPTIONS)
@pytest.mark.parametrize("boxes", [BOXES, ROTATED], ids=["boxes", "rotated"])
def test_draw_bounding_boxes_matches_torchvision(options, boxes):
    ys_image, th_image = _both(IMAGE)
    out = utils.draw_bounding_boxes(ys_image, yingshe.from_numpy(boxes), **options)
    expected = tv.draw_bounding_boxes(th_image, torch.from_numpy(boxes), **options)
    assert out.dtype == yingshe.uint8 and out.shape == (3, 60, 80)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(ys_image.numpy(), IMAGE)  # drawn on a copy


def test_draw_bounding_boxes_on_grey_and_float_images():
    for image in (IMAGE[:1], rng.random((1, 60, 80)).astype(np.float32),
                  rng.random((3, 60, 80)).astype(np.float64)):
        ys_image, th_image = _both(image)
        out = utils.draw_bounding_boxes(ys_image, yingshe.from_numpy(BOXES), labels=["a"] * 3)
        expected = tv.draw_bounding_boxes(th_image, torch.from_numpy(BOXES), labels=["a"] * 3)
        assert out.numpy().dtype == expected.numpy().dtype and out.shape == (3, 60, 80)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_draw_bounding_boxes_warnings_and_errors():
    image = yingshe.from_numpy(IMAGE.copy())
    with pytest.warns(UserWarning, match="No box was drawn"):
        assert utils.draw_bounding_boxes(image, yingshe.zeros(0, 4)) is image
    with pytest.warns(UserWarning, match="'font_size' will be ignored"):
        utils.draw_bounding_boxes(image, yingshe.from_numpy(BOXES), font_size=12)
    boxes = yingshe.from_numpy(BOXES)
    check_raises(lambda: utils.draw_bounding_boxes(IMAGE, boxes), TypeError, "Tensor expected")
    check_raises(lambda: utils.draw_bounding_boxes(image.int(), boxes), ValueError,
                 "uint8 or float", "int32")
    check_raises(lambda: utils.draw_bounding_boxes(image[None], boxes), ValueError,
                 "not batches", "(1, 3, 60, 80)")
    check_raises(lambda: utils.draw_bounding_boxes(image[:2], boxes), ValueError,
                 "grayscale and RGB", "2 channels")
    check_raises(lambda: utils.draw_bounding_boxes(image, boxes[:, [2, 1, 0, 3]]), ValueError,
                 "(xmin, ymin, xmax, ymax)")
    check_raises(lambda: utils.draw_bounding_boxes(image, boxes[:, :3]), ValueError,
                 "(N, 4) or (N, 8)", "(3, 3)")
    check_raises(lambda: utils.draw_bounding_boxes(image, boxes, labels=["a"]), ValueError,
                 "boxes (3) and labels (1)")
    check_raises(lambda: utils.draw_bounding_boxes(image, boxes, colors=["red"]), ValueError,
                 "1 < 3")
    check_raises(lambda: utils.draw_bounding_boxes(image, boxes, colors=(1, 2)), ValueError,
                 "RGB triplet")
    check_raises(lambda: utils.draw_bounding_boxes(image, boxes, colors=7), ValueError,
                 "tuple or a string")
    th_image, th_boxes = torch.from_numpy(IMAGE), torch.from_numpy(BOXES)
    for call in (lambda: tv.draw_bounding_boxes(th_image.int(), th_boxes),
                 lambda: tv.draw_bounding_boxes(th_image[None], th_boxes),
                 lambda: tv.draw_bounding_boxes(th_image, th_boxes[:, [2, 1, 0, 3]]),
                 lambda: tv.draw_bounding_boxes(th_image, th_boxes, labels=["a"]),
                 lambda: tv.draw_bounding_boxes(th_image, th_boxes, colors=(1, 2))):
        with warnings.catch_warnings(), pytest.raises(ValueError):
            call()
