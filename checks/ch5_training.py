"""Visible checks for chapter 5, batches and training.

Three exercises on batches (per-example gradients, the batch gradient as their
mean, minibatches that cover an epoch) and five on the bugs of the network
class of *Yet another explanation of backprop* (an in-place ReLU, the
activation's derivative taken at the output, a mean for the biases but a sum
for the weights, an MSE gradient without its 1/N, and ``load_boston``).

Each exercise has a ``judge_<exercise>`` function that runs the student's
answer on one case, names the chapter's typical mistakes and then compares
with the reference; the check named like the exercise runs it on one small
fixed case.  The instructor's hidden cases call the same judges.
"""

import numpy as np

from mlp.losses import log_softmax

from . import core, guard

# The reference modules an answer may use in the sandbox: `load_regression_data` (bug 5) may load
# the diabetes data with `mlp.data`.
SANDBOX_MLP = ("mlp.data",)

_N = "N (the batch size)"


# --- a linear softmax classifier: the model of exercises 1 and 2 ---------------------------------

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
    got = guard.call(fn, W, b, X, labels, name="per_example_grads", unchanged=_CLASSIFIER_ARGS)
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
        core.fail(f"`dW_each` and `db_each` are N times too small (N = {n}): you divided by the batch "
                  "size. Each entry here is the gradient of one example's own loss; the 1/N belongs "
                  "to the batch mean, which is the next exercise.")
    P = G.copy()
    P[np.arange(n), labels] += 1.0
    if core.close(db, P) or core.close(dW, X[:, :, None] * P[:, None, :]):
        core.fail("`per_example_grads` ignores the labels: it uses the softmax probabilities alone. The "
                  "gradient of each example's loss with respect to its logits subtracts the one-hot of its label.")
    hint = ("each example's gradient involves its softmax probabilities and its label; "
            "check the row of the outer product that carries the label")
    core.check_close("dW_each", dW, dW_exp, factors={_N: n}, hint=hint)
    core.check_close("db_each", db, db_exp, factors={_N: n}, hint=hint)
    return dW, db


def per_example_grads(fn):
    """Visible check of ``per_example_grads(W, b, X, labels) -> (dW_each (N, in, out), db_each (N, out))``."""
    judge_per_example_grads(fn, *_classifier_case())
    core.passed("per_example_grads",
                "on three examples: one gradient per example, with the shape of its parameter")


# --- exercise 2: the batch gradient is the mean of the per-example gradients -----------------------

def judge_batch_grad(fn, W, b, X, labels):
    """Run ``batch_grad`` on one batch and name its mistake; returns ``(dW, db)``."""
    n = len(X)
    G = _residual(W, b, X, labels) / n
    dW_exp, db_exp = X.T @ G, G.sum(axis=0)
    got = guard.call(fn, W, b, X, labels, name="batch_grad", unchanged=_CLASSIFIER_ARGS)
    dW, db = core.pair("batch_grad", got, "dW", "db")
    if dW.ndim == 3 and dW.shape[0] == n:
        core.fail(f"`dW` has shape {dW.shape}: one gradient per example. The batch gradient has "
                  f"the shape of W, {W.shape}: combine the examples' gradients into one.")
    for label, g, e in (("dW", dW, dW_exp), ("db", db, db_exp)):
        if n > 1 and core.close(g, n * e):
            core.fail(f"`{label}` is N times too large (N = {n}, the batch size): this is the gradient "
                      "of the summed loss. The loss of a batch is the mean of the examples' losses, so "
                      "its gradient is the mean of their gradients.")
        if n > 1 and core.close(g * n, e):
            core.fail(f"`{label}` is N times too small (N = {n}, the batch size): the batch size was "
                      "divided out twice. Take the mean of the examples' gradients once, and only once.")
    P = _residual(W, b, X, labels)
    P[np.arange(n), labels] += 1.0
    if core.close(db, P.mean(axis=0)) or core.close(dW, X.T @ P / n):
        core.fail("`batch_grad` ignores the labels: it uses the softmax probabilities alone. The gradient "
                  "of the loss with respect to the logits subtracts the one-hot of each label.")
    hint = "the batch gradient should equal the mean of the per-example gradients of exercise 1"
    core.check_close("dW", dW, dW_exp, factors={_N: n}, hint=hint)
    core.check_close("db", db, db_exp, factors={_N: n}, hint=hint)
    return dW, db


def batch_grad(fn):
    """Visible check of ``batch_grad(W, b, X, labels) -> (dW (in, out), db (out,))`` of the mean loss."""
    judge_batch_grad(fn, *_classifier_case())
    core.passed("batch_grad", "on three examples: the mean of the per-example gradients")


