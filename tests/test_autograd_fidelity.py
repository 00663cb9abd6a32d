"""Autograd details compared with PyTorch: the graph's nodes (names, next_functions,
AccumulateGrad), custom Function features, autograd.grad options and gradcheck's keywords."""
import re
import warnings

import numpy as np
import pytest
import torch
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

import yingshe
import yingshe.nn.functional as F
from helpers import check_raises
from yingshe.autograd import Function, gradcheck, gradgradcheck, once_differentiable
from yingshe.autograd.function import AccumulateGrad
from yingshe.autograd.gradcheck import GradcheckError

RNG = np.random.default_rng(0)


def pair(*shape, requires_grad=True, dtype=np.float64):
    array = RNG.standard_normal(shape).astype(dtype)
    return (yingshe.tensor(array, dtype=str(array.dtype), requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


# ---- the graph --------------------------------------------------------------------------------
def structure(node, leaves):
    """A nested description of the graph below ``node``: names, None for inputs that need no
    gradient, the index in ``leaves`` of each AccumulateGrad's variable."""
    if node is None:
        return None
    if type(node).__name__ == "AccumulateGrad":
        return ("AccumulateGrad", next(i for i, t in enumerate(leaves) if t is node.variable))
    return (node.name(), tuple((structure(n, leaves), nr) for n, nr in node.next_functions))


def test_next_functions_of_a_small_network_match_torch():
    (yw, tw), (yb, tb) = pair(4, 3), pair(4, 1)
    (yx, tx), (yy, ty) = pair(3, 2, requires_grad=False), pair(4, 2, requires_grad=False)
    ys_loss = ((yw @ yx + yb).relu() - yy).pow(2).mean()
    torch_loss = ((tw @ tx + tb).relu() - ty).pow(2).mean()
    assert structure(ys_loss.grad_fn, [yw, yb]) == structure(torch_loss.grad_fn, [tw, tb])
    # the tutorial's walk: loss.grad_fn.next_functions[0][0] ...
    assert ys_loss.grad_fn.next_functions[0][0].name() == "PowBackward0"
    sub = ys_loss.grad_fn.next_functions[0][0].next_functions[0][0]
    assert sub.next_functions[1] == (None, 0)  # y does not require grad


def test_leaves_appear_as_accumulate_grad_nodes_with_their_variable():
    x = yingshe.tensor([1.0, 2.0], requires_grad=True)
    a, b = (x * 2.0).grad_fn, (x + 1.0).grad_fn
    node = a.next_functions[0][0]
    assert isinstance(node, AccumulateGrad) and node.variable is x
    assert node is b.next_functions[0][0]  # one accumulator per leaf, as torch
    assert node.next_functions == () and type(node).__name__ == "AccumulateGrad"
    assert node.name() == "yingshe::autograd::AccumulateGrad"  # torch: torch::autograd::...
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(node))
    assert x.grad_fn is None
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert len((t * 2.0).grad_fn.next_functions) == len(a.next_functions) == 2


CASES = {
    "add": lambda m, x, y: x + y, "mul": lambda m, x, y: x * y, "sub": lambda m, x, y: x - y,
    "div": lambda m, x, y: x / y, "mean": lambda m, x, y: x.mean(),
    "mean_dim": lambda m, x, y: x.mean(1), "sum": lambda m, x, y: x.sum(),
    "sum_dim": lambda m, x, y: x.sum(0), "mm": lambda m, x, y: x @ y.t(),
    "relu": lambda m, x, y: x.relu(), "pow": lambda m, x, y: x ** 2,
    "pow_tensor": lambda m, x, y: x.abs() ** y, "exp": lambda m, x, y: x.exp(),
    "neg": lambda m, x, y: -x, "sigmoid": lambda m, x, y: x.sigmoid(),
    "tanh": lambda m, x, y: x.tanh(), "view": lambda m, x, y: x.view(6),
    "cat": lambda m, x, y: m.cat([x, y]), "max": lambda m, x, y: x.max(),
    "expand": lambda m, x, y: x[:1].expand(2, 3), "select": lambda m, x, y: x[0],
    "slice": lambda m, x, y: x[1:], "clone": lambda m, x, y: x.clone(),
    "softmax": lambda m, x, y: x.softmax(1), "log_softmax": lambda m, x, y: x.log_softmax(1),
    "linear": lambda m, x, y: m.nn.functional.linear(x, y, y[:, 0]),
    "linear_no_bias": lambda m, x, y: m.nn.functional.linear(x, y),
    "cross_entropy": lambda m, x, y: m.nn.functional.cross_entropy(x, m.tensor([0, 2])),
    "conv2d": lambda m, x, y: m.nn.functional.conv2d(x[None, None], y[None, None, :, :2]),
    "max_pool2d": lambda m, x, y: m.nn.functional.max_pool2d(x[None, None], 1),
    "layer_norm": lambda m, x, y: m.nn.functional.layer_norm(x, (3,)),
    "batch_norm": lambda m, x, y: m.nn.functional.batch_norm(x, None, None, training=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_node_names_match_torch_for_common_ops(case):
    (yx, tx), (yy, ty) = pair(2, 3), pair(2, 3)
    ys_node, torch_node = CASES[case](yingshe, yx, yy).grad_fn, CASES[case](torch, tx, ty).grad_fn
    assert ys_node.name() == torch_node.name()
    assert re.fullmatch(rf"<{torch_node.name()} object at 0x[0-9a-f]+>", repr(ys_node))


def test_tensor_repr_names_the_node_as_torch():
    x, t = yingshe.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    assert repr(x * 2.0) == repr(t * 2.0) == "tensor([2.], grad_fn=<MulBackward0>)"


# ---- custom Functions -------------------------------------------------------------------------
def make_scaled(lib):
    seen = {}

    class Scaled(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, c, k):
            seen["forward"] = tuple(ctx.needs_input_grad)
            ctx.save_for_backward(x, c)
            return x * c * k

        @staticmethod
        def backward(ctx, grad):
            seen["backward"] = tuple(ctx.needs_input_grad)
            _, c = ctx.saved_tensors
            return grad * c * 3, None, None
    return Scaled, seen


def test_custom_function_node_needs_input_grad_and_next_functions_as_torch():
    (yx, tx), (yc, tc) = pair(3), pair(3, requires_grad=False)
    YS, ys_seen = make_scaled(yingshe)
    TS, torch_seen = make_scaled(torch)
    y, t = YS.apply(yx, yc, 3), TS.apply(tx, tc, 3)
    assert y.grad_fn.name() == t.grad_fn.name() == "ScaledBackward"
    assert repr(y.grad_fn).startswith("<yingshe.autograd.function.ScaledBackward object at 0x")
    assert structure(y.grad_fn, [yx]) == structure(t.grad_fn, [tx])  # the int 3 is no input
    assert isinstance(y.grad_fn.needs_input_grad, tuple)
    y.sum().backward()
    t.sum().backward()
    assert ys_seen == torch_seen == {"forward": (True, False, False),
                                     "backward": (True, False, False)}
    np.testing.assert_allclose(yx.grad.numpy(), tx.grad.numpy())
    check_raises(lambda: y.grad_fn.saved_tensors, RuntimeError, "freed")
    with yingshe.no_grad():
        YS.apply(yx, yc, 3)
    assert ys_seen["forward"] == (False, False, False)


def make_sort(lib):
    class SortWithIndex(lib.autograd.Function):
        """Sorted values and their positions (as floats), the positions non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            values, index = x.sort()
            index = index.to(x.dtype)
            ctx.mark_non_differentiable(index)
            ctx.save_for_backward(index)
            return values, index

        @staticmethod
        def backward(ctx, grad_values, grad_index):
            (index,) = ctx.saved_tensors
            ctx.grad_index = grad_index
            return grad_values.new_zeros(grad_values.shape).scatter(0, index.long(), grad_values)
    return SortWithIndex


def test_mark_non_differentiable_outputs_do_not_require_grad_and_get_zeros():
    yx, tx = pair(4)
    YS, TS = make_sort(yingshe), make_sort(torch)
    (yv, yi), (tv, ti) = YS.apply(yx), TS.apply(tx)
    assert not yi.requires_grad and not ti.requires_grad and yv.requires_grad
    (yv * yv).sum().backward()
    (tv * tv).sum().backward()
    np.testing.assert_allclose(yx.grad.numpy(), tx.grad.numpy())
    assert yv.grad_fn.grad_index is not None and not yv.grad_fn.grad_index.numpy().any()
    assert not tv.grad_fn.grad_index.any()


def make_two(lib, materialize):
    received = []

    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            received.append((ga is None, gb is None))
            total = 0
            if ga is not None:
                total = total + ga * 2
            if gb is not None:
                total = total + gb * 3
            return total
    return Two, received


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads_controls_none_for_unused_outputs(materialize):
    yx, tx = pair(3)
    (YT, ys_received), (TT, torch_received) = (make_two(yingshe, materialize),
                                               make_two(torch, materialize))
    YT.apply(yx)[0].sum().backward()
    TT.apply(tx)[0].sum().backward()
    assert ys_received == torch_received == [(False, not materialize)]
    np.testing.assert_allclose(yx.grad.numpy(), tx.grad.numpy())


def make_cube(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @(once_differentiable if lib is yingshe else torch.autograd.function.once_differentiable)
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x
    return Cube


def test_once_differentiable_works_once_and_refuses_twice_as_torch():
    (yx, tx), (yv, tv) = pair(3), pair(3)  # v requires grad: its gradient is differentiable
    (gy,) = yingshe.autograd.grad(make_cube(yingshe).apply(yx), yx, yv, create_graph=True)
    (gt,) = torch.autograd.grad(make_cube(torch).apply(tx), tx, tv, create_graph=True)
    np.testing.assert_allclose(gy.detach().numpy(), gt.detach().numpy())
    assert gy.requires_grad and gt.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice") as torch_error:
        gt.sum().backward()
    message = check_raises(lambda: gy.sum().backward(), RuntimeError, "differentiate twice")
    assert message == str(torch_error.value)
    (first,) = yingshe.autograd.grad(make_cube(yingshe).apply(yx).sum(), yx)  # plain use
    assert not first.requires_grad


# ---- autograd.grad ----------------------------------------------------------------------------
def test_grad_allow_unused_and_materialize_grads_as_torch():
    (yx, tx), (yu, tu) = pair(3), pair(2)
    ys_out, torch_out = (yx * 2).sum(), (tx * 2).sum()
    for kwargs in ({"allow_unused": True}, {"materialize_grads": True},
                   {"materialize_grads": True, "allow_unused": True}):
        ys = yingshe.autograd.grad(ys_out, [yx, yu], retain_graph=True, **kwargs)
        th = torch.autograd.grad(torch_out, [tx, tu], retain_graph=True, **kwargs)
        for a, b in zip(ys, th):
            assert (a is None) == (b is None)
            if b is not None:
                np.testing.assert_allclose(a.numpy(), b.numpy())
    with pytest.raises(RuntimeError):
        torch.autograd.grad(torch_out, [tx, tu], retain_graph=True)
    check_raises(lambda: yingshe.autograd.grad(ys_out, [yx, yu], retain_graph=True),
                 RuntimeError, "allow_unused=True")
    with pytest.raises(ValueError) as torch_error:
        torch.autograd.grad(torch_out, [tx, tu], materialize_grads=True, allow_unused=False)
    message = check_raises(lambda: yingshe.autograd.grad(ys_out, [yx, yu], materialize_grads=True,
                                                         allow_unused=False), ValueError)
    assert message == str(torch_error.value)
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
        yingshe.autograd.grad(ys_out, [yx], retain_graph=True, only_inputs=False)
    check_raises(lambda: yingshe.autograd.grad(ys_out, [yx], is_grads_batched=True),
                 NotImplementedError, "vmap")


# ---- gradcheck --------------------------------------------------------------------------------
def make_function(lib, backward):
    class Fn(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return backward(grad, x)
    return Fn


def both(backward, **kwargs):
    """gradcheck's verdict (True or the error type and message) in yingshe and torch."""
    results = []
    for lib in (yingshe, torch):
        x = (yingshe.tensor if lib is yingshe else torch.tensor)(
            [0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        fn = make_function(lib, backward).apply
        try:
            results.append(lib.autograd.gradcheck(fn, (x,), **kwargs))
        except Exception as error:  # noqa: BLE001 -- the verdict is compared
            results.append((type(error).__name__, str(error)))
    return results


def test_gradcheck_accepts_torch_keywords_and_passes_a_correct_backward():
    options = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, "raise_exception": True,
               "nondet_tol": 0.0, "check_undefined_grad": True, "check_grad_dtypes": True,
               "check_batched_grad": False, "check_batched_forward_grad": False,
               "check_forward_ad": False, "check_backward_ad": True, "masked": None}
    for fast_mode in (False, True):
        assert both(lambda g, x: g * 2 * x, fast_mode=fast_mode, **options) == [True, True]


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_catches_a_wrong_backward_with_torch_error_type(fast_mode):
    ys, th = both(lambda g, x: g * 2.1 * x, fast_mode=fast_mode)
    assert ys[0] == th[0] == "GradcheckError"
    assert "Jacobian mismatch for output 0 with respect to input 0" in ys[1]
    assert issubclass(GradcheckError, RuntimeError)
    assert both(lambda g, x: g * 2.1 * x, fast_mode=fast_mode, raise_exception=False) == \
        [False, False]


def test_gradcheck_nondet_tol_and_grad_output_checks_as_torch():
    noisy = lambda g, x: g * 2 * x + 1e-8 * (yingshe if isinstance(g, yingshe.Tensor)
                                             else torch).rand_like(g)
    ys, th = both(noisy)
    assert ys[0] == th[0] == "GradcheckError" and "not reentrant" in ys[1] and "not reentrant" in th[1]
    ys, th = both(noisy, nondet_tol=1e-6)  # reentrant enough, but zero grad_output gives noise
    assert ys == th == ("GradcheckError", "backward not multiplied by grad_output")


def test_gradcheck_checks_outputs_that_do_not_require_grad_as_torch():
    def verdicts(fn):
        out = []
        for lib in (yingshe, torch):
            x = (yingshe.tensor if lib is yingshe else torch.tensor)(
                [0.5, -1.5], dtype=lib.float64, requires_grad=True)
            try:
                out.append(lib.autograd.gradcheck(lambda t: fn(t, lib), (x,)))
            except (GradcheckError, TorchGradcheckError) as error:
                out.append(str(error))
        return out
    assert verdicts(lambda t, lib: (t > 0).to(lib.float64)) == [True, True]
    assert verdicts(lambda t, lib: t.detach() * 2) == \
        ["Numerical gradient for function expected to be zero"] * 2


def test_gradcheck_undefined_output_grads_raise_as_torch():
    def make(lib):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                if ga is None or gb is None:
                    raise RuntimeError("Two: missing gradient")
                return ga * 2 + gb * 3
        return Two
    x = yingshe.tensor([0.5, 1.0], dtype=yingshe.float64, requires_grad=True)
    t = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Two: missing gradient"):
        torch.autograd.gradcheck(make(torch).apply, (t,))
    check_raises(lambda: gradcheck(make(yingshe).apply, (x,)), RuntimeError,
                 "Two: missing gradient")


def test_gradcheck_option_conflicts_and_forward_mode_as_torch():
    x = yingshe.tensor([0.5], dtype=yingshe.float64, requires_grad=True)
    t = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    for kwargs in ({"check_backward_ad": False},
                   {"check_batched_forward_grad": True}):
        with pytest.raises(AssertionError) as torch_error:
            torch.autograd.gradcheck(torch.sin, (t,), **kwargs)
        message = check_raises(lambda: gradcheck(yingshe.sin, (x,), **kwargs), AssertionError)
        assert message == str(torch_error.value)
    check_raises(lambda: gradcheck(yingshe.sin, (x,), check_forward_ad=True),
                 NotImplementedError, "forward-mode", "check_forward_ad=False")
    check_raises(lambda: gradcheck(yingshe.sin, (x,), check_batched_grad=True),
                 NotImplementedError, "vmap")
    with pytest.raises(AssertionError) as torch_error:
        torch.autograd.gradgradcheck(torch.sin, (t,), check_rev_over_rev=False)
    message = check_raises(lambda: gradgradcheck(yingshe.sin, (x,), check_rev_over_rev=False),
                           AssertionError)
    assert message == str(torch_error.value)
    check_raises(lambda: gradgradcheck(yingshe.sin, (x,), check_fwd_over_rev=True,
                                       check_undefined_grad=True), NotImplementedError,
                 "check_fwd_over_rev=False")
    with pytest.raises(TypeError):  # eps is keyword-only, as in torch
        gradcheck(yingshe.sin, (x,), 1e-6)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck_keywords_and_a_wrong_double_backward(fast_mode):
    x = yingshe.tensor([[0.5, -1.5], [2.0, 0.3]], dtype=yingshe.float64, requires_grad=True)
    assert gradgradcheck(lambda t: (t * t).sin(), (x,), gen_non_contig_grad_outputs=True,
                         fast_mode=fast_mode, nondet_tol=0.0, check_undefined_grad=True,
                         check_grad_dtypes=True, check_batched_grad=False, masked=False)

    class BadSecond(Function):  # first derivative right, its derivative wrong
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t * t

        @staticmethod
        def backward(ctx, grad):
            (t,) = ctx.saved_tensors
            return grad * 3 * (t.detach() * t)  # the detach halves the second derivative
    assert gradcheck(BadSecond.apply, (x,), fast_mode=fast_mode)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_raises(lambda: gradgradcheck(BadSecond.apply, (x,), fast_mode=fast_mode),
                     GradcheckError, "Jacobian mismatch")


def test_functional_ops_pass_gradcheck_in_fast_mode():
    x = yingshe.tensor(RNG.standard_normal((3, 4)), dtype=yingshe.float64, requires_grad=True)
    assert gradcheck(lambda t: F.softmax(t, 1), (x,), fast_mode=True)
    assert gradcheck(lambda t: F.log_softmax(t, 1), (x,), fast_mode=True)
