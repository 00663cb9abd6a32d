"""``save`` / ``load``: tensors and nested containers of them in the safetensors format.

File layout (safetensors): 8-byte little-endian header size N, N bytes of JSON header naming each
tensor's dtype, shape and byte range, then the raw little-endian tensor bytes.  The structure
around the tensors (dicts, lists, numbers, strings) is stored as JSON in the header's
``__metadata__``.  Nothing is pickled, so loading a file never executes code.  Writes go to a
temporary file in the same directory that is renamed into place, so a crash never leaves a
half-written checkpoint under the real name.
"""
import json
import os
import struct
import tempfile

import numpy as np

from . import _backend
from ._tensor import Tensor

__all__ = ["save", "load", "write_atomically"]

_DTYPE_CODES = {"float16": "F16", "float32": "F32", "float64": "F64", "int8": "I8",
                "int16": "I16", "int32": "I32", "int64": "I64", "uint8": "U8", "bool": "BOOL"}
_CODE_DTYPES = {code: np.dtype(name) for name, code in _DTYPE_CODES.items()}
_STRUCTURE_KEY = "yingshe.structure"
_MAX_HEADER_BYTES = 100 << 20


def save(obj, f):
    """Write ``obj`` (a Tensor, array, number, string, or dicts/lists/tuples of them) to ``f``."""
    arrays = {}
    structure = _encode(obj, arrays, "")
    header = {"__metadata__": {_STRUCTURE_KEY: json.dumps(structure)}}
    offset = 0
    ordered = []
    for name, array in arrays.items():
        array = np.asarray(_backend.to_device(array, "cpu"), order="C")  # 0-d stays 0-d
        if array.dtype.byteorder == ">":
            array = array.astype(array.dtype.newbyteorder("<"))
        nbytes = array.nbytes
        header[name] = {"dtype": _DTYPE_CODES[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + nbytes]}
        ordered.append(array)
        offset += nbytes
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # align the data section to 8 bytes
    write_atomically(f, [struct.pack("<Q", len(header_bytes)), header_bytes]
                      + [a.tobytes() for a in ordered])


def write_atomically(path, chunks):
    """Write the byte strings ``chunks`` to ``path`` through a temporary file in the same
    directory, flushed to disk and then renamed into place."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _encode(obj, arrays, path):
    """The JSON structure of ``obj``; tensors and arrays are replaced by references into ``arrays``."""
    if isinstance(obj, Tensor):
        arrays[path or "tensor"] = obj._data
        return {"__tensor__": path or "tensor"}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        arrays[path or "array"] = obj
        return {"__ndarray__": path or "array"}
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at '{path}'")
        return {"__dict__": [[k, _encode(v, arrays, _join(path, k))] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, arrays, _join(path, i)) for i, v in enumerate(obj)]
        return {"__tuple__" if isinstance(obj, tuple) else "__list__": items}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"save: cannot store an object of type {type(obj).__name__} at "
                    f"'{path or '<root>'}' (only tensors, arrays, numbers, strings, None and "
                    "dicts/lists/tuples of them; nothing is pickled)")


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def load(f, map_location=None, weights_only=True):
    """Read what ``save`` wrote; tensors go to ``map_location`` (a device) or the CPU."""
    path = os.fspath(f)
    with open(path, "rb") as handle:
        blob = handle.read()
    if len(blob) < 8:
        raise RuntimeError(f"load: '{path}' is truncated ({len(blob)} bytes; not a yingshe "
                           "checkpoint)")
    (header_size,) = struct.unpack("<Q", blob[:8])
    if header_size > min(len(blob) - 8, _MAX_HEADER_BYTES):
        raise RuntimeError(f"load: '{path}' is truncated or corrupted: its header claims "
                           f"{header_size} bytes but the file has {len(blob)}")
    try:
        header = json.loads(blob[8:8 + header_size])
        structure = json.loads(header.pop("__metadata__", {}).get(_STRUCTURE_KEY, "null"))
    except (ValueError, AttributeError) as exc:
        raise RuntimeError(f"load: '{path}' has a corrupted header ({exc})") from None
    data = memoryview(blob)[8 + header_size:]
    arrays = {}
    for name, info in header.items():
        try:
            dtype = _CODE_DTYPES[info["dtype"]]
            begin, end = info["data_offsets"]
            shape = tuple(info["shape"])
        except (KeyError, TypeError, ValueError):
            raise RuntimeError(f"load: '{path}' has a malformed entry for '{name}'") from None
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if end > len(data) or end - begin != expected or begin < 0:
            raise RuntimeError(f"load: '{path}' is truncated or corrupted: tensor '{name}' "
                               f"{shape} {dtype} needs bytes [{begin}, {begin + expected}) but "
                               f"the data section has {len(data)} bytes")
        array = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape).copy()
        arrays[name] = array if map_location is None else _backend.to_device(array, map_location)
    if structure is None:  # a plain safetensors file written by another tool: a dict of tensors
        return {name: Tensor._make(array) for name, array in arrays.items()}
    return _decode(structure, arrays, path)


def _decode(node, arrays, path):
    if isinstance(node, dict):
        if "__tensor__" in node or "__ndarray__" in node:
            key = node.get("__tensor__", node.get("__ndarray__"))
            if key not in arrays:
                raise RuntimeError(f"load: '{path}' is corrupted: tensor '{key}' is missing")
            return Tensor._make(arrays[key]) if "__tensor__" in node else arrays[key]
        if "__dict__" in node:
            return {k: _decode(v, arrays, path) for k, v in node["__dict__"]}
        if "__list__" in node:
            return [_decode(v, arrays, path) for v in node["__list__"]]
        if "__tuple__" in node:
            return tuple(_decode(v, arrays, path) for v in node["__tuple__"])
        raise RuntimeError(f"load: '{path}' has an unknown structure entry {sorted(node)}")
    return node
