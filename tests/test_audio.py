"""yingshe.audio: WAV reading and writing (every PCM width, channels, the errors), the
spectral front ends against torch.stft (the formulas torchaudio composes) and against librosa
(mel filter banks for both mel scales and norms, mel spectrograms, MFCCs), the DCT against
scipy, resampling against scipy.signal.resample_poly, and SpecAugment's masks."""
import inspect
import wave

import numpy as np
import pytest
import scipy.fft
import scipy.io.wavfile
import scipy.signal
import torch

import yingshe
from helpers import check_op, check_raises
from yingshe import audio
from yingshe.audio import functional as AF
from yingshe.audio import transforms as T
from yingshe.autograd import gradcheck, gradgradcheck


@pytest.fixture
def recordings(data_root):
    """The FSDD recordings folder of the shared data."""
    folder = data_root / "fsdd" / "recordings"
    if not folder.is_dir():
        pytest.skip(f"no FSDD recordings in {folder}")
    return folder


def _write_pcm(path, samples, width, rate=8000):
    """A WAV file of integer ``samples`` (frames, channels) through the wave module."""
    samples = np.asarray(samples)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(samples.shape[1])
        writer.setsampwidth(width)
        writer.setframerate(rate)
        if width == 3:
            values = samples.astype(np.int64).reshape(-1) & 0xFFFFFF
            raw = np.stack([values & 0xFF, (values >> 8) & 0xFF, values >> 16], -1)
            writer.writeframes(raw.astype(np.uint8).tobytes())
        else:
            dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}[width]
            writer.writeframes(samples.astype(dtype).tobytes())


# ---- files ---------------------------------------------------------------------------------------
def test_load_reads_an_fsdd_recording_as_scipy_does(recordings):
    path = recordings / "7_jackson_32.wav"
    waveform, rate = audio.load(path)
    expected_rate, samples = scipy.io.wavfile.read(path)
    assert rate == expected_rate == 8000 and samples.dtype == np.int16
    assert waveform.dtype == yingshe.float32 and tuple(waveform.shape) == (1, len(samples))
    np.testing.assert_array_equal(waveform.numpy()[0], samples / 32768.0)
    raw, _ = audio.load(path, normalize=False)
    assert raw.dtype == yingshe.int16
    np.testing.assert_array_equal(raw.numpy()[0], samples)
    part, _ = audio.load(path, frame_offset=100, num_frames=50)
    np.testing.assert_array_equal(part.numpy()[0], samples[100:150] / 32768.0)
    meta = audio.info(path)
    assert meta == (8000, len(samples), 1, 16, "PCM_S")


@pytest.mark.parametrize("width, full_scale, dtype", [(1, 128, yingshe.uint8),
                                                      (2, 32768, yingshe.int16),
                                                      (3, 2 ** 23, yingshe.int32),
                                                      (4, 2 ** 31, yingshe.int32)])
def test_load_every_pcm_width_and_several_channels(tmp_path, width, full_scale, dtype):
    rng = np.random.default_rng(width)
    signed = rng.integers(-full_scale, full_scale, (40, 2))
    stored = signed + 128 if width == 1 else signed  # 8-bit WAV is unsigned
    path = tmp_path / f"{width}.wav"
    _write_pcm(path, stored, width)
    waveform, rate = audio.load(path)
    assert rate == 8000 and tuple(waveform.shape) == (2, 40)  # one row per channel
    np.testing.assert_allclose(waveform.numpy(), (signed / full_scale).T, atol=1e-7)
    frames_last, _ = audio.load(path, channels_first=False)
    np.testing.assert_array_equal(frames_last.numpy(), waveform.numpy().T)
    raw, _ = audio.load(path, normalize=False)
    assert raw.dtype == dtype
    np.testing.assert_array_equal(raw.numpy(), stored.T)


def test_save_then_load_round_trip(tmp_path):
    signal = yingshe.tensor(np.arange(-64, 64).reshape(2, 64) / 64.0, dtype=yingshe.float32)
    audio.save(tmp_path / "x.wav", signal, 16000)
    back, rate = audio.load(tmp_path / "x.wav")
    assert rate == 16000
    np.testing.assert_array_equal(back.numpy(), signal.numpy())
    audio.save(tmp_path / "clipped.wav", yingshe.tensor([[2.0, -2.0, 0.5]]), 8000)
    np.testing.assert_array_equal(audio.load(tmp_path / "clipped.wav", normalize=False)[0]
                                  .numpy(), [[32767, -32768, 16384]])


