"""``yingshe train | sample | interpolate | score`` for the generative models of
``yingshe.models.generative`` (issue 5): autoencoders, VAEs and GANs on 28 x 28 images.

    yingshe train vae --dataset mnist --epochs 20 --out runs/vae-mnist
    yingshe sample runs/vae-mnist --n 64 --out samples.png
    yingshe interpolate runs/vae-mnist --images 0 1 --steps 10 --out interp.png
    yingshe score runs/dcgan-mnist --classifier runs/lenet5-mnist   # IS, FID of 10,000 samples
    yingshe score real --dataset mnist --classifier runs/lenet5-mnist  # real-data reference

A run folder holds ``config.json``, ``history.json`` (per-epoch training losses), ``curves.png``,
``model.safetensors`` (the final weights: {"model": state_dict}, or {"generator": ...,
"discriminator": ...} for a GAN), ``last.safetensors`` (the whole training state after the
latest epoch: weights, optimiser moments, random state, history; ``--resume`` continues from
it), ``metrics.json`` (figures on the 10,000 test images; ``yingshe score`` and ``train
--classifier`` add the Inception Score and Fréchet distance of prior samples) and pictures: the
samples of a fixed noise batch after every epoch (``samples_epoch_NNN.png``, VAE and GAN) with
their contact sheet ``progress.png``, ``reconstructions.png`` (test images over their
reconstructions; clean / corrupted / denoised for the denoising autoencoder) and
``features.png`` (sparse autoencoder: each hidden unit's decoder weights as an image).

Autoencoders and VAEs see pixels in [0, 1] (sigmoid / Bernoulli decoders); GANs see pixels in
[-1, 1] (tanh generators).  Every model trains with Adam."""
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _backend
from .autograd import no_grad
from .models import generative as gen
from .ops.creation import from_numpy, randn
from .optim.swa_utils import AveragedModel, get_ema_avg_fn
from .serialization import load, save

__all__ = ["GENERATIVE_MODELS", "OPTIONS", "add_train_options", "add_commands", "check_options",
           "build_networks", "load_run", "train_generative", "sample", "interpolate",
           "load_classifier", "prior_pixels", "classifier_scores", "score"]

WEIGHTS = "model.safetensors"
SAMPLES = "samples_epoch_{:03d}.png"
FIXED_SAMPLES = 64  # images in each per-epoch sample grid
SCORE_SAMPLES = 10_000  # prior samples scored by `yingshe score` and `train --classifier`
# DCGAN networks of new runs: G z -> 4 -> 7 -> 14 -> 28 with 384-192-96 channels, D 28 -> 14 ->
# 7 -> 4 with 64-128-256 (see DCGANGenerator, DCGANDiscriminator).  A run folder's config
# without these keys is from the first recipe, and loads and resumes as one.
DCGAN_RECIPE = {"generator_depth": 4, "generator_features": 48, "discriminator_depth": 3,
                "discriminator_features": 64}
DCGAN_FIRST_RECIPE = {"generator_depth": 3, "generator_features": 64, "discriminator_depth": 2,
                      "discriminator_features": 64}
NOISES = {"gaussian": (gen.gaussian_noise, 0.3), "masking": (gen.masking_noise, 0.5)}
SPARSITY_BETA = {"kl": 3.0, "l1": 1.0}
ADAM_BETAS = {"autoencoder": (0.9, 0.999), "vae": (0.9, 0.999), "gan": (0.5, 0.999)}
VALUE_RANGES = {"autoencoder": (0.0, 1.0), "vae": (0.0, 1.0), "gan": (-1.0, 1.0)}
CURVES = {"autoencoder": [("loss per image", ("loss", "reconstruction", "penalty"))],
          "vae": [("nats per image", ("loss", "reconstruction", "kl"))],
          "gan": [("loss", ("d_loss", "g_loss")), ("mean D output", ("d_real", "d_fake"))]}


def _shape(config):
    return tuple(config["data_info"]["image_shape"])


def _with_generator_average(networks, config):
    """Add "generator_average", an exponential moving average of G's weights (Yazıcı et al.
    2019), when the run's config asks for one (``generator_ema``); ``train_gan`` recomputes its
    batch-norm statistics after each epoch."""
    if config.get("generator_ema") is not None:
        networks["generator_average"] = AveragedModel(
            networks["generator"], get_ema_avg_fn(config["generator_ema"]))
    return networks


def _dcgan_networks(config):
    """G and D of a DCGAN run; a config without the recipe's keys is the first recipe's."""
    recipe = {key: config.get(key, value) for key, value in DCGAN_FIRST_RECIPE.items()}
    channels = _shape(config)[0]
    return _with_generator_average(
        {"generator": gen.DCGANGenerator(config["latent"], recipe["generator_features"],
                                         channels, depth=recipe["generator_depth"]),
         "discriminator": gen.DCGANDiscriminator(channels, recipe["discriminator_features"],
                                                 depth=recipe["discriminator_depth"])},
        config)


