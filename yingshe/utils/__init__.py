"""Utilities around the core framework; ``yingshe.utils.data`` mirrors ``torch.utils.data``."""
from . import data

__all__ = ["data"]
