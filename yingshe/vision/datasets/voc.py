"""Object detection sets in the PASCAL VOC layout (Everingham et al. 2010, "The PASCAL Visual
Object Classes (VOC) Challenge"): one JPEG and one XML annotation per image, boxes as
``xmin, ymin, xmax, ymax`` 1-based pixel indices with both ends inside the box.

Items are ``(PIL RGB image, target)`` with the target torchvision's detection models take:

    {"boxes": float32 Tensor [N, 4] (x1, y1, x2, y2) in pixels, "labels": int64 Tensor [N],
     "image_id": int}

The VOC indices become continuous coordinates ``(xmin - 1, ymin - 1, xmax, ymax)``, so a box
covers exactly its pixels and the image is ``[0, W] x [0, H]``.  ``labels`` index ``classes``,
whose entry 0 is ``"__background__"`` (torchvision's convention: detection models reserve 0
for the background).  Annotation faults are handled at load time, never during training: a box
crossing the image border is clipped, a box without area (before or after clipping) is dropped,
an image left without boxes is skipped (``keep_empty=False``), each with a count in
``self.cleaning`` that is also logged; an unknown class name raises an error naming the file and
the box.

``RaccoonDetection`` (datitran/raccoon_dataset, 200 images) and ``KangarooDetection``
(experiencor/kangaroo, 164 images) have no official split: ``split="train"`` / ``"test"`` take
a held-out ``test_fraction`` of the sorted file names, shuffled by ``split_seed``.
"""
import logging
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
from PIL import Image

from ..._tensor import Tensor
from ...datasets.utils import DatasetIntegrityError, default_root
from ...ops.creation import from_numpy
from .vision import VisionDataset

__all__ = ["parse_voc_annotation", "VOCDetectionFolder", "RaccoonDetection",
           "KangarooDetection", "collate_detection", "detection_target", "check_detection_target"]

logger = logging.getLogger(__name__)


def parse_voc_annotation(path):
    """(image file name, [(class name, (xmin, ymin, xmax, ymax)), ...]) of a PASCAL VOC XML
    annotation; coordinates as written (VOC's are 1-based pixel indices, both ends inside).
    A malformed file raises ``DatasetIntegrityError`` naming it.

    Examples:
        >>> import os, tempfile
        >>> from yingshe.vision.datasets import parse_voc_annotation
        >>> xml = ("<annotation><filename>cat.jpg</filename><object><name>cat</name><bndbox>"
        ...        "<xmin>2</xmin><ymin>1</ymin><xmax>6</xmax><ymax>5</ymax></bndbox></object>"
        ...        "</annotation>")
        >>> with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        ...     _ = f.write(xml)
        >>> parse_voc_annotation(f.name)
        ('cat.jpg', [('cat', (2, 1, 6, 5))])
        >>> os.remove(f.name)
    """
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise DatasetIntegrityError(f"{path}: not a VOC annotation ({error})") from None
    objects = []
    for item in root.iter("object"):
        box = item.find("bndbox")
        try:
            coords = tuple(int(float(box.find(key).text))
                           for key in ("xmin", "ymin", "xmax", "ymax"))
            objects.append((item.find("name").text.strip(), coords))
        except (AttributeError, TypeError, ValueError):
            raise DatasetIntegrityError(f"{path}: an object without a name or a complete "
                                        f"numeric bndbox") from None
    filename = root.findtext("filename")
    if not filename:
        raise DatasetIntegrityError(f"{path}: no <filename>")
    return filename, objects


def detection_target(boxes, labels, index):
    """The target dict of torchvision's detection models from NumPy boxes [N, 4] and labels."""
    return {"boxes": from_numpy(np.array(boxes, np.float32).reshape(-1, 4)),
            "labels": from_numpy(np.array(labels, np.int64).reshape(-1)), "image_id": index}


