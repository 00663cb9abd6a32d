"""Run folders written before the refit (tests/data/old_runs, see its README) still load,
evaluate and resume: one of each kind of run and each earlier training-state layout."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import yingshe
from helpers import run_example
from yingshe import cli
from yingshe.training import RunFolder, read_training_state, save_training_state

OLD = Path(__file__).parent / "data" / "old_runs"


def _run(argv):
    lines = []
    return cli.run([str(a) for a in argv], log=lines.append), "\n".join(lines)


def _copy(name, tmp_path):
    return Path(shutil.copytree(OLD / name, tmp_path / name))


def _arrays(tree, prefix=""):
    """{dotted path: array} of the tensors in nested dicts and lists."""
    if isinstance(tree, yingshe.Tensor):
        return {prefix: tree.numpy()}
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) \
        if isinstance(tree, (list, tuple)) else []
    return {path: array for key, value in items
            for path, array in _arrays(value, f"{prefix}.{key}").items()}


@pytest.mark.parametrize("name, state, modules", [
    ("classifier", "last.safetensors", {"model"}),
    ("classifier", "checkpoint.safetensors", {"model"}),
    ("conv-autoencoder", "last.safetensors", {"model"}),
    ("char-lm", "checkpoint.safetensors", {"model"}),
    ("translation", "checkpoint.safetensors", {"model"})])
def test_earlier_layouts_read_as_the_one_format_without_loss(tmp_path, name, state, modules):
    old = yingshe.load(OLD / name / state)
    converted = read_training_state(OLD / name / state)
    assert set(converted["modules"]) == modules == set(converted["optimizers"])
    assert converted["progress"]["history"] == old.get("history", old.get("progress", {}).get(
        "history"))
    before = _arrays(old)
    after = _arrays({key: value for key, value in converted.items() if key != "progress"})
    assert sorted(np.concatenate([a.ravel() for a in before.values()]).tolist()) == \
        sorted(np.concatenate([a.ravel() for a in after.values()]).tolist())


def test_an_old_classifier_run_evaluates_predicts_and_resumes(data_root, tmp_path):
    run = _copy("classifier", tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    result, text = _run(["evaluate", run])
    assert result["accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-3)
    np.save(tmp_path / "digit.npy", np.zeros((28, 28), np.float32))
    ranked, _ = _run(["predict", run, tmp_path / "digit.npy"])
    assert len(ranked) == 3
    resumed, text = _run(["train", "lenet_seed", "--resume", "--epochs", "2", "--out", run,
                          "--no-progress"])
    assert "resumed" in text and resumed["epochs_run"] == 2
    history = json.loads((run / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[0] == json.loads((OLD / "classifier" / "history.json").read_text())[0]
    assert read_training_state(run / RunFolder.LAST)["progress"]["epoch"] == 2


def test_an_old_generative_run_interpolates_and_resumes(data_root, tmp_path):
    pytest.importorskip("matplotlib")
    run = _copy("conv-autoencoder", tmp_path)
    images, _ = _run(["interpolate", run, "--images", "0", "1", "--steps", "3",
                      "--out", tmp_path / "walk.png"])
    assert images.shape == (3, 1, 28, 28)
    metrics, text = _run(["train", "conv-autoencoder", "--resume", "--epochs", "2", "--out",
                          run, "--no-progress"])
    assert "resumed" in text and metrics["epochs_run"] == 2 and np.isfinite(metrics["test_mse"])
    assert set(RunFolder(run).load_weights()) == {"model"}


def test_old_word_vectors_answer_queries(data_root, tmp_path):
    result, _ = _run(["similar", OLD / "word2vec", "the", "--topn", "2"])
    assert len(result) == 2
    metrics, _ = _run(["evaluate-vectors", OLD / "word2vec", "--data", data_root])
    assert metrics["analogy"]["total"] == 19_544


def test_an_old_character_model_generates(data_root):
    text, _ = _run(["generate", OLD / "char-lm", "--prompt", "RO", "--length", "5"])
    assert text.startswith("RO") and len(text) == 7


def test_an_old_stopped_example_run_resumes_to_the_uninterrupted_result(data_root, tmp_path):
    """The char LM stopped after step 2 of 4 by the old code, resumed by this code, ends where
    the old code's uninterrupted run ended (to rounding: another machine may sum in another
    order)."""
    run = _copy("char-lm-stopped", tmp_path)
    run_example("char_language_model.py", ["--resume", "--no-progress", "--out", str(run)])
    history = [json.loads((folder / "history.json").read_text())
               for folder in (OLD / "char-lm", run)]
    for whole, resumed in zip(*history, strict=True):
        assert resumed["step"] == whole["step"]
        assert resumed["val_loss"] == pytest.approx(whole["val_loss"], rel=1e-5)
    weights = [RunFolder(folder).load_weights()["model"] for folder in (OLD / "char-lm", run)]
    for name, value in weights[0].items():
        np.testing.assert_allclose(weights[1][name].numpy(), value.numpy(), rtol=1e-4,
                                   atol=1e-6, err_msg=name)


def test_an_old_translation_run_translates_and_resumes(data_root, tmp_path):
    text, _ = _run(["translate", OLD / "translation", "he is here .", "--beam", "2"])
    assert isinstance(text, str)
    run = _copy("translation", tmp_path)
    run_example("translation.py", ["--resume", "--epochs", "2", "--no-progress", "--out",
                                   str(run)])
    history = json.loads((run / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    assert read_training_state(run / RunFolder.LAST)["progress"]["history"] == history


def test_the_converted_state_resumes_like_the_old_file(data_root, tmp_path):
    """Saved again in the one format, an old training state resumes to the same weights."""
    old, new = _copy("classifier", tmp_path / "old"), _copy("classifier", tmp_path / "new")
    state = read_training_state(old / RunFolder.LAST)
    (new / RunFolder.LAST).unlink()

    class Holder:  # an object with the state_dict() the saver asks for
        def __init__(self, state):
            self.state = state

        def state_dict(self):
            return self.state

    yingshe.set_rng_state(state["rng"])
    save_training_state(new / RunFolder.LAST, {"model": Holder(state["modules"]["model"])},
                        {name: Holder(value) for name, value in state["optimizers"].items()},
                        {name: Holder(value) for name, value in state["schedulers"].items()},
                        **state["progress"])
    for run in (old, new):
        _run(["train", "lenet_seed", "--resume", "--epochs", "2", "--out", run, "--no-progress"])
    weights = [read_training_state(run / RunFolder.LAST)["modules"]["model"]
               for run in (old, new)]
    for name, value in weights[0].items():
        np.testing.assert_array_equal(weights[1][name].numpy(), value.numpy(), err_msg=name)
