"""Word vectors trained on PTB or WikiText-2 (word2vec, GloVe, and the count-based PPMI-SVD
baseline): a config dict -> a complete run folder, the word-eval benchmarks, and the vectors
back from a run.

A run folder holds config.json (every option), vectors.txt (word2vec's text format: "count
dim", then "word v_1 ... v_dim" per line, readable by gensim and word2vec's tools),
history.json (the loss of each epoch: word2vec's negative-sampling loss per example, GloVe's J
per nonzero co-occurrence entry; empty for PPMI-SVD, a closed-form fit) and metrics.json (the
word-eval benchmarks, the vocabulary and corpus sizes, training seconds and tokens per second =
corpus tokens x epochs / training seconds, GloVe's and PPMI-SVD's including the co-occurrence
counting).  The benchmarks lower-case their words, so WikiText-2 is lower-cased for training
(PTB is lower-case already, save its number token ``N``)."""
import math
import time
from pathlib import Path

from ...datasets.text import CORPORA, load_corpus
from ...datasets.utils import default_root
from ...datasets.word_eval import word_eval_files
from ...models.glove import cooccurrence_matrix
from ...models.keyed_vectors import (
    SEMANTIC_SECTIONS,
    KeyedVectors,
    evaluate_analogies,
    evaluate_similarity,
    ppmi_svd_vectors,
)
from ..run_folder import RunFolder, RunFolderError
from ..word_vectors import train_glove, train_word2vec
from ._options import per_model_config

__all__ = ["WORD_VECTOR_MODELS", "DEFAULTS", "OPTIONS", "RESTRICT_VOCAB", "complete_config",
           "train", "evaluate_word_vectors", "format_evaluation", "load_vectors"]

VECTORS = "vectors.txt"
WORD_VECTOR_MODELS = {
    "word2vec": "skip-gram or CBOW with negative sampling (Mikolov et al. 2013), per-example "
                "SGD (numba) or sparse minibatch SGD",
    "glove": "GloVe, weighted least squares on co-occurrence counts with AdaGrad (2014)",
    "ppmi-svd": "count-based baseline: SVD of the PPMI co-occurrence matrix (Levy et al. 2015)",
}
# Per model: the value of an option left at None (word2vec's lr: word2vec.c's 0.025 / 0.05).
DEFAULTS = {
    "word2vec": {"corpus": "ptb", "dim": 100, "window": 5, "min_count": 5, "epochs": 5,
                 "lr": None, "seed": 0, "max_tokens": None, "data": None,
                 "architecture": "skipgram", "negatives": 5, "subsample": 1e-3,
                 "kernel": "auto", "workers": 1},
    "glove": {"corpus": "ptb", "dim": 100, "window": 10, "min_count": 5, "epochs": 25,
              "lr": 0.05, "seed": 0, "max_tokens": None, "data": None},
    # one closed-form fit; the window as word2vec's, counts without distance weighting
    "ppmi-svd": {"corpus": "ptb", "dim": 100, "window": 5, "min_count": 5, "seed": 0,
                 "max_tokens": None, "data": None},
}
OPTIONS = {model: tuple(defaults) for model, defaults in DEFAULTS.items()}
WORD2VEC_LR = {"skipgram": 0.025, "cbow": 0.05}
LOWER_CASE = {"ptb": False, "wikitext-2": True}
RESTRICT_VOCAB = 30_000  # analogies use the most frequent words only, as word2vec's demo


def complete_config(model, **options):
    """The config of a new run of ``model``: its options (``OPTIONS[model]``), those left at
    None set to ``DEFAULTS[model]``; a ValueError names a value out of range."""
    config = per_model_config(model, options, DEFAULTS, "word-vector model")
    if model == "word2vec" and config["lr"] is None:
        config["lr"] = WORD2VEC_LR[config["architecture"]]
    if config["corpus"] not in CORPORA:
        raise ValueError(f"unknown corpus {config['corpus']!r}; available: {', '.join(CORPORA)}")
    for key in ("dim", "window", "min_count", "epochs", "negatives", "max_tokens", "workers"):
        if config.get(key) is not None and config[key] < 1:
            raise ValueError(f"{key} must be at least 1, got {config[key]}")
    if config.get("subsample", 0) < 0:
        raise ValueError(f"subsample must be 0 (keep all) or positive, got "
                         f"{config['subsample']}")
    return config


def _name(config):
    """The run's name: word2vec-skipgram, word2vec-cbow, glove or ppmi-svd."""
    return f"word2vec-{config['architecture']}" if config["model"] == "word2vec" \
        else config["model"]


