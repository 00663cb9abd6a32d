"""The speech models and the ``yingshe train speech-*`` / ``yingshe transcribe`` commands on
small runs: shapes and lengths, run folders, exact resumption, transcription of WAV files of
other formats (or clear errors), the alignment picture, and (slow) the connected-digit row of
docs/results/speech.md."""
import json

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import audio, cli
from yingshe.datasets import FSDD
from yingshe.models.speech import (
    BLANK,
    DigitCNN,
    LogMelFrontEnd,
    RawFrontEnd,
    SpeechBatch,
    SpeechCRNN,
    speech_span,
)
from yingshe.training.recipes import speech as recipe
from yingshe.training.state import read_training_state


def _run(argv):
    lines = []
    result = cli.run(argv, log=lines.append)
    return result, "\n".join(lines)


@pytest.fixture(scope="module")
def fsdd_data():
    import os

    from yingshe.datasets import default_root
    if not os.environ.get("YINGSHE_DATA") or not (default_root() / "fsdd").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding fsdd/")
    return default_root()


def test_front_ends_give_the_same_frames_and_the_models_their_lengths():
    yingshe.manual_seed(0)
    lengths = np.array([8000, 3001, 1200])
    waveforms = yingshe.randn(3, 8000) * 0.1
    mel, raw = LogMelFrontEnd(), RawFrontEnd()
    assert tuple(mel(waveforms).shape) == tuple(raw(waveforms).shape) == (3, 40, 101)
    np.testing.assert_array_equal(mel.frames(lengths), raw.frames(lengths))
    for front_end in (mel, raw):
        model = SpeechCRNN(front_end).eval()
        out = model(SpeechBatch(waveforms, lengths))
        steps = model.output_lengths(lengths)
        assert tuple(out.shape) == (26, 3, 11) and steps.tolist() == [26, 10, 4]
        np.testing.assert_allclose(out.detach().exp().sum(-1).numpy(), 1.0, rtol=1e-5)
    logits = DigitCNN(LogMelFrontEnd()).eval()(SpeechBatch(waveforms, lengths))
    assert tuple(logits.shape) == (3, 10)
    single = DigitCNN(LogMelFrontEnd()).eval()(waveforms[0])  # one unbatched waveform
    assert tuple(single.shape) == (1, 10)


def test_speech_span_trims_leading_and_trailing_silence():
    log_energies = np.full((2, 3, 20), np.log(1e-6))  # -60 dB
    log_energies[0, :, 5:11] = 0.0
    log_energies[0, :, 8] = np.log(1e-4)  # a quiet frame inside the word is kept
    log_energies[1, :, 2] = 0.0
    starts, ends = speech_span(log_energies, np.array([20, 12]), trim_db=35.0)
    assert starts.tolist() == [5, 2] and ends.tolist() == [11, 3]
    starts, ends = speech_span(log_energies, np.array([20, 12]), trim_db=None)
    assert starts.tolist() == [0, 0] and ends.tolist() == [20, 12]


def test_raw_front_end_starts_as_a_filterbank():
    """Each filter pair is a windowed cosine/sine at a mel-spaced frequency: a sine at the
    k-th centre gives its largest energy in channel k."""
    front_end = RawFrontEnd()
    centres = audio.functional._mel_to_hz(np.linspace(
        audio.functional._hz_to_mel(0.0, "htk"), audio.functional._hz_to_mel(4000.0, "htk"),
        42), "htk")[1:-1]
    t = np.arange(4000) / 8000
    for k in (3, 20, 35):
        tone = yingshe.tensor(np.sin(2 * np.pi * centres[k] * t)[None], dtype=yingshe.float32)
        energies = front_end(tone).detach().numpy()[0, :, 10:-10].mean(axis=1)
        assert energies.argmax() == k


def test_the_models_learn_and_gradients_reach_the_raw_filters():
    yingshe.manual_seed(1)
    model = SpeechCRNN(RawFrontEnd(), hidden=16, channels=(4, 8))
    waveforms = yingshe.randn(2, 4000) * 0.1
    lengths = np.array([4000, 2500])
    log_probs = model(SpeechBatch(waveforms, lengths))
    loss = yingshe.nn.functional.ctc_loss(log_probs, yingshe.tensor([[1, 2], [3, 0]]),
                                          model.output_lengths(lengths), [2, 1], blank=BLANK)
    loss.backward()
    assert np.isfinite(loss.item())
    assert np.abs(model.front_end.conv.weight.grad.numpy()).sum() > 0


