"""``torchaudio.transforms``: the spectral front ends and SpecAugment as modules, with
torchaudio's parameter names, defaults and buffers (``window``, ``fb``, ``dct_mat``), over the
functions of ``yingshe.audio.functional``."""
import math
import warnings

from ..nn.modules.module import Module
from ..ops.spectral import hann_window
from . import functional as F

__all__ = ["Spectrogram", "MelScale", "MelSpectrogram", "MFCC", "AmplitudeToDB", "Resample",
           "FrequencyMasking", "TimeMasking"]


class Spectrogram(Module):
    """|STFT(waveform)|^power, (..., time) -> (..., n_fft // 2 + 1, frames); window of
    ``win_length`` (default n_fft) samples from ``window_fn(win_length, **wkwargs)``, hop
    ``hop_length`` (default win_length // 2).  ``power=None`` gives the spectrum itself as
    (..., freq, frames, 2) real and imaginary parts.

    Shape:
        waveform ``(..., time)``; output ``(..., n_fft // 2 + 1, frames)``,
        ``frames = 1 + time // hop_length`` (``center=True``); ``(..., freq, frames, 2)`` with
        ``power=None``.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import Spectrogram
        >>> waveform = yingshe.zeros(1, 1600)                # 0.2 s at 8 kHz, one channel
        >>> Spectrogram(n_fft=256)(waveform).shape           # hop 128
        yingshe.Size([1, 129, 13])
        >>> Spectrogram(n_fft=256, power=None)(waveform).shape
        yingshe.Size([1, 129, 13, 2])
    """

    def __init__(self, n_fft=400, win_length=None, hop_length=None, pad=0,
                 window_fn=hann_window, power=2.0, normalized=False, wkwargs=None, center=True,
                 pad_mode="reflect", onesided=True, return_complex=None):
        super().__init__()
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        window = window_fn(self.win_length, **(wkwargs or {}))
        self.register_buffer("window", window)
        self.pad, self.power, self.normalized = pad, power, normalized
        self.center, self.pad_mode, self.onesided = center, pad_mode, onesided
        if return_complex is not None:
            warnings.warn("`return_complex` argument is now deprecated and is not effective. "
                          "power=None returns (..., freq, time, 2) real and imaginary parts.",
                          UserWarning, stacklevel=2)

    def forward(self, waveform):
        return F.spectrogram(waveform, self.pad, self.window, self.n_fft, self.hop_length,
                             self.win_length, self.power, self.normalized, self.center,
                             self.pad_mode, self.onesided)


