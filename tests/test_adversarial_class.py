"""The adversarial suite, graded as a class: every attack in one run of ``python -m course grade``.

Two honest students (one right, one with a common mistake) are graded twice:
alone, and in a class full of attackers.  Each attack is one student.  For
every attack the tests assert that

- it earned no point it did not deserve;
- the honest students' grades and feedback are byte-identical to the run
  without attackers;
- the gradebook is intact (SQLite's integrity check, one row per collected
  submission, no student or grade that was not graded);
- the course folder and this repository are unchanged;
- no process it started is left behind;
- the run finished and wrote its export.

Attacks that need minutes in a real class (sleeps, a cell per time limit)
run with the limits scaled down through the instructor's own options
(``--timeout``, ``--notebook-timeout``, ``--memory``).
"""

import csv
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from notebook_cells import ROOT, grade_id

pytestmark = pytest.mark.slow

CHAPTER = "ch1_chain_rule"
SOLUTION = json.loads((ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb").read_text())
RELEASE = json.loads((ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb").read_text())
MARK = "ADVMARK7731"  # in the command line of every process an attack starts
LIMITS = ["--timeout", "3", "--notebook-timeout", "12", "--memory", "512"]
HONEST = ("alice", "bob")
EXERCISES = [grade_id(c) for c in SOLUTION["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c["cell_type"] == "code"]
POINTS = {grade_id(c): c["metadata"]["nbgrader"]["points"] for c in SOLUTION["cells"]
          if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
TOTAL = sum(POINTS.values())

# Wrong answers to every exercise, which an attack then tries to make pass.
WRONG = """
import numpy as np
def sigmoid_grad(z):
    return np.zeros_like(np.asarray(z, dtype=float))
def mse_grad(pred, target):
    return np.zeros_like(np.asarray(pred, dtype=float))
def chain_grads(x, y, ws, bs):
    return [0.0] * len(ws), [0.0] * len(bs)
def two_path_grad(x, y, w):
    return 0.0
def central_difference(f, x, eps=1e-5):
    return np.zeros(np.shape(x))
"""

# Looks for the course's files from inside the sandbox: relative paths, the
# places a course usually lives, and a bounded walk of the whole file system.
HUNT = r"""
import os, time
def hunt(name, deadline=2.0):
    found, start = [], time.monotonic()
    for rel in ("..", "../..", "../../..", "../../../..", "/work/main", os.path.expanduser("~")):
        for root, dirs, files in os.walk(rel):
            if time.monotonic() - start > deadline:
                return found
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", ".git", "node_modules")]
            if name in files or name in dirs:
                found.append(os.path.join(root, name))
    for root, dirs, files in os.walk("/"):
        if time.monotonic() - start > deadline:
            break
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr")]
        if name in files or name in dirs:
            found.append(os.path.join(root, name))
    return found
"""

ATTACKS = {
    # -- student code with the grader's rights ------------------------------------
    "readsolutions": HUNT + """
for path in hunt("ch1_chain_rule.ipynb", 1.5):
    if "solutions" in path:
        import json
        for cell in json.load(open(path))["cells"]:
            if "BEGIN SOLUTION" in "".join(cell["source"]):
                exec("".join(cell["source"]))
if os.environ.get("NBGRADER_EXECUTION"):
    exec(open("../../../solutions/ch1_chain_rule/ch1_chain_rule.ipynb").read())
""",
    "copiesclassmate": HUNT + """
import json
for path in hunt("ch1_chain_rule.ipynb", 1.5):
    if "alice" in path or "submitted" in path:
        for cell in json.load(open(path))["cells"]:
            if cell["cell_type"] == "code" and "def " in "".join(cell["source"]):
                exec("".join(cell["source"]))
""",
    "rewritesgradebook": HUNT + """
import sqlite3
for path in hunt("gradebook.db", 1.5):
    con = sqlite3.connect(path)
    con.execute("update grade set auto_score = 0")
    con.execute("update grade set manual_score = 99 where id in (select id from grade limit 3)")
    con.execute("insert into student (id) values ('ghost')")
    con.commit()
""",
    "editsfeedback": HUNT + """
for path in hunt("feedback", 1.5):
    for root, dirs, files in os.walk(path):
        for f in files:
            open(os.path.join(root, f), "w").write("<h1>you failed</h1>")
""",
    "rewritescourse": f"""
import os, checks
for d in [os.path.dirname(checks.__file__), {str(ROOT / 'checks')!r}, {str(ROOT / 'course')!r},
          {str(ROOT / 'mlp')!r}, {str(ROOT / 'course' / 'hidden')!r}]:
    for name in ("core.py", "__init__.py", "ch1_chain_rule.py", "{MARK}.py"):
        try:
            open(os.path.join(d, name), "a").write("\\nraise SystemExit('pwned')\\n")
        except OSError:
            pass
""" + WRONG,
    "killsgrader": """
o = __import__('o' + 's')
for sig in (15, 9):
    for pid in (o.getppid(), 1, -1):
        try:
            o.kill(pid, sig)
        except Exception:
            pass
""",
    "leavesprocess": f"""
import subprocess, sys, os
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)  # {MARK}"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)  # {MARK}"])
    os._exit(0)
""",
    # -- in-kernel defences ---------------------------------------------------
    "patchesnumpy": WRONG + """
vars(np).update(abs=np.zeros_like, allclose=lambda *a, **k: True, isclose=lambda a, b, **k: np.ones_like(a, bool))
np.testing.assert_allclose = lambda *a, **k: None
""",
    "noopreload": WRONG + """
import importlib
importlib.reload = lambda m: m
""",
    "metapathchecks": WRONG + """
import sys, types, importlib.abc, importlib.machinery
class _Fake(importlib.abc.Loader):
    def create_module(self, spec):
        m = types.ModuleType(spec.name)
        m.__getattr__ = lambda name: (lambda *a, **k: None)
        m.__path__ = []
        return m
    def exec_module(self, module):
        pass
class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.startswith(("checks", "course")):
            return importlib.machinery.ModuleSpec(name, _Fake(), is_package=True)
sys.meta_path.insert(0, _Finder())
for k in [k for k in sys.modules if k.startswith(("checks", "course"))]:
    del sys.modules[k]
""",
    "replacescheckmodule": WRONG + """
import sys, types
fake = types.ModuleType("checks.ch1_chain_rule")
fake.__getattr__ = lambda name: (lambda *a, **k: None)
sys.modules["checks.ch1_chain_rule"] = fake
import checks
vars(checks)["ch1_chain_rule"] = fake
check = fake
""",
    "setprofilenone": """
import sys, threading
sys.setprofile(None)
threading.setprofile(None)
import mlp
def sigmoid_grad(z):
    return mlp.layers.Sigmoid().backward_from(z)
""",
    "referencethread": """
import threading, numpy as np
def sigmoid_grad(z):
    out = []
    def work():
        import mlp
        s = mlp.layers.Sigmoid()
        a = s.forward(np.asarray(z, float))
        out.append(s.backward(np.ones_like(a)))
    t = threading.Thread(target=work); t.start(); t.join()
    return out[0]
""",
    "lazyarray": """
import numpy as np
class Lazy:
    def __init__(self, z):
        self.z = z
    def __array__(self, dtype=None, copy=None):
        import mlp
        s = mlp.layers.Sigmoid()
        a = s.forward(np.asarray(self.z, float))
        return s.backward(np.ones_like(a))
def sigmoid_grad(z):
    return Lazy(z)
""",
    "mlpcopy": HUNT + """
import importlib.util, sys
for path in hunt("layers.py", 1.5):
    spec = importlib.util.spec_from_file_location("notmlp_layers", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    S = mod.Sigmoid
    def sigmoid_grad(z, S=S):
        s = S(); a = s.forward(np.asarray(z, float)); return s.backward(np.ones_like(a))
""",
    "inspectexec": """
import inspect, mlp
src = inspect.getsource(mlp.layers)
ns = {}
exec(src, ns)
def sigmoid_grad(z):
    s = ns["Sigmoid"](); a = s.forward(np.asarray(z, float)); return s.backward(np.ones_like(a))
""",
    "patchesreference": WRONG + """
import mlp
for mod in list(vars(mlp).values()):
    for name in dir(mod):
        obj = getattr(mod, name, None)
        if isinstance(obj, type):
            for meth in ("forward", "backward", "__call__"):
                if hasattr(obj, meth):
                    setattr(obj, meth, lambda self, *a, **k: 0.0)
""",
    "customexc": WRONG + """
ip = get_ipython()
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
""",
    "replacesbool": WRONG + """
import builtins, time
class Slow:
    def __call__(self, x=False):
        time.sleep(3600)
builtins.bool = Slow()
builtins.isinstance = lambda *a: time.sleep(3600)
""",
    # -- limits ---------------------------------------------------------------
    "sleepycells": ["import time\ntime.sleep(2.8)\n"] * 20,
    "bigline": "print('x' * 50_000_000)\n" + WRONG,
    "forkbomb": f"""
import os
# {MARK}
for _ in range(10_000):
    try:
        os.fork()
    except OSError:
        break
""",
    "memorybomb": "blocks = []\nwhile True:\n    blocks.append(bytearray(100 * 2**20))\n",
    "fillstmp": "with open('/tmp/big', 'wb') as f:\n    for _ in range(4096):\n        f.write(b'x' * 2**20)\n",
    "ignoressignals": f"""
import signal, time
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
time.sleep(3600)  # {MARK}
""",
    "hugeresult": "import numpy as np\ndef sigmoid_grad(z):\n    return np.zeros(200_000_000)\n",
    "deepresult": "def two_path_grad(x, y, w):\n    v = []\n    for _ in range(100_000):\n        v = [v]\n    return v\n",
    "alwaysequal": """
class Yes(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return False
    def __abs__(self): return Yes(0.0)
    def __sub__(self, other): return Yes(0.0)
    __rsub__ = __sub__
def two_path_grad(x, y, w):
    return Yes(1.0)
def central_difference(f, x, eps=1e-5):
    return Yes(1.0)
""",
    "network": "",  # filled in by the fixture: connects to the test's listener
    "exfiltrates": """
import numpy as np
def sigmoid_grad(z):
    raise ValueError("EXFIL" + repr(np.asarray(z).tolist()) + "9" * 5000)
""",
}

STRUCTURAL = ("metadatastring", "nocelltype", "intsource", "folder", "fifo", "symlinkpasswd",
              "symlinkclassmate", "hugefile")
CARELESS = ("olderabove", "rewrittenelsewhere", "testabove")


def _release_with(sources):
    nb = json.loads(json.dumps(RELEASE))
    for k, src in enumerate([sources] if isinstance(sources, str) else sources):
        nb["cells"].append({"cell_type": "code", "id": f"attack{k:03d}", "metadata": {}, "outputs": [],
                            "execution_count": None, "source": src})
    return nb


def _solution_with(answers):
    nb = json.loads(json.dumps(SOLUTION))
    for cell in nb["cells"]:
        if grade_id(cell) in answers:
            cell["source"] = answers[grade_id(cell)]
    return nb


def _write(inbox, student, payload):
    path = inbox / student / f"{CHAPTER}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return path


def _honest(inbox):
    _write(inbox, "alice", SOLUTION)
    _write(inbox, "bob", _solution_with({"mse_grad": (
        "def mse_grad(pred, target):\n    return 2.0 * (np.asarray(pred, float) - target)\n")}))


def _structural(inbox, course):
    nb = json.loads(json.dumps(SOLUTION))
    nb["cells"][3]["metadata"]["nbgrader"] = "solution"
    _write(inbox, "metadatastring", nb)
    nb = json.loads(json.dumps(SOLUTION))
    del nb["cells"][2]["cell_type"]
    _write(inbox, "nocelltype", nb)
    nb = json.loads(json.dumps(SOLUTION))
    next(c for c in nb["cells"] if c["cell_type"] == "code")["source"] = 12345
    _write(inbox, "intsource", nb)
    (inbox / "folder" / f"{CHAPTER}.ipynb").mkdir(parents=True)
    (inbox / "fifo").mkdir()
    os.mkfifo(inbox / "fifo" / f"{CHAPTER}.ipynb")
    (inbox / "symlinkpasswd").mkdir()
    (inbox / "symlinkpasswd" / f"{CHAPTER}.ipynb").symlink_to("/etc/passwd")
    (inbox / "symlinkclassmate").mkdir()
    (inbox / "symlinkclassmate" / f"{CHAPTER}.ipynb").symlink_to(inbox / "alice" / f"{CHAPTER}.ipynb")
    big = json.loads(json.dumps(SOLUTION))  # 200 MB of valid JSON: refused at collect, before parsing
    big["cells"].append({"cell_type": "markdown", "id": "big00001", "metadata": {}, "source": "x" * (200 * 2**20)})
    _write(inbox, "hugefile", big)


def _careless(inbox):
    answer = "".join(next(c["source"] for c in SOLUTION["cells"] if grade_id(c) == "sigmoid_grad"))
    # An older, wrong copy of the answer cell above the latest, right one.
    nb = json.loads(json.dumps(SOLUTION))
    i = next(k for k, c in enumerate(nb["cells"]) if grade_id(c) == "sigmoid_grad")
    older = json.loads(json.dumps(nb["cells"][i]))
    older["id"], older["source"] = "older001", "def sigmoid_grad(z):\n    return z * (1 - z)\n"
    nb["cells"].insert(i, older)
    _write(inbox, "olderabove", nb)
    # The answer cell deleted, the answer written again in a new cell further down.
    nb = json.loads(json.dumps(SOLUTION))
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != "sigmoid_grad"]
    nb["cells"].append({"cell_type": "code", "id": "rewrite1", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": answer})
    _write(inbox, "rewrittenelsewhere", nb)
    # The test cell moved above its answer.
    nb = json.loads(json.dumps(SOLUTION))
    t = next(k for k, c in enumerate(nb["cells"]) if grade_id(c) == "test_sigmoid_grad")
    test = nb["cells"].pop(t)
    a = next(k for k, c in enumerate(nb["cells"]) if grade_id(c) == "sigmoid_grad")
    nb["cells"].insert(a, test)
    _write(inbox, "testabove", nb)


def _tree_digest(root, skip=()):
    """{relative path: sha256} of every file under root, outside the ``skip`` folders."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and str(rel / d) not in skip]
        for name in filenames:
            p = Path(dirpath, name)
            if str(rel / name) not in skip and p.is_file() and not p.is_symlink():
                out[str(rel / name)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _repo_digest():
    return {part: _tree_digest(ROOT / part) for part in ("mlp", "checks", "course", "solutions")}


def _grade(course, inbox, *extra, report="report.json"):
    cmd = [sys.executable, "-m", "course", "grade", str(inbox), "--root", str(course), *LIMITS,
           "--report", str(course / report), "--no-progress", *extra]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1500)


def _new_course(tmp):
    course = tmp / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    return course


def _marked_processes():
    hits = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if MARK in cmd and "pytest" not in cmd:
            hits.append(f"{pid}: {cmd[:120]}")
    return hits


class _Listener:
    """A loopback TCP server that records whether anything connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections, self._stop = 0, False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    # The honest class alone.
    base = _new_course(tmp_path_factory.mktemp("honest"))
    _honest(base / "inbox")
    first = _grade(base, base / "inbox")
    assert first.returncode == 0, first.stderr[-3000:]

    # The same honest students in a class of attackers.
    course = _new_course(tmp_path_factory.mktemp("attacked"))
    inbox = course / "inbox"
    _honest(inbox)
    listener = _Listener()
    attacks = dict(ATTACKS, network=(
        "import socket\nfor host in ('127.0.0.1', 'localhost', '10.0.2.2'):\n    try:\n"
        f"        socket.create_connection((host, {listener.port}), timeout=1).send(b'hi')\n"
        "    except OSError:\n        pass\n" + WRONG))
    for name, source in attacks.items():
        _write(inbox, name, _release_with(source))
    _structural(inbox, course)
    _careless(inbox)
    _write(inbox, "regrader", SOLUTION)
    _write(inbox, "resubmitter", SOLUTION)
    course_before = _tree_digest(course, skip=("inbox",))
    repo_before = _repo_digest()
    second = _grade(course, inbox)
    # A failed regrade: the regrader's next file is broken.
    inbox2 = course / "inbox2"
    _write(inbox2, "regrader", '{"cells": [ not json')
    too_many = json.loads(json.dumps(SOLUTION))  # refused at collect: more than 1,000 cells
    too_many["cells"] += [{"cell_type": "markdown", "id": f"m{k:07d}", "metadata": {}, "source": "."}
                          for k in range(1000)]
    _write(inbox2, "resubmitter", too_many)
    third = _grade(course, inbox2, "-s", "regrader", "-s", "resubmitter", report="report2.json")
    listener.close()
    return {"base": base, "course": course, "first": first, "second": second, "third": third,
            "course_before": course_before, "repo_before": repo_before,
            "connections": listener.connections}


def _report(course):
    return {(o["student"], o["chapter"]): o for o in json.loads((course / "report.json").read_text())}


def _cell_scores(course, student):
    with sqlite3.connect(course / "gradebook.db") as con:
        rows = con.execute(
            "select base_cell.name, grade.auto_score, grade.manual_score from grade "
            "join base_cell on grade.cell_id = base_cell.id "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
            "where submitted_assignment.student_id = ?", (student,)).fetchall()
    return {name: (auto, manual) for name, auto, manual in rows}


def _total_score(course, student):
    return sum((manual if manual is not None else auto or 0) for auto, manual in _cell_scores(course, student).values())


def _feedback_bytes(course, student):
    path = course / "feedback" / student / CHAPTER / f"{CHAPTER}.html"
    return path.read_bytes() if path.exists() else None


def _csv_rows(course):
    with open(course / "grades.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _assert_class_is_safe(runs):
    """What every attack must leave true (see the module's docstring)."""
    base, course = runs["base"], runs["course"]
    assert runs["second"].returncode == 0, runs["second"].stderr[-3000:]
    # The honest students: byte-identical grades and feedback.
    for student in HONEST:
        assert _cell_scores(course, student) == _cell_scores(base, student), student
        assert _feedback_bytes(course, student) == _feedback_bytes(base, student), student
        assert (course / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb").read_bytes() == \
            (course / "inbox" / student / f"{CHAPTER}.ipynb").read_bytes()
    # The gradebook: intact, one submission per collected student, nothing more.
    with sqlite3.connect(course / "gradebook.db") as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        students = {r[0] for r in con.execute("select student_id from submitted_assignment")}
        assert "ghost" not in {r[0] for r in con.execute("select id from student")}
        bad = con.execute("select count(*) from grade join grade_cells on grade.cell_id = grade_cells.id "
                          "where coalesce(manual_score, auto_score, 0) > grade_cells.max_score "
                          "or coalesce(manual_score, auto_score, 0) < 0").fetchone()[0]
        assert bad == 0
    collected = {p.name for p in (course / "submitted").iterdir()}
    graded = {o["student"] for o in _report(course).values() if o["status"] == "graded"}
    assert graded <= students <= collected
    # The course folder and the repository: unchanged, apart from what grading writes.
    after = _tree_digest(course, skip=("inbox",))
    grader_outputs = ("submitted/", "autograded/", "feedback/", "chapters/", "gradebook.db", "grades.csv",
                      "report.json", "report2.json", "inbox2", "grades_")
    assert {k: v for k, v in after.items() if not k.startswith(grader_outputs)} == runs["course_before"]
    assert _repo_digest() == runs["repo_before"]
    assert not any(MARK in p.name for p in ROOT.rglob(f"*{MARK}*"))
    # No process of an attack lives on; the export was written.
    assert _marked_processes() == []
    assert (course / "grades.csv").exists() and "grades written to" in runs["second"].stdout


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_earns_nothing_and_touches_no_one(runs, attack):
    _assert_class_is_safe(runs)
    outcome = _report(runs["course"]).get((attack, CHAPTER))
    assert outcome is not None, f"{attack} has no outcome at all"
    assert outcome["status"] in ("graded", "failed")
    assert _total_score(runs["course"], attack) == 0, (_cell_scores(runs["course"], attack), outcome["notes"])
    rows = [r for r in _csv_rows(runs["course"]) if r["student_id"] == attack]
    assert len(rows) <= 1 and all(float(r["score"] or 0) == 0 for r in rows)


@pytest.mark.parametrize("attack", STRUCTURAL)
def test_a_broken_file_is_reported_and_the_class_goes_on(runs, attack):
    _assert_class_is_safe(runs)
    outcome = _report(runs["course"]).get((attack, CHAPTER))
    assert outcome is not None and outcome["status"] in ("failed", "skipped"), outcome
    assert outcome["notes"], "a broken submission needs a reason"
    assert not (runs["course"] / "submitted" / attack / CHAPTER / f"{CHAPTER}.ipynb").is_symlink()
    copied = runs["course"] / "submitted" / attack / CHAPTER / f"{CHAPTER}.ipynb"
    if copied.exists():
        assert b"root:" not in copied.read_bytes()


@pytest.mark.parametrize("student", CARELESS)
def test_careless_edits_grade_the_latest_answer_and_say_so(runs, student):
    _assert_class_is_safe(runs)
    outcome = _report(runs["course"])[(student, CHAPTER)]
    assert outcome["status"] == "graded" and outcome["score"] == TOTAL, outcome
    words = {"olderabove": "older copy", "rewrittenelsewhere": "had been deleted", "testabove": "above its answer"}
    assert any(words[student] in n for n in outcome["notes"]), outcome["notes"]
    feedback = _feedback_bytes(runs["course"], student).decode()
    assert words[student] in feedback


def test_no_attack_reaches_the_network(runs):
    assert runs["connections"] == 0
    assert _total_score(runs["course"], "network") == 0


def test_code_tricks_are_flagged_in_gradebook_and_csv(runs):
    rows = {r["student_id"]: r for r in _csv_rows(runs["course"])}
    for student in ("killsgrader", "metapathchecks", "inspectexec", "leavesprocess", "referencethread"):
        assert rows[student]["flags"], f"{student} is not flagged in the CSV"
    assert not rows["alice"]["flags"]
    with sqlite3.connect(runs["course"] / "gradebook.db") as con:
        flagged = {r[0] for r in con.execute(
            "select submitted_assignment.student_id from submitted_notebook join submitted_assignment "
            "on submitted_notebook.assignment_id = submitted_assignment.id where submitted_notebook.flagged")}
        recorded = {r[0] for r in con.execute("select student from course_grading where flags != '[]'")}
    assert {"killsgrader", "metapathchecks", "inspectexec"} <= flagged & recorded
    assert "alice" not in flagged | recorded


@pytest.mark.parametrize("student, why", [("regrader", "not valid JSON"), ("resubmitter", "at most 1000")])
def test_a_failed_regrade_is_marked_stale_not_shown_as_current(runs, student, why):
    assert runs["third"].returncode == 0, runs["third"].stderr[-2000:]
    rows = [r for r in _csv_rows(runs["course"]) if r["student_id"] == student]
    assert len(rows) == 1 and rows[0]["status"].startswith("stale"), rows
    assert float(rows[0]["score"]) == TOTAL  # the score kept, marked stale
    with sqlite3.connect(runs["course"] / "gradebook.db") as con:
        status, notes = con.execute("select status, notes from course_grading where student = ?",
                                    (student,)).fetchone()
    assert status == "failed" and why in notes
    page = _feedback_bytes(runs["course"], student).decode()
    assert "could not be graded" in page and why in page and "that grade stands" in page
    assert (runs["course"] / "feedback" / student / CHAPTER / f"{CHAPTER}.previous.html").exists()
    assert _cell_scores(runs["course"], "alice") == _cell_scores(runs["base"], "alice")


def test_the_honest_students_are_graded_right(runs):
    assert _total_score(runs["base"], "alice") == TOTAL
    assert _total_score(runs["base"], "bob") == TOTAL - POINTS["test_mse_grad"]


def test_an_error_message_cannot_carry_the_hidden_inputs_out(runs):
    page = _feedback_bytes(runs["course"], "exfiltrates").decode()
    assert "EXFIL" in page  # the student does see that their function raised
    assert "9" * 400 not in page
