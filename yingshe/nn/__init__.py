"""Neural-network building blocks (``yingshe.nn``); ``functional`` holds the stateless functions."""
from . import functional, init, parallel, utils
from .modules import *
from .parallel import DataParallel
from .parameter import Buffer, Parameter
