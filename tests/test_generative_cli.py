"""`yingshe train | sample | interpolate` for the generative models (issue 5) on 200 real images:
complete run folders with finite test metrics, a resumed run equal to an uninterrupted one,
PNGs of the expected pixel size, and errors that name the problem."""
import json
import math

import numpy as np
import pytest

import yingshe
from yingshe import cli
from yingshe.training.recipes import generative as recipe

image = pytest.importorskip("matplotlib.image")  # the run folders' pictures need matplotlib

SMALL = ["--train-subset", "200", "--batch-size", "50", "--no-progress"]


def _run(argv):
    lines = []
    result = cli.run(argv, log=lines.append)
    return result, "\n".join(lines)


def _refused(argv, capsys):
    """What argparse printed when it refused ``argv``."""
    with pytest.raises(SystemExit):
        cli.run(argv)
    return capsys.readouterr().err


def _png_size(path):
    return image.imread(str(path)).shape[:2]


def _grid_size(rows, columns):
    """Pixels of a ``make_grid`` of 28 x 28 images with the default 2-pixel padding."""
    return rows * 30 + 2, columns * 30 + 2


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """train(model) -> (run folder, metrics, log text); each model trains once per module."""
    import os

    from yingshe.datasets import default_root
    if not os.environ.get("YINGSHE_DATA") or not (default_root() / "mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/")
    root, runs = tmp_path_factory.mktemp("generative"), {}

    def train(model):
        if model not in runs:
            out = root / model
            runs[model] = (out, *_run(["train", model, "--epochs", "2", "--out", str(out)]
                                      + SMALL))
        return runs[model]
    return train


# model -> (pictures, test metrics, config entries) besides what every run folder has
EXPECTED = {
    "vae": (["samples_epoch_001.png", "samples_epoch_002.png", "progress.png",
             "reconstructions.png"], ["test_neg_elbo", "test_reconstruction_nll", "test_kl"],
            {"latent": 20, "lr": 1e-3, "betas": [0.9, 0.999]}),
    "dcgan": (["samples_epoch_001.png", "samples_epoch_002.png", "progress.png"], [],
              {"latent": 100, "lr": 2e-4, "betas": [0.5, 0.999], "generator_depth": 4,
               "generator_features": 48, "discriminator_depth": 3,
               "discriminator_features": 64, "generator_steps": 1,
               "generator_ema": None}),
    "denoising-ae": (["reconstructions.png"], ["test_mse", "test_psnr_noisy",
                                               "test_psnr_denoised"],
                     {"latent": 32, "noise": "gaussian", "noise_level": 0.3}),
    "sparse-ae": (["reconstructions.png", "features.png"], ["test_mse", "test_mean_activation"],
                  {"latent": 196, "sparsity": "kl", "rho": 0.05, "beta": 3.0}),
}


@pytest.mark.parametrize("model", list(EXPECTED))
def test_train_writes_a_complete_run_folder(trained, model):
    out, metrics, text = trained(model)
    pictures, test_metrics, settings = EXPECTED[model]
    for name in ["config.json", "history.json", "model.safetensors", "last.safetensors",
                 "metrics.json", "curves.png"] + pictures:
        assert (out / name).exists(), name
    assert str(out) in text and "epoch 2/2" in text
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == model and config["data_info"]["train"] == 200
    assert {key: config[key] for key in settings} == settings
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert set(test_metrics) <= set(metrics) and metrics["epochs_run"] == 2
    assert all(np.isfinite(value) for value in metrics.values())
    weights = yingshe.load(out / "model.safetensors")
    assert set(weights) == ({"generator", "discriminator"} if model == "dcgan" else {"model"})
    if model in ("vae", "dcgan"):
        assert _png_size(out / "samples_epoch_002.png") == _grid_size(8, 8)


def test_a_dcgan_run_from_before_the_deeper_networks_still_loads(trained, tmp_path):
    """Run folders written before ``discriminator_depth`` and ``generator_depth`` existed hold
    a 2-layer discriminator and a 3-layer generator."""
    from yingshe.models.generative import DCGANDiscriminator, DCGANGenerator
    out, old = trained("dcgan")[0], tmp_path / "old"
    old.mkdir()
    config = json.loads((out / "config.json").read_text())
    for key in ("discriminator_depth", "generator_depth", "generator_features"):
        del config[key]
    (old / "config.json").write_text(json.dumps(config))
    networks = {"generator": DCGANGenerator(depth=3), "discriminator": DCGANDiscriminator(depth=2)}
    yingshe.save({name: net.state_dict() for name, net in networks.items()},
                 old / "model.safetensors")
    _, loaded = recipe.load(old)
    kernels = {name: [m.kernel_size for m in net.modules()
                      if isinstance(m, (yingshe.nn.Conv2d, yingshe.nn.ConvTranspose2d))]
               for name, net in loaded.items()}
    assert kernels == {"discriminator": [(4, 4), (4, 4), (7, 7)],
                       "generator": [(7, 7), (4, 4), (4, 4)]}


