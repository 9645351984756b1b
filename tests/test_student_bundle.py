"""The student bundle holds nothing an instructor keeps, and its wheel is what students install.

The bundle (``course.student.build_bundle``, `make student`) is built into a
temporary folder and searched file by file, the wheel's contents included:
no answer (``BEGIN SOLUTION``), no hidden test (``HIDDEN``), no ``course``
package or module, no file of ``course/hidden/``, and none of the hidden
checks' random seeds.
"""

import email.parser
import json
import re
import zipfile

import pytest
import yaml

from course import student
from notebook_cells import ROOT

HIDDEN_DIR = ROOT / "course" / "hidden"
SEED = re.compile(rb"default_rng\(\s*(\d+)\s*\)")
IMPORTS_COURSE = re.compile(rb"^\s*(from|import)\s+course\b", re.MULTILINE)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return student.build_bundle(ROOT, tmp_path_factory.mktemp("bundle") / "student")


@pytest.fixture(scope="module")
def files(bundle):
    """Every file of the bundle as {relative path: bytes}; a wheel's files as ``<wheel>/<path>``."""
    found = {}
    for path in sorted(bundle.rglob("*")):
        if path.is_file():
            rel = path.relative_to(bundle).as_posix()
            found[rel] = path.read_bytes()
            if path.suffix == ".whl":
                with zipfile.ZipFile(path) as whl:
                    found.update({f"{rel}/{name}": whl.read(name) for name in whl.namelist()})
    return found


@pytest.fixture(scope="module")
def wheel(bundle):
    wheels = list(bundle.glob("*.whl"))
    assert [w.name for w in wheels] == ["backprop_course-0.2.0-py3-none-any.whl"]
    return wheels[0]


def _configured_book_url():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["html"]["baseurl"].rstrip("/")


def _first_code_cell(nb):
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


BOOK_URL_DEFAULT = re.compile(r'BOOK_URL\s*=\s*os\.environ\.get\(\s*"BACKPROP_BOOK_URL"\s*,\s*"([^"]*)"\s*\)')


# -- what the bundle holds ----------------------------------------------------------
def test_bundle_holds_every_chapter_the_wheel_and_a_readme(bundle, wheel):
    chapters = sorted(p.name for p in (ROOT / "chapters").iterdir() if (p / f"{p.name}.ipynb").is_file())
    assert chapters, "no released chapter in chapters/"
    names = sorted(p.name for p in bundle.iterdir())
    assert names == sorted([f"{c}.ipynb" for c in chapters] + ["README.md", wheel.name])
    readme = (bundle / "README.md").read_text()
    assert "Python 3.11" in readme and _configured_book_url() in readme


def test_no_answer_and_no_hidden_test(files):
    for rel, data in files.items():
        assert b"BEGIN SOLUTION" not in data, f"{rel} holds an answer"
        assert b"HIDDEN" not in data, f"{rel} holds a hidden test"


def test_no_instructor_package(files):
    for rel, data in files.items():
        parts = rel.split("/")
        assert "course" not in parts[:-1] and parts[-1] not in ("course", "course.py"), rel
        assert not IMPORTS_COURSE.search(data), f"{rel} imports the instructor's package `course`"
        if rel.endswith(".ipynb"):
            code = "\n".join("".join(c["source"]) for c in json.loads(data)["cells"] if c["cell_type"] == "code")
            assert not IMPORTS_COURSE.search(code.encode()), f"{rel} imports `course`"


def test_no_file_of_course_hidden(files):
    hidden = {p.name: p.read_bytes() for p in HIDDEN_DIR.glob("*.py")}
    assert hidden, "course/hidden/ holds no module"
    for rel, data in files.items():
        for name, text in hidden.items():
            assert data != text, f"{rel} is course/hidden/{name}"


