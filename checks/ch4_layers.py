"""Visible checks for chapter 4, linear, ReLU and loss layers.

One check per exercise, each on a small fixed case.  The ``judge_*``
functions hold the diagnosis of one case: they compute the expected answer
with the reference (``mlp.layers``, ``mlp.losses``) or plain numpy, call the
student's function through ``guard.call``, check that no input array was
modified, try the chapter's typical mistakes (dW transposed, a bias gradient
averaged, a ReLU gate taken from the wrong array, a ReLU layer that keeps
an array its caller owns, a softmax gradient without its 1/N, a softmax that
overflows, labels read as one-hot, a backward matrix transposed or without
its gate), and end with the generic comparison of ``core.check_close``.  Messages name the mistake; they never state the formula.
"""

import numpy as np

from mlp.losses import log_softmax as _log_softmax

from . import core, guard

# The answers are plain numpy: no reference module is needed in the sandbox.
SANDBOX_MLP = ()

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


# --- ReLU layer ------------------------------------------------------------------------------

def _relu_layer_results(name, got, shape):
    arr = core.check_shape(name, got, shape)
    return arr


def _new_layer(cls):
    layer = guard.call(cls, name="ReLULayer")
    if layer is None or not hasattr(layer, "forward"):
        core.fail("`ReLULayer()` should make a layer object with `forward` and `backward` methods.")
    return layer


def _forward(layer, z):
    got = guard.call(layer.forward, z, name="ReLULayer.forward", unchanged=("z",))
    a = _relu_layer_results("ReLULayer.forward", got, z.shape)
    expected = np.maximum(z, 0)
    if not core.close(a, expected):
        if core.close(a, (z > 0).astype(float)) or core.close(a, (z >= 0).astype(float)):
            core.fail("`ReLULayer.forward` returns the 0/1 gate; forward returns the activation max(z, 0). "
                      "The gate is what backward needs, not what the caller receives.")
        core.check_close("ReLULayer.forward", a, expected, hint="each entry of z passes if it is positive "
                         "and becomes 0 otherwise.")
    if isinstance(got, np.ndarray) and np.shares_memory(got, z):
        core.fail("`ReLULayer.forward` returns an array that shares memory with its input z: return a new "
                  "array, or a caller that changes one of them changes the other.")
    return got


def _backward(layer, grad_out, z_seen, after=""):
    got = guard.call(layer.backward, grad_out, name="ReLULayer.backward", unchanged=("grad_out",))
    g = _relu_layer_results("ReLULayer.backward", got, grad_out.shape)
    expected = grad_out * (z_seen > 0)
    if isinstance(got, np.ndarray) and np.shares_memory(got, grad_out):
        core.fail("`ReLULayer.backward` returns an array that shares memory with grad_out: return a new array, "
                  "or the caller's next change to grad_out changes the gradient you handed back.")
    if core.close(g, expected):
        return got
    if np.any((z_seen == 0) & (grad_out != 0)) and core.close(g, grad_out * (z_seen >= 0)):
        core.fail("`ReLULayer.backward` lets the gradient through where z was exactly 0. ReLU has a kink "
                  "there and no derivative; this course, like PyTorch and `mlp.ReLU`, takes the derivative "
                  "at exactly 0 to be 0, so the gate is closed at z = 0.")
    if core.close(g, grad_out * (grad_out > 0)) or core.close(g, grad_out * (grad_out >= 0)):
        core.fail("`ReLULayer.backward` opens its gate where grad_out is positive. The gate belongs to the "
                  "forward pass: it depends on the layer's input z, whatever the sign of the gradient.")
    if core.close(g, (z_seen > 0).astype(float)) or core.close(g, (z_seen >= 0).astype(float)):
        core.fail("`ReLULayer.backward` returns the local derivative alone and ignores grad_out: backward "
                  "must pass the incoming gradient on, through the gate.")
    if core.close(g, grad_out * (z_seen < 0)) or core.close(g, grad_out * (z_seen <= 0)):
        core.fail("`ReLULayer.backward` has its gate inverted: it lets the gradient through where z was "
                  "negative and stops it where z was positive.")
    if core.close(g, grad_out * np.maximum(z_seen, 0)):
        core.fail("`ReLULayer.backward` multiplies grad_out by ReLU(z) itself, not by its derivative.")
    if after:
        core.fail(f"`ReLULayer.backward` gives a different answer after the caller {after}: the layer "
                  "kept a reference to an array the caller owns, and the caller is free to change it. Keep "
                  "your own copy of what backward needs (or only what backward needs).")
    core.check_close("ReLULayer.backward", g, expected,
                     hint="each entry of grad_out either passes unchanged or is stopped, "
                          "depending on the forward input at the same position.")
    return got


