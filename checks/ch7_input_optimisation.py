"""Visible checks for chapter 7, optimising the input.

The network is frozen and the input is the variable.  Each check builds a
small reference network (``mlp.Sequential`` of ``Linear`` and ``ReLU`` or
``Tanh``), computes the expected answer with the helpers below, calls the
student's function through ``guard.call`` and names this chapter's typical
mistakes (a weight gradient instead of the input gradient, a penalty with the
wrong sign or factor, ascent written as descent, a perturbation that leaves
its budget or edits ``x`` in place) before the generic ``core.check_close``.
Each ``judge_*`` function runs one case and returns the answer it judged.
"""

import numpy as np

from mlp.layers import Linear, ReLU
from mlp.losses import log_softmax
from mlp.network import Sequential

from . import core, guard

# The student's functions receive reference networks, rebuilt in the grader's
# sandbox from these modules; `input_grad` and `adversarial` may also use the reference loss.
SANDBOX_MLP = ("mlp.network", "mlp.layers", "mlp.losses")

# The exercises are about the input, not the layers: forward and backward of
# the reference network are there to be used.
_NETWORK = ("mlp.network", "mlp.layers")
_NETWORK_AND_LOSS = ("mlp.network", "mlp.layers", "mlp.losses")


# --- reference pieces ------------------------------------------------------------------------

def random_network(rng, sizes, act=ReLU, last_scale=1.0):
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


def cross_entropy_rows(model, x, label):
    """Cross-entropy of every row of ``x`` against ``label``, shape (N,)."""
    logp = log_softmax(model.forward(x))
    return -logp[np.arange(len(x)), label]


def objective(model, x, k, lam):
    """score_k(x) - lam ||x||^2, one value per row."""
    return model.forward(x)[:, k] - lam * np.sum(x * x, axis=1)


def _input_grad(model, x, label):
    z = model.forward(x)
    p = np.exp(log_softmax(z))
    p[np.arange(len(x)), label] -= 1.0
    return model.backward(p / len(x))


def _score_grad(model, x, k, lam):
    z = model.forward(x)
    g = np.zeros_like(z)
    g[:, k] = 1.0
    return model.backward(g) - 2.0 * lam * x


def _maximise(model, k, steps, lr, lam, x0, sign=1.0):
    x = np.array(x0, dtype=np.float64, copy=True)
    for _ in range(steps):
        x = x + sign * lr * _score_grad(model, x, k, lam)
    return x


def _fgsm(model, x, label, eps):
    return np.clip(x + eps * np.sign(_input_grad(model, x, label)), 0.0, 1.0)


def _params(model):
    return [layer.params[k].copy() for layer, k in model.parameters()]


def _check_frozen(name, model, before):
    after = _params(model)
    if any(not np.array_equal(b, a) for b, a in zip(before, after)):
        core.fail(f"`{name}` changed the network's weights or biases. In this chapter the parameters are "
                  "frozen: only the input is the variable, so compute gradients but update nothing in the model.")


def _run(fn, args, name, allow, labels, given=None):
    """Call the student's function and check that no input array and no parameter changed."""
    model = args[0]
    params = _params(model)
    got = guard.call(fn, *args, name=name, allow=allow, given=given, unchanged=labels)
    _check_frozen(name, model, params)
    return got


# --- exercise 1: the gradient with respect to the input --------------------------------------

def input_grad(fn):
    """Visible check of ``input_grad(model, x, label)``: a tiny network that has just seen another batch."""
    rng = np.random.default_rng(0)
    model = random_network(rng, (4, 5, 3))
    x = rng.uniform(0, 1, size=(3, 4)).round(2)
    judge_input_grad(fn, model, x, np.array([1, 0, 1]))
    core.passed("input_grad", "on a tiny network and a batch of three")


def _stale_input(x):
    """Another batch of the shape of ``x``, for the forward pass the model saw last before the call."""
    return np.abs(1.0 - x[::-1] * 1.7) + 0.05


