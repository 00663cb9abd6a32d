"""``yingshe train word2vec | glove | ppmi-svd``, ``similar``, ``analogy`` and
``evaluate-vectors``: word vectors (issue 6; seed 001 §自然语言中词向量生成) trained on PTB or
WikiText-2 and queried from the shell.

    yingshe train word2vec --model skipgram --corpus ptb --dim 100 --out runs/sg-ptb
    yingshe train glove --corpus wikitext-2 --epochs 25 --out runs/glove-wt2
    yingshe train ppmi-svd --corpus wikitext-2 --out runs/ppmi-svd-wt2   # count-based baseline
    yingshe similar runs/sg-ptb king --topn 10
    yingshe analogy runs/sg-ptb king man woman          # king - man + woman = queen (0.71)
    yingshe evaluate-vectors runs/sg-ptb --plot words.png

A run folder holds ``config.json`` (every option), ``vectors.txt`` (word2vec's text format:
"count dim", then "word v_1 ... v_dim" per line, readable by gensim and word2vec's tools),
``history.json`` (the loss of each epoch: word2vec's negative-sampling loss per example, GloVe's
J per nonzero co-occurrence entry; empty for PPMI-SVD, a closed-form fit) and ``metrics.json``
(the word-eval benchmarks, the vocabulary and corpus sizes, training seconds and tokens per
second = corpus tokens x epochs / training seconds, GloVe's and PPMI-SVD's including the
co-occurrence counting).  VECTORS arguments are a
``vectors.txt`` in that format or a run folder holding one.

``analogy VECTORS X Y Z`` reads like word2vec's ``word-analogy`` and gensim: the answer is the
word nearest to X - Y + Z ("Y is to X as Z is to ?"), so ``king man woman`` asks "man is to king
as woman is to ?", which is ``KeyedVectors.analogy(Y, X, Z)``.  Words are looked up as typed;
the benchmarks lower-case their words, so WikiText-2 is lower-cased for training (PTB is
lower-case already, save its number token ``N``)."""
import json
import math
import time
from pathlib import Path

from .datasets.utils import DatasetIntegrityError, default_root
from .models.glove import cooccurrence_matrix, train_glove
from .models.keyed_vectors import (SEMANTIC_SECTIONS, KeyedVectors, evaluate_analogies,
                                   evaluate_similarity, plot_word_map, ppmi_svd_vectors)
from .models.word2vec import train_word2vec
from .text.corpus import CORPORA, load_corpus

__all__ = ["WORD_VECTOR_MODELS", "OPTIONS", "WORD_VECTOR_COMMANDS", "RESTRICT_VOCAB",
           "add_word_vector_train_options", "add_word_vector_commands", "check_options",
           "train_word_vectors", "load_vectors", "evaluate_word_vectors", "format_evaluation",
           "similar", "analogy", "evaluate_vectors"]

VECTORS = "vectors.txt"
COMMON_OPTIONS = ("corpus", "dim", "window", "min_count", "max_tokens")  # word2vec and glove
WORD2VEC_OPTIONS = ("architecture", "negatives", "subsample")
OPTIONS = COMMON_OPTIONS + WORD2VEC_OPTIONS  # the options only word vectors take
WORD_VECTOR_MODELS = {
    "word2vec": "skip-gram or CBOW with negative sampling (Mikolov et al. 2013), sparse SGD",
    "glove": "GloVe, weighted least squares on co-occurrence counts with AdaGrad (2014)",
    "ppmi-svd": "count-based baseline: SVD of the PPMI co-occurrence matrix (Levy et al. 2015)",
}
# Per model: the value of an option left at None (lr None: word2vec.c's 0.025 / 0.05).
DEFAULTS = {
    "word2vec": {"corpus": "ptb", "dim": 100, "window": 5, "min_count": 5, "epochs": 5,
                 "architecture": "skipgram", "negatives": 5, "subsample": 1e-3},
    "glove": {"corpus": "ptb", "dim": 100, "window": 10, "min_count": 5, "epochs": 25,
              "lr": 0.05},
    # one closed-form fit; the window as word2vec's, counts without distance weighting
    "ppmi-svd": {"corpus": "ptb", "dim": 100, "window": 5, "min_count": 5, "epochs": 1},
}
WORD2VEC_LR = {"skipgram": 0.025, "cbow": 0.05}
LOWER_CASE = {"ptb": False, "wikitext-2": True}
RESTRICT_VOCAB = 30_000  # analogies use the most frequent words only, as word2vec's demo
WORD_EVAL = {"analogy": "questions-words.txt", "wordsim353": "wordsim353/combined.tab",
             "simlex999": "SimLex-999/SimLex-999.txt"}  # under DATA/word-eval; SimLex optional


