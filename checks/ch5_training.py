"""Visible checks for chapter 5, batches and training.

Three exercises on batches and gradients (per-example gradients from the
reference loss's gradient, minibatches that cover an epoch, a gradient checker
for a whole network) and the bug hunt: the network class of *Yet another
explanation of backprop*, which the student receives with its bugs and fixes
in one cell.

Each exercise has a ``judge_<exercise>`` function that runs the student's
answer on one case, names the chapter's typical mistakes and then compares
with the reference; the check named like the exercise runs it on one small
fixed case.  The instructor's hidden cases call the same judges.

The bug hunt's four visible checks (``blog_net_1`` to ``blog_net_4``) each
build the blog's network from the course's correct parts and one part of the
student's cell, and report only what a gradient check sees: which gradients
fail, by what factor, and whether an array changed.  Finding the line is the
student's work; the hidden checks name the bug.
"""

import numpy as np

from mlp.gradcheck import numerical_gradient, rel_error
from mlp.losses import log_softmax

from . import core, guard

# The reference modules an answer may use in the sandbox: `per_example_grads` takes the gradient
# with respect to the logits from `mlp.SoftmaxCrossEntropy` (chapter 4 derived it), and
# `gradient_check` may use `mlp.numerical_gradient` and `mlp.rel_error`.
SANDBOX_MLP = ("mlp.losses", "mlp.gradcheck")
LOSS_ALLOW = ("mlp.losses.SoftmaxCrossEntropy",)
GRADCHECK_ALLOW = ("mlp.gradcheck",)

_N = "N (the batch size)"


# --- a linear softmax classifier: the model of exercise 1 ----------------------------------------------

_CLASSIFIER_ARGS = ("W", "b", "X", "labels")  # the arguments no answer may modify


def _residual(W, b, X, labels):
    """p - onehot(label), one row per example: d(loss of example n)/d(logits of n)."""
    g = np.exp(log_softmax(X @ W + b))
    g[np.arange(len(X)), labels] -= 1.0
    return g


def _classifier_case():
    """Three examples, four features, three classes."""
    rng = np.random.default_rng(0)
    W, b = rng.normal(0, 0.5, (4, 3)).round(2), np.array([0.1, -0.2, 0.0])
    X = rng.uniform(0, 1, (3, 4)).round(2)
    return W, b, X, np.array([0, 2, 1])


# --- exercise 1: per-example gradients -------------------------------------------------------------

def judge_per_example_grads(fn, W, b, X, labels):
    """Run ``per_example_grads`` on one batch and name its mistake; returns ``(dW_each, db_each)``."""
    n, d = X.shape
    c = W.shape[1]
    G = _residual(W, b, X, labels)
    dW_exp, db_exp = X[:, :, None] * G[:, None, :], G
    got = guard.call(fn, W, b, X, labels, name="per_example_grads", allow=LOSS_ALLOW,
                     unchanged=_CLASSIFIER_ARGS)
    dW, db = core.pair("per_example_grads", got, "dW_each", "db_each")
    if dW.shape == (d, c):
        core.fail(f"`dW_each` has shape {dW.shape}, the shape of W: that is one gradient for the "
                  f"whole batch. This exercise asks for one gradient per example, shape {(n, d, c)}: "
                  "keep the examples apart instead of combining them.")
    if dW.shape == (n, c, d) and core.close(dW.transpose(0, 2, 1), dW_exp):
        core.fail(f"`dW_each` has shape {dW.shape}: each example's gradient is transposed. A gradient "
                  f"has the shape of its parameter, and W is {W.shape}: check the order of the two "
                  "vectors in the outer product.")
    if n > 1 and core.close(dW * n, dW_exp) and core.close(db * n, db_exp):
        core.fail(f"`dW_each` and `db_each` are N times too small (N = {n}): these are the examples' "
                  "shares of the batch's mean loss, each weighted by 1/N, which is what the reference "
                  "loss's backward returns. Each entry here is the gradient of one example's own loss.")
    if n > 1 and core.close(dW, dW_exp * n) and core.close(db, db_exp * n):
        core.fail(f"`dW_each` and `db_each` are N times too large (N = {n}): the factor that turns "
                  "the mean's gradient into each example's own was applied twice.")
    P = G.copy()
    P[np.arange(n), labels] += 1.0
    if core.close(db, P) or core.close(dW, X[:, :, None] * P[:, None, :]):
        core.fail("`per_example_grads` ignores the labels: it uses the softmax probabilities alone. The "
                  "gradient of each example's loss with respect to its logits subtracts the one-hot of its label.")
    hint = ("each example's gradient is the outer product of its input row and the gradient of its "
            "own loss with respect to its logits")
    core.check_close("dW_each", dW, dW_exp, factors={_N: n}, hint=hint)
    core.check_close("db_each", db, db_exp, factors={_N: n}, hint=hint)
    return dW, db


def per_example_grads(fn):
    """Visible check of ``per_example_grads(W, b, X, labels) -> (dW_each (N, in, out), db_each (N, out))``."""
    judge_per_example_grads(fn, *_classifier_case())
    core.passed("per_example_grads",
                "on three examples: one gradient per example, with the shape of its parameter")


