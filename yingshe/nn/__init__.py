"""Neural-network building blocks (``yingshe.nn``); ``functional`` holds the stateless functions."""
from . import functional, init, utils
from .modules import *
from .parameter import Buffer, Parameter
