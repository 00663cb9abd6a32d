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
