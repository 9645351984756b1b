"""Assertions used by the chapters' test cells.

A test cell is a short call such as::

    from mlp import grading
    check = grading.load("chain_rule")
    check.sigmoid_grad(sigmoid_grad)

(The import is repeated in every test cell, so a notebook that rebinds the
name ``grading`` cannot stand in for the grader.)

``load`` re-reads the checks from disk (undoing anything a notebook did to
them) and returns the chapter's module.  Each check calls the student's
function through ``guard.call`` and compares with ``core.check_close``.
"""

import importlib
import sys
import types

from . import core, guard
from .core import (
    GradingError,
    check_close,
    check_finite,
    check_scalar,
    check_shape,
    check_unchanged,
    fail,
    passed,
)
from .guard import assert_untampered, call, no_reference

_FROM_CORE = ("GradingError", "check_close", "check_finite", "check_scalar", "check_shape",
              "check_unchanged", "fail", "passed")
_FROM_GUARD = ("assert_untampered", "call", "no_reference")

CHAPTERS = (
    "chain_rule",
    "dag",
    "vjp",
    "layers",
    "training",
    "branch_merge",
    "input_opt",
)


def reload_core():
    """Re-read ``core`` and ``guard`` from their files, undoing any patching.

    The names this package re-exports are bound again, so that
    ``mlp.grading.GradingError`` is the class the reloaded checks raise.
    """
    importlib.reload(core)
    importlib.reload(guard)
    globals().update({name: getattr(core, name) for name in _FROM_CORE})
    globals().update({name: getattr(guard, name) for name in _FROM_GUARD})


def load(chapter):
    """Return a freshly loaded ``mlp.grading.<chapter>`` module.

    Reloading ``core``, ``guard`` and the chapter module restores every
    function from its source file, whatever the notebook reassigned.
    """
    if chapter not in CHAPTERS:
        raise ValueError(f"unknown chapter {chapter!r}; expected one of {', '.join(CHAPTERS)}")
    reload_core()
    module = importlib.import_module(f"{__name__}.{chapter}")
    module = importlib.reload(module)
    guard.assert_untampered()
    return module


class _SealedModule(types.ModuleType):
    """A module whose grading functions a notebook cannot reassign.

    ``mlp.grading.load = lambda name: ...`` in a student's answer would make
    every later test pass; here it raises instead.  (``load`` itself re-reads
    the checks from disk, which undoes patches one level further down.)
    """

    def __setattr__(self, name, value):
        if name in _SEALED and name in self.__dict__:
            raise AttributeError(f"mlp.grading.{name} cannot be replaced: the grader relies on it")
        super().__setattr__(name, value)

    def __delattr__(self, name):
        if name in _SEALED:
            raise AttributeError(f"mlp.grading.{name} cannot be deleted: the grader relies on it")
        super().__delattr__(name)


_SEALED = frozenset({"load", "reload_core", "core", "guard", "CHAPTERS", *CHAPTERS})
sys.modules[__name__].__class__ = _SealedModule
