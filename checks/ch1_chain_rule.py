"""Checks for chapter 1, the chain rule.

One function per exercise, called from the chapter's test cells as
``check.sigmoid_grad(sigmoid_grad)``: each runs one small fixed case.  The
per-case diagnosis is a public ``judge_<exercise>`` function, which computes
the expected answer with the reference first, runs the student's code through
``guard.call`` and names the mistakes this chapter is about: a derivative
evaluated at the output instead of the input, the 1/N of a mean dropped, a
running product delta not carried down a chain, an activation on the output
layer, one of two paths forgotten, a one-sided difference, every entry moved
at once, an input left changed.
"""

import numpy as np

from mlp.layers import Linear, Sigmoid, sigmoid
from mlp.losses import MSELoss
from mlp.network import Sequential

from . import core, guard

# The reference modules an answer of this chapter may be rebuilt from in the sandbox: none.
SANDBOX_MLP = ()

# Overflow in a naive exp(-z) is harmless when it only makes 1 / (1 + inf) = 0;
# the checks judge the returned values, so numpy's warnings are not shown.
_QUIET = dict(over="ignore", under="ignore", invalid="ignore", divide="ignore")


def _call(fn, *args, name, unchanged=()):
    with np.errstate(**_QUIET):
        return guard.call(fn, *args, name=name, unchanged=unchanged)


def _sigmoid_prime(z):
    s = sigmoid(np.asarray(z, dtype=np.float64))
    return s * (1 - s)


def _one_number(name, got):
    """The student's answer as a float, or a message saying why it is not one number."""
    got = core.as_answer(name, got)
    if got.size != 1:
        core.fail(f"`{name}` should return a single number, got an array of shape {got.shape}")
    return float(got.reshape(()))


# --------------------------------------------------------------------------- sigmoid_grad

def judge_sigmoid_grad(fn, z):
    """Run ``sigmoid_grad`` on ``z`` and name what is wrong; returns the answer as an array."""
    z = np.asarray(z, dtype=np.float64)
    got = core.as_answer("sigmoid_grad(z)", _call(fn, z, name="sigmoid_grad", unchanged=("z",)))
    if np.any(np.abs(z) > 0.5) and core.close(got, _sigmoid_prime(sigmoid(z)), atol=1e-10):
        core.fail(
            "`sigmoid_grad` returns the derivative evaluated at the sigmoid's output "
            "a = sigmoid(z) instead of at its input z. The argument `z` is already the "
            "pre-activation: apply the derivative to it directly (the blog post *Yet another "
            "explanation of backprop* makes this slip)."
        )
    if core.close(got, sigmoid(z), atol=1e-10):
        core.fail("`sigmoid_grad` returns the sigmoid itself, sigmoid(z), not its derivative: "
                  "differentiate the logistic function, then evaluate the derivative at z.")
    if core.close(got, 1 - np.tanh(z) ** 2, atol=1e-10):
        core.fail("`sigmoid_grad` returns the derivative of tanh, 1 - tanh(z)**2: the sigmoid is a different "
                  "function, and so is its derivative.")
    if core.close(got, sigmoid(z) * (1 + sigmoid(z)), atol=1e-10):
        core.fail("`sigmoid_grad` computes s (1 + s): the second factor has the wrong sign inside.")
    if core.close(got, 1 - sigmoid(z), atol=1e-10):
        core.fail("`sigmoid_grad` returns only one of the two factors of the derivative: the "
                  "derivative of the sigmoid is a product of two terms, both built from sigmoid(z).")
    core.check_close(
        "sigmoid_grad(z)", got, _sigmoid_prime(z),
        hint="the derivative of the sigmoid can be written with the sigmoid itself; "
        "compare your values with a finite difference at a few points.",
    )
    return got


def sigmoid_grad(fn):
    """Visible check of ``sigmoid_grad(z)``: one small fixed case."""
    judge_sigmoid_grad(fn, np.array([-2.0, 0.0, 0.5, 3.0]))
    core.passed("sigmoid_grad", "on z = [-2, 0, 0.5, 3]")


