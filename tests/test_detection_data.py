"""Detection data: the VOC-layout sets (BCCD official lists, raccoon and kangaroo seeded
held-out splits, annotation faults), the seeded multi-digit MNIST canvases, the box-aware
transforms (against torchvision.transforms.v2 on the boxes) and the detection collate."""
import importlib
import logging

import numpy as np
import pytest
import torch
from PIL import Image

import yingshe
from helpers import check_raises
from torchvision_oracle import torchvision  # noqa: F401  (makes torchvision importable)
from yingshe.datasets.utils import DatasetIntegrityError
from yingshe.utils.data import DataLoader
from yingshe.vision.datasets import (
    BCCDDetection,
    KangarooDetection,
    MultiDigitMNIST,
    RaccoonDetection,
    VOCDetectionFolder,
    check_detection_target,
    collate_detection,
)
from yingshe.vision.ops import box_iou
from yingshe.vision.transforms import detection as T

tv_tensors = importlib.import_module("torchvision.tv_tensors")
TF = importlib.import_module("torchvision.transforms.v2.functional")


@pytest.fixture
def digits(data_root):
    return MultiDigitMNIST(data_root, train=False, num_images=150, seed=3)


def _all_boxes(dataset):
    return sum(len(dataset.target(i)["boxes"]) for i in range(len(dataset)))


def test_bccd_official_splits_drop_the_zero_area_boxes(data_root, caplog):
    with caplog.at_level(logging.INFO, logger="yingshe.vision.datasets.voc"):
        train = BCCDDetection(data_root, split="train")
    assert "BloodImage_00343.xml object 3 [181, 329, 181, 329]" in caplog.text
    val, test = BCCDDetection(data_root, split="val"), BCCDDetection(data_root, split="test")
    assert (len(train), len(val), len(test)) == (205, 87, 72)
    assert train.cleaning == {"clipped_boxes": 0, "dropped_boxes": 1, "skipped_images": 0}
    assert val.cleaning["dropped_boxes"] == 1 and test.cleaning["dropped_boxes"] == 0
    # the data README's counts: 4,888 boxes of which 2 have zero area
    assert _all_boxes(train) + _all_boxes(val) + _all_boxes(test) == 4888 - 2
    labels = np.concatenate([test.target(i)["labels"].numpy() for i in range(len(test))])
    assert np.bincount(labels).tolist() == [0, 805, 71, 69]
    image, target = test[0]
    assert image.mode == "RGB" and image.size == (640, 480)
    boxes = target["boxes"].numpy()
    assert target["boxes"].dtype == yingshe.float32 and target["labels"].dtype == yingshe.int64
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 640).all() and (boxes[:, 3] <= 480).all()
    assert (boxes[:, 2:] > boxes[:, :2]).all()
    assert test.classes == ("__background__", "RBC", "WBC", "Platelets")
    check_raises(lambda: BCCDDetection(data_root, split="extra"), ValueError, "trainval")


@pytest.mark.parametrize("cls,total,test_size", [(RaccoonDetection, 200, 40),
                                                 (KangarooDetection, 164, 33)])
def test_held_out_splits_are_fixed_by_the_seed(data_root, cls, total, test_size):
    train, test = cls(data_root, split="train"), cls(data_root, split="test")
    assert (len(train), len(test)) == (total - test_size, test_size)
    train_files = {r[0].name for r in train.records}
    test_files = {r[0].name for r in test.records}
    assert not train_files & test_files and len(train_files | test_files) == total
    assert {r[0].name for r in cls(data_root, split="test").records} == test_files
    assert {r[0].name for r in cls(data_root, split="test", split_seed=1).records} != test_files
    assert len(cls(data_root, split="all")) == total
    image, target = test[0]
    assert target["labels"].tolist() == [1] * len(target["labels"])
    assert (target["boxes"].numpy()[:, 2] <= image.size[0]).all()
    check_raises(lambda: cls(data_root, split="val"), ValueError, "split", "'val'")