def judge_input_grad(fn, model, x, label):
    """Run ``input_grad`` on one case, d(mean cross-entropy)/dx of shape (N, in); return the answer.

    Before the call the model runs forward on another batch of the same shape, as it would after a
    demo cell: an answer that skips the forward pass on ``x`` back-propagates through stale caches.
    """
    n, c = len(x), model.layers[-1].out_features
    z = model.forward(x)
    p = np.exp(log_softmax(z))
    g_z = p.copy()
    g_z[np.arange(n), label] -= 1.0
    g_z /= n
    expected = model.backward(g_z)
    model.forward(_stale_input(x))
    stale = model.backward(g_z)
    try:
        got = _run(fn, (model, x, label), "input_grad", _NETWORK_AND_LOSS, ("", "x", "label"))
    except core.GradingError as err:
        msg = str(err)
        if "raised ValueError" in msg and "SoftmaxCrossEntropy" in msg and "target" in msg:
            core.fail(msg.rstrip(".") + f". `label` holds one integer class per row, shape ({n},), and the "
                      f"network has {c} classes: the loss takes those labels as they are, or one-hot rows "
                      f"with one column per class, ({n}, {c}).")
        raise
    arr = core.as_answer("input_grad", got)
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
    if arr.shape == x.shape and np.all(np.isfinite(arr)) and not core.close(arr, expected):
        model.forward(x)
        seeds = (
            (z, "with the logits themselves: the seed of `model.backward` is the gradient of the loss "
                "with respect to the logits, which the loss's backward returns"),
            (np.ones_like(z), "with ones: that is the gradient of the sum of all logits, not of the loss; "
                              "the seed is the gradient of the loss with respect to the logits"),
            (p / n, "with the softmax alone: the labels are left out of the seed"),
        )
        for seed, words in seeds:
            if core.close(arr, model.backward(seed)):
                core.fail(f"`input_grad` seeds `model.backward` {words}.")
        if core.close(arr, stale):
            core.fail("`input_grad` sends the right gradient back through the caches of an earlier forward "
                      "pass: the model had just seen another batch, and `model.backward` uses whatever the "
                      "last `model.forward` on this model cached. Run the model forward on x first, "
                      "on the model itself (a copy's caches do not reach it).")
        if core.close(arr, model.backward(-g_z)):
            core.fail("`input_grad` has the wrong sign: it is the gradient of minus the loss.")
    if arr.shape == x.shape and not np.all(np.isfinite(arr)) and _batch_wide_shift(fn, model, x, label):
        core.fail("`input_grad` contains NaN or inf on a batch whose rows have very different largest "
                  "logits, though every row alone comes out finite: the number subtracted from the logits "
                  "before exp is one for the whole batch (a `.max()` without an axis). A row whose own "
                  "largest logit lies far below the batch's then has exp of every entry underflow to 0. "
                  "Shift each row by its own largest logit, or use the reference loss.")
    core.check_close("input_grad", arr, expected, factors={"N (the batch size)": n},
                     hint="the loss is the mean cross-entropy of the softmax of the logits; check the "
                          f"gradient you send back into the network (x of shape {x.shape})")
    return arr


def _batch_wide_shift(fn, model, x, label):
    """Whether rows far apart in their largest logits fail together but pass one at a time."""
    top = model.forward(x).max(axis=1)
    if len(x) < 2 or top.max() - top.min() < 500:
        return False
    for i in range(len(x)):
        try:
            with np.errstate(all="ignore"):
                got = _run(fn, (model, x[i:i + 1].copy(), label[i:i + 1].copy()), "input_grad", _NETWORK_AND_LOSS,
                           ("", "x", "label"))
        except core.GradingError:
            return False
        if not np.all(np.isfinite(core.as_answer("input_grad", got))):
            return False
    return True


# --- exercise 2: the gradient of the regularised class score ---------------------------------

def class_score_grad(fn):
    """Visible check of ``class_score_grad(model, x, k, lam)``: a tiny network, two rows, lam = 0.5."""
    rng = np.random.default_rng(1)
    model = random_network(rng, (4, 5, 3))
    judge_class_score_grad(fn, model, rng.uniform(0, 1, size=(2, 4)).round(2), 1, 0.5)
    core.passed("class_score_grad", "on a tiny network, two rows and lam = 0.5")


def judge_class_score_grad(fn, model, x, k, lam):
    """Run ``class_score_grad`` on one case, the gradient of score_k(x) - lam ||x||^2 per row; return it."""
    expected = _score_grad(model, x, k, lam)
    got = _run(fn, (model, x, k, lam), "class_score_grad", _NETWORK, ("", "x"))
    arr = core.check_shape("class_score_grad", got, x.shape)
    if not core.close(arr, expected):
        _score_mistakes(model, x, k, lam, arr)
    core.check_close("class_score_grad", arr, expected, factors={"N (the batch size)": len(x)},
                     hint=f"k={k}, lam={lam}: the score is the raw output k of the network (a logit), and "
                          "each row is a separate image with its own penalty.")
    return arr


