"""Generative models (issue 5): each model against a PyTorch twin built from the same weights
(losses, parameter gradients, one Adam step), the VAE's KL term and reparameterisation against
closed forms, the IS / Fréchet metrics on known distributions, short real-data runs and the
picture helpers."""
import math

import numpy as np
import pytest
import torch

import yingshe
from benchmarks.twins import torch_twin
from yingshe.autograd import gradcheck
from yingshe.datasets.prepare import classification_splits
from yingshe.models import LeNet5
from yingshe.models.generative import (
    VAE,
    Autoencoder,
    ConvAutoencoder,
    ConvVAE,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    SparseAutoencoder,
    gan_losses,
    gaussian_kl,
    gaussian_noise,
    kl_sparsity,
    l1_activity,
    masking_noise,
    reparameterize,
    vae_loss,
)
from yingshe.training.generative import (
    dataset_images,
    evaluate_denoising,
    evaluate_reconstruction,
    evaluate_vae,
    psnr,
    train_autoencoder,
    train_gan,
    train_vae,
)
from yingshe.training.images import (
    latent_manifold,
    make_grid,
    normal_quantiles,
    save_contact_sheet,
    save_grid,
)
from yingshe.training.plots import pca_2d, plot_latent
from yingshe.training.scores import classifier_inception_score, frechet_distance, lenet_features
from yingshe.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)


# --- PyTorch twins --------------------------------------------------------------------------

def _squared_error(x_hat, x):
    return ((x_hat - x) ** 2).sum() / x.shape[0]


def _torch_kl(mu, logvar):
    return (-0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(dim=1)).mean()


def _torch_vae_loss(twin, x, eps):
    h = twin.encoder(x)
    mu, logvar = twin.mu(h), twin.logvar(h)
    logits = twin.decoder(mu + (0.5 * logvar).exp() * eps)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    return bce / x.shape[0] + _torch_kl(mu, logvar)


def _torch_gan_loss(g, d, x, z):
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    real, fake = d.main(x), d.main(g.main(z))
    d_loss = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
    return d_loss + bce(fake, torch.ones_like(fake))


