"""L1 and L2 weight penalties as differentiable expressions, to add to a loss."""
from ..ops.creation import zeros

__all__ = ["l1_penalty", "l2_penalty"]


def l1_penalty(parameters):
    """``sum_i |w_i|`` over every element of every parameter (lasso); ``d/dw |w| = sign(w)``.

    Shape:
        parameters of any shapes; output a scalar ``()``.

    Examples:
        >>> import yingshe
        >>> from yingshe.optim.regularization import l1_penalty
        >>> w = yingshe.nn.Parameter(yingshe.tensor([[1.0, -2.0]]))
        >>> b = yingshe.nn.Parameter(yingshe.tensor([0.5]))
        >>> penalty = l1_penalty([w, b])
        >>> penalty.item()
        3.5
        >>> penalty.backward()
        >>> w.grad
        tensor([[ 1., -1.]])
    """
    return _total(p.abs().sum() for p in parameters)


def l2_penalty(parameters):
    """``sum_i w_i^2 / 2`` over every element of every parameter (ridge); ``d/dw = w``, so SGD
    on ``loss + lambda * l2_penalty`` is SGD with ``weight_decay=lambda``.

    Shape:
        parameters of any shapes; output a scalar ``()``.

    Examples:
        >>> import yingshe
        >>> from yingshe.optim.regularization import l2_penalty
        >>> w = yingshe.nn.Parameter(yingshe.tensor([[1.0, -2.0]]))
        >>> penalty = l2_penalty([w])            # (1 + 4) / 2
        >>> penalty.item()
        2.5
        >>> penalty.backward()
        >>> w.grad
        tensor([[ 1., -2.]])
    """
    return _total((p * p).sum() for p in parameters) / 2


def _total(terms):
    total = None
    for term in terms:
        total = term if total is None else total + term
    return zeros(()) if total is None else total
