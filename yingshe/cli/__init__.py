"""The ``yingshe`` command (``main``): ``main.py`` parses and dispatches to one module per
family of models (``classify``, ``generative``, ``word_vectors``, ``sequence``); ``runs.py``
holds what they share.  Nothing in the library imports this package."""
from .main import build_parser, main, run

__all__ = ["main", "run", "build_parser"]
