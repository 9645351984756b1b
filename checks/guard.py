"""Calling a student's function: errors in words, in-place changes named, the reference noticed.

``call`` is the one way a check runs a student's function.  At home it runs
the function in the student's own interpreter, under a profiler hook that
notices calls into the reference package ``mlp``, so the visible check can say
"your answer calls the reference".  In the instructor's graded run the
function is a proxy for code running in a sandbox (``checks.wire``): ``call``
passes the same options on, and the sandbox reports what happened.
"""

import contextlib
import inspect
import os
import sys

import numpy as np

from .core import GradingError, check_unchanged, fail

try:
    import mlp as _mlp

    _MLP_DIR = os.path.dirname(os.path.abspath(_mlp.__file__))
except ImportError:  # inside the grader's sandbox the reference may be absent
    _MLP_DIR = None


# The words every "you used the reference" error carries: the visible checks', the grading
# sandbox's stand-ins and the judge's flag (course.judge.reference_use) look for the same ones.
USES_REFERENCE = "uses the reference implementation"


class UsedReference(GradingError):
    """The student's answer called the reference implementation."""


def used_reference(qualname):
    """The error for an answer that called ``qualname`` in the reference package."""
    return UsedReference(
        f"your answer {USES_REFERENCE} (`{qualname}`). This exercise "
        "asks you to write that computation yourself with numpy (the chapter says which parts of "
        "`mlp` an answer may use); an answer that calls any other part scores no points."
    )


def reference_name(code):
    """``mlp.layers.Linear.forward`` for a code object of the reference package, else None."""
    if _MLP_DIR is None:
        return None
    path = os.path.abspath(code.co_filename)
    if not path.startswith(_MLP_DIR + os.sep):
        return None
    module = os.path.relpath(path, os.path.dirname(_MLP_DIR))[: -len(".py")].replace(os.sep, ".")
    if module.endswith("__init__") or code.co_name == "<module>":
        return None  # importing, or the package's lazy attribute lookup: nothing computed
    return f"{module}.{getattr(code, 'co_qualname', code.co_name)}"


@contextlib.contextmanager
def no_reference(allow=()):
    """Fail if code inside the block calls into ``mlp`` (except names in ``allow``).

    ``allow`` holds qualified names such as ``"mlp.layers.Linear.forward"`` or
    whole modules such as ``"mlp.data"``; what an allowed function calls is its own.
    """
    seen = []
    inside_allowed = set()

    def hook(frame, event, arg):
        if event == "return":
            inside_allowed.discard(id(frame))
            return
        if event != "call" or inside_allowed:
            return
        qualname = reference_name(frame.f_code)
        if qualname is None:
            return
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
            raise used_reference(seen[0]) from None
        raise
    finally:
        sys.setprofile(previous)
    if seen:
        raise used_reference(seen[0])


def _lent(allow):
    """{"mlp.vjps.unbroadcast": the function}: allowed reference functions, lent to a sandboxed call.

    The grading sandbox holds only placeholders for them (``course.sandbox``);
    at home the real module is there and nothing needs lending.
    """
    import importlib

    out = {}
    for entry in allow:
        module, _, name = entry.rpartition(".")
        if module.count(".") != 1 or not module.startswith("mlp."):
            continue
        fn = getattr(importlib.import_module(module), name, None)
        if inspect.isfunction(fn):
            out[entry] = fn
    return out


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
    ``allow`` names reference functions the exercise may use.  ``given``
    replaces the student's earlier answers that ``fn`` calls by name (see
    ``given_answers``).  ``unchanged`` names the positional arguments in order
    ("" skips one); an array among them that ``fn`` modified in place fails
    under its name.
    """
    label = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        fail(f"`{label}` should be a function, got {type(fn).__name__}")
    before = [(arg_name, arg, np.array(arg, copy=True)) for arg_name, arg in zip(unchanged, args)
              if arg_name and isinstance(arg, np.ndarray)]
    remote = getattr(fn, "remote_call", None)
    try:
        if remote is not None:  # a proxy for the sandbox: it applies allow and given there
            result = remote(args, kwargs, allow=allow, given={**_lent(allow), **(given or {})})
        else:
            with given_answers(fn, given), no_reference(allow):
                result = fn(*args, **kwargs)
    except GradingError:
        raise
    except NotImplementedError:
        fail(f"`{label}` is not answered yet: replace `raise NotImplementedError()` with your code.")
    except Exception as exc:  # the student's bug, reported in words
        kind = getattr(exc, "type_name", type(exc).__name__)
        fail(f"`{label}` raised {kind}: {exc}")
    for arg_name, arg, copy in before:
        check_unchanged(arg_name, copy, arg)
    return result
