"""Multi-digit MNIST detection canvases, generated deterministically from real MNIST digits
(the multi-object MNIST scenes of Eslami et al. 2016, "Attend, Infer, Repeat", §3.1, with
boxes and classes as a detection set).

Each canvas of ``image_size`` x ``image_size`` black pixels receives ``digits[0]..digits[1]``
handwritten digits, each an MNIST image resized by a factor drawn from ``scale`` (Pillow
bilinear) and pasted (pixel-wise maximum) at a random place where its box overlaps every
earlier box with IoU <= ``max_overlap`` (a digit that finds no such place in 50 tries is left
out).  The box is the digit's ink (pixels >= 64) in continuous pixel coordinates; the label is
the digit + 1 (0 is the background, as torchvision's detection models expect).  Training
canvases use MNIST's training digits and test canvases its test digits; everything is drawn
from ``numpy.random.default_rng((seed, train))``, so the same arguments give the same
images, bit for bit."""
import numpy as np
from PIL import Image

from .mnist import MNIST
from .vision import VisionDataset
from .voc import detection_target

__all__ = ["MultiDigitMNIST"]

INK = 64  # a pixel at least this bright belongs to the digit's box
PLACEMENT_TRIES = 50


def _ink_box(patch):
    """(x0, y0, x1, y1) of the pixels >= INK in ``patch``, continuous coordinates."""
    rows, cols = np.flatnonzero((patch >= INK).any(1)), np.flatnonzero((patch >= INK).any(0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], np.float64)


def _iou(box, boxes):
    """IoU of one box with each of ``boxes`` [M, 4]."""
    width = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (area + areas - inter)


class MultiDigitMNIST(VisionDataset):
    """Detection canvases of several MNIST digits, generated deterministically (see the module
    docstring: digits resized by a factor in ``scale``, pasted where they overlap earlier ones by
    IoU <= ``max_overlap``).  ``arrays()`` gives (images uint8 [num_images, S, S], boxes list,
    labels list).  ``num_images`` defaults to 6000 (train) or 1000 (test).

    Each item: ``(image, target)``, a Pillow grayscale image of ``image_size`` x ``image_size``
    and ``{"boxes": float32 (N, 4) xyxy, "labels": int64 (N,) in 1..10 (digit + 1),
    "image_id": int}``.

    Examples:
        >>> from yingshe.vision import datasets
        >>> canvases = datasets.MultiDigitMNIST(train=False, num_images=8)  # doctest: +SKIP
        >>> image, target = canvases[0]  # doctest: +SKIP
        >>> image.size, target["labels"]  # the digits 4, 4, 6 and 3  # doctest: +SKIP
        ((64, 64), tensor([5, 5, 7, 4]))
    """

    classes = ("__background__",) + tuple(str(d) for d in range(10))

    def __init__(self, root=None, train=True, num_images=None, image_size=64, digits=(1, 4),
                 scale=(0.6, 1.5), max_overlap=0.1, seed=0, transforms=None, transform=None,
                 target_transform=None):
        super().__init__(root, transforms=transforms, transform=transform,
                         target_transform=target_transform)
        if not 1 <= digits[0] <= digits[1]:
            raise ValueError(f"MultiDigitMNIST: digits must be (min, max) with 1 <= min <= max, "
                             f"got {digits}")
        if not 0 < scale[0] <= scale[1] or round(28 * scale[1]) > image_size:
            raise ValueError(f"MultiDigitMNIST: scale {scale} must be positive and fit a "
                             f"{28 * scale[1]:.0f}-pixel digit in a {image_size}-pixel canvas")
        self.train, self.image_size, self.digits = train, image_size, tuple(digits)
        self.scale, self.max_overlap, self.seed = tuple(scale), max_overlap, seed
        self.num_images = num_images if num_images is not None else (6000 if train else 1000)
        source, source_labels = MNIST(root, train=train).arrays()
        self.data, self.boxes, self.labels = self._generate(source, source_labels)

    def _generate(self, source, source_labels):
        rng = np.random.default_rng((self.seed, int(self.train)))
        size = self.image_size
        images = np.zeros((self.num_images, size, size), np.uint8)
        all_boxes, all_labels = [], []
        for canvas in images:
            boxes, labels = np.zeros((0, 4)), []
            for _ in range(rng.integers(self.digits[0], self.digits[1] + 1)):
                pick = rng.integers(len(source))
                side = round(28 * rng.uniform(*self.scale))
                patch = np.asarray(Image.fromarray(source[pick]).resize(
                    (side, side), Image.Resampling.BILINEAR))
                ink = _ink_box(patch)
                for _ in range(PLACEMENT_TRIES):
                    x, y = rng.integers(0, size - side + 1, 2)
                    box = ink + [x, y, x, y]
                    if not len(boxes) or _iou(box, boxes).max() <= self.max_overlap:
                        np.maximum(canvas[y:y + side, x:x + side], patch,
                                   out=canvas[y:y + side, x:x + side])
                        boxes = np.vstack([boxes, box])
                        labels.append(int(source_labels[pick]) + 1)
                        break
            all_boxes.append(boxes.astype(np.float32))
            all_labels.append(np.asarray(labels, np.int64))
        return images, all_boxes, all_labels

    def arrays(self):
        """(images uint8 [N, S, S], list of boxes float32 [n_i, 4], list of labels int64)."""
        return self.data, self.boxes, self.labels

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = Image.fromarray(self.data[index])
        target = detection_target(self.boxes[index], self.labels[index], index)
        return self.transforms(image, target) if self.transforms is not None else (image, target)

    def extra_repr(self):
        return (f"Split: {'Train' if self.train else 'Test'}\nCanvas: {self.image_size} x "
                f"{self.image_size}, digits {self.digits[0]}..{self.digits[1]}, scale "
                f"{self.scale}, seed {self.seed}")
