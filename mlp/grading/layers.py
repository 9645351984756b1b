"""Checks for chapter 4, linear, ReLU and loss layers.

Each check computes the expected answer with the reference (``mlp.layers``,
``mlp.losses``) or plain numpy, calls the student's function through
``guard.call``, checks that no input array was modified, tries the chapter's
typical mistakes (dW transposed, a bias gradient averaged, a ReLU gate taken
from the wrong array, a sigmoid derivative applied to the output, a loss
gradient without its 1/N, a softmax that overflows, labels read as one-hot),
and ends with the generic comparison of ``core.check_close``.  Messages name
the mistake; they never state the formula.
"""

import numpy as np

from mlp import gradcheck
from mlp.layers import sigmoid as _sigmoid
from mlp.losses import log_softmax as _log_softmax

from . import core, guard


def _rng(seed):
    return np.random.default_rng(seed)


def _parts(name, got, n, what):
    """Split a returned tuple of ``n`` results, or explain why it is not one."""
    if not isinstance(got, (tuple, list)) or len(got) != n:
        kind = type(got).__name__ + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
        core.fail(f"`{name}` should return a tuple of {n} results ({what}), got {kind}.")
    return got


def _same(a, b):
    return core.close(a, b, atol=1e-9)


def _fd_agrees(name, analytic, f, x, what):
    """Compare an analytic gradient with central differences in float64."""
    numeric = gradcheck.numerical_gradient(f, x)
    err = gradcheck.rel_error(analytic, numeric)
    if err > 1e-6:
        core.fail(f"`{name}`: {what} disagrees with central finite differences (relative error {err:.2g}; "
                  "a correct float64 gradient gives about 1e-9).")


# --- Linear ----------------------------------------------------------------------------------

def _linear_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0], [2.0, 0.5, -1.0], [1.0, 1.0, 1.0]])
        W = np.array([[0.5, -1.0], [1.0, 0.0], [-0.5, 2.0]])
        g = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [0.5, 0.5]])
        return [(g, x, W)]
    rng = _rng(41)
    shapes = [(1, 3, 2), (1, 1, 1), (5, 4, 4), (7, 2, 5), (3, 6, 1)]
    shapes += [tuple(int(s) for s in rng.integers(1, 7, size=3)) for _ in range(3)]
    return [(rng.standard_normal((n, o)), rng.standard_normal((n, i)), rng.standard_normal((i, o)))
            for n, i, o in shapes]


