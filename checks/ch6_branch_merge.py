"""Visible checks for chapter 6: branch, merge and parameter sharing.

One small fixed case per exercise.  Each ``judge_*`` function runs one case:
it computes the expected answer with plain numpy, calls the student's
function through ``guard.call``, then tries the chapter's typical mistakes
(pieces split along the wrong axis or returned in the wrong order, one copy's
gradient kept instead of the sum, the skip connection forgotten, a shared
kernel's gradient assigned instead of accumulated, a flipped kernel) before
the generic comparison of ``core.check_close``.  It returns the answer it
judged.
"""

import numpy as np

from . import core, guard
from .core import fail

# No reference object is passed to the student's functions.
SANDBOX_MLP = ()


def _as_sequence(name, got, what):
    """The student's return value as a list, or a message saying what was expected."""
    if got is None:
        fail(f"`{name}` returned None: did your function forget to `return` its result?")
    if isinstance(got, np.ndarray) or np.isscalar(got):
        fail(f"`{name}` returned a single array; it should return {what}.")
    try:
        return list(got)
    except TypeError:
        fail(f"`{name}` should return {what}, got {type(got).__name__}.")


# --------------------------------------------------------------------------- merge


def merge_backward(fn):
    """Visible check of ``merge_backward(grad_out, widths)``: widths 2 and 4, a batch of 3."""
    grad_out = np.array([[1.0, -2.0, 3.0, 0.5, -1.0, 2.0],
                         [0.0, 4.0, -3.0, 1.5, 2.5, -0.5],
                         [2.0, 1.0, -1.0, -2.0, 0.25, 3.0]])
    judge_merge_backward(fn, grad_out, [2, 4])
    core.passed("merge_backward", "on grad_out of shape (3, 6) cut into widths [2, 4]")


def judge_merge_backward(fn, grad_out, widths):
    """Run ``merge_backward`` on one case and name any mistake; return the list of pieces."""
    n = grad_out.shape[0]
    cuts = np.cumsum(widths)[:-1]
    expected = [p.copy() for p in np.split(grad_out, cuts, axis=1)]
    got = guard.call(fn, grad_out, list(widths), name="merge_backward", unchanged=("grad_out",))
    pieces = _as_sequence("merge_backward", got, f"a list of {len(widths)} arrays, one per merged input")
    if len(pieces) != len(widths):
        fail(
            f"`merge_backward` returned {len(pieces)} pieces for widths {list(widths)}: "
            f"expected {len(widths)}, one gradient per input that was merged."
        )
    shared = [i for i, p in enumerate(pieces) if isinstance(p, np.ndarray) and np.shares_memory(p, grad_out)]
    pieces = [core.as_answer(f"piece {i}", p) for i, p in enumerate(pieces)]
    _explain_order(pieces, expected)
    for i, (p, e) in enumerate(zip(pieces, expected)):
        if p.shape != e.shape:
            _explain_piece_shape(i, p, e, n, sum(widths))
    for i, (p, e) in enumerate(zip(pieces, expected)):
        core.check_close(
            f"piece {i} of merge_backward",
            p,
            e,
            hint="each piece is the part of grad_out that belongs to that input's features.",
        )
    if shared:
        fail(
            f"piece {shared[0]} of `merge_backward` shares memory with grad_out: it is a view (a slice or "
            "`np.split` returns views), not a copy. Writing into one input's gradient later would "
            "silently change grad_out and the other pieces; return copies, as the text asks."
        )
    return pieces


def _explain_order(pieces, expected):
    """Fail if the pieces are the right arrays in a different order."""
    if all(core.close(p, e) for p, e in zip(pieces, expected)):
        return
    owner = []
    for p in pieces:
        match = [j for j, e in enumerate(expected) if core.close(p, e)]
        if not match:
            return
        owner.append(match[0])
    if sorted(owner) == list(range(len(expected))):
        i = next(k for k, j in enumerate(owner) if j != k)
        fail(
            f"`merge_backward` returns the right pieces in the wrong order: piece {i} of your "
            f"list is the gradient of input {owner[i]}. The list must follow the order in which "
            "the inputs were concatenated, first input first."
        )


