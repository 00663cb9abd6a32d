"""``Embedding``: a lookup table of learnable vectors (Bengio et al. 2003)."""
from ...ops.creation import empty
from ...ops.embedding import embedding
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """Rows of weight (num_embeddings, embedding_dim) ~ N(0, 1) as PyTorch; the padding_idx row
    starts at zero and gets no gradient.  With ``sparse=True`` the weight's gradient is a sparse
    COO tensor of the looked-up rows, for ``optim.SparseAdam``.

    Shape: input (*) of indices; output (*, embedding_dim).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Embedding(10, 3)(yingshe.tensor([[1, 2], [4, 9]])).shape
        yingshe.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq:
            raise NotImplementedError("Embedding: max_norm and scale_grad_by_freq are not "
                                      "supported")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx, self.sparse = padding_idx, sparse
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, device=device,
                                          dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """weight ~ N(0, 1), the ``padding_idx`` row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, sparse=False):
        """An Embedding whose table is ``embeddings`` (copied), frozen by default."""
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, sparse=sparse, _weight=embeddings.detach().clone(),
                   _freeze=freeze)

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx, sparse=self.sparse)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        text += f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return text + (", sparse=True" if self.sparse else "")
