"""Hidden checks for chapter 5, batches and training (instructor only).

Random shapes and seeds, a batch of one, logits in the thousands, central
finite differences of the losses, epochs drawn twice from one generator,
networks of two and three layers for the gradient checker, and each part of
the bug hunt's network judged on its own, where the feedback names the bug.
The diagnoses are the visible module's ``judge_*`` functions.
"""

import numpy as np

from checks import ch5_training as visible
from checks import core
from mlp.gradcheck import numerical_gradient
from mlp.losses import log_softmax

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


def gradient_check(fn):
    """Hidden check of ``gradient_check``: three layers, one wrong gradient in each place it can hide,
    a batch of one, a tiny loss and a huge one."""
    visible.judge_gradient_check(fn, (2, 3, 3, 2), seed=21)
    for seed, (wrong, factor) in enumerate((("W3", -1.0), ("W1", 1.5), ("b2", 0.5), ("b3", 3.0)), start=22):
        visible.judge_gradient_check(fn, (2, 3, 3, 2), seed=seed, wrong=wrong, factor=factor)
    visible.judge_gradient_check(fn, (4, 3), seed=31, n=1, wrong="W1", factor=2.0)
    visible.judge_gradient_check(fn, (3, 5, 2), seed=32, wrong="W2", factor=2.0, scale=1e-6)
    visible.judge_gradient_check(fn, (3, 5, 2), seed=33, scale=1e8)
    core.passed("gradient_check", "the hidden tests: networks of one to three layers, a wrong gradient in W1, "
                "b2, W3 or b3, a batch of one, losses from 1e-6 to 1e8, parameters restored bit for bit")


# --- the bug hunt: each part alone, then the network on other shapes -----------------------------------------

def _network(names, functions):
    visible.judge_blog_net(names, functions, (3, 5, 4, 2), 7, seed=61)
    visible.judge_blog_net(names, functions, (2, 3, 4), 1, seed=62)


def blog_net_1(relu, relu_grad, output_delta, param_grads, mse_grad):
    """Hidden check of the ReLU and its derivative: in place or not, and their values."""
    rng = np.random.default_rng(13)
    for z in (rng.normal(0, 1, (5, 7)), rng.normal(0, 1, (9,)), rng.normal(0, 1, (2, 3, 4)),
              np.zeros((2, 2)), -np.abs(rng.normal(0, 1, (1, 4))), np.array([[1e-300, -1e-300, 1e300]])):
        visible.judge_relu(relu, z)
    for z in (rng.normal(0, 1, (4, 6)), rng.normal(0, 1, (7,)), -np.abs(rng.normal(0, 1, (2, 3))) - 0.1):
        visible.judge_relu_grad(relu_grad, z)
    _network(("relu", "relu_grad"), (relu, relu_grad, output_delta, param_grads, mse_grad))
    core.passed("blog_net_1", "the hidden tests: ReLU and its derivative leave z as it was and compute the "
                "right values; two more networks pass their gradient check")


def _tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def _softplus(z):
    return np.logaddexp(0.0, z)


def blog_net_2(relu, relu_grad, output_delta, param_grads, mse_grad):
    """Hidden check of ``output_delta``: sigmoid, tanh and softplus, a batch of one, one output."""
    rng = np.random.default_rng(31)
    activations = ((visible.sigmoid, visible.sigmoid_derivative), (np.tanh, _tanh_grad),
                   (_softplus, visible.sigmoid))
    for act, act_grad in activations:
        for shape in ((4, 3), (1, 5), (6, 1)):
            z, grad_a = rng.normal(0, 2, shape), rng.normal(0, 1, shape)
            visible.judge_output_delta(output_delta, act, act_grad, z, grad_a)
    _network(("output_delta",), (relu, relu_grad, output_delta, param_grads, mse_grad))
    core.passed("blog_net_2", "the hidden tests: `output_delta` with sigmoid, tanh and softplus, three shapes "
                "each; two more networks pass their gradient check")


def blog_net_3(relu, relu_grad, output_delta, param_grads, mse_grad):
    """Hidden check of ``param_grads``: other shapes and a batch of one."""
    rng = np.random.default_rng(41)
    for n, i, o in ((6, 5, 3), (1, 2, 4), (9, 1, 1), (3, 7, 5)):
        visible.judge_param_grads(param_grads, rng.normal(0, 1, (n, i)), rng.normal(0, 1, (n, o)))
    _network(("param_grads",), (relu, relu_grad, output_delta, param_grads, mse_grad))
    core.passed("blog_net_3", "the hidden tests: `param_grads` on four shapes and a batch of one; two more "
                "networks pass their gradient check")


def blog_net_4(relu, relu_grad, output_delta, param_grads, mse_grad):
    """Hidden check of ``mse_grad``: several outputs per example, 1-D arrays, a single entry."""
    rng = np.random.default_rng(51)
    for shape in ((7, 1), (5, 3), (6,), (1, 1), (2, 4)):
        visible.judge_mse_grad(mse_grad, rng.normal(0, 1, shape), rng.normal(0, 1, shape))
    _network(("mse_grad",), (relu, relu_grad, output_delta, param_grads, mse_grad))
    core.passed("blog_net_4", "the hidden tests: `mse_grad` on five shapes, a single entry; two more networks "
                "pass their gradient check")
