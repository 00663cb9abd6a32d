"""Linear algebra: inverses, solves, determinants, factorisations (SVD, eigh, QR, Cholesky) and
norms, with PyTorch's ``torch.linalg`` semantics on batches of matrices (..., m, n).

Each forward pass calls LAPACK through the array module (``numpy.linalg``); each backward pass is
the published matrix derivative, written with Tensor ops so that it differentiates again:
  - inverse, solve, determinant: M. B. Giles, "An extended collection of matrix derivative
    results for forward and reverse mode algorithmic differentiation" (2008);
  - SVD: J. Townsend, "Differentiating the singular value decomposition" (2016), and
    M. Seeger et al., "Auto-differentiating linear algebra" (2017);
  - symmetric eigendecomposition: C. Ionescu, O. Vantzos & C. Sminchisescu, "Matrix
    backpropagation for deep networks with structured layers" (ICCV 2015);
  - QR: D. Roberts & L. Roberts, "QR and LQ decomposition matrix backpropagation algorithms for
    square, wide, and deep matrices" (2020);
  - Cholesky: I. Murray, "Differentiation of the Cholesky decomposition" (2016);
  - pseudo-inverse: G. H. Golub & V. Pereyra, "The differentiation of pseudo-inverses and
    nonlinear least squares problems whose variables separate" (1973).
Where a factor is not unique (the signs of singular vectors and eigenvectors), a loss must not
depend on the choice for its gradient to mean anything, as PyTorch documents.

The torch.linalg functions are named as there, except those whose top-level namesakes differ
(``linalg_norm``, ``linalg_svd``, ``linalg_qr``, ``linalg_cholesky``, ``linalg_cross``);
``yingshe.linalg`` gives them their torch.linalg names.  ``__all__`` lists the top-level ones
(``yingshe.det``, ``yingshe.svd``, ...).
"""
import collections
import math
import numbers
import warnings

import numpy as np

from .. import _backend
from .._backend import get_array_module
from .._tensor import Tensor
from ..autograd.function import Op
from . import reduce
from .broadcast import broadcast_shapes, unbroadcast
from .elementwise import to_copy, where
from .matmul import MatMul, MatrixTranspose
from .reduce import _constant
from .shape import cat, narrow, permute, roll, unsqueeze

__all__ = ["det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "svd", "qr",
           "cholesky", "cross"]

# torch.return_types.*: named (a, b) results
_SVDResult = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
_LegacySVDResult = collections.namedtuple("svd", ["U", "S", "V"])
_EighResult = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
_QRResult = collections.namedtuple("linalg_qr", ["Q", "R"])
_LegacyQRResult = collections.namedtuple("qr", ["Q", "R"])
_SlogdetResult = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
_LegacySlogdetResult = collections.namedtuple("slogdet", ["sign", "logabsdet"])
_InvExResult = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
_CholeskyExResult = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (a singular matrix, a matrix that is not
    positive-definite); PyTorch's ``torch.linalg.LinAlgError``, also a RuntimeError.

    The message names the batch element and LAPACK's failing pivot or minor; the ``_ex``
    variants (``inv_ex``, ``cholesky_ex``) return that status as ``info`` instead of raising.

    Examples:
        >>> import yingshe
        >>> try:
        ...     yingshe.linalg.inv(yingshe.tensor([[1., 2.], [2., 4.]]))
        ... except yingshe.linalg.LinAlgError as error:
        ...     print(isinstance(error, RuntimeError), error)
        True linalg.inv: The diagonal element 2 is zero, the inversion could not be completed ...
    """


# ---- checks and error messages ----------------------------------------------------------------
_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
                "bool": "Bool"}


def _torch_name(array):
    """PyTorch's scalar-type name of an array's dtype (Float, Double, Long, ...)."""
    return _TORCH_NAMES.get(array.dtype.name, array.dtype.name)


def _check_matrix(op, A, name="A", square=False, low_precision=False):
    """A is a floating Tensor with at least 2 dimensions (square ones when ``square``)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    _check_floating(op, A, low_precision)
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _check_floating(op, A, low_precision=False):
    kind = A._data.dtype.kind
    if kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_torch_name(A._data)}")
    if not low_precision and A._data.dtype.itemsize < 4:
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {_torch_name(A._data)}")


def _check_same_dtype(op, A, B, names=("A", "B")):
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}: Expected {names[0]} and {names[1]} to have the same dtype, but "
                           f"found {names[0]} of type {_torch_name(A._data)} and {names[1]} of "
                           f"type {_torch_name(B._data)} instead")


def _batch_prefix(array, index):
    """'(Batch element i): ' for a batched input, '' for a single matrix (PyTorch's wording)."""
    return f"(Batch element {index}): " if array.ndim > 2 else ""


def _lapack_info(array, routine):
    """LAPACK's ``info`` of ``routine`` ('getrf' or 'potrf') for every matrix of the batch: the
    1-based index of the first zero pivot (LU) or of the first leading minor that is not
    positive-definite (Cholesky); 0 where the factorisation succeeded."""
    from scipy.linalg import lapack  # only on the error paths: keeps `import yingshe` light

    cpu = _backend.to_device(array, "cpu")
    n = cpu.shape[-1]
    matrices = np.ascontiguousarray(cpu.reshape((-1, n, n)))
    function, = lapack.get_lapack_funcs((routine,), (matrices,))
    if routine == "potrf":
        infos = [function(m, lower=1)[1] for m in matrices]
    else:
        infos = [function(m)[2] for m in matrices]
    return np.asarray(infos, np.int32).reshape(cpu.shape[:-2])


def _first_failure(info):
    """The flat batch index of the first nonzero LAPACK info, and that info."""
    index = int(np.flatnonzero(info)[0])
    return index, int(info.reshape(-1)[index])


def _inverse_or_solve(op, a, what, compute):
    """``compute(a)`` (numpy.linalg's inv or solve).  NumPy refuses the whole batch when one
    matrix fails; PyTorch raises LinAlgError naming the first singular matrix with finite entries
    (its batch element and the zero pivot U_ii of its LU factorisation) and gives NaN for
    matrices with NaN or inf entries."""
    xp = get_array_module(a)
    try:
        return compute(a)
    except xp.linalg.LinAlgError:
        pass
    finite = xp.isfinite(a).all((-2, -1))
    info = _lapack_info(a, "getrf") * _backend.to_device(finite, "cpu")
    if info.any():
        index, pivot = _first_failure(info)
        prefix = _batch_prefix(a, index)
        if what == "inv":
            raise LinAlgError(f"{op}: {prefix}The diagonal element {pivot} is zero, the "
                              f"inversion could not be completed because the input matrix is "
                              f"singular.")
        raise LinAlgError(f"torch.{op}: {prefix}The solver failed because the input matrix is "
                          f"singular.")
    keep = finite[..., None, None]
    safe = xp.where(keep, a, xp.eye(a.shape[-1], dtype=a.dtype))
    return xp.where(keep, compute(safe), xp.nan).astype(a.dtype, copy=False)


def _check_positive_definite(op, array, lower=None):
    """Raise PyTorch's LinAlgError for the first matrix whose Cholesky factorisation fails: a
    pivot L_jj^2 <= 0, or NaN (where numpy.linalg returns NaN: ``lower``, its factor)."""
    info = _lapack_info(array, "potrf")
    if lower is not None:
        diagonal = _backend.to_device(lower.diagonal(axis1=-2, axis2=-1), "cpu")
        bad = ~(diagonal > 0)
        first_bad = np.where(bad.any(-1), bad.argmax(-1) + 1, 0).astype(np.int32)
        info = np.where(info != 0, info, first_bad)
    if info.any():
        index, order = _first_failure(info)
        raise LinAlgError(f"{op}: {_batch_prefix(array, index)}The factorization could not be "
                          f"completed because the input is not positive-definite (the leading "
                          f"minor of order {order} is not positive-definite).")