def judge_relu_layer(cls, z, grad_out, change=None):
    """One forward and one backward of a fresh ``cls()``; ``change`` in (None, "z", "a") is the array the
    caller overwrites in place between the two calls.  Returns nothing; fails with the mistake named."""
    z_seen = z.copy()
    layer = _new_layer(cls)
    a = _forward(layer, z)
    after = ""
    if change == "z":
        z[...] = -2.0 * z - 1.0   # the caller reuses its buffer for the next batch
        after = "changed z in place after forward"
    elif change == "a" and isinstance(a, np.ndarray) and a.flags.writeable:
        a *= -3.0                 # the caller scales the output it was given
        after = "changed the returned output in place after forward"
    _backward(layer, grad_out, z_seen, after=after)


def judge_relu_layer_twice(cls, z1, z2, grad_out):
    """Two forward calls, then one backward: backward belongs to the latest forward."""
    layer = _new_layer(cls)
    _forward(layer, z1)
    _forward(layer, z2)
    got = guard.call(layer.backward, grad_out, name="ReLULayer.backward", unchanged=("grad_out",))
    g = _relu_layer_results("ReLULayer.backward", got, grad_out.shape)
    if not core.close(g, grad_out * (z2 > 0)) and core.close(g, grad_out * (z1 > 0)):
        core.fail("`ReLULayer.backward` uses the gate of the first `forward` call after a second one: each "
                  "`forward` must replace what the layer keeps, since backward belongs to the latest forward.")
    core.check_close("ReLULayer.backward", g, grad_out * (z2 > 0),
                     hint="after two forward calls, backward uses the second input.")


def judge_relu_layer_grad_kept(cls, z, grad_out):
    """The caller changes grad_out after backward: the returned gradient must not change."""
    layer = _new_layer(cls)
    _forward(layer, z)
    got = _backward(layer, grad_out, z.copy())
    kept = np.array(got, copy=True)
    grad_out *= -5.0
    if not np.array_equal(np.asarray(got), kept):
        core.fail("the gradient `ReLULayer.backward` returned changed when the caller changed grad_out "
                  "afterwards: return a new array, not one tied to grad_out.")


def relu_layer(cls):
    """Visible check of ``ReLULayer`` on one (2, 3) case with z = 0 in it, then with z changed after forward."""
    z = np.array([[1.5, -2.0, 0.0], [-0.5, 3.0, 2.0]])
    grad_out = np.array([[1.0, 2.0, 3.0], [-4.0, -5.0, 6.0]])
    judge_relu_layer(cls, z.copy(), grad_out.copy())
    judge_relu_layer(cls, z.copy(), grad_out.copy(), change="z")
    core.passed("ReLULayer", "on a (2, 3) case with z = 0 in it, and with z changed after forward")


# --- the backward pass as one matrix --------------------------------------------------------------

def _gate(x, W1, b1):
    return (x @ W1 + b1 > 0).astype(float)


