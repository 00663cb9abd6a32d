"""``yingshe.nn.utils``: gradient clipping, parameter vectors, ``rnn`` (packed sequences),
``parametrize`` and ``parametrizations`` (weight_norm, spectral_norm, orthogonal), ``prune``,
and the older hook-based ``weight_norm`` / ``spectral_norm``."""
from . import parametrizations, parametrize, prune, rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]
