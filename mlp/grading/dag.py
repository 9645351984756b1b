"""Checks for chapter 2, backpropagation in DAGs.

The exercises work on the chapter's scalar nodes: objects with ``value``,
``parents`` (a list, repeated when an input is used twice), ``local_grads``
(d node / d parent, one per entry of ``parents``) and ``grad``.  The checks
build their own graphs of such nodes (random DAGs, diamonds, chains of 5,000
nodes, a node used many times), compute the answer with a private reference
and name this chapter's mistakes: a node placed before its parent, a node
listed twice, recursion that overflows, a missing seed, nodes visited in
forward order, a gradient assigned instead of accumulated on fan-out, a
gradient step with the wrong sign, gradients not reset between steps.
For the new primitives (``div``, ``exp``, ``log``) they name a value computed
the wrong way round, a missing parent, parents in the wrong order or copied,
local derivatives swapped between the parents, a partial with the wrong sign,
and a partial that copies the input instead of differentiating.
"""

import math

import numpy as np

from . import core, guard


# --------------------------------------------------------------------------- a graph of our own

class _Node:
    """A scalar node with the attributes the chapter's ``Node`` has."""

    def __init__(self, value, parents=(), local_grads=(), name=""):
        self.value = float(value)
        self.parents = list(parents)
        self.local_grads = [float(g) for g in local_grads]
        self.grad = 0.0
        self.name = name

    def __repr__(self):
        return f"Node({self.name or '?'}, value={self.value:.4g})"


def _add(a, b, name=""):
    return _Node(a.value + b.value, (a, b), (1.0, 1.0), name)


def _mul(a, b, name=""):
    return _Node(a.value * b.value, (a, b), (b.value, a.value), name)


def _tanh(a, name=""):
    t = math.tanh(a.value)
    return _Node(t, (a,), (1.0 - t * t,), name)


def _sin(a, name=""):
    return _Node(math.sin(a.value), (a,), (math.cos(a.value),), name)


def _const(c):
    return _Node(c, name=f"{c:g}")


def _diamond():
    """x feeds two nodes that meet again: L = (x * y) * tanh(x) + y."""
    x, y = _Node(1.5, name="x"), _Node(-0.8, name="y")
    a = _mul(x, y, "a")
    b = _tanh(x, "b")
    c = _mul(a, b, "c")
    out = _add(c, y, "L")
    return out, [x, y, a, b, c, out]


def _random_dag(rng, n_leaves, n_ops, tag="n"):
    """A random DAG of scalar ops; returns (output, nodes, rebuild) where
    ``rebuild(leaf_values)`` recomputes the output value (for finite differences)."""
    leaves = [_Node(rng.normal(0, 0.8), name=f"{tag}{i}") for i in range(n_leaves)]
    nodes, recipe = list(leaves), []
    for k in range(n_ops):
        op = rng.choice(["add", "mul", "tanh", "sin", "square"])
        # Prefer recent nodes so the graph is deep, but reuse old ones for fan-out.
        i = int(len(nodes) - 1 - min(rng.geometric(0.35) - 1, len(nodes) - 1))
        j = int(rng.integers(len(nodes)))
        name = f"{tag}{len(nodes)}"
        a, b = nodes[i], nodes[j]
        if op == "add":
            node = _add(a, b, name)
        elif op == "mul":
            node = _mul(a, b, name)
        elif op == "tanh":
            node = _tanh(a, name)
        elif op == "sin":
            node = _sin(a, name)
        else:
            node = _mul(a, a, name)
        recipe.append((op, i, j))
        nodes.append(node)
    # Combine every dangling node so the whole graph feeds one output.
    used = {id(p) for n in nodes for p in n.parents}
    dangling = [k for k, n in enumerate(nodes) if id(n) not in used]
    out = nodes[dangling[0]]
    for k in dangling[1:]:
        out = _add(out, nodes[k], f"{tag}{len(nodes)}")
        recipe.append(("add", nodes.index(out.parents[0]), k))
        nodes.append(out)

    def rebuild(leaf_values):
        vals = list(leaf_values)
        for op, i, j in recipe:
            a, b = vals[i], vals[j]
            vals.append({"add": a + b, "mul": a * b, "tanh": math.tanh(a),
                         "sin": math.sin(a), "square": a * a}[op])
        return vals[-1]

    return out, nodes, rebuild


