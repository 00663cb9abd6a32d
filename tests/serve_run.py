"""A small trained LeNet-5 run shared by the serving and browser tests (trained once per test
session, on real MNIST from $YINGSHE_DATA)."""
import os

import pytest

from yingshe import cli


def lenet_run(tmp_path_factory):
    """The run folder of LeNet-5 trained 2 epochs on 6,000 MNIST images (about 10 s)."""
    from yingshe.datasets import default_root
    if not os.environ.get("YINGSHE_DATA") or not (default_root() / "mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/")
    out = tmp_path_factory.getbasetemp() / "lenet5-serve"
    if not (out / "metrics.json").is_file():
        cli.run(["train", "lenet5", "--epochs", "2", "--train-subset", "6000", "--val-size",
                 "500", "--batch-size", "32", "--seed", "0", "--out", str(out), "--no-progress"],
                log=lambda line: None)
    return out
