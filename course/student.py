"""What a student receives: the wheel, the student bundle, and the released notebooks' last touches.

The student distribution ``backprop-course`` holds the reference package ``mlp``
and the visible checks ``checks``; nothing of ``course/`` (this package, the
hidden cases, the grading pipeline) ever goes into it. The bundle is a folder
a student can unpack anywhere::

    backprop-course-0.2.0/
      README.md
      backprop_course-0.2.0-py3-none-any.whl
      ch1_chain_rule.ipynb ... ch8_capstone.ipynb

Command line (from the repository)::

    python -m course.student                   # dist/student/ and dist/backprop-course-student.zip
    python -m course.student --static _static  # the wheel and the bundle's zip, for the book to serve

The notebooks come from ``chapters/`` (nbgrader's release, made by
``python -m course release``); ``build_bundle`` refuses to write a bundle in
which any file still holds a solution or hidden-test marker.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The tag that lets JupyterLab's and nbclient's "Run All" go on past a cell that raises.
RAISES = "raises-exception"

#: Where an instructor's answer cell keeps the code the student receives instead of the stub
#: (``metadata["course"]["student_source"]``): code to repair, such as the bug hunt of chapter 5.
STUDENT_SOURCE = "student_source"

#: The set-up line of every chapter's first code cell whose default this module stamps.
_BOOK_URL_LINE = re.compile(r'(BOOK_URL\s*=\s*os\.environ\.get\(\s*"BACKPROP_BOOK_URL"\s*,\s*)"[^"\n]*"')

#: Text that must never reach a student (nbgrader's markers of answers and hidden tests).
_LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")

_README = """\
# Backpropagation, from the chain rule to optimising the input: the student bundle

The course's book: {book}

This folder holds the chapter notebooks and the course's package, a wheel
(`{wheel}`) with `mlp`, the reference library, and `checks`, the visible tests of
the exercises. You need **Python 3.11 or newer** and Jupyter (JupyterLab,
Notebook, VS Code or Colab).

## Start

1. Open a chapter notebook, for example `ch1_chain_rule.ipynb`, in Jupyter.
2. Run its first cell. If the package is missing it installs it from the book's
   website, once. Offline, install it from this folder instead, in the
   environment your Jupyter kernel uses:

   ```bash
   pip install "./{wheel}[plots,data]"
   ```

3. Write your answers where a cell says `# YOUR CODE HERE` and run the test cell
   below each one: it prints a line beginning with `ok:` or names your mistake.
   "Run All" runs to the end of the notebook even while exercises are unsolved:
   their cells show an error and the rest runs on the reference package.

## Hand in