# ---- small Tensor helpers for the backward passes ----------------------------------------------
def _eye_like(t):
    """The identity matrix of t's last dimension, as a constant of t's dtype."""
    xp = get_array_module(t._data)
    return _constant(xp.eye(t.shape[-1], dtype=t._data.dtype))


def _mT(t):
    """The matrix transpose (a view), A^T."""
    return MatrixTranspose.apply(t)


def _diag_embed(v):
    """diag(v) for each vector of the batch: (..., n) -> (..., n, n)."""
    return unsqueeze(v, -1) * _eye_like(v)


def _triangle_mask(t, upper, strict=False):
    """A constant 0/1 matrix that keeps the upper (or lower) triangle of t's matrices."""
    xp = get_array_module(t._data)
    ones = xp.ones(t.shape[-2:], dtype=t._data.dtype)
    if upper:
        return _constant(xp.triu(ones, 1 if strict else 0))
    return _constant(xp.tril(ones, -1 if strict else 0))


def _absent(grad):
    """True for the zero gradient the engine makes for an unused output of a multi-output op
    (PyTorch passes an undefined gradient there, and some formulas take a shortcut)."""
    return grad.grad_fn is None and not grad.requires_grad and \
        not get_array_module(grad._data).any(grad._data)


# ---- inverse -----------------------------------------------------------------------------------
class Inv(Op):
    """Y = A^{-1};  dA = -Y^T dY Y^T (Giles 2008, "inverse")."""

    @staticmethod
    def forward(ctx, a, op="linalg.inv"):
        y = _inverse_or_solve(op, a, "inv", get_array_module(a).linalg.inv)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        y_t = _mT(y)
        return -MatMul.apply(MatMul.apply(y_t, grad), y_t), None


def inv(A):
    """The inverse of each square matrix (``torch.linalg.inv``).

    Y = A^{-1}, so A Y = Y A = I, through LAPACK's LU factorisation; a singular matrix raises
    ``LinAlgError`` naming the batch element and the zero pivot. Gradient:
    dA = -Y^T dY Y^T (Giles 2008). To solve A X = B, ``solve`` is faster and more accurate.

    Shape: A (*, n, n); output (*, n, n).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[4., 7.], [2., 6.]])
        >>> yingshe.linalg.inv(A)
        tensor([[ 0.6000, -0.7000],
                [-0.2000,  0.4000]])
    """
    _check_matrix("linalg.inv", A, square=True)
    return Inv.apply(A)


