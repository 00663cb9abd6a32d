"""Biased matrix factorisation on a MovieLens 100K fold: yingshe's ``mf`` recipe against
scikit-surprise's ``SVD`` (Hug 2020; Funk's biased MF by SGD, Koren, Bell & Volinsky 2009,
eq. 4-5, in Cython), each library alone in a fresh process, rounds alternating, median
(``benchmarks.peers``).

    pip install -e '.[bench]'                      # gensim and scikit-surprise
    python -m benchmarks.recommender_peer          # fold u1, each library's defaults, 3 rounds
    python -m benchmarks.recommender_peer --fold ua --epochs 2 --rounds 1
    python -m benchmarks.recommender_peer --step autograd   # yingshe's autograd path instead

Both train on the fold's ``.base`` file and predict its ``.test`` file, read (SHA-256 checked)
by yingshe's ``MovieLens100K``; RMSE and MAE are of the predictions clipped to 1-5 (Surprise's
default, and the recipe's).  Each library runs its own defaults unless ``--epochs`` or
``--factors`` sets both: Surprise's SVD 100 factors, 20 epochs of per-rating SGD (lr 0.005,
lambda 0.02); yingshe's ``yingshe train mf`` 64 factors, 40 epochs of SparseAdam over batches
of 256 ratings (lr 3e-3, lambda 0.1), through the recipe itself (``recipes.recommender.train``
into a temporary run folder), whose steps are compiled where numba is installed
(``models.recommender.CompiledMFStep``; ``--step autograd`` measures the autograd path).
Epoch time is the training seconds (Surprise: ``fit``; yingshe: the epochs' own seconds, its
per-epoch evaluation and checkpoint left out, and so is numba's start, ~0.5 s per process
with the kernel in numba's cache, which the recipe does before its first epoch) divided by
the epochs."""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from . import peers
from .recommender_baselines import surprise_sets

LIBRARIES = ("yingshe", "surprise")


def _train_yingshe(args):
    """Figures of the ``mf`` recipe on the fold (its defaults where an option is None)."""
    from yingshe.training.recipes import recommender
    config = recommender.complete_config("mf", fold=args.fold, epochs=args.epochs,
                                         factors=args.factors, seed=args.seed, data=args.data,
                                         step=args.step)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "mf"
        metrics = recommender.train(out, config, log=lambda line: None, progress=False)
        history = json.loads((out / "history.json").read_text())
    seconds = sum(row["seconds"] for row in history)
    return {"factors": config["factors"], "epochs": len(history), "train_seconds": seconds,
            "rmse": metrics["test_rmse"], "mae": metrics["test_mae"]}


def _train_surprise(args):
    """Figures of Surprise's SVD on the fold (its defaults where an option is None)."""
    from surprise import SVD, accuracy
    train, test = surprise_sets(args.fold, args.data)
    algorithm = SVD(random_state=args.seed, **{name: value for name, value in
                                               (("n_factors", args.factors),
                                                ("n_epochs", args.epochs)) if value})
    start = time.perf_counter()
    algorithm.fit(train)
    seconds = time.perf_counter() - start
    predictions = algorithm.test(test)
    return {"factors": algorithm.n_factors, "epochs": algorithm.n_epochs,
            "train_seconds": seconds, "rmse": accuracy.rmse(predictions, verbose=False),
            "mae": accuracy.mae(predictions, verbose=False)}


TRAINERS = {"yingshe": _train_yingshe, "surprise": _train_surprise}


def measure(library, args):
    """The figures of one training run of ``library`` in this process."""
    figures = TRAINERS[library](args)
    return {"library": library, "epoch_seconds": figures["train_seconds"] / figures["epochs"],
            **figures}


def main(argv=None):
    from yingshe.datasets.movielens import FOLDS
    from yingshe.training.recipes.recommender import MF_STEPS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fold", default="u1", choices=FOLDS)
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of both (default: each library's own, 40 and 20)")
    parser.add_argument("--factors", type=int, default=None,
                        help="factors of both (default: each library's own, 64 and 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step", default=None, choices=MF_STEPS,
                        help="yingshe's minibatch steps (default: the recipe's, auto)")
    parser.add_argument("--data", default=None, help="data root (default $YINGSHE_DATA)")
    peers.add_arguments(parser)
    args = parser.parse_args(argv)
    peers.compare(__spec__.name, args, sys.argv[1:] if argv is None else list(argv),
                  LIBRARIES, measure, f"biased MF on MovieLens 100K {args.fold}",
                  [("s/epoch", "epoch_seconds", ".3f"), ("factors", "factors", ".0f"),
                   ("epochs", "epochs", ".0f"), ("train s", "train_seconds", ".2f"),
                   ("RMSE", "rmse", ".4f"), ("MAE", "mae", ".4f")],
                  ("epoch_seconds", "epoch time ratio, target <= 1"))


if __name__ == "__main__":
    main()
