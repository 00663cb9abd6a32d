"""``yingshe train word2vec|glove|ppmi-svd``, ``similar``, ``analogy`` and
``evaluate-vectors``: word vectors trained on PTB or WikiText-2 and queried from the shell
(``yingshe.training.recipes.word_vectors``, which describes their run folders).

    yingshe train word2vec --model skipgram --corpus ptb --dim 100 --out runs/sg-ptb
    yingshe train glove --corpus wikitext-2 --epochs 25 --out runs/glove-wt2
    yingshe similar runs/sg-ptb king --topn 10
    yingshe analogy runs/sg-ptb king man woman          # king - man + woman = queen (0.71)
    yingshe evaluate-vectors runs/sg-ptb --plot words.png

VECTORS arguments are a vectors.txt in word2vec's text format or a run folder holding one.
``analogy VECTORS X Y Z`` reads like word2vec's ``word-analogy`` and gensim: the answer is the
word nearest to X - Y + Z ("Y is to X as Z is to ?"), so ``king man woman`` asks "man is to king
as woman is to ?", which is ``KeyedVectors.analogy(Y, X, Z)``.  Words are looked up as typed."""
from pathlib import Path

from ..autograd.anomaly_mode import set_detect_anomaly
from ..datasets.text import CORPORA
from ..datasets.utils import default_root
from ..training.plots import plot_word_map
from ..training.recipes import word_vectors as recipe
from ..training.word_vectors import KERNELS
from .runs import (
    add_run_options,
    anomaly_as_error,
    at_least,
    one_of,
    options_of,
    refuse_to_overwrite,
    train_parser,
)

__all__ = ["descriptions", "train_parser_for", "train", "add_commands"]

DEFAULTS = recipe.DEFAULTS


def descriptions():
    """{model: one line} of the word-vector models ``yingshe train`` knows."""
    return dict(recipe.WORD_VECTOR_MODELS)


def train_parser_for(model):
    """The options of ``yingshe train MODEL`` for word vectors (no --resume: runs are short)."""
    defaults = DEFAULTS[model]
    parser = train_parser(model, f"Train {model} ({descriptions()[model]}), evaluate it on "
                                 f"word-eval and write a run folder.")
    parser.add_argument("--corpus", default=None, type=one_of(tuple(CORPORA), "corpus"),
                        help=f"training text: {', '.join(CORPORA)} (default ptb; wikitext-2 is "
                             f"lower-cased)")
    parser.add_argument("--dim", type=at_least(1), default=None,
                        help=f"vector size (default {defaults['dim']})")
    parser.add_argument("--window", type=at_least(1), default=None,
                        help=f"context words on each side (default {defaults['window']})")
    parser.add_argument("--min-count", type=at_least(1), default=None,
                        help="drop words seen fewer times (default 5)")
    parser.add_argument("--max-tokens", type=at_least(1), default=None,
                        help="read only the first N corpus tokens (smoke tests)")
    if model != "ppmi-svd":  # one closed-form fit: no epochs, no learning rate
        parser.add_argument("--lr", type=float, default=None,
                            help="learning rate (default: word2vec.c's 0.025 for skip-gram, "
                                 "0.05 for CBOW; GloVe 0.05)")
    if model == "word2vec":
        parser.add_argument("--model", dest="architecture", default=None,
                            choices=tuple(recipe.WORD2VEC_LR),
                            help="word2vec architecture (default skipgram)")
        parser.add_argument("--negatives", type=at_least(1), default=None,
                            help="noise words per example (default 5)")
        parser.add_argument("--subsample", type=at_least(0.0, float), default=None,
                            metavar="T", help="keep word w with p = sqrt(t/f) + t/f (default "
                                              "1e-3; 0: keep all)")
        parser.add_argument("--kernel", default=None, choices=KERNELS,
                            help="compiled: word2vec.c's per-example SGD straight into the "
                                 "tables (numba, the fast extra); autograd: minibatches of 256 "
                                 "through autograd and sparse SGD, the textbook path; auto "
                                 "(default): compiled when numba is available")
        parser.add_argument("--workers", type=at_least(1), default=None,
                            help="threads of the compiled kernel, over chunks of the corpus "
                                 "without locks (default 1: a seeded run is reproducible)")
    add_run_options(parser, "run folder (default runs/NAME-CORPUS)",
                    None if model == "ppmi-svd" else f"epochs (default {defaults['epochs']})",
                    resume=False, download=False)
    return parser


def train(model, args, log=print):
    config = recipe.complete_config(model, **options_of(args))
    name = f"word2vec-{config['architecture']}" if model == "word2vec" else model
    out = Path(args.out or f"runs/{name}-{config['corpus']}")
    refuse_to_overwrite(out, args)
    with set_detect_anomaly(args.detect_anomaly), anomaly_as_error():
        return recipe.train(out, config, log=log, progress=not args.no_progress)


