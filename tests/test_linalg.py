"""yingshe.linalg against torch.linalg: values, gradients (for random upstream gradients), float64
gradcheck and gradgradcheck, on single and batched matrices; error types and messages.

Singular and eigenvectors are defined up to sign, so their tests compare functions that do not
depend on the signs (as PyTorch documents for their gradients): U * U, V * V, U diag(c) V^T."""
import math
import warnings

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_op, check_raises

L = yingshe.linalg
rng = np.random.default_rng(0)


def _matrix(*shape, shift=3.0):
    """Random square matrices, well conditioned (the diagonal shifted by ``shift``)."""
    return rng.standard_normal(shape) + shift * np.eye(shape[-1])


def _spd(*shape):
    """Random symmetric positive-definite matrices."""
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _symmetrised(f):
    """f(A + A^T): finite differences see every entry of a function that reads one triangle."""
    return lambda a, *rest: f(a + a.mT, *rest)


def _torch_error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


BATCHES = [(), (2,), (2, 1)]


# ---- inverse, solve, determinant ---------------------------------------------------------------
@pytest.mark.parametrize("batch", BATCHES)
def test_inv(batch):
    check_op(L.inv, torch.linalg.inv, [_matrix(*batch, 3, 3)])
    check_op(yingshe.inverse, torch.inverse, [_matrix(*batch, 3, 3)], dtypes=("float64",))


def test_inv_of_a_singular_matrix_raises_torchs_linalg_error():
    singular = np.array([[1.0, 2, 3], [2, 4, 6], [1, 1, 1]])
    for a in (singular, np.stack([np.eye(3), singular]), np.zeros((2, 3, 3))):
        expected = _torch_error(lambda: torch.linalg.inv(torch.from_numpy(a)))
        message = check_raises(lambda: L.inv(yingshe.from_numpy(a)), L.LinAlgError)
        assert message == str(expected)
    assert issubclass(L.LinAlgError, RuntimeError)
    check_raises(lambda: L.matrix_power(yingshe.from_numpy(singular), -1), L.LinAlgError,
                 "linalg.inv", "diagonal element 3")


def test_non_finite_matrices_follow_torch():
    """NaN entries give NaN inverses and solutions (no error), and a failed Cholesky pivot."""
    a = np.stack([np.array([[np.nan, 1.0], [1.0, 1.0]]), 2 * np.eye(2)])
    check_op(L.inv, torch.linalg.inv, [a], grad=False)
    check_op(L.solve, torch.linalg.solve, [a, np.ones((2, 2))], grad=False)
    b = np.stack([np.eye(2), np.array([[1.0, 1.0], [1.0, np.nan]])])
    expected = _torch_error(lambda: torch.linalg.cholesky(torch.from_numpy(b)))
    message = check_raises(lambda: L.cholesky(yingshe.from_numpy(b)), L.LinAlgError)
    assert message == str(expected)


def test_inv_ex_reports_info_per_matrix():
    singular = np.array([[1.0, 2, 3], [2, 4, 6], [1, 1, 1]])
    a = np.stack([_matrix(3, 3), singular, _matrix(3, 3)])
    inverse, info = L.inv_ex(yingshe.from_numpy(a))
    expected = torch.linalg.inv_ex(torch.from_numpy(a))
    np.testing.assert_array_equal(info.numpy(), expected.info.numpy())
    assert info.dtype == yingshe.int32
    np.testing.assert_allclose(inverse.numpy()[[0, 2]], expected.inverse.numpy()[[0, 2]],
                               rtol=1e-10)
    assert np.isnan(inverse.numpy()[1]).all()
    check_raises(lambda: L.inv_ex(yingshe.from_numpy(a), check_errors=True), L.LinAlgError,
                 "(Batch element 1)")


def test_inverse_errors():
    check_raises(lambda: L.inv(yingshe.zeros(2, 3)), RuntimeError,
                 "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices")
    check_raises(lambda: L.inv(yingshe.zeros(3)), RuntimeError,
                 "linalg.inv: The input tensor A must have at least 2 dimensions.")
    check_raises(lambda: L.inv(yingshe.zeros(3, 3, dtype=yingshe.int64)), RuntimeError,
                 "Expected a floating point or complex tensor as input. Got Long")
    check_raises(lambda: L.inv(yingshe.eye(3, dtype=yingshe.float16)), RuntimeError,
                 "Low precision dtypes not supported. Got Half")


