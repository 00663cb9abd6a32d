"""Serving a trained run over HTTP (``yingshe serve RUN``): ``create_app`` builds the ASGI app
(FastAPI; the ``serve`` extra: ``pip install yingshe[serve]``)."""
from .app import MAX_BATCH, MAX_BODY_BYTES, Classifier, Transcriber, create_app

__all__ = ["create_app", "Classifier", "Transcriber", "MAX_BODY_BYTES", "MAX_BATCH"]
