"""Hidden checks for chapter 2: backpropagation in DAGs.

Random DAGs of scalar nodes (with finite differences over their leaves), a
node used many times, a graph of a single node, a chain of 5,000 nodes (deep
enough to break recursion), random data and learning rates for training, one
and zero steps, extreme values for the new primitives, and small graphs that
mix the student's primitives with ours.  Each case is judged by the visible
module's ``judge_*`` functions, so the feedback names the same mistakes.
"""

import math

import numpy as np

from checks import ch2_dag_backprop as visible
from checks import core, guard
from checks.ch2_dag_backprop import Node, add, const, mul, tanh
from mlp.gradcheck import numerical_gradient


# --------------------------------------------------------------------------- graphs

def _sin(a, name=""):
    return Node(math.sin(a.value), (a,), (math.cos(a.value),), name)


_PLAIN = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "tanh": lambda a, b: math.tanh(a),
          "sin": lambda a, b: math.sin(a), "square": lambda a, b: a * a}
_BUILD = {"add": add, "mul": mul, "tanh": lambda a, b, name: tanh(a, name),
          "sin": lambda a, b, name: _sin(a, name), "square": lambda a, b, name: mul(a, a, name)}


def _random_dag(rng, n_leaves, n_ops, tag="n"):
    """A random DAG of scalar ops; returns (output, leaves, rebuild) where
    ``rebuild(leaf_values)`` recomputes the output value (for finite differences)."""
    leaves = [Node(rng.normal(0, 0.8), name=f"{tag}{i}") for i in range(n_leaves)]
    nodes, recipe = list(leaves), []
    for _ in range(n_ops):
        op = str(rng.choice(list(_BUILD)))
        # Prefer recent nodes so the graph is deep, but reuse old ones for fan-out.
        i = int(len(nodes) - 1 - min(rng.geometric(0.35) - 1, len(nodes) - 1))
        j = int(rng.integers(len(nodes)))
        nodes.append(_BUILD[op](nodes[i], nodes[j], f"{tag}{len(nodes)}"))
        recipe.append((op, i, j))
    # Combine every dangling node so the whole graph feeds one output.
    used = {id(p) for n in nodes for p in n.parents}
    dangling = [k for k, n in enumerate(nodes) if id(n) not in used]
    out, at = nodes[dangling[0]], dangling[0]
    for k in dangling[1:]:
        out = add(out, nodes[k], f"{tag}{len(nodes)}")
        recipe.append(("add", at, k))
        at = len(nodes)
        nodes.append(out)

    def rebuild(leaf_values):
        vals = list(leaf_values)
        for op, i, j in recipe:
            vals.append(_PLAIN[op](vals[i], vals[j]))
        return vals[-1]

    return out, leaves, rebuild


def _chain(n, tag="c"):
    """x -> * 1.01 -> tanh -> ... : n nodes in a line (deep enough to break recursion)."""
    node = Node(0.7, name=f"{tag}0")
    for k in range(1, n):
        node = tanh(node, f"{tag}{k}") if k % 2 else mul(node, const(1.01), f"{tag}{k}")
    return node


def _many_uses(n_uses):
    """One node x used about ``n_uses`` times: L = x*x + x + x*x + x + ... (fan-out)."""
    x = Node(0.6, name="x")
    out = mul(x, x, "s1")
    for k in range(2, n_uses):
        out = add(out, x if k % 2 else mul(x, x, f"sq{k}"), f"s{k}")
    return out


# --------------------------------------------------------------------------- topological_order

def topological_order(fn):
    """Hidden check of ``topological_order``: a single node, fan-out, random DAGs, a chain of 5,000."""
    visible.judge_topological_order(fn, Node(2.0, name="lonely"))
    visible.judge_topological_order(fn, _many_uses(30))
    for seed in range(8):
        rng = np.random.default_rng(1000 + seed)
        out, _, _ = _random_dag(rng, int(rng.integers(1, 5)), int(rng.integers(3, 40)))
        visible.judge_topological_order(fn, out)
    visible.judge_topological_order(fn, _chain(5000))
    core.passed("topological_order", "the hidden tests: random DAGs, fan-out, a chain of 5,000 nodes")


# --------------------------------------------------------------------------- backward

def _agrees_with_finite_differences(got, leaves, rebuild):
    """Each leaf's ``grad`` must be the rate at which nudging it moves the output."""
    numeric = numerical_gradient(lambda v: rebuild(list(v)), [leaf.value for leaf in leaves])
    for leaf, rate in zip(leaves, numeric):
        if not core.close(got[id(leaf)], rate, rtol=1e-5, atol=1e-5):
            core.fail(
                f"the `grad` of leaf `{leaf.name}` is {got[id(leaf)]:.6g}, but nudging it "
                f"changes the output at a rate of {rate:.6g} (finite differences)."
            )


def backward(fn):
    """Hidden check of ``backward``: a single node, fan-out, random DAGs with finite differences, 5,000 nodes."""
    visible.judge_backward(fn, Node(3.0, name="alone"))
    visible.judge_backward(fn, _many_uses(25))
    for seed in range(8):
        rng = np.random.default_rng(2000 + seed)
        out, leaves, rebuild = _random_dag(rng, int(rng.integers(1, 5)), int(rng.integers(3, 40)))
        got = visible.judge_backward(fn, out)
        _agrees_with_finite_differences(got, leaves, rebuild)
    visible.judge_backward(fn, _chain(5000))
    core.passed("backward", "the hidden tests: random DAGs with finite differences, fan-out, 5,000 nodes")