def inv_ex(A, *, check_errors=False):
    """The inverse of each square matrix and LAPACK's status, without raising
    (``torch.linalg.inv_ex``).

    Returns (inverse, info): info is 0 for success and i > 0 when U_ii of the LU factorisation
    A = P L U is zero; that inverse is then NaN here (PyTorch leaves it undefined). With
    ``check_errors`` a failure raises ``LinAlgError`` as ``inv`` does.

    Shape: A (*, n, n); inverse (*, n, n); info (*) int32.

    Examples:
        >>> import yingshe
        >>> yingshe.linalg.inv_ex(yingshe.tensor([[1., 2.], [2., 4.]])).info
        tensor(2, dtype=yingshe.int32)
    """
    _check_matrix("linalg.inv_ex", A, square=True)
    xp = get_array_module(A._data)
    try:
        return _InvExResult(Inv.apply(A), _constant(xp.zeros(A.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    info = xp.asarray(_lapack_info(A._data, "getrf"))
    singular = _constant((info != 0)[..., None, None])
    safe = where(singular, _eye_like(A), A)
    return _InvExResult(where(singular, math.nan, Inv.apply(safe)), _constant(info))


def inverse(input):
    """The inverse A^{-1} of each square matrix (``torch.inverse``), the same as ``linalg.inv``.

    Shape: input (*, n, n); output (*, n, n).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[4., 7.], [2., 6.]])
        >>> A.inverse()
        tensor([[ 0.6000, -0.7000],
                [-0.2000,  0.4000]])
    """
    return inv(input)


# ---- triangular solve --------------------------------------------------------------------------
def _substitute(t, b, upper):
    """X with T X = B for triangular T, by forward (lower) or back (upper) substitution
    (Golub & Van Loan, Matrix Computations, Alg. 3.1.1-3.1.2), batched and broadcast; a zero on
    the diagonal gives inf/NaN as LAPACK's trsm does, not an error."""
    xp = get_array_module(t)
    n = t.shape[-1]
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = xp.broadcast_to(t, batch + t.shape[-2:])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    x = xp.empty(batch + b.shape[-2:], dtype=t.dtype)
    rows = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in rows:
            done = slice(i + 1, n) if upper else slice(0, i)
            rest = b[..., i:i + 1, :] - xp.matmul(t[..., i:i + 1, done], x[..., done, :])
            x[..., i:i + 1, :] = rest / t[..., i:i + 1, i:i + 1]
    return x


class SolveTriangular(Op):
    """X = A^{-1} B (``left``) or B A^{-1} for triangular A, reading only A's triangle (and a
    unit diagonal when ``unitriangular``);  dB = A^{-T} dX, dA = -dB X^T (or -X^T dB), kept to
    the triangle that was read (Giles 2008, "matrix inverse product")."""

    @staticmethod
    def forward(ctx, a, b, upper, left, unitriangular):
        xp = get_array_module(a)
        t = xp.triu(a) if upper else xp.tril(a)
        if unitriangular:
            idx = xp.arange(t.shape[-1])
            t[..., idx, idx] = 1
        if left:
            x = _substitute(t, b, upper)
        else:
            x = _substitute(t.swapaxes(-1, -2), b.swapaxes(-1, -2), not upper).swapaxes(-1, -2)
        ctx.upper, ctx.left, ctx.unit = upper, left, unitriangular
        ctx.shapes = (a.shape, b.shape)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        upper, left, unit = ctx.upper, ctx.left, ctx.unit
        grad_b = SolveTriangular.apply(_mT(a), grad, not upper, left, unit)
        grad_a = None
        if ctx.needs_input_grad[0]:
            product = MatMul.apply(grad_b, _mT(x)) if left else MatMul.apply(_mT(x), grad_b)
            grad_a = unbroadcast(-product * _triangle_mask(a, upper, strict=unit), ctx.shapes[0])
        grad_b = unbroadcast(grad_b, ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None, None, None


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """The solution X of A X = B (``left``) or X A = B for triangular A
    (``torch.linalg.solve_triangular``).

    Forward (lower) or back (upper) substitution: for upper A and left=True,
    x_i = (b_i - sum_{j > i} a_ij x_j) / a_ii from the last row up (Golub & Van Loan, Matrix
    Computations, Alg. 3.1.2). Only the ``upper`` or lower triangle of A is read; with
    ``unitriangular`` its diagonal is taken to be 1. Batch dimensions broadcast.

    Shape: A (*, n, n); B (*, n, k) (left) or (*, k, n); output the broadcast (*, n, k) or
    (*, k, n).

    Examples:
        >>> import yingshe
        >>> U = yingshe.tensor([[2., 1.], [0., 4.]])
        >>> yingshe.linalg.solve_triangular(U, yingshe.tensor([[4.], [8.]]), upper=True)
        tensor([[1.],
                [2.]])
    """
    _check_matrix("linalg.solve_triangular", A, square=True)
    _check_matrix("linalg.solve_triangular", B, name="B")
    _check_same_dtype("linalg.solve_triangular", A, B)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {equation} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    broadcast_shapes(A.shape[:-2], B.shape[:-2], op="linalg.solve_triangular")
    return SolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular))


# ---- general solve -----------------------------------------------------------------------------
class Solve(Op):
    """X = A^{-1} B for square A, batch dimensions broadcast;  dB = A^{-T} dX, dA = -dB X^T, each
    summed over the batch dimensions its operand was broadcast on (Giles 2008, "matrix inverse
    product")."""

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a)
        x = _inverse_or_solve("linalg.solve", a, "solve", lambda m: xp.linalg.solve(m, b))
        ctx.shapes = (a.shape, b.shape)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = Solve.apply(_mT(a), grad)
        grad_a = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(-MatMul.apply(grad_b, _mT(x)), ctx.shapes[0])
        grad_b = unbroadcast(grad_b, ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


def solve(A, B, *, left=True):
    """The solution X of the linear system A X = B (``left``) or X A = B
    (``torch.linalg.solve``).

    X = A^{-1} B through LAPACK's LU factorisation with partial pivoting, without forming the
    inverse; a singular A raises ``LinAlgError``. Gradients: dB = A^{-T} dX, dA = -dB X^T
    (Giles 2008). B is a batch of vectors when it is 1-D or has the shape A.shape[:-1].

    Shape: A (*, n, n); B (*, n, k), or (*, n) / (n) for vectors; output the broadcast shape
    of B, batch dimensions broadcast.

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[4., 7.], [2., 6.]])
        >>> yingshe.linalg.solve(A, yingshe.tensor([1., 2.]))
        tensor([-0.8000,  0.6000])
        >>> yingshe.linalg.solve(A, yingshe.ones(5, 2, 3)).shape
        yingshe.Size([5, 2, 3])
    """
    _check_matrix("linalg.solve", A, square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve: expected B to be a Tensor, got {type(B).__name__}")
    if B.ndim < 1:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 1 dimension.")
    _check_same_dtype("linalg.solve", A, B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    matrix = unsqueeze(B, -1) if vector else B
    n = A.shape[-1]
    if (matrix.shape[-2] if left else matrix.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{equation} ({n}x{n} and {matrix.shape[-2]}x{matrix.shape[-1]})")
    broadcast_shapes(A.shape[:-2], matrix.shape[:-2], op="linalg.solve")
    if left:
        x = Solve.apply(A, matrix)
    else:
        x = _mT(Solve.apply(_mT(A), _mT(matrix)))
    return x.reshape(x.shape[:-1]) if vector else x


# ---- determinants ------------------------------------------------------------------------------
def _adjugate_transpose(a):
    """cof(A) = adj(A)^T from the SVD A = U S V^T: det(U) det(V) U diag(prod_{j != i} s_j) V^T,
    defined for singular A too (N. J. Higham, "What is the adjugate of a matrix?", 2020)."""
    xp = get_array_module(a)
    u, s, vh = xp.linalg.svd(a)
    others = xp.where(xp.eye(s.shape[-1], dtype=bool), 1, s[..., None, :]).prod(-1)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    return (sign[..., None, None] * xp.matmul(u * others[..., None, :], vh)).astype(a.dtype)


def _cofactor(a, det):
    """The gradient of det(A): det(A) A^{-T} (Jacobi's formula; Giles 2008, "determinant") where
    A is invertible, and the adjugate from the SVD where |det A| < 100 eps, as PyTorch does when
    it builds the graph of the gradient."""
    xp = get_array_module(a._data)
    singular = xp.abs(det._data) < 100 * xp.finfo(a._data.dtype).eps
    scale = unsqueeze(unsqueeze(det, -1), -1)
    if not singular.any():
        return scale * _mT(Inv.apply(a))
    mask = _constant(singular[..., None, None])
    regular = scale * _mT(Inv.apply(where(mask, _eye_like(a), a)))
    return where(mask, _constant(_adjugate_transpose(a._data)), regular)


class Det(Op):
    """y = det(A);  dA = dy cof(A), the cofactor matrix (det(A) A^{-T} when A is invertible)."""

    @staticmethod
    def forward(ctx, a):
        y = get_array_module(a).asarray(get_array_module(a).linalg.det(a), dtype=a.dtype)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, y = ctx.saved_tensors
        return unsqueeze(unsqueeze(grad, -1), -1) * _cofactor(a, y)


def det(A):
    """The determinant of each square matrix (``torch.linalg.det`` and ``torch.det``).

    det A = sign(P) prod_i U_ii from the LU factorisation A = P L U. Gradient: g det(A) A^{-T}
    for an output gradient g (Jacobi's formula; Giles 2008), computed through the cofactor
    matrix so that it stays finite for singular A.

    Shape: A (*, n, n); output (*).

    Examples:
        >>> import yingshe
        >>> yingshe.det(yingshe.tensor([[4., 7.], [2., 6.]]))
        tensor(10.)
        >>> yingshe.linalg.det(yingshe.eye(3).expand(5, 3, 3)).shape
        yingshe.Size([5])
    """
    _check_matrix("linalg.det", A, square=True)
    return Det.apply(A)


class SlogDet(Op):
    """(sign, log|det A|);  dA = d(log|det A|) A^{-T} (the sign is piecewise constant: it passes
    no gradient, though like PyTorch's it is part of the graph)."""

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        sign, logabsdet = xp.linalg.slogdet(a)
        sign, logabsdet = xp.asarray(sign, dtype=a.dtype), xp.asarray(logabsdet, dtype=a.dtype)
        ctx.save_for_backward(a)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):
        a, = ctx.saved_tensors
        inverse_t = _mT(Inv.apply(a, "linalg.slogdet (backward)"))
        return unsqueeze(unsqueeze(grad_logabsdet, -1), -1) * inverse_t


def linalg_slogdet(A):
    """The sign and the log of the absolute value of the determinant (``torch.linalg.slogdet``).

    Returns (sign, logabsdet) with det A = sign * exp(logabsdet), computed as
    sum_i log|U_ii| of the LU factorisation, so it neither overflows nor underflows where det
    would; a singular matrix gives (0, -inf). Gradient: dA = d(logabsdet) A^{-T}.

    Shape: A (*, n, n); sign and logabsdet (*).

    Examples:
        >>> import yingshe
        >>> yingshe.linalg.slogdet(yingshe.tensor([[0., 2.], [3., 0.]]))
        linalg_slogdet(sign=tensor(-1.), logabsdet=tensor(1.7918))
    """
    _check_matrix("linalg.slogdet", A, square=True)
    return _SlogdetResult(*SlogDet.apply(A))


def slogdet(input):
    """(sign, log|det A|) of each square matrix (``torch.slogdet``), as ``linalg.slogdet``.

    det A = sign * exp(logabsdet); the named tuple is ``slogdet`` as PyTorch's.

    Shape: input (*, n, n); sign and logabsdet (*).

    Examples:
        >>> import yingshe
        >>> yingshe.slogdet(yingshe.tensor([[0., 2.], [3., 0.]]))
        slogdet(sign=tensor(-1.), logabsdet=tensor(1.7918))
    """
    _check_matrix("linalg.slogdet", input, square=True)
    return _LegacySlogdetResult(*SlogDet.apply(input))


def logdet(input):
    """The log-determinant log det A of each square matrix (``torch.logdet``).

    logdet = logabsdet where det A > 0, NaN where det A < 0 and -inf where it is 0 (through
    ``slogdet``); for a positive-definite A, 2 sum_i log L_ii of its Cholesky factor is the same.

    Shape: input (*, n, n); output (*).

    Examples:
        >>> import yingshe
        >>> yingshe.logdet(yingshe.tensor([[4., 7.], [2., 6.]]))
        tensor(2.3026)
        >>> yingshe.logdet(yingshe.tensor([[0., 2.], [3., 0.]]))
        tensor(nan)
    """
    _check_matrix("logdet", input, square=True)
    sign, logabsdet = SlogDet.apply(input)
    return where(sign < 0, math.nan, logabsdet)


# ---- singular value decomposition -------------------------------------------------------------
def _svd_backward(grad_u, grad_s, grad_vh, u, s, vh):
    """dA for A = U diag(S) V^T (k = min(m, n) singular values, distinct and, for m != n,
    nonzero), Townsend (2016):
      dA = U [ (skew(U^T dU) / E) S + S (skew(V^T dV) / E) + diag(dS) ] V^T
           + (I - U U^T) dU S^{-1} V^T     (m > n)
           + U S^{-1} dV^T (I - V V^T)     (m < n),
    skew(X) = X - X^T, E_jk = s_k^2 - s_j^2 (1 on the diagonal).  ``None`` marks an unused
    output; with neither dU nor dV, dA = U diag(dS) V^T."""
    m, n = u.shape[-2], vh.shape[-1]
    if grad_u is None and grad_vh is None:
        return u @ (unsqueeze(grad_s, -1) * vh) if m >= n else (u * unsqueeze(grad_s, -2)) @ vh
    s_row, s_col = unsqueeze(s, -2), unsqueeze(s, -1)
    s2 = s * s
    e = unsqueeze(s2, -2) - unsqueeze(s2, -1) + _eye_like(s)
    if grad_u is not None:
        uhgu = _mT(u) @ grad_u
        uhgu = uhgu - _mT(uhgu)
    if grad_vh is not None:
        vhgv = vh @ _mT(grad_vh)
        vhgv = vhgv - _mT(vhgv)
    if grad_u is not None and grad_vh is not None:
        inner = (uhgu * s_row + s_col * vhgv) / e
    elif grad_u is not None:
        inner = (uhgu / e) * s_row
    else:
        inner = s_col * (vhgv / e)
    inner = inner + _diag_embed(grad_s)
    if m > n and grad_u is not None:
        grad_u_sinv = grad_u / s_row
        outer = u @ inner + grad_u_sinv - u @ (_mT(u) @ grad_u_sinv)
        return outer @ vh
    if m < n and grad_vh is not None:
        sinv_grad_vh = grad_vh / s_col
        outer = inner @ vh + sinv_grad_vh - (sinv_grad_vh @ _mT(vh)) @ vh
        return u @ outer
    return u @ (inner @ vh) if m >= n else (u @ inner) @ vh


class SVD(Op):
    """A = U diag(S) V^T (``full_matrices``: U is m x m and V^T n x n; otherwise k = min(m, n)
    columns);  dA by ``_svd_backward``.  With full matrices only the first k columns of U and
    rows of V^T carry gradient, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, full_matrices):
        xp = get_array_module(a)
        try:
            u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        except xp.linalg.LinAlgError as exc:
            raise LinAlgError(f"linalg.svd: The algorithm failed to converge because the input "
                              f"matrix is ill-conditioned or has too many repeated singular "
                              f"values ({exc}).") from None
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        if u.shape[-1] != k:
            u, grad_u = narrow(u, -1, 0, k), narrow(grad_u, -1, 0, k)
        if vh.shape[-2] != k:
            vh, grad_vh = narrow(vh, -2, 0, k), narrow(grad_vh, -2, 0, k)
        grad_u = None if _absent(grad_u) else grad_u
        grad_vh = None if _absent(grad_vh) else grad_vh
        return _svd_backward(grad_u, grad_s, grad_vh, u, s, vh), None


def _check_driver(driver):
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           "CUDA inputs with cuSOLVER backend.")


def linalg_svd(A, full_matrices=True, *, driver=None):
    """The singular value decomposition A = U diag(S) Vh (``torch.linalg.svd``).

    U and Vh^T have orthonormal columns and S >= 0 is descending (Golub & Van Loan, Matrix
    Computations, §2.4). The signs of the singular vectors are LAPACK's; a loss should not
    depend on them. The gradient is Townsend's (2016), which needs distinct singular values.

    Shape: A (*, m, n), k = min(m, n); U (*, m, m), S (*, k), Vh (*, n, n) with
    ``full_matrices``, else U (*, m, k) and Vh (*, k, n).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[3., 0.], [4., 5.]])
        >>> U, S, Vh = yingshe.linalg.svd(A)
        >>> S
        tensor([6.7082, 2.2361])
        >>> yingshe.allclose(U @ yingshe.diag(S) @ Vh, A, atol=1e-5)
        True
        >>> yingshe.linalg.svd(yingshe.ones(4, 3), full_matrices=False).U.shape
        yingshe.Size([4, 3])
    """
    _check_matrix("linalg.svd", A)
    _check_driver(driver)
    return _SVDResult(*SVD.apply(A, bool(full_matrices)))


def svdvals(A, *, driver=None):
    """The singular values of each matrix, descending (``torch.linalg.svdvals``).

    The S of A = U diag(S) Vh, i.e. the square roots of the eigenvalues of A^T A; gradient
    dA = U diag(dS) Vh, well defined even where U and Vh are not unique.

    Shape: A (*, m, n); output (*, min(m, n)).

    Examples:
        >>> import yingshe
        >>> yingshe.linalg.svdvals(yingshe.tensor([[3., 0.], [4., 5.]]))
        tensor([6.7082, 2.2361])
    """
    _check_matrix("linalg.svdvals", A)
    _check_driver(driver)
    return SVD.apply(A, False)[1]


def svd(input, some=True, compute_uv=True):
    """The singular value decomposition input = U diag(S) V^T, returning V (``torch.svd``).

    Unlike ``linalg.svd`` it returns V, not V^T, and ``some`` (the default) gives the reduced
    factors. Without ``compute_uv``, U and V are zero matrices (m x m and n x n), as PyTorch's.

    Shape: input (*, m, n), k = min(m, n); U (*, m, k), S (*, k), V (*, n, k) with ``some``,
    else U (*, m, m) and V (*, n, n).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[3., 0.], [4., 5.]])
        >>> U, S, V = yingshe.svd(A)
        >>> yingshe.allclose(U @ yingshe.diag(S) @ V.mT, A, atol=1e-5)
        True
        >>> yingshe.svd(yingshe.ones(4, 3)).U.shape
        yingshe.Size([4, 3])
    """
    if not compute_uv:
        values = svdvals(input)
        xp = get_array_module(input._data)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return _LegacySVDResult(_constant(xp.zeros(batch + (m, m), input._data.dtype)), values,
                                _constant(xp.zeros(batch + (n, n), input._data.dtype)))
    u, s, vh = linalg_svd(input, full_matrices=not some)
    return _LegacySVDResult(u, s, _mT(vh))


# ---- symmetric eigendecomposition -------------------------------------------------------------
class Eigh(Op):
    """A = V diag(L) V^T for symmetric A (one triangle read, ``uplo``), L ascending;
    dA = V (skew(V^T dV) / 2E + diag(dL)) V^T with E_ij = L_j - L_i (Ionescu et al. 2015,
    Prop. 2; PyTorch's linalg_eig_backward), or V diag(dL) V^T when dV is unused."""

    @staticmethod
    def forward(ctx, a, uplo):
        xp = get_array_module(a)
        try:
            eigenvalues, eigenvectors = xp.linalg.eigh(a, UPLO=uplo)
        except xp.linalg.LinAlgError as exc:
            raise LinAlgError(f"linalg.eigh: The algorithm failed to converge because the input "
                              f"matrix is ill-conditioned or has too many repeated eigenvalues "
                              f"({exc}).") from None
        ctx.save_for_backward(eigenvalues, eigenvectors)
        return eigenvalues, eigenvectors

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved_tensors
        if _absent(grad_vectors):
            return (vectors * unsqueeze(grad_values, -2)) @ _mT(vectors), None
        projected = _mT(vectors) @ grad_vectors
        projected = 0.5 * (projected - _mT(projected))
        e = unsqueeze(values, -2) - unsqueeze(values, -1) + _eye_like(vectors)
        inner = projected / e + _diag_embed(grad_values)
        return vectors @ (inner @ _mT(vectors)), None


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L"):
    """The eigendecomposition A = V diag(L) V^T of a symmetric matrix (``torch.linalg.eigh``).

    Returns (eigenvalues L ascending, eigenvectors V as orthonormal columns), reading only the
    lower (``UPLO='L'``) or upper triangle of A. The gradient is the symmetric one PyTorch
    returns (Ionescu et al. 2015); eigenvector signs are LAPACK's (a loss should not depend on
    them), and repeated eigenvalues make the eigenvectors' gradient undefined.

    Shape: A (*, n, n); eigenvalues (*, n); eigenvectors (*, n, n).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[2., 1.], [1., 2.]])
        >>> L, V = yingshe.linalg.eigh(A)
        >>> L
        tensor([1., 3.])
        >>> yingshe.allclose(V @ yingshe.diag(L) @ V.mT, A)
        True
    """
    _check_matrix("linalg.eigh", A, square=True)
    _check_uplo(UPLO)
    return _EighResult(*Eigh.apply(A, UPLO))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of a symmetric matrix, ascending (``torch.linalg.eigvalsh``).

    The L of A = V diag(L) V^T, reading only the ``UPLO`` triangle of A; gradient
    dA = V diag(dL) V^T.

    Shape: A (*, n, n); output (*, n).

    Examples:
        >>> import yingshe
        >>> yingshe.linalg.eigvalsh(yingshe.tensor([[2., 1.], [1., 2.]]))
        tensor([1., 3.])
    """
    _check_matrix("linalg.eigvalsh", A, square=True)
    _check_uplo(UPLO)
    return Eigh.apply(A, UPLO)[0]


# ---- QR ----------------------------------------------------------------------------------------
class QR(Op):
    """A = Q R (Householder, LAPACK geqrf/orgqr).  With M = dR R^T - Q^T dQ (Roberts & Roberts
    2020; PyTorch's linalg_qr_backward):
      m >= n:  dA = (dQ + Q sym(triu(M))) R^{-T},  sym(X) = X + X^T with the diagonal halved;
      m <  n:  dA = [Q tril(M^T - M) R_1^{-T}, 0] + Q dR,  R_1 = R's leading m x m block."""

    @staticmethod
    def forward(ctx, a, mode):
        xp = get_array_module(a)
        if mode == "r":
            q, r = xp.empty((0,), a.dtype), xp.linalg.qr(a, mode="r")
        else:
            q, r = xp.linalg.qr(a, mode=mode)
        ctx.mode = mode
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        grad_q = None if _absent(grad_q) else grad_q
        grad_r = None if _absent(grad_r) and grad_q is not None else grad_r
        if grad_q is None:
            m_matrix = grad_r @ _mT(r)
        elif grad_r is None:
            m_matrix = -(_mT(q) @ grad_q)
        else:
            m_matrix = grad_r @ _mT(r) - _mT(q) @ grad_q
        if m >= n:
            upper = m_matrix * _triangle_mask(m_matrix, upper=True)
            symmetric = upper + _mT(upper * _triangle_mask(m_matrix, upper=True, strict=True))
            rhs = q @ symmetric
            if grad_q is not None:
                rhs = rhs + grad_q
            return SolveTriangular.apply(_mT(r), rhs, False, False, False), None
        skew = -m_matrix
        lower = (skew - _mT(skew)) * _triangle_mask(skew, upper=False)
        leading = SolveTriangular.apply(_mT(narrow(r, -1, 0, m)), q @ lower, False, False, False)
        xp = get_array_module(leading._data)
        zeros = _constant(xp.zeros(tuple(r.shape[:-1]) + (n - m,), leading._data.dtype))
        grad_a = cat([leading, zeros], -1)
        return (grad_a + q @ grad_r if grad_r is not None else grad_a), None


def linalg_qr(A, mode="reduced"):
    """The QR decomposition A = Q R (``torch.linalg.qr``).

    Q has orthonormal columns and R is upper triangular (Householder reflections, Golub & Van
    Loan, Matrix Computations, §5.2); the signs of R's diagonal are LAPACK's. ``mode``:
    'reduced' (k = min(m, n) columns), 'complete' (Q is m x m) or 'r' (R only; Q is empty and
    nothing is differentiable). Gradient: Roberts & Roberts (2020).

    Shape: A (*, m, n), k = min(m, n); Q (*, m, k) and R (*, k, n) ('reduced'), Q (*, m, m)
    and R (*, m, n) ('complete').

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[3., 1.], [4., 2.], [0., 2.]])
        >>> Q, R = yingshe.linalg.qr(A)
        >>> Q.shape, R.shape
        (yingshe.Size([3, 2]), yingshe.Size([2, 2]))
        >>> R.abs()
        tensor([[5.0000, 2.2000],
                [0.0000, 2.0396]])
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    _check_matrix("linalg.qr", A)
    return _QRResult(*QR.apply(A, mode))


def qr(input, some=True):
    """The QR decomposition input = Q R (``torch.qr``, deprecated in PyTorch, which warns).

    ``linalg.qr`` with mode 'reduced' when ``some``, else 'complete'.

    Shape: input (*, m, n), k = min(m, n); Q (*, m, k) and R (*, k, n) with ``some``, else
    Q (*, m, m) and R (*, m, n).

    Examples:
        >>> import warnings
        >>> import yingshe
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     Q, R = yingshe.qr(yingshe.ones(3, 2))
        >>> Q.shape, R.shape
        (yingshe.Size([3, 2]), yingshe.Size([2, 2]))
    """
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.\nThe boolean parameter 'some' has been replaced with a "
                  "string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\n"
                  "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')", UserWarning,
                  stacklevel=2)
    return _LegacyQRResult(*linalg_qr(input, "reduced" if some else "complete"))


# ---- Cholesky ----------------------------------------------------------------------------------
class Cholesky(Op):
    """A = L L^T for symmetric positive-definite A (lower triangle read; ``upper``: U^T U from
    the upper triangle);  dA = L^{-T} Phi(L^T dL) L^{-1}, Phi(X) = (tril(X) + tril(X, -1)^T) / 2
    (Murray 2016, eq. 10, made symmetric as PyTorch returns it)."""

    @staticmethod
    def forward(ctx, a, upper, op):
        xp = get_array_module(a)
        source = a.swapaxes(-1, -2) if upper else a
        try:
            lower = xp.linalg.cholesky(source)
        except xp.linalg.LinAlgError:
            lower = None
        if lower is None or not xp.isfinite(lower).all():
            _check_positive_definite(op, source, lower)
        out = lower.swapaxes(-1, -2) if upper else lower
        ctx.upper = upper
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        lower, grad_lower = (_mT(out), _mT(grad)) if ctx.upper else (out, grad)
        phi = (_mT(lower) @ grad_lower) * _triangle_mask(lower, upper=False)
        phi = 0.5 * (phi + _mT(phi * _triangle_mask(lower, upper=False, strict=True)))
        left = SolveTriangular.apply(_mT(lower), phi, True, True, False)
        return SolveTriangular.apply(lower, left, False, False, False), None, None


def linalg_cholesky(A, *, upper=False):
    """The Cholesky factor of a symmetric positive-definite matrix (``torch.linalg.cholesky``).

    L lower triangular with positive diagonal and A = L L^T (or U = L^T with A = U^T U when
    ``upper``), column by column:
    l_jj = sqrt(a_jj - sum_{k < j} l_jk^2), l_ij = (a_ij - sum_{k < j} l_ik l_jk) / l_jj
    (Golub & Van Loan, Matrix Computations, §4.2). Only the lower triangle of A is read. A
    matrix that is not positive-definite raises ``LinAlgError`` naming the failing leading
    minor. Gradient: Murray (2016).

    Shape: A (*, n, n); output (*, n, n).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[4., 2.], [2., 3.]])
        >>> yingshe.linalg.cholesky(A)
        tensor([[2.0000, 0.0000],
                [1.0000, 1.4142]])
    """
    _check_matrix("linalg.cholesky", A, square=True)
    return Cholesky.apply(A, bool(upper), "linalg.cholesky")


def cholesky_ex(A, *, upper=False, check_errors=False):
    """The Cholesky factor and LAPACK's status, without raising (``torch.linalg.cholesky_ex``).

    Returns (L, info): L as ``linalg.cholesky``'s; info = 0 where the factorisation succeeded
    and elsewhere the order of the first leading minor that is not positive-definite (that L
    is 0 here; PyTorch leaves it undefined). A cheap test for positive-definiteness.

    Shape: A (*, n, n); L (*, n, n); info (*) int32.

    Examples:
        >>> import yingshe
        >>> yingshe.linalg.cholesky_ex(yingshe.tensor([[1., 2.], [2., 1.]])).info
        tensor(2, dtype=yingshe.int32)
    """
    _check_matrix("linalg.cholesky_ex", A, square=True)
    xp = get_array_module(A._data)
    try:
        factor = Cholesky.apply(A, bool(upper), "linalg.cholesky_ex")
        return _CholeskyExResult(factor, _constant(xp.zeros(A.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    source = A._data.swapaxes(-1, -2) if upper else A._data
    info = xp.asarray(_lapack_info(source, "potrf"))
    failed = _constant((info != 0)[..., None, None])
    factor = Cholesky.apply(where(failed, _eye_like(A), A), bool(upper), "linalg.cholesky_ex")
    return _CholeskyExResult(where(failed, 0.0, factor), _constant(info))


def cholesky(input, upper=False):
    """The Cholesky factor L (A = L L^T) or, with ``upper``, U (A = U^T U) (``torch.cholesky``,
    deprecated in PyTorch, which warns): ``linalg.cholesky``.

    Shape: input (*, n, n); output (*, n, n).

    Examples:
        >>> import warnings
        >>> import yingshe
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     yingshe.cholesky(yingshe.tensor([[4., 2.], [2., 3.]]), upper=True)
        tensor([[2.0000, 1.0000],
                [0.0000, 1.4142]])
    """
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
                  "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
                  "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
                  "transform will produce equivalent results for all valid (symmetric positive "
                  "definite) inputs.", UserWarning, stacklevel=2)
    _check_matrix("cholesky", input, square=True)
    return Cholesky.apply(input, bool(upper), "cholesky")


# ---- pseudo-inverse and rank -------------------------------------------------------------------
def _tolerances(A, atol, rtol, op):
    """PyTorch's (atol, rtol) as float64 arrays: atol defaults to 0; rtol to eps * max(m, n),
    or to 0 when a positive atol is given."""
    xp = get_array_module(A._data)

    def array(value, name):
        if isinstance(value, Tensor):
            if value._data.dtype.kind == "c":
                raise RuntimeError(f"{op}: {name} tensor of complex type is not supported")
            return value._data.astype(np.float64)
        return xp.asarray(float(value))

    atol_a = xp.asarray(0.0) if atol is None else array(atol, "atol")
    if rtol is not None:
        return atol_a, array(rtol, "rtol")
    default = xp.asarray(np.finfo(A._data.dtype).eps * max(A.shape[-2], A.shape[-1]))
    return atol_a, (xp.where(atol_a > 0, 0.0, default) if atol is not None else default)


def _kept_values(values, magnitude, atol, rtol):
    """The values whose magnitude is above max(atol, rtol * largest magnitude)."""
    xp = get_array_module(values)
    largest = magnitude.max(-1, keepdims=True) if magnitude.shape[-1] else magnitude
    return magnitude > xp.maximum(atol[..., None], rtol[..., None] * largest)


class Pinv(Op):
    """A^+ = V diag(1/s) U^T over the singular values above the tolerance (V diag(1/l) V^T with
    the eigenvalues when ``hermitian``);  dA by Golub & Pereyra (1973), as PyTorch's
    pinv_backward."""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp = get_array_module(a)
        with np.errstate(divide="ignore"):
            if hermitian:
                values, vectors = xp.linalg.eigh(a)
                kept = _kept_values(values, xp.abs(values), atol, rtol)
                inverse = xp.where(kept, 1 / values, 0).astype(a.dtype)
                out = xp.matmul(vectors * inverse[..., None, :], vectors.swapaxes(-1, -2))
            else:
                u, s, vh = xp.linalg.svd(a, full_matrices=False)
                kept = _kept_values(s, s, atol, rtol)
                inverse = xp.where(kept, 1 / s, 0).astype(a.dtype)
                out = xp.matmul(vh.swapaxes(-1, -2) * inverse[..., None, :], u.swapaxes(-1, -2))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, p = ctx.saved_tensors
        p_t, grad_t = _mT(p), _mT(grad)
        if a.shape[-2] <= a.shape[-1]:
            k = grad_t @ p
            k_p_t = k @ p_t
            grad_a = -_mT(p @ k) + k_p_t - (a @ p) @ k_p_t + (p_t @ p) @ (grad_t - k @ a)
        else:
            k = p @ grad_t
            p_t_k = p_t @ k
            grad_a = -_mT(k @ p) + ((grad_t - a @ k) @ p) @ p_t + p_t_k - (p_t_k @ p) @ a
        return grad_a, None, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse of each matrix (``torch.linalg.pinv``).

    A^+ = V diag(1 / s_i) U^T over the singular values s_i above max(atol, rtol * s_max), the
    others counting as zero (default rtol = eps * max(m, n)); A^+ b is the least-squares
    solution of least norm (Golub & Van Loan, Matrix Computations, §5.5). With ``hermitian``
    A is taken symmetric and decomposed by ``eigh``. Gradient: Golub & Pereyra (1973).

    Shape: A (*, m, n); output (*, n, m).

    Examples:
        >>> import yingshe
        >>> yingshe.linalg.pinv(yingshe.tensor([[1., 2.], [2., 4.], [0., 0.]]))
        tensor([[0.0400, 0.0800, 0.0000],
                [0.0800, 0.1600, 0.0000]])
    """
    _check_matrix("linalg.pinv", A, square=hermitian)
    atol_a, rtol_a = _tolerances(A, atol, rtol, "linalg.pinv")
    return Pinv.apply(A, atol_a, rtol_a, bool(hermitian))