def _torch_sparse_loss(twin, x, rho, beta):
    codes = twin.encoder(x)
    rho_hat = codes.mean(dim=0)
    kl = (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()
    return _squared_error(twin.decoder(codes), x) + beta * kl


def _vae_loss(model, x):
    logits, mu, logvar = model(x, eps=yingshe.from_numpy(EPS))
    return vae_loss(logits, x, mu, logvar)


def _sparse_loss(model, x):
    codes = model.encode(x)
    return _squared_error(model.decode(codes), x) + model.sparsity_penalty(codes)


EPS = rng.standard_normal((4, 4)).astype(np.float32)
Z = rng.standard_normal((4, 8)).astype(np.float32)

def _gan_case(build):
    """A CASES row for a (generator, discriminator) pair: D's loss plus G's on the batch and Z."""
    return (build,
            lambda m, x: sum(gan_losses(m[1](x), m[1](m[0](yingshe.from_numpy(Z))))),
            lambda t, x: _torch_gan_loss(t[0], t[1], x, torch.from_numpy(Z)))


CASES = {  # name: (build yingshe modules, yingshe loss, torch loss) on a batch x of 4 images
    "autoencoder-2d": (lambda: [Autoencoder(hidden=(32, 16), latent=2)],
                       lambda m, x: _squared_error(m(x), x),
                       lambda t, x: _squared_error(t.decoder(t.encoder(x)), x)),
    "conv-autoencoder": (lambda: [ConvAutoencoder(latent=8, channels=(4, 8))],
                         lambda m, x: _squared_error(m(x), x),
                         lambda t, x: _squared_error(t.decoder(t.encoder(x)), x)),
    "sparse-autoencoder": (lambda: [SparseAutoencoder(hidden=16, rho=0.1, beta=2.0)],
                           _sparse_loss,
                           lambda t, x: _torch_sparse_loss(t, x, 0.1, 2.0)),
    "vae": (lambda: [VAE(hidden=32, latent=4)],
            _vae_loss,
            lambda t, x: _torch_vae_loss(t, x, torch.from_numpy(EPS))),
    "conv-vae": (lambda: [ConvVAE(latent=4, channels=(4, 8), hidden=16)],
                 _vae_loss,
                 lambda t, x: _torch_vae_loss(t, x, torch.from_numpy(EPS))),
    "mlp-gan": _gan_case(lambda: [MLPGenerator(8, (16, 32)),
                                  MLPDiscriminator(hidden=(32, 16), dropout=0)]),
    "dcgan": _gan_case(lambda: [DCGANGenerator(8, features=4), DCGANDiscriminator(features=4)]),
    "dcgan-first-recipe": _gan_case(lambda: [DCGANGenerator(8, features=4, depth=3),
                                             DCGANDiscriminator(features=4, depth=2)]),
    "dcgan-second-recipe": _gan_case(lambda: [DCGANGenerator(8, features=4, depth=3),
                                              DCGANDiscriminator(features=4)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_model_matches_torch_twin_for_one_training_step(name):
    build, ys_loss, th_loss = CASES[name]
    models = build()
    twins = [torch_twin(m) for m in models]
    x = rng.random((4, 1, 28, 28)).astype(np.float32)
    if "gan" in name:
        x = 2 * x - 1
    ys_model = models if len(models) > 1 else models[0]
    th_model = twins if len(twins) > 1 else twins[0]
    loss = ys_loss(ys_model, yingshe.from_numpy(x))
    expected = th_loss(th_model, torch.from_numpy(x))
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-5, atol=1e-5)

    ys_params = [p for m in models for p in m.parameters()]
    th_params = [p for t in twins for p in t.parameters()]
    ys_opt, th_opt = yingshe.optim.Adam(ys_params, lr=1e-3), torch.optim.Adam(th_params, lr=1e-3)
    loss.backward()
    expected.backward()
    for m, t in zip(models, twins):
        th_grads = dict(t.named_parameters())
        for key, p in m.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), th_grads[key].grad.numpy(), rtol=1e-3,
                                       atol=1e-5, err_msg=f"{name}: grad of {key}")
    ys_opt.step()
    th_opt.step()
    for m, t in zip(models, twins):
        th_state = t.state_dict()
        for key, value in m.state_dict().items():
            np.testing.assert_allclose(value.numpy(), th_state[key].numpy(), rtol=1e-5,
                                       atol=1e-5, err_msg=f"{name}: {key} after one Adam step")


def test_dcgan_initialisation_follows_radford_2016():
    g = DCGANGenerator(features=16)
    conv, bn = g.main[1], g.main[2]
    assert abs(conv.weight.detach().numpy().std() - 0.02) < 0.002
    assert abs(bn.weight.detach().numpy().mean() - 1.0) < 0.01
    assert not bn.bias.detach().numpy().any()
    d = DCGANDiscriminator(features=16)
    assert abs(d.main[0].weight.detach().numpy().std() - 0.02) < 0.003


@pytest.mark.parametrize("depth, convolutions", [(2, 3), (3, 4)])
def test_dcgan_discriminator_depth_gives_one_logit_per_image(depth, convolutions):
    d = DCGANDiscriminator(features=4, depth=depth)
    assert sum(isinstance(m, yingshe.nn.Conv2d) for m in d.modules()) == convolutions
    assert d(yingshe.zeros(5, 1, 28, 28)).shape == (5,)
    with pytest.raises(ValueError, match="depth must be 2 or 3, got 4"):
        DCGANDiscriminator(depth=4)


@pytest.mark.parametrize("depth, sizes", [(3, [7, 14, 28]), (4, [4, 7, 14, 28])])
def test_dcgan_generator_depth_upsamples_to_28_by_28(depth, sizes):
    g = DCGANGenerator(8, features=4, depth=depth)
    h, seen = yingshe.zeros(5, 8), []
    for layer in g.main:
        h = layer(h)
        if isinstance(layer, yingshe.nn.ConvTranspose2d):
            seen.append(h.shape[-1])
    assert seen == sizes and h.shape == (5, 1, 28, 28)
    with pytest.raises(ValueError, match="depth must be 3 or 4, got 2"):
        DCGANGenerator(depth=2)


def test_gan_losses_are_the_minimax_and_non_saturating_objectives():
    real, fake = np.array([2.0, -1.0]), np.array([0.5, -3.0])
    d_loss, g_loss = gan_losses(yingshe.tensor(real), yingshe.tensor(fake))
    sigmoid = 1 / (1 + np.exp(-np.concatenate([real, fake])))
    d_real, d_fake = sigmoid[:2], sigmoid[2:]
    np.testing.assert_allclose(d_loss.item(),
                               -np.log(d_real).mean() - np.log(1 - d_fake).mean(), rtol=1e-6)
    np.testing.assert_allclose(g_loss.item(), -np.log(d_fake).mean(), rtol=1e-6)


# --- VAE: KL and reparameterisation ---------------------------------------------------------

def test_gaussian_kl_matches_torch_distributions_and_monte_carlo():
    mu = rng.standard_normal((5, 3))
    logvar = rng.standard_normal((5, 3)) * 0.5
    kl = gaussian_kl(yingshe.from_numpy(mu), yingshe.from_numpy(logvar)).numpy()
    q = torch.distributions.Normal(torch.from_numpy(mu), torch.from_numpy(np.exp(logvar / 2)))
    p = torch.distributions.Normal(torch.zeros(5, 3, dtype=torch.float64), 1.0)
    np.testing.assert_allclose(kl, torch.distributions.kl_divergence(q, p).sum(1).numpy(),
                               rtol=1e-10)
    # E_q[log q(z) - log p(z)] with z drawn by the reparameterisation trick
    samples = 200_000
    m, lv = np.repeat(mu[:1], samples, 0), np.repeat(logvar[:1], samples, 0)
    z = reparameterize(yingshe.from_numpy(m), yingshe.from_numpy(lv)).numpy()
    log_q = -0.5 * (lv + (z - m) ** 2 / np.exp(lv))
    log_p = -0.5 * z ** 2
    assert abs((log_q - log_p).sum(1).mean() - kl[0]) < 0.02


def test_reparameterisation_gradients():
    mu = yingshe.from_numpy(rng.standard_normal((2, 3))).requires_grad_()
    logvar = yingshe.from_numpy(rng.standard_normal((2, 3))).requires_grad_()
    eps_array = rng.standard_normal((2, 3))
    eps = yingshe.from_numpy(eps_array)
    assert gradcheck(lambda m, v: reparameterize(m, v, eps), [mu, logvar])
    reparameterize(mu, logvar, eps).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_allclose(logvar.grad.numpy(),
                               0.5 * eps_array * np.exp(logvar.detach().numpy() / 2))
    x = yingshe.from_numpy(rng.random((2, 4)))
    logits = yingshe.from_numpy(rng.standard_normal((2, 4))).requires_grad_()
    assert gradcheck(lambda l, m, v: vae_loss(l, x, m, v), [logits, mu, logvar])


def test_vae_samples_and_stochastic_forward():
    model = VAE(hidden=16, latent=2)
    x = yingshe.rand(3, 1, 28, 28)
    (a, _, _), (b, _, _) = model(x), model(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    for images in (model.sample(5), model.reconstruct(x)):
        images = images.detach().numpy()
        assert images.shape[1:] == (1, 28, 28) and images.min() >= 0 and images.max() <= 1


# --- Autoencoder variants -------------------------------------------------------------------

def test_kl_sparsity_and_l1_activity_by_hand():
    rho, rho_hat = 0.1, [0.2, 0.05, 0.1]
    expected = sum(rho * math.log(rho / r) + (1 - rho) * math.log((1 - rho) / (1 - r))
                   for r in rho_hat)
    np.testing.assert_allclose(kl_sparsity(yingshe.tensor(rho_hat), rho).item(), expected,
                               rtol=1e-6)
    codes = yingshe.tensor([[0.5, -1.0], [2.0, 0.0]])
    assert l1_activity(codes).item() == pytest.approx(1.75)
    model = SparseAutoencoder(hidden=4, beta=0.5, kind="l1")
    assert model.sparsity_penalty(codes).item() == pytest.approx(0.875)
    assert model.feature_images().shape == (4, 1, 28, 28)


def test_noise_functions():
    x = yingshe.full((200, 50), 0.5)
    noisy = gaussian_noise(x, 0.1).numpy()
    assert 0.0 <= noisy.min() and noisy.max() <= 1.0
    assert abs(noisy.std() - 0.1) < 0.005
    yingshe.manual_seed(1)
    a = masking_noise(x, 0.3).numpy()
    yingshe.manual_seed(1)
    np.testing.assert_array_equal(a, masking_noise(x, 0.3).numpy())
    assert abs((a == 0).mean() - 0.3) < 0.02 and set(np.unique(a)) == {0.0, 0.5}


def test_psnr_known_values():
    clean = np.zeros((2, 1, 4, 4))
    assert psnr(clean, clean + 0.1) == pytest.approx(20.0)
    assert psnr(yingshe.from_numpy(clean), yingshe.from_numpy(clean + 0.01)) == \
        pytest.approx(40.0)


# --- Metrics --------------------------------------------------------------------------------

def test_frechet_distance_on_known_gaussians():
    a = rng.standard_normal((4000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    shift = np.array([1.0, -2.0, 0.5, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(float((shift ** 2).sum()), rel=1e-8)
    # N(0, I) vs N(0, 4 I): Tr(I + 4I - 2 * 2I) = d
    assert frechet_distance(a, 2 * rng.standard_normal((4000, 4))) == pytest.approx(4.0, rel=0.1)


def test_frechet_distance_matches_the_eigenvalues_of_the_covariance_product():
    """Tr (S_a S_b)^{1/2} = sum_i sqrt(lambda_i(S_a S_b)): S_a S_b is similar to a PSD matrix."""
    a = rng.standard_normal((300, 5)) @ rng.standard_normal((5, 5))
    b = rng.standard_normal((300, 5)) @ rng.standard_normal((5, 5)) + 1
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb) \
        - 2 * np.sqrt(np.linalg.eigvals(ca @ cb).real.clip(0)).sum()
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_classifier_inception_score_bounds():
    one_class = np.tile(np.eye(10)[3], (100, 1))
    assert classifier_inception_score(one_class) == pytest.approx(1.0)
    spread = np.eye(10)[np.arange(100) % 10]
    assert classifier_inception_score(spread) == pytest.approx(10.0, rel=1e-6)
    assert classifier_inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)


def test_lenet_features_are_the_input_of_the_last_layer():
    model = LeNet5()
    images = rng.random((6, 1, 28, 28)).astype(np.float32)
    features, probabilities = lenet_features(model, images, mean=0.1307, std=0.3081,
                                             batch_size=4)
    assert features.shape == (6, 84) and probabilities.shape == (6, 10)
    with yingshe.no_grad():
        logits = model(yingshe.from_numpy((images - np.float32(0.1307)) / np.float32(0.3081)))
    np.testing.assert_allclose(probabilities, logits.softmax(dim=1).numpy(), rtol=1e-5,
                               atol=1e-6)


# --- Real data ------------------------------------------------------------------------------

@pytest.fixture
def mnist_loader(data_root):
    train, _, _, info = classification_splits("mnist", root=data_root, val_size=0,
                                              train_subset=200)
    images = dataset_images(train, info["mean"], info["std"])
    assert images.shape == (200, 1, 28, 28)
    assert images.numpy().min() >= 0 and images.numpy().max() <= 1
    return DataLoader(TensorDataset(images), batch_size=50, shuffle=True)


def test_autoencoder_and_denoising_loss_go_down_on_mnist(mnist_loader):
    model = Autoencoder(hidden=(128,), latent=16)
    history = train_autoencoder(model, mnist_loader, 3, yingshe.optim.Adam(model.parameters()),
                                noise=lambda x: gaussian_noise(x, 0.3))
    assert history["loss"][-1] < history["loss"][0]
    assert 0 < evaluate_reconstruction(model, mnist_loader) < 0.2
    scores = evaluate_denoising(model, mnist_loader, lambda x: gaussian_noise(x, 0.3))
    assert scores["psnr_noisy"] == pytest.approx(13.3, abs=1.0)  # sigma 0.3, clipped to [0, 1]
    assert np.isfinite(scores["psnr_denoised"])


def test_sparse_autoencoder_loss_goes_down_on_mnist(mnist_loader):
    model = SparseAutoencoder(hidden=32)
    history = train_autoencoder(model, mnist_loader, 3,
                                yingshe.optim.Adam(model.parameters(), lr=3e-3),
                                sparsity=model.sparsity_penalty)
    assert history["loss"][-1] < history["loss"][0]
    assert history["penalty"][0] > 0


def test_vae_loss_goes_down_on_mnist(mnist_loader):
    model = VAE()
    history = train_vae(model, mnist_loader, 3, yingshe.optim.Adam(model.parameters()))
    assert history["loss"][-1] < history["loss"][0]
    result = evaluate_vae(model, mnist_loader)
    assert result["loss"] == pytest.approx(result["reconstruction"] + result["kl"])


def test_gan_alternating_steps_run_on_mnist(data_root):
    train, _, _, info = classification_splits("mnist", root=data_root, val_size=0,
                                              train_subset=64)
    images = dataset_images(train, info["mean"], info["std"], value_range=(-1, 1))
    loader = DataLoader(TensorDataset(images), batch_size=32, shuffle=True)
    g, d = DCGANGenerator(16, features=4), DCGANDiscriminator(features=4)
    before = [p.detach().numpy().copy() for p in g.parameters()]
    seen = []
    history = train_gan(g, d, loader, 2, latent=16, fixed_noise=yingshe.randn(8, 16),
                        on_epoch=lambda epoch, samples, h: seen.append(samples.shape))
    assert seen == [(8, 1, 28, 28)] * 2
    assert all(len(v) == 2 and np.isfinite(v).all() for v in history.values())
    assert any(not np.allclose(a, p.detach().numpy()) for a, p in zip(before, g.parameters()))


class _CountingAdam(yingshe.optim.Adam):
    def __init__(self, params):
        super().__init__(params, lr=2e-4, betas=(0.5, 0.999))
        self.steps = 0

    def step(self):
        self.steps += 1
        super().step()


def test_gan_takes_the_asked_generator_steps_per_batch():
    loader = DataLoader(TensorDataset(yingshe.from_numpy(
        rng.uniform(-1, 1, (96, 1, 28, 28)).astype(np.float32))), batch_size=32)
    g, d = DCGANGenerator(8, features=4), DCGANDiscriminator(features=4)
    d_optimizer, g_optimizer = _CountingAdam(d.parameters()), _CountingAdam(g.parameters())
    train_gan(g, d, loader, 2, fixed_noise=yingshe.randn(4, 8),
              optimizers=(d_optimizer, g_optimizer), generator_steps=3)
    assert (d_optimizer.steps, g_optimizer.steps) == (2 * 3, 2 * 3 * 3)
    with pytest.raises(ValueError, match="generator_steps >= 1, got 0"):
        train_gan(g, d, loader, 1, generator_steps=0)


def test_gan_history_averages_g_loss_and_d_fake_over_the_generator_steps():
    loader = DataLoader(TensorDataset(yingshe.from_numpy(
        rng.uniform(-1, 1, (16, 1, 28, 28)).astype(np.float32))), batch_size=16,
        generator=np.random.default_rng(0))  # leaves the framework's generator to the z draws
    g, d = DCGANGenerator(8, features=4), DCGANDiscriminator(features=4)
    frozen = (yingshe.optim.Adam(d.parameters(), lr=0.0),
              yingshe.optim.Adam(g.parameters(), lr=0.0))
    yingshe.manual_seed(3)
    history = train_gan(g, d, loader, 1, fixed_noise=yingshe.randn(4, 8), optimizers=frozen,
                        generator_steps=2)
    yingshe.manual_seed(3)
    yingshe.randn(4, 8)  # the fixed noise
    g.train()
    d.train()
    with yingshe.no_grad():  # the weights never moved, so each step replays from its z
        d_fakes = [d(g(yingshe.randn(16, 8))) for _ in range(2)]
    g_losses = [gan_losses(d_fake, d_fake)[1].item() for d_fake in d_fakes]  # G's term only
    d_probabilities = [d_fake.sigmoid().mean().item() for d_fake in d_fakes]
    assert g_losses[0] != pytest.approx(g_losses[1])
    assert history["g_loss"] == [pytest.approx(np.mean(g_losses), rel=1e-5)]
    assert history["d_fake"] == [pytest.approx(np.mean(d_probabilities), rel=1e-5)]


def test_gan_folds_every_generator_step_into_the_average_and_draws_with_it():
    from yingshe.optim.swa_utils import AveragedModel, get_ema_avg_fn
    loader = DataLoader(TensorDataset(yingshe.from_numpy(
        rng.uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32))), batch_size=32)
    g, d = DCGANGenerator(8, features=4), DCGANDiscriminator(features=4)
    average = AveragedModel(g, get_ema_avg_fn(0.5), use_buffers=True)
    noise, drawn = yingshe.randn(4, 8), []
    train_gan(g, d, loader, 2, fixed_noise=noise, generator_steps=2, generator_average=average,
              on_epoch=lambda epoch, samples, history: drawn.append(samples))
    assert int(average.n_averaged.item()) == 2 * 2 * 2  # epochs x batches x G steps
    average.eval()
    g.eval()
    with yingshe.no_grad():
        np.testing.assert_array_equal(drawn[-1], average(noise).numpy())
        assert not np.allclose(drawn[-1], g(noise).numpy())  # the average is not G itself


# --- Pictures -------------------------------------------------------------------------------

def test_save_grid_writes_a_png(tmp_path):
    images = rng.random((10, 1, 28, 28)).astype(np.float32)
    grid = save_grid(images, tmp_path / "grid.png", nrow=5)
    assert grid.shape == (2 * 30 + 2, 5 * 30 + 2)
    written = pytest.importorskip("matplotlib.image").imread(str(tmp_path / "grid.png"))
    assert written.shape[:2] == grid.shape
    np.testing.assert_allclose(make_grid(yingshe.from_numpy(2 * images - 1), nrow=5), grid,
                               atol=1e-6)
    save_contact_sheet([grid, images[:4]], tmp_path / "sheet.png")
    assert (tmp_path / "sheet.png").stat().st_size > 0


def test_latent_manifold_pca_and_latent_plot(tmp_path):
    normal = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64), 1.0)
    ends = normal.cdf(torch.tensor([-2.0, 2.0], dtype=torch.float64))
    expected = normal.icdf(torch.linspace(ends[0], ends[1], 5, dtype=torch.float64))
    np.testing.assert_allclose(normal_quantiles(5, 2.0), expected.numpy(), atol=1e-9)
    vae = VAE(hidden=16, latent=2)
    images = latent_manifold(lambda z: vae.decode(z).sigmoid(), n=4)
    assert images.shape == (16, 1, 28, 28)
    x = rng.standard_normal((100, 3)) * [5.0, 2.0, 0.1]
    projected = pca_2d(x)
    assert projected.shape == (100, 2)
    top = np.sort(np.linalg.eigvalsh(np.cov(x, rowvar=False)))[::-1][:2]
    np.testing.assert_allclose(np.var(projected, axis=0, ddof=1), top, rtol=1e-8)
    plot_latent([("codes", x[:, :2]), ("PCA", projected)], np.arange(100) % 3,
                tmp_path / "latent.png")
    assert (tmp_path / "latent.png").stat().st_size > 0
