"""Matrix products.  Forward propagation of a layer is a matrix product, a = f(W x + b)
(seed 004 matrix form); its backward is two more: dA = dY B^T, dB = A^T dY (seed 003 §2.3)."""
from .._backend import get_array_module
from ..autograd.function import Op
from .broadcast import unbroadcast

__all__ = ["matmul", "mm", "bmm", "dot", "outer", "einsum", "inner"]


def _swap_last(t):
    return SwapLast.apply(t)


class SwapLast(Op):
    """The transpose of the last two dimensions (a view)."""
    is_view = True

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x).swapaxes(x, -1, -2)

    @staticmethod
    def backward(ctx, grad):
        return _swap_last(grad)


class MatMul(Op):
    """Y = A @ B for A (..., n, k), B (..., k, m) with broadcast batch dimensions."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a).matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(MatMul.apply(grad, _swap_last(b)), a.shape)
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(MatMul.apply(_swap_last(a), grad), b.shape)
        return grad_a, grad_b


def _check_dtypes(op, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, got {a.dtype} "
                           f"and {b.dtype} (shapes {tuple(a.shape)} and {tuple(b.shape)})")


def matmul(input, other):
    """``torch.matmul``: 1-D x 1-D is a dot product; a 1-D operand gains (then loses) a dimension;
    N-D operands multiply their last two dimensions and broadcast the rest."""
    _check_dtypes("matmul", input, other)
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    k_a = input.shape[-1]
    k_b = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k_a != k_b:
        raise RuntimeError(f"matmul: shapes {tuple(input.shape)} and {tuple(other.shape)} cannot "
                           f"be multiplied ({k_a} != {k_b})")
    if input.ndim > 2 and other.ndim > 2:
        batch_a, batch_b = input.shape[:-2], other.shape[:-2]
        from .broadcast import broadcast_shapes
        try:
            broadcast_shapes(batch_a, batch_b)
        except RuntimeError:
            raise RuntimeError(f"matmul: batch dimensions of {tuple(input.shape)} and "
                               f"{tuple(other.shape)} cannot be broadcast") from None
    a = input.unsqueeze(0) if input.ndim == 1 else input
    b = other.unsqueeze(-1) if other.ndim == 1 else other
    out = MatMul.apply(a, b)
    if other.ndim == 1:
        out = out.squeeze(-1)
    if input.ndim == 1:
        out = out.squeeze(-2) if out.ndim >= 2 else out.squeeze(0)
    return out


def mm(input, mat2):
    """2-D matrix product."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {tuple(input.shape)} and "
                           f"{tuple(mat2.shape)}")
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched product of 3-D tensors with equal batch sizes."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {tuple(input.shape)} and "
                           f"{tuple(mat2.shape)}")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(input, mat2)


def dot(input, other):
    """Inner product of two 1-D tensors of equal length."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: expected 1-D tensors, got shapes {tuple(input.shape)} and "
                           f"{tuple(other.shape)}")
    if input.shape != other.shape:
        raise RuntimeError(f"dot: sizes differ: {input.shape[0]} and {other.shape[0]}")
    return matmul(input, other)


inner = dot


def outer(input, vec2):
    """Outer product u v^T of two 1-D tensors."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got shapes {tuple(input.shape)} and "
                           f"{tuple(vec2.shape)}")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


class Einsum(Op):
    """Einstein summation; the gradient of operand i is an einsum of the output gradient with the
    other operands onto operand i's subscripts (summed-away indices are broadcast back)."""

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return get_array_module(operands[0]).einsum(equation, *operands, optimize=True)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        inputs, output = ctx.equation.split("->")
        subscripts = inputs.split(",")
        grads = [None]
        for i, target in enumerate(subscripts):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subscripts) if j != i]
            tensors = [t for j, t in enumerate(operands) if j != i]
            available = set(output).union(*others) if others else set(output)
            missing = [c for c in target if c not in available]
            if len(set(target)) != len(target):
                raise NotImplementedError(f"einsum: the gradient of an operand with a repeated "
                                          f"index ('{target}') is not supported")
            kept = "".join(c for c in target if c not in missing)
            g = einsum(f"{','.join([output] + others)}->{kept}", grad, *tensors)
            if missing:  # indices summed inside this operand only: broadcast back
                shape = operands[i].shape
                for position, c in enumerate(target):
                    if c in missing:
                        g = g.unsqueeze(position)
                g = g.expand(*shape)
            grads.append(g)
        return tuple(grads)


def _normalise_equation(equation, operands):
    """Explicit form 'ij,jk->ik' with ellipses replaced by letters, spaces removed."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != len(operands):
        raise ValueError(f"einsum: the equation has {len(subscripts)} operands but "
                         f"{len(operands)} tensors were given")
    used = set(c for c in equation if c.isalpha())
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    ellipsis_ndim = max((t.ndim - (len(s) - 3) for s, t in zip(subscripts, operands)
                         if "..." in s), default=0)
    fill = "".join(spare[:ellipsis_ndim])
    expanded = []
    for s, t in zip(subscripts, operands):
        if "..." in s:
            n = t.ndim - (len(s) - 3)
            s = s.replace("...", fill[ellipsis_ndim - n:])
        if len(s) != t.ndim:
            raise ValueError(f"einsum: subscripts '{s}' do not match operand shape {tuple(t.shape)}")
        expanded.append(s)
    if not arrow:  # implicit output: the indices seen once, in alphabetical order
        counts = {}
        for s in expanded:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        output = fill + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in fill))
    else:
        output = output.replace("...", fill)
    return ",".join(expanded) + "->" + output


def einsum(equation, *operands):
    """``torch.einsum``: operands as arguments or one list; explicit or implicit output, '...'."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = _normalise_equation(equation, operands)
    return Einsum.apply(equation, *operands)


def _rmatmul(self, other):
    return matmul(other, self)


TENSOR_METHODS = {"matmul": matmul, "mm": mm, "bmm": bmm, "dot": dot, "outer": outer,
                  "inner": inner, "__matmul__": matmul, "__rmatmul__": _rmatmul}
