"""The short-time Fourier transform and its inverse (``torch.stft`` / ``torch.istft``) and the
window functions that go with them.

The STFT of a signal x with window w, hop H and FFT size N is, for frame f and bin k,

    X[k, f] = sum_{n=0}^{N-1} w[n] x[f H + n] e^{-2 pi i k n / N}

(Allen & Rabiner 1977, "A unified approach to short-time Fourier analysis and synthesis";
Oppenheim & Schafer, Discrete-Time Signal Processing, 3rd ed., §10.3).  It is built here from
three linear ops, each with its adjoint as backward, so that the STFT, the inverse and their
gradients (of any order) run at FFT speed:

    Frame        x -> frames[f, n] = x[f H + n]                 adjoint: OverlapAdd
    OverlapAdd   frames -> y[t] = sum_{f H + n = t} frames[f, n] adjoint: Frame
    RealDFT      y -> (Re, Im) of sum_n y[n] e^{-2 pi i k n / N}  adjoint: RealDFTAdjoint

The inverse is the least-squares estimate of Griffin & Lim (1984, "Signal estimation from
modified short-time Fourier transform"): the inverse DFT of each frame, multiplied by the
window, overlap-added and divided by the overlap-added squared window.

yingshe has no complex dtype, so complex spectra are real tensors whose last dimension holds
(real, imaginary): PyTorch's ``return_complex=False`` layout, ``torch.view_as_real`` of its
complex result."""
import math
import warnings

import numpy as np

from .. import _backend
from .._tensor import Tensor
from ..autograd.function import Op
from .creation import _finish, _float_dtype, tensor
from .shape import pad

__all__ = ["stft", "istft", "hann_window", "hamming_window", "blackman_window",
           "bartlett_window"]


# ---- the three linear ops ------------------------------------------------------------------
class Frame(Op):
    """frames[..., f, n] = x[..., f * hop + n] for the 1 + (L - n_fft) // hop frames that fit,
    a strided view of x (no copy; it shares x's version counter, so an in-place change of x
    is caught before a backward that needs it); backward overlap-adds the frames' gradients
    (its adjoint)."""
    is_view = True

    @staticmethod
    def forward(ctx, x, n_fft, hop):
        xp = _backend.get_array_module(x)
        length = x.shape[-1]
        ctx.n_fft, ctx.hop, ctx.length = n_fft, hop, length
        count = 1 + (length - n_fft) // hop
        step = x.strides[-1]
        return xp.lib.stride_tricks.as_strided(
            x, x.shape[:-1] + (count, n_fft), x.strides[:-1] + (hop * step, step),
            writeable=False)

    @staticmethod
    def backward(ctx, grad):
        return OverlapAdd.apply(grad, ctx.hop, ctx.length), None, None


