"""The generative models of ``yingshe.models.generative`` (autoencoders, VAEs and GANs on
28 x 28 images): a config dict -> a complete run folder, and samples, interpolations and scores
from one.

A generative run folder holds config.json, history.json (per-epoch training losses),
curves.png, model.safetensors (the final networks by name: "model", or "generator",
"discriminator" and "generator_average"), last.safetensors (the training state after the latest
epoch), metrics.json (test figures; Inception Score and Fréchet distance once scored) and
pictures: the samples of a fixed noise batch after every epoch (samples_epoch_NNN.png, VAE and
GAN) with their contact sheet progress.png, reconstructions.png (test images over their
reconstructions; clean / corrupted / denoised for the denoising autoencoder), features.png
(sparse autoencoder: each hidden unit's decoder weights as an image) and, for a 2-D code,
latent.png and manifold.png.

Autoencoders and VAEs see pixels in [0, 1] (sigmoid / Bernoulli decoders); GANs see pixels in
[-1, 1] (tanh generators).  Every model trains with Adam on the whole training split."""
import math
import time
from pathlib import Path

import numpy as np

from ... import optim
from ..._backend import manual_seed
from ...autograd import no_grad
from ...datasets.prepare import DATASETS, GREY_DATASETS, classification_splits
from ...models import generative as gen
from ...ops.creation import from_numpy, randn
from ...utils.data import DataLoader, TensorDataset
from .. import generative as loops
from ..images import latent_manifold, save_contact_sheet, save_grid
from ..plots import pca_2d, plot_latent, plot_panels, pyplot
from ..progress import progress_bar
from ..run_folder import RunFolder, RunFolderError
from ..scores import classifier_scores
from ..state import load_training_state, save_training_state
from . import classification

__all__ = ["GENERATIVE_MODELS", "SCORE_SAMPLES", "OPTIONS", "complete_config", "train", "load",
           "decode", "sample", "interpolate", "load_classifier", "prior_pixels", "score_networks",
           "score", "score_real"]

GENERATIVE_MODELS = gen.GENERATIVE_MODELS
SAMPLES = "samples_epoch_{:03d}.png"
FIXED_SAMPLES = 64  # images in each per-epoch sample grid
SCORE_SAMPLES = 10_000  # prior samples scored by `score` and `train(classifier=...)`
SPARSITY_BETA = {"kl": 3.0, "l1": 1.0}
ADAM_BETAS = {"autoencoder": (0.9, 0.999), "vae": (0.9, 0.999), "gan": (0.5, 0.999)}
VALUE_RANGES = {"autoencoder": (0.0, 1.0), "vae": (0.0, 1.0), "gan": (-1.0, 1.0)}
CURVES = {"autoencoder": [("loss per image", ("loss", "reconstruction", "penalty"))],
          "vae": [("nats per image", ("loss", "reconstruction", "kl"))],
          "gan": [("loss", ("d_loss", "g_loss")), ("mean D output", ("d_real", "d_fake"))]}
COMMON = ("dataset", "epochs", "batch_size", "lr", "latent", "seed", "train_subset", "data")
OPTIONS = {name: COMMON + spec.options for name, spec in GENERATIVE_MODELS.items()}


def _family(config):
    return GENERATIVE_MODELS[config["model"]].family


