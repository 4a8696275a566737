# Two commands after cloning:  make demo  (train and report on the embedded digits)  and  make test.
# Choose another PyTorch with e.g.  make demo TORCH=torch==2.5.1  or  TORCH_INDEX=https://download.pytorch.org/whl/cu124
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
BIN := $(VENV)/bin

.PHONY: demo test test-fast test-statistical lint install dev clean

demo: install
	$(BIN)/genzoo demo

test: dev
	$(BIN)/python -m pytest -q

# The edit loop: everything but the tests marked slow or statistical (pyproject.toml's markers).
test-fast: dev
	$(BIN)/python -m pytest -q -m "not slow and not statistical"

# The statistical tests on another machine's numerics: PyTorch's, MKL's and oneDNN's portable kernels, one thread
# (benchmarks/statistical.py measures every such setting; this is the one CI runs besides the native one).
test-statistical: dev
	ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=SSE4_2 ONEDNN_MAX_CPU_ISA=SSE41 OMP_NUM_THREADS=1 \
		MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q -m statistical

lint: dev
	$(BIN)/ruff check src tests benchmarks

install: $(VENV)/.installed
dev: $(VENV)/.dev

$(VENV)/.installed: pyproject.toml scripts/install-torch.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	TORCH='$(TORCH)' TORCH_INDEX='$(TORCH_INDEX)' PIP='$(BIN)/python -m pip' sh scripts/install-torch.sh
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) runs
