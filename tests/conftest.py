import fcntl
import subprocess
import sys
from pathlib import Path

import pytest

# Test helpers (mistakes/, notebook_cells.py) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def book_html(tmp_path_factory, request):
    """The book, built once per test run as `make book` builds it; the path of its HTML.

    Like `make book`: the student wheel and the bundle's zip go into _static/
    first (the book serves them), then ``jupyter-book build . -W -n --keep-going``
    (warnings are errors; a cell that raises fails the build, see
    ``nb_execution_raise_on_error`` in _config.yml), here into a temporary folder.
    Shared by tests/test_book.py and tests/test_student_path.py; under
    pytest-xdist the first worker to need it builds it, under a file lock, and
    the others reuse it (or its failure).
    """
    if not hasattr(request.config, "workerinput"):  # no pytest-xdist worker: one process
        return _build_book(tmp_path_factory.mktemp("book"))
    shared = tmp_path_factory.getbasetemp().parent  # common to every worker of this run
    with open(shared / "book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        out, failed = shared / "book", shared / "book.failed"
        if failed.exists():
            pytest.fail(failed.read_text(), pytrace=False)
        if not (out / "_build" / "html" / "index.html").exists():
            try:
                _build_book(out)
            except AssertionError as why:
                failed.write_text(str(why))
                raise
        return out / "_build" / "html"


def _build_book(out):
    from course.student import build_static

    build_static(ROOT, ROOT / "_static")
    out.mkdir(parents=True, exist_ok=True)
    jb = Path(sys.executable).parent / "jupyter-book"
    run = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                         capture_output=True, text=True)
    log = run.stdout + run.stderr
    assert run.returncode == 0, "strict build failed:\n" + log[-5000:]
    # Sphinx writes "file:line: WARNING: ..."; a kernel's own "WARNING |" lines are not the book's.
    warnings = [ln for ln in log.splitlines() if "WARNING:" in ln]
    assert not warnings, warnings[:10]
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for this test session (skips when its binaries are missing)."""
    from postgres_server import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()
