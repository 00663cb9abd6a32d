"""The base of the image datasets, as torchvision's ``VisionDataset``: a root folder, a
``transform`` for the image and a ``target_transform`` for the label, and its printout."""
from ...utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]


class StandardTransform:
    """The pair transform ``(image, target) -> (transform(image), target_transform(target))``
    that a dataset builds from its separate ``transform`` and ``target_transform``.

    Examples:
        >>> from PIL import Image
        >>> from yingshe.vision import datasets, transforms
        >>> pair = datasets.StandardTransform(transforms.ToTensor(), lambda label: label + 1)
        >>> image, target = pair(Image.new("L", (3, 2)), 4)
        >>> image.shape, target
        (yingshe.Size([1, 2, 3]), 5)
    """

    def __init__(self, transform=None, target_transform=None):
        self.transform, self.target_transform = transform, target_transform

    def __call__(self, image, target):
        return _apply(self.transform, self.target_transform, image, target)

    def __repr__(self):
        lines = [type(self).__name__]
        for head, transform in (("Transform: ", self.transform),
                                ("Target transform: ", self.target_transform)):
            if transform is not None:
                first, *rest = repr(transform).splitlines()
                lines += [head + first] + [" " * len(head) + line for line in rest]
        return "\n".join(lines)


def _apply(transform, target_transform, image, target):
    if transform is not None:
        image = transform(image)
    if target_transform is not None:
        target = target_transform(target)
    return image, target


class VisionDataset(Dataset):
    """The base of the image datasets (torchvision's ``VisionDataset``): a ``root`` folder, a
    ``transform`` for the image, a ``target_transform`` for the label, or ``transforms`` (a
    function of both, exclusive of the separate two), and the printout.

    Subclasses define ``__getitem__`` and ``__len__`` and may add ``extra_repr``;
    ``self.transforms`` applies whichever transforms were given to an ``(image, target)`` pair.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.datasets import VisionDataset
        >>> class Squares(VisionDataset):
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         image, target = yingshe.full((1, 2, 2), float(i)), i * i
        ...         return self.transforms(image, target) if self.transforms else (image, target)
        >>> data = Squares(target_transform=float)
        >>> data[2][1], len(data)
        (4.0, 3)
    """

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        self.root = root
        separate = transform is not None or target_transform is not None
        if transforms is not None and separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as "
                             "argument")
        self.transform, self.target_transform = transform, target_transform
        self.transforms = StandardTransform(transform, target_transform) if separate \
            else transforms

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def _transformed(self, image, target):
        """``(image, target)`` after ``transform`` and ``target_transform``, as each item."""
        return _apply(self.transform, self.target_transform, image, target)

    def extra_repr(self):
        """Lines a subclass adds to ``repr`` (none here)."""
        return ""

    def __repr__(self):
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body.append(repr(self.transforms))
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in body])
