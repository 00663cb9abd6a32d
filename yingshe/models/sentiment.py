"""Sentence classifiers over word ids (N, T), padding id 0: Kim's (2014) CNN, a convolution
pooled by attention, a BiLSTM, and averaged word vectors + logistic regression; embeddings start
random or from word vectors."""
import numpy as np

from .. import nn
from ..autograd import no_grad
from ..nn.functional import pad
from ..ops.creation import from_numpy
from ..ops.shape import cat

__all__ = ["KimCNN", "AttentionPoolClassifier", "BiLSTMClassifier", "MeanEmbeddingLogReg",
           "pretrained_matrix", "max_norm_"]


def pretrained_matrix(vocab, vectors, scale=0.25, seed=0):
    """(len(vocab), dim) float32 table: a word's row from ``vectors`` (a ``KeyedVectors``) when
    it has one, else U[-scale, scale] (Kim 2014: "variance similar to the pre-trained ones");
    row 0 (padding) is zero.  Returns (table, number of words found)."""
    rng = np.random.default_rng(seed)
    table = rng.uniform(-scale, scale, (len(vocab), vectors.dim)).astype(np.float32)
    found = 0
    for i, word in enumerate(vocab.itos):
        if word in vectors:
            table[i], found = vectors[word], found + 1
    table[0] = 0
    return table, found


def _embedding(vocab_size, embed_dim, pretrained, freeze, scale=0.25):
    """An Embedding with padding_idx 0: ``pretrained`` (a (vocab_size, dim) array) or
    U[-scale, scale] (Kim's "CNN-rand"), frozen when ``freeze`` ("static")."""
    if pretrained is None:
        embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        nn.init.uniform_(embed.weight, -scale, scale)
        embed.weight._data[0] = 0
        embed.weight.requires_grad = not freeze
        return embed
    table = from_numpy(np.asarray(pretrained, np.float32))
    if table.shape[0] != vocab_size:
        raise ValueError(f"pretrained table has {table.shape[0]} rows for {vocab_size} words")
    return nn.Embedding.from_pretrained(table, freeze=freeze, padding_idx=0)


def _mask(ids):
    """(N, T, 1) float32: 1 at real tokens, 0 at padding."""
    return from_numpy((ids.numpy() != 0).astype(np.float32)[..., None])


class KimCNN(nn.Module):
    """Kim (2014): for each width h, feature maps c_i = relu(w . x_{i:i+h-1} + b) over the
    embedded sentence, max-over-time pooling c = max_i c_i, the pooled features of all widths
    concatenated, dropout, then a linear softmax layer.  As in Kim's code, the sentence gets
    max(widths) - 1 zero vectors on each side first, so that every width sees windows that
    hang over either end (the first and last words sit in as many windows as the others)."""

    def __init__(self, vocab_size, embed_dim=300, widths=(3, 4, 5), maps=100, dropout=0.5,
                 num_classes=2, pretrained=None, freeze=False):
        super().__init__()
        self.embedding = _embedding(vocab_size, embed_dim, pretrained, freeze)
        embed_dim = self.embedding.embedding_dim
        self.widths = tuple(widths)
        self.edge = max(self.widths) - 1
        self.convs = nn.ModuleList([nn.Conv1d(embed_dim, maps, h) for h in self.widths])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(maps * len(self.widths), num_classes)

    def forward(self, ids):
        x = pad(self.embedding(ids).transpose(1, 2), (self.edge, self.edge))  # (N, D, T + 2e)
        pooled = [conv(x).relu().max(dim=2).values for conv in self.convs]
        return self.fc(self.dropout(cat(pooled, dim=1)))


