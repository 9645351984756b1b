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
    """The MISTAKES list of ``tests/mistakes/<chapter>.py``.

    A missing file is an error, not an empty list: a renamed chapter must not
    lose its mistake tests without a word.
    """
    if not (Path(__file__).parent / f"{chapter}.py").exists():
        raise FileNotFoundError(f"mistakes_for: expected tests/mistakes/{chapter}.py for chapter {chapter!r}")
    mistakes = importlib.import_module(f"{__name__}.{chapter}").MISTAKES
    if not mistakes:
        raise ValueError(f"mistakes_for: tests/mistakes/{chapter}.py lists no mistakes")
    return mistakes