# --- exercise 2: minibatches -------------------------------------------------------------------------

def _ids(X):
    return np.rint(np.asarray(X, dtype=np.float64)[:, 0]).astype(np.int64)


def example_data(rng, n, d, two_d_y):
    """``X`` (n, d) whose first column numbers the examples, and matching ``y`` ((n,) or (n, 2))."""
    X = rng.normal(0, 1, (n, d))
    X[:, 0] = np.arange(n)  # the first column names the example, so the check can follow it
    y = np.arange(n) * 10 + 3
    if two_d_y:
        y = np.stack([y, -y], axis=1).astype(np.float64)
    return X, y


def one_epoch(fn, X, y, batch_size, rng):
    """The student's batches for one epoch, as a list of ``(X_batch, y_batch)`` arrays."""
    def epoch(*args):
        out = fn(*args)  # a generator runs here, inside the guarded call
        return None if out is None else list(out)

    got = guard.call(epoch, X, y, batch_size, rng, name="minibatches", unchanged=("X", "y"))
    if got is None:
        core.fail("`minibatches` returned None: return (or yield) the batches, "
                  "one `(X_batch, y_batch)` pair each.")
    batches = []
    for i, item in enumerate(got):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            core.fail(f"batch {i} of `minibatches` is not a pair `(X_batch, y_batch)`, got {type(item).__name__}")
        xb, yb = np.asarray(item[0]), np.asarray(item[1])
        if xb.ndim != 2 or xb.shape[1] != X.shape[1]:
            core.fail(f"batch {i}: expected X_batch of shape (B, {X.shape[1]}), rows of X, got {xb.shape}")
        if yb.shape[1:] != y.shape[1:] or len(yb) != len(xb):
            core.fail(f"batch {i}: X_batch has {len(xb)} rows and y_batch has shape {yb.shape}; expected "
                      f"y_batch of shape {(len(xb),) + y.shape[1:]}, the matching rows of y")
        batches.append((xb, yb))
    return batches


def check_epoch(batches, X, y, batch_size):
    """Fail unless ``batches`` hold every example of ``(X, y)`` once; returns the order they visit."""
    n = len(X)
    if not batches:
        core.fail(f"`minibatches` produced no batches for {n} examples and batch_size={batch_size}.")
    y_id = y if y.ndim == 1 else y[:, 0]
    for i, (xb, yb) in enumerate(batches):
        if len(xb) == 0:
            core.fail(f"batch {i} of `minibatches` is empty: every batch should hold at least one example.")
        ids = _ids(xb)
        if ids.min() < 0 or ids.max() >= n or not np.array_equal(xb, X[ids]):
            core.fail(f"batch {i}: X_batch holds rows that are not rows of X.")
        yb_id = yb if yb.ndim == 1 else yb[:, 0]
        if not np.array_equal(np.asarray(yb_id, dtype=np.float64), np.asarray(y_id[ids], dtype=np.float64)):
            core.fail(f"batch {i}: the rows of X and y no longer match: X_batch[k] and y_batch[k] must be "
                      "the same example. Shuffle X and y with one and the same order of indices.")
    order = np.concatenate([_ids(xb) for xb, _ in batches])
    counts = np.bincount(order, minlength=n)
    missing = int(np.sum(counts == 0))
    if np.any(counts > 1):
        core.fail(f"{int(np.sum(counts > 1))} examples appear more than once in one epoch: an epoch "
                  "visits every example exactly once. Take the batches from one permutation of the indices.")
    if missing:
        extra = ""
        if n % batch_size and missing == n % batch_size:
            extra = (f" That is exactly the last, partial batch ({n} = {n // batch_size} x {batch_size} + "
                     f"{n % batch_size}): it must be kept, even though it is smaller.")
        core.fail(f"{missing} of the {n} examples were skipped in this epoch (batch_size={batch_size}).{extra}")
    sizes = [len(xb) for xb, _ in batches]
    if any(s != batch_size for s in sizes[:-1]) or sizes[-1] > batch_size or sizes[-1] < 1:
        core.fail(f"the batches have sizes {sizes}; with {n} examples and batch_size={batch_size} every batch "
                  f"should hold {batch_size} examples except perhaps the last, which holds the rest.")
    return order


def judge_minibatches(fn, X, y, batch_size, rng):
    """Run ``minibatches`` for one epoch, check it and return the order it visits the examples in."""
    state = str(rng.bit_generator.state)
    order = check_epoch(one_epoch(fn, X, y, batch_size, rng), X, y, batch_size)
    if len(X) > 1 and str(rng.bit_generator.state) == state and not np.array_equal(order, np.arange(len(X))):
        core.fail("`minibatches` shuffles without drawing anything from `rng`: the generator it was given "
                  "is untouched, so the order came from the global `np.random` (or another generator). "
                  "Draw the permutation from `rng`, so that a run can be repeated from its seed.")
    if len(X) >= 8 and np.array_equal(order, np.arange(len(X))):
        core.fail("the examples are not shuffled: the batches visit them in the order of X. Draw a new "
                  "random order of the indices with `rng` at the start of every epoch.")
    return order