def _voc_folder(tmp_path, objects_per_image):
    """A VOC folder with one 40 x 30 image per entry of ``objects_per_image``."""
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "JPEGImages").mkdir()
    for name, objects in objects_per_image.items():
        Image.new("RGB", (40, 30)).save(tmp_path / "JPEGImages" / f"{name}.jpg")
        body = "".join(f"<object><name>{label}</name><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>"
                       f"<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>"
                       for label, (x0, y0, x1, y1) in objects)
        (tmp_path / "Annotations" / f"{name}.xml").write_text(
            f"<annotation><filename>{name}.jpg</filename>{body}</annotation>")
    return list(objects_per_image)


def test_annotation_faults_are_counted_or_named(tmp_path, caplog):
    names = _voc_folder(tmp_path, {
        "empty": [],
        "outside": [("cat", (5, 5, 60, 20)), ("dog", (1, 1, 10, 10))],
        "degenerate": [("cat", (7, 7, 7, 12))],
        "negative": [("cat", (50, 3, 55, 9))],  # wholly right of the image: no area after clipping
    })
    with caplog.at_level(logging.INFO, logger="yingshe.vision.datasets.voc"):
        folder = VOCDetectionFolder(tmp_path, names, ("cat", "dog"))
    assert folder.cleaning == {"clipped_boxes": 1, "dropped_boxes": 2, "skipped_images": 3}
    assert "degenerate.xml object 0 [7, 7, 7, 12]" in caplog.text
    assert len(folder) == 1
    _, target = folder[0]
    np.testing.assert_array_equal(target["boxes"].numpy(), [[4, 4, 40, 20], [0, 0, 10, 10]])
    assert target["labels"].tolist() == [1, 2]
    kept = VOCDetectionFolder(tmp_path, names, ("cat", "dog"), keep_empty=True)
    assert len(kept) == 4 and kept[0][1]["boxes"].shape == (0, 4)
    (tmp_path / "bad").mkdir()
    _voc_folder(tmp_path / "bad", {"wrong": [("cat", (1, 1, 5, 5)), ("horse", (2, 3, 9, 9))]})
    check_raises(lambda: VOCDetectionFolder(tmp_path / "bad", ["wrong"], ("cat", "dog")),
                 DatasetIntegrityError, "wrong.xml", "object 1", "'horse'", "[2, 3, 9, 9]")
    check_raises(lambda: VOCDetectionFolder(tmp_path, ["missing"], ("cat",)),
                 DatasetIntegrityError, "missing.xml")


def test_an_image_that_cannot_be_decoded_is_named_and_skipped_by_the_recipe(tmp_path,
                                                                           monkeypatch):
    """kangaroo/images/00090.jpg is a truncated JPEG, which Pillow finds only when decoding:
    the dataset names the file; the detection recipe's loader skips it with that name logged."""
    from yingshe.training import detection_data

    names = _voc_folder(tmp_path, {"whole": [("cat", (1, 1, 9, 9))],
                                   "cut": [("cat", (2, 2, 8, 8))]})
    jpeg = tmp_path / "JPEGImages" / "cut.jpg"
    noise = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    Image.fromarray(noise).save(jpeg, quality=95)
    jpeg.write_bytes(jpeg.read_bytes()[:-500])  # the header stays, the scan data is cut
    folder = VOCDetectionFolder(tmp_path, names, ("cat",))
    check_raises(lambda: folder[1], DatasetIntegrityError, "cut.jpg", "cannot be decoded")
    assert folder[0][1]["labels"].tolist() == [1]
    monkeypatch.setattr(detection_data, "_readers",
                        lambda name, root: {s: (folder, [0, 1]) for s in ("train", "val", "test")})
    messages = []
    splits = detection_data.load_splits("raccoon", log=messages.append)
    assert [len(splits[s]) for s in ("train", "val", "test")] == [1, 1, 1]
    assert len(messages) == 3 and all("skipped 1 unreadable" in m and "cut.jpg" in m
                                      for m in messages)


