"""save/load: round trips, the safetensors layout, atomic writes and clear errors on damage."""
import io
import json
import math
import os
import pickle
import stat
import struct
import subprocess
import sys
import textwrap
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import yingshe
from helpers import check_raises
from yingshe.serialization import CheckpointError, write_atomically

OLD_RUNS = Path(__file__).resolve().parent / "data" / "old_runs"


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
    assert loaded["model"]["w"].numpy().flags.writeable


def test_file_is_plain_safetensors(tmp_path):
    path = tmp_path / "w.safetensors"
    yingshe.save({"w": yingshe.arange(6, dtype=yingshe.float32).reshape(2, 3)}, path)
    blob = path.read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    assert header["w"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    np.testing.assert_array_equal(np.frombuffer(blob[8 + n:], np.float32), np.arange(6))
    np.testing.assert_array_equal(safetensors.numpy.load_file(path)["w"],
                                  np.arange(6).reshape(2, 3))


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
    check_raises(lambda: yingshe.load(tmp_path / "cut"), CheckpointError, "truncated", "'w'")
    (tmp_path / "tiny").write_bytes(blob[:5])
    check_raises(lambda: yingshe.load(tmp_path / "tiny"), CheckpointError, "truncated")
    damaged = bytearray(blob)
    damaged[10] = ord("#")
    (tmp_path / "bad").write_bytes(bytes(damaged))
    check_raises(lambda: yingshe.load(tmp_path / "bad"), CheckpointError, "corrupted")
    # one error type, a ValueError, and still the RuntimeError load raised before it existed
    assert issubclass(CheckpointError, ValueError) and issubclass(CheckpointError, RuntimeError)


def test_unsupported_objects_are_refused_not_pickled(tmp_path):
    check_raises(lambda: yingshe.save({"f": lambda: 0}, tmp_path / "x"), TypeError,
                 "function", "nothing is pickled")
    check_raises(lambda: yingshe.save({"c": np.ones(2, np.complex64)}, tmp_path / "x"),
                 TypeError, "complex64", "'c'")
    loop = []
    loop.append(loop)
    check_raises(lambda: yingshe.save(loop, tmp_path / "x"), ValueError, "nested more than")
    assert not (tmp_path / "x").exists()


# ---- 1. names that collide -------------------------------------------------------------------
def test_entries_with_the_same_dotted_path_keep_their_own_tensors(tmp_path):
    x, y = yingshe.tensor([1.0, 2.0]), yingshe.tensor([3.0, 4.0, 5.0])
    path = tmp_path / "ckpt.safetensors"
    yingshe.save({"a.b": x, "a": {"b": y}}, path)
    loaded = yingshe.load(path)
    assert loaded["a.b"].tolist() == [1.0, 2.0] and loaded["a"]["b"].tolist() == [3.0, 4.0, 5.0]

    yingshe.save({1: x, "1": y, "__metadata__": x, "1~2": y}, path)
    loaded = yingshe.load(path)
    assert list(loaded) == [1, "1", "__metadata__", "1~2"]  # int and str keys stay apart
    assert loaded[1].tolist() == [1.0, 2.0] and loaded["1"].tolist() == [3.0, 4.0, 5.0]
    assert loaded["__metadata__"].tolist() == [1.0, 2.0]
    assert loaded["1~2"].tolist() == [3.0, 4.0, 5.0]
    assert sorted(safetensors.numpy.load_file(path)) == ["1", "1~2", "1~2~2", "__metadata__~2"]


def test_run_folders_written_before_still_load(tmp_path):
    files = sorted(OLD_RUNS.glob("*/*.safetensors"))
    assert len(files) >= 8
    for path in files:
        blob = path.read_bytes()
        (n,) = struct.unpack("<Q", blob[:8])
        header = json.loads(blob[8:8 + n])
        structure = json.loads(header.pop("__metadata__")["yingshe.structure"])
        loaded = yingshe.load(path)
        tensors = {}

        def walk(node, value):
            if isinstance(node, dict) and ("__tensor__" in node or "__ndarray__" in node):
                tensors[next(iter(node.values()))] = np.asarray(value)
            elif isinstance(node, dict) and "__dict__" in node:
                for key, child in node["__dict__"]:
                    walk(child, value[key])
            elif isinstance(node, dict):
                ((_, items),) = node.items()
                for child, item in zip(items, value, strict=True):
                    walk(child, item)
            else:
                assert node == value or (isinstance(node, float) and math.isnan(value))
        walk(structure, loaded)
        assert sorted(tensors) == sorted(header), path
        for name, info in header.items():  # every tensor has its bytes from the file
            begin, end = info["data_offsets"]
            raw = np.frombuffer(blob[8 + n + begin:8 + n + end], tensors[name].dtype)
            np.testing.assert_array_equal(tensors[name].reshape(-1), raw, err_msg=name)


# ---- 2. huge and bogus files: refused from the header, memory 1x -----------------------------
_MEMORY_SCRIPT = """
import json, os, struct, sys, time, resource
import numpy as np
import yingshe

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def attempt(path):
    before, start = peak_mb(), time.perf_counter()
    try:
        yingshe.load(path)
        error = None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb() - before,
            "error": error}

folder, results = sys.argv[1], {}
G = 2 ** 30
bogus = {"trailing": {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
         "claims_10g": {"w": {"dtype": "F32", "shape": [10 * G // 4],
                              "data_offsets": [0, 10 * G]}}}
for name, header in bogus.items():  # 3 GB sparse files: no disk, no memory until read
    path = os.path.join(folder, name)
    raw = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        f.truncate(3 * G)
    results[name] = attempt(path)
    os.unlink(path)
path = os.path.join(folder, "length_10g")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", 10 * G) + b"{}")
    f.truncate(3 * G)
results["length_10g"] = attempt(path)
os.unlink(path)
results["valid"] = attempt(os.path.join(folder, "valid"))  # written by the test: 64 MB
print(json.dumps(results))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="sparse files; ru_maxrss in KiB")
def test_huge_bogus_files_are_refused_fast_and_loads_need_memory_once(tmp_path):
    script = tmp_path / "memory.py"
    script.write_text(textwrap.dedent(_MEMORY_SCRIPT))
    yingshe.save({f"w{i}": np.full(2 ** 21, i, np.float32) for i in range(8)}, tmp_path / "valid")
    try:
        done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True,
                              text=True, timeout=120, check=False)
    finally:
        for name in ("trailing", "claims_10g", "length_10g", "valid"):
            (tmp_path / name).unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for name, fragments in {"trailing": ["trailing bytes", "'w'"],
                            "claims_10g": ["truncated", "'w'", "10737418240"],
                            "length_10g": ["truncated", "header length", "10737418240"]}.items():
        result = results[name]
        assert result["error"].startswith("CheckpointError"), (name, result)
        for fragment in [str(tmp_path / name), *fragments]:
            assert fragment in result["error"], (name, fragment, result)
        assert result["seconds"] < 0.5 and result["peak_mb"] < 100, (name, result)
    assert results["valid"]["error"] is None
    assert results["valid"]["peak_mb"] < 64 * 1.5, results["valid"]  # about 1x the tensors


def test_loaded_tensors_do_not_hold_the_file(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    yingshe.save({"w": yingshe.ones(1000)}, path)
    loaded = yingshe.load(path)
    if os.path.exists("/proc/self/maps"):
        assert str(path) not in Path("/proc/self/maps").read_text()
    yingshe.save({"w": yingshe.zeros(1000)}, path)  # overwrite (rename over) the loaded file
    loaded["w"].numpy()[0] = 7.0  # writable, and its own memory
    assert loaded["w"].sum().item() == 1006.0 and yingshe.load(path)["w"].sum().item() == 0.0


# ---- 3. malformed files: one error type, naming the file and the entry -----------------------
def _raw_file(path, header, data=b""):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path


def _f32(begin, count=2):
    return {"dtype": "F32", "shape": [count], "data_offsets": [begin, begin + 4 * count]}


def _structured(structure, **tensors):
    return {"__metadata__": {"yingshe.structure": json.dumps(structure)}, **tensors}


def _nested(depth):
    return '{"__list__": [' * depth + "1" + "]}" * depth


MALFORMED = {
    "overlap": ({"a": _f32(0), "b": _f32(4)}, 12, ["overlap", "'a'", "'b'"]),
    "hole": ({"a": _f32(0), "b": _f32(12)}, 20, ["hole", "[8, 12)", "'a'", "'b'"]),
    "hole_at_start": ({"a": _f32(4)}, 12, ["hole", "[0, 4)", "'a'"]),
    "trailing": ({"a": _f32(0)}, 12, ["4 trailing bytes", "'a'"]),
    "past_the_end": ({"a": _f32(0, 4)}, 8, ["truncated", "'a'", "[0, 16)"]),
    "negative_dim": ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, 8,
                     ["'a'", "shape", "[-2]"]),
    "float_dim": ({"a": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}}, 8,
                  ["'a'", "shape", "[2.0]"]),
    "wrong_size": ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, 8,
                   ["'a'", "needs 12 bytes"]),
    "reversed_offsets": ({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}}, 8,
                         ["'a'", "data_offsets"]),
    "bad_dtype": ({"a": {"dtype": "float32", "shape": [2], "data_offsets": [0, 8]}}, 8,
                  ["'a'", "'float32'"]),
    "float8": ({"a": {"dtype": "F8_E4M3", "shape": [8], "data_offsets": [0, 8]}}, 8,
               ["'a'", "F8_E4M3"]),
    "entry_not_object": ({"a": [0, 8]}, 8, ["'a'", "dtype"]),
    "duplicate_name": (b'{"a":' + json.dumps(_f32(0)).encode() + b',"a":'
                       + json.dumps(_f32(8)).encode() + b"}", 16, ["'a'", "twice"]),
    "header_past_the_end": (b'{"a":1}' + b" " * 1000, -1000, ["truncated", "header length"]),
    "not_an_object": (b"[1, 2]", 0, ["header", "JSON object"]),
    "not_json": (b'{"a": nope}', 0, ["header", "not valid JSON"]),
    "not_utf8": (b'{"\xff": 1}', 0, ["header", "not valid JSON"]),
    "deep_header": (b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", 0,
                    ["header", "not valid JSON"]),
    "metadata_not_strings": ({"__metadata__": {"yingshe.structure": {"__list__": []}}}, 0,
                             ["__metadata__", "strings"]),
    "metadata_not_object": ({"__metadata__": ["x"]}, 0, ["__metadata__"]),
    "missing_tensor": (_structured({"__dict__": [["w", {"__tensor__": "nope"}]]}, a=_f32(0)), 8,
                       ["'nope'", "<root>['w']", "does not hold"]),
    "bad_reference": (_structured({"__tensor__": 3}), 0, ["tensor reference 3"]),
    "unknown_node": (_structured({"__dict__": [["s", {"__set__": [1]}]]}), 0,
                     ["unknown entry", "__set__", "<root>['s']"]),
    "bad_dict_item": (_structured({"__dict__": [[1.5, 2]]}), 0, ["dict item", "1.5"]),
    "repeated_key": (_structured({"__dict__": [["k", 1], ["k", 2]]}), 0, ["'k'", "twice"]),
    "deep_structure": (_structured(json.loads(_nested(200))), 0, ["nested more than"]),
    "deep_structure_json": ({"__metadata__": {"yingshe.structure": "[" * 100_000}}, 0,
                            ["yingshe.structure", "not valid JSON"]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_files_raise_one_error_naming_file_and_entry(tmp_path, case):
    header, data_size, fragments = MALFORMED[case]
    data = b"" if data_size < 0 else np.arange(data_size, dtype=np.uint8).tobytes()
    path = _raw_file(tmp_path / f"{case}.safetensors", header, data)
    if data_size < 0:  # the header itself cut short
        path.write_bytes(path.read_bytes()[:data_size])
    check_raises(lambda: yingshe.load(path), CheckpointError, f"'{path}'", *fragments)


class _Payload:
    """Unpickling this creates the directory ``target``: a stand-in for arbitrary code."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return os.mkdir, (self.target,)


def test_pickles_are_recognised_and_never_unpickled(tmp_path):
    pickle.loads(pickle.dumps(_Payload(tmp_path / "proof")))  # the payload does work
    assert (tmp_path / "proof").is_dir()
    target = tmp_path / "pwned"
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps(_Payload(target)))
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name, what in (("raw.pkl", "another pickle"), ("legacy.pt", "legacy torch.save")):
        check_raises(lambda: yingshe.load(tmp_path / name), CheckpointError, str(tmp_path / name),
                     "PyTorch pickle checkpoint", what, "never unpickles", "torch.save(torch.load(")
    torch.save({"w": torch.ones(2), "x": _Payload(target)}, tmp_path / "zip.pt")
    check_raises(lambda: yingshe.load(tmp_path / "zip.pt"), CheckpointError,
                 str(tmp_path / "zip.pt"),
                 f"refused to load the global '{os.mkdir.__module__}.mkdir'")
    assert not target.exists()