def minibatches(fn):
    """Visible check of ``minibatches(X, y, batch_size, rng)``: one shuffled epoch, every example once."""
    X, y = example_data(np.random.default_rng(99), 20, 3, False)
    judge_minibatches(fn, X, y, 6, np.random.default_rng(20))
    core.passed("minibatches",
                "on 20 examples in batches of 6: every example once, shuffled, X and y kept together")


# --- exercise 3: a gradient checker for a whole network -------------------------------------------------

class CheckNet:
    """A small network to try a gradient checker on: Linear - tanh - ... - Linear, mean squared error.

    It has the interface of the chapter's ``BlogNet``: lists ``W`` and ``b``,
    ``forward(x)``, ``loss(x, y)`` (which runs forward) and ``backward(y) ->
    [(dW, db), ...]`` for the last batch forward saw.  The three methods are
    plain functions stored on the instance, so that in a graded run they cross
    the sandbox's wall as functions of the grader, and the grader sees how
    they were called (in ``state``, which stays on the grader's side).
    ``wrong`` ("W2", "b1", ...) makes backward return that one gradient times
    ``factor``; ``scale`` multiplies the loss.
    """

    def __init__(self, sizes, rng, wrong=None, factor=2.0, scale=1.0, state=None):
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.W = [rng.normal(0, 1, (m, k)) / np.sqrt(m) for m, k in pairs]
        self.b = [rng.normal(0, 0.5, k) for k in sizes[1:]]
        state = {} if state is None else state
        state.update(cache=None, on_x=False, as_given=False)
        self.forward, self.loss, self.backward = _net_functions(self, state, wrong, factor, scale)


def _net_functions(net, state, wrong, factor, scale):
    def forward(x):
        acts = [np.asarray(x, dtype=np.float64)]
        for l, (W, b) in enumerate(zip(net.W, net.b)):
            z = acts[-1] @ W + b
            acts.append(z if l == len(net.W) - 1 else np.tanh(z))
        state["cache"] = acts
        watch = state.get("watch")
        if watch is not None:
            x0, params = watch
            state["on_x"] = acts[0].shape == x0.shape and bool(np.array_equal(acts[0], x0))
            state["as_given"] = all(np.shape(p) == q.shape and np.array_equal(p, q)
                                    for p, q in zip(net.W + net.b, params))
            state["perturbed"] = state.get("perturbed", 0) + (not state["as_given"])
        return acts[-1].copy()

    def loss(x, y):
        return float(scale * np.mean((forward(x) - np.asarray(y, dtype=np.float64)) ** 2))

    def backward(y):
        acts = state["cache"]
        state.setdefault("backward", []).append((state["on_x"], state["as_given"]))
        g = scale * 2.0 * (acts[-1] - np.asarray(y, dtype=np.float64)) / acts[-1].size
        grads = []
        for l in range(len(net.W) - 1, -1, -1):
            dW, db = acts[l].T @ g, g.sum(axis=0)
            if wrong == f"W{l + 1}":
                dW = dW * factor
            if wrong == f"b{l + 1}":
                db = db * factor
            grads.insert(0, (dW, db))
            if l:
                g = (g @ net.W[l].T) * (1.0 - acts[l] ** 2)
        return grads

    return forward, loss, backward


def param_names(layers):
    """["W1", "b1", "W2", "b2", ...]: the keys of ``gradient_check``'s answer, in order."""
    return [f"{k}{l + 1}" for l in range(layers) for k in ("W", "b")]


def _against_differences(net, x, y):
    """For each parameter of a ``BlogNet``-like network, in order: its key ("W1", "b1", ...), the
    gradient ``net.backward`` returns for the batch ``x`` and central differences of ``net.loss``."""
    net.forward(x)
    grads = net.backward(y)
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            def loss_at(value, p=p):
                saved = p.copy()
                p[...] = value
                try:
                    return net.loss(x, y)
                finally:
                    p[...] = saved
            yield f"{name}{l + 1}", g, numerical_gradient(loss_at, p)


def gradient_errors(net, x, y):
    """The course's own gradient check of a network with the ``BlogNet`` interface.

    Relative error of each gradient of ``net.backward`` against central
    differences of ``net.loss``, keyed "W1", "b1", ...: what the checks expect,
    and what the chapter's demonstrations use until your ``gradient_check`` works.
    """
    return {key: rel_error(g, numeric) for key, g, numeric in _against_differences(net, x, y)}


def _abs_differences(net, x, y):
    """Two absolute measures per parameter (largest entry, whole-array norm): what a checker that
    forgets to divide by the size of the gradients reports."""
    return {key: (float(np.abs(g - numeric).max()), float(np.linalg.norm(g - numeric)))
            for key, g, numeric in _against_differences(net, x, y)}


TINY, LARGE = 1e-5, 1e-3  # a right gradient's relative error is far below TINY; a wrong one above LARGE


