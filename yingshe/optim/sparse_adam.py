"""SparseAdam: Adam for sparse gradients (``torch.optim.SparseAdam``), the lazy variant that
updates the moments and the values of only the rows a batch touched."""
import math

from .._backend import get_array_module
from .._tensor import Tensor
from ..ops.sparse import SparseCooTensor
from .adam import _check_betas
from .optimizer import Optimizer

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Adam (Kingma & Ba 2015) restricted to the rows present in a sparse gradient (the
    gradient of ``Embedding``/``EmbeddingBag`` with ``sparse=True``), as PyTorch's SparseAdam:
    with g the coalesced gradient rows, for those rows only,

        m = m + (1 - b1) (g - m),   v = v + (1 - b2) (g^2 - v)
        theta = theta - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

    where t counts the steps of this parameter.  Rows a step does not touch keep their moments
    (they do not decay) and their values.  Dense gradients are refused (use ``Adam``).

    Examples:
        >>> import yingshe
        >>> embedding = yingshe.nn.Embedding(4, 2, sparse=True)
        >>> _ = yingshe.nn.init.ones_(embedding.weight)
        >>> optimizer = yingshe.optim.SparseAdam(embedding.parameters(), lr=0.1)
        >>> embedding(yingshe.tensor([0, 2])).sum().backward()
        >>> optimizer.step()                     # rows 0 and 2 move by lr; rows 1 and 3 untouched
        >>> embedding.weight.detach()
        tensor([[0.9000, 0.9000],
                [1.0000, 1.0000],
                [0.9000, 0.9000],
                [1.0000, 1.0000]])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "maximize": maximize})

    def _update_parameter(self, p, state, group):
        if not isinstance(p.grad, SparseCooTensor):
            raise RuntimeError("SparseAdam does not support dense gradients, please "
                               "consider Adam instead")
        if not state:
            state.update(initial_state(p._data))
        state["step"] += 1
        self._update_rows(p._data, p.grad.coalesce(), state, group)

    @staticmethod
    def _update_rows(param, grad, state, group):
        """The update of the rows of ``param`` present in the coalesced ``grad``, rounded as
        PyTorch's ``sparse_adam``."""
        if grad._nnz() == 0:
            return
        rows = tuple(grad._sparse_indices)
        values = -grad._sparse_values if group["maximize"] else grad._sparse_values
        beta1, beta2 = (float(beta) for beta in group["betas"])
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        old_exp_avg, old_exp_avg_sq = exp_avg[rows], exp_avg_sq[rows]
        exp_avg_update = (values - old_exp_avg) * (1 - beta1)
        exp_avg[rows] += exp_avg_update
        exp_avg_sq_update = (values * values - old_exp_avg_sq) * (1 - beta2)
        exp_avg_sq[rows] += exp_avg_sq_update
        numerator = exp_avg_update + old_exp_avg
        xp = get_array_module(param)
        denominator = xp.sqrt(exp_avg_sq_update + old_exp_avg_sq) + float(group["eps"])
        step = state["step"]
        step_size = float(group["lr"]) * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        param[rows] += -step_size * (numerator / denominator)


def initial_state(param):
    """The state of the raw array ``param`` before its first step: step 0, zero moments."""
    xp = get_array_module(param)
    return {"step": 0, "exp_avg": Tensor._make(xp.zeros_like(param)),
            "exp_avg_sq": Tensor._make(xp.zeros_like(param))}

