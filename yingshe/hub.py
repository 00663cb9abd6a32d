"""torch.hub's file cache for pretrained weights: ``load_state_dict_from_url`` downloads a
checkpoint once into ``<hub dir>/checkpoints`` and reads it with ``yingshe.load`` (a restricted
unpickler for ``torch.save`` files, so nothing in the file runs).

The hub folder is ``set_dir``'s, else ``$YINGSHE_HOME/hub``; ``YINGSHE_HOME`` defaults to
``$XDG_CACHE_HOME/yingshe`` and ``XDG_CACHE_HOME`` to ``~/.cache`` (torch.hub's rule with
TORCH_HOME renamed), so weights land in ``~/.cache/yingshe/hub/checkpoints``.  Loading
GitHub ``hubconf.py`` entry points (``torch.hub.load``) is not provided: it runs code from the
repository."""
import os
import re
import sys
from urllib.parse import urlparse

from .serialization import load

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url"]

ENV_YINGSHE_HOME = "YINGSHE_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
# A file name "NAME-<hex>.EXT" publishes the first digits of its SHA-256 (torch.hub's convention).
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")

_hub_dir = None  # set_dir's folder


def _yingshe_home():
    cache = os.environ.get(ENV_XDG_CACHE_HOME) or DEFAULT_CACHE_DIR
    return os.path.expanduser(os.environ.get(ENV_YINGSHE_HOME) or os.path.join(cache, "yingshe"))


def get_dir():
    """The hub folder (``torch.hub.get_dir``): ``set_dir``'s, else ``$YINGSHE_HOME/hub``, with
    ``YINGSHE_HOME`` defaulting to ``$XDG_CACHE_HOME/yingshe`` and ``XDG_CACHE_HOME`` to
    ``~/.cache``.  Pretrained weights are kept in its ``checkpoints`` folder.

    Examples:
        >>> import os
        >>> import yingshe
        >>> checkpoints = os.path.join(yingshe.hub.get_dir(), "checkpoints")
        >>> yingshe.hub.get_dir()          # none of the variables set  # doctest: +SKIP
        '/home/me/.cache/yingshe/hub'
    """
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_yingshe_home(), "hub")


def set_dir(d):
    """Use the folder ``d`` (a str or path; ``~`` expanded) as the hub folder from now on, in
    place of ``$YINGSHE_HOME/hub`` (``torch.hub.set_dir``).  It changes where every later
    pretrained-weights download of the process goes, so it is skipped here.

    Examples:
        >>> import yingshe
        >>> yingshe.hub.set_dir("~/weights")           # doctest: +SKIP
        >>> yingshe.hub.get_dir()                      # doctest: +SKIP
        '/home/me/weights'
    """
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download ``url`` to the path ``dst``, with a progress bar on stderr when ``progress``.
    The file is written through a temporary file beside ``dst`` and renamed into place only
    when its SHA-256 starts with ``hash_prefix`` (when given), so a damaged download never
    replaces anything; otherwise ``DatasetIntegrityError`` (a RuntimeError, as torch.hub's)
    names the URL and both hashes.

    Examples:
        Any URL ``urllib`` opens works; a local file here, so nothing is downloaded:

        >>> import tempfile
        >>> from pathlib import Path
        >>> import yingshe
        >>> folder = tempfile.TemporaryDirectory()
        >>> source = Path(folder.name) / "hello.txt"
        >>> _ = source.write_bytes(b"hello\\n")
        >>> target = Path(folder.name) / "copy.txt"
        >>> yingshe.hub.download_url_to_file(source.as_uri(), target, hash_prefix="5891b5b5",
        ...                                  progress=False)
        >>> target.read_bytes()
        b'hello\\n'
        >>> folder.cleanup()
        >>> yingshe.hub.download_url_to_file(                     # doctest: +SKIP
        ...     "https://download.pytorch.org/models/resnet18-f37072fd.pth", "resnet18.pth")
    """
    from .datasets.utils import download_url  # loaded on the first download only

    dst = os.path.expanduser(os.fspath(dst))
    name = url.rpartition("/")[2]
    download_url([url[:len(url) - len(name)]], name, os.path.dirname(os.path.abspath(dst)),
                 sha256_prefix=hash_prefix, save_as=os.path.basename(dst), progress=progress)


def _check_cached(path, hash_prefix):
    """Refuse a cached file whose SHA-256 does not start with ``hash_prefix``."""
    from .datasets.utils import DatasetIntegrityError, sha256sum

    digest = sha256sum(path)
    if not digest.startswith(hash_prefix):
        raise DatasetIntegrityError(
            f"{path}: SHA-256 {digest} does not start with {hash_prefix}, the prefix its name "
            f"publishes; the file is damaged or not the original. Delete it and load again to "
            f"download it afresh.")


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=True):
    """The state dict saved at ``url``, read with ``yingshe.load``; torch.hub's function.

    The file is kept in ``model_dir`` (default ``get_dir()/checkpoints``) under ``file_name``
    (default: the last part of the URL's path) and downloaded only when it is not there.  With
    ``check_hash`` and a name "NAME-<hex>.EXT", the file's SHA-256 must start with <hex>
    (torch.hub's ``check_hash``): a download that does not is discarded, and a cached file that
    does not is refused (torch.hub checks downloads only).  ``weights_only=False`` is refused by
    ``load``: unpickling arbitrary objects runs code.

    Examples:
        A checkpoint at a ``file://`` URL is copied into ``model_dir`` once, then read from
        there (the second call downloads nothing):

        >>> import tempfile
        >>> from pathlib import Path
        >>> import yingshe
        >>> folder = tempfile.TemporaryDirectory()
        >>> source = Path(folder.name) / "linear.safetensors"
        >>> yingshe.save(yingshe.nn.Linear(3, 2).state_dict(), source)
        >>> cache = Path(folder.name) / "checkpoints"
        >>> state = yingshe.hub.load_state_dict_from_url(source.as_uri(), model_dir=cache,
        ...                                              progress=False)
        >>> {name: tuple(t.shape) for name, t in state.items()}
        {'weight': (2, 3), 'bias': (2,)}
        >>> [p.name for p in cache.iterdir()]
        ['linear.safetensors']
        >>> folder.cleanup()

        torchvision's ResNet-18 weights, checked against the SHA-256 prefix in their name:

        >>> state = yingshe.hub.load_state_dict_from_url(         # doctest: +SKIP
        ...     "https://download.pytorch.org/models/resnet18-f37072fd.pth", check_hash=True)
    """
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    hash_prefix = None
    if check_hash:
        match = HASH_REGEX.search(filename)
        hash_prefix = match.group(1) if match else None
    if not os.path.exists(cached_file):
        if progress:
            sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    elif hash_prefix:
        _check_cached(cached_file, hash_prefix)
    return load(cached_file, map_location=map_location, weights_only=weights_only)
