"""CIFAR-10/100 of yingshe.vision against torchvision's, on small files written in the original
python format (pickled dicts of a uint8 array and a label list) with their own MD5s; hostile
pickles are refused; download extracts a checksummed tarball from a local mirror."""
import os
import pickle
import tarfile

import numpy as np
import pytest

from torchvision_oracle import torchvision
from yingshe.datasets import DatasetIntegrityError
from yingshe.datasets.utils import md5sum
from yingshe.vision import transforms as T
from yingshe.vision.datasets import CIFAR10, CIFAR100

Image = pytest.importorskip("PIL.Image")


def _write(path, entry):
    with open(path, "wb") as f:
        pickle.dump(entry, f, protocol=2)  # the protocol of the original cPickle files
    return md5sum(path)


def _cifar_folder(root, cls, rng, per_file=4):
    """Write every file of ``cls`` with random images under ``root``; returns a subclass of
    ``cls`` whose MD5 lists are those of the files written."""
    folder = root / cls.base_folder
    folder.mkdir(parents=True)
    n_classes = 10 if cls is CIFAR10 else 100
    lists = {}
    for split in ("train_list", "test_list"):
        lists[split] = [[name, _write(folder / name, {
            "batch_label": f"{name} of 1", cls.labels_key: rng.integers(0, n_classes, per_file)
            .tolist(), "data": rng.integers(0, 256, (per_file, 3072), dtype=np.uint8),
            "filenames": [f"img{i}.png" for i in range(per_file)]})]
            for name, _ in getattr(cls, split)]
    names = [f"class {i}" for i in range(n_classes)]
    meta = dict(cls.meta, md5=_write(folder / cls.meta["filename"], {cls.meta["key"]: names}))
    return type(cls.__name__, (cls,), {**lists, "meta": meta})


@pytest.mark.parametrize("cls", [CIFAR10, CIFAR100])
@pytest.mark.parametrize("train", [True, False])
def test_reads_the_python_format_as_torchvision(cls, train, tmp_path):
    ours_cls = _cifar_folder(tmp_path, cls, np.random.default_rng(0))
    theirs_base = getattr(torchvision.datasets, cls.__name__)
    theirs_cls = type(cls.__name__, (theirs_base,), {
        "train_list": ours_cls.train_list, "test_list": ours_cls.test_list,
        "meta": ours_cls.meta})
    ours, theirs = ours_cls(tmp_path, train=train), theirs_cls(tmp_path, train=train)
    assert len(ours) == len(theirs) == (20 if train and cls is CIFAR10 else 4)
    assert ours.data.dtype == np.uint8 and ours.data.shape == theirs.data.shape
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert ours.targets == theirs.targets and isinstance(ours.targets, list)
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    for i in range(len(ours)):
        (image, label), (expected, expected_label) = ours[i], theirs[i]
        assert image.mode == expected.mode == "RGB" and label == expected_label
        assert type(label) is int
        np.testing.assert_array_equal(np.asarray(image), np.asarray(expected))
    assert repr(ours) == repr(theirs)
    tensor = ours_cls(tmp_path, train=train, transform=T.ToTensor())[0][0]
    assert tuple(tensor.shape) == (3, 32, 32)


def test_damaged_and_missing_files_raise_clear_errors(tmp_path):
    cls = _cifar_folder(tmp_path, CIFAR10, np.random.default_rng(1))
    path = tmp_path / CIFAR10.base_folder / "test_batch"
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetIntegrityError, match=r"test_batch: MD5 \w+ differs"):
        cls(tmp_path, train=False)
    path.unlink()
    with pytest.raises(DatasetIntegrityError, match="test_batch not found; download it"):
        cls(tmp_path, train=False)
    with pytest.raises(DatasetIntegrityError, match="data_batch_1: MD5"):
        CIFAR10(tmp_path)  # the published checksums


class _Hostile:
    def __reduce__(self):
        return os.system, ("touch pwned",)


