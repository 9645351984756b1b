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
    kind: str = ""  # what sort of slip: one of KINDS (the default is guessed from the name)
    generic: bool = False  # True when no specific diagnosis is expected (a generic message)
    test: str = ""  # grade_id of the test cell it must fail, when not test_<exercise>

    @property
    def test_id(self):
        return self.test or f"test_{self.exercise}"


# The sorts of mistake the list should spread over (issue 14).
KINDS = ("shape", "transpose", "axis", "factor", "sign", "in-place", "unstable", "point of evaluation",
         "wrong variable", "missing term", "hard-coded", "global RNG", "views", "other")

# Words of the comparison's fallback messages: a mistake whose feedback holds one of them was
# recognised as wrong, but not named.
GENERIC_WORDS = ("has wrong values", "is the wrong number", "is proportional to the right answer",
                 "is wrong: expected", "is wrong: with", "disagrees with",
                 "count the entries of each Jacobian, then add")


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
