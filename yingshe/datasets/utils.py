"""Dataset plumbing: where data lives, checked reads and downloads, IDX parsing, and the usual
preprocessing: inputs standardised with the training set's statistics (LeCun, Bottou, Orr &
Müller 1998, "Efficient BackProp", §4.3) and a held-out validation split (Goodfellow, Bengio &
Courville 2016, Deep Learning, §5.3)."""
import gzip
import hashlib
import os
import sys
import urllib.request
from pathlib import Path

import numpy as np

from ..serialization import write_atomically

__all__ = ["default_root", "md5sum", "sha256sum", "verify_file", "read_checked", "download_url",
           "read_idx", "standardize", "train_val_split", "DatasetIntegrityError"]


class DatasetIntegrityError(RuntimeError):
    """A dataset file is missing or its checksum differs from the published one.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from yingshe.datasets import DatasetIntegrityError, verify_file
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "hello.txt"
        ...     _ = path.write_bytes(b"hello\\n")
        ...     try:
        ...         verify_file(path, size=7)
        ...     except DatasetIntegrityError as error:
        ...         print(str(error).replace(folder, "DIR").split(";")[0])
        DIR/hello.txt: size 6 differs from the published 7
    """


def default_root():
    """``$YINGSHE_DATA`` if set, else ``~/.cache/yingshe``.

    Examples:
        >>> import os
        >>> from unittest import mock
        >>> from yingshe.datasets import default_root
        >>> with mock.patch.dict(os.environ, {"YINGSHE_DATA": "/data"}):
        ...     str(default_root())
        '/data'
    """
    return Path(os.environ.get("YINGSHE_DATA") or Path.home() / ".cache" / "yingshe")


_DIGESTS = ("md5", "sha256")
_verified = set()  # (path, size, mtime, expectations) already checked in this process


def _digests(path, names, gunzip=False, chunk_size=1 << 20):
    """{name: hex digest} of the bytes of ``path`` (of its decompressed content when
    ``gunzip``), read in chunks."""
    hashes = {name: hashlib.new(name) for name in names}
    opener = gzip.open if gunzip else open
    try:
        with opener(path, "rb") as f:
            for chunk in iter(lambda: f.read(chunk_size), b""):
                for digest in hashes.values():
                    digest.update(chunk)
    except (OSError, EOFError) as error:
        raise DatasetIntegrityError(f"{path}: not a readable {'gzip ' if gunzip else ''}file "
                                    f"({error}); the file is damaged") from error
    return {name: digest.hexdigest() for name, digest in hashes.items()}


def md5sum(path):
    """The MD5 of the file at ``path``, as a hex string."""
    return _digests(path, ["md5"])["md5"]


def sha256sum(path):
    """The SHA-256 of the file at ``path``, as a hex string."""
    return _digests(path, ["sha256"])["sha256"]