def _fit(config, ids, vocab, log):
    """(vectors, per-epoch losses, speed figures) of the model ``config`` names."""
    start = time.perf_counter()
    if config["model"] == "word2vec":
        run = train_word2vec(ids, vocab, model=config["architecture"], dim=config["dim"],
                             window=config["window"], negatives=config["negatives"],
                             epochs=config["epochs"], lr=config["lr"], seed=config["seed"],
                             subsample_t=config["subsample"], kernel=config["kernel"],
                             workers=config["workers"], log=log)
        return run.vectors, run.epoch_losses, {"tokens_per_s": run.tokens_per_s,
                                               "kernel": run.kernel}, \
            time.perf_counter() - start
    cooccurrence = cooccurrence_matrix(ids, len(vocab), window=config["window"],
                                       distance_weighting=config["model"] == "glove")
    counted = time.perf_counter() - start
    if config["model"] == "glove":
        run = train_glove(cooccurrence, vocab, dim=config["dim"], epochs=config["epochs"],
                          lr=config["lr"], seed=config["seed"], log=log)
        vectors, losses = run.vectors, run.epoch_losses
    else:
        vectors, losses = ppmi_svd_vectors(cooccurrence, vocab, dim=config["dim"],
                                           seed=config["seed"]), []
    seconds = time.perf_counter() - start
    return vectors, losses, {"tokens_per_s": config.get("epochs", 1) * len(ids) / seconds,
                             "cooccurrence_seconds": round(counted, 2),
                             "nonzero_entries": len(cooccurrence)}, seconds


def train(out, config, log=print, progress=True):
    """Train the model ``config`` describes (see ``complete_config``) on its corpus, evaluate
    the vectors on word-eval and write the run folder ``out``; returns the metrics also
    written to metrics.json."""
    root = Path(config["data"]) if config["data"] else default_root()
    word_eval_files(root)  # fail before training, not after
    ids, vocab = load_corpus(config["corpus"], "train", root=root,
                             min_freq=config["min_count"], lower=LOWER_CASE[config["corpus"]],
                             max_tokens=config["max_tokens"])
    if len(vocab) < 2:
        raise ValueError(f"only {len(vocab)} words occur {config['min_count']} times or more "
                         f"in {config['max_tokens'] or 'all'} tokens; lower --min-count or "
                         f"raise --max-tokens")
    run = RunFolder(out)
    run.write_config({**config, "lower": LOWER_CASE[config["corpus"]], "vocab_size": len(vocab),
                      "corpus_tokens": len(ids)})
    log(f"training {_name(config)} on {config['corpus']}: {len(ids):,} tokens, {len(vocab):,} "
        f"words (min count {config['min_count']}), dim {config['dim']}, epochs "
        f"{config.get('epochs', 1)}")
    vectors, losses, speed, seconds = _fit(config, ids, vocab, log if progress else None)
    vectors.save_word2vec_format(run / VECTORS)
    run.write_json(RunFolder.HISTORY,
                   [{"epoch": epoch, "loss": loss} for epoch, loss in enumerate(losses, 1)])
    metrics = evaluate_word_vectors(vectors, root)
    metrics.update(vocab_size=len(vocab), corpus_tokens=len(ids),
                   train_seconds=round(seconds, 2), **speed)
    run.write_json(RunFolder.METRICS, _json_ready(metrics))
    for line in format_evaluation(metrics):
        log(line)
    log(f"{seconds:.1f} s of training, {metrics['tokens_per_s']:,.0f} tokens/s")
    log(f"run folder {run.path}: config.json, {VECTORS}, history.json, metrics.json")
    return metrics


def _json_ready(value):
    """``value`` with NaN replaced by None, so that metrics.json is strict JSON."""
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# ---- evaluation ------------------------------------------------------------------------------
def evaluate_word_vectors(kv, root=None, restrict_vocab=RESTRICT_VOCAB):
    """The word-eval benchmarks under ``root``/word-eval: Google analogies by 3CosAdd over the
    ``restrict_vocab`` most frequent words (all when None or 0), WordSim-353 and SimLex-999 as
    Spearman's rho of cosine vs human scores; words lower-cased, coverage reported with each."""
    files = word_eval_files(root)
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


def load_vectors(path):
    """The ``KeyedVectors`` of a word2vec text file or of a run folder's vectors.txt."""
    path = Path(path)
    file = path / VECTORS if path.is_dir() else path
    if not file.is_file():
        raise RunFolderError(f"no vectors file at {file}; give a {VECTORS} in word2vec text "
                             f"format or a run folder of `yingshe train word2vec|glove`")
    return KeyedVectors.load_word2vec_format(file)
