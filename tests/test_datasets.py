"""The image datasets of yingshe.vision against torchvision's (MNIST / Fashion-MNIST from the
original IDX files in our layout or torchvision's, FakeData, ImageFolder): counts, labels, items,
checksum failures with clear errors, downloads (from a local mirror: nothing is fetched from the
network in tests); and the dataset plumbing of yingshe.datasets."""
import gzip
import os
import shutil

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from torchvision_oracle import torchvision
from yingshe.datasets import DatasetIntegrityError, read_idx, standardize, train_val_split
from yingshe.datasets.prepare import classification_splits, preprocess_images
from yingshe.vision import transforms as T
from yingshe.vision.datasets import MNIST, FakeData, FashionMNIST, ImageFolder

Image = pytest.importorskip("PIL.Image")

MNIST_TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_counts_and_labels(data_root):
    train, test = MNIST(data_root), MNIST(data_root, train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert np.bincount(train.targets.numpy()).tolist() == MNIST_TRAIN_HISTOGRAM
    assert np.bincount(test.targets.numpy()).tolist() == MNIST_TEST_HISTOGRAM
    image, label = train[0]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    assert label == 5
    np.testing.assert_array_equal(np.asarray(image), train.data.numpy()[0])
    assert abs(train.arrays()[0].mean() / 255 - MNIST.mean) < 1e-4
    assert tuple(train.data.shape) == (60000, 28, 28) and train.data.dtype == yingshe.uint8
    assert train.targets.dtype == yingshe.int64
    assert train.class_to_idx["7 - seven"] == 7


def test_fashion_mnist_is_balanced(data_root):
    train = FashionMNIST(data_root, target_transform=lambda y: y + 100)
    assert np.bincount(train.targets.numpy()).tolist() == [6000] * 10
    assert train[0][1] >= 100
    assert "Split: Train" in repr(train)


def test_to_tensor_gives_float_images_in_0_1(data_root):
    test = MNIST(data_root, train=False, transform=T.ToTensor())
    image, _ = test[3]
    assert isinstance(image, yingshe.Tensor) and image.dtype == yingshe.float32
    assert tuple(image.shape) == (1, 28, 28)
    np.testing.assert_array_equal(image.numpy()[0], test.data.numpy()[3] / np.float32(255))


@pytest.fixture(scope="module")
def torchvision_root(tmp_path_factory):
    """torchvision's layout of both sets: root/MNIST/raw/ and root/FashionMNIST/raw/, holding
    the .gz files and the extracted ones (what its download leaves)."""
    import os

    from yingshe.datasets import default_root
    if not os.environ.get("YINGSHE_DATA") or not (default_root() / "mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/ and fashion-mnist/")
    root = tmp_path_factory.mktemp("torchvision")
    for cls in (MNIST, FashionMNIST):
        raw = root / cls.__name__ / "raw"
        raw.mkdir(parents=True)
        for name in cls.resources:
            source = default_root() / cls.folder / name
            (raw / name).symlink_to(source)
            with gzip.open(source) as f:
                (raw / name.removesuffix(".gz")).write_bytes(f.read())
    return root


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
@pytest.mark.parametrize("train", [True, False])
def test_reads_torchvisions_layout_as_torchvision_does(cls, train, torchvision_root):
    ours = cls(torchvision_root, train=train)
    theirs = getattr(torchvision.datasets, cls.__name__)(torchvision_root, train=train)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    assert len(ours) == len(theirs) and repr(ours) == repr(theirs)
    for index in (0, 1234, -1):
        (image, label), (their_image, their_label) = ours[index], theirs[index]
        assert label == their_label and image.mode == their_image.mode == "L"
        np.testing.assert_array_equal(np.asarray(image), np.asarray(their_image))


def test_transforms_and_repr_as_torchvision(torchvision_root):
    ours = MNIST(torchvision_root, train=False, transform=T.ToTensor(),
                 target_transform=lambda y: y + 100)
    theirs = torchvision.datasets.MNIST(torchvision_root, train=False,
                                        transform=torchvision.transforms.ToTensor(),
                                        target_transform=lambda y: y + 100)
    (image, label), (their_image, their_label) = ours[5], theirs[5]
    assert label == their_label >= 100
    np.testing.assert_array_equal(image.numpy(), their_image.numpy())
    assert repr(ours).split("Target transform")[0] == repr(theirs).split("Target transform")[0]


def test_extracted_files_are_checked_too(torchvision_root, tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST.extracted:
        shutil.copy(torchvision_root / "MNIST" / "raw" / name, raw / name)
    assert len(MNIST(tmp_path, train=False)) == 10000  # extracted files alone are enough
    path = raw / "t10k-labels-idx1-ubyte"
    blob = bytearray(path.read_bytes())
    blob[100] ^= 0xFF
    path.write_bytes(bytes(blob))
    check_raises(lambda: MNIST(tmp_path, train=False), DatasetIntegrityError,
                 "t10k-labels-idx1-ubyte", MNIST.extracted["t10k-labels-idx1-ubyte"], "damaged")


def _copy_mnist(data_root, tmp_path):
    target = tmp_path / "mnist"
    shutil.copytree(data_root / "mnist", target)
    return target


def test_damaged_file_raises_a_clear_md5_error(data_root, tmp_path):
    folder = _copy_mnist(data_root, tmp_path)
    path = folder / "t10k-labels-idx1-ubyte.gz"
    blob = bytearray(path.read_bytes())
    blob[100] ^= 0xFF
    path.write_bytes(bytes(blob))
    check_raises(lambda: MNIST(tmp_path, train=False), DatasetIntegrityError,
                 "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", "damaged")


def test_missing_file_says_how_to_get_it(tmp_path):
    check_raises(lambda: MNIST(tmp_path), DatasetIntegrityError, "not found", "download=True",
                 "train-images-idx3-ubyte.gz", str(tmp_path / "MNIST" / "raw"))


def test_download_skips_files_present_in_torchvisions_layout(torchvision_root, tmp_path):
    class Offline(MNIST):  # torchvision's folder is named after the class
        mirrors = ((tmp_path / "nowhere").as_uri() + "/",)

    (torchvision_root / "Offline").symlink_to(torchvision_root / "MNIST")
    assert len(Offline(torchvision_root, train=False, download=True)) == 10000


def test_download_fetches_checks_and_renames_atomically(data_root, tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(data_root / "mnist", mirror)
    bad_mirror = tmp_path / "bad"
    bad_mirror.mkdir()
    (bad_mirror / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the file")

    class LocalMNIST(MNIST):
        mirrors = (bad_mirror.as_uri() + "/", mirror.as_uri() + "/")

    root = tmp_path / "root"
    test = LocalMNIST(root, train=False, download=True)
    assert len(test) == 10000
    assert sorted(p.name for p in (root / "mnist").iterdir()) == sorted(MNIST.resources)


def test_download_reports_every_failed_mirror(tmp_path):
    class Unreachable(MNIST):
        mirrors = ((tmp_path / "nowhere").as_uri() + "/",)

    check_raises(lambda: Unreachable(tmp_path / "root", download=True), DatasetIntegrityError,
                 "could not download", "nowhere")


def test_read_idx_checks_the_header(tmp_path):
    path = tmp_path / "bad-idx1-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3]))  # says 5 items, holds 3
    check_raises(lambda: read_idx(path), DatasetIntegrityError, "(5,)", "holds 3")
    good = tmp_path / "good-idx1-ubyte"
    good.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    assert read_idx(good).tolist() == [7, 8, 9]


def test_standardize_uses_training_statistics_only():
    train, test = np.array([[0.0, 2.0], [2.0, 4.0]]), np.array([[1.0, 3.0]])
    z_train, z_test, (mean, _std) = standardize(train, test, axis=0)
    np.testing.assert_allclose(z_train.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(z_test, [[0.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(mean, [[1.0, 3.0]])


def test_train_val_split_is_a_seeded_partition():
    train, val = train_val_split(100, 0.2, seed=3)
    assert len(val) == 20 and len(set(train) | set(val)) == 100
    assert train_val_split(100, 0.2, seed=3)[1].tolist() == val.tolist()
    check_raises(lambda: train_val_split(10, 1.5), ValueError, "1.5")


def test_classification_splits(data_root):
    train, val, test, info = classification_splits("mnist", data_root, val_size=5000,
                                                   train_subset=1000)
    assert (len(train), len(val), len(test)) == (1000, 5000, 10000)
    x, y = test[0]
    assert tuple(x.shape) == (1, 28, 28) and int(y) == 7
    assert info["classes"][7] == "7 - seven"
    augmented, _, _, _ = classification_splits("fashion-mnist", data_root, val_size=100,
                                               train_subset=10, augment=True)
    x, y = augmented[0]
    assert tuple(x.shape) == (1, 28, 28) and x.dtype.name == "float32"
    check_raises(lambda: classification_splits("cifar", data_root), ValueError, "cifar")


def test_preprocess_images_standardises():
    images = np.full((2, 3, 3), 255, np.uint8)
    np.testing.assert_allclose(preprocess_images(images, 0.5, 0.25), np.full((2, 1, 3, 3), 2.0))


# ---------------------------------------------------------------- FakeData and ImageFolder

@pytest.mark.parametrize("image_size", [(3, 32, 24), (1, 8, 9)])
def test_fake_data_is_torchvisions_kind_of_data(image_size):
    ours = FakeData(size=20, image_size=image_size, num_classes=4)
    theirs = torchvision.datasets.FakeData(size=20, image_size=image_size, num_classes=4)
    assert len(ours) == len(theirs) == 20 and repr(ours) == repr(theirs)
    (image, label), (their_image, their_label) = ours[3], theirs[3]
    assert (image.mode, image.size) == (their_image.mode, their_image.size)
    assert isinstance(label, int) and isinstance(their_label, int) and 0 <= label < 4
    np.testing.assert_array_equal(np.asarray(ours[3][0]), np.asarray(image))  # the same each read
    assert not np.array_equal(np.asarray(FakeData(20, image_size, random_offset=1)[3][0]),
                              np.asarray(image))
    assert {ours[i][1] for i in range(20)} == set(range(4))
    tensor, _ = FakeData(2, image_size, transform=T.ToTensor())[1]
    assert tuple(tensor.shape) == image_size and tensor.dtype == yingshe.float32
    check_raises(lambda: ours[20], IndexError, "out of range")


@pytest.fixture
def image_tree(tmp_path):
    """root/cat/{a,b}.png, root/dog/c.jpg, root/dog/puppies/d.png, a non-image file, an empty
    folder elsewhere."""
    root = tmp_path / "pets"
    for relative, colour in (("cat/b.png", (255, 0, 0)), ("cat/a.png", (0, 255, 0)),
                             ("dog/c.jpg", (0, 0, 255)), ("dog/puppies/d.png", (9, 9, 9))):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB" if relative.endswith("jpg") else "L", (5, 4), colour[0]).save(root /
                                                                                      relative)
    (root / "dog" / "notes.txt").write_text("not an image")
    return root


def test_image_folder_matches_torchvision(image_tree):
    ours = ImageFolder(image_tree, transform=T.ToTensor())
    theirs = torchvision.datasets.ImageFolder(str(image_tree),
                                              transform=torchvision.transforms.ToTensor())
    assert ours.classes == theirs.classes == ["cat", "dog"]
    assert ours.class_to_idx == theirs.class_to_idx
    assert [(str(p), t) for p, t in ours.samples] == theirs.samples == ours.imgs
    assert ours.targets == theirs.targets == [0, 0, 1, 1]
    for index in range(len(ours)):
        np.testing.assert_array_equal(ours[index][0].numpy(), theirs[index][0].numpy())
    picky = ImageFolder(image_tree, is_valid_file=lambda path: path.endswith("a.png"),
                        allow_empty=True)
    assert [t for _, t in picky.samples] == [0]


def test_image_folder_errors_as_torchvision(image_tree, tmp_path):
    (image_tree / "empty").mkdir()
    check_raises(lambda: ImageFolder(image_tree), FileNotFoundError,
                 "Found no valid file for the classes empty")
    assert ImageFolder(image_tree, allow_empty=True).classes == ["cat", "dog", "empty"]
    (tmp_path / "flat").mkdir()
    check_raises(lambda: ImageFolder(tmp_path / "flat"), FileNotFoundError,
                 "Couldn't find any class folder")


def test_download_gets_a_plain_files_permissions_and_leaves_no_temporary(tmp_path):
    from yingshe.datasets.utils import download_url, md5sum
    source = tmp_path / "mirror"
    source.mkdir()
    (source / "file.gz").write_bytes(os.urandom(200_000))
    mirror, folder = source.as_uri() + "/", tmp_path / "data"
    old = os.umask(0o027)
    try:
        target = download_url([mirror], "file.gz", folder, md5sum(source / "file.gz"))
    finally:
        os.umask(old)
    assert target.read_bytes() == (source / "file.gz").read_bytes()
    assert target.stat().st_mode & 0o777 == 0o640  # 0o666 less the umask, as a plain open()
    target.unlink()
    with pytest.raises(DatasetIntegrityError, match=r"file.gz: MD5 \w+ differs from the "
                                                    r"published 0{32}"):
        download_url([mirror], "file.gz", folder, "0" * 32)
    assert list(folder.iterdir()) == []  # neither the file nor a temporary is left
