"""Sequence-to-sequence translation with GRUs (Cho et al. 2014; Sutskever et al. 2014), with or
without additive attention (Bahdanau, Cho & Bengio 2015: e_ij = v^T tanh(W s_i + U h_j),
alpha_ij = softmax_j(e_ij), c_i = sum_j alpha_ij h_j).

Without attention the decoder sees the source only through the encoder's final state (used as
its initial state and appended to every input); with attention it looks back at every encoder
output at every step.  Greedy and beam-search decoding."""
import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..datasets.translation import BOS, EOS, PAD
from ..nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from ..ops.creation import from_numpy
from ..ops.shape import cat, stack

__all__ = ["Encoder", "Decoder", "Seq2Seq"]


class Encoder(nn.Module):
    """Embedding + GRU over the padded source (N, S); padding is skipped with packing."""

    def __init__(self, vocab_size, embedding_size, hidden_size, num_layers=2, dropout=0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.rnn = nn.GRU(embedding_size, hidden_size, num_layers, batch_first=True,
                          dropout=dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, source, lengths):
        packed = pack_padded_sequence(self.drop(self.embedding(source)), lengths,
                                      batch_first=True, enforce_sorted=False)
        outputs, state = self.rnn(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True,
                                         total_length=source.shape[1])
        return outputs, state  # (N, S, H), (layers, N, H)


class Decoder(nn.Module):
    """GRU decoder; each step's input is the previous token's embedding and a context vector
    (the attention read-out, or the encoder's final top-layer state without attention)."""

    def __init__(self, vocab_size, embedding_size, hidden_size, num_layers=2, dropout=0.1,
                 attention=True):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.rnn = nn.GRU(embedding_size + hidden_size, hidden_size, num_layers,
                          batch_first=True, dropout=dropout)
        self.attention = nn.AdditiveAttention(hidden_size, hidden_size, hidden_size) \
            if attention else None
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden_size, vocab_size)

    def forward(self, inputs, state, memory, memory_padding):
        """Teacher forcing over (N, T) inputs; returns (logits (N, T, V), state, weights).
        ``memory``: the encoder outputs (N, S, H), or without attention the encoder's final
        top-layer state (N, 1, H)."""
        embedded = self.drop(self.embedding(inputs))
        if self.attention is None:  # one fused GRU call over all T steps
            context = memory.expand(-1, inputs.shape[1], -1)
            output, state = self.rnn(cat([embedded, context], dim=2), state)
            return self.out(self.drop(cat([output, context], dim=2))), state, None
        outputs, contexts, weights = [], [], []
        for t in range(inputs.shape[1]):  # attention needs the state of the previous step
            context, alpha = self.attention(state[-1], memory, memory, memory_padding)
            output, state = self.rnn(cat([embedded[:, t:t + 1], context.unsqueeze(1)], dim=2),
                                     state)
            outputs.append(output[:, 0])
            contexts.append(context)
            weights.append(alpha)
        hidden = cat([stack(outputs, dim=1), stack(contexts, dim=1)], dim=2)
        return self.out(self.drop(hidden)), state, stack(weights, dim=1)