def test_test_metrics_mean_what_they_say(trained):
    vae = trained("vae")[1]
    assert vae["test_neg_elbo"] == pytest.approx(vae["test_reconstruction_nll"] + vae["test_kl"])
    assert 100 < vae["test_neg_elbo"] < 544  # below 784 log 2, the ELBO of a coin per pixel
    denoising = trained("denoising-ae")[1]
    assert denoising["test_psnr_noisy"] == pytest.approx(13.3, abs=1.0)  # sigma 0.3, clipped
    assert 0 < denoising["test_mse"] < 0.25
    assert 0 < trained("sparse-ae")[1]["test_mean_activation"] < 1
    out = trained("denoising-ae")[0]
    assert _png_size(out / "reconstructions.png") == _grid_size(3, 10)  # clean/noisy/denoised


@pytest.mark.parametrize("model, pictures", [("autoencoder", ["latent.png"]),
                                             ("vae", ["latent.png", "manifold.png"])])
def test_a_two_dimensional_code_is_drawn_beside_pca(data_root, tmp_path, model, pictures):
    out = tmp_path / model
    _, text = _run(["train", model, "--latent", "2", "--epochs", "1", "--out", str(out),
                    "--data", str(data_root)] + SMALL)
    for name in pictures:
        assert name in text and (out / name).stat().st_size > 0
    if model == "vae":
        assert _png_size(out / "manifold.png") == _grid_size(20, 20)
    latent = image.imread(str(out / "latent.png"))
    assert latent.shape[1] > 1.8 * latent.shape[0]  # two panels side by side


def test_a_wider_code_draws_no_latent_picture(trained):
    out = trained("vae")[0]
    assert not (out / "latent.png").exists() and not (out / "manifold.png").exists()


def _leaves(tree, prefix=""):
    """(dotted path, array) for every tensor, number and string of nested dicts and lists."""
    if isinstance(tree, dict):
        tree = tree.items()
    elif isinstance(tree, (list, tuple)):
        tree = enumerate(tree)
    else:
        yield prefix, np.asarray(tree.numpy() if isinstance(tree, yingshe.Tensor) else tree)
        return
    for key, value in tree:
        yield from _leaves(value, f"{prefix}.{key}")


class Stopped(Exception):
    """Raised in place of a crash right after the first epoch's checkpoint."""


@pytest.mark.parametrize("model, extra", [("gan", []), ("gan", ["--generator-ema", "0.9"]),
                                          ("vae", [])])
