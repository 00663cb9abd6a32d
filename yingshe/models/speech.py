"""Spoken-digit recognisers that take the waveform itself (8 kHz samples) and do their own
feature extraction:

- ``DigitCNN``: an isolated digit's class from its log-mel spectrogram by a small VGG-style CNN
  (Simonyan & Zisserman 2015) whose feature maps are averaged over 4 stretches of the speech
  (leading and trailing silence trimmed);
- ``SpeechCRNN``: a digit string by a CNN front (Amodei et al. 2016, "Deep Speech 2", §3.2)
  and a bidirectional GRU (Cho et al. 2014; Schuster & Paliwal 1997), trained with CTC
  (Graves et al. 2006), on log-mel features or on the output of a learned filterbank.

The front ends: ``LogMelFrontEnd`` (a mel filterbank, Stevens, Volkmann & Newman 1937, on the
power spectrum, then log) and ``RawFrontEnd`` (strided Conv1d filters on the raw samples, in
cosine/sine pairs whose squared outputs add up to an energy, initialised at the mel filters'
frequencies and bandwidths: the time-domain filterbanks of Zeghidour et al. 2018, "Learning
filterbanks from raw speech for phone recognition", with a strided first layer as in
Collobert, Puhrsch & Synnaeve 2016, "Wav2Letter").  Both normalise each channel over the utterance's real frames
(cepstral mean and variance normalisation; Viikki & Laurila 1998) and, while training, mask
bands of frequency and time (SpecAugment; Park et al. 2019)."""
import math
from collections import namedtuple

import numpy as np

from .. import nn
from .._tensor import Tensor
from ..audio.functional import _hz_to_mel, _mel_to_hz
from ..audio.transforms import FrequencyMasking, MelSpectrogram, TimeMasking
from ..nn import functional as F
from ..nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from ..ops.creation import from_numpy, tensor

__all__ = ["SpeechBatch", "CTCTargets", "BLANK", "LogMelFrontEnd", "RawFrontEnd",
           "SpecAugment", "DigitCNN", "SpeechCRNN", "SPEECH_MODELS", "build_speech_model",
           "speech_span"]

BLANK = 0  # CTC's blank is class 0; digit d is class d + 1


class SpeechBatch(namedtuple("SpeechBatch", ["waveforms", "lengths"])):
    """Waveforms (N, samples), zero-padded, and each one's real length in samples (NumPy int64
    (N,)); ``to`` moves the waveforms, as ``Trainer`` moves its inputs."""

    def to(self, device):
        return SpeechBatch(self.waveforms.to(device), self.lengths)

    def __len__(self):
        return self.waveforms.shape[0]


class CTCTargets(namedtuple("CTCTargets", ["labels", "label_lengths", "sample_lengths"])):
    """Padded class labels (N, S) (digit + 1), the number of labels of each string, and the
    length in samples of each waveform (from which the model's output lengths follow)."""

    def to(self, device):
        return CTCTargets(self.labels.to(device), self.label_lengths, self.sample_lengths)

    def __len__(self):
        return self.labels.shape[0]


def _unpack(waveforms, lengths):
    """(waveforms (N, samples), lengths (N,)) from a SpeechBatch, or a Tensor (N, samples) or
    (samples,) whose rows are all real."""
    if isinstance(waveforms, SpeechBatch):
        waveforms, lengths = waveforms
    if not isinstance(waveforms, Tensor) or waveforms.ndim not in (1, 2):
        raise ValueError(f"expected waveforms (batch, samples) or (samples,), got "
                         f"{getattr(waveforms, 'shape', type(waveforms).__name__)}")
    if waveforms.ndim == 1:
        waveforms = waveforms.unsqueeze(0)
    if lengths is None:
        lengths = np.full(waveforms.shape[0], waveforms.shape[1])
    return waveforms, np.asarray(lengths, np.int64)


def _normalize_frames(features, starts, ends):
    """Each channel of each utterance (N, C, T) shifted and scaled to mean 0, variance 1 over
    its frames [start, end); the other frames (padding, trimmed silence) set to 0."""
    steps = np.arange(features.shape[-1])[None, None, :]
    inside = (steps >= starts[:, None, None]) & (steps < ends[:, None, None])
    mask = from_numpy(inside).to(features.dtype)
    count = from_numpy(np.maximum(ends - starts, 1)[:, None, None]).to(features.dtype)
    mean = (features * mask).sum(-1, keepdim=True) / count
    centred = (features - mean) * mask
    std = ((centred * centred).sum(-1, keepdim=True) / count + 1e-5).sqrt()
    return centred / std


