# cs231n-suite: `make lab` opens the course, `make test` runs every check.
# Both do all the set-up on a fresh machine (python3 >= 3.10 and a C compiler),
# and re-running them skips every step whose inputs did not change.

PYTHON     ?= python3
VENV       ?= .venv
PY         := $(VENV)/bin/python
LAB_ARGS   ?=
# Jupyter refuses to run as root without --allow-root (containers, CI)
ROOT_ARGS  := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
# pytest collects tests/ and, through nbval, every notebook in these folders
TEST_PATHS := tests $(wildcard notebooks assignments)
# Extension file name for this interpreter, e.g. .cpython-311-x86_64-linux-gnu.so
EXT_SUFFIX := $(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))" 2>/dev/null)
EXTENSION  := cs231n/im2col_cython$(EXT_SUFFIX)
VENV_OK    := $(VENV)/.created
DEPS_OK    := $(VENV)/.deps-installed

.PHONY: help lab test setup build data torch lint bench clean distclean

help:
	@echo "make lab    - set everything up, then open JupyterLab on notebooks/index.ipynb"
	@echo "make test   - set everything up, then run pytest and nbval over every notebook"
	@echo "make setup  - virtual environment, dependencies and the Cython extension only"
	@echo "make data   - fetch CIFAR-10 (or say how to get it by hand)"
	@echo "make torch  - add the optional CPU PyTorch (PyTorch.ipynb, lecture 8, benchmarks)"
	@echo "make lint   - ruff over the package and tests"

$(VENV_OK):
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)" || \
		{ echo "cs231n-suite needs python3 >= 3.10; found: $$($(PYTHON) --version 2>&1). Set PYTHON=/path/to/python3.1x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(DEPS_OK): requirements.txt | $(VENV_OK)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

# The editable install compiles cs231n/im2col_cython.pyx in place.
$(EXTENSION): cs231n/im2col_cython.pyx setup.py pyproject.toml $(DEPS_OK)
	$(PY) -m pip install --quiet --no-build-isolation --no-deps -e .
	@test -f $@ || { echo "the build did not produce $@"; exit 1; }
	@touch $@

setup: $(EXTENSION)
build: $(EXTENSION)

data: | $(VENV_OK)
	bash datasets/get_datasets.sh

torch: $(EXTENSION)
	$(PY) -m pip install --quiet -e ".[torch]" --no-build-isolation

# Idle OpenMP / OpenBLAS threads sleep instead of spinning (see THREAD_WAIT_DEFAULTS in
# cs231n/__init__.py); the notebook kernels that JupyterLab starts inherit these.
export OMP_WAIT_POLICY ?= PASSIVE
export OPENBLAS_THREAD_TIMEOUT ?= 4

lab: setup
	@bash datasets/get_datasets.sh || \
		echo ">>> CIFAR-10 is not available: the notebooks will use the generated stand-in data set (they say so)."
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" notebooks/index.ipynb $(ROOT_ARGS) $(LAB_ARGS)

test: setup
	@bash datasets/get_datasets.sh || \
		echo ">>> CIFAR-10 is not available: notebook outputs (recorded on CIFAR-10) are not compared; unit tests run in full."
	$(PY) -m pytest --nbval-lax $(TEST_PATHS) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check cs231n tests setup.py

clean:
	rm -rf build cs231n/*.so cs231n/im2col_cython.c .pytest_cache

distclean: clean
	rm -rf $(VENV)
