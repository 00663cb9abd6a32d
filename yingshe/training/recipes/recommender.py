"""Recommenders on MovieLens 100K (Harper & Konstan 2015): a config dict -> a complete run
folder, and recommendations from one.

Explicit ratings (``mf``, ``autorec``) train on an official fold's ``.base`` file and are
measured on its ``.test`` file: RMSE and MAE of the predictions clipped to the 1-5 scale.
``mf`` takes its minibatch steps in one compiled kernel (``models.recommender.CompiledMFStep``)
where numba is installed, else (or with ``step`` "autograd") by autograd and SparseAdam: the
same numbers to float rounding, and the same checkpoints.
Implicit feedback (``gmf``, ``mlp-rec``, ``neumf``) follows He et al. (2017), §4.1: every
rating is an interaction, each user's latest one is held out and ranked among 99 items the user
never rated (the same items for every model: they are drawn with seed 0), and the figures are
the hit ratio HR@K (the held-out item is among the top K) and NDCG@K = 1 / log2(rank + 2)
(0 outside the top K), averaged over users; training pairs each interaction with ``negatives``
items the user has not interacted with, drawn afresh every epoch, under binary cross-entropy.
Ties rank the held-out item below the negatives (as He et al.'s evaluation does).  With
``validate`` each user's latest remaining interaction is held out too (with its own negatives)
and ranked after every epoch (val_hr@K, val_ndcg@K), to choose the epochs without the test.

A run folder holds config.json, history.json and history.csv (per epoch: training loss, the
test figures, and the validation RMSE when ``val_fraction`` holds out part of the training
ratings for tuning), curves.png, last.safetensors (the training state after the latest epoch,
to resume from), model.safetensors (the final weights) and metrics.json (the final epoch's
test figures, the item-popularity baseline for implicit models, seconds of training).  The
reported figures are those of the last epoch: the epochs are fixed in advance, not chosen on
the test ratings."""
import math
import time

import numpy as np

from ... import optim
from ..._backend import manual_seed
from ...autograd.grad_mode import no_grad
from ...datasets.movielens import FOLDS, RATING_RANGE, MovieLens100K, leave_one_out
from ...models.recommender import (
    GMF,
    BiasedMF,
    CompiledMFStep,
    IAutoRec,
    MLPRecommender,
    NeuMF,
    implicit_loss,
)
from ...ops.creation import from_numpy
from ..plots import plot_panels
from ..progress import progress_bar
from ..run_folder import RunFolder, RunFolderError
from ..state import load_training_state, save_training_state
from ..trainer import History, check_finite
from ._options import per_model_config
from .classification import make_scheduler

__all__ = ["RECOMMENDER_MODELS", "EXPLICIT", "IMPLICIT", "DEFAULTS", "OPTIONS", "SCHEDULERS",
           "MF_STEPS", "complete_config", "train", "load_model", "rated_items", "recommend", "rating_metrics",
           "ranking_metrics", "item_popularity"]

RECOMMENDER_MODELS = {
    "mf": "biased matrix factorisation (Koren et al. 2009), sparse gradients + SparseAdam",
    "autorec": "I-AutoRec: autoencoder of each item's ratings (Sedhain et al. 2015)",
    "gmf": "generalised matrix factorisation for implicit feedback (He et al. 2017)",
    "mlp-rec": "MLP over user and item embeddings for implicit feedback (He et al. 2017)",
    "neumf": "NeuMF: GMF and MLP fused, optionally from pretrained ones (He et al. 2017)",
}
EXPLICIT, IMPLICIT = ("mf", "autorec"), ("gmf", "mlp-rec", "neumf")
SCHEDULERS = ("none", "cosine", "step")
# how mf computes its minibatch steps: "compiled" (CompiledMFStep: numba, the fast extra),
# "autograd" (forward_with_penalty, backward, SparseAdam) or "auto" (compiled where it applies)
MF_STEPS = ("auto", "compiled", "autograd")
EVAL_SEED = 0  # the held-out items' negatives are the same for every model and seed
DEFAULT_RATING = 3.0  # AutoRec's prediction for a user or item without training ratings

_COMMON = {"epochs": 20, "batch_size": 256, "lr": 1e-3, "scheduler": "none", "seed": 0,
           "users": None, "data": None}
