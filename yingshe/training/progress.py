"""Progress bars for training loops: tqdm's (the ``train`` extra) when installed, else none."""

__all__ = ["progress_bar"]


def progress_bar(iterable, description, enabled=True, total=None):
    """A tqdm bar over ``iterable`` when tqdm is installed and ``enabled``, else the iterable.
    Log through ``getattr(bar, "write", print)`` so that lines do not break the bar.

    Examples:
        >>> from yingshe.training import progress_bar
        >>> bar = progress_bar(range(3), "epoch 1", enabled=False)  # the iterable itself
        >>> list(bar)
        [0, 1, 2]
    """
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=description, total=total, leave=False, dynamic_ncols=True)
