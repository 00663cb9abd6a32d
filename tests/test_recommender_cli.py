"""``yingshe train mf|autorec|gmf|mlp-rec|neumf`` and ``yingshe recommend`` end to end on a few
MovieLens users (seconds): run folders, exact resumption, pretraining, and the error
messages."""
import json
import math

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import cli
from yingshe.datasets import default_root
from yingshe.datasets.movielens import MovieLens100K
from yingshe.training.run_folder import RunFolderError

TINY = {"mf": ("--factors", "4"), "autorec": ("--hidden", "8"), "gmf": ("--factors", "4"),
        "mlp-rec": ("--layers", "8", "4"), "neumf": ("--factors", "4", "--layers", "8", "4")}


@pytest.fixture(autouse=True)
def _movielens():
    if not (default_root() / "ml-100k").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding ml-100k/")


def _run(*argv):
    """(returned value, logged lines) of ``yingshe ARGV``."""
    lines = []
    return cli.run([str(a) for a in argv], log=lines.append), lines


def _train(model, out, *extra, epochs=2, users=30):
    return _run("train", model, *TINY[model], "--users", users, "--epochs", epochs,
                "--no-progress", "--out", out, *extra)


def test_the_recommenders_are_listed():
    _, lines = _run("models")
    listed = [line.split()[0] for line in lines]
    for model in TINY:
        assert model in listed


@pytest.mark.parametrize("model, extra", [("mf", ()), ("mf", ("--features",)),
                                          ("autorec", ())])
def test_explicit_run_folder_and_recommendations(tmp_path, model, extra):
    out = tmp_path / model
    metrics, lines = _train(model, out, *extra)
    assert "training" in lines[0] and "u1.base" in lines[0] and "30 users" in lines[0]
    config = json.loads((out / "config.json").read_text())
    assert (config["model"], config["fold"], config["users"], config["epochs"]) == (
        model, "u1", 30, 2)
    if model == "mf":
        assert config["features"] == bool(extra)
        weights = yingshe.load(out / "model.safetensors")["model"]
        assert ("attribute_factors.weight" in weights) == bool(extra)
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    assert all(math.isfinite(row[key]) for row in history
               for key in ("train_loss", "train_rmse", "test_rmse", "test_mae"))
    assert metrics["test_rmse"] == history[-1]["test_rmse"] and metrics["users"] == 30
    assert json.loads((out / "metrics.json").read_text()) == metrics
    for name in ("model.safetensors", "last.safetensors", "history.csv", "curves.png"):
        assert (out / name).is_file(), name

    ranked, lines = _run("recommend", out, "--user", 3, "--top", 5)
    assert len(ranked) == 5 and len(lines) == 6 and "user 3" in lines[0]
    train = MovieLens100K(fold="u1").ratings
    seen = set(train.items[train.users == 2] + 1)
    titles = MovieLens100K(fold="u1").titles
    for (item, title, score), line in zip(ranked, lines[1:]):
        assert item not in seen and title == titles[item - 1] and title in line
        assert 1.0 <= score <= 5.0
    assert [score for *_, score in ranked] == sorted((s for *_, s in ranked), reverse=True)


def test_implicit_runs_and_neumf_from_pretrained_ones(tmp_path):
    for model in ("gmf", "mlp-rec"):
        metrics, _ = _train(model, tmp_path / model, epochs=1)
        assert 0.0 <= metrics["hr@10"] <= 1.0 and 0.0 <= metrics["ndcg@10"] <= metrics["hr@10"]
        assert 0.0 < metrics["popularity_hr@10"] < 1.0
    gmf = yingshe.load(tmp_path / "gmf" / "model.safetensors")["model"]
    metrics, _ = _train("neumf", tmp_path / "neumf", "--pretrain", tmp_path / "gmf",
                            tmp_path / "mlp-rec", epochs=1)
    assert "hr@10" in metrics and "popularity_ndcg@10" in metrics
    ranked, _ = _run("recommend", tmp_path / "neumf", "--user", 30, "--top", 3)
    assert len(ranked) == 3 and all(0.0 < score < 1.0 for *_, score in ranked)
    # the NeuMF run started from the GMF run's embeddings (one epoch of Adam moved them little)
    neumf = yingshe.load(tmp_path / "neumf" / "model.safetensors")["model"]
    start = gmf["user_embedding.weight"].numpy()
    moved = np.abs(neumf["gmf.user_embedding.weight"].numpy() - start).max()
    assert moved < np.abs(start).max()
    check_raises(lambda: _train("neumf", tmp_path / "other", "--pretrain", tmp_path / "gmf",
                                tmp_path / "mlp-rec", "--factors", 6),
                 SystemExit, "was trained with factors = 4, this run has 6")