_EXPLICIT = {"fold": "u1", "val_fraction": 0.0}
_IMPLICIT = {"negatives": 4, "eval_negatives": 99, "top_k": 10, "optimizer": "adam",
             "validate": False}
DEFAULTS = {
    "mf": {**_COMMON, **_EXPLICIT, "epochs": 40, "lr": 3e-3, "factors": 64, "reg": 0.1,
           "init_std": 0.1, "features": False, "step": "auto"},
    "autorec": {**_COMMON, **_EXPLICIT, "epochs": 80, "batch_size": 128, "hidden": 500,
                "reg": 100.0, "dropout": 0.5, "scheduler": "cosine"},
    "gmf": {**_COMMON, **_IMPLICIT, "factors": 8},
    "mlp-rec": {**_COMMON, **_IMPLICIT, "layers": (64, 32, 16, 8)},
    "neumf": {**_COMMON, **_IMPLICIT, "factors": 8, "layers": (64, 32, 16, 8),
              "pretrain": None, "alpha": 0.5},
}
OPTIONS = {model: tuple(defaults) for model, defaults in DEFAULTS.items()}


def complete_config(model, **options):
    """The config of a new run of ``model``: its options (``OPTIONS[model]``), those left at
    None set to ``DEFAULTS[model]``; a ValueError names an unknown model or option or a value
    out of range."""
    config = per_model_config(model, options, DEFAULTS, "recommender")
    if "layers" in config:
        config["layers"] = [int(size) for size in config["layers"]]
    _check(config)
    return config


def _check(config):
    for key in ("epochs", "batch_size", "factors", "hidden", "negatives", "eval_negatives",
                "top_k", "users"):
        if config.get(key) is not None and config[key] < 1:
            raise ValueError(f"{key} must be at least 1, got {config[key]}")
    for key in ("lr", "reg", "init_std"):
        if config.get(key) is not None and config[key] < 0:
            raise ValueError(f"{key} must not be negative, got {config[key]}")
    for key in ("val_fraction", "dropout"):
        if config.get(key) is not None and not 0 <= config[key] < 1:
            raise ValueError(f"{key} must lie in [0, 1), got {config[key]}")
    if config.get("alpha") is not None and not 0 <= config["alpha"] <= 1:
        raise ValueError(f"alpha must lie in [0, 1], got {config['alpha']}")
    if config.get("fold") is not None and config["fold"] not in FOLDS:
        raise ValueError(f"unknown fold {config['fold']!r}; available: {', '.join(FOLDS)}")
    if config.get("step") is not None and config["step"] not in MF_STEPS:
        raise ValueError(f"unknown step {config['step']!r}; available: {', '.join(MF_STEPS)}")
    if config["scheduler"] not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {config['scheduler']!r}; available: "
                         f"{', '.join(SCHEDULERS)}")
    if config.get("optimizer") not in (None, "adam", "sgd"):
        raise ValueError(f"unknown optimizer {config['optimizer']!r}; available: adam, sgd")
    if config.get("pretrain") is not None and len(config["pretrain"]) != 2:
        raise ValueError(f"pretrain takes two run folders (GMF, MLP), got {config['pretrain']}")
    if "layers" in config and (len(config["layers"]) < 2 or config["layers"][0] % 2):
        raise ValueError(f"layers must give at least two sizes, the first even (half of it is "
                         f"the user embedding, half the item one), got {config['layers']}")


# ---- data --------------------------------------------------------------------------------
class _Data:
    """What a run trains and is measured on (see ``_load_data``)."""

    def __init__(self, **fields):
        vars(self).update(fields)


