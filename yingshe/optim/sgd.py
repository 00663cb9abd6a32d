"""Stochastic gradient descent, with momentum, Nesterov momentum and L2 weight decay."""
from .._backend import get_array_module
from .._tensor import Tensor
from .optimizer import Optimizer, _check_non_negative, _gradient

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (Robbins & Monro, 1951), PyTorch's update rounding for rounding:

        g = grad + weight_decay * theta
        momentum:   b_1 = g,   b_t = momentum * b_{t-1} + (1 - dampening) * g,   g = b_t
        nesterov:   g = g + momentum * b_t   (looks ahead along the velocity)
        theta = theta - lr * g

    Momentum is Polyak's heavy ball (1964); the Nesterov form is that of Sutskever et al.
    (2013).  ``maximize`` ascends (``g = -grad``).

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()             # grad = 2 w
        ...     optimizer.step()
        ...     print(w.detach())
        tensor([ 0.8000, -1.6000])
        tensor([ 0.4600, -0.9200])
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False):
        _check_non_negative("learning rate", lr)
        _check_non_negative("momentum value", momentum)
        _check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={momentum}, dampening={dampening})")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        lr, momentum = float(group["lr"]), float(group["momentum"])
        g = _gradient(param, grad, group["weight_decay"], group["maximize"])
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                velocity = g.copy()
                state["momentum_buffer"] = Tensor._make(velocity)
            else:
                velocity = buffer._data
                velocity *= momentum
                dampening = float(group["dampening"])
                if dampening == 0:
                    velocity += g
                else:
                    velocity += xp.multiply(g, 1 - dampening, out=xp.empty_like(g))
            if group["nesterov"]:
                step = xp.multiply(velocity, momentum, out=xp.empty_like(param))
                step += g
                step *= -lr
            else:
                step = xp.multiply(velocity, -lr, out=xp.empty_like(param))
        else:
            step = xp.multiply(g, -lr, out=xp.empty_like(param))
        param += step
