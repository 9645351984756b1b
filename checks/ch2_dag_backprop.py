"""Checks for chapter 2, backpropagation in DAGs.

The exercises work on the chapter's scalar nodes: objects with ``value``,
``parents`` (a list, repeated when an input is used twice), ``local_grads``
(d node / d parent, one per entry of ``parents``) and ``grad``.  The checks
build their own graphs of such nodes (``Node``, ``add``, ``mul``, ``tanh``,
``const``), compute the answer with the reference's topological sort and name
this chapter's mistakes: a node placed before its parent, a node listed twice,
recursion that overflows, a missing seed, nodes visited in forward order, a
gradient assigned instead of accumulated on fan-out, a gradient step with the
wrong sign, gradients not reset between steps.  For the new primitives
(``div``, ``exp``, ``log``) they name a value computed the wrong way round, a
missing parent, parents in the wrong order or copied, local derivatives
swapped between the parents, a partial with the wrong sign, and a partial
that copies the input instead of differentiating.

Each exercise has a visible check, named like it, running one small fixed
case, and a public ``judge_<exercise>`` function that diagnoses one case.
"""

import math

import numpy as np

from mlp.autodiff import topological_sort
from mlp.gradcheck import numerical_gradient

from . import core, guard

# The reference modules an answer of this chapter may be rebuilt from in the sandbox: none.
SANDBOX_MLP = ()


# --------------------------------------------------------------------------- a graph of our own

class Node:
    """A scalar node with the attributes the chapter's ``Node`` has (and nothing else)."""

    def __init__(self, value, parents=(), local_grads=(), name=""):
        self.value = float(value)
        self.parents = list(parents)
        self.local_grads = [float(g) for g in local_grads]
        self.grad = 0.0
        self.name = name

    def __repr__(self):
        return f"Node({self.name or '?'}, value={self.value:.4g})"


def add(a, b, name=""):
    return Node(a.value + b.value, (a, b), (1.0, 1.0), name)


def mul(a, b, name=""):
    return Node(a.value * b.value, (a, b), (b.value, a.value), name)


def tanh(a, name=""):
    t = math.tanh(a.value)
    return Node(t, (a,), (1.0 - t * t,), name)


def const(c):
    return Node(c, name=f"{c:g}")


def _diamond():
    """x feeds two nodes that meet again: L = (x * y) * tanh(x) + y."""
    x, y = Node(1.5, name="x"), Node(-0.8, name="y")
    a = mul(x, y, "a")
    b = tanh(x, "b")
    c = mul(a, b, "c")
    return add(c, y, "L")


def _name(node):
    return getattr(node, "name", "") or repr(node)


def _parents(node):
    return node.parents


# --------------------------------------------------------------------------- reference

def reference_order(output):
    """Every node under ``output``, parents before children (the reference's sort, reversed)."""
    return topological_sort(output, parents=_parents)[::-1]


def reference_grads(output, order=None, *, visit="reverse"):
    """dL/dnode for every node in ``order`` as {id: float}, without touching the nodes.

    ``order`` defaults to ``reference_order(output)``.  ``visit="forward"`` walks
    the order the wrong way round, as a mistaken answer would.
    """
    order = reference_order(output) if order is None else order
    grads = {id(n): 0.0 for n in order}
    grads[id(output)] = 1.0
    for node in (reversed(order) if visit == "reverse" else order):
        for p, local in zip(node.parents, node.local_grads):
            grads[id(p)] += grads[id(node)] * local
    return grads


def reference_backprop(loss):
    """The engine's backprop for ``train``: add dL/dnode into every node's ``grad``."""
    order = reference_order(loss)
    grads = reference_grads(loss, order)
    for node in order:
        node.grad += grads[id(node)]


def _overflowed_the_stack(error):
    return "RecursionError" in str(error)


# --------------------------------------------------------------------------- topological_order

def judge_topological_order(fn, output):
    """Run ``topological_order(output)`` and name what is wrong with the order it returns."""
    expected = reference_order(output)
    reachable = {id(n): n for n in expected}
    snapshot = [(n.value, list(map(id, n.parents))) for n in expected]
    try:
        got = guard.call(fn, output, name="topological_order")
    except core.GradingError as error:
        if _overflowed_the_stack(error):
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


def topological_order(fn):
    """Visible check of ``topological_order(output)``: every reachable node once, each after its parents."""
    judge_topological_order(fn, _diamond())
    core.passed("topological_order", "on L = (x * y) * tanh(x) + y")


# --------------------------------------------------------------------------- backward

