"""Assertions used by the chapters' test cells.

A test cell is a short call such as::

    check = grading.load("chain_rule")
    check.sigmoid_grad(sigmoid_grad)

``load`` re-reads the checks from disk (undoing anything a notebook did to
them) and returns the chapter's module.  Each check calls the student's
function through ``guard.call`` and compares with ``core.check_close``.
"""

import importlib

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
    """Re-read ``core`` and ``guard`` from their files, undoing any patching."""
    importlib.reload(core)
    importlib.reload(guard)


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