class _Killed(Exception):
    """Stands for the process being killed in the middle of an epoch."""


@pytest.mark.parametrize("model", ["mf", "autorec", "gmf"])
def test_a_killed_run_resumes_to_the_same_weights(tmp_path, model):
    _train(model, tmp_path / "whole", epochs=3)

    def killed_during_epoch_2(line):
        if line.startswith("epoch 2/3"):  # after epoch 2's updates, before its checkpoint
            raise _Killed

    argv = ["train", model, *TINY[model], "--users", "30", "--epochs", "3", "--no-progress",
            "--out", str(tmp_path / "parts")]
    with pytest.raises(_Killed):
        cli.run(argv, log=killed_during_epoch_2)
    _, lines = _run("train", model, "--resume", "--no-progress", "--out", tmp_path / "parts")
    assert "resumed" in lines[0] and "after epoch 1" in lines[0]
    whole = yingshe.load(tmp_path / "whole" / "model.safetensors")["model"]
    parts = yingshe.load(tmp_path / "parts" / "model.safetensors")["model"]
    assert list(whole) == list(parts)
    for name in whole:
        np.testing.assert_array_equal(whole[name].numpy(), parts[name].numpy(), err_msg=name)
    rows = [json.loads((tmp_path / run / "history.json").read_text()) for run in
            ("whole", "parts")]
    for row, other in zip(*rows):
        assert {k: v for k, v in row.items() if k != "seconds"} == \
            {k: v for k, v in other.items() if k != "seconds"}


def test_unknown_users_and_bad_options_are_clear_errors(tmp_path):
    out = tmp_path / "mf"
    _train("mf", out, epochs=1, users=20)
    check_raises(lambda: _run("recommend", out, "--user", 944), SystemExit,
                 "unknown user 944", "1-943")
    check_raises(lambda: _run("recommend", out, "--user", 21), SystemExit,
                 "unknown user 21", "users 1-20: --users 20")
    check_raises(lambda: _run("recommend", out, "--user", 0), SystemExit, "unknown user 0")
    check_raises(lambda: _run("recommend", tmp_path, "--user", 1), SystemExit,
                 "has no config.json")
    check_raises(lambda: _train("mf", tmp_path / "x", "--dropout", 0.5), SystemExit,
                 "--dropout does not apply to mf", "autorec")
    check_raises(lambda: _train("autorec", tmp_path / "x", "--dropout", 1.5), SystemExit,
                 "dropout must lie in [0, 1)", "1.5")
    check_raises(lambda: _train("mf", tmp_path / "x", "--users", 2000), SystemExit,
                 "943 users", "2000")
    check_raises(lambda: _train("mf", tmp_path / "x", "--detect-anomaly"), SystemExit,
                 "sparse")
    check_raises(lambda: _train("mf", out), SystemExit, "holds a run already")
    with pytest.raises(SystemExit):  # argparse: an unknown fold
        _train("mf", tmp_path / "x", "--fold", "u9")
    assert not (tmp_path / "x").exists()


def test_recommending_from_a_run_without_weights_is_refused(tmp_path):
    out = tmp_path / "unfinished"
    _train("gmf", out, epochs=1)
    (out / "model.safetensors").unlink()
    check_raises(lambda: _run("recommend", out, "--user", 1), SystemExit,
                 "has no model.safetensors", "--resume")
    from yingshe.training.recipes import recommender
    check_raises(lambda: recommender.recommend(out, 1), RunFolderError, "model.safetensors")