def _load_data(config, download=False):
    """The run's data: ``train`` (and ``val``, ``test``) Ratings of users 1-``users`` only when
    ``users`` is set, the sizes, titles, and for implicit models the leave-one-out view."""
    train_set = MovieLens100K(config["data"], config.get("fold"), train=True, download=download)
    num_users = config["users"] or train_set.num_users
    if num_users > train_set.num_users:
        raise ValueError(f"users: MovieLens 100K has {train_set.num_users} users, got "
                         f"{num_users}")
    keep = train_set.ratings.users < num_users
    attributes, attribute_names = train_set.user_attributes()
    data = _Data(num_users=num_users, num_items=train_set.num_items, titles=train_set.titles,
                 source=train_set.file, user_attributes=attributes[:num_users],
                 attribute_names=attribute_names)
    if config["model"] in IMPLICIT:
        ratings = train_set.ratings.subset(keep).check(num_users, data.num_items,
                                                       source=train_set.file)
        data.split = leave_one_out(ratings, config["eval_negatives"], EVAL_SEED, num_users,
                                   data.num_items)
        data.train, data.val_split = data.split.train, None
        if config["validate"]:  # each user's latest remaining interaction, for tuning
            data.val_split = leave_one_out(data.train, config["eval_negatives"], EVAL_SEED + 1,
                                           num_users, data.num_items)
            data.train = data.val_split.train
        return data
    train = train_set.ratings.subset(keep).check(num_users, data.num_items, RATING_RANGE,
                                                 source=train_set.file)
    test_set = MovieLens100K(config["data"], config["fold"], train=False)
    data.test = test_set.ratings.subset(test_set.ratings.users < num_users).check(
        num_users, data.num_items, RATING_RANGE, source=test_set.file)
    data.val = None
    if config["val_fraction"]:
        order = np.random.default_rng(config["seed"]).permutation(len(train))
        held = round(len(train) * config["val_fraction"])
        data.val, train = train.subset(np.sort(order[:held])), train.subset(np.sort(order[held:]))
    data.train = train
    if len(train) == 0:
        raise ValueError(f"no training ratings left in {train_set.file} for users 1-{num_users}")
    return data


def _rating_matrix(ratings, num_users, num_items):
    """(items, users) float32 matrix of the ratings (0 where unknown) and its 0/1 mask."""
    matrix = np.zeros((num_items, num_users), np.float32)
    matrix[ratings.items, ratings.users] = ratings.ratings
    return matrix, (matrix > 0).astype(np.float32)


# ---- models ------------------------------------------------------------------------------
def _build(config, data):
    """The model ``config`` describes, for ``data``'s users and items."""
    model, users, items = config["model"], data.num_users, data.num_items
    if model == "mf":
        features = {"user_attributes": data.user_attributes,
                    "num_attributes": len(data.attribute_names)} if config["features"] else {}
        return BiasedMF(users, items, config["factors"], float(data.train.ratings.mean()),
                        config["init_std"], sparse=True, **features)
    if model == "autorec":
        return IAutoRec(users, config["hidden"], config["dropout"])
    if model == "gmf":
        return GMF(users, items, config["factors"])
    if model == "mlp-rec":
        return MLPRecommender(users, items, config["layers"])
    return NeuMF(users, items, config["factors"], config["layers"])


def _load_pretrained(config, model, data):
    """NeuMF starts from the final weights of a GMF and an MLP run on the same users."""
    gmf_run, mlp_run = (RunFolder(path) for path in config["pretrain"])
    parts = []
    for run, kind in ((gmf_run, "gmf"), (mlp_run, "mlp-rec")):
        other = run.read_config([kind], f"a {kind} run", f"yingshe train {kind}")
        for key in ("users", "factors" if kind == "gmf" else "layers"):
            if other[key] != config[key]:
                raise ValueError(f"--pretrain: {run.path} was trained with {key} = "
                                 f"{other[key]}, this run has {config[key]}")
        parts.append(run.load_into(lambda other=other: {"model": _build(other, data)},
                                   f"; finish `yingshe train {kind} --out {run.path}` first")
                     ["model"])
    model.load_pretrained(*parts, alpha=config["alpha"])


def _optimizer(config, model):
    """MF: SparseAdam over its sparse embedding gradients; the others: Adam (or SGD)."""
    if config["model"] == "mf":
        return optim.SparseAdam(model.parameters(), lr=config["lr"])
    if config.get("optimizer") == "sgd":
        return optim.SGD(model.parameters(), lr=config["lr"])
    return optim.Adam(model.parameters(), lr=config["lr"])


# ---- metrics -----------------------------------------------------------------------------
def rating_metrics(predictions, ratings, rating_range=RATING_RANGE):
    """{"rmse", "mae"} of ``predictions`` clipped to ``rating_range`` against ``ratings``."""
    error = np.clip(np.asarray(predictions, np.float64), *rating_range) - ratings
    return {"rmse": float(np.sqrt(np.mean(error ** 2))), "mae": float(np.mean(np.abs(error)))}


