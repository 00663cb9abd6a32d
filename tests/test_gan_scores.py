"""`yingshe score` and `yingshe train ... --classifier` (issue 5): the classifier-based Inception
Score and the Fréchet distance of LeNet-5 features, measured with a briefly trained LeNet-5 on
tiny runs.  Real digits must score far above noise, a generator that draws real digits must
score as they do (the [-1, 1] / [0, 1] outputs reach the classifier as the pixels it was
trained on), the figures must be merged into metrics.json, and wrong runs must be named."""
import json
import math

import numpy as np
import pytest

import yingshe
from yingshe import cli
from yingshe.training.recipes import generative as recipe
from yingshe.training.scores import classifier_scores

SMALL = ["--train-subset", "200", "--batch-size", "50", "--epochs", "1", "--no-progress"]
TRAIN_SAMPLES = 100  # prior samples scored at the end of `train --classifier` here


def _run(argv):
    lines = []
    result = cli.run(argv, log=lines.append)
    return result, "\n".join(lines)


def _metrics(run):
    return json.loads((run / "metrics.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run folders: LeNet-5 classifiers on 2,000 MNIST / 200 Fashion-MNIST images, a DCGAN
    trained with --classifier, and a GAN, a VAE and an autoencoder trained without it."""
    import os

    from yingshe.datasets import default_root
    if not os.environ.get("YINGSHE_DATA") or not (default_root() / "fashion-mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/ and fashion-mnist/")
    root = tmp_path_factory.mktemp("scores")
    folders = {name: root / name for name in ("lenet", "fashion-lenet", "dcgan", "gan-ema",
                                              "gan", "vae", "autoencoder")}
    quiet = ["--val-size", "0", "--no-progress"]
    _run(["train", "lenet5", "--train-subset", "2000", "--epochs", "2", "--out",
          str(folders["lenet"])] + quiet)
    _run(["train", "lenet5", "--dataset", "fashion-mnist", "--train-subset", "200", "--epochs",
          "1", "--out", str(folders["fashion-lenet"])] + quiet)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(recipe, "SCORE_SAMPLES", TRAIN_SAMPLES)
        folders["dcgan_log"] = _run(["train", "dcgan", "--classifier", str(folders["lenet"]),
                                     "--out", str(folders["dcgan"])] + SMALL)[1]
        folders["gan-ema_log"] = _run(["train", "gan", "--generator-ema", "0.5", "--classifier",
                                       str(folders["lenet"]), "--out", str(folders["gan-ema"])]
                                      + SMALL)[1]
    for model in ("gan", "vae", "autoencoder"):
        _run(["train", model, "--out", str(folders[model])] + SMALL)
    return folders


def _assert_scores(figures):
    assert 1.0 <= figures["inception_score"] <= 10.0  # from 1 up to the number of classes
    assert math.isfinite(figures["frechet_distance"]) and figures["frechet_distance"] >= 0.0


def test_train_with_a_classifier_scores_the_prior(runs):
    metrics, lenet = _metrics(runs["dcgan"]), str(runs["lenet"])
    _assert_scores(metrics)
    assert metrics["score_samples"] == TRAIN_SAMPLES and metrics["score_classifier"] == lenet
    assert "final_g_loss" in metrics and "inception score" in runs["dcgan_log"]
    assert json.loads((runs["dcgan"] / "config.json").read_text())["classifier"] == lenet
    figures, _ = _run(["score", str(runs["dcgan"]), "--classifier", lenet,
                       "--n", str(TRAIN_SAMPLES)])  # the same seed 0 and batches of 500
    assert figures["inception_score"] == pytest.approx(metrics["inception_score"])
    assert figures["frechet_distance"] == pytest.approx(metrics["frechet_distance"])


def test_a_run_with_a_generator_average_draws_and_scores_with_it(runs):
    """--generator-ema: G's average is saved beside G (4 updates: 200 images in batches of
    50, one epoch), `sample` draws with it, and the scores are the average's, with G's own
    beside them."""
    run, lenet = runs["gan-ema"], str(runs["lenet"])
    metrics = _metrics(run)
    assert json.loads((run / "config.json").read_text())["generator_ema"] == 0.5
    weights = yingshe.load(run / "model.safetensors")
    assert set(weights) == {"generator", "discriminator", "generator_average"}
    assert int(weights["generator_average"]["n_averaged"].item()) == 4
    config, networks = recipe.load(run)
    images, _ = _run(["sample", str(run), "--n", "6", "--out", str(run / "six.png")])
    yingshe.manual_seed(0)
    with yingshe.no_grad():
        z = yingshe.randn(6, config["latent"])
        np.testing.assert_array_equal(images, networks["generator_average"](z).numpy())
        assert not np.allclose(images, networks["generator"](z).numpy())
    _assert_scores(metrics)
    _assert_scores({name[len("raw_generator_"):]: value for name, value in metrics.items()
                    if name.startswith("raw_generator_")})
    assert metrics["inception_score"] != metrics["raw_generator_inception_score"]
    assert "G's own weights, not their average" in runs["gan-ema_log"]
    yingshe.manual_seed(0)
    own = recipe.prior_pixels("gan", {"generator": networks["generator"]},
                              config["latent"], TRAIN_SAMPLES, batch_size=500)
    model, lenet_config = recipe.load_classifier(lenet)
    inception, distance = classifier_scores(model, lenet_config["data_info"], own,
                                            recipe._real_pixels("mnist", None, train=False))
    assert metrics["raw_generator_inception_score"] == pytest.approx(inception)
    assert metrics["raw_generator_frechet_distance"] == pytest.approx(distance)


@pytest.mark.parametrize("model", ["gan", "vae"])
def test_score_merges_its_figures_into_metrics_json(runs, model):
    before = _metrics(runs[model])
    figures, text = _run(["score", str(runs[model]), "--classifier", str(runs["lenet"]),
                          "--n", "150", "--batch-size", "64", "--seed", "3"])
    _assert_scores(figures)
    assert figures["score_samples"] == 150 and figures["score_seed"] == 3
    assert _metrics(runs[model]) == {**before, **figures}
    assert f"{model} on mnist: inception score {figures['inception_score']:.3f}" in text


@pytest.mark.parametrize("model", ["dcgan", "vae"])
def test_prior_pixels_are_the_samples_mapped_to_0_1(runs, model):
    """In batches of 4 the same z as `yingshe sample` draws at once; GAN images x in [-1, 1]
    become (x + 1) / 2, VAE Bernoulli means stay."""
    images, _ = _run(["sample", str(runs[model]), "--n", "10", "--seed", "5",
                      "--out", str(runs[model] / "ten.png")])
    config, networks = recipe.load(runs[model])
    yingshe.manual_seed(5)
    pixels = recipe.prior_pixels(recipe.GENERATIVE_MODELS[model].family, networks,
                                 config["latent"], 10, batch_size=4)
    expected = (images + 1) / 2 if model == "dcgan" else images
    np.testing.assert_allclose(pixels, expected, atol=1e-6)
    assert 0.0 <= pixels.min() and pixels.max() <= 1.0


def test_real_digits_score_far_above_noise(runs):
    lenet = runs["lenet"]
    figures, text = _run(["score", "real", "--dataset", "mnist", "--classifier", str(lenet),
                          "--n", "1000"])
    metrics = _metrics(lenet)
    assert metrics["test_accuracy"] > 0.5 and metrics["real_score_samples"] == 1000
    assert {name: metrics[name] for name in figures} == figures
    assert "real mnist: inception score" in text
    model, config = recipe.load_classifier(lenet)
    test = recipe._real_pixels("mnist", None, train=False)
    noise = np.random.default_rng(0).random((1000, 1, 28, 28), dtype=np.float32)
    noise_inception, noise_distance = classifier_scores(model, config["data_info"], noise, test)
    assert figures["real_inception_score"] > 2 * noise_inception
    assert figures["real_frechet_distance"] < noise_distance / 10


@pytest.mark.parametrize("model", ["gan", "vae"])
def test_a_generator_of_real_digits_scores_like_real_digits(runs, monkeypatch, model):
    """Decoding is replaced by training digits in the family's value range: `score` must see
    them as the classifier sees real digits."""
    digits = recipe._real_pixels("mnist", None, train=True)[:300]
    low, high = recipe.VALUE_RANGES[recipe.GENERATIVE_MODELS[model].family]
    batches = iter(np.split(digits * (high - low) + low, 3))
    monkeypatch.setattr(recipe, "decode", lambda family, networks, z: next(batches))
    figures, _ = _run(["score", str(runs[model]), "--classifier", str(runs["lenet"]),
                       "--n", "300", "--batch-size", "100"])
    model, config = recipe.load_classifier(runs["lenet"])
    test = recipe._real_pixels("mnist", None, train=False)
    inception, distance = classifier_scores(model, config["data_info"], digits, test)
    assert figures["inception_score"] == pytest.approx(inception, rel=1e-5)
    assert figures["frechet_distance"] == pytest.approx(distance, rel=1e-5)


def test_errors_name_the_problem(runs, tmp_path, capsys):
    lenet, fashion, vae = str(runs["lenet"]), str(runs["fashion-lenet"]), str(runs["vae"])
    with pytest.raises(SystemExit, match="is a run of 'vae', not of the classifier lenet5"):
        _run(["score", str(runs["gan"]), "--classifier", vae])
    (tmp_path / "config.json").write_text(json.dumps({"model": "mlp", "dataset": "mnist"}))
    with pytest.raises(SystemExit, match="is a run of 'mlp', not of the classifier lenet5"):
        _run(["score", "real", "--classifier", str(tmp_path)])
    with pytest.raises(SystemExit, match="has no config.json"):
        _run(["score", vae, "--classifier", str(tmp_path / "missing")])
    with pytest.raises(SystemExit, match="autoencoder, which has no prior to sample"):
        _run(["score", str(runs["autoencoder"]), "--classifier", lenet])
    with pytest.raises(SystemExit, match="--classifier does not apply to autoencoder; models "
                                         "that take it: vae, conv-vae, gan, dcgan"):
        _run(["train", "autoencoder", "--classifier", lenet])
    with pytest.raises(SystemExit, match="--classifier does not apply to mlp"):
        _run(["train", "mlp", "--classifier", lenet])
    mismatch = "trained on fashion-mnist, the images to score are mnist"
    with pytest.raises(SystemExit, match=mismatch):
        _run(["score", vae, "--classifier", fashion])
    with pytest.raises(SystemExit, match=mismatch):
        _run(["score", "real", "--dataset", "mnist", "--classifier", fashion])
    with pytest.raises(SystemExit, match=mismatch):  # refused before any training
        _run(["train", "dcgan", "--classifier", fashion, "--out", str(tmp_path / "gan")] + SMALL)
    assert not (tmp_path / "gan").exists()
    with pytest.raises(SystemExit, match="holds a model of mnist, not of fashion-mnist"):
        _run(["score", vae, "--dataset", "fashion-mnist", "--classifier", fashion])
    for option, value, message in (("--n", "1", "must be at least 2, got 1"),
                                   ("--batch-size", "0", "must be at least 1, got 0")):
        with pytest.raises(SystemExit):
            _run(["score", vae, "--classifier", lenet, option, value])
        assert f"argument {option}: {message}" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="training split has 60,000 images"):
        _run(["score", "real", "--classifier", lenet, "--n", "70000"])
