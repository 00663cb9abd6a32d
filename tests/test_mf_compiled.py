"""The compiled minibatch steps of biased MF (``models.recommender.CompiledMFStep``, numba)
against their twin, forward_with_penalty + backward + SparseAdam; the ``mf`` recipe on either
path, switching between them on resume; and the errors of bad input."""
import json

import numpy as np
import pytest

import yingshe
from helpers import check_raises
from yingshe import cli, optim
from yingshe.datasets import default_root
from yingshe.models.recommender import BiasedMF, CompiledMFStep
from yingshe.ops import _compiled
from yingshe.training import read_training_state
from yingshe.training.recipes import recommender as recipe

pytest.importorskip("numba")

USERS, ITEMS, FACTORS, REG = 7, 9, 5, 0.1
TOLERANCES = {"float64": {"rtol": 1e-12, "atol": 1e-15}, "float32": {"rtol": 1e-5, "atol": 1e-7}}


def _model(dtype, seed=0):
    """A BiasedMF with random biases too (the recipe starts them at 0), and its SparseAdam."""
    yingshe.manual_seed(seed)
    model = BiasedMF(USERS, ITEMS, FACTORS, global_mean=3.5, init_std=0.3)
    for table in (model.user_bias, model.item_bias):
        yingshe.nn.init.normal_(table.weight, 0.0, 0.5)
    model.to(getattr(yingshe, dtype))
    return model, optim.SparseAdam(model.parameters(), lr=0.05, betas=(0.8, 0.9), eps=1e-6)


def _ratings(count, seed=1):
    """Ratings of few users and items, so that every batch repeats rows (and pairs)."""
    rng = np.random.default_rng(seed)
    users, items = rng.integers(0, USERS, count), rng.integers(0, ITEMS, count)
    users[1], items[1] = users[0], items[0]  # the same (user, item) pair twice in batch 1
    return users, items, rng.integers(1, 6, count).astype(np.float64)


def _autograd_step(model, optimizer, users, items, ratings):
    """The recipe's autograd step: (mean squared error, mean penalty) before the update."""
    prediction, penalty = model.forward_with_penalty(yingshe.from_numpy(users),
                                                     yingshe.from_numpy(items))
    target = yingshe.from_numpy(ratings).to(prediction.dtype)
    error = ((prediction - target) ** 2).mean()
    optimizer.zero_grad()
    (error + REG * penalty.mean()).backward()
    optimizer.step()
    return error.item(), penalty.mean().item()


