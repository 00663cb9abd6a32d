"""``save`` / ``load``: tensors and nested containers of them in the safetensors format.

File layout (safetensors): 8-byte little-endian header size N, N bytes of JSON header naming each
tensor's dtype, shape and byte range, then the raw little-endian tensor bytes.  The structure
around the tensors (dicts, lists, tuples, numbers, strings) is stored as JSON in the header's
``__metadata__`` under "yingshe.structure".  The tensor section is written and read by the
``safetensors`` package (the format's reference implementation).  Nothing is pickled, so loading
a file never executes code.  ``load`` also reads the zip checkpoints ``torch.save`` writes,
through a restricted unpickler that resolves only the globals a state dict needs.

``load`` reads the header first and checks it against the format before it reads any tensor
(a damaged or hostile file is refused without being read), then reads each tensor it needs
once, straight into the array the returned Tensor owns: no copy of the file stays in memory and
nothing keeps the file open or mapped afterwards.  Every malformed file raises a
``CheckpointError`` that names the file and the offending entry.

Writes go to a temporary file named after the target (``.NAME.tmp-XXXXXXXXXXXXXXXX``) in the
same directory, flushed to disk, renamed into place, and the directory is flushed too; a crash
never leaves a half-written file under the real name, and the temporary a killed write leaves
behind is removed by the next write to the same target.  Files are created with the permissions
of a plain ``open()`` (0o666 less the umask).
"""
import _compat_pickle
import collections
import contextlib
import errno
import hashlib
import io
import json
import math
import os
import pickle
import re
import secrets
import struct
import zipfile
import zlib

import numpy as np
import safetensors
import safetensors.numpy

from . import _backend
from ._tensor import Tensor

__all__ = ["save", "load", "write_atomically", "CheckpointError"]


class CheckpointError(ValueError, RuntimeError):
    """A file ``load`` cannot read: neither a safetensors file nor a torch.save state dict, a
    malformed one, or one that names a global yingshe refuses to load.  The message
    names the file and the offending entry.  (A ``ValueError``; also a ``RuntimeError``, which
    is what ``load`` raised for damaged files before this type existed.)"""


_DTYPE_CODES = {"float16": "F16", "float32": "F32", "float64": "F64", "int8": "I8",
                "int16": "I16", "int32": "I32", "int64": "I64", "uint8": "U8", "uint16": "U16",
                "uint32": "U32", "uint64": "U64", "bool": "BOOL"}
_CODE_DTYPES = {code: np.dtype(name) for name, code in _DTYPE_CODES.items()}
# Tensors have no uint16/32/64 type: such tensors load as the signed type that holds their
# values (arrays saved as NumPy arrays keep their dtype)
_WIDER_INTEGERS = {"uint16": np.int32, "uint32": np.int64, "uint64": np.int64}
_BFLOAT16 = "BF16"  # NumPy has no bfloat16: such tensors are widened to float32 when loaded
_STRUCTURE_KEY = "yingshe.structure"
_METADATA_KEY = "__metadata__"
_MAX_HEADER_BYTES = 100_000_000  # the safetensors package refuses longer headers too
_MAX_DEPTH = 100  # levels of nested containers save writes and load accepts
# pread(2) reads each tensor straight into its array (peak memory 1x); elsewhere the
# safetensors package maps the file and copies each tensor out of the map once.
_READ_BACKEND = "pread" if os.name == "posix" else "mmap"


# ---- save ------------------------------------------------------------------------------------
def save(obj, f):
    """Write ``obj`` (a Tensor, array, number, string, None, or dicts/lists/tuples of them; dict
    keys str or int) to the path ``f``, atomically.  Tensors are stored under their dotted path
    ("model.fc.weight"); a path that two entries share (``{"a.b": x, "a": {"b": y}}``,
    ``{1: x, "1": y}``) gets a "~2", "~3", ... suffix, so no tensor is ever lost.  The file is
    a standard safetensors file (see the module docstring), which other tools read too;
    nothing is pickled.

    Shape:
        each tensor is stored with its shape and dtype, and ``load`` gives them back.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> import safetensors.numpy
        >>> import yingshe
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = Path(folder.name) / "checkpoint.safetensors"
        >>> model = yingshe.nn.Linear(3, 2)
        >>> yingshe.save({"model": model.state_dict(), "epoch": 5}, path)
        >>> sorted(safetensors.numpy.load_file(path))      # the tensors, by dotted path
        ['model.bias', 'model.weight']
        >>> folder.cleanup()
    """
    arrays = {}
    structure = _encode(obj, arrays, "", "", 0)
    metadata = {_STRUCTURE_KEY: json.dumps(structure)}
    write_atomically(f, [safetensors.numpy.save(arrays, metadata=metadata)])


