# decisionlog: make serve | make test | make lint | make schema | make audit | make bench | make clean
PY ?= python3
VENV = .venv
PYTHON = $(VENV)/bin/python
SERVE_STAMP = $(VENV)/.make-serve
DEV_STAMP = $(VENV)/.make-dev
ARGS ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv serve test lint schema audit bench clean distclean

help:
	@echo "make serve   create $(VENV), install what serving needs, start the service with a demo trajectory (ARGS=...)"
	@echo "make test    install the test tools too, then ruff, mypy and pytest (PYTEST_ARGS=...)"
	@echo "make lint    ruff and mypy only"
	@echo "make schema  write schema.graphql from the code"
	@echo "make audit   the GraphQL-over-HTTP spec's audit (graphql-http; needs node, npm) on a demo server"
	@echo "make bench   run the benchmarks (ARGS=--quick: under 3 minutes; see BENCHMARKS.md)"
	@echo "make clean   remove caches and build leftovers (distclean also removes $(VENV))"

# Two stamps inside the venv, so deleting $(VENV) forces a fresh install: `serve` installs
# what serving needs (runtime and PostgreSQL driver), `test` and the others add the
# test and lint tools. Each reinstalls only when pyproject.toml is newer than its stamp.
$(PYTHON):
	$(PY) -m venv $(VENV)

$(SERVE_STAMP): pyproject.toml | $(PYTHON)
	@echo "Installing decisionlog and what serving needs into $(VENV) (under a minute the first time)"
	$(PYTHON) -m pip install --disable-pip-version-check -q -e '.[postgres]'
	touch $(SERVE_STAMP)

$(DEV_STAMP): pyproject.toml | $(PYTHON)
	@echo "Installing decisionlog with its test and lint tools into $(VENV)"
	$(PYTHON) -m pip install --disable-pip-version-check -q -e '.[dev,postgres,otel]'
	touch $(SERVE_STAMP) $(DEV_STAMP)

venv: $(DEV_STAMP)

serve: $(SERVE_STAMP)
	$(VENV)/bin/decisionlog serve --demo $(ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check decisionlog tests bench
	$(VENV)/bin/mypy decisionlog

test: lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

schema: $(DEV_STAMP)
	$(VENV)/bin/python -m decisionlog.api.schema > schema.graphql.tmp
	mv schema.graphql.tmp schema.graphql

audit: $(SERVE_STAMP)
	scripts/graphql-http-audit.sh $(ARGS)

bench: $(DEV_STAMP)
	$(VENV)/bin/python -m bench $(ARGS)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info schema.graphql.tmp
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
