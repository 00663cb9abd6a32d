"""Row-sparse gradient sums shared by word2vec's and GloVe's updates: many lookups of a few
rows of a large table, summed per row before the row is updated once."""
import numpy as np
from scipy.sparse import csr_matrix

__all__ = ["sum_rows"]


def sum_rows(index, grads):
    """(rows, sums): the distinct rows of ``index`` and the sum of the gradient rows that
    looked each up.  After a stable sort the lookups of each row are contiguous, so the sums
    are one sparse (rows x lookups) 0/1 matrix times ``grads``: 2-4x faster than
    ``np.add.reduceat`` over many short segments, and much faster than ``np.add.at``."""
    index = np.asarray(index).reshape(-1)
    grads = np.asarray(grads).reshape(len(index), -1)
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    selector = csr_matrix((np.ones(len(index), grads.dtype), order,
                           np.append(starts, len(index))), shape=(len(starts), len(index)))
    return ordered[starts], selector @ grads
