"""Random images with random labels, as torchvision's ``FakeData``: for trying a pipeline
without a real dataset."""
import numpy as np

from ..transforms.functional import to_pil_image
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` Pillow images of ``image_size`` = (C, H, W) uniform noise ('L' for one channel,
    'RGB' for three) with labels in ``range(num_classes)``, for trying a pipeline without a real
    dataset.  Item i is the same on every read: it is drawn from a generator seeded with
    ``i + random_offset``.

    Each item: ``(image, label)``, a Pillow image of size ``(W, H)`` (``transforms.ToTensor()``
    makes it ``(C, H, W)``) and an int.

    Examples:
        >>> from yingshe.utils.data import DataLoader
        >>> from yingshe.vision import datasets, transforms
        >>> fake = datasets.FakeData(size=4, image_size=(1, 8, 8), num_classes=3,
        ...                          transform=transforms.ToTensor())
        >>> image, label = fake[0]
        >>> image.shape, image.dtype, label in range(3)
        (yingshe.Size([1, 8, 8]), yingshe.float32, True)
        >>> images, labels = next(iter(DataLoader(fake, batch_size=4)))
        >>> images.shape, labels.dtype
        (yingshe.Size([4, 1, 8, 8]), yingshe.int64)
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size, self.image_size = size, image_size
        self.num_classes, self.random_offset = num_classes, random_offset

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"{type(self).__name__} index {index} out of range for "
                             f"{len(self)} items")
        rng = np.random.default_rng(index + self.random_offset)
        pixels = rng.integers(0, 256, size=tuple(self.image_size), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        image = to_pil_image(pixels.transpose(1, 2, 0) if pixels.ndim == 3 else pixels)
        return self._transformed(image, target)