def check_detection_target(target, num_classes, image_size=None, where="target"):
    """Raise a ``ValueError`` naming ``where`` and the offending box unless ``target`` is a valid
    detection target: ``boxes`` [N, 4] finite with x1 < x2 and y1 < y2 (inside
    ``image_size = (height, width)`` when given) and int ``labels`` [N] in 1..num_classes - 1
    (0 is the background).  For data made outside the datasets above, before training.

    Shape:
        target["boxes"] ``(N, 4)`` (xyxy pixels), target["labels"] ``(N,)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.datasets import check_detection_target
        >>> target = {"boxes": yingshe.tensor([[0., 0., 4., 4.]]), "labels": yingshe.tensor([1])}
        >>> check_detection_target(target, num_classes=2)  # valid: returns None
        >>> check_detection_target(target, num_classes=2, image_size=(3, 3), where="item 7")
        Traceback (most recent call last):
            ...
        ValueError: item 7: box 0 [0.0, 0.0, 4.0, 4.0] lies outside the 3 x 3 image
    """
    if not isinstance(target, dict) or "boxes" not in target or "labels" not in target:
        raise ValueError(f"{where}: a detection target is a dict with 'boxes' and 'labels'")
    boxes, labels = (target[k].detach().numpy() if isinstance(target[k], Tensor)
                     else np.asarray(target[k]) for k in ("boxes", "labels"))
    if boxes.ndim != 2 or boxes.shape[1] != 4 or labels.shape != (boxes.shape[0],):
        raise ValueError(f"{where}: boxes must be [N, 4] and labels [N], got {boxes.shape} and "
                         f"{labels.shape}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{where}: labels must be integers, got {labels.dtype}")
    height, width = image_size if image_size is not None else (np.inf, np.inf)
    for index, (box, label) in enumerate(zip(boxes, labels)):
        x1, y1, x2, y2 = box
        if not 1 <= label < num_classes:
            raise ValueError(f"{where}: box {index} {box.tolist()} has label {int(label)}, "
                             f"outside 1..{num_classes - 1} (0 is the background)")
        if not (np.isfinite(box).all() and x1 < x2 and y1 < y2):
            raise ValueError(f"{where}: box {index} {box.tolist()} is not finite with "
                             f"x1 < x2 and y1 < y2")
        if x1 < 0 or y1 < 0:
            raise ValueError(f"{where}: box {index} {box.tolist()} has a negative coordinate "
                             f"(boxes are pixel coordinates from the image's top-left corner)")
        if x2 > width or y2 > height:
            raise ValueError(f"{where}: box {index} {box.tolist()} lies outside the "
                             f"{width} x {height} image")


def collate_detection(batch):
    """A batch of ``(image, target)`` items as ``(images, targets)`` tuples: detection images
    differ in size and box count, so nothing is stacked (torchvision's detection references
    use the same ``tuple(zip(*batch))``); pass it as a ``DataLoader``'s ``collate_fn``.

    Shape:
        B items ``(image (C, H_i, W_i), target)``; output a tuple of B images and a tuple of B
        targets.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.datasets import collate_detection
        >>> batch = [(yingshe.zeros(3, 4, 4), {"boxes": yingshe.zeros(0, 4)}),
        ...          (yingshe.zeros(3, 6, 8), {"boxes": yingshe.zeros(2, 4)})]
        >>> images, targets = collate_detection(batch)
        >>> [image.shape for image in images], [t["boxes"].shape[0] for t in targets]
        ([yingshe.Size([3, 4, 4]), yingshe.Size([3, 6, 8])], [0, 2])
    """
    return tuple(zip(*batch))


