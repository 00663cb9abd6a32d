"""``torchaudio.functional``: the spectral front ends (spectrogram, mel filter banks, the DCT of
MFCCs, decibels), resampling and SpecAugment's masks, on yingshe tensors (differentiable where
torchaudio's are).

References: mel scales of Stevens, Volkmann & Newman (1937, "A scale for the measurement of the
psychological magnitude pitch"; the HTK formula mel = 2595 log10(1 + f / 700), O'Shaughnessy
1987) and of Slaney (1998, "Auditory Toolbox", Interval Research Technical Report 1998-010:
linear below 1 kHz, logarithmic above); MFCCs of Davis & Mermelstein (1980, "Comparison of
parametric representations for monosyllabic word recognition in continuously spoken
sentences"); SpecAugment of Park et al. (2019, "SpecAugment: a simple data augmentation method
for automatic speech recognition")."""
import math
import warnings

import numpy as np

from .._backend import get_array_module
from .._dtype import get_default_dtype
from ..autograd.function import Op
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange, rand, tensor
from ..ops.shape import pad as _pad
from ..ops.spectral import stft

__all__ = ["spectrogram", "melscale_fbanks", "create_dct", "amplitude_to_DB", "DB_to_amplitude",
           "resample", "mask_along_axis", "mask_along_axis_iid"]


def _spectrum_norms(normalized):
    """(normalise by the frame length, normalise by the window): torchaudio's reading of
    ``normalized`` (True means "window")."""
    if isinstance(normalized, str):
        if normalized not in ("frame_length", "window"):
            raise ValueError(f"Invalid normalized parameter: {normalized}")
        return normalized == "frame_length", normalized == "window"
    if isinstance(normalized, bool):
        return False, normalized
    raise TypeError(f"normalized must be a bool, 'frame_length' or 'window', got "
                    f"{type(normalized).__name__}")


def spectrogram(waveform, pad, window, n_fft, hop_length, win_length, power, normalized,
                center=True, pad_mode="reflect", onesided=True, return_complex=None):
    """``torchaudio.functional.spectrogram``: |STFT|^power of ``waveform`` (..., time) as
    (..., freq, frames), after zero-padding ``pad`` samples at both ends.  ``normalized``:
    True or "window" divides by the window's L2 norm, "frame_length" by sqrt(n_fft).  With
    ``power`` None the spectrum itself in ``yingshe.stft``'s layout (..., freq, frames, 2)
    (yingshe has no complex dtype).  Differentiable in ``waveform``.

    Shape:
        waveform ``(..., time)``; output ``(..., n_fft // 2 + 1, frames)`` with
        ``frames = 1 + time // hop_length`` when ``center`` (else
        ``1 + (time - n_fft) // hop_length``), or ``(..., n_fft // 2 + 1, frames, 2)`` with
        ``power=None``.

    Examples:
        A 1 kHz tone sampled at 8 kHz peaks in bin ``1000 / (8000 / 256) = 32``:

        >>> import math
        >>> import yingshe
        >>> from yingshe.audio.functional import spectrogram
        >>> tone = yingshe.sin(2 * math.pi * 1000 * yingshe.arange(1600) / 8000)
        >>> power = spectrogram(tone, 0, yingshe.hann_window(256), n_fft=256, hop_length=128,
        ...                     win_length=256, power=2.0, normalized=False)
        >>> power.shape, int(power[:, 5].argmax())
        (yingshe.Size([129, 13]), 32)
    """
    if return_complex is not None:
        warnings.warn("`return_complex` argument is now deprecated and is not effective. "
                      "yingshe has no complex dtype: power=None returns (..., freq, time, 2) "
                      "real and imaginary parts.", UserWarning, stacklevel=2)
    if pad > 0:
        waveform = _pad(waveform, (pad, pad))
    frame_length_norm, window_norm = _spectrum_norms(normalized)
    shape = tuple(waveform.shape)
    spectrum = stft(waveform.reshape(-1, shape[-1]), n_fft, hop_length, win_length, window,
                    center, pad_mode, frame_length_norm, onesided, return_complex=False)
    spectrum = spectrum.reshape(shape[:-1] + tuple(spectrum.shape[-3:]))
    if window_norm:
        spectrum = spectrum / (window * window).sum().sqrt()
    if power is None:
        return spectrum
    real, imaginary = spectrum[..., 0], spectrum[..., 1]
    energy = real * real + imaginary * imaginary  # |X|^2 (a sum over the last axis of 2 is slow)
    if power == 2.0:
        return energy
    if power == 1.0:
        return energy.sqrt()
    return energy ** (power / 2.0)