def _mlp_gan_networks(config):
    """G and D of an MLP GAN run (Goodfellow et al. 2014)."""
    return _with_generator_average(
        {"generator": gen.MLPGenerator(config["latent"], image_shape=_shape(config)),
         "discriminator": gen.MLPDiscriminator(_shape(config))}, config)


@dataclass(frozen=True)
class GenerativeModel:
    """A row of ``GENERATIVE_MODELS``: ``build(config)`` -> {name: network}; ``family`` picks
    the training loop (autoencoder, vae or gan); the defaults apply when an option is not
    given; ``options`` are the model's own ``train`` options."""
    family: str
    build: Callable
    latent: int
    lr: float
    epochs: int
    description: str
    options: tuple = ()


GENERATIVE_MODELS = {
    "autoencoder": GenerativeModel(
        "autoencoder", lambda c: {"model": gen.Autoencoder(_shape(c), latent=c["latent"])},
        32, 1e-3, 10, "MLP autoencoder 784-512-256-32, squared error (--latent 2: plottable)"),
    "conv-autoencoder": GenerativeModel(
        "autoencoder", lambda c: {"model": gen.ConvAutoencoder(_shape(c)[0], c["latent"])},
        32, 1e-3, 10, "convolutional autoencoder 28 -> 14 -> 7 -> 32 and back"),
    "sparse-ae": GenerativeModel(
        "autoencoder", lambda c: {"model": gen.SparseAutoencoder(
            _shape(c), hidden=c["latent"], rho=c["rho"], beta=c["beta"], kind=c["sparsity"])},
        196, 1e-3, 10, "196 sigmoid units with a KL (or L1) sparsity penalty (Ng's notes)",
        ("sparsity", "rho", "beta")),
    "denoising-ae": GenerativeModel(
        "autoencoder", lambda c: {"model": gen.Autoencoder(_shape(c), latent=c["latent"])},
        32, 1e-3, 10, "MLP autoencoder taught to undo Gaussian or masking noise (Vincent 2008)",
        ("noise", "noise_level")),
    "vae": GenerativeModel(
        "vae", lambda c: {"model": gen.VAE(_shape(c), latent=c["latent"])},
        20, 1e-3, 20, "VAE 784-400-20, Bernoulli decoder (Kingma & Welling 2014)",
        ("classifier",)),
    "conv-vae": GenerativeModel(
        "vae", lambda c: {"model": gen.ConvVAE(_shape(c)[0], c["latent"])},
        20, 1e-3, 20, "convolutional VAE 28 -> 14 -> 7 -> 20 and back", ("classifier",)),
    "gan": GenerativeModel(
        "gan", _mlp_gan_networks,
        100, 2e-4, 50, "GAN with MLP generator and discriminator (Goodfellow et al. 2014)",
        ("classifier", "generator_steps", "generator_ema")),
    "dcgan": GenerativeModel(
        "gan", _dcgan_networks,
        100, 2e-4, 10, "DCGAN (Radford et al. 2016) sized for 28x28, Adam betas (0.5, 0.999)",
        ("classifier", "generator_steps", "generator_ema")),
}

OPTIONS = ("latent", "noise", "noise_level", "sparsity", "rho", "beta",
           "classifier", "generator_steps", "generator_ema")  # generative only


# ---- options ---------------------------------------------------------------------------------
def add_train_options(train):
    """The generative models' options of ``yingshe train`` (all default to None: per model)."""
    group = train.add_argument_group(
        "generative models", "Adam on the whole training split (test figures at the end); "
        "--optimizer, --weight-decay, --dropout, --batch-norm, --augment, --scheduler, "
        "--early-stopping, --val-size and --workers are for the classifiers")
    group.add_argument("--latent", type=int, default=None,
                       help="code size: 32 (autoencoders), 196 hidden units (sparse-ae), "
                            "20 (VAEs), 100 (GANs)")
    group.add_argument("--noise", default=None, choices=tuple(NOISES),
                       help="denoising-ae corruption (default gaussian)")
    group.add_argument("--noise-level", type=float, default=None,
                       help="Gaussian noise std (0.3) or masking probability (0.5)")
    group.add_argument("--sparsity", default=None, choices=tuple(SPARSITY_BETA),
                       help="sparse-ae penalty: KL to --rho or L1 activity (default kl)")
    group.add_argument("--rho", type=float, default=None,
                       help="sparse-ae target mean activation (0.05)")
    group.add_argument("--beta", type=float, default=None,
                       help="sparse-ae penalty weight (3 for kl, 1 for l1)")
    group.add_argument("--classifier", default=None, metavar="CLASSIFIER_RUN",
                       help=f"a `yingshe train lenet5` run on the same dataset: score "
                            f"{SCORE_SAMPLES:,} prior samples at the end as `yingshe score` does "
                            f"(vae, conv-vae, gan, dcgan)")
    group.add_argument("--generator-steps", type=int, default=None,
                       help="generator updates per batch after each discriminator update "
                            "(gan, dcgan; default 1)")
    group.add_argument("--generator-ema", type=float, default=None, metavar="DECAY",
                       help="also keep an exponential moving average of the generator's "
                            "weights, a <- DECAY a + (1 - DECAY) w after each generator step, "
                            "and sample, score and draw grids with it (gan, dcgan; e.g. 0.999; "
                            "default none)")


