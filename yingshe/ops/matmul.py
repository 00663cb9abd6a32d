"""Matrix products.  A layer's forward pass is a matrix product, Y = A B; its backward pass is two
more, dA = dY B^T and dB = A^T dY, with broadcast batch dimensions summed back (``unbroadcast``).
``einsum`` generalises both: the gradient of each operand is an einsum of dY with the others."""
import math
import string

from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op
from ._out import write_out
from .broadcast import broadcast_to, unbroadcast
from .elementwise import mul
from .shape import ReshapeView

__all__ = ["matmul", "mm", "bmm", "dot", "inner", "outer", "einsum"]


# ---- a small view op for the backward passes ---------------------------------------------------
class MatrixTranspose(Op):
    """y = x with its last two dimensions swapped (a view, like ``Tensor.mT``);  dx = dy^T."""
    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.swapaxes(-1, -2)

    @staticmethod
    def backward(ctx, grad):
        return MatrixTranspose.apply(grad)


def _rows(t):
    """``t`` as a matrix of rows, (prod(shape[:-1]), shape[-1])."""
    shape = t._data.shape
    return ReshapeView.apply(t, (math.prod(shape[:-1]), shape[-1]))


# ---- matmul ------------------------------------------------------------------------------------
class MatMul(Op):
    """Y = A @ B with ``torch.matmul``'s rules (batch dimensions broadcast; a 1-D A is a row
    (1, k), a 1-D B a column (k, 1), and that unit dimension is dropped from Y);
    dA = dY B^T, dB = A^T dY, each summed over the batch dimensions its operand was broadcast on."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        xp = get_array_module(a)
        if a.ndim > 2 and b.ndim <= 2:  # stack A's matrices into one: one GEMM for the whole batch
            rows = a.reshape(math.prod(a.shape[:-1]), a.shape[-1])
            return xp.matmul(rows, b).reshape(a.shape[:-1] + b.shape[1:])
        return xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_shape, b_shape = a._data.shape, b._data.shape
        a2 = ReshapeView.apply(a, (1, a_shape[0])) if a.ndim == 1 else a
        b2 = ReshapeView.apply(b, (b_shape[0], 1)) if b.ndim == 1 else b
        if a.ndim == 1 or b.ndim == 1:  # give dY back the unit dimensions that Y dropped
            shape = grad._data.shape + (1,) if b.ndim == 1 else grad._data.shape
            if a.ndim == 1:
                shape = shape[:-1] + (1,) + shape[-1:]
            grad = ReshapeView.apply(grad, shape)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(MatMul.apply(grad, MatrixTranspose.apply(b2)), a2._data.shape)
            if a.ndim == 1:
                grad_a = ReshapeView.apply(grad_a, a_shape)
        if ctx.needs_input_grad[1]:
            if a2.ndim > 2 and b2.ndim == 2:  # the batch sum done inside one GEMM: A_rows^T dY_rows
                grad_b = MatMul.apply(MatrixTranspose.apply(_rows(a2)), _rows(grad))
            else:
                grad_b = unbroadcast(MatMul.apply(MatrixTranspose.apply(a2), grad), b2._data.shape)
            if b.ndim == 1:
                grad_b = ReshapeView.apply(grad_b, b_shape)
        return grad_a, grad_b


def _check_operands(op, a, b):
    """Both Tensors, on one device, of one dtype that BLAS multiplies."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected two Tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    x, y = a._data, b._data
    if x.__class__ is not y.__class__:
        raise RuntimeError(f"{op}: expected both tensors on the same device, got {a.device} and "
                           f"{b.device}")
    if x.dtype != y.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, got {a.dtype} "
                           f"and {b.dtype} (shapes {tuple(x.shape)} and {tuple(y.shape)})")
    if x.dtype.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for bool tensors (shapes "
                                  f"{tuple(x.shape)} and {tuple(y.shape)})")


def _check_inner_sizes(op, a_shape, b_shape):
    """The contracted sizes agree: A's last dimension and B's second-to-last (or only) one."""
    k_a = a_shape[-1]
    k_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if k_a != k_b:
        raise RuntimeError(f"{op}: shapes {tuple(a_shape)} and {tuple(b_shape)} cannot be "
                           f"multiplied ({k_a} != {k_b})")