def judge_gradient_check(fn, sizes, seed, n=5, wrong=None, factor=2.0, scale=1.0):
    """Run ``gradient_check`` on a ``CheckNet`` and name its mistake; returns its errors."""
    rng = np.random.default_rng(seed)
    state = {}
    net = CheckNet(sizes, rng, wrong, factor, scale, state)
    x, y = rng.normal(0, 1, (n, sizes[0])), rng.normal(0, 1, (n, sizes[-1]))
    net.forward(rng.normal(0, 1, (n, sizes[0])))  # an earlier batch: backward now belongs to it
    keys = param_names(len(net.W))
    saved = [p.copy() for p in net.W + net.b]
    state["watch"] = (x.copy(), saved)
    got = guard.call(fn, net, x, y, name="gradient_check", allow=GRADCHECK_ALLOW, unchanged=("", "x", "y"))
    now = list(net.W) + list(net.b)
    order = [f"W{l + 1}" for l in range(len(net.W))] + [f"b{l + 1}" for l in range(len(net.b))]
    for key, old, new in zip(order, saved, now):
        new = np.asarray(new)
        if new.shape != old.shape or not np.array_equal(new, old):
            off = float(np.abs(new - old).max()) if new.shape == old.shape else float("nan")
            core.fail(f"after `gradient_check` the net's {key} is not exactly what it was (it differs by up to "
                      f"{off:.1e}): the checker must leave every parameter as it found it, bit for bit. "
                      "Adding and subtracting the step leaves rounding errors behind, and a value left "
                      "perturbed changes the network for good: save each value and write it back.")
    if not state.get("backward"):
        core.fail("`gradient_check` never called `net.backward(y)`: the gradients to check are the ones the "
                  "network's backward pass returns.")
    right = [on_x and as_given for on_x, as_given in state["backward"]]
    on_x, as_given = state["backward"][right.index(True) if any(right) else 0]
    if not on_x:
        core.fail("`gradient_check` called `net.backward(y)` before running `net.forward(x)`: backward returns "
                  "the gradients of the last batch forward saw, which here was another batch. Run forward on x, "
                  "then backward.")
    if not as_given:
        core.fail("`gradient_check` called `net.backward(y)` after a forward pass with a perturbed parameter: "
                  "the gradients it checked belong to slightly different weights. Run forward on x with the "
                  "parameters as given, then backward, before the finite differences.")
    if not isinstance(got, dict):
        core.fail(f"`gradient_check` should return a dict of errors keyed {', '.join(keys[:4])}, ..., got "
                  f"{type(got).__name__}.")
    names = list(got)
    zero_based = [f"{k}{l}" for l in range(len(net.W)) for k in ("W", "b")]
    if sorted(map(str, names)) == sorted(zero_based):
        core.fail(f"the keys of `gradient_check` count the layers from 0 ({', '.join(map(str, names[:2]))}, "
                  f"...): the text names them from 1, {', '.join(keys[:2])}, ..., as the layers of the network "
                  "are numbered.")
    if set(names) != set(keys):
        missing = [k for k in keys if k not in names]
        if missing and all(k.startswith("b") for k in missing):
            core.fail(f"`gradient_check` has no entry for {', '.join(missing)}: check the biases' gradients too.")
        core.fail(f"`gradient_check` returned the keys {names}; expected {keys}.")
    if names != keys:
        core.fail(f"`gradient_check` returned its keys in the order {names}; expected {keys}: layer by layer, "
                  "W before b.")
    errors = {}
    for key in keys:
        value = np.asarray(got[key], dtype=np.float64) if not isinstance(got[key], (dict, str)) else None
        if value is None or value.size != 1:
            core.fail(f"`gradient_check`'s entry {key} should be one number, the relative error of the whole "
                      f"array, got {type(got[key]).__name__}"
                      + (f" of shape {value.shape}" if value is not None else "") + ".")
        errors[key] = float(value.reshape(()))
        if not np.isfinite(errors[key]) or errors[key] < 0:
            core.fail(f"`gradient_check`'s entry {key} is {errors[key]}: a relative error is a number >= 0.")
    fresh = CheckNet(sizes, np.random.default_rng(seed), wrong, factor, scale)
    expected = gradient_errors(fresh, x, y)
    absolute = _abs_differences(fresh, x, y)
    for key in keys:
        e, g = expected[key], errors[key]
        if e < TINY and g >= TINY:
            if state.get("perturbed", 0) == 0:
                core.fail(f"`gradient_check` reports {g:.2g} for {key}, whose gradient is right; and no forward "
                          "pass it ran saw a changed parameter: the loss it differentiated does not depend on "
                          "the values being perturbed (a copy was perturbed, not the network's own array).")
            if any(np.isclose(g, a, rtol=0.01) for a in absolute[key]):
                core.fail(f"`gradient_check` reports {g:.2g} for {key}, whose gradient is right: that is the "
                          f"absolute difference from the central differences, and it grows with the size of "
                          f"the loss (here {scale:g} times a mean squared error). A relative error divides by "
                          "the size of the gradients, so that one threshold serves every loss.")
            core.fail(f"`gradient_check` reports {g:.2g} for {key}, whose gradient is right (central differences "
                      f"give a relative error of {e:.1e}).")
        if e > LARGE and not (e / 10 <= g <= 10 * e):
            if any(np.isclose(g, a, rtol=0.01) for a in absolute[key]):
                core.fail(f"`gradient_check` reports {g:.2g} for {key}, whose gradient is {factor:g} times what "
                          "it should be: that is the absolute difference, which is small here only because the "
                          f"loss is small ({scale:g} times a mean squared error). Divide by the size of the "
                          "gradients.")
            core.fail(f"`gradient_check` reports {g:.2g} for {key}, whose gradient is {factor:g} times what it "
                      f"should be (a relative error of {e:.2g}).")
    return errors