# ---- options ---------------------------------------------------------------------------------
def add_word_vector_train_options(train):
    """The word-vector options of ``yingshe train`` (all None: per-model defaults).  The parser
    must already have --epochs, --lr, --seed, --data, --out, --no-progress and --resume, as
    ``yingshe train`` has (--epochs and --lr defaulting to None)."""
    group = train.add_argument_group("word vectors (word2vec, glove, ppmi-svd)")
    group.add_argument("--corpus", default=None, choices=tuple(CORPORA),
                       help="training text (default ptb; wikitext-2 is lower-cased)")
    group.add_argument("--model", dest="architecture", default=None,
                       choices=tuple(WORD2VEC_LR), help="word2vec architecture (default skipgram)")
    group.add_argument("--dim", type=int, default=None, help="vector size (default 100)")
    group.add_argument("--window", type=int, default=None,
                       help="context words on each side (word2vec 5, glove 10)")
    group.add_argument("--negatives", type=int, default=None,
                       help="word2vec noise words per example (default 5)")
    group.add_argument("--min-count", type=int, default=None,
                       help="drop words seen fewer times (default 5)")
    group.add_argument("--subsample", type=float, default=None, metavar="T",
                       help="word2vec: keep word w with p = sqrt(t/f) + t/f (default 1e-3; "
                            "0: keep all)")
    group.add_argument("--max-tokens", type=int, default=None,
                       help="read only the first N corpus tokens (smoke tests)")


def add_word_vector_commands(commands):
    """The ``similar``, ``analogy`` and ``evaluate-vectors`` subcommands."""
    vectors_help = f"a {VECTORS} (word2vec text format) or a run folder holding one"
    nearest = commands.add_parser("similar", help="nearest words by cosine similarity")
    nearest.add_argument("vectors", help=vectors_help)
    nearest.add_argument("word")
    nearest.add_argument("--topn", type=int, default=10, help="words to print")

    analogies = commands.add_parser(
        "analogy", help="X - Y + Z: the word nearest to it ('Y is to X as Z is to ?')",
        description="The words nearest to X - Y + Z by 3CosAdd, X, Y and Z left out: "
                    "`yingshe analogy VECTORS king man woman` asks 'man is to king as woman "
                    "is to ?' and prints king - man + woman = queen (score).")
    analogies.add_argument("vectors", help=vectors_help)
    analogies.add_argument("x", metavar="X", help="e.g. king")
    analogies.add_argument("y", metavar="Y", help="e.g. man")
    analogies.add_argument("z", metavar="Z", help="e.g. woman (answer: queen)")
    analogies.add_argument("--topn", type=int, default=5, help="candidates to print")

    evaluate = commands.add_parser("evaluate-vectors",
                                   help="Google analogies, WordSim-353 and SimLex-999")
    evaluate.add_argument("vectors", help=vectors_help)
    evaluate.add_argument("--data", default=None,
                          help="data root holding word-eval/ (default $YINGSHE_DATA)")
    evaluate.add_argument("--restrict-vocab", type=int, default=RESTRICT_VOCAB,
                          help="analogies over the N most frequent words (0: all)")
    evaluate.add_argument("--plot", default=None, metavar="PNG",
                          help="also draw a 2-D PCA map of countries/capitals, numbers and "
                               "verbs (needs matplotlib)")


def check_options(args, allowed=()):
    """Refuse word-vector options given to a model that does not take them."""
    for option in OPTIONS:
        if getattr(args, option) is not None and option not in allowed:
            takers = "word2vec" if option in WORD2VEC_OPTIONS else ", ".join(WORD_VECTOR_MODELS)
            flag = "--model" if option == "architecture" else "--" + option.replace("_", "-")
            raise SystemExit(f"error: {flag} does not apply to {args.model}; models that take "
                             f"it: {takers}")


def _fill_defaults(args):
    """Check the options that apply to ``args.model`` and set those left at None."""
    check_options(args, COMMON_OPTIONS + (WORD2VEC_OPTIONS if args.model == "word2vec" else ()))
    if args.resume:
        raise SystemExit(f"error: --resume does not apply to {args.model}; start the run again")
    if args.model == "ppmi-svd" and (args.epochs is not None or args.lr is not None):
        raise SystemExit("error: ppmi-svd is one closed-form fit; it takes no --epochs or --lr")
    for option, value in DEFAULTS[args.model].items():
        if getattr(args, option) is None:
            setattr(args, option, value)
    if args.model == "word2vec" and args.lr is None:
        args.lr = WORD2VEC_LR[args.architecture]
    for option in ("dim", "window", "min_count", "epochs", "negatives", "max_tokens"):
        value = getattr(args, option)
        if value is not None and value < 1:
            raise SystemExit(f"error: --{option.replace('_', '-')} must be at least 1, "
                             f"got {value}")
    if args.model == "word2vec" and args.subsample < 0:
        raise SystemExit(f"error: --subsample must be 0 (keep all) or positive, "
                         f"got {args.subsample}")


