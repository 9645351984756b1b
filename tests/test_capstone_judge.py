"""The capstone graded as the instructor grades it: in the sandbox, through ``course.judge``.

The whole network is the student's, so these run the chapter end to end: the
solution earns every test, the blank release none, an answer that trains the
reference network earns nothing for it (the sandbox holds only ``mlp.data``
and ``mlp.gradcheck``), and a helper copied from an earlier chapter into a
cell of the student's own is used by the answers that call it.
"""

import json
import time

import pytest

from checks import ch8_capstone
from course.judge import judge
from course.sandbox import Limits
from notebook_cells import ROOT, grade_id

CHAPTER = "ch8_capstone"
SOURCE = json.loads((ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb").read_text())
RELEASE = json.loads((ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb").read_text())
pytestmark = pytest.mark.slow  # each test trains digit classifiers in the sandbox

LIMITS = Limits(call_seconds=30, notebook_seconds=120)
TESTS = [grade_id(c) for c in SOURCE["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def _judge(nb):
    return judge(nb, SOURCE, CHAPTER, allowed=ch8_capstone.SANDBOX_MLP, limits=LIMITS)


def _with_answers(nb, answers, extra_cell=None):
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if grade_id(cell) in answers:
            cell["source"] = answers[grade_id(cell)]
    if extra_cell is not None:  # a cell of the student's own, just after the set-up cell
        nb["cells"].insert(2, {"cell_type": "code", "id": "mine0001", "metadata": {}, "outputs": [],
                               "execution_count": None, "source": extra_cell})
    return nb


def _passed(result):
    return [v.grade_id for v in result.verdicts if v.passed]


def test_the_solution_earns_every_test_in_seconds():
    start = time.perf_counter()
    result = _judge(SOURCE)
    seconds = time.perf_counter() - start
    assert _passed(result) == TESTS, [(v.grade_id, v.evalue) for v in result.verdicts if not v.passed]
    print(f"the capstone solution graded in {seconds:.1f} s")
    assert seconds < LIMITS.notebook_seconds


def test_the_blank_release_earns_nothing():
    result = _judge(RELEASE)
    assert _passed(result) == []
    assert all("not answered yet" in v.evalue for v in result.verdicts), [v.evalue for v in result.verdicts]


def test_training_the_reference_network_earns_nothing_for_it():
    cheat = ('def fit_digits(X, y, rng):\n'
             '    net = mlp.Sequential(mlp.Linear(64, 64, rng=1), mlp.ReLU(), mlp.Linear(64, 10, rng=2))\n'
             '    losses = net.fit(X, y, loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.1),\n'
             '                     epochs=30, batch_size=32, rng=0)\n'
             '    return [{"W": l.params["W"], "b": l.params["b"]} for l in (net.layers[0], net.layers[2])], losses\n')
    result = _judge(_with_answers(SOURCE, {"fit_digits": cheat}))
    verdict = {v.grade_id: v for v in result.verdicts}
    assert _passed(result) == [t for t in TESTS if t != "test_fit_digits"]
    assert "reference implementation" in verdict["test_fit_digits"].evalue


def test_an_earlier_chapters_answer_in_a_cell_of_ones_own_is_used():
    helper = ('def softmax_cross_entropy(logits, labels):\n'
              '    """Chapter 4\'s answer, copied: mean loss and its gradient with respect to the logits."""\n'
              '    n = len(logits)\n'
              '    shifted = logits - logits.max(axis=1, keepdims=True)\n'
              '    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n'
              '    g = np.exp(log_p)\n'
              '    g[np.arange(n), labels] -= 1.0\n'
              '    return -float(np.mean(log_p[np.arange(n), labels])), g / n\n')
    answer = ('def loss_and_grads(params, x, labels):\n'
              '    inputs, pre, a = [], [], x\n'
              '    for k, layer in enumerate(params):\n'
              '        inputs.append(a)\n'
              '        pre.append(a @ layer["W"] + layer["b"])\n'
              '        a = np.maximum(pre[-1], 0.0) if k < len(params) - 1 else pre[-1]\n'
              '    loss, g = softmax_cross_entropy(a, labels)\n'
              '    grads = [None] * len(params)\n'
              '    for k in reversed(range(len(params))):\n'
              '        grads[k] = {"W": inputs[k].T @ g, "b": g.sum(axis=0)}\n'
              '        if k:\n'
              '            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)\n'
              '    return loss, grads\n')
    result = _judge(_with_answers(SOURCE, {"loss_and_grads": answer}, extra_cell=helper))
    assert _passed(result) == TESTS, [(v.grade_id, v.evalue) for v in result.verdicts if not v.passed]
