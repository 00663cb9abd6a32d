"""Audio, torchaudio's mirror: WAV files (``load``, ``save``, ``info``), the spectral front ends
and SpecAugment (``transforms``, ``functional``), and CTC decoding (``ctc_decoder``)."""
from . import ctc_decoder, functional, transforms
from ._io import AudioFileError, AudioMetaData, info, load, save
from .ctc_decoder import CTCHypothesis, collapse, ctc_greedy_decode, ctc_prefix_beam_search

__all__ = ["functional", "transforms", "ctc_decoder", "AudioFileError", "AudioMetaData", "info",
           "load", "save", "CTCHypothesis", "collapse", "ctc_greedy_decode",
           "ctc_prefix_beam_search"]