@pytest.mark.parametrize("a_shape,b_shape", [
    ((3, 3), (3,)),             # a vector
    ((2, 3, 3), (2, 3)),        # a batch of vectors (B.shape == A.shape[:-1])
    ((3, 3), (3, 2)),           # a matrix
    ((2, 3, 3), (3, 2)),        # B broadcast over A's batch
    ((3, 3), (2, 3, 2)),        # A broadcast over B's batch
    ((2, 1, 3, 3), (4, 3, 1)),  # both broadcast
])
def test_solve(a_shape, b_shape):
    check_op(L.solve, torch.linalg.solve, [_matrix(*a_shape), rng.standard_normal(b_shape)])


def test_solve_on_the_right():
    check_op(lambda a, b: L.solve(a, b, left=False),
             lambda a, b: torch.linalg.solve(a, b, left=False),
             [_matrix(2, 3, 3), rng.standard_normal((2, 4, 3))])


def test_solve_errors_match_torch():
    singular = np.stack([np.eye(3), np.ones((3, 3))])
    b = np.ones(3)
    expected = _torch_error(lambda: torch.linalg.solve(torch.from_numpy(singular),
                                                       torch.from_numpy(b)))
    message = check_raises(lambda: L.solve(yingshe.from_numpy(singular), yingshe.from_numpy(b)),
                           L.LinAlgError)
    assert message == str(expected)
    for a, b, left in [((3, 3), (4,), True), ((3, 3), (4, 3), True), ((3, 3), (3, 4), False),
                       ((3, 3), (3,), False)]:
        expected = _torch_error(lambda: torch.linalg.solve(torch.zeros(a), torch.zeros(b),
                                                           left=left))
        check_raises(lambda: L.solve(yingshe.zeros(*a), yingshe.zeros(*b), left=left),
                     RuntimeError, str(expected))
    check_raises(lambda: L.solve(yingshe.eye(3), yingshe.ones(3, dtype=yingshe.float64)),
                 RuntimeError, "linalg.solve: Expected A and B to have the same dtype, but found "
                 "A of type Float and B of type Double instead")


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular(upper, left, unitriangular):
    a = _matrix(2, 1, 3, 3)
    b = rng.standard_normal((4, 3, 2) if left else (4, 2, 3))
    check_op(lambda x, y: L.solve_triangular(x, y, upper=upper, left=left,
                                             unitriangular=unitriangular),
             lambda x, y: torch.linalg.solve_triangular(x, y, upper=upper, left=left,
                                                        unitriangular=unitriangular), [a, b])


def test_solve_triangular_with_a_zero_pivot_gives_inf_like_torch():
    a = np.array([[1.0, 0.0], [2.0, 0.0]])
    b = np.array([[1.0], [1.0]])
    with np.errstate(all="ignore"):
        ours = L.solve_triangular(yingshe.from_numpy(a), yingshe.from_numpy(b), upper=False)
    theirs = torch.linalg.solve_triangular(torch.from_numpy(a), torch.from_numpy(b), upper=False)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("batch", BATCHES)
def test_det(batch):
    check_op(L.det, torch.linalg.det, [_matrix(*batch, 3, 3, shift=1.0)])
    check_op(yingshe.det, torch.det, [_matrix(*batch, 2, 2)], dtypes=("float64",))


def test_det_gradient_of_a_singular_matrix_is_its_cofactor_matrix():
    """Jacobi's formula d det(A) = tr(adj(A) dA) holds for singular A too; PyTorch computes the
    adjugate from the SVD when it builds the gradient's graph (create_graph=True)."""
    a = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])  # rank 2
    cofactor = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                          for j in range(3)] for i in range(3)])
    x = yingshe.from_numpy(a.copy()).requires_grad_()
    L.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), cofactor, atol=1e-12)
    t = torch.from_numpy(a.copy()).requires_grad_()
    grad, = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), grad.detach().numpy(), atol=1e-12)
    check_op(L.det, torch.linalg.det, [np.stack([a, _matrix(3, 3)])], dtypes=("float64",),
             check_gradcheck=False, check_gradgrad=False, grad=False)