def _encode(obj, arrays, name, where, depth):
    """The JSON structure of ``obj``; tensors and arrays are replaced by references to the
    entries of ``arrays`` (name -> contiguous little-endian array) they are put in.  ``name``
    is the dotted tensor name of this position, ``where`` the same position for messages."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"save: the object is nested more than {_MAX_DEPTH} containers deep "
                         f"at '{where}' (or contains itself)")
    if isinstance(obj, Tensor):
        return {"__tensor__": _add_array(arrays, obj._data, name or "tensor", where)}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        return {"__ndarray__": _add_array(arrays, obj, name or "array", where)}
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at "
                                f"'{where or '<root>'}'")
        return {"__dict__": [[k, _encode(v, arrays, _join(name, k), _join(where, k), depth + 1)]
                             for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, arrays, _join(name, i), _join(where, i), depth + 1)
                 for i, v in enumerate(obj)]
        return {"__tuple__" if isinstance(obj, tuple) else "__list__": items}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if callable(getattr(obj, "state_dict", None)):
        raise _whole_object_error(obj, where)
    raise TypeError(f"save: cannot store an object of type {type(obj).__name__} at "
                    f"'{where or '<root>'}' (only tensors, arrays, numbers, strings, None and "
                    "dicts/lists/tuples of them; nothing is pickled)")


def _whole_object_error(obj, where):
    """The TypeError for ``save(model)``: a module or optimizer object itself cannot be stored,
    only its ``state_dict()``."""
    if hasattr(obj, "param_groups"):
        kind, name, also = "optimizer", "optimizer", ""
    else:
        kind, name = "module", "model"
        also = " (and optimizer.state_dict() for its optimizer)"
    return TypeError(
        f"save: cannot store the {type(obj).__name__} {kind} object at '{where or '<root>'}'. "
        f"Saving a whole {kind} (as torch.save({name}) does) needs pickle, and unpickling runs "
        "code from the file when it is loaded, so yingshe never pickles. Save its state_dict "
        f"instead: yingshe.save({name}.state_dict(), path){also}; to restore, build the {kind} "
        f"in code and call {name}.load_state_dict(yingshe.load(path)).")


def _add_array(arrays, array, name, where):
    """Put ``array`` in ``arrays`` under ``name``, or under ``name~2``, ``name~3``, ... when that
    is taken; the name used."""
    array = np.asarray(_backend.to_device(array, "cpu"), order="C")  # 0-d stays 0-d
    if array.dtype.name not in _DTYPE_CODES:
        raise TypeError(f"save: cannot store the {array.dtype} array at '{where or '<root>'}' "
                        f"(safetensors holds {', '.join(_DTYPE_CODES)})")
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    unique, n = name, 1
    while unique in arrays or unique == _METADATA_KEY:
        n += 1
        unique = f"{name}~{n}"
    arrays[unique] = array
    return unique


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


# ---- atomic writes ---------------------------------------------------------------------------
def write_atomically(path, chunks):
    """Write the byte strings ``chunks`` to ``path`` through a temporary file in the same
    directory (``.NAME.tmp-XXXXXXXXXXXXXXXX``), flushed to disk, renamed into place, and the
    directory flushed.  Temporaries that an earlier, killed write to ``path`` left behind are
    removed first (so two processes must not write the same path at the same time).  The file
    gets the permissions a plain ``open()`` gives (0o666 less the umask)."""
    path = os.fsdecode(os.fspath(path))
    directory, name = os.path.split(os.path.abspath(path))
    stem = _temporary_stem(name)
    _remove_stale_temporaries(directory, stem)
    tmp, fd = _create_temporary(directory, stem)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _temporary_stem(name):
    """The part of the temporaries' names that identifies the target ``name`` (a digest when
    the name is too long to fit a file name with the suffix)."""
    if len(os.fsencode(name)) <= 200:
        return name
    return hashlib.sha256(os.fsencode(name)).hexdigest()[:32]


def _temporary_pattern(stem):
    return re.compile(rf"\.{re.escape(stem)}\.tmp-[0-9a-f]{{16}}\Z")


def _create_temporary(directory, stem):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = os.path.join(directory, f".{stem}.tmp-{secrets.token_hex(8)}")
        try:
            return tmp, os.open(tmp, flags, 0o666)  # the kernel applies the umask
        except FileExistsError:
            continue


def _remove_stale_temporaries(directory, stem):
    pattern = _temporary_pattern(stem)
    with os.scandir(directory) as entries:
        stale = [entry.path for entry in entries if pattern.match(entry.name)]
    for tmp in stale:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _fsync_directory(directory):
    """Flush the directory entry of a rename to disk (POSIX; Windows has no such call)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a directory we may write but not read: nothing to flush through
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


