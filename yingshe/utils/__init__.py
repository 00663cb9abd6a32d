"""Utilities around the core framework; ``yingshe.utils.data`` mirrors ``torch.utils.data`` and
``yingshe.utils.hooks`` ``torch.utils.hooks``."""
from . import data, hooks

__all__ = ["data", "hooks"]