def _assert_same_state(first, second, first_optimizer, second_optimizer, tolerance):
    for (name, a), b in zip(first.named_parameters(), second.parameters()):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), **tolerance,
                                   err_msg=name)
        state, other = first_optimizer.state[a], second_optimizer.state[b]
        assert state["step"] == other["step"], name
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_allclose(other[key].numpy(), state[key].numpy(), **tolerance,
                                       err_msg=f"{name} {key}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_compiled_steps_equal_autograd_and_sparse_adam(dtype):
    reference, reference_optimizer = _model(dtype)
    model, optimizer = _model(dtype)
    users, items, ratings = _ratings(38)
    step = CompiledMFStep(model, optimizer, REG)
    for lr, batches in ((0.05, slice(0, 28)), (0.02, slice(28, 38))):  # lr set from outside
        for group in (*reference_optimizer.param_groups, *optimizer.param_groups):
            group["lr"] = lr
        expected = []
        for start in range(batches.start, batches.stop, 8):  # 8, 8, 8, 4 ratings; 8, 2
            chosen = slice(start, min(start + 8, batches.stop))
            expected.append(_autograd_step(reference, reference_optimizer, users[chosen],
                                           items[chosen], ratings[chosen]))
        errors, penalties = step(users[batches], items[batches], ratings[batches], 8)
        np.testing.assert_allclose(errors, [e for e, _ in expected], **TOLERANCES[dtype])
        np.testing.assert_allclose(penalties, [p for _, p in expected], **TOLERANCES[dtype])
    assert optimizer.state[model.user_factors.weight]["step"] == 6
    _assert_same_state(reference, model, reference_optimizer, optimizer, TOLERANCES[dtype])
    # a batch's rows are updated from one coalesced gradient: rows not in any batch untouched
    untouched = np.setdiff1d(np.arange(ITEMS), items)
    initial, _ = _model(dtype)
    np.testing.assert_array_equal(model.item_factors.weight.detach().numpy()[untouched],
                                  initial.item_factors.weight.detach().numpy()[untouched])


def test_one_call_per_batch_equals_one_call_for_all():
    users, items, ratings = _ratings(20)
    whole, whole_optimizer = _model("float32")
    CompiledMFStep(whole, whole_optimizer, REG)(users, items, ratings, batch_size=6)
    apart, apart_optimizer = _model("float32")
    step = CompiledMFStep(apart, apart_optimizer, REG)
    for start in range(0, 20, 6):
        step(users[start:start + 6], items[start:start + 6], ratings[start:start + 6])
    _assert_same_state(whole, apart, whole_optimizer, apart_optimizer, {"rtol": 0, "atol": 0})


def test_bad_input_is_refused_before_anything_changes():
    model, optimizer = _model("float32")
    step = CompiledMFStep(model, optimizer, REG)
    before = [p.detach().numpy().copy() for p in model.parameters()]
    users, items, ratings = _ratings(10)
    bad_users = users.copy()
    bad_users[7] = USERS
    check_raises(lambda: step(bad_users, items, ratings, 4), IndexError,
                 f"rating 7 has user {USERS} and item {items[7]}", f"users 0-{USERS - 1}",
                 f"items 0-{ITEMS - 1}")
    bad_items = items.copy()
    bad_items[2] = -1
    check_raises(lambda: step(users, bad_items, ratings), IndexError, "item -1")
    check_raises(lambda: step(users, items[:9], ratings), ValueError, "(10,), (9,), (10,)")
    check_raises(lambda: step(users[:0], items[:0], ratings[:0]), ValueError, "non-zero length")
    check_raises(lambda: step(users.astype(float), items, ratings), TypeError, "float64")
    check_raises(lambda: step(users, items, ratings, 0), ValueError, "batch_size", "got 0")
    for parameter, saved in zip(model.parameters(), before):
        np.testing.assert_array_equal(parameter.detach().numpy(), saved)
    assert all(optimizer.state[p].get("step", 0) == 0 for p in model.parameters())


def test_a_non_finite_batch_stops_the_steps_before_its_update():
    users, items, ratings = _ratings(12)
    ratings[5] = np.nan  # in the second batch of 4
    model, optimizer = _model("float32")
    errors, penalties = CompiledMFStep(model, optimizer, REG)(users, items, ratings, 4)
    assert len(errors) == len(penalties) == 2
    assert np.isfinite(errors[0]) and np.isnan(errors[1]) and np.isfinite(penalties).all()
    reference, reference_optimizer = _model("float32")
    CompiledMFStep(reference, reference_optimizer, REG)(users[:4], items[:4], ratings[:4])
    _assert_same_state(reference, model, reference_optimizer, optimizer, {"rtol": 0, "atol": 0})


def test_what_the_compiled_step_does_not_cover_is_named():
    model, optimizer = _model("float32")
    attributes = np.zeros((USERS, 2), np.int64)
    with_attributes = BiasedMF(USERS, ITEMS, FACTORS, user_attributes=attributes,
                               num_attributes=3)
    cases = [(with_attributes, optim.SparseAdam(with_attributes.parameters()),
              "user attributes"),
             (model, optim.Adam(model.parameters()), "not Adam's"),
             (model, optim.SparseAdam(list(model.parameters())[:3]), "all four tables"),
             (model, optim.SparseAdam(model.parameters(), maximize=True), "maximize")]
    for candidate, candidate_optimizer, fragment in cases:
        assert fragment in CompiledMFStep.refusal(candidate, candidate_optimizer)
        check_raises(lambda: CompiledMFStep(candidate, candidate_optimizer, REG), ValueError,
                     fragment)
    assert CompiledMFStep.refusal(model, optimizer) is None
    old = _compiled.use_compiled(False)
    try:
        assert "YINGSHE_NUMBA=0" in CompiledMFStep.refusal(model, optimizer)
    finally:
        _compiled.use_compiled(old)


# ---- the recipe ----------------------------------------------------------------------------
@pytest.fixture
def movielens():
    if not (default_root() / "ml-100k").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding ml-100k/")


def _train(out, *extra):
    lines = []
    metrics = cli.run([str(a) for a in ("train", "mf", "--no-progress", "--out", out, *extra)],
                      log=lines.append)
    return metrics, lines


def test_the_recipe_trains_compiled_on_u1_and_the_rmse_falls(movielens, tmp_path):
    _, lines = _train(tmp_path / "mf", "--epochs", 3)
    assert "compiled steps" in lines[0]
    history = json.loads((tmp_path / "mf" / "history.json").read_text())
    rmse = [row["test_rmse"] for row in history]
    assert rmse[0] > rmse[1] > rmse[2] and rmse[2] < 1.0, rmse
    train_rmse = [row["train_rmse"] for row in history]
    assert train_rmse[0] > train_rmse[1] > train_rmse[2], train_rmse


def _weights_and_moments(out):
    """The final tables and the optimizer's moments and step counts in a run folder."""
    state = read_training_state(out / "last.safetensors")
    arrays = {name: value.numpy() for name, value in state["modules"]["model"].items()
              if name != "global_mean"}
    for index, moments in state["optimizers"]["model"]["state"].items():
        arrays.update({f"{index} {name}": np.asarray(value.numpy() if name != "step" else value)
                       for name, value in moments.items()})
    return arrays


def test_switching_paths_on_resume_gives_the_same_run(movielens, tmp_path):
    options = ("--users", 40, "--factors", 8, "--batch-size", 64)  # constant lr: a schedule
    # over --epochs would change with each --resume's larger --epochs
    _, lines = _train(tmp_path / "compiled", *options, "--epochs", 3)
    assert "compiled steps" in lines[0]
    _, lines = _train(tmp_path / "autograd", *options, "--epochs", 3, "--step", "autograd")
    assert "autograd steps" in lines[0]
    _train(tmp_path / "switched", *options, "--epochs", 1, "--step", "autograd")
    _, lines = _train(tmp_path / "switched", "--resume", "--epochs", 2, "--step", "compiled")
    assert "compiled steps" in lines[1]
    _, lines = _train(tmp_path / "switched", "--resume", "--epochs", 3, "--step", "autograd")
    assert "autograd steps" in lines[1]
    runs = {name: _weights_and_moments(tmp_path / name)
            for name in ("compiled", "autograd", "switched")}
    assert len(runs["compiled"]) == 4 * 4  # four tables, each with two moments and a step
    for name in ("autograd", "switched"):
        assert runs[name].keys() == runs["compiled"].keys()
        for key, value in runs["compiled"].items():
            np.testing.assert_allclose(runs[name][key], value, rtol=1e-4, atol=1e-6,
                                       err_msg=f"{name}: {key}")
    histories = [json.loads((tmp_path / name / "history.json").read_text())
                 for name in ("compiled", "switched")]
    for first, second in zip(*histories):
        assert first["test_rmse"] == pytest.approx(second["test_rmse"], rel=1e-5)


def test_step_option_errors(movielens, tmp_path):
    check_raises(lambda: _train(tmp_path / "x", "--users", 20, "--features", "--step",
                                "compiled"), SystemExit, "step compiled", "user attributes")
    _, lines = _train(tmp_path / "features", "--users", 20, "--epochs", 1, "--features")
    assert "autograd steps (it covers the plain biased MF, not user attributes" in lines[0]
    old = _compiled.use_compiled(False)  # as without numba or with YINGSHE_NUMBA=0
    try:
        _, lines = _train(tmp_path / "no-numba", "--users", 20, "--epochs", 1)
    finally:
        _compiled.use_compiled(old)
    assert "autograd steps (numba is not installed" in lines[0]
    check_raises(lambda: recipe.complete_config("mf", step="numba"), ValueError,
                 "unknown step 'numba'", "auto, compiled, autograd")
    check_raises(lambda: recipe.complete_config("autorec", step="compiled"), ValueError,
                 "autorec does not take ['step']")


def test_a_non_finite_loss_names_its_step(movielens, tmp_path):
    out = tmp_path / "mf"
    check_raises(lambda: _train(out, "--users", 20, "--epochs", 1, "--init-std", 1e30),
                 SystemExit, "Training stopped at epoch 1, step 1: the loss is nan",
                 "penalty = inf", "The weights were not updated")
    assert not (out / "last.safetensors").exists()
