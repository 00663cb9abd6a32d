"""Gradient clipping (used against exploding gradients, e.g. in RNNs: Pascanu, Mikolov & Bengio
2013) and
flattening parameters into one vector."""
import math

from ..._backend import get_array_module
from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradients by their total norm, in place (Pascanu, Mikolov & Bengio
    2013): with ||g|| the ``norm_type`` norm of all gradients together (as one vector; inf for
    the max-abs), every gradient is scaled by min(1, max_norm / (||g|| + 1e-6)); returns ||g||,
    the norm before clipping (as PyTorch).  ``error_if_nonfinite`` raises on a NaN or inf norm.
    Call it between ``backward()`` and ``optimizer.step()``.

    Shape: ``parameters`` a Tensor or an iterable of Tensors, any shapes; output ().

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.zeros(2))
        >>> w.grad = yingshe.tensor([3.0, 4.0])
        >>> yingshe.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(5.)
        >>> w.grad  # the same direction, norm 1
        tensor([0.6000, 0.8000])
    """
    grads = [p.grad._data for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        import numpy
        return Tensor._make(numpy.asarray(0.0, dtype=numpy.float32))
    xp = get_array_module(grads[0])
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        norms = [xp.abs(g).max() for g in grads]
        total = xp.max(xp.stack(norms)) if len(norms) > 1 else norms[0]
    else:
        per_grad = [xp.linalg.norm(g.ravel(), norm_type) for g in grads]
        total = xp.linalg.norm(xp.stack(per_grad), norm_type)
    total = xp.asarray(total, dtype=grads[0].dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients "
                           "is non-finite, so it cannot be clipped")
    coefficient = float(max_norm) / (float(total) + 1e-6)
    if coefficient < 1.0:
        for g in grads:
            g *= g.dtype.type(coefficient)
    for p in _as_list(parameters):
        if p.grad is not None:
            p.grad._bump_version()
    return Tensor._make(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value] in place:
    g_i = min(max(g_i, -clip_value), clip_value) (which, unlike ``clip_grad_norm_``, may change
    the gradient's direction); returns None.

    Shape: ``parameters`` a Tensor or an iterable of Tensors, any shapes.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.zeros(2))
        >>> w.grad = yingshe.tensor([-3.0, 0.5])
        >>> yingshe.nn.utils.clip_grad_value_([w], clip_value=1.0)
        >>> w.grad
        tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            xp = get_array_module(p.grad._data)
            xp.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._bump_version()


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor, in
    iteration order (a copy, in the graph).

    Shape: parameters of shapes S_1, ..., S_k; output (sum_i prod(S_i)).

    Examples:
        >>> import yingshe
        >>> layer = yingshe.nn.Linear(3, 2)
        >>> yingshe.nn.utils.parameters_to_vector(layer.parameters()).shape  # 6 weights, 2 biases
        yingshe.Size([8])
    """
    from ...ops.shape import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters, in iteration
    order (in place, outside the graph): the inverse of ``parameters_to_vector``.

    Shape: vec (sum_i prod(S_i)) for parameters of shapes S_1, ..., S_k.

    Examples:
        >>> import yingshe
        >>> layer = yingshe.nn.Linear(3, 2)
        >>> yingshe.nn.utils.vector_to_parameters(yingshe.arange(8.0), layer.parameters())
        >>> layer.weight.tolist(), layer.bias.tolist()
        ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [6.0, 7.0])
    """
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D Tensor, got "
                        f"{getattr(vec, 'shape', type(vec).__name__)}")
    parameters = list(parameters)
    needed = sum(p.numel() for p in parameters)
    if vec.numel() != needed:
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} elements but the "
                         f"parameters need {needed}")
    offset = 0
    for p in parameters:
        n = p.numel()
        p._data[...] = vec._data[offset:offset + n].reshape(p.shape)
        p._bump_version()
        offset += n
