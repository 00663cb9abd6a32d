"""BERT-style pretraining (Devlin, Chang, Lee & Toutanova 2019, "BERT: Pre-training of Deep
Bidirectional Transformers for Language Understanding"): a Transformer encoder that reads the
whole sentence in both directions is pretrained by masked language modelling (MLM) on unlabelled
text, then fine-tuned, with a small classifier on top, on a labelled task.

MLM (§3.1, "Task #1: Masked LM"): 15% of the token positions are chosen at random; a chosen
token is replaced by ``[MASK]`` 80% of the time, by a random token 10% of the time and kept 10%
of the time, and the model is trained to predict the original token at the chosen positions
only (cross-entropy there, ``ignore_index`` elsewhere).  The random and kept tokens stop the
model from relying on ``[MASK]``, which never occurs at fine-tuning time.

The encoder here is small (d 128, a few layers) and pre-norm (Xiong et al. 2020: LayerNorm before
each sublayer and once at the end, which trains without BERT's learning-rate warm-up schedule
being critical); BERT's next-sentence task is left out, as RoBERTa (Liu et al. 2019) found it
does not help, so the sentence is summarised by the mean of its token states rather than a
``[CLS]`` vector that only that task would train."""
import numpy as np

from .. import nn
from ..nn import functional as F
from ..ops.creation import arange, from_numpy

__all__ = ["mask_tokens", "TransformerTextEncoder", "MaskedLanguageModel",
           "EncoderClassifier"]


def mask_tokens(ids, mask_id, vocab_size, rng, num_special=0, rate=0.15, mask_fraction=0.8,
                random_fraction=0.1, ignore_index=-100):
    """(inputs, labels) for masked language modelling, from int64 ``ids`` of any shape.

    Each position holding a real token (id >= ``num_special``: padding, unknown and the mask
    token itself are the first ids) is chosen with probability ``rate``; a chosen position gets
    ``mask_id`` with probability ``mask_fraction``, a token drawn uniformly from the real tokens
    [num_special, vocab_size) with probability ``random_fraction``, and keeps its token
    otherwise (Devlin et al. 2019, §3.1 and Appendix A.1: 15%, then 80/10/10).  ``labels`` holds
    the original token at the chosen positions and ``ignore_index`` everywhere else.  ``rng`` is
    a ``numpy.random.Generator`` (the data pipeline's, seeded)."""
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"mask_tokens: ids must be integer token ids, got dtype {ids.dtype}")
    if not 0 <= rate <= 1 or mask_fraction < 0 or random_fraction < 0 \
            or mask_fraction + random_fraction > 1:
        raise ValueError(f"mask_tokens: need 0 <= rate <= 1 and mask_fraction + random_fraction "
                         f"<= 1, got rate {rate}, mask_fraction {mask_fraction}, "
                         f"random_fraction {random_fraction}")
    if not 0 <= mask_id < num_special < vocab_size:
        raise ValueError(f"mask_tokens: mask_id {mask_id} must be a special id below "
                         f"num_special ({num_special}) < vocab_size ({vocab_size})")
    chosen = (ids >= num_special) & (rng.random(ids.shape) < rate)
    labels = np.where(chosen, ids, ignore_index).astype(np.int64)
    action = rng.random(ids.shape)
    inputs = ids.astype(np.int64, copy=True)
    inputs[chosen & (action < mask_fraction)] = mask_id
    randomised = chosen & (action >= mask_fraction) & (action < mask_fraction + random_fraction)
    inputs[randomised] = rng.integers(num_special, vocab_size, int(randomised.sum()))
    return inputs, labels


class TransformerTextEncoder(nn.Module):
    """(N, T) token ids (``pad_id`` = padding) -> (N, T, d_model) contextual token states: token
    plus learned position embeddings, dropout, ``num_layers`` pre-norm Transformer encoder layers
    (Vaswani et al. 2017) in which no position attends to padding, and a final LayerNorm."""

    def __init__(self, vocab_size, d_model=128, nhead=4, num_layers=2, dim_feedforward=512,
                 dropout=0.1, max_len=128, pad_id=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(max_len, d_model)
        self.drop = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, num_layers)
        self.norm = nn.LayerNorm(d_model)
        self.max_len, self.pad_id = max_len, pad_id
        for embedding in (self.embedding, self.position):  # BERT: N(0, 0.02)
            nn.init.normal_(embedding.weight, 0.0, 0.02)

    def padding_mask(self, ids):
        """(N, T) bool, True at padding (``key_padding_mask``'s convention)."""
        return from_numpy(ids.numpy() == self.pad_id)

    def forward(self, ids):
        if ids.ndim != 2:
            raise ValueError(f"TransformerTextEncoder: expected (N, T) token ids, got shape "
                             f"{tuple(ids.shape)}")
        steps = ids.shape[1]
        if steps > self.max_len:
            raise ValueError(f"TransformerTextEncoder: {steps} tokens exceed max_len "
                             f"{self.max_len}")
        x = self.drop(self.embedding(ids) + self.position(arange(steps)))
        return self.norm(self.layers(x, src_key_padding_mask=self.padding_mask(ids)))


class MaskedLanguageModel(nn.Module):
    """BERT's MLM head on an encoder: at the chosen positions only, h -> LayerNorm(gelu(W h +
    b)) -> logits over the vocabulary through the token embedding matrix (tied weights, Press &
    Wolf 2017) plus a bias.  ``forward(inputs, labels)`` returns the mean cross-entropy over the
    positions whose label is not ``ignore_index`` (the output layer runs on those alone)."""

    def __init__(self, encoder, ignore_index=-100):
        super().__init__()
        d_model = encoder.embedding.embedding_dim
        self.encoder = encoder
        self.transform = nn.Linear(d_model, d_model)
        self.norm = nn.LayerNorm(d_model)
        self.bias = nn.Parameter(np.zeros(encoder.embedding.num_embeddings, np.float32))
        self.ignore_index = ignore_index

    def forward(self, inputs, labels):
        states = self.encoder(inputs)
        flat = labels.numpy().reshape(-1)
        chosen = np.flatnonzero(flat != self.ignore_index)
        if chosen.size == 0:
            raise ValueError("MaskedLanguageModel: no position is masked in this batch of "
                             f"{tuple(labels.shape)} (every label is {self.ignore_index})")
        h = states.reshape(-1, states.shape[-1])[from_numpy(chosen)]
        h = self.norm(F.gelu(self.transform(h)))
        logits = F.linear(h, self.encoder.embedding.weight, self.bias)
        return F.cross_entropy(logits, from_numpy(flat[chosen]))


class EncoderClassifier(nn.Module):
    """Sentence classification on an encoder: the mean of the token states over the real
    (non-padding) tokens, dropout, then a linear layer to ``num_classes`` logits."""

    def __init__(self, encoder, num_classes=2, dropout=0.1):
        super().__init__()
        self.encoder = encoder
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(encoder.embedding.embedding_dim, num_classes)

    def forward(self, ids):
        states = self.encoder(ids)
        keep = from_numpy((ids.numpy() != self.encoder.pad_id).astype(np.float32)[..., None])
        pooled = (states * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.fc(self.drop(pooled))
