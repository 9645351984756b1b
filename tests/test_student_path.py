"""A student's path, taken as a student takes it: from the book to passing visible tests.

The built book (the session fixture ``book_html``) is served over loopback
HTTP. A fresh virtualenv holds only ``ipykernel``, as the Python behind a
student's Jupyter would: neither the course's package nor its requirements.
The chapter notebook is downloaded from the link on its page, and run in that
virtualenv's kernel with ``BACKPROP_BOOK_URL`` pointing at the served book, so
its first cell installs the wheel from there.

* Blank, "Run All" (every cell, as JupyterLab runs them: nothing is skipped)
  reaches the last cell; only the exercise and test cells fail, and they carry
  ``raises-exception``.
* With the answers from ``solutions/`` filled in, every visible test passes.

The page that says how to start is also photographed with headless Chromium.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from notebook_cells import ROOT

pytestmark = pytest.mark.slow
CHAPTER = "ch4_layers"
KERNEL = "backprop-student"
CHROMIUM = "/usr/bin/chromium"
WHEEL = "backprop_course-0.2.0-py3-none-any.whl"
# Where mlp and checks would be imported from (-I: not from the current folder).
_FIND = "import importlib.util as u; print(*[getattr(u.find_spec(m), 'origin', None) for m in ('mlp', 'checks')])"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def book_url(book_html):
    """The built book, served on 127.0.0.1 by a thread of this process."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def _pinned(name):
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.split("==")[0].strip().lower() == name:
            return line.strip()
    return name


@pytest.fixture(scope="module")
def student_env(tmp_path_factory, book_url):
    """A bare virtualenv with ipykernel only, its kernelspec in a folder of its own, and a work folder."""
    home = tmp_path_factory.mktemp("student")
    venv = home / "venv"
    base = getattr(sys, "_base_executable", sys.executable)  # the interpreter, not this virtualenv
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", _pinned("ipykernel")], check=True)
    found = subprocess.run([str(python), "-I", "-c", _FIND], capture_output=True, text=True, check=True).stdout
    assert found.split() == ["None", "None"], "the fresh virtualenv must have neither mlp nor checks"

    kernels = home / "kernels"
    (kernels / KERNEL).mkdir(parents=True)
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (student)",
        "language": "python",
        "env": {"BACKPROP_BOOK_URL": book_url, "NO_PROXY": no_proxy, "no_proxy": no_proxy},
    }
    (kernels / KERNEL / "kernel.json").write_text(json.dumps(spec))
    work = home / "work"
    work.mkdir()
    return {"python": python, "kernels": KernelSpecManager(kernel_dirs=[str(kernels)]), "work": work}


@pytest.fixture(scope="module")
def downloaded(book_url):
    """The chapter's notebook, from the download link on its page."""
    page_url = f"{book_url}/chapters/{CHAPTER}/{CHAPTER}.html"
    page = _get(page_url).decode()
    links = set(re.findall(r'href="([^"]+\.ipynb)"', page))
    assert links, "the chapter page has no notebook download link"
    # The download button; the launch buttons (Colab, Binder) link to notebooks on GitHub.
    notebooks = {urllib.parse.urljoin(page_url, link) for link in links}
    notebooks = {url for url in notebooks if url.startswith(book_url + "/")}
    assert len(notebooks) == 1, notebooks
    return nbformat.reads(_get(notebooks.pop()).decode(), as_version=4)


def _run(nb, env):
    """Execute every cell as JupyterLab's "Run All" does: no tag makes a cell skipped."""
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=env["kernels"])
    # The kernel sees nothing of the instructor's environment: not its virtualenv on PATH, no PYTHONPATH.
    here = Path(sys.executable).parent
    kernel_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    kernel_env["PATH"] = os.pathsep.join(
        [str(env["python"].parent)] + [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != here])
    client = NotebookClient(nb, km=manager, timeout=300, allow_errors=False,
                            skip_cells_with_tag="never-skip-any-cell",
                            resources={"metadata": {"path": str(env["work"])}})
    client.execute(env=kernel_env)
    return nb


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o["output_type"] == "error"]