def test_slogdet_and_logdet():
    signed = _matrix(2, 3, 3, shift=0.5)
    signed[0] *= -1  # a negative determinant in the batch
    check_op(lambda a: tuple(L.slogdet(a)), lambda a: tuple(torch.linalg.slogdet(a)), [signed])
    check_op(lambda a: tuple(yingshe.slogdet(a)), lambda a: tuple(torch.slogdet(a)),
             [_spd(3, 3)], dtypes=("float64",))
    check_op(yingshe.logdet, torch.logdet, [_spd(2, 3, 3)])
    minus = -np.eye(3)
    check_op(yingshe.logdet, torch.logdet, [minus], grad=False)
    sign, logabsdet = L.slogdet(yingshe.zeros(3, 3))
    assert sign.item() == 0 and logabsdet.item() == -math.inf
    assert L.slogdet(yingshe.eye(2)).sign.item() == 1.0


# ---- SVD ---------------------------------------------------------------------------------------
SVD_SHAPES = [(3, 3), (4, 3), (3, 4), (2, 4, 2), (2, 2, 5)]


def _svd_invariants(svd):
    """Sign-free functions of an SVD: U * U, S, V^T * V^T and U diag(c) V^T."""
    def fn(a):
        u, s, vh = svd(a)
        k = s.shape[-1]
        u, vh = u[..., :k], vh[..., :k, :]
        weights = u.new_tensor([1.0 + i for i in range(k)])
        return u * u, s, vh * vh, (u * weights) @ vh
    return fn


@pytest.mark.parametrize("shape", SVD_SHAPES)
def test_svd_reduced(shape):
    check_op(_svd_invariants(lambda a: L.svd(a, full_matrices=False)),
             _svd_invariants(lambda a: torch.linalg.svd(a, full_matrices=False)),
             [rng.standard_normal(shape)])


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd_full_matrices(shape):
    """The extra columns of U (rows of V^T) are any orthonormal completion: check that they are
    one, and compare the rest (whose gradient PyTorch narrows to the first k)."""
    a = rng.standard_normal(shape)
    u, _, vh = L.svd(yingshe.from_numpy(a))
    m, n = shape[-2:]
    assert tuple(u.shape) == shape[:-2] + (m, m) and tuple(vh.shape) == shape[:-2] + (n, n)
    np.testing.assert_allclose(u.numpy() @ np.swapaxes(u.numpy(), -1, -2),
                               np.broadcast_to(np.eye(m), u.shape), atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(vh.numpy(), -1, -2) @ vh.numpy(),
                               np.broadcast_to(np.eye(n), vh.shape), atol=1e-12)
    check_op(_svd_invariants(L.svd), _svd_invariants(torch.linalg.svd), [a])


@pytest.mark.parametrize("shape", SVD_SHAPES)
def test_svdvals(shape):
    check_op(L.svdvals, torch.linalg.svdvals, [rng.standard_normal(shape)])


def test_torch_svd_returns_v():
    a = rng.standard_normal((4, 3))
    u, s, v = yingshe.svd(yingshe.from_numpy(a))
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ v.numpy().T, a, atol=1e-12)
    assert tuple(yingshe.svd(yingshe.from_numpy(a), some=False).U.shape) == (4, 4)
    no_uv = yingshe.svd(yingshe.from_numpy(rng.standard_normal((2, 4, 3))), compute_uv=False)
    expected = torch.svd(torch.zeros(2, 4, 3), compute_uv=False)
    assert no_uv.U.shape == tuple(expected.U.shape) and not no_uv.U.numpy().any()
    assert no_uv.V.shape == tuple(expected.V.shape)
    check_op(lambda a: yingshe.svd(a).S, lambda a: torch.svd(a).S, [a])


