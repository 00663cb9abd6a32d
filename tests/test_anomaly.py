"""Anomaly detection (``yingshe.autograd.detect_anomaly``, compared with PyTorch's) and the
training loops stopping at the first NaN/Inf loss before the weights or checkpoints change."""
import math
import warnings

import numpy as np
import pytest
import torch

import yingshe
from yingshe import autograd, nn, optim
from yingshe.models.generative import VAE, Autoencoder, MLPDiscriminator, MLPGenerator
from yingshe.models.language import RNNLanguageModel
from yingshe.nn import functional as F
from yingshe.training import ModelCheckpoint, Trainer, load_training_state
from yingshe.training.generative import train_autoencoder, train_gan, train_vae
from yingshe.training.language import lm_train_epoch
from yingshe.training.trainer import NonFiniteLossError, check_finite
from yingshe.utils.data import DataLoader, TensorDataset

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on the nan we make
SLOW_WARNING = "Anomaly Detection has been enabled"


@pytest.fixture(autouse=True)
def _anomaly_off_after():
    yield
    assert not autograd.is_anomaly_enabled(), "a test left anomaly detection on"
    assert autograd.is_anomaly_check_nan_enabled()


def _nan_graph(module):
    """sqrt(0) * 0: the forward is finite (0), the backward of sqrt gives 0 * inf = nan."""
    x = module.zeros(3, requires_grad=True)
    y = module.sqrt(x)  # the forward line the anomaly report must show
    return x, (y * 0).sum()


def _anomaly_warnings(record):
    return [str(w.message) for w in record if "Error detected in" in str(w.message)
            or "Previous calculation" in str(w.message)]


def _detector(module=autograd, **kwargs):
    """``module.detect_anomaly(**kwargs)``, checking that making it warns that it is slow."""
    with pytest.warns(UserWarning, match=SLOW_WARNING):
        return module.detect_anomaly(**kwargs)


