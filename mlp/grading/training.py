"""Checks for chapter 5, batches and training.

Three exercises on batches (per-example gradients, the batch gradient as their
mean, minibatches that cover an epoch) and five on the bugs of seed 000's
network (an in-place ReLU, the activation's derivative taken at the output,
a mean for the biases but a sum for the weights, an MSE gradient without its
1/N, and ``load_boston``).  Every check computes the expected answer with the
private helpers below, calls the student's function through ``guard.call``
and names the chapter's typical mistakes before the generic
``core.check_close``.

The helpers refuse to run while a student's function is running, so they
cannot serve as an answer.
"""

import numpy as np

from mlp.gradcheck import numerical_gradient as _numeric

from . import core, guard

_student_running = False


def _call(fn, *args, name, allow=(), unchanged=()):
    """``guard.call`` with this module's helpers switched off."""
    global _student_running
    _student_running = True
    try:
        return guard.call(fn, *args, name=name, allow=allow, unchanged=unchanged)
    finally:
        _student_running = False


def _private():
    if _student_running:
        raise guard.UsedReference(
            "your answer calls the grader's own helpers in `mlp.grading`. Write the computation "
            "yourself; an answer that calls the grader scores no points."
        )


def _pair(name, got, first, second):
    """The student's ``(first, second)`` pair as two float arrays, or a message."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        core.fail(f"`{name}` should return a pair `({first}, {second})`, got {type(got).__name__}"
                  + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
    return core.as_answer(f"{first}", got[0]), core.as_answer(f"{second}", got[1])


def _same(a, b, rtol=1e-6, atol=1e-9):
    return core.close(a, b, rtol, atol)


# --- a linear softmax classifier: the model of exercises 1 and 2 ---------------------------------

_CLASSIFIER_ARGS = ("W", "b", "X", "labels")  # the arguments no answer may modify


def _probs(W, b, X):
    _private()
    z = X @ W + b
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _residual(W, b, X, labels):
    """p - onehot(label), one row per example: d(loss of example n)/d(logits of n)."""
    g = _probs(W, b, X)
    g[np.arange(len(X)), labels] -= 1.0
    return g


def _example_loss(W, b, x, label):
    _private()
    z = x @ W + b
    m = z.max()
    return float(m + np.log(np.sum(np.exp(z - m))) - z[label])


def _classifier_cases(hidden):
    if not hidden:
        rng = np.random.default_rng(0)
        W, b = rng.normal(0, 0.5, (4, 3)).round(2), np.array([0.1, -0.2, 0.0])
        X = rng.uniform(0, 1, (3, 4)).round(2)
        return [(W, b, X, np.array([0, 2, 1]))]
    rng = np.random.default_rng(55)
    cases = []
    for n, d, c in ((5, 6, 4), (1, 3, 5), (8, 2, 3), (4, 7, 2)):
        cases.append((rng.normal(0, 1, (d, c)), rng.normal(0, 0.3, c), rng.normal(0, 1, (n, d)),
                      rng.integers(0, c, n)))
    # logits in the thousands: the softmax must not overflow
    W = rng.normal(0, 1, (3, 4)) * 2000.0
    cases.append((W, np.zeros(4), rng.normal(0, 1, (3, 3)), np.array([0, 1, 3])))
    return cases


# --- exercise 1: per-example gradients -------------------------------------------------------------

def per_example_grads(fn, hidden=False):
    """Check ``per_example_grads(W, b, X, labels) -> (dW_each (N, in, out), db_each (N, out))``."""
    for W, b, X, labels in _classifier_cases(hidden):
        n, d = X.shape
        c = W.shape[1]
        G = _residual(W, b, X, labels)
        dW_exp, db_exp = X[:, :, None] * G[:, None, :], G
        got = _call(fn, W, b, X, labels, name="per_example_grads", unchanged=_CLASSIFIER_ARGS)
        dW, db = _pair("per_example_grads", got, "dW_each", "db_each")
        if dW.shape == (d, c):
            core.fail(f"`dW_each` has shape {dW.shape}, the shape of W: that is one gradient for the "
                      f"whole batch. This exercise asks for one gradient per example, shape {(n, d, c)}: "
                      "keep the examples apart instead of combining them.")
        if dW.shape == (n, c, d) and _same(dW.transpose(0, 2, 1), dW_exp):
            core.fail(f"`dW_each` has shape {dW.shape}: each example's gradient is transposed. A gradient "
                      f"has the shape of its parameter, and W is {W.shape}: check the order of the two "
                      "vectors in the outer product.")
        if n > 1 and _same(dW * n, dW_exp) and _same(db * n, db_exp):
            core.fail(f"`dW_each` and `db_each` are N times too small (N = {n}): you divided by the batch "
                      "size. Each entry here is the gradient of one example's own loss; the 1/N belongs "
                      "to the batch mean, which is the next exercise.")
        hint = ("each example's gradient involves its softmax probabilities and its label; "
                "check the row of the outer product that carries the label")
        core.check_close("dW_each", dW, dW_exp, factors={"N (the batch size)": n}, hint=hint)
        core.check_close("db_each", db, db_exp, factors={"N (the batch size)": n}, hint=hint)
    if hidden:  # finite differences in float64 of one example's loss
        rng = np.random.default_rng(9)
        W, b, X, labels = rng.normal(0, 1, (3, 4)), rng.normal(0, 1, 4), rng.normal(0, 1, (2, 3)), np.array([3, 1])
        got = _call(fn, W, b, X, labels, name="per_example_grads", unchanged=_CLASSIFIER_ARGS)
        dW, db = _pair("per_example_grads", got, "dW_each", "db_each")
        for i in range(2):
            num_W = _numeric(lambda V: _example_loss(V, b, X[i], labels[i]), W)
            num_b = _numeric(lambda v: _example_loss(W, v, X[i], labels[i]), b)
            core.check_close(f"dW_each[{i}]", dW[i], num_W, rtol=1e-5, atol=1e-7,
                             hint="it disagrees with central finite differences of that example's loss.")
            core.check_close(f"db_each[{i}]", db[i], num_b, rtol=1e-5, atol=1e-7,
                             hint="it disagrees with central finite differences of that example's loss.")
    core.passed("per_example_grads", "one gradient per example, with the shape of its parameter")


# --- exercise 2: the batch gradient is the mean of the per-example gradients -----------------------

def batch_grad(fn, hidden=False):
    """Check ``batch_grad(W, b, X, labels) -> (dW (in, out), db (out,))`` of the mean loss."""
    for W, b, X, labels in _classifier_cases(hidden):
        n = len(X)
        G = _residual(W, b, X, labels) / n
        dW_exp, db_exp = X.T @ G, G.sum(axis=0)
        got = _call(fn, W, b, X, labels, name="batch_grad", unchanged=_CLASSIFIER_ARGS)
        dW, db = _pair("batch_grad", got, "dW", "db")
        if dW.ndim == 3 and dW.shape[0] == n:
            core.fail(f"`dW` has shape {dW.shape}: one gradient per example. The batch gradient has "
                      f"the shape of W, {W.shape}: combine the examples' gradients into one.")
        for label, g, e in (("dW", dW, dW_exp), ("db", db, db_exp)):
            if n > 1 and _same(g, n * e):
                core.fail(f"`{label}` is N times too large (N = {n}, the batch size): this is the gradient "
                          "of the summed loss. The loss of a batch is the mean of the examples' losses, so "
                          "its gradient is the mean of their gradients.")
            if n > 1 and _same(g * n, e):
                core.fail(f"`{label}` is N times too small (N = {n}, the batch size): the batch size was "
                          "divided out twice. Take the mean of the examples' gradients once, and only once.")
        hint = "the batch gradient should equal the mean of the per-example gradients of exercise 1"
        core.check_close("dW", dW, dW_exp, factors={"N (the batch size)": n}, hint=hint)
        core.check_close("db", db, db_exp, factors={"N (the batch size)": n}, hint=hint)
    if hidden:  # finite differences of the mean loss
        rng = np.random.default_rng(21)
        W, b, X, labels = rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 2), rng.normal(0, 1, (4, 3)), np.array([0, 1, 1, 0])

        def mean_loss(V, v):
            return float(np.mean([_example_loss(V, v, x, t) for x, t in zip(X, labels)]))

        got = _call(fn, W, b, X, labels, name="batch_grad", unchanged=_CLASSIFIER_ARGS)
        dW, db = _pair("batch_grad", got, "dW", "db")
        core.check_close("dW", dW, _numeric(lambda V: mean_loss(V, b), W), rtol=1e-5, atol=1e-7,
                         factors={"N (the batch size)": 4},
                         hint="it disagrees with central finite differences of the mean loss.")
        core.check_close("db", db, _numeric(lambda v: mean_loss(W, v), b), rtol=1e-5, atol=1e-7,
                         factors={"N (the batch size)": 4},
                         hint="it disagrees with central finite differences of the mean loss.")
    core.passed("batch_grad", "the mean of the per-example gradients")


# --- exercise 3: minibatches -------------------------------------------------------------------------

def _ids(X):
    return np.rint(np.asarray(X, dtype=np.float64)[:, 0]).astype(np.int64)


def _epoch(fn, X, y, batch_size, rng):
    def one_epoch(*args):
        out = fn(*args)
        if out is None:
            return None
        return list(out)

    one_epoch.__name__ = getattr(fn, "__name__", "minibatches")
    got = _call(one_epoch, X, y, batch_size, rng, name="minibatches", unchanged=("X", "y"))
    if got is None:
        core.fail("`minibatches` returned None: return (or yield) the batches, one `(X_batch, y_batch)` pair each.")
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


def _check_epoch(batches, X, y, batch_size):
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


def _data(rng, n, d, two_d_y):
    X = rng.normal(0, 1, (n, d))
    X[:, 0] = np.arange(n)  # the first column names the example, so the check can follow it
    y = np.arange(n) * 10 + 3
    if two_d_y:
        y = np.stack([y, -y], axis=1).astype(np.float64)
    return X, y


def minibatches(fn, hidden=False):
    """Check ``minibatches(X, y, batch_size, rng)``: one shuffled epoch, every example once."""
    if not hidden:
        cases = [(20, 3, 6, False)]
    else:
        cases = [(37, 4, 8, False), (12, 2, 4, True), (5, 3, 1, False), (7, 2, 16, True), (1, 2, 3, False),
                 (50, 2, 7, True)]
    rng = np.random.default_rng(99)
    for n, d, bs, two_d in cases:
        X, y = _data(rng, n, d, two_d)
        order = _check_epoch(_epoch(fn, X, y, bs, np.random.default_rng(n)), X, y, bs)
        if n >= 8 and np.array_equal(order, np.arange(n)):
            core.fail("the examples are not shuffled: the batches visit them in the order of X. Draw a new "
                      "random order of the indices with `rng` at the start of every epoch.")
    if hidden:
        X, y = _data(rng, 30, 2, False)
        shared = np.random.default_rng(3)
        first = _check_epoch(_epoch(fn, X, y, 8, shared), X, y, 8)
        second = _check_epoch(_epoch(fn, X, y, 8, shared), X, y, 8)
        if np.array_equal(first, second):
            core.fail("two epochs drawn with the same generator visit the examples in the same order: "
                      "shuffle afresh at every call, drawing the order from `rng`.")
        again = _check_epoch(_epoch(fn, X, y, 8, np.random.default_rng(3)), X, y, 8)
        if not np.array_equal(first, again):
            core.fail("the same seed gave different batches: draw the random order from the `rng` argument "
                      "(not from `np.random`'s global state), so that a run can be repeated exactly.")
    core.passed("minibatches", "every example once per epoch, shuffled, X and y kept together")


# --- the bug hunt, bug 1: ReLU in place ---------------------------------------------------------------

def relu(fn, hidden=False):
    """Check ``relu(z)``: max(z, 0) in a new array, ``z`` untouched."""
    if not hidden:
        cases = [np.array([[-1.5, 0.0, 2.0, 0.3], [4.0, -0.1, -3.0, 1.0], [0.5, -2.0, 0.0, -7.0]])]
    else:
        rng = np.random.default_rng(13)
        cases = [rng.normal(0, 1, (5, 7)), rng.normal(0, 1, (9,)), rng.normal(0, 1, (2, 3, 4)),
                 np.zeros((2, 2)), -np.abs(rng.normal(0, 1, (1, 4))), np.array([[1e-300, -1e-300, 1e300]])]
    for z in cases:
        expected = np.maximum(z, 0.0)
        before = z.copy()
        got = _call(fn, z, name="relu")
        if not np.array_equal(before, z):
            core.fail("`relu` changed its argument z in place: the negative entries of z are gone after the "
                      "call. The backward pass needs z as it was, so compute the result in a new array "
                      "and leave z alone.")
        if isinstance(got, np.ndarray) and np.shares_memory(got, z):
            core.fail("`relu` returns an array that shares memory with z (z itself or a view of it): "
                      "whatever later changes the result changes z too, the in place bug in disguise. "
                      "Return a new array.")
        core.check_close("relu", got, expected, hint="negative entries become 0, the others stay as they are.")
    core.passed("relu", "and z is left as it was")


# --- bug 2: the activation's derivative applied to the output ------------------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_grad(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s * (1.0 - s)


def _tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def _softplus(z):
    return np.logaddexp(0.0, z)


def output_delta(fn, hidden=False):
    """Check ``output_delta(grad_a, z, a, act_grad)``: dL/dz = grad_a * act'(z)."""
    rng = np.random.default_rng(3 if not hidden else 31)
    acts = [(_sigmoid, _sigmoid_grad)] if not hidden else [
        (_sigmoid, _sigmoid_grad), (np.tanh, _tanh_grad), (_softplus, _sigmoid)]
    shapes = [(3, 2)] if not hidden else [(4, 3), (1, 5), (6, 1)]
    for act, act_grad in acts:
        for shape in shapes:
            z = rng.normal(0, 2, shape)
            a = act(z)
            grad_a = rng.normal(0, 1, shape)
            expected = grad_a * act_grad(z)
            seen = []

            def spy(v, _g=act_grad, _seen=seen):
                _seen.append(np.array(v, dtype=np.float64, copy=True))
                return _g(v)

            got = _call(fn, grad_a, z, a, spy, name="output_delta", unchanged=("grad_a", "z", "a"))
            applied_to_a = any(_same(s, a, 1e-12, 0) for s in seen) and not np.allclose(a, z)
            arr = core.as_answer("output_delta", got)
            if applied_to_a or (arr.shape == expected.shape and _same(arr, grad_a * act_grad(a))
                                and not _same(arr, expected)):
                core.fail("`output_delta`: the activation's derivative was applied to the output a instead of "
                          "z. `act_grad` is the derivative as a function of the pre-activation z, so it must "
                          "be evaluated at z; evaluated at a = act(z) it gives a different number.")
            if arr.shape == expected.shape and _same(arr, act_grad(z)) and not _same(arr, expected):
                core.fail("`output_delta` returns the activation's derivative alone: the chain rule multiplies "
                          "it by the gradient arriving from the loss, `grad_a`.")
            if not seen and not _same(arr, expected):
                core.fail("`output_delta` never called `act_grad`: use the derivative you are given, at the "
                          "right argument, rather than a formula for one particular activation.")
            core.check_close("output_delta", arr, expected,
                             hint="the chain rule multiplies the incoming gradient by the activation's "
                                  "derivative, entry by entry.")
    core.passed("output_delta", "the derivative is taken at z")


