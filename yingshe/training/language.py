"""Training loops for language models: truncated backpropagation through time over batchified
token streams (the state is carried between windows but detached, so gradients flow through at
most ``bptt`` steps; Williams & Peng 1990), gradient clipping, perplexity = exp(mean
cross-entropy)."""
import math
import time

from ..autograd.grad_mode import no_grad
from ..datasets.text import bptt_windows
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from .progress import progress_bar
from .trainer import check_finite

__all__ = ["detach_state", "lm_train_epoch", "lm_evaluate"]


def detach_state(state):
    """Cut the graph behind a recurrent state (a tensor or a tuple of tensors)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def _loss(model, x, y, state):
    logits, state = model(x, state)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


def lm_train_epoch(model, optimizer, data, bptt, clip=None, log_every=0, log=print,
                   sum_over_time=False, progress=False, epoch=None):
    """One pass over (T, B) ``data``; returns (mean loss per token, tokens per second).

    ``sum_over_time``: minimise the per-step losses summed over the window and averaged over the
    batch (Zaremba et al.'s objective, whose learning rate 1 and clipping norm 5 assume it)
    instead of the mean over all tokens; the reported loss is the per-token mean either way.
    ``progress``: show a tqdm bar (``log_every`` lines are then written through it).
    A NaN or infinite loss raises ``NonFiniteLossError`` naming the window (counted from 1, and
    ``epoch`` when given) before the weights are updated with it."""
    model.train()
    state, total, tokens = None, 0.0, 0
    start = time.perf_counter()
    windows = progress_bar(bptt_windows(data, bptt), "windows", progress,
                           total=-(-(data.shape[0] - 1) // bptt))
    log = getattr(windows, "write", log)
    for step, (x, y) in enumerate(windows, 1):
        state = detach_state(state)
        optimizer.zero_grad()
        loss, state = _loss(model, x, y, state)
        (loss * x.shape[0] if sum_over_time else loss).backward()
        value = check_finite(loss.item(), "language-model loss (cross-entropy per token)",
                             epoch=epoch, step=step, step_name="window")
        if clip:
            clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        total += value * y.numel()
        tokens += y.numel()
        if hasattr(windows, "set_postfix"):
            windows.set_postfix(perplexity=f"{math.exp(total / tokens):.1f}")
        if log_every and step % log_every == 0:
            speed = tokens / (time.perf_counter() - start)
            log(f"  step {step}: loss {total / tokens:.3f}, perplexity "
                f"{math.exp(total / tokens):.1f}, {speed:.0f} tokens/s")
    return total / tokens, tokens / (time.perf_counter() - start)


@no_grad()
def lm_evaluate(model, data, bptt):
    """Mean cross-entropy per token over (T, B) ``data`` (state carried across windows)."""
    model.eval()
    state, total, tokens = None, 0.0, 0
    for x, y in bptt_windows(data, bptt):
        loss, state = _loss(model, x, y, state)
        total += loss.item() * y.numel()
        tokens += y.numel()
    return total / tokens
