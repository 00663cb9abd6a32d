"""``torch.nn.utils.parametrizations``: weight normalisation, spectral normalisation and
orthogonal weights, each a parametrization registered with ``parametrize`` (state_dict keys,
buffers and values as PyTorch's)."""
import math
from enum import Enum, auto

import numpy as np

from ..._backend import get_array_module
from ..._tensor import Tensor
from ...autograd.function import Op
from ...autograd.grad_mode import no_grad
from ...ops.creation import eye, randn, zeros
from ...ops.reduce import norm
from ...ops.shape import cat, tril
from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ---- weight normalisation --------------------------------------------------------------------
def _norm_except_dim(v, dim):
    """||v||_2 over every dim but ``dim`` (kept as size 1), or over all of v for dim=-1
    (PyTorch's ``norm_except_dim``)."""
    if dim == -1:
        return norm(v, 2)
    dim %= v.ndim
    return norm(v, 2, dim=[d for d in range(v.ndim) if d != dim], keepdim=True)


class _WeightNorm(Module):
    """w = g v / ||v|| (Salimans & Kingma, "Weight normalization", NeurIPS 2016, eq. 2), the
    norm over every dim but ``dim`` (all dims for dim=None)."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Weight normalisation (Salimans & Kingma, "Weight normalization", NeurIPS 2016,
    eq. 2): reparametrize ``module.<name>`` as w = g v / ||v||, decoupling each slice's length g
    from its direction v.  ``parametrizations.<name>.original0`` is the magnitude g,
    ``original1`` the direction v; the norm is taken per slice along ``dim`` (default 0: per
    output row of a Linear) or over the whole tensor for ``dim=None``.  Returns the module.

    Shape: g (out, 1, ..., 1) for ``dim=0`` (a 1 in every other dim); v like the weight.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.parametrizations import weight_norm
        >>> layer = yingshe.nn.Linear(2, 2)
        >>> with yingshe.no_grad():
        ...     _ = layer.weight.copy_(yingshe.tensor([[3.0, 4.0], [0.0, 2.0]]))
        >>> layer = weight_norm(layer)
        >>> layer.parametrizations.weight.original0  # g, the row norms
        Parameter containing:
        tensor([[5.],
                [2.]], requires_grad=True)
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


# ---- spectral normalisation ------------------------------------------------------------------
def _normalized(x, eps):
    """x / max(||x||_2, eps) of a raw 1-D array."""
    xp = get_array_module(x)
    return x / max(float(xp.linalg.norm(x)), eps)


def _weight_as_matrix(weight, dim):
    """``weight`` as the matrix whose largest singular value spectral normalisation divides by:
    dimension ``dim`` as the rows, the others flattened into the columns."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


