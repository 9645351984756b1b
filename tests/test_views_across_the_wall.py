"""A slice of an argument, returned from the sandbox, is still a view of the grader's array.

Chapter 6 asks ``merge_backward`` for copies; the check asks ``np.shares_memory``.
In a graded run the answer runs in the sandbox, so the wire must carry "this
array is a slice of that argument" across, or the check could not tell.
"""

import json

import numpy as np

from checks import wire
from course.judge import judge
from course.sandbox import Limits
from notebook_cells import ROOT, grade_id


def _round_trip(make_result):
    grader, sandbox = wire.Table("g"), wire.Table("s")
    sandbox.mark_views = True  # as checks.runner sets it
    grad_out = np.arange(12.0).reshape(3, 4)
    objects = {}
    sent = grader.encode([grad_out], objects)
    (received,) = sandbox.decode(sent, objects)
    objects = {}
    back = sandbox.encode((make_result(received), [received]), objects)
    result, _ = grader.decode(back, objects)
    return grad_out, result


def test_slices_come_back_as_views_and_copies_as_copies():
    grad_out, (split, reversed_, copied) = _round_trip(
        lambda a: [np.split(a, [1], axis=1)[1], a[::-1, ::2], a[:, 1:3].copy()])
    assert np.array_equal(split, grad_out[:, 1:]) and np.shares_memory(split, grad_out)
    assert np.array_equal(reversed_, grad_out[::-1, ::2]) and np.shares_memory(reversed_, grad_out)
    assert np.array_equal(copied, grad_out[:, 1:3]) and not np.shares_memory(copied, grad_out)
    assert not split.flags.writeable  # a later message cannot write through it into grad_out


def test_a_view_whose_base_changed_comes_back_as_a_copy_with_its_values():
    def slice_then_change(a):
        view = a[:, :2]
        a += 1.0
        return view

    grad_out, got = _round_trip(slice_then_change)
    assert np.array_equal(got, np.arange(12.0).reshape(3, 4)[:, :2] + 1.0)


def test_merge_backward_returning_views_fails_in_the_sandbox():
    chapter = "ch6_branch_merge"
    source = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    submission = json.loads(json.dumps(source))
    for cell in submission["cells"]:
        if grade_id(cell) == "merge_backward":
            cell["source"] = ("def merge_backward(grad_out, widths):\n"
                              "    return np.split(grad_out, np.cumsum(widths)[:-1], axis=1)\n")
    limits = Limits(call_seconds=30, notebook_seconds=120)
    verdicts = {v.grade_id: v for v in judge(submission, source, chapter, limits=limits).verdicts}
    assert not verdicts["test_merge_backward"].passed
    assert "shares memory" in verdicts["test_merge_backward"].evalue
    assert verdicts["test_branch_backward"].passed


def test_the_grader_never_sends_views_to_the_student():
    grader = wire.Table("g")
    x = np.arange(6.0).reshape(2, 3)
    first = grader.encode([x], {})
    second = grader.encode([x[:, :2]], {})
    assert "view" not in first[0] and "view" not in second[0]
