"""The studies of docs/results/fundamentals.md run on real MNIST in miniature: the L1 row of the
regularisation study and its weight histograms, and the RBM / DBN script end to end."""
import argparse
import os
import runpy

import numpy as np
import pytest

from helpers import EXAMPLES, run_example
from yingshe.datasets.utils import default_root


@pytest.fixture(scope="module")
def mnist_root():
    root = default_root()
    if not os.environ.get("YINGSHE_DATA") or not (root / "mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/")
    return root


def test_l1_penalty_zeroes_more_weights_than_l2(mnist_root, tmp_path):
    study = runpy.run_path(str(EXAMPLES / "regularization_study.py"), run_name="study")
    args = argparse.Namespace(epochs=3, train_size=500, seed=0, data=str(mnist_root))
    runs = {name: study["run"](options, args) for name, options in
            (("none", {}), ("L2", {"l2": 5e-4}), ("L1", {"l1": 1e-4}))}
    for r in runs.values():
        assert r["first_layer"].shape == (512, 784) and 0.5 < r["test"] <= 1.0
    assert runs["L1"]["near_zero"] > 1.5 * max(runs["none"]["near_zero"], runs["L2"]["near_zero"])
    assert np.abs(runs["L2"]["first_layer"]).mean() < np.abs(runs["none"]["first_layer"]).mean()
    study["plot_weight_histograms"]({k: r["first_layer"] for k, r in runs.items()},
                                    tmp_path / "weights.png")
    assert (tmp_path / "weights.png").stat().st_size > 10_000


def test_rbm_dbn_script_runs_end_to_end(mnist_root, tmp_path, capsys):
    run_example("rbm_dbn.py", ["--pretrain-epochs", "1", "--train-subset", "2000", "--hidden",
                               "64", "32", "--finetune-epochs", "2", "--few-labels", "500",
                               "--few-label-epochs", "4", "--pcd-epochs", "1", "--data",
                               str(mnist_root), "--out", str(tmp_path)])
    for name in ("rbm_filters.png", "rbm_samples.png", "rbm_samples_pcd.png",
                 "dbn_finetune.png"):
        assert (tmp_path / name).stat().st_size > 1000
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 2,000")]
    assert len(rows) == 4  # printed once as it runs, once in the table
