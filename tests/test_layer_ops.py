"""The layers' functions (activations, linear/bilinear, normalisation, embedding, dropout)
against torch.nn.functional, forward and backward, plus finite differences in float64."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import yingshe
import yingshe.nn.functional as F
from helpers import check_op, check_raises

rng = np.random.default_rng(0)
SHAPES = [(3,), (2, 5), (2, 3, 4)]


def _away_from_kinks(shape, kinks=(0.0,)):
    x = rng.standard_normal(shape) * 2
    for k in kinks:
        x[np.abs(x - k) < 1e-3] += 0.01
    return x


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,ys,th,kinks", [
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1), (0.0,)),
    ("elu", lambda x: F.elu(x, 1.5), lambda x: TF.elu(x, 1.5), (0.0,)),
    ("gelu", F.gelu, TF.gelu, ()),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: TF.gelu(x, approximate="tanh"), ()),
    ("silu", F.silu, TF.silu, ()),
    ("softplus", lambda x: F.softplus(x, beta=2.0, threshold=3.0),
     lambda x: TF.softplus(x, beta=2.0, threshold=3.0), (1.5,)),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 1.0), lambda x: TF.hardtanh(x, -0.5, 1.0),
     (-0.5, 1.0)),
    ("relu6", F.relu6, TF.relu6, (0.0, 6.0)),
    ("erf", yingshe.erf, torch.erf, ()),
])
def test_activation(shape, name, ys, th, kinks):
    check_op(ys, th, [_away_from_kinks(shape, kinks)])


def test_activations_at_kinks_follow_torch():
    x = np.array([-1.0, 0.0, 1.0, 6.0, -0.5])
    for ys, th in [(F.leaky_relu, TF.leaky_relu), (F.elu, TF.elu), (F.relu6, TF.relu6),
                   (lambda t: F.hardtanh(t, -0.5, 1.0), lambda t: TF.hardtanh(t, -0.5, 1.0))]:
        check_op(ys, th, [x], check_gradcheck=False, check_gradgrad=False)


def test_softplus_is_stable_for_large_inputs():
    x = yingshe.tensor([-1000.0, 1000.0, 30.0])
    np.testing.assert_allclose(F.softplus(x, threshold=50.0).numpy(), [0.0, 1000.0, 30.0])


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(x_shape, bias):
    w, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    inputs = [rng.standard_normal(x_shape), w] + ([b] if bias else [])
    check_op(F.linear, TF.linear, inputs)


def test_linear_shape_errors_name_the_shapes():
    x, w = yingshe.randn(4, 3), yingshe.randn(2, 5)
    check_raises(lambda: F.linear(x, w), RuntimeError, "(4, 3)", "(2, 5)")
    check_raises(lambda: F.linear(yingshe.randn(4, 5), w, yingshe.randn(3)), RuntimeError,
                 "(3,)", "out_features=2")


@pytest.mark.parametrize("batch", [(3,), (2, 2)])
def test_bilinear(batch):
    x1, x2 = rng.standard_normal(batch + (2,)), rng.standard_normal(batch + (3,))
    check_op(F.bilinear, TF.bilinear, [x1, x2, rng.standard_normal((4, 2, 3)),
                                       rng.standard_normal(4)])


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training(shape, affine):
    c = shape[1]
    inputs = [rng.standard_normal(shape) * 3 + 1]
    if affine:
        inputs += [rng.standard_normal(c), rng.standard_normal(c)]

    def ys(x, w=None, b=None):
        return F.batch_norm(x, None, None, w, b, training=True, eps=1e-3)

    def th(x, w=None, b=None):
        return TF.batch_norm(x, None, None, w, b, training=True, eps=1e-3)

    check_op(ys, th, inputs, check_gradgrad=False)


def test_batch_norm_running_statistics_update_like_torch():
    x = rng.standard_normal((8, 3, 4, 4)) * 2 + 5
    ys_mean, ys_var = yingshe.zeros(3, dtype=yingshe.float64), yingshe.ones(3,
                                                                            dtype=yingshe.float64)
    th_mean, th_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for _ in range(3):
        F.batch_norm(yingshe.from_numpy(x), ys_mean, ys_var, training=True, momentum=0.3)
        TF.batch_norm(torch.from_numpy(x), th_mean, th_var, training=True, momentum=0.3)
    np.testing.assert_allclose(ys_mean.numpy(), th_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ys_var.numpy(), th_var.numpy(), rtol=1e-12)


def test_batch_norm_evaluation_uses_running_statistics():
    x, w, b = rng.standard_normal((4, 3, 2)), rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.random(3) + 0.5
    check_op(lambda x, w, b: F.batch_norm(x, yingshe.from_numpy(mean).to(x.dtype),
                                          yingshe.from_numpy(var).to(x.dtype), w, b,
                                          training=False),
             lambda x, w, b: TF.batch_norm(x, torch.from_numpy(mean).to(x.dtype),
                                           torch.from_numpy(var).to(x.dtype), w, b,
                                           training=False),
             [x, w, b], check_gradgrad=False)


def test_batch_norm_rejects_one_value_per_channel():
    check_raises(lambda: F.batch_norm(yingshe.randn(1, 3), None, None, training=True), ValueError,
                 "more than 1 value per channel", "(1, 3)")


@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(shape, normalized, affine):
    inputs = [rng.standard_normal(shape) * 2]
    if affine:
        inputs += [rng.standard_normal(normalized), rng.standard_normal(normalized)]
    check_op(lambda x, *wb: F.layer_norm(x, normalized, *wb, eps=1e-4),
             lambda x, *wb: TF.layer_norm(x, normalized, *wb, eps=1e-4), inputs,
             check_gradgrad=False)


def test_layer_norm_shape_error():
    check_raises(lambda: F.layer_norm(yingshe.randn(2, 3), (4,)), RuntimeError, "[4]", "(2, 3)")


@pytest.mark.parametrize("shape,groups", [((2, 4, 3), 2), ((2, 6, 2, 2), 3), ((3, 6), 2)])
def test_group_norm(shape, groups):
    c = shape[1]
    check_op(lambda x, w, b: F.group_norm(x, groups, w, b),
             lambda x, w, b: TF.group_norm(x, groups, w, b),
             [rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c)],
             check_gradgrad=False)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding(padding_idx):
    idx = np.array([[0, 2, 4], [4, 4, 1]])
    check_op(lambda i, w: F.embedding(i, w, padding_idx),
             lambda i, w: TF.embedding(i, w, padding_idx),
             [idx, rng.standard_normal((5, 3))], requires_grad=[False, True],
             check_gradcheck=padding_idx is None,  # the padding row's gradient is zero by design
             check_gradgrad=False)


def test_embedding_errors():
    w = yingshe.randn(5, 2)
    check_raises(lambda: F.embedding(yingshe.tensor([1, 5]), w), IndexError, "[1, 5]", "5 rows")
    check_raises(lambda: F.embedding(yingshe.tensor([1.0]), w), TypeError, "float32")


def test_dropout_keeps_expected_fraction_and_scales():
    yingshe.manual_seed(0)
    x = yingshe.ones(200, 500, requires_grad=True)
    y = F.dropout(x, 0.3)
    values = np.unique(y.detach().numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.7], rtol=1e-6)
    kept = (y.detach().numpy() > 0).mean()
    assert abs(kept - 0.7) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert F.dropout(x, 0.3, training=False) is x


def test_dropout_is_reproducible_and_validates_p():
    yingshe.manual_seed(3)
    a = F.dropout(yingshe.ones(50), 0.5).numpy()
    yingshe.manual_seed(3)
    np.testing.assert_array_equal(a, F.dropout(yingshe.ones(50), 0.5).numpy())
    check_raises(lambda: F.dropout(yingshe.ones(3), 1.5), ValueError, "1.5")
    assert not F.dropout(yingshe.ones(4), 1.0).numpy().any()


def test_dropout2d_zeroes_whole_channels():
    yingshe.manual_seed(1)
    y = F.dropout2d(yingshe.ones(8, 16, 3, 3), 0.5).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))
    assert 0 < (per_channel[:, :, 0] == 0).mean() < 1
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(yingshe.ones(3, 3), 0.5)  # PyTorch only warns (tests/test_nn_fidelity.py)


def test_dropout_gradient_is_checked_by_finite_differences():
    yingshe.manual_seed(5)
    x = yingshe.randn(3, 4, dtype=yingshe.float64, requires_grad=True)
    state = yingshe.get_rng_state()

    def fixed_mask_dropout(t):
        yingshe.set_rng_state(state)
        return F.dropout(t, 0.4)

    assert yingshe.autograd.gradcheck(fixed_mask_dropout, [x])