Hand in the `.ipynb` file, its name unchanged, as your instructor asks. Your
grade comes from the instructor's run, which runs more tests than the visible
ones. The chapters are also at {book}.
"""


# -- the project's own facts, each read from one file ---------------------------
def version(root=ROOT):
    """The distribution's version, from ``pyproject.toml``."""
    with open(Path(root) / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def distribution(root=ROOT):
    """The distribution's name, from ``pyproject.toml`` (``backprop-course``)."""
    with open(Path(root) / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["name"]


def wheel_name(root=ROOT):
    """``backprop_course-0.2.0-py3-none-any.whl``: the file name pip gives the wheel."""
    return f"{distribution(root).replace('-', '_')}-{version(root)}-py3-none-any.whl"


def bundle_name(root=ROOT):
    """The bundle's folder name inside its zip, ``backprop-course-0.2.0``."""
    return f"{distribution(root)}-{version(root)}"


def zip_name(root=ROOT):
    """``backprop-course-student.zip``: no version in the name, so the book's link to it stays put."""
    return f"{distribution(root)}-student.zip"


def book_url(root=ROOT):
    """The book's public address, ``html.baseurl`` in ``_config.yml``, without a trailing slash."""
    import yaml  # PyYAML comes with jupyter-book: the instructor's environment has it

    with open(Path(root) / "_config.yml", encoding="utf-8") as f:
        config = yaml.safe_load(f)
    url = (config.get("html") or {}).get("baseurl")
    if not url:
        raise ValueError("_config.yml sets no html.baseurl: the book's public address is needed")
    return url.rstrip("/")


def chapter_ids(root=ROOT):
    """The released chapters: folders of ``chapters/`` holding a notebook of the same name."""
    release = Path(root) / "chapters"
    return sorted(p.name for p in release.iterdir() if (p / f"{p.name}.ipynb").is_file())


# -- one released notebook ------------------------------------------------------
def prepare_release_notebook(nb, url=None):
    """Make a released student notebook run anywhere; returns ``nb``, changed in place.

    * Every answer cell (nbgrader ``solution``) and test cell (nbgrader ``grade``)
      that holds code gets the tag ``raises-exception``: "Run All" in JupyterLab
      or nbclient then goes on past an unsolved exercise, whose cells show their
      error, and the demonstrations after it run on the reference. The graded
      run is unaffected (nbgrader runs every cell and records errors anyway).
    * An answer cell whose instructor version carries ``metadata["course"]["student_source"]``
      (code the student repairs rather than writes) gets that code in place of nbgrader's
      stub. The field is dropped, so that the release holds the instructor's code nowhere,
      and so is the tag ``skip-execution``: the code runs, in the book and in "Run All",
      like a demonstration.
    * The first code cell's ``BOOK_URL = os.environ.get("BACKPROP_BOOK_URL", "...")``
      gets the book's address (``url``, by default ``html.baseurl`` of
      ``_config.yml``), from which that cell installs the course's wheel.
      A notebook without that line raises ``ValueError``.

    ``nb`` is an ``nbformat`` notebook or the same structure as plain dicts.
    Calling it twice changes nothing more.
    """
    url = (url or book_url()).rstrip("/")
    cells = nb["cells"]
    for cell in cells:
        _give_student_source(cell)
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and (grading.get("solution") or grading.get("grade")):
            tags = cell["metadata"].setdefault("tags", [])
            if RAISES not in tags:
                tags.append(RAISES)

    first = next((c for c in cells if c["cell_type"] == "code"), None)
    source = _text(first["source"]) if first is not None else ""
    stamped, n = _BOOK_URL_LINE.subn(lambda m: f'{m.group(1)}"{url}"', source)
    if n != 1:
        raise ValueError(
            "the first code cell must set the book's address once, as "
            '`BOOK_URL = os.environ.get("BACKPROP_BOOK_URL", "...")` (see CONTRIBUTING.md); '
            f"found it {n} times"
        )
    if stamped != source:
        first["source"] = stamped
        _refresh_checksum(first)
    return nb


def student_source(cell):
    """The code a student receives in this instructor's answer cell instead of the stub, or None."""
    extra = cell.get("metadata", {}).get("course")
    if cell.get("cell_type") != "code" or not isinstance(extra, dict) or STUDENT_SOURCE not in extra:
        return None
    return _text(extra[STUDENT_SOURCE])


def _give_student_source(cell):
    text = student_source(cell)
    if text is None:
        return
    meta = cell["metadata"]
    del meta["course"][STUDENT_SOURCE]
    if not meta["course"]:
        del meta["course"]
    if "skip-execution" in meta.get("tags", []):
        meta["tags"].remove("skip-execution")
    cell["source"] = text
    _refresh_checksum(cell)


def _text(source):
    return source if isinstance(source, str) else "".join(source)


def _refresh_checksum(cell):
    """Keep nbgrader's checksum of a changed locked cell consistent with its new source."""
    grading = cell.get("metadata", {}).get("nbgrader", {})
    if "checksum" not in grading:
        return
    import nbformat
    from nbgrader.utils import compute_checksum

    cell_node = nbformat.from_dict(dict(cell, source=_text(cell["source"])))
    grading["checksum"] = compute_checksum(cell_node)


def _prepare_file(src, dst, url):
    with open(src, encoding="utf-8") as f:
        nb = json.load(f)
    prepare_release_notebook(nb, url)
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


# -- the wheel --------------------------------------------------------------------
def build_wheel(root=ROOT, out=None):
    """Build the student wheel into the folder ``out``; returns its path.

    The build runs on a clean copy of ``pyproject.toml``, ``README.md``, ``mlp/``
    and ``checks/``, so nothing else of the repository (and no stale ``build/``
    folder) can end up in it; the wheel is then checked to hold those two
    packages only.
    """
    root = Path(root).resolve()
    out = Path(out or root / "dist").resolve()
    out.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*")
    with tempfile.TemporaryDirectory(prefix="backprop-wheel-") as tmp:
        src, dest = Path(tmp) / "src", Path(tmp) / "wheel"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, src / name)
        for package in ("mlp", "checks"):
            shutil.copytree(root / package, src / package, ignore=ignore)
        run = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dest), str(src)],
            capture_output=True, text=True,
        )
        if run.returncode != 0:
            raise RuntimeError("pip wheel failed:\n" + run.stdout + run.stderr)
        built = dest / wheel_name(root)
        if not built.is_file():
            raise RuntimeError(f"pip wheel made {sorted(p.name for p in dest.iterdir())}, not {built.name}")
        _check_wheel(built)
        target = out / built.name
        shutil.copy2(built, target)
    return target


