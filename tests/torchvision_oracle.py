"""torchvision's pure-Python parts (models, box ops, datasets, transforms) as a test oracle.

torchvision's compiled operators do not load against the CPU wheel of torch, and its import
stops at the first fake-kernel registration ("operator torchvision::nms does not exist"). This
module makes ``torch.library.register_fake`` skip exactly that failure, then imports
torchvision; the models, ``torchvision.ops.boxes`` and the datasets work, the compiled ops
(``nms``, ``roi_align``) do not. Install it with ``pip install --no-deps torchvision==0.28.0``
(``make test`` does).
"""
import functools

import torch


def _skip_missing_operator(register):
    """``register`` (torch.library.register_fake) that ignores 'operator ... does not exist'."""

    def tolerant(call):
        try:
            return call()
        except RuntimeError as error:
            if "does not exist" not in str(error):
                raise
            return None

    @functools.wraps(register)
    def register_fake(op, func=None, /, **kwargs):
        if func is not None:
            tolerant(lambda: register(op, func, **kwargs))
            return func

        def decorator(fn):
            tolerant(lambda: register(op, **kwargs)(fn))
            return fn
        return decorator
    return register_fake


torch.library.register_fake = _skip_missing_operator(torch.library.register_fake)

import torchvision  # after the patch above

__all__ = ["torchvision"]