@pytest.fixture(scope="module")
def cnn_run(fsdd_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("speech") / "cnn"
    metrics, text = _run(["train", "speech-cnn", "--epochs", "3", "--train-subset", "600",
                          "--out", str(out), "--no-progress"])
    return out, metrics, text


@pytest.fixture(scope="module")
def crnn_run(fsdd_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("speech") / "crnn"
    metrics, text = _run(["train", "speech-crnn", "--epochs", "1", "--train-strings", "48",
                          "--val-strings", "8", "--test-strings", "8", "--hidden", "16",
                          "--channels", "4", "8", "--out", str(out), "--no-progress"])
    return out, metrics, text


def test_speech_cnn_run_folder(cnn_run):
    out, metrics, text = cnn_run
    for name in ("config.json", "history.csv", "history.json", "checkpoint.safetensors",
                 "last.safetensors", "metrics.json"):
        assert (out / name).exists(), name
    assert "test accuracy" in text and str(out) in text
    assert metrics["test_accuracy"] > 0.3  # 600 recordings, 3 epochs: far above chance (0.1)
    assert set(metrics["per_speaker"]) == set(yingshe.datasets.fsdd.SPEAKERS)
    assert np.sum(metrics["confusion"]) == 300
    config = json.loads((out / "config.json").read_text())
    assert config["data_info"] == {"train": 600, "validation": 300, "test": 300,
                                   "unit": "recordings"}


def test_speech_crnn_run_folder_and_its_figures(crnn_run):
    out, metrics, text = crnn_run
    assert (out / "checkpoint.safetensors").exists() and "digit error rate" in text
    for decoding in ("greedy", "beam"):
        assert metrics[decoding]["strings"] == 8
        assert 0.0 <= metrics[decoding]["string_accuracy"] <= 1.0
    assert metrics["beam_width"] == 8
    again = recipe.evaluate(out)
    assert again["greedy"] == metrics["greedy"] and again["beam"] == metrics["beam"]


class _Stopped(Exception):
    """Raised in place of a crash right after the first epoch's checkpoint."""


def test_resuming_reaches_the_same_weights(fsdd_data, tmp_path, monkeypatch):
    """2 epochs straight, or the same run stopped after epoch 1 and continued with --resume:
    the same history and weights (data order, SpecAugment masks, dropout and the speed and
    noise perturbations all come from the checkpointed generators)."""
    from yingshe.training import Trainer
    options = ["--epochs", "2", "--train-strings", "24", "--val-strings", "4",
               "--test-strings", "4", "--hidden", "8", "--channels", "4", "4",
               "--speed-perturb", "0.9", "1.1", "--noise-snr", "20", "30", "--no-progress"]
    _run(["train", "speech-raw", "--out", str(tmp_path / "straight"), *options])
    save = Trainer.save_checkpoint

    def save_then_stop(trainer, path):
        save(trainer, path)
        if str(path).endswith("last.safetensors"):
            raise _Stopped

    with monkeypatch.context() as patch:
        patch.setattr(Trainer, "save_checkpoint", save_then_stop)
        with pytest.raises(_Stopped):
            _run(["train", "speech-raw", "--out", str(tmp_path / "resumed"), *options])
    yingshe.manual_seed(99)  # the resumed run must restore the random state itself
    _, text = _run(["train", "speech-raw", "--resume", "--out", str(tmp_path / "resumed"),
                    "--no-progress"])
    assert "resumed" in text
    rows = [json.loads((tmp_path / run / "history.json").read_text())
            for run in ("straight", "resumed")]
    for a, b in zip(*rows, strict=True):
        assert {k: v for k, v in a.items() if k != "seconds"} == \
            {k: v for k, v in b.items() if k != "seconds"}
    straight = read_training_state(tmp_path / "straight" / "last.safetensors")["modules"]
    resumed = read_training_state(tmp_path / "resumed" / "last.safetensors")["modules"]
    for name, value in straight["model"].items():
        np.testing.assert_array_equal(resumed["model"][name].numpy(), value.numpy(),
                                      err_msg=name)


def _test_recording(data_root, name="4_nicolas_2.wav"):
    return data_root / "fsdd" / "recordings" / name


def test_transcribe_converts_or_refuses_other_files(cnn_run, crnn_run, fsdd_data, tmp_path,
                                                    capsys):
    out, _, _ = cnn_run
    wav = _test_recording(fsdd_data)
    result, text = _run(["transcribe", str(out), str(wav)])
    assert len(result["digits"]) == 1 and text.startswith(result["digits"])
    assert result["notes"] == []
    waveform, _ = audio.load(wav)
    stereo = tmp_path / "stereo-16k.wav"
    audio.save(stereo, audio.functional.resample(yingshe.cat([waveform, waveform]), 8000,
                                                 16000), 16000)
    converted, _ = _run(["transcribe", str(out), str(stereo)])
    assert converted["notes"] == ["2 channels averaged to mono",
                                  "resampled from 16000 Hz to 8000 Hz"]
    assert "note:" in capsys.readouterr().err
    short = tmp_path / "short.wav"
    audio.save(short, waveform[:, :300], 8000)
    check_raises(lambda: _run(["transcribe", str(out), str(short)]), SystemExit,
                 "short.wav", "too short")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    check_raises(lambda: _run(["transcribe", str(out), str(empty)]), SystemExit, "empty.wav",
                 "empty")
    strings_out, _, _ = crnn_run
    greedy, _ = _run(["transcribe", str(strings_out), str(wav)])
    beam, text = _run(["transcribe", str(strings_out), str(wav), "--beam", "4", "--plot",
                       str(tmp_path / "alignment.png")])
    assert set(greedy["digits"] + beam["digits"]) <= set("0123456789")
    assert "alignment picture" in text
    assert (tmp_path / "alignment.png").stat().st_size > 10_000
    check_raises(lambda: _run(["transcribe", str(out), str(wav), "--plot",
                               str(tmp_path / "x.png")]), SystemExit, "CTC alignments")


def test_options_are_checked(fsdd_data, tmp_path):
    check_raises(lambda: _run(["train", "speech-cnn", "--hidden", "4"]), SystemExit,
                 "--hidden does not apply to speech-cnn", "speech-crnn")
    check_raises(lambda: recipe.complete_config("speech-cnn", test_speaker="alice"),
                 ValueError, "alice")
    check_raises(lambda: recipe.complete_config("speech-cnn", n_mels=6), ValueError,
                 "n_mels 6", "at least 8")
    check_raises(lambda: recipe.load_model(tmp_path), yingshe.training.RunFolderError,
                 "config.json")


def test_error_rates_and_edit_distance():
    assert recipe.edit_distance([1, 2, 3], [1, 3]) == 1
    assert recipe.edit_distance([], [4, 4]) == 2
    assert recipe.edit_distance([5, 6, 7, 8], [6, 5, 7, 9]) == 3
    rates = recipe.error_rates([[1, 2], [3, 4, 5]], [[1, 2], [3, 5]])
    assert rates == {"digit_error_rate": 0.2, "string_accuracy": 0.5, "strings": 2,
                     "digits": 5}


def test_bucket_batches_cover_every_item_once_and_group_lengths():
    yingshe.manual_seed(0)
    lengths = np.random.default_rng(0).integers(100, 10_000, 1000)
    sampler = recipe.BucketBatchSampler(lengths, 32, pool=10)
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert sorted(i for batch in batches for i in batch) == list(range(1000))
    spread = np.mean([np.ptp(lengths[batch]) for batch in batches])
    assert spread < 0.2 * np.ptp(lengths)
    yingshe.manual_seed(0)
    assert list(recipe.BucketBatchSampler(lengths, 32, pool=10)) == batches


# The connected-digit row of docs/results/speech.md (about 15 minutes on one core).
CONNECTED_ROW = "train speech-crnn --seed 0"


@pytest.mark.slow
def test_connected_digit_row(fsdd_data, tmp_path):
    metrics = cli.run(CONNECTED_ROW.split() + ["--out", str(tmp_path / "crnn"),
                                               "--no-progress"], log=print)
    assert metrics["greedy"]["digit_error_rate"] <= 0.03, metrics
    assert metrics["beam"]["digit_error_rate"] <= 0.03, metrics


def test_fsdd_recording_is_heard_by_the_models_front_end(fsdd_data):
    """The front end accepts the dataset's own waveforms as they are (float32, 8 kHz)."""
    waveform, rate, digit, _, _ = FSDD(fsdd_data, "test")[0]
    assert rate == 8000 and digit == 0
    with yingshe.no_grad():
        features = LogMelFrontEnd()(waveform)
    assert features.shape[1] == 40 and np.isfinite(features.numpy()).all()