class OverlapAdd(Op):
    """y[..., t] = sum of frames[..., f, n] over f * hop + n = t, for t < ``length``, where
    (F - 1) * hop + n_fft <= length < F * hop + n_fft (samples no frame covers are 0); backward
    frames the gradient (its adjoint).  The frames are added in ceil(n_fft / hop) vectorised
    passes, one per hop-long chunk of the frame."""

    @staticmethod
    def forward(ctx, frames, hop, length):
        xp = _backend.get_array_module(frames)
        count, n_fft = frames.shape[-2:]
        ctx.n_fft, ctx.hop = n_fft, hop
        batch = frames.shape[:-2]
        chunks = -(-n_fft // hop)
        rows = max(count + chunks - 1, -(-length // hop))
        out = xp.zeros(batch + (rows, hop), frames.dtype)
        for j in range(chunks):  # chunk j of frame f lands in row f + j
            width = min(hop, n_fft - j * hop)
            out[..., j:j + count, :width] += frames[..., j * hop:j * hop + width]
        return out.reshape(batch + (rows * hop,))[..., :length]

    @staticmethod
    def backward(ctx, grad):
        return Frame.apply(grad, ctx.n_fft, ctx.hop), None, None


def _fft_module(xp):
    """scipy.fft for NumPy arrays (pocketfft with SIMD; several times faster than numpy.fft on
    float32 here), the array module's own fft otherwise (CuPy's cuFFT)."""
    if xp is np:
        import scipy.fft
        return scipy.fft
    return xp.fft


def _as_pairs(spectrum, dtype):
    """A complex array as real (..., K, 2) (real, imaginary): a view of its memory."""
    spectrum = spectrum.astype(np.result_type(dtype, np.complex64), copy=False)
    return spectrum.view(dtype).reshape(spectrum.shape + (2,))


def _as_complex(pairs):
    """Real (..., K, 2) pairs as a complex (..., K) array (a view when they are contiguous)."""
    xp = _backend.get_array_module(pairs)
    pairs = xp.ascontiguousarray(pairs)
    complex_dtype = np.result_type(pairs.dtype, np.complex64)
    return pairs.view(complex_dtype).reshape(pairs.shape[:-1])


class RealDFT(Op):
    """X[k] = sum_n y[n] e^{-2 pi i k n / N} over the last axis of a real y, as (..., K, 2)
    (real, imaginary) with K = N // 2 + 1 (``onesided``: the rest follows from X[N-k] =
    conj X[k]) or K = N; backward is the adjoint map, ``RealDFTAdjoint``."""

    @staticmethod
    def forward(ctx, y, onesided):
        fft = _fft_module(_backend.get_array_module(y))
        ctx.n, ctx.onesided = y.shape[-1], onesided
        return _as_pairs(fft.rfft(y) if onesided else fft.fft(y), y.dtype)

    @staticmethod
    def backward(ctx, grad):
        return RealDFTAdjoint.apply(grad, ctx.n, ctx.onesided), None


class RealDFTAdjoint(Op):
    """The adjoint of ``RealDFT``: y[n] = Re sum_k G[k] e^{+2 pi i k n / N} for G = g[..., 0] +
    i g[..., 1] over the K given bins.  Onesided, that is N irfft(H) with H = G except the bins
    1 .. ceil(N/2) - 1 halved (irfft counts each of them twice, for k and N - k, and ignores the
    imaginary parts of bins 0 and N/2, which add nothing to a real part); two-sided,
    Re(N ifft(G)).  Its backward is ``RealDFT``."""

    @staticmethod
    def forward(ctx, g, n, onesided):
        fft = _fft_module(_backend.get_array_module(g))
        ctx.onesided = onesided
        spectrum = _as_complex(g)
        if onesided:
            spectrum = spectrum.copy()
            spectrum[..., 1:(n + 1) // 2] *= 0.5
            return (fft.irfft(spectrum, n) * n).astype(g.dtype, copy=False)
        return (fft.ifft(spectrum) * n).real.astype(g.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return RealDFT.apply(grad, ctx.onesided), None, None


# ---- torch.stft / torch.istft ----------------------------------------------------------------
def _window_of(op, window, n_fft, win_length, like):
    """The window as an n_fft-long tensor (a ``win_length`` one zero-padded on both sides, the
    extra zero on the right), or None for the rectangular window of length n_fft."""
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"{op}: expected 0 < win_length <= n_fft, but got "
                           f"win_length={win_length}, n_fft={n_fft}")
    if window is not None:
        if not isinstance(window, Tensor):
            raise TypeError(f"{op}: window must be a Tensor, got {type(window).__name__}")
        if window.ndim != 1 or window.shape[0] != win_length:
            raise RuntimeError(f"{op}: expected a 1D window tensor of size equal to "
                               f"win_length={win_length}, but got window with size "
                               f"{tuple(window.shape)}")
        if window.dtype != like.dtype:
            raise RuntimeError(f"{op}: window dtype {window.dtype} differs from the input's "
                               f"{like.dtype}")
    elif win_length == n_fft:
        return None
    else:
        window = tensor(np.ones(win_length), dtype=like.dtype, device=like.device)
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        window = pad(window, (left, n_fft - win_length - left))
    return window


def _check_hop(op, hop_length, n_fft):
    hop_length = n_fft // 4 if hop_length is None else hop_length
    if hop_length <= 0:
        raise RuntimeError(f"{op}: expected hop_length > 0, but got hop_length={hop_length}")
    return hop_length


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    """The short-time Fourier transform of a real signal (``torch.stft``), as real/imag pairs.

    X[k, f] = sum_{n=0}^{N-1} w[n] x[f H + n] e^{-2 pi i k n / N}, N = ``n_fft``, H =
    ``hop_length``, w the ``window`` (Allen & Rabiner 1977; Oppenheim & Schafer, Discrete-Time
    Signal Processing, §10.3); the last axis holds (real, imaginary), as
    ``torch.view_as_real(torch.stft(..., return_complex=True))``.

    K = n_fft // 2 + 1 when ``onesided`` (the default for real input), else n_fft; frames =
    1 + L // hop_length when ``center`` (the signal padded by n_fft // 2 on both sides with
    ``pad_mode``), else 1 + (L - n_fft) // hop_length.  ``hop_length`` defaults to n_fft // 4,
    ``win_length`` to n_fft; a shorter window is zero-padded to n_fft in the middle, and with
    ``align_to_window`` (only when not ``center``) the signal is padded as much so that the
    frames start where the windows do.  ``normalized`` multiplies by n_fft^(-1/2).
    Differentiable in ``input`` and ``window``.

    yingshe has no complex dtype: ``return_complex`` must be False (PyTorch too requires it to
    be given for real input).

    Shape: input (L) or (B, L); window (win_length); output (K, frames, 2) or
    (B, K, frames, 2).

    Examples:
        >>> import yingshe
        >>> x = yingshe.sin(yingshe.arange(64.) * 0.5)
        >>> window = yingshe.hann_window(16)
        >>> X = yingshe.stft(x, 16, hop_length=4, window=window, return_complex=False)
        >>> X.shape
        yingshe.Size([9, 17, 2])
        >>> yingshe.stft(yingshe.zeros(3, 64), 16, 4, window=window, center=False,
        ...              return_complex=False).shape
        yingshe.Size([3, 9, 13, 2])
    """
    if return_complex is None:
        raise RuntimeError("stft requires the return_complex parameter be given for real "
                           "inputs; yingshe has no complex dtype, so pass return_complex=False "
                           "for the (..., freq, frames, 2) real/imaginary layout")
    if return_complex:
        raise RuntimeError("stft: yingshe has no complex dtype; pass return_complex=False for "
                           "the (..., freq, frames, 2) layout (torch.view_as_real of PyTorch's "
                           "complex result)")
    if not isinstance(input, Tensor):
        raise TypeError(f"stft: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (1, 2) or not input.dtype.is_floating_point:
        raise RuntimeError(f"stft: expected a 1D or 2D floating-point tensor, got shape "
                           f"{tuple(input.shape)} and dtype {input.dtype}")
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if n_fft <= 0:
        raise RuntimeError(f"stft: expected 0 < n_fft, but got n_fft={n_fft}")
    hop_length = _check_hop("stft", hop_length, n_fft)
    win_length = n_fft if win_length is None else win_length
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied, which "
                      "is known to cause spectral leakage. Other windows such as hann_window or "
                      "hamming_window are recommended to reduce spectral leakage. To suppress "
                      "this warning and use a rectangular window, explicitly set "
                      "`window=yingshe.ones(n_fft)`.", UserWarning, stacklevel=2)
    window = _window_of("stft", window, n_fft, win_length, input)
    onesided = True if onesided is None else onesided
    signal = input.reshape(1, -1) if input.ndim == 1 else input
    if center:
        if pad_mode not in ("constant", "reflect", "replicate", "circular"):
            raise RuntimeError(f"stft: pad_mode must be 'constant', 'reflect', 'replicate' or "
                               f"'circular', got {pad_mode!r}")
        signal = pad(signal, (n_fft // 2, n_fft // 2), mode=pad_mode)
    elif align_to_window:
        left = (n_fft - win_length) // 2
        signal = pad(signal, (left, n_fft - win_length - left))
    if not 0 < n_fft <= signal.shape[-1]:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {signal.shape[-1]} (the signal's "
                           f"length{' after padding' if center else ''}), but got n_fft={n_fft}")
    frames = Frame.apply(signal, n_fft, hop_length)
    if window is not None:
        frames = frames * window
    spectrum = RealDFT.apply(frames, onesided).transpose(1, 2)  # (B, K, frames, 2)
    if normalized:
        spectrum = spectrum * (n_fft ** -0.5)
    return spectrum[0] if input.ndim == 1 else spectrum


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """The inverse short-time Fourier transform (``torch.istft``) of a spectrum in ``stft``'s
    layout (the last axis real, imaginary; PyTorch takes ``torch.view_as_complex`` of it).

    y[t] = sum_f w[t - f H] z_f[t - f H] / sum_f w[t - f H]^2, z_f the inverse DFT of frame f:
    the least-squares estimate of Griffin & Lim (1984, "Signal estimation from modified
    short-time Fourier transform").

    Each frame's inverse DFT (of the first n_fft // 2 + 1 bins: the output is real) is
    multiplied by the window, the frames are overlap-added and divided by the overlap-added
    squared window (Griffin & Lim 1984), which must not vanish anywhere (the NOLA condition);
    with ``center`` the n_fft // 2 padded samples are trimmed at each end, and ``length``
    trims or zero-pads the end.  Differentiable in ``input`` and ``window``.

    Shape: input (K, frames, 2) or (B, K, frames, 2); output (L) or (B, L), L = ``length`` or
    n_fft + hop_length (frames - 1), less 2 (n_fft // 2) with ``center``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.sin(yingshe.arange(64.) * 0.5)
        >>> window = yingshe.hann_window(16)
        >>> X = yingshe.stft(x, 16, hop_length=4, window=window, return_complex=False)
        >>> y = yingshe.istft(X, 16, hop_length=4, window=window, length=64)
        >>> y.shape, bool((y - x).abs().max() < 1e-5)
        (yingshe.Size([64]), True)
    """
    if return_complex:
        raise RuntimeError("istft: yingshe has no complex dtype; return_complex must be False")
    if not isinstance(input, Tensor):
        raise TypeError(f"istft: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4) or input.shape[-1] != 2 or not input.dtype.is_floating_point:
        raise RuntimeError(f"istft: expected a floating-point tensor (B?, freq, frames, 2) of "
                           f"real and imaginary parts, got shape {tuple(input.shape)} and dtype "
                           f"{input.dtype}")
    if n_fft <= 0:
        raise RuntimeError(f"istft: expected 0 < n_fft, but got n_fft={n_fft}")
    hop_length = _check_hop("istft", hop_length, n_fft)
    win_length = n_fft if win_length is None else win_length
    if not 0 < win_length <= n_fft or hop_length > win_length:
        raise RuntimeError(f"istft: expected 0 < hop_length <= win_length <= n_fft, but got "
                           f"hop_length={hop_length}, win_length={win_length}, n_fft={n_fft}")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied. Please "
                      "provide the same window used by stft to make the inversion lossless. To "
                      "suppress this warning and use a rectangular window, explicitly set "
                      "`window=yingshe.ones(n_fft)`.", UserWarning, stacklevel=2)
    window = _window_of("istft", window, n_fft, win_length, input)
    bins, count = input.shape[-3], input.shape[-2]
    onesided = bins != n_fft if onesided is None else onesided
    expected_bins = n_fft // 2 + 1 if onesided else n_fft
    if bins != expected_bins:
        raise RuntimeError(f"istft: expected {expected_bins} frequency bins for n_fft={n_fft} "
                           f"({'one' if onesided else 'two'}-sided), but got {bins} (input "
                           f"{tuple(input.shape)})")
    if count == 0:
        raise RuntimeError(f"istft: the input {tuple(input.shape)} has no frames")
    spectrum = input.unsqueeze(0) if input.ndim == 3 else input
    spectrum = spectrum[:, :n_fft // 2 + 1].transpose(1, 2)  # (B, frames, K, 2)
    # irfft's 1/N sum over the full spectrum: bins 1 .. ceil(N/2) - 1 stand for two (k, N - k)
    twice = np.ones((n_fft // 2 + 1, 1))
    twice[1:(n_fft + 1) // 2] = 2.0
    scale = n_fft ** -0.5 if normalized else 1.0 / n_fft
    spectrum = spectrum * tensor(twice * scale, dtype=input.dtype, device=input.device)
    frames = RealDFTAdjoint.apply(spectrum, n_fft, True)  # (B, frames, n_fft)
    if window is None:
        window = tensor(np.ones(n_fft), dtype=input.dtype, device=input.device)
    frames = frames * window
    total = n_fft + hop_length * (count - 1)
    signal = OverlapAdd.apply(frames, hop_length, total)
    envelope = OverlapAdd.apply((window * window).expand(1, count, n_fft), hop_length, total)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else -(n_fft // 2) if center else total
    signal, envelope = signal[:, start:end], envelope[:, start:end]
    if envelope.numel() and float(envelope.detach().abs().min()) < 1e-11:
        raise RuntimeError(f"istft: window overlap add min: "
                           f"{float(envelope.detach().abs().min()):g}; the squared windows "
                           f"overlap-added with hop_length={hop_length} vanish somewhere (the "
                           f"NOLA condition fails)")
    signal = signal / envelope
    if end > total:
        warnings.warn("The length of signal is shorter than the length parameter. Result is "
                      "being padded with zeros in the tail. Please check your center and "
                      "hop_length settings.", UserWarning, stacklevel=2)
        signal = pad(signal, (0, end - total))
    return signal[0] if input.ndim == 3 else signal


# ---- windows (torch.hann_window and friends) ---------------------------------------------------
def _window(name, window_length, periodic, dtype, device, requires_grad, values):
    """A window of ``window_length`` samples from ``values(n, m)`` (n = 0 .. length - 1 and the
    denominator m = length, periodic, or length - 1, symmetric), PyTorch's rules for lengths 0
    and 1, computed in float64 and cast to ``dtype``."""
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    np_dtype = _float_dtype(dtype)
    if np_dtype.kind != "f":
        raise RuntimeError(f"{name} expects a floating point dtype, got {dtype}")
    if window_length <= 1:
        array = np.ones(window_length)
    else:
        array = values(np.arange(window_length), window_length if periodic else
                       window_length - 1)
    xp = _backend.array_module(_backend.factory_device(device))
    return _finish(xp.asarray(array.astype(np_dtype)), requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """The Hann window, the usual window of ``stft``.

    w[n] = 1/2 - 1/2 cos(2 pi n / M), n = 0, ..., N - 1, N = ``window_length``, M = N
    (periodic, for spectral analysis) or N - 1 (symmetric, for filter design) (Blackman &
    Tukey 1958; Harris 1978, "On the use of windows for harmonic analysis with the discrete
    Fourier transform", §4).

    Shape: output (window_length).

    Examples:
        >>> import yingshe
        >>> yingshe.hann_window(4)
        tensor([0.0000, 0.5000, 1.0000, 0.5000])
        >>> yingshe.hann_window(5, periodic=False)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: 0.5 - 0.5 * np.cos(2 * math.pi * n / m))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   device=None, requires_grad=False):
    """The Hamming window, a raised cosine that does not reach zero.

    w[n] = alpha - beta cos(2 pi n / M), n = 0, ..., N - 1, M = N (periodic) or N - 1
    (symmetric); alpha = 0.54, beta = 0.46 by default (Harris 1978, §4).

    Shape: output (window_length).

    Examples:
        >>> import yingshe
        >>> yingshe.hamming_window(4)
        tensor([0.0800, 0.5400, 1.0000, 0.5400])
    """
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: alpha - beta * np.cos(2 * math.pi * n / m))


def blackman_window(window_length, periodic=True, *, dtype=None, device=None,
                    requires_grad=False):
    """The Blackman window: lower side lobes than Hann's, a wider main lobe.

    w[n] = 0.42 - 0.5 cos(2 pi n / M) + 0.08 cos(4 pi n / M), n = 0, ..., N - 1, M = N
    (periodic) or N - 1 (symmetric) (Harris 1978, §4).

    Shape: output (window_length).

    Examples:
        >>> import yingshe
        >>> yingshe.blackman_window(4)[1:]
        tensor([0.3400, 1.0000, 0.3400])
    """
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: 0.42 - 0.5 * np.cos(2 * math.pi * n / m)
                   + 0.08 * np.cos(4 * math.pi * n / m))


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None,
                    requires_grad=False):
    """The Bartlett (triangular) window.

    w[n] = 1 - |2 n / M - 1|, n = 0, ..., N - 1, M = N (periodic) or N - 1 (symmetric)
    (Harris 1978, §4).

    Shape: output (window_length).

    Examples:
        >>> import yingshe
        >>> yingshe.bartlett_window(5, periodic=False)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: 1.0 - np.abs(2.0 * n / m - 1.0))