def speech_span(log_energies, frames, trim_db):
    """[start, end) of each utterance's frames from the first to the last whose energy is
    within ``trim_db`` decibels of its loudest (leading and trailing silence trimmed, an
    energy threshold relative to the peak as in Rabiner & Sambur 1975's endpoint detection);
    without ``trim_db``, [0, frames).  ``log_energies``: (N, C, T) natural-log channel
    energies."""
    frames = np.asarray(frames)
    starts = np.zeros(len(frames), np.int64)
    if trim_db is None:
        return starts, frames.astype(np.int64)
    ends = frames.astype(np.int64).copy()
    totals = np.logaddexp.reduce(log_energies, axis=1) * (10 / np.log(10))  # dB per frame
    for n, count in enumerate(frames):
        loud = np.flatnonzero(totals[n, :count] >= totals[n, :count].max() - trim_db)
        starts[n], ends[n] = loud[0], loud[-1] + 1
    return starts, ends


class LogMelFrontEnd(nn.Module):
    """Waveforms (N, samples) -> log mel power (N, n_mels, frames), 1 + samples // hop frames
    (25 ms Hann windows every 10 ms at 8 kHz by default), log(mel + 1e-6)."""

    def __init__(self, sample_rate=8000, n_fft=256, win_length=200, hop_length=80, n_mels=40):
        super().__init__()
        self.hop_length, self.n_channels = hop_length, n_mels
        self.mel = MelSpectrogram(sample_rate, n_fft=n_fft, win_length=win_length,
                                  hop_length=hop_length, n_mels=n_mels)

    def frames(self, lengths):
        return 1 + np.asarray(lengths) // self.hop_length

    def forward(self, waveforms):
        return (self.mel(waveforms) + 1e-6).log()


