"""Test helpers: compare a yingshe op with PyTorch (forward, every input gradient) and with
float64 finite differences (gradcheck, gradgradcheck)."""
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import yingshe
from yingshe.autograd import gradcheck, gradgradcheck

TOLERANCES = {"float64": {"rtol": 1e-7, "atol": 1e-10}, "float32": {"rtol": 1e-5, "atol": 1e-5},
              "float16": {"rtol": 1e-2, "atol": 1e-2}}
GRADCHECK_MAX_ELEMENTS = 120  # finite differences cost two forward calls per input element


def noncontiguous(array):
    """The same values in a strided (non-contiguous) view, for ndim >= 1."""
    if array.ndim == 0:
        return array
    buffer = np.zeros(array.shape + (2,), array.dtype)
    buffer[..., 0] = array
    view = buffer[..., 0]
    return view


def _is_float_array(x):
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _prepare(inputs, dtype, requires_grad, make_noncontiguous):
    """yingshe and torch versions of ``inputs``: float arrays cast to ``dtype`` (and made
    differentiable where ``requires_grad`` says so), integer/bool arrays kept, the rest as is."""
    ys_args, torch_args = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, np.generic):  # NumPy ops on 0-d arrays return scalars
            x = np.asarray(x)
        if isinstance(x, np.ndarray):
            array = x.astype(dtype) if x.dtype.kind == "f" else x
            if make_noncontiguous:
                array = noncontiguous(array)
            grad = x.dtype.kind == "f" and requires_grad[i]
            ys_args.append(yingshe.from_numpy(array).requires_grad_(grad))
            torch_args.append(torch.tensor(array.copy(), requires_grad=grad))
        else:
            ys_args.append(x)
            torch_args.append(x)
    return ys_args, torch_args


def _as_tuple(out):
    if isinstance(out, (tuple, list)):  # torch's named (values, indices) are tuples too
        return tuple(out)
    return (out,)


def _compare(ys_t, torch_t, what, tol):
    assert isinstance(ys_t, yingshe.Tensor), f"{what}: expected a yingshe.Tensor, got {type(ys_t)}"
    expected = torch_t.detach().numpy()
    actual = ys_t.detach().numpy()
    assert tuple(actual.shape) == tuple(expected.shape), \
        f"{what}: shape {tuple(actual.shape)} != torch's {tuple(expected.shape)}"
    torch_dtype = str(torch_t.dtype).replace("torch.", "")
    assert ys_t.dtype.name == torch_dtype, f"{what}: dtype {ys_t.dtype.name} != torch's {torch_dtype}"
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(actual, expected, err_msg=what, equal_nan=True, **tol)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def grads_for_random_upstream(ys_args, torch_args, ys_out, torch_out, rng):
    """Backpropagate the same random upstream gradient (drawn from ``rng``) through yingshe's
    and torch's outputs: ``(ys_inputs, ys_grads, torch_grads)`` for the differentiable inputs,
    or None when no input or output is differentiable."""
    ys_diff = [t for t in ys_args if isinstance(t, yingshe.Tensor) and t.requires_grad]
    torch_diff = [t for t in torch_args if isinstance(t, torch.Tensor) and t.requires_grad]
    pairs = [(a, b) for a, b in zip(ys_out, torch_out) if b.requires_grad]
    if not ys_diff or not torch_diff or not pairs:
        return None
    seeds = [rng.standard_normal(tuple(b.shape)).astype(b.detach().numpy().dtype)
             for _, b in pairs]
    ys_grads = yingshe.autograd.grad([a for a, _ in pairs], ys_diff,
                                     [yingshe.from_numpy(s.copy()) for s in seeds],
                                     allow_unused=True)
    torch_grads = torch.autograd.grad([b for _, b in pairs], torch_diff,
                                      [torch.from_numpy(s.copy()) for s in seeds],
                                      allow_unused=True)
    return ys_diff, ys_grads, torch_grads