def _near(a, b, tol=1e-9):
    return core.close(a, b, rtol=tol, atol=tol)


def judge_backward(fn, output):
    """Run ``backward(output, order)`` on a fresh graph and name what is wrong.

    Returns the gradients the answer left in the nodes, as {id(node): float}.
    """
    order = reference_order(output)
    for node in order:
        node.grad = 0.0
    snapshot = [(n.value, list(n.local_grads)) for n in order]
    expected = reference_grads(output, order)
    try:
        guard.call(fn, output, list(order), name="backward")
    except core.GradingError as error:
        if _overflowed_the_stack(error):
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
    if all(_near(got[k], expected[k]) for k in expected):
        return got
    if all(g == 0.0 for g in got.values()):
        core.fail(
            "every `grad` is still 0 after `backward`: the output was never seeded. The "
            "gradient of the output with respect to itself, dL/dL, is 1: set it before "
            "pushing anything to the parents."
        )
    if not _near(got[id(output)], 1.0):
        core.fail(
            f"the output's own `grad` is {got[id(output)]:.6g}; it should be dL/dL = 1 "
            "(the seed every other gradient is built from)."
        )
    forward = reference_grads(output, order, visit="forward")
    if all(_near(got[k], forward[k]) for k in expected):
        core.fail(
            "your `backward` visits the nodes in forward order (leaves first). A node's "
            "gradient is complete only after all its children have pushed their share, so "
            "walk the topological order from the output back to the leaves."
        )
    for words, share in (
            ("leaves out the local derivatives: a child passes back its own gradient times the local "
             "derivative of the edge, not its gradient alone", lambda node, g, local: g),
            ("uses a child's `value` where its `grad` belongs: what flows back to a parent is the "
             "child's gradient times the local derivative", lambda node, g, local: node.value * local),
            ("divides by the local derivatives: the chain rule multiplies the child's gradient by "
             "them", lambda node, g, local: g / local if local else 0.0)):
        variant = {id(n): 0.0 for n in order}
        variant[id(output)] = 1.0
        for node in reversed(order):
            for p, local in zip(node.parents, node.local_grads):
                variant[id(p)] += share(node, variant[id(node)], local)
        if all(_near(got[k], variant[k]) for k in expected):
            core.fail(f"your `backward` {words}.")
    upstream = {id(n): 0.0 for n in order}
    upstream[id(output)] = 1.0
    for node in reversed(order):
        for p, local in zip(node.parents, node.local_grads):
            upstream[id(node)] += upstream[id(p)] * local
    if all(_near(got[k], upstream[k]) for k in expected):
        core.fail("your `backward` pushes gradients the wrong way, from parents into children: each node "
                  "adds its own gradient times the local derivative into each of its parents' `grad`.")
    # Walk from the output back: find the first node whose grad breaks the rule.
    children = {id(n): [] for n in order}
    for node in order:
        for p, local in zip(node.parents, node.local_grads):
            children[id(p)].append((node, local))
    for node in reversed(order):
        if node is output:
            continue
        shares = [got[id(c)] * local for c, local in children[id(node)]]
        if _near(got[id(node)], sum(shares), 1e-7):
            continue
        if len(shares) >= 2 and any(_near(got[id(node)], s, 1e-7) for s in shares):
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
    return got


def backward(fn):
    """Visible check of ``backward(output, order)``: dL/dnode added into every node's ``grad``."""
    judge_backward(fn, _diamond())
    core.passed("backward", "on L = (x * y) * tanh(x) + y")


# --------------------------------------------------------------------------- train

def _line_model(rng, n_points):
    """Least squares for y = w * x + b on a few points; the loss uses w and b n_points times."""
    xs = rng.normal(0, 1, n_points)
    ys = 1.5 * xs - 0.5 + rng.normal(0, 0.1, n_points)
    w, b = Node(rng.normal(), name="w"), Node(rng.normal(), name="b")

    def loss_fn():
        total = const(0.0)
        for x, y in zip(xs, ys):
            err = add(add(mul(w, const(x)), b), const(-y))
            total = add(total, mul(err, err))
        return mul(total, const(1.0 / n_points), "L")

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


def _trajectory(start, grad_at, lr, steps):
    """The parameters before the first step and after each step of plain gradient descent."""
    theta = [np.array(start, dtype=np.float64)]
    for _ in range(steps):
        theta.append(theta[-1] - lr * grad_at(*theta[-1]))
    return theta


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


def _same_run(a, b):
    return core.close(a, b, rtol=1e-7, atol=1e-9)