class _SpectralNorm(Module):
    """W / sigma(W), sigma the largest singular value of W as a matrix (dim ``dim`` first, the
    rest flattened), estimated by power iteration on the buffers ``_u`` and ``_v`` (Miyato,
    Kataoka, Koyama & Yoshida, "Spectral normalization for generative adversarial networks",
    ICLR 2018, Algorithm 1): u = W v / ||W v||, v = W^T u / ||W^T u||, sigma = u^T W v.
    ``n_power_iterations`` steps run at every access in training mode, none in eval mode."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = _weight_as_matrix(weight.detach(), self.dim)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", Tensor._make(_normalized(u._data, eps)))
            self.register_buffer("_v", Tensor._make(_normalized(v._data, eps)))
            self._power_method(weight_mat, 15)


    def _power_method(self, weight_mat, n_power_iterations):
        """Update ``_u`` and ``_v`` in place (their version counters move, so a graph that saved
        them notices), outside the graph."""
        w = weight_mat._data
        for _ in range(n_power_iterations):
            self._u._data[...] = _normalized(w @ self._v._data, self.eps)
            self._v._data[...] = _normalized(w.T @ self._u._data, self.eps)
        self._u._bump_version()
        self._v._bump_version()

    def forward(self, weight):
        if weight.ndim == 1:
            return weight / norm(weight, 2, dim=0, keepdim=True).clamp(min=self.eps)
        weight_mat = _weight_as_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()  # later iterations must not change this graph
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Spectral normalisation (Miyato, Kataoka, Koyama & Yoshida, ICLR 2018):
    reparametrize ``module.<name>`` as W / sigma(W), sigma its largest singular value, so the
    layer is 1-Lipschitz (GAN discriminators).  sigma is estimated by power iteration on the
    buffers ``parametrizations.<name>.0._u`` and ``._v``: 15 steps at registration, then
    ``n_power_iterations`` at every access in training mode, none in eval mode.  W is read as a
    matrix with dim ``dim`` as rows (default 1 for transposed convolutions, else 0).  Returns the
    module.

    Shape: the weight keeps its shape (*); _u (rows), _v (the other dims' product).

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.parametrizations import spectral_norm
        >>> layer = yingshe.nn.Linear(2, 2, bias=False)
        >>> with yingshe.no_grad():
        ...     _ = layer.weight.copy_(yingshe.tensor([[3.0, 0.0], [0.0, 1.0]]))
        >>> spectral_norm(layer).weight.detach()  # divided by sigma = 3
        tensor([[1.0000, 0.0000],
                [0.0000, 0.3333]])
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        transposed = any(c.__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
                         for c in type(module).__mro__)
        dim = 1 if transposed else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# ---- orthogonal ------------------------------------------------------------------------------
class _MatrixExp(Op):
    """exp(A) = sum_k A^k / k! of square matrices (batched): scaling and squaring,
    exp(A) = exp(A / 2^s)^(2^s), with a degree-18 Taylor polynomial once ||A / 2^s||_1 <= 1/2
    (Moler & Van Loan, "Nineteen dubious ways to compute the exponential of a matrix, twenty-five
    years later", SIAM Review 2003, §3; PyTorch uses Taylor polynomials too: Bader, Blanes &
    Casas 2019).  Backward: dA = the upper-right block of exp([[A^T, dY], [0, A^T]]) (Mathias,
    "A chain rule for matrix functions and applications", SIAM J. Matrix Anal. Appl. 1996)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        xp = get_array_module(a)
        n = a.shape[-1]
        norm1 = float(xp.abs(a).sum(axis=-2).max()) if a.size else 0.0
        s = max(0, math.ceil(math.log2(norm1 / 0.5))) if norm1 > 0.5 else 0
        x = a / a.dtype.type(2.0 ** s)
        identity = xp.eye(n, dtype=a.dtype)
        e = identity + x / a.dtype.type(18)
        for k in range(17, 0, -1):  # Horner: I + X/k (I + X/(k+1) (...))
            e = identity + (x @ e) / a.dtype.type(k)
        for _ in range(s):
            e = e @ e
        return e

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        a_t = a.mT
        zero = zeros(*a.shape, dtype=a.dtype, device=a.device)
        block = cat([cat([a_t, grad], -1), cat([zero, a_t], -1)], -2)
        return _MatrixExp.apply(block)[..., :n, n:]


def _householder_product(A, tau):
    """The first k columns of H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^T, v_i the i-th column
    of A below the diagonal with a 1 on it (LAPACK's orgqr, ``torch.linalg.householder_product``;
    Golub & Van Loan, Matrix Computations, 4th ed., §5.1.6), in Tensor ops."""
    n, k = A.shape[-2], A.shape[-1]
    V = tril(A, -1) + eye(n, k, dtype=A.dtype)
    Q = eye(n, dtype=A.dtype)
    for i in range(k):
        v = V[..., :, i:i + 1]
        Q = Q - (Q @ v) @ (v.mT * tau[..., i:i + 1].unsqueeze(-1))
    return Q[..., :, :k]


def _diagonal_array(x):
    """The main diagonals of a raw matrix batch (a copy)."""
    i = get_array_module(x).arange(min(x.shape[-2:]))
    return x[..., i, i]


def _set_diagonal(x, values):
    i = get_array_module(x).arange(min(x.shape[-2:]))
    x[..., i, i] = values


def _make_orthogonal(A):
    """The Q of A = QR with diag(R) >= 0, of a raw tall matrix (batch)."""
    xp = get_array_module(A)
    q, r = xp.linalg.qr(A)
    return q * xp.sign(_diagonal_array(r))[..., None, :]


