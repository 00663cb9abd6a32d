"""Training loops and metrics for the generative models of ``yingshe.models.generative``:
autoencoders (Hinton & Salakhutdinov 2006), VAEs (Kingma & Welling 2014) and GANs (Goodfellow
et al. 2014), plus reconstruction MSE and PSNR (``scores`` has the Inception Score and the
Fréchet distance).

Loaders yield image batches (a tensor, or a tuple whose first field holds the images); use
``dataset_images`` to turn a standardised classification split into pixels in [0, 1] (VAEs and
autoencoders) or [-1, 1] (GANs)."""
import numpy as np

from .. import optim
from ..autograd import no_grad
from ..models.generative import gan_losses, vae_terms
from ..ops.creation import from_numpy, randn
from ..optim.swa_utils import update_bn
from .trainer import check_finite

__all__ = ["dataset_images", "train_autoencoder", "evaluate_reconstruction", "evaluate_denoising",
           "psnr", "train_vae", "evaluate_vae", "train_gan"]


def _images(batch):
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def _numpy(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def dataset_images(dataset, mean, std, value_range=(0.0, 1.0)):
    """The images of a standardised ``TensorDataset`` (x = (p - mean) / std, as
    ``classification_splits`` makes them) back as pixels p in [0, 1], mapped linearly to
    ``value_range``; a float32 Tensor (N, C, H, W)."""
    pixels = np.clip(_numpy(dataset.tensors[0]) * np.float32(std) + np.float32(mean), 0.0, 1.0)
    low, high = value_range
    return from_numpy((pixels * (high - low) + low).astype(np.float32))


def _epoch_means(sums, count):
    return {name: total / count for name, total in sums.items()}


def _record(history, means):
    for name, value in means.items():
        history.setdefault(name, []).append(value)


def train_autoencoder(model, loader, epochs, optimizer, noise=None, sparsity=None,
                      on_epoch=None):
    """Minimise L = ||x - f_dec(f_enc(x~))||^2 (summed over pixels, averaged over images) with
    x~ = noise(x) for a denoising autoencoder (e.g. ``gaussian_noise``) or x~ = x, plus
    ``sparsity(codes)`` when given (e.g. ``SparseAutoencoder.sparsity_penalty``).

    Returns the history {"loss", "reconstruction", "penalty"}: per-epoch means per image.
    ``on_epoch(epoch, history)`` runs after each epoch."""
    history = {}
    for epoch in range(1, epochs + 1):
        model.train()
        sums, count = {"loss": 0.0, "reconstruction": 0.0, "penalty": 0.0}, 0
        for step, batch in enumerate(loader, 1):
            x = _images(batch)
            codes = model.encode(noise(x) if noise is not None else x)
            n = x.shape[0]
            reconstruction = ((model.decode(codes) - x) ** 2).sum() / n
            penalty = sparsity(codes) if sparsity is not None else None
            loss = reconstruction + penalty if penalty is not None else reconstruction
            optimizer.zero_grad()
            loss.backward()
            parts = {"reconstruction": reconstruction}
            if penalty is not None:
                parts["penalty"] = penalty
            value = check_finite(loss.item(), "autoencoder loss", epoch=epoch, step=step,
                                 parts=parts)
            optimizer.step()
            sums["loss"] += value * n
            sums["reconstruction"] += reconstruction.item() * n
            sums["penalty"] += (penalty.item() if penalty is not None else 0.0) * n
            count += n
        _record(history, _epoch_means(sums, count))
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history


def evaluate_reconstruction(model, loader, noise=None):
    """Mean squared error per pixel between x and the reconstruction of x (or of noise(x))."""
    model.eval()
    total, count = 0.0, 0
    with no_grad():
        for batch in loader:
            x = _images(batch)
            x_hat = model(noise(x) if noise is not None else x)
            total += float(((x_hat - x) ** 2).sum().item())
            count += x.numel()
    return total / count


def psnr(clean, noisy, max_value=1.0):
    """Peak signal-to-noise ratio in dB, 10 log10(max^2 / MSE), per image, averaged over the
    batch (first axis).  Arrays or Tensors."""
    clean, noisy = _numpy(clean).astype(np.float64), _numpy(noisy).astype(np.float64)
    mse = ((clean - noisy) ** 2).reshape(len(clean), -1).mean(axis=1)
    return float(np.mean(10 * np.log10(max_value ** 2 / np.maximum(mse, 1e-12))))


def evaluate_denoising(model, loader, noise):
    """{"psnr_noisy": PSNR(x, noise(x)), "psnr_denoised": PSNR(x, model(noise(x)))}, image
    means over the loader, in dB."""
    model.eval()
    noisy_sum, denoised_sum, count = 0.0, 0.0, 0
    with no_grad():
        for batch in loader:
            x = _images(batch)
            x_noisy = noise(x)
            n = x.shape[0]
            noisy_sum += psnr(x, x_noisy) * n
            denoised_sum += psnr(x, model(x_noisy)) * n
            count += n
    return {"psnr_noisy": noisy_sum / count, "psnr_denoised": denoised_sum / count}


def train_vae(model, loader, epochs, optimizer, on_epoch=None):
    """Maximise the ELBO (Kingma & Welling 2014): minimise ``vae_loss`` = -log p(x|z) + KL per
    image.  Returns the history {"loss", "reconstruction", "kl"} of per-epoch means (nats)."""
    history = {}
    for epoch in range(1, epochs + 1):
        model.train()
        sums, count = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}, 0
        for step, batch in enumerate(loader, 1):
            x = _images(batch)
            logits, mu, logvar = model(x)
            reconstruction, kl = vae_terms(logits, x, mu, logvar)
            loss = reconstruction + kl
            optimizer.zero_grad()
            loss.backward()
            check_finite(loss.item(), "VAE loss (negative ELBO)", epoch=epoch, step=step,
                         parts={"reconstruction": reconstruction, "kl": kl})
            optimizer.step()
            n = x.shape[0]
            for name, value in (("loss", loss), ("reconstruction", reconstruction), ("kl", kl)):
                sums[name] += value.item() * n
            count += n
        _record(history, _epoch_means(sums, count))
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history


