"""MNIST / Fashion-MNIST from the original IDX files: counts, labels, checksum failures with
clear errors, downloads (from a local mirror: nothing is fetched from the network in tests)."""
import gzip
import shutil

import numpy as np

from helpers import check_raises
from yingshe.datasets import (
    MNIST,
    DatasetIntegrityError,
    FashionMNIST,
    read_idx,
    standardize,
    train_val_split,
)
from yingshe.datasets.prepare import classification_splits, preprocess_images

MNIST_TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_counts_and_labels(data_root):
    train, test = MNIST(data_root), MNIST(data_root, train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert np.bincount(train.targets.numpy()).tolist() == MNIST_TRAIN_HISTOGRAM
    assert np.bincount(test.targets.numpy()).tolist() == MNIST_TEST_HISTOGRAM
    image, label = train[0]
    assert image.shape == (28, 28) and image.dtype == np.uint8 and label == 5
    assert abs(train.arrays()[0].mean() / 255 - MNIST.mean) < 1e-4
    assert tuple(train.data.shape) == (60000, 28, 28)


def test_fashion_mnist_is_balanced(data_root):
    train = FashionMNIST(data_root, target_transform=lambda y: y + 100)
    assert np.bincount(train.targets.numpy()).tolist() == [6000] * 10
    assert train[0][1] >= 100
    assert "Split: Train" in repr(train)


def test_transform_is_applied(data_root):
    test = MNIST(data_root, train=False, transform=lambda img: img.astype(np.float32) / 255)
    image, _ = test[3]
    assert image.dtype == np.float32 and image.max() <= 1.0


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
                 "train-images-idx3-ubyte.gz")


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
