# Everyday commands. `make help` lists them.
PYTHON ?= python
CHAPTERS := ch1_chain_rule ch2_dag_backprop ch3_vjps ch4_layers ch5_training ch6_branch_merge ch7_input_optimisation

.PHONY: help install chapters book test clean

help:
	@echo "make install   install the pinned requirements and mlp (editable)"
	@echo "make chapters  regenerate the student versions in chapters/ from solutions/"
	@echo "make book      strict build of the book into _build/html"
	@echo "make test      every test: pytest for mlp, nbval, the nbgrader round trip"

install:
	$(PYTHON) -m pip install -r requirements.txt -e .

chapters:
	$(PYTHON) -m course release

book:
	jupyter-book build . -W -n --keep-going

test:
	$(PYTHON) -m pytest

clean:
	jupyter-book clean . --all
