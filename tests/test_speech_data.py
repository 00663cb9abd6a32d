"""The FSDD reader (official split, speakers, SHA-256 checks, download of a release archive
from a local file:// URL) and the seeded connected-digit strings built from it."""
import shutil
import tarfile

import numpy as np
import pytest

from helpers import check_raises
from yingshe.datasets import FSDD, ConnectedDigits, DatasetIntegrityError
from yingshe.datasets.fsdd import SPEAKERS, verify_recordings


@pytest.fixture
def fsdd_root(data_root):
    if not (data_root / "fsdd" / "recordings").is_dir():
        pytest.skip("no FSDD recordings in the data root")
    return data_root


@pytest.fixture
def copied_recordings(fsdd_root, tmp_path):
    """A copy of the 3,000 recordings under tmp_path/data/fsdd/recordings."""
    target = tmp_path / "data" / "fsdd" / "recordings"
    shutil.copytree(fsdd_root / "fsdd" / "recordings", target)
    return target


def test_official_split(fsdd_root):
    train, test = FSDD(fsdd_root), FSDD(fsdd_root, split="test")
    assert (len(train), len(test)) == (2700, 300)
    assert {index for _, _, index in test.entries} == set(range(5))
    assert {index for _, _, index in train.entries} == set(range(5, 50))
    np.testing.assert_array_equal(np.bincount(train.labels), [270] * 10)
    np.testing.assert_array_equal(np.bincount(test.labels), [30] * 10)
    waveform, rate, digit, speaker, index = test[0]
    assert rate == 8000 and waveform.ndim == 2 and waveform.shape[0] == 1
    assert (digit, speaker, index) == (0, "george", 0)
    assert len(FSDD(fsdd_root, "all")) == 3000
    held_out = FSDD(fsdd_root, "all", speakers=[s for s in SPEAKERS if s != "theo"])
    assert len(held_out) == 2500 and "theo" not in {s for _, s, _ in held_out.entries}
    check_raises(lambda: FSDD(fsdd_root, split="valid"), ValueError, "'valid'")
    check_raises(lambda: FSDD(fsdd_root, speakers=["alice"]), ValueError, "alice")


def test_damaged_and_missing_recordings_are_named(copied_recordings):
    damaged = copied_recordings / "4_lucas_17.wav"
    content = bytearray(damaged.read_bytes())
    content[-1] ^= 1
    damaged.write_bytes(bytes(content))
    check_raises(lambda: verify_recordings(copied_recordings), DatasetIntegrityError,
                 "4_lucas_0.wav ... 4_lucas_49.wav", "differ")
    (copied_recordings / "2_theo_3.wav").unlink()
    check_raises(lambda: FSDD(copied_recordings.parent.parent), DatasetIntegrityError,
                 "1 of the 3,000", "2_theo_3.wav", "download=True")


def test_download_of_a_release_archive(copied_recordings, tmp_path, monkeypatch):
    """The release tarball's layout (free-spoken-digit-dataset-1.0.10/recordings/*.wav, plus
    files that are not recordings), fetched from a file:// URL, checked and put in place."""
    archive = tmp_path / "release.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.add(copied_recordings, arcname="free-spoken-digit-dataset-1.0.10/recordings")
        tar.add(copied_recordings / "0_george_0.wav",
                arcname="free-spoken-digit-dataset-1.0.10/acquire_data/0_george_0.wav")
    monkeypatch.setattr(FSDD, "url", archive.as_uri())
    root = tmp_path / "fresh"
    dataset = FSDD(root, split="test", download=True)
    assert len(dataset) == 300 and len(list((root / "fsdd" / "recordings").iterdir())) == 3000
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[:5000])
    monkeypatch.setattr(FSDD, "url", broken.as_uri())
    check_raises(lambda: FSDD(tmp_path / "other", download=True), DatasetIntegrityError,
                 "broken.tar.gz")


def test_connected_digits_are_seeded_and_drawn_from_their_split(fsdd_root):
    train, test = FSDD(fsdd_root), FSDD(fsdd_root, split="test")
    strings = ConnectedDigits(test, 50, seed=3)
    lengths = set()
    for i in range(len(strings)):
        plan = strings.plan(i)
        entries = [test.entries[k] for k in plan["recordings"]]
        assert [digit for digit, _, _ in entries] == plan["digits"]
        assert {speaker for _, speaker, _ in entries} == {plan["speaker"]}
        assert all(index < 5 for _, _, index in entries)  # test recordings only
        assert 20.0 <= plan["snr_db"] <= 40.0
        assert all(0.05 * 8000 - 1 <= gap <= 0.3 * 8000 for gap in plan["gaps"])
        lengths.add(len(plan["digits"]))
    assert lengths == set(range(1, 8))
    waveform, digits = strings.utterance(7)
    again, same = ConnectedDigits(test, 50, seed=3).utterance(7)
    np.testing.assert_array_equal(waveform, again)
    assert digits == same and strings[7][2] == digits
    assert ConnectedDigits(test, 50, seed=4).plan(7) != strings.plan(7)
    train_strings = ConnectedDigits(train, 20, seed=3)
    assert all(train.entries[k][2] >= 5 for i in range(20)
               for k in train_strings.plan(i)["recordings"])


def test_a_string_is_its_recordings_with_pauses_and_light_noise(fsdd_root):
    test = FSDD(fsdd_root, split="test")
    quiet = ConnectedDigits(test, 5, seed=1, snr_db=(300.0, 300.0))
    plan = quiet.plan(2)
    waveform, _ = quiet.utterance(2)
    start = plan["gaps"][0]
    for k, gap in zip(plan["recordings"], plan["gaps"][1:]):
        recording = test.waveforms()[k]
        np.testing.assert_allclose(waveform[start:start + len(recording)], recording,
                                   atol=1e-9)
        start += len(recording) + gap
    assert start == len(waveform)
    noisy_waveform, _ = ConnectedDigits(test, 5, seed=1).utterance(2)
    noise = noisy_waveform - waveform
    speech = np.concatenate([test.waveforms()[k] for k in plan["recordings"]])
    snr = 10 * np.log10(np.mean(speech.astype(np.float64) ** 2) / np.mean(noise ** 2.0))
    assert abs(snr - ConnectedDigits(test, 5, seed=1).plan(2)["snr_db"]) < 0.5
    check_raises(lambda: ConnectedDigits(test, 5, min_digits=3, max_digits=2), ValueError,
                 "min_digits")
    check_raises(lambda: quiet.plan(5), IndexError, "5")
