"""The README's result commands, end to end (minutes each): `make test-slow` runs them."""
import pytest

from yingshe import cli

RESULTS = {  # name: (command line as in the README, required test accuracy)
    "mlp-mnist": ("train mlp --dataset mnist --epochs 20 --batch-size 128 --dropout 0.2 "
                  "--scheduler cosine --seed 0", 0.982),
    "lenet5-mnist": ("train lenet5 --dataset mnist --epochs 15 --batch-size 64 --augment "
                     "--scheduler cosine --seed 0", 0.992),
    "lenet5-fashion": ("train lenet5 --dataset fashion-mnist --epochs 15 --batch-size 64 "
                       "--scheduler cosine --seed 0", 0.90),
    "demo": ("train lenet5 --dataset mnist --epochs 3 --batch-size 64 --seed 0", 0.98),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RESULTS))
def test_result(name, data_root, tmp_path):
    command, required = RESULTS[name]
    argv = command.split() + ["--out", str(tmp_path / name), "--no-progress"]
    metrics = cli.train(cli.build_parser().parse_args(argv), log=print)
    assert metrics["test_accuracy"] >= required, metrics