def _check_batch(op, a_shape, b_shape):
    """The batch dimensions (all but the last two) broadcast against each other."""
    for m, n in zip(reversed(a_shape[:-2]), reversed(b_shape[:-2])):
        if m != n and m != 1 and n != 1:
            raise RuntimeError(f"{op}: the batch dimensions of shapes {tuple(a_shape)} and "
                               f"{tuple(b_shape)} cannot be broadcast ({m} vs {n})")


def matmul(input, other, *, out=None):
    """The matrix product of two tensors with ``torch.matmul``'s rules, also the ``@`` operator.

    Y = A B, Y[..., i, j] = sum_k A[..., i, k] B[..., k, j] (Golub & Van Loan, Matrix
    Computations, 4th ed., 2013, §1.1);  dA = dY B^T, dB = A^T dY, each summed over the batch
    dimensions its operand was broadcast along.  1-D x 1-D is the dot product; a 1-D first
    operand is a row (1, k), a 1-D second one a column (k, 1), and that unit dimension is removed
    from the result; N-D operands multiply their last two dimensions and broadcast the others.
    Both tensors must have one dtype; with ``out`` the result is written into that tensor.
    Shape: input (*, n, k) or (k); other (*, k, m) or (k); output (*, n, m), the batch
    dimensions (*) broadcast, without the dimension of a 1-D operand: (k) x (k) -> (),
    (n, k) x (k) -> (n), (k) x (*, k, m) -> (*, m).

    Examples:
        >>> import yingshe
        >>> a = yingshe.arange(6.0).reshape(2, 3)
        >>> a @ yingshe.ones(3, 2)
        tensor([[ 3.,  3.],
                [12., 12.]])
        >>> yingshe.matmul(a, yingshe.tensor([1.0, 0.0, -1.0]))
        tensor([-2., -2.])
        >>> yingshe.matmul(yingshe.ones(10, 2, 3), yingshe.ones(3, 4)).shape
        yingshe.Size([10, 2, 4])
    """
    if out is not None:
        return write_out(out, "matmul", lambda: matmul(input, other), (input, other),
                         same_dtype=True)
    _check_operands("matmul", input, other)
    a_shape, b_shape = input._data.shape, other._data.shape
    if not a_shape or not b_shape:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{tuple(a_shape)} and {tuple(b_shape)}")
    _check_inner_sizes("matmul", a_shape, b_shape)
    if len(a_shape) > 2 and len(b_shape) > 2:
        _check_batch("matmul", a_shape, b_shape)
    return MatMul.apply(input, other)


def mm(input, mat2, *, out=None):
    """The matrix product of two 2-D tensors (no broadcasting; ``matmul`` has it).

    Y = A B, Y[i, j] = sum_k A[i, k] B[k, j];  dA = dY B^T, dB = A^T dY.  With ``out`` the result
    is written into that tensor.
    Shape: input (n, k); mat2 (k, m); output (n, m).

    Examples:
        >>> import yingshe
        >>> yingshe.mm(yingshe.tensor([[1, 2], [3, 4]]), yingshe.tensor([[1, 0], [1, 1]]))
        tensor([[3, 2],
                [7, 4]])
    """
    if out is not None:
        return write_out(out, "mm", lambda: mm(input, mat2), (input, mat2), same_dtype=True)
    _check_operands("mm", input, mat2)
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D matrices, got shapes {tuple(input.shape)} and "
                           f"{tuple(mat2.shape)}")
    _check_inner_sizes("mm", input.shape, mat2.shape)
    return MatMul.apply(input, mat2)


def bmm(input, mat2, *, out=None):
    """A batch of matrix products of 3-D tensors with equal batch sizes (no broadcasting; ``matmul``
    has it).

    Y[b] = A[b] B[b], Y[b, i, j] = sum_k A[b, i, k] B[b, k, j];  dA = dY B^T, dB = A^T dY for each
    b.  With ``out`` the result is written into that tensor.
    Shape: input (B, n, k); mat2 (B, k, m); output (B, n, m).

    Examples:
        >>> import yingshe
        >>> yingshe.bmm(yingshe.ones(8, 2, 3), yingshe.ones(8, 3, 4)).shape
        yingshe.Size([8, 2, 4])
    """
    if out is not None:
        return write_out(out, "bmm", lambda: bmm(input, mat2), (input, mat2), same_dtype=True)
    _check_operands("bmm", input, mat2)
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {tuple(input.shape)} and "
                           f"{tuple(mat2.shape)}")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes of shapes {tuple(input.shape)} and "
                           f"{tuple(mat2.shape)} differ ({input.shape[0]} != {mat2.shape[0]})")
    _check_inner_sizes("bmm", input.shape, mat2.shape)
    return MatMul.apply(input, mat2)


