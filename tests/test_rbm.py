"""The Bernoulli RBM's math against direct NumPy formulas on tiny RBMs (energy, free energy by
summing out h, conditionals, the CD-k gradient, the exact log-likelihood gradient by enumerating
every state), CD and PCD training and DBN pretraining on real MNIST, and the DBN-initialised MLP."""
import itertools
import os

import numpy as np
import pytest

import yingshe
from yingshe.datasets.prepare import DATASETS
from yingshe.datasets.utils import default_root
from yingshe.models.rbm import BernoulliRBM, dbn_mlp
from yingshe.training.rbm import hidden_features, pretrain_dbn, train_rbm

rng = np.random.default_rng(0)


def _tiny(n_visible=4, n_hidden=3):
    rbm = BernoulliRBM(n_visible, n_hidden).double()
    with yingshe.no_grad():
        for p in rbm.parameters():
            p.copy_(yingshe.from_numpy(rng.standard_normal(tuple(p.shape))))
    return rbm, *(p.detach().numpy() for p in (rbm.weight, rbm.visible_bias, rbm.hidden_bias))


def _states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_energy_free_energy_and_conditionals_match_numpy():
    rbm, W, b, c = _tiny()
    v, h = rng.random((5, 4)), rng.integers(0, 2, (5, 3)).astype(float)
    energy = rbm.energy(yingshe.from_numpy(v), yingshe.from_numpy(h)).detach().numpy()
    np.testing.assert_allclose(energy, -v @ b - h @ c - np.einsum("nh,hv,nv->n", h, W, v))
    # F(v) = -log sum_h exp(-E(v, h)), the sum over all 2^3 hidden states done by brute force
    hs = _states(3)
    brute = -np.log((np.exp(v @ b)[:, None] * np.exp(hs @ c + (v @ W.T) @ hs.T)).sum(1))
    free = rbm.free_energy(yingshe.from_numpy(v)).detach().numpy()
    np.testing.assert_allclose(free, brute, rtol=1e-12)
    np.testing.assert_allclose(free, -v @ b - np.logaddexp(0, v @ W.T + c).sum(1), rtol=1e-12)
    np.testing.assert_allclose(rbm(yingshe.from_numpy(v)).detach().numpy(),
                               _sigmoid(v @ W.T + c), rtol=1e-12)
    np.testing.assert_allclose(rbm.visible_probs(yingshe.from_numpy(h)).detach().numpy(),
                               _sigmoid(h @ W + b), rtol=1e-12)


@pytest.mark.parametrize("k", [1, 3])
def test_cd_gradient_is_the_difference_of_data_and_negative_statistics(k):
    """d loss / dW = -(<p(h|v0) v0^T> - <p(h|vk) vk^T>), and the same for b and c."""
    rbm, W, _, c = _tiny()
    v0 = (rng.random((6, 4)) < 0.5).astype(float)
    yingshe.manual_seed(1)
    loss, vk, _ = rbm.contrastive_divergence(yingshe.from_numpy(v0), k)
    loss.backward()
    vk = vk.numpy()
    ph0, phk = _sigmoid(v0 @ W.T + c), _sigmoid(vk @ W.T + c)
    n = len(v0)
    np.testing.assert_allclose(rbm.weight.grad.numpy(), -(ph0.T @ v0 - phk.T @ vk) / n,
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rbm.visible_bias.grad.numpy(), -(v0 - vk).mean(0), atol=1e-14)
    np.testing.assert_allclose(rbm.hidden_bias.grad.numpy(), -(ph0 - phk).mean(0), atol=1e-14)
    yingshe.manual_seed(1)  # the same draws: the chain ran k steps from the data
    probs, _ = rbm.gibbs(yingshe.from_numpy(v0), k)
    np.testing.assert_array_equal(probs.numpy(), vk)
    chain = yingshe.from_numpy((rng.random((2, 4)) < 0.5).astype(float))
    yingshe.manual_seed(2)  # PCD: the negative phase continues the chain, not the data
    _, negative, state = rbm.contrastive_divergence(yingshe.from_numpy(v0), k, chain)
    yingshe.manual_seed(2)
    probs, sample = rbm.gibbs(chain, k)
    np.testing.assert_array_equal(negative.numpy(), probs.numpy())
    np.testing.assert_array_equal(state.numpy(), sample.numpy())


