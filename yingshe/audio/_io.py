"""Reading and writing WAV files (``torchaudio.load`` / ``save`` / ``info``) with the standard
library's ``wave`` module: integer PCM (RIFF format tag 1) of 8, 16, 24 or 32 bits, any number
of channels.  Anything else (IEEE float or compressed WAV, WAVE_FORMAT_EXTENSIBLE headers, a
file that is empty, truncated or not RIFF/WAVE at all) raises ``AudioFileError``, naming the
file and what is wrong with it."""
import os
import wave
from collections import namedtuple

import numpy as np

from .._tensor import Tensor
from ..ops.creation import from_numpy

__all__ = ["AudioFileError", "AudioMetaData", "info", "load", "save"]

AudioMetaData = namedtuple("AudioMetaData", ["sample_rate", "num_frames", "num_channels",
                                             "bits_per_sample", "encoding"])
AudioMetaData.__doc__ = """torchaudio's ``AudioMetaData`` of a file: its rate, length and format.

``sample_rate`` in Hz, ``num_frames`` samples per channel, ``num_channels``,
``bits_per_sample`` and ``encoding`` (``"PCM_S"``, signed integers, or ``"PCM_U"``, unsigned
8-bit), as ``info`` reads them from a WAV header.

Examples:
    >>> from yingshe.audio import AudioMetaData
    >>> meta = AudioMetaData(16000, 8000, 1, 16, "PCM_S")
    >>> meta.num_frames / meta.sample_rate            # seconds
    0.5
"""

# full scale of each sample width: torchaudio's normalisation maps integer samples to [-1, 1)
_FULL_SCALE = {1: 128.0, 2: 32768.0, 3: 8388608.0, 4: 2147483648.0}
_FORMAT_NAMES = {3: "IEEE float", 6: "A-law", 7: "mu-law", 0xFFFE: "WAVE_FORMAT_EXTENSIBLE",
                 0x11: "IMA ADPCM", 0x55: "MP3"}


class AudioFileError(ValueError):
    """An audio file that cannot be read: not a WAV file, a WAV encoding other than integer
    PCM, empty or truncated.  The message names the file.

    Examples:
        >>> import os
        >>> import tempfile
        >>> from yingshe import audio
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "notes.wav")
        ...     with open(path, "w") as f:
        ...         _ = f.write("not audio")
        ...     try:
        ...         audio.load(path)
        ...     except audio.AudioFileError as error:
        ...         print(str(error).replace(folder, "DIR"))
        DIR/notes.wav: not a WAV file (file does not start with RIFF id)
    """


def _name(uri):
    return os.fspath(uri) if isinstance(uri, (str, os.PathLike)) else getattr(uri, "name",
                                                                              repr(uri))


def _open(uri):
    """``wave.open`` of ``uri`` (a path or a binary file object), its errors as
    ``AudioFileError`` saying what is wrong."""
    name = _name(uri)
    if isinstance(uri, (str, os.PathLike)):
        if not os.path.isfile(uri):
            raise FileNotFoundError(f"{name}: no such audio file")
        if os.path.getsize(uri) == 0:
            raise AudioFileError(f"{name}: the file is empty (0 bytes), not a WAV file")
    try:
        return wave.open(os.fspath(uri) if isinstance(uri, os.PathLike) else uri, "rb")
    except EOFError as error:
        raise AudioFileError(f"{name}: not a complete WAV file (it ends inside its header: "
                             f"{error or 'unexpected end of file'})") from None
    except wave.Error as error:
        message = str(error)
        if message.startswith("unknown format:"):
            tag = int(message.split(":")[1])
            kind = _FORMAT_NAMES.get(tag, f"format tag {tag}")
            raise AudioFileError(f"{name}: a {kind} WAV file; only integer PCM WAV (8, 16, 24 "
                                 f"or 32 bits) can be read: convert it first, e.g. `sox "
                                 f"{name} -e signed -b 16 out.wav`") from None
        raise AudioFileError(f"{name}: not a WAV file ({message})") from None


def info(uri):
    """``torchaudio.info``: the ``AudioMetaData`` of a WAV file (read from its header).

    Examples:
        >>> import io
        >>> import yingshe
        >>> from yingshe import audio
        >>> wav = io.BytesIO()
        >>> audio.save(wav, yingshe.zeros(1, 1600), 16000)
        >>> _ = wav.seek(0)
        >>> meta = audio.info(wav)
        >>> meta.sample_rate, meta.num_frames, meta.num_frames / meta.sample_rate
        (16000, 1600, 0.1)
    """
    with _open(uri) as reader:
        width = reader.getsampwidth()
        return AudioMetaData(reader.getframerate(), reader.getnframes(), reader.getnchannels(),
                             8 * width, "PCM_U" if width == 1 else "PCM_S")