# --------------------------------------------------------------------------- mse_grad

MSE_FACTOR = "N (the number of entries the mean runs over)"


def judge_mse_grad(fn, pred, target):
    """Run ``mse_grad`` on one batch and name what is wrong; returns the answer as an array."""
    loss = MSELoss()
    loss.forward(pred, target)
    expected = loss.backward()
    got = core.as_answer("mse_grad(pred, target)",
                         _call(fn, pred, target, name="mse_grad", unchanged=("pred", "target")))
    diff = np.asarray(pred, dtype=np.float64) - target
    if np.any(diff) and got.shape == diff.shape and any(
            core.close(got, d) for d in (diff ** 2 / diff.size, diff ** 2)):
        core.fail("`mse_grad` returns a piece of the loss, not its derivative: differentiate the square "
                  "(pred - target)**2 with respect to pred, then keep the mean's 1/N.")
    factors = {MSE_FACTOR: pred.size}
    if pred.ndim >= 2 and pred.shape[0] not in (1, pred.size):
        factors["the number of rows"] = pred.shape[0]
        factors[
            "k (the number of entries in one row: the mean runs over every entry, not "
            "only over the rows)"
        ] = pred.size // pred.shape[0]
    core.check_close(
        "mse_grad(pred, target)", got, expected, factors=factors,
        hint="differentiate the mean of squares one entry at a time: "
        "how does L move when a single pred[i] moves?",
    )
    return got


def mse_grad(fn):
    """Visible check of ``mse_grad(pred, target)`` = dL/dpred for L = mean((pred - target)**2)."""
    pred = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [3.0, 1.0, 0.25], [-2.0, 0.5, 1.0]])
    target = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, 0.0], [2.5, 0.0, 1.0], [-1.0, 0.0, 0.0]])
    judge_mse_grad(fn, pred, target)
    core.passed("mse_grad", "on a (4, 3) batch")


# --------------------------------------------------------------------------- chain_grads

def chain_forward(x, y, ws, bs):
    """The forward pass of the chain of D one-neuron layers: (zs, ins, L).

    ``zs[l]`` is layer l's pre-activation and ``ins[l]`` its input (``ins[0] = x``);
    every layer but the last applies the sigmoid; L = (zs[-1] - y)**2.
    """
    zs, ins = [], [float(x)]
    for l, (w, b) in enumerate(zip(ws, bs)):
        zs.append(w * ins[-1] + b)
        if l < len(ws) - 1:
            ins.append(float(sigmoid(np.float64(zs[-1]))))
    return zs, ins, (zs[-1] - y) ** 2


def _chain_reference(x, y, ws, bs):
    """(dws, dbs) from the reference layers: Linear(1, 1) and Sigmoid in turn, the last Linear bare, MSE."""
    layers, linears = [], []
    for l, (w, b) in enumerate(zip(ws, bs)):
        lin = Linear(1, 1)
        lin.params["W"][...] = w
        lin.params["b"][...] = b
        linears.append(lin)
        layers += [lin] if l == len(ws) - 1 else [lin, Sigmoid()]
    net, loss = Sequential(*layers), MSELoss()
    loss.forward(net.forward(np.array([[x]], dtype=np.float64)), np.array([[y]], dtype=np.float64))
    net.backward(loss.backward())
    return ([float(lin.grads["W"][0, 0]) for lin in linears], [float(lin.grads["b"][0]) for lin in linears])


def _chain_slip(x, y, ws, bs, slip):
    """(dws, dbs) of the chain as one named slip computes them (see ``_CHAIN_SLIPS``)."""
    depth = len(ws)
    zs, ins, _ = chain_forward(x, y, ws, bs)
    out = zs[-1]
    if slip == "last_activation":
        out = float(sigmoid(np.float64(zs[-1])))
    top = (1.0 if slip == "no_two" else 2.0) * (out - y)
    if slip in ("last_activation", "last_prime"):
        top *= float(_sigmoid_prime(zs[-1]))
    delta, dws, dbs = top, [0.0] * depth, [0.0] * depth
    for l in reversed(range(depth)):
        own_output = ins[l + 1] if l + 1 < depth else zs[-1]
        dws[l] = delta * (own_output if slip == "own_output" else ins[l])
        dbs[l] = delta
        if l == 0:
            break
        w = ws[l - 1] if slip == "weight_below" else ws[l]
        at = {"at_output": ins[l], "wrong_layer": zs[l]}.get(slip, zs[l - 1])
        local = w * float(_sigmoid_prime(at))
        if slip == "not_carried":
            delta = top * local
        elif slip == "never_multiplied":
            delta = top
        else:
            delta = delta * local
    return dws, dbs