# ---- 4. dtypes -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["bool", "uint8", "uint16", "uint32", "uint64", "int8",
                                   "int16", "int32", "int64", "float16", "float32", "float64"])
def test_every_numpy_dtype_round_trips(tmp_path, dtype):
    if dtype == "bool":
        values = np.array([[True, False, True]])
    elif np.dtype(dtype).kind == "f":
        info = np.finfo(dtype)
        values = np.array([[info.min, info.max, info.tiny], [-0.0, np.inf, np.nan]], dtype)
    else:
        info = np.iinfo(dtype)
        values = np.array([info.min, info.max, 1], dtype)
    path = tmp_path / "x.safetensors"
    yingshe.save({"array": values, "view": values.T}, path)  # strided too
    loaded = yingshe.load(path)
    for name, expected in (("array", values), ("view", values.T)):
        assert loaded[name].dtype == expected.dtype
        np.testing.assert_array_equal(loaded[name], expected)
    if dtype not in ("uint16", "uint32", "uint64"):  # the dtypes a Tensor can have
        yingshe.save({"t": yingshe.tensor(values, dtype=values.dtype)}, path)
        assert yingshe.load(path)["t"].numpy().dtype == values.dtype
        np.testing.assert_array_equal(yingshe.load(path)["t"].numpy(), values)


