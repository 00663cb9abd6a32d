"""Transfer learning and the colour/class-subset data paths of ``yingshe train``: class subsets
and few labels per class, the BCCD cells with their official splits, loading a backbone (grey to
colour), freezing it, per-group learning rates, and the CLI end to end."""
import pickle

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import cli
from yingshe.datasets import DatasetIntegrityError, prepare
from yingshe.datasets.utils import md5sum
from yingshe.training import transfer
from yingshe.training.recipes import classification as recipe
from yingshe.vision import models
from yingshe.vision.datasets import CIFAR10, BCCDCells, parse_voc_annotation


def _run(argv):
    lines = []
    return cli.run(argv, log=lines.append), "\n".join(lines)


def test_class_subsets_are_relabelled_and_few_labels_drawn_per_class(data_root):
    train, val, test, info = prepare.classification_splits(
        "fashion-mnist", data_root, val_size=0, classes=[7, 5, 9], labels_per_class=6)
    assert info["classes"] == ["Sneaker", "Sandal", "Ankle boot"]
    assert val is None and len(train) == 18 and len(test) == 3000
    labels = np.array([int(train[i][1]) for i in range(len(train))])
    assert np.bincount(labels).tolist() == [6, 6, 6]
    _, test_labels = test.tensors
    assert sorted(np.unique(test_labels.numpy()).tolist()) == [0, 1, 2]
    again, *_ = prepare.classification_splits(
        "fashion-mnist", data_root, val_size=0, classes=[7, 5, 9], labels_per_class=6)
    np.testing.assert_array_equal(again.tensors[0].numpy(), train.tensors[0].numpy())
    check_raises(lambda: prepare.classification_splits("mnist", data_root, classes=[3, 3]),
                 ValueError, "distinct indices in 0..9")
    check_raises(lambda: prepare.classification_splits("mnist", data_root, classes=[10]),
                 ValueError, "[10]")
    check_raises(lambda: prepare.classification_splits("mnist", data_root, val_size=0,
                                                       train_subset=None,
                                                       labels_per_class=10 ** 5),
                 ValueError, "has only")


def test_bccd_cells_use_the_official_lists(data_root):
    counts = {"train": [2381, 214, 209], "val": [967, 87, 83], "test": [805, 71, 69]}
    for split, expected in counts.items():
        cells = BCCDCells(data_root, split=split)
        images, labels = cells.arrays()
        assert images.shape == (sum(expected), 32, 32, 3) and images.dtype == np.uint8
        assert np.bincount(labels).tolist() == expected  # the two zero-area boxes left out
    image, label = cells[0]
    assert image.size == (32, 32) and image.mode == "RGB" and label in (0, 1, 2)
    train, _, _, info = prepare.classification_splits("bccd-cells", data_root,
                                                      augment="crop-flip")
    assert (info["train"], info["validation"], info["test"]) == (2804, 1137, 945)
    assert info["image_shape"] == [3, 32, 32] and info["classes"] == ["RBC", "WBC", "Platelets"]
    x, _ = train[0]
    assert tuple(x.shape) == (3, 32, 32)
    check_raises(lambda: BCCDCells(data_root, split="extra"), ValueError, "trainval")


def test_a_damaged_voc_annotation_is_named(tmp_path):
    (tmp_path / "a.xml").write_text("<annotation><object><name>RBC</name></object>"
                                    "<filename>a.jpg</filename></annotation>")
    check_raises(lambda: parse_voc_annotation(tmp_path / "a.xml"), DatasetIntegrityError,
                 "a.xml: an object without a name or a complete numeric bndbox")
    (tmp_path / "b.xml").write_text("<annotation>")
    check_raises(lambda: parse_voc_annotation(tmp_path / "b.xml"), DatasetIntegrityError,
                 "b.xml: not a VOC annotation")


def test_a_grey_backbone_serves_colour_images():
    """Sharing each first-layer filter among the channels: a grey image copied to three
    channels gives the colour network the grey network's features."""
    yingshe.manual_seed(0)
    grey = models.resnet18(num_classes=5, in_channels=1, small_input=True, width_mult=0.125)
    colour = models.resnet18(num_classes=3, in_channels=3, small_input=True, width_mult=0.125)
    fresh = transfer.load_backbone(colour, grey.state_dict(), log=lambda line: None)
    assert fresh == ["fc.bias", "fc.weight"]
    np.testing.assert_allclose(colour.conv1.weight.detach().numpy().sum(axis=1),
                               grey.conv1.weight.detach().numpy()[:, 0], rtol=1e-6)
    grey.fc, colour.fc = yingshe.nn.Identity(), yingshe.nn.Identity()
    image = yingshe.rand(2, 1, 28, 28)
    with yingshe.no_grad():
        np.testing.assert_allclose(colour.eval()(image.expand(2, 3, 28, 28)).numpy(),
                                   grey.eval()(image).numpy(), rtol=1e-4, atol=1e-6)
    check_raises(lambda: transfer.load_backbone(models.alexnet(num_classes=3),
                                                grey.state_dict(), log=lambda line: None),
                 ValueError, "none of the")