# ---- train -----------------------------------------------------------------------------------
def train_word_vectors(args, log=print):
    """Train ``args.model`` (word2vec or glove) on ``args.corpus`` with the library's training
    functions, evaluate the vectors on word-eval and write the run folder; returns the metrics
    dict also written to metrics.json."""
    _fill_defaults(args)
    root = Path(args.data) if args.data else default_root()
    _word_eval_files(root)  # fail before training, not after
    name = "word2vec-" + args.architecture if args.model == "word2vec" else args.model
    out = Path(args.out or f"runs/{name}-{args.corpus}")
    try:
        ids, vocab = load_corpus(args.corpus, "train", root=root, min_freq=args.min_count,
                                 lower=LOWER_CASE[args.corpus], max_tokens=args.max_tokens)
    except DatasetIntegrityError as error:
        raise SystemExit(f"error: {error}") from None
    if len(vocab) < 2:
        raise SystemExit(f"error: only {len(vocab)} words occur {args.min_count} times or more "
                         f"in {args.max_tokens or 'all'} tokens; lower --min-count or raise "
                         f"--max-tokens")
    keys = ("model", "corpus", "dim", "window", "min_count", "epochs", "lr", "seed",
            "max_tokens", "data") + (WORD2VEC_OPTIONS if args.model == "word2vec" else ())
    config = {key: getattr(args, key) for key in keys}
    config.update(lower=LOWER_CASE[args.corpus], vocab_size=len(vocab), corpus_tokens=len(ids))
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=1))
    log(f"training {name} on {args.corpus}: {len(ids):,} tokens, {len(vocab):,} words "
        f"(min count {args.min_count}), dim {args.dim}, epochs {args.epochs}")
    progress = None if args.no_progress else log
    start = time.perf_counter()
    if args.model == "word2vec":
        run = train_word2vec(ids, vocab, model=args.architecture, dim=args.dim,
                             window=args.window, negatives=args.negatives, epochs=args.epochs,
                             lr=args.lr, seed=args.seed, subsample_t=args.subsample,
                             log=progress)
        vectors, losses = run.vectors, run.epoch_losses
        seconds = time.perf_counter() - start
        speed = {"tokens_per_s": run.tokens_per_s}
    else:
        cooccurrence = cooccurrence_matrix(ids, len(vocab), window=args.window,
                                           distance_weighting=args.model == "glove")
        counted = time.perf_counter() - start
        if args.model == "glove":
            run = train_glove(cooccurrence, vocab, dim=args.dim, epochs=args.epochs,
                              lr=args.lr, seed=args.seed, log=progress)
            vectors, losses = run.vectors, run.epoch_losses
        else:
            vectors, losses = ppmi_svd_vectors(cooccurrence, vocab, dim=args.dim,
                                               seed=args.seed), []
        seconds = time.perf_counter() - start
        speed = {"tokens_per_s": args.epochs * len(ids) / seconds,
                 "cooccurrence_seconds": round(counted, 2), "nonzero_entries": len(cooccurrence)}
    vectors.save_word2vec_format(out / VECTORS)
    history = [{"epoch": epoch, "loss": loss} for epoch, loss in enumerate(losses, 1)]
    (out / "history.json").write_text(json.dumps(history, indent=1))
    metrics = evaluate_word_vectors(vectors, root)
    metrics.update(vocab_size=len(vocab), corpus_tokens=len(ids),
                   train_seconds=round(seconds, 2), **speed)
    (out / "metrics.json").write_text(json.dumps(_json_ready(metrics), indent=1))
    for line in format_evaluation(metrics):
        log(line)
    log(f"{seconds:.1f} s of training, {metrics['tokens_per_s']:,.0f} tokens/s")
    log(f"run folder {out}: config.json, {VECTORS}, history.json, metrics.json")
    return metrics


def _json_ready(value):
    """``value`` with NaN replaced by None, so that metrics.json is strict JSON."""
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# ---- evaluation ------------------------------------------------------------------------------
def _word_eval_files(root):
    """{benchmark: path} of the word-eval files under ``root``; SimLex-999 only if present."""
    folder = Path(root) / "word-eval"
    files = {name: folder / relative for name, relative in WORD_EVAL.items()}
    for name in ("analogy", "wordsim353"):
        if not files[name].is_file():
            raise SystemExit(f"error: {files[name]} not found; point --data (or $YINGSHE_DATA) "
                             f"at the folder that holds word-eval/")
    return {name: path for name, path in files.items() if path.is_file()}