def _chain(n, tag="c"):
    """x -> tanh -> * 0.9 -> tanh ... : n nodes in a line (deep enough to break recursion)."""
    x = _Node(0.7, name=f"{tag}0")
    node, nodes = x, [x]
    for k in range(1, n):
        node = _tanh(node, f"{tag}{k}") if k % 2 else _mul(node, _const(1.01), f"{tag}{k}")
        nodes.append(node)
    return node, nodes


def _many_uses(n_uses):
    """One node x used ``n_uses`` times: L = x*x + x + x*x + x + ... (fan-out of n_uses)."""
    x = _Node(0.6, name="x")
    out = _mul(x, x, "s1")
    for k in range(2, n_uses):
        out = _add(out, x if k % 2 else _mul(x, x, f"sq{k}"), f"s{k}")
    return out, x


# --------------------------------------------------------------------------- reference

def _reference_order(output):
    """Parents before children, iterative: count children, release when all placed."""
    seen, stack, pending = {id(output): output}, [output], {}
    while stack:
        node = stack.pop()
        for p in node.parents:
            if id(p) not in seen:
                seen[id(p)] = p
                stack.append(p)
    children = {k: 0 for k in seen}
    for node in seen.values():
        for p in set(map(id, node.parents)):
            children[p] += 1
    order, ready = [], [output]
    while ready:
        node = ready.pop()
        order.append(node)
        for p in {id(p): p for p in node.parents}.values():
            children[id(p)] -= 1
            if children[id(p)] == 0:
                ready.append(p)
    return order[::-1]


def _reference_grads(output, order, *, visit="reverse"):
    """dL/dnode for every node in ``order`` as {id: float}, without touching the nodes.

    ``visit="forward"`` walks the order the wrong way round, as a mistaken answer would.
    """
    grads = {id(n): 0.0 for n in order}
    grads[id(output)] = 1.0
    for node in (reversed(order) if visit == "reverse" else order):
        for p, local in zip(node.parents, node.local_grads):
            grads[id(p)] += grads[id(node)] * local
    return grads


def _reference_backprop(loss):
    """The engine's backprop for ``train``: add dL/dnode into every node's ``grad``."""
    order = _reference_order(loss)
    grads = _reference_grads(loss, order)
    for node in order:
        node.grad += grads[id(node)]


# --------------------------------------------------------------------------- topological_order

def _name(node):
    return getattr(node, "name", "") or repr(node)


def _one_topological_order(fn, output):
    expected = _reference_order(output)
    reachable = {id(n): n for n in expected}
    snapshot = [(n.value, list(map(id, n.parents))) for n in expected]
    try:
        got = guard.call(fn, output, name="topological_order")
    except core.GradingError as error:
        if "RecursionError" in str(error):
            core.fail(
                f"`topological_order` hit Python's recursion limit on a chain of {len(expected)} "
                "nodes: a recursive depth-first search needs one stack frame per node. Keep the "
                "nodes still to visit in a list of your own (an explicit stack) instead."
            )
        raise
    if [(n.value, list(map(id, n.parents))) for n in expected] != snapshot:
        core.fail("`topological_order` changed the graph (a value or a parent list): it should only read it.")
    if got is None:
        core.fail("`topological_order` returned None: did you forget to `return` the list?")
    try:
        got = list(got)
    except TypeError:
        core.fail(f"`topological_order` should return a list of nodes, got {type(got).__name__}")
    position = {}
    for k, node in enumerate(got):
        if id(node) not in reachable:
            core.fail(
                f"`topological_order` lists {node!r}, which is not a node the output depends on: "
                "return only the nodes you can reach from `output` by following `parents`."
            )
        if id(node) in position:
            core.fail(
                f"node `{_name(node)}` is listed twice (at positions {position[id(node)]} and {k}). "
                "It is reachable along two paths; remember which nodes you have already placed "
                "so each appears exactly once."
            )
        position[id(node)] = k
    missing = [n for n in expected if id(n) not in position]
    if missing:
        core.fail(
            f"`topological_order` leaves out {len(missing)} of the {len(expected)} nodes, "
            f"for example `{_name(missing[0])}`: every node reachable from the output must appear."
        )
    for node in got:
        for p in node.parents:
            if position[id(p)] > position[id(node)]:
                core.fail(
                    f"node `{_name(node)}` is listed before its parent `{_name(p)}` "
                    f"(positions {position[id(node)]} and {position[id(p)]}). A node may only be "
                    "placed once every node it is computed from has been placed: placing a node "
                    "the moment you first meet it (pre-order) is not enough on a DAG."
                )