def complete_config(model, **options):
    """The config of a new run of ``model``: the options it takes (``OPTIONS[model]``), those
    left at None set to the model's defaults; a ValueError names what is wrong."""
    if model not in GENERATIVE_MODELS:
        raise ValueError(f"unknown generative model {model!r}; available: "
                         f"{', '.join(GENERATIVE_MODELS)}")
    spec = GENERATIVE_MODELS[model]
    foreign = sorted(key for key, value in options.items()
                     if key not in OPTIONS[model] and value is not None)
    if foreign:
        raise ValueError(f"{model} does not take {foreign}; it takes {list(OPTIONS[model])}")
    given = {key: options.get(key) for key in OPTIONS[model]}
    defaults = {"dataset": "mnist", "epochs": spec.epochs, "batch_size": 64, "lr": spec.lr,
                "latent": spec.latent, "seed": 0, "noise": "gaussian", "sparsity": "kl",
                "rho": 0.05, "generator_steps": 1}
    config = {"model": model, **{key: defaults.get(key) if value is None else value
                                 for key, value in given.items()}}
    if "noise" in spec.options and config["noise_level"] is None:
        config["noise_level"] = gen.NOISES[config["noise"]][1]
    if "sparsity" in spec.options and config["beta"] is None:
        config["beta"] = SPARSITY_BETA[config["sparsity"]]
    _check(config)
    family = spec.family
    config.update(optimizer="adam", betas=ADAM_BETAS[family])
    if model == "dcgan":
        config.update(gen.DCGAN_RECIPE)
    return config


def _check(config):
    """ValueErrors for values out of range."""
    if config["dataset"] not in GREY_DATASETS:
        raise ValueError(f"unknown dataset {config['dataset']!r}; available: "
                         f"{', '.join(GREY_DATASETS)}")
    for key in ("epochs", "batch_size", "latent", "generator_steps"):
        if config.get(key) is not None and config[key] < 1:
            raise ValueError(f"{key} must be at least 1, got {config[key]}")
    ema = config.get("generator_ema")
    if ema is not None and not 0.0 < ema < 1.0:
        raise ValueError(f"generator_ema must lie strictly between 0 and 1 (e.g. 0.999), got "
                         f"{ema}")
    if config.get("noise") not in (None, *gen.NOISES):
        raise ValueError(f"unknown noise {config['noise']!r}; available: "
                         f"{', '.join(gen.NOISES)}")
    if config.get("sparsity") not in (None, *SPARSITY_BETA):
        raise ValueError(f"unknown sparsity {config['sparsity']!r}; available: "
                         f"{', '.join(SPARSITY_BETA)}")


# ---- train -----------------------------------------------------------------------------------
class _EpochBars:
    """A loader that shows one progress bar per pass ("epoch k") when ``enabled``."""

    def __init__(self, loader, epoch, enabled):
        self.loader, self.epoch, self.enabled = loader, epoch, enabled

    def __iter__(self):
        self.epoch += 1
        return iter(progress_bar(self.loader, f"epoch {self.epoch}", self.enabled))


def _pictures_available(log):
    try:
        pyplot()
    except ImportError as error:
        log(f"no pictures: {error}")
        return False
    return True


def _images(config, value_range):
    """(train images, test images, test labels, data info): all training images (no
    validation split) or ``train_subset`` of them, and the test images, as pixels mapped to
    ``value_range``."""
    train_set, _, test_set, info = classification_splits(
        config["dataset"], config["data"], val_size=0, train_subset=config["train_subset"],
        seed=config["seed"])
    return (loops.dataset_images(train_set, info["mean"], info["std"], value_range),
            loops.dataset_images(test_set, info["mean"], info["std"], value_range),
            test_set.tensors[1].numpy(), info)


def _noise(config):
    """x -> corrupted x for the denoising autoencoder, else None."""
    if config.get("noise") is None:
        return None
    corrupt, level = gen.NOISES[config["noise"]][0], config["noise_level"]
    return lambda x: corrupt(x, level)


