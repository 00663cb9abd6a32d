"""The package's layers (docs/design.md, "Layers"): no module imports a module of a higher
layer, at module level or inside a function, except the Tensor -> ops method binding; the
library never imports the command line."""
import ast
from pathlib import Path

import yingshe

PACKAGE = Path(yingshe.__file__).parent

# Lowest first.  A module may import modules of its own layer and of the layers below.
LAYERS = [
    ("_version", "_dtype", "_allocator", "_backend", "_parallel", "cuda", "accelerator",
     "backends"),
    ("_tensor", "autograd"),  # a Tensor's backward runs the engine, the engine sees Tensors
    ("ops", "linalg", "functional"),  # linalg and functional rename ops functions
    ("nn", "serialization", "utils", "multiprocessing", "distributions", "distributed",
     "onnx"),  # onnx records and rebuilds nn modules
    ("optim",),
    ("text",),
    ("datasets", "vision", "hub", "audio"),  # image datasets read files with datasets.utils;
    # prepare reads them; hub downloads with datasets.utils and vision.models' weights download
    # through hub; datasets.fsdd reads WAV files with audio
    ("models",),
    ("training",),
    ("serve",),  # the HTTP server runs a training run folder
    ("cli", "__main__"),
]
# Tensor's methods are ops: _tensor.py reaches them (yingshe/ops/__init__.py binds the rest).
ALLOWED = {("_tensor", "ops")}


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """(line, imported module) of every import in ``path``, relative ones resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            # `from .. import nn` imports the module yingshe.nn, not the package root
            names = [f"{target}.{alias.name}" for alias in node.names]
            submodules = [n for n in names if _is_module(n)]
            yield from ((node.lineno, n) for n in submodules or [target])


def _is_module(dotted):
    parts = dotted.split(".")
    if parts[0] != "yingshe":
        return False
    path = PACKAGE.joinpath(*parts[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _layer(dotted):
    """The index in LAYERS of a yingshe module, None for the package root and outside ones."""
    parts = dotted.split(".")
    if parts[0] != "yingshe" or len(parts) == 1:
        return None
    for index, names in enumerate(LAYERS):
        if parts[1] in names:
            return index
    raise AssertionError(f"{dotted} is in no layer; add it to LAYERS and docs/design.md")


def test_every_module_imports_only_its_layer_and_those_below():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if name == "yingshe":
            continue  # the public API gathers everything
        own = _layer(name)
        for line, imported in _imports(path):
            if imported == "yingshe":
                wrong.append(f"{name}:{line} imports the package root (import its modules)")
                continue
            layer = _layer(imported)
            if layer is not None and layer > own and \
                    (name.split(".")[1], imported.split(".")[1]) not in ALLOWED:
                wrong.append(f"{name}:{line} imports {imported} from a higher layer")
    assert not wrong, "\n".join(wrong)


def test_the_library_never_imports_the_command_line():
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        if name.startswith(("yingshe.cli", "yingshe.__main__")):
            continue
        assert not [imported for _, imported in _imports(path)
                    if imported.startswith("yingshe.cli")], name
