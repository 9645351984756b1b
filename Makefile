# Everyday commands; `make help` lists them. Everything runs in the virtualenv .venv,
# which the first command that needs it creates from the pinned requirements.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install book pdf student chapters test test-fast bench mutation clean

help:
	@echo "make book       install (first time) and build the book into _build/html (strict)"
	@echo "make test       every test: pytest for mlp, nbval, nbgrader round trip, strict book build"
	@echo "make test-fast  the quick part: mlp, grading checks and notebook layout"
	@echo "make chapters   regenerate the student versions in chapters/ from solutions/"
	@echo "make pdf        the whole book as one PDF, _build/pdf/backprop-course.pdf (offline, Debian's chromium)"
	@echo "make student    the student bundle: dist/student/ (notebooks, wheel, README) and its zip"
	@echo "make bench      the performance benchmarks (print ratios; installs requirements-bench.txt: torch)"
	@echo "make mutation   mutation testing of mlp's core: kill rate per file, survivors listed (slow)"
	@echo "make clean      remove the built book, its execution cache, dist/ and the served wheel and zip"

install: $(VENV)/.installed

# `pip install -e .` installs the student distribution (mlp and checks). The
# instructor's package `course` is not in it, yet must import from anywhere
# (nbval and nbgrader run kernels inside solutions/<chapter>/): a .pth file puts
# the repository itself on the virtualenv's path. Before 0.2.0 the distribution
# was called `mlp`; an old editable install of it is removed.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	if $(BIN)/python -m pip show --quiet mlp >/dev/null 2>&1; then $(BIN)/python -m pip uninstall --quiet --yes mlp; fi
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	$(BIN)/python -c 'import pathlib, sys, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "backprop_course_instructor.pth").write_text(sys.argv[1] + "\n")' "$(CURDIR)"
	touch $@

# The book serves the student wheel and the bundle's zip from _static/ (the
# first cell of every chapter installs the wheel from there).
book: install
	$(BIN)/python -m course.student --static _static
	$(BIN)/jupyter-book build . -W -n --keep-going

# The PDF: the book as one page (the same executed notebooks, from jupyter-cache),
# printed by headless Chromium once MathJax has typeset; nothing is downloaded.
# It is also served from the book, as _static/backprop-course.pdf.
CHROMIUM ?= chromium
pdf: book
	$(BIN)/jupyter-book build . --builder singlehtml -W -n --keep-going
	mkdir -p _build/pdf
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir=$(CURDIR)/_build/pdf/.chromium \
		--virtual-time-budget=30000 --no-pdf-header-footer \
		--print-to-pdf=_build/pdf/backprop-course.pdf file://$(CURDIR)/_build/singlehtml/intro.html
	rm -rf _build/pdf/.chromium
	cp _build/pdf/backprop-course.pdf _build/html/_static/

student: install
	$(BIN)/python -m course.student

chapters: install
	$(BIN)/python -m course release

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow" tests

bench: install
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python benchmarks/bench_step.py
	$(BIN)/python benchmarks/bench_tensor.py

mutation: install
	$(BIN)/python scripts/mutation.py

clean:
	rm -rf _build dist
	rm -f _static/backprop_course-*.whl _static/backprop-course-student.zip
