"""The course notebooks (docs/notebooks/*.ipynb) run on the current code.

Executing them takes a few minutes, so that test is marked ``notebook`` and run by
``make notebooks`` (and CI) rather than ``make test``; ``make test`` checks that every notebook
is listed on the site and holds the outputs the site shows."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "docs" / "notebooks").glob("*.ipynb"))
MKDOCS = Path(__file__).resolve().parent.parent / "mkdocs.yml"


def test_notebooks_are_on_the_site_with_their_outputs():
    nav = MKDOCS.read_text(encoding="utf-8")
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in nav, f"{path.name} is not in mkdocs.yml's nav"
        code = [cell for cell in nbformat.read(path, as_version=4).cells
                if cell.cell_type == "code"]
        unrun = [i for i, cell in enumerate(code) if cell.execution_count is None]
        assert not unrun, f"{path.name}: code cells {unrun} hold no outputs (make notebooks-outputs)"
        errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
        assert not errors, f"{path.name} stores an error: {errors[0].get('evalue')}"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs(path, data_root):
    """Every cell runs without an error (the kernel reads the data from $YINGSHE_DATA)."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