# ---- load ------------------------------------------------------------------------------------
def load(f, map_location=None, weights_only=True):
    """Read what ``save`` wrote from the path ``f``; tensors go to ``map_location`` (a device)
    or the CPU.  A safetensors file written by another tool (no yingshe structure) loads as
    {name: Tensor}.

    dtypes: bool, uint8, int8-64 and float16/32/64 load as they are, and so do uint16/32/64
    arrays saved as NumPy arrays; a *tensor* of uint16, uint32 or uint64 (yingshe tensors have
    no such types) loads as int32, int64 and int64 (a CheckpointError if a uint64 value does
    not fit).  bfloat16 tensors, e.g. written by PyTorch, load as float32 (NumPy has no
    bfloat16; the values are exact).  Other dtypes (float8, complex, ...) raise a
    ``CheckpointError`` naming the dtype and the tensor.

    Every malformed file raises a ``CheckpointError`` naming the file and the offending entry
    (for a safetensors file, before any tensor is read).

    A zip checkpoint written by ``torch.save`` (PyTorch 1.6+) of a state dict (tensors,
    numbers, strings, dicts, OrderedDicts, lists, tuples) loads too: its pickle is read by a
    restricted unpickler that allows only the globals a state dict needs and refuses any other
    with a ``CheckpointError`` naming it, so nothing in the file runs.  Each tensor is a copy
    of its view of the stored storage (views of one storage do not share memory afterwards).
    Legacy (pre-1.6) PyTorch files, raw pickles and TorchScript archives are refused, never
    unpickled: nothing in a file is ever executed.  ``weights_only=True`` (PyTorch's default)
    is what ``load`` always does; ``weights_only=False`` (unpickle arbitrary objects) raises a
    ValueError.

    Shape:
        each tensor comes back with the shape it was saved with.

    Examples:
        A training checkpoint: tensors, numbers and lists round-trip, and the state dict
        loads into a fresh model:

        >>> import tempfile
        >>> from pathlib import Path
        >>> import yingshe
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = Path(folder.name) / "checkpoint.safetensors"
        >>> model = yingshe.nn.Linear(3, 2)
        >>> yingshe.save({"model": model.state_dict(), "epoch": 5, "losses": [0.9, 0.5]}, path)
        >>> checkpoint = yingshe.load(path)
        >>> checkpoint["epoch"], checkpoint["losses"], checkpoint["model"]["weight"].shape
        (5, [0.9, 0.5], yingshe.Size([2, 3]))
        >>> yingshe.nn.Linear(3, 2).load_state_dict(checkpoint["model"])
        <All keys matched successfully>
        >>> state = yingshe.load("resnet18.pth")           # a torch.save file  # doctest: +SKIP
        >>> folder.cleanup()
    """
    if not weights_only:
        raise ValueError(
            "load: weights_only=False is not supported: it means unpickling arbitrary objects, "
            "and unpickling runs code from the file. yingshe files hold only tensors, numbers, "
            "strings and containers of them, so call load(f) (weights_only=True) and rebuild "
            "models in code with model.load_state_dict(...).")
    path = os.fsdecode(os.fspath(f))
    with open(path, "rb") as handle:
        head = handle.read(9)
        handle.seek(0)
        if head[:4] == b"PK\x03\x04" and head[8:9] != b"{":  # a zip archive (torch.save)
            return _load_torch_zip(handle, path, map_location)
        data_start, entries, metadata = _read_header(handle, path)
        structure = _read_structure(metadata, path)
        if structure is None:  # a plain safetensors file written by another tool
            names = list(entries)
        else:
            names = {}

            def check(kind, name, where):
                if name not in entries:
                    raise _corrupted(path, f"its structure refers to tensor '{name}' at {where}, "
                                           "which the file does not hold")
                names[name] = None
            _decode(structure, check, path, "<root>", 0)
        arrays = _read_tensors(handle, path, data_start, entries, names)
    used = set()

    def lookup(kind, name, where=None):
        array = arrays[name]
        if name in used:  # one tensor referred to twice: each place gets its own copy
            array = array.copy()
        used.add(name)
        if kind == "__tensor__":
            array = _tensor_array(array, path, name)
        if map_location is not None:
            array = _backend.to_device(array, map_location)
        return Tensor._make(array) if kind == "__tensor__" else array
    if structure is None:
        return {name: lookup("__tensor__", name) for name in names}
    return _decode(structure, lookup, path, "<root>", 0)


def _tensor_array(array, path, name):
    """``array`` in a dtype a Tensor can have: unsigned integers wider than 8 bits (which
    yingshe lacks) become the signed type that holds their values."""
    wider = _WIDER_INTEGERS.get(array.dtype.name)
    if wider is None:
        return array
    if array.dtype == np.uint64 and array.size and array.max() > np.iinfo(np.int64).max:
        raise CheckpointError(f"load: '{path}': tensor '{name}' is uint64 with values above "
                              f"2**63 - 1, which no yingshe tensor type holds")
    return array.astype(wider)


def _corrupted(path, what):
    return CheckpointError(f"load: '{path}' is corrupted: {what}")


