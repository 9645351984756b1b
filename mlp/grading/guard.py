"""Keeping the grade honest: run a student's function and watch what it does.

Students have ``mlp`` installed, so an answer could simply call the
reference.  ``call`` runs a student's function under a profiler hook that
notices any call into ``mlp`` (outside ``mlp.grading`` and the names an
exercise allows) and fails with a message saying so.  ``assert_untampered``
notices numpy functions that were replaced by code from the notebook.
"""

import contextlib
import os
import sys

import numpy as np

from .core import GradingError, check_unchanged, fail

_MLP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_GRADING_DIR = os.path.dirname(os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))

# Functions the checks rely on: each must still be numpy's own.
_NUMPY_NAMES = (
    "asarray", "array", "allclose", "isclose", "array_equal", "abs", "sum", "max",
    "isfinite", "all", "any", "argmax", "unravel_index", "broadcast_shapes",
    "testing.assert_allclose", "testing.assert_array_equal",
)


class UsedReference(GradingError):
    """The student's answer called the reference implementation."""


def _module_of(code):
    path = os.path.abspath(code.co_filename)
    if not path.startswith(_MLP_DIR + os.sep) or path.startswith(_GRADING_DIR + os.sep):
        return None
    rel = os.path.relpath(path, os.path.dirname(_MLP_DIR))[: -len(".py")]
    return rel.replace(os.sep, ".")


@contextlib.contextmanager
def no_reference(allow=()):
    """Fail if code inside the block calls into ``mlp`` (except names in ``allow``).

    ``allow`` holds qualified names such as ``"mlp.layers.Linear.forward"`` or
    whole modules such as ``"mlp.data"``.
    """
    seen = []
    inside_allowed = set()  # frames of allowed calls: what they call is theirs

    def hook(frame, event, arg):
        if event == "return":
            inside_allowed.discard(id(frame))
            return
        if event != "call" or inside_allowed:
            return
        module = _module_of(frame.f_code)
        if module is None:
            return
        qualname = f"{module}.{getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)}"
        if any(qualname == a or qualname.startswith(a + ".") for a in allow):
            inside_allowed.add(id(frame))
        else:
            seen.append(qualname)

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        yield
    except Exception:
        # The reference may fail on the student's objects: the call is still the news.
        if seen:
            raise _used_reference(seen[0]) from None
        raise
    finally:
        sys.setprofile(previous)
    if seen:
        raise _used_reference(seen[0])


def _used_reference(qualname):
    return UsedReference(
        f"your answer calls the reference implementation (`{qualname}`). This exercise "
        "asks you to write the computation yourself with numpy; an answer that calls "
        "`mlp` scores no points."
    )


@contextlib.contextmanager
def given_answers(fn, answers):
    """Inside the block, names in ``fn``'s module resolve to ``answers`` ({name: function}).

    An exercise that builds on an earlier one (gradient ascent calling the
    student's own gradient) is then graded on its own: a mistake in the earlier
    answer costs only the earlier exercise's points.
    """
    namespace = getattr(fn, "__globals__", None)
    if not answers or namespace is None:
        yield
        return
    missing = object()
    saved = {k: namespace.get(k, missing) for k in answers}
    namespace.update(answers)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is missing:
                namespace.pop(k, None)
            else:
                namespace[k] = v


def call(fn, *args, name=None, allow=(), given=None, unchanged=(), **kwargs):
    """Call the student's ``fn`` and return its result, explaining failures.

    A ``NotImplementedError`` becomes "not answered yet"; any other exception is
    reported with its type and message; a call into the reference fails.
    ``given`` replaces the student's earlier answers that ``fn`` calls by name
    (see ``given_answers``). ``unchanged`` names the positional arguments in
    order ("" skips one); an array among them that ``fn`` modified in place
    fails under its name.
    """
    assert_untampered()
    label = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        fail(f"`{label}` should be a function, got {type(fn).__name__}")
    before = [(arg_name, arg, np.array(arg, copy=True)) for arg_name, arg in zip(unchanged, args)
              if arg_name and isinstance(arg, np.ndarray)]
    try:
        with given_answers(fn, given), no_reference(allow):
            result = fn(*args, **kwargs)
    except GradingError:
        raise
    except NotImplementedError:
        fail(f"`{label}` is not answered yet: replace `raise NotImplementedError()` with your code.")
    except Exception as exc:  # the student's bug, reported in words
        fail(f"`{label}` raised {type(exc).__name__}: {exc}")
    for arg_name, arg, copy in before:
        check_unchanged(arg_name, copy, arg)
    return result


def _is_numpy_own(obj):
    if isinstance(obj, np.ufunc) or type(obj).__name__ == "builtin_function_or_method":
        return True
    func = getattr(obj, "__wrapped__", obj)
    code = getattr(func, "__code__", None)
    if code is None:
        return getattr(obj, "__module__", "") is not None and str(getattr(obj, "__module__", "")).startswith("numpy")
    return os.path.abspath(code.co_filename).startswith(_NUMPY_DIR + os.sep)


def assert_untampered():
    """Fail if a numpy function the checks use was replaced by notebook code."""
    for dotted in _NUMPY_NAMES:
        obj = np
        for part in dotted.split("."):
            obj = getattr(obj, part, None)
        if obj is None or not _is_numpy_own(obj):
            fail(
                f"`numpy.{dotted}` has been replaced in this notebook. The grader cannot "
                "trust its checks, so this test fails: remove the code that changes numpy."
            )
