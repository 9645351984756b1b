"""Plausible wrong answers, one or more per exercise, with the words their feedback must contain."""

import importlib
from dataclasses import dataclass
from pathlib import Path

from checks import CHAPTERS  # noqa: F401  (the one list of chapters)


@dataclass(frozen=True)
class Mistake:
    exercise: str  # grade_id of the answer cell it replaces
    name: str  # short description, used in test ids
    says: str  # words the feedback must contain (case-insensitive)
    code: str  # the wrong answer: the whole new source of the answer cell


def mistakes_for(chapter):
    """The MISTAKES list of ``tests/mistakes/<chapter>.py`` (empty if there is none yet)."""
    if not (Path(__file__).parent / f"{chapter}.py").exists():
        return []
    return importlib.import_module(f"{__name__}.{chapter}").MISTAKES