def topological_order(fn, hidden=False):
    """Check ``topological_order(output)``: every reachable node once, each after its parents."""
    if not hidden:
        out, _ = _diamond()
        _one_topological_order(fn, out)
        core.passed("topological_order", "on L = (x * y) * tanh(x) + y")
        return
    single = _Node(2.0, name="lonely")
    _one_topological_order(fn, single)
    out, _ = _many_uses(30)
    _one_topological_order(fn, out)
    for seed in range(8):
        rng = np.random.default_rng(1000 + seed)
        out, _, _ = _random_dag(rng, int(rng.integers(1, 5)), int(rng.integers(3, 40)))
        _one_topological_order(fn, out)
    out, _ = _chain(5000)
    _one_topological_order(fn, out)
    core.passed("topological_order", "the hidden tests: random DAGs, fan-out, a chain of 5,000 nodes")


# --------------------------------------------------------------------------- backward

def _close(a, b, tol=1e-9):
    return abs(a - b) <= tol * (1 + abs(b))


def _one_backward(fn, output, fd=None):
    order = _reference_order(output)
    for node in order:
        node.grad = 0.0
    snapshot = [(n.value, list(n.local_grads)) for n in order]
    expected = _reference_grads(output, order)
    try:
        guard.call(fn, output, list(order), name="backward")
    except core.GradingError as error:
        if "RecursionError" in str(error):
            core.fail(
                f"`backward` hit Python's recursion limit on a chain of {len(order)} nodes: "
                "loop over the given order instead of calling a function once per node."
            )
        raise
    if [(n.value, list(n.local_grads)) for n in order] != snapshot:
        core.fail("`backward` changed a node's `value` or `local_grads`: it should only write `grad`.")
    got = {}
    for node in order:
        try:
            got[id(node)] = float(node.grad)
        except (TypeError, ValueError):
            core.fail(f"the `grad` of node `{_name(node)}` should be a number, got {type(node.grad).__name__}")
        if not math.isfinite(got[id(node)]):
            core.fail(f"the `grad` of node `{_name(node)}` is {got[id(node)]}: something overflowed.")
    if all(_close(got[k], expected[k]) for k in expected):
        if fd is not None:
            fd(got)
        return
    if all(g == 0.0 for g in got.values()):
        core.fail(
            "every `grad` is still 0 after `backward`: the output was never seeded. The "
            "gradient of the output with respect to itself, dL/dL, is 1: set it before "
            "pushing anything to the parents."
        )
    if not _close(got[id(output)], 1.0):
        core.fail(
            f"the output's own `grad` is {got[id(output)]:.6g}; it should be dL/dL = 1 "
            "(the seed every other gradient is built from)."
        )
    forward = _reference_grads(output, order, visit="forward")
    if all(_close(got[k], forward[k]) for k in expected):
        core.fail(
            "your `backward` visits the nodes in forward order (leaves first). A node's "
            "gradient is complete only after all its children have pushed their share, so "
            "walk the topological order from the output back to the leaves."
        )
    # Walk from the output back: find the first node whose grad breaks the rule.
    children = {id(n): [] for n in order}
    for node in order:
        for p, local in zip(node.parents, node.local_grads):
            children[id(p)].append((node, local))
    for node in reversed(order):
        if node is output:
            continue
        shares = [got[id(c)] * local for c, local in children[id(node)]]
        if _close(got[id(node)], sum(shares), 1e-7):
            continue
        if len(shares) >= 2 and any(_close(got[id(node)], s, 1e-7) for s in shares):
            core.fail(
                f"node `{_name(node)}` is used {len(shares)} times, but its `grad` equals the "
                "contribution of one path only: it was assigned instead of accumulated. Each "
                "use must add its share to the gradient (fan-out sums)."
            )
        core.fail(
            f"the `grad` of node `{_name(node)}` is wrong: expected {expected[id(node)]:.6g}, got "
            f"{got[id(node)]:.6g}. Check what each child passes back to it (the child's gradient "
            "times the local derivative) and that all of it arrives."
        )
    core.check_close("grad", [got[id(n)] for n in order], [expected[id(n)] for n in order])


