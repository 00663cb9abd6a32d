"""The ``yingshe`` command on a small subset: train writes a complete run folder, evaluate and
predict read it back, and the listings work."""
import json
import subprocess
import sys

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import cli
from yingshe.training import RunFolder


def _run(argv):
    lines = []
    result = cli.run(argv, log=lines.append)
    return result, "\n".join(lines)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    import os

    from yingshe.datasets import default_root
    if not os.environ.get("YINGSHE_DATA") or not (default_root() / "mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/")
    out = tmp_path_factory.mktemp("runs") / "smoke"
    metrics, text = _run(["train", "mlp", "--epochs", "2", "--train-subset", "600",
                          "--val-size", "300", "--batch-size", "32", "--dropout", "0.1",
                          "--augment", "--early-stopping", "3", "--scheduler", "cosine",
                          "--out", str(out), "--no-progress"])
    return out, metrics, text


def test_train_writes_a_complete_run_folder(trained_run):
    out, metrics, text = trained_run
    for name in ("config.json", "history.csv", "history.json", "checkpoint.safetensors",
                 "metrics.json"):
        assert (out / name).exists(), name
    assert str(out) in text and "test accuracy" in text
    assert metrics["test_accuracy"] > 0.5  # 600 images, 2 epochs: far above chance (0.1)
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "mlp" and config["data_info"]["train"] == 600


def test_evaluate_reproduces_the_test_accuracy(trained_run):
    out, metrics, _ = trained_run
    result, text = _run(["evaluate", str(out)])
    assert result["accuracy"] == pytest.approx(metrics["test_accuracy"])
    assert "10000 images" in text


def test_predict_an_image_of_any_size(trained_run, tmp_path):
    out, _, _ = trained_run
    from yingshe.vision.datasets import MNIST
    image = np.asarray(MNIST(train=False)[0][0])
    big = np.kron(image, np.ones((2, 2), np.uint8))  # 56 x 56
    np.save(tmp_path / "digit.npy", big)
    ranked, text = _run(["predict", str(out / "checkpoint.safetensors"),
                         str(tmp_path / "digit.npy")])
    assert len(ranked) == 3 and text.startswith("->")
    assert abs(sum(p for _, p in ranked)) <= 1.0
    pil = pytest.importorskip("PIL.Image")
    pil.fromarray(255 - big).save(tmp_path / "digit.png")  # dark on light: inverted on load
    ranked_png, _ = _run(["predict", str(out), str(tmp_path / "digit.png")])
    assert ranked_png[0][0] == ranked[0][0]