# --------------------------------------------------------------------------- train

def train(fn):
    """Hidden check of ``train``: one step, zero steps, random data and learning rates."""
    visible.judge_train(fn, np.random.default_rng(6), n_points=1, lr=0.05, steps=1)
    visible.judge_train(fn, np.random.default_rng(7), n_points=3, lr=0.2, steps=0)
    for seed in range(4):
        rng = np.random.default_rng(3000 + seed)
        visible.judge_train(fn, rng, n_points=int(rng.integers(2, 8)), lr=float(rng.uniform(0.01, 0.3)),
                            steps=int(rng.integers(2, 12)))
    core.passed("train", "the hidden tests: random data, one step, zero steps, learning rates")


# --------------------------------------------------------------------------- primitives (div, exp, log)

def _ours(got, name):
    """The student's node rebuilt as one of ours, so the graph check passes only our nodes on."""
    try:
        node = Node(got.value, got.parents, got.local_grads, name)
    except (AttributeError, TypeError, ValueError) as error:
        core.fail(f"`{name}` should return a `Node` with a number `value`, `parents` and `local_grads` ({error}).")
    if not all(isinstance(p, Node) for p in node.parents):
        core.fail(
            f"the parents of the node returned by `{name}` should be the input nodes themselves "
            "(compared by identity), not copies or new nodes."
        )
    return node


def _student_op(fn, name):
    return lambda *args: _ours(guard.call(fn, *args, name=name), name)


_GRAPHS = [
    (lambda o, x, y: o["div"](x, x), lambda x, y: x / x, 2, "L = div(x, x)"),
    (lambda o, x, y: o["exp"](o["log"](x)), lambda x, y: math.exp(math.log(x)), 2, "L = exp(log(x))"),
    (lambda o, x, y: o["add"](o["div"](o["exp"](x), y), o["mul"](o["log"](y), x)),
     lambda x, y: math.exp(x) / y + math.log(y) * x, 2, "L = exp(x) / y + log(y) x"),
    (lambda o, x, y, z: o["div"](o["tanh"](o["mul"](x, y)), o["add"](o["exp"](z), x)),
     lambda x, y, z: math.tanh(x * y) / (math.exp(z) + x), 3, "L = tanh(x y) / (exp(z) + x)"),
    (lambda o, x, y: o["log"](o["div"](o["exp"](x), o["mul"](y, y))),
     lambda x, y: math.log(math.exp(x) / (y * y)), 2, "L = log(exp(x) / y²)"),
]


def _graph_check(div, exp, log, rng, recipe):
    """Build a small graph mixing the student's nodes with ours; compare the leaves' gradients
    with central differences of the same formula in plain float64."""
    build, plain, nvars, label = recipe
    values = [float(v) for v in rng.uniform(0.4, 2.0, nvars)]
    leaves = [Node(v, name="xyz"[k]) for k, v in enumerate(values)]
    ops = {"div": _student_op(div, "div"), "exp": _student_op(exp, "exp"), "log": _student_op(log, "log"),
           "add": add, "mul": mul, "tanh": tanh}
    out = build(ops, *leaves)
    if not core.close(out.value, plain(*values), rtol=1e-8, atol=1e-8):
        core.fail(f"on the graph {label} the output value is {out.value:.6g}, expected {plain(*values):.6g}.")
    grads = visible.reference_grads(out)
    numeric = numerical_gradient(lambda v: plain(*v), values)
    for leaf, rate in zip(leaves, numeric):
        got = grads.get(id(leaf), 0.0)
        if not core.close(got, rate, rtol=1e-5, atol=1e-5):
            core.fail(
                f"on the graph {label}, backpropagating through your nodes gives dL/d{leaf.name} = "
                f"{got:.6g}, but nudging {leaf.name} changes L at a rate of {rate:.6g}."
            )


def primitives(div, exp, log):
    """Hidden check of ``div``, ``exp`` and ``log``: random values, extremes, small graphs."""
    rng = np.random.default_rng(4000)
    for _ in range(6):
        a = float(rng.normal(0, 3))
        b = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-2, 2))
        visible.judge_primitive(div, "div", [a, b])
        visible.judge_primitive(exp, "exp", [float(rng.uniform(-5, 5))])
        visible.judge_primitive(log, "log", [float(10 ** rng.uniform(-3, 3))])
    visible.judge_primitive(div, "div", [0.0, 2.5])      # a zero numerator: the b-partial is 0
    visible.judge_primitive(div, "div", [1e-3, 1e-3])
    visible.judge_primitive(exp, "exp", [-40.0])
    visible.judge_primitive(exp, "exp", [25.0])
    visible.judge_primitive(log, "log", [1.0])           # value 0
    visible.judge_primitive(log, "log", [1e-6])
    for k, recipe in enumerate(_GRAPHS):
        _graph_check(div, exp, log, np.random.default_rng(4100 + k), recipe)
    core.passed("primitives", "the hidden tests: random values, extremes, and small graphs against finite differences")