# --- bug 3: a sum for the weights, a mean for the biases -----------------------------------------------

def param_grads(fn, hidden=False):
    """Check ``param_grads(a_prev, delta) -> (dW (in, out), db (out,))``."""
    if not hidden:
        rng = np.random.default_rng(4)
        cases = [(rng.normal(0, 1, (4, 3)).round(2), rng.normal(0, 1, (4, 2)).round(2))]
    else:
        rng = np.random.default_rng(41)
        cases = [(rng.normal(0, 1, (n, i)), rng.normal(0, 1, (n, o))) for n, i, o in ((6, 5, 3), (1, 2, 4), (9, 1, 1), (3, 7, 5))]
    for a_prev, delta in cases:
        n = len(a_prev)
        dW_exp, db_exp = a_prev.T @ delta, delta.sum(axis=0)
        got = _call(fn, a_prev, delta, name="param_grads", unchanged=("a_prev", "delta"))
        dW, db = _pair("param_grads", got, "dW", "db")
        if n > 1 and _same(dW, dW_exp) and _same(db, delta.mean(axis=0)):
            core.fail("`param_grads` uses a mean for the biases but a sum for the weights: db is N times "
                      f"too small (N = {n}). Both gradients must treat the batch the same way, and delta "
                      "already carries the 1/N of the mean loss.")
        if n > 1 and _same(dW * n, dW_exp) and _same(db * n, db_exp):
            core.fail(f"`dW` and `db` are both N times too small (N = {n}): delta already carries the 1/N "
                      "of the mean loss, so dividing by the batch size again averages twice.")
        if n > 1 and _same(dW * n, dW_exp) and _same(db, db_exp):
            core.fail("`param_grads` uses a mean for the weights but a sum for the biases: dW is N times too "
                      f"small (N = {n}). Treat both the same way; delta already carries the 1/N.")
        core.check_close("dW", dW, dW_exp, factors={"N (the batch size)": n},
                         hint="dW collects one outer product per example, with the shape of W (in, out).")
        core.check_close("db", db, db_exp, factors={"N (the batch size)": n},
                         hint="the bias is added to every example, so its gradient collects every row of delta.")
    core.passed("param_grads", "weights and biases treat the batch alike")


