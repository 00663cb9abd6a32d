"""Numerical gradient checks, as ``torch.autograd.gradcheck``: compare backward with central
differences (f(x + eps) - f(x - eps)) / (2 eps) in float64 (Nocedal & Wright, Numerical
Optimization, 2nd ed., §8.1)."""
import numpy as np

from .._tensor import Tensor
from .engine import grad as autograd_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]

_FAST_MODE_NOTE = (
    "\n\nThe above quantities relating the numerical and analytical jacobians are computed in "
    "fast mode: v^T J u for random vectors u (inputs) and v (outputs). Run with "
    "fast_mode=False to see the full Jacobians.")
_NO_VMAP = ("yingshe has no vmap (torch.func), so batched gradients cannot be checked; "
            "pass check_batched_grad=False")
_NO_FORWARD_AD = ("yingshe has reverse-mode autograd only (no torch.autograd.forward_ad), so "
                  "forward-mode gradients cannot be checked; pass {}=False")


class GradcheckError(RuntimeError):
    """Analytical and numerical gradients disagree (PyTorch's
    ``torch.autograd.gradcheck.GradcheckError``, a RuntimeError); the message names the output,
    the input and the element where they differ most, and shows both Jacobians.

    Examples:
        A backward that forgot the chain rule's inner factor (d exp(x)/dx is exp(x), not x):

        >>> import yingshe
        >>> class BadExp(yingshe.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x.exp()
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (x,) = ctx.saved_tensors
        ...         return grad_output * x
        >>> x = yingshe.tensor([0.5, 1.0], dtype=yingshe.float64, requires_grad=True)
        >>> try:
        ...     yingshe.autograd.gradcheck(BadExp.apply, (x,))
        ... except yingshe.autograd.GradcheckError as error:
        ...     print(error)
        gradcheck: Jacobian mismatch for output 0 with respect to input 0 (shape (2,)); largest
        difference at (output element, input element) (1, 1):
        numerical:
        [[1.64872127 0.        ]
         [0.         2.71828183]]
        analytical:
        [[0.5 0. ]
         [0.  1. ]]
    """


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _differentiable(inputs):
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check ``func``'s backward against central differences for every input that requires grad.

    The full Jacobian is built both ways, one output element (one backward) and one input
    element (two forward calls) at a time, and compared elementwise with
    |analytical - numerical| <= atol + rtol |numerical|; with ``fast_mode=True`` only the
    scalar v^T J u for random vectors u and v is compared (two forward calls per input and one
    backward per output).  Inputs must be float64 for the differences to be meaningful.  As
    PyTorch also checks that: backward run twice agrees within ``nondet_tol``; gradients have
    the inputs' shapes (and dtypes, with ``check_grad_dtypes``); zero output gradients give
    zero input gradients ("backward not multiplied by grad_output"); with
    ``check_undefined_grad`` outputs left without a gradient count as zeros; outputs that do
    not require grad have zero numerical derivatives.  ``masked`` concerns sparse tensors,
    which yingshe does not have; it has no effect.  Forward-mode and batched (vmap) checks
    raise NotImplementedError when asked for.

    Returns True, or raises ``GradcheckError`` (returns False with ``raise_exception=False``).

    The numerical Jacobian's column j is (f(x + eps e_j) - f(x - eps e_j)) / (2 eps), whose
    error is O(eps^2) (Nocedal & Wright, Numerical Optimization, 2nd ed., 2006, §8.1); the
    analytical Jacobian's row i is the backward of the i-th output element with grad_output e_i.

    Shape:
        ``inputs``: a Tensor or a tuple of them, any shapes, float64 where they require grad;
        ``func`` returns a Tensor or a tuple of them, any shapes.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([0.5, 1.0], dtype=yingshe.float64, requires_grad=True)
        >>> w = yingshe.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=yingshe.float64,
        ...                    requires_grad=True)
        >>> yingshe.autograd.gradcheck(lambda x, w: (w @ x).tanh(), (x, w))
        True
        >>> yingshe.autograd.gradcheck(yingshe.sin, x, fast_mode=True)
        True
        >>> yingshe.autograd.gradcheck(lambda x: x.detach() * x, x, raise_exception=False)
        False
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError(
            "Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError(_NO_FORWARD_AD.format("check_forward_ad"))
    if check_batched_grad:
        raise NotImplementedError(_NO_VMAP)
    try:
        return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                          check_grad_dtypes, fast_mode)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck(fn, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
               check_grad_dtypes, fast_mode):
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = _differentiable(inputs)
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True")
    for i in wrt:
        if inputs[i].dtype.name != "float64":
            raise ValueError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs "
                             "(finite differences in lower precision are too noisy)")
    all_outputs = _outputs(fn, inputs)
    outputs = [k for k, o in enumerate(all_outputs) if o.requires_grad]
    if not outputs:  # nothing to differentiate: the function must then be locally constant
        for k in range(len(all_outputs)):
            for n in _numerical_jacobian(fn, inputs, wrt, k, eps):
                if not np.allclose(n, 0, rtol=rtol, atol=atol):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    check = _check_fast if fast_mode else _check_full
    for k in outputs:
        check(fn, inputs, wrt, k, eps, atol, rtol, nondet_tol, check_grad_dtypes)
    _check_zero_grad_outputs(fn, inputs, wrt)
    if check_undefined_grad:
        _check_undefined_grads(fn, inputs, wrt)
    return True


