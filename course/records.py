"""The course's own table in the gradebook: status, flags and notes of each graded submission.

nbgrader's gradebook keeps scores; this table, in the same database (SQLite or
PostgreSQL, whatever ``db_url`` names), keeps what nbgrader has no column for:
whether the last grading of a submission succeeded (a failed regrade is marked,
never hidden behind the old score), the review flags of the static scan, the
notes given to the student, and the hash of the graded file.
"""

import json
from datetime import datetime, timezone

import sqlalchemy as sa

METADATA = sa.MetaData()
GRADING = sa.Table(
    "course_grading", METADATA,
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("chapter", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(32), nullable=False),  # graded, failed
    sa.Column("score", sa.Float),
    sa.Column("max_score", sa.Float),
    sa.Column("flags", sa.Text, nullable=False, default="[]"),
    sa.Column("notes", sa.Text, nullable=False, default="[]"),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("graded_at", sa.String(32)),  # when the score in nbgrader's gradebook was decided
    sa.Column("attempted_at", sa.String(32), nullable=False),
)


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class Records:
    """Read and write ``course_grading`` in the database at ``db_url``."""

    def __init__(self, db_url_or_engine):
        engine = db_url_or_engine
        self.engine = sa.create_engine(engine) if isinstance(engine, str) else engine
        METADATA.create_all(self.engine)

    def get(self, student, chapter):
        with self.engine.connect() as con:
            row = con.execute(sa.select(GRADING).where(
                GRADING.c.student == student, GRADING.c.chapter == chapter)).mappings().first()
        return _plain(row) if row else None

    def all(self):
        with self.engine.connect() as con:
            return [_plain(r) for r in con.execute(sa.select(GRADING)).mappings()]

    def graded(self, student, chapter, score, max_score, flags, notes, content_hash):
        self._put(student, chapter, status="graded", score=score, max_score=max_score,
                  flags=json.dumps(flags), notes=json.dumps(notes), content_hash=content_hash,
                  graded_at=now())

    def failed(self, student, chapter, notes, content_hash, flags=()):
        """Mark the entry failed; an earlier score stays in nbgrader's gradebook, shown as stale."""
        old = self.get(student, chapter)
        self._put(student, chapter, status="failed", score=old["score"] if old else None,
                  max_score=old["max_score"] if old else None, flags=json.dumps(list(flags)),
                  notes=json.dumps(notes), content_hash=content_hash,
                  graded_at=old["graded_at"] if old else None)

    def _put(self, student, chapter, **values):
        values["attempted_at"] = now()
        with self.engine.begin() as con:
            con.execute(sa.delete(GRADING).where(GRADING.c.student == student, GRADING.c.chapter == chapter))
            con.execute(sa.insert(GRADING).values(student=student, chapter=chapter, **values))


def _plain(row):
    out = dict(row)
    out["flags"] = json.loads(out.get("flags") or "[]")
    out["notes"] = json.loads(out.get("notes") or "[]")
    return out