def _hz_to_mel(freq, mel_scale):
    """Hz -> mel: HTK's 2595 log10(1 + f / 700), or Slaney's 3 f / 200 below 1 kHz and
    15 + 27 ln(f / 1000) / ln 6.4 above."""
    freq = np.asarray(freq, np.float64)
    if mel_scale == "htk":
        return 2595.0 * np.log10(1.0 + freq / 700.0)
    linear = freq / (200.0 / 3)
    log_step = math.log(6.4) / 27.0
    with np.errstate(divide="ignore"):
        logarithmic = 15.0 + np.log(np.maximum(freq, 1e-300) / 1000.0) / log_step
    return np.where(freq >= 1000.0, logarithmic, linear)


def _mel_to_hz(mels, mel_scale):
    """The inverse of ``_hz_to_mel``."""
    mels = np.asarray(mels, np.float64)
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    log_step = math.log(6.4) / 27.0
    return np.where(mels >= 15.0, 1000.0 * np.exp(log_step * (mels - 15.0)),
                    (200.0 / 3) * mels)


def melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"):
    """``torchaudio.functional.melscale_fbanks``: (n_freqs, n_mels) triangular filters, the
    m-th rising from mel point m to m + 1 and falling to m + 2, for n_mels + 2 points evenly
    spaced on the mel scale ``mel_scale`` ("htk" or "slaney") from f_min to f_max, evaluated at
    n_freqs frequencies evenly spaced from 0 to sample_rate // 2.  ``norm="slaney"`` scales each
    filter by 2 / (its width in Hz), for about constant energy per channel (Slaney 1998).

    Shape:
        output ``(n_freqs, n_mels)``; a spectrogram ``(..., time, n_freqs)`` times it gives
        ``(..., time, n_mels)``.

    Examples:
        >>> from yingshe.audio.functional import melscale_fbanks
        >>> fb = melscale_fbanks(n_freqs=129, f_min=0.0, f_max=4000.0, n_mels=32, sample_rate=8000)
        >>> fb.shape, fb.dtype
        (yingshe.Size([129, 32]), yingshe.float32)
        >>> round(float(fb.max()), 2) <= 1.0           # triangles of height at most 1
        True
    """
    if norm is not None and norm != "slaney":
        raise ValueError(f'norm must be one of None or "slaney", got {norm!r}')
    if mel_scale not in ("htk", "slaney"):
        raise ValueError(f'mel_scale should be one of "htk" or "slaney", got {mel_scale!r}')
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    mel_points = np.linspace(_hz_to_mel(f_min, mel_scale), _hz_to_mel(f_max, mel_scale),
                             n_mels + 2)
    hz_points = _mel_to_hz(mel_points, mel_scale)
    widths = np.diff(hz_points)  # (n_mels + 1,)
    slopes = hz_points[None, :] - all_freqs[:, None]  # (n_freqs, n_mels + 2)
    rising = -slopes[:, :-2] / widths[:-1]
    falling = slopes[:, 2:] / widths[1:]
    banks = np.maximum(0.0, np.minimum(rising, falling))
    if norm == "slaney":
        banks *= 2.0 / (hz_points[2:n_mels + 2] - hz_points[:n_mels])
    if (banks.max(axis=0) == 0.0).any():
        warnings.warn(f"At least one mel filterbank has all zero values. The value for `n_mels` "
                      f"({n_mels}) may be set too high. Or, the value for `n_freqs` ({n_freqs}) "
                      f"may be set too low.", UserWarning, stacklevel=2)
    return tensor(banks, dtype=get_default_dtype())


