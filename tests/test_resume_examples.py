"""The example training scripts (character LM, translation, PTB) resume from their checkpoints:
a run stopped right after its first checkpoint and resumed with ``--resume`` ends with the history
and the weights of the same run left uninterrupted."""
import json

import numpy as np
import pytest

import yingshe
from helpers import run_example
from yingshe.training import RunFolder, state


class Stopped(Exception):
    """Raised in place of a crash just after the first checkpoint is written."""


def run_until_first_checkpoint(script, argv):
    import yingshe.training
    save = state.save_training_state

    def save_then_stop(*args, **kwargs):
        save(*args, **kwargs)
        raise Stopped

    with pytest.MonkeyPatch.context() as patch:  # the scripts import it from yingshe.training
        patch.setattr(yingshe.training, "save_training_state", save_then_stop)
        with pytest.raises(Stopped):
            run_example(script, argv)


def without_timings(history):
    return [{k: v for k, v in row.items() if k not in ("seconds", "tokens_per_s")}
            for row in history]


CASES = {
    "char_language_model.py": ["--steps", "4", "--eval-every", "2", "--context", "16",
                               "--batch-size", "4", "--hidden", "16"],
    "translation.py": ["--epochs", "2", "--train-pairs", "64", "--batch-size", "32",
                       "--hidden", "16", "--layers", "1", "--beam", "2"],
    "ptb_language_model.py": ["--epochs", "2", "--max-tokens", "1500", "--batch-size", "4",
                              "--bptt", "10"],
}


@pytest.mark.parametrize("script", CASES)
def test_a_stopped_run_resumes_to_the_uninterrupted_result(script, data_root, tmp_path):
    common = CASES[script] + ["--no-progress", "--data", str(data_root)]
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    run_example(script, common + ["--out", str(whole)])
    run_until_first_checkpoint(script, common + ["--out", str(parts)])
    assert (parts / RunFolder.LAST).exists() and not (parts / "metrics.json").exists()
    yingshe.manual_seed(123)  # the resumed run must restore the random state itself
    np.random.seed(123)
    run_example(script, ["--resume", "--no-progress", "--out", str(parts)])
    history = [json.loads((run / "history.json").read_text()) for run in (whole, parts)]
    assert without_timings(history[0]) == without_timings(history[1])
    weights = [RunFolder(run).load_weights()["model"] for run in (whole, parts)]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        np.testing.assert_array_equal(weights[0][name].numpy(), weights[1][name].numpy())
    assert json.loads((whole / "metrics.json").read_text()).keys() == \
        json.loads((parts / "metrics.json").read_text()).keys()
