"""The benchmark workloads (benchmarks/workloads.py, issue 29): each is written once against the
PyTorch API, so its yingshe and PyTorch twins must be the same network: the same parameter count,
the same outputs from the same weights, and a training step that runs and reaches every
parameter in both frameworks.  The suite's runner is checked on one small workload."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import yingshe
from benchmarks import workloads
from yingshe.models.seq2seq import Seq2Seq
from yingshe.vision import models

ROOT = Path(__file__).parent.parent
FRAMEWORKS = (yingshe, torch)


def _parameters(model):
    return sum(p.numel() for p in model.parameters())


def _load_yingshe_weights(source, target):
    """Copy a yingshe model's state_dict into its PyTorch twin (same code, same keys)."""
    target.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in source.state_dict().items()})


@pytest.mark.parametrize("name", [n for n in workloads.WORKLOADS if n != "lenet_mnist_epoch"])
def test_twins_have_the_same_parameter_count(name):
    build, arguments, _ = workloads.WORKLOADS[name]
    yingshe_model, torch_model = (build(fw, *arguments)[2] for fw in FRAMEWORKS)
    assert _parameters(yingshe_model) == _parameters(torch_model) > 0


@pytest.mark.parametrize("name, reference", [
    ("resnet18", lambda: models.resnet18(num_classes=10, small_input=True)),
    ("vgg11_bn", lambda: models.vgg11_bn(num_classes=10, small_input=True)),
    ("googlenet", lambda: models.googlenet(num_classes=10, aux_logits=False, small_input=True,
                                           init_weights=False)),
    ("mobilenet_v2", lambda: models.mobilenet_v2(num_classes=10, small_input=True)),
])
def test_cnn_workloads_are_the_model_zoo_networks(name, reference):
    build, _ = workloads.MODELS[name]
    assert _parameters(build(yingshe)) == _parameters(reference())


def test_seq2seq_workload_is_the_translation_model():
    model = workloads.gru_seq2seq_step(yingshe)[2]
    assert _parameters(model) == _parameters(Seq2Seq(8000, 8000))


@pytest.mark.parametrize("name", ["vgg11_bn", "googlenet", "mobilenet_v2"])
def test_cnn_twins_compute_the_same_logits(name):
    build, shape = workloads.MODELS[name]
    yingshe.manual_seed(0)
    ours = build(yingshe).eval()
    theirs = build(torch).eval()
    _load_yingshe_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2,) + shape).astype(np.float32)
    with yingshe.no_grad(), torch.no_grad():
        np.testing.assert_allclose(ours(yingshe.from_numpy(x)).numpy(),
                                   theirs(torch.from_numpy(x)).numpy(), rtol=1e-4, atol=1e-4)


def test_transformer_twins_compute_the_same_logits():
    batch, length, vocab = 2, 12, 50
    ours, theirs = (workloads.transformer_lm_step(fw, batch, length, vocab, d_model=32, heads=4,
                                                  layers=2)[2].eval() for fw in FRAMEWORKS)
    _load_yingshe_weights(ours, theirs)
    x = np.random.default_rng(0).integers(0, vocab, (batch, length))
    with yingshe.no_grad(), torch.no_grad():
        got = ours(yingshe.from_numpy(x), yingshe.nn.Transformer.generate_square_subsequent_mask(
            length)).numpy()
        want = theirs(torch.from_numpy(x), torch.nn.Transformer.generate_square_subsequent_mask(
            length)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_seq2seq_twins_compute_the_same_logits():
    batch, length, vocab = 3, 5, 40
    ours, theirs = (workloads.gru_seq2seq_step(fw, batch, length, vocab, width=16)[2].eval()
                    for fw in FRAMEWORKS)
    _load_yingshe_weights(ours, theirs)
    rng = np.random.default_rng(0)
    source, target = rng.integers(0, vocab, (2, batch, length))
    with yingshe.no_grad(), torch.no_grad():
        got = ours(yingshe.from_numpy(source), yingshe.from_numpy(target)).numpy()
        want = theirs(torch.from_numpy(source), torch.from_numpy(target)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("framework", FRAMEWORKS, ids=lambda fw: fw.__name__)
@pytest.mark.parametrize("build, arguments", [
    (workloads.train_step, ("vgg11_bn", 2)),
    (workloads.train_step, ("googlenet", 2)),
    (workloads.train_step, ("mobilenet_v2", 2)),
    (workloads.transformer_lm_step, (2, 8, 30, 16, 2, 1)),
    (workloads.gru_seq2seq_step, (2, 4, 30, 8)),
    (workloads.ssd_step, (2, 64)),
], ids=["vgg11_bn", "googlenet", "mobilenet_v2", "transformer_lm", "gru_seq2seq", "ssd"])
def test_training_step_reaches_every_parameter(framework, build, arguments):
    """Every parameter gets a gradient and the step moves the weights.  (Not every parameter
    moves: a convolution bias before batch norm has a zero gradient, and some of MobileNetV2's
    updates round away in float32, in both frameworks alike.)"""
    step, items, model = build(framework, *arguments)
    before = [p.detach().numpy().copy() for p in model.parameters()]
    step()
    assert items > 0
    assert all(p.grad is not None for p in model.parameters())
    after = [p.detach().numpy() for p in model.parameters()]
    assert all(np.isfinite(a).all() for a in after)
    assert any(not np.array_equal(a, b) for a, b in zip(after, before, strict=True))


def test_run_one_reports_a_fresh_process_measurement():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run_one", "yingshe", "mlp_b8", "--threads", "1",
         "--steps", "3"], cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["parameters"] == 235146  # 784*256+256 + 256*128+128 + 128*10+10
    assert result["steps"] == 3 and result["threads"] == 1
    assert result["steps_per_s"] > 0 and result["peak_rss_mib"] > 0