def test_multidigit_mnist_is_seeded_and_its_boxes_hold_the_ink(data_root, digits):
    again = MultiDigitMNIST(data_root, train=False, num_images=150, seed=3)
    other = MultiDigitMNIST(data_root, train=False, num_images=150, seed=4)
    np.testing.assert_array_equal(again.data, digits.data)
    assert all((a == b).all() for a, b in zip(again.boxes, digits.boxes))
    assert not np.array_equal(other.data, digits.data)
    counts = [len(b) for b in digits.boxes]
    assert min(counts) >= 1 and max(counts) <= 4 and len(set(counts)) > 2
    labels = np.concatenate(digits.labels)
    assert labels.min() >= 1 and labels.max() <= 10 and len(set(labels.tolist())) == 10
    sides = np.concatenate([b[:, 2:] - b[:, :2] for b in digits.boxes])
    heights = sides[:, 1]  # digits are ~20 of 28 pixels high, scaled by 0.6..1.5
    assert sides.min() >= 1 and heights.min() < 14 and heights.max() > 27
    for image, boxes in zip(digits.data, digits.boxes):
        assert boxes.min() >= 0 and boxes.max() <= 64
        covered = np.zeros(image.shape, bool)
        for x0, y0, x1, y1 in boxes.astype(int):
            covered[y0:y1, x0:x1] = True
            ink = image[y0:y1, x0:x1] >= 64  # tight: ink on every edge of the box
            assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any()
        assert not ((image >= 64) & ~covered).any()  # every bright pixel is inside a box
        iou = box_iou(yingshe.from_numpy(boxes), yingshe.from_numpy(boxes)).numpy()
        assert (iou[~np.eye(len(boxes), dtype=bool)] <= 0.1 + 1e-6).all()
    image, target = digits[0]
    assert image.mode == "L" and image.size == (64, 64)
    np.testing.assert_array_equal(target["boxes"].numpy(), digits.boxes[0])
    check_raises(lambda: MultiDigitMNIST(data_root, digits=(0, 2)), ValueError, "digits")
    check_raises(lambda: MultiDigitMNIST(data_root, image_size=32, scale=(1, 2)), ValueError,
                 "scale")


def _tv_boxes(target, canvas):
    return tv_tensors.BoundingBoxes(torch.from_numpy(target["boxes"].numpy().copy()),
                                    format="XYXY", canvas_size=canvas)


def test_flip_resize_and_jitter_match_torchvision_v2(digits):
    image, target = digits[5]
    flipped_image, flipped = T.RandomHorizontalFlip(p=1.0)(image, target)
    np.testing.assert_array_equal(np.asarray(flipped_image), np.asarray(image)[:, ::-1])
    np.testing.assert_allclose(flipped["boxes"].numpy(),
                               TF.horizontal_flip(_tv_boxes(target, (64, 64))).numpy())
    assert flipped["labels"].tolist() == target["labels"].tolist()
    resized_image, resized = T.Resize((96, 80))(image, target)
    assert resized_image.size == (80, 96)
    np.testing.assert_allclose(resized["boxes"].numpy(),
                               TF.resize(_tv_boxes(target, (64, 64)), [96, 80]).numpy(),
                               rtol=1e-6)
    jitter = T.ScaleJitter((128, 128), scale_range=(0.5, 1.5), generator=np.random.default_rng(0))
    jittered_image, jittered = jitter(image, target)
    factor = jittered_image.size[0] / 64
    assert 0.5 * 2 - 0.05 <= factor <= 1.5 * 2
    np.testing.assert_allclose(jittered["boxes"].numpy(), target["boxes"].numpy() * factor,
                               rtol=1e-6)


def test_random_crop_keeps_boxes_on_their_pixels_and_counts_drops(digits):
    crop = T.RandomCrop(40, generator=np.random.default_rng(1))
    dropped_expected = 0
    for index in range(40):
        image, target = digits[index]
        cropped_image, cropped = crop(image, target)
        array = np.asarray(cropped_image)
        assert array.shape == (40, 40)
        boxes = cropped["boxes"].numpy()
        assert len(boxes) == len(cropped["labels"])
        covered = np.zeros(array.shape, bool)
        for x0, y0, x1, y1 in boxes.astype(int):
            covered[y0:y1, x0:x1] = True
        assert not ((array >= 64) & ~covered).any()
        dropped_expected += len(target["boxes"]) - len(boxes)
    assert crop.dropped == dropped_expected > 0
    strict = T.RandomCrop(40, min_visibility=0.5, generator=np.random.default_rng(1))
    for index in range(40):
        strict(*digits[index])
    assert strict.dropped > crop.dropped