def _finite_differences(leaves, rebuild):
    def check(got):
        base = [leaf.value for leaf in leaves]
        for k, leaf in enumerate(leaves):
            h = 1e-6
            up, down = list(base), list(base)
            up[k] += h
            down[k] -= h
            numeric = (rebuild(up) - rebuild(down)) / (2 * h)
            if abs(got[id(leaf)] - numeric) > 1e-5 * (1 + abs(numeric)):
                core.fail(
                    f"the `grad` of leaf `{leaf.name}` is {got[id(leaf)]:.6g}, but nudging it "
                    f"changes the output at a rate of {numeric:.6g} (finite differences)."
                )
    return check


def backward(fn, hidden=False):
    """Check ``backward(output, order)``: dL/dnode added into every node's ``grad``."""
    if not hidden:
        out, _ = _diamond()
        _one_backward(fn, out)
        core.passed("backward", "on L = (x * y) * tanh(x) + y")
        return
    _one_backward(fn, _Node(3.0, name="alone"))
    out, _ = _many_uses(25)
    _one_backward(fn, out)
    for seed in range(8):
        rng = np.random.default_rng(2000 + seed)
        n_leaves = int(rng.integers(1, 5))
        out, nodes, rebuild = _random_dag(rng, n_leaves, int(rng.integers(3, 40)))
        _one_backward(fn, out, fd=_finite_differences(nodes[:n_leaves], rebuild))
    out, _ = _chain(5000)
    _one_backward(fn, out)
    core.passed("backward", "the hidden tests: random DAGs with finite differences, fan-out, 5,000 nodes")


# --------------------------------------------------------------------------- train

def _line_model(rng, n_points):
    """Least squares for y = w * x + b on a few points; the loss uses w and b n_points times."""
    xs = rng.normal(0, 1, n_points)
    ys = 1.5 * xs - 0.5 + rng.normal(0, 0.1, n_points)
    w, b = _Node(rng.normal(), name="w"), _Node(rng.normal(), name="b")

    def loss_fn():
        total = _const(0.0)
        for x, y in zip(xs, ys):
            err = _add(_add(_mul(w, _const(x)), b), _const(-y))
            total = _add(total, _mul(err, err))
        return _mul(total, _const(1.0 / n_points), "L")

    def loss_at(wv, bv):
        return float(np.mean((wv * xs + bv - ys) ** 2))

    def grad_at(wv, bv):
        r = wv * xs + bv - ys
        return np.array([np.mean(2 * r * xs), np.mean(2 * r)])

    return [w, b], loss_fn, loss_at, grad_at


def _simulate(start, loss_at, grad_at, lr, steps, sign=1.0, reset=True):
    theta, acc, losses = np.array(start, dtype=np.float64), np.zeros(len(start)), []
    for _ in range(steps):
        losses.append(loss_at(*theta))
        g = grad_at(*theta)
        acc = g if reset else acc + g
        theta = theta - sign * lr * acc
    return theta, np.array(losses)