def _read_header(handle, path):
    """Check the header of the open file ``handle`` against the safetensors format without
    reading the tensors; (offset of the data section, {name: (dtype code, shape, begin, end)}
    in file order, metadata)."""
    size = os.fstat(handle.fileno()).st_size
    head = handle.read(9)
    if len(head) < 8:
        _refuse_other_formats(handle, path, head)
        raise CheckpointError(f"load: '{path}' is truncated ({size} bytes; not a safetensors "
                              "file)")
    (header_size,) = struct.unpack("<Q", head[:8])
    if header_size > size - 8 or head[8:9] != b"{":
        _refuse_other_formats(handle, path, head)
        if header_size > size - 8:
            raise CheckpointError(f"load: '{path}' is truncated or corrupted: its header length "
                                  f"field says {header_size} bytes but the file has "
                                  f"{size - 8} after it")
        raise _corrupted(path, "its header does not start with '{' (it must be a JSON object)")
    if header_size > _MAX_HEADER_BYTES:
        raise _corrupted(path, f"its header length field says {header_size} bytes, more than "
                               f"the {_MAX_HEADER_BYTES} safetensors allows")
    raw = head[8:] + handle.read(header_size - 1)
    if len(raw) != header_size:
        raise CheckpointError(f"load: '{path}' is truncated (it changed while being read)")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise _corrupted(path, f"its header has the key '{exc.args[0]}' twice (a file written "
                               "by an older yingshe from two entries with the same dotted "
                               "path: one of them was lost)") from None
    except (ValueError, RecursionError) as exc:
        raise _corrupted(path, f"its header is not valid JSON ({_short(exc, 200)})") from None
    if not isinstance(header, dict):
        raise _corrupted(path, f"its header is a JSON {type(header).__name__}, not an object")
    metadata = header.pop(_METADATA_KEY, {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _corrupted(path, "its header's __metadata__ is not a map of strings to strings")
    entries = {name: _check_entry(path, name, info) for name, info in header.items()}
    _check_layout(path, entries, size - 8 - header_size)
    return 8 + header_size, entries, metadata


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _short(value, limit=80):
    """``value`` for a message: its str if an exception, else its repr; cut to ``limit``."""
    text = str(value) if isinstance(value, BaseException) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_entry(path, name, info):
    """(dtype code, shape, begin, end) of the header entry ``name``, checked."""
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
        raise _corrupted(path, f"the header entry for tensor '{name}' is not an object with "
                               "'dtype', 'shape' and 'data_offsets'")
    code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if code not in _CODE_DTYPES and code != _BFLOAT16:
        raise CheckpointError(f"load: '{path}': tensor '{name}' has dtype {_short(code)}, which "
                              f"yingshe cannot load (it reads {', '.join(_CODE_DTYPES)}, and "
                              "BF16 as float32)")
    if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
        raise _corrupted(path, f"tensor '{name}' has the shape {_short(shape)} (not a list of "
                               "non-negative integers)")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_int, offsets))
            or not 0 <= offsets[0] <= offsets[1]):
        raise _corrupted(path, f"tensor '{name}' has the data_offsets {_short(offsets)} (not "
                               "[begin, end] with 0 <= begin <= end)")
    begin, end = offsets
    itemsize = 2 if code == _BFLOAT16 else _CODE_DTYPES[code].itemsize
    count = 1
    for d in shape:
        count *= d
    if end - begin != count * itemsize:
        raise _corrupted(path, f"tensor '{name}' ({code} {shape}) needs {count * itemsize} "
                               f"bytes but its data_offsets [{begin}, {end}) hold {end - begin}")
    return code, tuple(shape), begin, end


def _check_layout(path, entries, data_size):
    """The tensors' byte ranges must cover the data section exactly: no holes, no overlaps,
    nothing past its end and nothing after the last tensor."""
    for name, (code, shape, begin, end) in entries.items():
        if end > data_size:
            raise CheckpointError(f"load: '{path}' is truncated or corrupted: tensor '{name}' "
                                  f"{list(shape)} {code} needs bytes [{begin}, {end}) but the "
                                  f"data section has {data_size} bytes")
    position, previous = 0, None
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda e: e[1][2:]):
        if begin < position:
            raise _corrupted(path, f"the bytes of tensor '{name}' [{begin}, {end}) overlap "
                                   f"those of tensor '{previous}' (which end at {position})")
        if begin > position:
            after = f"after tensor '{previous}'" if previous is not None else "at the start"
            raise _corrupted(path, f"the bytes [{position}, {begin}) {after} belong to no "
                                   f"tensor (a hole before tensor '{name}')")
        position, previous = end, name
    if position != data_size:
        after = f"after the last tensor '{previous}'" if previous is not None else "with no tensor"
        raise _corrupted(path, f"{data_size - position} trailing bytes {after} belong to no "
                               "tensor")


