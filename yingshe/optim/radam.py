"""RAdam: Adam with its adaptive step rectified while the variance estimate is unreliable."""
from .._backend import get_array_module
from .._tensor import Tensor
from .adam import _adam_gradient, _check_betas, _update_moments_
from .optimizer import Optimizer, _check_non_negative

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al., 2020, "On the Variance of the Adaptive Learning Rate and Beyond"),
    with PyTorch's rounding:

        g = grad + weight_decay * theta   (decoupled: theta = theta - lr * weight_decay * theta)
        m_t = b1 m_{t-1} + (1 - b1) g,   v_t = b2 v_{t-1} + (1 - b2) g^2,   m_hat = m_t / (1 - b1^t)
        rho_inf = 2 / (1 - b2) - 1,   rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
        rho_t > 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    theta = theta - lr m_hat r_t sqrt(1 - b2^t) / (sqrt(v_t) + eps)
        otherwise:  theta = theta - lr m_hat   (momentum SGD while the variance is untrustworthy)

    Examples:
        In the first steps (``rho_t <= 5``) the update is momentum SGD on the bias-corrected mean:

        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.RAdam([w], lr=0.1)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()             # grad = 2 w
        ...     optimizer.step()
        ...     print(w.detach())
        tensor([ 0.8000, -1.6000])
        tensor([ 0.6211, -1.2421])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = Tensor._make(xp.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
        state["step"] += 1
        step = state["step"]
        g = _adam_gradient(param, grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        scratch = xp.empty_like(param)
        _update_moments_(exp_avg, exp_avg_sq, g, beta1, beta2, scratch)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = exp_avg / bias_correction1
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            adaptive = xp.sqrt(exp_avg_sq, out=scratch)
            adaptive += float(group["eps"])
            xp.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
            update *= adaptive
            update *= ((rho_t - 4) * (rho_t - 2) * rho_inf
                       / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        param -= update