class AttentionPoolClassifier(nn.Module):
    """Word features h_i = relu(conv(x)_i) from one convolution of odd ``width`` with "same"
    padding (so h_i belongs to word i), pooled over the sentence by attention
    (``nn.AttentionPool``; Raffel & Ellis 2016, Yang et al. 2016) instead of Kim's max over
    time: a_i = softmax_i(s_i), c = sum_i a_i h_i over the real words, then dropout and a linear
    softmax layer.  ``score="linear"``: s_i = w^T h_i + b; ``score="dot"``: s_i = h_i^T q with
    q the sentence's mean feature vector.  ``last_weights`` keeps the (N, T) weights a of the
    latest forward, for inspection."""

    def __init__(self, vocab_size, embed_dim=300, maps=300, width=3, dropout=0.5, num_classes=2,
                 score="linear", pretrained=None, freeze=False):
        super().__init__()
        if width % 2 != 1:
            raise ValueError(f"AttentionPoolClassifier: width must be odd (one feature per "
                             f"word), got {width}")
        self.embedding = _embedding(vocab_size, embed_dim, pretrained, freeze)
        self.conv = nn.Conv1d(self.embedding.embedding_dim, maps, width, padding=width // 2)
        self.pool = nn.AttentionPool(maps, score=score)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(maps, num_classes)
        self.last_weights = None

    def forward(self, ids):
        h = self.conv(self.embedding(ids).transpose(1, 2)).relu().transpose(1, 2)  # (N, T, C)
        query = None
        if self.pool.score == "dot":
            mask = _mask(ids)
            query = (h * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        context, self.last_weights = self.pool(h, from_numpy(ids.numpy() == 0), query=query)
        return self.fc(self.dropout(context))


class BiLSTMClassifier(nn.Module):
    """A bidirectional LSTM: a forward LSTM over each sentence and a backward one over each
    sentence reversed (its real tokens only, so that neither reads the padding first); the
    outputs [h_fwd_t; h_bwd_t] at the real tokens are max-pooled over time, then dropout and
    a linear softmax layer."""

    def __init__(self, vocab_size, embed_dim=300, hidden_size=150, dropout=0.5, num_classes=2,
                 pretrained=None, freeze=False):
        super().__init__()
        self.embedding = _embedding(vocab_size, embed_dim, pretrained, freeze)
        dim = self.embedding.embedding_dim
        self.forward_lstm = nn.LSTM(dim, hidden_size, batch_first=True)
        self.backward_lstm = nn.LSTM(dim, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, ids):
        x = self.embedding(ids)                                      # (N, T, D)
        lengths = (ids.numpy() != 0).sum(1, keepdims=True)
        steps = np.arange(ids.shape[1])[None, :]
        # position t <-> length - 1 - t within each sentence, padding left in place
        flip = np.where(steps < lengths, lengths - 1 - steps, steps)
        rows = np.arange(ids.shape[0])[:, None]
        forward, _ = self.forward_lstm(x)
        backward, _ = self.backward_lstm(x[rows, flip])
        outputs = cat([forward, backward[rows, flip]], dim=2)        # (N, T, 2H)
        mask = _mask(ids)
        pooled = (outputs * mask + (mask - 1) * 1e4).max(dim=1).values
        return self.fc(self.dropout(pooled))


class MeanEmbeddingLogReg(nn.Module):
    """Logistic regression on the average word vector: p(y | s) = softmax(W v_bar + b),
    v_bar = (1 / |s|) sum_{w in s} v_w over the sentence's real tokens."""

    def __init__(self, vocab_size, embed_dim=300, num_classes=2, pretrained=None, freeze=True):
        super().__init__()
        self.embedding = _embedding(vocab_size, embed_dim, pretrained, freeze)
        self.fc = nn.Linear(self.embedding.embedding_dim, num_classes)

    def forward(self, ids):
        mask = _mask(ids)
        mean = (self.embedding(ids) * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.fc(mean)


def max_norm_(weight, max_norm=3.0):
    """Kim's constraint after each step: rescale each row w (one class's weights) of a Linear
    weight to ||w||_2 = s whenever ||w||_2 > s."""
    with no_grad():
        data = weight._data
        norms = np.sqrt((data.astype(np.float64) ** 2).sum(axis=1, keepdims=True))
        data *= np.minimum(1.0, max_norm / np.maximum(norms, 1e-12)).astype(data.dtype)
    return weight
