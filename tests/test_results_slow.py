"""The result commands of the README's table and docs/results, end to end (minutes to an hour
each): `make test-slow` runs them."""
import json

import pytest

from helpers import run_example
from yingshe import cli

RESULTS = {  # name: (command line as on docs/results, required test accuracy)
    "mlp-mnist": (("train mlp --dataset mnist --epochs 20 --batch-size 128 --dropout 0.2 "
                   "--scheduler cosine --seed 0"), 0.982),
    "lenet5-mnist": (("train lenet5 --dataset mnist --epochs 15 --batch-size 64 --augment "
                      "--scheduler cosine --seed 0"), 0.992),
    "lenet5-fashion": (("train lenet5 --dataset fashion-mnist --epochs 15 --batch-size 64 "
                        "--scheduler cosine --seed 0"), 0.90),
    "demo": ("train lenet5 --dataset mnist --epochs 3 --batch-size 64 --seed 0", 0.98),
    "lenet5-scorer": (("train lenet5 --dataset mnist --epochs 15 --batch-size 64 "
                       "--scheduler cosine --seed 0"), 0.99),
    "lstm-rows-mnist": (("train lstm_rows --dataset mnist --epochs 10 --batch-size 64 "
                         "--scheduler cosine --seed 0"), 0.985),
    "bigru-rows-mnist": (("train bigru_rows --dataset mnist --epochs 8 --batch-size 64 "
                          "--scheduler cosine --seed 0"), 0.985),
    # docs/results/vision.md: 93.44% and 91.70% (targets 93% and 91%)
    "vgg11-bn-fashion": (("train vgg11_bn --dataset fashion-mnist --width-mult 0.25 --epochs 30 "
                          "--batch-size 128 --optimizer nesterov --lr 0.05 --weight-decay 5e-4 "
                          "--scheduler cosine --augment crop-flip --seed 0"), 0.93),
    "alexnet-fashion": (("train alexnet --dataset fashion-mnist --width-mult 0.25 --dropout 0.25 "
                         "--epochs 30 --batch-size 128 --optimizer adam --lr 0.001 "
                         "--scheduler cosine --augment crop-flip --seed 0"), 0.91),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RESULTS))
def test_result(name, data_root, tmp_path):
    command, required = RESULTS[name]
    argv = command.split() + ["--out", str(tmp_path / name), "--no-progress"]
    metrics = cli.run(argv, log=print)
    assert metrics["test_accuracy"] >= required, metrics


EXAMPLE_RESULTS = {  # name: (examples/ script and options as on docs/results, check of metrics.json)
    "ptb-small": ("ptb_language_model.py --config small --seed 0",
                  lambda m: m["test_perplexity"] <= 115),
    "shakespeare-lstm": ("char_language_model.py --model lstm --seed 0",
                         lambda m: m["val_loss"] <= 1.60),
    # sacreBLEU (docs/results/sequence.md: 32.6 beam, 29.5 greedy; token BLEU 34.9 / 31.9)
    "translate-attention": ("translation.py --attention --seed 0",
                            lambda m: m["bleu_beam"] >= 0.30 and m["bleu_greedy"] >= 0.28),
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


GENERATIVE_RESULTS = {  # name: (command as on docs/results, check of metrics.json)
    "vae-mnist": ("train vae --dataset mnist --epochs 60 --seed 0",
                  lambda m: m["test_neg_elbo"] <= 102),
    "conv-vae-mnist": ("train conv-vae --dataset mnist --epochs 8 --seed 0",  # below the MLP's
                       lambda m: m["test_neg_elbo"] <= 101.8),
}

DCGAN_RESULT = ("train dcgan --dataset mnist --generator-steps 2 --generator-ema 0.999 "
                "--epochs 14 --seed 0")  # as on docs/results/generative.md
DCGAN_INCEPTION_SCORE = 9.0  # the target; measured 9.30 (README run and this test's run)
SCORER_REAL_INCEPTION_SCORE = 9.85  # the issue: real MNIST test images score about 9.9


@pytest.mark.slow
@pytest.mark.parametrize("name", list(GENERATIVE_RESULTS))
def test_generative_result(name, data_root, tmp_path):
    command, check = GENERATIVE_RESULTS[name]
    argv = command.split() + ["--out", str(tmp_path / name), "--no-progress"]
    metrics = cli.run(argv, log=print)
    assert check(metrics), metrics


@pytest.mark.slow
def test_dcgan_result_scored_by_the_readme_scorer(data_root, tmp_path):
    """The README's DCGAN run, scored by the README's scoring LeNet-5 (trained here first, and
    checked to score real test images about 9.9, as the issue calibrates it)."""
    lenet, dcgan = tmp_path / "lenet5-scorer", tmp_path / "dcgan-mnist"
    command = RESULTS["lenet5-scorer"][0].split() + ["--out", str(lenet), "--no-progress"]
    cli.run(command, log=print)
    real = cli.run(["score", "real", "--dataset", "mnist", "--classifier", str(lenet)],
                   log=print)
    assert real["real_inception_score"] >= SCORER_REAL_INCEPTION_SCORE, real
    command = DCGAN_RESULT.split() + ["--classifier", str(lenet), "--out", str(dcgan),
                                      "--no-progress"]
    metrics = cli.run(command, log=print)
    assert metrics["inception_score"] >= DCGAN_INCEPTION_SCORE, metrics


SKIP_GRAM = ("train word2vec --model skipgram --corpus wikitext-2 --epochs 15 --subsample 1e-4 "
             "--seed 0")
PPMI_SVD = "train ppmi-svd --corpus wikitext-2 --seed 0"


@pytest.fixture(scope="module")
def skip_gram_run(tmp_path_factory):
    """The README's skip-gram vectors on WikiText-2 (run folder)."""
    from yingshe.datasets import default_root
    if not (default_root() / "wikitext-2").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding wikitext-2/")
    out = tmp_path_factory.mktemp("word2vec") / "skipgram-wt2"
    cli.run(SKIP_GRAM.split() + ["--out", str(out), "--no-progress"], log=print)
    return out


@pytest.mark.slow
def test_skip_gram_reaches_wordsim_and_beats_the_count_baseline(skip_gram_run, tmp_path):
    ppmi = cli.run(PPMI_SVD.split() + ["--out", str(tmp_path / "ppmi"), "--no-progress"],
                   log=print)
    skip_gram = json.loads((skip_gram_run / "metrics.json").read_text())
    assert skip_gram["wordsim353"]["spearman"] >= 0.45, skip_gram["wordsim353"]
    assert (skip_gram["wordsim353"]["spearman"] > ppmi["wordsim353"]["spearman"]
            or skip_gram["analogy"]["accuracy"] > ppmi["analogy"]["accuracy"])


@pytest.mark.slow
def test_kim_cnn_with_our_skip_gram_vectors(skip_gram_run, data_root, tmp_path):
    out = tmp_path / "mr-cnn-w2v"
    run_example("sentiment.py", ["--model", "cnn", "--vectors", str(skip_gram_run / "vectors.txt"),
                                 "--seed", "0", "--data", str(data_root), "--out", str(out),
                                 "--no-progress"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_acc"] >= 0.76, metrics