class VOCDetectionFolder(VisionDataset):
    """A VOC-layout detection set: ``folder/<annotations>/<name>.xml`` describing
    ``folder/<images>/<filename>``, for the given ``names``; ``classes`` lists the class names
    after ``"__background__"``.  ``transforms`` takes and returns ``(image, target)`` (see
    ``yingshe.vision.transforms.detection``); ``transform`` / ``target_transform`` act on one of
    them.  ``records`` holds every kept image as (path, boxes float32 [N, 4], labels int64 [N]);
    ``cleaning`` counts the clipped and dropped boxes and the skipped images.

    A VOC box ``(xmin, ymin, xmax, ymax)`` of 1-based pixel indices becomes the continuous
    ``(xmin - 1, ymin - 1, xmax, ymax)``, clipped to the image.

    Each item: ``(image, target)``, a Pillow RGB image and ``{"boxes": float32 (N, 4) xyxy,
    "labels": int64 (N,) indexing classes, "image_id": int}``.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from PIL import Image
        >>> from yingshe.vision.datasets import parse_voc_annotation, VOCDetectionFolder
        >>> def obj(name, x0, y0, x1, y1):
        ...     return (f"<object><name>{name}</name><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>"
        ...             f"<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>")
        >>> xml = ("<annotation><filename>a.jpg</filename>" + obj("cat", 2, 1, 6, 5)
        ...        + obj("dog", 1, 3, 12, 6) + "</annotation>")
        >>> folder = Path(tempfile.mkdtemp())
        >>> (folder / "Annotations").mkdir(); (folder / "JPEGImages").mkdir()
        >>> _ = (folder / "Annotations" / "a.xml").write_text(xml)
        >>> Image.new("RGB", (8, 6)).save(folder / "JPEGImages" / "a.jpg")  # 8 x 6 pixels
        >>> data = VOCDetectionFolder(folder, ["a"], classes=["cat", "dog"])
        >>> image, target = data[0]
        >>> target["boxes"]  # the dog's box, 12 pixels wide, is clipped to the image
        tensor([[1., 0., 6., 5.],
                [0., 2., 8., 6.]])
        >>> target["labels"], data.cleaning["clipped_boxes"]
        (tensor([1, 2]), 1)
        >>> import shutil; shutil.rmtree(folder)
    """

    def __init__(self, folder, names, classes, images="JPEGImages", annotations="Annotations",
                 transforms=None, transform=None, target_transform=None, keep_empty=False,
                 root=None):
        super().__init__(root, transforms=transforms, transform=transform,
                         target_transform=target_transform)
        self.folder, self.keep_empty = Path(folder), keep_empty
        self.classes = ("__background__",) + tuple(classes)
        self.cleaning = {"clipped_boxes": 0, "dropped_boxes": 0, "skipped_images": 0}
        self.records = []
        dropped = []
        for name in names:
            xml = self.folder / annotations / f"{name}.xml"
            if not xml.exists():
                raise DatasetIntegrityError(f"{xml}: annotation not found")
            filename, objects = parse_voc_annotation(xml)
            image = self.folder / images / filename
            if not image.exists():
                raise DatasetIntegrityError(f"{xml}: its image {image} does not exist")
            with Image.open(image) as opened:
                size = opened.size
            boxes, labels, lost = self._boxes(xml, objects, size)
            dropped += lost
            if len(boxes) or keep_empty:
                self.records.append((image, boxes, labels))
            else:
                self.cleaning["skipped_images"] += 1
        if any(self.cleaning.values()):
            logger.info("%s: clipped %d boxes to their image, dropped %d boxes without area%s, "
                        "skipped %d images without boxes", type(self).__name__,
                        self.cleaning["clipped_boxes"], self.cleaning["dropped_boxes"],
                        f" ({'; '.join(dropped)})" if dropped else "",
                        self.cleaning["skipped_images"])

    def _boxes(self, xml, objects, size):
        """(boxes, labels, descriptions of the dropped boxes) of one annotation."""
        width, height = size
        boxes, labels, dropped = [], [], []
        for index, (label, (x0, y0, x1, y1)) in enumerate(objects):
            if label not in self.classes[1:]:
                raise DatasetIntegrityError(f"{xml}: object {index} {label!r} at box "
                                            f"{[x0, y0, x1, y1]} is not one of the classes "
                                            f"{self.classes[1:]}")
            box = [x0 - 1, y0 - 1, x1, y1]
            clipped = [min(max(box[0], 0), width), min(max(box[1], 0), height),
                       min(max(box[2], 0), width), min(max(box[3], 0), height)]
            if x1 <= x0 or y1 <= y0 or clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
                self.cleaning["dropped_boxes"] += 1
                dropped.append(f"{xml.name} object {index} {[x0, y0, x1, y1]}")
                continue
            self.cleaning["clipped_boxes"] += clipped != box
            boxes.append(clipped)
            labels.append(self.classes.index(label))
        return (np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(labels, np.int64),
                dropped)

    def __len__(self):
        return len(self.records)

    def target(self, index):
        """The target of item ``index`` without reading its image."""
        _, boxes, labels = self.records[index]
        return detection_target(boxes, labels, index)

    def __getitem__(self, index):
        path = self.records[index][0]
        try:
            with Image.open(path) as opened:
                image = opened.convert("RGB")
        except OSError as error:  # e.g. a truncated JPEG, which Pillow finds only on decoding
            raise DatasetIntegrityError(f"{path}: the image cannot be decoded ({error})") from error
        target = self.target(index)
        return self.transforms(image, target) if self.transforms is not None else (image, target)

    def extra_repr(self):
        boxes = sum(len(r[1]) for r in self.records)
        return f"Classes: {', '.join(self.classes[1:])}\nBoxes: {boxes}"


