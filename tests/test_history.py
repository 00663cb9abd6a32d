"""The classic models of yingshe.models.history: McCulloch-Pitts gates, Hebb's rule, the
perceptron (converges on separable data, not on XOR), least squares in closed form and by
gradient descent, and the backprop-trained MLP that solves XOR."""
import numpy as np
import pytest

from yingshe.models import history
from yingshe.models.history import (
    BINARY_INPUTS,
    BIPOLAR_INPUTS,
    XOR_TARGETS,
    HebbianNeuron,
    McCullochPittsNeuron,
    Perceptron,
)

AND = np.array([0, 0, 0, 1])
OR = np.array([0, 1, 1, 1])


@pytest.mark.parametrize("gate, expected", [(McCullochPittsNeuron.AND, AND),
                                            (McCullochPittsNeuron.OR, OR)])
def test_mcculloch_pitts_truth_tables(gate, expected):
    neuron = gate()
    np.testing.assert_array_equal(neuron(BINARY_INPUTS), expected)
    for x, y in zip(BINARY_INPUTS, expected):
        assert neuron(x) == y


def test_mcculloch_pitts_not_and_three_input_and():
    np.testing.assert_array_equal(McCullochPittsNeuron.NOT()([[0], [1]]), [1, 0])
    assert McCullochPittsNeuron.NOT()([0]) == 1
    three = McCullochPittsNeuron.AND(3)
    assert three([1, 1, 1]) == 1 and three([1, 1, 0]) == 0


def test_mcculloch_pitts_rejects_non_binary_or_misshaped_input():
    with pytest.raises(ValueError, match="binary"):
        McCullochPittsNeuron.AND()([0.5, 1])
    with pytest.raises(ValueError, match="shape"):
        McCullochPittsNeuron.AND()([1, 1, 1])


def test_hebb_learns_bipolar_and():
    targets = 2 * AND - 1
    neuron = HebbianNeuron(2).train(BIPOLAR_INPUTS, targets)
    np.testing.assert_array_equal(neuron.weights, [2.0, 2.0])
    assert neuron.bias == -2.0
    np.testing.assert_array_equal(neuron.predict(BIPOLAR_INPUTS), targets)


@pytest.mark.parametrize("targets", [AND, OR], ids=["AND", "OR"])
def test_perceptron_converges_on_and_or(targets):
    perceptron = Perceptron(2)
    epochs = perceptron.fit(BINARY_INPUTS, targets)
    assert perceptron.converged and epochs < perceptron.max_epochs
    assert perceptron.errors[-1] == 0 and len(perceptron.errors) == epochs
    np.testing.assert_array_equal(perceptron.predict(BINARY_INPUTS), targets)


def test_perceptron_converges_on_random_separable_points():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 2))
    margin = X @ np.array([1.5, -2.0]) + 0.3
    X, margin = X[np.abs(margin) > 0.1], margin[np.abs(margin) > 0.1]
    y = (margin > 0).astype(int)
    perceptron = Perceptron(2, max_epochs=1000)
    perceptron.fit(X, y)
    assert perceptron.converged
    np.testing.assert_array_equal(perceptron.predict(X), y)


def test_perceptron_fails_on_xor():
    perceptron = Perceptron(2, max_epochs=200)
    assert perceptron.fit(BINARY_INPUTS, XOR_TARGETS) == 200
    assert not perceptron.converged
    assert min(perceptron.errors) > 0
    assert (perceptron.predict(BINARY_INPUTS) != XOR_TARGETS).any()


def _regression_data(seed=0, n=100, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + 1.5 + 0.1 * rng.standard_normal(n)
    return X, y


def test_normal_equation_matches_lstsq():
    X, y = _regression_data()
    w, b = history.linear_regression_normal_equation(X, y)
    expected = np.linalg.lstsq(np.hstack([X, np.ones((len(X), 1))]), y, rcond=None)[0]
    np.testing.assert_allclose(w, expected[:-1], rtol=1e-12, atol=1e-12)
    assert b == pytest.approx(expected[-1], abs=1e-12)


def test_normal_equation_recovers_exact_line():
    X = np.arange(10.0).reshape(-1, 1)
    w, b = history.linear_regression_normal_equation(X, 3 * X[:, 0] - 2)
    np.testing.assert_allclose(w, [3.0])
    assert b == pytest.approx(-2.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_descent_agrees_with_normal_equation(seed):
    X, y = _regression_data(seed)
    w_ne, b_ne = history.linear_regression_normal_equation(X, y)
    w_gd, b_gd = history.linear_regression_gradient_descent(X, y, lr=0.1, steps=500, seed=seed)
    assert w_gd.shape == w_ne.shape
    np.testing.assert_allclose(w_gd, w_ne, atol=1e-4)
    assert b_gd == pytest.approx(b_ne, abs=1e-4)


def test_mlp_solves_xor():
    model, loss = history.xor_mlp(hidden=4, seed=0)
    np.testing.assert_array_equal(model.predict(BINARY_INPUTS), XOR_TARGETS)
    assert loss < 0.05
    assert len(list(model.parameters())) == 4


def test_mlp_is_reproducible_for_a_seed():
    assert history.xor_mlp(seed=3, steps=50)[1] == history.xor_mlp(seed=3, steps=50)[1]


def test_demo_runs(capsys):
    history.demo()
    out = capsys.readouterr().out
    assert "McCulloch-Pitts" in out and "converged=False" in out and "solves XOR" in out
