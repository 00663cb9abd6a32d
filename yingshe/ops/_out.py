"""The ``out=`` keyword, as PyTorch: the result is written into a given tensor, which is returned.

One helper serves every op that takes it (``add``, ``matmul``, ``zeros``, ``arange``, ...):
``out`` takes the result's shape (resized when it differs, with PyTorch's warning when it held
elements; factories resize silently), keeps its own dtype (the result must be castable to it:
no floats into an integer tensor, no integers into a bool one) and its device, and its version
goes up as after any in-place change.  Nothing here is differentiable: with grad mode on, an
operand or ``out`` that requires grad is an error, as in PyTorch.
"""
import warnings

from .. import _backend, _dtype
from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.grad_mode import STATE


def write_out(out, op, compute, inputs=(), *, same_dtype=False, warn_resize=True):
    """Run ``compute()`` and write its result into ``out``; return ``out``.

    ``inputs`` are the operands checked for requires_grad.  ``same_dtype``: the result's dtype must
    equal ``out``'s (the matrix products), rather than only be castable to it."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if STATE.enabled and (out.requires_grad or any(
            isinstance(t, Tensor) and t.requires_grad for t in inputs)):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    result = compute()
    if result._data.__class__ is not out._data.__class__:
        raise RuntimeError(f"{op}: expected out on {result.device} like the result, but it is on "
                           f"{out.device}")
    if same_dtype and result._data.dtype != out._data.dtype:
        raise RuntimeError(f"{op}: expected out tensor to have dtype {result.dtype.name}, but got "
                           f"{out.dtype.name} instead")
    if not _dtype.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"{op}: result type {result.dtype.name} can't be cast to the desired "
                           f"output type {out.dtype.name}")
    shape = result._data.shape
    if out._data.shape != shape:
        if warn_resize and out._data.size:
            warnings.warn(f"{op}: an output with one or more elements was resized since it had "
                          f"shape {list(out._data.shape)}, which does not match the required "
                          f"output shape {list(shape)}. This behavior is deprecated (PyTorch); "
                          "an out with zero elements is resized without this warning.",
                          UserWarning, stacklevel=3)
        out._data = get_array_module(result._data).empty(shape, out._data.dtype)
    out._data[...] = result._data
    out._bump_version()
    return out


def write_factory_out(out, op, factory, *args, dtype=None, device=None, requires_grad=False,
                      **kwargs):
    """``factory(*args, **kwargs)`` made in ``out``'s dtype and on its device (a ``dtype`` or
    ``device`` given as well must agree) and written into ``out``, which is resized silently."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype is not None and _dtype.as_dtype(dtype).np != out._data.dtype:
        raise RuntimeError(f"{op}: dtype {_dtype.as_dtype(dtype).name} does not match dtype of out "
                           f"parameter ({out.dtype.name})")
    if device is not None and _backend.device(device).type != out.device.type:
        raise RuntimeError(f"{op}: device type {_backend.device(device).type} does not match "
                           f"device type of out parameter ({out.device.type})")
    write_out(out, op, lambda: factory(*args, dtype=out.dtype, device=out.device, **kwargs),
              warn_resize=False)
    return out.requires_grad_(True) if requires_grad else out
