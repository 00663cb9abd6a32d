"""The engine: accumulation, retain_graph, hooks, grad modes, in-place checks, deep graphs,
higher-order gradients, custom Functions and gradcheck."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe.autograd import Function, GradcheckError, gradcheck, gradgradcheck


def leaf(values, dtype=yingshe.float64):
    return yingshe.tensor(values, dtype=dtype, requires_grad=True)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0, 3.0]) + 3.0)


def test_gradient_of_shared_input_sums_all_paths():
    x = leaf([2.0])
    y = x * x * x + x * 5.0  # dy/dx = 3x^2 + 5 = 17
    y.backward()
    assert x.grad.item() == pytest.approx(17.0)


def test_second_backward_needs_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    check_raises(lambda: y.backward(), RuntimeError, "second time", "retain_graph=True")


def test_backward_of_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    check_raises(lambda: (x * 2.0).backward(), RuntimeError, "scalar outputs", "(2,)")
    (x * 2.0).backward(yingshe.tensor([1.0, 10.0], dtype=yingshe.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_gradient_shape_must_match_output():
    x = leaf([1.0, 2.0])
    check_raises(lambda: (x * 2.0).backward(yingshe.ones(3, dtype=yingshe.float64)),
                 RuntimeError, "(3,)", "(2,)")


def test_backward_on_tensor_without_grad_says_so():
    check_raises(lambda: yingshe.ones(2).sum().backward(), RuntimeError, "does not require grad")


def test_leaf_and_non_leaf_hooks():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: g * 10.0)
    y = x * 2.0
    handle = y.register_hook(lambda g: seen.append(g.numpy().copy()))
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])
    handle.remove()
    x.grad = None
    y = x * 2.0
    y.sum().backward()
    assert len(seen) == 1
    y = x * 2.0
    handle = y.register_hook(lambda g: seen.append(g.numpy().copy()))
    assert isinstance(handle, yingshe.utils.hooks.RemovableHandle)
    handle.remove()
    handle.remove()  # removing twice is harmless
    y.sum().backward()
    assert len(seen) == 1
    x.grad = None
    x.register_hook(lambda g: g * 10.0).remove()
    (x * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])  # only the first hook is left


def test_retain_grad_keeps_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * 3.0 * np.array([1.0, 2.0]))
    assert (x * 2.0).grad is None


def test_no_grad_builds_no_graph_and_restores_mode():
    x = leaf([1.0])
    with yingshe.no_grad():
        y = x * 2.0
        assert not yingshe.is_grad_enabled()
        with yingshe.enable_grad():
            z = x * 2.0
    assert yingshe.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None and z.requires_grad

    @yingshe.no_grad()
    def double(t):
        return t * 2.0
    assert double(x).grad_fn is None

    @yingshe.no_grad
    def bare(t):
        return t * 2.0
    assert bare(x).grad_fn is None and bare.__name__ == "bare"

    @yingshe.inference_mode(False)
    def recording(t):
        return t * 2.0
    with yingshe.no_grad():
        assert recording(x).grad_fn is not None
    assert yingshe.is_grad_enabled()
    yingshe.set_grad_enabled(False)
    assert (x * 2.0).grad_fn is None
    yingshe.set_grad_enabled(True)
    with yingshe.set_grad_enabled(False):
        assert (x * 2.0).grad_fn is None
    assert (x * 2.0).grad_fn is not None


def test_modified_saved_tensor_raises_instead_of_wrong_gradient():
    w = leaf([1.0, 2.0])
    a = w * 2.0
    b = a * a  # Mul saves a
    a.add_(1.0)
    check_raises(lambda: b.sum().backward(), RuntimeError, "modified by an inplace operation",
                 "version 1", "expected version 0")


def test_deep_chain_backpropagates_without_recursion_error():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_double_backward_hessian_vector_product_matches_torch():
    rng = np.random.default_rng(1)
    data, v = rng.standard_normal(5), rng.standard_normal(5)
    x = leaf(data)
    (g,) = yingshe.autograd.grad((yingshe.tanh(x) ** 3).sum(), x, create_graph=True)
    (hvp,) = yingshe.autograd.grad((g * yingshe.tensor(v, dtype=yingshe.float64)).sum(), x)

    tx = torch.tensor(data, requires_grad=True)
    (tg,) = torch.autograd.grad((torch.tanh(tx) ** 3).sum(), tx, create_graph=True)
    (thvp,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hvp.numpy(), thvp.numpy(), rtol=1e-10)


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf([3.0])
    (x * x * x).backward(create_graph=True)  # grad = 3x^2 = 27, d(grad)/dx = 6x = 18
    assert x.grad.requires_grad
    (gg,) = yingshe.autograd.grad(x.grad, x)
    assert gg.item() == pytest.approx(18.0)


def test_grad_does_not_touch_dot_grad_and_checks_unused_inputs():
    x, unused = leaf([1.0, 2.0]), leaf([5.0])
    y = (x * x).sum()
    (gx,) = yingshe.autograd.grad(y, x, retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    assert x.grad is None
    check_raises(lambda: yingshe.autograd.grad(y, [x, unused], retain_graph=True),
                 RuntimeError, "allow_unused")
    gx, gu = yingshe.autograd.grad(y, [x, unused], allow_unused=True)
    assert gu is None


def test_grad_with_respect_to_intermediate_tensor():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    y = (h * h).sum()
    (gh,) = yingshe.autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), [4.0, 8.0])


def test_backward_inputs_restricts_accumulation():
    x, w = leaf([1.0]), leaf([2.0])
    (x * w).backward(inputs=[w])
    assert x.grad is None and w.grad.item() == 1.0


class Cube(Function):
    """A user-defined op in PyTorch's style: forward sees Tensors."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3.0 * x * x * ctx.scale, None


