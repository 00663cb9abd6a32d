"""Recurrent language models (seed 004 §4.2 自然语言处理: the RNN predicts the next word's
distribution from h_t, which depends on x_t and h_{t-1}), in the configuration of Zaremba,
Sutskever & Vinyals 2014, "Recurrent neural network regularization": embedding -> stacked
LSTM -> dropout -> linear decoder over the vocabulary."""
from .. import nn

__all__ = ["RNNLanguageModel"]


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