def test_bad_files_get_errors_naming_them(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    check_raises(lambda: audio.load(empty), audio.AudioFileError, str(empty), "empty")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio at all, just some text in a file")
    check_raises(lambda: audio.load(text), audio.AudioFileError, str(text), "not a WAV file")
    floating = tmp_path / "float.wav"
    scipy.io.wavfile.write(floating, 8000, np.zeros(100, np.float32))
    check_raises(lambda: audio.load(floating), audio.AudioFileError, str(floating),
                 "IEEE float", "integer PCM")
    whole = tmp_path / "whole.wav"
    _write_pcm(whole, np.zeros((1000, 1)), 2)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[:1200])
    check_raises(lambda: audio.load(cut), audio.AudioFileError, str(cut), "truncated",
                 "1000 frames")
    header_only = tmp_path / "header.wav"
    header_only.write_bytes(whole.read_bytes()[:20])
    check_raises(lambda: audio.load(header_only), audio.AudioFileError, str(header_only))
    check_raises(lambda: audio.load(tmp_path / "missing.wav"), FileNotFoundError,
                 "missing.wav")


# ---- spectrograms ------------------------------------------------------------------------------
def _torch_spectrogram(x, window, pad, n_fft, hop, power, normalized):
    """torchaudio.functional.spectrogram's formula on torch."""
    if pad:
        x = torch.nn.functional.pad(x, (pad, pad))
    shape = x.shape
    spectrum = torch.stft(x.reshape(-1, shape[-1]), n_fft, hop, len(window), window,
                          normalized=normalized == "frame_length", return_complex=True)
    spectrum = spectrum.reshape(shape[:-1] + spectrum.shape[-2:])
    if normalized is True or normalized == "window":
        spectrum = spectrum / window.pow(2).sum().sqrt()
    if power is None:
        return torch.view_as_real(spectrum)
    return spectrum.abs() ** power


@pytest.mark.parametrize("shape, pad, power, normalized", [
    ((2, 3, 50), 0, 2.0, False), ((40,), 3, 1.0, True), ((1, 45), 0, None, "frame_length"),
    ((2, 38), 2, 1.5, "window")])