def judge_train(fn, rng, n_points, lr, steps):
    """Run ``train`` on a line fitted to ``n_points`` random points and name what is wrong."""
    params, loss_fn, loss_at, grad_at = _line_model(rng, n_points)
    start = [p.value for p in params]
    theta, losses = _simulate(start, loss_at, grad_at, lr, steps)
    # ``reference_backprop`` sorts with the reference, on the student's behalf: allowed.
    got = guard.call(fn, params, loss_fn, reference_backprop, lr, steps, name="train",
                     allow=("mlp.autodiff.topological_sort",))
    got = _as_losses(got, steps)
    got_theta = np.array([p.value for p in params])
    if _same_run(got_theta, theta) and _same_run(got, losses):
        return
    if steps and core.close(got_theta, start, rtol=1e-5):
        core.fail("the parameters did not move: update each parameter's `value` in place with its gradient.")
    flipped, _ = _simulate(start, loss_at, grad_at, lr, steps, sign=-1.0)
    if _same_run(got_theta, flipped):
        core.fail(
            "the loss goes up: your step moves each parameter along its gradient, which is the "
            "direction in which the loss grows. Check the sign of the update."
        )
    for other in (lr * lr, 2 * lr, lr / 2, 1.0):
        if other != lr and _same_run(got_theta, _simulate(start, loss_at, grad_at, other, steps)[0]):
            core.fail(f"the steps use a learning rate of {other:g}, not lr = {lr:g}: move each parameter by "
                      "lr times its gradient, once per step.")
    stale, _ = _simulate(start, loss_at, grad_at, lr, steps, reset=False)
    if steps > 1 and _same_run(got_theta, stale):
        core.fail(
            "the gradients were not reset between steps: `backprop` adds into `grad`, so "
            "without setting each parameter's `grad` back to 0 every step uses the sum of all "
            "earlier gradients too."
        )
    for i, (p, s0) in enumerate(zip(params, start)):
        if steps and p.value == s0 and not core.close(theta[i], s0):
            core.fail(f"parameter `{p.name}` never moved: every step must update every parameter in "
                      "`params`, not only the first.")
    after = np.array([loss_at(*t) for t in _trajectory(start, grad_at, lr, steps)[1:]])
    if steps and _same_run(got, after) and not _same_run(got, losses):
        core.fail("`train` records the loss after each update: the list must hold the loss before each "
                  "step's update (the first entry is the loss at the starting parameters).")
    if not _same_run(got, losses):
        core.check_close("the losses returned by train", got, losses,
                         hint="record the loss of each step before that step's update.")
    core.check_close("the parameters after train", got_theta, theta,
                     factors={"the learning rate": lr},
                     hint="each step: reset, build the loss, backprop, then move every parameter.")


def train(fn):
    """Visible check of ``train(params, loss_fn, backprop, lr, steps)``: plain gradient descent on nodes."""
    judge_train(fn, np.random.default_rng(5), n_points=4, lr=0.1, steps=5)
    core.passed("train", "on a line fitted to 4 points, 5 steps")


# --------------------------------------------------------------------------- primitives (div, exp, log)

PRIMITIVES = {
    # name: (arity, value, [d value / d parent_k], how to write the call)
    "div": (2, lambda a, b: a / b, lambda a, b: [1.0 / b, -a / (b * b)], "div(a, b)"),
    "exp": (1, math.exp, lambda a: [math.exp(a)], "exp(a)"),
    "log": (1, math.log, lambda a: [1.0 / a], "log(a)"),
}


def _rate(op, values, k):
    """d op / d (argument k) at ``values`` by central differences, with a step that fits the value."""
    h = 1e-6 * min(1.0, abs(values[k])) if values[k] else 1e-6

    def along_k(t):
        return op(*values[:k], float(t), *values[k + 1:])

    return float(numerical_gradient(along_k, values[k], eps=h))


