"""Hidden checks for chapter 7, optimising the input.

Random networks (ReLU and tanh, one to two hidden layers), a batch of one,
logits in the thousands, rows whose largest logits lie about 1e4 apart,
several penalties including none, a single ascent step and zero steps,
other attack budgets, attacks on labels that differ from the predictions
(the perturbation judged pixel by pixel), and central differences in
float64.  Each case is judged by the visible module's ``judge_*`` functions,
so the feedback names the same mistakes.
"""

import numpy as np

from checks import ch7_input_optimisation as visible
from checks import core
from mlp.gradcheck import numerical_gradient
from mlp.layers import ReLU, Tanh


def input_grad(fn):
    """Hidden check of ``input_grad``: random networks, a batch of one, huge logits, finite differences."""
    rng = np.random.default_rng(7071)
    for sizes, n, act in (((6, 7, 4), 5, ReLU), ((5, 8, 6, 3), 4, Tanh), ((9, 4, 10), 1, ReLU),
                          ((3, 6, 2), 7, ReLU)):
        model = visible.random_network(rng, sizes, act)
        x, label = rng.uniform(0, 1, size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n)
        visible.judge_input_grad(fn, model, x, label)
    # logits in the thousands, every label the least likely class: the softmax must not overflow
    model = visible.random_network(rng, (5, 6, 4), last_scale=2000.0)
    x = rng.uniform(0, 1, size=(3, 5))
    visible.judge_input_grad(fn, model, x, np.argmin(model.forward(x), axis=1))
    # rows whose largest logits differ by about 1e4: a batch-wide shift underflows the lower rows
    model = visible.random_network(np.random.default_rng(7077), (4, 5, 3))
    x = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [0.2, 0.9, 0.1, 0.5]])
    model.layers[-1].params["W"] *= 1e4 / np.abs(model.forward(x)).max()  # row maxima about 0.5, 8e3, 3e3
    visible.judge_input_grad(fn, model, x, np.array([1, 2, 0]))
    # finite differences in float64 on a fresh network
    rng = np.random.default_rng(7075)
    model = visible.random_network(rng, (4, 6, 3))
    x, label = rng.uniform(0, 1, size=(2, 4)), np.array([1, 2])
    arr = visible.judge_input_grad(fn, model, x, label)
    numeric = numerical_gradient(lambda v: float(np.mean(visible.cross_entropy_rows(model, v, label))), x)
    core.check_close("input_grad", arr, numeric, rtol=1e-5, atol=1e-7,
                     factors={"N (the batch size)": len(x)},
                     hint="your gradient disagrees with central finite differences of the mean loss.")
    core.passed("input_grad", "the hidden tests: random networks, a batch of one, huge logits, finite differences")


def class_score_grad(fn):
    """Hidden check of ``class_score_grad``: random networks, several lam (0 included), a batch of one,
    finite differences."""
    rng = np.random.default_rng(7072)
    for sizes, n, k, lam, act in (((6, 7, 4), 3, 3, 0.1, ReLU), ((5, 8, 6, 3), 1, 0, 2.0, Tanh),
                                  ((8, 5, 10), 4, 7, 0.0, ReLU), ((3, 4, 2), 5, 1, 1.0, ReLU)):
        model = visible.random_network(rng, sizes, act)
        visible.judge_class_score_grad(fn, model, rng.normal(0, 1, size=(n, sizes[0])), k, lam)
    rng = np.random.default_rng(7076)
    model, k, lam = visible.random_network(rng, (4, 6, 3)), 2, 0.3
    x = rng.normal(0, 1, size=(2, 4))
    arr = visible.judge_class_score_grad(fn, model, x, k, lam)
    numeric = numerical_gradient(lambda v: float(np.sum(visible.objective(model, v, k, lam))), x)
    core.check_close("class_score_grad", arr, numeric, rtol=1e-5, atol=1e-7,
                     hint="your gradient disagrees with central finite differences of the objective.")
    core.passed("class_score_grad", "the hidden tests: random networks, several lam, a batch of one, "
                "finite differences")


def maximise_class(fn):
    """Hidden check of ``maximise_class``: random networks, several starts at once, one step and zero steps."""
    rng = np.random.default_rng(7073)
    for sizes, k, steps, lr, lam, n in (((5, 7, 4), 0, 15, 0.05, 1.0, 1), ((8, 6, 5, 3), 2, 30, 0.1, 0.3, 3),
                                        ((4, 9, 6), 5, 1, 0.2, 0.5, 2), ((4, 9, 6), 3, 0, 0.2, 0.5, 1)):
        model = visible.random_network(rng, sizes)
        visible.judge_maximise_class(fn, model, k, steps, lr, lam, rng.uniform(0, 1, size=(n, sizes[0])))
    core.passed("maximise_class", "the hidden tests: random networks, several starts, one step and zero steps")


def adversarial(fn):
    """Hidden check of ``adversarial``: other networks and budgets, and a batch of one."""
    rng = np.random.default_rng(7074)
    for sizes, n, eps in (((10, 12, 5), 6, 0.15), ((8, 16, 8, 4), 3, 0.25), ((12, 10, 6), 1, 0.2)):
        visible.judge_adversarial(fn, *visible.adversarial_case(rng, sizes, n, eps))
    # labels that differ from the predictions: the attack must raise the loss of `label`, and the
    # perturbation itself is judged pixel by pixel (an outcome check alone misses a wrong direction)
    for sizes, n, eps in (((10, 12, 5), 5, 0.1), ((8, 9, 4), 1, 0.2)):
        model = visible.random_network(rng, sizes)
        x = rng.uniform(0.05, 0.95, size=(n, sizes[0]))
        label = (np.argmax(model.forward(x), axis=1) + 1 + rng.integers(0, sizes[-1] - 1, size=n)) % sizes[-1]
        visible.judge_adversarial_direction(fn, model, x, label, eps)
    core.passed("adversarial", "the hidden tests: other networks and budgets, a batch of one, labels that differ from the "
                "predictions")
