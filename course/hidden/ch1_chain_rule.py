"""Hidden checks for chapter 1: the chain rule.

Random shapes and values, inputs of +-1000, a batch of one, chains of one
to six layers, a perfect prediction, a saturated sigmoid, a path switched
off, other functions, shapes, integer inputs and steps for the central
difference, and central differences in float64 as an independent witness.  Each case is judged by the visible module's
``judge_*`` functions, so the feedback names the same mistakes.

The first four exercises ask for a derivative worked out by hand.  Each ends
with ``_by_hand``: the answer must agree with the exact derivative to about
twelve digits (relative 1e-12, absolute 1e-15) at moderate inputs.  Any
formula does that easily (its error is near 1e-15), while a finite difference,
even with the best step, is off by about 1e-10 or more: a numerical
derivative scores nothing in these exercises, as the chapter says.
"""

import numpy as np

from checks import ch1_chain_rule as visible
from checks import core
from mlp.gradcheck import numerical_gradient
from mlp.layers import sigmoid


BY_HAND_RTOL, BY_HAND_ATOL = 1e-12, 1e-15


def _by_hand(name, got, exact):
    """Fail an answer that is right only to finite-difference accuracy (see the module's docstring)."""
    got, exact = np.asarray(got, dtype=np.float64), np.asarray(exact, dtype=np.float64)
    if core.close(got, exact, rtol=BY_HAND_RTOL, atol=BY_HAND_ATOL):
        return
    worst = float(np.max(np.abs(got - exact) / (np.abs(exact) + 1e-300)))
    if got.shape != exact.shape or not worst < 1e-4:  # not near at all: the usual checks' business
        core.check_close(name, got, exact, rtol=1e-6, atol=1e-9)
    core.fail(
        f"`{name}` agrees with the exact derivative only to a relative error of {worst:.1e}, "
        "the accuracy of a finite difference; a formula worked out by hand is exact to about 1e-15. "
        "This exercise asks for the derivative by hand: a numerical derivative scores nothing here "
        "(use `central_difference` to check your formula, not to replace it)."
    )


def _sigmoid_prime_exact(z):
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def sigmoid_grad(fn):
    """Hidden check of ``sigmoid_grad``: random shapes, z = +-1000, a 0-d array, finite differences."""
    rng = np.random.default_rng(101)
    for shape in [(1,), (7,), (3, 4), (2, 3, 2)]:
        visible.judge_sigmoid_grad(fn, rng.normal(0, 3, size=shape))
    # Large inputs: exp(-z) overflows for z = -1000 unless the formula avoids it.
    visible.judge_sigmoid_grad(fn, np.array([-1000.0, -40.0, -1e-9, 0.0, 40.0, 1000.0]))
    visible.judge_sigmoid_grad(fn, np.array(0.3))
    # The sigmoid acts entry by entry, so the gradient of the sum of its entries is sigmoid'(z).
    z = rng.normal(0, 2, size=5)
    got = visible.judge_sigmoid_grad(fn, z)
    numeric = numerical_gradient(lambda t: np.sum(sigmoid(t)), z)
    core.check_close("sigmoid_grad(z)", got, numeric, rtol=1e-6, atol=1e-9)
    z = rng.uniform(-4, 4, size=9)
    _by_hand("sigmoid_grad", visible.judge_sigmoid_grad(fn, z), _sigmoid_prime_exact(z))
    core.passed("sigmoid_grad", "the hidden tests: random shapes, z = +-1000, finite differences")


def mse_grad(fn):
    """Hidden check of ``mse_grad``: random shapes, a batch of one, a perfect prediction, finite differences."""
    rng = np.random.default_rng(202)
    for shape in [(5,), (6, 3), (1, 1), (1, 4), (2, 3, 4)]:
        visible.judge_mse_grad(fn, rng.normal(size=shape), rng.normal(size=shape))
    # A perfect prediction has zero gradient; large values stay exact.
    x = rng.normal(size=(3, 2))
    visible.judge_mse_grad(fn, x, x.copy())
    visible.judge_mse_grad(fn, rng.normal(scale=1e4, size=(4, 5)), rng.normal(size=(4, 5)))
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    got = visible.judge_mse_grad(fn, pred, target)
    numeric = numerical_gradient(lambda p: np.mean((p - target) ** 2), pred)
    core.check_close("mse_grad(pred, target)", got, numeric, rtol=1e-6, atol=1e-9,
                     factors={visible.MSE_FACTOR: pred.size})
    _by_hand("mse_grad", got, 2.0 * (pred - target) / pred.size)
    core.passed("mse_grad", "the hidden tests: random shapes, a batch of one, finite differences")


