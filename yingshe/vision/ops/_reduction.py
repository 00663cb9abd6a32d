"""The ``reduction`` argument of the detection losses."""


def reduce_loss(name, loss, reduction):
    """``loss`` unchanged ("none"), summed ("sum") or averaged ("mean", 0 for no elements)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