def linear_backward(fn, hidden=False):
    """Check ``linear_backward(grad_out, x, W)`` -> ``(grad_in, dW, db)`` for ``z = x @ W + b``."""
    for g, x, W in _linear_cases(hidden):
        n, i, o = x.shape[0], x.shape[1], W.shape[1]
        where = f" (N={n}, in={i}, out={o})"
        exp_in, exp_W, exp_b = g @ W.T, x.T @ g, g.sum(axis=0)
        try:
            got = guard.call(fn, g, x, W, name="linear_backward", unchanged=("grad_out", "x", "W"))
        except core.GradingError as err:
            msg = str(err)
            if "raised ValueError" in msg and ("matmul" in msg or "align" in msg or "shape" in msg):
                core.fail(msg.rstrip(".") + f". The shapes of a product do not fit{where}: grad_out has shape (N, out), "
                          "x has shape (N, in) and W has shape (in, out), while grad_in must have the shape "
                          "of x, dW the shape of W and db the shape of b. Write the shapes of each product "
                          "down and pick the orientation that makes them fit.")
            raise
        grad_in, dW, db = _parts("linear_backward", got, 3, "grad_in, dW, db")
        grad_in, dW, db = (core.as_answer(k, v) for k, v in (("grad_in", grad_in), ("dW", dW), ("db", db)))
        factors = {"N (the batch size)": n}
        # grad_in
        if grad_in.shape == exp_in.shape and i == o and not _same(grad_in, exp_in) and _same(grad_in, g @ W):
            core.fail("`grad_in` multiplies grad_out by W in the orientation of the forward pass. Forward "
                      "maps in -> out; backward carries the gradient from out back to in, so W enters "
                      "transposed (here in = out, so the shapes did not warn you).")
        if grad_in.shape != exp_in.shape and grad_in.shape == (n, o):
            core.fail(f"`grad_in` has shape {grad_in.shape}, the shape of grad_out; it must have the shape of "
                      f"the layer's input x, {exp_in.shape}{where}.")
        core.check_close("grad_in", grad_in, exp_in, factors=factors,
                         hint="grad_in collects, for each input feature, the gradient of every output "
                              "it feeds, weighted by the connecting weight." + where)
        # dW
        if dW.shape == exp_W.shape and i == o and not _same(dW, exp_W) and _same(dW.T, exp_W):
            core.fail("`dW` has the right values but transposed: dW[i, j] belongs to the weight from "
                      "input i to output j, the same layout as W.")
        if _same(dW, exp_W / n) and n > 1:
            core.fail(f"`dW` is N (the batch size) times too small{where}: the loss has already averaged "
                      "over the batch, so a layer's backward adds the examples' contributions up.")
        core.check_close("dW", dW, exp_W, factors=factors,
                         hint="each example contributes an outer product of its input and its output "
                              "gradient; the batch adds them up." + where)
        # db
        if db.shape == (n, o) and n > 1:
            core.fail(f"`db` has shape {db.shape}, one row per example; b has shape ({o},): the bias is "
                      "shared by all examples, so its gradient gathers all the rows.")
        if db.shape == (1, o):
            core.fail(f"`db` has shape {db.shape}; b has shape ({o},). Drop the kept axis.")
        if n > 1 and db.shape == exp_b.shape and _same(db * n, exp_b) and not _same(db, exp_b):
            core.fail(f"`db` is N (the batch size) times too small{where}: it averages over the batch. "
                      "The bias is used once per example, so its gradient is the sum of the "
                      "examples' contributions, like dW (the loss has done the averaging already).")
        core.check_close("db", db, exp_b, factors=factors,
                         hint="b is added to every row of z." + where)
    if hidden:
        _linear_finite_differences(fn)
    core.passed("linear_backward", "on random shapes, a batch of one and against finite differences"
                if hidden else "on the visible case")


def _linear_finite_differences(fn):
    rng = _rng(7)
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    u = rng.standard_normal((3, 2))  # L = sum(u * (x @ W + b)), so dL/dz = u
    grad_in, dW, db = _parts("linear_backward", guard.call(fn, u, x.copy(), W.copy(), name="linear_backward"),
                             3, "grad_in, dW, db")
    _fd_agrees("linear_backward", grad_in, lambda v: np.sum(u * (v @ W + b)), x, "grad_in")
    _fd_agrees("linear_backward", dW, lambda v: np.sum(u * (x @ v + b)), W, "dW")
    _fd_agrees("linear_backward", db, lambda v: np.sum(u * (x @ W + v)), b, "db")


# --- ReLU ------------------------------------------------------------------------------------

def _relu_cases(hidden):
    if not hidden:
        z = np.array([[1.5, -2.0, 0.0], [-0.5, 3.0, 2.0]])
        g = np.array([[1.0, 2.0, 3.0], [-4.0, -5.0, 6.0]])
        return [(g, z)]
    rng = _rng(43)
    cases = []
    for shape in [(1, 4), (6, 5), (3,), (2, 3, 4)]:
        z = rng.standard_normal(shape)
        z.flat[:: 3] = 0.0  # ReLU exactly at 0
        cases.append((rng.standard_normal(shape), z))
    z = np.zeros((2, 3))
    cases.append((np.ones((2, 3)), z))
    return cases