def _geqrf(A):
    """LAPACK's geqrf of a raw matrix batch: the Householder vectors below the diagonal and R
    on and above it, and the scalars tau (``torch.geqrf``)."""
    xp = get_array_module(A)
    flat = A.reshape((-1,) + A.shape[-2:])
    packed, taus = [], []
    for matrix in flat:
        h, tau = xp.linalg.qr(matrix, mode="raw")
        packed.append(h.T)
        taus.append(tau)
    return (xp.stack(packed).reshape(A.shape),
            xp.stack(taus).reshape(A.shape[:-2] + (min(A.shape[-2:]),)))


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    """Q orthogonal (orthonormal columns, or rows for a wide matrix) as a function of an
    unconstrained matrix X: exp(A) or the Cayley map (I - A/2)^{-1} (I + A/2) of the skew-symmetric
    A = tril(X) - tril(X)^T, or a product of Householder reflections.  With
    ``use_trivialization`` Q = base Q(X), where the buffer ``base`` holds the orthogonal matrix
    the tensor was last set to and X restarts at the point that maps to the identity
    (Lezcano-Casado & Martinez-Rubio, "Cheap orthogonal constraints in neural networks", ICML
    2019; Lezcano-Casado, NeurIPS 2019)."""

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = tril(X)
            if n != k:
                X = cat([X, zeros(*(tuple(X.shape[:-2]) + (n, n - k)), dtype=X.dtype)], -1)
            A = X - X.mT
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = _MatrixExp.apply(A)
            else:
                from ...ops.linalg import solve
                Id = eye(n, dtype=A.dtype)
                Q = solve(Id - A * 0.5, Id + A * 0.5)
            if n != k:
                Q = Q[..., :k]
        else:
            A = tril(X, -1)
            tau = 2.0 / (1.0 + (A * A).sum(-2))
            Q = _householder_product(A, tau)
            signs = np.trunc(_diagonal_array(X._data))  # PyTorch's .int(): no gradient
            Q = Q * Tensor._make(signs.astype(Q._data.dtype)).unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                                 f"Got a tensor of shape {Q.shape}.")
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            q = Q._data
            xp = get_array_module(q)
            if "base" not in self._buffers:
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        "parametrizations when use_trivialization=False.")
                A, tau = _geqrf(q)
                diag = xp.sign(_diagonal_array(A))
                diag[tau == 0] *= -1
                _set_diagonal(A, diag)
                A = Tensor._make(A)
                return A.mT if transpose else A
            if n == k:
                eye_k = xp.eye(k, dtype=q.dtype)
                atol = 10.0 * n * float(xp.finfo(q.dtype).eps)
                orthogonal = bool(xp.all(xp.abs(xp.swapaxes(q, -1, -2) @ q - eye_k)
                                         <= atol + 1e-5 * xp.abs(eye_k)))
                q = q.copy() if orthogonal else _make_orthogonal(q)
            else:
                completion = randn(*(tuple(q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)._data
                q = _make_orthogonal(xp.concatenate([q, completion], axis=-1))
            self.base = Tensor._make(q)
            neg_id = xp.zeros(Q_init.shape, dtype=q.dtype)
            _set_diagonal(neg_id, -1)
            return Tensor._make(neg_id)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain the matrix (or batch of matrices) ``module.<name>`` to be orthogonal:
    orthonormal rows or columns, whichever are fewer, so the layer preserves norms (Lezcano-Casado
    & Martinez-Rubio, ICML 2019).  Q is computed from an unconstrained matrix through
    ``orthogonal_map`` "matrix_exp" (exp of a skew-symmetric matrix), "cayley" ((I - A/2)^-1
    (I + A/2)) or "householder" (a product of reflections); default "matrix_exp" for square
    matrices, else "householder".  See ``_Orthogonal``.  Returns the module.

    Shape: the weight (*, n, k) keeps its shape; Q^T Q = I_k for n >= k, Q Q^T = I_n otherwise.

    Examples:
        >>> import yingshe
        >>> from yingshe.nn.utils.parametrizations import orthogonal
        >>> w = orthogonal(yingshe.nn.Linear(5, 3)).weight  # (3, 5)
        >>> yingshe.allclose(w @ w.T, yingshe.eye(3), atol=1e-5)
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