def _check_wheel(path):
    with zipfile.ZipFile(path) as whl:
        tops = {name.split("/", 1)[0] for name in whl.namelist()}
    extra = {t for t in tops if t not in ("mlp", "checks") and not t.endswith(".dist-info")}
    if extra:
        raise RuntimeError(f"{path.name} holds {sorted(extra)}: the student wheel is mlp and checks only")


# -- the bundle ---------------------------------------------------------------------
def build_bundle(root=ROOT, out=None):
    """Write the student bundle into the folder ``out`` (default ``dist/student``); returns it.

    The folder gets the released chapter notebooks (each passed through
    ``prepare_release_notebook``), the wheel and a README. An existing ``out``
    is replaced only if it is empty or a previous bundle.
    """
    root = Path(root).resolve()
    out = Path(out or root / "dist" / "student").resolve()
    if out == root or out in root.parents:
        raise ValueError(f"refusing to write the bundle over {out}")
    if out.exists() and any(out.iterdir()):
        if not (out / "README.md").is_file() or not (out / wheel_name(root)).is_file():
            raise ValueError(f"{out} is neither empty nor a student bundle: not replacing it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)

    url = book_url(root)
    for chapter in chapter_ids(root):
        _prepare_file(root / "chapters" / chapter / f"{chapter}.ipynb", out / f"{chapter}.ipynb", url)
    build_wheel(root, out)
    (out / "README.md").write_text(_README.format(book=url + "/", wheel=wheel_name(root)), encoding="utf-8")
    _refuse_leaks(out)
    return out


def _refuse_leaks(bundle):
    """Raise if the bundle (the wheel's contents included) holds ``course`` code or an nbgrader marker."""
    for rel, data in _files(bundle):
        parts = rel.split("/")
        if "course" in parts[:-1] or parts[-1] in ("course", "course.py"):
            raise RuntimeError(f"the bundle holds instructor code: {rel}")
        text = data.decode("utf-8", errors="replace")
        for marker in _LEAK_MARKERS:
            if marker in text:
                raise RuntimeError(f"{rel} holds {marker!r}: regenerate chapters/ (python -m course release)")


def _files(bundle):
    """(relative path, bytes) of every file of the bundle, and of every file inside its wheels."""
    for path in sorted(Path(bundle).rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(bundle).as_posix()
        yield rel, path.read_bytes()
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as whl:
                for name in whl.namelist():
                    yield f"{rel}/{name}", whl.read(name)


def zip_bundle(bundle, zip_path, root=ROOT):
    """Zip the bundle folder as ``backprop-course-0.2.0/...``; returns the zip's path."""
    bundle, zip_path = Path(bundle), Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    top = bundle_name(root)
    tmp = zip_path.with_name(zip_path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                z.write(path, f"{top}/{path.relative_to(bundle).as_posix()}")
    tmp.replace(zip_path)
    return zip_path


def build_static(root=ROOT, static=None):
    """Put the wheel and the bundle's zip into ``static`` (default ``_static/``) for the book to serve."""
    root = Path(root).resolve()
    static = Path(static or root / "_static").resolve()
    static.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backprop-bundle-") as tmp:
        bundle = build_bundle(root, Path(tmp) / "student")
        _replace(bundle / wheel_name(root), static / wheel_name(root))
        zip_bundle(bundle, static / zip_name(root), root)
    return [static / wheel_name(root), static / zip_name(root)]


def _replace(src, dst):
    tmp = dst.with_name(dst.name + ".part")
    shutil.copy2(src, tmp)
    tmp.replace(dst)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.student", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(ROOT), help="the course repository (default: this one)")
    parser.add_argument("--out", help="bundle folder (default: ROOT/dist/student); its zip is written beside it")
    parser.add_argument("--static", metavar="DIR",
                        help="instead, write only the wheel and the bundle's zip into DIR (the book's _static/)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if args.static:
        for path in build_static(root, args.static):
            print(f"{path}  ({path.stat().st_size / 1024:.0f} KiB)")
        return 0
    bundle = build_bundle(root, args.out)
    archive = zip_bundle(bundle, bundle.parent / zip_name(root), root)
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    print(f"{bundle}/  ({len(list(bundle.iterdir()))} files, {size / 1024:.0f} KiB)")
    print(f"{archive}  ({archive.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
