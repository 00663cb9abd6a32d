"""Adadelta: step sizes from running averages of squared gradients and of squared updates."""
from .._backend import get_array_module
from .._tensor import Tensor
from .optimizer import Optimizer, _check_non_negative, _gradient

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), PyTorch's update rounding for rounding:

        g = grad + weight_decay * theta
        v_t = rho * v_{t-1} + (1 - rho) * g^2
        delta = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g
        u_t = rho * u_{t-1} + (1 - rho) * delta^2
        theta = theta - lr * delta

    Examples:
        The first steps are small, about ``sqrt(eps / (1 - rho))``, until the squared updates
        accumulate:

        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.Adadelta([w])
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()             # grad = 2 w
        ...     optimizer.step()
        ...     print(w.detach())
        tensor([ 0.9968, -1.9968])
        tensor([ 0.9936, -1.9936])
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        _check_non_negative("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_non_negative("epsilon value", eps)
        _check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        if not state:
            state["step"] = 0
            state["square_avg"] = Tensor._make(xp.zeros_like(param))
            state["acc_delta"] = Tensor._make(xp.zeros_like(param))
        state["step"] += 1
        g = _gradient(param, grad, group["weight_decay"], group["maximize"])
        square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
        scratch, delta = xp.empty_like(param), xp.empty_like(param)
        xp.multiply(g, 1 - rho, out=scratch)
        scratch *= g
        square_avg *= rho
        square_avg += scratch
        std = xp.add(square_avg, eps, out=scratch)
        xp.sqrt(std, out=std)
        xp.add(acc_delta, eps, out=delta)
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        squared = xp.multiply(delta, 1 - rho, out=scratch)
        squared *= delta
        acc_delta *= rho
        acc_delta += squared
        delta *= -lr
        param += delta
