"""The public API is documented: every public package has a page in the API reference, every
public function, class and method has a docstring, and the docstrings' examples run (doctest).

The public names are those the reference renders (``docs/hooks/api.py: public_names``)."""
import doctest
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest

import yingshe

_spec = importlib.util.spec_from_file_location(
    "api_pages", Path(__file__).resolve().parent.parent / "docs" / "hooks" / "api.py")
api_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_pages)

DOCUMENTED = api_pages.documented_modules()

# Public top-level modules without a reference section of their own, and why.
NOT_DOCUMENTED = {
    "yingshe.cli": "the command line: `yingshe --help` and the README document it",
    "yingshe.ops": "the op implementations; their public names are yingshe.X and "
                   "yingshe.nn.functional.X",
    "yingshe.serialization": "its public names, save and load, are yingshe.save and yingshe.load",
    "yingshe.backends": "a namespace: yingshe.backends.cuda, .cudnn and .mps are documented",
}


def _public_objects():
    """(module name, name, object) for each public function and class the reference renders."""
    for module_name in DOCUMENTED:
        module = importlib.import_module(module_name)
        for name in api_pages.public_names(module):
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isroutine(obj)) \
                    and api_pages._defined_in_yingshe(obj):
                yield module_name, name, obj


def test_every_public_package_has_a_reference_page():
    top_level = [f"yingshe.{info.name}" for info in pkgutil.iter_modules(yingshe.__path__)
                 if not info.name.startswith("_")]
    missing = [name for name in top_level if name not in NOT_DOCUMENTED
               and not any(m == name or m.startswith(name + ".") for m in DOCUMENTED)]
    assert not missing, f"add a docs/api page (a line <!-- api NAME -->) for {missing}"


def test_every_public_submodule_of_a_documented_package_is_documented():
    missing = []
    for module_name in DOCUMENTED:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            submodule = getattr(module, name)
            if inspect.ismodule(submodule) and submodule.__name__.startswith("yingshe.") \
                    and f"{module_name}.{name}" not in DOCUMENTED:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"add these modules to a docs/api page: {missing}"


def test_every_public_name_has_a_docstring():
    blank = [f"{module}.{name}" for module, name, obj in _public_objects()
             if not (obj.__doc__ or "").strip()]
    assert not blank, f"{len(blank)} public names without a docstring: {blank}"


def test_every_public_method_has_a_docstring():
    """Methods and properties of the public classes: their own docstring or, for an override,
    the one of the method it overrides (``inspect.getdoc``, as ``help()`` shows it)."""
    blank = set()
    for _, _, cls in _public_objects():
        if not inspect.isclass(cls):
            continue
        for name, attribute in vars(cls).items():
            if isinstance(attribute, (staticmethod, classmethod)):
                attribute = attribute.__func__
            if not name.startswith("_") and (inspect.isfunction(attribute)
                                             or isinstance(attribute, property)) \
                    and not inspect.getdoc(getattr(cls, name)):
                blank.add(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert not blank, f"{len(blank)} public methods without a docstring: {sorted(blank)}"


def test_every_public_name_has_an_example():
    """Issue 35: each public function and class shows how it is called (a doctest; lines that
    need a GPU, a download or mpiexec are written out and marked ``+SKIP``)."""
    bare = sorted({f"{module}.{name}" for module, name, obj in _public_objects()
                   if ">>>" not in (obj.__doc__ or "")})
    assert not bare, f"{len(bare)} public names without an example: {bare}"


CONTAINERS = {"Module", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"}


def test_every_layer_and_functional_op_gives_its_shapes():
    """The layers, losses and functional ops state their input and output shapes in PyTorch's
    notation ((N, C, H, W), (*) ...); only the containers, whose shapes are their contents',
    are exempt."""
    missing = sorted(f"{module}.{name}" for module, name, obj in _public_objects()
                     if module in ("yingshe.nn", "yingshe.nn.functional")
                     and name not in CONTAINERS and "Shape" not in (obj.__doc__ or ""))
    assert not missing, f"{len(missing)} layers or functional ops without a Shape line: {missing}"


def _modules_with_examples():
    """The modules defining a public name, plus the documented modules themselves."""
    names = set(DOCUMENTED)
    names.update(inspect.getmodule(obj).__name__ for _, _, obj in _public_objects())
    return sorted(names)


@pytest.mark.parametrize("module_name", _modules_with_examples())
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring examples of {module_name} failed"
