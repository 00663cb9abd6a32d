"""``yingshe train autoencoder|...|dcgan``, ``sample``, ``interpolate`` and ``score``: the
generative models (``yingshe.training.recipes.generative``, which describes their run folders).

    yingshe train vae --dataset mnist --epochs 20 --out runs/vae-mnist
    yingshe sample runs/vae-mnist --n 64 --out samples.png
    yingshe interpolate runs/vae-mnist --images 0 1 --steps 10 --out interp.png
    yingshe score runs/dcgan-mnist --classifier runs/lenet5-mnist   # IS, FID of 10,000 samples
    yingshe score real --dataset mnist --classifier runs/lenet5-mnist  # real-data reference"""
from ..datasets.prepare import GREY_DATASETS
from ..models.generative import NOISES
from ..training.recipes import generative as recipe
from .runs import add_image_options, add_run_options, at_least, between, train_parser, train_run

__all__ = ["descriptions", "train_parser_for", "train", "add_commands"]

MODELS = recipe.GENERATIVE_MODELS


def descriptions():
    """{model: one line} of the generative models ``yingshe train`` knows."""
    return {name: spec.description for name, spec in MODELS.items()}


# option -> (add_argument keywords): the options only some generative models take
OWN_OPTIONS = {
    "noise": {"choices": tuple(NOISES), "help": "corruption (default gaussian)"},
    "noise_level": {"type": at_least(0.0, float),
                    "help": "Gaussian noise std (0.3) or masking probability (0.5)"},
    "sparsity": {"choices": tuple(recipe.SPARSITY_BETA),
                 "help": "penalty: KL to --rho or L1 activity (default kl)"},
    "rho": {"type": between(0.0, 1.0), "help": "target mean activation (0.05)"},
    "beta": {"type": at_least(0.0, float), "help": "penalty weight (3 for kl, 1 for l1)"},
    "classifier": {"metavar": "CLASSIFIER_RUN",
                   "help": f"a `yingshe train lenet5` run on the same dataset: score "
                           f"{recipe.SCORE_SAMPLES:,} prior samples at the end as `yingshe "
                           f"score` does"},
    "generator_steps": {"type": at_least(1),
                        "help": "generator updates per batch after each discriminator update "
                                "(default 1)"},
    "generator_ema": {"type": between(0.0, 1.0), "metavar": "DECAY",
                      "help": "also keep an exponential moving average of the generator's "
                              "weights, a <- DECAY a + (1 - DECAY) w after each generator "
                              "step, and sample, score and draw grids with it (e.g. 0.999)"},
}


def train_parser_for(model):
    """The options of ``yingshe train MODEL`` for a generative model: the common ones and the
    model's own."""
    spec = MODELS[model]
    parser = train_parser(model, f"Train {model} ({spec.description}) with Adam on the whole "
                                 f"training split (test figures at the end).")
    add_image_options(parser, spec.lr, GREY_DATASETS)
    parser.add_argument("--latent", type=at_least(1), default=None,
                        help=f"code size (default {spec.latent})")
    for option in spec.options:
        parser.add_argument("--" + option.replace("_", "-"), default=None, **OWN_OPTIONS[option])
    add_run_options(parser, "run folder (default runs/MODEL-DATASET)",
                    f"epochs in all (default {spec.epochs})")
    return parser


def train(model, args, log=print):
    """Train (or with --resume continue) a generative run; returns its metrics."""
    return train_run(model, args, recipe, f"runs/{model}-{args.dataset or 'mnist'}", log)


def sample(args, log=print):
    images, out = recipe.sample(args.run, args.n, args.seed, args.out)
    log(f"{args.n} samples of {args.run} (seed {args.seed}): {out}")
    return images


def interpolate(args, log=print):
    images, out = recipe.interpolate(args.run, args.steps, args.rows, args.images, args.data,
                                     args.seed, args.out)
    log(f"{len(images) // args.steps} x {args.steps} interpolation of {args.run}: {out}")
    return images


def score(args, log=print):
    if args.run == "real":
        return recipe.score_real(args.classifier, args.dataset, args.n, args.seed,
                                 args.batch_size, args.data, log)
    return recipe.score(args.run, args.classifier, args.n, args.seed, args.batch_size,
                        args.data, args.dataset, log)


def add_commands(commands):
    """``sample``, ``interpolate`` and ``score``."""
    sampler = commands.add_parser("sample", help="draw images from a VAE or GAN run")
    sampler.add_argument("run", help="a run folder of `yingshe train vae|conv-vae|gan|dcgan`")
    sampler.add_argument("--n", type=at_least(1), default=64, help="images to draw")
    sampler.add_argument("--out", default=None, help="PNG (default RUN/samples.png)")
    sampler.add_argument("--seed", type=int, default=0)
    sampler.set_defaults(handler=sample)

    walk = commands.add_parser("interpolate", help="decode a straight walk between two codes")
    walk.add_argument("run", help="a run folder of a generative model")
    walk.add_argument("--out", default=None, help="PNG (default RUN/interpolation.png)")
    walk.add_argument("--steps", type=at_least(2), default=10,
                      help="images per row, ends included")
    walk.add_argument("--rows", type=at_least(1), default=1,
                      help="rows, each between two random z (without --images)")
    walk.add_argument("--images", type=int, nargs="+", default=None, metavar="INDEX",
                      help="pairs of test-image indices: one row between the codes of each "
                           "pair (autoencoders, VAEs)")
    walk.add_argument("--data", default=None, help="data root for --images (default: the run's)")
    walk.add_argument("--seed", type=int, default=0)
    walk.set_defaults(handler=interpolate)

    scorer = commands.add_parser(
        "score", help="Inception Score and Fréchet distance of a VAE or GAN run's samples, "
                      "measured with a trained LeNet-5")
    scorer.add_argument("run", help="a run folder of `yingshe train vae|conv-vae|gan|dcgan`, or "
                                    "`real`: the reference figures of real images")
    scorer.add_argument("--classifier", required=True, metavar="CLASSIFIER_RUN",
                        help="a run folder of `yingshe train lenet5` on the run's dataset")
    scorer.add_argument("--dataset", default=None,
                        help="the images' dataset for `real` (default: the classifier's)")
    scorer.add_argument("--n", type=at_least(2), default=recipe.SCORE_SAMPLES,
                        help="prior samples (real: training images) to score")
    scorer.add_argument("--seed", type=int, default=0)
    scorer.add_argument("--batch-size", type=at_least(1), default=500)
    scorer.add_argument("--data", default=None,
                        help="data root (default: the run's; for `real` the classifier's)")
    scorer.set_defaults(handler=score)