def _failing_backward(out, expected=RuntimeError, backward=None):
    """Run ``out.backward()`` (or ``backward()``), which must raise ``expected``; return the
    message, the anomaly reports warned meanwhile and all the warnings."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with pytest.raises(expected) as error:
            (backward or out.backward)()
    return str(error.value), _anomaly_warnings(record), record


# ---- detect_anomaly --------------------------------------------------------------------------

def test_nan_in_backward_raises_naming_the_op_as_torch_does():
    tx, tout = _nan_graph(torch)  # without detection the nan reaches the gradient silently
    tout.backward()
    x, out = _nan_graph(yingshe)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out.backward()
    assert np.isnan(x.grad.numpy()).all() and torch.isnan(tx.grad).all()
    assert not _anomaly_warnings(record)
    assert getattr(out.grad_fn, "_anomaly_trace", None) is None  # nothing recorded when off

    with _detector(torch.autograd):
        _, out = _nan_graph(torch)
        torch_message, _, _ = _failing_backward(out)
    assert torch_message == "Function 'SqrtBackward0' returned nan values in its 0th output."

    with _detector():
        x, out = _nan_graph(yingshe)
        message, [report], _ = _failing_backward(out)
    assert message == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert x.grad is None  # the pass stopped before reaching the leaf
    assert report.startswith("Error detected in SqrtBackward0. Traceback of forward call that "
                             "caused the error:\n")
    stack = report.splitlines()
    assert stack[-2].endswith("in _nan_graph") and __file__ in stack[-2]
    assert stack[-1].strip() == "y = module.sqrt(x)  # the forward line the anomaly report must show"
    assert "in test_nan_in_backward_raises_naming_the_op_as_torch_does" in report
    assert "yingshe/ops" not in report and "yingshe/autograd" not in report  # trimmed


class Boom(autograd.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, grad):
        raise ValueError("boom in backward")


def test_check_nan_false_lets_nan_through_but_still_reports_errors():
    with _detector(check_nan=False):
        assert autograd.is_anomaly_enabled() and not autograd.is_anomaly_check_nan_enabled()
        x, out = _nan_graph(yingshe)
        out.backward()
        assert np.isnan(x.grad.numpy()).all()
        out = Boom.apply(x).sum()  # made here
        message, [report], record = _failing_backward(out, ValueError)
    assert message == "boom in backward"
    assert report.startswith("Error detected in BoomBackward.")
    assert report.splitlines()[-1].strip() == "out = Boom.apply(x).sum()  # made here"
    assert [w.filename for w in record if "Error detected" in str(w.message)] == [__file__]


def test_a_custom_function_is_checked_on_every_returned_gradient_as_torch():
    def make(module):
        class NanForB(module.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * 1

            @staticmethod
            def backward(ctx, grad):
                return grad, module.full_like(grad, math.nan)  # b needs no gradient

        return NanForB.apply(module.ones(2, requires_grad=True), module.ones(2)).sum()

    with _detector(torch.autograd):
        torch_message, _, _ = _failing_backward(make(torch))
    with _detector():
        message, _, _ = _failing_backward(make(yingshe))
    assert message == torch_message == \
        "Function 'NanForBBackward' returned nan values in its 1th output."


def test_finite_graphs_give_the_same_gradients_and_no_report():
    def gradients():
        yingshe.manual_seed(0)
        layer = nn.Linear(4, 3)
        x = yingshe.randn(5, 4, requires_grad=True)
        F.cross_entropy(layer(x).tanh(), yingshe.tensor([0, 1, 2, 0, 1])).backward()
        return [p.grad.numpy() for p in layer.parameters()] + [x.grad.numpy()]

    plain = gradients()
    with _detector(), warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        checked = gradients()
    assert not record
    for a, b in zip(plain, checked):
        np.testing.assert_array_equal(a, b)


def test_the_decorator_set_detect_anomaly_and_nesting_restore_the_mode():
    with pytest.warns(UserWarning, match=SLOW_WARNING):
        @autograd.detect_anomaly(check_nan=False)
        def inside():
            return autograd.is_anomaly_enabled(), autograd.is_anomaly_check_nan_enabled()

    assert inside() == (True, False)
    assert not autograd.is_anomaly_enabled()

    with pytest.warns(UserWarning, match=SLOW_WARNING):
        @autograd.detect_anomaly()
        def backward_nan():
            _, out = _nan_graph(yingshe)
            out.backward()

    with pytest.raises(RuntimeError, match="'SqrtBackward0' returned nan"), pytest.warns(
            UserWarning, match="Error detected in SqrtBackward0"):
        backward_nan()
    assert not autograd.is_anomaly_enabled()  # restored after the exception too

    with autograd.set_detect_anomaly(True):
        assert autograd.is_anomaly_enabled() and autograd.is_anomaly_check_nan_enabled()
        with autograd.set_detect_anomaly(False):
            assert not autograd.is_anomaly_enabled()
        assert autograd.is_anomaly_enabled()
        with _detector(check_nan=False):
            assert not autograd.is_anomaly_check_nan_enabled()
        assert autograd.is_anomaly_check_nan_enabled()
    assert not autograd.is_anomaly_enabled()

    autograd.set_detect_anomaly(True, check_nan=False)  # as a plain call it stays set
    try:
        assert autograd.is_anomaly_enabled() and not autograd.is_anomaly_check_nan_enabled()
    finally:
        autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled() and autograd.is_anomaly_check_nan_enabled()


def test_forward_outside_detection_says_no_forward_information_as_torch():
    _, out = _nan_graph(yingshe)
    with autograd.set_detect_anomaly(True), pytest.raises(RuntimeError, match="SqrtBackward"), \
            pytest.warns(UserWarning, match="Error detected in SqrtBackward0. No forward pass "
                         "information available. Enable detect anomaly during forward pass"):
        out.backward()


def test_double_backward_names_the_node_and_the_node_that_induced_it_as_torch():
    def run(module, grad):
        x = module.zeros(3, requires_grad=True)
        y = module.sqrt(x)
        g, = grad(y.sum(), x, create_graph=True)  # d sqrt = 1 / (2 sqrt x): inf, made here
        message, reports, _ = _failing_backward((g * 0).sum())  # 0 * inf: nan
        return message, reports

    with _detector(torch.autograd):
        torch_message, torch_reports = run(torch, torch.autograd.grad)
    with _detector():
        message, reports = run(yingshe, autograd.grad)
    assert torch_message == "Function 'DivBackward0' returned nan values in its 1th output."
    assert message == torch_message
    assert len(reports) == len(torch_reports) == 2
    assert reports[0].startswith("Error detected in DivBackward0.")
    assert reports[0].splitlines()[-1].strip().startswith("g, = grad(y.sum(), x, create_graph")
    assert reports[1].startswith("\n\nPrevious calculation was induced by SqrtBackward0. "
                                 "Traceback of forward call that induced the previous calculation")
    assert reports[1].splitlines()[-1].strip() == "y = module.sqrt(x)"


# ---- training stops at the first non-finite loss -----------------------------------------

def _weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _classification(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return DataLoader(TensorDataset(yingshe.from_numpy(x), yingshe.from_numpy(y)),
                      batch_size=8)  # 6 steps per epoch


class LossTurningBad:
    """Cross-entropy, but ``bad`` (nan or inf) times it on call number ``at`` (from 1); it
    remembers the weights the model had at that moment (those after the last good update)."""

    def __init__(self, model, at, bad):
        self.model, self.at, self.bad, self.calls, self.weights_then = model, at, bad, 0, None

    def __call__(self, output, target):
        self.calls += 1
        loss = F.cross_entropy(output, target)
        if self.calls == self.at:
            self.weights_then = _weights(self.model)
            return loss * self.bad
        return loss


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_trainer_stops_at_the_first_bad_loss_and_keeps_the_last_good_checkpoint(tmp_path, bad):
    yingshe.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2))
    loss_fn = LossTurningBad(model, at=6 + 6 + 4, bad=bad)  # epoch 3, step 4
    path = tmp_path / "last.safetensors"
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), loss_fn,
                      callbacks=[ModelCheckpoint(path, monitor="train_loss",
                                                 save_best_only=False)], progress=False)
    written = {}
    trainer.callbacks.append(type("Snapshot", (), {
        "on_train_begin": lambda self, t: None, "on_train_end": lambda self, t: None,
        "on_epoch_end": lambda self, t, logs: written.update(bytes=path.read_bytes(),
                                                               epoch=logs["epoch"])})())
    with pytest.raises(NonFiniteLossError) as error:
        trainer.fit(_classification(), epochs=5, log=None)
    message = str(error.value)
    assert isinstance(error.value, FloatingPointError)
    assert f"at epoch 3, step 4: the loss is {bad}." in message
    assert "weights were not updated with this step" in message
    assert "checkpoints written so far" in message and "last good ones" in message
    assert "--detect-anomaly" in message and "yingshe.autograd.detect_anomaly()" in message
    for name, value in _weights(model).items():  # no update with the bad step
        np.testing.assert_array_equal(value, loss_fn.weights_then[name], err_msg=name)
    assert trainer.epoch == 2 and len(trainer.history) == 2
    assert written["epoch"] == 2 and path.read_bytes() == written["bytes"]  # left as it was
    restored = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2))
    progress = load_training_state(path, {"model": restored},
                                   {"model": optim.SGD(restored.parameters(), lr=0.1,
                                                       momentum=0.9)}, {})
    assert progress["epoch"] == 2
    assert all(np.isfinite(v).all() for v in _weights(restored).values())


def test_a_diverging_trainer_stops_with_the_error_and_detect_anomaly_names_the_op():
    yingshe.manual_seed(0)
    model = nn.Linear(6, 1)  # least squares with a far too large step: |w| grows x1000 a step

    def squared_error(output, target):
        return F.mse_loss(output[:, 0], target.float())

    trainer = Trainer(model, optim.SGD(model.parameters(), lr=1e3), squared_error,
                      progress=False, metric=None)
    with pytest.raises(NonFiniteLossError, match=r"at epoch 2, step \d: the loss is (nan|inf)"):
        trainer.fit(_classification(), epochs=3, log=None)

    model = nn.Linear(6, 2)
    loss_fn = LossTurningBad(model, at=2, bad=math.nan)  # loss * nan: MulBackward gives nan
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), loss_fn, progress=False)
    with _detector():
        message, [report], _ = _failing_backward(
            None, backward=lambda: trainer.fit(_classification(), epochs=1, log=None))
    assert message == "Function 'MulBackward0' returned nan values in its 0th output."
    assert report.splitlines()[-1].strip() == "return loss * self.bad"


def test_check_finite_passes_finite_values_and_names_the_parts():
    assert check_finite(1.5) == 1.5
    with pytest.raises(NonFiniteLossError) as error:
        check_finite(math.nan, "VAE loss", epoch=2, step=7,
                     parts={"reconstruction": yingshe.tensor(math.nan), "kl": 0.25})
    assert str(error.value).startswith(
        "Training stopped at epoch 2, step 7: the VAE loss is nan (reconstruction = nan, "
        "kl = 0.25).")


def _images(bad_batch, n=24, batch_size=8, low=0.0):
    """Image batches of (1, 4, 4) in [low, 1]; one pixel of batch ``bad_batch`` (from 1) is nan."""
    x = np.random.default_rng(0).uniform(low, 1, (n, 1, 4, 4)).astype(np.float32)
    if bad_batch is not None:
        x[(bad_batch - 1) * batch_size, 0, 1, 2] = np.nan
    return DataLoader(TensorDataset(yingshe.from_numpy(x)), batch_size=batch_size)


def _all_finite(*models):
    return all(np.isfinite(v).all() for m in models for v in _weights(m).values())


def test_autoencoder_training_stops_at_the_bad_batch():
    model = Autoencoder((1, 4, 4), hidden=(8,), latent=2)
    train_autoencoder(model, _images(None), 1, optim.Adam(model.parameters()))  # fine
    with pytest.raises(NonFiniteLossError) as error:
        train_autoencoder(model, _images(2), 2, optim.Adam(model.parameters()))
    assert str(error.value).startswith(
        "Training stopped at epoch 1, step 2: the autoencoder loss is nan (reconstruction = nan)")
    assert _all_finite(model)


def test_vae_training_stops_at_the_bad_batch():
    model = VAE((1, 4, 4), hidden=8, latent=2)
    with pytest.raises(NonFiniteLossError) as error:
        train_vae(model, _images(3), 2, optim.Adam(model.parameters()))
    assert str(error.value).startswith(
        "Training stopped at epoch 1, step 3: the VAE loss (negative ELBO) is nan "
        "(reconstruction = nan, kl = ")
    assert _all_finite(model)


def test_gan_training_names_the_discriminator_or_the_generator_loss():
    g = MLPGenerator(4, hidden=(8,), image_shape=(1, 4, 4))
    d = MLPDiscriminator((1, 4, 4), hidden=(8,), dropout=0.0)
    with pytest.raises(NonFiniteLossError) as error:
        train_gan(g, d, _images(2, low=-1.0), 2, latent=4)
    assert str(error.value).startswith(
        "Training stopped at epoch 1, step 2: the discriminator loss (d_loss) is nan.")
    assert _all_finite(g, d)

    class GoesBadOnCall(nn.Module):
        """The generator, whose output is nan on its ``at``-th call."""

        def __init__(self, generator, at):
            super().__init__()
            self.generator, self.at, self.calls = generator, at, 0

        def forward(self, z):
            self.calls += 1
            out = self.generator(z)
            return out * math.nan if self.calls == self.at else out

    bad = GoesBadOnCall(g, at=4)  # batch 2's second G step (its fresh z)
    with pytest.raises(NonFiniteLossError) as error:
        train_gan(bad, d, _images(None, low=-1.0), 1, latent=4, generator_steps=2)
    assert str(error.value).startswith(
        "Training stopped at epoch 1, step 2: the generator loss (g_loss, generator step 2 of "
        "2) is nan.")
    assert _all_finite(g, d)


def test_language_model_training_names_the_window():
    class GoesBadAtWindow(nn.Module):
        def __init__(self, model, at):
            super().__init__()
            self.model, self.at, self.calls = model, at, 0

        def forward(self, x, state):
            self.calls += 1
            logits, state = self.model(x, state)
            return (logits * math.inf if self.calls == self.at else logits), state

    yingshe.manual_seed(0)
    data = yingshe.from_numpy(np.random.default_rng(0).integers(0, 12, (41, 3)))
    model = GoesBadAtWindow(RNNLanguageModel(12, 8, 8, 1), at=3)
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    with pytest.raises(NonFiniteLossError) as error:
        lm_train_epoch(model, optimizer, data, 10, clip=5.0)
    assert str(error.value).startswith(
        "Training stopped at window 3: the language-model loss (cross-entropy per token) is nan.")
    assert _all_finite(model)
    model.calls = 0
    with pytest.raises(NonFiniteLossError, match="at epoch 4, window 3: "):
        lm_train_epoch(model, optimizer, data, 10, epoch=4)