def evaluate_vae(model, loader):
    """Test negative ELBO per image (one posterior sample per image), with its parts:
    {"loss", "reconstruction", "kl"} in nats."""
    model.eval()
    sums, count = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}, 0
    with no_grad():
        for batch in loader:
            x = _images(batch)
            logits, mu, logvar = model(x)
            reconstruction, kl = vae_terms(logits, x, mu, logvar)
            n = x.shape[0]
            sums["reconstruction"] += reconstruction.item() * n
            sums["kl"] += kl.item() * n
            sums["loss"] += (reconstruction.item() + kl.item()) * n
            count += n
    return _epoch_means(sums, count)


def train_gan(generator, discriminator, loader, epochs, lr=2e-4, betas=(0.5, 0.999), latent=None,
              fixed_noise=None, on_epoch=None, optimizers=None, generator_steps=1,
              generator_average=None, average_bn_samples=10_000):
    """Alternating GAN training (Goodfellow et al. 2014, Algorithm 1 with k = 1)
    with Adam(lr, betas) for each network (Radford 2016's settings by default), or with the
    ``optimizers`` pair (d_optimizer, g_optimizer) when given (e.g. restored from a checkpoint).

    Per batch: a D step on BCE(D(x), 1) + BCE(D(G(z)), 0) with G(z) detached, then
    ``generator_steps`` G steps on the non-saturating loss BCE(D(G(z)), 1) (see ``gan_losses``),
    the first on the D step's G(z), each further one on a fresh z.  Real images must lie in
    [-1, 1].  A ``generator_average`` (``optim.swa_utils.AveragedModel`` of G) folds in G's
    weights after every G step; after each epoch its batch-norm statistics are recomputed
    from ``average_bn_samples`` draws of z (``update_bn``, in batches of 500), since averaged
    weights fit the statistics of no single G.  After each epoch G(fixed_noise) is drawn in
    eval mode (64 draws of z ~ N(0, I) unless given; with the averaged G when there is one)
    and ``on_epoch(epoch, samples, history)`` is called with them as a NumPy
    array.  Returns the history {"d_loss", "g_loss", "d_real", "d_fake"}: per-epoch means of
    the losses and of D's probabilities on real and generated images (g_loss and d_fake
    averaged over the G steps)."""
    if generator_steps < 1:
        raise ValueError(f"train_gan needs generator_steps >= 1, got {generator_steps}")
    latent = latent or generator.latent
    fixed_noise = fixed_noise if fixed_noise is not None else randn(64, latent)
    d_optimizer, g_optimizer = optimizers or (
        optim.Adam(discriminator.parameters(), lr=lr, betas=betas),
        optim.Adam(generator.parameters(), lr=lr, betas=betas))
    history = {}
    for epoch in range(1, epochs + 1):
        generator.train()
        discriminator.train()
        sums, batches = {"d_loss": 0.0, "g_loss": 0.0, "d_real": 0.0, "d_fake": 0.0}, 0
        for batch_nr, batch in enumerate(loader, 1):
            x = _images(batch)
            fake = generator(randn(x.shape[0], latent))
            d_real = discriminator(x)
            d_loss, _ = gan_losses(d_real, discriminator(fake.detach()))
            d_optimizer.zero_grad()
            d_loss.backward()
            d_value = check_finite(d_loss.item(), "discriminator loss (d_loss)", epoch=epoch,
                                   step=batch_nr)
            d_optimizer.step()

            for step in range(generator_steps):
                if step:
                    fake = generator(randn(x.shape[0], latent))
                d_fake = discriminator(fake)
                _, g_loss = gan_losses(d_real.detach(), d_fake)
                g_optimizer.zero_grad()
                g_loss.backward()
                g_value = check_finite(
                    g_loss.item(), "generator loss (g_loss" + (
                        f", generator step {step + 1} of {generator_steps})"
                        if generator_steps > 1 else ")"), epoch=epoch, step=batch_nr)
                g_optimizer.step()
                if generator_average is not None:
                    generator_average.update_parameters(generator)
                sums["g_loss"] += g_value / generator_steps
                sums["d_fake"] += float(d_fake.detach().sigmoid().mean().item()) / generator_steps

            sums["d_loss"] += d_value
            sums["d_real"] += float(d_real.detach().sigmoid().mean().item())
            batches += 1
        _record(history, _epoch_means(sums, batches))
        if generator_average is not None:
            update_bn([randn(min(500, average_bn_samples - start), latent)
                       for start in range(0, average_bn_samples, 500)], generator_average)
        if on_epoch is not None:
            drawing = generator if generator_average is None else generator_average
            drawing.eval()
            with no_grad():
                samples = drawing(fixed_noise).numpy()
            on_epoch(epoch, samples, history)
    return history