def test_a_frozen_backbone_does_not_move_and_groups_get_their_rates():
    yingshe.manual_seed(0)
    model = models.vgg11_bn(num_classes=4, in_channels=1, small_input=True, width_mult=0.125)
    groups = transfer.parameter_groups(model, lr=0.1, backbone_lr_scale=0.01)
    assert [g["lr"] for g in groups] == [pytest.approx(0.001), 0.1]
    assert transfer.head_of(model)[0] == "classifier.6"
    head = transfer.freeze_backbone(model)
    assert [p.requires_grad for p in model.parameters()].count(True) == len(head) == 2
    before = {k: v.detach().numpy().copy() for k, v in model.named_parameters()}
    groups = transfer.parameter_groups(model, lr=0.1)
    assert len(groups) == 1
    optimizer = yingshe.optim.SGD(groups, lr=0.1)
    loss = yingshe.nn.functional.cross_entropy(model(yingshe.randn(8, 1, 28, 28)),
                                               yingshe.tensor([0, 1, 2, 3] * 2))
    loss.backward()
    optimizer.step()
    moved = [k for k, v in model.named_parameters()
             if not np.array_equal(v.detach().numpy(), before[k])]
    assert moved == ["classifier.6.weight", "classifier.6.bias"]


def test_cli_pretrain_then_fine_tune_a_frozen_backbone(data_root, tmp_path):
    common = ["--dataset", "fashion-mnist", "--width-mult", "0.125", "--epochs", "1",
              "--batch-size", "32", "--no-progress", "--data", str(data_root)]
    source = tmp_path / "source"
    _run(["train", "vgg11_bn", *common, "--classes", "0-4", "--train-subset", "64",
          "--val-size", "32", "--out", str(source)])
    target = tmp_path / "target"
    metrics, text = _run(["train", "vgg11_bn", *common, "--classes", "5,6,7,8,9",
                          "--labels-per-class", "4", "--val-size", "0", "--pretrained",
                          str(source), "--freeze-backbone", "--out", str(target)])
    assert "new: classifier.6.bias, classifier.6.weight" in text
    assert "(2,565 trained)" in text and metrics["epochs_run"] == 1
    assert metrics["best_val_accuracy"] is None  # no validation: the last epoch is kept
    before = transfer.read_weights(source)
    after = transfer.read_weights(target)
    for key in ("features.0.weight", "classifier.0.weight"):
        np.testing.assert_array_equal(after[key].numpy(), before[key].numpy())
    model, config = recipe.load_model(target)
    assert config["classes"] == [5, 6, 7, 8, 9] and config["pretrained"] == str(source)
    assert model.classifier[6].out_features == 5


def test_cli_refuses_options_that_do_not_apply(data_root, tmp_path, capsys):
    out = ["--data", str(data_root), "--out", str(tmp_path / "run")]
    with pytest.raises(SystemExit, match="need pretrained weights"):
        _run(["train", "vgg11_bn", "--freeze-backbone", *out])
    check_raises(lambda: recipe.complete_config("lenet5", width_mult=0.5), ValueError,
                 "width_mult does not apply to lenet5")
    with pytest.raises(SystemExit, match="resnet18 has no dropout layer"):
        _run(["train", "resnet18", "--dropout", "0.5", "--train-subset", "8", *out])
    with pytest.raises(SystemExit):
        cli.main(["train", "vgg11_bn", "--classes", "five", *out])
    assert "expected a range like 5-9 or a list like 0,2,4, got 'five'" in capsys.readouterr().err
    assert cli.main(["train", "lenet5", "--width-mult", "0.5", *out]) == 2
    assert "--width-mult does not apply to lenet5" in capsys.readouterr().err


def _colour_cifar(root, rng, per_file=40):
    """CIFAR-10 files whose class shows in the colour: class c tints channel c % 3 and puts a
    bright square at one of 4 places (c // 3 ... ) so the ConvNet must use colour and
    position.  Returns CIFAR10 with the written files' MD5s."""
    folder = root / CIFAR10.base_folder
    folder.mkdir(parents=True)
    lists = {}
    for split in ("train_list", "test_list"):
        lists[split] = []
        for name, _ in getattr(CIFAR10, split):
            labels = rng.integers(0, 10, per_file)
            images = rng.integers(0, 80, (per_file, 3, 32, 32)).astype(np.uint8)
            for image, label in zip(images, labels):
                image[label % 3] += 100
                row, col = divmod(int(label) % 4, 2)
                image[:, row * 16:row * 16 + 8, col * 16:col * 16 + 8] = 250
            with open(folder / name, "wb") as f:
                pickle.dump({"labels": labels.tolist(), "data": images.reshape(per_file, -1)},
                            f, protocol=2)
            lists[split].append([name, md5sum(folder / name)])
    with open(folder / CIFAR10.meta["filename"], "wb") as f:
        pickle.dump({"label_names": [f"class {i}" for i in range(10)]}, f, protocol=2)
    meta = dict(CIFAR10.meta, md5=md5sum(folder / CIFAR10.meta["filename"]))
    return type("CIFAR10", (CIFAR10,), {**lists, "meta": meta})


def test_the_seed_convnet_trains_on_colour_images(tmp_path, monkeypatch):
    """Seed 004 §4.1's ConvNet (3 x 32 x 32 input) learns a colour set in CIFAR-10's format."""
    monkeypatch.setitem(prepare.DATASETS, "cifar10",
                        _colour_cifar(tmp_path, np.random.default_rng(0)))
    metrics, text = _run(["train", "lenet_seed", "--dataset", "cifar10", "--data",
                          str(tmp_path), "--epochs", "12", "--val-size", "0", "--batch-size",
                          "20", "--lr", "0.003", "--no-progress", "--out", str(tmp_path / "r")])
    assert "200 train / 0 validation / 40 test images" in text
    assert metrics["test_accuracy"] >= 0.9, text