def ranking_metrics(scores, k=10):
    """HR@k and NDCG@k of a (users, 1 + negatives) score matrix whose first column is the
    held-out item: its rank is the number of negatives scored at least as high (ties count
    against it), a hit is rank < k, and NDCG = log 2 / log(rank + 2) for a hit, else 0."""
    scores = np.asarray(scores)
    rank = (scores[:, 1:] >= scores[:, :1]).sum(axis=1)
    hit = rank < k
    return {f"hr@{k}": float(hit.mean()),
            f"ndcg@{k}": float(np.where(hit, np.log(2) / np.log(rank + 2.0), 0.0).mean())}


def item_popularity(ratings, num_items):
    """The number of training interactions of each item: the popularity baseline's score."""
    return np.bincount(ratings.items, minlength=num_items).astype(np.float64)


def _candidates(split):
    """The (users, 1 + negatives) items of the ranking test: each user's held-out item, then
    its negatives."""
    return np.concatenate([split.test_items[:, None], split.test_negatives], axis=1)


def _scores(model, config, data, users, items):
    """The model's scores of (user, item) pairs (predicted ratings or logits), in eval mode."""
    model.eval()
    with no_grad():
        if config["model"] == "autorec":
            matrix, _ = _rating_matrix(data.train, data.num_users, data.num_items)
            predicted = model(from_numpy(matrix)).numpy()[items, users]
            known = (matrix[:, users] > 0).any(axis=0) & (matrix[items] > 0).any(axis=1)
            return np.where(known, predicted, DEFAULT_RATING)
        return model(from_numpy(users), from_numpy(items)).numpy()


def _evaluate(model, config, data):
    """The figures recorded after every epoch (test; validation when held out)."""
    if config["model"] in IMPLICIT:
        figures = {}
        for prefix, split in (("val_", data.val_split), ("", data.split)):
            if split is not None:
                items = _candidates(split)
                users = np.repeat(np.arange(len(items)), items.shape[1])
                scores = _scores(model, config, data, users, items.reshape(-1))
                figures.update({prefix + key: value for key, value in ranking_metrics(
                    scores.reshape(items.shape), config["top_k"]).items()})
        return figures
    figures = {}
    for name in ("val", "test"):
        ratings = getattr(data, name)
        if ratings is not None:
            scores = _scores(model, config, data, ratings.users, ratings.items)
            figures.update({f"{name}_{key}": value
                            for key, value in rating_metrics(scores, ratings.ratings).items()})
    return figures


# ---- one epoch ---------------------------------------------------------------------------
def _batches(count, batch_size, rng, progress, epoch):
    order = rng.permutation(count)
    starts = range(0, count, batch_size)
    for start in progress_bar(starts, f"epoch {epoch}", progress):
        yield order[start:start + batch_size]


def _step(optimizer, loss, epoch, step, parts=None):
    optimizer.zero_grad()
    loss.backward()
    value = check_finite(loss.item(), epoch=epoch, step=step, parts=parts)
    optimizer.step()
    return value


def _mf_epoch(model, optimizer, config, data, rng, epoch, progress):
    """Minibatch steps on sum of (r - r^)^2 + reg * penalty, averaged over the batch's
    ratings, by autograd or compiled (``_mf_compiled_step``); returns the mean objective and
    the training RMSE."""
    model.train()
    compiled = _mf_compiled_step(config, model, optimizer)
    if compiled is not None:
        return _mf_compiled_epoch(compiled, config, data, rng, epoch)
    train, total, squared = data.train, 0.0, 0.0
    for step, chosen in enumerate(_batches(len(train), config["batch_size"], rng, progress,
                                           epoch), 1):
        users, items = from_numpy(train.users[chosen]), from_numpy(train.items[chosen])
        prediction, penalty = model.forward_with_penalty(users, items)
        error = ((prediction - from_numpy(train.ratings[chosen])) ** 2).mean()
        regulariser = config["reg"] * penalty.mean()
        total += _step(optimizer, error + regulariser, epoch, step,
                       {"squared error": error, "penalty": regulariser}) * len(chosen)
        squared += error.item() * len(chosen)
    return {"train_loss": total / len(train), "train_rmse": math.sqrt(squared / len(train))}