def train(out, config, resume=False, download=False, log=print, progress=True):
    """Train the generative model ``config`` describes (see ``complete_config``) into the run
    folder ``out``, or continue it from its last.safetensors with ``resume`` (``epochs`` may
    then be raised); with a ``classifier`` in the config (a LeNet-5 run folder) the prior
    samples are scored at the end.  Returns the metrics also written to metrics.json."""
    run, family = RunFolder(out), _family(config)
    if config.get("classifier"):
        load_classifier(config["classifier"], config["dataset"])  # refused before training
    manual_seed(config["seed"])
    if download:
        DATASETS[config["dataset"]](config["data"], download=True)
    train_images, test_images, test_labels, info = _images(config, VALUE_RANGES[family])
    config = {**config, "data_info": info}
    if config["model"] == "dcgan":
        config.update(gen.dcgan_recipe(config))
    networks = gen.build_networks(config)
    fixed_noise = randn(FIXED_SAMPLES, config["latent"])  # the same z for every epoch's grid
    trained = {name: net for name, net in networks.items() if name != "generator_average"}
    optimizers = {name: optim.Adam(net.parameters(), lr=config["lr"], betas=ADAM_BETAS[family])
                  for name, net in trained.items()}
    start, rows = 0, []
    if resume:
        state = load_training_state(run.last_state(), networks, optimizers,
                                    allow_missing=("generator_average",))
        start, rows = state["epoch"], state["history"]
        log(f"resumed {run.last_state()} after epoch {start}")
    if config["epochs"] < start:
        raise RunFolderError(f"{run.last_state()} is after epoch {start}; --epochs "
                             f"{config['epochs']} would go back (give --epochs {start} or more)")
    run.write_config(config)
    parameters = sum(p.numel() for net in trained.values() for p in net.parameters())
    epochs = f"epochs {start + 1}-{config['epochs']}" if config["epochs"] > start else \
        f"no epochs left after {start}: the final weights, pictures and metrics only"
    log(f"training {config['model']} on {config['dataset']}: {info['train']} train / "
        f"{info['test']} test images, {parameters:,} parameters, {epochs}")
    loader = _EpochBars(DataLoader(TensorDataset(train_images), batch_size=config["batch_size"],
                                   shuffle=True), start, progress)
    epoch_end = _EpochEnd(run, config, networks, optimizers, start, rows, log)
    _run_loop(config, networks, optimizers, loader, fixed_noise, epoch_end)
    return _finish(run, config, networks, rows, (test_images, test_labels), parameters, log)


class _EpochEnd:
    """After each epoch: record the epoch's means, draw the fixed-noise grid, checkpoint."""

    def __init__(self, run, config, networks, optimizers, start, rows, log):
        self.run, self.config, self.networks, self.optimizers = run, config, networks, optimizers
        self.start, self.rows, self.log = start, rows, log
        self.pictures = _pictures_available(log)
        self.tick = time.perf_counter()

    def __call__(self, epoch, history, samples=None):
        epoch += self.start
        seconds, self.tick = time.perf_counter() - self.tick, time.perf_counter()
        row = {"epoch": epoch, **{name: values[-1] for name, values in history.items()},
               "seconds": seconds}
        self.rows.append(row)
        self.log(f"epoch {epoch}/{self.config['epochs']}: " + ", ".join(
            f"{name} {row[name]:.4g}" for name in history) + f" ({seconds:.1f} s)")
        if samples is not None and self.pictures:
            save_grid(samples, self.run / SAMPLES.format(epoch),
                      value_range=VALUE_RANGES[_family(self.config)])
        save_training_state(self.run / RunFolder.LAST, self.networks, self.optimizers,
                            epoch=epoch, history=self.rows)


def _run_loop(config, networks, optimizers, loader, fixed_noise, epoch_end):
    """The family's training loop for the epochs left."""
    family, epochs_left = _family(config), config["epochs"] - epoch_end.start
    if family == "gan":
        loops.train_gan(networks["generator"], networks["discriminator"], loader, epochs_left,
                        fixed_noise=fixed_noise,
                        on_epoch=lambda epoch, samples, history: epoch_end(epoch, history,
                                                                           samples),
                        optimizers=(optimizers["discriminator"], optimizers["generator"]),
                        generator_steps=config["generator_steps"],
                        generator_average=networks.get("generator_average"))
    elif family == "vae":
        model = networks["model"]

        def vae_epoch(epoch, history):
            model.eval()
            with no_grad():
                samples = model.decode(fixed_noise).sigmoid().numpy()
            epoch_end(epoch, history, samples)

        loops.train_vae(model, loader, epochs_left, optimizers["model"], on_epoch=vae_epoch)
    else:
        model = networks["model"]
        sparse = isinstance(model, gen.SparseAutoencoder)
        loops.train_autoencoder(model, loader, epochs_left, optimizers["model"],
                                noise=_noise(config), on_epoch=epoch_end,
                                sparsity=model.sparsity_penalty if sparse else None)


