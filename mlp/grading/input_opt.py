"""Checks for chapter 7, optimising the input.

The network is frozen and the input is the variable.  Each check builds small
reference networks (``mlp.Sequential`` of ``Linear`` and ``ReLU``/``Tanh``),
computes the expected answer with the private helpers below, calls the
student's function through ``guard.call`` and names this chapter's typical
mistakes (a weight gradient instead of the input gradient, a penalty with the
wrong sign or factor, ascent written as descent, a perturbation that leaves
its budget or edits ``x`` in place) before the generic ``core.check_close``.

The helpers refuse to run while a student's function is running, so they
cannot serve as an answer.
"""

import sys

import numpy as np

from mlp.layers import Linear, ReLU, Tanh
from mlp.losses import log_softmax
from mlp.network import Sequential

from mlp import gradcheck
from mlp.gradcheck import numerical_gradient as _numeric

from . import core, guard

# The exercises are about the input, not the layers: forward and backward of
# the reference network are there to be used.
_NETWORK = ("mlp.network", "mlp.layers")
_NETWORK_AND_LOSS = ("mlp.network", "mlp.layers", "mlp.losses")

_student_running = False
_trusted = 0  # > 0 while a reference answer stands in for a student's earlier exercise
_CHECKS = ("input_grad", "class_score_grad", "maximise_class", "adversarial")


def _call(fn, *args, name, allow, given=None, unchanged=()):
    """``guard.call`` with the helpers of this module switched off."""
    global _student_running
    _student_running = True
    try:
        return guard.call(fn, *args, name=name, allow=allow, given=given, unchanged=unchanged)
    finally:
        _student_running = False


def _as_given(helper):
    """``helper`` wrapped to stand in for a student's earlier answer (see ``guard.given_answers``)."""

    def given(*args):
        global _trusted
        _trusted += 1
        try:
            return helper(*args)
        finally:
            _trusted -= 1

    return given


def _private():
    # A helper is legitimate only below one of the public checks of this module,
    # or when it stands in for an earlier exercise the student's code calls.
    if _trusted:
        return
    frame = sys._getframe(1)
    # (frames of mlp.gradcheck count as ours: the checks run central differences through it)
    while frame.f_back is not None and frame.f_back.f_code.co_filename in (__file__, gradcheck.__file__):
        frame = frame.f_back
    if _student_running or frame.f_code.co_name not in _CHECKS:
        raise guard.UsedReference(
            "your answer calls the grader's own helpers in `mlp.grading`. Write the computation "
            "yourself; an answer that calls the grader scores no points."
        )


# --- reference pieces (private) ------------------------------------------------------------

def _network(rng, sizes, act=ReLU, last_scale=1.0):
    """A random network with nonzero biases (so no unit sits exactly at a ReLU kink)."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = Linear(a, b, rng=rng)
        lin.params["b"] = rng.normal(0.0, 0.3, size=b)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(act())
    layers[-1].params["W"] *= last_scale
    return Sequential(*layers)


def _params(model):
    return [layer.params[k].copy() for layer, k in model.parameters()]


def _ce_rows(model, x, label):
    """Cross-entropy of every row (N,)."""
    _private()
    logp = log_softmax(model.forward(x))
    return -logp[np.arange(len(x)), label]


def _input_grad(model, x, label):
    _private()
    z = model.forward(x)
    p = np.exp(log_softmax(z))
    p[np.arange(len(x)), label] -= 1.0
    return model.backward(p / len(x))


def _score_grad(model, x, k, lam):
    _private()
    z = model.forward(x)
    g = np.zeros_like(z)
    g[:, k] = 1.0
    return model.backward(g) - 2.0 * lam * x


def _objective(model, x, k, lam):
    """score_k(x) - lam ||x||^2, one value per row."""
    _private()
    return model.forward(x)[:, k] - lam * np.sum(x * x, axis=1)


def _maximise(model, k, steps, lr, lam, x0, sign=1.0):
    x = np.array(x0, dtype=np.float64, copy=True)
    for _ in range(steps):
        x = x + sign * lr * _score_grad(model, x, k, lam)
    return x


def _fgsm(model, x, label, eps):
    return np.clip(x + eps * np.sign(_input_grad(model, x, label)), 0.0, 1.0)


def _check_frozen(name, model, before):
    after = _params(model)
    if any(not np.array_equal(b, a) for b, a in zip(before, after)):
        core.fail(f"`{name}` changed the network's weights or biases. In this chapter the parameters are "
                  "frozen: only the input is the variable, so compute gradients but update nothing in the model.")


def _run(fn, args, name, allow, labels, given=None):
    """Call the student's function and check that no input array and no parameter changed."""
    model = args[0]
    params = _params(model)
    got = _call(fn, *args, name=name, allow=allow, given=given, unchanged=labels)
    _check_frozen(name, model, params)
    return got


