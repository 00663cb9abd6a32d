"""Neural-network building blocks (``yingshe.nn``); ``functional`` holds the stateless functions."""
from . import functional
