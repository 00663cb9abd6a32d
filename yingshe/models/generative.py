"""Deep generative models: autoencoders (plain, convolutional, sparse, denoising; Hinton &
Salakhutdinov 2006), variational autoencoders (Kingma & Welling 2014) and GANs (Goodfellow et
al. 2014; DCGAN, Radford et al. 2016), sized for 1 x 28 x 28 images (MNIST, Fashion-MNIST).

Autoencoders and VAEs expect pixels in [0, 1]; GAN generators produce (and their discriminators
expect) pixels in [-1, 1]."""
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

from .. import nn
from ..nn import functional as F
from ..ops.creation import ones_like, rand_like, randn, randn_like, zeros_like
from ..optim.swa_utils import AveragedModel, get_ema_avg_fn

__all__ = ["Autoencoder", "ConvAutoencoder", "SparseAutoencoder", "kl_sparsity", "l1_activity",
           "gaussian_noise", "masking_noise", "VAE", "ConvVAE", "reparameterize", "gaussian_kl",
           "vae_terms", "vae_loss", "MLPGenerator", "MLPDiscriminator", "DCGANGenerator",
           "DCGANDiscriminator", "dcgan_init", "gan_losses", "GenerativeModel",
           "GENERATIVE_MODELS", "DCGAN_RECIPE", "DCGAN_FIRST_RECIPE", "NOISES", "dcgan_recipe",
           "build_networks"]


def _mlp(sizes, activation, last_activation=None):
    """Linear layers through ``sizes`` with ``activation()`` between them."""
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    if last_activation is not None:
        layers.append(last_activation())
    return layers


# --- Autoencoders ---------------------------------------------------------------------------

class _AutoencoderBase(nn.Module):
    """z = encode(x), x_hat = decode(z); subclasses build ``encoder`` and ``decoder``."""

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class Autoencoder(_AutoencoderBase):
    """MLP autoencoder (Hinton & Salakhutdinov 2006): z = f_enc(x), x_hat = f_dec(z),
    trained on L = ||x - x_hat||^2.  ``latent=2`` gives the 2-D bottleneck whose codes can be
    plotted (dimensionality reduction); the decoder ends in a sigmoid, so x_hat lies in [0, 1]."""

    def __init__(self, image_shape=(1, 28, 28), hidden=(512, 256), latent=32):
        super().__init__()
        self.image_shape, self.latent = tuple(image_shape), latent
        pixels = math.prod(self.image_shape)
        self.encoder = nn.Sequential(nn.Flatten(),
                                     *_mlp([pixels, *hidden, latent], nn.ReLU))
        self.decoder = nn.Sequential(*_mlp([latent, *hidden[::-1], pixels], nn.ReLU, nn.Sigmoid),
                                     nn.Unflatten(1, self.image_shape))


class ConvAutoencoder(_AutoencoderBase):
    """Convolutional autoencoder: two stride-2 3x3 convolutions (28 -> 14 -> 7) and a linear
    bottleneck; the decoder mirrors them with stride-2 transposed convolutions and a sigmoid."""

    def __init__(self, in_channels=1, latent=32, channels=(16, 32)):
        super().__init__()
        c1, c2 = channels
        self.image_shape, self.latent = (in_channels, 28, 28), latent
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, latent))
        self.decoder = nn.Sequential(
            nn.Linear(latent, c2 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c1, in_channels, 3, stride=2, padding=1, output_padding=1),
            nn.Sigmoid())


def kl_sparsity(mean_activation, rho):
    """Sparsity penalty of the sparse autoencoder (Ng's CS294A notes, "Sparse autoencoder"):
    sum_j rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) / (1 - rho_hat_j)), where rho_hat_j
    is hidden unit j's mean activation over the batch (in (0, 1), e.g. after a sigmoid)."""
    rho_hat = mean_activation.clamp(1e-6, 1 - 1e-6)
    return (rho * (rho / rho_hat).log()
            + (1 - rho) * ((1 - rho) / (1 - rho_hat)).log()).sum()


def l1_activity(codes):
    """L1 activity penalty: mean over the batch of sum_j |h_j|."""
    return codes.abs().sum(dim=1).mean()


