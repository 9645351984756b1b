"""Hidden checks for chapter 8, the capstone (instructor only).

Other layer sizes (one to three hidden layers), a batch of one, logits in the
thousands, central differences of the student's own loss in float64 on
sampled entries, training runs with a partial last batch, batch size one and
a batch larger than the data, a repeat from one seed, and two more held-out
splits of the digits.  The diagnoses are the visible module's ``judge_*``.
"""

import numpy as np

from checks import ch8_capstone as visible
from checks import core


def init_params(fn):
    """Hidden check of ``init_params``: other depths and widths, a single layer."""
    for sizes, seed in (((64, 10), 3), ((100, 80, 60, 10), 4), ((5, 300, 2), 5), ((64, 128, 10), 6)):
        visible.judge_init_params(fn, sizes, seed)
    core.passed("init_params", "the hidden tests: one to three hidden layers, widths 2 to 300")


def loss_and_grads(fn):
    """Hidden check of ``loss_and_grads``: depths 1 to 4, a batch of one, large logits, central differences."""
    rng = np.random.default_rng(8080)
    # A backward pass is exact to about 1e-15; a numerical gradient (central differences, with
    # mlp.gradcheck or written out) is off by 1e-9 or more. The exercise asks for the backward pass,
    # so an answer near the truth but not exact is named first, before the cases below.
    params = visible.random_params(rng, (5, 7, 4))
    x, labels = rng.normal(0, 1, (6, 5)), rng.integers(0, 4, 6)
    _, exact = visible.reference(params, x, labels)
    try:
        grads = visible.layers_of("grads", visible._call_loss(fn, params, x, labels)[1], (5, 7, 4))
    except core.GradingError:
        grads = None  # the usual checks below say what is wrong
    for i, layer in enumerate(exact if grads is not None else []):
        for key, value in layer.items():
            got = np.asarray(grads[i][key], dtype=np.float64)
            if core.close(got, value, rtol=1e-4, atol=1e-6) and not core.close(got, value, rtol=1e-10, atol=1e-13):
                worst = float(np.max(np.abs(got - value)))
                core.fail(f"`grads[{i}]['{key}']` matches the true gradient only to {worst:.1e}, the accuracy of "
                          "a numerical derivative; a backward pass is exact to about 1e-15. This exercise asks "
                          "for backpropagation: gradients from finite differences score nothing here.")
    for sizes, n in (((4, 3), 3), ((5, 6, 3, 4), 4), ((3, 5, 5, 4, 2), 6), ((6, 4, 3), 1)):
        params = visible.random_params(rng, sizes)
        x, labels = rng.normal(0, 1, (n, sizes[0])), rng.integers(0, sizes[-1], n)
        visible.judge_loss_and_grads(fn, params, x, labels, fd_entries=6)
    # logits in the thousands, each label the least likely class: the softmax must not overflow
    params = visible.random_params(rng, (4, 6, 5))
    params[-1]["W"] = params[-1]["W"] * 3000.0
    x = rng.normal(0, 1, (3, 4))
    labels = np.argmin(visible.forward(params, x)[0], axis=1)
    visible.judge_loss_and_grads(fn, params, x, labels, fd=False)
    core.passed("loss_and_grads", "the hidden tests: one to four layers, a batch of one, logits in the "
                "thousands, central differences of your own loss, a backward pass and not a numerical one")


def train(fn):
    """Hidden check of ``train``: partial batches, batch size 1 and > N, one epoch, a repeat from a seed."""
    rng = np.random.default_rng(3131)
    for n, bs, epochs, lr, seed in ((23, 5, 2, 0.05, 1), (9, 1, 1, 0.2, 2), (7, 16, 3, 0.1, 3), (12, 4, 1, 1.0, 4)):
        X, y = visible.example_data(rng, n, 3, 3)
        visible.judge_train(fn, visible.random_params(rng, (3, 5, 3)), X, y, epochs, bs, lr, seed)
    X, y = visible.example_data(rng, 16, 2, 2)
    params = visible.random_params(rng, (2, 3, 2))
    first = visible.judge_train(fn, params, X, y, 2, 4, 0.1, 77)
    again = visible.judge_train(fn, params, X, y, 2, 4, 0.1, 77)
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        core.fail("the same seed gave different batches: draw the order from the `rng` argument (not from "
                  "`np.random`'s global state), so that a run can be repeated exactly.")
    core.passed("train", "the hidden tests: partial last batches, batch sizes 1 to 16, learning rates 0.05 "
                "to 1, repeatable from a seed")


def fit_digits(fn):
    """Hidden check of ``fit_digits``: two more splits of the digits, trained from other seeds."""
    accs = []
    for seed in (2718, 1618):
        X_train, X_test, y_train, y_test = visible.digits_split(seed)
        accs.append(visible.judge_fit_digits(fn, X_train, y_train, X_test, y_test, seed))
    core.passed("fit_digits", "the hidden tests: two more held-out splits, "
                + " and ".join(f"{a:.1%}" for a in accs) + " right")