def test_svd_driver_is_cuda_only():
    check_raises(lambda: L.svd(yingshe.eye(2), driver="gesvd"), RuntimeError,
                 "only supported on CUDA inputs")


# ---- symmetric eigendecomposition --------------------------------------------------------------
def _eigh_invariants(eigh):
    """Sign-free functions of an eigendecomposition: the eigenvalues and V * V."""
    def fn(a, *rest):
        values, vectors = eigh(a, *rest)
        return values, vectors * vectors
    return fn


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("batch", BATCHES)
def test_eigh(uplo, batch):
    a = rng.standard_normal(batch + (4, 4))
    # the raw matrix: one triangle is read, and the gradient is PyTorch's symmetric one
    check_op(_eigh_invariants(L.eigh), _eigh_invariants(torch.linalg.eigh), [a, uplo],
             check_gradcheck=False, check_gradgrad=False)
    check_op(_symmetrised(_eigh_invariants(L.eigh)),
             _symmetrised(_eigh_invariants(torch.linalg.eigh)), [a, uplo])


def test_eigh_values_ascending_and_vectors_orthonormal():
    a = _spd(5, 5)
    w, v = L.eigh(yingshe.from_numpy(a))
    assert (np.diff(w.numpy()) > 0).all()
    np.testing.assert_allclose((v.numpy() * w.numpy()) @ v.numpy().T, a, atol=1e-10)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigvalsh(uplo):
    a = rng.standard_normal((2, 4, 4))
    check_op(L.eigvalsh, torch.linalg.eigvalsh, [a, uplo], check_gradcheck=False,
             check_gradgrad=False)
    check_op(_symmetrised(L.eigvalsh), _symmetrised(torch.linalg.eigvalsh), [a, uplo])


def test_eigh_errors():
    expected = _torch_error(lambda: torch.linalg.eigh(torch.eye(3), UPLO="X"))
    check_raises(lambda: L.eigh(yingshe.eye(3), UPLO="X"), RuntimeError, str(expected))
    check_raises(lambda: L.eigh(yingshe.zeros(2, 3)), RuntimeError,
                 "linalg.eigh: A must be batches of square matrices, but they are 2 by 3")


# ---- QR ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2), (2, 2, 4)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr(shape, mode):
    a = rng.standard_normal(shape)
    differentiable = mode == "reduced" or shape[-2] <= shape[-1]
    check_op(lambda x: tuple(L.qr(x, mode)), lambda x: tuple(torch.linalg.qr(x, mode)), [a],
             grad=differentiable)


def test_qr_mode_r_and_its_backward_errors():
    a = rng.standard_normal((4, 3))
    check_op(lambda x: tuple(L.qr(x, "r")), lambda x: tuple(torch.linalg.qr(x, "r")), [a],
             grad=False)
    x = yingshe.from_numpy(a).requires_grad_()
    check_raises(lambda: L.qr(x, "r").R.sum().backward(), RuntimeError, "mode='r'")
    check_raises(lambda: L.qr(x, "complete").R.sum().backward(), RuntimeError,
                 "not differentiable when mode='complete' and nrows > ncols")
    expected = _torch_error(lambda: torch.linalg.qr(torch.eye(2), mode="X"))
    check_raises(lambda: L.qr(yingshe.eye(2), mode="X"), RuntimeError, str(expected))


def test_torch_qr_warns_and_follows_some():
    a = yingshe.from_numpy(rng.standard_normal((4, 3)))
    with pytest.warns(UserWarning, match="torch.qr is deprecated"):
        q, r = yingshe.qr(a, some=False)
    assert tuple(q.shape) == (4, 4) and tuple(r.shape) == (4, 3)


# ---- Cholesky ----------------------------------------------------------------------------------
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("batch", BATCHES)
def test_cholesky(upper, batch):
    a = _spd(*batch, 3, 3) + np.triu(rng.standard_normal((3, 3)), 1)  # the other triangle unread
    check_op(lambda x: L.cholesky(x, upper=upper),
             lambda x: torch.linalg.cholesky(x, upper=upper), [a],
             check_gradcheck=False, check_gradgrad=False)
    check_op(_symmetrised(lambda x: L.cholesky(x, upper=upper)),
             _symmetrised(lambda x: torch.linalg.cholesky(x, upper=upper)), [_spd(*batch, 3, 3)])


