"""Spoken digits (FSDD): a config dict -> a complete run folder, and the trained model back
from one to transcribe a WAV file.

speech-cnn classifies isolated recordings (the official split: recordings 0-4 of each speaker
and digit are the test set; or, with ``test_speaker``, every recording of one speaker, trained
on the other five).  speech-crnn and speech-raw transcribe connected digit strings built from
the training recordings (``ConnectedDigits``), with CTC (Graves et al. 2006), and are tested on
strings built only from the test recordings, decoded greedily and by prefix beam search
(Hannun et al. 2014).  Each run holds out ``val_size`` training recordings, as many of each
speaker and digit (and, for strings, builds its validation strings from them), keeps the epoch
with the best validation accuracy (checkpoint.safetensors) and the latest one
(last.safetensors, to resume from), and reports the test set once with the kept weights
(metrics.json).  Training waveforms may be perturbed (``Perturbation``: speed and noise)."""
import functools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from ..._backend import generator, manual_seed
from ...audio import _io
from ...audio.ctc_decoder import ctc_greedy_decode, ctc_prefix_beam_search
from ...audio.functional import resample
from ...autograd.grad_mode import no_grad
from ...datasets.fsdd import FSDD, SPEAKERS, ConnectedDigits
from ...models.speech import (
    BLANK,
    SPEECH_MODELS,
    CTCTargets,
    SpeechBatch,
    _features,
    build_speech_model,
)
from ...nn import functional as F
from ...ops.creation import from_numpy
from ...utils.data import DataLoader
from ...utils.data.sampler import Sampler
from ..callbacks import ModelCheckpoint
from ..plots import pyplot
from ..run_folder import RunFolder, RunFolderError
from ..state import read_training_state
from ..trainer import Trainer
from .classification import make_optimizer, make_scheduler

__all__ = ["DEFAULTS", "complete_config", "train", "load_model", "evaluate", "transcribe",
           "plot_transcription", "edit_distance", "error_rates", "BucketBatchSampler",
           "Perturbation", "MIN_SAMPLES"]

_COMMON = {"batch_size": 32, "lr": 2e-3, "weight_decay": 0.0, "n_mels": 40, "val_size": 300,
           "freq_mask_param": 8, "time_mask_param": 10, "seed": 0, "data": None}
DEFAULTS = {
    "speech-cnn": {**_COMMON, "epochs": 30, "channels": [24, 48, 96], "dropout": 0.3,
                   "spec_augment": 1, "clip_grad_norm": None, "test_speaker": None,
                   "trim_db": 35.0,
                   "train_subset": None, "speed_perturb": [0.9, 1.0, 1.1],
                   "noise_snr": None},
    "speech-crnn": {**_COMMON, "epochs": 12, "channels": [16, 32], "hidden": 128,
                    "rnn_layers": 1, "dropout": 0.2, "spec_augment": 2, "clip_grad_norm": 5.0,
                    "train_strings": 4000, "val_strings": 300, "test_strings": 500,
                    "min_digits": 1, "max_digits": 7, "test_seed": 0, "beam_width": 8,
                    "speed_perturb": None, "noise_snr": None},
}
DEFAULTS["speech-raw"] = {**DEFAULTS["speech-crnn"], "front_end_lr": 1e-4}
MIN_SAMPLES = 800  # 0.1 s: a recording shorter than this cannot hold a spoken digit


def complete_config(model, **options):
    """The config of a new run of ``model``: its ``DEFAULTS`` where ``options`` give None or
    nothing; a ValueError names an unknown model, option or speaker, or a value out of range."""
    if model not in SPEECH_MODELS:
        raise ValueError(f"unknown speech model {model!r}; available: "
                         f"{', '.join(SPEECH_MODELS)}")
    defaults = DEFAULTS[model]
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(f"options {unknown} do not apply to {model}")
    config = {"model": model, **defaults,
              **{key: value for key, value in options.items() if value is not None}}
    config["channels"] = [int(c) for c in config["channels"]]
    if config.get("test_speaker") is not None and config["test_speaker"] not in SPEAKERS:
        raise ValueError(f"unknown test_speaker {config['test_speaker']!r}; the speakers are "
                         f"{', '.join(SPEAKERS)}")
    if "max_digits" in config and not 1 <= config["min_digits"] <= config["max_digits"]:
        raise ValueError(f"need 1 <= min_digits <= max_digits, got {config['min_digits']} "
                         f"and {config['max_digits']}")
    if _task(config) == "isolated" and config["n_mels"] < 2 ** len(config["channels"]):
        raise ValueError(f"n_mels {config['n_mels']} is too few for {len(config['channels'])} "
                         f"2x poolings; give at least {2 ** len(config['channels'])}")
    return config