def _as_losses(got, steps):
    if got is None:
        core.fail("`train` returned None: it should return the list of losses, one per step.")
    try:
        values = [float(getattr(v, "value", v)) for v in got]
    except (TypeError, ValueError):
        core.fail("`train` should return a list of numbers: the loss before each step's update.")
    if len(values) != steps:
        core.fail(f"`train` returned {len(values)} losses for {steps} steps: record one loss per step.")
    return np.array(values)


def _one_train(fn, rng, n_points, lr, steps):
    params, loss_fn, loss_at, grad_at = _line_model(rng, n_points)
    start = [p.value for p in params]
    theta, losses = _simulate(start, loss_at, grad_at, lr, steps)
    got = _as_losses(guard.call(fn, params, loss_fn, _reference_backprop, lr, steps, name="train"), steps)
    got_theta = np.array([p.value for p in params])
    if np.allclose(got_theta, theta, rtol=1e-7, atol=1e-9) and np.allclose(got, losses, rtol=1e-7, atol=1e-9):
        return
    if steps and np.allclose(got_theta, start):
        core.fail("the parameters did not move: update each parameter's `value` in place with its gradient.")
    flipped, _ = _simulate(start, loss_at, grad_at, lr, steps, sign=-1.0)
    if np.allclose(got_theta, flipped, rtol=1e-7, atol=1e-9):
        core.fail(
            "the loss goes up: your step moves each parameter along its gradient, which is the "
            "direction in which the loss grows. Check the sign of the update."
        )
    stale, _ = _simulate(start, loss_at, grad_at, lr, steps, reset=False)
    if steps > 1 and np.allclose(got_theta, stale, rtol=1e-7, atol=1e-9):
        core.fail(
            "the gradients were not reset between steps: `backprop` adds into `grad`, so "
            "without setting each parameter's `grad` back to 0 every step uses the sum of all "
            "earlier gradients too."
        )
    if not np.allclose(got, losses, rtol=1e-7, atol=1e-9):
        core.check_close("the losses returned by train", got, losses,
                         hint="record the loss of each step before that step's update.")
    core.check_close("the parameters after train", got_theta, theta,
                     factors={"the learning rate": lr},
                     hint="each step: reset, build the loss, backprop, then move every parameter.")


def train(fn, hidden=False):
    """Check ``train(params, loss_fn, backprop, lr, steps)``: plain gradient descent on nodes."""
    if not hidden:
        _one_train(fn, np.random.default_rng(5), n_points=4, lr=0.1, steps=5)
        core.passed("train", "on a line fitted to 4 points, 5 steps")
        return
    _one_train(fn, np.random.default_rng(6), n_points=1, lr=0.05, steps=1)
    _one_train(fn, np.random.default_rng(7), n_points=3, lr=0.2, steps=0)
    for seed in range(4):
        rng = np.random.default_rng(3000 + seed)
        _one_train(fn, rng, n_points=int(rng.integers(2, 8)), lr=float(rng.uniform(0.01, 0.3)),
                   steps=int(rng.integers(2, 12)))
    core.passed("train", "the hidden tests: random data, one step, zero steps, learning rates")


# --------------------------------------------------------------------------- primitives (div, exp, log)

_PRIMITIVES = {
    # name: (arity, value, [d value / d parent_k], how to write the call)
    "div": (2, lambda a, b: a / b, lambda a, b: [1.0 / b, -a / (b * b)], "div(a, b)"),
    "exp": (1, math.exp, lambda a: [math.exp(a)], "exp(a)"),
    "log": (1, math.log, lambda a: [1.0 / a], "log(a)"),
}


def _central(op, values, k):
    """d op / d (argument k) at ``values`` by central differences in float64."""
    h = 1e-6 * min(1.0, abs(values[k])) if values[k] else 1e-6
    up, down = list(values), list(values)
    up[k] += h
    down[k] -= h
    return (op(*up) - op(*down)) / (2 * h)