def _score_mistakes(model, x, k, lam, arr):
    score = _score_grad(model, x, k, 0.0)
    if lam > 0:
        if core.close(arr, score):
            core.fail("`class_score_grad` leaves out the penalty: the result is the gradient of the score alone. "
                      "The objective also contains -lam ||x||^2, and its gradient belongs in the answer.")
        if core.close(arr, score + 2 * lam * x):
            core.fail("`class_score_grad` adds the penalty's gradient with the wrong sign: the penalty is "
                      "subtracted from the score, so its gradient pulls x towards zero.")
        if core.close(arr, score - lam * x):
            core.fail("`class_score_grad` has the penalty's gradient off by a factor of 2: differentiate the "
                      "squared norm term by term.")
        if lam != 1 and (core.close(arr, score - 2 * x) or core.close(arr, score - x)):
            core.fail("`class_score_grad` leaves lam out of the penalty's gradient: the penalty is lam ||x||^2, "
                      "so lam scales its gradient.")
        if core.close(arr, score + lam * x):
            core.fail("`class_score_grad` has the penalty's gradient with the wrong sign and off by a factor of 2.")
        for pen in (x.sum(axis=1, keepdims=True), np.full(x.shape, x.sum()), np.sqrt((x * x).sum(axis=1, keepdims=True))):
            if core.close(arr, score - 2 * lam * pen) or core.close(arr, score - lam * pen):
                core.fail("`class_score_grad` turns the penalty's gradient into one number per row (a sum or a "
                          "norm of x): the gradient of ||x||^2 has one entry per pixel, proportional to that pixel.")
        if core.close(arr, score / len(x) - 2 * lam * x) and len(x) > 1:
            core.fail("`class_score_grad` divides the score's gradient by the batch size N: each row is a "
                      "separate image with its own score, so nothing is averaged here.")
    z = model.forward(x)
    p = np.exp(log_softmax(z))
    for what, g in (("the softmax probability", p * ((np.arange(z.shape[1]) == k) - p[:, [k]])),
                    ("the log of the softmax probability", (np.arange(z.shape[1]) == k) - p)):
        if core.close(arr, model.backward(g) - 2 * lam * x) or core.close(arr, model.backward(g)):
            core.fail(f"`class_score_grad` differentiates {what} of class k. The score here is the raw output "
                      "(the logit) of class k, before any softmax.")


# --- exercise 3: gradient ascent on the input --------------------------------------------------

def maximise_class(fn):
    """Visible check of ``maximise_class(model, k, steps, lr, lam, x0)``: 20 steps on a tiny network."""
    rng = np.random.default_rng(2)
    model = random_network(rng, (6, 8, 3))
    judge_maximise_class(fn, model, 2, 20, 0.1, 0.5, rng.uniform(0, 1, size=(1, 6)).round(2))
    core.passed("maximise_class", "on 20 steps from one start on a tiny network")


