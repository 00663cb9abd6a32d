"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""
from .._backend import get_array_module
from .._tensor import Tensor
from .optimizer import Optimizer, _check_non_negative, _gradient

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), PyTorch's update rounding for rounding:

        g = grad + weight_decay * theta
        clr = lr / (1 + (t - 1) * lr_decay)
        G_t = G_{t-1} + g^2                 (G_0 = initial_accumulator_value)
        theta = theta - clr * g / (sqrt(G_t) + eps)

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.Adagrad([w], lr=0.1)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()             # grad = 2 w
        ...     optimizer.step()
        ...     print(w.detach())
        tensor([ 0.9000, -1.9000])
        tensor([ 0.8331, -1.8311])
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        _check_non_negative("learning rate", lr)
        _check_non_negative("lr_decay value", lr_decay)
        _check_non_negative("weight_decay value", weight_decay)
        _check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        _check_non_negative("epsilon value", eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "maximize": maximize}
        super().__init__(params, defaults)
        for group in self.param_groups:  # as in PyTorch, the state exists before the first step
            for p in group["params"]:
                xp = get_array_module(p._data)
                self.state[p]["step"] = 0
                self.state[p]["sum"] = Tensor._make(
                    xp.full_like(p._data, float(group["initial_accumulator_value"])))

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        state["step"] += 1
        g = _gradient(param, grad, group["weight_decay"], group["maximize"])
        clr = float(group["lr"]) / (1 + (state["step"] - 1) * float(group["lr_decay"]))
        accumulator = state["sum"]._data
        scratch, step = xp.empty_like(param), xp.empty_like(param)
        accumulator += xp.multiply(g, g, out=scratch)
        std = xp.sqrt(accumulator, out=scratch)
        std += float(group["eps"])
        xp.multiply(g, -clr, out=step)
        step /= std
        param += step
