"""Dataset plumbing: where data lives, checked downloads, IDX parsing, and the seeds'
preprocessing step (standardisation, a held-out validation split; seed 002 §2.1.1)."""
import gzip
import hashlib
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

__all__ = ["default_root", "md5sum", "check_md5", "download_url", "read_idx", "standardize",
           "train_val_split", "DatasetIntegrityError"]


class DatasetIntegrityError(RuntimeError):
    """A dataset file is missing or its checksum differs from the published one."""


def default_root():
    """``$YINGSHE_DATA`` if set, else ``~/.cache/yingshe``."""
    return Path(os.environ.get("YINGSHE_DATA") or Path.home() / ".cache" / "yingshe")


def md5sum(path, chunk_size=1 << 20):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_md5(path, expected):
    """Raise ``DatasetIntegrityError`` naming the file and both digests when they differ."""
    actual = md5sum(path)
    if actual != expected:
        raise DatasetIntegrityError(
            f"{path}: MD5 {actual} differs from the published {expected}; the file is damaged "
            f"or not the original. Delete it and download again (download=True).")


def _progress(done, total, name):
    if total > 0:
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r{name}: [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done / 1e6:.1f}/{total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r{name}: {done / 1e6:.1f} MB")
    sys.stderr.flush()


def download_url(mirrors, filename, folder, md5):
    """Fetch ``filename`` from the first mirror that works into ``folder`` (atomically: a temp
    file renamed into place once its MD5 matches), with a progress bar on stderr."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    errors = []
    for mirror in mirrors:
        url = mirror + filename
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{filename}.")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, os.fdopen(fd, "wb") as out:
                total, done = int(response.headers.get("Content-Length") or 0), 0
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    out.write(chunk)
                    done += len(chunk)
                    _progress(done, total, filename)
            sys.stderr.write("\n")
            check_md5(tmp, md5)
            os.replace(tmp, target)
            return target
        except (OSError, DatasetIntegrityError) as error:
            errors.append(f"{url}: {error}")
            if os.path.exists(tmp):
                os.remove(tmp)
    raise DatasetIntegrityError(f"could not download {filename}:\n  " + "\n  ".join(errors))


_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Parse an IDX file (LeCun's format: magic 0 0 type ndim, big-endian dims, data),
    gzip-compressed or not, into a NumPy array."""
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
    """z = (x - mean) / std with mean and std from ``train`` only (seed 002 §2.1.1 数据预处理:
    statistics of the training set are applied unchanged to validation and test data).
    Returns the standardised arrays and (mean, std)."""
    train = np.asarray(train, np.float32)
    mean = train.mean(axis=axis, keepdims=axis is not None)
    std = train.std(axis=axis, keepdims=axis is not None) + eps
    results = [(np.asarray(x, np.float32) - mean) / std for x in (train,) + others]
    return (*results, (mean, std))


def train_val_split(n, val_fraction=0.1, seed=0):
    """Shuffled index arrays (train, validation) for a held-out validation split of n items."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"train_val_split: val_fraction must be in [0, 1), got {val_fraction}")
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])

