"""Affine layers' functions: y = x W^T + b (Goodfellow, Bengio & Courville, Deep Learning, §6.5.4)
and the bilinear form y_k = x1^T A_k x2 + b_k, with PyTorch's weight layouts (out_features
first)."""
import math

from .._backend import get_array_module
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from .matmul import einsum

__all__ = ["linear", "bilinear"]


class Linear(Op):
    """y = x W^T + b over the last dim of x;  dx = dy W,  dW = dy^T x,  db = sum of dy
    (leading dims of x flattened into rows)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        rows = _rows(x)
        # one 2-D GEMM (a (T, N, I) @ (I, O) matmul would loop over T); dot skips matmul's ufunc
        # dispatch, ~1 us a call on small inputs.  With one input feature dot does a rank-1
        # update (BLAS ger), which skips zero factors: 0 * inf would give 0, not NaN.
        y = rows.dot(weight.T) if rows.shape[1] != 1 else get_array_module(x).matmul(rows,
                                                                                      weight.T)
        if bias is not None:
            y += bias
        return y.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        if not STATE.enabled:  # no create_graph: the same products on raw arrays, no graph
            return _backward_arrays(ctx.needs_input_grad, grad._data, x._data, weight._data)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = grad.matmul(weight)
        rows = grad.reshape(math.prod(grad.shape[:-1]), grad.shape[-1])
        if ctx.needs_input_grad[1]:
            grad_weight = rows.t().matmul(x.reshape(math.prod(x.shape[:-1]), x.shape[-1]))
        if ctx.needs_input_grad[2]:
            grad_bias = rows.sum(0)
        return grad_x, grad_weight, grad_bias


def _rows(array):
    """A (..., F) array as (rows, F), a view when the layout allows (sizes explicit, not -1:
    there may be no rows or F may be 0)."""
    return array if array.ndim == 2 else array.reshape(math.prod(array.shape[:-1]),
                                                       array.shape[-1])


def _backward_arrays(need, grad, x, weight):
    rows = _rows(grad)
    grad_x = (rows @ weight).reshape(x.shape) if need[0] else None
    grad_weight = rows.T @ _rows(x) if need[1] else None
    grad_bias = rows.sum(axis=0) if need[2] else None
    return grad_x, grad_weight, grad_bias


def linear(input, weight, bias=None):
    """The affine map y = x W^T + b over the last dimension of ``input`` (Goodfellow, Bengio &
    Courville, Deep Learning, §6.5.4).

    y_k = sum_i x_i W_ki + b_k, with PyTorch's weight layout (out_features, in_features), done
    as one matrix product for all leading dimensions. Gradients: dx = dy W, dW = dy^T x,
    db = the sum of dy over the leading dimensions.

    Shape: input (*, in_features); weight (out_features, in_features); bias (out_features);
    output (*, out_features).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([[1., 2.], [3., 4.]])
        >>> W = yingshe.tensor([[1., 0.], [1., 1.], [0., -1.]])
        >>> F.linear(x, W, yingshe.tensor([0., 0., 10.]))
        tensor([[1., 3., 8.],
                [3., 7., 6.]])
        >>> F.linear(yingshe.ones(5, 7, 2), W).shape
        yingshe.Size([5, 7, 3])
    """
    x, w = input._data, weight._data  # checks on the raw arrays: this runs once per layer call
    if w.ndim != 2 or x.ndim < 1 or x.shape[-1] != w.shape[1]:
        raise RuntimeError(f"linear: input of shape {tuple(x.shape)} cannot be multiplied by "
                           f"weight^T with weight of shape {tuple(w.shape)} (in_features "
                           f"must equal the last dim of the input)")
    if bias is not None and bias._data.shape != (w.shape[0],):
        raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} does not match "
                           f"out_features={w.shape[0]}")
    if x.dtype != w.dtype:
        raise RuntimeError(f"linear: input dtype {input.dtype} and weight dtype {weight.dtype} "
                           f"differ; convert one with .to(dtype)")
    return Linear.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """The bilinear form y_k = x1^T A_k x2 + b_k over the last dimension of the inputs.

    y_k = sum_ij x1_i A_kij x2_j + b_k, one matrix A_k per output feature (an ``einsum``);
    used to score the interaction of two feature vectors.

    Shape: input1 (*, in1_features); input2 (*, in2_features) with the same leading
    dimensions; weight (out_features, in1_features, in2_features); bias (out_features);
    output (*, out_features).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x1, x2 = yingshe.tensor([[1., 2.]]), yingshe.tensor([[3., 4., 5.]])
        >>> F.bilinear(x1, x2, yingshe.ones(1, 2, 3))
        tensor([[36.]])
        >>> F.bilinear(yingshe.ones(8, 2), yingshe.ones(8, 3), yingshe.ones(4, 2, 3)).shape
        yingshe.Size([8, 4])
    """
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] \
            or input2.shape[-1] != weight.shape[2] or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear: inputs of shapes {tuple(input1.shape)} and "
                           f"{tuple(input2.shape)} do not fit weight of shape "
                           f"{tuple(weight.shape)} (out, in1, in2)")
    y = einsum("...i,kij,...j->...k", input1, weight, input2)
    return y + bias if bias is not None else y