def test_free_energy_difference_gives_the_exact_likelihood_gradient():
    """With the model's own distribution over all 2^4 visible vectors as the negative phase,
    the surrogate's gradient is minus the gradient of the mean log-likelihood, which finite
    differences of the exact log p(v) = -F(v) - log Z confirm."""
    rbm, W, b, c = _tiny()
    data = (rng.random((5, 4)) < 0.5).astype(float)
    every = _states(4)

    def free(W, b, c, v):
        return -v @ b - np.logaddexp(0, v @ W.T + c).sum(1)

    def mean_log_likelihood(W, b, c):
        log_z = np.logaddexp.reduce(-free(W, b, c, every))
        return (-free(W, b, c, data) - log_z).mean()

    model_p = np.exp(-free(W, b, c, every))
    model_p /= model_p.sum()
    surrogate = rbm.free_energy(yingshe.from_numpy(data)).mean() - \
        (rbm.free_energy(yingshe.from_numpy(every)) * yingshe.from_numpy(model_p)).sum()
    surrogate.backward()
    eps = 1e-6
    for param, value in ((rbm.weight, W), (rbm.visible_bias, b), (rbm.hidden_bias, c)):
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            keep = value[i]
            value[i] = keep + eps
            up = mean_log_likelihood(W, b, c)
            value[i] = keep - eps
            down = mean_log_likelihood(W, b, c)
            value[i] = keep
            numeric[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(param.grad.numpy(), -numeric, rtol=1e-6, atol=1e-8)


def test_errors_name_shapes():
    rbm = BernoulliRBM(4, 3)
    with pytest.raises(ValueError, match=r"expected visible vectors \(N, 4\), got \(2, 5\)"):
        rbm.free_energy(yingshe.zeros(2, 5))
    with pytest.raises(ValueError, match=r"data must be \(N, 4\), got \(3, 2\)"):
        train_rbm(rbm, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="cannot sit on one with 3 hidden units"):
        dbn_mlp([rbm, BernoulliRBM(5, 2)])


@pytest.fixture(scope="module")
def mnist_pixels():
    root = default_root()
    if not os.environ.get("YINGSHE_DATA") or not (root / "mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/")
    images, labels = DATASETS["mnist"](root, train=True).arrays()
    return images[:3000].reshape(3000, -1).astype(np.float32) / 255, labels[:3000]


@pytest.mark.parametrize("persistent", [False, True])
def test_cd_and_pcd_raise_the_exact_log_likelihood_of_a_toy_set(persistent):
    """Three 6-pixel patterns: the exact mean log p(v) (Z summed over all 64 vectors) climbs
    from about -4.2 towards log(1/3) = -1.10.  PCD needs the smaller steps of Tieleman 2008:
    with momentum 0.9 its chains cannot follow the weights."""
    every = _states(6).astype(np.float32)
    patterns = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0]], np.float32)
    data = patterns[rng.integers(0, 3, 300)]

    def log_likelihood(rbm):
        with yingshe.no_grad():
            log_z = np.logaddexp.reduce(-rbm.free_energy(yingshe.from_numpy(every)).numpy()
                                        .astype(float))
            return float(-rbm.free_energy(yingshe.from_numpy(data)).mean()) - log_z
    yingshe.manual_seed(0)
    rbm = BernoulliRBM(6, 4)
    before = log_likelihood(rbm)
    options = {"lr": 0.02, "momentum": (0.5, 0.5)} if persistent else {}
    train_rbm(rbm, data, epochs=30, batch_size=10, persistent=persistent,
              log=lambda line: None, **options)
    assert before < -4 and log_likelihood(rbm) > -2.1


@pytest.mark.parametrize("persistent", [False, True])
def test_training_on_mnist_lowers_reconstruction_error(mnist_pixels, persistent):
    images, _ = mnist_pixels
    yingshe.manual_seed(0)
    rbm = BernoulliRBM(784, 64).init_visible_bias(images[:2000])
    v = yingshe.from_numpy(images[:1000])
    before = float(((rbm.gibbs(v)[0] - v) ** 2).sum(dim=1).mean())
    options = {"lr": 0.02, "momentum": (0.5, 0.5)} if persistent else {}
    history = train_rbm(rbm, images[:2000], epochs=6, persistent=persistent,
                        held_out=images[2000:], log=lambda line: None, **options)
    # PCD follows the likelihood, not the reconstruction, so its error falls less
    assert history[-1]["reconstruction_error"] < (0.9 if persistent else 0.7) * before
    assert set(history[0]) >= {"free_energy_train", "free_energy_held_out", "seconds"}


def test_dbn_pretraining_initialises_the_mlp(mnist_pixels):
    images, _ = mnist_pixels
    yingshe.manual_seed(0)
    rbms, histories = pretrain_dbn(images[:1000], (32, 16), epochs=1, log=lambda line: None)
    assert [(r.n_visible, r.n_hidden) for r in rbms] == [(784, 32), (32, 16)]
    assert len(histories) == 2
    mlp = dbn_mlp(rbms, 10)
    x = images[:7]
    expected = hidden_features(rbms[1], hidden_features(rbms[0], x))
    with yingshe.no_grad():
        features = mlp.layers[:-1](yingshe.from_numpy(x)).numpy()
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)
    assert mlp(yingshe.from_numpy(x)).shape == (7, 10)