def dot(input, other):
    """The dot product of two 1-D tensors of equal length, a 0-d tensor.

    out = sum_i input_i other_i;  d/dinput = other, d/dother = input.
    Shape: input (n); other (n); output ().

    Examples:
        >>> import yingshe
        >>> yingshe.dot(yingshe.tensor([1.0, 2.0, 3.0]), yingshe.tensor([4.0, 5.0, 6.0]))
        tensor(32.)
    """
    _check_operands("dot", input, other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: expected 1-D tensors, got shapes {tuple(input.shape)} and "
                           f"{tuple(other.shape)}")
    if input.shape != other.shape:
        raise RuntimeError(f"dot: shapes {tuple(input.shape)} and {tuple(other.shape)} have "
                           f"different lengths ({input.shape[0]} != {other.shape[0]})")
    return MatMul.apply(input, other)


def inner(input, other):
    """The inner product over the last dimension of two tensors, ``torch.inner`` (a 0-d operand
    multiplies instead).

    out[i..., j...] = sum_k input[i..., k] other[j..., k]; for 1-D tensors the dot product.
    Shape: input (*a, k); other (*b, k); output (*a, *b).

    Examples:
        >>> import yingshe
        >>> yingshe.inner(yingshe.tensor([1.0, 2.0]), yingshe.tensor([3.0, 4.0]))
        tensor(11.)
        >>> yingshe.inner(yingshe.ones(2, 3), yingshe.ones(4, 3)).shape
        yingshe.Size([2, 4])
    """
    if isinstance(input, Tensor) and isinstance(other, Tensor) and (input.ndim == 0
                                                                     or other.ndim == 0):
        return mul(input, other)
    _check_operands("inner", input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dimensions of shapes {tuple(input.shape)} and "
                           f"{tuple(other.shape)} must match ({input.shape[-1]} != "
                           f"{other.shape[-1]})")
    if input.ndim == 1 and other.ndim == 1:
        return MatMul.apply(input, other)
    product = MatMul.apply(_rows(input), MatrixTranspose.apply(_rows(other)))
    return ReshapeView.apply(product, input.shape[:-1] + other.shape[:-1])


def outer(input, vec2):
    """The outer product of two 1-D tensors (dtypes promoted as in ``mul``).

    out[i, j] = input_i vec2_j;  d/dinput = dY vec2, d/dvec2 = dY^T input.
    Shape: input (n); vec2 (m); output (n, m).

    Examples:
        >>> import yingshe
        >>> yingshe.outer(yingshe.tensor([1, 2, 3]), yingshe.tensor([1, 10]))
        tensor([[ 1, 10],
                [ 2, 20],
                [ 3, 30]])
    """
    if not isinstance(input, Tensor) or not isinstance(vec2, Tensor):
        raise TypeError(f"outer: expected two Tensors, got {type(input).__name__} and "
                        f"{type(vec2).__name__}")
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got shapes {tuple(input.shape)} and "
                           f"{tuple(vec2.shape)}")
    return mul(ReshapeView.apply(input, (input.shape[0], 1)), vec2)


def _rmatmul(self, other):
    """other @ self, for ``Tensor.__rmatmul__``."""
    return matmul(other, self)


# ---- einsum ------------------------------------------------------------------------------------
_SUBSCRIPTS = string.ascii_uppercase + string.ascii_lowercase  # ASCII order, as implicit output