def pinverse(input, rcond=1e-15):
    """The Moore-Penrose pseudo-inverse (``torch.pinverse``): ``linalg.pinv`` with rtol = rcond
    and atol = 0, i.e. singular values at or below rcond * s_max count as zero.

    Shape: input (*, m, n); output (*, n, m).

    Examples:
        >>> import yingshe
        >>> yingshe.pinverse(yingshe.tensor([[2., 0.], [0., 0.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    return pinv(input, atol=0.0, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """The numerical rank of each matrix (``torch.linalg.matrix_rank``).

    rank = #{i : s_i > max(atol, rtol * s_max)}, s the singular values (|eigenvalues| when
    ``hermitian``); rtol defaults to eps * max(m, n). Not differentiable.

    Shape: A (*, m, n); output (*) int64.

    Examples:
        >>> import yingshe
        >>> yingshe.linalg.matrix_rank(yingshe.tensor([[1., 2.], [2., 4.], [0., 0.]]))
        tensor(1)
    """
    _check_matrix("linalg.matrix_rank", A, square=hermitian)
    atol_a, rtol_a = _tolerances(A, atol, rtol, "linalg.matrix_rank")
    xp = get_array_module(A._data)
    if hermitian:
        magnitude = xp.abs(xp.linalg.eigvalsh(A._data))
    else:
        magnitude = xp.linalg.svd(A._data, compute_uv=False)
    return _constant(_kept_values(magnitude, magnitude, atol_a, rtol_a).sum(-1, dtype=np.int64))


# ---- products ----------------------------------------------------------------------------------
def matrix_power(A, n):
    """The integer power A^n of each square matrix (``torch.linalg.matrix_power``).

    A^n = A A ... A (n factors) by repeated squaring, O(log n) products; n < 0 inverts first,
    (A^{-1})^{|n|}; n = 0 gives the identity, with a zero gradient.

    Shape: A (*, n, n); output (*, n, n).

    Examples:
        >>> import yingshe
        >>> F = yingshe.tensor([[1., 1.], [1., 0.]])
        >>> yingshe.linalg.matrix_power(F, 10)
        tensor([[89., 55.],
                [55., 34.]])
    """
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.matrix_power: expected A to be a Tensor, got {type(A).__name__}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {A.shape[-2]} by {A.shape[-1]} matrices")
    n = int(n)
    if n == 0:
        xp = get_array_module(A._data)
        identity = _constant(xp.broadcast_to(xp.eye(A.shape[-1], dtype=A._data.dtype), A.shape))
        return where(_constant(xp.ones(A.shape, bool)), identity, A)
    if n < 0:
        A, n = inv(A), -n
    if n == 1:
        return A.clone()
    if n == 2:
        return A @ A
    if n == 3:
        return (A @ A) @ A
    square = result = None
    while n > 0:  # square-and-multiply over the bits of n, lowest first (as PyTorch)
        n, bit = divmod(n, 2)
        square = A if square is None else square @ square
        if bit:
            result = square if result is None else result @ square
    return result


def _chain_order(dims):
    """The optimal parenthesisation of a matrix chain with sizes dims[i] x dims[i+1]: split[i][j]
    is where to split the product of matrices i..j (Cormen et al., Introduction to Algorithms,
    §15.2)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def multi_dot(tensors):
    """The product A_1 A_2 ... A_k of a chain of matrices (``torch.linalg.multi_dot``).

    The parenthesisation is the one that costs the fewest scalar multiplications, found by
    dynamic programming (Cormen et al., Introduction to Algorithms, §15.2); the first tensor
    may be a row vector (1-D), the last a column vector, which are dropped from the result.

    Shape: tensors (n_0, n_1), (n_1, n_2), ..., (n_{k-1}, n_k), the first possibly (n_1) and
    the last (n_{k-1}); output (n_0, n_k), without the dimensions of a 1-D first or last.

    Examples:
        >>> import yingshe
        >>> A, B, C = yingshe.ones(10, 100), yingshe.ones(100, 5), yingshe.ones(5, 50)
        >>> yingshe.linalg.multi_dot([A, B, C]).shape
        yingshe.Size([10, 50])
        >>> yingshe.linalg.multi_dot([yingshe.tensor([1., 2.]), yingshe.eye(2),
        ...                           yingshe.tensor([3., 4.])])
        tensor(11.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"multi_dot(): tensor {i} must be a Tensor, got {type(t).__name__}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:], 1):
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {_torch_name(first._data)} and tensor {i} is "
                               f"{_torch_name(t._data)}")
    matrices = list(tensors)
    if first.ndim == 1:
        matrices[0] = unsqueeze(first, 0)
    if last.ndim == 1:
        matrices[-1] = unsqueeze(last, -1)
    for i in range(1, len(matrices)):
        if matrices[i - 1].shape[-1] != matrices[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(tensors[i - 1].shape)} and {list(tensors[i].shape)} "
                               f"cannot be multiplied")
    if len(matrices) == 3:  # the two orders compared directly, as PyTorch and NumPy do
        a, b = matrices[0].shape
        c, d = matrices[2].shape
        if a * c * (b + d) > b * d * (a + c):
            out = matrices[0] @ (matrices[1] @ matrices[2])
        else:
            out = (matrices[0] @ matrices[1]) @ matrices[2]
    elif len(matrices) == 2:
        out = matrices[0] @ matrices[1]
    else:
        split = _chain_order([matrices[0].shape[0]] + [m.shape[1] for m in matrices])

        def product(i, j):
            if i == j:
                return matrices[i]
            return product(i, split[i][j]) @ product(split[i][j] + 1, j)

        out = product(0, len(matrices) - 1)
    shape = tuple(out.shape)
    if first.ndim == 1:
        shape = shape[1:]
    if last.ndim == 1:
        shape = shape[:-1]
    return out.reshape(shape) if shape != tuple(out.shape) else out


def _check_pair(op, x, y, names):
    for name, t in zip(names, (x, y)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")


def vecdot(x, y, *, dim=-1):
    """The dot product of vectors along ``dim`` (``torch.linalg.vecdot``).

    out = sum_i x_i y_i along ``dim``; ``x`` and ``y`` broadcast against each other.

    Shape: x (*) and y (*) broadcastable; output the broadcast shape without ``dim``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([[1., 2.], [3., 4.]])
        >>> yingshe.linalg.vecdot(x, yingshe.tensor([1., 1.]))
        tensor([3., 7.])
    """
    _check_pair("linalg.vecdot", x, y, ("x", "y"))
    _check_same_dtype("linalg.vecdot", x, y, names=("x", "y"))
    return reduce.sum(x * y, dim)


def linalg_cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (``torch.linalg.cross``).

    c = (a_2 b_3 - a_3 b_2, a_3 b_1 - a_1 b_3, a_1 b_2 - a_2 b_1), written with two cyclic
    shifts of each operand so its gradient is dA = B x dC, dB = dC x A.

    Shape: input (*, 3, *) and other of the same number of dimensions, broadcastable, size 3
    at ``dim``; output their broadcast shape.

    Examples:
        >>> import yingshe
        >>> x, y = yingshe.tensor([1., 0., 0.]), yingshe.tensor([0., 1., 0.])
        >>> yingshe.linalg.cross(x, y)
        tensor([0., 0., 1.])
    """
    _check_pair("linalg.cross", input, other, ("input", "other"))
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"linalg.cross: expected both inputs to have the same dtype, but got "
                           f"{_torch_name(input._data)} and {_torch_name(other._data)}")
    axis = reduce._axis(dim, input.ndim, "linalg.cross")
    if input.shape[axis] != 3 or other.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[axis]} and {other.shape[axis]}")
    broadcast_shapes(input.shape, other.shape, op="linalg.cross")
    return roll(input, -1, axis) * roll(other, -2, axis) - \
        roll(input, -2, axis) * roll(other, -1, axis)


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (``torch.cross``): ``linalg.cross``.

    c = a x b = (a_2 b_3 - a_3 b_2, a_3 b_1 - a_1 b_3, a_1 b_2 - a_2 b_1); without ``dim``
    (deprecated, PyTorch warns) along the first dimension of size 3.

    Shape: input (*) and other (*), broadcastable, size 3 at ``dim``; output their broadcast
    shape.

    Examples:
        >>> import yingshe
        >>> x, y = yingshe.tensor([1., 0., 0.]), yingshe.tensor([0., 1., 0.])
        >>> yingshe.cross(y, x, dim=0)
        tensor([ 0.,  0., -1.])
    """
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        _check_pair("cross", input, other, ("input", "other"))
        shape = broadcast_shapes(input.shape, other.shape, op="cross")
        sizes = [i for i, size in enumerate(shape) if size == 3]
        if not sizes:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shapes "
                               f"{tuple(input.shape)} and {tuple(other.shape)})")
        dim = sizes[0]
    return linalg_cross(input, other, dim=dim)


# ---- norms -------------------------------------------------------------------------------------
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm of ``x`` over ``dim`` (``torch.linalg.vector_norm``).

    ||x||_p = (sum_i |x_i|^p)^(1/p) over ``dim`` (all dimensions when None); p may be any real
    number, inf (max |x_i|), -inf (min |x_i|) or 0 (the count of nonzeros).

    Shape: x (*); output (*) without the reduced dimensions (kept as 1 with ``keepdim``);
    a 0-d tensor with dim=None.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([3., -4.])
        >>> yingshe.linalg.vector_norm(x), yingshe.linalg.vector_norm(x, ord=1)
        (tensor(5.), tensor(7.))
        >>> yingshe.linalg.vector_norm(yingshe.tensor([[3., 4.], [6., 8.]]), dim=1)
        tensor([ 5., 10.])
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm: expected x to be a Tensor, got {type(x).__name__}")
    if not isinstance(ord, numbers.Real) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    if dtype is not None:
        x = to_copy(x, dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_torch_name(x._data)}")
    axes = reduce._axes(dim, x.ndim, "linalg.vector_norm")
    p = float(ord)
    if (p < 0 or p == math.inf) and reduce._count(x.shape, axes) == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor "
                           f"because the operation does not have an identity")
    result = reduce.Norm.apply(x, p, axes, keepdim)
    if p == 0 and x.requires_grad:  # a count: PyTorch gives x a zero gradient, not none
        chosen = _constant(get_array_module(x._data).ones(result.shape, bool))
        return where(chosen, result, reduce.sum(x, axes, keepdim))
    return result


def _matrix_dims(A, dim, op):
    """The two distinct (wrapped) dimensions that hold the matrices."""
    if not isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be a tuple of two ints, got {type(dim).__name__} "
                        f"({dim!r})")
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    first, second = (reduce._axis(d, A.ndim, op) for d in dim)
    if first == second:
        raise RuntimeError(f"{op}: dims must be different. Got ({first}, {second})")
    return first, second


def _matrices_last(A, dims):
    """A permuted so that ``dims`` are its last two dimensions, and the inverse permutation."""
    order = [d for d in range(A.ndim) if d not in dims] + list(dims)
    inverse = [order.index(d) for d in range(A.ndim)]
    return permute(A, *order), inverse


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix ``ord``-norm over the two dimensions ``dim`` (``torch.linalg.matrix_norm``).

    'fro': sqrt(sum_ij a_ij^2) (the default); 'nuc': sum_i s_i, the singular values; 2 / -2:
    the largest / smallest singular value; 1 / -1: max / min_j sum_i |a_ij| (column sums);
    inf / -inf: max / min_i sum_j |a_ij| (row sums).

    Shape: A (*, m, n) with the matrices at ``dim``; output (*) (the two dimensions kept as
    1 with ``keepdim``).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[1., -2.], [3., 4.]])
        >>> yingshe.linalg.matrix_norm(A), yingshe.linalg.matrix_norm(A, ord=1)
        (tensor(5.4772), tensor(6.))
        >>> yingshe.linalg.matrix_norm(yingshe.ones(5, 2, 3)).shape
        yingshe.Size([5])
    """
    op = "linalg.matrix_norm"
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{op}: Order {ord} not supported.")
        spectral = ord == "nuc"
    else:
        if abs(ord) not in (1, 2, math.inf):
            raise RuntimeError(f"{op}: Order {ord} not supported.")
        spectral = abs(ord) == 2
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected A to be a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    _check_floating(op, A, low_precision=not spectral)
    dims = _matrix_dims(A, dim, op)
    if ord == "fro":
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    if dtype is not None:
        A = to_copy(A, dtype)
    if spectral:
        matrices, inverse = _matrices_last(A, dims)
        values = svdvals(matrices)
        if ord == "nuc":
            result = reduce.sum(values, -1, keepdim)
        else:
            result = (reduce.amax if ord > 0 else reduce.amin)(values, -1, keepdim)
        return permute(unsqueeze(result, -1), *inverse) if keepdim else result
    first, second = dims
    if abs(ord) == math.inf:  # the inf norm is the 1 norm of the transpose
        first, second = second, first
    if not keepdim and first < second:
        second -= 1
    sums = reduce.sum(A.abs(), first, keepdim)
    return (reduce.amax if ord > 0 else reduce.amin)(sums, second, keepdim)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector or a matrix norm (``torch.linalg.norm``).

    ``vector_norm`` when ``dim`` is an int or 1-tuple (or A is 1-D), ``matrix_norm`` when
    ``dim`` is a 2-tuple (or A is 2-D and ``ord`` is given); with neither ord nor dim, the
    2-norm of A flattened, sqrt(sum a^2).

    Shape: A (*); output (*) without the reduced dimensions (kept as 1 with ``keepdim``).

    Examples:
        >>> import yingshe
        >>> A = yingshe.tensor([[1., -2.], [3., 4.]])
        >>> yingshe.linalg.norm(A), yingshe.linalg.norm(A, ord=1)
        (tensor(5.4772), tensor(6.))
        >>> yingshe.linalg.norm(A, dim=1)
        tensor([2.2361, 5.0000])
    """
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.norm: expected A to be a Tensor, got {type(A).__name__}")
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dim)}")
    elif (ord is not None) and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if isinstance(ord, str):
        return matrix_norm(A, ord, tuple(dim) if dim is not None else (0, 1), keepdim,
                           dtype=dtype)
    if ord is not None and ((dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2)):
        return matrix_norm(A, ord, tuple(dim) if dim is not None else (0, 1), keepdim,
                           dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


TENSOR_METHODS = {"det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inverse,
                  "pinverse": pinverse, "matrix_power": matrix_power, "svd": svd, "qr": qr,
                  "cholesky": cholesky, "cross": cross}