def add_commands(commands):
    """The ``sample``, ``interpolate`` and ``score`` subcommands."""
    sample_parser = commands.add_parser("sample", help="draw images from a VAE or GAN run")
    sample_parser.add_argument("run", help="a run folder of `yingshe train vae|conv-vae|gan|dcgan`")
    sample_parser.add_argument("--n", type=int, default=64, help="images to draw")
    sample_parser.add_argument("--out", default=None, help="PNG (default RUN/samples.png)")
    sample_parser.add_argument("--seed", type=int, default=0)

    walk = commands.add_parser("interpolate", help="decode a straight walk between two codes")
    walk.add_argument("run", help="a run folder of a generative model")
    walk.add_argument("--out", default=None, help="PNG (default RUN/interpolation.png)")
    walk.add_argument("--steps", type=int, default=10, help="images per row, ends included")
    walk.add_argument("--rows", type=int, default=1,
                      help="rows, each between two random z (without --images)")
    walk.add_argument("--images", type=int, nargs="+", default=None, metavar="INDEX",
                      help="pairs of test-image indices: one row between the codes of each "
                           "pair (autoencoders, VAEs)")
    walk.add_argument("--data", default=None, help="data root for --images (default: the run's)")
    walk.add_argument("--seed", type=int, default=0)

    scorer = commands.add_parser(
        "score", help="Inception Score and Fréchet distance of a VAE or GAN run's samples, "
                      "measured with a trained LeNet-5")
    scorer.add_argument("run", help="a run folder of `yingshe train vae|conv-vae|gan|dcgan`, or "
                                    "`real`: the reference figures of real images")
    scorer.add_argument("--classifier", required=True, metavar="CLASSIFIER_RUN",
                        help="a run folder of `yingshe train lenet5` on the run's dataset")
    scorer.add_argument("--dataset", default=None,
                        help="the images' dataset for `real` (default: the classifier's)")
    scorer.add_argument("--n", type=int, default=SCORE_SAMPLES,
                        help="prior samples (real: training images) to score")
    scorer.add_argument("--seed", type=int, default=0)
    scorer.add_argument("--batch-size", type=int, default=500)
    scorer.add_argument("--data", default=None,
                        help="data root (default: the run's; for `real` the classifier's)")


def check_options(args, allowed=()):
    """Refuse generative options given to a model that does not take them."""
    for option in OPTIONS:
        if getattr(args, option) is not None and option not in allowed:
            takers = [name for name, spec in GENERATIVE_MODELS.items()
                      if option == "latent" or option in spec.options]
            raise SystemExit(f"error: --{option.replace('_', '-')} does not apply to "
                             f"{args.model}; models that take it: {', '.join(takers)}")


def _fill_defaults(args, spec):
    """Replace the options left at None by ``spec``'s defaults and the per-kind defaults."""
    args.epochs = args.epochs or spec.epochs
    args.lr = spec.lr if args.lr is None else args.lr
    args.latent = args.latent or spec.latent
    if "noise" in spec.options:
        args.noise = args.noise or "gaussian"
        args.noise_level = NOISES[args.noise][1] if args.noise_level is None else args.noise_level
    if "sparsity" in spec.options:
        args.sparsity = args.sparsity or "kl"
        args.rho = 0.05 if args.rho is None else args.rho
        args.beta = SPARSITY_BETA[args.sparsity] if args.beta is None else args.beta
    if "generator_steps" in spec.options:
        args.generator_steps = 1 if args.generator_steps is None else args.generator_steps
        if args.generator_steps < 1:
            raise SystemExit(f"error: --generator-steps must be at least 1, got "
                             f"{args.generator_steps}")
    if "generator_ema" in spec.options and args.generator_ema is not None \
            and not 0.0 < args.generator_ema < 1.0:
        raise SystemExit(f"error: --generator-ema must lie strictly between 0 and 1 (e.g. "
                         f"0.999), got {args.generator_ema}")


# ---- run folders -----------------------------------------------------------------------------
def build_networks(config):
    """The freshly initialised networks of a run's ``config``, by name."""
    return GENERATIVE_MODELS[config["model"]].build(config)


