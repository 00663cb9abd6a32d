"""ResNet, MobileNetV2 and GoogLeNet against torchvision 0.28: state_dict keys and shapes, forward
outputs with torchvision's weights loaded, repr, and the small-input ResNet variant."""
import warnings

import numpy as np
import pytest
import torch

import yingshe
from torchvision_oracle import torchvision
from yingshe.vision import models, ops

RESNETS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
           "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"]


def _build(name, **kwargs):
    """The same model from both libraries (GoogLeNet's init warning silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return getattr(models, name)(**kwargs), getattr(torchvision.models, name)(**kwargs)


def _shapes(state):
    return {k: tuple(v.shape) for k, v in state.items()}


@pytest.mark.parametrize("name,kwargs", [(n, {}) for n in RESNETS] + [
    ("resnet50", {"replace_stride_with_dilation": [False, True, True], "num_classes": 7}),
    ("mobilenet_v2", {}),
    ("mobilenet_v2", {"width_mult": 0.75, "num_classes": 10}),
    ("mobilenet_v2", {"width_mult": 1.4, "round_nearest": 4}),
    ("googlenet", {}),
    ("googlenet", {"aux_logits": False, "num_classes": 10}),
])
def test_state_dict_keys_and_shapes_match_torchvision(name, kwargs):
    with yingshe.device("meta"), torch.device("meta"):  # shapes only: no initialisation cost
        ours, theirs = _build(name, **kwargs)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    assert _shapes(ours_state) == _shapes(theirs_state)


def _load_torch_weights(ours, theirs):
    """Copy torchvision's initialised parameters and buffers into ours, with non-trivial
    batch-norm statistics so eval mode exercises them."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in theirs.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.1, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0.0, 0.1, generator=gen)
    state = {k: yingshe.from_numpy(v.detach().numpy().copy())
             for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "mobilenet_v2", "googlenet"])
def test_eval_forward_matches_torchvision_with_its_weights(name):
    torch.manual_seed(0)
    ours, theirs = _build(name, num_classes=10)
    _load_torch_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with yingshe.no_grad():
        actual = ours(yingshe.from_numpy(x)).numpy()
    assert actual.shape == expected.shape == (2, 10)
    # float32 through up to 50 layers: errors scale with the largest logit, not each one
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())