def create_dct(n_mfcc, n_mels, norm):
    """``torchaudio.functional.create_dct``: the (n_mels, n_mfcc) matrix of the DCT-II,
    column k = cos(pi / n_mels (n + 1/2) k) (times 2, or orthonormal with ``norm="ortho"``),
    that turns log mel energies into cepstral coefficients (Davis & Mermelstein 1980).

    Shape:
        output ``(n_mels, n_mfcc)``; log mel energies ``(..., time, n_mels)`` times it give
        ``(..., time, n_mfcc)``.

    Examples:
        >>> from yingshe.audio.functional import create_dct
        >>> create_dct(2, 4, "ortho")                   # column 0: the mean; column 1: the slope
        tensor([[ 0.5000,  0.6533],
                [ 0.5000,  0.2706],
                [ 0.5000, -0.2706],
                [ 0.5000, -0.6533]])
    """
    if norm is not None and norm != "ortho":
        raise ValueError(f'norm must be either "ortho" or None, got {norm!r}')
    n = np.arange(n_mels, dtype=np.float64)
    k = np.arange(n_mfcc, dtype=np.float64)[:, None]
    dct = np.cos(math.pi / n_mels * (n + 0.5) * k)  # (n_mfcc, n_mels)
    if norm is None:
        dct *= 2.0
    else:
        dct[0] *= 1.0 / math.sqrt(2.0)
        dct *= math.sqrt(2.0 / n_mels)
    return tensor(dct.T, dtype=get_default_dtype())


def amplitude_to_DB(x, multiplier, amin, db_multiplier, top_db=None):
    """``torchaudio.functional.amplitude_to_DB``: multiplier log10(max(x, amin)) -
    multiplier db_multiplier (multiplier 10 for power, 20 for amplitude), then, with
    ``top_db``, floored at top_db below the maximum of each spectrogram (the last three dims
    of a batch (..., channel, freq, time), the whole of a 2-D one).

    Shape:
        x ``(..., freq, time)`` (or any shape without ``top_db``); output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.functional import amplitude_to_DB
        >>> power = yingshe.tensor([[1.0, 0.1, 1e-4]])
        >>> amplitude_to_DB(power, 10.0, 1e-10, 0.0)
        tensor([[  0., -10., -40.]])
        >>> amplitude_to_DB(power, 10.0, 1e-10, 0.0, top_db=30.0)     # floored 30 dB below the max
        tensor([[  0., -10., -30.]])
    """
    decibels = multiplier * x.clamp(min=amin).log10()
    decibels = decibels - multiplier * db_multiplier
    if top_db is None:
        return decibels
    shape = tuple(decibels.shape)
    channels = shape[-3] if decibels.ndim > 2 else 1
    packed = decibels.reshape(-1, channels, shape[-2], shape[-1])
    floor = (packed.amax(dim=(-3, -2, -1)) - top_db).reshape(-1, 1, 1, 1)
    return packed.maximum(floor.expand_as(packed)).reshape(shape)


def DB_to_amplitude(x, ref, power):
    """``torchaudio.functional.DB_to_amplitude``: ref (10^(x / 10))^power, the inverse of
    ``amplitude_to_DB`` (power 1 for power spectra, 0.5 for amplitudes).

    Shape:
        x ``(*)``; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.functional import DB_to_amplitude
        >>> DB_to_amplitude(yingshe.tensor([0.0, -10.0, -20.0]), ref=1.0, power=1.0)
        tensor([1.0000, 0.1000, 0.0100])
        >>> DB_to_amplitude(yingshe.tensor([0.0, -20.0]), ref=1.0, power=0.5)   # amplitudes
        tensor([1.0000, 0.1000])
    """
    return ref * (x * (0.1 * math.log(10.0) * power)).exp()


# ---- resampling ---------------------------------------------------------------------------------
def _polyphase_filter(up, down, dtype):
    """scipy.signal.resample_poly's low-pass filter: a Kaiser-windowed sinc (beta 5) of
    2 * 10 max(up, down) + 1 taps, cut off at the lower Nyquist rate, scaled by ``up``, with
    leading zeros that centre the output samples; returns (filter, samples to drop)."""
    from scipy.signal import firwin
    max_rate = max(up, down)
    half_length = 10 * max_rate
    taps = firwin(2 * half_length + 1, 1.0 / max_rate, window=("kaiser", 5.0)) * up
    lead = down - half_length % down
    return np.concatenate([np.zeros(lead), taps]).astype(dtype), (half_length + lead) // down