def _chain_exact(x, y, ws, bs):
    """(dws, dbs) by the formula, with the overflow-free sigmoid: the witness of ``_by_hand``."""
    zs, ins = [], [x]
    for l, (w, b) in enumerate(zip(ws, bs)):
        zs.append(w * ins[-1] + b)
        if l < len(ws) - 1:
            ins.append(1.0 / (1.0 + np.exp(-zs[-1])))
    delta, dws, dbs = 2.0 * (zs[-1] - y), [0.0] * len(ws), [0.0] * len(ws)
    for l in reversed(range(len(ws))):
        dws[l], dbs[l] = delta * ins[l], delta
        if l:
            delta = delta * ws[l] * float(_sigmoid_prime_exact(zs[l - 1]))
    return dws, dbs


def _random_chain(rng, depth, scale=1.0):
    x, y = (float(v) for v in rng.normal(0, 1, size=2))
    return x, y, [float(v) for v in rng.normal(0, scale, size=depth)], [float(v) for v in rng.normal(0, 0.5, size=depth)]


def chain_grads(fn):
    """Hidden check of ``chain_grads``: D = 1, the worked point, D = 5, saturation, a perfect prediction."""
    rng = np.random.default_rng(303)
    # No hidden layer: L = (w x + b - y)**2.
    visible.judge_chain_grads(fn, 1.3, -0.2, [0.7], [0.4])
    visible.judge_chain_grads(fn, -2.0, 1.5, [-0.6], [0.1])
    visible.judge_chain_grads(fn, *visible._CHAIN_VISIBLE)
    for depth in (5, 5, 3, 6):
        x, y, ws, bs = _random_chain(rng, depth, scale=1.5)
        dws, dbs = visible.judge_chain_grads(fn, x, y, ws, bs)
        # Float64 central differences over every weight and bias: an independent witness.
        params = np.array(ws + bs)
        numeric = numerical_gradient(lambda p: visible.chain_forward(x, y, p[:depth], p[depth:])[2], params)
        core.check_close(f"dws (D = {depth})", dws, numeric[:depth], rtol=1e-5, atol=1e-8)
        core.check_close(f"dbs (D = {depth})", dbs, numeric[depth:], rtol=1e-5, atol=1e-8)
    # A saturated sigmoid (z_1 = 40) passes almost nothing down; a perfect prediction gives all zeros.
    visible.judge_chain_grads(fn, 2.0, 1.0, [20.0, 1.5, -0.8], [0.0, -0.5, 0.3])
    ws, bs = [0.7, 1.3, -0.9, 0.5], [0.1, 0.4, -0.2, 0.3]
    zs, _, _ = visible.chain_forward(1.2, 0.0, ws, bs)
    dws, dbs = visible.judge_chain_grads(fn, 1.2, zs[-1], ws, bs)
    core.check_close("dws (a perfect prediction)", dws, np.zeros(4), atol=1e-12)
    for depth in (1, 3, 5):
        x, y, ws, bs = _random_chain(rng, depth)
        dws, dbs = visible.judge_chain_grads(fn, x, y, ws, bs)
        exact = _chain_exact(x, y, ws, bs)
        _by_hand("chain_grads", np.concatenate([dws, dbs]), np.concatenate(exact))
    core.passed("chain_grads", "the hidden tests: D = 1, D = 5, a saturated sigmoid, finite differences")