class MelScale(Module):
    """A spectrogram (..., n_stft, time) -> (..., n_mels, time) through the triangular filters
    of ``functional.melscale_fbanks`` (buffer ``fb``, (n_stft, n_mels)).

    Shape:
        specgram ``(..., n_stft, time)``; output ``(..., n_mels, time)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import MelScale
        >>> mel = MelScale(n_mels=32, sample_rate=8000, n_stft=129)
        >>> mel.fb.shape, mel(yingshe.ones(2, 129, 13)).shape
        (yingshe.Size([129, 32]), yingshe.Size([2, 32, 13]))
    """

    def __init__(self, n_mels=128, sample_rate=16000, f_min=0.0, f_max=None, n_stft=201,
                 norm=None, mel_scale="htk"):
        super().__init__()
        self.n_mels, self.sample_rate = n_mels, sample_rate
        self.f_max = f_max if f_max is not None else float(sample_rate // 2)
        self.f_min, self.norm, self.mel_scale = f_min, norm, mel_scale
        if f_min > self.f_max:
            raise ValueError(f"Require f_min: {f_min} <= f_max: {self.f_max}")
        self.register_buffer("fb", F.melscale_fbanks(n_stft, self.f_min, self.f_max, n_mels,
                                                     sample_rate, norm, mel_scale))

    def forward(self, specgram):
        if specgram.shape[-2] != self.fb.shape[0]:
            raise ValueError(f"MelScale: the spectrogram {tuple(specgram.shape)} has "
                             f"{specgram.shape[-2]} frequency bins, the filters expect "
                             f"n_stft={self.fb.shape[0]}")
        return (specgram.transpose(-1, -2) @ self.fb).transpose(-1, -2)


class MelSpectrogram(Module):
    """``Spectrogram`` followed by ``MelScale``: waveform (..., time) -> (..., n_mels,
    frames) mel-frequency power spectrogram.

    Shape:
        waveform ``(..., time)``; output ``(..., n_mels, frames)``,
        ``frames = 1 + time // hop_length`` (``center=True``).

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import MelSpectrogram
        >>> mel = MelSpectrogram(sample_rate=8000, n_fft=256, n_mels=32)
        >>> mel(yingshe.zeros(1, 1600)).shape
        yingshe.Size([1, 32, 13])
    """

    def __init__(self, sample_rate=16000, n_fft=400, win_length=None, hop_length=None,
                 f_min=0.0, f_max=None, pad=0, n_mels=128, window_fn=hann_window, power=2.0,
                 normalized=False, wkwargs=None, center=True, pad_mode="reflect",
                 onesided=None, norm=None, mel_scale="htk"):
        super().__init__()
        if onesided is not None:
            warnings.warn("Argument 'onesided' has been deprecated and has no influence on the "
                          "behavior of this module.", UserWarning, stacklevel=2)
        self.sample_rate, self.n_fft, self.n_mels = sample_rate, n_fft, n_mels
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.pad, self.power, self.normalized = pad, power, normalized
        self.f_max, self.f_min = f_max, f_min
        self.spectrogram = Spectrogram(n_fft, self.win_length, self.hop_length, pad, window_fn,
                                       power, normalized, wkwargs, center, pad_mode, True)
        self.mel_scale = MelScale(n_mels, sample_rate, f_min, f_max, n_fft // 2 + 1, norm,
                                  mel_scale)

    def forward(self, waveform):
        return self.mel_scale(self.spectrogram(waveform))


class AmplitudeToDB(Module):
    """Power (``stype="power"``: 10 log10) or amplitude (20 log10) to decibels relative to 1,
    floored at 1e-10, and with ``top_db`` at top_db below each spectrogram's maximum.

    Shape:
        input ``(..., freq, time)`` (any shape without ``top_db``); output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import AmplitudeToDB
        >>> AmplitudeToDB()(yingshe.tensor([[1.0, 0.1, 1e-4]]))                 # 10 log10
        tensor([[  0., -10., -40.]])
        >>> AmplitudeToDB("magnitude", top_db=30.0)(yingshe.tensor([[1.0, 0.1, 1e-4]]))
        tensor([[  0., -20., -30.]])
    """

    def __init__(self, stype="power", top_db=None):
        super().__init__()
        if top_db is not None and top_db < 0:
            raise ValueError("top_db must be positive value")
        self.stype, self.top_db = stype, top_db
        self.multiplier = 10.0 if stype == "power" else 20.0
        self.amin, self.ref_value = 1e-10, 1.0
        self.db_multiplier = math.log10(max(self.amin, self.ref_value))

    def forward(self, x):
        return F.amplitude_to_DB(x, self.multiplier, self.amin, self.db_multiplier, self.top_db)


class MFCC(Module):
    """Mel-frequency cepstral coefficients (Davis & Mermelstein 1980): the DCT-II (``dct_mat``)
    of the mel spectrogram in decibels (floored 80 dB below the maximum), or of its natural log
    + 1e-6 with ``log_mels``; waveform (..., time) -> (..., n_mfcc, frames).  ``melkwargs``
    go to ``MelSpectrogram``.

    Shape:
        waveform ``(..., time)``; output ``(..., n_mfcc, frames)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import MFCC
        >>> mfcc = MFCC(sample_rate=8000, n_mfcc=13, melkwargs={"n_fft": 256, "n_mels": 32})
        >>> mfcc.dct_mat.shape, mfcc(yingshe.zeros(1, 1600)).shape
        (yingshe.Size([32, 13]), yingshe.Size([1, 13, 13]))
    """

    def __init__(self, sample_rate=16000, n_mfcc=40, dct_type=2, norm="ortho", log_mels=False,
                 melkwargs=None):
        super().__init__()
        if dct_type != 2:
            raise ValueError(f"DCT type not supported: {dct_type}")
        self.sample_rate, self.n_mfcc, self.dct_type, self.norm = (sample_rate, n_mfcc, dct_type,
                                                                    norm)
        self.top_db = 80.0
        self.amplitude_to_DB = AmplitudeToDB("power", self.top_db)
        self.MelSpectrogram = MelSpectrogram(sample_rate=sample_rate, **(melkwargs or {}))
        if n_mfcc > self.MelSpectrogram.n_mels:
            raise ValueError("Cannot select more MFCC coefficients than # mel bins")
        self.register_buffer("dct_mat", F.create_dct(n_mfcc, self.MelSpectrogram.n_mels, norm))
        self.log_mels = log_mels

    def forward(self, waveform):
        mel = self.MelSpectrogram(waveform)
        mel = (mel + 1e-6).log() if self.log_mels else self.amplitude_to_DB(mel)
        return (mel.transpose(-1, -2) @ self.dct_mat).transpose(-1, -2)


class Resample(Module):
    """``functional.resample`` from ``orig_freq`` to ``new_freq`` Hz (scipy's polyphase
    filter; see there how it differs from torchaudio's).

    Shape:
        waveform ``(..., time)``; output ``(..., ceil(time * new_freq / orig_freq))``.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import Resample
        >>> Resample(orig_freq=8000, new_freq=16000)(yingshe.zeros(1, 1600)).shape
        yingshe.Size([1, 3200])
    """

    def __init__(self, orig_freq=16000, new_freq=16000):
        super().__init__()
        self.orig_freq, self.new_freq = orig_freq, new_freq

    def forward(self, waveform):
        return F.resample(waveform, self.orig_freq, self.new_freq)


class _AxisMasking(Module):
    def __init__(self, mask_param, axis, iid_masks, p=1.0):
        super().__init__()
        self.mask_param, self.axis, self.iid_masks, self.p = mask_param, axis, iid_masks, p

    def forward(self, specgram, mask_value=0.0):
        """Mask a band of ``specgram`` (..., freq, time); with ``iid_masks`` and a batch, one
        band per spectrogram.  Applied in training and evaluation mode alike, as torchaudio."""
        axis = self.axis + specgram.ndim - 3
        if self.iid_masks and specgram.ndim >= 3:
            return F.mask_along_axis_iid(specgram, self.mask_param, mask_value, axis, p=self.p)
        return F.mask_along_axis(specgram, self.mask_param, mask_value, axis, p=self.p)


class FrequencyMasking(_AxisMasking):
    """SpecAugment's frequency masking (Park et al. 2019, §2): f consecutive frequency bins
    [f0, f0 + f) set to the mask value, f uniform in [0, freq_mask_param).

    Shape:
        specgram ``(..., freq, time)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import FrequencyMasking
        >>> masked = FrequencyMasking(freq_mask_param=10)(yingshe.ones(1, 32, 13))
        >>> rows = (masked == 0).all(-1)                 # frequency bins masked in every frame
        >>> masked.shape, int(rows.sum()) < 10, int(rows.sum()) == int((masked == 0).sum()) // 13
        (yingshe.Size([1, 32, 13]), True, True)
    """

    def __init__(self, freq_mask_param, iid_masks=False):
        super().__init__(freq_mask_param, 1, iid_masks)


class TimeMasking(_AxisMasking):
    """SpecAugment's time masking (Park et al. 2019, §2): t consecutive frames [t0, t0 + t)
    set to the mask value, t uniform in [0, time_mask_param), at most p times the number of
    frames.

    Shape:
        specgram ``(..., freq, time)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.transforms import TimeMasking
        >>> masked = TimeMasking(time_mask_param=5)(yingshe.ones(1, 32, 13))
        >>> frames = (masked == 0).all(-2)               # frames masked in every frequency bin
        >>> masked.shape, int(frames.sum()) < 5
        (yingshe.Size([1, 32, 13]), True)
    """

    def __init__(self, time_mask_param, iid_masks=False, p=1.0):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")
        super().__init__(time_mask_param, 2, iid_masks, p=p)