class RawFrontEnd(nn.Module):
    """Waveforms (N, samples) -> log filterbank energies (N, n_filters, frames), learned: a
    Conv1d of 2 n_filters filters of ``kernel_size`` samples with stride ``stride`` (25 ms and
    10 ms at 8 kHz) on the waveform padded by kernel_size // 2 zeros at each end (so it gives as
    many frames as ``LogMelFrontEnd``), then e_k = y_2k^2 + y_2k+1^2 and log(e_k + 1e-6).

    Filter pair k starts as a Gabor-like pair, a cosine and a sine at the k-th of n_filters
    mel-spaced centre frequencies under a Hann window whose bandwidth matches the k-th mel
    filter's (Zeghidour, Usunier, Kokkinos, Schatz, Synnaeve & Dupoux 2018, "Learning filterbanks
    from raw speech for phone recognition", §2.2): a Hann window of L samples passes about
    2 sample_rate / L Hz at half amplitude, a triangle of base B about B / 2, so L = 4
    sample_rate / B (at most kernel_size), centred in the kernel.  The squared outputs of the
    pair add up to the energy near that frequency whatever the phase."""

    def __init__(self, sample_rate=8000, n_filters=40, kernel_size=200, stride=80,
                 f_min=0.0):
        super().__init__()
        self.hop_length, self.n_channels, self.kernel_size = stride, n_filters, kernel_size
        self.conv = nn.Conv1d(1, 2 * n_filters, kernel_size, stride=stride, bias=False)
        points = _mel_to_hz(np.linspace(_hz_to_mel(f_min, "htk"),
                                        _hz_to_mel(sample_rate / 2, "htk"), n_filters + 2),
                            "htk")
        centres, bases = points[1:-1], points[2:] - points[:-2]
        lengths = np.clip(np.round(4 * sample_rate / bases), 8, kernel_size).astype(int)
        t = (np.arange(kernel_size) - kernel_size // 2) / sample_rate
        weights = np.zeros((n_filters, 2, kernel_size))
        for k, (centre, length) in enumerate(zip(centres, lengths)):
            start = (kernel_size - length) // 2
            window = np.zeros(kernel_size)
            window[start:start + length] = np.hanning(length)
            angle = 2 * math.pi * centre * t
            weights[k] = np.stack([np.cos(angle), np.sin(angle)]) * window / np.sqrt(
                (window ** 2).sum())
        self.conv.weight.data = tensor(weights.reshape(2 * n_filters, 1, kernel_size),
                                       dtype=self.conv.weight.dtype)

    def frames(self, lengths):
        return 1 + np.asarray(lengths) // self.hop_length

    def forward(self, waveforms):
        padded = F.pad(waveforms.unsqueeze(1), (self.kernel_size // 2, self.kernel_size // 2))
        outputs = self.conv(padded)  # (N, 2 n, frames)
        pairs = outputs.reshape(outputs.shape[0], self.n_channels, 2, outputs.shape[-1])
        cosine, sine = pairs[:, :, 0], pairs[:, :, 1]
        return (cosine * cosine + sine * sine + 1e-6).log()


class SpecAugment(nn.Module):
    """``freq_masks`` frequency bands of up to ``freq_mask_param`` channels and ``time_masks``
    time bands of up to ``time_mask_param`` frames (at most ``time_mask_ratio`` of the
    utterance), drawn independently for each example, set to 0 (the mean of normalised
    features) (Park et al. 2019, §2; no time warping).  Identity in eval mode."""

    def __init__(self, freq_mask_param=8, time_mask_param=10, freq_masks=2, time_masks=2,
                 time_mask_ratio=0.2):
        super().__init__()
        self.freq = FrequencyMasking(freq_mask_param, iid_masks=True)
        self.time = TimeMasking(time_mask_param, iid_masks=True, p=time_mask_ratio)
        self.freq_masks, self.time_masks = freq_masks, time_masks

    def forward(self, features):
        if not self.training:
            return features
        for _ in range(self.freq_masks):
            features = self.freq(features)
        for _ in range(self.time_masks):
            features = self.time(features)
        return features


def _conv_block(in_channels, out_channels, pool):
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(), nn.MaxPool2d(pool)]


def _features(front_end, augment, waveforms, lengths, trim_db=None):
    """Normalised (and, while training, masked) features (N, 1, channels, frames) and the
    [start, end) frames of each utterance's speech (``speech_span``)."""
    energies = front_end(waveforms)
    starts, ends = speech_span(energies.detach().numpy(), front_end.frames(lengths), trim_db)
    features = _normalize_frames(energies, starts, ends)
    return augment(features.unsqueeze(1)), (starts, ends)


def _segment_means(maps, starts, ends, segments):
    """The mean of (N, C, F, T) feature maps over each of ``segments`` consecutive, nearly
    equal stretches of each utterance's frames [start, end): (N, C, F, segments), a temporal
    pyramid's finest level (He, Zhang, Ren & Sun 2015, "Spatial pyramid pooling", on the time
    axis), so that the classifier sees where in the word each feature occurred."""
    batch, steps = maps.shape[0], maps.shape[-1]
    weights = np.zeros((batch, steps, segments), np.float64)
    for n, (first, last) in enumerate(zip(starts, ends)):
        bounds = np.linspace(first, last, segments + 1)
        for k in range(segments):
            start = min(int(bounds[k]), last - 1)
            end = max(int(np.ceil(bounds[k + 1])), start + 1)
            weights[n, start:end, k] = 1.0 / (end - start)
    weights = from_numpy(weights).to(maps.dtype)
    flat = maps.reshape(batch, -1, steps)  # (N, C F, T)
    return (flat @ weights).reshape(tuple(maps.shape[:-1]) + (segments,))


class DigitCNN(nn.Module):
    """An isolated digit: waveform -> front end -> normalised features (1 x channels x frames)
    -> blocks of 3x3 convolution, batch norm, ReLU and 2x2 max pooling -> the last feature maps
    averaged over each of ``segments`` stretches of the speech (the frames within ``trim_db``
    of the loudest; every channel and frequency row kept) -> dropout -> linear -> 10 logits."""

    def __init__(self, front_end, num_classes=10, channels=(32, 64, 128), dropout=0.3,
                 augment=None, segments=4, trim_db=35.0):
        super().__init__()
        self.front_end = front_end
        self.augment = augment if augment is not None else SpecAugment(0, 0, 0, 0)
        self.segments, self.trim_db = segments, trim_db
        layers, previous = [], 1
        self.pools = [(2, 2)] * len(channels)
        for width, pool in zip(channels, self.pools):
            layers += _conv_block(previous, width, pool)
            previous = width
        self.features = nn.Sequential(*layers)
        height = front_end.n_channels // 2 ** len(channels)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(previous * height * segments, num_classes)

    def forward(self, waveforms, lengths=None):
        waveforms, lengths = _unpack(waveforms, lengths)
        features, (starts, ends) = _features(self.front_end, self.augment, waveforms, lengths,
                                             self.trim_db)
        maps = self.features(features)  # (N, C, F', T')
        stride = math.prod(time for _, time in self.pools)
        starts = np.minimum(starts // stride, maps.shape[-1] - 1)
        ends = np.clip(-(-ends // stride), starts + 1, maps.shape[-1])
        pooled = _segment_means(maps, starts, ends, self.segments)
        return self.classifier(self.dropout(pooled.flatten(1)))


class SpeechCRNN(nn.Module):
    """A digit string: waveform -> front end -> normalised features -> 2 blocks of 3x3
    convolution with stride 2 in frequency and time (as Deep Speech 2's strided convolutions),
    batch norm and ReLU (40 ms per step) -> each step's feature map flattened and projected
    (linear, ReLU) -> ``rnn_layers`` bidirectional GRU layers over the real steps (packed) ->
    linear -> log-softmax over the blank and the 10 digits, (steps, N, 11), as ``F.ctc_loss``
    takes it."""

    def __init__(self, front_end, num_classes=11, channels=(32, 64), hidden=128, rnn_layers=2,
                 dropout=0.2, augment=None):
        super().__init__()
        self.front_end = front_end
        self.augment = augment if augment is not None else SpecAugment()
        self.strides = [(2, 2)] * len(channels)
        layers, previous = [], 1
        for width, stride in zip(channels, self.strides):
            layers += [nn.Conv2d(previous, width, 3, stride=stride, padding=1, bias=False),
                       nn.BatchNorm2d(width), nn.ReLU()]
            previous = width
        self.features = nn.Sequential(*layers)
        height = front_end.n_channels
        for stride, _ in self.strides:
            height = -(-height // stride)
        self.projection = nn.Linear(previous * height, hidden)
        self.rnn = nn.GRU(hidden, hidden, rnn_layers, bidirectional=True,
                          dropout=dropout if rnn_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * hidden, num_classes)

    def output_lengths(self, sample_lengths):
        """Output steps for waveforms of ``sample_lengths`` samples: each stride-s convolution
        (kernel 3, padding 1) turns n frames into ceil(n / s)."""
        steps = self.front_end.frames(sample_lengths)
        for _, time_stride in self.strides:
            steps = -(-steps // time_stride)
        return steps

    def forward(self, waveforms, lengths=None):
        waveforms, lengths = _unpack(waveforms, lengths)
        features, _ = _features(self.front_end, self.augment, waveforms, lengths)
        maps = self.features(features)  # (N, C, F', T')
        batch, channels, height, steps = maps.shape
        sequence = maps.permute(3, 0, 1, 2).reshape(steps, batch, channels * height)
        sequence = F.relu(self.projection(sequence))
        steps_kept = self.output_lengths(lengths)
        packed = pack_padded_sequence(self.dropout(sequence), steps_kept, enforce_sorted=False)
        outputs, _ = self.rnn(packed)
        outputs, _ = pad_packed_sequence(outputs, total_length=steps)
        return F.log_softmax(self.classifier(self.dropout(outputs)), dim=-1)


def _cnn(config):
    return DigitCNN(LogMelFrontEnd(n_mels=config["n_mels"]), channels=tuple(config["channels"]),
                    dropout=config["dropout"], augment=_augment(config),
                    trim_db=config["trim_db"])


def _crnn(config, front_end):
    return SpeechCRNN(front_end, channels=tuple(config["channels"]), hidden=config["hidden"],
                      rnn_layers=config["rnn_layers"], dropout=config["dropout"],
                      augment=_augment(config))


def _augment(config):
    masks = config["spec_augment"]
    return SpecAugment(config["freq_mask_param"], config["time_mask_param"], masks, masks)


# model -> (builder from a config, task, one line)
SPEECH_MODELS = {
    "speech-cnn": (_cnn, "isolated",
                   "isolated spoken digits (FSDD): CNN on log-mel features, 10 classes"),
    "speech-crnn": (lambda config: _crnn(config, LogMelFrontEnd(n_mels=config["n_mels"])),
                    "connected", "digit strings: CNN + bidirectional GRU + CTC on log-mel"),
    "speech-raw": (lambda config: _crnn(config, RawFrontEnd(n_filters=config["n_mels"])),
                   "connected", ("digit strings: strided Conv1d filterbank learned on the raw "
                                "waveform, then as speech-crnn")),
}


def build_speech_model(config):
    """The model ``config["model"]`` of ``SPEECH_MODELS`` with the config's sizes."""
    name = config["model"]
    if name not in SPEECH_MODELS:
        raise ValueError(f"unknown speech model {name!r}; available: {', '.join(SPEECH_MODELS)}")
    return SPEECH_MODELS[name][0](config)