def test_cholesky_errors_and_ex():
    a = np.stack([np.eye(3), -np.eye(3)])
    expected = _torch_error(lambda: torch.linalg.cholesky(torch.from_numpy(a)))
    message = check_raises(lambda: L.cholesky(yingshe.from_numpy(a)), L.LinAlgError)
    assert message == str(expected)
    factor, info = L.cholesky_ex(yingshe.from_numpy(a))
    np.testing.assert_array_equal(info.numpy(), torch.linalg.cholesky_ex(
        torch.from_numpy(a)).info.numpy())
    np.testing.assert_array_equal(factor.numpy()[0], np.eye(3))
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        check_op(lambda x: yingshe.cholesky(x, True), lambda x: torch.cholesky(x, True),
                 [_spd(3, 3)], dtypes=("float64",), check_gradcheck=False, check_gradgrad=False)


# ---- pseudo-inverse and rank -------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_pinv(shape):
    check_op(L.pinv, torch.linalg.pinv, [rng.standard_normal(shape)],
             tol={"float32": {"rtol": 1e-4, "atol": 1e-4}})


def test_pinv_hermitian_and_pinverse():
    check_op(lambda a: L.pinv(a, hermitian=True), lambda a: torch.linalg.pinv(a, hermitian=True),
             [_spd(2, 3, 3)], check_gradcheck=False, check_gradgrad=False)
    check_op(_symmetrised(lambda a: L.pinv(a, hermitian=True)),
             _symmetrised(lambda a: torch.linalg.pinv(a, hermitian=True)), [_spd(2, 3, 3)])
    check_op(yingshe.pinverse, torch.pinverse, [rng.standard_normal((4, 3))])


def test_pinv_and_rank_of_rank_deficient_matrices():
    a = rng.standard_normal((2, 5, 2)) @ rng.standard_normal((2, 2, 4))  # rank 2
    for kwargs in ({}, {"atol": 1.0}, {"rtol": 0.5}, {"atol": 1e-3, "rtol": 1e-2}):
        check_op(lambda x: L.pinv(x, **kwargs), lambda x: torch.linalg.pinv(x, **kwargs), [a],
                 grad=False)
        check_op(lambda x: L.matrix_rank(x, **kwargs),
                 lambda x: torch.linalg.matrix_rank(x, **kwargs), [a], grad=False)
    s = _spd(3, 3)
    s[0] = s[1]
    s[:, 0] = s[:, 1]
    check_op(lambda x: L.matrix_rank(x, hermitian=True),
             lambda x: torch.linalg.matrix_rank(x, hermitian=True), [s], grad=False)
    assert L.matrix_rank(yingshe.from_numpy(a)).dtype == yingshe.int64
    tolerance = np.array([0.1, 100.0])
    check_op(lambda x, t: L.matrix_rank(x, atol=t),
             lambda x, t: torch.linalg.matrix_rank(x, atol=t), [a, tolerance], grad=False)


# ---- products ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 5, 6])
def test_matrix_power(n):
    check_op(lambda a: L.matrix_power(a, n), lambda a: torch.linalg.matrix_power(a, n),
             [_matrix(2, 3, 3, shift=1.5) / 2], tol={"float32": {"rtol": 1e-4}})
    check_op(lambda a: a.matrix_power(n), lambda a: a.matrix_power(n), [_matrix(3, 3)],
             dtypes=("float64",), check_gradgrad=False)


def test_matrix_power_errors():
    check_raises(lambda: L.matrix_power(yingshe.zeros(2, 3), 2), RuntimeError,
                 "linalg.matrix_power: A must be batches of square matrices, but they are 2 by 3")
    check_raises(lambda: L.matrix_power(yingshe.eye(2), 1.5), TypeError, "n must be an int")


@pytest.mark.parametrize("a_shape,b_shape,dim", [((3,), (3,), -1), ((4, 3), (4, 3), -1),
                                                  ((1, 3), (5, 3), 1), ((3, 2), (3, 1), 0)])