def held_out_split(names, split, test_fraction, split_seed, what):
    """``names`` (sorted) of ``split``: "test" is a ``test_fraction`` share drawn with
    ``split_seed``, "train" the rest, "all" every name."""
    names = sorted(names)
    if split == "all":
        return names
    if split not in ("train", "test"):
        raise ValueError(f"{what}: split must be 'train', 'test' or 'all', got {split!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"{what}: test_fraction must be in (0, 1), got {test_fraction}")
    order = np.random.default_rng(split_seed).permutation(len(names))
    n_test = round(len(names) * test_fraction)
    chosen = order[:n_test] if split == "test" else order[n_test:]
    return [names[i] for i in sorted(chosen)]


class _HeldOutVOCSet(VOCDetectionFolder):
    """A VOC-layout set under ``root/<folder>`` without an official split."""
    folder = ""
    images, annotations, class_names, expected_images = "images", "annotations", (), 0

    def __init__(self, root=None, split="train", transforms=None, transform=None,
                 target_transform=None, test_fraction=0.2, split_seed=0, keep_empty=False,
                 download=False):
        what = type(self).__name__
        if download:
            raise ValueError(f"{what}: no download: place the set under root/{self.folder} "
                             f"(see the data README)")
        base = Path(root) if root is not None else default_root()
        folder = base / self.folder
        found = [p.stem for p in (folder / self.annotations).glob("*.xml")]
        if len(found) != self.expected_images:
            raise DatasetIntegrityError(f"{what}: {folder / self.annotations} holds {len(found)} "
                                        f"annotations, expected {self.expected_images}")
        self.split, self.test_fraction, self.split_seed = split, test_fraction, split_seed
        names = held_out_split(found, split, test_fraction, split_seed, what)
        super().__init__(folder, names, self.class_names, self.images, self.annotations,
                         transforms, transform, target_transform, keep_empty, root=base)

    def extra_repr(self):
        return (f"Split: {self.split} (test fraction {self.test_fraction}, seed "
                f"{self.split_seed})\n" + super().extra_repr())


class RaccoonDetection(_HeldOutVOCSet):
    """Dat Tran's raccoon set: 200 images, 217 boxes, one class (label 1), in ``root/raccoon``;
    ``split="train"`` / ``"test"`` hold out a ``test_fraction`` (0.2) drawn with
    ``split_seed``, ``"all"`` takes every image.

    Each item: ``(image, target)`` as ``VOCDetectionFolder``'s.

    Examples:
        >>> from yingshe.vision import datasets
        >>> train = datasets.RaccoonDetection(split="train")  # from $YINGSHE_DATA  # doctest: +SKIP
        >>> image, target = train[0]  # doctest: +SKIP
        >>> len(train), image.size, target["boxes"]  # doctest: +SKIP
        (160, (450, 495), tensor([[129.,   1., 446., 488.]]))
    """
    folder, class_names, expected_images = "raccoon", ("raccoon",), 200


class KangarooDetection(_HeldOutVOCSet):
    """Huynh Ngoc Anh's kangaroo set: 164 images, 266 boxes, one class (label 1), in
    ``root/kangaroo``; splits as ``RaccoonDetection``'s.

    Each item: ``(image, target)`` as ``VOCDetectionFolder``'s.

    Examples:
        >>> from yingshe.vision import datasets
        >>> from yingshe.vision.transforms import detection as T
        >>> test = datasets.KangarooDetection(split="test",  # doctest: +SKIP
        ...                                   transforms=T.Compose([T.ToTensor(), T.Resize(256)]))
        >>> image, target = test[0]  # doctest: +SKIP
        >>> len(test), image.shape, target["labels"]  # doctest: +SKIP
        (33, yingshe.Size([3, 256, 384]), tensor([1, 1]))
    """
    folder, annotations, class_names, expected_images = "kangaroo", "annots", ("kangaroo",), 164
