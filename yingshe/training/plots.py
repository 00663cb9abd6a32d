"""Plots as PNG files: training curves, attention heatmaps, 2-D projections of codes and word
vectors.  matplotlib (the ``train`` extra) is imported only when a plot is asked for."""
import numpy as np

from ..models.keyed_vectors import WORD_MAP_GROUPS

__all__ = ["pyplot", "plot_history", "plot_curves", "plot_panels", "plot_attention", "pca_2d",
           "plot_latent", "plot_word_map"]


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (files only, no window); an ImportError that
    names the extra to install when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'yingshe[train]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(figure, path, dpi=100):
    figure.tight_layout()
    figure.savefig(str(path), dpi=dpi)
    pyplot().close(figure)


def plot_history(history, path, title=None):
    """Two panels: loss and accuracy per epoch, train vs validation."""
    plt = pyplot()
    epochs = history["epoch"]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for split in ("train", "val"):
            values = history[f"{split}_{metric}"]
            if any(v is not None for v in values):
                ax.plot(epochs, values, marker="o", label=f"{split}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        figure.suptitle(title)
    _save(figure, path)


def plot_curves(curves, path, xlabel="epoch", ylabel="loss", title=None, log_scale=False):
    """Several named curves on one axis (e.g. the optimiser study's loss per optimiser)."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log_scale:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    _save(figure, path)


def plot_panels(rows, panels, path, title):
    """One panel per (label, series names) of ``panels``, each series plotted per epoch from
    the history ``rows`` (dicts with "epoch"); all-zero series (a plain autoencoder's sparsity
    penalty) are left out."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator
    epochs = [row["epoch"] for row in rows]
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (label, names) in zip(axes[0], panels):
        for name in names:
            values = [row[name] for row in rows]
            if any(values):
                ax.plot(epochs, values, marker="o", label=name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.legend()
    figure.suptitle(title)
    _save(figure, path)


def plot_attention(weights, source_tokens, target_tokens, path):
    """A heatmap of attention weights: one row per generated token, one column per source
    token (each row sums to 1)."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(1 + 0.5 * len(source_tokens),
                                       1 + 0.4 * len(target_tokens)))
    ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60)
    ax.set_yticks(range(len(target_tokens)), target_tokens)
    ax.set_xlabel("source")
    ax.set_ylabel("translation")
    _save(figure, path)


def _numpy(x):
    return np.asarray(x.detach().numpy() if hasattr(x, "detach") else x)


def pca_2d(x):
    """The rows of ``x`` (an array or Tensor, each row flattened) on their first two principal
    axes (Pearson 1901): with the centred rows X_c = X - mean = U S V^T, the coordinates are
    X_c V_{:, :2} = U_{:, :2} S_{:2} (a zero column where there is no second axis)."""
    data = _numpy(x).astype(np.float64)
    data = data.reshape(len(data), -1)
    u, s, _ = np.linalg.svd(data - data.mean(axis=0), full_matrices=False)
    axes = min(2, len(s))
    coordinates = np.zeros((len(data), 2))
    coordinates[:, :axes] = u[:, :axes] * s[:axes]
    return coordinates


def plot_latent(panels, labels, path, class_names=None):
    """Side-by-side scatter plots of 2-D codes of the same points coloured by class label (one
    colour per class, legend on the last panel); ``panels`` is [(title, (N, 2) codes)]."""
    plt = pyplot()
    labels = _numpy(labels)
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 5), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, (title, codes) in zip(axes[0], panels):
        codes = _numpy(codes)
        for k in np.unique(labels):
            points = codes[labels == k]
            name = class_names[k] if class_names is not None else str(k)
            ax.scatter(points[:, 0], points[:, 1], s=3, alpha=0.6, color=cmap(int(k) % 10),
                       label=name)
        ax.set_title(title)
    axes[0][-1].legend(markerscale=4, fontsize=8, loc="best")
    _save(figure, path, dpi=120)


def plot_word_map(kv, path, groups=None, title=None):
    """One panel per group of ``groups`` (default ``WORD_MAP_GROUPS``: {name: [tuple of words]})
    with the unit vectors of its words in the vocabulary projected by ``pca_2d``, words of a
    pair joined by a line; groups with fewer than two such words are left out.  Writes a PNG
    (needs matplotlib) and returns {group: [words plotted]}."""
    kept = {}
    for name, entries in (WORD_MAP_GROUPS if groups is None else groups).items():
        present = [tuple(w for w in entry if w in kv) for entry in entries]
        present = [entry for entry in present if entry]
        if sum(map(len, present)) >= 2:
            kept[name] = present
    if not kept:
        raise ValueError(f"plot_word_map: no group has two words in the vocabulary "
                         f"({len(kv)} words)")
    plt = pyplot()
    figure, axes = plt.subplots(1, len(kept), figsize=(5 * len(kept), 5), squeeze=False)
    for ax, (name, entries) in zip(axes[0], kept.items()):
        words = [w for entry in entries for w in entry]
        points = dict(zip(words, pca_2d(kv.unit[[kv.index[w] for w in words]])))
        for entry in entries:
            if len(entry) == 2:
                ax.plot(*zip(points[entry[0]], points[entry[1]]), color="0.75", lw=0.8)
        for word, (x, y) in points.items():
            ax.scatter(x, y, s=14, color="C0", zorder=2)
            ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
        ax.set_title(name)
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        ax.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    _save(figure, path)
    return {name: [w for entry in entries for w in entry] for name, entries in kept.items()}