def test_cross(a_shape, b_shape, dim):
    inputs = [rng.standard_normal(a_shape), rng.standard_normal(b_shape)]
    check_op(lambda a, b: L.cross(a, b, dim=dim), lambda a, b: torch.linalg.cross(a, b, dim=dim),
             inputs)
    check_op(lambda a, b: a.cross(b, dim), lambda a, b: a.cross(b, dim), inputs,
             dtypes=("float64",), check_gradcheck=False, check_gradgrad=False)


def test_cross_errors_and_the_default_dim():
    check_raises(lambda: L.cross(yingshe.zeros(2, 4), yingshe.zeros(2, 4)), RuntimeError,
                 "linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4")
    check_raises(lambda: L.cross(yingshe.zeros(3), yingshe.zeros(2, 3)), RuntimeError,
                 "same number of dimensions")
    check_raises(lambda: L.cross(yingshe.zeros(3), yingshe.zeros(3, dtype=yingshe.float64)),
                 RuntimeError, "linalg.cross", "Float", "Double")
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        ours = yingshe.cross(yingshe.from_numpy(a), yingshe.from_numpy(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(ours.numpy(), torch.cross(torch.from_numpy(a),
                                                             torch.from_numpy(b)).numpy())


@pytest.mark.parametrize("shapes", [
    [(2, 3), (3, 4)],
    [(3,), (3, 4)],
    [(2, 3), (3,)],
    [(5, 2), (2, 6), (6, 3)],
    [(2, 6), (6, 5), (5, 3)],
    [(3,), (3, 4), (4, 2), (2,)],
    [(4, 2), (2, 5), (5, 3), (3, 6), (6, 2)],
])
def test_multi_dot(shapes):
    check_op(lambda *ts: L.multi_dot(ts), lambda *ts: torch.linalg.multi_dot(ts),
             [rng.standard_normal(s) for s in shapes])


def test_multi_dot_errors_match_torch():
    for shapes in ([(2, 3)], [(2, 3), (4, 2)], [(2, 3, 3), (3, 3)], [(2, 3), (3, 3, 1)],
                   [(2, 3), (3,), (3, 2)]):
        expected = _torch_error(lambda: torch.linalg.multi_dot([torch.zeros(s) for s in shapes]))
        check_raises(lambda: L.multi_dot([yingshe.zeros(*s) for s in shapes]), RuntimeError,
                     str(expected))


def test_vecdot():
    check_op(L.vecdot, torch.linalg.vecdot, [rng.standard_normal((4, 1, 3)),
                                             rng.standard_normal((2, 3))])
    check_op(lambda x, y: L.vecdot(x, y, dim=0), lambda x, y: torch.linalg.vecdot(x, y, dim=0),
             [rng.standard_normal((3, 2)), rng.standard_normal((3, 1))])
    check_raises(lambda: L.vecdot(yingshe.zeros(3), yingshe.zeros(3, dtype=yingshe.float64)),
                 RuntimeError, "linalg.vecdot: Expected x and y to have the same dtype")


# ---- norms -------------------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [2, 1, 0, 0.5, 3, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, True), ((0, 2), False),
                                         ((-1, 0), True)])
def test_vector_norm(ord, dim, keepdim):
    x = rng.standard_normal((2, 3, 4))
    check_op(lambda t: L.vector_norm(t, ord, dim, keepdim),
             lambda t: torch.linalg.vector_norm(t, ord, dim, keepdim), [x])


def test_vector_norm_dtype_and_errors():
    check_op(lambda t: L.vector_norm(t, dtype=yingshe.float64),
             lambda t: torch.linalg.vector_norm(t, dtype=torch.float64), [rng.standard_normal(5)],
             dtypes=("float32",))
    check_raises(lambda: L.vector_norm(yingshe.arange(3)), RuntimeError,
                 "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                 "Long")
    check_raises(lambda: L.vector_norm(yingshe.zeros(3), "fro"), TypeError,
                 "argument 'ord' must be Number, not str")
    check_raises(lambda: L.vector_norm(yingshe.zeros(0), math.inf), RuntimeError,
                 "cannot compute the inf norm on an empty tensor")


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((2, 0), True), ((0, 1), False)])
def test_matrix_norm(ord, dim, keepdim):
    x = rng.standard_normal((3, 4, 2))
    check_op(lambda t: L.matrix_norm(t, ord, dim, keepdim),
             lambda t: torch.linalg.matrix_norm(t, ord, dim, keepdim), [x])