def relu_backward(fn, hidden=False):
    """Check ``relu_backward(grad_out, z)`` -> ``grad_in``; z is the input of the forward pass."""
    for g, z in _relu_cases(hidden):
        expected = g * (z > 0)
        got = core.as_answer("relu_backward", guard.call(fn, g, z, name="relu_backward", unchanged=("grad_out", "z")))
        core.check_shape("relu_backward", got, z.shape)
        if _same(got, expected):
            continue
        at0 = z == 0
        if np.any(at0 & (g != 0)) and _same(got, g * (z >= 0)):
            core.fail("`relu_backward` lets the gradient through where z is exactly 0. ReLU has a kink "
                      "there and no derivative; this course, like PyTorch, takes the derivative at "
                      "exactly 0 to be 0, so the gate is closed at z = 0.")
        if _same(got, g * (g > 0)) or _same(got, g * (g >= 0)):
            core.fail("`relu_backward` opens its gate where grad_out is positive. The gate belongs to the "
                      "forward pass: it depends on the layer's input z, whatever the sign of the gradient.")
        if _same(got, (z > 0).astype(float)) or _same(got, (z >= 0).astype(float)):
            core.fail("`relu_backward` returns the local derivative alone and ignores grad_out: backward "
                      "must pass the incoming gradient on, through the gate.")
        if _same(got, g * np.maximum(z, 0)):
            core.fail("`relu_backward` multiplies grad_out by ReLU(z) itself, not by its derivative.")
        core.check_close("relu_backward", got, expected,
                         hint="each entry of grad_out either passes unchanged or is stopped, "
                              "depending on the forward input at the same position.")
    core.passed("relu_backward", "on random shapes and at exactly 0" if hidden else "on the visible case")


# --- sigmoid ---------------------------------------------------------------------------------

def _sigmoid_cases(hidden):
    if not hidden:
        z = np.array([[-2.0, 0.0, 1.0], [3.0, -0.5, 0.25]])
        g = np.array([[1.0, -1.0, 2.0], [0.5, 1.0, -3.0]])
        return [(g, z)]
    rng = _rng(47)
    cases = [(rng.standard_normal(s), rng.standard_normal(s) * 3) for s in [(1, 3), (5, 4), (4,), (2, 2, 3)]]
    cases.append((np.ones((1, 4)), np.array([[-800.0, -40.0, 40.0, 800.0]])))  # saturated, no overflow
    return cases


def sigmoid_backward(fn, hidden=False):
    """Check ``sigmoid_backward(grad_out, z)`` -> ``grad_in``; z is the input, not the output."""
    for g, z in _sigmoid_cases(hidden):
        s = _sigmoid(z)
        expected = g * s * (1 - s)
        with np.errstate(all="ignore"):
            got = guard.call(fn, g, z, name="sigmoid_backward", unchanged=("grad_out", "z"))
            got = core.as_answer("sigmoid_backward", got)
        core.check_shape("sigmoid_backward", got, z.shape)
        if _same(got, expected):
            continue
        ss = _sigmoid(s)
        if _same(got, g * ss * (1 - ss)):
            core.fail("`sigmoid_backward` evaluates the derivative at the output a = sigmoid(z), not at z: "
                      "the derivative was applied to the output, so sigmoid is applied twice. This is "
                      "one of seed 000's bugs.")
        if _same(got, g * z * (1 - z)):
            core.fail("`sigmoid_backward` treats z as if it were the output a = sigmoid(z). The function "
                      "receives z, the input of the forward pass: compute a from it first.")
        if _same(got, s * (1 - s)):
            core.fail("`sigmoid_backward` returns the local derivative alone and ignores grad_out.")
        core.check_close("sigmoid_backward", got, expected,
                         hint="differentiate the logistic function and multiply by grad_out entry by entry.")
    if hidden:
        rng = _rng(5)
        z, u = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
        got = guard.call(fn, u, z.copy(), name="sigmoid_backward")
        _fd_agrees("sigmoid_backward", core.as_answer("sigmoid_backward", got),
                   lambda v: np.sum(u * _sigmoid(v)), z, "the gradient")
    core.passed("sigmoid_backward", "on random shapes, saturated inputs and against finite differences"
                if hidden else "on the visible case")