def _finish(run, config, networks, rows, test, parameters, log):
    """The final weights, history, test metrics, scores and pictures."""
    test_images, test_labels = test
    run.save_weights(networks)
    run.write_json(RunFolder.HISTORY, rows)
    for network in networks.values():
        network.eval()
    family = _family(config)
    metrics = {**_test_metrics(family, networks, test_images, _noise(config)),
               **{f"final_{name}": value for name, value in rows[-1].items()
                  if name not in ("epoch", "seconds")},
               "epochs_run": len(rows),
               "train_seconds": round(sum(row["seconds"] for row in rows), 1),
               "parameters": parameters}
    if config.get("classifier"):  # the figures of `score(out, classifier)`
        metrics.update(score_networks(config, networks, config["classifier"], SCORE_SAMPLES,
                                      seed=0, batch_size=500, data=config["data"], log=log))
    run.write_json(RunFolder.METRICS, metrics)
    shown = [name for name in metrics if name.startswith("test_")] or \
        [name for name in metrics if name.startswith("final_")]  # a GAN has no test metrics
    log(", ".join(f"{name} {metrics[name]:.4g}" for name in shown))
    files = ["config.json", "history.json", RunFolder.WEIGHTS, RunFolder.LAST, "metrics.json"]
    if _pictures_available(log):
        files += _draw_pictures(run, config, networks, rows, test_images)
        if config["latent"] == 2 and family != "gan":
            files += _draw_latent_space(run, config, networks["model"], test_images,
                                        test_labels)
    log(f"run folder {run.path}: {', '.join(files)}")
    return metrics


def _test_metrics(family, networks, images, noise):
    """Test figures: reconstruction MSE per pixel (autoencoders; of the denoised images for
    the denoising one, with PSNR of noisy and denoised), the sparse code's mean activation,
    or the negative ELBO in nats per image with its two terms (VAEs)."""
    if family == "gan":
        return {}
    model, loader = networks["model"], DataLoader(TensorDataset(images), batch_size=500)
    if family == "vae":
        result = loops.evaluate_vae(model, loader)
        return {"test_neg_elbo": result["loss"],
                "test_reconstruction_nll": result["reconstruction"], "test_kl": result["kl"]}
    metrics = {"test_mse": loops.evaluate_reconstruction(model, loader, noise)}
    if noise is not None:
        metrics.update({f"test_{name}": value for name, value in
                        loops.evaluate_denoising(model, loader, noise).items()})
    if isinstance(model, gen.SparseAutoencoder):
        with no_grad():
            metrics["test_mean_activation"] = float(model.encode(images).mean().item())
    return metrics