def _task(config):
    return SPEECH_MODELS[config["model"]][1]


# ---- data -------------------------------------------------------------------------------------
class _Recordings:
    """Isolated recordings of an FSDD split at ``indices``: items (waveform, digit)."""

    def __init__(self, fsdd, indices):
        self.fsdd, self.indices = fsdd, np.asarray(indices)
        self.lengths = np.array([len(fsdd.waveforms()[i]) for i in self.indices])

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        k = self.indices[i]
        return self.fsdd.waveforms()[k], int(self.fsdd.labels[k])


class _Strings:
    """Connected digit strings: items (waveform, digits)."""

    def __init__(self, strings):
        self.strings = strings
        lengths = []
        for i in range(len(strings)):
            plan = strings.plan(i)
            lengths.append(sum(plan["gaps"]) + sum(len(strings.source.waveforms()[k])
                                                   for k in plan["recordings"]))
        self.lengths = np.array(lengths)

    def __len__(self):
        return len(self.strings)

    def __getitem__(self, i):
        return self.strings.utterance(i)


class _Subset:
    """The recordings of an FSDD split at ``indices``, as ``ConnectedDigits`` reads them."""

    def __init__(self, fsdd, indices):
        self.sample_rate = fsdd.sample_rate
        self.entries = [fsdd.entries[i] for i in indices]
        everything = fsdd.waveforms()
        self._waveforms = [everything[i] for i in indices]

    def waveforms(self):
        return self._waveforms