# --- MSE -------------------------------------------------------------------------------------

def _mse_cases(hidden):
    if not hidden:
        pred = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0], [2.0, 2.0, 2.0], [0.0, 1.0, -1.0]])
        target = np.array([[0.0, 2.0, 1.0], [1.0, -1.0, 2.0], [2.5, 1.0, 2.0], [0.0, 0.0, 0.0]])
        return [(pred, target)]
    rng = _rng(53)
    shapes = [(1, 1), (1, 3), (6, 2), (5, 1), (3, 4)]
    return [(rng.standard_normal(s), rng.standard_normal(s)) for s in shapes]


def mse_loss(fn, hidden=False):
    """Check ``mse_loss(pred, target)`` -> ``(loss, grad)``: the mean over all entries."""
    for pred, target in _mse_cases(hidden):
        n, size = pred.shape[0], pred.size
        where = f" (pred of shape {pred.shape})"
        diff = pred - target
        exp_loss, exp_grad = float(np.mean(diff ** 2)), 2 * diff / size
        got = guard.call(fn, pred, target, name="mse_loss", unchanged=("pred", "target"))
        loss, grad = _parts("mse_loss", got, 2, "the loss, a number, and its gradient with respect to pred")
        factors = {"the number of entries of pred, N x out,": size}
        if pred.shape[1] > 1:
            factors["out (the number of outputs)"] = pred.shape[1]
        if n > 1:
            factors["N (the batch size)"] = n
        loss_arr = core.as_answer("loss", loss)
        if loss_arr.size == 1 and size > 1 and np.isclose(float(loss_arr.reshape(())), exp_loss * size):
            core.fail(f"`loss` is the sum of the squared errors, {size} times too large{where}: this course's "
                      "MSE (like torch.nn.MSELoss) is the mean over all entries, so the loss does not "
                      "grow with the batch size.")
        core.check_scalar("loss", loss, exp_loss, factors=factors,
                          hint="average the squared differences over every entry." + where)
        grad = core.as_answer("grad", grad)
        if grad.shape == pred.shape and size > 1 and _same(grad, 2 * diff):
            core.fail(f"`grad` is {size} times too large: the number of entries of pred, N x out, "
                      f"times too large{where}. It is the gradient of a sum of squares; the loss is a mean, "
                      "and the 1/N x out of that mean stays in the derivative (seed 000 dropped it).")
        core.check_close("grad", grad, exp_grad, factors=factors,
                         hint="differentiate the loss you returned with respect to each entry of pred." + where)
    if hidden:
        rng = _rng(9)
        pred, target = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
        _, grad = _parts("mse_loss", guard.call(fn, pred.copy(), target, name="mse_loss"), 2, "loss, grad")
        _fd_agrees("mse_loss", core.as_answer("grad", grad),
                   lambda v: np.mean((v - target) ** 2), pred, "grad")
    core.passed("mse_loss", "on random shapes, a batch of one and against finite differences"
                if hidden else "on the visible case")


# --- softmax cross-entropy -------------------------------------------------------------------

def _softmax_cases(hidden):
    if not hidden:
        logits = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 3.0, 0.5], [1.0, -2.0, 4.0]])
        labels = np.array([0, 2, 1, 1])
        big = np.array([[1e4, 0.0, -1e4], [5e3, 1e4, 0.0]])
        return [(logits, labels), (big, np.array([0, 0]))]
    rng = _rng(59)
    cases = []
    for n, c in [(1, 4), (5, 3), (7, 10), (2, 2), (6, 1)]:
        cases.append((rng.standard_normal((n, c)) * 2, rng.integers(0, c, size=n)))
    # logits of 1e4, the true class far below the largest: a finite loss of about 1e4
    cases.append((np.array([[1e4, 0.0, -3.0], [-1e4, 1e4, 2.0], [1e4, 1e4, 1e4]]), np.array([1, 0, 2])))
    cases.append((np.array([[1e4, 0.0, -3.0]]), np.array([0], dtype=np.int32)))
    return cases


