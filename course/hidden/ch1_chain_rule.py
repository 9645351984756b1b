"""Hidden checks for chapter 1: the chain rule.

Random shapes and values, inputs of +-1000, a batch of one, a perfect
prediction, a saturated sigmoid, a path switched off, other functions and
steps for the central difference, and central differences in float64 as an
independent witness.  Each case is judged by the visible module's
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


def tiny_net_grads(fn):
    """Hidden check of ``tiny_net_grads``: random values, a saturated sigmoid, a perfect prediction."""
    rng = np.random.default_rng(303)
    for _ in range(6):
        args = [float(v) for v in rng.normal(0, 1.5, size=6)]
        got = visible.judge_tiny_net_grads(fn, *args)
        # Float64 central differences over the four parameters (arguments 2 to 5).
        x, y, params = args[0], args[1], np.array(args[2:])
        numeric = numerical_gradient(lambda p: visible.tiny_net_forward(x, y, *p)[3], params)
        for k, rate in zip(visible.TINY_NET_KEYS, numeric):
            core.check_scalar(f"grads[{k!r}]", got[k], rate, rtol=1e-5, atol=1e-8)
    # A saturated sigmoid (z1 = 40) and a perfect prediction (all gradients 0).
    visible.judge_tiny_net_grads(fn, 2.0, 1.0, 20.0, 0.0, 1.5, -0.5)
    a1 = float(sigmoid(np.float64(0.7 * 1.2 + 0.1)))
    visible.judge_tiny_net_grads(fn, 1.2, 1.3 * a1 + 0.4, 0.7, 0.1, 1.3, 0.4)
    for _ in range(3):
        x, y, w1, b1, w2, b2 = (float(v) for v in rng.normal(0, 1, size=6))
        got = visible.judge_tiny_net_grads(fn, x, y, w1, b1, w2, b2)
        a1 = 1.0 / (1.0 + np.exp(-(w1 * x + b1)))
        d2 = 2.0 * (w2 * a1 + b2 - y)
        d1 = d2 * w2 * float(_sigmoid_prime_exact(w1 * x + b1))
        exact = {"w1": d1 * x, "b1": d1, "w2": d2 * a1, "b2": d2}
        _by_hand("tiny_net_grads", [got[k] for k in visible.TINY_NET_KEYS],
                 [exact[k] for k in visible.TINY_NET_KEYS])
    core.passed("tiny_net_grads", "the hidden tests: random values, a saturated sigmoid, finite differences")


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


def central_difference(fn):
    """Hidden check of ``central_difference``: several functions and step sizes, the default eps."""
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
    core.passed("central_difference", "the hidden tests: several functions and step sizes, the default eps")