def test_custom_function_forward_backward_and_double_backward():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.needs_input_grad[0] and not y.grad_fn.needs_input_grad[1]
    np.testing.assert_allclose(y.detach().numpy(), [2.0, 16.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    assert gradcheck(lambda t: Cube.apply(t, 2.0), [leaf([0.5, -1.5])])
    assert gradgradcheck(lambda t: Cube.apply(t, 2.0), [leaf([0.5, -1.5])])


class SplitSigns(Function):
    """Two outputs: the positive and negative parts."""

    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0.0), x.clamp(max=0.0)

    @staticmethod
    def backward(ctx, grad_pos, grad_neg):
        return grad_pos * 2.0 + grad_neg * 3.0


def test_custom_function_with_two_outputs_gets_zero_for_unused_output():
    x = leaf([1.0, -1.0])
    pos, _neg = SplitSigns.apply(x)
    pos.sum().backward()  # neg unused: its gradient arrives as zeros
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x  # should be 2x


def test_gradcheck_catches_a_wrong_backward():
    check_raises(lambda: gradcheck(WrongSquare.apply, [leaf([1.0, 2.0])]), GradcheckError,
                 "Jacobian mismatch")
    assert not gradcheck(WrongSquare.apply, [leaf([1.0, 2.0])], raise_exception=False)


def test_gradcheck_requires_float64():
    check_raises(lambda: gradcheck(lambda t: t * 2.0, [leaf([1.0], dtype=yingshe.float32)]),
                 ValueError, "float64")


def test_graph_is_freed_after_backward():
    x = leaf([1.0, 2.0])
    y = x * x
    y.sum().backward()
    check_raises(lambda: y.grad_fn.saved_tensors, RuntimeError, "freed")


def test_requires_grad_propagates_and_integer_outputs_do_not_require_grad():
    x = leaf([1.5, 2.5])
    assert (x * 2.0).requires_grad
    assert not (x > 2.0).requires_grad
    assert not yingshe.tensor([1.0]).requires_grad
    check_raises(lambda: yingshe.tensor([1, 2]).requires_grad_(), RuntimeError, "floating")