def test_no_hidden_seed(files):
    """Every seed the hidden checks use, and the visible ones do not, is absent from the bundle."""
    hidden = {int(n) for p in HIDDEN_DIR.glob("*.py") for n in SEED.findall(p.read_bytes())}
    visible = {int(n) for p in (ROOT / "checks").glob("*.py") for n in SEED.findall(p.read_bytes())}
    secret = hidden - visible
    assert secret, "found no hidden seed in course/hidden/*.py: is the pattern still default_rng(N)?"
    for rel, data in files.items():
        leaked = secret.intersection(int(n) for n in SEED.findall(data))
        assert not leaked, f"{rel} holds the hidden seed(s) {sorted(leaked)}"


# -- the wheel -----------------------------------------------------------------------
def test_wheel_holds_mlp_and_checks_only(wheel):
    with zipfile.ZipFile(wheel) as whl:
        tops = {name.split("/", 1)[0] for name in whl.namelist()}
    packages = {t for t in tops if not t.endswith(".dist-info")}
    assert packages == {"mlp", "checks"}
    assert tops - packages == {"backprop_course-0.2.0.dist-info"}


def test_wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as whl:
        meta = email.parser.Parser().parsestr(whl.read("backprop_course-0.2.0.dist-info/METADATA").decode())
    assert meta["Name"] == "backprop-course"
    assert meta["Version"] == "0.2.0"
    assert meta["Requires-Python"] == ">=3.11"
    requires = meta.get_all("Requires-Dist")
    always = [r for r in requires if "extra ==" not in r]
    assert len(always) == 1 and re.match(r"numpy\b", always[0]), always
    extras = {re.search(r'extra == "([^"]+)"', r).group(1): r.split(";")[0].strip() for r in requires if r not in always}
    assert extras == {"plots": "matplotlib", "data": "scikit-learn", "progress": "tqdm"}


# -- the notebooks ---------------------------------------------------------------------
def test_bundle_notebooks_run_all_past_exercises_and_install_from_the_book(bundle):
    url = _configured_book_url()
    for path in sorted(bundle.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            grading = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] == "code" and (grading.get("solution") or grading.get("grade")):
                assert "raises-exception" in cell["metadata"].get("tags", []), (path.name, grading["grade_id"])
        assert BOOK_URL_DEFAULT.findall(_first_code_cell(nb)) == [url], path.name


@pytest.mark.parametrize("chapter", sorted(p.parent.name for p in ROOT.glob("solutions/*/*.ipynb")))
def test_first_cell_installs_this_version_from_the_configured_book(chapter):
    """The set-up cell of every solution notebook names the book of _config.yml and this wheel."""
    nb = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    first = _first_code_cell(nb)
    assert BOOK_URL_DEFAULT.findall(first) == [_configured_book_url()], \
        f"{chapter}: the BOOK_URL default is not html.baseurl of _config.yml"
    assert f"{{BOOK_URL}}/_static/{student.wheel_name(ROOT)}" in first, f"{chapter}: not this version's wheel"
    assert f"from checks import {chapter} as check" in first


def test_zip_holds_the_bundle_under_one_folder(bundle, tmp_path):
    archive = student.zip_bundle(bundle, tmp_path / student.zip_name(ROOT), ROOT)
    assert archive.name == "backprop-course-student.zip"
    with zipfile.ZipFile(archive) as z:
        names = sorted(z.namelist())
    expected = sorted(f"backprop-course-0.2.0/{p.relative_to(bundle).as_posix()}" for p in bundle.rglob("*") if p.is_file())
    assert names == expected


# -- prepare_release_notebook on its own ------------------------------------------------
def _cell(source, cell_type="code", **grading):
    meta = {"nbgrader": {"grade_id": grading.pop("grade_id", "x"), "locked": False, "schema_version": 3,
                         "solution": False, "grade": False, "task": False, **grading}} if grading else {}
    return {"cell_type": cell_type, "metadata": meta, "source": source, "outputs": [], "execution_count": None}