_NOT_CARRIED = (
    "`chain_grads` does not carry delta down the chain: each layer's delta is built from the "
    "output's delta and only the factors next to that layer, so the factors of the layers in "
    "between are lost (with D = 2 nothing is in between, which hides the slip). Keep one running "
    "product and update it at every step down."
)
_LAST_ACTIVATION = (
    "`chain_grads` treats the last layer as if it had a sigmoid. The output layer has no "
    "activation (a regression output, L = (z_D - y)**2), so no sigmoid's derivative belongs "
    "between L and z_D."
)
_CHAIN_SLIPS = {
    "at_output": "`chain_grads` evaluates the sigmoid's derivative at a layer's output a instead of at "
                 "its input z. Each local derivative is evaluated at the input of its own function.",
    "wrong_layer": "`chain_grads` evaluates the sigmoid's derivative at the wrong place: at the z of the "
                   "layer delta comes from, not at the z of the sigmoid that delta passes through "
                   "on its way down.",
    "no_two": "`chain_grads` misses the factor 2 of the square: every gradient is half of what it "
              "should be. Differentiate L = (z_D - y)**2 once more.",
    "not_carried": _NOT_CARRIED,
    "never_multiplied": _NOT_CARRIED,
    "last_activation": _LAST_ACTIVATION,
    "last_prime": _LAST_ACTIVATION,
    "own_output": "`chain_grads` is off by one in which activation multiplies which weight: dws[l] uses "
                  "the layer's own output where the layer's input belongs (the value its weight "
                  "multiplies in the forward pass; x for the first layer).",
    "weight_below": "`chain_grads` is off by one in which weight carries delta down: it uses the weight "
                    "of the layer below where the weight of the layer delta passes through belongs.",
}


def _grad_list(name, got, depth):
    """One list of the answer as a 1-D float array of length ``depth``, or a message saying why not."""
    arr = core.as_answer(name, got)
    if arr.ndim != 1:
        core.fail(f"`{name}` should be a list of {depth} numbers, one per layer, got an array of "
                  f"shape {arr.shape}.")
    if len(arr) != depth:
        why = ""
        if len(arr) == depth + 1:
            why = " One too many: the input x is not a layer, and only the D layers have parameters."
        elif len(arr) == depth - 1:
            why = (" One too few: a layer was skipped; check the ends of your loop (the first layer "
                   "and the last layer both have a weight and a bias).")
        core.fail(f"`{name}` has the wrong length: {len(arr)} entr{'y' if len(arr) == 1 else 'ies'} for a chain of D = {depth} "
                  f"layers; it needs one per layer.{why}")
    return arr


def _as_chain_pair(got, depth):
    if isinstance(got, dict):
        core.fail("`chain_grads` should return a pair `(dws, dbs)` of two lists, got a dict.")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = type(got).__name__ + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
        fail_more = " (one list per layer? return two lists, dws and dbs)" if isinstance(got, (tuple, list)) \
            and len(got) == depth and depth != 2 else ""
        core.fail(f"`chain_grads` should return a pair `(dws, dbs)` of two lists, got {kind}{fail_more}.")
    return _grad_list("dws", got[0], depth), _grad_list("dbs", got[1], depth)


