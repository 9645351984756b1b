"""Hidden checks for chapter 5, batches and training (instructor only).

Random shapes and seeds, a batch of one, logits in the thousands, central
finite differences of the losses, epochs drawn twice from one generator, and
the diabetes data compared row by row.  The diagnoses are the visible
module's ``judge_*`` functions.
"""

import numpy as np

from checks import ch5_training as visible
from checks import core
from mlp.data import load_diabetes
from mlp.gradcheck import numerical_gradient
from mlp.losses import log_softmax

_N = "N (the batch size)"
_FD_HINT = "it disagrees with central finite differences of {}."


def _classifier_cases():
    """Batches of several shapes, a batch of one, and logits in the thousands."""
    rng = np.random.default_rng(55)
    cases = []
    for n, d, c in ((5, 6, 4), (1, 3, 5), (8, 2, 3), (4, 7, 2)):
        cases.append((rng.normal(0, 1, (d, c)), rng.normal(0, 0.3, c), rng.normal(0, 1, (n, d)),
                      rng.integers(0, c, n)))
    # logits in the thousands: the softmax must not overflow
    W = rng.normal(0, 1, (3, 4)) * 2000.0
    cases.append((W, np.zeros(4), rng.normal(0, 1, (3, 3)), np.array([0, 1, 3])))
    return cases


def _example_loss(W, b, x, label):
    """Cross-entropy of one example ``x`` (in,) with integer ``label``."""
    return -float(log_softmax((x @ W + b)[None, :])[0, label])


def per_example_grads(fn):
    """Hidden check of ``per_example_grads``: other shapes, a batch of one, large logits, finite differences."""
    for case in _classifier_cases():
        visible.judge_per_example_grads(fn, *case)
    rng = np.random.default_rng(9)
    W, b, X, labels = rng.normal(0, 1, (3, 4)), rng.normal(0, 1, 4), rng.normal(0, 1, (2, 3)), np.array([3, 1])
    dW, db = visible.judge_per_example_grads(fn, W, b, X, labels)
    for i in range(len(X)):
        num_W = numerical_gradient(lambda V: _example_loss(V, b, X[i], labels[i]), W)
        num_b = numerical_gradient(lambda v: _example_loss(W, v, X[i], labels[i]), b)
        hint = _FD_HINT.format("that example's loss")
        core.check_close(f"dW_each[{i}]", dW[i], num_W, rtol=1e-5, atol=1e-7, hint=hint)
        core.check_close(f"db_each[{i}]", db[i], num_b, rtol=1e-5, atol=1e-7, hint=hint)
    core.passed("per_example_grads", "the hidden tests: five batches, a batch of one, logits in the thousands, "
                "finite differences")


def batch_grad(fn):
    """Hidden check of ``batch_grad``: other shapes, a batch of one, large logits, finite differences."""
    for case in _classifier_cases():
        visible.judge_batch_grad(fn, *case)
    rng = np.random.default_rng(21)
    W, b, X = rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 2), rng.normal(0, 1, (4, 3))
    labels = np.array([0, 1, 1, 0])

    def mean_loss(V, v):
        return float(np.mean([_example_loss(V, v, x, t) for x, t in zip(X, labels)]))

    dW, db = visible.judge_batch_grad(fn, W, b, X, labels)
    hint = _FD_HINT.format("the mean loss")
    core.check_close("dW", dW, numerical_gradient(lambda V: mean_loss(V, b), W), rtol=1e-5, atol=1e-7,
                     factors={_N: len(X)}, hint=hint)
    core.check_close("db", db, numerical_gradient(lambda v: mean_loss(W, v), b), rtol=1e-5, atol=1e-7,
                     factors={_N: len(X)}, hint=hint)
    core.passed("batch_grad", "the hidden tests: five batches, a batch of one, logits in the thousands, "
                "finite differences")