def _refuse_other_formats(handle, path, head):
    """Raise a ``CheckpointError`` that says what the file is if it is a legacy PyTorch
    checkpoint (a raw pickle or a tar archive) or another pickle; nothing in it is unpickled."""
    handle.seek(0)
    start = handle.read(512)
    if start.startswith(_LEGACY_TORCH_MAGIC):
        what = ("a legacy torch.save file: the format before PyTorch 1.6, or "
                "_use_new_zipfile_serialization=False")
    elif start[257:262] == b"ustar":
        what = "a legacy torch.save file in the tar format of early PyTorch versions"
    elif head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        what = "or another pickle: the file starts like one"
    else:
        return
    raise CheckpointError(
        f"load: '{path}' is a PyTorch pickle checkpoint ({what}), neither a safetensors file "
        "nor a torch.save zip archive. yingshe never unpickles such files: unpickling can run "
        "any code the file contains. If you trust the file, re-save it with PyTorch: "
        f"`torch.save(torch.load('{path}', weights_only=True), 'model.pt')` (a zip archive "
        "yingshe reads safely) or `safetensors.torch.save_file(torch.load(...), "
        "'model.safetensors')`, then load that file.")


def _read_structure(metadata, path):
    """The JSON structure ``save`` stored in the metadata, or None for a plain file."""
    if _STRUCTURE_KEY not in metadata:
        return None
    try:
        return json.loads(metadata[_STRUCTURE_KEY])
    except (ValueError, RecursionError) as exc:
        raise _corrupted(path, f"its {_STRUCTURE_KEY} metadata is not valid JSON "
                               f"({_short(exc, 200)})") from None


def _decode(node, lookup, path, where, depth):
    """The object the structure ``node`` describes; ``lookup(kind, name)`` gives the tensor
    or array of a reference.  Checks the structure: anything but what ``save`` writes raises a
    ``CheckpointError`` naming the position (``where``)."""
    if depth > _MAX_DEPTH:
        raise _corrupted(path, f"its structure is nested more than {_MAX_DEPTH} containers "
                               f"deep at {where}")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict) or len(node) != 1:
        raise _corrupted(path, f"its structure has the unknown entry {_short(node)} at {where}")
    ((kind, value),) = node.items()
    if kind in ("__tensor__", "__ndarray__"):
        if not isinstance(value, str):
            raise _corrupted(path, f"its structure has the tensor reference {_short(value)} at "
                                   f"{where} (not a name)")
        return lookup(kind, value, where)
    if kind == "__dict__" and isinstance(value, list):
        result = {}
        for pair in value:
            if (not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], (str, int))
                    or isinstance(pair[0], bool)):
                raise _corrupted(path, f"its structure has the malformed dict item "
                                       f"{_short(pair)} at {where}")
            key = pair[0]
            if key in result:
                raise _corrupted(path, f"its structure has the key {key!r} twice at {where}")
            result[key] = _decode(pair[1], lookup, path, f"{where}[{key!r}]", depth + 1)
        return result
    if kind in ("__list__", "__tuple__") and isinstance(value, list):
        items = [_decode(v, lookup, path, f"{where}[{i}]", depth + 1)
                 for i, v in enumerate(value)]
        return tuple(items) if kind == "__tuple__" else items
    raise _corrupted(path, f"its structure has the unknown entry {_short(node)} at {where}")


def _read_tensors(handle, path, data_start, entries, names):
    """{name: array} of the tensors ``names``, read once each in file order: by the safetensors
    package (which checks the header again), bfloat16 ones by hand (as float32)."""
    names = sorted(names, key=lambda name: entries[name][2])
    arrays = {}
    try:
        with _open_tensors(path) as file:
            for name in names:
                code, shape, begin, _ = entries[name]
                if code == _BFLOAT16:
                    arrays[name] = _read_bfloat16(handle, path, name, data_start + begin, shape)
                    continue
                array = file.get_tensor(name)
                if array.dtype != _CODE_DTYPES[code] or array.shape != shape:
                    raise CheckpointError(f"load: '{path}' changed while being read (tensor "
                                          f"'{name}')")
                if not (array.flags.writeable and array.flags.c_contiguous):
                    array = np.array(array)
                arrays[name] = array
    except safetensors.SafetensorError as exc:
        raise _corrupted(path, str(exc)) from None
    return arrays


def _open_tensors(path):
    try:
        return safetensors.safe_open(path, framework="numpy", backend=_READ_BACKEND)
    except TypeError:  # safetensors before 0.8 has no backend choice: it maps the file
        return safetensors.safe_open(path, framework="numpy")


def _read_bfloat16(handle, path, name, offset, shape):
    """The bfloat16 tensor at ``offset`` as float32 (bfloat16 is the top half of a float32,
    so the values are exact)."""
    raw = np.empty(shape, "<u2")
    view = memoryview(raw.reshape(-1).view(np.uint8))
    handle.seek(offset)
    done = 0
    while done < len(view):
        count = handle.readinto(view[done:])
        if not count:
            raise CheckpointError(f"load: '{path}' is truncated (tensor '{name}'; it changed "
                                  "while being read)")
        done += count
    wide = raw.astype("<u4")
    wide <<= 16
    return wide.view("<f4").astype(np.float32, copy=False)