def gradient_check(fn):
    """Visible check of ``gradient_check(net, x, y)``: a right network, one wrong gradient, a large loss."""
    judge_gradient_check(fn, (3, 4, 2), seed=1)
    judge_gradient_check(fn, (3, 4, 2), seed=2, wrong="b1", factor=2.0)
    judge_gradient_check(fn, (3, 4, 2), seed=3, scale=1e6)
    core.passed("gradient_check", "on a 3-4-2 network: right gradients pass, a wrong b1 is caught, "
                "parameters restored bit for bit")


# --- the bug hunt: the blog's network, one part of the student's cell at a time ----------------------------

# The activations and the course's own versions of the network's parts.  They use numpy alone: the
# derivative handed to the student's `output_delta` is called back inside its guarded call, where a
# call into ``mlp`` would count as the answer using the reference.

def sigmoid(z):
    """The logistic function, without overflow: 1 / (1 + exp(-z)) = (1 + tanh(z / 2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_derivative(z):
    """d sigmoid / dz as a function of z: the ``act_grad`` the network passes to ``output_delta``."""
    s = sigmoid(z)
    return s * (1.0 - s)


COURSE_PARTS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "relu_grad": lambda z: (z > 0).astype(np.float64),
    "output_delta": lambda grad_a, z, a, act_grad: grad_a * act_grad(z),
    "param_grads": lambda a_prev, delta: (a_prev.T @ delta, delta.sum(axis=0)),
    "mse_grad": lambda pred, target: 2.0 * (pred - target) / pred.size,
}


def _student_part(name, fn):
    """The student's function as the network calls it: through the guard, named for its errors.

    An array result is taken as it is (no copy), so that an answer returning its own argument
    shares that array with the network, as it would in the student's notebook.
    """
    def part(*args):
        got = guard.call(fn, *args, name=name)
        return got if name == "param_grads" else core.as_answer(name, got)
    return part


def blog_case(sizes, n, seed):
    """Weights, biases, inputs and targets in (0.1, 0.9) for the blog's network of ``sizes``."""
    rng = np.random.default_rng(seed)
    W = [rng.normal(0, 1, (m, k)) / np.sqrt(m) for m, k in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(0, 0.3, k) for k in sizes[1:]]
    x = rng.normal(0, 1, (n, sizes[0]))
    y = rng.uniform(0.1, 0.9, (n, sizes[-1]))
    # keep the hidden pre-activations away from ReLU's kink, where central differences mislead
    for l in range(len(W) - 1):
        a = x
        for k in range(l):
            a = np.maximum(a @ W[k] + b[k], 0.0)
        z = a @ W[l] + b[l]
        b[l] = b[l] + np.where(np.abs(z).min(axis=0) < 1e-3, 0.01, 0.0)
    return W, b, x, y


def _blog_loss(W, b, x, y):
    a = x
    for l in range(len(W)):
        z = a @ W[l] + b[l]
        a = sigmoid(z) if l == len(W) - 1 else np.maximum(z, 0.0)
    return float(np.mean((a - y) ** 2))


def _changed(arrays, copies):
    return [i for i, (a, c) in enumerate(zip(arrays, copies))
            if np.shape(a) != np.shape(c) or not np.array_equal(a, c, equal_nan=True)]