def load_run(path):
    """(config, {name: network in eval mode}) of a finished generative run folder."""
    run = Path(path)
    config_path, weights = run / "config.json", run / WEIGHTS
    if not config_path.exists():
        raise SystemExit(f"error: {run} has no config.json; give a run folder written by "
                         f"`yingshe train MODEL --out {run}`")
    config = json.loads(config_path.read_text())
    if config.get("model") not in GENERATIVE_MODELS:
        raise SystemExit(f"error: {run} is a run of {config.get('model')!r}, not of a "
                         f"generative model ({', '.join(GENERATIVE_MODELS)})")
    if not weights.exists():
        raise SystemExit(f"error: {run} has no {WEIGHTS} (the run did not finish; continue it "
                         f"with `yingshe train {config['model']} --resume --out {run}`)")
    networks = build_networks(config)
    state = load(weights)
    for name, network in networks.items():
        network.load_state_dict(state[name])
        network.eval()
    return config, networks


def _save_checkpoint(path, networks, optimizers, epoch, rows):
    """The whole training state after ``epoch``, written atomically (no pickle): weights,
    optimiser states, the random generators and the history so far."""
    save({"networks": {name: net.state_dict() for name, net in networks.items()},
          "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
          "rng": _backend.get_rng_state(), "epoch": epoch, "history": rows}, path)


def _load_checkpoint(path, networks, optimizers):
    """Restore what ``_save_checkpoint`` wrote; returns (epoch, history rows).  A network
    without an optimiser (the generator average) that the checkpoint lacks starts afresh."""
    state = load(path)
    for name, network in networks.items():
        if name in optimizers:
            network.load_state_dict(state["networks"][name])
            optimizers[name].load_state_dict(state["optimizers"][name])
        elif name in state["networks"]:
            network.load_state_dict(state["networks"][name])
    _backend.set_rng_state(state["rng"])
    return state["epoch"], state["history"]


# ---- train -----------------------------------------------------------------------------------
class _EpochBars:
    """A loader that shows one progress bar per pass ("epoch k") when ``enabled``."""

    def __init__(self, loader, epoch, enabled):
        self.loader, self.epoch, self.enabled = loader, epoch, enabled

    def __iter__(self):
        from .training.resumable import progress_bar
        self.epoch += 1
        return iter(progress_bar(self.loader, f"epoch {self.epoch}", self.enabled))


def _pictures_available(log):
    from .training.plots import _pyplot
    try:
        _pyplot()
    except ImportError as error:
        log(f"no pictures: {error}")
        return False
    return True


def _images(args, value_range):
    """(train images, test images, test labels, data info): all training images (no
    validation split) or ``--train-subset`` of them, and the test images, as pixels mapped to
    ``value_range``."""
    from .datasets.prepare import classification_splits
    from .training.generative import dataset_images
    train_set, _, test_set, info = classification_splits(
        args.dataset, args.data, val_size=0, train_subset=args.train_subset, seed=args.seed)
    return (dataset_images(train_set, info["mean"], info["std"], value_range),
            dataset_images(test_set, info["mean"], info["std"], value_range),
            test_set.tensors[1].numpy(), info)