# --- bug 4: the MSE gradient without its 1/N -----------------------------------------------------------

def mse_grad(fn, hidden=False):
    """Check ``mse_grad(pred, target)``: d mean((pred - target)**2) / d pred."""
    if not hidden:
        rng = np.random.default_rng(5)
        cases = [(rng.normal(0, 1, (4, 1)).round(2), rng.normal(0, 1, (4, 1)).round(2))]
    else:
        rng = np.random.default_rng(51)
        cases = [(rng.normal(0, 1, s), rng.normal(0, 1, s)) for s in ((7, 1), (5, 3), (6,), (1, 1), (2, 4))]
    for pred, target in cases:
        diff = pred - target
        expected = 2.0 * diff / diff.size
        got = _call(fn, pred, target, name="mse_grad", unchanged=("pred", "target"))
        arr = core.as_answer("mse_grad", got)
        if diff.size > 1 and _same(arr, 2.0 * diff):
            core.fail(f"`mse_grad` drops the 1/N of the mean: it is the gradient of the summed squared error, "
                      f"{diff.size} times too large here. The loss is a mean, and the mean's 1/N stays in "
                      "its derivative; without it the step size grows with the batch.")
        if diff.ndim == 2 and diff.shape[1] > 1 and _same(arr, 2.0 * diff / diff.shape[0]):
            core.fail(f"`mse_grad` divides by the number of rows, {diff.shape[0]}, but the loss averages over "
                      f"every entry of pred, {diff.size} of them: the 1/N of the mean counts all entries.")
        core.check_close("mse_grad", arr, expected,
                         factors={"the number of entries": diff.size} if diff.size > 2 else None,
                         hint="differentiate the mean of the squared differences, entry by entry.")
    core.passed("mse_grad", "with the 1/N of the mean")