@pytest.mark.parametrize(("payload", "message"), [
    ({"data": _Hostile(), "labels": []}, r"test_batch: refusing to load global (posix|os)\.system"),
    ({"data": np.zeros((1, 3072), dtype=object), "labels": [0]}, "expected 'data' uint8"),
])
def test_a_pickle_asking_for_other_globals_is_refused_without_running(payload, message, tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    cls = _cifar_folder(tmp_path, CIFAR10, np.random.default_rng(2))
    md5 = _write(tmp_path / CIFAR10.base_folder / "test_batch", payload)
    cls.test_list = [["test_batch", md5]]
    with pytest.raises(DatasetIntegrityError, match=message):
        cls(tmp_path, train=False)
    assert not (tmp_path / "pwned").exists()


def test_download_extracts_the_checked_tarball(tmp_path):
    source = tmp_path / "source"
    cls = _cifar_folder(source, CIFAR10, np.random.default_rng(3))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with tarfile.open(mirror / CIFAR10.filename, "w:gz") as tar:
        tar.add(source / CIFAR10.base_folder, arcname=CIFAR10.base_folder)
    cls.url, cls.tgz_md5 = mirror.as_uri() + "/", md5sum(mirror / CIFAR10.filename)
    data = tmp_path / "data"
    dataset = cls(data, download=True)
    np.testing.assert_array_equal(dataset.data, cls(source).data)
    cls.tgz_md5 = "0" * 32
    cls(data, download=True)  # every file present: nothing fetched
    with pytest.raises(DatasetIntegrityError, match=r"MD5 \w+ differs from the published 0{32}"):
        cls(tmp_path / "elsewhere", download=True)


def test_download_refuses_paths_outside_root(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    evil = tmp_path / "evil.txt"
    evil.write_text("x")
    with tarfile.open(mirror / CIFAR10.filename, "w:gz") as tar:
        tar.add(evil, arcname="../escaped.txt")
    cls = type("CIFAR10", (CIFAR10,), {"url": mirror.as_uri() + "/",
                                       "tgz_md5": md5sum(mirror / CIFAR10.filename)})
    with pytest.raises(tarfile.OutsideDestinationError):
        cls(tmp_path / "data" / "root", download=True)
    assert not (tmp_path / "data" / "escaped.txt").exists()


# ---------------------------------------------------------------- colour jitter
ADJUST = ["adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue"]
FACTORS = {"adjust_brightness": [0.0, 0.4, 1.0, 1.7], "adjust_contrast": [0.0, 0.5, 1.3, 2.5],
           "adjust_saturation": [0.0, 0.6, 1.0, 2.0], "adjust_hue": [-0.5, -0.2, 0.0, 0.13, 0.5]}


def _pil_pair(rng, mode="RGB"):
    shape = (7, 9, 3) if mode == "RGB" else (7, 9)
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)


@pytest.mark.parametrize("name", ADJUST)
def test_adjust_on_pil_images_as_torchvision(name):
    import yingshe.vision.transforms.functional as F
    tvF = torchvision.transforms.functional
    rng = np.random.default_rng(4)
    for mode in ("RGB", "L"):
        image = _pil_pair(rng, mode)
        for factor in FACTORS[name]:
            ours, theirs = getattr(F, name)(image, factor), getattr(tvF, name)(image, factor)
            assert ours.mode == theirs.mode == mode
            np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.parametrize("name", ADJUST)
@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64"])
@pytest.mark.parametrize("shape", [(3, 6, 5), (2, 3, 4, 4), (1, 5, 6), (2, 1, 3, 3)])
def test_adjust_on_tensors_as_torchvision(name, dtype, shape):
    import torch

    import yingshe
    import yingshe.vision.transforms.functional as F
    tvF = torchvision.transforms.functional
    rng = np.random.default_rng(5)
    array = (rng.integers(0, 256, shape).astype(np.uint8) if dtype == "uint8"
             else rng.random(shape).astype(dtype))
    array.reshape(-1)[:4] = array.reshape(-1)[4]  # some grey / equal pixels
    for factor in FACTORS[name]:
        ours = getattr(F, name)(yingshe.tensor(array), factor).numpy()
        theirs = getattr(tvF, name)(torch.from_numpy(array.copy()), factor).numpy()
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        if dtype == "uint8":
            np.testing.assert_array_equal(ours, theirs)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    array_hwc = np.moveaxis(array, -3, -1) if len(shape) == 3 else None
    if array_hwc is not None:  # H x W x C arrays give the same as C x H x W tensors
        np.testing.assert_array_equal(
            np.moveaxis(getattr(F, name)(array_hwc, FACTORS[name][1]), -1, -3),
            getattr(F, name)(yingshe.tensor(array), FACTORS[name][1]).numpy())


def test_adjust_errors_as_torchvision():
    import torch

    import yingshe
    import yingshe.vision.transforms.functional as F
    tvF = torchvision.transforms.functional
    image = np.zeros((3, 4, 4), dtype=np.float32)
    for name, bad, error in [("adjust_brightness", -0.1, ValueError),
                             ("adjust_contrast", -1.0, ValueError),
                             ("adjust_saturation", -2.0, ValueError),
                             ("adjust_hue", 0.6, ValueError)]:
        with pytest.raises(error):
            getattr(tvF, name)(torch.from_numpy(image), bad)
        with pytest.raises(error, match=f"{name}: .*{bad}"):
            getattr(F, name)(yingshe.tensor(image), bad)
    with pytest.raises(TypeError, match=r"channel should be one of \[1, 3\].*\(2, 4, 4\)"):
        F.adjust_brightness(yingshe.tensor(np.zeros((2, 4, 4), np.float32)), 0.5)
    with pytest.raises(TypeError):
        tvF.adjust_brightness(torch.zeros(2, 4, 4), 0.5)
    grey = np.random.default_rng(0).random((4, 5)).astype(np.float32)  # H x W: one channel
    np.testing.assert_allclose(
        F.adjust_brightness(yingshe.tensor(grey), 0.7).numpy(),
        tvF.adjust_brightness(torch.from_numpy(grey), 0.7).numpy(), rtol=1e-6)


def test_color_jitter_parameters_and_repr_as_torchvision():
    import yingshe
    from yingshe.vision.transforms import ColorJitter
    T_tv = torchvision.transforms
    for kwargs in [{}, {"brightness": 0.5, "contrast": 1.5, "saturation": (0.2, 0.9),
                        "hue": 0.1}, {"hue": (-0.3, 0.2)}, {"brightness": (1, 1)}]:
        ours, theirs = ColorJitter(**kwargs), T_tv.ColorJitter(**kwargs)
        assert repr(ours) == repr(theirs)
        assert (ours.brightness, ours.contrast, ours.saturation, ours.hue) == (
            theirs.brightness, theirs.contrast, theirs.saturation, theirs.hue)
    for kwargs, error in [({"brightness": -1}, ValueError), ({"hue": 0.6}, ValueError),
                          ({"contrast": (1, 2, 3)}, TypeError),
                          ({"saturation": (2, 1)}, ValueError)]:
        with pytest.raises(error):
            T_tv.ColorJitter(**kwargs)
        with pytest.raises(error, match="ColorJitter: "):
            ColorJitter(**kwargs)
    # the four factors lie in their ranges, the order is a permutation from the generator
    order, b, c, s, h = ColorJitter.get_params((0.5, 1.5), (1, 2), None, (-0.1, 0.1),
                                               np.random.default_rng(0))
    assert sorted(order) == [0, 1, 2, 3] and s is None
    assert 0.5 <= b <= 1.5 and 1 <= c <= 2 and -0.1 <= h <= 0.1
    image = yingshe.tensor(np.random.default_rng(6).random((3, 5, 5)).astype(np.float32))
    jitter = ColorJitter(0.4, 0.4, 0.4, 0.1, generator=np.random.default_rng(7))
    first = jitter(image).numpy()
    jitter.generator = np.random.default_rng(7)
    np.testing.assert_array_equal(jitter(image).numpy(), first)
    assert not np.array_equal(first, image.numpy())


def test_color_jitter_applies_the_drawn_operations_in_the_drawn_order():
    import yingshe.vision.transforms.functional as F
    from yingshe.vision.transforms import ColorJitter
    image = _pil_pair(np.random.default_rng(8))
    jitter = ColorJitter(0.5, 0.5, 0.5, 0.2, generator=np.random.default_rng(9))
    order, *factors = ColorJitter.get_params(jitter.brightness, jitter.contrast,
                                             jitter.saturation, jitter.hue,
                                             np.random.default_rng(9))
    expected = image
    for i in order:
        expected = getattr(F, ADJUST[i])(expected, factors[i])
    np.testing.assert_array_equal(np.asarray(jitter(image)), np.asarray(expected))