def _explain_piece_shape(i, p, e, n, total):
    base = f"piece {i} of `merge_backward` has the wrong shape: expected {e.shape}, got {p.shape}."
    if p.ndim == 2 and p.shape[1] == total and p.shape[0] != n:
        fail(
            base + " It keeps every feature column but only some of the rows: the cut went "
            "along the wrong axis. Rows are examples, and every input saw all N of them; "
            "what the inputs contributed were different features."
        )
    if p.ndim == 2 and p.shape[0] == n:
        fail(
            base + " The rows are right but the number of columns is not: each piece must be "
            "as wide as the input it is the gradient of (see `widths`)."
        )
    fail(
        base + " Each piece must have the shape of the input it is the gradient of: all N rows "
        "(examples), and as many columns as that input had features."
    )


# --------------------------------------------------------------------------- branch


def branch_backward(fn):
    """Visible check of ``branch_backward(grads)``: three copies of shape (2, 3)."""
    grads = [np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]]),
             np.array([[-2.0, 1.0, 4.0], [1.0, 1.0, -1.0]]),
             np.array([[0.5, -3.0, 2.0], [2.0, -0.5, 0.0]])]
    judge_branch_backward(fn, grads)
    core.passed("branch_backward", "on three copies of shape (2, 3)")


def judge_branch_backward(fn, grads):
    """Run ``branch_backward`` on one list of gradients and name any mistake; return the answer."""
    n, shape = len(grads), grads[0].shape
    expected = np.zeros(shape)
    for g in grads:
        expected = expected + g
    befores = [g.copy() for g in grads]
    got = guard.call(fn, list(grads), name="branch_backward")
    for i, (b, g) in enumerate(zip(befores, grads)):
        core.check_unchanged(f"grads[{i}]", b, g)
    got = core.as_answer("branch_backward", got)
    if got.shape == (n,) + shape and n > 1:
        fail(
            f"`branch_backward` has shape {got.shape}: it stacks the {n} copies' gradients "
            f"side by side. The result is the gradient of the one input that was copied, so "
            f"it has that input's shape {shape}: combine the copies' gradients into one."
        )
    if n > 1 and not core.close(got, expected):
        for k, g in enumerate(grads):
            if core.close(got, n * g):
                fail(
                    f"`branch_backward` counts copy {k}'s gradient {n} times: the copies carry different "
                    "gradients, and each must be added once."
                )
            if core.close(got, g):
                fail(
                    f"`branch_backward` returns only one of the copies' gradients (copy {k} of "
                    f"{n}). The input reaches the loss through every copy, and each path "
                    "contributes to its gradient."
                )
    core.check_close(
        "branch_backward",
        got,
        expected,
        factors={"n (the number of copies)": n},
        hint="every copy's gradient must be taken into account, each exactly once.",
    )
    return got


# --------------------------------------------------------------------------- residual


def residual_backward(fn):
    """Visible check of ``residual_backward(grad_out, x, W, b)``: N = 2, D = 3."""
    x = np.array([[1.0, -1.0, 2.0], [0.5, 2.0, -1.5]])
    W = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5], [-0.25, 1.0, 1.5]])
    b = np.array([0.1, -0.2, 0.3])
    grad_out = np.array([[1.0, 2.0, -1.0], [-0.5, 1.0, 2.0]])
    judge_residual_backward(fn, grad_out, x, W, b)
    core.passed("residual_backward", "on N = 2, D = 3 (the skip connection and the layer path)")


def _residual_expected(grad_out, x, W, b):
    """(grad_x, grad_W, grad_b) of y = x + relu(x @ W + b), ReLU's derivative 0 at 0."""
    z = x @ W + b
    gz = grad_out * (z > 0)
    return grad_out + gz @ W.T, x.T @ gz, gz.sum(axis=0)