# --- exercise 3: minibatches -------------------------------------------------------------------------

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


# --- the bug hunt, bug 1: ReLU in place ---------------------------------------------------------------

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


def relu(fn):
    """Visible check of ``relu(z)``: max(z, 0) in a new array, ``z`` untouched."""
    judge_relu(fn, np.array([[-1.5, 0.0, 2.0, 0.3], [4.0, -0.1, -3.0, 1.0], [0.5, -2.0, 0.0, -7.0]]))
    core.passed("relu", "on a (3, 4) array, and z is left as it was")


# --- bug 2: the activation's derivative applied to the output ------------------------------------------

# The activations' derivatives are handed to the answer and called back inside its guarded call,
# so they use numpy alone: a call into ``mlp`` there would count as the answer using the reference.

def sigmoid(z):
    """The logistic function, without overflow: 1 / (1 + exp(-z)) = (1 + tanh(z / 2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_derivative(z):
    """d sigmoid / dz as a function of z: the ``act_grad`` of the visible case."""
    s = sigmoid(z)
    return s * (1.0 - s)


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


def output_delta(fn):
    """Visible check of ``output_delta(grad_a, z, a, act_grad)``: dL/dz = grad_a * act'(z)."""
    rng = np.random.default_rng(3)
    z, grad_a = rng.normal(0, 2, (3, 2)), rng.normal(0, 1, (3, 2))
    judge_output_delta(fn, sigmoid, sigmoid_derivative, z, grad_a)
    core.passed("output_delta", "with a sigmoid output, calling `act_grad` at z")


# --- bug 3: a sum for the weights, a mean for the biases -----------------------------------------------

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


def param_grads(fn):
    """Visible check of ``param_grads(a_prev, delta) -> (dW (in, out), db (out,))``."""
    rng = np.random.default_rng(4)
    judge_param_grads(fn, rng.normal(0, 1, (4, 3)).round(2), rng.normal(0, 1, (4, 2)).round(2))
    core.passed("param_grads", "on a batch of 4: weights and biases treat the batch alike")


# --- bug 4: the MSE gradient without its 1/N -----------------------------------------------------------

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


def mse_grad(fn):
    """Visible check of ``mse_grad(pred, target)``: d mean((pred - target)**2) / d pred."""
    rng = np.random.default_rng(5)
    judge_mse_grad(fn, rng.normal(0, 1, (4, 3)).round(2), rng.normal(0, 1, (4, 3)).round(2))
    core.passed("mse_grad", "on shape (4, 3), with the 1/M of the mean over all entries")


# --- bug 5: load_boston ----------------------------------------------------------------------------------

_BOSTON = ("`load_regression_data` uses the Boston housing data, but load_boston was removed from "
           "scikit-learn in version 1.2 (the data set had serious ethical problems). Load the diabetes "
           "data instead: 442 patients, 10 features.")


def judge_load_regression_data(fn):
    """Run ``load_regression_data()`` and check the shapes of the diabetes data; returns ``(X, y)``."""
    try:
        got = guard.call(fn, name="load_regression_data", allow=("mlp.data",))
    except core.GradingError as err:
        if "boston" in str(err).lower():
            core.fail(_BOSTON)
        raise
    X, y = core.pair("load_regression_data", got, "X", "y")
    if X.shape == (506, 13):
        core.fail(_BOSTON)
    if X.shape == (10, 442):
        core.fail("`X` has shape (10, 442): it is transposed. Rows are examples, so X has one row per "
                  "patient, shape (442, 10).")
    if X.shape == (442,) and y.shape == (442, 10):
        core.fail("`X` and `y` are swapped: return the features first, then the targets, `(X, y)`.")
    if X.shape != (442, 10):
        core.fail(f"`X` has shape {X.shape}; the diabetes data has 442 examples with 10 features each, "
                  "shape (442, 10).")
    if y.shape == (442, 1):
        core.fail("`y` has shape (442, 1): an extra axis of length 1 was added. The text asks for one "
                  "target per example as a flat array, shape (442,), as the loader gives it.")
    if y.shape == (1, 442):
        core.fail("`y` has shape (1, 442): a row instead of a flat array. Expected shape (442,).")
    if y.shape != (442,):
        core.fail(f"`y` has shape {y.shape}; expected one target per example, shape (442,).")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        core.fail("`X` or `y` holds NaN or inf: the diabetes data has none.")
    return X, y


def load_regression_data(fn):
    """Visible check of ``load_regression_data() -> (X (442, 10), y (442,))``, the diabetes data."""
    judge_load_regression_data(fn)
    core.passed("load_regression_data", "the diabetes data, (442, 10) and (442,)")