def evaluate_word_vectors(kv, root=None, restrict_vocab=RESTRICT_VOCAB):
    """The word-eval benchmarks under ``root``/word-eval: Google analogies by 3CosAdd over the
    ``restrict_vocab`` most frequent words (all when None or 0), WordSim-353 and SimLex-999 as
    Spearman's rho of cosine vs human scores; words lower-cased, coverage reported with each."""
    files = _word_eval_files(default_root() if root is None else root)
    result = {"analogy": evaluate_analogies(kv, files["analogy"],
                                            restrict_vocab=restrict_vocab or None),
              "restrict_vocab": restrict_vocab or None}
    for name in ("wordsim353", "simlex999"):
        if name in files:
            result[name] = evaluate_similarity(kv, files[name])
    return result


def _row(label, score, summary):
    covered = f"{100 * summary['coverage']:5.1f}% of {summary['total']:,}"
    return f"{label:36s} {score:>8s}   {covered}"


def format_evaluation(metrics):
    """The lines of the evaluation table: analogy accuracy overall, semantic, syntactic and per
    section, then the similarity benchmarks' Spearman rho, each with its coverage."""
    def percent(summary):
        return "n/a" if summary["covered"] == 0 else f"{100 * summary['accuracy']:.2f}%"

    analogy = metrics["analogy"]
    limit = metrics["restrict_vocab"]
    lines = [f"{'benchmark':36s} {'score':>8s}   coverage",
             _row(f"Google analogies ({f'top {limit:,} words' if limit else 'all words'})",
                  percent(analogy), analogy)]
    sections = list(analogy["sections"].items())
    for part, chosen in (("semantic", sections[:SEMANTIC_SECTIONS]),
                         ("syntactic", sections[SEMANTIC_SECTIONS:])):
        lines.append(_row("  " + part, percent(analogy[part]), analogy[part]))
        lines += [_row("    " + name, percent(summary), summary) for name, summary in chosen]
    for key, label in (("wordsim353", "WordSim-353 Spearman"),
                       ("simlex999", "SimLex-999 Spearman")):
        if key in metrics:
            rho = metrics[key]["spearman"]
            lines.append(_row(label, "n/a" if math.isnan(rho) else f"{rho:.3f}", metrics[key]))
    return lines


# ---- querying --------------------------------------------------------------------------------
def load_vectors(path):
    """The ``KeyedVectors`` of a word2vec text file or of a run folder's ``vectors.txt``."""
    path = Path(path)
    file = path / VECTORS if path.is_dir() else path
    if not file.is_file():
        raise SystemExit(f"error: no vectors file at {file}; give a {VECTORS} in word2vec text "
                         f"format or a run folder of `yingshe train word2vec|glove`")
    try:
        return KeyedVectors.load_word2vec_format(file)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None


def _check_words(kv, words, path):
    """Exit naming the first of ``words`` that ``kv`` lacks (and its lower-case form if known)."""
    for word in words:
        if word not in kv:
            hint = f"; did you mean {word.lower()!r}?" if word.lower() in kv else ""
            raise SystemExit(f"error: {word!r} is not in the vocabulary of {len(kv):,} words of "
                             f"{path}{hint}")


def _check_topn(topn):
    if topn < 1:
        raise SystemExit(f"error: --topn must be at least 1, got {topn}")


def similar(args, log=print):
    """The ``--topn`` words with the largest cos(v_w, v_word); returns [(word, cosine)]."""
    _check_topn(args.topn)
    kv = load_vectors(args.vectors)
    _check_words(kv, [args.word], args.vectors)
    result = kv.most_similar(args.word, topn=args.topn)
    log(f"nearest to {args.word!r} by cosine similarity:")
    width = max(len(word) for word, _ in result)
    for word, cosine in result:
        log(f"  {word:{width}s}  {cosine:.4f}")
    return result


def analogy(args, log=print):
    """X - Y + Z ("Y is to X as Z is to ?") by 3CosAdd: the ``--topn`` words d, other than X, Y
    and Z, with the largest cos(v_d, unit(X) - unit(Y) + unit(Z)), the score printed; the first
    is ``KeyedVectors.analogy(Y, X, Z)``.  Returns [(word, cosine)]."""
    _check_topn(args.topn)
    kv = load_vectors(args.vectors)
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
    kv = load_vectors(args.vectors)
    root = Path(args.data) if args.data else default_root()
    metrics = evaluate_word_vectors(kv, root, args.restrict_vocab)
    log(f"{args.vectors}: {len(kv):,} words, dim {kv.dim}")
    for line in format_evaluation(metrics):
        log(line)
    if args.plot:
        try:
            plotted = plot_word_map(kv, args.plot, title=str(args.vectors))
        except (ImportError, ValueError) as error:
            raise SystemExit(f"error: --plot: {error}") from None
        log(f"word map {args.plot}: " + ", ".join(
            f"{len(words)} {group}" for group, words in plotted.items()))
    return metrics


WORD_VECTOR_COMMANDS = {"similar": similar, "analogy": analogy,
                        "evaluate-vectors": evaluate_vectors}