def judge_maximise_class(fn, model, k, steps, lr, lam, x0):
    """Run ``maximise_class`` on one case, ``steps`` steps of gradient ascent from x0; return the answer.

    The student's ``class_score_grad`` is replaced by the reference for the call, so a
    mistake there costs only that exercise's points.
    """
    expected = _maximise(model, k, steps, lr, lam, x0)
    got = _run(fn, (model, k, steps, lr, lam, x0), "maximise_class", _NETWORK,
               ("", "", "", "", "", "x0"), given={"class_score_grad": _score_grad})
    arr = core.check_shape("maximise_class", got, x0.shape)
    if core.close(arr, expected):
        return arr
    start, end = objective(model, x0, k, lam), objective(model, arr, k, lam)
    if steps > 0 and np.all(end < start):
        core.fail(f"the score went down: from the start x0 to your result, score_k(x) - lam ||x||^2 "
                  f"fell from {float(start[0]):.4g} to {float(end[0]):.4g} (k={k}). You are descending; "
                  "this exercise climbs towards the largest score.")
    for off, words in ((-1, "one step too few"), (1, "one step too many")):
        if steps + off >= 0 and core.close(arr, _maximise(model, k, steps + off, lr, lam, x0)):
            core.fail(f"`maximise_class` takes {words}: it should take exactly `steps` = {steps} steps.")
    if core.close(arr, x0):
        core.fail("`maximise_class` returned the starting image unchanged: no step was applied.")
    if lam > 0 and steps > 0 and core.close(arr, _maximise(model, k, steps, lr, 2 * lam, x0)):
        core.fail("`maximise_class` applies the penalty twice: `class_score_grad` already includes the "
                  "gradient of -lam ||x||^2, so the step needs nothing more.")
    if lr != 1 and steps > 0 and core.close(arr, _maximise(model, k, steps, 1.0, lam, x0)):
        core.fail(f"`maximise_class` ignores the learning rate: its steps are the whole gradient, not lr = {lr} "
                  "times it.")
    if steps > 1 and core.close(arr, x0 + steps * lr * _score_grad(model, x0, k, lam)):
        core.fail("`maximise_class` reuses the gradient computed at the start for every step: the "
                  "gradient changes as x moves, so compute it again at the current x before each step.")
    if steps > 0 and core.close(arr, x0 + lr * _score_grad(model, x0, k, lam)):
        core.fail(f"`maximise_class` takes a single step: it should take `steps` = {steps} steps, "
                  "each from the current x.")
    core.check_close("maximise_class", arr, expected,
                     hint=f"k={k}, steps={steps}, lr={lr}, lam={lam}: each step moves x by lr times the "
                          "gradient of the regularised score, evaluated at the current x.")
    return arr


# --- exercise 4: an adversarial perturbation ---------------------------------------------------

def adversarial_case(rng, sizes, n, eps):
    """A random network and up to n rows on which one signed step of size eps changes the prediction."""
    model = random_network(rng, sizes)
    x = rng.uniform(0, 1, size=(8 * n, sizes[0]))
    label = np.argmax(model.forward(x), axis=1)
    z = model.forward(_fgsm(model, x, label, eps))
    top = np.sort(z, axis=1)[:, -1]
    margin = top - z[np.arange(len(x)), label]
    keep = np.argsort(-margin)[:n]
    keep = keep[margin[keep] > 0]
    return model, x[keep], label[keep], eps


def adversarial(fn):
    """Visible check of ``adversarial(model, x, label, eps)``: four inputs of a small network, eps = 0.2."""
    judge_adversarial(fn, *adversarial_case(np.random.default_rng(4), (6, 10, 3), 4, 0.2))
    core.passed("adversarial", "on four inputs of a small network with eps = 0.2")


def judge_adversarial(fn, model, x, label, eps):
    """Run ``adversarial`` on one case: x' within eps of x in every pixel, in [0, 1], with a higher
    loss and (mostly) a changed prediction.  Returns the answer.

    The student's ``input_grad`` is replaced by the reference for the call.
    """
    got = _run(fn, (model, x, label, eps), "adversarial", _NETWORK_AND_LOSS, ("", "x", "label"),
               given={"input_grad": _input_grad})
    arr = core.check_shape("adversarial", got, x.shape)
    core.check_finite("adversarial", arr)
    step = float(np.max(np.abs(arr - x)))
    if step > eps * (1 + 1e-9) + 1e-12:
        core.fail(f"`adversarial` moves a pixel by {step:.4g}, a perturbation larger than eps = {eps}: "
                  "every pixel must stay within eps of the original.")
    if arr.min() < -1e-12 or arr.max() > 1 + 1e-12:
        core.fail(f"`adversarial` returns pixels outside [0, 1] (from {arr.min():.3g} to {arr.max():.3g}): "
                  "an image must stay an image, so keep every pixel in the valid range.")
    if step == 0:
        core.fail("`adversarial` returned x unchanged: the perturbation is zero.")
    before, after = cross_entropy_rows(model, x, label), cross_entropy_rows(model, arr, label)
    if np.mean(after) < np.mean(before):
        core.fail("`adversarial` makes the prediction more confident: the loss of the true label went "
                  f"down (from {np.mean(before):.3g} to {np.mean(after):.3g} on average). The step goes "
                  "the wrong way: an attack climbs the loss.")
    _perturbation_mistakes(model, x, label, eps, arr)
    flipped = np.argmax(model.forward(arr), axis=1) != label
    if flipped.mean() < 0.75:
        core.fail(f"`adversarial` changed the prediction of only {int(flipped.sum())} of {len(x)} examples "
                  f"(eps = {eps}, largest change {step:.3g}); a one-step attack that spends its whole budget "
                  "changes all of them. Each pixel may move by up to eps: use that budget in the direction "
                  "that raises the loss.")
    return arr


def judge_adversarial_direction(fn, model, x, label, eps):
    """Run ``adversarial`` with labels that need not be the predictions and judge the perturbation
    itself: within the budget, in [0, 1], every row moved so that its loss on ``label`` rises."""
    got = _run(fn, (model, x, label, eps), "adversarial", _NETWORK_AND_LOSS, ("", "x", "label"),
               given={"input_grad": _input_grad})
    arr = core.check_shape("adversarial", got, x.shape)
    core.check_finite("adversarial", arr)
    step = float(np.max(np.abs(arr - x)))
    if step > eps * (1 + 1e-9) + 1e-12:
        core.fail(f"`adversarial` moves a pixel by {step:.4g}, a perturbation larger than eps = {eps}: "
                  "every pixel must stay within eps of the original.")
    if arr.min() < -1e-12 or arr.max() > 1 + 1e-12:
        core.fail(f"`adversarial` returns pixels outside [0, 1] (from {arr.min():.3g} to {arr.max():.3g}).")
    if step == 0:
        core.fail("`adversarial` returned x unchanged: the perturbation is zero.")
    before, after = cross_entropy_rows(model, x, label), cross_entropy_rows(model, arr, label)
    _perturbation_mistakes(model, x, label, eps, arr)
    g = _input_grad(model, x, label)
    full = np.sum(g * (_fgsm(model, x, label, eps) - x), axis=1)
    share = float(np.mean(np.sum(g * (arr - x), axis=1)[full > 0] / full[full > 0])) if np.any(full > 0) else 1.0
    if share < 0.75:
        core.fail(f"`adversarial` gains only {100 * share:.0f}% of the first-order rise in the loss that the "
                  "budget allows: a pixel may move by eps, and the loss rises most when every pixel moves by "
                  "the whole eps in the direction of its gradient's sign (not by an amount proportional to "
                  "the gradient).")
    if np.mean(after) <= np.mean(before):
        core.fail("`adversarial` lowers the loss of the given `label` (from "
                  f"{np.mean(before):.3g} to {np.mean(after):.3g} on average): the attack must raise the "
                  "loss of the label it is given, which here is not the predicted class.")
    return arr


def _perturbation_mistakes(model, x, label, eps, arr):
    """Name a perturbation that points the wrong way pixel by pixel, whatever the predictions do."""
    g = _input_grad(model, x, label)
    delta = arr - x
    tiny = 1e-9 * eps
    # pixels the attack should lower (gradient negative) and could (not already at 0)
    lowerable = (g < -1e-12) & (x > tiny)
    raisable = (g > 1e-12) & (x < 1 - tiny)
    if lowerable.any() and np.all(delta >= -tiny) and np.any(delta > tiny):
        core.fail("`adversarial` only ever raises pixels: no pixel went down, though the loss also grows "
                  "where the gradient is negative and a pixel decreases. A 0/1 mask such as `(g > 0)` "
                  "is not the sign of g: the sign is -1 where g < 0, +1 where g > 0.")
    if raisable.any() and np.all(delta <= tiny) and np.any(delta < -tiny):
        core.fail("`adversarial` only ever lowers pixels: no pixel went up, though the loss also grows "
                  "where the gradient is positive and a pixel increases. Use the sign of g, -1 or +1.")
    predicted = np.argmax(model.forward(x), axis=1)
    differs = predicted != label
    if differs.any():
        on_pred = _fgsm(model, x, predicted, eps)
        if core.close(arr, on_pred, 1e-9, 1e-12) and not core.close(arr, _fgsm(model, x, label, eps), 1e-9, 1e-12):
            core.fail("`adversarial` attacks the class the network predicts, not the given `label`: on rows "
                      "whose label differs from the prediction, your perturbation raises the loss of the "
                      "predicted class. Use `label`, the true class the caller passes in.")
    gain = np.sum(g * delta, axis=1)
    if np.any(gain[np.abs(g).sum(axis=1) > 1e-9] <= 0):
        r = int(np.argmax(gain <= 0))
        core.fail(f"`adversarial` moves row {r} in a direction that does not raise its loss on `label` "
                  "to first order: the perturbation must follow the sign of the gradient of that row's "
                  "loss with respect to x, computed with the given label.")