def _check_full(fn, inputs, wrt, k, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    analytical = _analytical_jacobian(fn, inputs, wrt, k, check_grad_dtypes)
    again = _analytical_jacobian(fn, inputs, wrt, k, check_grad_dtypes)
    numerical = _numerical_jacobian(fn, inputs, wrt, k, eps)
    for i, a, n in zip(wrt, analytical, numerical):
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            where = np.unravel_index(np.argmax(np.abs(a - n)), a.shape)
            raise GradcheckError(
                f"gradcheck: Jacobian mismatch for output {k} with respect to input {i} "
                f"(shape {tuple(inputs[i].shape)}); largest difference at (output element, "
                f"input element) {tuple(int(w) for w in where)}:\n"
                f"numerical:\n{n}\nanalytical:\n{a}")
    _check_reentrant(analytical, again, nondet_tol)


def _check_reentrant(first, second, nondet_tol):
    for a, b in zip(first, second):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                f"gradient matches numerical gradient.The tolerance for nondeterminism was "
                f"{nondet_tol}.")


def _backward_rows(fn, inputs, wrt, k, seed, check_grad_dtypes):
    """d(v . output k)/d(input) for each input in ``wrt`` (float64 arrays, zeros where unused),
    with PyTorch's checks of each gradient's shape and dtype."""
    out = _outputs(fn, inputs)[k]
    grads = autograd_grad(out, [inputs[i] for i in wrt],
                          Tensor._make(seed.astype(out._data.dtype).reshape(out.shape)),
                          retain_graph=True, allow_unused=True)
    rows = []
    for i, g in zip(wrt, grads):
        x = inputs[i]
        if g is None:
            rows.append(np.zeros(x.numel()))
            continue
        if tuple(g.shape) != tuple(x.shape):
            raise GradcheckError("Analytical gradient has incorrect size")
        if check_grad_dtypes and g.dtype != x.dtype:
            raise GradcheckError("Gradient has dtype mismatch")
        rows.append(np.asarray(g._data, dtype=np.float64).ravel())
    return rows


def _analytical_jacobian(fn, inputs, wrt, k, check_grad_dtypes):
    n_out = _outputs(fn, inputs)[k].numel()
    jacobians = [np.zeros((n_out, inputs[i].numel())) for i in wrt]
    for row in range(n_out):
        seed = np.zeros(n_out)
        seed[row] = 1
        for j, r in enumerate(_backward_rows(fn, inputs, wrt, k, seed, check_grad_dtypes)):
            jacobians[j][row] = r
    return jacobians


def _numerical_jacobian(fn, inputs, wrt, k, eps):
    """Central differences, perturbing each input element in place (grad mode stays on so that
    ``fn`` may itself differentiate, as gradgradcheck's does)."""
    jacobians = []
    for i in wrt:
        flat = inputs[i]._data.reshape(-1)  # a view of the input's memory
        columns = []
        for j in range(flat.size):
            original = flat[j].item()
            flat[j] = original + eps
            plus = np.array(_outputs(fn, inputs)[k]._data, dtype=np.float64).ravel()
            flat[j] = original - eps
            minus = np.array(_outputs(fn, inputs)[k]._data, dtype=np.float64).ravel()
            flat[j] = original
            columns.append((plus - minus) / (2 * eps))
        n_out = _outputs(fn, inputs)[k].numel()
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((n_out, 0)))
    return jacobians