def judge_chain_grads(fn, x, y, ws, bs):
    """Run ``chain_grads`` on one chain and name what is wrong; returns (dws, dbs) as float arrays."""
    ws, bs = [float(w) for w in ws], [float(b) for b in bs]
    depth = len(ws)
    expected = [np.array(v) for v in _chain_reference(x, y, ws, bs)]
    got = _as_chain_pair(_call(fn, x, y, list(ws), list(bs), name="chain_grads"), depth)
    where = f"(D = {depth})"

    def matches(pair, atol=1e-12):
        return all(core.close(g, e, atol=atol) for g, e in zip(got, pair))

    if matches(expected, atol=1e-10):
        return got
    visible = [np.array(v) for v in _chain_reference(*_CHAIN_VISIBLE)]
    if (x, y, ws, bs) != _CHAIN_VISIBLE and all(g.shape == v.shape for g, v in zip(got, visible)) \
            and matches(visible):
        core.fail("`chain_grads` returns the visible test's numbers whatever its inputs: compute the "
                  "gradients from x, y, ws and bs.")
    if depth > 1:
        flipped = [e[::-1] for e in expected]
        if not matches(expected) and matches(flipped):
            core.fail(f"`chain_grads` {where} returns its lists in the wrong order: last layer first. "
                      "The backward pass visits the layers from the last to the first, but dws[0] and "
                      "dbs[0] must belong to the first layer, as ws[0] and bs[0] do.")
        for k, name in enumerate(("dws", "dbs")):
            if not core.close(expected[k], flipped[k]) and core.close(got[k], flipped[k], atol=1e-12):
                core.fail(f"`{name}` {where} is in the wrong order: last layer first. Entry l must "
                          "belong to layer l, as in ws and bs.")
    if not core.close(expected[0], expected[1]) and matches(expected[::-1]):
        core.fail("`chain_grads` returns the pair the wrong way round: (dbs, dws) instead of (dws, dbs).")
    for slip, message in _CHAIN_SLIPS.items():
        wrong = [np.array(v) for v in _chain_slip(x, y, ws, bs, slip)]
        if not all(core.close(w, e) for w, e in zip(wrong, expected)) and matches(wrong):
            core.fail(message + f" (seen on a chain with {where[1:-1]})")
    hint = ("walk backwards once, from L to the first layer, keeping delta = dL/dz of the current "
            "layer; evaluate each local derivative at the forward-pass values.")
    for name, g, e in zip(("dws", "dbs"), got, expected):
        core.check_close(f"{name} {where}", g, e, rtol=1e-7, atol=1e-10,
                         factors={"2 (from the square)": 2.0}, hint=hint)
    return got


_CHAIN_VISIBLE = (1.5, 0.5, [0.8, -1.2], [-0.3, 0.1])  # the worked example: D = 2
_CHAIN_DEEPER = (0.7, -0.4, [1.1, -0.9, 1.4, 0.6], [0.2, -0.5, 0.3, -0.1])


def chain_grads(fn):
    """Visible check of ``chain_grads(x, y, ws, bs)`` -> (dws, dbs): the worked point and a chain of four."""
    judge_chain_grads(fn, *_CHAIN_VISIBLE)
    judge_chain_grads(fn, *_CHAIN_DEEPER)
    core.passed("chain_grads", "at the worked example's point (D = 2) and on a chain of D = 4 layers")


# --------------------------------------------------------------------------- two_path_grad

def _two_path_parts(x, y, w):
    z1 = w * x
    a1 = float(sigmoid(np.float64(z1)))
    z2 = w * a1
    delta = 2 * (z2 - y)
    as_multiplier = delta * a1  # w scaling a1 in z2 = w a1
    through_z1 = delta * w * float(_sigmoid_prime(z1)) * x  # w inside z1 = w x
    return as_multiplier, through_z1


def judge_two_path_grad(fn, x, y, w):
    """Run ``two_path_grad`` at one point and name what is wrong; returns its answer as a float."""
    direct, inner = _two_path_parts(x, y, w)
    expected = direct + inner
    got = _one_number("two_path_grad", _call(fn, x, y, w, name="two_path_grad"))
    if not core.close(got, expected, atol=1e-10):
        for part, where in ((direct, "where w multiplies a1"), (inner, "through z1 = w x")):
            if not core.close(part, expected, atol=1e-10) and core.close(got, part, atol=1e-12):
                core.fail(
                    f"`two_path_grad` holds only one of the paths from w to L (the one {where}). "
                    "w is used twice, so it reaches the loss along two paths: the total "
                    "derivative combines the contributions of both."
                )
        z1 = w * x
        a1 = float(sigmoid(np.float64(z1)))
        at_output = inner / float(_sigmoid_prime(z1)) * float(_sigmoid_prime(a1))
        if abs(z1 - a1) > 0.1 and abs(inner) > 1e-8 and core.close(got, direct + at_output, atol=1e-12):
            core.fail("`two_path_grad` evaluates the sigmoid's derivative at its output a1 instead of at its "
                      "input z1 = w x: each local derivative is evaluated at the input of its own function.")
        delta = 2 * (w * a1 - y)
        for label, value in (("x (the derivative of z1 = w x)", x), ("w (the derivative of z2 = w a1 by a1)", w),
                             ("the sigmoid's derivative", float(_sigmoid_prime(z1)))):
            if abs(abs(value) - 1) > 1e-3 and abs(value) > 1e-8 and abs(inner) > 1e-8 \
                    and core.close(got, direct + inner / value, atol=1e-12):
                core.fail(f"`two_path_grad`: the path through z1 is missing a factor of its chain, {label}. "
                          "Multiply every local derivative along that path.")
        if abs(delta) > 1e-8 and abs(delta - 1) > 1e-3 and core.close(got, (direct + inner) / delta, atol=1e-12):
            core.fail("`two_path_grad` leaves out the loss's own derivative dL/dz2, which both paths share.")
        if abs(direct) > 1e-8 and abs(inner) > 1e-8 and core.close(got, direct * inner, atol=1e-8):
            core.fail(
                "`two_path_grad` multiplies the contributions of the two paths. Factors "
                "multiply along one path; contributions of different paths are combined otherwise."
            )
    core.check_scalar(
        "two_path_grad", got, expected, factors={"2 (from the square)": 2.0},
        hint="name every intermediate value, list the paths from w to L, and write one chain per path.",
    )
    return got


def two_path_grad(fn):
    """Visible check of ``two_path_grad(x, y, w)`` = dL/dw for L = (w * sigmoid(w * x) - y)**2."""
    judge_two_path_grad(fn, 1.5, 0.2, 0.8)
    core.passed("two_path_grad", "at x=1.5, y=0.2, w=0.8")


# --------------------------------------------------------------------------- central_difference

def _cd_at(f, x, steps):
    """f at x moved by ``steps`` (an array of x's shape, or a number for a number x), in float64."""
    if not isinstance(x, np.ndarray):
        return f(float(x) + steps)
    return f(np.asarray(x, dtype=np.float64) + steps)


def _cd_per_entry(f, x, h, rule):
    """One estimate per entry of ``x``: rule(up, mid, down) with entry i moved by +h and -h."""
    if not isinstance(x, np.ndarray):
        return float(rule(_cd_at(f, x, h), _cd_at(f, x, 0.0), _cd_at(f, x, -h)))
    mid, out = _cd_at(f, x, 0.0), np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[i] = h
        out[i] = rule(_cd_at(f, x, step), mid, _cd_at(f, x, -step))
    return out


def _central(f, x, h):
    return _cd_per_entry(f, x, h, lambda up, mid, down: (up - down) / (2 * h))


def _x_changed(x, before, h, expected):
    """Name how the answer left ``x`` changed, or None if it is as it was."""
    if np.array_equal(x, before, equal_nan=True):
        return None
    diff = np.asarray(x, dtype=np.float64) - before
    moved = diff[diff != 0]
    if moved.size and np.allclose(np.abs(moved), h, rtol=1e-6):
        return ("`central_difference` leaves x changed: an entry is still moved by eps when the function "
                "returns. Put each entry back after its two evaluations; the caller's x must be exactly "
                "as it was.")
    if moved.size and np.all(np.abs(moved) <= 1e-9 * (np.abs(before[diff != 0]) + 1)):
        return ("`central_difference` leaves x changed in its last digits: adding and subtracting eps "
                "does not always bring a float back exactly (rounding). Save the entry's value and put "
                "that value back, or move a copy instead of x.")
    if core.close(x, expected, rtol=1e-6):
        return ("`central_difference` leaves x changed: the gradient was written into x itself. The "
                "caller's x must be exactly as it was when the function returns.")
    return ("`central_difference` modified its input x in place and did not restore it: the caller's x "
            "must be exactly as it was when the function returns (move a copy, or put every entry back).")


