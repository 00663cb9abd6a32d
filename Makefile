# Two commands on a fresh machine: `make demo` (train a model end to end) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-slow bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,train]'
	touch $@

$(VENV)/.installed-demo: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[train]'
	touch $@

demo: $(VENV)/.installed-demo
	$(PY) examples/demo_regression.py

test: $(VENV)/.installed-test
	$(PY) -m pytest -q -p no:cacheprovider

test-slow: $(VENV)/.installed-test
	$(PY) -m pytest -q -p no:cacheprovider -m slow

bench: $(VENV)/.installed-test
	$(PY) -m benchmarks.op_overhead

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis benchmarks/results
