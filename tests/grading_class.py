"""A small class for the grading tests: a course folder with one chapter and a few students."""

import json
import shutil
from pathlib import Path

from notebook_cells import ROOT, grade_id

CHAPTER = "ch1_chain_rule"


def load(path):
    return json.loads(Path(path).read_text())


def solution(chapter=CHAPTER):
    return load(ROOT / "solutions" / chapter / f"{chapter}.ipynb")


def release(chapter=CHAPTER):
    return load(ROOT / "chapters" / chapter / f"{chapter}.ipynb")


def total_points(chapter=CHAPTER):
    return sum(c["metadata"]["nbgrader"].get("points", 0) for c in solution(chapter)["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("grade"))


def make_course(folder, chapters=(CHAPTER,), db_url=None):
    """A course folder holding only ``chapters`` (its release is made by the first autograde)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "nbgrader_config.py").read_text()
    if db_url:
        config += f"\nc.CourseDirectory.db_url = {db_url!r}\n"
    (folder / "nbgrader_config.py").write_text(config)
    for chapter in chapters:
        shutil.copytree(ROOT / "solutions" / chapter, folder / "solutions" / chapter)
    return folder


def hand_in(folder, students, chapter=CHAPTER):
    """``students`` maps a name to "correct", "blank", "broken" or a notebook dict."""
    expected = {}
    for student, kind in students.items():
        path = folder / "submitted" / student / chapter / f"{chapter}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "broken":
            path.write_text('{"cells": [')
            expected[student] = None
            continue
        nb = {"correct": solution, "blank": release}[kind](chapter) if isinstance(kind, str) else kind
        path.write_text(json.dumps(nb))
        expected[student] = total_points(chapter) if kind == "correct" else 0.0 if kind == "blank" else None
    return expected


def with_answer(nb, gid, code):
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if grade_id(cell) == gid:
            cell["source"] = code
    return nb
