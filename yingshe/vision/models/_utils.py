"""Helpers the model files share."""


def scaled_channels(channels, width_mult):
    """Each channel count times ``width_mult``, rounded, at least 1: the ``width_mult`` argument
    that sizes a network to a small machine (as MobileNet's width multiplier, Howard et al.
    2017), added by yingshe to the torchvision constructors; 1.0 leaves them as torchvision's."""
    if width_mult <= 0:
        raise ValueError(f"width_mult must be positive, got {width_mult}")
    return tuple(max(1, round(c * width_mult)) for c in channels)