def judge_central_difference(fn, f, x, eps=None, label="f"):
    """Run ``central_difference(f, x, eps)`` (``eps=None``: the default eps) and name what is wrong.

    ``f`` is a function of the check from x's shape (or a float) to a float; ``x`` a float or an
    array (its entries may be integers); ``label`` describes the case. Returns the answer.
    """
    h = 1e-5 if eps is None else eps
    array = isinstance(x, np.ndarray)
    before = np.array(x, copy=True) if array else None
    expected = _central(f, x, h)
    args = (f, x) if eps is None else (f, x, eps)
    raw = _call(fn, *args, name="central_difference")
    name = "central_difference"
    if array and isinstance(raw, np.ndarray) and np.shares_memory(raw, x):
        core.fail(f"`central_difference` on {label} returns an array that shares memory with x (x itself "
                  "or a view of it): the gradient would change whenever x changes, and writing it "
                  "overwrites x. Return a new array.")
    if array:
        changed = _x_changed(x, before, h, expected)
        if changed:
            core.fail(changed + f" (on {label})")
    got = core.as_answer(name, raw)
    if not array:
        if got.shape != ():
            core.fail(f"`central_difference` on {label}: x is a single number, so the answer is a single "
                      f"number, got an array of shape {got.shape}.")
    else:
        everything = (_cd_at(f, x, h) - _cd_at(f, x, -h)) / (2 * h)
        if x.size > 1 and got.size in (1, x.size) and core.close(got, np.full(got.shape, everything), rtol=1e-9) \
                and not core.close(expected, np.full(x.shape, everything), rtol=1e-6):
            core.fail(f"`central_difference` on {label} moves every entry of x at once: that gives the "
                      "derivative along the direction (1, 1, ..., 1), a directional derivative, not one "
                      "partial derivative per entry. Move one entry at a time.")
        if got.shape != x.shape:
            if got.size == x.size and x.ndim != 1:
                core.fail(f"`central_difference` on {label} returns shape {got.shape} for x of shape "
                          f"{x.shape}: the gradient was flattened or reshaped. Return it with x's shape.")
            core.check_close(name, got, expected)  # names the shape
        if x.dtype.kind in "iub":
            if isinstance(raw, np.ndarray) and raw.dtype.kind in "iub" or (
                    core.close(got, np.trunc(expected), atol=1e-12) and not core.close(expected, np.trunc(expected))):
                core.fail(f"`central_difference` on {label} returns whole numbers: x holds integers, and an "
                          "array made like x (zeros_like, a copy) holds integers too, so every rate written "
                          "into it is truncated. Work in float64.")
            lost = np.zeros(x.shape)  # each step written into an integer array: truncated towards 0
            for i in np.ndindex(x.shape):
                up, down = x.copy(), x.copy()
                up[i], down[i] = np.trunc(x[i] + h), np.trunc(x[i] - h)
                lost[i] = (f(up.astype(np.float64)) - f(down.astype(np.float64))) / (2 * h)
            if not core.close(expected, lost) and core.close(got, lost, rtol=1e-9, atol=1e-12):
                core.fail(f"`central_difference` on {label}: x holds integers, so writing x[i] + eps into x "
                          "(or into an integer copy of it) truncates the step away, and f is evaluated at "
                          "whole numbers instead of at x +- eps. Work on a float64 copy.")
    if core.close(got, expected, rtol=1e-7, atol=1e-10):
        return got
    one_sided = [_cd_per_entry(f, x, h, lambda up, mid, down: (up - mid) / h),
                 _cd_per_entry(f, x, h, lambda up, mid, down: (mid - down) / h)]
    if any(core.close(got, d, rtol=1e-9, atol=1e-12) for d in one_sided):
        core.fail(f"`central_difference` on {label} gives a one-sided difference: it steps to one side "
                  "of x only. Its error shrinks like eps, not like eps**2; step to both sides.")
    if core.close(got, 2 * expected, rtol=1e-9, atol=1e-12) and np.any(expected):
        core.fail(f"`central_difference` on {label} is twice too large: the factor 2 is missing in the "
                  "denominator. The two points f is evaluated at are 2 eps apart.")
    if not array and core.close(got, _VISIBLE_CD, rtol=1e-9):
        core.fail(f"`central_difference` on {label} returns {float(got):.6g}, the visible test's answer for "
                  "x**3 at x = 2: the result must be computed from the f, x and eps it is given.")
    rules = {
        "multiplies by eps instead of dividing by it: operator precedence reads `/ 2 * eps` as "
        "`(... / 2) * eps`. Divide by `(2 * eps)`.": lambda up, mid, down: (up - down) / 2 * h,
        "divides only f(x - eps) by the step: operator precedence. Put the difference of the two "
        "values in parentheses before dividing.": lambda up, mid, down: up - down / (2 * h),
    }
    for message, rule in rules.items():
        if core.close(got, _cd_per_entry(f, x, h, rule), rtol=1e-9):
            core.fail(f"`central_difference` on {label} {message}")
    if eps is not None:
        for other in (1e-5, 1e-6, 1e-4, 1e-3, 1e-8, 1e-7):
            if abs(other - h) > 1e-12 and core.close(got, _central(f, x, other), rtol=1e-9):
                core.fail(f"`central_difference` on {label} ignores the eps it is given ({h:g}) and uses "
                          f"a step of {other:g} of its own: use the argument `eps`.")
    core.check_close(
        name, got, expected, rtol=1e-7, atol=1e-10,
        hint=f"on {label}, with eps={h:g}. For each entry, evaluate f with that entry moved to both "
        "sides by eps, and divide by the distance between the two points.",
    )
    return got


