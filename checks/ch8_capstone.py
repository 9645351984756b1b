"""Visible checks for chapter 8, the capstone: a network of your own.

Four exercises build one digit classifier from the student's own code:
``init_params`` (random weights at a scale that keeps the signal alive),
``loss_and_grads`` (the forward pass, the mean softmax cross-entropy and the
backward pass through every layer), ``train`` (minibatch SGD) and
``fit_digits`` (the whole run, which must reach 95 % on held-out digits).

A network is a list of layers, ``params[i] = {"W": (in, out), "b": (out,)}``,
with a ReLU after every layer but the last.  ``loss_and_grads`` is checked
against central differences of the student's *own* loss (float64) and
against the reference; ``train`` is run with a stand-in ``loss_and_grads``
that records every batch, so it is graded on its own.  Only ``mlp.data`` and
``mlp.gradcheck`` may be used: any other part of ``mlp`` fails the check.

The reference computations here use numpy alone, because the stand-in is
called back inside the student's guarded call, where a call into ``mlp``
would count as the answer using the reference.
"""

import numpy as np

from . import core, guard

# The reference modules an answer may use in the sandbox: loading data and checking gradients.
SANDBOX_MLP = ("mlp.data", "mlp.gradcheck")
ALLOW = SANDBOX_MLP

_N = "N (the batch size)"
GOAL = 0.95  # test accuracy fit_digits must reach on held-out digits


# --- the reference network, in numpy -------------------------------------------------------------

def forward(params, x):
    """Logits (N, out) of the ReLU network ``params`` on ``x`` (N, in), and the pre-activations."""
    a, zs = x, []
    for i, layer in enumerate(params):
        z = a @ layer["W"] + layer["b"]
        zs.append(z)
        a = np.maximum(z, 0.0) if i < len(params) - 1 else z
    return a, zs


