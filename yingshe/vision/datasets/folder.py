"""Images sorted into one folder per class, as torchvision's ``ImageFolder``:
``root/dog/xxx.png``, ``root/cat/123.png``, ... (class folders in sorted order, labels their
indices)."""
import os

from PIL import Image

from .vision import VisionDataset

__all__ = ["IMG_EXTENSIONS", "find_classes", "make_dataset", "pil_loader", "default_loader",
           "DatasetFolder", "ImageFolder"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def find_classes(directory):
    """(sorted class folder names, {name: index}) of the folders in ``directory``."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None,
                 allow_empty=False):
    """``[(path, class index)]`` of every accepted file under each class folder (walked in
    sorted order, following links); files are accepted by ``extensions`` or by
    ``is_valid_file(path)``, exactly one of which is given."""
    directory = os.path.expanduser(directory)
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the "
                         "same time")
    if extensions is not None:
        suffixes = (extensions,) if isinstance(extensions, str) else tuple(extensions)

        def is_valid_file(path):
            return path.lower().endswith(suffixes)

    samples, found = [], set()
    for name in sorted(class_to_idx):
        folder = os.path.join(directory, name)
        if not os.path.isdir(folder):
            continue
        for root, _, filenames in sorted(os.walk(folder, followlinks=True)):
            for filename in sorted(filenames):
                path = os.path.join(root, filename)
                if is_valid_file(path):
                    samples.append((path, class_to_idx[name]))
                    found.add(name)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += f"Supported extensions are: {', '.join(suffixes)}"
        raise FileNotFoundError(message)
    return samples


def pil_loader(path):
    """The image file at ``path`` as an RGB Pillow image."""
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    """Samples read by ``loader(path)`` from one folder per class, ``root/<class>/<file>``, the
    files accepted by ``extensions`` or ``is_valid_file(path)``.  Attributes: ``classes`` (the
    sorted folder names), ``class_to_idx``, ``samples`` ([(path, class index)]) and ``targets``.

    Each item: ``(loader(path), class index)`` before ``transform`` / ``target_transform``.

    Examples:
        >>> import shutil, tempfile
        >>> from pathlib import Path
        >>> from yingshe.vision import datasets
        >>> root = Path(tempfile.mkdtemp())
        >>> for name, text in [("ham", "see you at 5"), ("spam", "WIN NOW"), ("spam", "FREE")]:
        ...     (root / name).mkdir(exist_ok=True)
        ...     _ = (root / name / f"{len(text)}.txt").write_text(text)
        >>> notes = datasets.DatasetFolder(root, loader=lambda p: Path(p).read_text(),
        ...                                extensions=".txt")
        >>> notes.classes, notes.targets, notes[2]
        (['ham', 'spam'], [0, 1, 1], ('WIN NOW', 1))
        >>> shutil.rmtree(root)
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty=False):
        root = os.path.expanduser(root) if isinstance(root, str) else root
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file,
                                         allow_empty)
        self.loader, self.extensions = loader, extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None,
                     allow_empty=False):
        """(path, class index) for each file of ``directory``'s class folders."""
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory):
        """(sorted class folder names, {name: index}) of ``directory``."""
        return find_classes(directory)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        return self._transformed(sample, target)


class ImageFolder(DatasetFolder):
    """Image files (``IMG_EXTENSIONS``) in one folder per class, ``root/dog/xxx.png``,
    ``root/cat/123.png``, read as RGB Pillow images; labels index the sorted class names, and
    ``imgs`` is ``samples``.

    Each item: ``(image, class index)``, the image a Pillow RGB image before ``transform``.

    Examples:
        >>> import os, shutil, tempfile
        >>> from PIL import Image
        >>> from yingshe.vision import datasets, transforms
        >>> root = tempfile.mkdtemp()
        >>> for name in ("cat", "dog"):
        ...     os.makedirs(os.path.join(root, name))
        ...     for i in range(2):
        ...         Image.new("RGB", (6, 4)).save(os.path.join(root, name, f"{i}.png"))
        >>> pets = datasets.ImageFolder(root, transform=transforms.ToTensor())
        >>> pets.class_to_idx
        {'cat': 0, 'dog': 1}
        >>> image, label = pets[2]
        >>> image.shape, label
        (yingshe.Size([3, 4, 6]), 1)
        >>> shutil.rmtree(root)
    """

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform, target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples


