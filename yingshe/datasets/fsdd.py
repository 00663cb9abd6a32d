"""The Free Spoken Digit Dataset (Jackson et al., FSDD v1.0.10, Zenodo; CC BY-SA 4.0): 3,000
recordings of the digits 0-9 spoken in English, 8 kHz mono 16-bit WAV, 50 of each digit by each
of 6 speakers, named ``{digit}_{speaker}_{index}.wav``.  The official split (the dataset's
README): recordings 0-4 of each speaker and digit are the test set (300), 5-49 the training set
(2,700).

``FSDD`` reads ``root/fsdd/recordings/`` (the repository's layout) after checking every file
against SHA-256 digests of the v1.0.10 release, or downloads that release from GitHub.
``ConnectedDigits`` joins recordings into strings of digits with short pauses and light noise,
seeded, for sequence recognition with CTC."""
import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from ..audio._io import load
from ..ops.creation import from_numpy
from .utils import DatasetIntegrityError, _progress, default_root

__all__ = ["FSDD", "ConnectedDigits", "SPEAKERS"]

SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
_NAME = re.compile(r"(\d)_([a-z]+)_(\d+)\.wav")
TEST_INDICES = range(5)  # recordings 0-4 of each speaker and digit: the official test set
RECORDINGS_PER_PAIR = 50

# speaker -> digit d -> SHA-256 of the lines "<SHA-256 of the file>  <name>\n" of the 50
# recordings d_speaker_0.wav ... d_speaker_49.wav in index order (``sha256sum`` output): 60
# digests stand for the 3,000 files of v1.0.10 (its recordings/ tree, git d04322e3, equals that
# of the master commit 26eb9aa from which shared/data/fsdd was copied and checked blob by blob).
GROUP_SHA256 = {
    "george": (
        "a59d90614803872339f83ef472cc4edcb6b1bf8d786dd26319673ecf0368c84b",
        "fe4ad729dd1ae4d78350dad944d00a27bdfa7d5190a3736a4a19e47c5f815983",
        "ec83f60fe5d0ba3ab770515211c3193dcea6e5d186d45840c3fa7d0f997fcdec",
        "3a4f592c66bd80ddac6734ae526e2228d860f5f2c5b5ae1a2e955d6793c3ebab",
        "74adb722ccd96974a9bb9b887992201dd7d4218bb78e8577eea536d96f97bd3a",
        "54e407cdf8534a10b6e1d7338372cf2c977ab0948c0cd3b2c1e0679b86f097c5",
        "301d71213d88093ef0f4bd243ee58df18eb1cf4740194bbca9195e2abd5e2f93",
        "fe08109697cd7e47a3478c1b041e24b6d6777b286ea0311ed207bea6ebbf6bb9",
        "b66ed0219171c6f185ab14a4563fffba988d00c80a91905ced037179cf1525b9",
        "78451ec1cfe684b4103b8024ebf041f12a6dc13a559d531e26f80df6be91052b",
    ),
    "jackson": (
        "7c24e02ca143b15da51cb3573a1e1d759633fdee4db232e5278b2e8de25672e7",
        "fa940749b00a411a5b4265d4b90f953bf21f692afa64fac0bf2db90b3d1a2a01",
        "232e252c493c99bd7fb34108de139c760e6e1a0fcf09ab27ec382c8388d3a469",
        "a3782cae3def1778b5934819602a3793a538e2c0c259758d0ac260e5d22cd2cf",
        "4037d8f9247f13b2080d63358f7f98563af61065d7755ce643c88e75f8c9b9d9",
        "9bdda66a09e0ffb94baf71143122328cbc08a1fe2b9487d48a82530bf3c87486",
        "9724bf68df61865d208d6206ad6e586313d0cfe6c6f8e7df2774f52ae7f9ad4d",
        "0880cbebdd28d1e66455243e107a30d6124cfb9a438d4859c262d23d04fedcce",
        "bd1f5b5175d60aaaed6256347940f34d3c0b432b956cd1afde3ebaa6a2029a2a",
        "d444b8cdbb1fafea6c428bf0494f897c39c7b263ec3e6d79bd0b00f5822415e7",
    ),
    "lucas": (
        "a4890f0548c7d5aacf1c06153e7ff86b726e2e90ded81d9682cea14e67dc7ec5",
        "a1b267719a786cc8bab05bd95c6757725db7ddc06d55433c2f35fd37fc00223a",
        "1cac87e7bc366b05e64aba6c6b40627c561249c073abf07c66e4c60b7e48e010",
        "60af5c6164cea6abd96582df29a3d61917cb5d1d6c9e36842084b7e6cf06187a",
        "3348920279a4a1b9d4620b93cedb84023bbc5ff526c817a3cee479fe4b835ee1",
        "42a3a9d6ca12b51659a11c9627da1ef38dfa038e7c44dec763851b2f90c030d1",
        "6e2074634ff7ce747e02ab65719920c3047aaf339d17603137d129b47acce4e8",
        "7e7d5a22c08fe4772443ccebc4ffcff417112a912c35a274abd96a8fa9871963",
        "ef1f3f1dd9f0652e060a76bdcc023ab1128f899029538ca5540920a70dc86298",
        "336a37ddcfe1b54f00ec0c430a8a932c3855f18c9d280d45ceda35e44c4b2e89",
    ),
    "nicolas": (
        "323d8f129c887adc25c72399a3de6dfbb9175e71257abcd54307d1d4d6e54f63",
        "c914ff5ba4f1bc265d31c846e7ecf70a5bdf1458771fc8279cc2bb1270413e7e",
        "34a148f2b8d1b8577f55e5808efa2f606de77dc741a93db04b01b6033fd8a547",
        "a3b1613f8d621c34cd42ae90ee98972cf63640fda247709982935a83911b86e4",
        "a70244b5c20c964a1ec7900ea06f924081b5c9fe267469287252fbc41d39dc98",
        "9e5b4e3fc12c44b456f1283689d4c99eb53df921c47deeca2ffb11ec6e12c5c2",
        "9d44e49fea00c7645a022514cb24a86700bc72213a5b57084565597ae16d4330",
        "a5d6dc4d289ab6a37c8ebb9345992a7c77a8300acbc680ff908462ffb4cadb00",
        "79f89273469452f9e428104c0fc816de1b4a6b65abf66170e1cee90834f9d902",
        "f6a5a1b5e1d9df24471d85cf6c2b3b7d72d3ba97d85f1929a7819ff4a8c726f1",
    ),
    "theo": (
        "e26829899674c1aefc35750fb9f21bcfda6175c7d0fa55f13388c5731de14d40",
        "3416fac2eac402a27f6739160d2d27ba0388d9da28dccfe378435e40e786e119",
        "90b25611223417615aabf59e4a0cfc7fe0851901825747f501a833cdc55041ee",
        "885d7f1609f3956f44e54cbfb8216d96fc2329fc0373551d7f6fe0c555eea91e",
        "87d3c2513c0d02ca71907899d649092aa7198e2f0dbc3782f33810168b747e73",
        "f00c7ec40f0683cd7ff9c8c3e7f41bf05c3d0e5a4da1f62c18663fdaa2feb602",
        "38c6081a09cd07dfabe81b70e41129270a2974268d834dc0a148b8413cad97c4",
        "34099337d2c6f20f91268d4754df375a7ef68538a95fd9b0e8b4f84b00cdecdf",
        "1b0baf4035739a93b82bc10bc659fd389b99fd7d9ce41c497d3551bdb0e8f4be",
        "b4de3d6dc7866bf589dc428bf5a0512c3b5eef9d90c1415818413d6bcca37955",
    ),
    "yweweler": (
        "a64f6f4698780dcee53aab3c22226912e0e04ca6e0bbba9cb1f2426c63cb1384",
        "7bbe3e07784c95b5e2f1a45fbd0c7fa97f5bb64b9f46bfd0ef3aab4edb95656e",
        "43a7a9dc1891fb11bb02a65e77a66b589e536ef8c9ad64ca9097e52858c96146",
        "b2b71554f039957561fcf937fdb8bc7befc91ee6f1727cb869a2b168440c8587",
        "d457d961b5701326a22a8b13dee62747a9df377e5b684808b99d124f989f6274",
        "b5b04ae895314eb8087cb4d01575808ee9683f5457519c0922e2e3395dfb8c6d",
        "e95552f11d4ee4ccc0deab0c72c4ad687589e214aa71e0a9f69797fa55b2591f",
        "2a863fe5fbb7af170bd8dd85d6ede72b0e12df0e4759cb0ea8d4b3d8271fd684",
        "b3c2aee9e0dd36938ddba96cde5d0c184d07b4496587a53b2a182f08a3e79316",
        "0f6f161384d47245403a0cddc526d1c613464f3f92e5364c3cfd5d47291c6339",
    ),
}


def _group_digest(paths):
    lines = "".join(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n"
                    for path in paths)
    return hashlib.sha256(lines.encode()).hexdigest()


_verified = set()  # (folder, sizes and mtimes) whose files passed in this process


def verify_recordings(folder):
    """Check that ``folder`` holds the 3,000 recordings of v1.0.10 exactly: every expected file
    present (the missing ones are named) and each (digit, speaker) group of 50 equal to its
    published SHA-256 (``GROUP_SHA256``); raises ``DatasetIntegrityError`` otherwise."""
    folder = Path(folder)
    expected = [folder / f"{digit}_{speaker}_{index}.wav" for speaker in SPEAKERS
                for digit in range(10) for index in range(RECORDINGS_PER_PAIR)]
    missing = [path.name for path in expected if not path.is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5
                                          else "")
        raise DatasetIntegrityError(
            f"{folder}: {len(missing)} of the 3,000 FSDD recordings are missing ({shown}); "
            f"copy the recordings/ folder of FSDD v1.0.10 there, or pass download=True")
    stamp = (str(folder), tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in expected))
    if stamp in _verified:
        return folder
    for speaker in SPEAKERS:
        for digit in range(10):
            group = expected[(SPEAKERS.index(speaker) * 10 + digit) * RECORDINGS_PER_PAIR:][
                :RECORDINGS_PER_PAIR]
            digest = _group_digest(group)
            if digest != GROUP_SHA256[speaker][digit]:
                raise DatasetIntegrityError(
                    f"{folder}: the recordings {digit}_{speaker}_0.wav ... "
                    f"{digit}_{speaker}_49.wav differ from FSDD v1.0.10 (SHA-256 of their "
                    f"digests {digest}, published {GROUP_SHA256[speaker][digit]}); a file is "
                    f"damaged or from another release. Delete the folder and get it again.")
    _verified.add(stamp)
    return folder


class FSDD:
    """The Free Spoken Digit Dataset, ``split`` "train" (recordings 5-49 of each speaker and
    digit, 2,700), "test" (0-4, 300) or "all", of the given ``speakers`` (default all six, for
    a leave-one-speaker-out split pass five of them).

    Items as torchaudio's speech datasets: (waveform (1, samples) float32 in [-1, 1),
    sample_rate 8000, digit, speaker, index).  ``root`` holds ``fsdd/recordings/``
    (default ``$YINGSHE_DATA``); every file is checked first (``verify_recordings``);
    ``download`` fetches the v1.0.10 release from GitHub when the folder is incomplete.

    Shape:
        each item: ``(waveform (1, samples), 8000, digit, speaker, index)``, samples varying
        per recording (about 0.2-0.8 s).

    Examples:
        >>> from yingshe.datasets import FSDD
        >>> test = FSDD(split="test")                  # from $YINGSHE_DATA/fsdd  # doctest: +SKIP
        >>> waveform, sample_rate, digit, speaker, index = test[0]             # doctest: +SKIP
        >>> len(test), waveform.shape, sample_rate, digit, speaker, index      # doctest: +SKIP
        (300, yingshe.Size([1, 2384]), 8000, 0, 'george', 0)
    """
    folder = "fsdd"
    release = "v1.0.10"
    url = ("https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/"
           "v1.0.10.tar.gz")
    sample_rate = 8000

    def __init__(self, root=None, split="train", speakers=None, download=False):
        if split not in ("train", "test", "all"):
            raise ValueError(f"FSDD: split must be 'train', 'test' or 'all', got {split!r}")
        speakers = tuple(SPEAKERS if speakers is None else speakers)
        unknown = sorted(set(speakers) - set(SPEAKERS))
        if unknown:
            raise ValueError(f"FSDD: unknown speakers {unknown}; the speakers are "
                             f"{', '.join(SPEAKERS)}")
        self.root = Path(root if root is not None else default_root())
        self.recordings_folder = self.root / self.folder / "recordings"
        if download and not self._complete():
            self.download()
        verify_recordings(self.recordings_folder)
        self.split, self.speakers = split, speakers
        self.entries = [(digit, speaker, index) for speaker in speakers for digit in range(10)
                        for index in range(RECORDINGS_PER_PAIR)
                        if split == "all" or (index in TEST_INDICES) == (split == "test")]
        self.labels = np.array([digit for digit, _, _ in self.entries], np.int64)
        self._waveforms = None

    def _complete(self):
        try:
            verify_recordings(self.recordings_folder)
        except DatasetIntegrityError:
            return False
        return True

    def download(self):
        """Fetch the v1.0.10 release (``url``) and put its recordings/ into the root (in a
        temporary folder renamed into place); the files are then checked by
        ``verify_recordings`` (GitHub's archives carry no published digest of their own)."""
        target = self.root / self.folder
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target) as scratch:
            archive_path = Path(scratch) / "fsdd.tar.gz"
            try:
                with urllib.request.urlopen(self.url, timeout=60) as response, \
                        open(archive_path, "wb") as out:
                    total, done = int(response.headers.get("Content-Length") or 0), 0
                    for chunk in iter(lambda: response.read(1 << 16), b""):
                        out.write(chunk)
                        done += len(chunk)
                        _progress(done, total, "free-spoken-digit-dataset-1.0.10.tar.gz")
            except OSError as error:
                raise DatasetIntegrityError(f"could not download FSDD from {self.url}: "
                                            f"{error}") from error
            extracted = Path(scratch) / "recordings"
            extracted.mkdir()
            try:
                with tarfile.open(archive_path) as archive:
                    for member in archive.getmembers():
                        parts = member.name.split("/")
                        if member.isfile() and len(parts) == 3 and parts[1] == "recordings" \
                                and _NAME.fullmatch(parts[2]):
                            member.name = parts[2]
                            archive.extract(member, extracted, filter="data")
            except (tarfile.TarError, OSError, EOFError) as error:
                raise DatasetIntegrityError(f"{self.url}: not a readable release archive "
                                            f"({error})") from error
            verify_recordings(extracted)
            if self.recordings_folder.exists():
                shutil.rmtree(self.recordings_folder)
            os.replace(extracted, self.recordings_folder)
        return self.recordings_folder

    def __len__(self):
        return len(self.entries)

    def path(self, i):
        """The WAV file of recording ``i``."""
        digit, speaker, index = self.entries[i]
        return self.recordings_folder / f"{digit}_{speaker}_{index}.wav"

    def waveforms(self):
        """Every recording of the split as a float32 NumPy array (samples,), read once."""
        if self._waveforms is None:
            self._waveforms = [load(self.path(i))[0].numpy()[0] for i in range(len(self))]
        return self._waveforms

    def __getitem__(self, i):
        digit, speaker, index = self.entries[i]
        waveform = self.waveforms()[i]
        return from_numpy(waveform[None].copy()), self.sample_rate, digit, speaker, index


class ConnectedDigits:
    """Strings of ``min_digits`` to ``max_digits`` digits made from the recordings of
    ``source`` (an ``FSDD`` split: strings for training from its training recordings, for
    testing from its test recordings), seeded: item i depends only on (``seed``, i).

    Each string has one speaker (drawn uniformly); each digit is uniform over 0-9 and is one of
    that speaker's recordings of it, drawn uniformly; the recordings are joined with pauses of
    ``pause`` seconds (uniform in the range), with a lead-in and a tail of ``edge`` seconds,
    and white Gaussian noise is added at an SNR uniform in ``snr_db`` (decibels, relative to the
    mean power of the string's speech).  Items: (waveform (1, samples) float32, 8000, digits as
    a list of ints).

    Shape:
        each item: ``(waveform (1, samples), 8000, digits)``.

    Examples:
        >>> from yingshe.datasets import FSDD, ConnectedDigits
        >>> strings = ConnectedDigits(FSDD(split="test"), size=10, seed=0)     # doctest: +SKIP
        >>> waveform, sample_rate, digits = strings[0]                         # doctest: +SKIP
        >>> waveform.shape, digits, strings.plan(0)["speaker"]                 # doctest: +SKIP
        (yingshe.Size([1, 22383]), [5, 2, 3, 0, 0], 'yweweler')
    """

    def __init__(self, source, size, min_digits=1, max_digits=7, seed=0, pause=(0.05, 0.3),
                 edge=(0.05, 0.2), snr_db=(20.0, 40.0)):
        if not 1 <= min_digits <= max_digits:
            raise ValueError(f"ConnectedDigits: need 1 <= min_digits <= max_digits, got "
                             f"{min_digits} and {max_digits}")
        if size < 0:
            raise ValueError(f"ConnectedDigits: size must be non-negative, got {size}")
        self.source, self.size, self.seed = source, size, seed
        self.min_digits, self.max_digits = min_digits, max_digits
        self.pause, self.edge, self.snr_db = pause, edge, snr_db
        self.sample_rate = source.sample_rate
        self._by_pair = {}
        for i, (digit, speaker, _) in enumerate(source.entries):
            self._by_pair.setdefault((speaker, digit), []).append(i)
        self._speakers = sorted({speaker for _, speaker, _ in source.entries})
        missing = [(speaker, digit) for speaker in self._speakers for digit in range(10)
                   if (speaker, digit) not in self._by_pair]
        if missing:
            raise ValueError(f"ConnectedDigits: the source has no recording of digit "
                             f"{missing[0][1]} by {missing[0][0]} (nor of {len(missing) - 1} "
                             f"other speaker-digit pairs); every speaker needs every digit")

    def __len__(self):
        return self.size

    def plan(self, i):
        """How string ``i`` is made: {"speaker", "digits", "recordings" (indices into
        ``source``, one per digit), "gaps" (samples of silence before, between and after the
        recordings), "snr_db"}."""
        if not 0 <= i < self.size:
            raise IndexError(f"ConnectedDigits: index {i} out of range for {self.size} strings")
        rng = np.random.default_rng([self.seed, i])
        speaker = self._speakers[rng.integers(len(self._speakers))]
        count = int(rng.integers(self.min_digits, self.max_digits + 1))
        digits = [int(d) for d in rng.integers(0, 10, count)]
        recordings = []
        for digit in digits:
            choices = self._by_pair[(speaker, digit)]
            recordings.append(choices[rng.integers(len(choices))])
        spans = [self.edge] + [self.pause] * (count - 1) + [self.edge]
        gaps = [int(rng.uniform(*span) * self.sample_rate) for span in spans]
        return {"speaker": speaker, "digits": digits, "recordings": recordings, "gaps": gaps,
                "snr_db": float(rng.uniform(*self.snr_db))}

    def utterance(self, i):
        """(waveform float32 (samples,), digits list) of string ``i`` (see ``plan``)."""
        plan = self.plan(i)
        recordings = [self.source.waveforms()[k] for k in plan["recordings"]]
        pieces = [np.zeros(plan["gaps"][0], np.float32)]
        for recording, gap in zip(recordings, plan["gaps"][1:]):
            pieces += [recording, np.zeros(gap, np.float32)]
        waveform = np.concatenate(pieces)
        power = float(np.mean(np.concatenate(recordings).astype(np.float64) ** 2))
        noise = np.random.default_rng([self.seed, i, 1]).standard_normal(len(waveform))
        noise *= np.sqrt(power / 10 ** (plan["snr_db"] / 10))
        return (waveform + noise).astype(np.float32), plan["digits"]

    def __getitem__(self, i):
        waveform, digits = self.utterance(i)
        return from_numpy(waveform[None]), self.sample_rate, digits