def reference(params, x, labels, gate=True):
    """``(loss, grads)`` of the mean softmax cross-entropy; ``gate=False`` forgets the ReLU's gate."""
    logits, zs = forward(params, x)
    n = len(x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(np.mean(log_p[np.arange(n), labels]))
    g = np.exp(log_p)
    g[np.arange(n), labels] -= 1.0
    g /= n
    grads = [None] * len(params)
    for i in reversed(range(len(params))):
        a_prev = x if i == 0 else np.maximum(zs[i - 1], 0.0)
        grads[i] = {"W": a_prev.T @ g, "b": g.sum(axis=0)}
        if i > 0:
            g = g @ params[i]["W"].T
            if gate:
                g = g * (zs[i - 1] > 0)
    return loss, grads


def copy_params(params):
    return [{k: np.array(v, dtype=np.float64, copy=True) for k, v in layer.items()} for layer in params]


def random_params(rng, sizes, scale=1.0):
    """A network with weights of a moderate size, biases included."""
    return [{"W": rng.normal(0, scale / np.sqrt(i), (i, o)), "b": rng.normal(0, 0.1, o)}
            for i, o in zip(sizes[:-1], sizes[1:])]


def layers_of(name, got, sizes):
    """``got`` as a list of {"W", "b"} float64 arrays of the shapes ``sizes`` asks for, or a message."""
    n_layers = len(sizes) - 1
    if not isinstance(got, (list, tuple)):
        core.fail(f"`{name}` should be a list with one dict {{'W': ..., 'b': ...}} per layer, "
                  f"got {type(got).__name__}.")
    if len(got) != n_layers:
        core.fail(f"`{name}` has {len(got)} layers; sizes {list(sizes)} make {n_layers} layers "
                  f"(one between each pair of consecutive sizes).")
    out = []
    for i, (layer, fan_in, fan_out) in enumerate(zip(got, sizes[:-1], sizes[1:])):
        if not isinstance(layer, dict) or set(layer) != {"W", "b"}:
            keys = sorted(layer) if isinstance(layer, dict) else type(layer).__name__
            core.fail(f"`{name}[{i}]` should be a dict with the keys 'W' and 'b', got {keys}.")
        W = core.as_answer(f"{name}[{i}]['W']", layer["W"])
        if W.shape == (fan_out, fan_in) and fan_in != fan_out:
            core.fail(f"`{name}[{i}]['W']` has shape {W.shape}, the transpose of ({fan_in}, {fan_out}): "
                      "in this course W has shape (in, out), so that a layer computes x @ W + b.")
        W = core.check_shape(f"{name}[{i}]['W']", W, (fan_in, fan_out))
        b = core.as_answer(f"{name}[{i}]['b']", layer["b"])
        if b.shape != (fan_out,):
            core.fail(f"`{name}[{i}]['b']` has the wrong shape: expected ({fan_out},), one bias per output "
                      f"unit, got {b.shape}.")
        out.append({"W": W, "b": b})
    return out


def _same_params(a, b):
    return all(core.close(la[k], lb[k], 0, 0) for la, lb in zip(a, b) for k in ("W", "b"))


def _unchanged(name, before, after):
    for i, (old, new) in enumerate(zip(before, after)):
        for k in ("W", "b"):
            if not np.array_equal(old[k], np.asarray(new[k])):
                core.fail(f"`{name}` changed params[{i}]['{k}'] in place. The caller still needs the "
                          "parameters it passed (to compare, to run the cell again): work on copies "
                          "and return new arrays.")


# --- exercise 1: the initial parameters -----------------------------------------------------------

def judge_init_params(fn, sizes, seed):
    """Run ``init_params(sizes, rng)`` twice with one seed and once with another; name its mistake."""
    def run(s):
        got = guard.call(fn, list(sizes), np.random.default_rng(s), name="init_params", allow=ALLOW)
        return layers_of("init_params", got, sizes)

    params = run(seed)
    for i, layer in enumerate(params):
        W, fan_in = layer["W"], sizes[i]
        core.check_finite(f"params[{i}]['W']", W)
        core.check_finite(f"params[{i}]['b']", layer["b"])
        if W.shape[1] > 1 and np.allclose(W, W[:, :1]):
            core.fail(f"every unit of layer {i} starts with the same weights (here all "
                      f"{float(W.flat[0]):.3g}): units that start alike get the same gradient and stay "
                      "alike for ever, so the layer behaves like one unit. Break the symmetry: draw W at random.")
        if W.size >= 50:
            std, mean = float(W.std()), float(W.mean())
            if abs(mean) > 0.5 * std:
                core.fail(f"the weights of layer {i} are centred on {mean:.3g}, not on 0: half of them "
                          "should be negative, or every unit sees the same positive sum of its inputs.")
            if std > 2.5 * np.sqrt(2.0 / fan_in):
                core.fail(f"the weights of layer {i} are too large (standard deviation {std:.3g} with "
                          f"{fan_in} inputs per unit): each layer multiplies the size of the signal, and "
                          "the logits explode. Scale the spread with the number of inputs.")
            if std < 0.25 / np.sqrt(fan_in):
                core.fail(f"the weights of layer {i} are too small (standard deviation {std:.3g} with "
                          f"{fan_in} inputs per unit): the signal, and with it the gradient, shrinks "
                          "layer after layer. Scale the spread with the number of inputs.")
    if not _same_params(params, run(seed)):
        core.fail("two calls with generators of the same seed gave different weights: draw every random "
                  "number from the `rng` argument (not `np.random`), so that a run can be repeated.")
    if _same_params(params, run(seed + 1)):
        core.fail("generators of different seeds gave the same weights: draw from the `rng` argument "
                  "rather than from a generator of your own with a fixed seed.")
    return params


def init_params(fn):
    """Visible check of ``init_params(sizes, rng)``: shapes, randomness, a sensible scale, repeatable."""
    judge_init_params(fn, (64, 32, 10), 0)
    core.passed("init_params", "for sizes [64, 32, 10]: shapes, no symmetry, scale, repeatable from rng")


# --- exercise 2: the loss and its gradients ---------------------------------------------------------

def _call_loss(fn, params, x, labels):
    got = guard.call(fn, params, x, labels, name="loss_and_grads", allow=ALLOW)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        core.fail(f"`loss_and_grads` should return a pair `(loss, grads)`, got {type(got).__name__}.")
    return got


def own_loss(fn, params, x, labels):
    """The student's loss as a function of the parameters (for central differences)."""
    loss = core.as_answer("loss", _call_loss(fn, params, x, labels)[0])
    if loss.size != 1:
        core.fail(f"`loss` should be a single number (the mean over the batch), got shape {loss.shape}.")
    return float(loss.reshape(()))


def central_differences(fn, params, x, labels, i, key, entries, h=1e-6):
    """d(student's loss)/d params[i][key] at ``entries`` (flat indices), by central differences."""
    out = {}
    for j in entries:
        up, down = copy_params(params), copy_params(params)
        up[i][key].reshape(-1)[j] += h
        down[i][key].reshape(-1)[j] -= h
        out[j] = (own_loss(fn, up, x, labels) - own_loss(fn, down, x, labels)) / (2 * h)
    return out


def judge_loss_and_grads(fn, params, x, labels, fd_entries=None, fd=True):
    """Run ``loss_and_grads`` and compare its loss with the reference and its gradients with central
    differences of its own loss and with the reference.

    ``fd_entries``: how many entries of each array to check by central differences (all if None).
    """
    sizes = [params[0]["W"].shape[0]] + [layer["W"].shape[1] for layer in params]
    before = copy_params(params)
    loss_exp, grads_exp = reference(params, x, labels)
    loss, grads = _call_loss(fn, params, x, labels)
    _unchanged("loss_and_grads", before, params)
    n = len(x)
    loss_arr = core.as_answer("loss", loss)
    if len(params) > 1 and loss_arr.size == 1 and not core.close(loss_arr.reshape(()), loss_exp):
        with_relu = _relu_on_logits_loss(params, x, labels)
        if core.close(loss_arr.reshape(()), with_relu) and not np.isclose(with_relu, loss_exp):
            core.fail("the loss is that of a network with a ReLU after its last layer too: logits must be "
                      "free to be negative, so the last layer is linear.")
    core.check_scalar("loss", loss, loss_exp, factors={_N: n},
                      hint="the loss is the mean over the batch of -log softmax(logits)[label].")
    if isinstance(grads, (list, tuple)) and len(grads) == len(params) > 1:
        shapes = [np.shape(g["W"]) if isinstance(g, dict) and "W" in g else None for g in grads]
        if shapes[::-1] == [p["W"].shape for p in params] and shapes != shapes[::-1]:
            core.fail("the gradients are listed in reverse order (the last layer's first): grads[k] must "
                      "belong to params[k].")
    grads = layers_of("grads", grads, sizes)
    _, ungated = reference(params, x, labels, gate=False)
    for i in range(len(params)):
        for key in ("W", "b"):
            label = f"grads[{i}]['{key}']"
            got = grads[i][key]
            if i < len(params) - 1 and core.close(got, ungated[i][key]) and not core.close(got, grads_exp[i][key]):
                core.fail(f"`{label}` is what the backward pass gives without the ReLU's gate: a unit whose "
                          "pre-activation z was negative passed nothing forward, so it passes no gradient back.")
            if fd:
                size = got.size
                rng = np.random.default_rng(1000 * i + len(key))
                entries = range(size) if fd_entries is None or size <= fd_entries else \
                    rng.choice(size, fd_entries, replace=False)
                numeric = central_differences(fn, params, x, labels, i, key, entries)
                picked = np.array([got.reshape(-1)[j] for j in numeric])
                try:
                    core.check_close(label, picked, np.array(list(numeric.values())), rtol=1e-5, atol=1e-7,
                                     factors={_N: n})
                except core.GradingError as err:
                    core.fail(f"checked against central differences of your own loss (float64): {err} "
                              "The backward pass does not compute the derivative of your forward pass.")
            core.check_close(label, got, grads_exp[i][key], factors={_N: n},
                             hint="backward runs the layers in reverse: dW = a_prev.T @ g, db sums g over "
                                  "the batch, and g goes back through W.T and the ReLU's gate.")
    return loss, grads


def _relu_on_logits_loss(params, x, labels):
    logits = np.maximum(forward(params, x)[0], 0.0)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -float(np.mean(log_p[np.arange(len(x)), labels]))


def loss_and_grads(fn):
    """Visible check of ``loss_and_grads(params, x, labels) -> (loss, grads)`` on a 3-4-2 network."""
    rng = np.random.default_rng(8)
    params = random_params(rng, (3, 4, 2))
    x, labels = rng.normal(0, 1, (5, 3)), np.array([0, 1, 1, 0, 1])
    judge_loss_and_grads(fn, params, x, labels)
    core.passed("loss_and_grads", "on a 3-4-2 network and five examples: the loss, and every gradient "
                "against central differences of your own loss")


# --- exercise 3: minibatch SGD -----------------------------------------------------------------------

def example_data(rng, n, d, classes):
    """``X`` (n, d) whose first column numbers the examples, and labels ``y`` (n,)."""
    X = rng.normal(0, 1, (n, d))
    X[:, 0] = np.arange(n)
    return X, rng.integers(0, classes, n)


def _ids(x):
    return np.rint(np.asarray(x, dtype=np.float64)[:, 0]).astype(np.int64)


def run_train(fn, params, X, y, epochs, batch_size, lr, rng):
    """Run ``train`` with a stand-in ``loss_and_grads`` that records its calls; returns
    ``(new_params, losses, calls)`` with ``calls`` a list of ``(params, x, labels, loss, grads)``."""
    calls = []

    def recorder(p, xb, yb):
        p = copy_params(p)
        xb, yb = np.array(xb, dtype=np.float64), np.asarray(yb).astype(np.int64)
        loss, grads = reference(p, xb, yb)
        calls.append((p, xb, yb, loss, grads))
        return loss, copy_params(grads)

    before = copy_params(params)
    got = guard.call(fn, params, X, y, epochs, batch_size, lr, rng, name="train", allow=ALLOW,
                     given={"loss_and_grads": recorder}, unchanged=("", "X", "y"))
    _unchanged("train", before, params)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        core.fail(f"`train` should return a pair `(params, losses)`, got {type(got).__name__}.")
    sizes = [params[0]["W"].shape[0]] + [layer["W"].shape[1] for layer in params]
    return layers_of("the params returned by train", got[0], sizes), got[1], calls


def judge_train(fn, params, X, y, epochs, batch_size, lr, seed):
    """Run ``train`` once and check its batches, its updates and its losses; returns the visiting order."""
    n = len(X)
    new, losses, calls = run_train(fn, params, X, y, epochs, batch_size, lr, np.random.default_rng(seed))
    per_epoch = -(-n // batch_size)
    if not calls:
        core.fail("`train` never called `loss_and_grads`: every step needs the gradient of a batch.")
    if len(calls) == epochs and per_epoch > 1 and all(len(c[1]) == n for c in calls):
        core.fail(f"`train` computed the gradient of all {n} examples at once, one update per epoch: "
                  f"minibatch SGD takes a step after every batch of batch_size={batch_size} examples.")
    if len(calls) != epochs * per_epoch:
        detail = ""
        if n % batch_size and len(calls) == epochs * (n // batch_size):
            detail = (f" That is one batch too few per epoch: the last, partial batch ({n % batch_size} "
                      "examples) was skipped; keep it.")
        core.fail(f"`train` took {len(calls)} steps; {epochs} epochs of {n} examples in batches of "
                  f"{batch_size} make {epochs} x {per_epoch} = {epochs * per_epoch}.{detail}")
    orders = []
    for e in range(epochs):
        batch_calls = calls[e * per_epoch:(e + 1) * per_epoch]
        for k, (_, xb, yb, _, _) in enumerate(batch_calls):
            ids = _ids(xb)
            if xb.shape[1:] != X.shape[1:] or ids.min() < 0 or ids.max() >= n or not np.array_equal(xb, X[ids]):
                core.fail(f"epoch {e}, batch {k}: the x passed to loss_and_grads is not made of rows of X.")
            if not np.array_equal(yb, y[ids]):
                core.fail(f"epoch {e}, batch {k}: the labels no longer match the rows of x. Shuffle X and y "
                          "with one and the same order of indices.")
        order = np.concatenate([_ids(c[1]) for c in batch_calls])
        counts = np.bincount(order, minlength=n)
        if np.any(counts != 1):
            core.fail(f"epoch {e} visits {int(np.sum(counts == 0))} examples not at all and "
                      f"{int(np.sum(counts > 1))} more than once: an epoch takes every example exactly once, "
                      "from one permutation of the indices.")
        orders.append(order)
    if n >= 8 and np.array_equal(orders[0], np.arange(n)):
        core.fail("the examples are not shuffled: the batches take them in the order of X. Draw a random "
                  "order of the indices with `rng` at the start of every epoch.")
    if n >= 8 and epochs > 1 and all(np.array_equal(o, orders[0]) for o in orders[1:]):
        core.fail("every epoch visits the examples in the same order: shuffle afresh at the start of each epoch.")
    _check_updates(params, calls, new, lr)
    _check_losses(losses, calls, epochs)
    return orders


def _step(p, grads, lr):
    return [{k: layer[k] - lr * g[k] for k in ("W", "b")} for layer, g in zip(p, grads)]


def _check_updates(start, calls, new, lr):
    expected = copy_params(start)
    for k, (p, _, _, _, grads) in enumerate(calls + [(new, None, None, None, None)]):
        where = f"before step {k}" if k < len(calls) else "after the last step (the params returned)"
        if not _same_close(p, expected):
            prev = calls[k - 1] if k else None
            if prev is not None and _same_close(p, _step(prev[0], prev[4], -lr)):
                core.fail(f"the parameters {where} moved *up* the gradient: the update has the wrong sign, "
                          "so the loss grows. Step against the gradient.")
            if prev is not None and _same_close(p, prev[0]):
                core.fail(f"the parameters {where} are the same as at the step before: update them with "
                          "each batch's gradient before taking the next batch.")
            if prev is not None and _same_close(p, start) and k > 0:
                core.fail(f"the parameters {where} are still the ones `train` was given: the updates are "
                          "lost. Update the parameters you keep (a copy), then pass those to the next step.")
            if prev is not None:
                for c in (len(calls[k - 1][1]), 0.5, 2.0):
                    if _same_close(p, _step(prev[0], prev[4], lr * c)):
                        core.fail(f"the update {where} is off by a factor of {c:g}: one SGD step is "
                                  "params - lr * grads, with the gradient loss_and_grads returned.")
            core.fail(f"the parameters {where} are not the previous ones minus lr times the previous gradient: "
                      "one SGD step is params - lr * grads, for every W and b.")
        if grads is not None:
            expected = _step(expected, grads, lr)


def _same_close(a, b):
    return all(core.close(la[k], lb[k], 1e-9, 1e-12) for la, lb in zip(a, b) for k in ("W", "b"))


def _check_losses(losses, calls, epochs):
    if isinstance(losses, np.ndarray):
        losses = list(losses.ravel())
    if not isinstance(losses, (list, tuple)):
        core.fail(f"`losses` should be a list with the loss of every step, got {type(losses).__name__}.")
    if len(losses) == epochs and len(calls) != epochs:
        core.fail(f"`losses` has one number per epoch ({epochs}); the exercise asks for one per batch, "
                  f"{len(calls)} here, the loss that loss_and_grads returned at each step.")
    core.check_close("losses", core.as_answer("losses", losses), [c[3] for c in calls],
                     hint="losses[k] is the loss loss_and_grads returned at step k.")


def train(fn):
    """Visible check of ``train(params, X, y, epochs, batch_size, lr, rng) -> (params, losses)``."""
    rng = np.random.default_rng(31)
    X, y = example_data(rng, 20, 3, 2)
    judge_train(fn, random_params(rng, (3, 4, 2)), X, y, 2, 6, 0.1, 5)
    core.passed("train", "two epochs of 20 examples in batches of 6: shuffled, every example once per "
                "epoch, one SGD step per batch")


# --- exercise 4: learn the digits -----------------------------------------------------------------

def test_accuracy(params, X_test, y_test):
    """Fraction of ``X_test`` that the ReLU network ``params`` classifies right."""
    return float(np.mean(forward(params, X_test)[0].argmax(axis=1) == y_test))


def judge_fit_digits(fn, X_train, y_train, X_test, y_test, seed):
    """Run ``fit_digits`` on the training part; returns the accuracy on the held-out part."""
    got = guard.call(fn, X_train, y_train, np.random.default_rng(seed), name="fit_digits", allow=ALLOW,
                     unchanged=("X", "y"))
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        core.fail(f"`fit_digits` should return a pair `(params, losses)`, got {type(got).__name__}.")
    if all(isinstance(p, dict) and set(p) == {"W", "b"} for p in got):
        core.fail("`fit_digits` returned the parameters alone: it should return a pair `(params, losses)`, "
                  "the trained network and the loss of every step.")
    params, losses = got
    if not isinstance(params, (list, tuple)) or not params or not all(
            isinstance(p, dict) and set(p) == {"W", "b"} for p in params):
        core.fail("the params of `fit_digits` should be a list of dicts {'W': (in, out), 'b': (out,)}, "
                  "one per layer, as init_params makes them.")
    sizes = [np.shape(params[0]["W"])[0]] + [np.shape(p["W"])[-1] for p in params]
    if sizes[0] != X_train.shape[1] or sizes[-1] != 10:
        core.fail(f"the network maps {sizes[0]} inputs to {sizes[-1]} outputs; a digit has "
                  f"{X_train.shape[1]} pixels and there are 10 classes.")
    params = layers_of("params", params, sizes)
    for i, layer in enumerate(params):
        for k in ("W", "b"):
            core.check_finite(f"params[{i}]['{k}']", layer[k], "after training: the learning rate is too "
                              "large, and the loss diverged")
    acc = test_accuracy(params, X_test, y_test)
    curve = np.asarray(core.as_answer("losses", losses), dtype=np.float64).ravel()
    if acc < GOAL and curve.size >= 2:
        tenth = max(1, curve.size // 10)
        first, last = curve[:tenth].mean(), curve[-tenth:].mean()
        guess = np.log(10.0)  # the loss of a network that spreads its bets evenly over 10 classes
        if not np.all(np.isfinite(curve)) or curve.max() > 10 * guess or last >= first:
            core.fail(f"your network classifies {acc:.1%} of the held-out digits correctly, and its training "
                      f"loss went from {first:.3g} to {last:.3g}, peaking at {curve.max():.3g} (a network that "
                      f"guesses evenly scores ln 10 = {guess:.2f}): the learning rate is too large, and the "
                      "loss diverged. Try a smaller one.")
    if acc < GOAL:
        core.fail(f"your network classifies {acc:.1%} of {len(X_test)} held-out digits correctly; the goal is "
                  f"{GOAL:.0%}. Look at your loss curve: train longer, change the learning rate, the batch "
                  "size or the width of the hidden layer.")
    return acc


def digits_split(seed):
    """The digits, split 75/25 by ``seed``: ``X_train, X_test, y_train, y_test``."""
    from mlp.data import load_digits, train_test_split

    X, y = load_digits()
    return train_test_split(X, y, test_size=0.25, rng=seed)


def fit_digits(fn):
    """Visible check of ``fit_digits(X, y, rng) -> (params, losses)``: 95 % on the held-out quarter."""
    X_train, X_test, y_train, y_test = digits_split(0)
    acc = judge_fit_digits(fn, X_train, y_train, X_test, y_test, 0)
    core.passed("fit_digits", f"trained on {len(X_train)} digits, {acc:.1%} right on the other {len(X_test)}")
