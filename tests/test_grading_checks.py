"""Each chapter's checks pass the solutions and name each listed mistake.

For every graded exercise: the solution notebook, run in-process up to the
exercise's test cell, passes it.  For every mistake in ``tests/mistakes``,
the same run with the answer cell replaced fails that test cell with a
``GradingError`` whose message contains the words the mistake lists.
"""

import re

import pytest

from checks.core import GradingError
from mistakes import CHAPTERS, GENERIC_WORDS, KINDS, mistakes_for
from mistakes.alternatives import ALTERNATIVES
from notebook_cells import grade_id, load_cells, run_until, solution_path

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _graded_tests(chapter):
    """Every graded cell of a chapter's solution notebook; an error, never [], if there is none."""
    path = solution_path(chapter)
    if not path.exists():
        raise FileNotFoundError(f"_graded_tests: expected the solution notebook {path} for chapter {chapter!r}")
    cases = [
        (chapter, grade_id(c))
        for c in load_cells(path)
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
    ]
    if not cases:
        raise ValueError(f"_graded_tests: {path} has no graded cell")
    return cases


SOLUTION_CASES = [case for ch in CHAPTERS for case in _graded_tests(ch)]
MISTAKE_CASES = [(ch, m) for ch in CHAPTERS for m in mistakes_for(ch)]


@pytest.mark.parametrize("chapter,test_id", SOLUTION_CASES, ids=[f"{c}:{t}" for c, t in SOLUTION_CASES])
def test_solution_passes_its_test(chapter, test_id):
    error = run_until(load_cells(solution_path(chapter)), test_id)
    assert error is None, f"{chapter}: the solution fails {test_id}: {error!r}"


@pytest.mark.parametrize(
    "chapter,mistake", MISTAKE_CASES, ids=[f"{c}:{m.exercise}:{m.name}" for c, m in MISTAKE_CASES]
)
def test_mistake_fails_with_its_explanation(chapter, mistake):
    cells = load_cells(solution_path(chapter))
    ids = [grade_id(c) for c in cells]
    assert mistake.exercise in ids, f"{chapter} has no answer cell {mistake.exercise!r}"
    error = run_until(cells, mistake.test_id, replace={mistake.exercise: mistake.code})
    assert isinstance(error, GradingError), (
        f"mistake {mistake.name!r} was not caught as a GradingError: {error!r}"
    )
    assert mistake.says.lower() in str(error).lower(), (
        f"feedback for {mistake.name!r} should mention {mistake.says!r}; it says: {error}"
    )
    generic = any(w in str(error) for w in GENERIC_WORDS)
    assert generic == mistake.generic, (
        f"{mistake.name!r} is {'' if mistake.generic else 'not '}marked generic, but its feedback "
        f"{'names no specific mistake' if generic else 'names one'}: {error}"
    )
    assert not any(w in mistake.says for w in GENERIC_WORDS) or mistake.generic, (
        f"{mistake.name!r} accepts a generic message: list the words of its specific diagnosis"
    )


def _tests_of(cells, answer):
    """The grade ids of the test cells that grade the answer cell ``answer``: ``test_<answer>``, or
    ``test_<answer>_1``, ``test_<answer>_2``, ... when one answer cell has several tests."""
    ids = [grade_id(c) for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return [t for t in ids if t == f"test_{answer}" or re.fullmatch(rf"test_{re.escape(answer)}_\d+", t)]


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=[f"{a.chapter}:{a.exercise}:{a.name}" for a in ALTERNATIVES])
def test_a_correct_alternative_keeps_full_marks(alt):
    cells = load_cells(solution_path(alt.chapter))
    assert _tests_of(cells, alt.exercise), f"{alt.chapter} has no test cell for {alt.exercise!r}"
    for test_id in _tests_of(cells, alt.exercise):
        error = run_until(cells, test_id, replace={alt.exercise: alt.code})
        assert error is None, f"the correct alternative {alt.name!r} fails {test_id}: {error!r}"


def test_every_chapter_lists_mistakes_for_every_exercise():
    for chapter in CHAPTERS:
        if not solution_path(chapter).exists():
            continue
        answers = {
            grade_id(c) for c in load_cells(solution_path(chapter))
            if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c["cell_type"] == "code"
        }
        covered = {m.exercise for m in mistakes_for(chapter)}
        assert answers <= covered, f"{chapter}: exercises without a listed mistake: {sorted(answers - covered)}"


def _answer_ids(chapter):
    return {
        grade_id(c) for c in load_cells(solution_path(chapter))
        if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c["cell_type"] == "code"
    }


def test_at_least_six_mistakes_per_exercise_and_few_generic_ones():
    counts, generic, total = {}, 0, 0
    for chapter in CHAPTERS:
        if not solution_path(chapter).exists():
            continue
        for exercise in _answer_ids(chapter):
            counts[f"{chapter}:{exercise}"] = 0
        for m in mistakes_for(chapter):
            counts[f"{chapter}:{m.exercise}"] = counts.get(f"{chapter}:{m.exercise}", 0) + 1
            generic += m.generic
            total += 1
            assert not m.kind or m.kind in KINDS, f"{m.name!r}: unknown kind {m.kind!r}"
    for chapter in CHAPTERS:  # an answer cell graded by several test cells: six for each of them
        if not solution_path(chapter).exists():
            continue
        cells = load_cells(solution_path(chapter))
        for exercise in _answer_ids(chapter):
            shared = [t for t in _tests_of(cells, exercise) if t != f"test_{exercise}"]
            for t in shared:
                counts[f"{chapter}:{t}"] = sum(m.test_id == t for m in mistakes_for(chapter))
    few = {k: v for k, v in counts.items() if v < 6}
    assert not few, f"exercises with fewer than six listed mistakes: {few}"
    assert generic * 10 <= total, f"{generic} of {total} mistakes fall back to a generic message"
