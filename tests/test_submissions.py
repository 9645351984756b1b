"""Repairs made to a submission before grading (fast: no nbgrader run)."""

import json
import re

import nbformat
import pytest

from course.submissions import inspect_and_repair
from notebook_cells import ROOT, grade_id

CHAPTER = "ch1_chain_rule"
RELEASE = ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
SOLUTION = ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"


def _submit(tmp_path, nb):
    path = tmp_path / f"{CHAPTER}.ipynb"
    path.write_text(json.dumps(nb))
    return path


def _solution():
    return json.loads(SOLUTION.read_text())


def test_a_clean_submission_is_left_as_it_is(tmp_path):
    path = _submit(tmp_path, _solution())
    before = path.read_text()
    found = inspect_and_repair(path, RELEASE)
    assert not found.fatal and not found.notes and path.read_text() == before


@pytest.mark.parametrize("content,words", [
    (b"{ not json", "not valid JSON"),
    (b'{"cells": 3}', "not a notebook"),
    (b"\xff\xfe\x00garbage", "not text"),
])
def test_unreadable_files_are_reported(tmp_path, content, words):
    path = tmp_path / f"{CHAPTER}.ipynb"
    path.write_bytes(content)
    assert words in inspect_and_repair(path, RELEASE).fatal


def test_deleted_answer_cell_comes_back_as_the_starter_code(tmp_path):
    nb = _solution()
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != "mse_grad"]
    path = _submit(tmp_path, nb)
    found = inspect_and_repair(path, RELEASE)
    cells = nbformat.read(str(path), as_version=4).cells
    ids = [grade_id(c) for c in cells]
    assert ids.index("mse_grad") == ids.index("test_mse_grad") - 1
    assert "NotImplementedError" in cells[ids.index("mse_grad")].source
    assert any("answer cell `mse_grad` had been deleted" in n for n in found.notes)
