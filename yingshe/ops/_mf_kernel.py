"""The compiled (numba) training step of biased matrix factorisation under SparseAdam
(``models.recommender.CompiledMFStep``; Koren, Bell & Volinsky 2009, eq. 4-5; Kingma & Ba 2015):
the objective, its gradient on the rows a batch looked up, and the lazy Adam update of those
rows, for a whole sequence of minibatches in one call.

Imported by ``_compiled._compile`` (numba installed and not switched off), never with
yingshe.  The functions live at module level, not inside ``_compile`` as the other kernels:
numba's on-disk cache keys a function by the pickled contents of its closure, and a closure
holding other compiled functions pickles differently in every process, so a kernel that calls
helpers from a closure was compiled afresh (8 s) by every run.  Its NumPy twin is the autograd
path (``forward_with_penalty``, ``backward``, ``optim.SparseAdam``); the tests compare them.
"""
import math

import numba
import numpy as np

__all__ = ["biased_mf_sparse_adam"]

jit = numba.njit(nogil=True, cache=True)
# numba checks every division for a zero divisor (to raise ZeroDivisionError), which keeps LLVM
# from vectorising a loop that divides: SparseAdam's update ran 4x slower that way
numpy_division_jit = numba.njit(nogil=True, cache=True, error_model="numpy")


@jit
def distinct_rows(indices, slot, rows):
    """The coalescing of a sparse gradient's rows: rows[:count] = the distinct values of
    indices in order of first appearance, position[k] = j where rows[j] = indices[k].
    slot (one entry per table row) is -1 on entry and is left so.  Returns (position,
    count)."""
    position = np.empty(len(indices), np.int64)
    count = 0
    for k in range(len(indices)):
        row = indices[k]
        if slot[row] < 0:
            slot[row] = count
            rows[count] = row
            count += 1
        position[k] = slot[row]
    for j in range(count):
        slot[rows[j]] = -1
    return position, count


@numba.njit(nogil=True, cache=True, fastmath={"reassoc"})
def dot_and_norms(p, q):
    """(p . q, |p|^2 + |q|^2), summed in any order (so that it vectorises)."""
    dot, norms = p[0] * q[0], p[0] * p[0] + q[0] * q[0]
    for f in range(1, len(p)):
        dot += p[f] * q[f]
        norms += p[f] * p[f] + q[f] * q[f]
    return dot, norms


@numpy_division_jit
def sparse_adam_rows(param, exp_avg, exp_avg_sq, rows, grad, hyper):
    """SparseAdam's lazy update (optim.SparseAdam._update_rows, rounded alike) of the rows
    param[rows[j]] by their coalesced gradients grad[j]; hyper = (lr sqrt(1 - b2^t) /
    (1 - b1^t), 1 - b1, 1 - b2, eps) in param's dtype."""
    step_size, one_minus_beta1, one_minus_beta2, eps = hyper[0], hyper[1], hyper[2], hyper[3]
    for j in range(len(rows)):
        theta, m, v, g = param[rows[j]], exp_avg[rows[j]], exp_avg_sq[rows[j]], grad[j]
        for f in range(len(theta)):
            m[f] += (g[f] - m[f]) * one_minus_beta1
            v[f] += (g[f] * g[f] - v[f]) * one_minus_beta2
            theta[f] -= step_size * (m[f] / (np.sqrt(v[f]) + eps))