def blog_backprop(parts, W, b, x, y):
    """One forward and backward pass of the blog's network, computed in the blog's order.

    ``parts`` maps "relu", "relu_grad", "output_delta", "param_grads" and
    "mse_grad" to functions.  Returns ``(grads, changes)``: the ``(dW, db)``
    pairs, and sentences naming the arrays that changed under the parts.
    """
    relu, relu_grad = parts["relu"], parts["relu_grad"]
    zs, acts = [], [x]
    changes = []
    for l in range(len(W)):
        z = acts[-1] @ W[l] + b[l]
        z_copy = z.copy()
        zs.append(z)
        if l == len(W) - 1:
            acts.append(sigmoid(z))
        else:
            acts.append(relu(z))
            if _changed([z], [z_copy]):
                changes.append(f"the pre-activation z of layer {l + 1} changed during the forward pass")
    kept = [a.copy() for a in zs + acts[1:]] + [y.copy()]
    pred = acts[-1]
    grad_a = parts["mse_grad"](pred, y)
    grad_copy = grad_a.copy()
    deltas = [parts["output_delta"](grad_a, zs[-1], pred, sigmoid_derivative)]
    if _changed([grad_a], [grad_copy]):
        changes.append("the gradient of the loss with respect to the output changed during the backward pass")
    for l in range(len(W) - 1, 0, -1):
        back = np.asarray(deltas[0], dtype=np.float64) @ W[l].T
        deltas.insert(0, back * np.asarray(relu_grad(zs[l - 1]), dtype=np.float64))
    grads = [parts["param_grads"](a_prev, delta) for a_prev, delta in zip(acts[:-1], deltas)]
    names = ([f"the pre-activation z of layer {l + 1}" for l in range(len(W))]
             + [f"the activation a of layer {l + 1}" for l in range(len(W) - 1)]
             + ["the network's output", "the targets"])
    for i in _changed(zs + acts[1:] + [y], kept):
        changes.append(f"{names[i]} changed during the backward pass")
    return grads, changes


def _ratio(g, num):
    """"is 15 times", "is 1/5 of", or None when the ratio is not one constant."""
    mask = np.abs(num) > 1e-6 * max(np.abs(num).max(), 1e-300)
    if not np.any(mask):
        return None
    r = g[mask] / num[mask]
    c = float(np.median(r))
    if not np.all(np.abs(r - c) <= 1e-4 * abs(c)) or not core.close(g, c * num, 1e-4, 1e-9):
        return None
    if abs(c + 1) <= 1e-4:
        return "is the negative of"
    for k in range(2, 1001):
        if abs(abs(c) - k) <= 1e-4 * k:
            return f"is {'-' if c < 0 else ''}{k} times"
        if abs(1 / abs(c) - k) <= 1e-4 * k:
            return f"is {'-' if c < 0 else ''}1/{k} of"
    return f"is {c:.4g} times"


def _and(words):
    """"W1", "W1 and b1", "W1, b1 and W2"."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _numeric(W, b, x, y, which, l):
    """Central differences of the network's loss with respect to W[l] or b[l]."""
    def loss_at(v):
        Ws, bs = list(W), list(b)
        (Ws if which == "W" else bs)[l] = v
        return _blog_loss(Ws, bs, x, y)
    return numerical_gradient(loss_at, (W if which == "W" else b)[l])


def blog_symptoms(parts, W, b, x, y):
    """What a gradient check of the network built from ``parts`` sees, in words ("" if nothing)."""
    grads, changes = blog_backprop(parts, W, b, x, y)
    scaled, varying, other = {}, [], []  # {"is 15 times": [keys]}, [(key, error)], [sentences]
    for l, pair in enumerate(grads):
        dW, db = core.pair(f"the gradients of layer {l + 1}", pair, f"dW{l + 1}", f"db{l + 1}")
        for which, g in (("W", dW), ("b", db)):
            key, num = f"{which}{l + 1}", _numeric(W, b, x, y, which, l)
            if g.shape != num.shape:
                other.append(f"{key} has shape {g.shape}, its parameter {num.shape}")
            elif not np.all(np.isfinite(g)):
                other.append(f"{key} holds NaN or inf")
            elif rel_error(g, num) > TINY:
                r = _ratio(g, num)
                if r:
                    scaled.setdefault(r, []).append(key)
                else:
                    varying.append((key, rel_error(g, num)))
    bad = other + [f"{_and(keys)} {r if len(keys) == 1 else r.replace('is ', 'are ', 1)} the central differences"
                   for r, keys in scaled.items()]
    if varying:
        keys, errors = _and([k for k, _ in varying]), _and([f"{e:.1e}" for _, e in varying])
        bad.append(f"{keys} {'fails' if len(varying) == 1 else 'fail'} (relative error"
                   f"{'s' if len(varying) > 1 else ''} {errors}), by a ratio to the central differences "
                   "that varies from entry to entry")
    if not bad and not changes:
        return ""
    n, k = y.shape
    what = ("; ".join(bad) + "." if bad else "every gradient passes the gradient check, but ")
    if changes:
        what += ("" if not bad else " Also, ") + "; ".join(changes) + "."
    sizes = "-".join(str(s) for s in [W[0].shape[0]] + [w.shape[1] for w in W])
    return (f"A gradient check of the blog's network ({sizes}, a batch of {n} examples with {k} outputs "
            f"each), built from the course's parts and one part of your cell: {what}")


_PARTS = ("relu", "relu_grad", "output_delta", "param_grads", "mse_grad")


def judge_blog_net(names, functions, sizes, n, seed):
    """Build the network from the course's parts and the student's ``names`` (of ``functions``, the
    five in the order of ``_PARTS``); fail with the symptoms a gradient check shows."""
    given = dict(zip(_PARTS, functions))
    parts = dict(COURSE_PARTS)
    for name in names:
        parts[name] = _student_part(name, given[name])
    W, b, x, y = blog_case(sizes, n, seed)
    symptoms = blog_symptoms(parts, W, b, x, y)
    if symptoms:
        core.fail(symptoms)


