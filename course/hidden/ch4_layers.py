"""Hidden checks for chapter 4, linear, ReLU and loss layers.

Random shapes and seeds, a batch of one, a square W, ReLU at exactly 0,
saturated sigmoids, logits of 1e4, and central finite differences
(``mlp.gradcheck.numerical_gradient``).  Each case is judged by the public
``judge_*`` functions of ``checks.ch4_layers``, so a mistake is named in the
same words as in the visible check.
"""

import numpy as np

from checks import ch4_layers as visible
from checks import core, guard
from mlp import gradcheck
from mlp.layers import sigmoid
from mlp.losses import log_softmax


def _agrees_with_finite_differences(name, analytic, f, x, what):
    """Fail unless ``analytic`` matches central differences of the scalar ``f`` at ``x`` (float64)."""
    err = gradcheck.rel_error(analytic, gradcheck.numerical_gradient(f, x))
    if err > 1e-6:
        core.fail(f"`{name}`: {what} disagrees with central finite differences (relative error {err:.2g}; "
                  "a correct float64 gradient gives about 1e-9).")


def linear_backward(fn):
    """Hidden check of ``linear_backward``: random shapes, a batch of one, a square W, finite differences."""
    rng = np.random.default_rng(441)
    shapes = [(1, 3, 2), (1, 1, 1), (5, 4, 4), (7, 2, 5), (3, 6, 1)]
    shapes += [tuple(int(s) for s in rng.integers(1, 7, size=3)) for _ in range(3)]
    for n, i, o in shapes:
        visible.judge_linear_backward(fn, rng.standard_normal((n, o)), rng.standard_normal((n, i)),
                                      rng.standard_normal((i, o)))
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    u = rng.standard_normal((3, 2))  # L = sum(u * (x @ W + b)), so dL/dz = u
    grad_in, dW, db = visible.linear_results(guard.call(fn, u, x, W, name="linear_backward"))
    _agrees_with_finite_differences("linear_backward", grad_in, lambda v: np.sum(u * (v @ W + b)), x, "grad_in")
    _agrees_with_finite_differences("linear_backward", dW, lambda v: np.sum(u * (x @ v + b)), W, "dW")
    _agrees_with_finite_differences("linear_backward", db, lambda v: np.sum(u * (x @ W + v)), b, "db")
    core.passed("linear_backward", "on random shapes, a batch of one and against finite differences")


def relu_backward(fn):
    """Hidden check of ``relu_backward``: random shapes with many exact zeros, z all zero."""
    rng = np.random.default_rng(443)
    for shape in [(1, 4), (6, 5), (3,), (2, 3, 4)]:
        z = rng.standard_normal(shape)
        z.flat[::3] = 0.0  # ReLU exactly at 0
        visible.judge_relu_backward(fn, rng.standard_normal(shape), z)
    visible.judge_relu_backward(fn, np.ones((2, 3)), np.zeros((2, 3)))
    core.passed("relu_backward", "on random shapes and at exactly 0")


def sigmoid_backward(fn):
    """Hidden check of ``sigmoid_backward``: random shapes, saturated inputs of +-800, finite differences."""
    rng = np.random.default_rng(447)
    for shape in [(1, 3), (5, 4), (4,), (2, 2, 3)]:
        visible.judge_sigmoid_backward(fn, rng.standard_normal(shape), rng.standard_normal(shape) * 3)
    visible.judge_sigmoid_backward(fn, np.ones((1, 4)), np.array([[-800.0, -40.0, 40.0, 800.0]]))
    z, u = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    got = core.as_answer("sigmoid_backward", guard.call(fn, u, z, name="sigmoid_backward"))
    _agrees_with_finite_differences("sigmoid_backward", got, lambda v: np.sum(u * sigmoid(v)), z, "the gradient")
    core.passed("sigmoid_backward", "on random shapes, saturated inputs and against finite differences")


def mse_loss(fn):
    """Hidden check of ``mse_loss``: random shapes, a batch of one, a single output, finite differences."""
    rng = np.random.default_rng(453)
    for shape in [(1, 1), (1, 3), (6, 2), (5, 1), (3, 4)]:
        visible.judge_mse_loss(fn, rng.standard_normal(shape), rng.standard_normal(shape))
    pred, target = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    _, grad = core.pair("mse_loss", guard.call(fn, pred, target, name="mse_loss"), "loss", "grad")
    _agrees_with_finite_differences("mse_loss", grad, lambda v: np.mean((v - target) ** 2), pred, "grad")
    core.passed("mse_loss", "on random shapes, a batch of one and against finite differences")


def softmax_cross_entropy(fn):
    """Hidden check of ``softmax_cross_entropy``: random shapes, one class, logits of 1e4, finite differences."""
    rng = np.random.default_rng(459)
    for n, c in [(1, 4), (5, 3), (7, 10), (2, 2), (6, 1)]:
        visible.judge_softmax_cross_entropy(fn, rng.standard_normal((n, c)) * 2, rng.integers(0, c, size=n))
    # logits of 1e4, the true class far below the largest: a finite loss of about 1e4
    visible.judge_softmax_cross_entropy(fn, np.array([[1e4, 0.0, -3.0], [-1e4, 1e4, 2.0], [1e4, 1e4, 1e4]]),
                                        np.array([1, 0, 2]))
    visible.judge_softmax_cross_entropy(fn, np.array([[1e4, 0.0, -3.0]]), np.array([0], dtype=np.int32))
    # rows whose largest logits differ by 1e4 (a batch-wide shift underflows the lower rows)
    visible.judge_softmax_cross_entropy(fn, np.array([[2.0, 1e4, -5.0], [-1.0, 0.5, 3.0], [-1e4, -1e4 + 4.0, -1e4 + 1.0]]),
                                        np.array([0, 2, 1]))
    logits, labels = rng.standard_normal((3, 4)), np.array([3, 0, 1])
    _, grad = core.pair("softmax_cross_entropy", guard.call(fn, logits, labels, name="softmax_cross_entropy"),
                        "loss", "grad")
    _agrees_with_finite_differences("softmax_cross_entropy", grad,
                                    lambda v: -log_softmax(v)[np.arange(3), labels].mean(), logits, "grad")
    core.passed("softmax_cross_entropy", "on random shapes, a batch of one, logits of 1e4 and against finite "
                "differences")
