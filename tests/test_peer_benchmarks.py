"""The peer-library benchmarks of issue 29 (benchmarks/word2vec_peer.py, recommender_peer.py,
data_pipeline.py) at toy size: each library runs in its own process and reports its figures;
no figure is compared with a speed (no timed assertions).  Skipped without gensim or
scikit-surprise (the `bench` extra) or without the data."""
import argparse
import json
import math

import numpy as np
import pytest

from benchmarks import data_pipeline, peers, recommender_peer, word2vec_peer


def _medians(path):
    return json.loads(path.read_text())["median"]


def test_medians_take_numbers_over_rounds_and_names_from_the_first():
    rounds = [{"library": "a", "speed": 3.0, "epochs": 2}, {"library": "a", "speed": 1.0,
                                                            "epochs": 2},
              {"library": "a", "speed": 2.0, "epochs": 2}]
    assert peers.medians(rounds) == {"library": "a", "speed": 2.0, "epochs": 2}


def test_word2vec_peer_trains_both_libraries_on_the_same_corpus(data_root, tmp_path, capsys):
    pytest.importorskip("gensim")
    out = tmp_path / "w2v.json"
    word2vec_peer.main(["--max-tokens", "20000", "--epochs", "1", "--dim", "16", "--rounds",
                        "1", "--threads", "1", "--data", str(data_root), "--json", str(out)])
    medians = _medians(out)
    assert set(medians) == {"yingshe", "gensim"}
    for figures in medians.values():
        assert figures["tokens_per_s"] > 0 and figures["wordsim353_pairs"] > 1
        assert -1 <= figures["wordsim353"] <= 1
    assert medians["yingshe"]["corpus_tokens"] == medians["gensim"]["corpus_tokens"]
    assert medians["yingshe"]["vocabulary"] == medians["gensim"]["vocabulary"]
    assert "tokens/s yingshe / gensim" in capsys.readouterr().out


def test_recommender_peer_trains_both_on_the_fold(data_root, tmp_path):
    pytest.importorskip("surprise")
    out = tmp_path / "mf.json"
    recommender_peer.main(["--fold", "u1", "--epochs", "1", "--factors", "8", "--rounds", "1",
                           "--threads", "1", "--data", str(data_root), "--json", str(out)])
    medians = _medians(out)
    for library in ("yingshe", "surprise"):
        figures = medians[library]
        assert (figures["epochs"], figures["factors"]) == (1, 8)
        assert figures["epoch_seconds"] > 0
        assert 0.8 < figures["rmse"] < 1.3 and 0.6 < figures["mae"] < figures["rmse"]


def test_data_pipeline_times_both_loaders(tmp_path):
    out = tmp_path / "pipeline.json"
    data_pipeline.main(["--only", "cifar_crop_flip", "--images", "256", "--batch-size", "64",
                        "--workers", "2", "--rounds", "1", "--threads", "1", "--json", str(out)])
    medians = _medians(out)
    assert set(medians) == {"cifar_crop_flip/2/yingshe", "cifar_crop_flip/2/torchvision"}
    for figures in medians.values():
        assert figures["batches"] == 4 and figures["images_per_s"] > 0


@pytest.mark.parametrize("workload, shape, mean", [
    ("cifar_crop_flip", (64, 3, 32, 32), data_pipeline.CIFAR_MEAN),
    ("mnist_affine", (64, 1, 28, 28), data_pipeline.MNIST_MEAN),
    ("mnist_affine_recipe", (64, 1, 28, 28), data_pipeline.MNIST_MEAN),
])
def test_the_twin_pipelines_give_the_same_batches(data_root, workload, shape, mean):
    """Same shapes and dtypes, and the pixels that padding or warping leave black (0 before
    normalising) at -mean / std in both."""
    settings = argparse.Namespace(images=64, batch_size=64, seed=0, data=str(data_root))
    for library in data_pipeline.WORKLOADS[workload][1]:
        images, labels = next(iter(data_pipeline.loader(library, workload, 0, settings)))
        images, labels = images.numpy(), labels.numpy()
        assert images.shape == shape and images.dtype == np.float32
        assert labels.shape == (64,) and labels.dtype == np.int64
        std = data_pipeline.MNIST_STD if shape[1] == 1 else data_pipeline.CIFAR_STD
        floor = (-np.asarray(mean) / np.asarray(std)).min()
        assert math.isclose(images.min(), floor, rel_tol=1e-5)
