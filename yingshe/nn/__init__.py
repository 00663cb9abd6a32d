"""Neural-network building blocks (``yingshe.nn``); ``functional`` holds the stateless functions."""
from .parameter import Buffer, Parameter
from .modules import *  # noqa: F401,F403
from . import functional, init, utils