# ---- torch.save zip checkpoints --------------------------------------------------------------
# A torch.save file (PyTorch 1.6+) is a zip archive "NAME/..." holding data.pkl (the pickled
# object), byteorder ("little" or "big"), version, and one entry data/KEY per storage (its raw
# bytes).  data.pkl is read by a restricted unpickler: it resolves only the globals a state dict
# needs, to yingshe's own functions, and refuses every other global, so nothing in the file runs.
_TORCH_STORAGES = {"FloatStorage": "float32", "DoubleStorage": "float64",
                   "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
                   "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
                   "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool"}
_TORCH_DTYPES = set(_TORCH_STORAGES.values()) | {"uint16", "uint32", "uint64"}
# legacy torch.save files start with a pickled magic number (torch/serialization.py)
_LEGACY_TORCH_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."


class _TorchName:
    """A storage type ("storage") or dtype ("dtype") a pickle names, as a dtype name."""
    __slots__ = ("kind", "dtype")

    def __init__(self, kind, dtype):
        self.kind, self.dtype = kind, dtype

    def __setstate__(self, state):
        raise pickle.UnpicklingError("BUILD on a storage type or dtype")


class _Storage:
    """The raw bytes (a uint8 array) of the storage entry ``key``, with its dtype (None when
    untyped)."""
    __slots__ = ("raw", "key", "dtype")

    def __init__(self, raw, key, dtype):
        self.raw, self.key, self.dtype = raw, key, dtype

    def __setstate__(self, state):
        raise pickle.UnpicklingError("BUILD on a storage")