def check_op(ys_fn, torch_fn, inputs, *, dtypes=("float64", "float32"), requires_grad=None,
             grad=True, check_gradcheck=True, check_gradgrad=True, noncontiguous_inputs=True,
             tol=None, seed=0):
    """Run ``ys_fn`` and ``torch_fn`` on the same ``inputs`` and compare them.

    ``inputs``: NumPy float arrays become differentiable tensors (of each dtype in ``dtypes``),
    integer/bool arrays become plain tensors, anything else is passed unchanged.
    Checks every output's shape, dtype and values; with ``grad``, the gradient of every
    differentiable input for a random upstream gradient; then (float64, small inputs)
    ``gradcheck`` and ``gradgradcheck``.  Each check runs on contiguous inputs and, with
    ``noncontiguous_inputs``, on strided views of them.  Returns yingshe's float64 outputs.
    """
    rng = np.random.default_rng(seed)
    requires_grad = requires_grad or [True] * len(inputs)
    result = None
    for dtype in dtypes:
        tolerance = dict(TOLERANCES[dtype], **(tol or {}).get(dtype, {})) if tol and dtype in tol \
            else TOLERANCES[dtype]
        layouts = (False, True) if noncontiguous_inputs else (False,)
        for layout in layouts:
            label = f"{dtype}{', non-contiguous' if layout else ''}"
            ys_args, torch_args = _prepare(inputs, dtype, requires_grad, layout)
            ys_out = _as_tuple(ys_fn(*ys_args))
            torch_out = _as_tuple(torch_fn(*torch_args))
            assert len(ys_out) == len(torch_out), \
                f"{label}: {len(ys_out)} outputs, torch has {len(torch_out)}"
            for k, (a, b) in enumerate(zip(ys_out, torch_out)):
                _compare(a, b, f"{label}: output {k}", tolerance)
            if dtype == "float64" and not layout:
                result = ys_out
            if not grad:
                continue
            grads = grads_for_random_upstream(ys_args, torch_args, ys_out, torch_out, rng)
            if grads is None:
                continue
            ys_diff, ys_grads, torch_grads = grads
            for i, (g, tg, x) in enumerate(zip(ys_grads, torch_grads, ys_diff)):
                if tg is None:
                    assert g is None or not np.any(g.numpy()), f"{label}: grad {i} should be zero"
                    continue
                assert g is not None, f"{label}: no gradient for differentiable input {i}"
                assert g.dtype == x.dtype, f"{label}: grad {i} dtype {g.dtype} != input {x.dtype}"
                _compare(g, tg, f"{label}: gradient of input {i}", tolerance)
    if grad and "float64" in dtypes and (check_gradcheck or check_gradgrad):
        ys_args, _ = _prepare(inputs, "float64", requires_grad, False)
        n_elements = sum(t.numel() for t in ys_args
                         if isinstance(t, yingshe.Tensor) and t.requires_grad)
        if 0 < n_elements <= GRADCHECK_MAX_ELEMENTS:
            if check_gradcheck:
                assert gradcheck(ys_fn, ys_args, eps=1e-6, atol=1e-5, rtol=1e-4)
            if check_gradgrad:
                assert gradgradcheck(ys_fn, ys_args, eps=1e-6, atol=1e-5, rtol=1e-4)
    return result


def check_raises(fn, exception, *fragments):
    """``fn()`` raises ``exception`` whose message contains every fragment (regex-escaped)."""
    with pytest.raises(exception) as info:
        fn()
    message = str(info.value)
    for fragment in fragments:
        assert re.search(re.escape(str(fragment)), message), \
            f"message {message!r} does not mention {fragment!r}"
    return message


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(script, argv):
    """Run ``examples/<script>`` as ``python examples/<script> *argv`` would, in this process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", [script] + list(argv))
        runpy.run_path(str(EXAMPLES / script), run_name="__main__")