def test_googlenet_transform_input_matches_torchvision():
    torch.manual_seed(0)
    ours, theirs = _build("googlenet", num_classes=5, aux_logits=False, transform_input=True)
    _load_torch_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(1).standard_normal((1, 3, 40, 40)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with yingshe.no_grad():
        actual = ours(yingshe.from_numpy(x)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


def test_googlenet_training_mode_returns_aux_outputs():
    with pytest.warns(FutureWarning, match="default weight initialization of GoogleNet"):
        model = models.googlenet(num_classes=7)
    model.train()
    out = model(yingshe.randn(2, 3, 64, 64))
    assert isinstance(out, models.GoogLeNetOutputs)
    assert out._fields == ("logits", "aux_logits2", "aux_logits1")
    assert [tuple(t.shape) for t in out] == [(2, 7), (2, 7), (2, 7)]
    sum(t.sum() for t in out).backward()
    assert model.aux1.fc2.weight.grad is not None and model.conv1.conv.weight.grad is not None
    model.eval()
    with yingshe.no_grad():
        assert tuple(model(yingshe.randn(1, 3, 64, 64)).shape) == (1, 7)
    plain = models.googlenet(num_classes=7, aux_logits=False, init_weights=True)
    assert plain.aux1 is None and tuple(plain(yingshe.randn(1, 3, 64, 64)).shape) == (1, 7)


@pytest.mark.parametrize("name,kwargs", [
    ("resnet18", {}), ("resnet50", {"replace_stride_with_dilation": [False, True, True]}),
    ("resnext50_32x4d", {}), ("mobilenet_v2", {"width_mult": 0.5}), ("googlenet", {}),
    ("googlenet", {"aux_logits": False, "num_classes": 10}),
])
def test_repr_matches_torchvision(name, kwargs):
    with yingshe.device("meta"), torch.device("meta"):
        ours, theirs = _build(name, **kwargs)
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("name,shape", [("resnet18", (2, 1, 28, 28)), ("resnet18", (2, 3, 32, 32)),
                                        ("resnet50", (2, 3, 32, 32))])
def test_small_input_variant_trains(name, shape):
    model = getattr(models, name)(num_classes=10, small_input=True, in_channels=shape[1])
    assert tuple(model.conv1.weight.shape) == (64, shape[1], 3, 3)
    assert isinstance(model.maxpool, yingshe.nn.Identity)
    out = model(yingshe.randn(*shape))
    assert tuple(out.shape) == (2, 10)
    yingshe.nn.functional.cross_entropy(out, yingshe.tensor([1, 7])).backward()
    assert all(p.grad is not None for p in model.parameters())
    with torch.device("meta"):
        theirs = getattr(torchvision.models, name)(num_classes=10)
    assert list(model.state_dict()) == list(theirs.state_dict())


def test_resnet_options_match_torchvision():
    bottleneck = models.ResNet(models.Bottleneck, [1, 1, 1, 1], zero_init_residual=True)
    basic = models.ResNet(models.BasicBlock, [1, 1, 1, 1], zero_init_residual=True)
    zeroed = [m.bn3 for m in bottleneck.modules() if isinstance(m, models.Bottleneck)]
    zeroed += [m.bn2 for m in basic.modules() if isinstance(m, models.BasicBlock)]
    assert len(zeroed) == 8 and not any(bn.weight.detach().numpy().any() for bn in zeroed)
    assert basic.layer1[0].bn1.weight.detach().numpy().all()
    with yingshe.device("meta"), torch.device("meta"):
        ours, theirs = _build("resnet50", replace_stride_with_dilation=[False, False, True])
    assert ours.layer4[1].conv2.dilation == theirs.layer4[1].conv2.dilation == (2, 2)
    assert ours.layer4[0].conv2.stride == theirs.layer4[0].conv2.stride == (1, 1)


def test_initialisation_statistics_match_torchvision():
    """He-normal (fan_out) convolutions, N(0, 0.01) / truncated-normal linear layers."""
    for name in ["resnet18", "mobilenet_v2", "googlenet"]:
        ours, theirs = _build(name)
        for (key, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
            a, b = a.detach().numpy(), b.detach().numpy()
            if a.size > 1000:
                assert abs(a.std() - b.std()) < 0.1 * b.std() + 1e-7, (name, key)
            elif key.endswith(("running_var", "bn.weight", "bn1.weight")):
                np.testing.assert_array_equal(a, b, err_msg=f"{name} {key}")


def test_bad_arguments_raise_as_torchvision():
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None"):
        models.resnet50(replace_stride_with_dilation=[True])
    with pytest.raises(NotImplementedError, match="Dilation > 1 not supported in BasicBlock"):
        models.resnet18(replace_stride_with_dilation=[False, False, True])
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.resnet18(groups=2)
    with pytest.raises(ValueError, match="The parameter 'groups' expected value 32"):
        models.resnext50_32x4d(groups=8)
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        models.InvertedResidual(8, 8, 3, 6)
    with pytest.raises(ValueError, match="inverted_residual_setting should be non-empty"):
        models.mobilenet_v2(inverted_residual_setting=[[1, 16, 1]])
    with pytest.raises(ValueError, match="blocks length should be 3 instead of 2"):
        models.googlenet(init_weights=True, blocks=[models.BasicConv2d, models.Inception])


@pytest.mark.parametrize("kwargs", [{}, {"kernel_size": (3, 5), "dilation": 2, "groups": 4},
                                    {"kernel_size": 1, "norm_layer": None, "inplace": None}])
def test_conv2d_norm_activation_matches_torchvision(kwargs):
    ours = ops.Conv2dNormActivation(8, 12, **kwargs)
    theirs = torchvision.ops.Conv2dNormActivation(8, 12, **kwargs)
    assert str(ours) == str(theirs)
    assert _shapes(ours.state_dict()) == _shapes(theirs.state_dict())