def two_path_grad(fn):
    """Hidden check of ``two_path_grad``: random values, one path switched off, a saturated sigmoid."""
    rng = np.random.default_rng(404)
    for _ in range(6):
        x, y, w = (float(v) for v in rng.normal(0, 1.5, size=3))
        got = visible.judge_two_path_grad(fn, x, y, w)
        numeric = float(numerical_gradient(lambda t: (t * sigmoid(t * x) - y) ** 2, w))
        core.check_scalar("two_path_grad", got, numeric, rtol=1e-5, atol=1e-8)
    # x = 0 switches one path off; a large w x saturates the sigmoid.
    visible.judge_two_path_grad(fn, 0.0, 0.3, 1.1)
    visible.judge_two_path_grad(fn, 3.0, -0.5, 12.0)
    for _ in range(3):
        x, y, w = (float(v) for v in rng.normal(0, 1, size=3))
        z1 = w * x
        a1 = 1.0 / (1.0 + np.exp(-z1))
        delta = 2.0 * (w * a1 - y)
        exact = delta * a1 + delta * w * float(_sigmoid_prime_exact(z1)) * x
        _by_hand("two_path_grad", visible.judge_two_path_grad(fn, x, y, w), exact)
    core.passed("two_path_grad", "the hidden tests: random values, one path switched off, finite differences")


def _array_function(kind, shape):
    """A scalar function of an array of ``shape`` (numpy only; it checks the shape it is given)."""
    def f(t):
        t = np.asarray(t, dtype=np.float64)
        if t.shape != shape:
            raise ValueError(f"f expects an array of shape {shape}, got one of shape {t.shape}")
        if kind == "sin":
            return float(np.sum(np.sin(t) * np.arange(1, t.size + 1).reshape(shape)))
        if kind == "exp":
            return float(np.log(np.sum(np.exp(t))))
        return 4.0  # constant
    return f


def central_difference(fn):
    """Hidden check of ``central_difference``: numbers, arrays of several shapes, integers, the default eps."""
    cases = [
        (lambda t: np.exp(3 * t), 1.0, 1e-3, "f(x) = exp(3x) at x = 1"),
        (lambda t: np.sin(t), 0.7, 1e-2, "f(x) = sin(x) at x = 0.7"),
        (lambda t: 1 / (1 + t * t), -0.4, 1e-4, "f(x) = 1 / (1 + x**2) at x = -0.4"),
        (lambda t: np.float64(5.0), 3.0, 1e-3, "a constant function"),
        (lambda t: np.asarray(t) ** 4 - 2 * t, -1.3, 0.05, "f(x) = x**4 - 2x at x = -1.3"),
        (lambda t: np.cos(2 * t), 0.3, None, "f(x) = cos(2x) at x = 0.3 (default eps)"),
    ]
    for f, x, eps, label in cases:
        visible.judge_central_difference(fn, f, x, eps, label)
    rng = np.random.default_rng(505)
    for kind, shape, eps in (("sin", (5,), 1e-2), ("exp", (2, 2, 2), 1e-3), ("sin", (3, 4), None),
                             ("constant", (4,), 1e-3), ("exp", (1,), 1e-2), ("sin", (), 1e-2)):
        x = rng.normal(0, 1, size=shape)
        label = f"a function of an array of shape {shape}" + (" (default eps)" if eps is None else "")
        got = visible.judge_central_difference(fn, _array_function(kind, shape), x, eps, label)
        if kind != "constant":  # an independent witness: the reference's central differences
            witness = numerical_gradient(_array_function(kind, shape), x, eps=1e-5 if eps is None else eps)
            core.check_close("central_difference", got, witness, rtol=1e-7, atol=1e-10)
    visible.judge_central_difference(fn, _array_function("sin", (2, 3)), rng.integers(-3, 4, size=(2, 3)), 1e-2,
                                     "a function of an integer array of shape (2, 3)")
    # A result kept and reused between calls changes under the caller's feet.
    f = _array_function("exp", (3,))
    first = visible.judge_central_difference(fn, f, np.array([0.2, -0.5, 1.0]), 1e-3, "a log-sum-exp of 3 entries")
    kept = np.array(first, copy=True)
    visible.judge_central_difference(fn, f, np.array([1.5, 0.0, -2.0]), 1e-3, "a log-sum-exp of 3 entries")
    if not np.array_equal(first, kept):
        core.fail("the array `central_difference` returned changed when it was called again: return a new "
                  "array each call, not one kept between calls.")
    core.passed("central_difference", "the hidden tests: numbers, arrays of several shapes, integers, the default eps")
