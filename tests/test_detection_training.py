"""``yingshe train ssd|yolo|faster-rcnn`` on real detection data: each detector trains a few
steps with a falling loss, writes a complete run folder, resumes exactly, and the saved run
detects objects in an image file (``yingshe detect``).  The slow test reruns the
multi-digit MNIST SSD row of docs/results/detection.md."""
import functools
import json

import numpy as np
import pytest
from PIL import Image

from helpers import check_raises
from yingshe.cli.main import run as cli
from yingshe.datasets.utils import default_root
from yingshe.serialization import load
from yingshe.training import detection_data
from yingshe.training.recipes import detection
from yingshe.training.run_folder import RunFolderError
from yingshe.vision import datasets


@pytest.fixture
def small_sets(monkeypatch):
    """Multi-digit MNIST cut to 48 training, 8 validation and 8 test canvases."""
    monkeypatch.setattr(datasets, "MultiDigitMNIST",
                        functools.partial(datasets.MultiDigitMNIST, num_images=56))
    readers = detection_data._readers

    def cut(name, root):
        sizes = {"train": 48, "val": 8, "test": 8}
        return {split: (dataset, list(indices)[:sizes[split]])
                for split, (dataset, indices) in readers(name, root).items()}
    monkeypatch.setattr(detection_data, "_readers", cut)


def _train(out, model, epochs, **options):
    config = detection.complete_config(model, dataset="multi-mnist", epochs=epochs,
                                       **options)
    return detection.train(out, config, log=lambda *_: None, progress=False)


def test_zoom_augmentation_keeps_the_size_and_moves_the_boxes_with_the_image():
    """raccoon's augmentation (flip + zoom-in crop): the image keeps its size, a box keeps
    marking the same pixels (a bright square), and a sample whose boxes would all leave the
    view is returned unzoomed rather than without its object."""
    augment = detection_data.augmentation("raccoon")
    image = np.zeros((3, 96, 96), np.float32)
    image[:, 40:60, 30:50] = 1.0
    sample = {"image": image, "boxes": np.array([[30, 40, 50, 60]], np.float32),
              "labels": np.array([1]), "name": "square"}
    rng = np.random.default_rng(0)
    zoomed = 0
    for _ in range(20):
        out = augment(sample, rng)
        assert out["image"].shape == (3, 96, 96) and len(out["boxes"]) == len(out["labels"])
        for x0, y0, x1, y1 in out["boxes"].round().astype(int):
            inside = out["image"][0, y0 + 1:y1 - 1, x0 + 1:x1 - 1]
            assert inside.size and inside.mean() > 0.9
        zoomed += not np.allclose(out["boxes"][0][2:] - out["boxes"][0][:2], 20)
    assert zoomed > 5
    assert detection_data.augmentation("multi-mnist") is None


@pytest.mark.parametrize("model", ["ssd", "yolo", "faster-rcnn"])
def test_detector_trains_and_its_run_detects(tmp_path, small_sets, model):
    out = tmp_path / model
    metrics = _train(out, model, epochs=2, lr=3e-3)
    history = json.loads((out / "history.json").read_text())
    assert history[1]["train_loss"] < history[0]["train_loss"]
    for name in ("config.json", "metrics.json", "curves.png", "predictions.png",
                 "checkpoint.safetensors", "last.safetensors"):
        assert (out / name).is_file(), name
    assert 0.0 <= metrics["test_map"] <= metrics["test_map_50"] <= 1.0
    canvas = datasets.MultiDigitMNIST(num_images=1, train=False)[0][0]
    canvas.save(tmp_path / "digits.png")
    found = cli(["detect", str(out), str(tmp_path / "digits.png"), "--out",
                 str(tmp_path / "boxes.png"), "--score", "0.0"], log=lambda *_: None)
    with Image.open(tmp_path / "boxes.png") as drawn:
        assert drawn.size == canvas.size and drawn.mode == "RGB"
    for name, score, box in found:
        assert name in [str(d) for d in range(10)] and 0.0 <= score <= 1.0
        assert 0 <= box[0] <= box[2] <= 64 and 0 <= box[1] <= box[3] <= 64


def test_resume_continues_exactly(tmp_path, small_sets, monkeypatch):
    """A run stopped after its first epoch and resumed ends with the weights of a run that
    was never stopped."""
    _train(tmp_path / "straight", "ssd", epochs=2)
    epoch = detection._epoch

    def stop_in_second_epoch(*args, **kwargs):
        if (tmp_path / "stopped" / "last.safetensors").exists():
            raise KeyboardInterrupt
        return epoch(*args, **kwargs)
    monkeypatch.setattr(detection, "_epoch", stop_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path / "stopped", "ssd", epochs=2)
    monkeypatch.setattr(detection, "_epoch", epoch)
    config = json.loads((tmp_path / "stopped" / "config.json").read_text())
    detection.train(tmp_path / "stopped", config, resume=True, log=lambda *_: None,
                    progress=False)
    straight = load(tmp_path / "straight" / "last.safetensors")["modules"]["model"]
    resumed = load(tmp_path / "stopped" / "last.safetensors")["modules"]["model"]
    for key, value in straight.items():
        np.testing.assert_array_equal(value.numpy(), resumed[key].numpy(), err_msg=key)


