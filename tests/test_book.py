"""The strict book build: no warning, every page present, math local, figures drawn.

Builds the book from the repository into a temporary folder with
``jupyter-book build . -W -n --keep-going`` (warnings are errors; a cell that
raises fails the build, see ``nb_execution_raise_on_error`` in _config.yml).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from notebook_cells import ROOT

pytestmark = pytest.mark.slow
CHAPTERS = sorted(p.name for p in (ROOT / "chapters").iterdir() if (p / f"{p.name}.ipynb").exists())
PAGES = ["intro", "pages/how_to_use", "pages/appendix_cost_functions", "pages/references", "pages/for_instructors"]


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).parent / "jupyter-book"
    run = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                         capture_output=True, text=True)
    log = run.stdout + run.stderr
    assert run.returncode == 0, "strict build failed:\n" + log[-5000:]
    # Sphinx writes "file:line: WARNING: ..."; a kernel's own "WARNING |" lines are not the book's.
    warnings = [ln for ln in log.splitlines() if "WARNING:" in ln]
    assert not warnings, warnings[:10]
    return out / "_build" / "html"


def _page(html, name):
    return (html / f"{name}.html").read_text()


@pytest.mark.parametrize("name", PAGES + [f"chapters/{c}/{c}" for c in CHAPTERS])
def test_page_is_built_without_tracebacks(html, name):
    text = _page(html, name)
    # Starter code shows `raise NotImplementedError()` unexecuted; an executed error
    # would be rendered as a traceback output.
    for marker in ("Traceback (most recent call last)", "output traceback", "CellExecutionError"):
        assert marker not in text, f"{name} shows {marker}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_math_and_at_least_two_drawn_figures(html, chapter):
    text = _page(html, f"chapters/{chapter}/{chapter}")
    assert "\\(" in text or "\\[" in text or "math notranslate" in text, "no math on the page"
    figures = re.findall(r'<img[^>]+src="[^"]*_images/[^"]+\.png"', text)
    assert len(figures) >= 2, f"{chapter}: {len(figures)} figures drawn by code"


def test_mathjax_is_served_locally(html):
    text = _page(html, "intro")
    assert "_static/mathjax/tex-chtml.js" in text
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert "cdn.jsdelivr.net/npm/mathjax" not in text
