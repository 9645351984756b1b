"""Time the instructor's autograde: one submission per chapter, then a class of 30.

Builds a temporary course from this repository, hands in the solution notebook
for every chapter (one student), then 30 students' copies of one chapter, and
prints the wall time per submission as measured around nbgrader's autograde.

Run:  python benchmarks/bench_grading.py [--chapter ch4_layers] [--students 30]
Goal (issue 6): under 6 s per chapter submission on the course's 2-core machine.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.pipeline import Course  # noqa: E402


def make_course(tmp):
    shutil.copy(ROOT / "nbgrader_config.py", tmp)
    shutil.copytree(ROOT / "solutions", tmp / "solutions")
    return Course(tmp)


def hand_in(course, inbox, students, chapters):
    for student in students:
        for chapter in chapters:
            dest = inbox / student / f"{chapter}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / "solutions" / chapter / f"{chapter}.ipynb", dest)
    course.collect(inbox, progress=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="ch5_training", help="chapter for the class run")
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp))
        chapters = course.chapters()
        course.release(chapters, progress=False)

        hand_in(course, Path(tmp) / "inbox1", ["solo"], chapters)
        outcomes = course.autograde(chapters, ["solo"], progress=False)
        print("one submission per chapter (seconds, including a fresh kernel):")
        for o in outcomes:
            print(f"  {o.chapter:26s} {o.seconds:5.1f}  {o.score:g}/{o.max_score:g}")
        print(f"  median {statistics.median(o.seconds for o in outcomes):.1f} s")

        students = [f"student{i:02d}" for i in range(args.students)]
        hand_in(course, Path(tmp) / "inbox2", students, [args.chapter])
        start = time.perf_counter()
        outcomes = course.autograde([args.chapter], students, progress=True)
        total = time.perf_counter() - start
        full = sum(o.score == o.max_score for o in outcomes)
        print(f"class of {len(students)} on {args.chapter}: {total:.0f} s in all, "
              f"{total / len(students):.1f} s per student, {full}/{len(students)} full marks")


if __name__ == "__main__":
    main()