def _unit_vector(rng, n):
    """A random vector with entries in [0, 1) scaled to unit length (PyTorch's fast mode)."""
    v = rng.random(n)
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def _check_fast(fn, inputs, wrt, k, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    """Compare v^T J u, J the Jacobian of output k with respect to each input: analytically
    from one backward with grad_output v, numerically from the directional difference
    (f(x + eps u) - f(x - eps u)) / (2 eps) projected on v.  The absolute tolerance is scaled
    by sum(u) sum(v) as PyTorch's."""
    rng = np.random.default_rng(0)
    n_out = _outputs(fn, inputs)[k].numel()
    v = _unit_vector(rng, n_out)
    rows = _backward_rows(fn, inputs, wrt, k, v, check_grad_dtypes)
    again = _backward_rows(fn, inputs, wrt, k, v, check_grad_dtypes)
    _check_reentrant(rows, again, nondet_tol)
    for i, row in zip(wrt, rows):
        flat = inputs[i]._data.reshape(-1)
        u = _unit_vector(rng, flat.size)
        original = flat.copy()
        flat[...] = original + eps * u
        plus = np.array(_outputs(fn, inputs)[k]._data, dtype=np.float64).ravel()
        flat[...] = original - eps * u
        minus = np.array(_outputs(fn, inputs)[k]._data, dtype=np.float64).ravel()
        flat[...] = original
        numerical = float(v @ ((plus - minus) / (2 * eps)))
        analytical = float(row @ u)
        tolerance = atol * u.sum() * v.sum() + rtol * abs(numerical)
        if not abs(analytical - numerical) <= tolerance:
            raise GradcheckError(
                f"Jacobian mismatch for output {k} with respect to input {i},\n"
                f"numerical:{numerical}\nanalytical:{analytical}" + _FAST_MODE_NOTE)


def _check_zero_grad_outputs(fn, inputs, wrt):
    """Zero output gradients must give zero input gradients of the inputs' dtype and shape."""
    outs = [o for o in _outputs(fn, inputs) if o.requires_grad]
    zeros = [Tensor._make(np.zeros(o.shape, o._data.dtype)) for o in outs]
    grads = autograd_grad(outs, [inputs[i] for i in wrt], zeros, allow_unused=True)
    for i, g in zip(wrt, grads):
        if g is None:
            continue
        if np.any(np.asarray(g._data) != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype != inputs[i].dtype:
            raise GradcheckError("grad is incorrect type")
        if tuple(g.shape) != tuple(inputs[i].shape):
            raise GradcheckError("grad is incorrect size")


def _check_undefined_grads(fn, inputs, wrt):
    """Outputs left without a gradient count as zeros: with several outputs, backward from all
    but one of them (zero gradients) must work and give zero input gradients."""
    n = len([o for o in _outputs(fn, inputs) if o.requires_grad])
    if n < 2:
        return
    for skipped in range(n):
        outs = [o for o in _outputs(fn, inputs) if o.requires_grad]
        kept = [o for j, o in enumerate(outs) if j != skipped]
        zeros = [Tensor._make(np.zeros(o.shape, o._data.dtype)) for o in kept]
        try:
            grads = autograd_grad(kept, [inputs[i] for i in wrt], zeros, allow_unused=True)
        except RuntimeError as e:
            raise GradcheckError(
                "Expected backward function to handle undefined output grads (output "
                f"{skipped} got no gradient); backward failed with: {e}") from e
        for g in grads:
            if g is not None and np.any(np.asarray(g._data) != 0):
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads "
                    "are undefined or zero.")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> d(v . func)/d(inputs).

    ``grad_outputs`` v default to random values in [-1, 1) that require grad (non-contiguous
    with ``gen_non_contig_grad_outputs``).  The other options are ``gradcheck``'s;
    ``check_fwd_over_rev`` (forward over reverse mode) raises NotImplementedError.  It checks
    the backward of each backward: d/dx (v . df/dx) = v . d^2f/dx^2 against central
    differences of the first derivatives, as ``torch.autograd.gradgradcheck`` does.

    Shape:
        as ``gradcheck``; ``grad_outputs`` (when given) has the shapes of ``func``'s outputs.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([0.5, 1.0], dtype=yingshe.float64, requires_grad=True)
        >>> yingshe.autograd.gradgradcheck(lambda x: x.sin() * x, (x,))
        True
        >>> v = yingshe.ones(2, dtype=yingshe.float64, requires_grad=True)
        >>> yingshe.autograd.gradgradcheck(lambda x: x ** 3, (x,), (v,))
        True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError(
            "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError(
            "Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise NotImplementedError(_NO_FORWARD_AD.format("check_fwd_over_rev"))
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = _differentiable(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = []
        for o in (o for o in _outputs(func, inputs) if o.requires_grad):
            values = rng.uniform(-1, 1, o.shape).astype(o._data.dtype)
            if gen_non_contig_grad_outputs and values.ndim:
                buffer = np.zeros(values.shape + (2,), values.dtype)
                buffer[..., 0] = values
                values = buffer[..., 0]
            grad_outputs.append(Tensor._make(values).requires_grad_())
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    n_inputs = len(inputs)

    def first_derivatives(*args):
        xs, vs = args[:n_inputs], args[n_inputs:]
        outs = [o for o in _outputs(func, xs) if o.requires_grad]
        grads = autograd_grad(outs, [xs[i] for i in wrt], vs, create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, masked=masked)