def train_generative(args, log=print):
    """Train the generative model ``args.model`` as ``args`` say and write its run folder;
    returns the metrics dict also written to metrics.json."""
    from . import cli, optim
    from .datasets.prepare import DATASETS
    from .training import generative as loops
    from .training.images import save_grid
    from .utils.data import DataLoader, TensorDataset

    spec = GENERATIVE_MODELS[args.model]
    check_options(args, ("latent",) + spec.options)
    out = Path(args.out or f"runs/{args.model}-{args.dataset}")
    last = out / cli.LAST_CHECKPOINT
    if args.resume:
        cli._restore_options(args, out)
    _fill_defaults(args, spec)
    if args.epochs < 1:
        raise SystemExit(f"error: --epochs must be at least 1, got {args.epochs}")
    classifier = load_classifier(args.classifier, args.dataset) if args.classifier else None
    _backend.manual_seed(args.seed)
    if args.download:
        DATASETS[args.dataset](args.data, download=True)
    out.mkdir(parents=True, exist_ok=True)
    value_range = VALUE_RANGES[spec.family]
    train_images, test_images, test_labels, info = _images(args, value_range)
    keys = ("model", "dataset", "epochs", "batch_size", "lr", "latent", "seed", "train_subset",
            "data") + spec.options
    config = {key: getattr(args, key) for key in keys}
    config.update(optimizer="adam", betas=ADAM_BETAS[spec.family], data_info=info)
    if args.model == "dcgan":
        recipe = DCGAN_FIRST_RECIPE if args.resume else DCGAN_RECIPE
        config.update({key: getattr(args, key, value) for key, value in recipe.items()})
    networks = build_networks(config)
    fixed_noise = randn(FIXED_SAMPLES, args.latent)  # the same z for every epoch's grid
    trained = {name: net for name, net in networks.items() if name != "generator_average"}
    optimizers = {name: optim.Adam(net.parameters(), lr=args.lr, betas=ADAM_BETAS[spec.family])
                  for name, net in trained.items()}
    start, rows = 0, []
    if args.resume:
        start, rows = _load_checkpoint(last, networks, optimizers)
        log(f"resumed {last} after epoch {start}")
    if args.epochs < start:
        raise SystemExit(f"error: {last} is after epoch {start}; --epochs {args.epochs} would "
                         f"go back (give --epochs {start} or more)")
    (out / "config.json").write_text(json.dumps(config, indent=1))
    loader = _EpochBars(DataLoader(TensorDataset(train_images), batch_size=args.batch_size,
                                   shuffle=True), start, not args.no_progress)
    pictures = _pictures_available(log)
    parameters = sum(p.numel() for net in trained.values() for p in net.parameters())
    epochs = f"epochs {start + 1}-{args.epochs}" if args.epochs > start else \
        f"no epochs left after {start}: the final weights, pictures and metrics only"
    log(f"training {args.model} on {args.dataset}: {info['train']} train / {info['test']} test "
        f"images, {parameters:,} parameters, {epochs}")
    tick = time.perf_counter()

    def end_of_epoch(epoch, history, samples=None):
        """Record the epoch's means, draw the fixed-noise grid, checkpoint."""
        nonlocal tick
        epoch += start
        seconds, tick = time.perf_counter() - tick, time.perf_counter()
        row = {"epoch": epoch, **{name: values[-1] for name, values in history.items()},
               "seconds": seconds}
        rows.append(row)
        log(f"epoch {epoch}/{args.epochs}: " + ", ".join(
            f"{name} {row[name]:.4g}" for name in history) + f" ({seconds:.1f} s)")
        if samples is not None and pictures:
            save_grid(samples, out / SAMPLES.format(epoch), value_range=value_range)
        _save_checkpoint(last, networks, optimizers, epoch, rows)

    epochs_left = args.epochs - start
    if spec.family == "gan":
        def gan_epoch(epoch, samples, history):
            end_of_epoch(epoch, history, samples)

        loops.train_gan(networks["generator"], networks["discriminator"], loader, epochs_left,
                        fixed_noise=fixed_noise, on_epoch=gan_epoch,
                        optimizers=(optimizers["discriminator"], optimizers["generator"]),
                        generator_steps=args.generator_steps,
                        generator_average=networks.get("generator_average"))
    elif spec.family == "vae":
        model = networks["model"]

        def vae_epoch(epoch, history):
            model.eval()
            with no_grad():
                samples = model.decode(fixed_noise).sigmoid().numpy()
            end_of_epoch(epoch, history, samples)

        loops.train_vae(model, loader, epochs_left, optimizers["model"], on_epoch=vae_epoch)
    else:
        model = networks["model"]
        sparse = isinstance(model, gen.SparseAutoencoder)
        loops.train_autoencoder(model, loader, epochs_left, optimizers["model"],
                                noise=_noise(args), on_epoch=end_of_epoch,
                                sparsity=model.sparsity_penalty if sparse else None)

    save({name: net.state_dict() for name, net in networks.items()}, out / WEIGHTS)
    (out / "history.json").write_text(json.dumps(rows, indent=1))
    for network in networks.values():
        network.eval()
    test_loader = DataLoader(TensorDataset(test_images), batch_size=500)
    seconds = sum(row["seconds"] for row in rows)
    metrics = {**_test_metrics(spec.family, networks, test_loader, test_images, _noise(args)),
               **{f"final_{name}": value for name, value in rows[-1].items()
                  if name not in ("epoch", "seconds")},
               "epochs_run": len(rows), "train_seconds": round(seconds, 1),
               "parameters": parameters}
    if classifier is not None:  # the figures of `yingshe score OUT --classifier ...`
        metrics.update(_score_prior(config, networks, args.classifier, classifier,
                                    n=SCORE_SAMPLES, seed=0, batch_size=500, root=args.data,
                                    log=log))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    shown = [name for name in metrics if name.startswith("test_")] or \
        [name for name in metrics if name.startswith("final_")]  # a GAN has no test metrics
    log(", ".join(f"{name} {metrics[name]:.4g}" for name in shown))
    files = ["config.json", "history.json", WEIGHTS, cli.LAST_CHECKPOINT, "metrics.json"]
    if pictures:
        files += _draw_pictures(args, spec.family, networks, rows, test_images, out)
        if args.latent == 2 and spec.family != "gan":
            files += _draw_latent_space(args, spec.family, networks["model"], test_images,
                                        test_labels, info["classes"], out)
    log(f"run folder {out}: {', '.join(files)}")
    return metrics


def _noise(args):
    """x -> corrupted x for the denoising autoencoder, else None."""
    if args.noise is None:
        return None
    corrupt, level = NOISES[args.noise][0], args.noise_level
    return lambda x: corrupt(x, level)


def _test_metrics(family, networks, loader, images, noise):
    """Test figures: reconstruction MSE per pixel (autoencoders; of the denoised images for
    the denoising one, with PSNR of noisy and denoised), the sparse code's mean activation,
    or the negative ELBO in nats per image with its two terms (VAEs)."""
    from .training import generative as loops
    if family == "gan":
        return {}
    model = networks["model"]
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