# --- exercise 1: the gradient with respect to the input --------------------------------------

def _input_grad_cases(hidden):
    if not hidden:
        rng = np.random.default_rng(0)
        model = _network(rng, (4, 5, 3))
        x = rng.uniform(0, 1, size=(3, 4)).round(2)
        return [(model, x, np.array([0, 2, 1]))]
    rng = np.random.default_rng(71)
    cases = []
    for sizes, n, act in (((6, 7, 4), 5, ReLU), ((5, 8, 6, 3), 4, Tanh), ((9, 4, 10), 1, ReLU),
                          ((3, 6, 2), 7, ReLU)):
        model = _network(rng, sizes, act)
        cases.append((model, rng.uniform(0, 1, size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n)))
    # logits in the thousands: the softmax must not overflow
    model = _network(rng, (5, 6, 4), last_scale=2000.0)
    x = rng.uniform(0, 1, size=(3, 5))
    wrong = np.argmin(model.forward(x), axis=1)
    cases.append((model, x, wrong))
    return cases


def input_grad(fn, hidden=False):
    """Check ``input_grad(model, x, label)``: d(mean cross-entropy)/dx, shape (N, in)."""
    for model, x, label in _input_grad_cases(hidden):
        expected = _input_grad(model, x, label)
        n, c = len(x), model.layers[-1].out_features
        got = _run(fn, (model, x, label), "input_grad", _NETWORK, ("", "x", "label"))
        arr = core.as_answer("input_grad", got)
        where = f" (x of shape {x.shape})"
        if arr.shape != x.shape:
            w_shape = model.layers[0].params["W"].shape
            if arr.shape == w_shape:
                core.fail(f"`input_grad` has shape {arr.shape}, the shape of the first layer's weight matrix, "
                          f"not of the input {x.shape}: you returned a weight gradient. Here the weights are "
                          "frozen and the input is the variable, so return what backward hands back for x.")
            if arr.shape == (n, c):
                core.fail(f"`input_grad` has shape {arr.shape}, the shape of the logits: that is the gradient "
                          "with respect to the network's output. It still has to travel back through the "
                          "network to reach the input.")
        core.check_close("input_grad", arr, expected, factors={"N (the batch size)": n},
                         hint="the loss is the mean cross-entropy of the softmax of the logits; check its "
                              "gradient with respect to the logits before you send it back" + where)
    if hidden:  # finite differences in float64 on a fresh network
        rng = np.random.default_rng(5)
        model = _network(rng, (4, 6, 3))
        x, label = rng.uniform(0, 1, size=(2, 4)), np.array([1, 2])
        arr = core.as_answer("input_grad", _run(fn, (model, x, label), "input_grad", _NETWORK, ("", "x", "label")))
        numeric = _numeric(lambda v: float(np.mean(_ce_rows(model, v, label))), x.copy())
        core.check_close("input_grad", arr, numeric, rtol=1e-5, atol=1e-7,
                         factors={"N (the batch size)": len(x)},
                         hint="your gradient disagrees with central finite differences of the mean loss.")
    core.passed("input_grad", "on random networks, a batch of one, huge logits and finite differences"
                if hidden else "on the visible case")


# --- exercise 2: the gradient of the regularised class score ---------------------------------

def _score_cases(hidden):
    if not hidden:
        rng = np.random.default_rng(1)
        model = _network(rng, (4, 5, 3))
        return [(model, rng.uniform(0, 1, size=(2, 4)).round(2), 1, 0.5)]
    rng = np.random.default_rng(72)
    cases = []
    for sizes, n, k, lam, act in (((6, 7, 4), 3, 3, 0.1, ReLU), ((5, 8, 6, 3), 1, 0, 2.0, Tanh),
                                  ((8, 5, 10), 4, 7, 0.0, ReLU), ((3, 4, 2), 5, 1, 1.0, ReLU)):
        model = _network(rng, sizes, act)
        cases.append((model, rng.normal(0, 1, size=(n, sizes[0])), k, lam))
    return cases