def _draw_pictures(run, config, networks, rows, test_images):
    """curves.png, and progress.png, reconstructions.png, features.png as the model has them;
    returns the names written."""
    family, written = _family(config), ["curves.png"]
    plot_panels(rows, CURVES[family], run / "curves.png",
                f"{config['model']} on {config['dataset']}")
    if family != "gan":
        model, x = networks["model"], test_images[:10]
        with no_grad():
            if family == "vae":
                grid = [x, model.reconstruct(x)]
            elif config.get("noise"):
                noisy = _noise(config)(x)
                grid = [x, noisy, model(noisy)]
            else:
                grid = [x, model(x)]
        save_grid(np.concatenate([images.numpy() for images in grid]),
                  run / "reconstructions.png", nrow=10, value_range=(0.0, 1.0))
        written.append("reconstructions.png")
    if isinstance(networks.get("model"), gen.SparseAutoencoder):
        features = networks["model"].feature_images()
        save_grid(features, run / "features.png", nrow=math.ceil(math.sqrt(len(features))),
                  value_range=(0.0, 1.0))
        written.append("features.png")
    if family != "autoencoder":
        epochs = np.unique(np.linspace(1, len(rows), min(len(rows), 10)).round().astype(int))
        shown = [(epoch, run / SAMPLES.format(epoch)) for epoch in epochs
                 if (run / SAMPLES.format(epoch)).exists()]
        save_contact_sheet([pyplot().imread(str(path))[..., :3] for _, path in shown],
                           run / "progress.png", [f"epoch {epoch}" for epoch, _ in shown])
        written += ["samples_epoch_NNN.png", "progress.png"]
    return written


def _draw_latent_space(run, config, model, test_images, test_labels):
    """A 2-D code's pictures: latent.png, the codes of the test images (posterior means for a
    VAE) beside PCA's projection of the same pixels, coloured by class; and for a VAE
    manifold.png, images decoded from a grid of Gaussian quantiles.  Returns the names
    written."""
    with no_grad():
        codes = model.encode(test_images)
    codes = codes[0] if isinstance(codes, tuple) else codes
    plot_latent([(f"{config['model']} codes", codes), ("PCA of the pixels", pca_2d(test_images))],
                test_labels, run / "latent.png", class_names=config["data_info"]["classes"])
    if _family(config) != "vae":
        return ["latent.png"]
    side = 20
    save_grid(latent_manifold(lambda z: model.decode(z).sigmoid(), n=side),
              run / "manifold.png", nrow=side, value_range=(0.0, 1.0))
    return ["latent.png", "manifold.png"]


# ---- a finished run: sample, interpolate, score ----------------------------------------------
def load(path):
    """(config, {name: network in eval mode}) of a finished generative run folder."""
    run = RunFolder(path)
    config = run.read_config(GENERATIVE_MODELS, "a generative model")
    hint = f" (the run did not finish; continue it with `yingshe train {config['model']} " \
           f"--resume --out {run.path}`)"
    return config, run.load_into(lambda: gen.build_networks(config), finish_hint=hint)


def decode(family, networks, z):
    """Images for codes z: x = G(z) in [-1, 1] (GAN; the averaged G when the run keeps one),
    sigma(f_dec(z)) (VAE: the Bernoulli means), f_dec(z) (autoencoders); a NumPy array
    (N, C, H, W)."""
    with no_grad():
        if family == "gan":
            return networks.get("generator_average", networks["generator"])(z).numpy()
        images = networks["model"].decode(z)
        return (images.sigmoid() if family == "vae" else images).numpy()


def _with_prior(path, config, what="sample from"):
    if _family(config) == "autoencoder":
        raise RunFolderError(f"{path} holds a {config['model']}, which has no prior to {what} "
                             f"(vae, conv-vae, gan and dcgan have one)")


def sample(path, n=64, seed=0, out=None):
    """Draw ``n`` images x = decode(z), z ~ N(0, I) from the prior of a VAE or GAN run and write
    them as one grid (default RUN/samples.png); returns (images, the PNG's path)."""
    config, networks = load(path)
    _with_prior(path, config)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    manual_seed(seed)
    images = decode(_family(config), networks, randn(n, config["latent"]))
    out = Path(out or Path(path) / "samples.png")
    save_grid(images, out, nrow=math.ceil(math.sqrt(n)),
              value_range=VALUE_RANGES[_family(config)])
    return images, out