def verify_file(path, *, md5=None, sha256=None, size=None, gunzip=False, hint=None):
    """Check that ``path`` exists and that its size (bytes on disk) and its MD5 / SHA-256 (of
    the decompressed content when ``gunzip``) are the published ones; returns the path.

    Raises ``DatasetIntegrityError`` naming the file, what differs and both values.  A file
    that passed is not hashed again in this process while its size and mtime stay the same.
    ``hint`` ends the not-found message (e.g. how to get the file).

    Examples:
        >>> import hashlib
        >>> import tempfile
        >>> from pathlib import Path
        >>> from yingshe.datasets import verify_file
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = Path(folder.name) / "hello.txt"
        >>> _ = path.write_bytes(b"hello\\n")
        >>> hashlib.md5(b"hello\\n").hexdigest()            # the "published" digest
        'b1946ac92492d2347c6235b4d2611184'
        >>> verify_file(path, md5="b1946ac92492d2347c6235b4d2611184", size=6) == path
        True
        >>> folder.cleanup()
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetIntegrityError(
            f"{path} not found; " + (hint or "point root (or $YINGSHE_DATA) at the folder "
                                             f"that holds {path.parent.name}/{path.name}"))
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, md5, sha256, size, gunzip)
    if key in _verified:
        return path
    expected = {name: value for name, value in zip(_DIGESTS, (md5, sha256)) if value}
    actual = _digests(path, list(expected), gunzip) if expected else {}
    if size is not None:
        expected["size"], actual["size"] = size, stat.st_size
    wrong = [name for name in expected if actual[name] != expected[name]]
    if wrong:
        of = "of the decompressed content " if gunzip else ""
        raise DatasetIntegrityError(
            f"{path}: " + ", ".join(f"{name.upper() if name != 'size' else 'size'} {of}"
                                    f"{actual[name]} differs from the published "
                                    f"{expected[name]}" for name in wrong)
            + "; the file is damaged or not the original. Delete it and get it again.")
    _verified.add(key)
    return path


def read_checked(path, *, md5=None, sha256=None, size=None, gunzip=False, hint=None):
    """The bytes of ``path`` (decompressed when ``gunzip``) once ``verify_file`` passes.

    Examples:
        >>> import gzip
        >>> import tempfile
        >>> from pathlib import Path
        >>> from yingshe.datasets import read_checked
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = Path(folder.name) / "hello.txt.gz"
        >>> _ = path.write_bytes(gzip.compress(b"hello\\n"))
        >>> read_checked(path, md5="b1946ac92492d2347c6235b4d2611184", gunzip=True)
        b'hello\\n'
        >>> folder.cleanup()
    """
    verify_file(path, md5=md5, sha256=sha256, size=size, gunzip=gunzip, hint=hint)
    opener = gzip.open if gunzip else open
    with opener(path, "rb") as f:
        return f.read()


def _progress(done, total, name):
    if total > 0:
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r{name}: [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done / 1e6:.1f}/{total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r{name}: {done / 1e6:.1f} MB")
    sys.stderr.flush()


def download_url(mirrors, filename, folder, md5=None, *, sha256_prefix=None, save_as=None,
                 progress=True):
    """Fetch ``filename`` from the first mirror that works into ``folder`` (named ``save_as`` when
    given), with a progress bar on stderr unless ``progress`` is False.  The file appears only
    once its MD5 is ``md5`` and its SHA-256 starts with ``sha256_prefix`` (torch.hub's check;
    each when given): it is written through a temporary file and renamed into place
    (``serialization.write_atomically``: the permissions of a plain ``open()``, flushed to
    disk).

    Examples:
        A mirror may be any URL ``urllib`` opens; here a local folder, so nothing is downloaded:

        >>> import tempfile
        >>> from pathlib import Path
        >>> from yingshe.datasets import download_url
        >>> folder = tempfile.TemporaryDirectory()
        >>> mirror = Path(folder.name) / "mirror"
        >>> mirror.mkdir()
        >>> _ = (mirror / "hello.txt").write_bytes(b"hello\\n")
        >>> path = download_url([mirror.as_uri() + "/"], "hello.txt", Path(folder.name) / "data",
        ...                     md5="b1946ac92492d2347c6235b4d2611184", progress=False)
        >>> path.relative_to(folder.name).as_posix(), path.read_bytes()
        ('data/hello.txt', b'hello\\n')
        >>> folder.cleanup()
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (save_as or filename)
    errors = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                write_atomically(target, _checked_chunks(response, filename, md5, sha256_prefix,
                                                         progress))
            return target
        except (OSError, DatasetIntegrityError) as error:
            errors.append(f"{url}: {error}")
    raise DatasetIntegrityError(f"could not download {filename}:\n  " + "\n  ".join(errors))