class SparseAutoencoder(_AutoencoderBase):
    """One sigmoid hidden layer h = sigma(W x + b) and a sigmoid decoder, with a sparsity
    penalty beta * Omega(h): ``kind='kl'`` uses ``kl_sparsity`` of the batch-mean activations
    against target rho, ``kind='l1'`` uses ``l1_activity``."""

    def __init__(self, image_shape=(1, 28, 28), hidden=196, rho=0.05, beta=3.0, kind="kl"):
        super().__init__()
        if kind not in ("kl", "l1"):
            raise ValueError(f"SparseAutoencoder: kind must be 'kl' or 'l1', got {kind!r}")
        self.image_shape, self.latent = tuple(image_shape), hidden
        self.rho, self.beta, self.kind = rho, beta, kind
        pixels = math.prod(self.image_shape)
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.Sigmoid())
        self.decoder = nn.Sequential(nn.Linear(hidden, pixels), nn.Sigmoid(),
                                     nn.Unflatten(1, self.image_shape))

    def sparsity_penalty(self, codes):
        """beta * KL sparsity (or beta * L1 activity) of a batch of hidden activations."""
        if self.kind == "kl":
            return self.beta * kl_sparsity(codes.mean(dim=0), self.rho)
        return self.beta * l1_activity(codes)

    def feature_images(self):
        """The learned features: each hidden unit's decoder weights as an image, scaled to
        [0, 1] one by one; a (hidden, C, H, W) NumPy array."""
        w = self.decoder[0].weight.detach().numpy().T.reshape(-1, *self.image_shape)
        low = w.min(axis=(1, 2, 3), keepdims=True)
        high = w.max(axis=(1, 2, 3), keepdims=True)
        return (w - low) / (high - low + 1e-12)


def gaussian_noise(x, std=0.3):
    """Denoising-autoencoder corruption x~ = clip(x + std * eps, 0, 1), eps ~ N(0, I) from the
    framework's generator (``yingshe.manual_seed``)."""
    return (x.detach() + std * randn_like(x)).clamp(0.0, 1.0)


def masking_noise(x, p=0.5):
    """Masking corruption (Vincent et al. 2008): each pixel is set to 0 with probability p."""
    return x.detach() * (rand_like(x) >= p).to(x.dtype)


# --- Variational autoencoders ---------------------------------------------------------------

def reparameterize(mu, logvar, eps=None):
    """Reparameterisation trick (Kingma & Welling 2014): z = mu + exp(logvar / 2) * eps with
    eps ~ N(0, I), so dz/dmu = 1 and dz/dlogvar = eps exp(logvar / 2) / 2."""
    if eps is None:
        eps = randn_like(mu)
    return mu + (0.5 * logvar).exp() * eps