def test_spectrogram_matches_the_torch_formula(shape, pad, power, normalized):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    window = scipy.signal.get_window("hann", 12)

    def ours(x, w):
        return AF.spectrogram(x, pad, w, 16, 4, 12, power, normalized)

    def theirs(x, w):
        return _torch_spectrogram(x, w, pad, 16, 4, power, normalized)

    check_op(ours, theirs, [x, window], check_gradcheck=False, check_gradgrad=False)
    small = yingshe.tensor(rng.standard_normal(20), dtype=yingshe.float64, requires_grad=True)
    w = yingshe.tensor(window[:6] + 0.1, dtype=yingshe.float64)
    assert gradcheck(lambda x: AF.spectrogram(x, pad, w, 8, 3, 6, power, normalized), (small,),
                     eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.filterwarnings("ignore:At least one mel filterbank", "ignore:Empty filters")
@pytest.mark.parametrize("mel_scale", ["htk", "slaney"])
@pytest.mark.parametrize("norm", [None, "slaney"])
@pytest.mark.parametrize("n_freqs, f_min, f_max, n_mels, sample_rate", [
    (201, 0.0, 8000.0, 128, 16000), (129, 20.0, 4000.0, 40, 8000),
    (257, 300.0, 3400.0, 23, 8000), (1025, 0.0, 11025.0, 64, 22050)])
def test_melscale_fbanks_equal_librosa(mel_scale, norm, n_freqs, f_min, f_max, n_mels,
                                       sample_rate):
    """librosa.filters.mel builds torchaudio's filters (the same points, triangles and Slaney
    normalisation) from an FFT size; for an odd rate torchaudio's frequencies run to
    sample_rate // 2, librosa's to sample_rate / 2, so librosa is given that rate."""
    librosa = pytest.importorskip("librosa")
    ours = AF.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale)
    assert ours.dtype == yingshe.float32 and tuple(ours.shape) == (n_freqs, n_mels)
    reference = librosa.filters.mel(sr=2 * (sample_rate // 2), n_fft=2 * (n_freqs - 1),
                                    n_mels=n_mels, fmin=f_min, fmax=f_max,
                                    htk=mel_scale == "htk", norm=norm, dtype=np.float64)
    np.testing.assert_allclose(ours.numpy(), reference.T, rtol=1e-5, atol=1e-7)


def test_mel_scales_follow_their_published_constants():
    """HTK (O'Shaughnessy 1987): mel(f) = 2595 log10(1 + f / 700), so mel(700) = 2595 log10 2;
    Slaney (1998): 3 f / 200 below 1 kHz, 15 + 27 ln(f / 1000) / ln 6.4 above.  A filter peaks
    (value 1, unnormalised) at its centre frequency."""
    np.testing.assert_allclose(AF._hz_to_mel([700.0, 0.0], "htk"),
                               [2595 * np.log10(2.0), 0.0])
    np.testing.assert_allclose(AF._hz_to_mel([600.0, 1000.0, 6400.0], "slaney"),
                               [9.0, 15.0, 42.0])
    for scale in ("htk", "slaney"):
        hz = np.array([50.0, 999.0, 1000.0, 3000.0])
        np.testing.assert_allclose(AF._mel_to_hz(AF._hz_to_mel(hz, scale), scale), hz)
    # centres at mel points 1..n evenly spaced: with 3 filters from 0 to 4 mel-spaced points
    # on the HTK scale up to 4000 Hz, the second filter peaks where the bin hits its centre
    centre = AF._mel_to_hz(AF._hz_to_mel(4000.0, "htk") * 2 / 4, "htk")
    banks = AF.melscale_fbanks(4001, 0.0, 4000.0, 3, 8000).numpy()
    assert abs(banks[:, 1].argmax() - centre) <= 1 and banks[:, 1].max() == pytest.approx(1, 1e-3)
    with pytest.warns(UserWarning, match="all zero values"):
        AF.melscale_fbanks(20, 0.0, 4000.0, 60, 8000)
    check_raises(lambda: AF.melscale_fbanks(20, 0, 4000, 5, 8000, norm="area"), ValueError,
                 "norm")
    check_raises(lambda: AF.melscale_fbanks(20, 0, 4000, 5, 8000, mel_scale="bark"),
                 ValueError, "mel_scale")


@pytest.mark.parametrize("n_mfcc, n_mels", [(13, 40), (40, 40), (5, 23)])
def test_create_dct_is_scipys_dct2(n_mfcc, n_mels):
    identity = np.eye(n_mels)
    ortho = scipy.fft.dct(identity, type=2, norm="ortho", axis=0)[:n_mfcc].T
    np.testing.assert_allclose(AF.create_dct(n_mfcc, n_mels, "ortho").numpy(), ortho,
                               atol=1e-6)
    plain = scipy.fft.dct(identity, type=2, axis=0)[:n_mfcc].T
    np.testing.assert_allclose(AF.create_dct(n_mfcc, n_mels, None).numpy(), plain, atol=1e-5)




@pytest.mark.parametrize("mel_scale, norm", [("htk", None), ("slaney", "slaney")])
def test_mel_spectrogram_and_mfcc_equal_librosa(recordings, mel_scale, norm):
    """On a real recording, in float64 (librosa's reflect padding and periodic Hann window)."""
    librosa = pytest.importorskip("librosa")
    x = audio.load(recordings / "3_theo_7.wav")[0].double()
    options = {"n_fft": 256, "hop_length": 80, "n_mels": 40, "mel_scale": mel_scale,
               "norm": norm}
    mel = T.MelSpectrogram(8000, **options, window_fn=lambda n: yingshe.hann_window(
        n, dtype=yingshe.float64))
    mel.mel_scale.fb = mel.mel_scale.fb.double()
    ours = mel(x).numpy()[0]
    reference = librosa.feature.melspectrogram(
        y=x.numpy()[0], sr=8000, n_fft=256, hop_length=80, n_mels=40, center=True,
        pad_mode="reflect", htk=mel_scale == "htk", norm=norm, power=2.0)
    np.testing.assert_allclose(ours, reference, rtol=1e-7, atol=1e-12)
    mfcc = T.MFCC(8000, n_mfcc=13, melkwargs=options)
    ours_mfcc = mfcc(x.float()).numpy()[0]
    reference_mfcc = librosa.feature.mfcc(S=librosa.power_to_db(reference, top_db=80.0),
                                          n_mfcc=13)
    np.testing.assert_allclose(ours_mfcc, reference_mfcc, rtol=1e-3, atol=2e-3)


def test_mel_spectrogram_gradient_and_log_mels():
    rng = np.random.default_rng(5)
    mel = T.MelSpectrogram(8000, n_fft=32, hop_length=8, n_mels=6)
    fb = torch.tensor(mel.mel_scale.fb.numpy())
    window = torch.hann_window(32)

    def theirs(x):
        power = _torch_spectrogram(x, window, 0, 32, 8, 2.0, False)
        return (power.transpose(-1, -2) @ fb).transpose(-1, -2)

    check_op(mel, theirs, [rng.standard_normal((2, 100))], dtypes=("float32",),
             tol={"float32": {"rtol": 1e-4, "atol": 1e-4}})
    log_mfcc = T.MFCC(8000, n_mfcc=4, log_mels=True, melkwargs={"n_fft": 32, "n_mels": 6})
    x = yingshe.tensor(rng.standard_normal(64), dtype=yingshe.float32)
    expected = (log_mfcc.MelSpectrogram(x) + 1e-6).log().transpose(-1, -2) @ log_mfcc.dct_mat
    np.testing.assert_allclose(log_mfcc(x).numpy(), expected.transpose(-1, -2).numpy())


def test_amplitude_to_db_floors_each_spectrogram_at_top_db():
    rng = np.random.default_rng(6)
    x = rng.random((2, 3, 4, 5)) ** 8
    x[0, 1, 2, 3] = 0.0

    def theirs(x, top_db):
        db = 10 * torch.log10(torch.clamp(x, min=1e-10))
        if top_db is None:
            return db
        packed = db.reshape(-1, 3, 4, 5)
        floor = (packed.amax(dim=(-3, -2, -1)) - top_db).view(-1, 1, 1, 1)
        return torch.max(packed, floor).reshape(db.shape)

    for top_db in (None, 20.0):
        to_db = T.AmplitudeToDB("power", top_db)
        check_op(to_db, lambda x: theirs(x, top_db), [x], check_gradgrad=False,
                 check_gradcheck=False)
    amplitude = T.AmplitudeToDB("magnitude")(yingshe.tensor([10.0, 1e-12]))
    np.testing.assert_allclose(amplitude.numpy(), [20.0, -200.0])
    back = AF.DB_to_amplitude(T.AmplitudeToDB()(yingshe.tensor([3.0, 0.25])), 1.0, 1.0)
    np.testing.assert_allclose(back.numpy(), [3.0, 0.25], rtol=1e-5)
    check_raises(lambda: T.AmplitudeToDB(top_db=-1), ValueError, "top_db")


@pytest.mark.filterwarnings("ignore:At least one mel filterbank")
def test_transforms_have_torchaudios_parameters_and_defaults():
    """torchaudio 2.x's signatures (its documentation), window functions aside."""
    expected = {
        T.Spectrogram: "n_fft=400, win_length=None, hop_length=None, pad=0, window_fn, "
                       "power=2.0, normalized=False, wkwargs=None, center=True, "
                       "pad_mode='reflect', onesided=True, return_complex=None",
        T.MelSpectrogram: "sample_rate=16000, n_fft=400, win_length=None, hop_length=None, "
                          "f_min=0.0, f_max=None, pad=0, n_mels=128, window_fn, power=2.0, "
                          "normalized=False, wkwargs=None, center=True, pad_mode='reflect', "
                          "onesided=None, norm=None, mel_scale='htk'",
        T.MelScale: "n_mels=128, sample_rate=16000, f_min=0.0, f_max=None, n_stft=201, "
                    "norm=None, mel_scale='htk'",
        T.MFCC: "sample_rate=16000, n_mfcc=40, dct_type=2, norm='ortho', log_mels=False, "
                "melkwargs=None",
        T.AmplitudeToDB: "stype='power', top_db=None",
        T.TimeMasking: "time_mask_param, iid_masks=False, p=1.0",
        T.FrequencyMasking: "freq_mask_param, iid_masks=False",
    }
    for cls, text in expected.items():
        parameters = [name if p.default is inspect.Parameter.empty or name == "window_fn"
                      else f"{name}={p.default!r}"
                      for name, p in inspect.signature(cls.__init__).parameters.items()
                      if name != "self"]
        assert ", ".join(parameters) == text, cls.__name__
    spectrogram = T.Spectrogram()
    assert (spectrogram.win_length, spectrogram.hop_length) == (400, 200)
    assert tuple(spectrogram.window.shape) == (400,)
    assert tuple(T.MFCC().dct_mat.shape) == (128, 40)
    check_raises(lambda: T.MFCC(n_mfcc=200), ValueError, "MFCC coefficients")
    check_raises(lambda: T.MelScale(f_min=9000.0), ValueError, "f_min")


# ---- resampling --------------------------------------------------------------------------------
@pytest.mark.parametrize("orig, new", [(8000, 16000), (16000, 8000), (44100, 8000),
                                       (8000, 11025), (3, 2)])
def test_resample_is_scipys_resample_poly(orig, new):
    rng = np.random.default_rng(orig + new)
    x = rng.standard_normal((2, 301))
    ours = T.Resample(orig, new)(yingshe.tensor(x)).numpy()
    g = np.gcd(orig, new)
    np.testing.assert_allclose(ours, scipy.signal.resample_poly(x, new // g, orig // g, axis=-1),
                               atol=1e-12)
    single = AF.resample(yingshe.tensor(x[0], dtype=yingshe.float32), orig, new)
    assert single.dtype == yingshe.float32 and single.shape[0] == ours.shape[1]


@pytest.mark.parametrize("orig, new", [(3, 2), (2, 5), (8000, 16000)])
def test_resample_gradients(orig, new):
    rng = np.random.default_rng(1)
    x = yingshe.tensor(rng.standard_normal((2, 9)), dtype=yingshe.float64, requires_grad=True)
    assert gradcheck(lambda x: AF.resample(x, orig, new), (x,), eps=1e-6, atol=1e-6)
    assert gradgradcheck(lambda x: AF.resample(x, orig, new), (x,), eps=1e-6, atol=1e-6)
    same = yingshe.tensor([1.0, 2.0])
    assert AF.resample(same, 8000, 8000) is same
    check_raises(lambda: AF.resample(same, 0, 8000), ValueError, "0")


# ---- SpecAugment -------------------------------------------------------------------------------
def _masked_band(masked, original, axis):
    """The indices along ``axis`` where ``masked`` differs from ``original`` (0 masks)."""
    changed = (masked != original).any(axis=tuple(a for a in range(masked.ndim) if a != axis))
    return np.flatnonzero(changed)


@pytest.mark.parametrize("cls, axis", [(T.TimeMasking, -1), (T.FrequencyMasking, -2)])
def test_masking_sets_one_contiguous_band_reproducibly(cls, axis):
    spectrogram = yingshe.tensor(np.random.default_rng(0).random((3, 20, 30)) + 1.0)
    widths = set()
    for seed in range(40):
        yingshe.manual_seed(seed)
        masked = cls(8)(spectrogram).numpy()
        band = _masked_band(masked, spectrogram.numpy(), masked.ndim + axis)
        if band.size:
            assert np.array_equal(band, np.arange(band[0], band[-1] + 1)) and band.size < 8
            widths.add(band.size)
            assert (np.take(masked, band, axis=axis) == 0).all()
        yingshe.manual_seed(seed)
        np.testing.assert_array_equal(cls(8)(spectrogram).numpy(), masked)
    assert len(widths) > 3  # the width is drawn anew each time


def test_iid_masks_differ_across_the_batch_and_p_bounds_the_width():
    yingshe.manual_seed(3)
    spectrogram = yingshe.ones(6, 1, 10, 50)
    masked = T.TimeMasking(20, iid_masks=True)(spectrogram, mask_value=-1.0).numpy()
    starts = {int(np.flatnonzero(row[0, 0] == -1)[0]) for row in masked
              if (row == -1).any()}
    assert len(starts) > 1
    for seed in range(20):
        yingshe.manual_seed(seed)
        narrow = T.TimeMasking(40, p=0.1)(yingshe.ones(10, 50)).numpy()
        assert (narrow == 0).any(axis=0).sum() < 5  # at most 0.1 of 50 frames
    check_raises(lambda: T.TimeMasking(5, p=1.5), ValueError, "1.5")
    check_raises(lambda: AF.mask_along_axis_iid(yingshe.ones(4, 5), 2, 0.0, 1), ValueError,
                 "at least 3 dimensions")


def test_masking_passes_gradients_outside_the_band():
    yingshe.manual_seed(1)
    x = yingshe.ones(4, 12, requires_grad=True)
    masked = T.FrequencyMasking(3)(x)
    masked.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (masked.detach().numpy() != 0).astype(
        np.float32))