def _one_primitive(fn, name, values):
    """Call the student's constructor on fresh leaves and check value, parents and locals."""
    arity, op, locals_of, call = _PRIMITIVES[name]
    letters = "ab"[:arity]
    leaves = [_Node(v, name=letters[k]) for k, v in enumerate(values)]
    shown = ", ".join(f"{letter} = {v:.6g}" for letter, v in zip(letters, values))
    got = guard.call(fn, *leaves, name=name)
    if any(leaf.value != v or leaf.grad != 0.0 or leaf.parents for leaf, v in zip(leaves, values)):
        core.fail(f"`{name}` changed one of its input nodes: it should build a new node and leave its parents alone.")
    if got is None:
        core.fail(f"`{name}` returned None: it should return the new `Node`.")
    if any(got is leaf for leaf in leaves):
        core.fail(f"`{name}` returned one of its inputs: it should return a new `Node` for the result.")
    for attr in ("value", "parents", "local_grads"):
        if not hasattr(got, attr):
            core.fail(f"`{name}` should return a `Node`; what it returned has no `{attr}`.")
    try:
        value = float(got.value)
        parents = list(got.parents)
        local = [float(g) for g in got.local_grads]
    except (TypeError, ValueError) as error:
        core.fail(f"the node returned by `{name}` has a `value`, `parents` or `local_grads` of the wrong kind ({error}).")
    expected_value = op(*values)
    if not _close(value, expected_value):
        if name == "div" and _close(value, values[1] / values[0]):
            core.fail(f"`{call}` with {shown} has the value of b / a: the numerator is the first argument.")
        core.fail(f"the value of `{call}` with {shown} is {value:.6g}; it should be {expected_value:.6g}.")
    ids = [id(p) for p in parents]
    if len(parents) < arity:
        missing = [leaf.name for leaf in leaves if id(leaf) not in ids]
        core.fail(
            f"a parent is missing: `{call}` is computed from {arity} node{'s' if arity > 1 else ''}, "
            f"but the node you return lists {len(parents)} parent{'s' if len(parents) != 1 else ''}"
            + (f" (`{missing[0]}` is not among them)" if missing else "")
            + ". The backward pass can only send a gradient to a node that is listed in `parents`."
        )
    if len(parents) > arity:
        core.fail(f"the node from `{call}` lists {len(parents)} parents; it is computed from {arity} only.")
    if arity == 2 and ids == [id(leaves[1]), id(leaves[0])]:
        core.fail(
            f"the parents of `{call}` are listed as [b, a]: keep them in the order of the "
            "arguments, so that `local_grads[k]` goes with `parents[k]`."
        )
    if ids != [id(leaf) for leaf in leaves]:
        core.fail(
            f"the parents of `{call}` should be the input nodes themselves (compared by identity), "
            "not copies or new nodes: the gradient must arrive at the very objects that were passed in."
        )
    if len(local) != arity:
        core.fail(
            f"the node from `{call}` has {len(local)} local derivative{'s' if len(local) != 1 else ''} "
            f"for {arity} parent{'s' if arity > 1 else ''}: store exactly one per parent, in the same order."
        )
    expected = locals_of(*values)
    if all(_close(g, e) for g, e in zip(local, expected)):
        return
    numeric = [_central(op, values, k) for k in range(arity)]
    swapped = arity == 2 and _close(local[0], expected[1]) and _close(local[1], expected[0])
    if swapped and not _close(expected[0], expected[1]):
        core.fail(
            f"the local derivatives of `{call}` are swapped between the two parents: with {shown}, "
            f"`local_grads` is [{local[0]:.6g}, {local[1]:.6g}], but nudging a moves the result at a "
            f"rate of {numeric[0]:.6g} and nudging b at {numeric[1]:.6g}. Entry k belongs to `parents[k]`."
        )
    for k in range(arity):
        if _close(local[k], expected[k]):
            continue
        which = f"parent `{letters[k]}`" if arity == 2 else "its parent"
        if expected[k] != 0 and _close(-local[k], expected[k]):
            extra = " (the divisor)" if name == "div" and k == 1 else ""
            core.fail(
                f"the local derivative of `{call}` with respect to {which}{extra} has the wrong sign: "
                f"with {shown} it is {local[k]:.6g}, but nudging {letters[k]} moves the result at a rate "
                f"of {numeric[k]:.6g}. Ask whether the result grows or shrinks when {letters[k]} grows."
            )
        if name == "exp" and _close(local[k], values[0]):
            core.fail(
                f"the local derivative of `{call}` equals the input a = {values[0]:.6g}; nudging a "
                f"moves exp(a) at a rate of {numeric[k]:.6g}. Differentiate exp, do not copy its argument."
            )
        core.fail(
            f"the local derivative of `{call}` with respect to {which} is wrong: with {shown} you "
            f"store {local[k]:.6g}, but nudging {letters[k]} moves the result at a rate of "
            f"{numeric[k]:.6g} (central differences)."
        )


