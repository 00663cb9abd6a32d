"""The fundamentals studies of issue 33 (items 1, 3 and 4): vanishing gradients in RNNs and deep
MLPs (examples/vanishing_gradients.py), batch vs stochastic vs mini-batch descent
(examples/gradient_descent_study.py) and first-layer filters (examples/first_layer_filters.py):
their measurements against direct formulas or PyTorch, and short real runs of each script."""
import runpy

import numpy as np
import pytest
import torch

import yingshe
from helpers import EXAMPLES, check_raises, run_example

vanishing = runpy.run_path(str(EXAMPLES / "vanishing_gradients.py"))
descent = runpy.run_path(str(EXAMPLES / "gradient_descent_study.py"))
filters = runpy.run_path(str(EXAMPLES / "first_layer_filters.py"))


def test_adding_problem_targets_are_the_marked_sums():
    inputs, targets = vanishing["adding_problem"](30, 200, np.random.default_rng(0))
    assert inputs.shape == (30, 200, 2) and targets.shape == (200, 1)
    marks = inputs[..., 1]
    assert (marks.sum(0) == 2).all()
    assert (marks[:15].sum(0) == 1).all() and (marks[15:].sum(0) == 1).all()
    np.testing.assert_allclose(targets[:, 0], (inputs[..., 0] * marks).sum(0), rtol=1e-6)


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_hidden_gradients_match_pytorch_step_by_step(cell):
    """||dL/dh_t|| from the yingshe cell loop equals PyTorch's, with h_t.retain_grad() on the
    same weights unrolled by torch's cell."""
    yingshe.manual_seed(0)
    model = vanishing["AddingModel"](cell, 8)
    inputs, targets = vanishing["adding_problem"](12, 5, np.random.default_rng(1))
    norms = model.hidden_gradients(inputs, targets)
    reference = getattr(torch.nn, cell + "Cell")(2, 8)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(reference, name).copy_(
                torch.from_numpy(getattr(model.rnn, name + "_l0").detach().numpy()))
    fc_w = torch.from_numpy(model.fc.weight.detach().numpy())
    fc_b = torch.from_numpy(model.fc.bias.detach().numpy())
    h = torch.zeros(5, 8)
    state = (h, torch.zeros(5, 8)) if cell == "LSTM" else h
    hidden = []
    for x in torch.from_numpy(inputs):
        state = reference(x, state)
        hidden.append(state[0] if cell == "LSTM" else state)
        hidden[-1].retain_grad()
    loss = torch.nn.functional.mse_loss(hidden[-1] @ fc_w.T + fc_b, torch.from_numpy(targets))
    loss.backward()
    expected = np.array([float(h.grad.norm()) for h in hidden])
    np.testing.assert_allclose(norms, expected, rtol=1e-4, atol=1e-9)
    with yingshe.no_grad():  # the cell loop runs the same network as the fused layer
        fused = model(yingshe.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(fused, (hidden[-1] @ fc_w.T + fc_b).detach().numpy(), rtol=1e-4,
                               atol=1e-6)


def test_dead_relu_fraction_counts_units_silent_on_every_input():
    model = vanishing["deep_mlp"]("relu", depth=2, width=4)
    with yingshe.no_grad():
        model[1].bias.fill_(-1e3)  # the first hidden layer never fires
    images = np.random.default_rng(0).random((10, 1, 28, 28), np.float32)
    fractions = vanishing["dead_fraction"](model, images)
    assert fractions[0] == 1.0
    # the second layer sees only zeros: relu(bias), dead exactly where its bias is <= 0
    assert fractions[1] == np.mean(model[3].bias.detach().numpy() <= 0)
    with yingshe.no_grad():
        model[3].weight[0, 0] = float("nan")
    check_raises(lambda: vanishing["dead_fraction"](model, images), ValueError, "diverged")


def test_one_full_batch_step_is_the_softmax_regression_gradient():
    """Batch GD for one epoch = one step W <- W - lr X^T (softmax(XW^T + b) - Y) / N."""
    x, y = descent["mnist_vectors"](None, True, 64)
    yingshe.manual_seed(3)
    start = yingshe.nn.Linear(784, 10)
    w0, b0 = start.weight.detach().numpy(), start.bias.detach().numpy()
    log, model = descent["descend"](x, y, 64, 0.5, 1, np.array([64]), seed=3)
    z = x.astype(np.float64) @ w0.T + b0
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(64), y] -= 1
    np.testing.assert_allclose(model.weight.detach().numpy(), w0 - 0.5 * p.T @ x / 64,
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.bias.detach().numpy(), b0 - 0.5 * p.mean(0), rtol=1e-4,
                               atol=1e-6)
    assert [row[0] for row in log] == [0, 64] and log[1][2] < log[0][2]


def test_coherence_is_one_for_an_edge_and_low_for_an_isotropic_blob():
    r = np.arange(7) - 3
    edge = np.tile(np.tanh(r), (7, 1))  # varies along x only
    blob = np.exp(-(r[:, None] ** 2 + r[None] ** 2) / 4.0)
    coherence = filters["coherence"](np.stack([edge, edge.T, blob]))
    np.testing.assert_allclose(coherence[:2], 1.0, atol=1e-9)
    assert coherence[2] < 0.05


def test_the_three_scripts_run_on_real_data(tmp_path):
    run_example("vanishing_gradients.py", ["--lengths", "12", "--hidden", "8",
                                           "--adding-steps", "3", "--train-size", "256",
                                           "--test-size", "200", "--rows-train-size", "128",
                                           "--rows-epochs", "1",
                                           "--depth", "3", "--mlp-epochs", "1", "--out",
                                           str(tmp_path)])
    run_example("gradient_descent_study.py", ["--train-size", "64", "--epochs", "1",
                                              "--out", str(tmp_path)])
    run_example("first_layer_filters.py", ["--train-size", "128", "--epochs", "1",
                                           "--filters", "8", "--out", str(tmp_path)])
    for name in ("vanishing_rnn", "rnn_mnist_clipping", "saturation", "gradient_descent",
                 "first_layer_filters"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