@pytest.mark.parametrize("shape,ord,dim", [
    ((2, 3, 4), None, None), ((5,), None, None), ((5,), 3, None), ((3, 4), None, None),
    ((3, 4), "nuc", None), ((3, 4), 1, None), ((3, 4), 2, None), ((2, 3, 4), 2, 1),
    ((2, 3, 4), None, (0, 2)), ((2, 3, 4), "fro", (1, 2)), ((2, 3, 4), -math.inf, (2, 0)),
    ((2, 3, 4), math.inf, (1,)),
])
def test_norm_chooses_vector_or_matrix_norms_like_torch(shape, ord, dim):
    check_op(lambda t: L.norm(t, ord, dim), lambda t: torch.linalg.norm(t, ord, dim),
             [rng.standard_normal(shape)])


def test_norm_errors_match_torch():
    x = yingshe.zeros(2, 2, 2)
    t = torch.zeros(2, 2, 2)
    for ours, theirs in [
        (lambda: L.norm(x, 2), lambda: torch.linalg.norm(t, 2)),
        (lambda: L.norm(x, 2, (0, 1, 2)), lambda: torch.linalg.norm(t, 2, (0, 1, 2))),
        (lambda: L.norm(x, "nuc", (0, 1, 2)), lambda: torch.linalg.norm(t, "nuc", (0, 1, 2))),
        (lambda: L.matrix_norm(x, 3), lambda: torch.linalg.matrix_norm(t, 3)),
        (lambda: L.matrix_norm(x, "bad"), lambda: torch.linalg.matrix_norm(t, "bad")),
        (lambda: L.matrix_norm(x, dim=(0, 0)), lambda: torch.linalg.matrix_norm(t, dim=(0, 0))),
        (lambda: L.matrix_norm(yingshe.zeros(2)), lambda: torch.linalg.matrix_norm(torch.zeros(2))),
    ]:
        check_raises(ours, RuntimeError, str(_torch_error(theirs)))
    check_raises(lambda: L.matrix_norm(x, dim=0), TypeError, "dim must be a tuple of two ints")


# ---- the namespace, Tensor methods, top-level names --------------------------------------------
def test_linalg_namespace_and_top_level_names():
    for name in ["cholesky", "cholesky_ex", "cross", "det", "eigh", "eigvalsh", "inv", "inv_ex",
                 "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
                 "slogdet", "solve", "solve_triangular", "svd", "svdvals", "vecdot",
                 "vector_norm"]:
        assert callable(getattr(yingshe.linalg, name)) and hasattr(torch.linalg, name), name
    for name in ["det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "svd", "qr",
                 "cholesky", "cross"]:
        assert callable(getattr(yingshe, name)) and callable(getattr(yingshe.Tensor, name)), name
    a = _spd(3, 3)
    x = yingshe.from_numpy(a)
    np.testing.assert_allclose(x.det().item(), np.linalg.det(a))
    np.testing.assert_allclose(x.inverse().numpy(), np.linalg.inv(a))
    np.testing.assert_allclose(x.logdet().item(), np.log(np.linalg.det(a)))
    np.testing.assert_allclose(x.slogdet().logabsdet.item(), np.log(np.linalg.det(a)))
    np.testing.assert_allclose(x.pinverse().numpy(), np.linalg.pinv(a), atol=1e-12)
    assert type(L.svd(x)).__name__ == "linalg_svd" and L.svd(x)._fields == ("U", "S", "Vh")
    assert L.eigh(x)._fields == ("eigenvalues", "eigenvectors")
    assert L.qr(x)._fields == ("Q", "R") and L.slogdet(x)._fields == ("sign", "logabsdet")
