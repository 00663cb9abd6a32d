"""``yingshe train mf|autorec|gmf|mlp-rec|neumf`` and ``recommend``: recommenders on MovieLens
100K (``yingshe.training.recipes.recommender``, which describes their run folders).

    yingshe train mf --fold u1 --out runs/mf-u1            # explicit ratings: RMSE, MAE
    yingshe train autorec --fold u1 --out runs/autorec-u1
    yingshe train gmf --out runs/gmf                       # implicit feedback: HR@10, NDCG@10
    yingshe train mlp-rec --out runs/mlp-rec
    yingshe train neumf --pretrain runs/gmf runs/mlp-rec --out runs/neumf
    yingshe recommend runs/mf-u1 --user 42 --top 10"""
from ..datasets.movielens import FOLDS
from ..training.recipes import recommender as recipe
from ..training.run_folder import RunFolder
from .runs import add_run_options, at_least, one_of, train_parser, train_run

__all__ = ["descriptions", "train_parser_for", "train", "add_commands"]

DEFAULTS = recipe.DEFAULTS

# option -> (add_argument keywords, help with the default filled in): the options only some
# recommenders take
OWN_OPTIONS = {
    "fold": ({"type": one_of(FOLDS, "fold")},
             "official split: train on FOLD.base, measure on FOLD.test (default {})"),
    "val_fraction": ({"type": at_least(0.0, float)},
                     ("hold out this share of the training ratings to report a validation "
                     "RMSE (for tuning; default {})")),
    "factors": ({"type": at_least(1)}, "latent factors (default {})"),
    "reg": ({"type": at_least(0.0, float)}, "L2 penalty weight lambda (default {})"),
    "init_std": ({"type": at_least(0.0, float)}, "std of the initial factors (default {})"),
    "features": ({"action": "store_true"},
                 ("add the user's attributes (gender, age band, occupation) to p_u: "
                 "p_u + sum_a y_a, Koren et al. 2009 eq. 6 (an EmbeddingBag)")),
    "step": ({"choices": recipe.MF_STEPS},
             ("how the minibatch steps are computed: compiled (one numba kernel, the fast "
              "extra), autograd (forward, backward, SparseAdam), or auto: compiled where it "
              "applies (not with --features); may change on --resume (default {})")),
    "hidden": ({"type": at_least(1)}, "hidden units (default {})"),
    "dropout": ({"type": at_least(0.0, float)}, "dropout on the hidden code (default {})"),
    "negatives": ({"type": at_least(1)}, "sampled negatives per interaction (default {})"),
    "eval_negatives": ({"type": at_least(1)},
                       "negatives ranked against each held-out item (default {})"),
    "top_k": ({"type": at_least(1)}, "K of HR@K and NDCG@K (default {})"),
    "optimizer": ({"choices": ("adam", "sgd")}, "default {}"),
    "validate": ({"action": "store_true"},
                 ("also hold out each user's latest remaining interaction and report val_hr@K "
                 "and val_ndcg@K every epoch (for tuning)")),
    "layers": ({"type": at_least(1), "nargs": "+"}, "MLP tower widths (default {})"),
    "pretrain": ({"nargs": 2, "metavar": ("GMF_RUN", "MLP_RUN")},
                 "start from trained gmf and mlp-rec runs (He et al. 2017, §3.4.1)"),
    "alpha": ({"type": at_least(0.0, float)},
              "weight of the pretrained GMF in the prediction layer (default {})"),
}
COMMON = ("epochs", "batch_size", "lr", "scheduler", "seed", "users", "data")


def descriptions():
    """{model: one line} of the recommenders ``yingshe train`` knows."""
    return dict(recipe.RECOMMENDER_MODELS)


def train_parser_for(model):
    """The options of ``yingshe train MODEL`` for a recommender."""
    defaults = DEFAULTS[model]
    kind = "explicit ratings" if model in recipe.EXPLICIT else "implicit feedback"
    parser = train_parser(model, f"Train {model} ({descriptions()[model]}) on MovieLens 100K "
                                 f"({kind}) and write a run folder.")
    parser.add_argument("--batch-size", type=at_least(1), default=None,
                        help=f"default {defaults['batch_size']}")
    parser.add_argument("--lr", type=at_least(0.0, float), default=None,
                        help=f"learning rate (default {defaults['lr']})")
    parser.add_argument("--scheduler", default=None, choices=recipe.SCHEDULERS,
                        help=f"learning-rate schedule over the epochs (default "
                             f"{defaults['scheduler']})")
    parser.add_argument("--users", type=at_least(1), default=None, metavar="N",
                        help="keep only users 1-N (smoke tests)")
    for option in OPTIONS_OF[model]:
        keywords, text = OWN_OPTIONS[option]
        default = defaults[option]
        shown = " ".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        parser.add_argument("--" + option.replace("_", "-"), default=None,
                            help=text.format(shown), **keywords)
    add_run_options(parser, "run folder (default runs/MODEL-FOLD, runs/MODEL for implicit "
                            "models)", f"epochs in all (default {defaults['epochs']})")
    return parser


OPTIONS_OF = {model: [key for key in options if key not in COMMON]
              for model, options in recipe.OPTIONS.items()}


def train(model, args, log=print):
    """Train (or with --resume continue) a recommender run; returns its metrics."""
    if model == "mf" and args.detect_anomaly:
        raise ValueError("--detect-anomaly checks dense gradients only; mf's embedding "
                         "gradients are sparse (SparseAdam)")
    fold = getattr(args, "fold", None) or DEFAULTS[model].get("fold")
    default_out = f"runs/{model}-{fold}" if fold else f"runs/{model}"
    return train_run(model, args, recipe, default_out, log)


def recommend(args, log=print):
    """Print the top items of a run for one user: rank, title, score."""
    ranked = recipe.recommend(args.run, args.user, args.top, args.data)
    model = RunFolder.containing(args.run).read_config()["model"]
    score = "predicted rating" if model in recipe.EXPLICIT else "probability of an interaction"
    log(f"top {len(ranked)} for user {args.user} by {model} ({args.run}), score = {score}:")
    width = max(len(title) for _, title, _ in ranked)
    for rank, (item, title, score) in enumerate(ranked, 1):
        log(f"{rank:3d}. {title:{width}s}  {score:.3f}  (item {item})")
    return ranked


def add_commands(commands):
    """``recommend``."""
    parser = commands.add_parser("recommend", help="top movies for a user from a recommender "
                                                   "run")
    parser.add_argument("run", help="a run folder of `yingshe train mf|autorec|gmf|mlp-rec|"
                                    "neumf`")
    parser.add_argument("--user", type=int, required=True,
                        help="user id as in the MovieLens files (1-943)")
    parser.add_argument("--top", type=at_least(1), default=10, help="items to print")
    parser.add_argument("--data", default=None,
                        help="data root holding ml-100k/ (default: the run's, $YINGSHE_DATA)")
    parser.set_defaults(handler=recommend)