def test_predict_marks_a_blank_image_unreliable_and_exits_0(trained_run, tmp_path, capsys):
    out, _, _ = trained_run
    pil = pytest.importorskip("PIL.Image")
    pil.new("L", (60, 40), 255).save(tmp_path / "blank.png")
    assert _status(["predict", str(out), str(tmp_path / "blank.png")]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("->") and "(unreliable" in lines[0]
    assert "unreliable" not in lines[1]
    assert captured.err.startswith(f"warning: {tmp_path / 'blank.png'}: the image is flat")


def drawn_seven(path, size=(200, 120)):
    """A thick black '7' on white paper, off-centre in a ``size`` (width, height) picture."""
    from PIL import Image, ImageDraw
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    draw.line([(20, 15), (80, 15)], fill=0, width=12)
    draw.line([(80, 15), (45, 105)], fill=0, width=12)
    image.save(path)
    return path


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def test_a_drawn_digit_is_prepared_as_mnist_digits_were(tmp_path):
    from yingshe.training.recipes.classification import load_image
    image = load_image(drawn_seven(tmp_path / "seven.png"))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() == 0.0 and image.max() == 1.0  # inverted: light ink on black
    assert image[0].max() == 0 and image[:, 0].max() == 0
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert rows[-1] - rows[0] + 1 == 20  # the longer side (the height of the 7) is 20
    assert cols[-1] - cols[0] + 1 < 20
    cy, cx = centre_of_mass(image)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    # the same digit as a transparent PNG (ink on no paper) or light on dark: the same result
    from PIL import Image
    grey = Image.open(tmp_path / "seven.png")
    rgba = Image.new("RGBA", grey.size, (0, 0, 0, 0))
    rgba.putalpha(Image.eval(grey, lambda v: 255 - v))
    rgba.save(tmp_path / "transparent.png")
    np.testing.assert_allclose(load_image(tmp_path / "transparent.png"), image, atol=1e-6)
    Image.eval(grey, lambda v: 255 - v).save(tmp_path / "dark.png")
    np.testing.assert_allclose(load_image(tmp_path / "dark.png"), image, atol=1e-6)


def test_blank_and_flat_images_warn_instead_of_answering():
    from yingshe.training.recipes.classification import UnreliableImageWarning, prepare_image
    with pytest.warns(UnreliableImageWarning, match="flat .every pixel is 0.700"):
        out = prepare_image(np.full((30, 40), 0.7))
    assert out.shape == (28, 28)
    paper = np.ones((30, 40))
    paper[10, 20] = 0.95  # a speck: not a digit
    with pytest.warns(UnreliableImageWarning, match="no ink: its strongest mark is 0.050"):
        prepare_image(paper)
    check_raises(lambda: prepare_image(paper, invert="yes"), ValueError, "'yes'")
    check_raises(lambda: prepare_image(paper, dataset="cifar"), ValueError, "'cifar'")


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_the_data_sets_own_images_pass_almost_unchanged(data_root, name):
    from yingshe.datasets.prepare import DATASETS
    from yingshe.training.recipes.classification import prepare_image
    images = DATASETS[name](data_root, train=False).arrays()[0][:300] / np.float32(255)
    prepared = np.stack([prepare_image(image, dataset=name) for image in images])
    change = np.abs(prepared - images).mean(axis=(1, 2))
    assert np.median(change) < 1e-6 and change.mean() < 0.01, (np.median(change), change.mean())
    if name == "mnist":
        first = prepared[0]
        np.testing.assert_allclose(first, images[0], atol=1e-6)
        cy, cx = centre_of_mass(first)
        assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_listings_and_errors(tmp_path):
    _, text = _run(["models"])
    assert "lenet5" in text and "mlp" in text
    _, text = _run(["datasets", "--data", str(tmp_path)])
    assert "missing" in text and "fashion-mnist" in text
    with pytest.raises(SystemExit, match="no checkpoint"):
        _run(["evaluate", str(tmp_path)])


def test_console_entry_point_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "yingshe", "models"], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0 and "lenet5" in result.stdout


def test_every_listed_model_builds_and_runs():
    import yingshe
    from yingshe.models import MODELS, create_model
    for name in MODELS:
        model = create_model(name, in_channels=1, image_size=28, num_classes=10)
        assert model(yingshe.randn(2, 1, 28, 28)).shape == (2, 10), name


class Stopped(Exception):
    """Raised in place of a crash right after the first epoch's checkpoint."""


def test_train_resumes_from_the_last_epoch(data_root, tmp_path, monkeypatch):
    """2 epochs straight, or the same run stopped after epoch 1 and continued with `--resume`
    (which takes the other options from the run folder): the same history and final weights."""
    from yingshe.training import Trainer
    options = ["--epochs", "2", "--train-subset", "300", "--val-size", "100", "--batch-size",
               "50", "--dropout", "0.2", "--augment", "--scheduler", "cosine",
               "--early-stopping", "2", "--no-progress"]
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    _run(["train", "mlp", "--out", str(whole)] + options)
    save = Trainer.save_checkpoint

    def save_then_stop(trainer, path):
        save(trainer, path)
        if str(path).endswith(RunFolder.LAST):
            raise Stopped

    with monkeypatch.context() as patch:
        patch.setattr(Trainer, "save_checkpoint", save_then_stop)
        with pytest.raises(Stopped):
            _run(["train", "mlp", "--out", str(parts)] + options)
    yingshe.manual_seed(99)  # the resumed run must restore the random state itself
    metrics, text = _run(["train", "mlp", "--resume", "--no-progress", "--out", str(parts)])
    assert "resumed" in text and metrics["epochs_run"] == 2
    rows = [json.loads((run / "history.json").read_text()) for run in (whole, parts)]
    for a, b in zip(*rows, strict=True):
        assert {k: v for k, v in a.items() if k != "seconds"} == \
            {k: v for k, v in b.items() if k != "seconds"}
    weights = [yingshe.load(run / RunFolder.LAST)["modules"]["model"] for run in (whole, parts)]
    for name in weights[0]:
        np.testing.assert_array_equal(weights[0][name].numpy(), weights[1][name].numpy())
    with pytest.raises(SystemExit, match="is a run of 'mlp', not 'lenet5'"):
        _run(["train", "lenet5", "--resume", "--out", str(parts)])