def _graph_check(div, exp, log, rng, recipe):
    """Build a small graph mixing the student's nodes with ours; compare leaf grads with
    central differences of the same formula in plain float64."""
    build, plain, nvars, label = recipe
    values = [float(v) for v in rng.uniform(0.4, 2.0, nvars)]
    leaves = [_Node(v, name="xyz"[k]) for k, v in enumerate(values)]
    ops = {"div": div, "exp": exp, "log": log, "add": _add, "mul": _mul, "tanh": _tanh}
    calls = {key: (lambda f, key=key: (lambda *args: guard.call(f, *args, name=key)))(f)
             for key, f in ops.items() if key in ("div", "exp", "log")}
    calls.update({key: ops[key] for key in ("add", "mul", "tanh")})
    out = build(calls, *leaves)
    if not _close(float(out.value), plain(*values), 1e-8):
        core.fail(f"on the graph {label} the output value is {float(out.value):.6g}, expected {plain(*values):.6g}.")
    order = _reference_order(out)
    grads = _reference_grads(out, order)
    for k, leaf in enumerate(leaves):
        numeric = _central(plain, values, k)
        got = grads.get(id(leaf), 0.0)
        if abs(got - numeric) > 1e-5 * (1 + abs(numeric)):
            core.fail(
                f"on the graph {label}, backpropagating through your nodes gives dL/d{leaf.name} = "
                f"{got:.6g}, but nudging {leaf.name} changes L at a rate of {numeric:.6g}."
            )


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


def primitives(div, exp, log, hidden=False):
    """Check the node constructors ``div(a, b)``, ``exp(a)`` and ``log(a)``: value, parents
    (the inputs themselves, in order) and one local derivative per parent."""
    if not hidden:
        _one_primitive(div, "div", [3.0, -1.5])
        _one_primitive(exp, "exp", [0.5])
        _one_primitive(log, "log", [2.0])
        core.passed("primitives", "div(3, -1.5), exp(0.5) and log(2)")
        return
    rng = np.random.default_rng(4000)
    for _ in range(6):
        a = float(rng.normal(0, 3))
        b = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-2, 2))
        _one_primitive(div, "div", [a, b])
        _one_primitive(exp, "exp", [float(rng.uniform(-5, 5))])
        _one_primitive(log, "log", [float(10 ** rng.uniform(-3, 3))])
    _one_primitive(div, "div", [0.0, 2.5])      # a zero numerator: the b-partial is 0
    _one_primitive(div, "div", [1e-3, 1e-3])
    _one_primitive(exp, "exp", [-40.0])
    _one_primitive(exp, "exp", [25.0])
    _one_primitive(log, "log", [1.0])           # value 0
    _one_primitive(log, "log", [1e-6])
    for k, recipe in enumerate(_GRAPHS):
        _graph_check(div, exp, log, np.random.default_rng(4100 + k), recipe)
    core.passed("primitives", "the hidden tests: random values, extremes, and small graphs against finite differences")
