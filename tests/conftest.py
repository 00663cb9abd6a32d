import numpy as np
import pytest

import yingshe


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state."""
    yingshe.manual_seed(0)
    np.random.seed(0)
    yield


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long training runs (run with `make test-slow`)")


@pytest.fixture
def data_root():
    """The shared data folder named by $YINGSHE_DATA (`make test` and `.ci/run` set it)."""
    import os

    from yingshe.datasets import default_root
    root = default_root()
    if not os.environ.get("YINGSHE_DATA") or not (root / "mnist").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding mnist/ and fashion-mnist/")
    return root


@pytest.fixture(params=["numpy", "numba"])
def kernel_path(request):
    """Run a test on both implementations of the kernels with a compiled twin
    (yingshe/ops/_compiled.py): the NumPy code, then numba's (skipped without numba)."""
    from yingshe.ops import _compiled

    if request.param == "numba":
        pytest.importorskip("numba")
    old = _compiled.use_compiled(request.param == "numba")
    assert (_compiled.kernels(np.zeros(1)) is not None) == (request.param == "numba")
    yield request.param
    _compiled.use_compiled(old)