def load(uri, frame_offset=0, num_frames=-1, normalize=True, channels_first=True):
    """``torchaudio.load`` of a WAV file: (waveform, sample_rate) with waveform (channels,
    frames) (or (frames, channels) without ``channels_first``).

    With ``normalize`` (the default) the samples are float32 in [-1, 1): integer samples divided
    by full scale (128, 32768, 2^23 or 2^31; 8-bit WAV is unsigned, offset by 128).  Without, the
    integers themselves: uint8, int16 or int32 (24-bit samples sign-extended to int32).  A
    stereo or multi-channel file gives one row per channel, as torchaudio; averaging them to
    mono is the caller's choice.  ``frame_offset`` and ``num_frames`` (-1: to the end) select a
    stretch.

    Shape:
        waveform ``(channels, frames)``, or ``(frames, channels)`` without ``channels_first``.

    Examples:
        >>> import io
        >>> import yingshe
        >>> from yingshe import audio
        >>> wav = io.BytesIO()                            # a path works the same way
        >>> audio.save(wav, yingshe.tensor([[0.0, 0.5, -0.5, 0.25]]), 8000)
        >>> _ = wav.seek(0)
        >>> audio.load(wav)
        (tensor([[ 0.0000,  0.5000, -0.5000,  0.2500]]), 8000)
        >>> _ = wav.seek(0)
        >>> audio.load(wav, normalize=False)[0]           # the 16-bit integers
        tensor([[     0,  16384, -16384,   8192]], dtype=yingshe.int16)
        >>> _ = wav.seek(0)
        >>> audio.load(wav, frame_offset=1, num_frames=2)[0]
        tensor([[ 0.5000, -0.5000]])
    """
    name = _name(uri)
    if frame_offset < 0:
        raise ValueError(f"load: frame_offset must be non-negative, got {frame_offset}")
    with _open(uri) as reader:
        channels, width = reader.getnchannels(), reader.getsampwidth()
        rate, total = reader.getframerate(), reader.getnframes()
        if width not in _FULL_SCALE:
            raise AudioFileError(f"{name}: {8 * width}-bit samples; only 8, 16, 24 or 32-bit "
                                 f"PCM can be read")
        if channels < 1 or rate < 1:
            raise AudioFileError(f"{name}: the header says {channels} channels at {rate} Hz")
        wanted = max(total - frame_offset, 0) if num_frames < 0 else \
            max(min(num_frames, total - frame_offset), 0)
        reader.setpos(min(frame_offset, total))
        data = reader.readframes(wanted)
    frames = len(data) // (channels * width)
    if frames < wanted:
        raise AudioFileError(f"{name}: truncated: the header promises {total} frames but the "
                             f"data ends after {frame_offset + frames}")
    samples = _decode(data, width, frames, channels)
    if normalize:
        offset = 128.0 if width == 1 else 0.0
        samples = ((samples.astype(np.float64) - offset) / _FULL_SCALE[width]).astype(np.float32)
    waveform = samples.T if channels_first else samples
    return from_numpy(np.ascontiguousarray(waveform)), rate


def _decode(data, width, frames, channels):
    """Little-endian PCM bytes -> integers (frames, channels): uint8, int16 or int32."""
    if width == 3:
        raw = np.frombuffer(data, np.uint8, frames * channels * 3).reshape(-1, 3)
        value = raw[:, 0].astype(np.int32) | (raw[:, 1].astype(np.int32) << 8) | \
            (raw[:, 2].astype(np.int32) << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value).astype(np.int32)
        return value.reshape(frames, channels)
    dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}[width]
    return np.frombuffer(data, dtype, frames * channels).reshape(frames, channels).astype(
        {1: np.uint8, 2: np.int16, 4: np.int32}[width])


def save(uri, src, sample_rate, channels_first=True, bits_per_sample=16):
    """``torchaudio.save`` as integer PCM WAV: ``src`` (channels, frames) (or (frames,
    channels) without ``channels_first``; a 1-D signal is one channel), floats in [-1, 1]
    scaled by full scale, rounded and clipped, or integers written as they are.

    Shape:
        src ``(channels, frames)``, ``(frames, channels)`` without ``channels_first``, or
        ``(frames,)`` for one channel.

    Examples:
        >>> import io
        >>> import yingshe
        >>> from yingshe import audio
        >>> wav = io.BytesIO()
        >>> audio.save(wav, yingshe.zeros(2, 800), 8000, bits_per_sample=8)   # stereo, 0.1 s
        >>> _ = wav.seek(0)
        >>> audio.info(wav)  # doctest: +NORMALIZE_WHITESPACE
        AudioMetaData(sample_rate=8000, num_frames=800, num_channels=2, bits_per_sample=8,
                      encoding='PCM_U')
    """
    if bits_per_sample not in (8, 16, 32):
        raise ValueError(f"save: bits_per_sample must be 8, 16 or 32, got {bits_per_sample}")
    array = src.detach().numpy() if isinstance(src, Tensor) else np.asarray(src)
    if array.ndim == 1:
        array = array[None] if channels_first else array[:, None]
    if array.ndim != 2:
        raise ValueError(f"save: expected a waveform (channels, frames), got shape "
                         f"{array.shape}")
    frames = array.T if channels_first else array
    width = bits_per_sample // 8
    scale = _FULL_SCALE[width]
    if array.dtype.kind == "f":
        frames = np.clip(np.round(frames.astype(np.float64) * scale), -scale, scale - 1)
        if width == 1:
            frames = frames + 128
    dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}[width]
    with wave.open(os.fspath(uri) if isinstance(uri, os.PathLike) else uri, "wb") as writer:
        writer.setnchannels(frames.shape[1])
        writer.setsampwidth(width)
        writer.setframerate(int(sample_rate))
        writer.writeframes(np.ascontiguousarray(frames.astype(dtype)).tobytes())