def test_train_resumes_from_the_last_epoch(data_root, tmp_path, monkeypatch, model, extra):
    """2 epochs straight, or stopped after epoch 1 and continued with `--resume`: the same
    history, weights (both networks of a GAN, and G's average when kept), optimiser states
    and test metrics."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    options = ["--epochs", "2"] + SMALL + extra
    _run(["train", model, "--out", str(whole)] + options)
    save = recipe.save_training_state

    def save_then_stop(*args, **kwargs):
        save(*args, **kwargs)
        raise Stopped

    with monkeypatch.context() as patch:
        patch.setattr(recipe, "save_training_state", save_then_stop)
        with pytest.raises(Stopped):
            _run(["train", model, "--out", str(parts)] + options)
    assert not (parts / "model.safetensors").exists()
    yingshe.manual_seed(99)  # the resumed run must restore the random state itself
    metrics, text = _run(["train", model, "--resume", "--no-progress", "--out", str(parts)])
    assert "resumed" in text and "after epoch 1" in text and metrics["epochs_run"] == 2

    def without_seconds(run, name):
        rows = json.loads((run / name).read_text())
        rows = rows if isinstance(rows, list) else [rows]
        return [{k: v for k, v in row.items() if "seconds" not in k} for row in rows]

    for name in ("history.json", "metrics.json"):
        assert without_seconds(whole, name) == without_seconds(parts, name), name
    states = [yingshe.load(run / "last.safetensors") for run in (whole, parts)]
    leaves = [dict(_leaves({k: state[k] for k in ("modules", "optimizers", "rng")}))
              for state in states]
    assert leaves[0].keys() == leaves[1].keys()
    assert any("generator_average" in name for name in leaves[0]) == bool(extra)
    for name, value in leaves[0].items():
        np.testing.assert_array_equal(value, leaves[1][name], err_msg=name)
    config = (parts / "config.json").read_text()
    with pytest.raises(SystemExit, match="is after epoch 2; --epochs 1 would go back"):
        _run(["train", model, "--resume", "--epochs", "1", "--out", str(parts)])
    assert (parts / "config.json").read_text() == config
    again, text = _run(["train", model, "--resume", "--no-progress", "--out", str(parts)])
    assert "no epochs left after 2" in text and again["epochs_run"] == 2
    other = "vae" if model == "gan" else "gan"
    with pytest.raises(SystemExit, match=f"is a run of '{model}', not '{other}'"):
        _run(["train", other, "--resume", "--out", str(parts)])
    with pytest.raises(SystemExit, match="cannot resume"):
        _run(["train", model, "--resume", "--out", str(tmp_path / "empty")])


def test_sample_draws_from_the_prior(trained, tmp_path):
    vae, _, _ = trained("vae")
    images, text = _run(["sample", str(vae), "--n", "10", "--out", str(tmp_path / "a.png"),
                         "--seed", "1"])
    assert images.shape == (10, 1, 28, 28) and str(tmp_path / "a.png") in text
    assert 0 <= images.min() and images.max() <= 1
    assert _png_size(tmp_path / "a.png") == _grid_size(3, math.ceil(math.sqrt(10)))
    again, _ = _run(["sample", str(vae), "--n", "10", "--out", str(tmp_path / "b.png"),
                     "--seed", "1"])
    other, _ = _run(["sample", str(vae), "--n", "10", "--out", str(tmp_path / "c.png")])
    np.testing.assert_array_equal(images, again)
    assert not np.allclose(images, other)
    dcgan, _, _ = trained("dcgan")
    images, _ = _run(["sample", str(dcgan), "--out", str(tmp_path / "d.png")])
    assert images.shape == (64, 1, 28, 28) and -1 <= images.min() and images.max() <= 1
    assert _png_size(tmp_path / "d.png") == _grid_size(8, 8)


def test_interpolate_walks_between_codes(trained, tmp_path):
    vae, _, _ = trained("vae")
    images, _ = _run(["interpolate", str(vae), "--images", "0", "1", "2", "3", "--steps", "5",
                      "--out", str(tmp_path / "vae.png")])
    assert images.shape == (10, 1, 28, 28)
    assert _png_size(tmp_path / "vae.png") == _grid_size(2, 5)
    from yingshe.vision.datasets import MNIST
    _, networks = recipe.load(vae)
    test_images = MNIST(train=False).arrays()[0][[0, 1, 2, 3]]
    with yingshe.no_grad():  # the ends of each row decode the posterior means of the pair
        ends = networks["model"].reconstruct(
            yingshe.from_numpy(test_images[:, None].astype(np.float32) / 255)).numpy()
    np.testing.assert_allclose(images[[0, 4, 5, 9]], ends, atol=1e-6)
    dcgan, _, _ = trained("dcgan")
    images, _ = _run(["interpolate", str(dcgan), "--rows", "2", "--steps", "6",
                      "--out", str(tmp_path / "gan.png")])
    assert images.shape == (12, 1, 28, 28)
    assert _png_size(tmp_path / "gan.png") == _grid_size(2, 6)
    denoising, _, _ = trained("denoising-ae")
    _run(["interpolate", str(denoising), "--images", "0", "1", "--out", str(tmp_path / "ae.png")])
    assert _png_size(tmp_path / "ae.png") == _grid_size(1, 10)


def test_errors_name_the_problem(trained, tmp_path, capsys):
    with pytest.raises(SystemExit, match="unknown model 'vea'.*generative models: .*vae"):
        _run(["train", "vea"])
    with pytest.raises(SystemExit, match="--noise does not apply to vae.*denoising-ae"):
        _run(["train", "vae", "--noise", "masking"])
    with pytest.raises(SystemExit, match="--latent does not apply to mlp"):
        _run(["train", "mlp", "--latent", "8"])
    with pytest.raises(SystemExit, match="--generator-steps does not apply to vae.*gan, dcgan"):
        _run(["train", "vae", "--generator-steps", "2"])
    assert "--generator-steps: must be at least 1, got 0" in \
        _refused(["train", "dcgan", "--generator-steps", "0"], capsys)
    with pytest.raises(SystemExit, match="--generator-ema does not apply to vae.*gan, dcgan"):
        _run(["train", "vae", "--generator-ema", "0.9"])
    assert "--generator-ema: must lie strictly between 0.0 and 1.0 (e.g. 0.999), got 1" in \
        _refused(["train", "dcgan", "--generator-ema", "1"], capsys)
    with pytest.raises(SystemExit, match="has no config.json"):
        _run(["sample", str(tmp_path)])
    (tmp_path / "config.json").write_text(json.dumps({"model": "mlp"}))
    with pytest.raises(SystemExit, match="'mlp', not of a generative model"):
        _run(["sample", str(tmp_path)])
    (tmp_path / "config.json").write_text(json.dumps({"model": "vae"}))
    with pytest.raises(SystemExit, match="has no model.safetensors.*--resume"):
        _run(["interpolate", str(tmp_path)])
    denoising, dcgan = trained("denoising-ae")[0], trained("dcgan")[0]
    with pytest.raises(SystemExit, match="denoising-ae, which has no prior to sample"):
        _run(["sample", str(denoising)])
    with pytest.raises(SystemExit, match="no prior to draw end points.*--images I J"):
        _run(["interpolate", str(denoising)])
    with pytest.raises(SystemExit, match="no encoder"):
        _run(["interpolate", str(dcgan), "--images", "0", "1"])
    with pytest.raises(SystemExit, match="pairs of test-image indices, got 3"):
        _run(["interpolate", str(denoising), "--images", "0", "1", "2"])
    with pytest.raises(SystemExit, match=r"--images \[10000\].*images 0-9999"):
        _run(["interpolate", str(denoising), "--images", "0", "10000"])
