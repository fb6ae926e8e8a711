# README's set-up commands: `make demo` (the main job), `make test` (the tests) and
# `make notebook` (Jupyter on the concepts notebook). Each creates .venv when missing and installs
# only what it needs: the demo the package alone, the tests and the notebook their extras too.
# Installs are stamp-filed per extra, so a second run installs nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# what an install depends on: the package's metadata and the compiled core's build and source
BUILD := pyproject.toml setup.py nnscalar/_core_c.c
SUM := $(shell cat $(BUILD) | cksum | cut -d' ' -f1)
JOBS ?= 2
# setuptools explains editable installs at length on every install: it needs no reading
PIP := PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet

.PHONY: test demo bench lint format install notebook clean browser sandbox site

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

# $(VENV)/.installed-<extras>-<checksum of $(BUILD)>: that set is installed for these files.
# `pip install -e .` also builds the compiled core (setup.py) when a C compiler is there; the
# line after it says which core runs.
$(VENV)/.installed-base-$(SUM): $(BUILD) | $(BIN)/python
	$(PIP) -e .
	@$(BIN)/nnscalar --version
	rm -f $(VENV)/.installed-base-*
	touch $@

$(VENV)/.installed-test-$(SUM): $(BUILD) | $(BIN)/python
	$(PIP) -e '.[test,bench]'
	@$(BIN)/nnscalar --version
	rm -f $(VENV)/.installed-test-* $(VENV)/.installed-base-*
	touch $@ $(VENV)/.installed-base-$(SUM)

$(VENV)/.installed-notebook-$(SUM): $(BUILD) | $(BIN)/python
	$(PIP) -e '.[notebook]'
	rm -f $(VENV)/.installed-notebook-* $(VENV)/.installed-base-*
	touch $@ $(VENV)/.installed-base-$(SUM)

install: $(VENV)/.installed-test-$(SUM)

# The whole suite runs against both cores: the compiled one (when built, and NNSCALAR_PURE is not
# set), then the readable one.
test: $(VENV)/.installed-test-$(SUM) browser sandbox
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
# As root it is installed with apt-get when missing (README says so); otherwise those tests skip.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make test: running 'apt-get install chromium' as root for the browser tests" \
			"(skip it: install chromium yourself, or run the tests as a user)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
			>/dev/null) || echo "could not install chromium: browser tests will skip"; \
	else echo "chromium not found (not root): browser tests will skip; apt-get install chromium"; fi

# The main job: train a moons classifier end to end and write its pictures into out/demo.
demo: $(VENV)/.installed-base-$(SUM)
	$(BIN)/nnscalar train --out out/demo
	@echo "pictures: out/demo/*.png and *.svg (decision boundary, training curves, network, neuron)"
	@echo "next: source .venv/bin/activate, then nnscalar tour, nnscalar step, nnscalar exercises list"

# The playground: a static folder (index.html at its top) that any web host serves, fully
# offline. Pyodide and Graphviz-wasm come from npm (cached), nnscalar's wheel is built here.
SITE ?= site
site: $(VENV)/.installed-base-$(SUM)
	$(BIN)/python -m nnscalar.site $(SITE)

# Jupyter on the concepts notebook (the notebook extra: Jupyter Notebook and a kernel).
notebook: $(VENV)/.installed-notebook-$(SUM)
	$(BIN)/jupyter notebook demos/concepts.ipynb

bench: $(VENV)/.installed-test-$(SUM)
	$(BIN)/python bench/run_all.py

lint: $(VENV)/.installed-test-$(SUM)
	$(BIN)/ruff check nnscalar tests bench demos
	$(BIN)/ruff format --check nnscalar tests bench demos

format: $(VENV)/.installed-test-$(SUM)
	$(BIN)/ruff format nnscalar tests bench demos
	$(BIN)/ruff check --fix nnscalar tests bench demos

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis site