@numpy_division_jit
def biased_mf_gradients(users, items, ratings, constants, tables, user_slot, item_slot):
    """The objective of biased MF (models.recommender.BiasedMF) over the n ratings r_k of
    (u_k, i_k), with r^_k = mu + b_u + b_i + p_u . q_i and e_k = r^_k - r_k,
    L = (1/n) sum_k e_k^2 + reg (1/n) sum_k (|p_u|^2 + |q_i|^2 + b_u^2 + b_i^2),
    and its gradient on the looked-up rows, summed over the ratings that share a row:
    dL/dp_u += (2/n)(e_k q_i + reg p_u), dL/dq_i += (2/n)(e_k p_u + reg q_i),
    dL/db_u += (2/n)(e_k + reg b_u), dL/db_i += (2/n)(e_k + reg b_i).
    constants = (mu, 2/n, 2 reg/n), tables = (P, Q, b_user, b_item) as (rows, factors or
    1) arrays.  Returns ((1/n) sum e_k^2, (1/n) sum of the penalties, the distinct users
    and items and the gradients of their rows in each table)."""
    p_table, q_table, user_bias, item_bias = tables
    n, factors = len(users), p_table.shape[1]
    mu, g_scale, g_reg = constants[0], constants[1], constants[2]
    user_rows, item_rows = np.empty(n, np.int64), np.empty(n, np.int64)
    user_of, user_count = distinct_rows(users, user_slot, user_rows)
    item_of, item_count = distinct_rows(items, item_slot, item_rows)
    grads = (np.zeros((user_count, factors), p_table.dtype),
             np.zeros((item_count, factors), p_table.dtype),
             np.zeros((user_count, 1), p_table.dtype),
             np.zeros((item_count, 1), p_table.dtype))
    squared, penalty = 0.0, 0.0
    for k in range(n):
        p, q = p_table[users[k]], q_table[items[k]]
        b_u, b_i = user_bias[users[k], 0], item_bias[items[k], 0]
        dot, norms = dot_and_norms(p, q)
        error = mu + b_u + b_i + dot - ratings[k]
        squared += error * error
        penalty += norms + b_u * b_u + b_i * b_i
        g_error = g_scale * error
        g_p, g_q = grads[0][user_of[k]], grads[1][item_of[k]]
        for f in range(factors):
            g_p[f] += g_error * q[f] + g_reg * p[f]
            g_q[f] += g_error * p[f] + g_reg * q[f]
        grads[2][user_of[k], 0] += g_error + g_reg * b_u
        grads[3][item_of[k], 0] += g_error + g_reg * b_i
    rows = (user_rows[:user_count], item_rows[:item_count], user_rows[:user_count],
            item_rows[:item_count])
    return squared / n, penalty / n, rows, grads


@numpy_division_jit
def biased_mf_sparse_adam(users, items, ratings, batch_size, mu, reg, tables, exp_avgs,
                          exp_avg_sqs, steps, options, user_slot, item_slot, squared,
                          penalties):
    """Minibatch steps of biased MF with SparseAdam on the consecutive batches of
    batch_size ratings: biased_mf_gradients, then sparse_adam_rows on each table's
    distinct rows.  tables = (P, Q, b_user, b_item), exp_avgs and exp_avg_sqs their
    moments, steps[t] table t's steps so far and options[t] its (lr, beta1, beta2, eps);
    the arithmetic is in the tables' precision.  squared[b] and penalties[b] receive batch
    b's mean squared error and mean penalty.  Returns (batches done, k): k = -1, or the
    first rating whose user or item id is out of range (then nothing changes).  The steps
    stop before the update of a batch whose objective is not finite (counted as not
    done)."""
    n = len(users)
    for k in range(n):
        if not (0 <= users[k] < tables[0].shape[0] and 0 <= items[k] < tables[1].shape[0]):
            return 0, k
    dtype = tables[0].dtype
    hyper = np.empty((4, 4), dtype)
    for b in range((n + batch_size - 1) // batch_size):
        lo, hi = b * batch_size, min(n, (b + 1) * batch_size)
        constants = np.array([mu, 2.0 / (hi - lo), 2.0 * reg / (hi - lo)]).astype(dtype)
        squared[b], penalties[b], rows, grads = biased_mf_gradients(
            users[lo:hi], items[lo:hi], ratings[lo:hi], constants, tables, user_slot,
            item_slot)
        if not np.isfinite(squared[b] + reg * penalties[b]):
            return b, -1
        for t in range(4):
            lr, beta1, beta2, eps = options[t, 0], options[t, 1], options[t, 2], options[t, 3]
            step = float(steps[t] + b + 1)
            hyper[t, 0] = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
            hyper[t, 1], hyper[t, 2], hyper[t, 3] = 1 - beta1, 1 - beta2, eps
        sparse_adam_rows(tables[0], exp_avgs[0], exp_avg_sqs[0], rows[0], grads[0], hyper[0])
        sparse_adam_rows(tables[1], exp_avgs[1], exp_avg_sqs[1], rows[1], grads[1], hyper[1])
        sparse_adam_rows(tables[2], exp_avgs[2], exp_avg_sqs[2], rows[2], grads[2], hyper[2])
        sparse_adam_rows(tables[3], exp_avgs[3], exp_avg_sqs[3], rows[3], grads[3], hyper[3])
    return (n + batch_size - 1) // batch_size, -1
