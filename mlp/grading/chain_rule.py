"""Checks for chapter 1, the chain rule.

One function per exercise, called from the chapter's test cells as
``check.sigmoid_grad(sigmoid_grad)`` (visible) and ``hidden=True`` (hidden).
Each computes the expected answer with the reference first, runs the
student's code through ``guard.call`` and names the mistakes this chapter
is about: a derivative evaluated at the output instead of the input, the
1/N of a mean dropped, a factor of the chain left out, one of two paths
forgotten, a one-sided difference.
"""

import numpy as np

from mlp.gradcheck import numerical_gradient
from mlp.layers import Linear, Sigmoid, sigmoid
from mlp.losses import MSELoss
from mlp.network import Sequential

from . import core, guard

# Overflow in a naive exp(-z) is harmless when it only makes 1 / (1 + inf) = 0;
# the checks judge the returned values, so numpy's warnings are not shown.
_QUIET = dict(over="ignore", under="ignore", invalid="ignore", divide="ignore")


def _call(fn, *args, name, unchanged=()):
    with np.errstate(**_QUIET):
        return guard.call(fn, *args, name=name, unchanged=unchanged)


def _sigmoid_prime(z):
    s = sigmoid(np.asarray(z, dtype=np.float64))
    return s * (1 - s)


def _matches(got, candidate, rtol=1e-6, atol=1e-10):
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    candidate = np.asarray(candidate, dtype=np.float64)
    return got.shape == candidate.shape and bool(np.all(np.isfinite(got))) and bool(
        np.all(np.abs(got - candidate) <= atol + rtol * np.abs(candidate))
    )


# --------------------------------------------------------------------------- sigmoid_grad

def _one_sigmoid_grad(fn, z):
    z = np.asarray(z, dtype=np.float64)
    expected = _sigmoid_prime(z)
    got = _call(fn, z, name="sigmoid_grad", unchanged=("z",))
    if got is not None and np.any(np.abs(z) > 0.5) and _matches(got, _sigmoid_prime(sigmoid(z))):
        core.fail(
            "`sigmoid_grad` returns the derivative evaluated at the sigmoid's output "
            "a = sigmoid(z) instead of at its input z. The argument `z` is already the "
            "pre-activation: apply the derivative to it directly (seed 000 makes this slip)."
        )
    core.check_close(
        "sigmoid_grad(z)", got, expected,
        hint="the derivative of the sigmoid can be written with the sigmoid itself; "
        "compare your values with a finite difference at a few points.",
    )


def sigmoid_grad(fn, hidden=False):
    """Check ``sigmoid_grad(z)``: the sigmoid's derivative at every entry of ``z``."""
    if not hidden:
        _one_sigmoid_grad(fn, np.array([-2.0, 0.0, 0.5, 3.0]))
        core.passed("sigmoid_grad", "on z = [-2, 0, 0.5, 3]")
        return
    rng = np.random.default_rng(101)
    for shape in [(1,), (7,), (3, 4), (2, 3, 2)]:
        _one_sigmoid_grad(fn, rng.normal(0, 3, size=shape))
    # Large inputs: exp(-z) overflows for z = -1000 unless the formula avoids it.
    _one_sigmoid_grad(fn, np.array([-1000.0, -40.0, -1e-9, 0.0, 40.0, 1000.0]))
    _one_sigmoid_grad(fn, np.array(0.3))
    # Float64 finite differences as an independent witness.
    z = rng.normal(0, 2, size=5)
    got = np.asarray(_call(fn, z, name="sigmoid_grad"), dtype=np.float64)
    numeric = np.array([numerical_gradient(lambda t: sigmoid(t), zi) for zi in z])
    core.check_close("sigmoid_grad(z)", got, numeric, rtol=1e-6, atol=1e-9)
    core.passed("sigmoid_grad", "the hidden tests: random shapes, z = +-1000, finite differences")


# --------------------------------------------------------------------------- mse_grad