def judge_backward_matrix(fn, x, W1, b1, W2):
    """One case of ``backward_matrix(x, W1, b1, W2)`` -> J of shape (out, in)."""
    n_in, hidden, out = W1.shape[0], W1.shape[1], W2.shape[1]
    where = f" (in={n_in}, H={hidden}, out={out})"
    gate = _gate(x, W1, b1)
    expected = W2.T @ (gate[:, None] * W1.T)
    try:
        got = guard.call(fn, x, W1, b1, W2, name="backward_matrix", unchanged=("x", "W1", "b1", "W2"))
    except core.GradingError as err:
        msg = str(err)
        if "raised ValueError" in msg and ("matmul" in msg or "align" in msg or "shape" in msg
                                           or "broadcast" in msg):
            core.fail(msg.rstrip(".") + f". The shapes of a product do not fit{where}: x is (in,), W1 is "
                      "(in, H), W2 is (H, out), and J must be (out, in). Walk the gradient back from the "
                      "output to the input and write down the shape of each factor in that order.")
        raise
    J = core.as_answer("backward_matrix", got)
    if J.shape != expected.shape and J.shape == expected.T.shape:
        core.fail(f"`backward_matrix` has shape {J.shape}, (in, out); J has one row per output and one column "
                  f"per input, (out, in) = {expected.shape}{where}: g @ J must multiply a row g of shape "
                  "(out,).")
    if J.shape == expected.shape and not core.close(J, expected):
        D = np.diag(gate)
        square = n_in == out
        z = x @ W1 + b1
        y = np.maximum(z, 0) @ W2
        candidates = [
            (square and core.close(J, expected.T), "has the right numbers but transposed: row k of J "
             "belongs to output k, column i to input i (here in = out, so the shape did not warn you)."),
            (core.close(J, W2.T @ W1.T), "leaves the ReLU out: between the two linear layers the gradient "
             "passes through the ReLU's gate, and that gate depends on x."),
            (core.close(J, W2.T @ (np.maximum(z, 0)[:, None] * W1.T)), "scales by the ReLU's output "
             "max(z, 0), not by its derivative: the backward pass of the ReLU is a 0/1 gate."),
            (core.close(J, W2.T @ ((z >= 0).astype(float)[:, None] * W1.T)), "opens the gate where the hidden "
             "pre-activation is exactly 0: this course, like mlp.ReLU, takes the ReLU's derivative at 0 to be 0."),
            (core.close(J, W2.T @ (_gate(x, W1, 0.0 * b1)[:, None] * W1.T)), "decides the gates without the "
             "bias b1: the ReLU sees x @ W1 + b1, so b1 decides which gates are open."),
            (core.close(J, (y > 0).astype(float)[:, None] * (W2.T @ W1.T))
             or core.close(J, (y > 0).astype(float)[:, None] * expected),
             "takes a gate from the wrong layer, the network's output: the ReLU sits between the two linear "
             "layers, so its gate belongs to the hidden pre-activation z = x @ W1 + b1."),
            (core.close(J, (W2.T @ W1.T) * (x > 0)) or core.close(J, expected * (x > 0)),
             "takes the gate from x: the ReLU acts on the hidden layer's pre-activation, not on the input."),
            (hidden == n_in == out and (core.close(J, W1.T @ D @ W2.T) or core.close(J, W1 @ D @ W2)
                                         or core.close(J, D @ W2.T @ W1.T) or core.close(J, W2.T @ W1.T @ D)),
             "multiplies the right matrices in the wrong order (here in = H = out, so every order has the right "
             "shape). The gradient arrives at the output and travels back to the input: the matrix it meets "
             "first stands first."),
        ]
        for hit, words in candidates:
            if hit:
                core.fail(f"`backward_matrix` {words}{where}")
    core.check_close("backward_matrix", J, expected,
                     hint="at a fixed x each layer's backward multiplies the row it receives by a matrix; "
                          "J is their product." + where)
    return J


def backward_matrix(fn):
    """Visible check of ``backward_matrix``: in = H = out = 3, then in = 4, H = 3, out = 2."""
    x = np.array([1.0, -0.5, 2.0])
    W1 = np.array([[0.5, -1.0, 0.3], [1.0, 0.4, -0.8], [-0.2, 0.6, 0.5]])
    b1 = np.array([0.1, 0.5, -1.6])           # the bias closes the third gate, opens the second
    W2 = np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0], [-0.7, 0.4, 0.6]])
    judge_backward_matrix(fn, x, W1, b1, W2)
    x = np.array([0.5, 1.0, -1.0, 2.0])
    W1 = np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0], [-0.7, 0.4, 0.6], [0.2, -0.3, 0.1]])
    b1 = np.array([0.2, -0.4, 0.3])
    W2 = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])
    judge_backward_matrix(fn, x, W1, b1, W2)
    core.passed("backward_matrix", "with in = H = out = 3, and with in = 4, H = 3, out = 2")


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