def _visible_blog(number, names, *functions):
    judge_blog_net(names, functions, (4, 6, 3), 5, seed=10 + number)
    core.passed(f"blog_net_{number}", "on the blog's network: every gradient matches central differences "
                "and no array changed")


def blog_net_1(relu, relu_grad, output_delta, param_grads, mse_grad):
    """A visible check of the bug hunt: the network with one part of the cell, the rest the course's."""
    _visible_blog(1, ("relu", "relu_grad"), relu, relu_grad, output_delta, param_grads, mse_grad)


def blog_net_2(relu, relu_grad, output_delta, param_grads, mse_grad):
    """A visible check of the bug hunt: the network with one part of the cell, the rest the course's."""
    _visible_blog(2, ("output_delta",), relu, relu_grad, output_delta, param_grads, mse_grad)


def blog_net_3(relu, relu_grad, output_delta, param_grads, mse_grad):
    """A visible check of the bug hunt: the network with one part of the cell, the rest the course's."""
    _visible_blog(3, ("param_grads",), relu, relu_grad, output_delta, param_grads, mse_grad)


def blog_net_4(relu, relu_grad, output_delta, param_grads, mse_grad):
    """A visible check of the bug hunt: the network with one part of the cell, the rest the course's."""
    _visible_blog(4, ("mse_grad",), relu, relu_grad, output_delta, param_grads, mse_grad)


# --- the judges of the parts alone, which name the bug (the hidden checks use them) -------------------------

def judge_relu(fn, z):
    """Run ``relu`` on ``z`` and fail if it changed ``z`` or computed something else."""
    before = z.copy()
    got = guard.call(fn, z, name="relu")
    if not np.array_equal(before, z):
        core.fail("`relu` changed its argument z in place: the negative entries of z are gone after the "
                  "call. The backward pass needs z as it was, so compute the result in a new array "
                  "and leave z alone.")
    arr = core.as_answer("relu", got)
    if arr.shape == z.shape and np.any(z > 0) and (core.close(arr, (z > 0).astype(float))
                                                   or core.close(arr, (z >= 0).astype(float))):
        core.fail("`relu` returns a 0/1 mask, the derivative of ReLU, not ReLU itself: positive entries "
                  "keep their value, negative entries become 0.")
    if arr.shape == z.shape and np.any(z < -1e-6) and core.close(arr, np.abs(z)):
        core.fail("`relu` returns |z|: negative entries must become 0, not positive.")
    if arr.shape == z.shape and np.any(z > 1) and core.close(arr, np.clip(z, 0.0, 1.0)):
        core.fail("`relu` caps the entries at 1: ReLU has no upper limit, positive entries keep their value.")
    if arr.shape == z.shape and np.any(z != 0) and core.close(arr, np.minimum(z, 0.0)):
        core.fail("`relu` keeps the negative entries and zeroes the positive ones: it is the other way round.")
    core.check_close("relu", got, np.maximum(z, 0.0),
                     hint="negative entries become 0, the others stay as they are.")


def judge_relu_grad(fn, z):
    """Run ``relu_grad`` on ``z`` (no entry exactly 0) and fail if it changed ``z`` or computed something else."""
    before = z.copy()
    got = guard.call(fn, z, name="relu_grad")
    if not np.array_equal(before, z):
        core.fail("`relu_grad` changed its argument z in place: it turned the network's stored pre-activation "
                  "into a mask of zeros and ones. Build the mask in a new array and leave z alone.")
    arr = core.as_answer("relu_grad", got)
    mask = (z > 0).astype(np.float64)
    if arr.shape == z.shape and core.close(arr, np.maximum(z, 0.0)) and not core.close(arr, mask):
        core.fail("`relu_grad` returns ReLU itself, max(z, 0): its derivative is 1 where z > 0 and 0 elsewhere.")
    if arr.shape == z.shape and core.close(arr, 1.0 - mask) and np.any(z > 0):
        core.fail("`relu_grad` is 1 where z < 0 and 0 where z > 0: the other way round.")
    if arr.shape == z.shape and core.close(arr, np.sign(z)) and np.any(z < 0):
        core.fail("`relu_grad` returns the sign of z, -1 for negative entries: ReLU is flat there, so its "
                  "derivative is 0.")
    core.check_close("relu_grad", arr, mask, hint="1 where z > 0, 0 where z < 0.")


