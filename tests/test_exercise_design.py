"""The shape of the exercises: enough of them per chapter, and none given away before it is asked.

Issue 13's rules that a test can check mechanically:

- every chapter has at least four graded exercises (test cells with points);
- no exercise's answer stands in a cell the student sees *above* the exercise.  An answer counts
  as shown when half or more of its substantive lines (at least two) appear, up to spacing and
  ``2.0`` written as ``2``, in the cells before its answer cell that the student receives
  (answer cells of earlier exercises are stubs there, so they do not count);
- the graded derivatives are graded once: the exercises that ask for sigma', the MSE gradient,
  the ReLU derivative and the softmax cross-entropy gradient are exactly the ones named below.
"""

import json
import re

import pytest

from notebook_cells import ROOT

CHAPTERS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())

# Where each derivative of issue 13 is an exercise; every later use takes the reference or builds
# on the exercise.  A new exercise that asks for one of them again must replace its entry here.
DERIVATIVE_EXERCISES = {
    "sigma'": ("ch1_chain_rule", "sigmoid_grad"),
    "MSE": ("ch1_chain_rule", "mse_grad"),
    "ReLU": ("ch4_layers", "relu_layer"),
    "softmax cross-entropy": ("ch4_layers", "softmax_cross_entropy"),
}

# Exercise names (the part of a grade id after ``test_``) that would write one of those
# derivatives again, wherever they appear.
REPEATS = {"sigmoid_backward", "mse_loss", "relu_backward", "relu", "batch_grad", "mse_grad",
           "sigmoid_grad", "softmax_cross_entropy", "relu_layer"}


def _cells(chapter):
    nb = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    return [{**c, "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"]}
            for c in nb["cells"]]


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _norm(line):
    return re.sub(r"\s+", "", re.sub(r"(\d)\.0\b", r"\1", line))


def _answer_lines(source):
    match = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S)
    lines = [_norm(line) for line in (match.group(1) if match else "").splitlines()]
    return [line for line in lines if len(line) >= 12 and not line.startswith(("#", '"""'))]


def _graded(chapter):
    return [_nbgrader(c)["grade_id"][len("test_"):] for c in _cells(chapter)
            if _nbgrader(c).get("grade") and _nbgrader(c).get("points")]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_at_least_four_graded_exercises(chapter):
    graded = _graded(chapter)
    assert len(graded) >= 4, f"{chapter} grades only {graded}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_answer_is_shown_above_its_exercise(chapter):
    cells = _cells(chapter)
    shown = ""
    for cell in cells:
        if _nbgrader(cell).get("solution"):
            lines = _answer_lines(cell["source"])
            hits = [line for line in lines if line in shown]
            assert not (len(hits) >= 2 and 2 * len(hits) >= len(lines)), (
                f"{chapter}: {len(hits)} of the {len(lines)} lines of the answer in cell {cell.get('id')} "
                f"stand in the text above it: {hits}")
            continue
        shown += " " + _norm(cell["source"])


def test_each_derivative_is_an_exercise_once():
    graded = {(chapter, name) for chapter in CHAPTERS for name in _graded(chapter)}
    for derivative, where in DERIVATIVE_EXERCISES.items():
        assert where in graded, f"the {derivative} exercise {where} is gone"
    repeats = sorted(g for g in graded if g[1] in REPEATS and g not in DERIVATIVE_EXERCISES.values())
    assert not repeats, f"these exercises grade a derivative that is already an exercise: {repeats}"