def test_unsigned_tensors_from_other_tools_load_as_signed_ones(tmp_path):
    path = tmp_path / "u.safetensors"
    safetensors.numpy.save_file({"u16": np.array([0, 65535], np.uint16),
                                 "u32": np.array([0, 2 ** 32 - 1], np.uint32),
                                 "u64": np.array([0, 2 ** 63 - 1], np.uint64)}, path)
    loaded = yingshe.load(path)
    assert {k: v.dtype for k, v in loaded.items()} == {
        "u16": yingshe.int32, "u32": yingshe.int64, "u64": yingshe.int64}
    assert loaded["u32"].tolist() == [0, 2 ** 32 - 1] and loaded["u64"].tolist() == [0, 2 ** 63 - 1]
    safetensors.numpy.save_file({"big": np.array([2 ** 64 - 1], np.uint64)}, path)
    check_raises(lambda: yingshe.load(path), CheckpointError, str(path), "'big'", "uint64")


def test_bfloat16_from_pytorch_loads_as_float32(tmp_path):
    values = torch.tensor([[1.5, -2.25, 3.0e38], [1e-40, float("inf"), float("nan")],
                           [0.1, -0.0, 65504.0]], dtype=torch.bfloat16)
    path = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({"w": values, "b": torch.arange(3, dtype=torch.bfloat16),
                                 "e": torch.zeros(0, 4, dtype=torch.bfloat16)}, path)
    loaded = yingshe.load(path)
    assert loaded["w"].dtype == yingshe.float32 and loaded["w"].shape == (3, 3)
    np.testing.assert_array_equal(loaded["w"].numpy(), values.float().numpy())
    assert loaded["b"].tolist() == [0.0, 1.0, 2.0] and loaded["e"].shape == (0, 4)
    safetensors.torch.save_file({"f8": torch.ones(4).to(torch.float8_e5m2)}, path)
    check_raises(lambda: yingshe.load(path), CheckpointError, str(path), "'f8'", "F8_E5M2")


