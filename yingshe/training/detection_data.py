"""The detection sets as the detection recipe trains on them: every image read once, resized to
its set's input size with its boxes, checked, and kept in memory as

    {"image": float32 [C, H, W] in [0, 1], "boxes": float32 [K, 4] "xyxy" pixels,
     "labels": int64 [K] in 1..classes, "name": the image's file or index}

Bad annotations are handled here, before training, never deep inside it: a box reaching out of
its image is clipped to it, a box with no area left is dropped, both counted and logged per
set; an image without any box stays (a negative example), one that cannot be decoded is
skipped and named; a label outside the set's classes
is a ValueError naming the file and the box.  Also the pictures of a run: ground truth beside
predictions (``draw_bounding_boxes``)."""
import numpy as np
from PIL import Image

from ..autograd.grad_mode import no_grad
from ..datasets.utils import DatasetIntegrityError
from ..ops.creation import from_numpy
from ..vision import datasets as vision_datasets
from ..vision.transforms.detection import RandomCrop, RandomHorizontalFlip, ScaleJitter
from ..vision.utils import draw_bounding_boxes, make_grid, save_image

__all__ = ["DATASETS", "load_splits", "augmentation", "read_image",
           "draw_predictions", "save_with_boxes"]

# name: input size (H, W), image channels, the ResNet stages SSD and YOLO read (strides 4, 8,
# 16, 32 for layers 1-4), the extra stride-2 stages after them, and the stage Faster R-CNN's
# RPN and RoIAlign read
DATASETS = {
    "multi-mnist": {"size": (64, 64), "channels": 1, "returned_layers": (1, 2, 3),
                    "extra_blocks": 0, "rpn_layer": 2, "flip": False},
    "bccd": {"size": (192, 256), "channels": 3, "returned_layers": (1, 2, 3, 4),
             "extra_blocks": 0, "rpn_layer": 2, "flip": True},
    "raccoon": {"size": (192, 192), "channels": 3, "returned_layers": (2, 3, 4),
                "extra_blocks": 1, "rpn_layer": 3, "flip": True, "zoom": 1.5},
    "kangaroo": {"size": (192, 192), "channels": 3, "returned_layers": (2, 3, 4),
                 "extra_blocks": 1, "rpn_layer": 3, "flip": True, "zoom": 1.5},
}


def _item(dataset, index, mode):
    """(PIL image in ``mode``, target, name) of item ``index`` of a detection reader."""
    image, target = dataset[index]
    records = getattr(dataset, "records", None)
    name = records[index][0].name if records else f"{type(dataset).__name__}[{index}]"
    return image.convert(mode), target, name


def _sample(image, target, name, size):
    """A sample of a PIL image and its target, resized to ``size`` (H, W)."""
    boxes, labels = target["boxes"].numpy(), target["labels"].numpy()
    scale = np.asarray([size[1] / image.width, size[0] / image.height] * 2, np.float32)
    resized = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    array = np.asarray(resized, np.float32) / 255.0
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    # clipped again: the scaled border coordinates may overshoot the side by a rounding error
    boxes = np.minimum(boxes * scale, np.asarray([size[1], size[0]] * 2, np.float32))
    return {"image": np.ascontiguousarray(array), "boxes": boxes, "labels": labels,
            "name": name}


def _statistics(samples):
    """Per-channel mean and standard deviation of the training images."""
    pixels = np.stack([s["image"] for s in samples]).transpose(1, 0, 2, 3).reshape(
        samples[0]["image"].shape[0], -1)
    return pixels.mean(axis=1).tolist(), pixels.std(axis=1).tolist()


