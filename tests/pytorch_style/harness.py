"""Run a PyTorch tutorial-style program under PyTorch or, with only its imports rewritten, yingshe.

``rewrite_imports`` maps each ``import torch...`` / ``from torchvision... import`` line onto
yingshe's modules and leaves every other line alone. ``prepare_data`` lays out the shared data
as torchvision's downloads leave it (``MNIST/raw/`` with the ``.gz`` files and their extracted
copies), plus the PTB text as ``ptb/{train,valid,test}.txt`` for the word language model.
``python harness.py pytorch|yingshe PROGRAM`` runs one program (the tests call it that way).
"""
import gzip
import os
import re
import shutil
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent

# Leading module of an import statement -> yingshe's module.
MODULES = {"torch": "yingshe", "torchvision": "yingshe.vision"}
_IMPORT = re.compile(r"^(?P<indent>\s*)import\s+(?P<names>.+?)\s*$")
_FROM = re.compile(r"^(?P<indent>\s*)from\s+(?P<module>[\w.]+)\s+import\s+(?P<rest>.+?)\s*$")


def _top(module):
    return module.split(".")[0]


def _swap(module):
    top, _, sub = module.partition(".")
    return MODULES[top] + ("." + sub if sub else "")


def rewrite_line(line):
    """One source line with torch/torchvision imports pointed at yingshe; others unchanged.

    ``import torch`` -> ``import yingshe as torch``, ``import torch.nn as nn`` ->
    ``import yingshe.nn as nn``, ``from torch.utils.data import X`` ->
    ``from yingshe.utils.data import X``, ``from torchvision import datasets`` ->
    ``from yingshe.vision import datasets``; ``import torch.utils.data``, which loads the
    submodule and binds ``torch``, -> ``import yingshe.utils.data, yingshe as torch``.
    """
    match = _FROM.match(line)
    if match and _top(match["module"]) in MODULES:
        return f"{match['indent']}from {_swap(match['module'])} import {match['rest']}\n"
    match = _IMPORT.match(line)
    if not match:
        return line
    parts = [part.strip() for part in match["names"].split(",")]
    if not any(_top(part.split()[0]) in MODULES for part in parts):
        return line
    out = []
    for part in parts:
        words = part.split()
        module = words[0]
        if _top(module) not in MODULES:
            out.append(part)
        elif len(words) == 3 and words[1] == "as":
            out.append(f"{_swap(module)} as {words[2]}")
        elif len(words) == 1 and "." not in module:
            out.append(f"{_swap(module)} as {module}")
        elif len(words) == 1:  # import torch.utils.data: load the submodule, bind torch
            out.append(f"{_swap(module)}, {_swap(_top(module))} as {_top(module)}")
        else:
            raise ValueError(f"cannot rewrite {line.strip()!r}")
    return f"{match['indent']}import {', '.join(out)}\n"


def is_import_line(line):
    return bool(_FROM.match(line) or _IMPORT.match(line))


def rewrite_imports(source):
    """The program's source with only its torch/torchvision import lines rewritten."""
    return "".join(rewrite_line(line) for line in source.splitlines(keepends=True))


class _NoTorch:
    """Import hook for the yingshe runs: importing torch or torchvision is an error."""

    def find_spec(self, name, path=None, target=None):
        """Raise for torch and torchvision; decline (None) every other module."""
        if _top(name) in MODULES:
            raise ImportError(f"the yingshe run imported {name!r}")


def run(mode, program):
    program = Path(program).resolve()
    source = program.read_text()
    if mode == "pytorch":
        sys.path.insert(0, str(TESTS))
        import torchvision_oracle  # noqa: F401  (torchvision importable past its compiled ops)
    elif mode == "yingshe":
        sys.meta_path.insert(0, _NoTorch())
        source = rewrite_imports(source)
    else:
        raise ValueError(f"mode must be 'pytorch' or 'yingshe', got {mode!r}")
    sys.argv = [str(program)]
    code = compile(source, str(program), "exec")  # the original's name and line numbers
    exec(code,  # noqa: S102  (running the program as __main__ is the point)
         {"__name__": "__main__", "__file__": str(program), "__builtins__": __builtins__})


def _gunzip(src, dst):
    with gzip.open(src, "rb") as fin, open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout)


def prepare_data(data, root):
    """Lay the shared data folder ``data`` ($YINGSHE_DATA) out under ``root`` as torchvision's
    downloads leave it: ``root/MNIST/raw/`` and ``root/FashionMNIST/raw/`` hold the four ``.gz``
    files (linked) and their extracted copies; ``root/ptb/`` holds PTB as
    ``train.txt``, ``valid.txt``, ``test.txt`` (the names pytorch/examples' word model reads)."""
    data, root = Path(data), Path(root)
    for folder, name in (("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")):
        raw = root / name / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        for gz in sorted((data / folder).glob("*.gz")):
            link = raw / gz.name
            if not link.exists():
                os.symlink(gz, link)
            if not (raw / gz.stem).exists():
                _gunzip(gz, raw / gz.stem)
    ptb = root / "ptb"
    ptb.mkdir(parents=True, exist_ok=True)
    for split in ("train", "valid", "test"):
        if not (ptb / f"{split}.txt").exists():
            _gunzip(data / "ptb" / f"ptb.{split}.txt.gz", ptb / f"{split}.txt")
    return root


if __name__ == "__main__":
    run(*sys.argv[1:3])
