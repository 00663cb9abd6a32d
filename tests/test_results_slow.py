"""The README's result commands, end to end (minutes to an hour each): `make test-slow` runs
them."""
import json

import pytest

from yingshe import cli
from helpers import run_example

RESULTS = {  # name: (command line as in the README, required test accuracy)
    "mlp-mnist": ("train mlp --dataset mnist --epochs 20 --batch-size 128 --dropout 0.2 "
                  "--scheduler cosine --seed 0", 0.982),
    "lenet5-mnist": ("train lenet5 --dataset mnist --epochs 15 --batch-size 64 --augment "
                     "--scheduler cosine --seed 0", 0.992),
    "lenet5-fashion": ("train lenet5 --dataset fashion-mnist --epochs 15 --batch-size 64 "
                       "--scheduler cosine --seed 0", 0.90),
    "demo": ("train lenet5 --dataset mnist --epochs 3 --batch-size 64 --seed 0", 0.98),
    "lstm-rows-mnist": ("train lstm_rows --dataset mnist --epochs 10 --batch-size 64 "
                        "--scheduler cosine --seed 0", 0.985),
    "bigru-rows-mnist": ("train bigru_rows --dataset mnist --epochs 8 --batch-size 64 "
                         "--scheduler cosine --seed 0", 0.985),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RESULTS))
def test_result(name, data_root, tmp_path):
    command, required = RESULTS[name]
    argv = command.split() + ["--out", str(tmp_path / name), "--no-progress"]
    metrics = cli.train(cli.build_parser().parse_args(argv), log=print)
    assert metrics["test_accuracy"] >= required, metrics


EXAMPLE_RESULTS = {  # name: (examples/ script and options as in the README, check of metrics.json)
    "ptb-small": ("ptb_language_model.py --config small --seed 0",
                  lambda m: m["test_perplexity"] <= 115),
    "shakespeare-lstm": ("char_language_model.py --model lstm --seed 0",
                         lambda m: m["val_loss"] <= 1.60),
    "translate-attention": ("translation.py --attention --seed 0",
                            lambda m: m["bleu_beam"] >= 0.30 and m["bleu_greedy"] >= 0.30),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXAMPLE_RESULTS))
def test_example_result(name, data_root, tmp_path):
    command, check = EXAMPLE_RESULTS[name]
    script, *options = command.split()
    run_example(script, options + ["--data", str(data_root), "--out", str(tmp_path / name),
                                   "--no-progress"])
    metrics = json.loads((tmp_path / name / "metrics.json").read_text())
    assert check(metrics), metrics
