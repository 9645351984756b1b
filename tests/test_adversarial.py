"""Attacks a clever student could try, graded through the sandbox (``course.judge``).

Each attack is chapter 1's blank release plus the attack's code in a cell of
the student's own; none may earn a point, and none may touch the course folder.
"""

import json
import re
import time

import pytest

from course.judge import judge
from course.sandbox import Limits
from notebook_cells import ROOT

CHAPTER = "ch1_chain_rule"
SOURCE = json.loads((ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb").read_text())
RELEASE = json.loads((ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb").read_text())
SOLUTION_CODE = "".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                        for c in SOURCE["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution"))

ATTACKS = {
    "reads the solutions": f"exec(open({str(ROOT / 'solutions' / CHAPTER / (CHAPTER + '.ipynb'))!r}).read())",
    "imports the hidden checks": "from course.hidden import ch1_chain_rule as h",
    "patches numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.abs = np.zeros_like",
    "meta_path finder": ("import sys\nclass F:\n    def find_spec(self, name, path, target=None):\n"
                         "        return None\nsys.meta_path.insert(0, F())"),
    "kills its parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
    "writes into the course": f"open({str(ROOT / 'mlp' / 'pwned.py')!r}, 'w').write('x')",
    "leaves a process behind": ("import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
                                "'import time; time.sleep(600)'])"),
    "prints 50 MB": "print('x' * 50_000_000)",
    "copies the reference by path": "import glob\nprint(glob.glob('/work/**/layers.py', recursive=True))",
}


def _with_cell(source):
    nb = json.loads(json.dumps(RELEASE))
    nb["cells"].append({"cell_type": "code", "id": "attack01", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": source})
    return nb


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_no_point_and_leaves_the_course_alone(name):
    before = sorted(p.name for p in (ROOT / "mlp").iterdir())
    result = judge(_with_cell(ATTACKS[name]), SOURCE, CHAPTER, limits=Limits(call_seconds=10, notebook_seconds=60))
    assert [v.grade_id for v in result.verdicts if v.passed] == [], result.notes
    assert sorted(p.name for p in (ROOT / "mlp").iterdir()) == before


def test_a_correct_answer_survives_an_attack_in_another_cell():
    nb = json.loads(json.dumps(SOURCE))
    nb["cells"].append({"cell_type": "code", "id": "attack02", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": ATTACKS["kills its parent"]})
    result = judge(nb, SOURCE, CHAPTER, limits=Limits(call_seconds=10, notebook_seconds=60))
    assert all(v.passed for v in result.verdicts), [(v.grade_id, v.evalue) for v in result.verdicts]


def test_no_process_is_left_behind():
    judge(_with_cell(ATTACKS["leaves a process behind"]), SOURCE, CHAPTER,
          limits=Limits(call_seconds=10, notebook_seconds=60))
    time.sleep(0.5)
    import subprocess

    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert not re.search(r"time\.sleep\(600\)", ps), "a process of the sandbox outlived it"


def test_an_answer_that_yields_is_graded_like_one_that_returns_a_list():
    from course.pipeline import _allowed_modules

    chapter = "ch5_training"
    source = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    nb = json.loads(json.dumps(source))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "minibatches":
            cell["source"] = ("def minibatches(X, y, batch_size, rng):\n"
                              "    order = rng.permutation(len(X))\n"
                              "    for start in range(0, len(X), batch_size):\n"
                              "        idx = order[start:start + batch_size]\n"
                              "        yield X[idx], y[idx]\n")
    result = judge(nb, source, chapter, allowed=_allowed_modules(chapter),
                   limits=Limits(call_seconds=30, notebook_seconds=120))
    verdicts = {v.grade_id: v for v in result.verdicts}
    assert verdicts["test_minibatches"].passed, verdicts["test_minibatches"].evalue


def test_switching_off_the_guard_does_not_reach_the_reference_vjps():
    # Chapter 3 lets answers build on the reference `unbroadcast`. The sandbox holds no code of
    # mlp.vjps: the grader lends that one function during the calls that may use it, so a
    # notebook that switches off the in-process guard still finds nothing to call.
    from course.pipeline import _allowed_modules

    chapter = "ch3_vjps"
    source = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    release = json.loads((ROOT / "chapters" / chapter / f"{chapter}.ipynb").read_text())
    nb = json.loads(json.dumps(release))
    nb["cells"].append({"cell_type": "code", "id": "attack03", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": (
        "import sys, threading, numpy as np\n"
        "def _ref(name, k):\n"
        "    sys.setprofile(None); threading.setprofile(None)\n"
        "    import mlp.vjps as V\n"
        "    return V.vjp(name, k)\n"
        "def vjp_exp(g, x):\n    return _ref('exp', 0)(g, np.exp(x), x)\n"
        "def vjp_log(g, x):\n    return _ref('log', 0)(g, np.log(x), x)\n"
        "def vjp_mul(g, x, y):\n    return _ref('mul', 0)(g, x * y, x, y), _ref('mul', 1)(g, x * y, x, y)\n"
        "def unbroadcast(g, shape):\n"
        "    sys.setprofile(None)\n"
        "    import mlp.vjps as V\n"
        "    return V.unbroadcast(g, shape)\n")})
    result = judge(nb, source, chapter, allowed=_allowed_modules(chapter),
                   limits=Limits(call_seconds=10, notebook_seconds=60))
    assert [v.grade_id for v in result.verdicts if v.passed] == [], result.notes
    full = judge(source, source, chapter, allowed=_allowed_modules(chapter),
                 limits=Limits(call_seconds=10, notebook_seconds=60))
    assert all(v.passed for v in full.verdicts), [(v.grade_id, v.evalue) for v in full.verdicts if not v.passed]


def _blog_fixes():
    """The five fixed functions of chapter 5's bug hunt, without the class (a student's own cell)."""
    source = json.loads((ROOT / "solutions" / "ch5_training" / "ch5_training.ipynb").read_text())
    [cell] = [c for c in source["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "blog_net"]
    text = "".join(cell["source"])
    return text[text.index("def relu(z)"):text.index("class BlogNet")]


@pytest.mark.parametrize("how", ["cell above, release untouched", "release cell deleted"])
def test_bug_hunt_fixes_in_a_cell_of_ones_own_are_graded(how, tmp_path):
    # The released bug-hunt cell holds the blog's code, not a stub. Left as released (or deleted
    # and restored from the release), it runs first, like a stub: fixes the student wrote in a
    # cell of their own, wherever it stands, are the ones graded.
    from course.pipeline import _allowed_modules
    from course.submissions import inspect_and_repair

    chapter = "ch5_training"
    source = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    release_path = ROOT / "chapters" / chapter / f"{chapter}.ipynb"
    nb = json.loads(release_path.read_text())
    at = next(i for i, c in enumerate(nb["cells"])
              if c["metadata"].get("nbgrader", {}).get("grade_id") == "blog_net")
    own = {"cell_type": "code", "id": "myfixes1", "metadata": {}, "outputs": [], "execution_count": None,
           "source": _blog_fixes()}
    nb["cells"].insert(at, own)
    if how == "release cell deleted":
        del nb["cells"][at + 1]
        path = tmp_path / f"{chapter}.ipynb"
        path.write_text(json.dumps(nb))
        found = inspect_and_repair(path, release_path)
        assert any("`blog_net` had been deleted" in n for n in found.notes)
        nb = json.loads(path.read_text())
    result = judge(nb, source, chapter, allowed=_allowed_modules(chapter),
                   limits=Limits(call_seconds=30, notebook_seconds=120))
    verdicts = {v.grade_id: v for v in result.verdicts}
    for k in range(1, 5):
        assert verdicts[f"test_blog_net_{k}"].passed, verdicts[f"test_blog_net_{k}"].evalue
    assert not verdicts["test_gradient_check"].passed  # still the stub
    assert any("ran before your other cells" in n for n in result.notes), result.notes


def test_the_bug_hunt_released_as_is_scores_nothing_and_the_solution_everything():
    from course.pipeline import _allowed_modules

    chapter = "ch5_training"
    source = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    release = json.loads((ROOT / "chapters" / chapter / f"{chapter}.ipynb").read_text())
    limits = Limits(call_seconds=30, notebook_seconds=120)
    blank = judge(release, source, chapter, allowed=_allowed_modules(chapter), limits=limits)
    assert [v.grade_id for v in blank.verdicts if v.passed] == []
    full = judge(source, source, chapter, allowed=_allowed_modules(chapter), limits=limits)
    assert all(v.passed for v in full.verdicts), [(v.grade_id, v.evalue) for v in full.verdicts if not v.passed]


# --- a class answer (chapter 4's ReLULayer): its instance lives in the sandbox -----------------

_RELU_LAYER = '''class ReLULayer:
    def forward(self, z):
        self.mask = z > 0
        return np.maximum(z, 0)

    def backward(self, grad_out):
        return grad_out * self.mask
'''
CLASS_ANSWERS = {
    # right, with attributes that cannot cross the wall (a function, a cycle): still full marks
    "right, keeps a lambda and itself": (True, _RELU_LAYER.replace(
        "self.mask = z > 0", "self.mask = z > 0\n        self.f = lambda: 1\n        self.me = self")),
    "returns a number equal to everything": (False, '''class _Any(float):
    def __eq__(self, other):
        return True


class ReLULayer:
    def forward(self, z):
        return _Any(0)

    def backward(self, grad_out):
        return _Any(0)
'''),
    "a metaclass makes the 'instance' a function": (False, '''class M(type):
    def __call__(cls, *args, **kwargs):
        return lambda *a, **k: 0


class ReLULayer(metaclass=M):
    pass
'''),
    "kills its parent from __getattr__": (False, _RELU_LAYER + '''
    def __getattr__(self, name):
        import os
        os.kill(os.getppid(), 9)
'''),
}


@pytest.mark.parametrize("name", sorted(CLASS_ANSWERS))
def test_a_class_answer_is_graded_on_what_its_methods_return(name):
    from course.pipeline import _allowed_modules

    chapter = "ch4_layers"
    source = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    deserved, code = CLASS_ANSWERS[name]
    nb = json.loads(json.dumps(source))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "relu_layer":
            cell["source"] = code
    result = judge(nb, source, chapter, allowed=_allowed_modules(chapter),
                   limits=Limits(call_seconds=10, notebook_seconds=60))
    verdicts = {v.grade_id: v for v in result.verdicts}
    assert verdicts["test_relu_layer"].passed is deserved, verdicts["test_relu_layer"].evalue
    others = [g for g, v in verdicts.items() if g != "test_relu_layer" and not v.passed]
    assert others == [], others  # the rest of the notebook is the solution and keeps its points
