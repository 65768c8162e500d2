# decisionlog: make serve | make test | make lint | make schema | make bench | make clean
PY ?= python3
VENV = .venv
STAMP = $(VENV)/.make-venv
ARGS ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv serve test lint schema bench clean distclean

help:
	@echo "make serve   create $(VENV), install, start the service with a demo trajectory (ARGS=...)"
	@echo "make test    ruff, mypy and pytest (PYTEST_ARGS=...)"
	@echo "make lint    ruff and mypy only"
	@echo "make schema  write schema.graphql from the code"
	@echo "make bench   run the benchmarks (ARGS=--quick: under 3 minutes; see BENCHMARKS.md)"
	@echo "make clean   remove caches and build leftovers (distclean also removes $(VENV))"

# (Re)install whenever pyproject.toml is newer than the stamp; the stamp lives inside the
# venv, so deleting $(VENV) also forces a fresh install.
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -e '.[dev,postgres]'
	touch $(STAMP)

venv: $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/decisionlog serve --demo $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check decisionlog tests bench
	$(VENV)/bin/mypy decisionlog

test: lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

schema: $(STAMP)
	$(VENV)/bin/python -m decisionlog.api.schema > schema.graphql.tmp
	mv schema.graphql.tmp schema.graphql

bench: $(STAMP)
	$(VENV)/bin/python -m bench $(ARGS)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info schema.graphql.tmp
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