class BucketBatchSampler(Sampler):
    """Batches of similar lengths, to pad little: each epoch a fresh permutation (seeded from
    the framework's generator, as ``RandomSampler``) is cut into pools of ``pool`` batches,
    each pool sorted by length and cut into batches, and the batches are shuffled."""

    def __init__(self, lengths, batch_size, pool=20):
        self.lengths, self.batch_size, self.pool = np.asarray(lengths), batch_size, pool

    def _chunks(self):
        n, size = len(self.lengths), self.batch_size * self.pool
        return [min(size, n - start) for start in range(0, n, size)]

    def __len__(self):
        return sum(-(-chunk // self.batch_size) for chunk in self._chunks())

    def __iter__(self):
        rng = np.random.Generator(np.random.PCG64(int(generator("cpu").integers(0, 1 << 63))))
        order, batches, start = rng.permutation(len(self.lengths)), [], 0
        for chunk in self._chunks():
            part = order[start:start + chunk]
            part = part[np.argsort(self.lengths[part], kind="stable")]
            batches += [part[i:i + self.batch_size] for i in range(0, chunk, self.batch_size)]
            start += chunk
        for k in rng.permutation(len(batches)):
            yield batches[k].tolist()


def _pad(waveforms):
    lengths = np.array([len(w) for w in waveforms], np.int64)
    padded = np.zeros((len(waveforms), int(lengths.max())), np.float32)
    for row, waveform in zip(padded, waveforms):
        row[:len(waveform)] = waveform
    return SpeechBatch(from_numpy(padded), lengths)


class Perturbation:
    """Training-time changes to each waveform, drawn from the framework's generator (so that
    a resumed run draws the same): speed perturbation (Ko, Peddinti, Povey & Khudanpur 2015,
    "Audio augmentation for speech recognition": the waveform resampled so that it plays at a
    speed drawn from ``speeds``, 0.9 being 10% slower and lower) and white Gaussian noise at an
    SNR uniform in ``snr_db`` (decibels relative to the waveform's mean power)."""

    def __init__(self, speeds=None, snr_db=None):
        self.speeds, self.snr_db = speeds, snr_db

    def __call__(self, waveform):
        rng = generator("cpu")
        if self.speeds:
            speed = Fraction(self.speeds[int(rng.integers(len(self.speeds)))]).limit_denominator(
                100)
            if speed != 1:
                waveform = resample_poly(waveform, speed.denominator, speed.numerator).astype(
                    np.float32)
        if self.snr_db:
            power = float(np.mean(waveform.astype(np.float64) ** 2))
            scale = np.sqrt(power / 10 ** (rng.uniform(*self.snr_db) / 10))
            waveform = (waveform + scale * rng.standard_normal(len(waveform))).astype(
                np.float32)
        return waveform


def _collate_recordings(items, perturb=None):
    waveforms = [perturb(w) if perturb else w for w, _ in items]
    return _pad(waveforms), from_numpy(np.array([d for _, d in items], np.int64))


def _collate_strings(items, perturb=None):
    batch = _pad([perturb(w) if perturb else w for w, _ in items])
    counts = np.array([len(digits) for _, digits in items], np.int64)
    labels = np.full((len(items), int(counts.max())), BLANK, np.int64)
    for row, (_, digits) in zip(labels, items):
        row[:len(digits)] = np.asarray(digits) + 1  # class 0 is the blank
    return batch, CTCTargets(from_numpy(labels), counts, batch.lengths)


def _held_out(fsdd, size, seed):
    """Sorted indices of ``size`` // P recordings of each of the P (speaker, digit) pairs of
    ``fsdd``, drawn with ``seed``: a validation set as balanced as the test set."""
    pairs = {}
    for i, (digit, speaker, _) in enumerate(fsdd.entries):
        pairs.setdefault((speaker, digit), []).append(i)
    rng = np.random.default_rng(seed)
    per_pair = size // len(pairs)
    return np.sort([i for members in pairs.values()
                    for i in rng.choice(members, per_pair, replace=False)]).astype(np.int64)


def _splits(config, download=False):
    """(train, validation, test) datasets and a description of them."""
    root = config["data"]
    speaker = config.get("test_speaker")
    if speaker is not None:
        others = [s for s in SPEAKERS if s != speaker]
        train_source = FSDD(root, "all", speakers=others, download=download)
        test_source = FSDD(root, "all", speakers=[speaker])
    else:
        train_source = FSDD(root, "train", download=download)
        test_source = FSDD(root, "test")
    val_indices = _held_out(train_source, config["val_size"], config["seed"])
    train_indices = np.setdiff1d(np.arange(len(train_source)), val_indices)
    if _task(config) == "isolated":
        if config["train_subset"]:
            train_indices = np.sort(np.random.default_rng(config["seed"]).permutation(
                train_indices)[:config["train_subset"]])
        sets = (_Recordings(train_source, train_indices),
                _Recordings(train_source, val_indices) if len(val_indices) else None,
                _Recordings(test_source, np.arange(len(test_source))))
        info = {"train": len(sets[0]), "validation": len(val_indices), "test": len(sets[2]),
                "unit": "recordings"}
        return sets, info
    strings = {"min_digits": config["min_digits"], "max_digits": config["max_digits"]}
    train = ConnectedDigits(_Subset(train_source, train_indices), config["train_strings"],
                            seed=config["seed"], **strings)
    val = ConnectedDigits(_Subset(train_source, val_indices), config["val_strings"],
                          seed=config["seed"] + 1, **strings) \
        if len(val_indices) and config["val_strings"] else None
    test = ConnectedDigits(test_source, config["test_strings"], seed=config["test_seed"],
                           **strings)
    sets = (_Strings(train), _Strings(val) if val is not None else None, _Strings(test))
    info = {"train": len(train), "validation": len(val) if val is not None else 0,
            "test": len(test), "unit": "strings"}
    return sets, info


def _loader(dataset, config, shuffle):
    """Batches of ``dataset``: for training (``shuffle``) in buckets of similar lengths, each
    waveform perturbed as the config says; otherwise sorted by length."""
    collate = _collate_recordings if isinstance(dataset, _Recordings) else _collate_strings
    if shuffle:
        perturb = Perturbation(config["speed_perturb"], config["noise_snr"])
        return DataLoader(dataset, batch_sampler=BucketBatchSampler(dataset.lengths,
                                                                    config["batch_size"]),
                          collate_fn=functools.partial(collate, perturb=perturb))
    order = np.argsort(dataset.lengths, kind="stable")  # sorted: little padding
    batches = [order[i:i + config["batch_size"]].tolist()
               for i in range(0, len(order), config["batch_size"])]
    return DataLoader(dataset, batch_sampler=batches, collate_fn=collate)


# ---- losses, metrics, decoding ----------------------------------------------------------------
def edit_distance(reference, hypothesis):
    """The Levenshtein distance (Levenshtein 1966; Wagner & Fischer 1974): the fewest
    substitutions, deletions and insertions that turn ``reference`` into ``hypothesis``."""
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        current = [i]
        for j, h in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def error_rates(references, hypotheses):
    """{"digit_error_rate": sum of edit distances / reference digits, "string_accuracy":
    share of strings transcribed exactly, "strings", "digits"}."""
    errors = sum(edit_distance(r, h) for r, h in zip(references, hypotheses))
    digits = sum(len(r) for r in references)
    exact = sum(list(r) == list(h) for r, h in zip(references, hypotheses))
    return {"digit_error_rate": errors / max(digits, 1),
            "string_accuracy": exact / max(len(references), 1), "strings": len(references),
            "digits": digits}


def _ctc_loss(model):
    def loss(log_probs, targets):
        return F.ctc_loss(log_probs, targets.labels, model.output_lengths(targets.sample_lengths),
                          targets.label_lengths, blank=BLANK, zero_infinity=True)
    return loss


def _greedy_strings(log_probs, steps):
    """Greedy transcriptions (digit lists) of log-probabilities (T, N, 11)."""
    return [[label - 1 for label in labels] for labels in
            ctc_greedy_decode(log_probs.detach().transpose(0, 1), steps, blank=BLANK)]


def _string_accuracy(model):
    def metric(log_probs, targets):
        steps = model.output_lengths(targets.sample_lengths)
        labels = targets.labels.numpy()
        references = [list(row[:n] - 1) for row, n in zip(labels, targets.label_lengths)]
        return error_rates(references, _greedy_strings(log_probs, steps))["string_accuracy"]
    return metric


def _trainer(model, config, optimizer=None, scheduler=None, callbacks=(), progress=False):
    if _task(config) == "isolated":
        return Trainer(model, optimizer, F.cross_entropy, scheduler=scheduler,
                       callbacks=callbacks, progress=progress)
    return Trainer(model, optimizer, _ctc_loss(model), scheduler=scheduler, callbacks=callbacks,
                   clip_grad_norm=config["clip_grad_norm"], progress=progress,
                   metric=_string_accuracy(model))


# ---- training ---------------------------------------------------------------------------------
def _parameter_groups(model, config):
    """The model's parameters, the learned front end's in a group of its own with learning rate
    ``front_end_lr`` when the config gives one: Adam moves every weight by about the learning
    rate per step whatever its gradient, which at 2e-3 would scramble filters whose weights are
    about 0.07 within a few hundred steps."""
    if not config.get("front_end_lr"):
        return model.parameters()
    own = {id(p) for p in model.front_end.parameters()}
    return [{"params": [p for p in model.parameters() if id(p) not in own]},
            {"params": list(model.front_end.parameters()), "lr": config["front_end_lr"]}]



def train(out, config, resume=False, download=False, log=print, progress=True):
    """Train the model ``config`` describes (see ``complete_config``) into the run folder
    ``out``, or continue it from its last.safetensors with ``resume``; returns the metrics also
    written to metrics.json."""
    run = RunFolder(out)
    manual_seed(config["seed"])
    (train_set, val_set, test_set), info = _splits(config, download)
    config = {**config, "data_info": info}
    run.write_config(config)
    model = build_speech_model(config)
    optimizer = make_optimizer("adam", _parameter_groups(model, config), config["lr"],
                               config["weight_decay"])
    scheduler = make_scheduler("cosine", optimizer, config["epochs"])
    monitor = f"{'val' if val_set is not None else 'train'}_accuracy"
    callbacks = [ModelCheckpoint(run / RunFolder.BEST, monitor=monitor, mode="max"),
                 ModelCheckpoint(run / RunFolder.LAST, save_best_only=False)]
    trainer = _trainer(model, config, optimizer, scheduler, callbacks, progress)
    if resume:
        trainer.resume(run.last_state())
        log(f"resumed {run.last_state()} after epoch {trainer.epoch}")
    log(f"training {config['model']} on FSDD: {info['train']} train / {info['validation']} "
        f"validation / {info['test']} test {info['unit']}, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters")
    trainer.fit(_loader(train_set, config, True),
                _loader(val_set, config, False) if val_set is not None else None,
                epochs=config["epochs"], log=log)
    history = trainer.history
    history.save_csv(run / "history.csv")
    history.save_json(run / RunFolder.HISTORY)
    try:
        history.plot(run / "curves.png", f"{config['model']} on FSDD")
    except ImportError as error:
        log(f"no curves.png: {error}")
    model.load_state_dict(run.best_state()["modules"]["model"])
    best = max(history.rows, key=lambda row: row[monitor])
    seconds = sum(row["seconds"] for row in history.rows)
    metrics = {"best_epoch": best["epoch"], "best_val_accuracy": best.get("val_accuracy"),
               "epochs_run": len(history), "train_seconds": round(seconds, 1),
               **_test_figures(model, config, test_set)}
    run.write_json(RunFolder.METRICS, metrics)
    log(_summary(config, metrics) + f" (best epoch {best['epoch']}, {seconds:.0f} s of "
                                    f"training)")
    log(f"run folder {run.path}: config.json, history.csv, history.json, curves.png, "
        f"{RunFolder.BEST}, {RunFolder.LAST}, metrics.json")
    return metrics


def _summary(config, metrics):
    if _task(config) == "isolated":
        return f"test accuracy {100 * metrics['test_accuracy']:.2f}%"
    return (f"test digit error rate {100 * metrics['greedy']['digit_error_rate']:.2f}% greedy, "
            f"{100 * metrics['beam']['digit_error_rate']:.2f}% beam {config['beam_width']}; "
            f"strings right {100 * metrics['greedy']['string_accuracy']:.1f}% / "
            f"{100 * metrics['beam']['string_accuracy']:.1f}%")


def _isolated_predictions(model, dataset, config):
    """(predicted digits, true digits, speakers) of the recordings of ``dataset``, in order."""
    loader = _loader(dataset, config, False)
    predicted = np.empty(len(dataset), np.int64)
    for indices, (batch, _) in zip(loader.batch_sampler, loader):
        predicted[indices] = model(batch).numpy().argmax(1)
    speakers = [dataset.fsdd.entries[k][1] for k in dataset.indices]
    return predicted, dataset.fsdd.labels[dataset.indices], speakers


@no_grad()
def _test_figures(model, config, test_set, beam_width=None):
    """Isolated: {"test_accuracy", "test_loss", "per_speaker" accuracy, "confusion" (true x
    predicted counts)}; strings: {"greedy": error rates, "beam": error rates, "beam_width"}."""
    model.eval()
    loader = _loader(test_set, config, False)
    if _task(config) == "isolated":
        result = _trainer(model, config).evaluate(loader)
        predicted, truth, speakers = _isolated_predictions(model, test_set, config)
        confusion = np.zeros((10, 10), np.int64)
        np.add.at(confusion, (truth, predicted), 1)
        per_speaker = {speaker: float(np.mean((predicted == truth)[
            np.array(speakers) == speaker])) for speaker in sorted(set(speakers))}
        return {"test_accuracy": result["accuracy"], "test_loss": result["loss"],
                "per_speaker": per_speaker, "confusion": confusion.tolist()}
    beam_width = beam_width or config["beam_width"]
    references, greedy, beam = [], [], []
    for batch, targets in loader:
        log_probs = model(batch)
        steps = model.output_lengths(batch.lengths)
        labels = targets.labels.numpy()
        references += [list(row[:n] - 1) for row, n in zip(labels, targets.label_lengths)]
        greedy += _greedy_strings(log_probs, steps)
        beam += [[label - 1 for label in hypotheses[0].tokens] for hypotheses in
                 ctc_prefix_beam_search(log_probs.transpose(0, 1), steps, beam_width, BLANK)]
    return {"greedy": error_rates(references, greedy), "beam": error_rates(references, beam),
            "beam_width": beam_width}


# ---- using a run ------------------------------------------------------------------------------
def load_model(path):
    """(the trained model in eval mode, its run config) of a speech run folder or of its
    checkpoint file: the weights of the best epoch."""
    path = Path(path)
    run = RunFolder.containing(path)
    checkpoint = path if path.is_file() else run / RunFolder.BEST
    config = run.read_config(SPEECH_MODELS, "a speech model", "yingshe train speech-crnn")
    if not checkpoint.is_file():
        raise RunFolderError(f"no checkpoint at {checkpoint}; the run has not finished an epoch")
    model = build_speech_model(config)
    model.load_state_dict(read_training_state(checkpoint)["modules"]["model"])
    return model.eval(), config


def evaluate(path, data=None, beam_width=None):
    """The test figures of a speech run (its best epoch) on its own test set, recomputed
    (``beam_width`` may differ from the run's)."""
    model, config = load_model(path)
    config = {**config, "data": data or config["data"]}
    (_, _, test_set), _ = _splits(config)
    return {"model": config["model"], **_test_figures(model, config, test_set, beam_width)}


def _read_recording(wav_path, sample_rate):
    """A WAV file as the models hear it: float32 mono at ``sample_rate``.  Conversions (the
    documented ones): several channels are averaged; another sample rate is resampled
    (``functional.resample``).  A recording shorter than ``MIN_SAMPLES`` after that is refused
    with a ValueError naming the file."""
    waveform, rate = _io.load(wav_path)
    notes = []
    if waveform.shape[0] > 1:
        notes.append(f"{waveform.shape[0]} channels averaged to mono")
        waveform = waveform.mean(0, keepdim=True)
    if rate != sample_rate:
        notes.append(f"resampled from {rate} Hz to {sample_rate} Hz")
        waveform = resample(waveform, rate, sample_rate)
    samples = waveform.shape[1]
    if samples < MIN_SAMPLES:
        raise ValueError(f"{wav_path}: {samples} samples ({samples / sample_rate:.3f} s at "
                         f"{sample_rate} Hz) is too short to hold a spoken digit (at least "
                         f"{MIN_SAMPLES} samples)")
    return waveform, notes


def transcribe(path, wav_path, beam_width=0):
    """What a speech run hears in a WAV file: {"digits": the transcription as a string,
    "notes": conversions applied to the file, and "probability" of the digit for speech-cnn,
    "log_probs" (steps, 11) for the string models}.  ``beam_width`` 0 decodes greedily."""
    return transcribe_with(*load_model(path), wav_path, beam_width)


@no_grad()
def transcribe_with(model, config, wav_path, beam_width=0):
    """``transcribe`` with a model already loaded by ``load_model`` (a server loads it once)."""
    waveform, notes = _read_recording(wav_path, FSDD.sample_rate)
    if _task(config) == "isolated":
        probabilities = F.softmax(model(waveform), dim=1).numpy()[0]
        digit = int(probabilities.argmax())
        return {"digits": str(digit), "probability": float(probabilities[digit]),
                "notes": notes}
    log_probs = model(waveform)  # (steps, 1, 11)
    steps = model.output_lengths([waveform.shape[1]])
    if beam_width:
        labels = ctc_prefix_beam_search(log_probs.transpose(0, 1), steps, beam_width,
                                        BLANK)[0][0].tokens
    else:
        labels = ctc_greedy_decode(log_probs.transpose(0, 1), steps, BLANK)[0]
    return {"digits": "".join(str(label - 1) for label in labels), "notes": notes,
            "log_probs": log_probs.numpy()[:, 0]}


@no_grad()
def plot_transcription(path, wav_path, out, title=None):
    """A picture of what a string model does with a WAV file: its normalised log-mel (or
    learned filterbank) features above, the per-step CTC posteriors of the blank and each
    digit below, with the greedy transcription; written to ``out`` (PNG)."""
    model, config = load_model(path)
    if _task(config) == "isolated":
        raise ValueError(f"{path}: plots show CTC alignments; {config['model']} has none")
    waveform, _ = _read_recording(wav_path, FSDD.sample_rate)
    features, (_, ends) = _features(model.front_end, model.augment, waveform,
                                    np.array([waveform.shape[1]]))
    posteriors = model(waveform).exp().numpy()[:, 0]  # (steps, 11)
    hop = model.front_end.hop_length / FSDD.sample_rate
    stride = math.prod(time for _, time in model.strides)
    plt = pyplot()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    seconds = ends[0] * hop
    top.imshow(features.numpy()[0, 0], origin="lower", aspect="auto", cmap="magma",
               extent=(0, seconds, 0, features.shape[2]))
    top.set_ylabel("mel channel" if config["model"] == "speech-crnn" else "learned filter")
    times = (np.arange(len(posteriors)) + 0.5) * hop * stride
    bottom.fill_between(times, posteriors[:, BLANK], color="0.85", label="blank")
    colours = plt.get_cmap("tab10")
    for digit in range(10):
        bottom.plot(times, posteriors[:, digit + 1], color=colours(digit), label=str(digit))
    best = posteriors.argmax(1)
    for step, label in enumerate(best):
        if label != BLANK and (step == 0 or best[step - 1] != label):
            bottom.annotate(str(label - 1), (times[step], posteriors[step, label]),
                            textcoords="offset points", xytext=(0, 4), ha="center",
                            color=colours(label - 1), fontsize=12, weight="bold")
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("CTC posterior")
    bottom.set_ylim(0, 1.12)
    bottom.legend(ncol=11, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    digits = "".join(str(label - 1) for label in ctc_greedy_decode(
        np.log(posteriors)[None], blank=BLANK)[0])
    figure.suptitle(title or f"{config['model']}: heard {digits}")
    figure.tight_layout()
    figure.savefig(str(out), dpi=100)
    plt.close(figure)
    return digits