def _one_mse_grad(fn, pred, target):
    loss = MSELoss()
    loss.forward(pred, target)
    expected = loss.backward()
    got = _call(fn, pred, target, name="mse_grad", unchanged=("pred", "target"))
    factors = {"N (the number of entries the mean runs over)": pred.size}
    if pred.ndim >= 2 and pred.shape[0] not in (1, pred.size):
        factors[
            "k (the number of entries in one row: the mean runs over every entry, not "
            "only over the rows)"
        ] = pred.size // pred.shape[0]
    core.check_close(
        "mse_grad(pred, target)", got, expected, factors=factors,
        hint="differentiate the mean of squares one entry at a time: "
        "how does L move when a single pred[i] moves?",
    )


def mse_grad(fn, hidden=False):
    """Check ``mse_grad(pred, target)`` = dL/dpred for L = mean((pred - target)**2)."""
    if not hidden:
        pred = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [3.0, 1.0, 0.25], [-2.0, 0.5, 1.0]])
        target = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, 0.0], [2.5, 0.0, 1.0], [-1.0, 0.0, 0.0]])
        _one_mse_grad(fn, pred, target)
        core.passed("mse_grad", "on a (4, 3) batch")
        return
    rng = np.random.default_rng(202)
    for shape in [(5,), (6, 3), (1, 1), (1, 4), (2, 3, 4)]:
        _one_mse_grad(fn, rng.normal(size=shape), rng.normal(size=shape))
    # A perfect prediction has zero gradient; large values stay exact.
    x = rng.normal(size=(3, 2))
    _one_mse_grad(fn, x, x.copy())
    _one_mse_grad(fn, rng.normal(scale=1e4, size=(4, 5)), rng.normal(size=(4, 5)))
    # Float64 finite differences as an independent witness.
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    got = _call(fn, pred, target, name="mse_grad")
    numeric = numerical_gradient(lambda p: np.mean((p - target) ** 2), pred)
    core.check_close("mse_grad(pred, target)", got, numeric, rtol=1e-6, atol=1e-9,
                     factors={"N (the number of entries the mean runs over)": pred.size})
    core.passed("mse_grad", "the hidden tests: random shapes, a batch of one, finite differences")


# --------------------------------------------------------------------------- tiny_net_grads

_KEYS = ("w1", "b1", "w2", "b2")


def _tiny_forward(x, y, w1, b1, w2, b2):
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
        core.fail(f"`{name}` should return a dict with keys {list(_KEYS)}, got {type(got).__name__}")
    missing = [k for k in _KEYS if k not in got]
    if missing:
        core.fail(f"the dict returned by `{name}` has no key {missing[0]!r}: it needs all of {list(_KEYS)}")
    out = {}
    for k in _KEYS:
        value = core.as_answer(f"grads[{k!r}]", got[k])
        if value.size != 1:
            core.fail(f"`grads[{k!r}]` should be a single number, got an array of shape {value.shape}")
        out[k] = float(value.reshape(()))
    return out


def _one_tiny_net(fn, x, y, w1, b1, w2, b2):
    z1, a1, z2, _ = _tiny_forward(x, y, w1, b1, w2, b2)
    expected = _tiny_reference(x, y, w1, b1, w2, b2)
    got = _as_grad_dict(_call(fn, x, y, w1, b1, w2, b2, name="tiny_net_grads"), "tiny_net_grads")

    # Seed 000's slip: the sigmoid's derivative applied to a1 instead of z1.
    at_output = 2 * (z2 - y) * w2 * float(_sigmoid_prime(a1))
    if abs(z1 - a1) > 0.1 and np.isclose(got["b1"], at_output, rtol=1e-6, atol=1e-12) and not np.isclose(
        expected["b1"], at_output, rtol=1e-6
    ):
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
    for k in _KEYS:
        if np.isclose(got[k], expected[k], rtol=1e-6, atol=1e-10):
            continue
        for label, value in chains[k].items():
            if abs(abs(value) - 1) < 1e-3 or abs(value) < 1e-8 or abs(value) == 2:
                continue
            if np.isclose(got[k], expected[k] / value, rtol=1e-6, atol=1e-12):
                core.fail(
                    f"`grads[{k!r}]` is missing a factor of its chain: {label}. Write the "
                    f"path from {k} to L as a chain of local derivatives and multiply every link."
                )
        core.check_scalar(
            f"grads[{k!r}]", got[k], expected[k],
            factors={"2 (from the square)": 2.0},
            hint="write the chain of local derivatives from this parameter to L and "
            "evaluate each one at the forward-pass values.",
        )
    return got


