"""L1 and L2 weight penalties as differentiable expressions, to add to a loss."""
from ..ops.creation import zeros

__all__ = ["l1_penalty", "l2_penalty"]


def l1_penalty(parameters):
    """``sum_i |w_i|`` over every element of every parameter (lasso); ``d/dw |w| = sign(w)``."""
    return _total(p.abs().sum() for p in parameters)


def l2_penalty(parameters):
    """``sum_i w_i^2 / 2`` over every element of every parameter (ridge); ``d/dw = w``, so SGD
    on ``loss + lambda * l2_penalty`` is SGD with ``weight_decay=lambda``."""
    return _total((p * p).sum() for p in parameters) / 2


def _total(terms):
    total = None
    for term in terms:
        total = term if total is None else total + term
    return zeros(()) if total is None else total
