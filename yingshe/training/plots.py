"""Training curves as PNG (matplotlib, imported only when a plot is asked for)."""

__all__ = ["plot_history", "plot_curves", "plot_attention"]


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'yingshe[train]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_history(history, path, title=None):
    """Two panels: loss and accuracy per epoch, train vs validation."""
    plt = _pyplot()
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
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_curves(curves, path, xlabel="epoch", ylabel="loss", title=None, log_scale=False):
    """Several named curves on one axis (e.g. the optimiser study's loss per optimiser)."""
    plt = _pyplot()
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
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_attention(weights, source_tokens, target_tokens, path):
    """A heatmap of attention weights: one row per generated token, one column per source
    token (each row sums to 1)."""
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(1 + 0.5 * len(source_tokens),
                                       1 + 0.4 * len(target_tokens)))
    ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60)
    ax.set_yticks(range(len(target_tokens)), target_tokens)
    ax.set_xlabel("source")
    ax.set_ylabel("translation")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