def load_splits(name, root=None, seed=0, train_subset=None, log=print, size=None):
    """{"train", "val", "test": lists of samples, "info": {"classes", "channels", "mean",
    "std", "size"}} of the detection set ``name`` (see ``DATASETS`` and ``_readers``), the
    images resized to ``size`` (H, W; default the set's); what the readers cleaned (clipped
    or dropped boxes, images without boxes, images that cannot be decoded and are skipped) is
    logged."""
    if name not in DATASETS:
        raise ValueError(f"unknown detection dataset {name!r}; available: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    size = tuple(size or spec["size"])
    splits, readers = {}, _readers(name, root)
    for split, (dataset, indices) in readers.items():
        mode = "L" if spec["channels"] == 1 else "RGB"
        splits[split], unreadable = [], []
        for i in indices:
            try:
                splits[split].append(_sample(*_item(dataset, i, mode), size))
            except DatasetIntegrityError as error:  # an undecodable image: skipped, named
                unreadable.append(str(error))
        if unreadable:
            log(f"{name} {split}: skipped {len(unreadable)} unreadable image(s): "
                + "; ".join(unreadable))
        cleaning = getattr(dataset, "cleaning", {})
        if any(cleaning.values()):
            log(f"{name} {split}: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                 for k, v in cleaning.items()))
    if train_subset is not None:
        splits["train"] = splits["train"][:train_subset]
    mean, std = _statistics(splits["train"])
    classes = readers["train"][0].classes
    names = classes[1:] if classes[0] == "__background__" else classes
    splits["info"] = {"classes": list(names), "channels": spec["channels"], "mean": mean,
                      "std": std, "size": list(size)}
    return splits


HELD_OUT = {"test_fraction": 0.2, "split_seed": 0}  # raccoon/kangaroo: the fixed test images
VALIDATION = (0.1, 300)  # share of the training images (at most 300) held out for validation


def _readers(name, root):
    """{split: (dataset, indices of its items)} for "train", "val" and "test"."""
    if name == "bccd":
        return {split: (d, range(len(d))) for split, d in
                (("train", vision_datasets.BCCDDetection(root, "train")),
                 ("val", vision_datasets.BCCDDetection(root, "val")),
                 ("test", vision_datasets.BCCDDetection(root, "test")))}
    if name == "multi-mnist":
        train = vision_datasets.MultiDigitMNIST(root, train=True)
        test = vision_datasets.MultiDigitMNIST(root, train=False)
    else:
        reader = {"raccoon": vision_datasets.RaccoonDetection,
                  "kangaroo": vision_datasets.KangarooDetection}[name]
        train, test = reader(root, "train", **HELD_OUT), reader(root, "test", **HELD_OUT)
    order = np.random.default_rng(0).permutation(len(train))
    n_val = max(1, min(round(VALIDATION[0] * len(train)), VALIDATION[1]))
    return {"train": (train, sorted(order[n_val:])), "val": (train, sorted(order[:n_val])),
            "test": (test, range(len(test)))}


def augmentation(name):
    """The box-aware augmentation of the set ``name``, a function (sample, rng) -> sample
    drawing from the NumPy generator ``rng``: a horizontal flip (``transforms.detection``)
    where the objects have no handedness; for the small natural-image sets (``"zoom"``: a
    few hundred photographs) also a random zoom-in, SSD's "sample a patch" in its simplest form
    (Liu et al. 2016, §2.2 Data augmentation): the image enlarged by a factor uniform in
    [1, zoom] (``ScaleJitter``) and cropped back to its size at a random place
    (``RandomCrop``), keeping the boxes with at least 30% of their area in view, and the
    unzoomed image where none would be; None for digits."""
    if not DATASETS[name]["flip"]:
        return None
    zoom = DATASETS[name].get("zoom")

    def augment(sample, rng):
        image = from_numpy(sample["image"])
        target = {"boxes": from_numpy(sample["boxes"]), "labels": from_numpy(sample["labels"])}
        image, target = RandomHorizontalFlip(0.5, generator=rng)(image, target)
        if zoom is not None:
            size = tuple(image.shape[1:])
            zoomed = RandomCrop(size, min_visibility=0.3, generator=rng)(
                *ScaleJitter(size, (1.0, zoom), generator=rng)(image, target))
            if len(zoomed[1]["boxes"]) or not len(target["boxes"]):
                image, target = zoomed
        return {**sample, "image": np.ascontiguousarray(image.numpy()),
                "boxes": target["boxes"].numpy(), "labels": target["labels"].numpy()}
    return augment


def read_image(path, channels):
    """An image file as float32 [C, H, W] in [0, 1] with ``channels`` 1 (grey) or 3 (RGB)."""
    with Image.open(path) as opened:
        array = np.asarray(opened.convert("L" if channels == 1 else "RGB"), np.float32) / 255.0
    return np.ascontiguousarray(array[None] if array.ndim == 2 else array.transpose(2, 0, 1))


def _drawn(image, boxes, names, color, zoom):
    """``image`` [C, H, W] enlarged ``zoom`` times (nearest) with ``boxes`` drawn."""
    big = np.repeat(np.repeat(image, zoom, axis=1), zoom, axis=2)
    canvas = from_numpy(np.ascontiguousarray(big))
    if not len(names):
        return canvas.expand(3, -1, -1) if canvas.shape[0] == 1 else canvas
    return draw_bounding_boxes(canvas, from_numpy(np.asarray(boxes, np.float32) * zoom),
                               labels=names, colors=color, width=2)


def draw_predictions(model, samples, classes, path, score_thresh=0.5):
    """A PNG of ``samples``: per row the ground truth (green) and the predictions scoring at
    least ``score_thresh`` (red, "class score")."""
    zoom = max(1, 192 // max(samples[0]["image"].shape[1:]))
    model.eval()
    panels = []
    with no_grad():
        predictions = model([from_numpy(s["image"]) for s in samples])
    for sample, found in zip(samples, predictions):
        panels.append(_drawn(sample["image"], sample["boxes"],
                             [classes[k - 1] for k in sample["labels"].tolist()], "lime", zoom))
        keep = (found["scores"] >= score_thresh).numpy()
        names = [f"{classes[k - 1]} {s:.2f}" for k, s in
                 zip(found["labels"].numpy()[keep].tolist(), found["scores"].numpy()[keep])]
        panels.append(_drawn(sample["image"], found["boxes"].numpy()[keep], names, "red", zoom))
    save_image(make_grid(panels, nrow=2, padding=4, pad_value=1.0), str(path))


def save_with_boxes(image, boxes, names, out):
    """``image`` [C, H, W] in [0, 1] with ``boxes`` and their ``names`` drawn, as a PNG."""
    save_image(_drawn(image, boxes.numpy(), names, "red", 1), str(out))

