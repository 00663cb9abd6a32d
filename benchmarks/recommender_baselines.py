"""The published rating-prediction baselines on MovieLens 100K's official folds, measured with
scikit-surprise (Hug 2020, JOSS 5(52)), beside yingshe's recommender runs on the same folds.

    pip install scikit-surprise       # the benchmark's oracle, not a yingshe dependency
    python -m benchmarks.recommender_baselines
    python -m benchmarks.recommender_baselines --runs 'runs/mf-{fold}' 'runs/autorec-{fold}'

Each fold's ``.base`` and ``.test`` files are read (SHA-256 checked) by yingshe's
``MovieLens100K`` and handed to Surprise as raw (user, item, rating) records; every algorithm
runs with Surprise's default settings, as in the table of Surprise's documentation
(BaselineOnly: ALS baselines, Koren 2010; SVD: Funk's biased MF, 100 factors, 20 epochs of SGD;
SVD++: Koren 2008, 20 factors; KNNBaseline: user-based, 40 neighbours, MSD similarity, Koren
2010), seeded with ``random_state = --seed`` where it draws random numbers.  RMSE and MAE of
the test ratings (estimates clipped to 1-5, Surprise's default) and seconds of fit + test are
printed per fold and averaged over the folds.  ``--runs`` adds yingshe run folders (the pattern
with ``{fold}``) read from their metrics.json (test_rmse, test_mae, train_seconds)."""
import argparse
import json
import statistics
import time
from pathlib import Path

from yingshe.datasets.movielens import MovieLens100K

FOLDS = ("u1", "u2", "u3", "u4", "u5")
ALGORITHMS = ("BaselineOnly", "SVD", "SVDpp", "KNNBaseline")


def _records(ratings):
    """Surprise's raw records (user, item, rating, timestamp), ids as the files write them."""
    return [(str(u + 1), str(i + 1), float(r), int(t)) for u, i, r, t in
            zip(ratings.users, ratings.items, ratings.ratings, ratings.timestamps)]


def _algorithm(name, seed):
    import surprise
    if name in ("SVD", "SVDpp"):
        return getattr(surprise, name)(random_state=seed)
    if name == "KNNBaseline":
        return surprise.KNNBaseline(verbose=False)
    return surprise.BaselineOnly(verbose=False)


def surprise_sets(fold, data=None):
    """(Surprise trainset, testset) of one official fold's ``.base`` and ``.test`` files."""
    from surprise import Dataset, Reader
    surprise_data = Dataset(Reader(rating_scale=(1, 5)))
    train = surprise_data.construct_trainset(
        _records(MovieLens100K(data, fold, train=True).ratings))
    test = surprise_data.construct_testset(
        _records(MovieLens100K(data, fold, train=False).ratings))
    return train, test


def measure(fold, algorithms, data=None, seed=0):
    """{algorithm: {"rmse", "mae", "seconds"}} of Surprise on one official fold."""
    from surprise import accuracy
    train, test = surprise_sets(fold, data)
    results = {}
    for name in algorithms:
        start = time.perf_counter()
        predictions = _algorithm(name, seed).fit(train).test(test)
        results[name] = {"rmse": accuracy.rmse(predictions, verbose=False),
                         "mae": accuracy.mae(predictions, verbose=False),
                         "seconds": time.perf_counter() - start}
    return results


def read_run(pattern, fold):
    """{"rmse", "mae", "seconds"} of a yingshe run folder's metrics.json."""
    path = Path(pattern.format(fold=fold)) / "metrics.json"
    metrics = json.loads(path.read_text())
    return {"rmse": metrics["test_rmse"], "mae": metrics["test_mae"],
            "seconds": metrics["train_seconds"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", nargs="+", default=list(FOLDS), choices=FOLDS)
    parser.add_argument("--algorithms", nargs="+", default=list(ALGORITHMS),
                        choices=ALGORITHMS)
    parser.add_argument("--runs", nargs="*", default=[], metavar="PATTERN",
                        help="yingshe run folders, e.g. 'runs/mf-{fold}'")
    parser.add_argument("--data", default=None, help="data root (default $YINGSHE_DATA)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()

    table = {}  # method -> fold -> figures
    for fold in args.folds:
        for name, figures in measure(fold, args.algorithms, args.data, args.seed).items():
            table.setdefault(f"surprise {name}", {})[fold] = figures
        for pattern in args.runs:
            table.setdefault(f"yingshe {pattern}", {})[fold] = read_run(pattern, fold)
        print(f"{fold}: " + ", ".join(f"{method} {by_fold[fold]['rmse']:.4f}"
                                      for method, by_fold in table.items()), flush=True)
    print(f"\n{'method':40s} {'RMSE':>7s} {'MAE':>7s} {'s/fold':>8s}   (mean over "
          f"{', '.join(args.folds)})")
    summary = {}
    for method, by_fold in table.items():
        summary[method] = {key: statistics.fmean(f[key] for f in by_fold.values())
                           for key in ("rmse", "mae", "seconds")}
        mean = summary[method]
        print(f"{method:40s} {mean['rmse']:7.4f} {mean['mae']:7.4f} {mean['seconds']:8.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"folds": table, "mean": summary}, indent=1))


if __name__ == "__main__":
    main()