def tiny_net_grads(fn, hidden=False):
    """Check ``tiny_net_grads(x, y, w1, b1, w2, b2)`` -> {"w1", "b1", "w2", "b2"}."""
    if not hidden:
        _one_tiny_net(fn, 1.5, 0.5, 0.8, -0.3, -1.2, 0.1)
        core.passed("tiny_net_grads", "at x=1.5, y=0.5, w1=0.8, b1=-0.3, w2=-1.2, b2=0.1")
        return
    rng = np.random.default_rng(303)
    for _ in range(6):
        args = [float(v) for v in rng.normal(0, 1.5, size=6)]
        got = _one_tiny_net(fn, *args)
        # Float64 central differences, one parameter at a time.
        for i, k in enumerate(_KEYS):
            def loss_of(p, i=i):
                a = list(args)
                a[2 + i] = float(p)
                return _tiny_forward(*a)[3]
            numeric = float(numerical_gradient(loss_of, args[2 + i]))
            core.check_scalar(f"grads[{k!r}]", got[k], numeric, rtol=1e-5, atol=1e-8)
    # A saturated sigmoid (z1 = 40) and a perfect prediction (all gradients 0).
    _one_tiny_net(fn, 2.0, 1.0, 20.0, 0.0, 1.5, -0.5)
    a1 = float(sigmoid(np.float64(0.7 * 1.2 + 0.1)))
    _one_tiny_net(fn, 1.2, 1.3 * a1 + 0.4, 0.7, 0.1, 1.3, 0.4)
    core.passed("tiny_net_grads", "the hidden tests: random values, a saturated sigmoid, finite differences")


# --------------------------------------------------------------------------- two_path_grad

def _two_path_parts(x, y, w):
    z1 = w * x
    a1 = float(sigmoid(np.float64(z1)))
    z2 = w * a1
    delta = 2 * (z2 - y)
    as_multiplier = delta * a1  # w scaling a1 in z2 = w a1
    through_z1 = delta * w * float(_sigmoid_prime(z1)) * x  # w inside z1 = w x
    return as_multiplier, through_z1


def _one_two_path(fn, x, y, w):
    direct, inner = _two_path_parts(x, y, w)
    expected = direct + inner
    got = core.as_answer("two_path_grad", _call(fn, x, y, w, name="two_path_grad"))
    if got.size != 1:
        core.fail(f"`two_path_grad` should return a single number, got an array of shape {got.shape}")
    got = float(got.reshape(()))
    if not np.isclose(got, expected, rtol=1e-6, atol=1e-10):
        for part, where in ((direct, "where w multiplies a1"), (inner, "through z1 = w x")):
            if abs(part - expected) > 1e-6 * abs(expected) + 1e-10 and np.isclose(got, part, rtol=1e-6, atol=1e-12):
                core.fail(
                    f"`two_path_grad` holds only one of the paths from w to L (the one {where}). "
                    "w is used twice, so it reaches the loss along two paths: the total "
                    "derivative combines the contributions of both."
                )
        if abs(direct) > 1e-8 and abs(inner) > 1e-8 and np.isclose(got, direct * inner, rtol=1e-6):
            core.fail(
                "`two_path_grad` multiplies the contributions of the two paths. Factors "
                "multiply along one path; contributions of different paths are combined otherwise."
            )
    core.check_scalar(
        "two_path_grad", got, expected, factors={"2 (from the square)": 2.0},
        hint="name every intermediate value, list the paths from w to L, and write one chain per path.",
    )
    return got