def class_score_grad(fn, hidden=False):
    """Check ``class_score_grad(model, x, k, lam)``: gradient of score_k(x) - lam ||x||^2 per row."""
    for model, x, k, lam in _score_cases(hidden):
        expected = _score_grad(model, x, k, lam)
        got = _run(fn, (model, x, k, lam), "class_score_grad", _NETWORK, ("", "x"))
        arr = core.as_answer("class_score_grad", got)
        core.check_shape("class_score_grad", arr, x.shape)
        if not np.allclose(arr, expected, rtol=1e-6, atol=1e-8):
            _score_mistakes(model, x, k, lam, arr)
        core.check_close("class_score_grad", arr, expected, factors={"N (the batch size)": len(x)},
                         hint=f"k={k}, lam={lam}: the score is the raw output k of the network (a logit), and "
                              "each row is a separate image with its own penalty.")
    if hidden:
        rng = np.random.default_rng(6)
        model, k, lam = _network(rng, (4, 6, 3)), 2, 0.3
        x = rng.normal(0, 1, size=(2, 4))
        arr = core.as_answer("class_score_grad",
                             _run(fn, (model, x, k, lam), "class_score_grad", _NETWORK, ("", "x")))
        numeric = _numeric(lambda v: float(np.sum(_objective(model, v, k, lam))), x.copy())
        core.check_close("class_score_grad", arr, numeric, rtol=1e-5, atol=1e-7,
                         hint="your gradient disagrees with central finite differences of the objective.")
    core.passed("class_score_grad", "on random networks, several lam, a batch of one and finite differences"
                if hidden else "on the visible case")


def _score_mistakes(model, x, k, lam, arr):
    score = _score_grad(model, x, k, 0.0)
    close = lambda other: np.allclose(arr, other, rtol=1e-6, atol=1e-8)  # noqa: E731
    if lam > 0:
        if close(score):
            core.fail("`class_score_grad` leaves out the penalty: the result is the gradient of the score alone. "
                      "The objective also contains -lam ||x||^2, and its gradient belongs in the answer.")
        if close(score + 2 * lam * x):
            core.fail("`class_score_grad` adds the penalty's gradient with the wrong sign: the penalty is "
                      "subtracted from the score, so its gradient pulls x towards zero.")
        if close(score - lam * x):
            core.fail("`class_score_grad` has the penalty's gradient off by a factor of 2: differentiate the "
                      "squared norm term by term.")
        if close(score + lam * x):
            core.fail("`class_score_grad` has the penalty's gradient with the wrong sign and off by a factor of 2.")
        if close(score / len(x) - 2 * lam * x) and len(x) > 1:
            core.fail("`class_score_grad` divides the score's gradient by the batch size N: each row is a "
                      "separate image with its own score, so nothing is averaged here.")
    z = model.forward(x)
    p = np.exp(log_softmax(z))
    for what, g in (("the softmax probability", p * ((np.arange(z.shape[1]) == k) - p[:, [k]])),
                    ("the log of the softmax probability", (np.arange(z.shape[1]) == k) - p)):
        if close(model.backward(g) - 2 * lam * x) or close(model.backward(g)):
            core.fail(f"`class_score_grad` differentiates {what} of class k. The score here is the raw output "
                      "(the logit) of class k, before any softmax.")


# --- exercise 3: gradient ascent on the input --------------------------------------------------

def _maximise_cases(hidden):
    if not hidden:
        rng = np.random.default_rng(2)
        model = _network(rng, (6, 8, 3))
        return [(model, 2, 20, 0.1, 0.5, rng.uniform(0, 1, size=(1, 6)).round(2))]
    rng = np.random.default_rng(73)
    cases = []
    for sizes, k, steps, lr, lam, n in (((5, 7, 4), 0, 15, 0.05, 1.0, 1), ((8, 6, 5, 3), 2, 30, 0.1, 0.3, 3),
                                        ((4, 9, 6), 5, 1, 0.2, 0.5, 2), ((4, 9, 6), 3, 0, 0.2, 0.5, 1)):
        model = _network(rng, sizes)
        cases.append((model, k, steps, lr, lam, rng.uniform(0, 1, size=(n, sizes[0]))))
    return cases