class _TensorRecord:
    """A tensor the pickle rebuilt: its array (a copy, C-contiguous) and requires_grad; turned
    into a Tensor once the whole pickle has been read."""
    __slots__ = ("array", "requires_grad")

    def __init__(self, array, requires_grad):
        self.array, self.requires_grad = array, requires_grad

    def __setstate__(self, state):
        raise pickle.UnpicklingError("BUILD on a tensor")


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles data.pkl of a torch.save archive with only the globals a state dict needs."""

    def __init__(self, file, path, archive, prefix, byteorder):
        super().__init__(file, encoding="utf-8")
        self.path, self.archive, self.prefix, self.byteorder = path, archive, prefix, byteorder
        self.storages = {}
        self.archive_size = os.fstat(archive.fp.fileno()).st_size

    def find_class(self, module, name):
        # protocol 2 pickles name Python 2 modules (__builtin__.exec): use the Python 3 names
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        full = f"{module}.{name}"
        if full == "collections.OrderedDict":
            return collections.OrderedDict
        if full == "torch._utils._rebuild_tensor_v2":
            return self._rebuild_tensor_v2
        if full == "torch._utils._rebuild_tensor_v3":
            return self._rebuild_tensor_v3
        if full == "torch._utils._rebuild_parameter":
            return _rebuild_parameter
        if full == "torch.Size":
            return _torch_size
        if full == "_codecs.encode":  # how protocol 2 pickles bytes
            return _latin1_bytes
        if module == "torch" and name in _TORCH_STORAGES:
            return _TorchName("storage", _TORCH_STORAGES[name])
        if full == "torch.storage.UntypedStorage":
            return _TorchName("storage", None)
        if module == "torch" and name in _TORCH_DTYPES:
            return _TorchName("dtype", name)
        raise CheckpointError(
            f"load: '{self.path}': refused to load the global '{full}' from "
            f"{self.prefix}data.pkl: yingshe reads only state dicts (tensors of "
            f"{', '.join(sorted(_TORCH_DTYPES))}, numbers, strings, dicts, lists and tuples), "
            "and loading any other global could run code from the file. If you trust the "
            "file, load it with torch.load and save its state_dict with torch.save.")

    def persistent_load(self, pid):
        if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                or not isinstance(pid[1], _TorchName) or pid[1].kind != "storage"
                or not isinstance(pid[2], str) or not _is_int(pid[4]) or pid[4] < 0):
            raise _corrupted(self.path, f"{self.prefix}data.pkl has the persistent id "
                                        f"{_short(pid)} (not ('storage', type, key, location, "
                                        "numel))")
        _, storage_type, key, _, numel = pid
        dtype = storage_type.dtype
        nbytes = numel * (1 if dtype is None else _storage_itemsize(dtype))
        storage = self.storages.get(key)
        if storage is None:
            storage = self.storages[key] = _Storage(self._read_entry(key, nbytes), key, dtype)
        elif storage.raw.size != nbytes:
            raise _corrupted(self.path, f"{self.prefix}data.pkl gives storage '{key}' two "
                                        f"sizes ({storage.raw.size} and {nbytes} bytes)")
        return _Storage(storage.raw, key, dtype)

    def _read_entry(self, key, nbytes):
        """The bytes of the entry data/KEY, which must hold exactly ``nbytes``, read straight
        into a new uint8 array."""
        entry = f"{self.prefix}data/{key}"
        try:
            info = self.archive.getinfo(entry)
        except KeyError:
            raise _corrupted(self.path, f"{self.prefix}data.pkl refers to storage '{key}' but "
                                        f"the archive has no entry '{entry}'") from None
        if info.file_size != nbytes:
            raise _corrupted(self.path, f"the entry '{entry}' holds {info.file_size} bytes but "
                                        f"data.pkl says storage '{key}' has {nbytes}")
        # the sizes the archive claims must fit the file before the array is made
        stored_ok = info.compress_type != zipfile.ZIP_STORED or info.compress_size == nbytes
        if not stored_ok or info.header_offset + info.compress_size > self.archive_size:
            raise CheckpointError(f"load: '{self.path}' is truncated or corrupted: the entry "
                                  f"'{entry}' claims {info.compress_size} stored bytes at "
                                  f"offset {info.header_offset} of a {self.archive_size}-byte "
                                  "file")
        raw = np.empty(nbytes, np.uint8)
        view, done = memoryview(raw), 0
        try:
            with self.archive.open(info) as stream:
                while done < nbytes:
                    count = stream.readinto(view[done:])
                    if not count:
                        break
                    done += count
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise _corrupted(self.path, f"the entry '{entry}' cannot be read ({exc})") from None
        if done != nbytes:
            raise CheckpointError(f"load: '{self.path}' is truncated: the entry '{entry}' "
                                  f"gave {done} of its {nbytes} bytes")
        return raw

    def _rebuild_tensor_v2(self, storage, offset, size, stride, requires_grad, hooks,
                           metadata=None):
        if not isinstance(storage, _Storage) or storage.dtype is None:
            raise _corrupted(self.path, f"{self.prefix}data.pkl rebuilds a tensor from "
                                        f"{_short(storage)} (not a typed storage)")
        return self._rebuild(storage, storage.dtype, offset, size, stride, requires_grad, hooks,
                             metadata)

    def _rebuild_tensor_v3(self, storage, offset, size, stride, requires_grad, hooks, dtype,
                           metadata=None):
        if not isinstance(storage, _Storage) or not isinstance(dtype, _TorchName) \
                or dtype.kind != "dtype":
            raise _corrupted(self.path, f"{self.prefix}data.pkl rebuilds a tensor from "
                                        f"{_short(storage)} as {_short(dtype)} (not a storage "
                                        "and a dtype)")
        return self._rebuild(storage, dtype.dtype, offset, size, stride, requires_grad, hooks,
                             metadata)

    def _rebuild(self, storage, dtype, offset, size, stride, requires_grad, hooks, metadata):
        """The tensor record of the view (offset, size, stride, in elements) of ``storage``
        read as ``dtype``: a copy, checked to lie inside the storage."""
        where = f"the tensor on storage '{storage.key}' in {self.prefix}data.pkl"
        if hooks or metadata or not isinstance(requires_grad, bool):
            raise _corrupted(self.path, f"{where} has backward hooks, metadata or a "
                                        "requires_grad that is not a bool")
        if (not isinstance(size, tuple) or not isinstance(stride, tuple)
                or len(size) != len(stride) or not _is_int(offset) or offset < 0
                or not all(_is_int(n) and n >= 0 for n in size)
                or not all(_is_int(s) and s >= 0 for s in stride)):
            raise _corrupted(self.path, f"{where} has the offset {_short(offset)}, size "
                                        f"{_short(size)} and stride {_short(stride)} (not "
                                        "non-negative integers, one stride per dimension)")
        itemsize = _storage_itemsize(dtype)
        if storage.raw.size % itemsize:
            raise _corrupted(self.path, f"{where}: its {storage.raw.size} bytes are no whole "
                                        f"number of {dtype} elements")
        order = "<" if self.byteorder == "little" else ">"
        stored = {"bfloat16": np.dtype(f"{order}u2"), "bool": np.dtype(np.uint8)}.get(
            dtype) or np.dtype(dtype).newbyteorder(order)
        elements = storage.raw.view(stored)
        numel = math.prod(size)
        if numel > max(elements.size, _EXPANDED_LIMIT):
            raise _corrupted(self.path, f"{where} asks for {numel} elements from a storage of "
                                        f"{elements.size} (an expanded view, size {list(size)}, "
                                        f"stride {list(stride)}); loaded views are copies, and "
                                        f"more than {_EXPANDED_LIMIT} elements that the file "
                                        "does not hold are refused")
        if numel == 0:
            array = np.empty(size, stored)
        else:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
            if last >= elements.size:
                raise _corrupted(self.path, f"{where} (offset {offset}, size {list(size)}, "
                                            f"stride {list(stride)}) reaches element {last} "
                                            f"but the storage holds {elements.size}")
            array = np.lib.stride_tricks.as_strided(
                elements[offset:], size, tuple(s * itemsize for s in stride), writeable=False)
        if dtype == "bfloat16":  # the top half of a float32, so the values are exact
            array = (array.astype(np.uint32) << 16).view(np.float32)
        elif dtype == "bool":
            array = array != 0
        else:
            array = np.array(array, dtype=np.dtype(dtype), order="C")
        return _TensorRecord(array, requires_grad)


# A loaded view is a copy, so a view whose strides repeat elements (an expanded tensor) costs
# memory its file does not hold: up to this many elements are allowed, as a legitimately saved
# expanded tensor needs; a crafted size of 10^12 is refused instead of exhausting memory.
_EXPANDED_LIMIT = 2**24


def _storage_itemsize(dtype):
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def _rebuild_parameter(data, requires_grad, hooks):
    if not isinstance(data, _TensorRecord) or not isinstance(requires_grad, bool) or hooks:
        raise pickle.UnpicklingError("_rebuild_parameter needs a tensor, a bool and no hooks")
    return _TensorRecord(data.array, requires_grad)


def _latin1_bytes(text, encoding):
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError(f"_codecs.encode of {_short(text)} as {_short(encoding)}")
    return text.encode("latin1")


def _torch_size(sizes=()):
    sizes = tuple(sizes)
    if not all(_is_int(n) for n in sizes):
        raise pickle.UnpicklingError(f"torch.Size of {_short(sizes)}")
    return sizes


def _load_torch_zip(handle, path, map_location):
    """The object a torch.save zip archive holds, its tensors as yingshe Tensors."""
    try:
        archive = zipfile.ZipFile(handle)
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CheckpointError(f"load: '{path}' is a zip archive (as torch.save writes) that is "
                              f"truncated or corrupted: {exc}") from None
    with archive:
        pickles = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        prefixes = {n.split("/", 1)[0] + "/" for n in names if "/" in n}
        if any(n.endswith("/constants.pkl") or "/code/" in n for n in names):
            raise CheckpointError(
                f"load: '{path}' is a TorchScript archive (written by torch.jit.save), not a "
                "checkpoint: it holds code, which yingshe never runs. Load it with PyTorch and "
                "save its weights: `torch.save(torch.jit.load(f).state_dict(), 'model.pt')`, "
                "then load that file.")
        if len(pickles) != 1 or len(prefixes) != 1:
            raise CheckpointError(f"load: '{path}' is a zip archive but not a torch.save "
                                  "checkpoint (one folder holding data.pkl) nor a safetensors "
                                  "file")
        prefix = pickles[0][:-len("data.pkl")]
        byteorder = "little"
        if f"{prefix}byteorder" in names:
            byteorder = archive.read(f"{prefix}byteorder").decode("ascii", "replace")
            if byteorder not in ("little", "big"):
                raise _corrupted(path, f"its entry '{prefix}byteorder' says "
                                       f"{_short(byteorder)} (not 'little' or 'big')")
        try:
            blob = archive.read(pickles[0])
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise _corrupted(path, f"the entry '{pickles[0]}' cannot be read ({exc})") from None
        unpickler = _StateDictUnpickler(io.BytesIO(blob), path, archive, prefix, byteorder)
        try:
            obj = unpickler.load()
        except CheckpointError:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                LookupError, OverflowError, RecursionError, struct.error) as exc:
            raise _corrupted(path, f"its entry '{pickles[0]}' is not a valid state dict pickle "
                                   f"({type(exc).__name__}: {_short(exc, 200)})") from None
    return _tensors_of(obj, path, map_location, {}, "<root>", 0)


def _tensors_of(obj, path, map_location, made, where, depth):
    """``obj`` with each tensor record replaced by a Tensor (one Tensor per record, so a tensor
    stored twice loads as one object); anything but numbers, strings, bytes, None, tensors and
    dicts/lists/tuples of them raises a CheckpointError naming its position."""
    if depth > _MAX_DEPTH:
        raise _corrupted(path, f"its pickle is nested more than {_MAX_DEPTH} containers deep "
                               f"at {where} (or contains itself)")
    if isinstance(obj, _TensorRecord):
        if id(obj) not in made:
            array = _tensor_array(obj.array, path, where)
            if map_location is not None:
                array = _backend.to_device(array, map_location)
            made[id(obj)] = Tensor._make(array, requires_grad=obj.requires_grad)
        return made[id(obj)]
    if obj is None or type(obj) in (bool, int, float, complex, str, bytes):
        return obj
    if type(obj) in (dict, collections.OrderedDict):
        for key in obj:
            if key is not None and type(key) not in (bool, int, float, str):
                raise CheckpointError(f"load: '{path}': its pickle has a dict key of type "
                                      f"{type(key).__name__} at {where} (a state dict's keys "
                                      "are strings and numbers)")
        return type(obj)((key, _tensors_of(value, path, map_location, made,
                                           f"{where}[{key!r}]", depth + 1))
                         for key, value in obj.items())
    if type(obj) in (list, tuple):
        return type(obj)(_tensors_of(value, path, map_location, made, f"{where}[{i}]",
                                     depth + 1) for i, value in enumerate(obj))
    what = "a storage" if isinstance(obj, _Storage) else f"an object of type {type(obj).__name__}"
    raise CheckpointError(f"load: '{path}': its pickle holds {what} at {where}, which is not "
                          "part of a state dict")