# --- bug 5: load_boston ----------------------------------------------------------------------------------

_BOSTON = ("`load_regression_data` uses the Boston housing data, but load_boston was removed from "
           "scikit-learn in version 1.2 (the data set had serious ethical problems). Load the diabetes "
           "data instead: 442 patients, 10 features.")


def load_regression_data(fn, hidden=False):
    """Check ``load_regression_data() -> (X (442, 10), y (442,))``, the diabetes data."""
    from mlp.data import load_diabetes  # the reference, loaded outside the student's call

    X_ref, y_ref = load_diabetes()
    try:
        got = _call(fn, name="load_regression_data", allow=("mlp.data",))
    except core.GradingError as err:
        if "boston" in str(err).lower():
            core.fail(_BOSTON)
        raise
    X, y = _pair("load_regression_data", got, "X", "y")
    if X.shape == (506, 13):
        core.fail(_BOSTON)
    if X.shape != (442, 10):
        core.fail(f"`X` has shape {X.shape}; the diabetes data has 442 examples with 10 features each, "
                  "shape (442, 10).")
    if y.shape not in ((442,), (442, 1)):
        core.fail(f"`y` has shape {y.shape}; expected one target per example, shape (442,).")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        core.fail("`X` or `y` holds NaN or inf: the diabetes data has none.")
    if hidden:
        def affine(a, b):  # a is b up to scale and shift (scaled or raw features both count)
            a, b = a - a.mean(), b - b.mean()
            return np.linalg.norm(a) > 0 and abs(np.dot(a, b)) >= 0.9999 * np.linalg.norm(a) * np.linalg.norm(b)

        if not all(affine(X[:, j], X_ref[:, j]) for j in range(10)) or not affine(np.ravel(y), y_ref):
            core.fail("`X` and `y` have the right shapes but are not the diabetes data in its original row "
                      "order: return the features and targets as the loader gives them.")
    core.passed("load_regression_data", "the diabetes data, (442, 10) and (442,)")