def test_prepare_release_notebook_tags_exercises_and_stamps_the_address():
    first = _cell(['import os\n', 'BOOK_URL = os.environ.get("BACKPROP_BOOK_URL", "https://old.example")\n'])
    nb = {"cells": [
        _cell("# Title", cell_type="markdown"),
        first,
        _cell("def f(x):\n    raise NotImplementedError()", grade_id="f", solution=True),
        _cell("check.f(f)", grade_id="test_f", grade=True, locked=True, points=1),
        _cell("print(1)"),
        _cell("YOUR ANSWER HERE", cell_type="markdown", grade_id="essay", solution=True),
    ]}
    student.prepare_release_notebook(nb, "https://book.example/course/")
    tags = [c["metadata"].get("tags") for c in nb["cells"]]
    assert tags == [None, None, ["raises-exception"], ["raises-exception"], None, None]
    assert BOOK_URL_DEFAULT.findall("".join(first["source"])) == ["https://book.example/course"]
    again = json.loads(json.dumps(nb))
    assert student.prepare_release_notebook(again, "https://book.example/course") == nb, "not idempotent"

    with pytest.raises(ValueError, match="BACKPROP_BOOK_URL"):
        student.prepare_release_notebook({"cells": [_cell("import numpy as np")]}, "https://book.example")


def test_an_answer_cell_with_code_to_repair_is_released_with_that_code_only():
    first = _cell(['import os\n', 'BOOK_URL = os.environ.get("BACKPROP_BOOK_URL", "https://old.example")\n'])
    repair = _cell("# YOUR CODE HERE\nraise NotImplementedError()", grade_id="net", solution=True)
    repair["metadata"]["tags"] = ["skip-execution"]
    repair["metadata"]["course"] = {"student_source": ["def f(z):\n", "    z[z < 0] = 0\n", "    return z"]}
    nb = {"cells": [first, repair]}
    student.prepare_release_notebook(nb, "https://book.example")
    assert repair["source"] == "def f(z):\n    z[z < 0] = 0\n    return z"
    assert "course" not in repair["metadata"], "the release must not carry the field"
    assert repair["metadata"]["tags"] == ["raises-exception"], "code to repair runs in the book, like a demo"
    again = json.loads(json.dumps(nb))
    assert student.prepare_release_notebook(again, "https://book.example") == nb, "not idempotent"


def test_the_bug_hunt_is_released_with_the_bugs_and_without_the_fixes():
    """Chapter 5's `blog_net` cell: the released notebook holds the blog's code in the editable
    cell, and the instructor's fixed code nowhere (metadata included)."""
    chapter = "ch5_training"
    solution = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    release_text = (ROOT / "chapters" / chapter / f"{chapter}.ipynb").read_text()
    release = json.loads(release_text)
    [source] = [c for c in solution["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "blog_net"]
    [released] = [c for c in release["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "blog_net"]
    assert "".join(released["source"]) == student.student_source(source)
    assert not released["metadata"]["nbgrader"]["locked"] and "course" not in released["metadata"]
    fixed = "".join(source["source"])
    fixed = fixed[fixed.index("### BEGIN SOLUTION") + 19:fixed.index("### END SOLUTION")]
    given = student.student_source(source)
    lines = {ln.strip() for ln in fixed.splitlines() if ln.strip()} - {ln.strip() for ln in given.splitlines()}
    assert len(lines) >= 4, "the fixed code should differ from the released code in each fixed function"
    for line in lines:
        assert json.dumps(line)[1:-1] not in release_text, f"the release holds the fix {line!r}"


def test_pages_name_this_version_of_the_wheel():
    """The book's pages link to the wheel the build serves, not to an older version's."""
    for page in ("pages/how_to_use.md", "pages/for_instructors.md", "README.md"):
        names = set(re.findall(r"backprop_course-[\w.]+?-py3-none-any\.whl", (ROOT / page).read_text()))
        assert names <= {student.wheel_name(ROOT)}, f"{page} names {sorted(names)}"
