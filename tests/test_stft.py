"""yingshe.stft / istft and the window functions against PyTorch: values and gradients (input
and window) over random shapes and every option, float64 finite differences (first and second
order), the round trip, and the errors."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import check_op, check_raises


def _torch_stft(x, w, **options):
    return torch.view_as_real(torch.stft(x, window=w, return_complex=True, **options))


def _ys_stft(x, w, **options):
    return yingshe.stft(x, window=w, return_complex=False, **options)


# (signal shape, n_fft, hop_length, win_length, center, pad_mode, onesided, normalized)
STFT_CASES = [
    ((21,), 8, 2, 8, True, "reflect", True, False),
    ((2, 19), 6, 3, 4, True, "constant", True, True),
    ((3, 17), 5, 2, 5, False, "reflect", False, False),
    ((2, 24), 7, None, None, True, "replicate", True, False),
    ((1, 16), 4, 4, 3, True, "circular", False, True),
    ((2, 13), 13, 1, 13, False, "reflect", True, False),  # one frame
]


@pytest.mark.parametrize("shape, n_fft, hop, win, center, mode, onesided, normalized",
                         STFT_CASES)
def test_stft_matches_torch(shape, n_fft, hop, win, center, mode, onesided, normalized):
    rng = np.random.default_rng(len(shape) * 100 + n_fft)
    options = {"n_fft": n_fft, "hop_length": hop, "win_length": win, "center": center,
               "pad_mode": mode, "onesided": onesided, "normalized": normalized}
    window = rng.random(win or n_fft) + 0.1
    check_op(lambda x, w: _ys_stft(x, w, **options), lambda x, w: _torch_stft(x, w, **options),
             [rng.standard_normal(shape), window])


@pytest.mark.parametrize("seed", range(8))
def test_stft_random_shapes_and_options(seed):
    """Random lengths, FFT sizes, hops, window lengths and options, values and first gradients
    in float64 and float32 (finite differences are left to the small cases above)."""
    rng = np.random.default_rng(seed)
    n_fft = int(rng.integers(2, 40))
    win = int(rng.integers(1, n_fft + 1))
    hop = int(rng.integers(1, 2 * n_fft))
    center = bool(rng.integers(2))
    length = int(rng.integers(n_fft, 5 * n_fft + 2)) if not center else \
        int(rng.integers(n_fft // 2 + 1, 5 * n_fft + 2))
    shape = (length,) if rng.integers(2) else (int(rng.integers(1, 4)), length)
    options = {"n_fft": n_fft, "hop_length": hop, "win_length": win, "center": center,
               "onesided": bool(rng.integers(2)), "normalized": bool(rng.integers(2))}
    if not center:
        options["align_to_window"] = bool(rng.integers(2))
    check_op(lambda x, w: _ys_stft(x, w, **options), lambda x, w: _torch_stft(x, w, **options),
             [rng.standard_normal(shape), rng.random(win)], check_gradcheck=False,
             check_gradgrad=False, tol={"float32": {"atol": 1e-4}})


@pytest.mark.filterwarnings("ignore:A window was not provided")
def test_stft_without_window_and_with_a_shorter_one():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 30))
    with pytest.warns(UserWarning, match="A window was not provided"):
        yingshe.stft(yingshe.from_numpy(x), 8, return_complex=False)
    check_op(lambda x: yingshe.stft(x, 8, return_complex=False),
             lambda x: torch.view_as_real(torch.stft(x, 8, return_complex=True)), [x])
    check_op(lambda x: yingshe.stft(x, 8, 2, win_length=5, return_complex=False),
             lambda x: torch.view_as_real(torch.stft(x, 8, 2, win_length=5,
                                                     return_complex=True)), [x])


def test_stft_of_a_hann_windowed_sine_peaks_at_its_frequency():
    """An independent check of the convention: a sine at bin 5 of a 64-point DFT."""
    t = np.arange(512)
    x = yingshe.tensor(np.sin(2 * np.pi * 5 * t / 64), dtype=yingshe.float64)
    spectrum = yingshe.stft(x, 64, 16, window=yingshe.hann_window(64, dtype=yingshe.float64),
                            return_complex=False)
    magnitude = (spectrum ** 2).sum(-1).sqrt().numpy()
    assert magnitude.shape == (33, 33)
    assert (magnitude[:, 4:-4].argmax(axis=0) == 5).all()
    # a full-amplitude sine under a Hann window: |X[5]| = N/4
    np.testing.assert_allclose(magnitude[5, 4:-4], 16.0, rtol=1e-9)


# (spectrum shape from a signal of length L, n_fft, hop, win_length, center, onesided, length)
ISTFT_CASES = [
    (2, 30, 8, 2, 8, True, True, None),
    (1, 25, 6, 3, 6, True, True, 25),
    (2, 21, 8, 4, 8, True, False, 27),  # length past the frames: zero-padded
    (3, 20, 5, 2, 5, False, True, 15),
    (1, 18, 6, 3, 6, False, False, None),
]


@pytest.mark.filterwarnings("ignore:The length of signal is shorter")
@pytest.mark.parametrize("batch, L, n_fft, hop, win, center, onesided, length", ISTFT_CASES)
def test_istft_matches_torch(batch, L, n_fft, hop, win, center, onesided, length):
    rng = np.random.default_rng(L)
    frames = 1 + L // hop if center else 1 + (L - n_fft) // hop
    bins = n_fft // 2 + 1 if onesided else n_fft
    spectrum = rng.standard_normal((batch, bins, frames, 2))
    window = rng.random(win) + 0.5
    options = {"n_fft": n_fft, "hop_length": hop, "win_length": win, "center": center,
               "onesided": onesided, "length": length}
    check_op(lambda s, w: yingshe.istft(s, window=w, **options),
             lambda s, w: torch.istft(torch.view_as_complex(s.contiguous()), window=w,
                                      **options),
             [spectrum, window], check_gradgrad=False)


def test_istft_second_order_gradients_and_unbatched_input():
    rng = np.random.default_rng(3)
    spectrum = rng.standard_normal((4, 5, 2))
    window = rng.random(6) + 0.5
    check_op(lambda s, w: yingshe.istft(s, 6, 2, window=w),
             lambda s, w: torch.istft(torch.view_as_complex(s.contiguous()), 6, 2, window=w),
             [spectrum, window])


@pytest.mark.filterwarnings("ignore:The length of signal is shorter")
@pytest.mark.parametrize("seed", range(8))
def test_istft_random_shapes(seed):
    """Random sizes and options; where PyTorch refuses (the NOLA condition fails at the end of a
    zero-padded window), so does yingshe."""
    rng = np.random.default_rng(100 + seed)
    n_fft = int(rng.integers(2, 33))
    win = int(rng.integers(max(1, n_fft // 2), n_fft + 1))
    hop = int(rng.integers(1, max(2, win // 2)))
    frames = int(rng.integers(2, 9))
    onesided = bool(rng.integers(2))
    bins = n_fft // 2 + 1 if onesided else n_fft
    options = {"n_fft": n_fft, "hop_length": hop, "win_length": win, "center": True,
               "onesided": onesided, "normalized": bool(rng.integers(2)),
               "length": [None, int(rng.integers(1, 3 * n_fft))][int(rng.integers(2))]}
    spectrum, window = rng.standard_normal((2, bins, frames, 2)), rng.random(win) + 0.5
    try:
        torch.istft(torch.view_as_complex(torch.tensor(spectrum)), window=torch.tensor(window),
                    **options)
    except RuntimeError:
        check_raises(lambda: yingshe.istft(yingshe.tensor(spectrum), window=yingshe.tensor(
            window), **options), RuntimeError, "NOLA")
        return
    check_op(lambda s, w: yingshe.istft(s, window=w, **options),
             lambda s, w: torch.istft(torch.view_as_complex(s.contiguous()), window=w,
                                      **options),
             [spectrum, window], check_gradcheck=False, check_gradgrad=False,
             tol={"float32": {"atol": 1e-4}})


def test_istft_inverts_stft():
    rng = np.random.default_rng(4)
    x = yingshe.tensor(rng.standard_normal((2, 200)), dtype=yingshe.float64)
    window = yingshe.hann_window(32, dtype=yingshe.float64)
    spectrum = yingshe.stft(x, 32, 8, window=window, return_complex=False)
    back = yingshe.istft(spectrum, 32, 8, window=window, length=200)
    np.testing.assert_allclose(back.numpy(), x.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window",
                                  "bartlett_window"])
@pytest.mark.parametrize("length", [0, 1, 2, 7, 8, 400])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name, length, periodic):
    for dtype in ("float32", "float64"):
        ours = getattr(yingshe, name)(length, periodic, dtype=getattr(yingshe, dtype))
        theirs = getattr(torch, name)(length, periodic, dtype=getattr(torch, dtype))
        assert ours.dtype.name == dtype and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


@pytest.mark.filterwarnings("ignore:A window was not provided")
def test_stft_errors_name_the_problem():
    x = yingshe.randn(2, 20)
    check_raises(lambda: yingshe.stft(x, 8), RuntimeError, "return_complex")
    check_raises(lambda: yingshe.stft(x, 8, return_complex=True), RuntimeError,
                 "no complex dtype")
    check_raises(lambda: yingshe.stft(x, 8, window=yingshe.ones(7), return_complex=False),
                 RuntimeError, "win_length=8", "(7,)")
    check_raises(lambda: yingshe.stft(x, 8, win_length=9, return_complex=False), RuntimeError,
                 "win_length=9")
    check_raises(lambda: yingshe.stft(x, 8, hop_length=0, return_complex=False), RuntimeError,
                 "hop_length=0")
    check_raises(lambda: yingshe.stft(x, 30, center=False, return_complex=False), RuntimeError,
                 "n_fft=30")
    check_raises(lambda: yingshe.stft(yingshe.randn(2, 2, 20), 8, return_complex=False),
                 RuntimeError, "(2, 2, 20)")
    check_raises(lambda: yingshe.stft(x, 8, align_to_window=True, return_complex=False),
                 RuntimeError, "align_to_window")
    check_raises(lambda: yingshe.stft(x, 8, window=yingshe.ones(8, dtype=yingshe.float64),
                                      return_complex=False), RuntimeError, "float64")


@pytest.mark.filterwarnings("ignore:A window was not provided")
def test_istft_errors_name_the_problem():
    spectrum = yingshe.randn(5, 7, 2)
    check_raises(lambda: yingshe.istft(spectrum, 10), RuntimeError, "expected 6", "got 5")
    check_raises(lambda: yingshe.istft(yingshe.randn(5, 7), 8), RuntimeError, "(5, 7)")
    check_raises(lambda: yingshe.istft(spectrum, 8, hop_length=6, win_length=4), RuntimeError,
                 "hop_length=6")
    # a window that is zero where no other frame covers: the NOLA condition fails
    window = yingshe.tensor([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    check_raises(lambda: yingshe.istft(spectrum, 8, 2, window=window, center=False),
                 RuntimeError, "NOLA")
    with pytest.raises(RuntimeError):  # PyTorch refuses it too
        torch.istft(torch.randn(5, 7, dtype=torch.complex64), 8, 2,
                    window=torch.tensor(window.numpy()), center=False)