def _draw_pictures(args, family, networks, rows, test_images, out):
    """curves.png, and progress.png, reconstructions.png, features.png as the model has them;
    returns the names written."""
    from .training.images import save_contact_sheet, save_grid
    from .training.plots import _pyplot
    written = ["curves.png"]
    _plot_curves(rows, CURVES[family], out / "curves.png", f"{args.model} on {args.dataset}")
    if family != "gan":
        model, x = networks["model"], test_images[:10]
        with no_grad():
            if family == "vae":
                grid = [x, model.reconstruct(x)]
            elif args.noise:
                noisy = _noise(args)(x)
                grid = [x, noisy, model(noisy)]
            else:
                grid = [x, model(x)]
        save_grid(np.concatenate([images.numpy() for images in grid]),
                  out / "reconstructions.png", nrow=10, value_range=(0.0, 1.0))
        written.append("reconstructions.png")
    if isinstance(networks.get("model"), gen.SparseAutoencoder):
        features = networks["model"].feature_images()
        save_grid(features, out / "features.png", nrow=math.ceil(math.sqrt(len(features))),
                  value_range=(0.0, 1.0))
        written.append("features.png")
    if family != "autoencoder":
        epochs = np.unique(np.linspace(1, len(rows), min(len(rows), 10)).round().astype(int))
        paths = [out / SAMPLES.format(epoch) for epoch in epochs]
        shown = [(epoch, path) for epoch, path in zip(epochs, paths) if path.exists()]
        plt = _pyplot()
        save_contact_sheet([plt.imread(str(path))[..., :3] for _, path in shown],
                           out / "progress.png", [f"epoch {epoch}" for epoch, _ in shown])
        written += ["samples_epoch_NNN.png", "progress.png"]
    return written


def _draw_latent_space(args, family, model, test_images, test_labels, classes, out):
    """A 2-D code's pictures: ``latent.png``, the codes of the test images (posterior means
    for a VAE) beside PCA's projection of the same pixels (seed 001's 降维), coloured by
    class; and for a VAE ``manifold.png``, images decoded from a grid of Gaussian quantiles.
    Returns the names written."""
    from .training.images import latent_manifold, pca_2d, plot_latent, save_grid
    with no_grad():
        codes = model.encode(test_images)
    codes = codes[0] if isinstance(codes, tuple) else codes
    plot_latent([(f"{args.model} codes", codes), ("PCA of the pixels", pca_2d(test_images))],
                test_labels, out / "latent.png", class_names=classes)
    if family != "vae":
        return ["latent.png"]
    side = 20
    save_grid(latent_manifold(lambda z: model.decode(z).sigmoid(), n=side),
              out / "manifold.png", nrow=side, value_range=(0.0, 1.0))
    return ["latent.png", "manifold.png"]


