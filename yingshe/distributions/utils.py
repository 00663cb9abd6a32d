"""Helpers shared by the distributions (``torch.distributions.utils``)."""
import numbers
from functools import update_wrapper

import numpy as np

from .. import _backend
from .._dtype import get_default_dtype
from .._tensor import Tensor
from ..autograd import enable_grad
from ..ops import reduce
from ..ops.broadcast import broadcast_tensors
from ..ops.creation import tensor
from ..ops.elementwise import clamp, log, log1p, sigmoid
from ..ops.softmax import softmax

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]

_NUMBERS = (numbers.Number, np.number)


def broadcast_all(*values):
    """The arguments as Tensors of one broadcast shape: numbers become tensors of the first
    Tensor's dtype and device (of the default dtype when all are numbers)."""
    if not all(isinstance(v, (Tensor,) + _NUMBERS) for v in values):
        raise ValueError("Input arguments must all be instances of Number or yingshe.Tensor.")
    like = next((v for v in values if isinstance(v, Tensor)), None)
    options = {"dtype": like.dtype, "device": like.device} if like is not None \
        else {"dtype": get_default_dtype()}
    tensors = [v if isinstance(v, Tensor) else tensor(v, **options) for v in values]
    return broadcast_tensors(*tensors)


def _draw(like, shape, draw):
    """A Tensor of ``shape`` drawn from the device generator of ``like`` (``draw(generator,
    shape, dtype)``), in like's dtype: the framework's seeded stream (``manual_seed``)."""
    generator = _backend.generator(like.device)
    dtype = like._data.dtype
    work = dtype if dtype.itemsize >= 4 else np.dtype(np.float32)
    return Tensor._make(draw(generator, tuple(shape), work).astype(dtype, copy=False))


def _standard_normal(shape, like):
    """eps ~ N(0, I) of ``shape``, in like's dtype and device."""
    return _draw(like, shape, lambda g, s, d: g.standard_normal(s, dtype=d))


def _standard_uniform(shape, like):
    """u ~ U[0, 1) of ``shape``, in like's dtype and device."""
    return _draw(like, shape, lambda g, s, d: g.random(s, dtype=d))


def _sum_rightmost(value, dim):
    """``value`` summed over its ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return reduce.sum(value.reshape(tuple(value.shape[:-dim]) + (-1,)), -1)


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) for a binary variable, else softmax over the last dimension."""
    return sigmoid(logits) if is_binary else softmax(logits, -1)


def clamp_probs(probs):
    """``probs`` clamped to [eps, 1 - eps] (eps of its dtype), so that their logs are finite."""
    eps = float(np.finfo(probs._data.dtype).eps)
    return clamp(probs, min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log p - log(1 - p) for a binary variable, else log p (p clamped by ``clamp_probs``)."""
    clamped = clamp_probs(probs)
    if is_binary:
        return log(clamped) - log1p(-clamped)
    return log(clamped)


class lazy_property:
    """A property computed on first access (with gradients recorded) and then stored on the
    instance: ``probs`` from ``logits`` and back, MultivariateNormal's matrices."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