def gaussian_kl(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per row, in closed form:
    -1/2 sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j))."""
    return -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(dim=1)


def vae_terms(logits, x, mu, logvar):
    """(reconstruction, KL), each averaged per image: the Bernoulli decoder's negative
    log-likelihood -log p(x|z) = BCE-with-logits summed over pixels, and ``gaussian_kl``."""
    n = x.shape[0]
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
    return reconstruction, gaussian_kl(mu, logvar).mean()


def vae_loss(logits, x, mu, logvar):
    """Negative ELBO per image (nats): BCE summed over pixels + KL, averaged over the batch."""
    reconstruction, kl = vae_terms(logits, x, mu, logvar)
    return reconstruction + kl


class _VAEBase(nn.Module):
    """encode -> (mu, logvar); reparameterise; decode -> Bernoulli logits of every pixel."""

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        """Bernoulli logits; ``sigmoid`` of them is the mean image."""
        return self.decoder(z)

    def forward(self, x, eps=None):
        """(logits, mu, logvar); ``eps`` fixes the reparameterisation noise."""
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, eps)), mu, logvar

    def reconstruct(self, x):
        """Mean images sigma(f_dec(mu(x))) of the posterior means, in [0, 1]."""
        return self.decode(self.encode(x)[0]).sigmoid()

    def sample(self, n):
        """Mean images sigma(f_dec(z)) of n draws z ~ N(0, I) from the prior, in [0, 1]."""
        return self.decode(randn(n, self.latent)).sigmoid()


class VAE(_VAEBase):
    """The MLP VAE of Kingma & Welling (2014), 784-400-20 by default: Gaussian encoder
    q(z|x) = N(mu(x), diag(exp(logvar(x)))), Bernoulli decoder p(x|z)."""

    def __init__(self, image_shape=(1, 28, 28), hidden=400, latent=20):
        super().__init__()
        self.image_shape, self.latent = tuple(image_shape), latent
        pixels = math.prod(self.image_shape)
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU())
        self.mu, self.logvar = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                     nn.Linear(hidden, pixels), nn.Unflatten(1, self.image_shape))


class ConvVAE(_VAEBase):
    """Convolutional VAE: 4x4 stride-2 convolutions 28 -> 14 -> 7, a dense layer, Gaussian
    heads; the decoder mirrors it with transposed convolutions and returns logits."""

    def __init__(self, in_channels=1, latent=20, channels=(32, 64), hidden=256):
        super().__init__()
        c1, c2 = channels
        self.image_shape, self.latent = (in_channels, 28, 28), latent
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, c1, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, hidden), nn.ReLU())
        self.mu, self.logvar = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, c2 * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c1, in_channels, 4, stride=2, padding=1))


# --- GANs -------------------------------------------------------------------------------------

def gan_losses(d_real_logits, d_fake_logits):
    """(discriminator loss, generator loss) from D's logits (Goodfellow et al. 2014).
    D maximises V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], i.e. minimises
    BCE(D(x), 1) + BCE(D(G(z)), 0); G minimises the non-saturating -E[log D(G(z))] =
    BCE(D(G(z)), 1) (the paper's "maximize log D(G(z))"), which keeps its gradient alive while D
    still wins easily.  For D's step compute ``d_fake_logits`` on G(z).detach(), for G's on G(z).
    """
    bce = F.binary_cross_entropy_with_logits
    d_loss = bce(d_real_logits, ones_like(d_real_logits)) + \
        bce(d_fake_logits, zeros_like(d_fake_logits))
    return d_loss, bce(d_fake_logits, ones_like(d_fake_logits))


class MLPGenerator(nn.Module):
    """Goodfellow et al. (2014)'s fully connected generator x = G(z), z ~ N(0, I): LeakyReLU
    hidden layers and a tanh output in [-1, 1]."""

    def __init__(self, latent=100, hidden=(256, 512, 1024), image_shape=(1, 28, 28)):
        super().__init__()
        self.latent, self.image_shape = latent, tuple(image_shape)
        sizes = [latent, *hidden, math.prod(self.image_shape)]
        self.main = nn.Sequential(*_mlp(sizes, lambda: nn.LeakyReLU(0.2), nn.Tanh),
                                  nn.Unflatten(1, self.image_shape))

    def forward(self, z):
        return self.main(z)


class MLPDiscriminator(nn.Module):
    """Fully connected discriminator: LeakyReLU(0.2) and dropout between layers; returns one
    logit per image (D(x) = sigmoid(logit)), shape (N,)."""

    def __init__(self, image_shape=(1, 28, 28), hidden=(1024, 512, 256), dropout=0.3):
        super().__init__()
        layers, width = [nn.Flatten()], math.prod(image_shape)
        for size in hidden:
            layers += [nn.Linear(width, size), nn.LeakyReLU(0.2)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        self.main = nn.Sequential(*layers, nn.Linear(width, 1), nn.Flatten(0))

    def forward(self, x):
        return self.main(x)


def dcgan_init(module):
    """DCGAN initialisation (Radford et al. 2016): conv weights ~ N(0, 0.02); batch-norm
    weights ~ N(1, 0.02), biases 0.  Use as ``model.apply(dcgan_init)``."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """DCGAN generator for 28 x 28, transposed convolutions with batch norm + ReLU after all but
    the last, which ends in tanh.  ``depth=4`` (the default) mirrors the 3-layer discriminator:
    z -> ConvT 4x4 (1 -> 4, 8f channels) -> ConvT 3x3/2 (7, 4f) -> ConvT 4x4/2 (14, 2f) ->
    ConvT 4x4/2 (28); ``depth=3``: z -> ConvT 7x7 (1 -> 7, 4f) -> ConvT 4x4/2 (14, 2f) ->
    ConvT 4x4/2 (28)."""

    def __init__(self, latent=100, features=64, out_channels=1, depth=4):
        super().__init__()
        if depth not in (3, 4):
            raise ValueError(f"DCGANGenerator depth must be 3 or 4, got {depth}")
        self.latent, self.image_shape = latent, (out_channels, 28, 28)
        f = features
        if depth == 4:
            layers = [nn.ConvTranspose2d(latent, f * 8, 4, 1, 0, bias=False),
                      nn.BatchNorm2d(f * 8), nn.ReLU(),
                      nn.ConvTranspose2d(f * 8, f * 4, 3, 2, 1, bias=False)]
        else:
            layers = [nn.ConvTranspose2d(latent, f * 4, 7, 1, 0, bias=False)]
        self.main = nn.Sequential(
            nn.Unflatten(1, (latent, 1, 1)), *layers, nn.BatchNorm2d(f * 4), nn.ReLU(),
            nn.ConvTranspose2d(f * 4, f * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(f * 2),
            nn.ReLU(),
            nn.ConvTranspose2d(f * 2, out_channels, 4, 2, 1, bias=False), nn.Tanh())
        self.apply(dcgan_init)

    def forward(self, z):
        return self.main(z)


class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator for 28 x 28, strided convolutions with LeakyReLU(0.2) and batch norm
    on all but the first (Radford et al. 2016).  ``depth=3`` (the default): 4x4/2 convolutions
    28 -> 14 -> 7 (f, 2f channels), a 3x3/2 one 7 -> 4 (4f), then a 4x4 convolution to one logit
    per image; ``depth=2``: 28 -> 14 -> 7, then a 7x7 convolution to the logit."""

    def __init__(self, in_channels=1, features=64, depth=3):
        super().__init__()
        if depth not in (2, 3):
            raise ValueError(f"DCGANDiscriminator depth must be 2 or 3, got {depth}")
        f = features
        layers = [nn.Conv2d(in_channels, f, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
                  nn.Conv2d(f, f * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(f * 2), nn.LeakyReLU(0.2)]
        if depth == 3:
            layers += [nn.Conv2d(f * 2, f * 4, 3, 2, 1, bias=False), nn.BatchNorm2d(f * 4),
                       nn.LeakyReLU(0.2), nn.Conv2d(f * 4, 1, 4, 1, 0, bias=False)]
        else:
            layers.append(nn.Conv2d(f * 2, 1, 7, 1, 0, bias=False))
        self.main = nn.Sequential(*layers, nn.Flatten(0))
        self.apply(dcgan_init)

    def forward(self, x):
        return self.main(x)


# ---- the registry of ``yingshe train``'s generative models -----------------------------------
# DCGAN networks of new runs: G z -> 4 -> 7 -> 14 -> 28 with 384-192-96 channels, D 28 -> 14 ->
# 7 -> 4 with 64-128-256 (see DCGANGenerator, DCGANDiscriminator).  A run's config without
# these keys is from the first recipe, and builds (and resumes) as one.
DCGAN_RECIPE = {"generator_depth": 4, "generator_features": 48, "discriminator_depth": 3,
                "discriminator_features": 64}
DCGAN_FIRST_RECIPE = {"generator_depth": 3, "generator_features": 64, "discriminator_depth": 2,
                      "discriminator_features": 64}
NOISES = {"gaussian": (gaussian_noise, 0.3), "masking": (masking_noise, 0.5)}


def dcgan_recipe(config):
    """The DCGAN network sizes of a run's ``config`` (the first recipe's where it names none)."""
    return {key: config.get(key, value) for key, value in DCGAN_FIRST_RECIPE.items()}


def _shape(config):
    return tuple(config["data_info"]["image_shape"])


def _with_generator_average(networks, config):
    """Add "generator_average", an exponential moving average of G's weights (Yazıcı et al.
    2019), when the run's config asks for one (``generator_ema``)."""
    if config.get("generator_ema") is not None:
        networks["generator_average"] = AveragedModel(
            networks["generator"], get_ema_avg_fn(config["generator_ema"]))
    return networks


def _dcgan_networks(config):
    """G and D of a DCGAN run."""
    recipe, channels = dcgan_recipe(config), _shape(config)[0]
    return _with_generator_average(
        {"generator": DCGANGenerator(config["latent"], recipe["generator_features"], channels,
                                     depth=recipe["generator_depth"]),
         "discriminator": DCGANDiscriminator(channels, recipe["discriminator_features"],
                                             depth=recipe["discriminator_depth"])},
        config)


def _mlp_gan_networks(config):
    """G and D of an MLP GAN run (Goodfellow et al. 2014)."""
    return _with_generator_average(
        {"generator": MLPGenerator(config["latent"], image_shape=_shape(config)),
         "discriminator": MLPDiscriminator(_shape(config))}, config)


@dataclass(frozen=True)
class GenerativeModel:
    """A row of ``GENERATIVE_MODELS``: ``build(config)`` -> {name: network}; ``family`` picks
    the training loop (autoencoder, vae or gan); ``latent``, ``lr`` and ``epochs`` are the
    defaults; ``options`` are the model's own options besides those every model takes."""
    family: str
    build: Callable
    latent: int
    lr: float
    epochs: int
    description: str
    options: tuple = ()


GENERATIVE_MODELS = {
    "autoencoder": GenerativeModel(
        "autoencoder", lambda c: {"model": Autoencoder(_shape(c), latent=c["latent"])},
        32, 1e-3, 10, "MLP autoencoder 784-512-256-32, squared error (--latent 2: plottable)"),
    "conv-autoencoder": GenerativeModel(
        "autoencoder", lambda c: {"model": ConvAutoencoder(_shape(c)[0], c["latent"])},
        32, 1e-3, 10, "convolutional autoencoder 28 -> 14 -> 7 -> 32 and back"),
    "sparse-ae": GenerativeModel(
        "autoencoder", lambda c: {"model": SparseAutoencoder(
            _shape(c), hidden=c["latent"], rho=c["rho"], beta=c["beta"], kind=c["sparsity"])},
        196, 1e-3, 10, "196 sigmoid units with a KL (or L1) sparsity penalty (Ng's notes)",
        ("sparsity", "rho", "beta")),
    "denoising-ae": GenerativeModel(
        "autoencoder", lambda c: {"model": Autoencoder(_shape(c), latent=c["latent"])},
        32, 1e-3, 10, "MLP autoencoder taught to undo Gaussian or masking noise (Vincent 2008)",
        ("noise", "noise_level")),
    "vae": GenerativeModel(
        "vae", lambda c: {"model": VAE(_shape(c), latent=c["latent"])},
        20, 1e-3, 20, "VAE 784-400-20, Bernoulli decoder (Kingma & Welling 2014)",
        ("classifier",)),
    "conv-vae": GenerativeModel(
        "vae", lambda c: {"model": ConvVAE(_shape(c)[0], c["latent"])},
        20, 1e-3, 20, "convolutional VAE 28 -> 14 -> 7 -> 20 and back", ("classifier",)),
    "gan": GenerativeModel(
        "gan", _mlp_gan_networks,
        100, 2e-4, 50, "GAN with MLP generator and discriminator (Goodfellow et al. 2014)",
        ("classifier", "generator_steps", "generator_ema")),
    "dcgan": GenerativeModel(
        "gan", _dcgan_networks,
        100, 2e-4, 10, "DCGAN (Radford et al. 2016) sized for 28x28, Adam betas (0.5, 0.999)",
        ("classifier", "generator_steps", "generator_ema")),
}


def build_networks(config):
    """The freshly initialised networks of a run's ``config`` ({name: network})."""
    if config.get("model") not in GENERATIVE_MODELS:
        raise ValueError(f"unknown generative model {config.get('model')!r}; available: "
                         f"{', '.join(GENERATIVE_MODELS)}")
    return GENERATIVE_MODELS[config["model"]].build(config)
