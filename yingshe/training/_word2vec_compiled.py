"""word2vec's training loop compiled with numba (the ``fast`` extra): one SGD step per example
straight into the two float32 tables, as word2vec.c (Mikolov, Sutskever, Chen, Corrado & Dean
2013) and gensim's ``train_batch_sg`` / ``train_batch_cbow`` do it, on threads over chunks of
the corpus without locks (Hogwild: Recht, Re, Wright & Niu 2011).

An example has m input words c_1..c_m (skip-gram: m = 1, the centre word; CBOW: the context
words), the true output word o (label 1) and up to K noise words k (label 0).  With
v = (1/m) sum_i in[c_i] and e = 0, for each output word w in turn:

    f = sigma(u_w . v),   g = (label - f) * alpha,   e += g * u_w,   u_w += g * v

and then in[c_i] += e / m for every input word.  (label - f) is minus the derivative of
softplus(-u_o . v) + sum_k softplus(u_k . v) with respect to u_w . v, so when the output words
are distinct this is one SGD step of rate alpha on that loss: the autograd trainer's step at
batch size 1.  Two departures from word2vec.c, both to stay that step: skip-gram reads the
centre word's input vector and predicts the context word (``SkipGramNS``; word2vec.c reads the
context word's and predicts the centre, the same pairs the other way round), and CBOW adds
e / m to each context word, the gradient of the mean (word2vec.c and gensim add e itself).

Noise words come from word2vec.c's linear congruential generator
r <- r * 25214903917 + 11 (mod 2^64); its top 32 bits h pick slot (h * T) >> 32 of the
unigram^0.75 table of T slots (Lemire 2019's multiply-shift, where word2vec.c takes
(r >> 16) mod T: a 64-bit division per draw costs more than the rest of the draw).  A noise
word equal to the true output word is skipped, as in word2vec.c.  Windows, subsampling
and the table are drawn in NumPy by ``yingshe.text.sampling`` before each epoch.

This module imports numba: ``yingshe.training.word_vectors`` imports it on first use, when
numba is installed and compiled kernels are not switched off (``YINGSHE_NUMBA=0`` or
``yingshe.ops._compiled.use_compiled(False)``), and otherwise trains with
``kernel="autograd"``, the textbook path (minibatches through autograd and ``SparseRowSGD``) and
the tests' reference.  The functions are module-level so that numba's disk cache finds them
again in a new process (a jitted closure that calls another is compiled afresh each time)."""
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

__all__ = ["negative_sampling_step", "draw_outputs", "train_chunk", "train_epoch"]

# word2vec.c's random numbers: next_random = next_random * 25214903917 + 11
MULTIPLIER, INCREMENT, SHIFT = np.uint64(25214903917), np.uint64(11), np.uint64(32)
MIN_LR_FRACTION = 1e-4  # alpha decays linearly to lr * 1e-4 over all epochs (word2vec.c)
# Compiled for these types when the module is imported (from numba's disk cache after the
# first time), so that importing it is loading it.  Reassociation lets LLVM vectorise the dot
# products; no "nnan": a NaN loss must survive to be reported.
TABLE, IDS = numba.float32[:, ::1], numba.int64[::1]


def jit(signature):
    """numba's njit for ``signature``: without the GIL, cached on disk, reassociating sums."""
    return numba.njit(signature, nogil=True, cache=True, fastmath={"reassoc", "contract"})


@jit(numba.float64(TABLE, TABLE, IDS, numba.int64, IDS, numba.int64, numba.float64,
                   numba.float32[::1], numba.float32[::1]))
def negative_sampling_step(syn0, syn1, inputs, n_inputs, outputs, n_outputs, alpha, v, e):
    """One example: input words inputs[:n_inputs], output words outputs[:n_outputs] (the
    true one first), v and e scratch vectors of the tables' width.  Updates syn0 and syn1
    in place and returns the example's loss before the update,
    softplus(-u_o . v) + sum_k softplus(u_k . v).  (Rows are indexed as table[w, d], not
    taken as views: each view costs numba two atomic reference-count updates.)"""
    dim = syn0.shape[1]
    scale = np.float32(1.0 / n_inputs)
    v[:] = 0
    for i in range(n_inputs):
        c = inputs[i]
        for d in range(dim):
            v[d] += syn0[c, d]
    for d in range(dim):
        v[d] *= scale
    e[:] = 0
    loss = 0.0
    log_terms = 1.0  # prod_t (1 + exp(-|s_t|)), in [1, 2^n_outputs]: one log per example
    for t in range(n_outputs):
        w = outputs[t]
        score = np.float32(0.0)
        for d in range(dim):
            score += syn1[w, d] * v[d]
        exp_minus_abs = np.exp(-abs(score))  # sigma and softplus without overflow
        f = 1.0 / (1.0 + exp_minus_abs) if score >= 0 else exp_minus_abs / (
            1.0 + exp_minus_abs)
        label = 1.0 if t == 0 else 0.0
        signed = -score if t == 0 else score
        loss += max(signed, 0.0)  # softplus(x) = max(x, 0) + log(1 + exp(-|x|))
        log_terms *= 1.0 + exp_minus_abs
        g = np.float32((label - f) * alpha)
        for d in range(dim):
            u_d = syn1[w, d]
            e[d] += g * u_d
            syn1[w, d] = u_d + g * v[d]
    for i in range(n_inputs):
        c = inputs[i]
        for d in range(dim):
            syn0[c, d] += e[d] * scale
    return loss + np.log(log_terms)


