"""Visible checks for chapter 4, linear, ReLU and loss layers.

One check per exercise, each on a small fixed case.  The ``judge_*``
functions hold the diagnosis of one case: they compute the expected answer
with the reference (``mlp.layers``, ``mlp.losses``) or plain numpy, call the
student's function through ``guard.call``, check that no input array was
modified, try the chapter's typical mistakes (dW transposed, a bias gradient
averaged, a ReLU gate taken from the wrong array, a sigmoid derivative
applied to the output, a loss gradient without its 1/N, a softmax that
overflows, labels read as one-hot), and end with the generic comparison of
``core.check_close``.  Messages name the mistake; they never state the formula.
"""

import numpy as np

from mlp.layers import sigmoid as _sigmoid
from mlp.losses import log_softmax as _log_softmax

from . import core, guard

# The answers are plain numpy: no reference module is needed in the sandbox.
SANDBOX_MLP = ()

_BLOG = "the blog post *Yet another explanation of backprop*"


# --- Linear ----------------------------------------------------------------------------------

def linear_results(got):
    """The student's ``(grad_in, dW, db)`` as three float64 arrays, or a message saying why not."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        kind = type(got).__name__ + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
        core.fail(f"`linear_backward` should return a tuple of three results `(grad_in, dW, db)`, got {kind}.")
    return tuple(core.as_answer(k, v) for k, v in zip(("grad_in", "dW", "db"), got))


def judge_linear_backward(fn, grad_out, x, W):
    """One case of ``linear_backward(grad_out, x, W)`` -> ``(grad_in, dW, db)`` for ``z = x @ W + b``."""
    n, i, o = x.shape[0], x.shape[1], W.shape[1]
    where = f" (N={n}, in={i}, out={o})"
    exp_in, exp_W, exp_b = grad_out @ W.T, x.T @ grad_out, grad_out.sum(axis=0)
    try:
        got = guard.call(fn, grad_out, x, W, name="linear_backward", unchanged=("grad_out", "x", "W"))
    except core.GradingError as err:
        msg = str(err)
        if "raised ValueError" in msg and ("matmul" in msg or "align" in msg or "shape" in msg):
            core.fail(msg.rstrip(".") + f". The shapes of a product do not fit{where}: grad_out has shape (N, out), "
                      "x has shape (N, in) and W has shape (in, out), while grad_in must have the shape "
                      "of x, dW the shape of W and db the shape of b. Write the shapes of each product "
                      "down and pick the orientation that makes them fit.")
        raise
    grad_in, dW, db = linear_results(got)
    factors = {"N (the batch size)": n}
    # grad_in
    if i == o and not core.close(grad_in, exp_in) and core.close(grad_in, grad_out @ W):
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
    if i == o and not core.close(dW, exp_W) and core.close(dW.T, exp_W):
        core.fail("`dW` has the right values but transposed: dW[i, j] belongs to the weight from "
                  "input i to output j, the same layout as W.")
    if n > 1 and core.close(dW, exp_W / n):
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
    if n > 1 and not core.close(db, exp_b) and core.close(db * n, exp_b):
        core.fail(f"`db` is N (the batch size) times too small{where}: it averages over the batch. "
                  "The bias is used once per example, so its gradient is the sum of the "
                  "examples' contributions, like dW (the loss has done the averaging already).")
    core.check_close("db", db, exp_b, factors=factors, hint="b is added to every row of z." + where)


def linear_backward(fn):
    """Visible check of ``linear_backward`` on one batch of four examples, in = 3, out = 2."""
    x = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0], [2.0, 0.5, -1.0], [1.0, 1.0, 1.0]])
    W = np.array([[0.5, -1.0], [1.0, 0.0], [-0.5, 2.0]])
    grad_out = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [0.5, 0.5]])
    judge_linear_backward(fn, grad_out, x, W)
    core.passed("linear_backward", "on a batch of N = 4 with in = 3, out = 2")


# --- ReLU ------------------------------------------------------------------------------------

def judge_relu_backward(fn, grad_out, z):
    """One case of ``relu_backward(grad_out, z)`` -> ``grad_in``; z is the input of the forward pass."""
    expected = grad_out * (z > 0)
    got = guard.call(fn, grad_out, z, name="relu_backward", unchanged=("grad_out", "z"))
    got = core.check_shape("relu_backward", got, z.shape)
    if core.close(got, expected):
        return
    if np.any((z == 0) & (grad_out != 0)) and core.close(got, grad_out * (z >= 0)):
        core.fail("`relu_backward` lets the gradient through where z is exactly 0. ReLU has a kink "
                  "there and no derivative; this course, like PyTorch, takes the derivative at "
                  "exactly 0 to be 0, so the gate is closed at z = 0.")
    if core.close(got, grad_out * (grad_out > 0)) or core.close(got, grad_out * (grad_out >= 0)):
        core.fail("`relu_backward` opens its gate where grad_out is positive. The gate belongs to the "
                  "forward pass: it depends on the layer's input z, whatever the sign of the gradient.")
    if core.close(got, (z > 0).astype(float)) or core.close(got, (z >= 0).astype(float)):
        core.fail("`relu_backward` returns the local derivative alone and ignores grad_out: backward "
                  "must pass the incoming gradient on, through the gate.")
    if np.any((z < 0) & (grad_out != 0)) and core.close(got, grad_out * np.sign(z)):
        core.fail("`relu_backward` multiplies by the sign of z: where z < 0 that sends -grad_out back, but "
                  "ReLU is flat there, so its derivative is 0, not -1.")
    if core.close(got, grad_out * (z < 0)) or core.close(got, grad_out * (z <= 0)):
        core.fail("`relu_backward` has its gate inverted: it lets the gradient through where z is negative "
                  "and stops it where z is positive.")
    if core.close(got, grad_out * np.maximum(z, 0)):
        core.fail("`relu_backward` multiplies grad_out by ReLU(z) itself, not by its derivative.")
    core.check_close("relu_backward", got, expected,
                     hint="each entry of grad_out either passes unchanged or is stopped, "
                          "depending on the forward input at the same position.")


def relu_backward(fn):
    """Visible check of ``relu_backward`` on one (2, 3) case with a zero in z."""
    z = np.array([[1.5, -2.0, 0.0], [-0.5, 3.0, 2.0]])
    grad_out = np.array([[1.0, 2.0, 3.0], [-4.0, -5.0, 6.0]])
    judge_relu_backward(fn, grad_out, z)
    core.passed("relu_backward", "on a (2, 3) case with z = 0 in it, inputs unchanged")


# --- sigmoid ---------------------------------------------------------------------------------

def judge_sigmoid_backward(fn, grad_out, z):
    """One case of ``sigmoid_backward(grad_out, z)`` -> ``grad_in``; z is the input, not the output."""
    s = _sigmoid(z)
    expected = grad_out * s * (1 - s)
    with np.errstate(all="ignore"):  # a direct formula may overflow harmlessly for very negative z
        got = guard.call(fn, grad_out, z, name="sigmoid_backward", unchanged=("grad_out", "z"))
    got = core.check_shape("sigmoid_backward", got, z.shape)
    if core.close(got, expected):
        return
    ss = _sigmoid(s)
    if core.close(got, grad_out * ss * (1 - ss)):
        core.fail("`sigmoid_backward` evaluates the derivative at the output a = sigmoid(z), not at z: "
                  "the derivative was applied to the output, so sigmoid is applied twice. The network "
                  f"of {_BLOG} has this bug.")
    if core.close(got, grad_out * z * (1 - z)):
        core.fail("`sigmoid_backward` treats z as if it were the output a = sigmoid(z). The function "
                  "receives z, the input of the forward pass: compute a from it first.")
    if core.close(got, s * (1 - s)):
        core.fail("`sigmoid_backward` returns the local derivative alone and ignores grad_out.")
    if core.close(got, grad_out * (1 - np.tanh(z) ** 2)):
        core.fail("`sigmoid_backward` uses the derivative of tanh, 1 - tanh(z)**2: the sigmoid is a different "
                  "function, and so is its derivative.")
    if core.close(got, grad_out * s) or core.close(got, grad_out * (1 - s)):
        core.fail("`sigmoid_backward` keeps only one of the two factors of the sigmoid's derivative: it is "
                  "a product of two terms, both built from sigmoid(z).")
    core.check_close("sigmoid_backward", got, expected,
                     hint="differentiate the logistic function and multiply by grad_out entry by entry.")


def sigmoid_backward(fn):
    """Visible check of ``sigmoid_backward`` on one (2, 3) case."""
    z = np.array([[-2.0, 0.0, 1.0], [3.0, -0.5, 0.25]])
    grad_out = np.array([[1.0, -1.0, 2.0], [0.5, 1.0, -3.0]])
    judge_sigmoid_backward(fn, grad_out, z)
    core.passed("sigmoid_backward", "on a (2, 3) case")


# --- MSE -------------------------------------------------------------------------------------

def judge_mse_loss(fn, pred, target):
    """One case of ``mse_loss(pred, target)`` -> ``(loss, grad)``: the mean over all entries."""
    n, size = pred.shape[0], pred.size
    where = f" (pred of shape {pred.shape})"
    diff = pred - target
    exp_loss, exp_grad = float(np.mean(diff ** 2)), 2 * diff / size
    got = guard.call(fn, pred, target, name="mse_loss", unchanged=("pred", "target"))
    loss, grad = core.pair("mse_loss", got, "loss", "grad")
    factors = {"the number of entries of pred, N x out,": size}
    if pred.shape[1] > 1:
        factors["out (the number of outputs)"] = pred.shape[1]
    if n > 1:
        factors["N (the batch size)"] = n
    if loss.size == 1 and size > 1 and np.isclose(float(loss.reshape(())), exp_loss * size):
        core.fail(f"`loss` is the sum of the squared errors, {size} times too large{where}: this course's "
                  "MSE (like torch.nn.MSELoss) is the mean over all entries, so the loss does not "
                  "grow with the batch size.")
    if loss.size == 1 and not np.isclose(float(loss.reshape(())), exp_loss):
        for wrong, words in ((np.mean(np.abs(diff)), "averages |pred - target|: the MSE squares the differences"),
                             (np.mean(diff), "averages the differences without squaring them"),
                             (np.sqrt(np.mean(diff ** 2)), "takes a square root: that is the RMSE, not the MSE")):
            if np.isclose(float(loss.reshape(())), wrong):
                core.fail(f"`loss` {words}{where}.")
    core.check_scalar("loss", loss, exp_loss, factors=factors,
                      hint="average the squared differences over every entry." + where)
    if size > 1 and core.close(grad, 2 * diff):
        core.fail(f"`grad` is {size} times too large: the number of entries of pred, N x out, "
                  f"times too large{where}. It is the gradient of a sum of squares; the loss is a mean, "
                  f"and the 1/N x out of that mean stays in the derivative ({_BLOG} drops it).")
    core.check_close("grad", grad, exp_grad, factors=factors,
                     hint="differentiate the loss you returned with respect to each entry of pred." + where)


def mse_loss(fn):
    """Visible check of ``mse_loss`` with N = 4, out = 3."""
    pred = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0], [2.0, 2.0, 2.0], [0.0, 1.0, -1.0]])
    target = np.array([[0.0, 2.0, 1.0], [1.0, -1.0, 2.0], [2.5, 1.0, 2.0], [0.0, 0.0, 0.0]])
    judge_mse_loss(fn, pred, target)
    core.passed("mse_loss", "with N = 4, out = 3")


# --- softmax cross-entropy -------------------------------------------------------------------

def judge_softmax_cross_entropy(fn, logits, labels):
    """One case of ``softmax_cross_entropy(logits, labels)`` -> ``(loss, grad)``, labels integers (N,)."""
    n, c = logits.shape
    where = f" (logits of shape {logits.shape}, largest |logit| {np.abs(logits).max():.3g})"
    logp = _log_softmax(logits)
    exp_loss = float(-logp[np.arange(n), labels].mean())
    exp_grad = (np.exp(logp) - np.eye(c)[labels]) / n
    try:
        with np.errstate(all="ignore"):
            got = guard.call(fn, logits, labels, name="softmax_cross_entropy", unchanged=("logits", "labels"))
    except core.GradingError as err:
        msg = str(err)
        if " raised " in msg and ("broadcast" in msg or "shape" in msg):
            core.fail(msg + f"{where}. `labels` holds integer labels, one class index per row, shape "
                      f"({n},); it is not a one-hot matrix of shape ({n}, {c}). Turn it into what "
                      "your formula needs.")
        raise
    loss, grad = core.pair("softmax_cross_entropy", got, "loss", "grad")
    if np.isinf(loss).any() and np.isfinite(grad).all():
        core.fail(f"`softmax_cross_entropy` returns an infinite loss for large logits{where}, though its "
                  "gradient is finite: the probability of a true class far below the largest logit "
                  "underflows to 0, and its log is -inf. Avoiding overflow is not enough: compute the "
                  "log-probabilities without taking the log of a probability (NaN or inf must never "
                  "come out).")
    if (not np.isfinite(loss).all() or not np.isfinite(grad).all()) and _batch_wide_shift(fn, logits, labels):
        core.fail(f"`softmax_cross_entropy` returns NaN or inf on a batch whose rows have very different "
                  f"largest logits{where}, though every row alone comes out finite: the number subtracted "
                  "before exp is one for the whole batch (a `.max()` without an axis). A row whose own "
                  "largest logit lies far below the batch's then has exp of every entry underflow to 0. "
                  "Shift each row by its own largest logit.")
    if not np.isfinite(loss).all() or not np.isfinite(grad).all():
        core.fail(f"`softmax_cross_entropy` returns NaN or inf for large logits{where}: exp of a "
                  "logit of 1e4 overflows (and exp of a very negative one underflows to 0, whose log "
                  "is -inf). Softmax does not change when the same number is subtracted from every "
                  "logit of a row, and the log can be taken before any exp: find the stable form.")
    if (loss.size == 1 and exp_loss > 30 and float(loss.reshape(())) < 0.9 * exp_loss
            and core.close(grad, exp_grad)):
        core.fail(f"`loss` is {float(loss.reshape(())):.4g} where it should be {exp_loss:.4g}{where}: the log is "
                  "taken of a probability that underflowed and was then clipped or padded with a tiny number. "
                  "For a true class far below the largest logit, compute the log-probability directly "
                  "(the logit minus the log of the row's sum of exponentials), never log(p).")
    factors = {"N (the batch size)": n} if n > 1 else {}
    core.check_scalar("loss", loss, exp_loss, rtol=1e-6, atol=1e-9, factors=factors,
                      hint="the loss is the average, over the rows, of minus the log-probability "
                           "of each row's true class." + where)
    if n > 1 and np.abs(exp_grad).max() > 1e-6 and core.close(grad, exp_grad * n):
        core.fail(f"`grad` is N (the batch size) times too large{where}: the loss averages over the "
                  "batch, so its gradient carries the same 1/N.")
    if not core.close(grad, exp_grad) and core.close(grad, np.exp(logp) / n):
        core.fail("`grad` ignores the labels: the true class of each row must enter the gradient.")
    core.check_close("grad", grad, exp_grad, factors=factors,
                     hint="compare the predicted probabilities with the one-hot label of each row." + where)


def _batch_wide_shift(fn, logits, labels):
    """Whether rows far apart in their maxima fail together but pass one at a time (a batch-wide max)."""
    top = logits.max(axis=1)
    if len(logits) < 2 or top.max() - top.min() < 500:
        return False
    for i in range(len(logits)):
        try:
            with np.errstate(all="ignore"):
                got = guard.call(fn, logits[i:i + 1].copy(), labels[i:i + 1].copy(), name="softmax_cross_entropy")
            loss, grad = core.pair("softmax_cross_entropy", got, "loss", "grad")
        except core.GradingError:
            return False
        if not (np.isfinite(loss).all() and np.isfinite(grad).all()):
            return False
    return True


def softmax_cross_entropy(fn):
    """Visible check of ``softmax_cross_entropy`` on four small rows, then on logits of 1e4."""
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 3.0, 0.5], [1.0, -2.0, 4.0]])
    judge_softmax_cross_entropy(fn, logits, np.array([0, 2, 1, 1]))
    judge_softmax_cross_entropy(fn, np.array([[1e4, 0.0, -1e4], [5e3, 1e4, 0.0]]), np.array([0, 0]))
    # rows whose largest logits differ by 1e4: each row needs its own shift
    judge_softmax_cross_entropy(fn, np.array([[1e4, 0.0, -1e4], [0.0, 2.0, -1.0]]), np.array([0, 2]))
    core.passed("softmax_cross_entropy", "on four small rows and on logits of 1e4, rows with different maxima")
