# Two commands on a fresh machine: `make demo` (train a model end to end) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Data sets: $YINGSHE_DATA if set, else the shared folder beside the checkout when it exists.
SHARED_DATA := $(abspath ../shared/data)
export YINGSHE_DATA ?= $(if $(wildcard $(SHARED_DATA)/mnist),$(SHARED_DATA),)

.PHONY: demo test test-slow bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# torchvision is a test oracle only, installed without its dependencies: they would replace the
# CPU wheel of torch (tests/torchvision_oracle.py explains how it is imported).
$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,train,fast,distributed,onnx,serve,docs]'
	$(PY) -m pip install -q --no-deps torchvision==0.28.0
	touch $@

$(VENV)/.installed-demo: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[train,fast]'
	touch $@

# LeNet-5 on MNIST, 3 epochs (~1 min of training on 2 cores): prints the test accuracy and the run folder.
demo: $(VENV)/.installed-demo
	$(PY) -m yingshe train lenet5 --dataset mnist --epochs 3 --batch-size 64 --seed 0 \
		--download --out runs/demo

# ruff (pinned in the test extra; configured in pyproject.toml), then the tests.
test: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m pytest -q -p no:cacheprovider

# Property-based comparison of the op library with PyTorch (tests/test_fuzz.py): 5,000 random
# cases per op family, fresh draws each run (`make test` runs a few, derandomized).
.PHONY: fuzz
fuzz: $(VENV)/.installed-test
	YINGSHE_FUZZ_EXAMPLES=5000 $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz.py

# The documentation site (mkdocs.yml: API reference from the docstrings, the notebooks) into
# site/; --strict fails on a broken link or a name it cannot document.
.PHONY: docs notebooks notebooks-outputs
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# Execute every notebook of docs/notebooks on the current code (a few minutes on 2 cores);
# notebooks-outputs re-executes them and stores the new outputs the site shows.
notebooks: $(VENV)/.installed-test
	$(PY) -m pytest -q -p no:cacheprovider -m notebook tests/test_notebooks.py

notebooks-outputs: $(VENV)/.installed-test
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace docs/notebooks/*.ipynb

test-slow: $(VENV)/.installed-test
	$(PY) -m pytest -q -p no:cacheprovider -m slow

bench: $(VENV)/.installed-test
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis benchmarks/results
