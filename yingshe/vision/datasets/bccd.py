"""BCCD blood-cell images (Shenggan/BCCD_Dataset, MIT licence; images and boxes from
cosmicad/dataset and akshaylamba/all_CELL_data) read in their PASCAL VOC layout
(Everingham et al. 2010, "The PASCAL Visual Object Classes Challenge"):

    root/bccd/BCCD/JPEGImages/BloodImage_NNNNN.jpg
    root/bccd/BCCD/Annotations/BloodImage_NNNNN.xml
    root/bccd/BCCD/ImageSets/Main/{train,val,trainval,test}.txt

``BCCDCells`` turns the detection set into a classification set: every labelled box (red cell,
white cell or platelet) cropped from its image and resized to ``size`` x ``size``, with the
official image lists as splits, so no cell of a test image is ever trained on.
``BCCDDetection`` is the detection set itself (``voc.VOCDetectionFolder``) on the same lists."""
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from ...datasets.utils import DatasetIntegrityError, default_root, verify_file
from .vision import VisionDataset
from .voc import VOCDetectionFolder, parse_voc_annotation

__all__ = ["BCCDCells", "BCCDDetection"]


class BCCDCells(VisionDataset):
    """The cells of BCCD as a 3-class colour classification set: uint8 RGB crops of every box
    (zero-area boxes, two in the set, left out), resized to ``size`` x ``size`` with Pillow's
    bilinear filter.  ``split`` is one of the official image lists ("train" 205 images, "val" 87,
    "trainval", "test" 72); ``train=True`` / ``False`` mean "train" / "test" as in torchvision's
    datasets.  ``arrays()`` gives all crops as arrays.  The split lists are checked against their
    SHA-256.

    Each item: ``(image, class index)``, a Pillow RGB image of ``size`` x ``size`` and an int
    (0 RBC, 1 WBC, 2 Platelets), before ``transform`` / ``target_transform``.

    Examples:
        >>> from yingshe.vision import datasets
        >>> cells = datasets.BCCDCells(train=False)  # from $YINGSHE_DATA/bccd  # doctest: +SKIP
        >>> len(cells), cells[0][0].size, cells.classes[cells[0][1]]  # doctest: +SKIP
        (945, (32, 32), 'WBC')
        >>> images, labels = cells.arrays()  # doctest: +SKIP
        >>> images.shape  # doctest: +SKIP
        (945, 32, 32, 3)
    """

    classes = ("RBC", "WBC", "Platelets")
    # Per-channel statistics of the training crops at 32 x 32, scaled to [0, 1].
    mean, std = (0.7287, 0.6747, 0.6980), (0.0597, 0.0933, 0.0745)
    folder = Path("bccd") / "BCCD"
    split_sha256: ClassVar[dict[str, str]] = {
        "train": "89bda91b6f96f9678f29b0bfe42565e0bea073d0055e0210548f7bcb17183ede",
        "val": "34b01f4b5e492e9f49d8173379a8f6fe72efb8c3a7cc51048daddb06758154fa",
        "trainval": "6aea0ac13cdb69c26e51f70bd10e66c1675026bb33541fd1039227d15607a34f",
        "test": "9cadeca2bb1d186b22b27c56b14c95e46c4c44d0fbc7a918bf96af9fb5064742",
    }

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False, split=None, size=32):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if download:
            raise ValueError("BCCDCells: no download: clone github.com/Shenggan/BCCD_Dataset "
                             "(commit d272fb1) so that root/bccd/BCCD holds its BCCD folder")
        self.split = split or ("train" if train else "test")
        if self.split not in self.split_sha256:
            raise ValueError(f"BCCDCells: unknown split {self.split!r}; available: "
                             f"{', '.join(self.split_sha256)}")
        self.train = self.split in ("train", "trainval")
        self.size = size
        base = Path(root) if root is not None else default_root()
        self.root = base
        self.data, self.targets = self._crops(base / self.folder)

    def _crops(self, folder):
        listing = verify_file(folder / "ImageSets" / "Main" / f"{self.split}.txt",
                              sha256=self.split_sha256[self.split])
        crops, labels = [], []
        for name in listing.read_text().split():
            filename, objects = parse_voc_annotation(folder / "Annotations" / f"{name}.xml")
            with Image.open(folder / "JPEGImages" / filename) as opened:
                image = opened.convert("RGB")
            for label, (x0, y0, x1, y1) in objects:
                if label not in self.classes:
                    raise DatasetIntegrityError(f"{folder / 'Annotations' / name}.xml: unknown "
                                                f"class {label!r}; expected {self.classes}")
                if x1 <= x0 or y1 <= y0:
                    continue
                crop = image.crop((x0 - 1, y0 - 1, x1, y1)).resize(
                    (self.size, self.size), Image.Resampling.BILINEAR)
                crops.append(np.asarray(crop))
                labels.append(self.classes.index(label))
        return np.stack(crops), np.asarray(labels, np.int64)

    def arrays(self):
        """(images uint8 N x size x size x 3, labels int64 N)."""
        return self.data, self.targets

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        return self._transformed(Image.fromarray(self.data[index]), int(self.targets[index]))

    def extra_repr(self):
        """The split and image size, for ``repr``."""
        return f"Split: {self.split}\nSize: {self.size} x {self.size}"


class BCCDDetection(VOCDetectionFolder):
    """BCCD as a detection set: labels 1 RBC, 2 WBC, 3 Platelets (0 is the background), with the
    official, checksummed image lists as ``split`` ("train" 205 images, "val" 87, "trainval",
    "test" 72).  The two zero-area boxes of the set (BloodImage_00338 and 00343) are dropped and
    counted in ``cleaning``.

    Each item: ``(image, target)``, a Pillow RGB image of 640 x 480 and ``{"boxes": float32
    (N, 4) xyxy, "labels": int64 (N,), "image_id": int}`` (see ``VOCDetectionFolder``).

    Examples:
        >>> from yingshe.vision import datasets
        >>> test = datasets.BCCDDetection(split="test")  # doctest: +SKIP
        >>> image, target = test[0]  # doctest: +SKIP
        >>> len(test), image.size, target["boxes"].shape  # doctest: +SKIP
        (72, (640, 480), yingshe.Size([18, 4]))
    """

    def __init__(self, root=None, split="train", transforms=None, transform=None,
                 target_transform=None, keep_empty=False, download=False):
        if download:
            raise ValueError("BCCDDetection: no download: clone github.com/Shenggan/BCCD_Dataset "
                             "(commit d272fb1) so that root/bccd/BCCD holds its BCCD folder")
        if split not in BCCDCells.split_sha256:
            raise ValueError(f"BCCDDetection: unknown split {split!r}; available: "
                             f"{', '.join(BCCDCells.split_sha256)}")
        base = Path(root) if root is not None else default_root()
        folder = base / BCCDCells.folder
        listing = verify_file(folder / "ImageSets" / "Main" / f"{split}.txt",
                              sha256=BCCDCells.split_sha256[split])
        self.split = split
        super().__init__(folder, listing.read_text().split(), BCCDCells.classes,
                         transforms=transforms, transform=transform,
                         target_transform=target_transform, keep_empty=keep_empty, root=base)

    def extra_repr(self):
        return f"Split: {self.split}\n" + super().extra_repr()
