"""Command line: ``python -m course STEP [options]``; run from the course directory."""

import argparse
import os
import sys

from .pipeline import Course, summary, write_report
from .sandbox import Limits

STEPS = """steps:
  release   regenerate chapters/ (student versions) from solutions/
  collect   copy INBOX/<student>/<chapter>.ipynb into submitted/<student>/<chapter>/
  autograde grade every collected submission (checks and repairs it first)
  feedback  write feedback/<student>/<chapter>/<chapter>.html
  export    write every grade to a CSV file (nbgrader's), Canvas's CSV and a summary figure beside it
  grade     collect INBOX, autograde, feedback and export in one go
            (with --similarity, the similarity reports too, before the export)
  similarity  compare a class's answers with each other and with mlp: similarity/<chapter>.html
  due       set the due date of chapters (-c) to --date, for the late penalty
"""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__,
                                     epilog=STEPS, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["release", "collect", "autograde", "feedback", "export", "grade",
                                             "similarity", "due"])
    parser.add_argument("inbox", nargs="?", help="folder of submissions (collect, grade)")
    parser.add_argument("-c", "--chapter", action="append", default=[], help="only this chapter (repeatable)")
    parser.add_argument("-s", "--student", action="append", default=[], help="only this student (repeatable)")
    parser.add_argument("--root", default=".", help="course directory (default: here)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds one cell of the student's, or one call of a check, may run (default 60)")
    parser.add_argument("--notebook-timeout", type=float, default=300.0,
                        help="seconds a whole notebook may take, all cells and calls together (default 300)")
    parser.add_argument("--memory", type=int, default=2048, help="MiB of memory per submission (default 2048)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="DANGEROUS: run student code without bubblewrap, with your rights "
                             "(only for trusted notebooks on a machine without bubblewrap)")
    parser.add_argument("--to", default="grades.csv", help="CSV file for export (default: grades.csv)")
    parser.add_argument("--date", help='due date for `due`, e.g. "2026-12-01 23:59 UTC"')
    parser.add_argument("--report", help="also write the outcomes as JSON to this file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("-j", "--workers", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once on this machine, each in its own sandbox "
                             f"(default: the number of cores, {os.cpu_count() or 1})")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="grade on the Dask cluster whose scheduler listens there instead of locally")
    parser.add_argument("--similarity", action="store_true",
                        help="grade: also write the similarity reports, before the export (its CSV gets their column)")
    parser.add_argument("--force", action="store_true",
                        help="grade again submissions already graded from the same file")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers needs a number of processes of at least 1, got {args.workers}")
    limits = Limits(call_seconds=args.timeout, notebook_seconds=args.notebook_timeout,
                    memory_bytes=args.memory * 2**20)
    if args.unsafe_no_sandbox:
        print("WARNING: --unsafe-no-sandbox: student code runs WITHOUT a sandbox, with your rights.",
              file=sys.stderr)
    course = Course(args.root, limits=limits, unsafe_no_sandbox=args.unsafe_no_sandbox)
    progress = not args.no_progress

    if args.step == "release":
        return 0 if course.release(args.chapter, progress) else 1
    if args.step == "due":
        if not args.date or not args.chapter:
            parser.error("due needs -c CHAPTER (repeatable) and --date")
        print(f"due {course.set_due(args.chapter, args.date)} UTC: {', '.join(args.chapter)}")
        return 0
    if args.step == "similarity":
        for path in course.similarity(args.chapter, progress):
            print(f"similarity report written to {path}")
        return 0
    if args.step in ("collect", "grade") and not args.inbox:
        parser.error(f"{args.step} needs the INBOX folder of submissions")
    outcomes = course.collect(args.inbox, progress) if args.step in ("collect", "grade") else []
    if args.step in ("autograde", "grade"):
        outcomes += course.autograde(args.chapter, args.student, progress, workers=args.workers,
                                     scheduler=args.scheduler, force=args.force)
    if args.step in ("feedback", "grade"):
        outcomes += course.feedback(args.chapter, args.student, progress)
    if args.step == "grade" and args.similarity:
        for path in course.similarity(args.chapter, progress):
            print(f"similarity report written to {path}")
    if args.step in ("export", "grade"):
        try:
            path = course.export(args.to)
            print(f"grades written to {path}, {path.stem}_canvas.csv (Canvas) and {path.stem}_summary.png")
        except (SystemExit, Exception) as exc:  # the summary below is still printed
            print(f"export failed: {exc}", file=sys.stderr)
    if outcomes:
        print(summary(outcomes))
    if args.report:
        write_report(outcomes, args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
