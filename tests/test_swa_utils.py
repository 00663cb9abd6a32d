"""yingshe.optim.swa_utils against torch.optim.swa_utils: the same running averages of a model
whose weights and batch-norm statistics change between updates, by the closed forms of the
equal and the exponential average, with and without the buffers."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe import nn
from yingshe.optim import swa_utils

rng = np.random.default_rng(0)


def _twins():
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4, bias=False), torch.nn.BatchNorm1d(4),
                                      torch.nn.Linear(4, 2)).double()
    model = nn.Sequential(nn.Linear(3, 4, bias=False), nn.BatchNorm1d(4),
                          nn.Linear(4, 2)).double()
    model.load_state_dict({k: yingshe.from_numpy(v.numpy().copy())
                           for k, v in torch_model.state_dict().items()})
    return model, torch_model


def _train_step(model, torch_model, optimizer, torch_optimizer):
    """One SGD step of both on the same batch: new weights and new running statistics."""
    x = rng.standard_normal((8, 3))
    for net, opt, tensor in ((model, optimizer, yingshe.from_numpy(x)),
                             (torch_model, torch_optimizer, torch.from_numpy(x))):
        opt.zero_grad()
        (net(tensor) ** 2).sum().backward()
        opt.step()


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("decay", [None, 0.9])
def test_averages_match_torch(decay, use_buffers):
    model, torch_model = _twins()
    ema = None if decay is None else swa_utils.get_ema_avg_fn(decay)
    torch_ema = None if decay is None else torch.optim.swa_utils.get_ema_avg_fn(decay)
    average = swa_utils.AveragedModel(model, avg_fn=ema, use_buffers=use_buffers)
    torch_average = torch.optim.swa_utils.AveragedModel(torch_model, avg_fn=torch_ema,
                                                        use_buffers=use_buffers)
    optimizer = yingshe.optim.SGD(model.parameters(), lr=0.1)
    torch_optimizer = torch.optim.SGD(torch_model.parameters(), lr=0.1)
    for _ in range(5):
        _train_step(model, torch_model, optimizer, torch_optimizer)
        average.update_parameters(model)
        torch_average.update_parameters(torch_model)
    ours, theirs = average.state_dict(), torch_average.state_dict()
    assert set(ours) == set(theirs)
    for name, value in theirs.items():
        if name.endswith("num_batches_tracked"):  # a counter: ours follows the model
            continue
        np.testing.assert_allclose(ours[name].numpy(), value.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    x = rng.standard_normal((5, 3))
    average.eval()
    torch_average.eval()
    np.testing.assert_allclose(average(yingshe.from_numpy(x)).detach().numpy(),
                               torch_average(torch.from_numpy(x)).detach().numpy(), rtol=1e-9,
                               atol=1e-12)


def test_the_closed_forms():
    """After weights w_1..w_n: the equal average is their mean; the EMA with decay d is
    d^(n-1) w_1 + sum_{k>=2} (1 - d) d^(n-k) w_k (the first update copies)."""
    layer = nn.Linear(2, 1, bias=False).double()
    weights = rng.standard_normal((4, 1, 2))
    equal = swa_utils.AveragedModel(layer)
    ema = swa_utils.AveragedModel(layer, swa_utils.get_ema_avg_fn(0.75))
    for w in weights:
        layer.weight._data[...] = w
        equal.update_parameters(layer)
        ema.update_parameters(layer)
    np.testing.assert_allclose(equal.module.weight.detach().numpy(), weights.mean(axis=0),
                               rtol=1e-12)
    d, n = 0.75, len(weights)
    expected = d ** (n - 1) * weights[0] + sum((1 - d) * d ** (n - k) * weights[k - 1]
                                               for k in range(2, n + 1))
    np.testing.assert_allclose(ema.module.weight.detach().numpy(), expected, rtol=1e-12)
    assert int(ema.n_averaged.item()) == n
    assert ema.module is not layer and ema.module.weight is not layer.weight


def test_the_decay_must_lie_in_the_unit_interval():
    check_raises(lambda: swa_utils.get_ema_avg_fn(1.5), ValueError, "[0, 1]", "1.5")


def test_update_bn_matches_torch():
    """Statistics restart and become the equal average over the loader's batches (tuples
    give their first field); momentum and eval mode are put back."""
    model, torch_model = _twins()
    batches = [rng.standard_normal((n, 3)) for n in (6, 9, 4)]
    model.eval()
    torch_model.eval()
    swa_utils.update_bn([(yingshe.from_numpy(x),) for x in batches], model)
    torch.optim.swa_utils.update_bn([(torch.from_numpy(x),) for x in batches], torch_model)
    for name, value in torch_model.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[name].detach().numpy(), value.numpy(),
                                   rtol=1e-12, err_msg=name)
    assert not model.training and model[1].momentum == 0.1
    swa_utils.update_bn([], nn.Linear(2, 2))  # no batch norm: nothing to do