def judge_residual_backward(fn, grad_out, x, W, b):
    """Run ``residual_backward`` on one case and name any mistake; return (grad_x, grad_W, grad_b)."""
    n = x.shape[0]
    ex, eW, eb = _residual_expected(grad_out, x, W, b)
    got = guard.call(fn, grad_out, x, W, b, name="residual_backward", unchanged=("grad_out", "x", "W", "b"))
    got = _as_sequence("residual_backward", got, "a tuple (grad_x, grad_W, grad_b)")
    if len(got) != 3:
        fail(f"`residual_backward` returned {len(got)} values; expected 3: (grad_x, grad_W, grad_b).")
    gx, gW, gb = (core.as_answer(k, v) for k, v in zip(("grad_x", "grad_W", "grad_b"), got))
    z = x @ W + b
    _explain_residual(gx, gW, gb, grad_out, x, W, z, ex, eW, eb)
    core.check_close("grad_x", gx, ex, factors={"N (the batch size)": n},
                     hint="grad_x is the sum of what reaches x along each of the block's paths.")
    core.check_close("grad_W", gW, eW, factors={"N (the batch size)": n})
    core.check_close("grad_b", gb, eb, factors={"N (the batch size)": n})
    return gx, gW, gb


def _explain_residual(gx, gW, gb, grad_out, x, W, z, ex, eW, eb):
    layer_only = (grad_out * (z > 0)) @ W.T
    no_bias = (x @ W) > 0
    if not np.array_equal(no_bias, z > 0) and not np.array_equal(no_bias, z >= 0):
        gate = grad_out * no_bias
        if ((not core.close(gx, ex) and core.close(gx, grad_out + gate @ W.T))
                or (not core.close(gW, eW) and core.close(gW, x.T @ gate))
                or (not core.close(gb, eb) and core.close(gb, gate.sum(axis=0)))):
            fail("the ReLU gate is taken from x @ W without the bias: the ReLU's input is "
                 "z = x @ W + b, and the gate must open exactly where that z is positive.")
    if not core.close(gx, ex):
        if core.close(gx, layer_only):
            fail(
                "`grad_x` holds only the gradient that comes back through the layer "
                "(Linear then ReLU): the skip connection's gradient is missing. In "
                "y = x + f(x), x also reaches y directly."
            )
        if core.close(gx, grad_out):
            fail(
                "`grad_x` holds only the skip connection's gradient: the gradient that flows "
                "back through the layer path f(x) (ReLU, then Linear) is missing."
            )
        if core.close(gx, grad_out + grad_out @ W.T):
            fail(
                "`grad_x` ignores the ReLU: the gradient on the layer path must be stopped "
                "wherever the ReLU was inactive in the forward pass."
            )
        if core.close(gx, grad_out + (grad_out * (z >= 0)) @ W.T):
            fail(
                "`grad_x` is wrong only where z = x @ W + b is exactly 0. This course takes "
                "ReLU's derivative at 0 to be 0 (as `mlp.ReLU` and PyTorch do)."
            )
        if core.close(gx, grad_out + (grad_out * (z > 0)) @ W):
            fail("`grad_x` uses W where its transpose belongs: check the shapes of the matrix product "
                 "on the layer path (it maps a gradient of the output back to the input).")
    if not core.close(gW, eW):
        if core.close(gW, x.T @ grad_out):
            fail("`grad_W` ignores the ReLU: W's gradient must only count the entries where the "
                 "ReLU let the signal through.")
        if core.close(gW, x.T @ (grad_out * (z >= 0))):
            fail("`grad_W` is wrong only where z is exactly 0: this course takes ReLU's "
                 "derivative at 0 to be 0.")
        if core.close(gW, eW + x.T @ grad_out) or core.close(gW, x.T @ (ex * (z > 0))):
            fail("`grad_W` also counts the skip connection: the identity path has no weights, so "
                 "only the gradient that passes through the layer reaches W.")
    if not core.close(gb, eb) and core.close(gb, grad_out.sum(axis=0)):
        fail("`grad_b` ignores the ReLU: b's gradient must only count the entries where the "
             "ReLU let the signal through.")


# --------------------------------------------------------------------------- conv1d


def conv1d_backward(fn):
    """Visible check of ``conv1d_backward(grad_out, x, w)``: N = 2, T = 6, K = 3."""
    x = np.array([[1.0, 2.0, -1.0, 0.5, 3.0, -2.0],
                  [0.0, -1.0, 2.0, 1.0, -0.5, 1.5]])
    w = np.array([0.5, -1.0, 2.0])
    grad_out = np.array([[1.0, -1.0, 0.5, 2.0], [-2.0, 0.5, 1.0, 1.0]])
    judge_conv1d_backward(fn, grad_out, x, w)
    core.passed("conv1d_backward", "on N = 2, T = 6, K = 3 (the shared kernel's gradient sums over its uses)")


