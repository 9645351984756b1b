"""What an instructor takes out of the gradebook besides nbgrader's CSV.

- ``canvas_csv``: Canvas's gradebook import format.  One row per student
  (``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then
  one column per chapter), preceded by Canvas's ``Points Possible`` row.  The
  course's student id goes into ``SIS Login ID``, the column Canvas matches on
  when ``ID`` is empty; a chapter a student did not hand in stays empty.
- ``summary_figure``: one picture of the class: per chapter, a histogram of
  the scores (percent of the chapter's points), and the share of students
  who lost points on each exercise.

Scores are nbgrader's, after its late penalty (``raw_score - penalty``).
"""

import csv
from pathlib import Path

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def class_table(db_url):
    """{chapter: {"max": points, "scores": {student: score}, "lost": {exercise: [students who lost points]},
    "exercises": [grade ids in order]}} from nbgrader's gradebook at ``db_url``."""
    from nbgrader.api import Gradebook

    table = {}
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            entry = table.setdefault(assignment.name, {"max": assignment.max_score, "scores": {},
                                                       "lost": {}, "exercises": []})
            for nb in assignment.notebooks:
                for cell in nb.grade_cells:
                    entry["exercises"].append(cell.name)
                    entry["lost"].setdefault(cell.name, [])
            for submission in gb.assignment_submissions(assignment.name):
                student = submission.student.id
                entry["scores"][student] = max(0.0, submission.score - (submission.late_submission_penalty or 0))
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        score = grade.score if grade.score is not None else 0.0
                        if score < grade.max_score:
                            entry["lost"].setdefault(grade.name, []).append(student)
    return table


def canvas_csv(db_url, to):
    """Write Canvas's gradebook import CSV to ``to``; returns its path."""
    from nbgrader.api import Gradebook

    table = class_table(db_url)
    chapters = sorted(table)
    with Gradebook(db_url) as gb:
        students = sorted(gb.students, key=lambda s: s.id)
        names = {s.id: ", ".join(p for p in (s.last_name, s.first_name) if p) or s.id for s in students}
    to = Path(to)
    with open(to, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CANVAS_FIXED + chapters)
        writer.writerow(["Points Possible", "", "", "", ""] + [f"{table[c]['max']:g}" for c in chapters])
        for sid in sorted(names):
            scores = [table[c]["scores"].get(sid) for c in chapters]
            writer.writerow([names[sid], "", "", sid, ""] + ["" if s is None else f"{s:g}" for s in scores])
    return to


def summary_figure(db_url, to):
    """Save the class's summary figure (PNG) to ``to``; returns its path, or None for an empty gradebook."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = {c: t for c, t in class_table(db_url).items() if t["scores"]}
    if not table:
        return None
    chapters = sorted(table)
    fig, axes = plt.subplots(len(chapters), 2, figsize=(11, 2.6 * len(chapters)), squeeze=False)
    for row, chapter in zip(axes, chapters):
        t = table[chapter]
        percent = [100 * s / t["max"] if t["max"] else 0 for s in t["scores"].values()]
        row[0].hist(percent, bins=list(range(0, 101, 10)), color="#4c72b0", edgecolor="white")
        row[0].set(xlim=(0, 100), xlabel="score (% of the chapter's points)", ylabel="students",
                   title=f"{chapter}: {len(percent)} graded")
        n = len(t["scores"])
        exercises = t["exercises"]
        share = [100 * len(set(t["lost"].get(e, []))) / n for e in exercises]
        row[1].barh(exercises, share, color="#dd8452")
        row[1].invert_yaxis()
        row[1].set(xlim=(0, 100), xlabel="students who lost this exercise's points (%)",
                   title=f"{chapter}: where points were lost")
    fig.tight_layout()
    fig.savefig(to, dpi=110)
    plt.close(fig)
    return Path(to)
