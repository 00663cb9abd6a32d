"""The base of the image datasets, as torchvision's ``VisionDataset``: a root folder, a
``transform`` for the image and a ``target_transform`` for the label, and its printout."""
from ...utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]


class StandardTransform:
    """``(image, target) -> (transform(image), target_transform(target))``."""

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
    """Subclasses define ``__getitem__`` and ``__len__`` and may add ``extra_repr``.
    ``transforms`` (a function of both image and target) excludes the separate two."""

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