# ---- 5. permissions, leftovers ---------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_files_honour_the_umask(tmp_path):
    for umask in (0o027, 0o002):
        old = os.umask(umask)
        try:
            yingshe.save({"w": yingshe.ones(2)}, tmp_path / "ckpt.safetensors")
            write_atomically(tmp_path / "history.json", [b"[]"])
        finally:
            os.umask(old)
        for name in ("ckpt.safetensors", "history.json"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name


def test_a_killed_write_leaves_a_temporary_that_the_next_save_removes(tmp_path, monkeypatch):
    def killed(write):  # as if killed just before the rename: no cleanup runs
        with monkeypatch.context() as patch:
            patch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(SystemExit(9)))
            patch.setattr(os, "unlink", lambda *a, **k: None)
            with pytest.raises(SystemExit):
                write()

    target = tmp_path / "ckpt.safetensors"
    yingshe.save({"w": yingshe.ones(2)}, target)
    killed(lambda: yingshe.save({"w": yingshe.zeros(2)}, target))
    killed(lambda: yingshe.save({"w": yingshe.zeros(2)}, tmp_path / "other.safetensors"))
    killed(lambda: write_atomically(tmp_path / "ckpt", [b"x"]))
    leftovers = set(os.listdir(tmp_path)) - {"ckpt.safetensors"}
    assert len(leftovers) == 3
    assert yingshe.load(target)["w"].tolist() == [1.0, 1.0]
    yingshe.save({"w": yingshe.full((2,), 3.0)}, target)
    assert yingshe.load(target)["w"].tolist() == [3.0, 3.0]
    left = set(os.listdir(tmp_path)) - {"ckpt.safetensors"}
    assert len(left) == 2 and left < leftovers  # only the target's own temporary went
    assert all("ckpt.safetensors" not in name for name in left)