class Seq2Seq(nn.Module):
    """Encoder-decoder; ``forward(source, lengths, target_in)`` gives the logits for teacher
    forcing, ``greedy`` and ``beam_search`` translate."""

    def __init__(self, source_vocab, target_vocab, embedding_size=256, hidden_size=256,
                 num_layers=2, dropout=0.1, attention=True):
        super().__init__()
        self.encoder = Encoder(source_vocab, embedding_size, hidden_size, num_layers, dropout)
        self.decoder = Decoder(target_vocab, embedding_size, hidden_size, num_layers, dropout,
                               attention)

    def encode(self, source, lengths):
        """(memory, initial decoder state, padding mask of the memory).  Without attention the
        memory is the encoder's final top-layer state alone, (N, 1, H): the fixed context the
        decoder reads at every step."""
        memory, state = self.encoder(source, lengths)
        if self.decoder.attention is None:
            memory = state[-1].unsqueeze(1)
        padding = from_numpy(np.arange(source.shape[1])[None, :] >= lengths[:, None])
        return memory, state, padding

    def forward(self, source, lengths, target_in):
        memory, state, padding = self.encode(source, lengths)
        logits, _, _ = self.decoder(target_in, state, memory, padding)
        return logits

    @no_grad()
    def greedy(self, source, lengths, max_len=20):
        """Most probable next token at each step; returns (token lists, attention (N, T, S))."""
        self.eval()
        memory, state, padding = self.encode(source, lengths)
        n = source.shape[0]
        token = from_numpy(np.full((n, 1), BOS, np.int64))
        tokens, weights = [], []
        finished = np.zeros(n, bool)
        for _ in range(max_len):
            logits, state, alpha = self.decoder(token, state, memory, padding)
            best = logits.numpy()[:, -1].argmax(axis=1)
            tokens.append(best)
            if alpha is not None:
                weights.append(alpha.numpy()[:, 0])
            finished |= best == EOS
            if finished.all():
                break
            token = from_numpy(best[:, None].astype(np.int64))
        ids = np.stack(tokens, axis=1)
        attention = np.stack(weights, axis=1) if weights else None
        return [_until_eos(row) for row in ids], attention

    @no_grad()
    def beam_search(self, source, lengths, beam=4, max_len=20, length_penalty=0.75):
        """Keep the ``beam`` best partial translations of each sentence by total
        log-probability; a hypothesis that emits <eos> is set aside with the score
        log-probability / length^length_penalty, and the best one set aside (or still open at
        ``max_len``) is the translation.  All sentences and their beams are decoded together,
        as one batch of N * beam rows; returns token lists."""
        self.eval()
        n = source.shape[0]
        memory, state, padding = self.encode(source, lengths)
        rows = np.repeat(np.arange(n), beam)
        memory, padding = from_numpy(memory.numpy()[rows]), from_numpy(padding.numpy()[rows])
        state = from_numpy(state.numpy()[:, rows])
        scores = np.full((n, beam), -np.inf)
        scores[:, 0] = 0.0  # every sentence starts from one hypothesis: <bos>
        tokens = np.zeros((n, beam, 0), np.int64)
        last = np.full(n * beam, BOS, np.int64)
        finished = [[] for _ in range(n)]
        for length in range(1, max_len + 1):
            logits, state, _ = self.decoder(from_numpy(last[:, None]), state, memory, padding)
            z = logits.numpy()[:, -1].astype(np.float64)
            z -= z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            vocab = log_p.shape[1]
            total = (scores[:, :, None] + log_p.reshape(n, beam, vocab)).reshape(n, -1)
            top = np.argpartition(-total, beam - 1, axis=1)[:, :beam]
            top = np.take_along_axis(top, np.argsort(-np.take_along_axis(total, top, 1),
                                                     axis=1, kind="stable"), 1)
            scores = np.take_along_axis(total, top, 1)
            parent, token = top // vocab, top % vocab
            tokens = np.concatenate([np.take_along_axis(tokens, parent[:, :, None], 1),
                                     token[:, :, None]], axis=2)
            ended = (token == EOS) & np.isfinite(scores)
            for i, b in zip(*np.nonzero(ended)):
                finished[i].append((tokens[i, b, :-1].tolist(),
                                    scores[i, b] / length ** length_penalty))
            scores[token == EOS] = -np.inf
            if not np.isfinite(scores).any():
                break
            state = from_numpy(state.numpy()[:, (np.arange(n)[:, None] * beam + parent).ravel()])
            last = token.ravel()
        results = []
        for i in range(n):
            still_open = [(tokens[i, b].tolist(), scores[i, b] / tokens.shape[2] ** length_penalty)
                          for b in range(beam) if np.isfinite(scores[i, b])]
            results.append(max(finished[i] + still_open, key=lambda f: f[1])[0])
        return results


def _until_eos(row):
    tokens = []
    for token in row:
        if token == EOS:
            break
        tokens.append(int(token))
    return tokens
