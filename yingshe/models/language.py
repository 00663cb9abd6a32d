"""Recurrent language models (Mikolov et al. 2010, "Recurrent neural network based language
model": the RNN predicts the next word's distribution from h_t, which depends on x_t and
h_{t-1}), in the configuration of Zaremba, Sutskever & Vinyals 2014, "Recurrent neural network
regularization": embedding -> stacked LSTM -> dropout -> linear decoder over the vocabulary."""
import numpy as np

from .. import _backend, nn
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange, from_numpy

__all__ = ["RNNLanguageModel", "TransformerLanguageModel", "sample", "CHAR_MODELS",
           "build_char_model"]


class RNNLanguageModel(nn.Module):
    """(T, B) token indices -> (T, B, vocab) logits and the final recurrent state.

    ``dropout`` applies to the embeddings, between layers and before the decoder (Zaremba's
    non-recurrent connections); ``init_range`` gives every weight U(-r, r) as in the paper;
    ``tie_weights`` shares the embedding and decoder matrices (Press & Wolf 2017)."""

    def __init__(self, vocab_size, embedding_size=200, hidden_size=200, num_layers=2,
                 dropout=0.0, cell="LSTM", init_range=0.1, tie_weights=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        self.drop = nn.Dropout(dropout)
        self.rnn = getattr(nn, cell)(embedding_size, hidden_size, num_layers, dropout=dropout)
        self.decoder = nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            if hidden_size != embedding_size:
                raise ValueError(f"tie_weights needs hidden_size ({hidden_size}) == "
                                 f"embedding_size ({embedding_size})")
            self.decoder.weight = self.embedding.weight
        for p in self.parameters():
            nn.init.uniform_(p, -init_range, init_range)

    def forward(self, tokens, state=None):
        x = self.drop(self.embedding(tokens))
        output, state = self.rnn(x, state)
        return self.decoder(self.drop(output)), state


class TransformerLanguageModel(nn.Module):
    """A small causal Transformer (decoder-only): token + learned position embeddings, pre-norm
    encoder layers under the causal mask (position t attends to positions <= t), a final
    LayerNorm and a linear decoder.  Same (T, B) -> (T, B, vocab) interface as
    ``RNNLanguageModel``; the state is unused (the context is the window itself)."""

    def __init__(self, vocab_size, d_model=128, nhead=4, num_layers=4, dim_feedforward=512,
                 dropout=0.1, max_len=256):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                           activation="gelu", norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.norm = nn.LayerNorm(d_model)
        self.decoder = nn.Linear(d_model, vocab_size)
        self.max_len = max_len

    def forward(self, tokens, state=None):
        steps = tokens.shape[0]
        if steps > self.max_len:
            raise ValueError(f"TransformerLanguageModel: {steps} steps exceed max_len "
                             f"{self.max_len}")
        x = self.embedding(tokens) + self.position(arange(steps)).unsqueeze(1)
        mask = nn.generate_square_subsequent_mask(steps, dtype=x.dtype)
        return self.decoder(self.norm(self.encoder(x, mask=mask))), None


def sample(model, prompt_ids, length, temperature=1.0, generator=None, context=None):
    """Continue ``prompt_ids`` by ``length`` tokens drawn from softmax(logits / temperature)
    (the model's own predictive distribution; temperature < 1 sharpens it).  ``context`` limits
    how many recent tokens a stateless model (Transformer) sees."""
    rng = generator if generator is not None else _backend.generator("cpu")
    model.eval()
    ids = [int(i) for i in prompt_ids]
    with no_grad():
        window = ids if context is None else ids[-context:]
        logits, state = model(from_numpy(np.array(window, np.int64)[:, None]))
        for _ in range(length):
            z = logits.numpy()[-1, 0].astype(np.float64) / max(temperature, 1e-6)
            p = np.exp(z - z.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
            if state is None:  # stateless: feed the whole (recent) context again
                window = ids if context is None else ids[-context:]
                logits, _ = model(from_numpy(np.array(window, np.int64)[:, None]))
            else:  # recurrent: one step from the carried state
                logits, state = model(from_numpy(np.array([[ids[-1]]], np.int64)), state)
    return ids


CHAR_MODELS = ("lstm", "transformer")


def build_char_model(config, vocab_size):
    """The character model a run's config.json describes (``model``: lstm or transformer,
    ``hidden``, ``dropout``, ``context``): a 2 x hidden LSTM on 128-wide embeddings, or a 4-layer
    4-head d_model 128 Transformer; about 0.8M parameters each at the defaults."""
    if config["model"] == "lstm":
        return RNNLanguageModel(vocab_size, 128, config["hidden"], 2, config["dropout"],
                                init_range=0.08)
    if config["model"] == "transformer":
        return TransformerLanguageModel(vocab_size, 128, 4, 4, 512, config["dropout"],
                                        max_len=config["context"])
    raise ValueError(f"unknown character model {config['model']!r}; available: {CHAR_MODELS}")