def _checked_chunks(response, filename, md5, sha256_prefix, progress):
    """The body of ``response`` in 64 KiB chunks, drawing the progress bar when ``progress``;
    after the last chunk, raises ``DatasetIntegrityError`` when the MD5 of the whole is not
    ``md5`` or its SHA-256 does not start with ``sha256_prefix`` (so the atomic write that
    consumes the chunks leaves nothing behind)."""
    total, done = int(response.headers.get("Content-Length") or 0), 0
    digests = {name: hashlib.new(name) for name, expected in (("md5", md5),
                                                               ("sha256", sha256_prefix))
               if expected}
    for chunk in iter(lambda: response.read(1 << 16), b""):
        for digest in digests.values():
            digest.update(chunk)
        done += len(chunk)
        if progress:
            _progress(done, total, filename)
        yield chunk
    if progress:
        sys.stderr.write("\n")
    if md5 and digests["md5"].hexdigest() != md5:
        raise DatasetIntegrityError(f"{filename}: MD5 {digests['md5'].hexdigest()} differs from "
                                    f"the published {md5}; the download is damaged or not the "
                                    "original")
    if sha256_prefix and not digests["sha256"].hexdigest().startswith(sha256_prefix):
        raise DatasetIntegrityError(f"{filename}: SHA-256 {digests['sha256'].hexdigest()} does "
                                    f"not start with the published prefix {sha256_prefix}; the "
                                    "download is damaged or not the original")


_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Parse an IDX file (LeCun's format: magic 0 0 type ndim, big-endian dims, data),
    gzip-compressed or not, into a NumPy array.

    Shape:
        output the array of the dims in the header, e.g. ``(60000, 28, 28)`` uint8 for MNIST's
        training images.

    Examples:
        A 2 x 3 uint8 array (type 0x08, two dimensions):

        >>> import struct
        >>> import tempfile
        >>> from pathlib import Path
        >>> from yingshe.datasets import read_idx
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = Path(folder.name) / "tiny-idx2-ubyte"
        >>> header = bytes([0, 0, 0x08, 2]) + struct.pack(">II", 2, 3)    # magic, dims 2 and 3
        >>> _ = path.write_bytes(header + bytes(range(6)))
        >>> read_idx(path)
        array([[0, 1, 2],
               [3, 4, 5]], dtype=uint8)
        >>> folder.cleanup()
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DatasetIntegrityError(f"{path}: not an IDX file (header {raw[:4].hex()})")
    ndim = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise DatasetIntegrityError(f"{path}: header says {dims} ({expected} bytes of "
                                    f"data) but the file holds {len(raw) - offset}")
    return np.frombuffer(raw, dtype, offset=offset).reshape(dims).astype(
        dtype.newbyteorder("="))


def standardize(train, *others, axis=None, eps=1e-8):
    """z = (x - mean) / std with mean and std from ``train`` only: the statistics of the
    training set are applied unchanged to validation and test data.
    Returns the standardised arrays and (mean, std).

    Shape:
        each array ``(N, *)``; with ``axis=0`` one mean and std per feature, of shape ``(1, *)``;
        outputs the shapes of the inputs.

    Examples:
        >>> from yingshe.datasets import standardize
        >>> train, test, (mean, std) = standardize([[0.0, 10.0], [2.0, 30.0]], [[1.0, 20.0]],
        ...                                        axis=0)
        >>> mean, std
        (array([[ 1., 20.]], dtype=float32), array([[ 1., 10.]], dtype=float32))
        >>> train
        array([[-1., -1.],
               [ 1.,  1.]], dtype=float32)
        >>> test                                       # the training statistics, applied unchanged
        array([[0., 0.]], dtype=float32)
    """
    train = np.asarray(train, np.float32)
    mean = train.mean(axis=axis, keepdims=axis is not None)
    std = train.std(axis=axis, keepdims=axis is not None) + eps
    results = [(np.asarray(x, np.float32) - mean) / std for x in (train,) + others]
    return (*results, (mean, std))


def train_val_split(n, val_fraction=0.1, seed=0):
    """Shuffled index arrays (train, validation) for a held-out validation split of n items.

    Examples:
        >>> from yingshe.datasets import train_val_split
        >>> train, val = train_val_split(10, val_fraction=0.2, seed=0)
        >>> len(train), len(val), sorted([*train, *val]) == list(range(10))
        (8, 2, True)
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"train_val_split: val_fraction must be in [0, 1), got {val_fraction}")
    order = np.random.default_rng(seed).permutation(n)
    n_val = round(n * val_fraction)
    return np.sort(order[n_val:]), np.sort(order[:n_val])