def two_path_grad(fn, hidden=False):
    """Check ``two_path_grad(x, y, w)`` = dL/dw for L = (w * sigmoid(w * x) - y)**2."""
    if not hidden:
        _one_two_path(fn, 1.5, 0.2, 0.8)
        core.passed("two_path_grad", "at x=1.5, y=0.2, w=0.8")
        return
    rng = np.random.default_rng(404)
    for _ in range(6):
        x, y, w = (float(v) for v in rng.normal(0, 1.5, size=3))
        got = _one_two_path(fn, x, y, w)
        numeric = float(numerical_gradient(lambda t: (t * sigmoid(t * x) - y) ** 2, w))
        core.check_scalar("two_path_grad", got, numeric, rtol=1e-5, atol=1e-8)
    # x = 0 switches one path off; a large w x saturates the sigmoid.
    _one_two_path(fn, 0.0, 0.3, 1.1)
    _one_two_path(fn, 3.0, -0.5, 12.0)
    core.passed("two_path_grad", "the hidden tests: random values, one path switched off, finite differences")


# --------------------------------------------------------------------------- central_difference

def _one_central(fn, f, x, eps, label, *, use_default=False):
    h = 1e-5 if use_default else eps
    up, mid, down = f(x + h), f(x), f(x - h)
    expected = (up - down) / (2 * h)
    args = (f, x) if use_default else (f, x, eps)
    got = core.as_answer("central_difference", _call(fn, *args, name="central_difference"))
    if got.size != 1:
        core.fail(f"`central_difference` should return a single number, got an array of shape {got.shape}")
    got = float(got.reshape(()))
    forward = (up - mid) / h
    backward = (mid - down) / h
    if not np.isclose(got, expected, rtol=1e-9, atol=1e-12):
        if np.isclose(got, forward, rtol=1e-9) or np.isclose(got, backward, rtol=1e-9):
            core.fail(
                f"`central_difference` on {label} gives a one-sided difference: it steps to one "
                "side of x only. Its error shrinks like eps, not like eps**2; step to both sides."
            )
    core.check_scalar(
        "central_difference", got, expected, rtol=1e-9, atol=1e-12,
        hint=f"on {label}, with eps={h:g}. Evaluate f on both sides of x, at distance eps, "
        "and divide by the distance between the two points.",
    )


def central_difference(fn, hidden=False):
    """Check ``central_difference(f, x, eps=1e-5)`` for scalar functions."""
    if not hidden:
        _one_central(fn, lambda t: t ** 3, 2.0, 0.1, "f(x) = x**3 at x = 2")
        core.passed("central_difference", "on f(x) = x**3 at x = 2 with eps = 0.1")
        return
    cases = [
        (lambda t: np.exp(3 * t), 1.0, 1e-3, "f(x) = exp(3x) at x = 1"),
        (lambda t: np.sin(t), 0.7, 1e-2, "f(x) = sin(x) at x = 0.7"),
        (lambda t: 1 / (1 + t * t), -0.4, 1e-4, "f(x) = 1 / (1 + x**2) at x = -0.4"),
        (lambda t: np.float64(5.0), 3.0, 1e-3, "a constant function"),
        (lambda t: np.asarray(t) ** 4 - 2 * t, -1.3, 0.05, "f(x) = x**4 - 2x at x = -1.3"),
    ]
    for f, x, eps, label in cases:
        _one_central(fn, f, x, eps, label)
    _one_central(fn, lambda t: np.cos(2 * t), 0.3, None, "f(x) = cos(2x) at x = 0.3 (default eps)", use_default=True)
    core.passed("central_difference", "the hidden tests: several functions and step sizes, the default eps")