def _grading(cell):
    return cell.metadata.get("nbgrader", {})


def _is_exercise(cell):
    return cell.cell_type == "code" and (_grading(cell).get("solution") or _grading(cell).get("grade"))


@pytest.fixture(scope="module")
def blank_run(downloaded, student_env):
    start = time.perf_counter()
    nb = _run(nbformat.from_dict(json.loads(json.dumps(downloaded))), student_env)
    return nb, time.perf_counter() - start


def test_the_book_serves_the_wheel_and_the_bundle(book_html, book_url):
    assert _get(f"{book_url}/_static/{WHEEL}")[:2] == b"PK"
    assert _get(f"{book_url}/_static/backprop-course-student.zip")[:2] == b"PK"


def test_blank_notebook_runs_to_its_last_cell(blank_run, student_env):
    nb, seconds = blank_run
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "Run All stopped before the last cell"
    failed = [c for c in code if _errors(c)]
    assert failed, "an unsolved exercise should show its error"
    for cell in failed:
        assert _is_exercise(cell), f"a cell that is not an exercise failed:\n{cell.source[:300]}\n{_errors(cell)[0]}"
        assert "raises-exception" in cell.metadata.get("tags", [])
    # An answer cell only defines the stub (or raises NotImplementedError); every test cell fails.
    answers = [c for c in code if _grading(c).get("solution")]
    assert answers and all(e["ename"] == "NotImplementedError" for c in answers for e in _errors(c))
    tests = [c for c in code if _grading(c).get("grade")]
    assert tests and all(_errors(c) for c in tests), "a visible test passed on a blank notebook"
    found = subprocess.run([str(student_env["python"]), "-I", "-c", _FIND],
                           capture_output=True, text=True, check=True).stdout.split()
    venv = str(student_env["python"].parent.parent)
    assert all(path.startswith(venv) for path in found), f"mlp and checks not installed into the venv: {found}"
    print(f"blank run of {CHAPTER}, install included: {seconds:.1f} s")


def _answers(chapter):
    """The answer cells of the solution notebook by grade_id, solution markers and hidden tests removed."""
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    answers = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and _grading(cell).get("solution"):
            source = re.sub(r"(?ms)^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", "", cell.source)
            lines = [ln for ln in source.splitlines() if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[_grading(cell)["grade_id"]] = "\n".join(lines)
    return answers


def test_filled_in_notebook_passes_every_visible_test(downloaded, student_env, blank_run):
    answers = _answers(CHAPTER)
    nb = nbformat.from_dict(json.loads(json.dumps(downloaded)))
    filled = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and _grading(cell).get("grade_id") in answers and _grading(cell).get("solution"):
            cell.source = answers[_grading(cell)["grade_id"]]
            filled += 1
    assert filled == len(answers) > 0
    _run(nb, student_env)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not _errors(cell), f"{_grading(cell).get('grade_id', 'a cell')} failed: {_errors(cell)[0]}"
    tests = [c for c in code if _grading(c).get("grade")]
    assert tests
    for cell in tests:
        printed = "".join(o.get("text", "") for o in cell.outputs if o["output_type"] == "stream")
        assert "ok:" in printed, f"{_grading(cell)['grade_id']} printed no `ok:` line: {printed!r}"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (see .ci/run)")
def test_how_to_start_page_screenshot(book_url, tmp_path):
    """Photograph the page that says how to start; the PNG stays in pytest's tmp folder for a look."""
    png = tmp_path / "how_to_use.png"
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                        "--hide-scrollbars", f"--screenshot={png}", "--window-size=1280,2000",
                        f"{book_url}/pages/how_to_use.html"], capture_output=True, timeout=60)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 30_000, f"a {len(data)}-byte screenshot is an empty page"