def judge_primitive(fn, name, values):
    """Call the student's constructor ``name`` on fresh leaves holding ``values``; check value,
    parents and local derivatives."""
    arity, op, locals_of, call = PRIMITIVES[name]
    letters = "ab"[:arity]
    leaves = [Node(v, name=letters[k]) for k, v in enumerate(values)]
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
    if not _near(value, expected_value):
        if name == "div" and _near(value, values[1] / values[0]):
            core.fail(f"`{call}` with {shown} has the value of b / a: the numerator is the first argument.")
        if name == "log" and values[0] > 0:
            for base, f in (("10", math.log10), ("2", math.log2)):
                if _near(value, f(values[0])):
                    core.fail(f"`{call}` with {shown} is {value:.6g}, the logarithm in base {base}: `log` "
                              "here is the natural logarithm (base e), as `np.log` and `math.log` compute it.")
        if name == "exp" and _near(value, math.exp(values[0]) - 1):
            core.fail(f"`{call}` with {shown} is exp(a) - 1 (`np.expm1`): the node holds exp(a) itself.")
        if expected_value != 0 and _near(-value, expected_value):
            core.fail(f"the value of `{call}` with {shown} is {value:.6g}, the right size with the wrong sign.")
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
    if all(_near(g, e) for g, e in zip(local, expected)):
        return
    numeric = [_rate(op, values, k) for k in range(arity)]
    swapped = arity == 2 and _near(local[0], expected[1]) and _near(local[1], expected[0])
    if swapped and not _near(expected[0], expected[1]):
        core.fail(
            f"the local derivatives of `{call}` are swapped between the two parents: with {shown}, "
            f"`local_grads` is [{local[0]:.6g}, {local[1]:.6g}], but nudging a moves the result at a "
            f"rate of {numeric[0]:.6g} and nudging b at {numeric[1]:.6g}. Entry k belongs to `parents[k]`."
        )
    for k in range(arity):
        if _near(local[k], expected[k]):
            continue
        which = f"parent `{letters[k]}`" if arity == 2 else "its parent"
        if expected[k] != 0 and _near(-local[k], expected[k]):
            extra = " (the divisor)" if name == "div" and k == 1 else ""
            core.fail(
                f"the local derivative of `{call}` with respect to {which}{extra} has the wrong sign: "
                f"with {shown} it is {local[k]:.6g}, but nudging {letters[k]} moves the result at a rate "
                f"of {numeric[k]:.6g}. Ask whether the result grows or shrinks when {letters[k]} grows."
            )
        if name == "log" and values[0] > 0 and _near(local[k], 1.0 / (values[0] * math.log(10))):
            core.fail(f"the local derivative of `{call}` is that of log base 10 (1 / (a ln 10)): "
                      "`log` here is the natural logarithm, whose derivative is simpler.")
        if name == "log" and values[0] > 0 and _near(local[k], 1.0 / math.log(values[0])):
            core.fail(f"the local derivative of `{call}` divides by the output log(a) = "
                      f"{math.log(values[0]):.6g}: the derivative of log is taken with respect to its "
                      "input a, so it depends on a, not on log(a).")
        if name == "exp" and (_near(local[k], values[0] * math.exp(values[0] - 1))
                              or _near(local[k], values[0] * math.exp(values[0]))):
            core.fail(f"the local derivative of `{call}` treats exp as a power of a (the power rule brings a "
                      f"down as a factor): exp(a) = e**a has a constant base, and it is its own derivative.")
        if name == "div" and k == 1 and _near(local[k], -1.0 / values[1] ** 2) and values[0] != 1:
            core.fail(f"the local derivative of `{call}` with respect to the divisor b misses the factor a: "
                      "a / b is a times 1/b, and a stays as a factor of the derivative of 1/b.")
        if name == "div" and k == 0 and _near(local[k], values[0] / values[1]) and values[0] != 1:
            core.fail(f"the local derivative of `{call}` with respect to a stores the value a / b itself: "
                      "how much does a / b change per unit of a?")
        if name == "div" and k == 0 and _near(local[k], values[1]):
            core.fail(f"the local derivative of `{call}` with respect to the numerator is b: a / b changes "
                      "by 1/b for each unit of a.")
        if name == "exp" and _near(local[k], values[0]):
            core.fail(
                f"the local derivative of `{call}` equals the input a = {values[0]:.6g}; nudging a "
                f"moves exp(a) at a rate of {numeric[k]:.6g}. Differentiate exp, do not copy its argument."
            )
        core.fail(
            f"the local derivative of `{call}` with respect to {which} is wrong: with {shown} you "
            f"store {local[k]:.6g}, but nudging {letters[k]} moves the result at a rate of "
            f"{numeric[k]:.6g} (central differences)."
        )


def primitives(div, exp, log):
    """Visible check of the node constructors ``div(a, b)``, ``exp(a)`` and ``log(a)``: value,
    parents (the inputs themselves, in order) and one local derivative per parent."""
    judge_primitive(div, "div", [3.0, -1.5])
    judge_primitive(exp, "exp", [0.5])
    judge_primitive(log, "log", [2.0])
    core.passed("primitives", "div(3, -1.5), exp(0.5) and log(2)")
