"""NAdam: Adam with Nesterov momentum."""
from .. import _dtype
from .._backend import get_array_module
from .._tensor import Tensor
from .adam import _adam_gradient, _check_betas, _update_moments_
from .optimizer import Optimizer, _check_non_negative

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"), with the momentum
    schedule and rounding of PyTorch:

        g = grad + weight_decay * theta   (decoupled: theta = theta - lr * weight_decay * theta)
        mu_t = b1 (1 - 0.96^(t * momentum_decay) / 2),   P_t = mu_1 ... mu_t
        m_t = b1 m_{t-1} + (1 - b1) g,   v_t = b2 v_{t-1} + (1 - b2) g^2
        d = sqrt(v_t / (1 - b2^t)) + eps
        theta = theta - lr (1 - mu_t) / (1 - P_t) g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) m_t / d

    The product P_t is kept, as PyTorch keeps it, in float32 unless the default dtype is
    float64.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> optimizer = yingshe.optim.NAdam([w], lr=0.1)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()             # grad = 2 w
        ...     optimizer.step()
        ...     print(w.detach())
        tensor([ 0.8944, -1.8944])
        tensor([ 0.8200, -1.8179])
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay value", weight_decay)
        _check_non_negative("momentum_decay value", momentum_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        xp = get_array_module(param)
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        momentum_decay = float(group["momentum_decay"])
        if not state:
            state["step"] = 0
            scalar_dtype = "float64" if _dtype.get_default_dtype().name == "float64" \
                else "float32"
            state["mu_product"] = Tensor._make(xp.ones((), scalar_dtype))
            state["exp_avg"] = Tensor._make(xp.zeros_like(param))
            state["exp_avg_sq"] = Tensor._make(xp.zeros_like(param))
        state["step"] += 1
        step = state["step"]
        g = _adam_gradient(param, grad, group)
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product = state["mu_product"]._data
        mu_product *= mu  # in the product's own precision, as PyTorch
        state["mu_product"]._bump_version()
        mu_product = float(mu_product)
        mu_product_next = mu_product * mu_next
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        scratch, update = xp.empty_like(param), xp.empty_like(param)
        _update_moments_(exp_avg, exp_avg_sq, g, beta1, beta2, scratch)
        denom = xp.divide(exp_avg_sq, bias_correction2, out=scratch)
        xp.sqrt(denom, out=denom)
        denom += float(group["eps"])
        xp.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=update)
        update /= denom
        param += update
        xp.multiply(exp_avg, (-lr * mu_next) / (1.0 - mu_product_next), out=update)
        update /= denom
        param += update