@jit(numba.types.Tuple((numba.int64, numba.uint64))(numba.int64, numba.int32[::1], numba.int64,
                                                    numba.uint64, IDS))
def draw_outputs(target, noise_table, negatives, state, outputs):
    """outputs[0] = target, then up to ``negatives`` noise words from the table, those
    equal to target skipped; returns (number of output words, the generator's state)."""
    outputs[0] = target
    count = 1
    size = np.uint64(len(noise_table))
    for _ in range(negatives):
        state = state * MULTIPLIER + INCREMENT
        word = noise_table[((state >> SHIFT) * size) >> SHIFT]
        if word != target:
            outputs[count] = word
            count += 1
    return count, state


@jit(numba.types.Tuple((numba.float64, numba.int64))(
    TABLE, TABLE, IDS, IDS, numba.int64, numba.int64, numba.int32[::1], numba.int64,
    numba.boolean, numba.float64, numba.int64, numba.int64, numba.uint64))
def train_chunk(syn0, syn1, tokens, spans, start, stop, noise_table, negatives, cbow, lr,
                epoch, epochs, seed):
    """The examples of the centre positions start..stop-1 in corpus order: skip-gram one
    per (centre, context word within spans[t]), CBOW one per centre with context.  alpha
    = lr * max(1e-4, 1 - (epoch + chunk progress) / epochs).  Returns (loss sum,
    examples)."""
    n = len(tokens)
    dim = syn0.shape[1]
    v = np.empty(dim, syn0.dtype)
    e = np.empty(dim, syn0.dtype)
    inputs = np.empty(max(1, 2 * spans.max()) if n else 1, np.int64)
    outputs = np.empty(negatives + 1, np.int64)
    state = seed
    loss = 0.0
    examples = 0
    length = max(stop - start, 1)
    for t in range(start, stop):
        alpha = lr * max(MIN_LR_FRACTION, 1.0 - (epoch + (t - start) / length) / epochs)
        lo, hi = max(0, t - spans[t]), min(n, t + spans[t] + 1)
        if cbow:
            count = 0
            for j in range(lo, hi):
                if j != t:
                    inputs[count] = tokens[j]
                    count += 1
            if count > 0:
                n_outputs, state = draw_outputs(tokens[t], noise_table, negatives, state,
                                                outputs)
                loss += negative_sampling_step(syn0, syn1, inputs, count, outputs,
                                               n_outputs, alpha, v, e)
                examples += 1
        else:
            inputs[0] = tokens[t]
            for j in range(lo, hi):
                if j != t:
                    n_outputs, state = draw_outputs(tokens[j], noise_table, negatives,
                                                    state, outputs)
                    loss += negative_sampling_step(syn0, syn1, inputs, 1, outputs,
                                                   n_outputs, alpha, v, e)
                    examples += 1
    return loss, examples


def train_epoch(syn0, syn1, tokens, spans, noise_table, negatives, cbow, lr, epoch, epochs,
                seeds):
    """One pass over ``tokens`` (the subsampled corpus, int64) with dynamic windows ``spans``,
    updating the float32 tables ``syn0`` (input vectors) and ``syn1`` (output vectors) in
    place; returns (sum of the examples' losses, number of examples).  One thread per entry
    of ``seeds`` (uint64, each thread's first random number) takes a contiguous chunk of the
    centre positions; windows reach across chunk borders, so the examples are the same for any
    number of threads.  A chunk decays alpha by its own progress, which on threads running
    side by side tracks the epoch's."""
    workers = len(seeds)
    bounds = [len(tokens) * i // workers for i in range(workers + 1)]

    def chunk(i):
        return train_chunk(syn0, syn1, tokens, spans, bounds[i], bounds[i + 1], noise_table,
                           negatives, cbow, lr, epoch, epochs, seeds[i])

    if workers == 1:
        return chunk(0)
    with ThreadPoolExecutor(workers, thread_name_prefix="yingshe-word2vec") as pool:
        results = list(pool.map(chunk, range(workers)))
    return sum(loss for loss, _ in results), sum(count for _, count in results)