def minibatches(fn):
    """Hidden check of ``minibatches``: batch sizes 1 and > N, one example, 2-D targets, a fresh and
    repeatable order."""
    rng = np.random.default_rng(77)
    # (N, features, batch size, two-dimensional y, seed of the epoch's generator)
    for n, d, bs, two_d, seed in ((37, 4, 8, False, 137), (12, 2, 4, True, 112), (5, 3, 1, False, 105),
                                  (7, 2, 16, True, 107), (1, 2, 3, False, 101), (50, 2, 7, True, 150)):
        X, y = visible.example_data(rng, n, d, two_d)
        visible.judge_minibatches(fn, X, y, bs, np.random.default_rng(seed))
    X, y = visible.example_data(rng, 30, 2, False)
    shared = np.random.default_rng(33)
    first = visible.judge_minibatches(fn, X, y, 8, shared)
    second = visible.judge_minibatches(fn, X, y, 8, shared)
    if np.array_equal(first, second):
        core.fail("two epochs drawn with the same generator visit the examples in the same order: "
                  "shuffle afresh at every call, drawing the order from `rng`.")
    again = visible.judge_minibatches(fn, X, y, 8, np.random.default_rng(33))
    if not np.array_equal(first, again):
        core.fail("the same seed gave different batches: draw the random order from the `rng` argument "
                  "(not from `np.random`'s global state), so that a run can be repeated exactly.")
    core.passed("minibatches", "the hidden tests: six data sets, batch sizes 1 to 16, a fresh order every "
                "epoch, repeatable from a seed")


def relu(fn):
    """Hidden check of ``relu``: other shapes, all zeros, all negative, tiny and huge values."""
    rng = np.random.default_rng(13)
    for z in (rng.normal(0, 1, (5, 7)), rng.normal(0, 1, (9,)), rng.normal(0, 1, (2, 3, 4)),
              np.zeros((2, 2)), -np.abs(rng.normal(0, 1, (1, 4))), np.array([[1e-300, -1e-300, 1e300]])):
        visible.judge_relu(fn, z)
    core.passed("relu", "the hidden tests: six arrays of other shapes and extreme values, z left as it was")


def _tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def _softplus(z):
    return np.logaddexp(0.0, z)


def output_delta(fn):
    """Hidden check of ``output_delta``: sigmoid, tanh and softplus, a batch of one, one output."""
    rng = np.random.default_rng(31)
    activations = ((visible.sigmoid, visible.sigmoid_derivative), (np.tanh, _tanh_grad),
                   (_softplus, visible.sigmoid))
    for act, act_grad in activations:
        for shape in ((4, 3), (1, 5), (6, 1)):
            z, grad_a = rng.normal(0, 2, shape), rng.normal(0, 1, shape)
            visible.judge_output_delta(fn, act, act_grad, z, grad_a)
    core.passed("output_delta", "the hidden tests: sigmoid, tanh and softplus, three shapes each")


def param_grads(fn):
    """Hidden check of ``param_grads``: other shapes and a batch of one."""
    rng = np.random.default_rng(41)
    for n, i, o in ((6, 5, 3), (1, 2, 4), (9, 1, 1), (3, 7, 5)):
        visible.judge_param_grads(fn, rng.normal(0, 1, (n, i)), rng.normal(0, 1, (n, o)))
    core.passed("param_grads", "the hidden tests: four shapes, a batch of one")


def mse_grad(fn):
    """Hidden check of ``mse_grad``: several outputs per example, 1-D arrays, a single entry."""
    rng = np.random.default_rng(51)
    for shape in ((7, 1), (5, 3), (6,), (1, 1), (2, 4)):
        visible.judge_mse_grad(fn, rng.normal(0, 1, shape), rng.normal(0, 1, shape))
    core.passed("mse_grad", "the hidden tests: five shapes, a single entry")


def _affine(a, b):
    """Whether ``a`` is ``b`` up to scale and shift (scaled or raw features both count)."""
    a, b = a - a.mean(), b - b.mean()
    return np.linalg.norm(a) > 0 and abs(np.dot(a, b)) >= 0.9999 * np.linalg.norm(a) * np.linalg.norm(b)


def load_regression_data(fn):
    """Hidden check of ``load_regression_data``: the diabetes data itself, in its row order."""
    X_ref, y_ref = load_diabetes()
    X, y = visible.judge_load_regression_data(fn)
    if not all(_affine(X[:, j], X_ref[:, j]) for j in range(X_ref.shape[1])) or not _affine(np.ravel(y), y_ref):
        core.fail("`X` and `y` have the right shapes but are not the diabetes data in its original row "
                  "order: return the features and targets as the loader gives them.")
    core.passed("load_regression_data",
                "the hidden tests: the diabetes data, feature by feature, in its row order")
