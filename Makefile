# Two commands after cloning:  make demo  (train and report on the embedded digits)  and  make test.
# Choose another PyTorch with e.g.  make demo TORCH=torch==2.5.1  or  TORCH_INDEX=https://download.pytorch.org/whl/cu124
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
BIN := $(VENV)/bin

.PHONY: demo test lint install dev clean

demo: install
	$(BIN)/genzoo demo

test: dev
	$(BIN)/python -m pytest -q

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
