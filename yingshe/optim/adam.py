"""Adam and AdamW: steps from bias-corrected running moments of the gradient."""
from .._backend import get_array_module
from .._tensor import Tensor
from .optimizer import Optimizer, _check_non_negative, _gradient, _lerp_

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), PyTorch's update rounding for rounding:

        g = grad + weight_decay * theta   (AdamW: theta = theta - lr * weight_decay * theta instead)
        m_t = b1 m_{t-1} + (1 - b1) g,   v_t = b2 v_{t-1} + (1 - b2) g^2
        m_hat = m_t / (1 - b1^t),        v_hat = v_t / (1 - b2^t)
        theta = theta - lr * m_hat / (sqrt(v_hat) + eps)

    With ``amsgrad=True`` v_hat uses the running maximum ``max(v_1, ..., v_t)`` instead of v_t.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        lr, weight_decay = float(group["lr"]), float(group["weight_decay"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = Tensor._make(xp.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
        state["step"] += 1
        step = state["step"]
        if group["decoupled_weight_decay"]:
            if weight_decay != 0:
                param *= 1 - lr * weight_decay
            g = _gradient(param, grad, 0, group["maximize"])
        else:
            g = _gradient(param, grad, weight_decay, group["maximize"])
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        scratch, update = xp.empty_like(param), xp.empty_like(param)
        _lerp_(exp_avg, g, 1 - beta1, scratch)
        squared = xp.multiply(g, 1 - beta2, out=scratch)
        squared *= g
        exp_avg_sq *= beta2
        exp_avg_sq += squared
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
    moments as an L2 gradient; the rest is Adam's update."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
