# Everyday commands; `make help` lists them. Everything runs in the virtualenv .venv,
# which the first command that needs it creates from the pinned requirements.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install book chapters test test-fast bench clean

help:
	@echo "make book       install (first time) and build the book into _build/html (strict)"
	@echo "make test       every test: pytest for mlp, nbval, nbgrader round trip, strict book build"
	@echo "make test-fast  the quick part: mlp, grading checks and notebook layout"
	@echo "make chapters   regenerate the student versions in chapters/ from solutions/"
	@echo "make bench      the performance benchmarks (print ratios)"
	@echo "make clean      remove the built book and its execution cache"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

book: install
	$(BIN)/jupyter-book build . -W -n --keep-going

chapters: install
	$(BIN)/python -m course release

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow" tests

bench: install
	$(BIN)/python benchmarks/bench_step.py
	$(BIN)/python benchmarks/bench_tensor.py

clean:
	rm -rf _build
