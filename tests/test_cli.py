"""The ``yingshe`` command on a small subset: train writes a complete run folder, evaluate and
predict read it back, and the listings work."""
import json
import subprocess
import sys

import numpy as np
import pytest

import yingshe
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
    from yingshe.datasets import MNIST
    image, _label = MNIST(train=False)[0]
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
                                            "fashion-mnist); did you mean 'mnist'?")),
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