# ---- 6. torch.save zip checkpoints -----------------------------------------------------------
def _zip_entries(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, blob in entries.items():
            archive.writestr(name, blob)
    return path


def test_torch_state_dict_loads_into_a_yingshe_model_with_the_same_outputs(tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                                 torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(16, 5))
    x = torch.randn(2, 3, 4, 4)
    theirs(x)  # train mode: running statistics move, num_batches_tracked becomes 1
    theirs.eval()
    torch.save(theirs.state_dict(), tmp_path / "model.pth")
    state = yingshe.load(tmp_path / "model.pth")
    assert list(state) == list(theirs.state_dict())
    assert state["1.num_batches_tracked"].dtype == yingshe.int64
    assert state["1.num_batches_tracked"].item() == 1
    ours = yingshe.nn.Sequential(yingshe.nn.Conv2d(3, 4, 3), yingshe.nn.BatchNorm2d(4),
                                 yingshe.nn.ReLU(), yingshe.nn.Flatten(), yingshe.nn.Linear(16, 5))
    ours.load_state_dict(state)
    ours.eval()
    np.testing.assert_allclose(ours(yingshe.tensor(x.numpy())).detach().numpy(),
                               theirs(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_tensors_keep_dtype_shape_values_and_views(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    shared = torch.randn(5)
    tensors = {
        "f16": torch.randn(3, 2).half(), "f64": torch.randn(2, 3, dtype=torch.float64),
        "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "i16": torch.tensor([-3, 4], dtype=torch.int16),
        "i32": torch.tensor([[1, -2]], dtype=torch.int32),
        "i64": torch.tensor(2**40), "bool": torch.tensor([True, False, True]),
        "view": base[1:3, 2:5], "column": base[:, 4], "transposed": base.t(),
        "expanded": torch.tensor([1.0, 2.0]).expand(3, 2), "empty": torch.zeros(0, 3),
        "u16": torch.tensor([0, 65535], dtype=torch.uint16),
        "param": torch.nn.Parameter(torch.ones(2)), "same": shared, "again": shared,
    }
    assert not tensors["transposed"].is_contiguous()
    expected = {"bool": np.bool_, "u16": np.int32}
    torch.save({"t": tensors, "bf16": torch.tensor([1.5, -2.25], dtype=torch.bfloat16),
                "nested": [1, 2.5, "s", None, True, (3, [b"raw", {"k": torch.ones(1)}])]},
               tmp_path / "t.pt")
    loaded = yingshe.load(tmp_path / "t.pt")
    for name, value in tensors.items():
        got = loaded["t"][name]
        want = value.detach().numpy()
        assert isinstance(got, yingshe.Tensor) and got.shape == tuple(value.shape), name
        got = got.detach().numpy()
        assert got.dtype == expected.get(name, want.dtype), name
        np.testing.assert_array_equal(got, want.astype(got.dtype), err_msg=name)
    assert loaded["t"]["param"].requires_grad and not loaded["t"]["view"].requires_grad
    assert loaded["t"]["same"] is loaded["t"]["again"]  # one tensor saved twice: one object
    assert loaded["bf16"].tolist() == [1.5, -2.25] and loaded["bf16"].dtype == yingshe.float32
    n = loaded["nested"]
    assert n[:5] == [1, 2.5, "s", None, True] and n[5][0] == 3 and n[5][1][0] == b"raw"
    assert n[5][1][1]["k"].tolist() == [1.0]


def test_torch_optimizer_state_dict_loads(tmp_path):
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    theirs = optimizer.state_dict()
    torch.save(theirs, tmp_path / "optim.pt")
    ours = yingshe.load(tmp_path / "optim.pt")
    assert ours["param_groups"][0]["params"] == [0, 1]
    assert ours["param_groups"][0]["betas"] == (0.8, 0.9) and ours["param_groups"][0]["lr"] == 0.01
    assert sorted(ours["state"]) == [0, 1]
    for index, state in theirs["state"].items():
        assert sorted(ours["state"][index]) == sorted(state)
        for key, value in state.items():
            np.testing.assert_array_equal(ours["state"][index][key].numpy(), value.numpy())


class _Hostile:
    """Unpickling this calls ``function(*args)``; each call writes a marker file."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def test_hostile_torch_zip_pickles_never_run(tmp_path):
    marker = tmp_path / "marker"
    payloads = {
        f"{os.system.__module__}.system": _Hostile(os.system, f"touch '{marker}'"),
        "builtins.exec": _Hostile(exec, f"open({str(marker)!r}, 'w').close()"),
        "subprocess.call": _Hostile(subprocess.call, ["touch", str(marker)]),
    }
    pickle.loads(pickle.dumps(payloads["builtins.exec"]))  # the payloads do work
    assert marker.exists()
    marker.unlink()
    for name, payload in payloads.items():
        path = tmp_path / "evil.pth"
        torch.save({"w": torch.ones(2), "x": [payload]}, path)
        check_raises(lambda: yingshe.load(path), CheckpointError, f"'{path}'",
                     f"refused to load the global '{name}'", "data.pkl")
        assert not marker.exists()


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_torchscript_archives_are_refused_with_advice(tmp_path):
    path = tmp_path / "script.pt"
    torch.jit.script(torch.nn.Linear(2, 3)).save(str(path))
    check_raises(lambda: yingshe.load(path), CheckpointError, f"'{path}'", "TorchScript",
                 "torch.jit.load")


def test_damaged_torch_zips_raise_errors_naming_file_and_entry(tmp_path):
    path = tmp_path / "ok.pt"
    torch.save({"w": torch.arange(6.0), "v": torch.ones(2)}, path)
    entries = _zip_entries(path)
    pkl = next(name for name in entries if name.endswith("/data.pkl"))
    prefix = pkl[:-len("data.pkl")]

    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[:-100])
    check_raises(lambda: yingshe.load(cut), CheckpointError, f"'{cut}'", "truncated")

    short = _write_zip(tmp_path / "short.pt", {**entries, f"{prefix}data/0": b"\0" * 20})
    check_raises(lambda: yingshe.load(short), CheckpointError, f"'{short}'",
                 f"'{prefix}data/0'", "20 bytes", "24")

    missing = dict(entries)
    del missing[f"{prefix}data/1"]
    missing = _write_zip(tmp_path / "missing.pt", missing)
    check_raises(lambda: yingshe.load(missing), CheckpointError, f"'{prefix}data/1'", "no entry")

    endian = _write_zip(tmp_path / "endian.pt", {**entries, f"{prefix}byteorder": b"middle"})
    check_raises(lambda: yingshe.load(endian), CheckpointError, "byteorder", "'middle'")

    broken = _write_zip(tmp_path / "broken.pt", {**entries, pkl: entries[pkl][:-30]})
    check_raises(lambda: yingshe.load(broken), CheckpointError, f"'{broken}'", f"'{pkl}'")

    # a stride that reaches past the end of the storage
    bad_view = entries[pkl].replace(b"K\x06\x85", b"K\x07\x85", 1)
    assert bad_view != entries[pkl]
    bad_view = _write_zip(tmp_path / "view.pt", {**entries, pkl: bad_view})
    check_raises(lambda: yingshe.load(bad_view), CheckpointError, "storage '0'", "reaches")

    not_torch = _write_zip(tmp_path / "other.zip", {"a.txt": b"hi"})
    check_raises(lambda: yingshe.load(not_torch), CheckpointError, "zip archive",
                 "not a torch.save checkpoint")


def test_big_endian_torch_zips_are_byteswapped(tmp_path):
    values = {"f": torch.tensor([1.5, -2.0, 3.25]), "i": torch.tensor([1, -2, 2**40]),
              "h": torch.tensor([0.5, 2.0], dtype=torch.float16)}
    path = tmp_path / "little.pt"
    torch.save(values, path)
    entries = _zip_entries(path)
    prefix = next(name for name in entries if name.endswith("/data.pkl"))[:-len("data.pkl")]
    swapped = {name: blob for name, blob in entries.items()}
    swapped[f"{prefix}byteorder"] = b"big"
    for key, value in enumerate(values.values()):
        swapped[f"{prefix}data/{key}"] = value.numpy().byteswap().tobytes()
    loaded = yingshe.load(_write_zip(tmp_path / "big.pt", swapped))
    for name, value in values.items():
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy())
        assert loaded[name].numpy().dtype.isnative


class _StorageRef:
    """Pickled by ``_write_torch_zip`` as the persistent id ``pid``."""

    def __init__(self, *pid):
        self.pid = pid


def _write_torch_zip(path, obj, storages):
    """A torch.save-like archive whose data.pkl pickles ``obj`` (protocol 2, as torch.save)."""
    class Pickler(pickle.Pickler):
        def persistent_id(self, value):
            return value.pid if isinstance(value, _StorageRef) else None
    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(obj)
    return _write_zip(path, {"a/data.pkl": buffer.getvalue(), "a/byteorder": b"little",
                             **{f"a/data/{k}": v for k, v in storages.items()}})


class _Reduce:
    def __init__(self, *reduced):
        self.reduced = reduced

    def __reduce__(self):
        return self.reduced


def test_crafted_torch_pickles_are_refused(tmp_path):
    rebuild = torch._utils._rebuild_tensor_v2
    floats = _StorageRef("storage", torch.FloatStorage, "0", "cpu", 4)
    data = {"0": np.arange(4, dtype="<f4").tobytes(), "1": bytes(6)}
    loop = []
    loop.append(loop)
    cases = {
        "build": (_Reduce(rebuild, (floats, 0, (2,), (1,), False, OrderedDict()), {"x": 1}),
                  ["BUILD on a tensor"]),
        "pid": ([_StorageRef("storage", torch.FloatStorage, 0, "cpu", 4)], ["persistent id"]),
        "hooks": (_Reduce(rebuild, (floats, 0, (2,), (1,), False, OrderedDict(h=1))),
                  ["backward hooks"]),
        "bare_storage": ({"s": floats}, ["a storage", "<root>['s']"]),
        "negative_stride": (_Reduce(rebuild, (floats, 3, (2,), (-1,), False, OrderedDict())),
                            ["stride (-1,)", "non-negative"]),
        "loop": (loop, ["nested more than"]),
        "tuple_key": ({(1, 2): 3}, ["dict key of type tuple"]),
        "set": ({"s": {1, 2}}, ["'builtins.set'"]),
        "two_sizes": ([floats, _StorageRef("storage", torch.FloatStorage, "0", "cpu", 3)],
                      ["storage '0' two sizes"]),
        "expanded_huge": (_Reduce(rebuild, (floats, 0, (10**6, 10**6), (0, 0), False,
                                            OrderedDict())),
                          ["asks for 1000000000000 elements from a storage of 4"]),
        "ragged": (_Reduce(torch._utils._rebuild_tensor_v3,
                           (_StorageRef("storage", torch.UntypedStorage, "1", "cpu", 6), 0,
                            (1,), (1,), False, OrderedDict(), torch.float32)),
                   ["6 bytes are no whole number of float32 elements"]),
    }
    for name, (obj, fragments) in cases.items():
        path = _write_torch_zip(tmp_path / f"{name}.pt", obj, data)
        check_raises(lambda: yingshe.load(path), CheckpointError, f"'{path}'", *fragments)
    good = {"t": _Reduce(rebuild, (floats, 1, (2,), (2,), False, OrderedDict())),
            "size": torch.Size([2, 3])}
    loaded = yingshe.load(_write_torch_zip(tmp_path / "good.pt", good, data))
    assert loaded["t"].tolist() == [1, 3] and loaded["size"] == (2, 3)


def test_torch_zip_entries_claiming_more_than_the_file_holds_are_refused(tmp_path):
    path = _write_torch_zip(tmp_path / "huge.pt",
                            _StorageRef("storage", torch.FloatStorage, "0", "cpu", 2**29),
                            {"0": b"\0" * 8})
    blob = bytearray(path.read_bytes())
    record = blob.index(b"PK\x01\x02")  # the central directory: find the storage's record
    while blob[record + 46:record + 54] != b"a/data/0":
        record = blob.index(b"PK\x01\x02", record + 1)
    blob[record + 20:record + 28] = struct.pack("<II", 2**31, 2**31)  # both sizes: 2 GiB
    path.write_bytes(bytes(blob))
    check_raises(lambda: yingshe.load(path), CheckpointError, f"'{path}'", "'a/data/0'",
                 "truncated or corrupted", str(2**31))