def _conv_expected(grad_out, x, w, *, assign=False, flip=False):
    """The reference backward of the valid 1-D convolution; ``assign``/``flip`` give two classic mistakes."""
    k, p = len(w), grad_out.shape[1]
    kernel = w[::-1] if flip else w
    dx, dw = np.zeros(x.shape), np.zeros(k)
    for i in range(p):
        g = grad_out[:, i:i + 1]
        if assign:
            dx[:, i:i + k] = g * kernel
            dw = (g * x[:, i:i + k]).sum(axis=0)
        else:
            dx[:, i:i + k] += g * kernel
            dw += (g * x[:, i:i + k]).sum(axis=0)
    return dx, dw


def judge_conv1d_backward(fn, grad_out, x, w):
    """Run ``conv1d_backward`` on one case and name any mistake; return (grad_x, grad_w)."""
    n = x.shape[0]
    k, p = len(w), grad_out.shape[1]
    ex, ew = _conv_expected(grad_out, x, w)
    got = guard.call(fn, grad_out, x, w, name="conv1d_backward", unchanged=("grad_out", "x", "w"))
    got = _as_sequence("conv1d_backward", got, "a tuple (grad_x, grad_w)")
    if len(got) != 2:
        fail(f"`conv1d_backward` returned {len(got)} values; expected 2: (grad_x, grad_w).")
    gx = core.as_answer("grad_x", got[0])
    gw = core.as_answer("grad_w", got[1])
    _explain_conv(gx, gw, grad_out, x, w, ex, ew)
    core.check_close("grad_w", gw, ew,
                     factors={"N (the batch size)": n, "the number of positions": p},
                     hint="the kernel is used at every position of every example.")
    core.check_close("grad_x", gx, ex, factors={"K (the kernel size)": k},
                     hint="each input entry is read by several windows of the kernel.")
    return gx, gw


def _explain_conv(gx, gw, grad_out, x, w, ex, ew):
    k, p = len(w), grad_out.shape[1]
    if not core.close(gw, ew):
        _, aw = _conv_expected(grad_out, x, w, assign=True)
        first = (grad_out[:, :1] * x[:, :k]).sum(axis=0)
        if core.close(gw, aw):
            fail(
                f"`grad_w` holds the contribution of only the last use of the kernel (position "
                f"{p - 1}): it was assigned instead of accumulated. The same weights are used at "
                f"all {p} positions, and every use adds to their gradient."
            )
        if core.close(gw, first):
            fail(
                "`grad_w` holds the contribution of only the first use of the kernel (position 0). "
                f"The same weights are used at all {p} positions, and every use adds to their gradient."
            )
        if core.close(gw, ew[::-1]):
            fail("`grad_w` is reversed: the kernel is flipped. In the forward pass w[0] multiplies "
                 "the left end of each window; its gradient must be collected in the same order.")
        per_example = [(grad_out[i:i + 1, j:j + 1] * x[i:i + 1, j:j + k]).sum(axis=0)
                       for i in (0, x.shape[0] - 1) for j in (0, p - 1)]
        if any(core.close(gw, c) for c in per_example) and p * x.shape[0] > 1:
            fail("`grad_w` holds the contribution of a single use of the kernel: its gradient "
                 "must be accumulated over all positions and all examples.")
    if not core.close(gx, ex):
        ax, _ = _conv_expected(grad_out, x, w, assign=True)
        fx, _ = _conv_expected(grad_out, x, w, flip=True)
        nx, _ = _conv_expected(grad_out, x, np.ones_like(w))
        if core.close(gx, nx):
            fail("`grad_x` leaves the kernel out: each window passes grad_out back to the inputs it read, "
                 "each one weighted by the kernel entry that multiplied it.")
        if core.close(gx, ax):
            fail(
                "`grad_x` was assigned instead of accumulated: where two windows overlap, an "
                "input entry is used by several positions, and only the last use survived an "
                "`=`; each use must add its share."
            )
        if core.close(gx, fx):
            fail("`grad_x` uses the kernel flipped: the entry x[n, i + k] was multiplied by w[k] "
                 "in the forward pass, and the same w[k] carries its gradient back.")