def softmax_cross_entropy(fn, hidden=False):
    """Check ``softmax_cross_entropy(logits, labels)`` -> ``(loss, grad)``, labels integers (N,)."""
    for logits, labels in _softmax_cases(hidden):
        n, c = logits.shape
        where = f" (logits of shape {logits.shape}, largest |logit| {np.abs(logits).max():.3g})"
        logp = _log_softmax(logits)
        Y = np.eye(c)[labels]
        exp_loss = float(-logp[np.arange(n), labels].mean())
        exp_grad = (np.exp(logp) - Y) / n
        try:
            with np.errstate(all="ignore"):
                got = guard.call(fn, logits, labels, name="softmax_cross_entropy", unchanged=("logits", "labels"))
        except core.GradingError as err:
            msg = str(err)
            if "raised" in msg and ("broadcast" in msg or "shape" in msg):
                core.fail(msg + f"{where}. `labels` holds integer labels, one class index per row, shape "
                          f"({n},); it is not a one-hot matrix of shape ({n}, {c}). Turn it into what "
                          "your formula needs.")
            raise
        loss, grad = _parts("softmax_cross_entropy", got, 2,
                            "the loss, a number, and its gradient with respect to the logits")
        loss_arr = core.as_answer("loss", loss)
        grad = core.as_answer("grad", grad)
        if np.isinf(loss_arr).any() and np.isfinite(grad).all():
            core.fail(f"`softmax_cross_entropy` returns an infinite loss for large logits{where}, though its "
                      "gradient is finite: the probability of a true class far below the largest logit "
                      "underflows to 0, and its log is -inf. Avoiding overflow is not enough: compute the "
                      "log-probabilities without taking the log of a probability (NaN or inf must never "
                      "come out).")
        if not np.isfinite(loss_arr).all() or not np.isfinite(grad).all():
            core.fail(f"`softmax_cross_entropy` returns NaN or inf for large logits{where}: exp of a "
                      "logit of 1e4 overflows (and exp of a very negative one underflows to 0, whose log "
                      "is -inf). Softmax does not change when the same number is subtracted from every "
                      "logit of a row, and the log can be taken before any exp: find the stable form.")
        factors = {"N (the batch size)": n} if n > 1 else {}
        core.check_scalar("loss", loss, exp_loss, rtol=1e-6, atol=1e-9, factors=factors,
                          hint="the loss is the average, over the rows, of minus the log-probability "
                               "of each row's true class." + where)
        if grad.shape == (n, c) and n > 1 and np.abs(exp_grad).max() > 1e-6 and _same(grad, exp_grad * n):
            core.fail(f"`grad` is N (the batch size) times too large{where}: the loss averages over the "
                      "batch, so its gradient carries the same 1/N.")
        if grad.shape == (n, c) and not _same(grad, exp_grad) and _same(grad, np.exp(logp) / n):
            core.fail("`grad` ignores the labels: the true class of each row must enter the gradient.")
        core.check_close("grad", grad, exp_grad, factors=factors,
                         hint="compare the predicted probabilities with the one-hot label of each row." + where)
    if hidden:
        rng = _rng(11)
        logits, labels = rng.standard_normal((3, 4)), np.array([3, 0, 1])
        _, grad = _parts("softmax_cross_entropy",
                         guard.call(fn, logits.copy(), labels.copy(), name="softmax_cross_entropy"), 2, "loss, grad")
        _fd_agrees("softmax_cross_entropy", core.as_answer("grad", grad),
                   lambda v: -_log_softmax(v)[np.arange(3), labels].mean(), logits, "grad")
    core.passed("softmax_cross_entropy", "on random shapes, a batch of one, logits of 1e4 and against finite "
                "differences" if hidden else "on the visible cases, logits of 1e4 included")
