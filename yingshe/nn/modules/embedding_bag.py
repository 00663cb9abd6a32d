"""``EmbeddingBag``: sums, means or maxima of bags of embedding rows in one op, without the
(bags x length x dim) tensor of lookups, as ``torch.nn.EmbeddingBag``."""
from ...ops.creation import empty
from ...ops.embedding_bag import MODES, embedding_bag
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["EmbeddingBag"]


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embedding rows, as ``torch.nn.EmbeddingBag``:
    bag b of indices i_1..i_k gives out_b = sum_j w_j weight[i_j] (``mode='sum'``, w_j the
    ``per_sample_weights`` or 1), that sum / k (``'mean'``, the default) or the elementwise max
    (``'max'``); see ``nn.functional.embedding_bag``.  The table weight (num_embeddings,
    embedding_dim) starts ~ N(0, 1), as PyTorch.  The ``padding_idx`` row starts at zero, is left
    out of every bag and gets no gradient; ``sparse=True`` makes the weight's gradient a sparse
    COO tensor of the looked-up rows (sum and mean), for ``optim.SparseAdam``.

    Shape: input (B, L) of indices, one bag per row, or (L) with ``offsets`` (B) where each bag
    starts ((B + 1) with ``include_last_offset``); per_sample_weights like the input; output
    (B, embedding_dim).

    Examples:
        >>> import yingshe
        >>> table = yingshe.arange(6.0).reshape(3, 2)  # rows [0, 1], [2, 3], [4, 5]
        >>> bag = yingshe.nn.EmbeddingBag.from_pretrained(table, mode="sum")
        >>> bag(yingshe.tensor([0, 1, 2, 2]), offsets=yingshe.tensor([0, 2]))  # bags {0, 1}, {2, 2}
        tensor([[ 2.,  4.],
                [ 8., 10.]])
        >>> yingshe.nn.EmbeddingBag(10, 3)(yingshe.tensor([[1, 2, 4], [4, 3, 9]])).shape
        yingshe.Size([2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq:
            raise NotImplementedError("EmbeddingBag: max_norm and scale_grad_by_freq are not "
                                      "supported")
        if mode not in MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of {', '.join(MODES)}, got "
                             f"{mode!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"EmbeddingBag: padding_idx {padding_idx} must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, False
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, device=device,
                                          dtype=dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"EmbeddingBag: _weight has shape {tuple(_weight.shape)}, "
                                 f"expected ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight)

    def reset_parameters(self):
        """weight ~ N(0, 1), the ``padding_idx`` row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose table is ``embeddings`` (copied), frozen by default."""
        rows, dim = embeddings.shape
        bag = cls(rows, dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings.detach().clone(), include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, mode=self.mode, sparse=self.sparse,
                             per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset,
                             padding_idx=self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None
                       else "")
