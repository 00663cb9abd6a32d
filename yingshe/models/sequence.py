"""Sequence classifiers for images read row by row (Goodfellow, Bengio & Courville 2016,
Deep Learning, §10.2: the RNN reads one element of the sequence per step and carries the state):
a 28 x 28 digit is 28 steps of 28 pixels; the final state (both directions' for a bidirectional
layer) feeds a linear classifier."""
from .. import nn
from ..ops.shape import cat

__all__ = ["RowRNNClassifier"]


class RowRNNClassifier(nn.Module):
    """(N, 1, H, W) images -> logits, an LSTM or GRU over the H rows (each a W-vector).

    Step ``t`` reads row ``t``: ``h_t = cell(x[:, t], h_{t-1})``; the logits are
    ``W h_H + b`` (``W [h_H(forward); h_1(backward)] + b`` when bidirectional).

    Shape:
        input ``(N, 1, H, W)`` (or ``(N, H, W)``) with ``W = row_size``; output
        ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.models import RowRNNClassifier
        >>> model = RowRNNClassifier(row_size=28, hidden_size=16, cell="GRU", bidirectional=True)
        >>> model.fc                                       # both directions' final states
        Linear(in_features=32, out_features=10, bias=True)
        >>> model(yingshe.zeros(2, 1, 28, 28)).shape
        yingshe.Size([2, 10])
    """

    def __init__(self, row_size=28, hidden_size=128, num_layers=1, num_classes=10, cell="LSTM",
                 bidirectional=False, dropout=0.0):
        super().__init__()
        self.rnn = getattr(nn, cell)(row_size, hidden_size, num_layers, batch_first=True,
                                     bidirectional=bidirectional,
                                     dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)
        self.bidirectional = bidirectional

    def forward(self, images):
        rows = images.reshape(images.shape[0], images.shape[-2], images.shape[-1])
        _, state = self.rnn(rows)
        h = state[0] if isinstance(state, tuple) else state  # (layers * directions, N, H)
        last = cat([h[-2], h[-1]], dim=1) if self.bidirectional else h[-1]
        return self.fc(self.drop(last))
