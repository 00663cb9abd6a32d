"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
from .._backend import get_array_module
from .._tensor import Tensor
from .optimizer import Optimizer, _check_non_negative, _gradient, _lerp_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton, 2012, Coursera lecture 6e), PyTorch's update rounding for
    rounding:

        g = grad + weight_decay * theta
        v_t = alpha * v_{t-1} + (1 - alpha) * g^2
        centered:  gbar_t = alpha * gbar_{t-1} + (1 - alpha) * g,   v~ = v_t - gbar_t^2
        avg = sqrt(v~ or v_t) + eps
        momentum > 0:  b_t = momentum * b_{t-1} + g / avg,  theta = theta - lr * b_t
        otherwise:     theta = theta - lr * g / avg

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.RMSprop([w], lr=0.01)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()             # grad = 2 w
        ...     optimizer.step()                     # first step: lr / sqrt(1 - alpha) = 0.1
        ...     print(w.detach())
        tensor([ 0.9000, -1.9000])
        tensor([ 0.8329, -1.8309])
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        _check_non_negative("momentum value", momentum)
        _check_non_negative("weight_decay value", weight_decay)
        _check_non_negative("alpha value", alpha)
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        lr, alpha, momentum = float(group["lr"]), float(group["alpha"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = Tensor._make(xp.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = Tensor._make(xp.zeros_like(param))
            if group["centered"]:
                state["grad_avg"] = Tensor._make(xp.zeros_like(param))
        state["step"] += 1
        g = _gradient(param, grad, group["weight_decay"], group["maximize"])
        square_avg = state["square_avg"]._data
        scratch = xp.multiply(g, 1 - alpha, out=xp.empty_like(param))
        scratch *= g
        square_avg *= alpha
        square_avg += scratch
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            _lerp_(grad_avg, g, 1 - alpha, scratch)
            avg = xp.multiply(grad_avg, grad_avg, out=scratch)
            xp.subtract(square_avg, avg, out=avg)
            xp.sqrt(avg, out=avg)
        else:
            avg = xp.sqrt(square_avg, out=scratch)
        avg += float(group["eps"])
        if momentum > 0:
            velocity = state["momentum_buffer"]._data
            velocity *= momentum
            velocity += xp.divide(g, avg, out=avg)
            step = xp.multiply(velocity, -lr, out=scratch)
        else:
            step = xp.multiply(g, -lr, out=xp.empty_like(param))
            step /= avg
        param += step
