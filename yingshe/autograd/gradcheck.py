"""Numerical gradient checks: compare backward with central differences
(f(x + eps) - f(x - eps)) / (2 eps) in float64."""
import numpy as np

from .._tensor import Tensor
from .engine import grad as autograd_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Analytical and numerical gradients disagree."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _differentiable(inputs):
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0):
    """Check ``fn``'s backward against central differences for every input that requires grad.

    Builds the full Jacobian both ways, one output element (backward) and one input element
    (two forward calls) at a time; inputs should be float64 for the differences to be meaningful.
    Returns True, or raises ``GradcheckError`` (or returns False with raise_exception=False).
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = _differentiable(inputs)
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i].dtype.name != "float64":
            raise ValueError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs "
                             "(finite differences in lower precision are too noisy)")
    outputs = [o for o in _outputs(fn, inputs) if o.requires_grad]
    for k, out in enumerate(outputs):
        analytical = _analytical_jacobian(fn, inputs, wrt, k)
        numerical = _numerical_jacobian(fn, inputs, wrt, k, eps)
        for i, a, n in zip(wrt, analytical, numerical):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                where = np.unravel_index(np.argmax(np.abs(a - n)), a.shape)
                message = (f"gradcheck: Jacobian mismatch for output {k} with respect to input "
                           f"{i} (shape {tuple(inputs[i].shape)}); largest difference at "
                           f"(output element, input element) {tuple(int(w) for w in where)}:\n"
                           f"numerical:\n{n}\nanalytical:\n{a}")
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def _analytical_jacobian(fn, inputs, wrt, k):
    out = _outputs(fn, inputs)[k]
    n_out = out.numel()
    jacobians = [np.zeros((n_out, inputs[i].numel())) for i in wrt]
    for row in range(n_out):
        seed = np.zeros(n_out, dtype=out._data.dtype)
        seed[row] = 1
        grads = autograd_grad(out, [inputs[i] for i in wrt],
                              Tensor._make(seed.reshape(out.shape)),
                              retain_graph=True, allow_unused=True)
        for j, g in enumerate(grads):
            if g is not None:
                jacobians[j][row] = np.asarray(g._data, dtype=np.float64).ravel()
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


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True):
    """Check second derivatives: gradcheck of the function inputs -> d(fn)/d(inputs) . v."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = _differentiable(inputs)
    outputs = [o for o in _outputs(fn, inputs) if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._make(rng.standard_normal(o.shape)).requires_grad_()
                        for o in outputs]
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    n_inputs = len(inputs)

    def first_derivatives(*args):
        xs, vs = args[:n_inputs], args[n_inputs:]
        outs = [o for o in _outputs(fn, xs) if o.requires_grad]
        grads = autograd_grad(outs, [xs[i] for i in wrt], vs, create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