def test_bad_runs_and_options_are_named(tmp_path, capsys):
    check_raises(lambda: detection.complete_config("retinanet"), ValueError,
                 "unknown detector 'retinanet'")
    check_raises(lambda: detection.complete_config("ssd", dataset="coco"), ValueError,
                 "unknown detection dataset 'coco'")
    check_raises(lambda: detection.load_model(tmp_path), RunFolderError, "has no config.json")
    with pytest.raises(SystemExit):
        cli(["train", "yolo", "--dataset", "cocoa", "--out", str(tmp_path / "x")])
    assert "unknown dataset 'cocoa'" in capsys.readouterr().err


def _voc_folder(folder, objects_per_image):
    """A VOC-layout folder of copies of raccoon-1.jpg (650 x 417), one annotation per entry of
    ``objects_per_image`` ((name, xmin, ymin, xmax, ymax) each)."""
    (folder / "images").mkdir(parents=True)
    (folder / "annotations").mkdir()
    source = Image.open(default_root() / "raccoon" / "images" / "raccoon-1.jpg")
    for index, objects in enumerate(objects_per_image):
        source.save(folder / "images" / f"im{index}.jpg")
        boxes = "".join(f"<object><name>{n}</name><bndbox><xmin>{a}</xmin><ymin>{b}</ymin>"
                        f"<xmax>{c}</xmax><ymax>{d}</ymax></bndbox></object>"
                        for n, a, b, c, d in objects)
        (folder / "annotations" / f"im{index}.xml").write_text(
            f"<annotation><filename>im{index}.jpg</filename>{boxes}</annotation>")
    return [f"im{i}" for i in range(len(objects_per_image))]


def test_bad_annotations_are_cleaned_before_training(tmp_path, monkeypatch):
    """An image without boxes, a box reaching out of its image and a box without area are
    handled when the set is read (kept as a negative, clipped, dropped; counted in the log);
    training then runs; an unknown label is an error naming the file and the box."""
    names = _voc_folder(tmp_path / "voc", [
        [("raccoon", 81, 88, 522, 408)],
        [],                                                   # no boxes
        [("raccoon", 500, 300, 900, 600), ("raccoon", 10, 10, 10, 90)],  # outside; no area
        [("raccoon", 30, 40, 200, 220)]])
    dataset = datasets.VOCDetectionFolder(tmp_path / "voc", names, ("raccoon",), "images",
                                          "annotations", keep_empty=True)
    monkeypatch.setattr(detection_data, "_readers", lambda name, root: {
        split: (dataset, range(len(dataset))) for split in ("train", "val", "test")})
    lines = []
    config = detection.complete_config("ssd", dataset="raccoon", epochs=1, batch_size=2)
    detection.train(tmp_path / "run", config, log=lines.append, progress=False)
    report = "\n".join(lines)
    assert "clipped boxes 1, dropped boxes 1" in report
    boxes = [len(dataset.target(i)["boxes"]) for i in range(len(dataset))]
    assert boxes == [1, 0, 1, 1]
    _voc_folder(tmp_path / "wrong", [[("raccoon", 1, 1, 50, 50), ("walrus", 5, 6, 70, 80)]])
    check_raises(lambda: datasets.VOCDetectionFolder(tmp_path / "wrong", ["im0"], ("raccoon",),
                                                     "images", "annotations"),
                 Exception, "im0.xml", "'walrus'", "[5, 6, 70, 80]")


@pytest.mark.slow
def test_multi_mnist_ssd_row(tmp_path):
    """docs/results/detection.md, first row: SSD on multi-digit MNIST (96 x 96 input, backbone
    pretrained on MNIST digits), mAP@0.5 >= 0.95 on the 1,000 test canvases."""
    quiet = {"log": lambda *_: None}
    cli(["pretrain-backbone", "--dataset", "mnist", "--epochs", "1", "--train-subset", "12000",
         "--out", str(tmp_path / "backbone"), "--no-progress"], **quiet)
    metrics = cli(["train", "ssd", "--dataset", "multi-mnist", "--image-size", "96", "96",
                   "--epochs", "10", "--pretrained", str(tmp_path / "backbone"),
                   "--out", str(tmp_path / "ssd"), "--no-progress"], **quiet)
    assert metrics["test_map_50"] >= 0.95