def _encode_test_images(config, networks, indices, root):
    """Codes of test images: the posterior means mu(x) of a VAE, f_enc(x) of an autoencoder."""
    images, _ = DATASETS[config["dataset"]](root or config["data"], train=False).arrays()
    bad = [i for i in indices if not 0 <= i < len(images)]
    if bad:
        raise ValueError(f"--images {bad}: the {config['dataset']} test set has images "
                         f"0-{len(images) - 1}")
    x = from_numpy(images[indices].astype(np.float32)[:, None] / np.float32(255.0))
    with no_grad():
        codes = networks["model"].encode(x)
    return (codes[0] if isinstance(codes, tuple) else codes).numpy()


def _end_points(path, config, networks, images, rows, seed, data):
    """(z_a, z_b): the codes of pairs of test images, or 2 x ``rows`` draws from the prior."""
    if images is not None:
        if _family(config) == "gan":
            raise RunFolderError(f"{path} holds a {config['model']}, which has no encoder for "
                                 f"--images; leave it out to walk between random z")
        if len(images) % 2:
            raise ValueError(f"--images takes pairs of test-image indices, got {len(images)} "
                             f"indices")
        codes = _encode_test_images(config, networks, images, data)
        return codes[0::2], codes[1::2]
    if _family(config) == "autoencoder":
        raise RunFolderError(f"{path} holds a {config['model']}, which has no prior to draw end "
                             f"points from; give two test images: --images I J")
    manual_seed(seed)
    z = randn(2 * rows, config["latent"]).numpy()
    return z[:rows], z[rows:]


def interpolate(path, steps=10, rows=1, images=None, data=None, seed=0, out=None):
    """Decode z_t = (1 - t) z_a + t z_b for t = 0, 1/(steps - 1), ..., 1: one row per pair of
    end points (random z ~ N(0, I), or the codes of pairs of test images given by index in
    ``images``); writes the rows as one grid (default RUN/interpolation.png) and returns
    (images, the PNG's path)."""
    config, networks = load(path)
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (the two ends), got {steps}")
    z_a, z_b = _end_points(path, config, networks, images, rows, seed, data)
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    z = (1 - t) * z_a[:, None] + t * z_b[:, None]  # (rows, steps, latent)
    pictures = decode(_family(config), networks, from_numpy(z.reshape(-1, z.shape[-1])))
    out = Path(out or Path(path) / "interpolation.png")
    save_grid(pictures, out, nrow=steps, value_range=VALUE_RANGES[_family(config)])
    return pictures, out


def load_classifier(path, dataset=None):
    """(LeNet-5 in eval mode, its run config) of a classifier run folder, trained on
    ``dataset`` when one is given: the scores use its class probabilities and penultimate
    features."""
    config = RunFolder(path).read_config(written_by="yingshe train lenet5")
    if config.get("model") != "lenet5":
        raise RunFolderError(f"the classifier {path} is a run of {config.get('model')!r}, not "
                             f"of the classifier lenet5, whose class probabilities and "
                             f"penultimate features the scores use; train one with `yingshe "
                             f"train lenet5`")
    if dataset is not None and config["dataset"] != dataset:
        raise RunFolderError(f"the classifier {path} was trained on {config['dataset']}, the "
                             f"images to score are {dataset}; give a lenet5 run on {dataset}")
    model, _ = classification.load_model(path)
    return model, config


def prior_pixels(family, networks, latent, n, batch_size=500):
    """n images x = decode(z), z ~ N(0, I), drawn ``batch_size`` at a time, mapped from the
    family's value range [a, b] to pixels p = (x - a) / (b - a) in [0, 1]: a GAN's tanh outputs
    go from [-1, 1] to [0, 1], a VAE's Bernoulli means are pixels already.  (N, C, H, W)."""
    low, high = VALUE_RANGES[family]
    images = np.concatenate([decode(family, networks, randn(min(batch_size, n - start), latent))
                             for start in range(0, n, batch_size)])
    return (images - np.float32(low)) / np.float32(high - low)


def _real_pixels(dataset, root, train):
    """The images of a dataset split as float32 pixels (N, 1, H, W) in [0, 1]."""
    images, _ = DATASETS[dataset](root, train=train).arrays()
    return images.astype(np.float32)[:, None] / np.float32(255.0)


