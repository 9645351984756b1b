"""Checks for chapter 1, the chain rule.

One function per exercise, called from the chapter's test cells as
``check.sigmoid_grad(sigmoid_grad)``: each runs one small fixed case.  The
per-case diagnosis is a public ``judge_<exercise>`` function, which computes
the expected answer with the reference first, runs the student's code through
``guard.call`` and names the mistakes this chapter is about: a derivative
evaluated at the output instead of the input, the 1/N of a mean dropped, a
factor of the chain left out, one of two paths forgotten, a one-sided
difference.
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


# --------------------------------------------------------------------------- tiny_net_grads

TINY_NET_KEYS = ("w1", "b1", "w2", "b2")


def tiny_net_forward(x, y, w1, b1, w2, b2):
    """The forward pass of the 1-1-1 network: (z1, a1, z2, L) with L = (z2 - y)**2."""
    z1 = w1 * x + b1
    a1 = float(sigmoid(np.float64(z1)))
    z2 = w2 * a1 + b2
    return z1, a1, z2, (z2 - y) ** 2


def _tiny_reference(x, y, w1, b1, w2, b2):
    """The four gradients from the reference layers: Linear(1, 1), Sigmoid, Linear(1, 1), MSE."""
    first, second = Linear(1, 1), Linear(1, 1)
    first.params["W"][...] = w1
    first.params["b"][...] = b1
    second.params["W"][...] = w2
    second.params["b"][...] = b2
    net, loss = Sequential(first, Sigmoid(), second), MSELoss()
    loss.forward(net.forward(np.array([[x]], dtype=np.float64)), np.array([[y]], dtype=np.float64))
    net.backward(loss.backward())
    return {
        "w1": float(first.grads["W"][0, 0]), "b1": float(first.grads["b"][0]),
        "w2": float(second.grads["W"][0, 0]), "b2": float(second.grads["b"][0]),
    }


def _as_grad_dict(got, name):
    if not isinstance(got, dict):
        core.fail(f"`{name}` should return a dict with keys {list(TINY_NET_KEYS)}, got {type(got).__name__}")
    missing = [k for k in TINY_NET_KEYS if k not in got]
    if missing:
        core.fail(f"the dict returned by `{name}` has no key {missing[0]!r}: it needs all of {list(TINY_NET_KEYS)}")
    out = {}
    for k in TINY_NET_KEYS:
        value = core.as_answer(f"grads[{k!r}]", got[k])
        if value.size != 1:
            core.fail(f"`grads[{k!r}]` should be a single number, got an array of shape {value.shape}")
        out[k] = float(value.reshape(()))
    return out


def judge_tiny_net_grads(fn, x, y, w1, b1, w2, b2):
    """Run ``tiny_net_grads`` at one point and name what is wrong; returns its dict of floats."""
    z1, a1, z2, _ = tiny_net_forward(x, y, w1, b1, w2, b2)
    expected = _tiny_reference(x, y, w1, b1, w2, b2)
    got = _as_grad_dict(_call(fn, x, y, w1, b1, w2, b2, name="tiny_net_grads"), "tiny_net_grads")
    visible = _tiny_reference(*_TINY_VISIBLE)
    if (x, y, w1, b1, w2, b2) != _TINY_VISIBLE and all(core.close(got[k], visible[k]) for k in TINY_NET_KEYS):
        core.fail("`tiny_net_grads` returns the visible test's four numbers whatever its inputs: compute "
                  "the gradients from x, y, w1, b1, w2 and b2.")

    # The slip of *Yet another explanation of backprop*: the sigmoid's derivative taken at a1, not z1.
    at_output = 2 * (z2 - y) * w2 * float(_sigmoid_prime(a1))
    if (abs(z1 - a1) > 0.1 and core.close(got["b1"], at_output, atol=1e-12)
            and not core.close(expected["b1"], at_output)):
        core.fail(
            "your dL/dw1 and dL/db1 use the sigmoid's derivative evaluated at its output a1 "
            "instead of at its input z1. Each local derivative is evaluated at the input of "
            "its own function."
        )

    # Local factors along each chain, to name a missing one.
    delta2 = 2 * (z2 - y)
    chains = {
        "w2": {"dL/dz2 (the loss's derivative)": delta2, "dz2/dw2": a1},
        "b2": {"dL/dz2 (the loss's derivative)": delta2},
        "w1": {"dL/dz2 (the loss's derivative)": delta2, "dz2/da1": w2,
               "da1/dz1 (the sigmoid's derivative)": float(_sigmoid_prime(z1)), "dz1/dw1": x},
        "b1": {"dL/dz2 (the loss's derivative)": delta2, "dz2/da1": w2,
               "da1/dz1 (the sigmoid's derivative)": float(_sigmoid_prime(z1))},
    }
    for k in TINY_NET_KEYS:
        if core.close(got[k], expected[k], atol=1e-10):
            continue
        for label, value in chains[k].items():
            if abs(abs(value) - 1) < 1e-3 or abs(value) < 1e-8 or abs(value) == 2:
                continue
            if core.close(got[k], expected[k] / value, atol=1e-12):
                core.fail(
                    f"`grads[{k!r}]` is missing a factor of its chain: {label}. Write the "
                    f"path from {k} to L as a chain of local derivatives and multiply every link."
                )
        for other in TINY_NET_KEYS:
            if other != k and not core.close(expected[other], expected[k]) and core.close(got[k], expected[other], atol=1e-12):
                core.fail(f"`grads[{k!r}]` holds dL/d{other}: the keys are mixed up, or one line was copied "
                          f"from another. Write the chain from {k} itself to L.")
        values = {"x": x, "y": y, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "z1": z1, "a1": a1, "z2": z2}
        links = {"dz2/dw2": ("a1", a1), "dz2/da1": ("w2", w2), "dz1/dw1": ("x", x)}
        for label, value in chains[k].items():
            if label not in links or abs(value) < 1e-8:
                continue
            right, _ = links[label]
            for other, v in values.items():
                if other != right and abs(v - value) > 1e-6 and core.close(got[k], expected[k] / value * v, atol=1e-12):
                    core.fail(f"`grads[{k!r}]` uses {other} where {label} = {right} belongs: check which "
                              "forward value each local derivative is evaluated at.")
        core.check_scalar(
            f"grads[{k!r}]", got[k], expected[k],
            factors={"2 (from the square)": 2.0},
            hint="write the chain of local derivatives from this parameter to L and "
            "evaluate each one at the forward-pass values.",
        )
    return got


_TINY_VISIBLE = (1.5, 0.5, 0.8, -0.3, -1.2, 0.1)


def tiny_net_grads(fn):
    """Visible check of ``tiny_net_grads(x, y, w1, b1, w2, b2)`` -> {"w1", "b1", "w2", "b2"}."""
    judge_tiny_net_grads(fn, *_TINY_VISIBLE)
    core.passed("tiny_net_grads", "at x=1.5, y=0.5, w1=0.8, b1=-0.3, w2=-1.2, b2=0.1")


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

def judge_central_difference(fn, f, x, eps=None, label="f"):
    """Run ``central_difference(f, x, eps)`` (``eps=None``: the default eps) and name what is wrong.

    ``f`` is a function of the check, from a float to a float; ``label`` describes it.
    """
    h = 1e-5 if eps is None else eps
    up, mid, down = f(x + h), f(x), f(x - h)
    expected = (up - down) / (2 * h)
    args = (f, x) if eps is None else (f, x, eps)
    got = _one_number("central_difference", _call(fn, *args, name="central_difference"))
    one_sided = ((up - mid) / h, (mid - down) / h)
    if not core.close(got, expected, rtol=1e-9, atol=1e-12) and any(
            core.close(got, d, rtol=1e-9) for d in one_sided):
        core.fail(
            f"`central_difference` on {label} gives a one-sided difference: it steps to one "
            "side of x only. Its error shrinks like eps, not like eps**2; step to both sides."
        )
    if not core.close(got, expected, rtol=1e-9, atol=1e-12):
        if core.close(got, _VISIBLE_CD, rtol=1e-9):
            core.fail(f"`central_difference` on {label} returns {got:.6g}, the visible test's answer for "
                      "x**3 at x = 2: the result must be computed from the f, x and eps it is given.")
        if core.close(got, (up - down) / 2 * h, rtol=1e-9):
            core.fail(f"`central_difference` on {label} multiplies by eps instead of dividing by it: operator "
                      "precedence reads `/ 2 * eps` as `(... / 2) * eps`. Divide by `(2 * eps)`.")
        if any(core.close(got, v, rtol=1e-9) for v in (up - down / (2 * h), up - down / 2 / h, up - down / 2 * h)):
            core.fail(f"`central_difference` on {label} divides only f(x - eps) by the step: operator "
                      "precedence. Put the difference of the two values in parentheses before dividing.")
        if eps is not None:
            for other in (1e-5, 1e-6, 1e-4, 1e-3, 1e-8, 1e-7):
                if abs(other - h) > 1e-12 and core.close(got, (f(x + other) - f(x - other)) / (2 * other), rtol=1e-9):
                    core.fail(f"`central_difference` on {label} ignores the eps it is given ({h:g}) and uses "
                              f"a step of {other:g} of its own: use the argument `eps`.")
    core.check_scalar(
        "central_difference", got, expected, rtol=1e-9, atol=1e-12,
        hint=f"on {label}, with eps={h:g}. Evaluate f on both sides of x, at distance eps, "
        "and divide by the distance between the two points.",
    )
    return got


def _cube(t):
    return t ** 3


_VISIBLE_CD = (_cube(2.1) - _cube(1.9)) / 0.2  # the visible case's answer, to recognise it hard-coded


def central_difference(fn):
    """Visible check of ``central_difference(f, x, eps=1e-5)`` on a scalar function."""
    judge_central_difference(fn, _cube, 2.0, 0.1, "f(x) = x**3 at x = 2")
    core.passed("central_difference", "on f(x) = x**3 at x = 2 with eps = 0.1")
