"""save/load: round trips, the safetensors layout, atomic writes and clear errors on damage."""
import json
import os
import struct

import numpy as np
import pytest

import yingshe
from helpers import check_raises


def test_round_trip_of_nested_state(tmp_path):
    state = {"model": {"w": yingshe.randn(3, 4), "b": yingshe.zeros(4, dtype=yingshe.float64)},
             "optimizer": {"state": {0: {"step": 3, "buf": yingshe.ones(2)}},
                           "param_groups": [{"lr": 0.1, "params": [0, 1], "nesterov": False}]},
             "epoch": 7, "name": "run", "rng": np.arange(5, dtype=np.uint8), "shape": (2, 3),
             "none": None, "mask": yingshe.tensor([True, False]), "count": yingshe.tensor(5)}
    path = tmp_path / "ckpt.safetensors"
    yingshe.save(state, path)
    loaded = yingshe.load(path)
    np.testing.assert_array_equal(loaded["model"]["w"].numpy(), state["model"]["w"].numpy())
    assert loaded["model"]["b"].dtype == yingshe.float64
    assert loaded["optimizer"]["state"][0]["step"] == 3  # integer keys survive
    assert loaded["optimizer"]["param_groups"] == state["optimizer"]["param_groups"]
    assert loaded["epoch"] == 7 and loaded["name"] == "run" and loaded["shape"] == (2, 3)
    assert loaded["none"] is None and loaded["mask"].tolist() == [True, False]
    assert loaded["count"].shape == () and loaded["count"].item() == 5  # BatchNorm's counter
    np.testing.assert_array_equal(loaded["rng"], state["rng"])


def test_file_is_plain_safetensors(tmp_path):
    path = tmp_path / "w.safetensors"
    yingshe.save({"w": yingshe.arange(6, dtype=yingshe.float32).reshape(2, 3)}, path)
    blob = path.read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    assert header["w"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    np.testing.assert_array_equal(np.frombuffer(blob[8 + n:], np.float32), np.arange(6))


def test_write_is_atomic_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    yingshe.save({"w": yingshe.ones(2)}, path)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        yingshe.save({"w": yingshe.zeros(2)}, path)
    assert yingshe.load(path)["w"].tolist() == [1.0, 1.0]  # the old file is intact
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_truncated_and_corrupted_files_raise_clear_errors(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    yingshe.save({"w": yingshe.ones(100)}, path)
    blob = path.read_bytes()
    (tmp_path / "cut").write_bytes(blob[:-10])
    check_raises(lambda: yingshe.load(tmp_path / "cut"), RuntimeError, "truncated", "'w'")
    (tmp_path / "tiny").write_bytes(blob[:5])
    check_raises(lambda: yingshe.load(tmp_path / "tiny"), RuntimeError, "truncated")
    damaged = bytearray(blob)
    damaged[10] = ord("#")
    (tmp_path / "bad").write_bytes(bytes(damaged))
    check_raises(lambda: yingshe.load(tmp_path / "bad"), RuntimeError, "corrupted")


def test_unsupported_objects_are_refused_not_pickled(tmp_path):
    check_raises(lambda: yingshe.save({"f": lambda: 0}, tmp_path / "x"), TypeError,
                 "function", "nothing is pickled")