def _plot_curves(rows, panels, path, title):
    """One panel per (label, series) of ``panels``: each series per epoch (all-zero ones, like
    a plain autoencoder's penalty, left out)."""
    from .training.plots import _pyplot
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator
    epochs = [row["epoch"] for row in rows]
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (label, names) in zip(axes[0], panels):
        for name in names:
            values = [row[name] for row in rows]
            if any(values):
                ax.plot(epochs, values, marker="o", label=name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(str(path), dpi=100)
    plt.close(figure)


# ---- sample / interpolate --------------------------------------------------------------------
def _decode(family, networks, z):
    """Images for codes z: x = G(z) in [-1, 1] (GAN; the averaged G when the run keeps one),
    sigma(f_dec(z)) (VAE: the Bernoulli means), f_dec(z) (autoencoders); a NumPy array
    (N, C, H, W)."""
    with no_grad():
        if family == "gan":
            return networks.get("generator_average", networks["generator"])(z).numpy()
        images = networks["model"].decode(z)
        return (images.sigmoid() if family == "vae" else images).numpy()


def sample(args, log=print):
    """Draw ``--n`` images x = decode(z), z ~ N(0, I) from the prior of a VAE or GAN run and
    write them as one grid; returns the images."""
    from .training.images import save_grid
    config, networks = load_run(args.run)
    family = GENERATIVE_MODELS[config["model"]].family
    if family == "autoencoder":
        raise SystemExit(f"error: {args.run} holds a {config['model']}, which has no prior to "
                         f"sample from (vae, conv-vae, gan and dcgan have one); "
                         f"`yingshe interpolate {args.run} --images I J` decodes between codes")
    if args.n < 1:
        raise SystemExit(f"error: --n must be at least 1, got {args.n}")
    _backend.manual_seed(args.seed)
    images = _decode(family, networks, randn(args.n, config["latent"]))
    out = Path(args.out or Path(args.run) / "samples.png")
    save_grid(images, out, nrow=math.ceil(math.sqrt(args.n)), value_range=VALUE_RANGES[family])
    log(f"{args.n} samples of {config['model']} (seed {args.seed}): {out}")
    return images


def _encode_test_images(config, networks, indices, root):
    """Codes of test images: the posterior means mu(x) of a VAE, f_enc(x) of an autoencoder."""
    from .datasets.prepare import DATASETS
    images, _ = DATASETS[config["dataset"]](root or config["data"], train=False).arrays()
    bad = [i for i in indices if not 0 <= i < len(images)]
    if bad:
        raise SystemExit(f"error: --images {bad}: the {config['dataset']} test set has images "
                         f"0-{len(images) - 1}")
    x = from_numpy(images[indices].astype(np.float32)[:, None] / np.float32(255.0))
    model = networks["model"]
    with no_grad():
        codes = model.encode(x)
    return (codes[0] if isinstance(codes, tuple) else codes).numpy()


def interpolate(args, log=print):
    """Decode z_t = (1 - t) z_a + t z_b for t = 0, 1/(steps - 1), ..., 1: one row per pair of
    end points (random z ~ N(0, I), or the codes of two test images with --images); writes
    the rows as one grid and returns the images."""
    from .training.images import save_grid
    config, networks = load_run(args.run)
    family = GENERATIVE_MODELS[config["model"]].family
    if args.steps < 2:
        raise SystemExit(f"error: --steps must be at least 2 (the two ends), got {args.steps}")
    if args.images is not None:
        if family == "gan":
            raise SystemExit(f"error: {args.run} holds a {config['model']}, which has no "
                             f"encoder for --images; leave it out to walk between random z")
        if len(args.images) % 2:
            raise SystemExit(f"error: --images takes pairs of test-image indices, got "
                             f"{len(args.images)} indices")
        codes = _encode_test_images(config, networks, args.images, args.data)
        z_a, z_b = codes[0::2], codes[1::2]
    else:
        if family == "autoencoder":
            raise SystemExit(f"error: {args.run} holds a {config['model']}, which has no prior "
                             f"to draw end points from; give two test images: --images I J")
        _backend.manual_seed(args.seed)
        z = randn(2 * args.rows, config["latent"]).numpy()
        z_a, z_b = z[:args.rows], z[args.rows:]
    t = np.linspace(0.0, 1.0, args.steps, dtype=np.float32)[None, :, None]
    z = (1 - t) * z_a[:, None] + t * z_b[:, None]  # (rows, steps, latent)
    images = _decode(family, networks, from_numpy(z.reshape(-1, z.shape[-1])))
    out = Path(args.out or Path(args.run) / "interpolation.png")
    save_grid(images, out, nrow=args.steps, value_range=VALUE_RANGES[family])
    log(f"{len(z)} x {args.steps} interpolation of {config['model']}: {out}")
    return images


# ---- score -----------------------------------------------------------------------------------
def load_classifier(path, dataset=None):
    """(LeNet-5 in eval mode, its config) of a ``yingshe train lenet5`` run folder, trained on
    ``dataset`` when one is given."""
    from . import cli
    run = Path(path)
    config_path = run / "config.json"
    if not config_path.exists():
        raise SystemExit(f"error: --classifier {run} has no config.json; give a run folder "
                         f"written by `yingshe train lenet5 --out {run}`")
    config = json.loads(config_path.read_text())
    if config.get("model") != "lenet5":
        raise SystemExit(f"error: --classifier {run} is a run of {config.get('model')!r}, not of "
                         f"the classifier lenet5, whose class probabilities and penultimate "
                         f"features the scores use; train one with `yingshe train lenet5`")
    if dataset is not None and config["dataset"] != dataset:
        raise SystemExit(f"error: the classifier {run} was trained on {config['dataset']}, the "
                         f"images to score are {dataset}; give a lenet5 run on {dataset}")
    model, _ = cli.load_model(run)
    return model, config


def prior_pixels(family, networks, latent, n, batch_size=500):
    """n images x = decode(z), z ~ N(0, I), drawn ``batch_size`` at a time, mapped from the
    family's value range [a, b] to pixels p = (x - a) / (b - a) in [0, 1]: a GAN's tanh outputs
    go from [-1, 1] to [0, 1], a VAE's Bernoulli means are pixels already.  (N, C, H, W)."""
    low, high = VALUE_RANGES[family]
    images = np.concatenate([_decode(family, networks, randn(min(batch_size, n - start), latent))
                             for start in range(0, n, batch_size)])
    return (images - np.float32(low)) / np.float32(high - low)


def _real_pixels(dataset, root, train):
    """The images of a dataset split as float32 pixels (N, 1, H, W) in [0, 1]."""
    from .datasets.prepare import DATASETS
    images, _ = DATASETS[dataset](root, train=train).arrays()
    return images.astype(np.float32)[:, None] / np.float32(255.0)


def classifier_scores(classifier, config, images, reference, batch_size=500):
    """(IS, FID) measured with a trained LeNet-5 and its run ``config``: the Inception Score
    exp(E_x KL(p(y|x) || p(y))) of ``images`` (Salimans et al. 2016) with the classifier's
    p(y|x), and the Fréchet distance ||mu - mu_r||^2 + Tr(S + S_r - 2 (S S_r)^{1/2}) between
    Gaussians fitted to the penultimate features of ``images`` and of ``reference`` (Heusel et
    al. 2017).  Pixels in [0, 1]; standardised with the classifier's training mean and std."""
    from .training.generative import classifier_inception_score, frechet_distance, lenet_features
    info = config["data_info"]
    features, probabilities = lenet_features(classifier, images, info["mean"], info["std"],
                                             batch_size)
    reference_features, _ = lenet_features(classifier, reference, info["mean"], info["std"],
                                           batch_size)
    return (classifier_inception_score(probabilities),
            frechet_distance(features, reference_features))


def _score_prior(config, networks, classifier_run, classifier, n, seed, batch_size, root, log):
    """Scores of ``n`` prior samples (drawn with ``seed``) against the run's test images; a
    run that keeps a generator average is scored with it, and also with G's own weights
    ("raw_generator_" figures)."""
    family = GENERATIVE_MODELS[config["model"]].family
    test = _real_pixels(config["dataset"], root or config["data"], train=False)
    scored = [("", "", networks)]
    if "generator_average" in networks:
        scored.append(("raw_generator_", " (G's own weights, not their average)",
                       {"generator": networks["generator"]}))
    figures = {}
    for prefix, which, drawn in scored:
        _backend.manual_seed(seed)
        samples = prior_pixels(family, drawn, config["latent"], n, batch_size)
        inception, distance = classifier_scores(*classifier, samples, test, batch_size)
        log(f"{config['model']} on {config['dataset']}{which}: inception score {inception:.3f}, "
            f"Fréchet distance {distance:.3f} to the {len(test):,} test images ({n:,} samples, "
            f"seed {seed}, classifier {classifier_run})")
        figures.update({f"{prefix}inception_score": inception,
                        f"{prefix}frechet_distance": distance})
    return {**figures, "score_samples": n, "score_seed": seed,
            "score_classifier": str(classifier_run)}


def _merge_metrics(path, figures):
    """Add ``figures`` to the JSON object in ``path``, keeping its other entries."""
    metrics = json.loads(path.read_text()) if path.exists() else {}
    metrics.update(figures)
    path.write_text(json.dumps(metrics, indent=1))


def score(args, log=print):
    """``yingshe score RUN``: the classifier-based Inception Score of ``--n`` prior samples of a
    VAE or GAN run and the Fréchet distance of their LeNet-5 features to those of the test
    images, merged into RUN/metrics.json.  ``yingshe score real``: the reference a perfect
    generator would reach, merged into the classifier's metrics.json: the IS of the test
    images (real_inception_score) and the Fréchet distance between ``--n`` training images,
    drawn with ``--seed``, and the test images (real_frechet_distance).  Returns the figures."""
    if args.n < 2:
        raise SystemExit(f"error: --n must be at least 2 (a covariance needs two images), "
                         f"got {args.n}")
    if args.batch_size < 1:
        raise SystemExit(f"error: --batch-size must be at least 1, got {args.batch_size}")
    if args.run == "real":
        return _score_real(args, log)
    config, networks = load_run(args.run)
    if GENERATIVE_MODELS[config["model"]].family == "autoencoder":
        raise SystemExit(f"error: {args.run} holds a {config['model']}, which has no prior to "
                         f"sample from (vae, conv-vae, gan and dcgan have one)")
    if args.dataset not in (None, config["dataset"]):
        raise SystemExit(f"error: {args.run} holds a model of {config['dataset']}, not of "
                         f"{args.dataset} (--dataset is for `yingshe score real`)")
    classifier = load_classifier(args.classifier, config["dataset"])
    figures = _score_prior(config, networks, args.classifier, classifier, args.n, args.seed,
                           args.batch_size, args.data, log)
    _merge_metrics(Path(args.run) / "metrics.json", figures)
    return figures


def _score_real(args, log):
    """The figures of ``yingshe score real`` (see ``score``)."""
    model, config = load_classifier(args.classifier, args.dataset)
    dataset, root = config["dataset"], args.data or config["data"]
    train = _real_pixels(dataset, root, train=True)
    if args.n > len(train):
        raise SystemExit(f"error: --n {args.n}: the {dataset} training split has {len(train):,} "
                         f"images")
    drawn = train[np.random.default_rng(args.seed).choice(len(train), args.n, replace=False)]
    test = _real_pixels(dataset, root, train=False)
    inception, distance = classifier_scores(model, config, test, drawn, args.batch_size)
    log(f"real {dataset}: inception score {inception:.3f} of the {len(test):,} test images, "
        f"Fréchet distance {distance:.3f} between {args.n:,} training images (seed {args.seed}) "
        f"and them (classifier {args.classifier})")
    figures = {"real_inception_score": inception, "real_frechet_distance": distance,
               "real_score_samples": args.n, "real_score_seed": args.seed}
    _merge_metrics(Path(args.classifier) / "metrics.json", figures)
    return figures