def _mf_compiled_step(config, model, optimizer):
    """The ``CompiledMFStep`` of the run, or None for the autograd path: ``step`` "compiled"
    requires it (a ValueError says why it cannot run), "auto" takes it where it applies (the
    plain model on NumPy with numba; runs from before the option have no ``step``)."""
    choice = config.get("step", "auto")
    reason = CompiledMFStep.refusal(model, optimizer)
    if choice == "compiled" and reason is not None:
        raise ValueError(f"step compiled: cannot run here: {reason} (step auto or autograd "
                         f"trains by autograd)")
    if choice == "autograd" or reason is not None:
        return None
    return CompiledMFStep(model, optimizer, config["reg"])


def _steps_note(config, model, optimizer):
    """How mf takes its steps, for the log ("" for the other models)."""
    if config["model"] != "mf":
        return ""
    if _mf_compiled_step(config, model, optimizer) is not None:
        return "; compiled steps (numba)"
    reason = CompiledMFStep.refusal(model, optimizer)
    return "; autograd steps" + (f" ({reason})" if reason and config.get("step", "auto") == "auto"
                                 else "")


def _mf_compiled_epoch(compiled, config, data, rng, epoch):
    """``_mf_epoch`` by the compiled kernel: the same shuffle and batches, all steps in one
    call; the kernel stops before the update of a batch whose objective is not finite."""
    train, batch_size, reg = data.train, config["batch_size"], config["reg"]
    order = rng.permutation(len(train))
    errors, penalties = compiled(train.users[order], train.items[order], train.ratings[order],
                                 batch_size)
    check_finite(errors[-1] + reg * penalties[-1], epoch=epoch, step=len(errors),
                 parts={"squared error": errors[-1], "penalty": reg * penalties[-1]})
    sizes = np.minimum(batch_size, len(train) - batch_size * np.arange(len(errors)))
    return {"train_loss": float(((errors + reg * penalties) * sizes).sum()) / len(train),
            "train_rmse": math.sqrt(float((errors * sizes).sum()) / len(train))}


def _autorec_epoch(model, optimizer, config, data, rng, epoch, progress):
    """Minibatches of items on Sedhain et al.'s objective divided by the number of items:
    mean over the batch of |(r_i - h(r_i)) * known_i|^2, plus (reg / 2) penalty / items."""
    model.train()
    matrix, mask = _rating_matrix(data.train, data.num_users, data.num_items)
    total, squared = 0.0, 0.0
    for step, chosen in enumerate(_batches(data.num_items, config["batch_size"], rng, progress,
                                           epoch), 1):
        ratings, known = from_numpy(matrix[chosen]), from_numpy(mask[chosen])
        error = (((model(ratings) - ratings) * known) ** 2).sum() / len(chosen)
        penalty = config["reg"] / 2 * model.penalty() / data.num_items
        total += _step(optimizer, error + penalty, epoch, step,
                       {"reconstruction": error, "penalty": penalty}) * len(chosen)
        squared += error.item() * len(chosen)
    return {"train_loss": total / data.num_items,
            "train_rmse": math.sqrt(squared / len(data.train))}


def _sample_negatives(users, interacted, count, rng):
    """``count`` items per entry of ``users`` drawn uniformly among those the user has not
    interacted with (a boolean (users, items) matrix), by rejection."""
    users = np.repeat(users, count)
    items = rng.integers(0, interacted.shape[1], len(users))
    redraw = np.flatnonzero(interacted[users, items])
    while len(redraw):
        items[redraw] = rng.integers(0, interacted.shape[1], len(redraw))
        redraw = redraw[interacted[users[redraw], items[redraw]]]
    return users, items