@pytest.mark.parametrize("argv, message", [
    (["train", "mlp", "--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
    (["train", "mlp", "--epochs", "-1"], "argument --epochs: must be at least 1, got -1"),
    (["train", "mlp", "--train-subset", "-10"], "--train-subset: must be at least 1, got -10"),
    (["train", "vae", "--batch-size", "0"], "--batch-size: must be at least 1, got 0"),
    (["train", "mlp", "--dataset", "mnst"], ("unknown dataset 'mnst' (choose from mnist, "
                                            "fashion-mnist, cifar10, bccd-cells); did you mean "
                                            "'mnist'?")),
    (["train", "vae", "--dataset", "cifar10"], ("unknown dataset 'cifar10' (choose from mnist, "
                                               "fashion-mnist)")),
    (["train", "word2vec", "--corpus", "ptbb"], "did you mean 'ptb'?"),
    (["train", "dcgan", "--generator-ema", "1.5"], "must lie strictly between 0.0 and 1.0"),
    (["train", "lenet", "--epochs", "1"], "unknown model 'lenet'; did you mean 'lenet5'?"),
])
def test_bad_values_are_one_line_and_status_2_before_anything_is_written(
        argv, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert _status(argv + ["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def _status(argv):
    """The exit status of `yingshe ARGV` through the console entry point."""
    try:
        return cli.main(argv)
    except SystemExit as stop:
        return stop.code


def test_a_missing_data_set_says_how_to_get_it(tmp_path, capsys):
    assert _status(["train", "lenet5", "--data", str(tmp_path), "--out",
                    str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--download" in err and "mnist" in err
    assert not (tmp_path / "run").exists()


def test_a_run_folder_is_not_overwritten_without_resume_or_overwrite(data_root, tmp_path,
                                                                     capsys):
    small = ["--epochs", "1", "--train-subset", "50", "--val-size", "50", "--no-progress",
             "--out", str(tmp_path / "run")]
    _run(["train", "lenet_seed"] + small)
    before = (tmp_path / "run" / "config.json").read_text()
    assert _status(["train", "lenet_seed", "--lr", "0.01"] + small) == 2
    assert "holds a run already (config.json); --resume continues it; --overwrite trains a " \
           "new one" in capsys.readouterr().err
    assert (tmp_path / "run" / "config.json").read_text() == before
    _run(["train", "lenet_seed", "--lr", "0.01", "--overwrite"] + small)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["lr"] == 0.01


def test_version_and_the_data_set_listing(data_root, capsys):
    assert _status(["--version"]) == 0
    assert capsys.readouterr().out == f"yingshe {yingshe.__version__}\n"
    states, text = _run(["datasets", "--data", str(data_root)])
    assert set(states) == {"mnist", "fashion-mnist", "ptb", "wikitext-2", "tinyshakespeare",
                           "fra-eng", "rt-polarity", "word-eval"}
    assert text.count(": ready") == 8


@pytest.mark.parametrize("extra, message", [
    ([], "Training stopped at epoch 1, step "),
    (["--detect-anomaly"], "returned nan values in its 0th output. Its forward call is printed"),
])
def test_a_diverging_run_stops_with_one_line(data_root, tmp_path, capsys, extra, message):
    """SGD with lr 1e12 overflows within a few steps: the run stops naming the step (or, with
    --detect-anomaly, the backward op that returned NaN), without a traceback."""
    argv = ["train", "mlp", "--optimizer", "sgd", "--lr", "1e12", "--epochs", "2",
            "--train-subset", "500", "--val-size", "100", "--no-progress",
            "--out", str(tmp_path / "run")]
    with np.errstate(all="ignore"):
        assert _status(argv + extra) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last and "Traceback" not in err
