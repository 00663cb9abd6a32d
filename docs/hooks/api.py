"""MkDocs hook: the API reference pages are generated from the docstrings of the public names.

A page under ``docs/api/`` names each module it documents on a line of its own,
``<!-- api yingshe.nn -->``; this hook replaces that line with one mkdocstrings block
(``::: yingshe.nn.Linear``) per public function and class of the module and a table of its other
public values (the dtypes). ``tests/test_docstrings.py`` walks the same names and fails on one
without a docstring, so the reference lists every public name and none of them is blank.
"""
import importlib
import inspect
import re
import types
from pathlib import Path

MARKER = re.compile(r"^<!-- api ([\w.]+) -->$", re.MULTILINE)
API_DIR = Path(__file__).resolve().parent.parent / "api"


def public_names(module):
    """The public names of ``module``: its ``__all__``, or, without one, the names not starting
    with ``_`` bound to functions, classes and instances of classes defined in yingshe (so
    ``import math`` in a module does not make ``math`` public). Submodules are left out: each
    has its own section."""
    if hasattr(module, "__all__"):
        names = list(module.__all__)
    else:
        names = [name for name, value in vars(module).items() if not name.startswith("_")
                 and _defined_in_yingshe(value if callable(value) else type(value))]
    return [name for name in names
            if not isinstance(getattr(module, name), types.ModuleType)]


def _defined_in_yingshe(obj):
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "yingshe"


def documented_modules():
    """The modules the API pages document, in page order: ``{module name: page path}``."""
    return {name: page for page in sorted(API_DIR.glob("*.md"))
            for name in MARKER.findall(page.read_text(encoding="utf-8"))}


def _module_section(module_name):
    module = importlib.import_module(module_name)
    lines = [f"## `{module_name}`", "", inspect.getdoc(module) or "", ""]
    values, foreign = [], []
    for name in public_names(module):
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isroutine(obj)):
            values.append(f"| `{module_name}.{name}` | `{obj!r}` |")
        elif not _defined_in_yingshe(obj):
            foreign.append(f"| `{module_name}.{name}` | Python's `{obj.__module__}.{name}` |")
        else:
            lines += [f"::: {module_name}.{name}", ""]
    if values:
        lines += ["| value | repr |", "|---|---|", *values, ""]
    if foreign:
        lines += ["Re-exported from the standard library, with its documentation:", "",
                  "| name | is |", "|---|---|", *foreign, ""]
    return "\n".join(lines)


def on_page_markdown(markdown, page, **kwargs):
    """Expand each ``<!-- api MODULE -->`` line of a page into the module's reference."""
    return MARKER.sub(lambda match: _module_section(match.group(1)), markdown)