class Einsum(Op):
    """y = einsum(terms -> output, *operands): the product of the operands, summed over the
    indices missing from ``output``.  The gradient of operand i is the einsum of dy with the other
    operands onto operand i's indices (see ``_operand_grad``)."""

    @staticmethod
    def forward(ctx, *operands, terms, output):
        ctx.terms, ctx.output = terms, output
        ctx.save_for_backward(*operands)
        xp = get_array_module(operands[0])
        out = xp.asarray(xp.einsum(",".join(terms) + "->" + output, *operands, optimize=True))
        if out.base is not None and any(xp.may_share_memory(out, x) for x in operands):
            out = out.copy()  # NumPy returns views for transposes and diagonals; ours are new
        return out

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        sizes = _index_sizes(ctx.terms, [t.shape for t in operands])
        return tuple(_operand_grad(i, grad, operands, ctx.terms, ctx.output, sizes)
                     if ctx.needs_input_grad[i] else None for i in range(len(operands)))


class DiagonalEmbed(Op):
    """y = zeros(shape) with y[..i..i..] = x[..i..]: ``x``, indexed by the distinct indices of
    ``term``, written onto the diagonal where ``term`` repeats an index (the adjoint of
    einsum('ii->i'));  dx = einsum(term -> distinct indices, dy)."""

    @staticmethod
    def forward(ctx, x, term, shape):
        ctx.term = term
        xp = get_array_module(x)
        out = xp.zeros(shape, x.dtype)
        strides = [sum(s for d, s in zip(term, out.strides) if d == c)
                   for c in dict.fromkeys(term)]
        xp.lib.stride_tricks.as_strided(out, x.shape, strides)[...] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return einsum(ctx.term + "->" + "".join(dict.fromkeys(ctx.term)), grad), None, None


def _index_sizes(terms, shapes):
    """The size of every index across the operands (a size 1 broadcasts against any other)."""
    sizes = {}
    for term, shape in zip(terms, shapes):
        for c, n in zip(term, shape):
            if sizes.get(c, 1) == 1:
                sizes[c] = n
    return sizes


def _operand_grad(i, grad, operands, terms, output, sizes):
    """d(loss)/d(operand i) = einsum(dy, other operands -> operand i's distinct indices).
    Indices that only operand i carries (summed inside it) or that it broadcasts from size 1 are
    left out of that einsum and broadcast back; a repeated index puts the result on a diagonal."""
    term, shape = terms[i], operands[i].shape
    others = [t for j, t in enumerate(terms) if j != i]
    elsewhere = set(output).union(*others)
    own_size = dict(zip(term, shape))
    distinct = "".join(dict.fromkeys(term))
    kept = "".join(c for c in distinct if c in elsewhere and own_size[c] == sizes[c])
    sources = ",".join([output] + others)
    g = grad if sources == kept else einsum(
        sources + "->" + kept, grad, *[t for j, t in enumerate(operands) if j != i])
    view_shape = tuple(g.shape[kept.index(c)] if c in kept else 1 for c in distinct)
    if view_shape != g.shape:
        g = ReshapeView.apply(g, view_shape)
    distinct_shape = tuple(own_size[c] for c in distinct)
    if distinct_shape != g.shape:
        g = broadcast_to(g, distinct_shape)
    if distinct != term:
        g = DiagonalEmbed.apply(g, term, shape)
    return g


def _check_subscripts(subscripts, equation):
    """At most one '...' and otherwise only letters."""
    if subscripts.count("...") > 1:
        raise RuntimeError(f"einsum: more than one ellipsis ('...') in {subscripts!r} of equation "
                           f"{equation!r}")
    for c in subscripts.replace("...", ""):
        if c not in _SUBSCRIPTS:
            raise RuntimeError(f"einsum: invalid subscript {c!r} in equation {equation!r}; "
                               f"subscripts must be in [a-zA-Z]")