def _implicit_epoch(model, optimizer, config, data, rng, epoch, progress):
    """Every training interaction (label 1) with ``negatives`` fresh non-interactions (label
    0), shuffled, under binary cross-entropy of the logits (He et al. 2017, eq. 7)."""
    model.train()
    train = data.train
    interacted = np.zeros((data.num_users, data.num_items), bool)
    interacted[train.users, train.items] = True
    negative_users, negative_items = _sample_negatives(train.users, interacted,
                                                       config["negatives"], rng)
    users = np.concatenate([train.users, negative_users])
    items = np.concatenate([train.items, negative_items])
    labels = np.concatenate([np.ones(len(train), np.float32),
                             np.zeros(len(negative_users), np.float32)])
    total = 0.0
    for step, chosen in enumerate(_batches(len(users), config["batch_size"], rng, progress,
                                           epoch), 1):
        logits = model(from_numpy(users[chosen]), from_numpy(items[chosen]))
        loss = implicit_loss(logits, from_numpy(labels[chosen]))
        total += _step(optimizer, loss, epoch, step) * len(chosen)
    return {"train_loss": total / len(users)}


EPOCHS = {"mf": _mf_epoch, "autorec": _autorec_epoch, "gmf": _implicit_epoch,
          "mlp-rec": _implicit_epoch, "neumf": _implicit_epoch}


# ---- train -------------------------------------------------------------------------------
def train(out, config, resume=False, download=False, log=print, progress=True):
    """Train the recommender ``config`` describes (see ``complete_config``) into the run folder
    ``out``, or continue it from its last.safetensors with ``resume`` (``epochs`` may then be
    raised); returns the metrics also written to metrics.json."""
    run = RunFolder(out)
    manual_seed(config["seed"])
    rng = np.random.default_rng(config["seed"])
    data = _load_data(config, download)
    model = _build(config, data)
    if config.get("pretrain") and not resume:
        _load_pretrained(config, model, data)
    optimizer = _optimizer(config, model)
    scheduler = make_scheduler(config["scheduler"], optimizer, config["epochs"])
    parts = ({"model": model}, {"model": optimizer},
             {"model": scheduler} if scheduler is not None else {})
    start, rows = 0, []
    if resume:
        state = load_training_state(run.last_state(), *parts, rng=[rng])
        start, rows = state["epoch"], state["history"]
        log(f"resumed {run.last_state()} after epoch {start}")
    if config["epochs"] < start:
        raise RunFolderError(f"{run.last_state()} is after epoch {start}; --epochs "
                             f"{config['epochs']} would go back (give --epochs {start} or more)")
    run.write_config({**config, "num_users": data.num_users, "num_items": data.num_items})
    parameters = sum(p.numel() for p in model.parameters())
    log(f"training {config['model']} on MovieLens 100K {data.source}: {len(data.train):,} "
        f"training {'interactions' if config['model'] in IMPLICIT else 'ratings'} of "
        f"{data.num_users} users and {data.num_items} items, {parameters:,} parameters, "
        f"epochs {start + 1}-{config['epochs']}" + _steps_note(config, model, optimizer))
    epoch_function = EPOCHS[config["model"]]
    for epoch in range(start + 1, config["epochs"] + 1):
        tick = time.perf_counter()
        row = {"epoch": epoch, **epoch_function(model, optimizer, config, data, rng, epoch,
                                                progress)}
        row["lr"] = optimizer.param_groups[0]["lr"]
        if scheduler is not None:
            scheduler.step()
        row["seconds"] = time.perf_counter() - tick  # training only, not the evaluation
        row.update(_evaluate(model, config, data))
        rows.append(row)
        log(f"epoch {epoch}/{config['epochs']}: " + ", ".join(
            f"{key} {value:.4f}" for key, value in row.items()
            if key not in ("epoch", "lr", "seconds")) + f" ({row['seconds']:.1f} s)")
        save_training_state(run / RunFolder.LAST, *parts, rng=[rng], epoch=epoch, history=rows)
    return _finish(run, config, model, data, rows, parameters, log)