def _check_words(kv, words, path):
    """A ValueError naming the first of ``words`` that ``kv`` lacks (and its lower-case form
    if known)."""
    for word in words:
        if word not in kv:
            hint = f"; did you mean {word.lower()!r}?" if word.lower() in kv else ""
            raise ValueError(f"{word!r} is not in the vocabulary of {len(kv):,} words of "
                             f"{path}{hint}")


def similar(args, log=print):
    """The ``--topn`` words with the largest cos(v_w, v_word); returns [(word, cosine)]."""
    kv = recipe.load_vectors(args.vectors)
    _check_words(kv, [args.word], args.vectors)
    result = kv.most_similar(args.word, topn=args.topn)
    log(f"nearest to {args.word!r} by cosine similarity:")
    width = max(len(word) for word, _ in result)
    for word, cosine in result:
        log(f"  {word:{width}s}  {cosine:.4f}")
    return result


def analogy(args, log=print):
    """X - Y + Z by 3CosAdd: the ``--topn`` words d, other than X, Y and Z, with the largest
    cos(v_d, unit(X) - unit(Y) + unit(Z)); returns [(word, cosine)]."""
    kv = recipe.load_vectors(args.vectors)
    _check_words(kv, [args.x, args.y, args.z], args.vectors)
    result = kv.most_similar([args.x, args.z], topn=args.topn, negative=[args.y])
    (best, score), rest = result[0], result[1:]
    log(f"{args.x} - {args.y} + {args.z} = {best} ({score:.2f})")
    for rank, (word, cosine) in enumerate(rest, 2):
        log(f"  {rank}. {word} ({cosine:.2f})")
    return result


def evaluate_vectors(args, log=print):
    """Print the evaluation table of a vectors file; with ``--plot`` also draw its PCA word
    map.  Returns the metrics."""
    kv = recipe.load_vectors(args.vectors)
    root = Path(args.data) if args.data else default_root()
    metrics = recipe.evaluate_word_vectors(kv, root, args.restrict_vocab)
    log(f"{args.vectors}: {len(kv):,} words, dim {kv.dim}")
    for line in recipe.format_evaluation(metrics):
        log(line)
    if args.plot:
        try:
            plotted = plot_word_map(kv, args.plot, title=str(args.vectors))
        except (ImportError, ValueError) as error:
            raise ValueError(f"--plot: {error}") from None
        log(f"word map {args.plot}: " + ", ".join(
            f"{len(words)} {group}" for group, words in plotted.items()))
    return metrics


def add_commands(commands):
    """``similar``, ``analogy`` and ``evaluate-vectors``."""
    vectors_help = "a vectors.txt (word2vec text format) or a run folder holding one"
    nearest = commands.add_parser("similar", help="nearest words by cosine similarity")
    nearest.add_argument("vectors", help=vectors_help)
    nearest.add_argument("word")
    nearest.add_argument("--topn", type=at_least(1), default=10, help="words to print")
    nearest.set_defaults(handler=similar)

    analogies = commands.add_parser(
        "analogy", help="X - Y + Z: the word nearest to it ('Y is to X as Z is to ?')",
        description="The words nearest to X - Y + Z by 3CosAdd, X, Y and Z left out: "
                    "`yingshe analogy VECTORS king man woman` asks 'man is to king as woman "
                    "is to ?' and prints king - man + woman = queen (score).")
    analogies.add_argument("vectors", help=vectors_help)
    analogies.add_argument("x", metavar="X", help="e.g. king")
    analogies.add_argument("y", metavar="Y", help="e.g. man")
    analogies.add_argument("z", metavar="Z", help="e.g. woman (answer: queen)")
    analogies.add_argument("--topn", type=at_least(1), default=5, help="candidates to print")
    analogies.set_defaults(handler=analogy)

    evaluate = commands.add_parser("evaluate-vectors",
                                   help="Google analogies, WordSim-353 and SimLex-999")
    evaluate.add_argument("vectors", help=vectors_help)
    evaluate.add_argument("--data", default=None,
                          help="data root holding word-eval/ (default $YINGSHE_DATA)")
    evaluate.add_argument("--restrict-vocab", type=at_least(0), default=recipe.RESTRICT_VOCAB,
                          help="analogies over the N most frequent words (0: all)")
    evaluate.add_argument("--plot", default=None, metavar="PNG",
                          help="also draw a 2-D PCA map of countries/capitals, numbers and "
                               "verbs (needs matplotlib)")
    evaluate.set_defaults(handler=evaluate_vectors)