def score_networks(config, networks, classifier, n=SCORE_SAMPLES, seed=0, batch_size=500,
                   data=None, log=print):
    """Scores of ``n`` prior samples (drawn with ``seed``) of the ``networks`` of a run with
    ``config``, measured with the LeNet-5 run folder ``classifier``, against the test images;
    a run that keeps a generator average is scored with it, and also with G's own weights
    ("raw_generator_" figures).  Returns the figures."""
    _check_counts(n, batch_size)
    model, classifier_config = load_classifier(classifier, config["dataset"])
    test = _real_pixels(config["dataset"], data or config["data"], train=False)
    scored = [("", "", networks)]
    if "generator_average" in networks:
        scored.append(("raw_generator_", " (G's own weights, not their average)",
                       {"generator": networks["generator"]}))
    figures = {}
    for prefix, which, drawn in scored:
        manual_seed(seed)
        samples = prior_pixels(_family(config), drawn, config["latent"], n, batch_size)
        inception, distance = classifier_scores(model, classifier_config["data_info"], samples,
                                                test, batch_size)
        log(f"{config['model']} on {config['dataset']}{which}: inception score {inception:.3f}, "
            f"Fréchet distance {distance:.3f} to the {len(test):,} test images ({n:,} samples, "
            f"seed {seed}, classifier {classifier})")
        figures.update({f"{prefix}inception_score": inception,
                        f"{prefix}frechet_distance": distance})
    return {**figures, "score_samples": n, "score_seed": seed,
            "score_classifier": str(classifier)}


def _check_counts(n, batch_size):
    if n < 2:
        raise ValueError(f"--n must be at least 2 (a covariance needs two images), got {n}")
    if batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {batch_size}")


def score(path, classifier, n=SCORE_SAMPLES, seed=0, batch_size=500, data=None, dataset=None,
          log=print):
    """The classifier-based Inception Score of ``n`` prior samples of a VAE or GAN run and the
    Fréchet distance of their LeNet-5 features to those of the test images, merged into
    RUN/metrics.json; returns the figures."""
    _check_counts(n, batch_size)
    config, networks = load(path)
    _with_prior(path, config)
    if dataset not in (None, config["dataset"]):
        raise ValueError(f"{path} holds a model of {config['dataset']}, not of {dataset} "
                         f"(--dataset is for `yingshe score real`)")
    figures = score_networks(config, networks, classifier, n, seed, batch_size, data, log)
    RunFolder(path).merge_metrics(figures)
    return figures


def score_real(classifier, dataset=None, n=SCORE_SAMPLES, seed=0, batch_size=500, data=None,
               log=print):
    """The reference a perfect generator would reach, merged into the classifier's
    metrics.json: the IS of the test images (real_inception_score) and the Fréchet distance
    between ``n`` training images, drawn with ``seed``, and the test images
    (real_frechet_distance).  Returns the figures."""
    _check_counts(n, batch_size)
    model, config = load_classifier(classifier, dataset)
    dataset, root = config["dataset"], data or config["data"]
    train = _real_pixels(dataset, root, train=True)
    if n > len(train):
        raise ValueError(f"--n {n}: the {dataset} training split has {len(train):,} images")
    drawn = train[np.random.default_rng(seed).choice(len(train), n, replace=False)]
    test = _real_pixels(dataset, root, train=False)
    inception, distance = classifier_scores(model, config["data_info"], test, drawn, batch_size)
    log(f"real {dataset}: inception score {inception:.3f} of the {len(test):,} test images, "
        f"Fréchet distance {distance:.3f} between {n:,} training images (seed {seed}) and them "
        f"(classifier {classifier})")
    figures = {"real_inception_score": inception, "real_frechet_distance": distance,
               "real_score_samples": n, "real_score_seed": seed}
    RunFolder(classifier).merge_metrics(figures)
    return figures
