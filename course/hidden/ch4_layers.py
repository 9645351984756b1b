"""Hidden checks for chapter 4, linear, ReLU and loss layers.

Random shapes and seeds, a batch of one, a square W, ReLU at exactly 0,
arrays the caller changes between forward and backward, logits of 1e4,
and central finite differences
(``mlp.gradcheck.numerical_gradient``).  Each case is judged by the public
``judge_*`` functions of ``checks.ch4_layers``, so a mistake is named in the
same words as in the visible check.
"""

import numpy as np

from checks import ch4_layers as visible
from checks import core, guard
from mlp import gradcheck
from mlp.layers import Linear, ReLU
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


def relu_layer(cls):
    """Hidden check of ``ReLULayer``: other shapes, all zeros, two forwards, the caller's arrays changed."""
    rng = np.random.default_rng(443)
    for shape in [(5,), (1, 4), (6, 5), (2, 3, 4)]:
        z = rng.standard_normal(shape)
        z.flat[::3] = 0.0  # ReLU exactly at 0
        visible.judge_relu_layer(cls, z, rng.standard_normal(shape))
    visible.judge_relu_layer(cls, np.zeros((2, 3)), np.ones((2, 3)))
    for change in ("z", "a"):
        z = rng.standard_normal((4, 3))
        z[0, 0] = 0.0
        visible.judge_relu_layer(cls, z, rng.standard_normal((4, 3)), change=change)
    visible.judge_relu_layer_twice(cls, rng.standard_normal((3, 4)), rng.standard_normal((3, 4)),
                                   rng.standard_normal((3, 4)))
    visible.judge_relu_layer_grad_kept(cls, np.abs(rng.standard_normal((3, 2))) + 0.1,
                                       rng.standard_normal((3, 2)))
    core.passed("ReLULayer", "on other shapes, zeros, two forward calls and arrays changed by the caller")


def _network_output(x, W1, b1, W2, b2):
    return np.maximum(x @ W1 + b1, 0.0) @ W2 + b2


def backward_matrix(fn):
    """Hidden check of ``backward_matrix``: other sizes, units at exactly 0, finite differences, random g."""
    rng = np.random.default_rng(449)
    for n_in, hidden, out in [(1, 1, 1), (5, 4, 3), (2, 6, 4), (4, 4, 4), (3, 2, 5)]:
        x, W1 = rng.standard_normal(n_in), rng.standard_normal((n_in, hidden))
        b1, W2 = rng.standard_normal(hidden), rng.standard_normal((hidden, out))
        J = visible.judge_backward_matrix(fn, x, W1, b1, W2)
        # central differences of the whole network, output by output (no unit near its kink here)
        z = x @ W1 + b1
        if np.min(np.abs(z)) > 1e-3:
            b2 = rng.standard_normal(out)
            for k in range(out):
                _agrees_with_finite_differences(
                    "backward_matrix", J[k], lambda v, k=k: _network_output(v, W1, b1, W2, b2)[k], x,
                    f"row {k} of J (output {k})")
        # g @ J against the reference layers' backward pass, for random g
        lin1, relu, lin2 = Linear(n_in, hidden, rng=0), ReLU(), Linear(hidden, out, rng=0)
        lin1.params["W"], lin1.params["b"], lin2.params["W"] = W1, b1, W2
        lin2.forward(relu.forward(lin1.forward(x[None, :])))
        for _ in range(3):
            g = rng.standard_normal(out)
            reference = lin1.backward(relu.backward(lin2.backward(g[None, :])))[0]
            if not core.close(g @ J, reference):
                core.fail(f"`backward_matrix`: g @ J differs from the layers' backward pass for a random g "
                          f"(in={n_in}, H={hidden}, out={out}).")
    # hidden units at exactly z = 0: x = 0 leaves z = b1, and some of b1 is 0
    W1, W2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    visible.judge_backward_matrix(fn, np.zeros(3), W1, np.array([0.0, 1.0, 0.0, -1.0]), W2)
    x = np.array([1.0, 2.0])
    W1 = np.array([[1.0, -2.0, 0.5], [-0.5, 1.0, 1.0]])
    visible.judge_backward_matrix(fn, x, W1, np.array([0.0, 0.0, -2.5]), rng.standard_normal((3, 3)))
    core.passed("backward_matrix", "on other sizes, units at exactly 0, against finite differences and the "
                "reference layers")


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
