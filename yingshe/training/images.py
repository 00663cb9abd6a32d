"""Pictures of what generative models learned: image grids, contact sheets of training
progress and 2-D latent manifolds (Kingma & Welling 2014, figure 4).  PNGs are written with
matplotlib (Agg), imported only when needed."""
from statistics import NormalDist

import numpy as np

from ..autograd import no_grad
from ..ops.creation import from_numpy
from ..vision.utils import make_grid as tile_images
from .plots import pyplot

__all__ = ["make_grid", "save_grid", "save_contact_sheet", "normal_quantiles", "latent_manifold"]


def make_grid(images, nrow=8, padding=2, pad_value=1.0, value_range=None):
    """Tile (N, C, H, W) (or (N, H, W)) images, an array or a Tensor, into one (H', W') or
    (H', W', 3) float32 array in [0, 1]: ``vision.utils.make_grid`` with ``normalize=True``,
    ``value_range`` mapped linearly onto [0, 1] and clipped; by default (-1, 1) when any value
    is negative (tanh outputs), else (0, 1).  ``nrow`` images per row, ``padding`` pixels of
    ``pad_value`` (white) between and around them; a single image comes without padding."""
    x = images.detach().numpy() if hasattr(images, "detach") else np.asarray(images)
    x = x.astype(np.float32)
    if x.ndim == 3:
        x = x[:, None]
    low, high = value_range or ((-1.0, 1.0) if x.min() < 0 else (0.0, 1.0))
    grid = tile_images(from_numpy(x), nrow, padding, normalize=True,
                       value_range=(float(low), float(high)), pad_value=pad_value).numpy()
    return grid[0] if x.shape[1] == 1 else grid.transpose(1, 2, 0)


def save_grid(images, path, nrow=8, padding=2, value_range=None):
    """Write ``make_grid(images, nrow, padding)`` as a PNG (grey for one channel); returns the
    grid."""
    plt = pyplot()
    grid = make_grid(images, nrow, padding, value_range=value_range)
    plt.imsave(str(path), grid, cmap="gray" if grid.ndim == 2 else None, vmin=0.0, vmax=1.0)
    return grid


def save_contact_sheet(grids, path, titles=None, columns=5):
    """Several grids (e.g. fixed-noise samples after each GAN epoch, as ``make_grid`` arrays or
    image batches) side by side in one PNG, each with a title (default "epoch k")."""
    plt = pyplot()
    grids = [g if np.ndim(g) == 2 or (np.ndim(g) == 3 and np.shape(g)[-1] == 3) else make_grid(g)
             for g in grids]
    titles = titles or [f"epoch {k}" for k in range(1, len(grids) + 1)]
    columns = min(columns, len(grids))
    rows = -(-len(grids) // columns)
    aspect = grids[0].shape[0] / grids[0].shape[1]
    figure, axes = plt.subplots(rows, columns, figsize=(3 * columns, (3 * aspect + 0.4) * rows),
                                squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, grid, title in zip(axes.ravel(), grids, titles):
        ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0.0, vmax=1.0)
        ax.set_title(title)
    figure.tight_layout()
    figure.savefig(str(path), dpi=100)
    plt.close(figure)


def normal_quantiles(n, limit=3.0):
    """Phi^-1(p) of N(0, 1) at n evenly spaced probabilities p from Phi(-limit) to Phi(limit)."""
    normal = NormalDist()
    return np.array([normal.inv_cdf(p) for p in
                     np.linspace(normal.cdf(-limit), normal.cdf(limit), n)])


def latent_manifold(decoder, n=20, limit=3.0):
    """Decode an n x n grid of 2-D latent points placed at Gaussian quantiles (Kingma & Welling
    2014, Fig. 4); returns (n * n, C, H, W) images in [0, 1], row by row, z_2 decreasing down the
    rows.  ``decoder`` maps (M, 2) codes to images; VAE logits go through a sigmoid first
    (``lambda z: vae.decode(z).sigmoid()``)."""
    q = normal_quantiles(n, limit)
    z = np.array([[z1, z2] for z2 in q[::-1] for z1 in q], dtype=np.float32)
    with no_grad():
        images = decoder(from_numpy(z))
    return images.numpy() if hasattr(images, "numpy") else np.asarray(images)
