"""Adam and AdamW: steps from bias-corrected running moments of the gradient."""
from .._backend import get_array_module
from .._tensor import Tensor
from .optimizer import Optimizer, _check_non_negative, _gradient, _lerp_

__all__ = ["Adam", "AdamW"]


def _check_betas(betas):
    """PyTorch's check that each of Adam's moment decay rates lies in [0, 1)."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _adam_gradient(param, grad, group):
    """The gradient the Adam family follows: with ``decoupled_weight_decay`` the decay first
    shrinks ``param`` in place, ``theta = theta - lr * weight_decay * theta`` (Loshchilov & Hutter,
    2019), and stays out of the gradient; otherwise it enters it as the L2 term."""
    weight_decay = float(group["weight_decay"])
    if group["decoupled_weight_decay"]:
        if weight_decay != 0:
            param *= 1 - float(group["lr"]) * weight_decay
        return _gradient(param, grad, 0, group["maximize"])
    return _gradient(param, grad, weight_decay, group["maximize"])


def _update_moments_(exp_avg, exp_avg_sq, g, beta1, beta2, scratch):
    """Adam's running moments in place, rounded as PyTorch: ``m = b1 m + (1 - b1) g`` (a lerp)
    and ``v = b2 v + (1 - b2) g^2``; ``scratch`` is an array of g's shape to work in."""
    xp = get_array_module(g)
    _lerp_(exp_avg, g, 1 - beta1, scratch)
    squared = xp.multiply(g, 1 - beta2, out=scratch)
    squared *= g
    exp_avg_sq *= beta2
    exp_avg_sq += squared


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), PyTorch's update rounding for rounding:

        g = grad + weight_decay * theta   (AdamW: theta = theta - lr * weight_decay * theta instead)
        m_t = b1 m_{t-1} + (1 - b1) g,   v_t = b2 v_{t-1} + (1 - b2) g^2
        m_hat = m_t / (1 - b1^t),        v_hat = v_t / (1 - b2^t)
        theta = theta - lr * m_hat / (sqrt(v_hat) + eps)

    With ``amsgrad=True`` v_hat uses the running maximum ``max(v_1, ..., v_t)`` instead of v_t.

    Examples:
        The first step moves every coordinate by about ``lr``, whatever the gradient's scale:

        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.Adam([w], lr=0.1)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()             # grad = 2 w
        ...     optimizer.step()
        ...     print(w.detach())
        tensor([ 0.9000, -1.9000])
        tensor([ 0.8004, -1.8002])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = Tensor._make(xp.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
        state["step"] += 1
        step = state["step"]
        g = _adam_gradient(param, grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        scratch, update = xp.empty_like(param), xp.empty_like(param)
        _update_moments_(exp_avg, exp_avg_sq, g, beta1, beta2, scratch)
        if group["amsgrad"]:
            max_exp_avg_sq = state["max_exp_avg_sq"]._data
            xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            exp_avg_sq = max_exp_avg_sq
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        denom = xp.sqrt(exp_avg_sq, out=scratch)
        denom /= bias_correction2 ** 0.5
        denom += float(group["eps"])
        xp.multiply(exp_avg, -step_size, out=update)
        update /= denom
        param += update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): the decay shrinks the
    weights directly, ``theta = theta - lr * weight_decay * theta``, instead of entering the
    moments as an L2 gradient; the rest is Adam's update.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.AdamW([w], lr=0.1, weight_decay=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()             # shrink by lr * weight_decay = 1%, then Adam's step of lr
        >>> w.detach()
        tensor([ 0.8900, -1.8800])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