def _parse_einsum(equation, shapes):
    """The equation in explicit form, one letter per dimension: ('...' becomes spare letters,
    right-aligned across operands; an implicit output is '...' then the indices seen once, in
    ASCII order).  Returns (terms, output) after checking sizes against ``shapes``."""
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum: the equation {equation!r} has {len(terms)} operand(s) but "
                           f"{len(shapes)} tensor(s) were given")
    for subscripts in terms + [rhs]:
        _check_subscripts(subscripts, equation)
    ellipsis_ndims = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if ("..." in term and named > len(shape)) or ("..." not in term and named != len(shape)):
            raise RuntimeError(f"einsum: subscripts {term!r} name {named} dimension(s) but operand "
                               f"{i} has shape {tuple(shape)}"
                               f"{'' if '...' in term else ' and no ellipsis was given'}")
        ellipsis_ndims.append(len(shape) - named)
    spare = [c for c in _SUBSCRIPTS if c not in equation]
    if len(spare) < max(ellipsis_ndims, default=0):
        raise RuntimeError(f"einsum: too many dimensions in {equation!r}: no letters are left "
                           f"to name the {max(ellipsis_ndims)} dimensions of '...'")
    fill = "".join(spare[:max(ellipsis_ndims, default=0)])
    terms = [t.replace("...", fill[len(fill) - n:]) for t, n in zip(terms, ellipsis_ndims)]
    sizes = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        own = {}
        for c, n in zip(term, shape):
            if own.setdefault(c, n) != n:
                raise RuntimeError(f"einsum: subscript {c} is repeated for operand {i} (shape "
                                   f"{tuple(shape)}) but its sizes differ ({own[c]} != {n})")
            seen = sizes.setdefault(c, n)
            if seen != n and 1 not in (seen, n):
                raise RuntimeError(f"einsum: subscript {c} has size {n} for operand {i} (shape "
                                   f"{tuple(shape)}), which does not broadcast with size {seen}")
            if seen == 1:
                sizes[c] = n
    if arrow:
        output = rhs.replace("...", fill)
        for c in output:
            if output.count(c) > 1:
                raise RuntimeError(f"einsum: output subscript {c} appears more than once in "
                                   f"{equation!r}")
            if c not in sizes:
                raise RuntimeError(f"einsum: output subscript {c} of {equation!r} does not appear "
                                   f"in any input operand")
    else:
        counts = {}
        for c in "".join(terms):
            counts[c] = counts.get(c, 0) + 1
        output = fill + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in fill))
    return terms, output


def einsum(equation, *operands):
    """Einstein summation, ``torch.einsum``: the product of the operands, summed over the indices
    that are missing from the output (Einstein's summation convention, 1916).

    out[output] = sum over the other indices of prod_i operand_i[term_i], e.g. 'ij,jk->ik' is
    out[i, k] = sum_j a[i, j] b[j, k].  Operands come as arguments or as one list; the output may
    be explicit ('ij,jk->ik') or implicit ('ij,jk': the indices seen once, in alphabetical order);
    '...' stands for broadcast batch dimensions; an index repeated within an operand takes its
    diagonal ('ii->i').  The gradient of each operand is the einsum of dY with the others.
    Shape: each operand has one dimension per letter of its term; output: the sizes of the output
    indices in order, '...' the broadcast shape of the batch dimensions.

    Examples:
        >>> import yingshe
        >>> a = yingshe.arange(4.0).reshape(2, 2)
        >>> yingshe.einsum("ii", a), yingshe.einsum("ii->i", a)  # trace and diagonal
        (tensor(3.), tensor([0., 3.]))
        >>> yingshe.einsum("ij,jk->ik", a, a)
        tensor([[ 2.,  3.],
                [ 6., 11.]])
        >>> yingshe.einsum("...ij,...jk", yingshe.ones(5, 2, 3), yingshe.ones(3, 4)).shape
        yingshe.Size([5, 2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a str, got {type(equation).__name__}")
    if not operands:
        raise RuntimeError("einsum: at least one operand is required")
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum: operand {i} must be a Tensor, got {type(t).__name__}")
        first = operands[0]
        if t._data.__class__ is not first._data.__class__:
            raise RuntimeError(f"einsum: expected all operands on the same device, got "
                               f"{first.device} and {t.device}")
        if t.dtype != first.dtype:
            raise RuntimeError(f"einsum: expected all operands to have the same dtype, got "
                               f"{first.dtype} and {t.dtype}")
    terms, output = _parse_einsum(equation, [t.shape for t in operands])
    return Einsum.apply(*operands, terms=tuple(terms), output=output)


TENSOR_METHODS = {"matmul": matmul, "mm": mm, "bmm": bmm, "dot": dot, "inner": inner,
                  "outer": outer, "__matmul__": matmul, "__rmatmul__": _rmatmul}