def maximise_class(fn, hidden=False):
    """Check ``maximise_class(model, k, steps, lr, lam, x0)``: ``steps`` steps of gradient ascent from x0."""
    for model, k, steps, lr, lam, x0 in _maximise_cases(hidden):
        expected = _maximise(model, k, steps, lr, lam, x0)
        got = _run(fn, (model, k, steps, lr, lam, x0), "maximise_class", _NETWORK,
                   ("", "", "", "", "", "x0"), given={"class_score_grad": _as_given(_score_grad)})
        arr = core.check_shape("maximise_class", got, x0.shape)
        if np.allclose(arr, expected, rtol=1e-6, atol=1e-8):
            continue
        start, end = _objective(model, x0, k, lam), _objective(model, arr, k, lam)
        if steps > 0 and np.all(end < start):
            core.fail(f"the score went down: from the start x0 to your result, score_k(x) - lam ||x||^2 "
                      f"fell from {float(start[0]):.4g} to {float(end[0]):.4g} (k={k}). You are descending; "
                      "this exercise climbs towards the largest score.")
        for off, words in ((-1, "one step too few"), (1, "one step too many")):
            if steps + off >= 0 and np.allclose(arr, _maximise(model, k, steps + off, lr, lam, x0)):
                core.fail(f"`maximise_class` takes {words}: it should take exactly `steps` = {steps} steps.")
        if np.allclose(arr, x0):
            core.fail("`maximise_class` returned the starting image unchanged: no step was applied.")
        core.check_close("maximise_class", arr, expected,
                         hint=f"k={k}, steps={steps}, lr={lr}, lam={lam}: each step moves x by lr times the "
                              "gradient of the regularised score, evaluated at the current x.")
    core.passed("maximise_class", "on random networks, batches of starts, one step and zero steps"
                if hidden else "on the visible case")


# --- exercise 4: an adversarial perturbation ---------------------------------------------------

def _adversarial_case(rng, sizes, n, eps):
    """Rows on which one signed step of size eps already changes the prediction."""
    model = _network(rng, sizes)
    x = rng.uniform(0, 1, size=(8 * n, sizes[0]))
    label = np.argmax(model.forward(x), axis=1)
    z = model.forward(_fgsm(model, x, label, eps))
    top = np.sort(z, axis=1)[:, -1]
    margin = top - z[np.arange(len(x)), label]
    keep = np.argsort(-margin)[:n]
    keep = keep[margin[keep] > 0]
    return model, x[keep], label[keep], eps


def _adversarial_cases(hidden):
    if not hidden:
        return [_adversarial_case(np.random.default_rng(4), (6, 10, 3), 4, 0.2)]
    rng = np.random.default_rng(74)
    return [_adversarial_case(rng, (10, 12, 5), 6, 0.15), _adversarial_case(rng, (8, 16, 8, 4), 3, 0.25),
            _adversarial_case(rng, (12, 10, 6), 1, 0.2)]


def adversarial(fn, hidden=False):
    """Check ``adversarial(model, x, label, eps)``: x' within eps of x in every pixel, in [0, 1],
    with a higher loss and (mostly) a changed prediction."""
    for model, x, label, eps in _adversarial_cases(hidden):
        got = _run(fn, (model, x, label, eps), "adversarial", _NETWORK_AND_LOSS, ("", "x", "label"),
                   given={"input_grad": _as_given(_input_grad)})
        arr = core.check_shape("adversarial", got, x.shape)
        core.check_finite("adversarial", arr)
        step = float(np.max(np.abs(arr - x)))
        if step > eps * (1 + 1e-9) + 1e-12:
            core.fail(f"`adversarial` moves a pixel by {step:.4g}, a perturbation larger than eps = {eps}: "
                      "every pixel must stay within eps of the original.")
        if arr.min() < -1e-12 or arr.max() > 1 + 1e-12:
            core.fail(f"`adversarial` returns pixels outside [0, 1] (from {arr.min():.3g} to {arr.max():.3g}): "
                      "an image must stay an image, so keep every pixel in the valid range.")
        before, after = _ce_rows(model, x, label), _ce_rows(model, arr, label)
        if np.mean(after) < np.mean(before):
            core.fail("`adversarial` makes the prediction more confident: the loss of the true label went "
                      f"down (from {np.mean(before):.3g} to {np.mean(after):.3g} on average). The step goes "
                      "the wrong way: an attack climbs the loss.")
        flipped = np.argmax(model.forward(arr), axis=1) != label
        if step == 0:
            core.fail("`adversarial` returned x unchanged: the perturbation is zero.")
        if flipped.mean() < 0.75:
            core.fail(f"`adversarial` changed the prediction of only {int(flipped.sum())} of {len(x)} examples "
                      f"(eps = {eps}, largest change {step:.3g}); a one-step attack that spends its whole budget "
                      "changes all of them. Each pixel may move by up to eps: use that budget in the direction "
                      "that raises the loss.")
    core.passed("adversarial", "on random networks and a batch of one" if hidden else "on the visible case")