def judge_output_delta(fn, act, act_grad, z, grad_a):
    """Run ``output_delta(grad_a, z, act(z), act_grad)`` and name its mistake.

    The student receives a spy in place of ``act_grad``: it records the
    arguments it is called with, so the check can tell "evaluated at a".
    """
    a = act(z)
    expected = grad_a * act_grad(z)
    seen = []

    def spy(v):
        seen.append(np.array(v, dtype=np.float64, copy=True))
        return act_grad(v)

    got = guard.call(fn, grad_a, z, a, spy, name="output_delta", unchanged=("grad_a", "z", "a"))
    if seen and not np.allclose(grad_a, z) and all(core.close(s, grad_a, 1e-12, 0) for s in seen):
        core.fail("`output_delta` calls `act_grad` on grad_a: act_grad takes the pre-activation z and returns "
                  "the activation's derivative there.")
    applied_to_a = any(core.close(s, a, 1e-12, 0) for s in seen) and not np.allclose(a, z)
    arr = core.as_answer("output_delta", got)
    if applied_to_a or (arr.shape == expected.shape and core.close(arr, grad_a * act_grad(a))
                        and not core.close(arr, expected)):
        core.fail("`output_delta`: the activation's derivative was applied to the output a instead of "
                  "z. `act_grad` is the derivative as a function of the pre-activation z, so it must "
                  "be evaluated at z; evaluated at a = act(z) it gives a different number.")
    if arr.shape == expected.shape and not core.close(arr, expected):
        if core.close(arr, grad_a + act_grad(z)):
            core.fail("`output_delta` adds the incoming gradient and the activation's derivative: the chain "
                      "rule multiplies them, entry by entry.")
        if core.close(arr, a * act_grad(z)):
            core.fail("`output_delta` multiplies the derivative by the output a where the incoming gradient "
                      "`grad_a` belongs.")
        if core.close(arr, grad_a / act_grad(z)):
            core.fail("`output_delta` divides by the activation's derivative: the chain rule multiplies by it.")
    if arr.shape == expected.shape and core.close(arr, act_grad(z)) and not core.close(arr, expected):
        core.fail("`output_delta` returns the activation's derivative alone: the chain rule multiplies "
                  "it by the gradient arriving from the loss, `grad_a`.")
    if not seen:
        core.fail("`output_delta` never called `act_grad`: use the derivative you are given, at the "
                  "right argument, rather than a formula for one particular activation (a*(1-a) is right "
                  "for a sigmoid only; the hidden tests also pass tanh and softplus).")
    core.check_close("output_delta", arr, expected,
                     hint="the chain rule multiplies the incoming gradient by the activation's "
                          "derivative, entry by entry.")


def judge_param_grads(fn, a_prev, delta):
    """Run ``param_grads(a_prev, delta)`` and name its mistake; returns ``(dW, db)``."""
    n = len(a_prev)
    dW_exp, db_exp = a_prev.T @ delta, delta.sum(axis=0)
    got = guard.call(fn, a_prev, delta, name="param_grads", unchanged=("a_prev", "delta"))
    dW, db = core.pair("param_grads", got, "dW", "db")
    if n > 1 and core.close(dW, dW_exp) and core.close(db, delta.mean(axis=0)):
        core.fail("`param_grads` uses a mean for the biases but a sum for the weights: db is N times "
                  f"too small (N = {n}). Both gradients must treat the batch the same way, and delta "
                  "already carries the 1/N of the mean loss.")
    if n > 1 and core.close(dW * n, dW_exp) and core.close(db * n, db_exp):
        core.fail(f"`dW` and `db` are both N times too small (N = {n}): delta already carries the 1/N "
                  "of the mean loss, so dividing by the batch size again averages twice.")
    if n > 1 and core.close(dW * n, dW_exp) and core.close(db, db_exp):
        core.fail("`param_grads` uses a mean for the weights but a sum for the biases: dW is N times too "
                  f"small (N = {n}). Treat both the same way; delta already carries the 1/N.")
    core.check_close("dW", dW, dW_exp, factors={_N: n},
                     hint="dW collects one outer product per example, with the shape of W (in, out).")
    core.check_close("db", db, db_exp, factors={_N: n},
                     hint="the bias is added to every example, so its gradient collects every row of delta.")
    return dW, db


def judge_mse_grad(fn, pred, target):
    """Run ``mse_grad(pred, target)`` and name its mistake."""
    diff = pred - target
    expected = 2.0 * diff / diff.size
    got = guard.call(fn, pred, target, name="mse_grad", unchanged=("pred", "target"))
    arr = core.as_answer("mse_grad", got)
    if diff.size > 1 and core.close(arr, 2.0 * diff):
        core.fail(f"`mse_grad` drops the 1/N of the mean: it is the gradient of the summed squared error, "
                  f"{diff.size} times too large here. The loss is a mean, and the mean's 1/N stays in "
                  "its derivative; without it the step size grows with the batch.")
    if diff.ndim == 2 and diff.shape[1] > 1 and core.close(arr, 2.0 * diff / diff.shape[0]):
        core.fail(f"`mse_grad` divides by the number of rows, {diff.shape[0]}, but the loss averages over "
                  f"every entry of pred, {diff.size} of them: the 1/N of the mean counts all entries.")
    factors = {"the number of entries": diff.size} if diff.size > 2 else {}
    if diff.ndim == 2 and 1 < diff.shape[0] < diff.size:
        factors["N (the number of rows: the mean runs over every entry, not over one row)"] = diff.shape[0]
    core.check_close("mse_grad", arr, expected, factors=factors or None,
                     hint="differentiate the mean of the squared differences, entry by entry.")


