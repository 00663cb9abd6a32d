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