def test_random_crop_matches_torchvision_crop_and_sanitize():
    target = {"boxes": yingshe.tensor([[1., 2, 10, 20], [30, 5, 50, 8], [2, 2, 4, 4]]),
              "labels": yingshe.tensor([1, 2, 3]), "iscrowd": yingshe.tensor([0, 1, 0])}
    image = np.zeros((40, 60), np.uint8)
    out_image, out = T.RandomCrop((20, 30), generator=np.random.default_rng(2))(image, target)
    replay = np.random.default_rng(2)  # the same draws: the window's top and left
    top, left = int(replay.integers(0, 21)), int(replay.integers(0, 31))
    expected = TF.crop(_tv_boxes(target, (40, 60)), top, left, 20, 30)
    sides = expected[:, 2:] - expected[:, :2]
    keep = (sides >= 1).all(1).numpy()  # torchvision's SanitizeBoundingBoxes(min_size=1)
    assert not keep.all()
    np.testing.assert_allclose(out["boxes"].numpy(), expected.numpy()[keep])
    assert out["labels"].tolist() == [v for v, k in zip([1, 2, 3], keep) if k]
    assert out["iscrowd"].tolist() == [v for v, k in zip([0, 1, 0], keep) if k]
    np.testing.assert_array_equal(out_image, image[top:top + 20, left:left + 30])


def test_sanitize_compose_to_tensor_and_collate(digits):
    target = {"boxes": yingshe.tensor([[1., 1, 1.5, 9], [0, 0, 5, 5]]),
              "labels": yingshe.tensor([3, 4])}
    sanitize = T.SanitizeBoundingBoxes(min_size=1.0)
    _, clean = sanitize(np.zeros((10, 10)), target)
    assert clean["labels"].tolist() == [4] and sanitize.dropped == 1
    pipeline = T.Compose([T.RandomHorizontalFlip(generator=np.random.default_rng(0)),
                          T.ToTensor()])
    image, _ = pipeline(*digits[0])
    assert image.shape == (1, 64, 64) and image.dtype == yingshe.float32
    digits.transforms = pipeline
    try:
        images, targets = next(iter(DataLoader(digits, batch_size=4,
                                               collate_fn=collate_detection)))
    finally:
        digits.transforms = None
    assert len(images) == len(targets) == 4 and images[0].shape == (1, 64, 64)
    assert [t["image_id"] for t in targets] == [0, 1, 2, 3]
    check_raises(lambda: T.RandomHorizontalFlip(p=1.0)(np.zeros((4, 4)), {"boxes": [[1, 2, 3]]}),
                 ValueError, "[N, 4]", "(1, 3)")
    check_raises(lambda: T.Resize(8)(np.zeros((4, 4)), [1, 2]), TypeError, "dict", "list")


def test_check_detection_target_names_the_bad_box():
    good = {"boxes": yingshe.tensor([[0., 1, 5, 6], [2, 2, 9, 7]]), "labels": yingshe.tensor([1, 3])}
    check_detection_target(good, num_classes=4, image_size=(8, 10), where="item 7")
    check_raises(lambda: check_detection_target(good, 3, where="item 7"), ValueError, "item 7",
                 "box 1", "label 3", "1..2")
    flat = {"boxes": np.array([[0.0, 1, 5, 6], [4, 4, 4, 9]]), "labels": np.array([1, 1])}
    check_raises(lambda: check_detection_target(flat, 2, where="a.xml"), ValueError, "a.xml",
                 "box 1", "x1 < x2")
    check_raises(lambda: check_detection_target(good, 4, image_size=(6, 10)), ValueError,
                 "box 1", "outside the 10 x 6 image")
    shifted = {"boxes": np.array([[-1.5e-5, 1, 5, 6]]), "labels": np.array([1])}
    check_raises(lambda: check_detection_target(shifted, 2, where="b.xml"), ValueError, "b.xml",
                 "box 0", "negative coordinate")
    check_raises(lambda: check_detection_target({"boxes": np.zeros((2, 4))}, 2), ValueError,
                 "'labels'")