def _finish(run, config, model, data, rows, parameters, log):
    """model.safetensors, history, curves.png and metrics.json."""
    if not rows:
        raise RunFolderError(f"{run.path}: no epoch was trained (epochs {config['epochs']})")
    run.save_weights({"model": model})
    history = History(rows)
    history.save_json(run / RunFolder.HISTORY)
    history.save_csv(run / "history.csv")
    final = {key: value for key, value in rows[-1].items()
             if key not in ("epoch", "lr", "seconds")}
    metrics = {**final, "epochs_run": len(rows),
               "train_seconds": round(sum(row["seconds"] for row in rows), 1),
               "parameters": parameters, "data": data.source, "users": data.num_users}
    if config["model"] in IMPLICIT:
        popularity = item_popularity(data.train, data.num_items)[_candidates(data.split)]
        metrics.update({f"popularity_{key}": value for key, value in
                        ranking_metrics(popularity, config["top_k"]).items()})
    run.write_json(RunFolder.METRICS, metrics)
    files = ["config.json", "history.json", "history.csv", RunFolder.LAST, RunFolder.WEIGHTS,
             "metrics.json"]
    try:
        _plot(rows, config, run)
        files.append("curves.png")
    except ImportError as error:
        log(f"no curves.png: {error}")
    log(", ".join(f"{key} {value:.4f}" for key, value in metrics.items()
                  if key.startswith(("test_", "hr@", "ndcg@", "popularity_")))
        + f" ({metrics['train_seconds']:.0f} s of training)")
    log(f"run folder {run.path}: {', '.join(files)}")
    return metrics


def _plot(rows, config, run):
    present = set(rows[-1])
    if config["model"] in IMPLICIT:
        k = config["top_k"]
        panels = [("loss", ("train_loss",)),
                  (f"top-{k} ranking", tuple(name for name in (f"hr@{k}", f"ndcg@{k}",
                                                               f"val_hr@{k}", f"val_ndcg@{k}")
                                             if name in present))]
    else:
        panels = [("loss", ("train_loss",)),
                  ("RMSE", tuple(name for name in ("train_rmse", "val_rmse", "test_rmse")
                                 if name in present))]
    plot_panels(rows, panels, run / "curves.png",
                f"{config['model']} on MovieLens 100K ({config.get('fold') or 'leave-one-out'})")


# ---- using a run -------------------------------------------------------------------------
def load_model(path, data=None):
    """(the trained model in eval mode, its config, its data) of a recommender run folder:
    the final weights (model.safetensors).  ``data`` replaces the data root of the run."""
    run = RunFolder.containing(path)
    config = run.read_config(RECOMMENDER_MODELS, "a recommender", "yingshe train mf")
    config = {**config, "data": data or config["data"]}
    loaded = _load_data(config)
    model = run.load_into(lambda: {"model": _build(config, loaded)},
                          f"; finish `yingshe train {config['model']} --out {run.path}` (or "
                          f"--resume it) first")["model"]
    return model, config, loaded


def rated_items(ratings, user, source="the ratings"):
    """The items (from 0) that ``user`` (numbered from 1) rated in ``ratings``; a ValueError
    when there are none: nothing to recommend from."""
    rated = ratings.items[ratings.users == user - 1]
    if len(rated) == 0:
        raise ValueError(f"user {user} has no ratings in {source}: there is no history to "
                         f"recommend from")
    return rated


def recommend(path, user, top=10, data=None):
    """The ``top`` items of a recommender run for ``user`` (numbered from 1, as in the
    files) among those the user did not rate in the run's training data: a list of (item id
    from 1, title, score), the score a predicted rating (``mf``, ``autorec``) or the
    probability of an interaction (implicit models).  An unknown user and a user without
    training ratings raise ValueError."""
    model, config, loaded = load_model(path, data)
    if not 1 <= user <= loaded.num_users:
        subset = f" (the run trained on users 1-{loaded.num_users}: --users " \
                 f"{config['users']})" if config["users"] else ""
        raise ValueError(f"unknown user {user}: MovieLens 100K numbers its users 1-"
                         f"{MovieLens100K.num_users}{subset}")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    rated = rated_items(loaded.train, user, f"the training data of {path} ({loaded.source})")
    items = np.arange(loaded.num_items)
    scores = _scores(model, config, loaded, np.full(len(items), user - 1), items)
    if config["model"] in IMPLICIT:
        scores = 1 / (1 + np.exp(-scores.astype(np.float64)))
    elif config["model"] == "mf":
        scores = np.clip(scores, *RATING_RANGE)
    scores = scores.astype(np.float64)
    scores[rated] = -np.inf
    best = np.argsort(-scores, kind="stable")[:min(top, len(items) - len(rated))]
    return [(int(i) + 1, loaded.titles[i], float(scores[i])) for i in best]