def _cube(t):
    return t ** 3


_VISIBLE_CD = (_cube(2.1) - _cube(1.9)) / 0.2  # the visible case's answer, to recognise it hard-coded


def polynomial(c):
    """f(t) = sum(c * t**3) + sum(t)**2 for t of c's shape: numpy only, and it checks t's shape."""
    c = np.asarray(c, dtype=np.float64)

    def f(t):
        t = np.asarray(t, dtype=np.float64)
        if t.shape != c.shape:
            raise ValueError(f"f expects an array of shape {c.shape}, got one of shape {t.shape}")
        return float(np.sum(c * t ** 3) + np.sum(t) ** 2)

    return f


_CD_COEF = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.5]])
_CD_X = np.array([[0.3, -1.1, 0.7], [1.9, -0.4, 0.1]])
_CD_INT = np.array([1, -2, 3])


def central_difference(fn):
    """Visible check of ``central_difference(f, x, eps=1e-5)``: a float, a (2, 3) array, integers, a second call."""
    judge_central_difference(fn, _cube, 2.0, 0.1, "f(x) = x**3 at x = 2")
    x = _CD_X.copy()
    first = judge_central_difference(fn, polynomial(_CD_COEF), x, 1e-3, "a cubic of a (2, 3) array")
    kept = np.array(first, copy=True)
    judge_central_difference(fn, polynomial(_CD_COEF[:, ::-1]), x[::-1].copy(), 1e-3,
                             "a second cubic of a (2, 3) array")
    if not np.array_equal(first, kept):
        core.fail("the array `central_difference` returned for the first (2, 3) case changed when it was "
                  "called again: it returns an array it keeps and reuses (a buffer kept between calls, "
                  "or a view of one). Return a new array each call.")
    judge_central_difference(fn, polynomial([1.0, 0.5, -1.0]), _CD_INT.copy(), 0.1,
                             "a cubic of an integer array [1, -2, 3]")
    core.passed("central_difference", "on x**3 at x = 2, on (2, 3) arrays, and on an integer array")
