"""The chapter notebooks follow the layout nbgrader and the book rely on."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from notebook_cells import ROOT, grade_id

CHAPTERS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
SOURCES = [ROOT / "solutions" / c / f"{c}.ipynb" for c in CHAPTERS]
RELEASES = [ROOT / "chapters" / c / f"{c}.ipynb" for c in CHAPTERS]


def _nb(path):
    return json.loads(path.read_text())


def _src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def test_every_chapter_in_the_toc_has_a_source_and_a_release():
    toc = (ROOT / "_toc.yml").read_text()
    for chapter in CHAPTERS:
        assert f"chapters/{chapter}/{chapter}" in toc
        assert (ROOT / "chapters" / chapter / f"{chapter}.ipynb").exists(), f"run `make chapters` for {chapter}"


@pytest.mark.parametrize("path", SOURCES + RELEASES, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_without_outputs_or_execution_counts(path):
    for cell in _nb(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, _src(cell)[:80]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_exercises_are_well_formed(path):
    cells = _nb(path)["cells"]
    ids = [grade_id(c) for c in cells if grade_id(c)]
    assert len(ids) == len(set(ids)), "duplicate grade_id"
    answers = [c for c in cells if _meta(c).get("solution") and c["cell_type"] == "code"]
    tests = [c for c in cells if _meta(c).get("grade")]
    assert len(tests) >= 4, f"{path.parent.name}: {len(tests)} graded tests, the course asks for at least 4"
    for cell in answers:
        assert "### BEGIN SOLUTION" in _src(cell) and "### END SOLUTION" in _src(cell), grade_id(cell)
        assert "skip-execution" in cell["metadata"].get("tags", []), grade_id(cell)
    order = [grade_id(c) for c in cells]
    for cell in tests:
        gid = grade_id(cell)
        assert _meta(cell).get("points", 0) > 0, f"{gid} has no points"
        assert _meta(cell).get("locked"), f"{gid} is not locked"
        assert "skip-execution" in cell["metadata"].get("tags", []), gid
        assert "### BEGIN HIDDEN TESTS" in _src(cell), f"{gid} has no hidden tests"
        chapter = path.parent.name
        assert _src(cell).startswith(f"from checks import {chapter} as check\ncheck."), (
            f"{gid} must import its chapter's visible checks and call one")
        assert f"from course.hidden import {chapter} as hidden\nhidden." in _src(cell), (
            f"{gid}: the hidden part must call the instructor's checks of {chapter}")
        answer = gid.removeprefix("test_")
        if answer not in order and re.fullmatch(r".+_\d+", answer):
            answer = answer.rpartition("_")[0]  # test_<answer>_1, _2, ...: one answer cell, several tests
        assert answer in order and order.index(answer) < order.index(gid), f"{gid} has no answer cell before it"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_only_the_setup_cell_uses_an_ipython_magic(path):
    """The set-up cell's `%pip` installs the course package where it is missing; nothing else."""
    code = [c for c in _nb(path)["cells"] if c["cell_type"] == "code"]
    assert "%pip install" in _src(code[0]) and "BOOK_URL" in _src(code[0])
    for cell in code[1:]:
        assert not any(line.lstrip().startswith(("%", "!")) for line in _src(cell).splitlines()), _src(cell)[:80]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_a_chapter_that_loads_data_installs_scikit_learn_with_the_course(path):
    """mlp.data reads the data sets scikit-learn ships: on a fresh laptop the set-up cell must
    bring it ("data" extra) and install again where the course is there but scikit-learn is not."""
    cells = _nb(path)["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    loads = any("mlp.data" in _src(c) for c in cells)
    setup = _src(code[0])
    assert ("[plots,data]" in setup and 'find_spec("sklearn")' in setup) == loads, setup


def test_release_matches_what_generation_makes_of_the_sources(tmp_path):
    """chapters/ must be exactly `python -m course release` applied to solutions/."""
    (tmp_path / "solutions").mkdir()
    for chapter in CHAPTERS:
        (tmp_path / "solutions" / chapter).mkdir()
        for f in (ROOT / "solutions" / chapter).iterdir():
            if f.is_file():
                (tmp_path / "solutions" / chapter / f.name).write_bytes(f.read_bytes())
    (tmp_path / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    run = subprocess.run([sys.executable, "-m", "course", "release", "--root", str(tmp_path), "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    stale = [c for c in CHAPTERS
             if _nb(tmp_path / "chapters" / c / f"{c}.ipynb") != _nb(ROOT / "chapters" / c / f"{c}.ipynb")]
    assert not stale, f"chapters/ is out of date for {stale}: run `make chapters`"