class Resample(Op):
    """y = keep(D_down H U_up x): x upsampled by ``up`` (zeros between samples), filtered by
    ``_polyphase_filter``, downsampled by ``down`` and trimmed to ceil(n up / down) samples,
    along the last axis: scipy.signal.resample_poly with constant padding, computed by
    scipy.signal.upfirdn (Crochiere & Rabiner 1983, "Multirate Digital Signal Processing",
    §4.3).  It is linear; backward applies the adjoint U_up^T H^T D_down^T keep^T."""

    @staticmethod
    def forward(ctx, x, up, down):
        from scipy.signal import upfirdn
        taps, drop = _polyphase_filter(up, down, x.dtype)
        length = x.shape[-1]
        count = -(-length * up // down)
        full = upfirdn(taps, x, up, down, axis=-1)
        if full.shape[-1] < drop + count:  # resample_poly pads the filter with zeros instead
            full = np.concatenate(
                [full, np.zeros(full.shape[:-1] + (drop + count - full.shape[-1],))], -1)
        ctx.shapes = (taps, drop, length, up, down, full.shape[-1])
        return np.ascontiguousarray(full[..., drop:drop + count]).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return ResampleAdjoint.apply(grad, ctx.shapes), None, None


class ResampleAdjoint(Op):
    """The adjoint of ``Resample``: the gradient placed back at the kept positions, spread
    to every down-th sample of the filtered signal, correlated with the filter and taken at
    every up-th sample."""

    @staticmethod
    def forward(ctx, g, shapes):
        from scipy.signal import upfirdn
        taps, drop, length, up, down, full_length = shapes
        ctx.up, ctx.down = up, down
        spread = np.zeros(g.shape[:-1] + ((full_length - 1) * down + 1,), g.dtype)
        spread[..., (drop * down):(drop + g.shape[-1]) * down:down] = g
        correlated = upfirdn(taps[::-1], spread, 1, 1, axis=-1)[..., len(taps) - 1:]
        out = correlated[..., ::up][..., :length]
        if out.shape[-1] < length:
            out = np.concatenate([out, np.zeros(out.shape[:-1] + (length - out.shape[-1],))],
                                 -1)
        return np.ascontiguousarray(out).astype(g.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return Resample.apply(grad, ctx.up, ctx.down), None


def resample(waveform, orig_freq, new_freq):
    """The waveform (..., time) resampled from ``orig_freq`` to ``new_freq`` Hz (whole
    numbers): a polyphase FIR filter with the rates reduced by their gcd, exactly
    ``scipy.signal.resample_poly(x, new // g, orig // g, axis=-1)``.  The filter is scipy's
    Kaiser-windowed sinc, not torchaudio's default Hann-windowed one, so values differ from
    ``torchaudio.functional.resample`` slightly near the band edge.  Differentiable.

    Shape:
        waveform ``(..., time)``; output ``(..., ceil(time * new_freq / orig_freq))``.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.functional import resample
        >>> resample(yingshe.zeros(2, 1600), 8000, 16000).shape
        yingshe.Size([2, 3200])
        >>> resample(yingshe.zeros(1, 10), 3, 2).shape           # ceil(10 * 2 / 3)
        yingshe.Size([1, 7])
    """
    if orig_freq <= 0 or new_freq <= 0 or int(orig_freq) != orig_freq or \
            int(new_freq) != new_freq:
        raise ValueError(f"resample: orig_freq and new_freq must be positive whole numbers, got "
                         f"{orig_freq} and {new_freq}")
    if get_array_module(waveform._data) is not np:
        raise NotImplementedError("resample runs on CPU tensors (scipy.signal)")
    divisor = math.gcd(int(orig_freq), int(new_freq))
    up, down = int(new_freq) // divisor, int(orig_freq) // divisor
    if up == down:
        return waveform
    return Resample.apply(waveform, up, down)


# ---- SpecAugment ---------------------------------------------------------------------------------
def _mask_param(mask_param, p, axis_length):
    return mask_param if p == 1.0 else min(mask_param, int(axis_length * p))


def _check_mask_axis(specgram, axis, p, least):
    dim = specgram.ndim
    if dim < least:
        raise ValueError(f"Spectrogram must have at least {least} dimensions ({dim} given).")
    if axis not in (dim - 2, dim - 1):
        raise ValueError(f"Only Frequency and Time masking are supported (axis {dim - 2} and "
                         f"axis {dim - 1} supported; {axis} given).")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"The value of p must be between 0.0 and 1.0 ({p} given).")


def mask_along_axis(specgram, mask_param, mask_value, axis, p=1.0):
    """``torchaudio.functional.mask_along_axis``: one band [v0, v0 + v) along ``axis`` (the
    frequency or time axis, one of the last two) set to ``mask_value`` in every spectrogram of
    the batch, v drawn uniformly from [0, mask_param) and v0 from [0, size - v) (Park et al.
    2019, §2); with ``p`` < 1, v is at most p times the axis length.

    Shape:
        specgram ``(..., freq, time)``; output the same shape.

    Examples:
        A band of fewer than 3 frames, the same in every frequency row:

        >>> import yingshe
        >>> from yingshe.audio.functional import mask_along_axis
        >>> masked = mask_along_axis(yingshe.ones(1, 4, 6), mask_param=3, mask_value=0.0, axis=2)
        >>> zeros = (masked == 0).sum(-1)                # masked frames per frequency row
        >>> masked.shape, bool((zeros == zeros[0, 0]).all()), int(zeros.max()) < 3
        (yingshe.Size([1, 4, 6]), True, True)
    """
    _check_mask_axis(specgram, axis, p, 2)
    mask_param = _mask_param(mask_param, p, specgram.shape[axis])
    if mask_param < 1:
        return specgram
    width = float(rand(1).item()) * mask_param
    start = float(rand(1).item()) * (specgram.shape[axis] - width)
    begin, end = int(start), int(start) + int(width)
    positions = arange(specgram.shape[axis], device=specgram.device)
    mask = (positions >= begin) & (positions < end)
    if axis == specgram.ndim - 2:
        mask = mask.unsqueeze(-1)
    return specgram.masked_fill(mask, mask_value)


def mask_along_axis_iid(specgrams, mask_param, mask_value, axis, p=1.0):
    """``torchaudio.functional.mask_along_axis_iid``: as ``mask_along_axis`` but one band
    drawn independently for each spectrogram of the batch (all dims before the last two).

    Shape:
        specgrams ``(batch, ..., freq, time)``, at least 3 dimensions; output the same shape.

    Examples:
        >>> import yingshe
        >>> from yingshe.audio.functional import mask_along_axis_iid
        >>> batch = yingshe.ones(8, 1, 4, 6)
        >>> masked = mask_along_axis_iid(batch, mask_param=3, mask_value=0.0, axis=2)  # frequency
        >>> masked.shape, int((masked == 0).sum(2).amax()) < 3
        (yingshe.Size([8, 1, 4, 6]), True)
    """
    _check_mask_axis(specgrams, axis, p, 3)
    mask_param = _mask_param(mask_param, p, specgrams.shape[axis])
    if mask_param < 1:
        return specgrams
    batch = tuple(specgrams.shape[:-2])
    with no_grad():
        width = rand(*batch, dtype=specgrams.dtype, device=specgrams.device) * mask_param
        start = rand(*batch, dtype=specgrams.dtype, device=specgrams.device) * (
            specgrams.shape[axis] - width)
    begin = start.long()[..., None, None]
    end = (start.long() + width.long())[..., None, None]
    positions = arange(specgrams.shape[axis], device=specgrams.device)
    moved = specgrams.transpose(axis, -1)
    moved = moved.masked_fill((positions >= begin) & (positions < end), mask_value)
    return moved.transpose(axis, -1)
