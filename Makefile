# README's two set-up commands: `make demo` (the main job) and `make test` (the tests).
# Both create .venv when missing and install what they need; the install is stamp-filed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml setup.py nnscalar/_core_c.c | cksum | cut -d' ' -f1)
JOBS ?= 2

.PHONY: test demo bench lint format install clean browser sandbox

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `pip install -e .` also builds the compiled core (setup.py) when a C compiler is there; the
# line after it says which core runs.
$(STAMP): pyproject.toml setup.py nnscalar/_core_c.c | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@$(BIN)/nnscalar --version
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# The whole suite runs against both cores: the compiled one (when built, and NNSCALAR_PURE is not
# set), then the readable one.
test: $(STAMP) browser sandbox
	@if $(BIN)/python -c "import nnscalar as n, sys; sys.exit(n.engine_info()['core'] != 'compiled')"; \
	then echo "== the suite on the compiled core =="; $(BIN)/python -m pytest -n $(JOBS) -q || exit 1; \
	else echo "(the compiled core is not built or NNSCALAR_PURE is set: the readable engine only)"; fi
	@echo "== the suite on the readable engine (NNSCALAR_PURE=1) =="
	NNSCALAR_PURE=1 $(BIN)/python -m pytest -n $(JOBS) -q

# Student code is graded under bubblewrap (Debian package bubblewrap). As root it is installed
# when missing; otherwise the sandbox tests skip with a hint.
sandbox:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian bubblewrap for the sandbox tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap \
			>/dev/null) || echo "could not install bubblewrap: sandbox tests will skip"; \
	else echo "bwrap not found (not root): sandbox tests will skip; apt-get install bubblewrap"; fi

# The page tests drive Debian's chromium through playwright (never `playwright install`).
# As root it is installed when missing; otherwise those tests skip with a hint.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
			>/dev/null) || echo "could not install chromium: browser tests will skip"; \
	else echo "chromium not found (not root): browser tests will skip; apt-get install chromium"; fi

# The main job: train a moons classifier end to end and write its pictures into out/demo.
demo: $(STAMP)
	$(BIN)/nnscalar train --out out/demo
	@echo "pictures: out/demo/*.png and *.svg (decision boundary, training curves, network, neuron)"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check nnscalar tests bench demos
	$(BIN)/ruff format --check nnscalar tests bench demos

format: $(STAMP)
	$(BIN)/ruff format nnscalar tests bench demos
	$(BIN)/ruff check --fix nnscalar tests bench demos

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
