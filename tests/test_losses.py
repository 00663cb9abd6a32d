"""Losses against torch.nn.functional: values and input gradients, every reduction."""
import numpy as np
import pytest
import torch.nn.functional as TF

import yingshe
from helpers import check_op, check_raises
from yingshe import nn
from yingshe.ops import loss as F

rng = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3), (5,)])
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.1}, {"ignore_index": 1},
                                     {"weighted": True}, {"weighted": True, "label_smoothing": 0.2,
                                                          "ignore_index": 2}])
def test_cross_entropy_with_class_indices(shape, reduction, options):
    options = dict(options)
    classes = shape[1] if len(shape) > 1 else shape[0]
    target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, classes, target_shape)
    if options.get("ignore_index") is not None and target.size > 1:
        target.flat[0] = options["ignore_index"]
    weighted = options.pop("weighted", False)
    inputs = [rng.standard_normal(shape), target]
    if weighted:
        inputs.append(rng.uniform(0.5, 2.0, classes))
        check_op(lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction=reduction, **options),
                 lambda x, t, w: TF.cross_entropy(x, t, weight=w, reduction=reduction, **options),
                 inputs, requires_grad=[True, False, False], check_gradgrad=False)
    else:
        check_op(lambda x, t: F.cross_entropy(x, t, reduction=reduction, **options),
                 lambda x, t: TF.cross_entropy(x, t, reduction=reduction, **options),
                 inputs, check_gradgrad=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_with_probabilities(reduction, smoothing):
    probabilities = rng.dirichlet(np.ones(4), size=(3, 2)).transpose(0, 2, 1)  # (N, C, d)
    check_op(lambda x, p: F.cross_entropy(x, p, reduction=reduction, label_smoothing=smoothing),
             lambda x, p: TF.cross_entropy(x, p, reduction=reduction, label_smoothing=smoothing),
             [rng.standard_normal((3, 4, 2)), probabilities], requires_grad=[True, False],
             check_gradgrad=False)


def test_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-3e4, 3e4, 1.0]])
    t = np.array([1, 1])
    check_op(lambda x, t: F.cross_entropy(x, t), lambda x, t: TF.cross_entropy(x, t), [x, t],
             check_gradcheck=False, check_gradgrad=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    logp = np.log(rng.dirichlet(np.ones(5), size=6))
    target = rng.integers(0, 5, 6)
    weight = rng.uniform(0.5, 2.0, 5)
    check_op(lambda x, t, w: F.nll_loss(x, t, weight=w, reduction=reduction, ignore_index=0),
             lambda x, t, w: TF.nll_loss(x, t, weight=w, reduction=reduction, ignore_index=0),
             [logp, target, weight], requires_grad=[True, False, False], check_gradgrad=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [("mse_loss", {}), ("l1_loss", {}),
                                         ("smooth_l1_loss", {"beta": 0.5}),
                                         ("huber_loss", {"delta": 0.7})])
def test_regression_losses(name, kwargs, reduction):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    check_op(lambda x, y: getattr(F, name)(x, y, reduction=reduction, **kwargs),
             lambda x, y: getattr(TF, name)(x, y, reduction=reduction, **kwargs), [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    p, y, w = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3)), rng.uniform(0.5, 2, 3)
    check_op(lambda p, y, w: F.binary_cross_entropy(p, y, w, reduction=reduction),
             lambda p, y, w: TF.binary_cross_entropy(p, y, w.expand(4, 3), reduction=reduction),
             [p, y, w], requires_grad=[True, False, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("use_pos_weight", [False, True])
def test_binary_cross_entropy_with_logits(reduction, use_pos_weight):
    x, y = rng.standard_normal((4, 3)) * 5, rng.integers(0, 2, (4, 3)).astype(float)
    pw = rng.uniform(0.5, 3.0, 3)
    if use_pos_weight:
        check_op(lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, reduction=reduction,
                                                                     pos_weight=pw),
                 lambda x, y, pw: TF.binary_cross_entropy_with_logits(x, y, reduction=reduction,
                                                                      pos_weight=pw),
                 [x, y, pw], requires_grad=[True, False, False])
    else:
        check_op(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
                 lambda x, y: TF.binary_cross_entropy_with_logits(x, y, reduction=reduction),
                 [x, y], requires_grad=[True, False])


@pytest.mark.parametrize("use_pos_weight", [False, True])
def test_binary_cross_entropy_with_logits_gradient_at_zero_logit(use_pos_weight):
    """d/dx at x = 0 is sigma(0) - y = 0.5 - y (a max(-x, 0) + log(1 + e^-|x|) form gave -y or
    1 - y there)."""
    x = np.array([[0.0, 0.0, 0.0], [-0.0, 3.0, -40.0]])
    y = np.array([[1.0, 0.0, 0.3], [1.0, 0.5, 0.0]])
    pw = np.array([2.0, 0.5, 1.5])
    extra = {"pos_weight": pw} if use_pos_weight else {}
    check_op(lambda x, y, *w: F.binary_cross_entropy_with_logits(x, y, pos_weight=w[0] if w
                                                                 else None),
             lambda x, y, *w: TF.binary_cross_entropy_with_logits(x, y, pos_weight=w[0] if w
                                                                  else None),
             [x, y, *extra.values()], requires_grad=[True, False] + [False] * len(extra))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    logq = np.log(rng.dirichlet(np.ones(4), size=3))
    p = rng.dirichlet(np.ones(4), size=3)
    p[0, 0] = 0.0
    target = np.log(p + 1e-3) if log_target else p
    check_op(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
             lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target),
             [logq, target], requires_grad=[True, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(reduction):
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    y = np.array([1, -1, 1, -1, -1])
    check_op(lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1, reduction=reduction),
             lambda a, b, y: TF.cosine_embedding_loss(a, b, y, margin=0.1, reduction=reduction),
             [a, b, y])


def test_loss_modules_match_functional():
    x = yingshe.randn(4, 3, requires_grad=True)
    t = yingshe.tensor([0, 2, 1, 2])
    w = yingshe.tensor([1.0, 2.0, 0.5])
    module = nn.CrossEntropyLoss(weight=w, label_smoothing=0.1)
    assert module(x, t).item() == pytest.approx(
        F.cross_entropy(x, t, weight=w, label_smoothing=0.1).item())
    assert "weight" in dict(module.named_buffers())
    assert nn.MSELoss(reduction="sum")(x, x * 0.0).item() == pytest.approx(
        float((x.detach().numpy() ** 2).sum()), rel=1e-5)


def test_loss_errors_name_shapes_and_values():
    x = yingshe.randn(4, 3)
    check_raises(lambda: F.cross_entropy(x, yingshe.tensor([0, 1])), ValueError, "(4,)", "(2,)")
    check_raises(lambda: F.cross_entropy(x, yingshe.tensor([0, 1, 2, 7])), IndexError, "7", "3 classes")
    check_raises(lambda: F.cross_entropy(x, yingshe.tensor([0, 1, 2, 0]), reduction="avg"),
                 ValueError, "'avg'")
    check_raises(lambda: F.binary_cross_entropy(x, x), RuntimeError, "between 0 and 1")
