"""``torch.linalg``'s mirror: ``yingshe.linalg.inv``, ``yingshe.linalg.svd``, ...

The functions live in ``yingshe/ops/linalg.py`` (forward through LAPACK, backward from the
published matrix derivatives cited there); this module gives them their torch.linalg names."""
from .ops import linalg as _ops

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "eigh", "eigvalsh", "inv",
           "inv_ex", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv",
           "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals", "vecdot",
           "vector_norm"]

LinAlgError = _ops.LinAlgError
cholesky = _ops.linalg_cholesky
cholesky_ex = _ops.cholesky_ex
cross = _ops.linalg_cross
det = _ops.det
eigh = _ops.eigh
eigvalsh = _ops.eigvalsh
inv = _ops.inv
inv_ex = _ops.inv_ex
matrix_norm = _ops.matrix_norm
matrix_power = _ops.matrix_power
matrix_rank = _ops.matrix_rank
multi_dot = _ops.multi_dot
norm = _ops.linalg_norm
pinv = _ops.pinv
qr = _ops.linalg_qr
slogdet = _ops.linalg_slogdet
solve = _ops.solve
solve_triangular = _ops.solve_triangular
svd = _ops.linalg_svd
svdvals = _ops.svdvals
vecdot = _ops.vecdot
vector_norm = _ops.vector_norm
