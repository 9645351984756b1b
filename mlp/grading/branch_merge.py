"""Checks for chapter 6: branch, merge and parameter sharing.

Each check computes the expected answer with plain numpy, calls the student's
function through ``guard.call``, then tries the chapter's typical mistakes
(pieces split along the wrong axis or returned in the wrong order, one copy's
gradient kept instead of the sum, the skip connection forgotten, a shared
kernel's gradient assigned instead of accumulated, a flipped kernel) before
the generic comparison of ``core.check_close``.
"""

import numpy as np

from mlp.gradcheck import numerical_gradient

from . import core, guard
from .core import fail


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


def _merge_cases(hidden):
    if not hidden:
        grad_out = np.array([[1.0, -2.0, 3.0, 0.5, -1.0, 2.0],
                             [0.0, 4.0, -3.0, 1.5, 2.5, -0.5],
                             [2.0, 1.0, -1.0, -2.0, 0.25, 3.0]])
        return [(grad_out, [2, 4])]
    rng = np.random.default_rng(6061)
    cases = []
    for n, widths in [(1, [3, 1]), (4, [1, 2, 3]), (2, [5, 5]), (3, [2, 1, 1, 4]), (5, [7])]:
        cases.append((rng.standard_normal((n, sum(widths))), widths))
    return cases


def merge_backward(fn, hidden=False):
    """Check ``merge_backward(grad_out, widths)`` -> list of (N, w_i) pieces."""
    for grad_out, widths in _merge_cases(hidden):
        n = grad_out.shape[0]
        cuts = np.cumsum(widths)[:-1]
        expected = [p.copy() for p in np.split(grad_out, cuts, axis=1)]
        widths_before = list(widths)
        got = guard.call(fn, grad_out, list(widths), name="merge_backward", unchanged=("grad_out",))
        pieces = _as_sequence("merge_backward", got, f"a list of {len(widths)} arrays, one per merged input")
        if len(pieces) != len(widths):
            fail(
                f"`merge_backward` returned {len(pieces)} pieces for widths {widths_before}: "
                f"expected {len(widths)}, one gradient per input that was merged."
            )
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
        if hidden:
            _merge_finite_differences(pieces, grad_out, widths)
    core.passed("merge_backward", "(the gradient is cut back into one piece per input)")


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


def _merge_finite_differences(pieces, grad_out, widths):
    """The pieces must be the gradient of sum(grad_out * concat(xs)) by central differences."""
    rng = np.random.default_rng(7)
    n = grad_out.shape[0]
    xs = [rng.standard_normal((n, w)) for w in widths]
    for i in range(len(widths)):
        def loss(xi, i=i):
            parts = [xi if j == i else xs[j] for j in range(len(xs))]
            return np.sum(grad_out * np.concatenate(parts, axis=1))

        numeric = numerical_gradient(loss, xs[i])
        if not core.close(pieces[i], numeric, rtol=1e-5, atol=1e-7):
            fail(
                f"piece {i} of `merge_backward` disagrees with finite differences of the merged "
                "output: check which columns of grad_out belong to which input."
            )


# --------------------------------------------------------------------------- branch


def _branch_cases(hidden):
    if not hidden:
        grads = [np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]]),
                 np.array([[-2.0, 1.0, 4.0], [1.0, 1.0, -1.0]]),
                 np.array([[0.5, -3.0, 2.0], [2.0, -0.5, 0.0]])]
        return [grads]
    rng = np.random.default_rng(6062)
    cases = []
    for n, shape in [(2, (1, 4)), (4, (3, 2)), (1, (2, 3)), (5, (2, 2, 3)), (3, (6,))]:
        cases.append([rng.standard_normal(shape) for _ in range(n)])
    return cases


def branch_backward(fn, hidden=False):
    """Check ``branch_backward(grads)`` -> one array of the branched input's shape."""
    for grads in _branch_cases(hidden):
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
        if hidden:
            rng = np.random.default_rng(8)
            x = rng.standard_normal(shape)
            numeric = numerical_gradient(lambda z: sum(np.sum(g * z) for g in grads), x)
            if not core.close(got, numeric, rtol=1e-5, atol=1e-7):
                fail("`branch_backward` disagrees with finite differences of the branched loss.")
    core.passed("branch_backward", "(the copies' gradients are combined)")


# --------------------------------------------------------------------------- residual


def _residual_forward(x, W, b):
    return x + np.maximum(x @ W + b, 0)


def _residual_expected(grad_out, x, W, b):
    z = x @ W + b
    gz = grad_out * (z > 0)
    return grad_out + gz @ W.T, x.T @ gz, gz.sum(axis=0)


def _residual_cases(hidden):
    if not hidden:
        x = np.array([[1.0, -1.0, 2.0], [0.5, 2.0, -1.5]])
        W = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5], [-0.25, 1.0, 1.5]])
        b = np.array([0.1, -0.2, 0.3])
        grad_out = np.array([[1.0, 2.0, -1.0], [-0.5, 1.0, 2.0]])
        return [(grad_out, x, W, b)]
    rng = np.random.default_rng(6063)
    cases = []
    for n, d in [(1, 3), (4, 2), (3, 5), (2, 1)]:
        cases.append((rng.standard_normal((n, d)), rng.standard_normal((n, d)),
                      rng.standard_normal((d, d)), rng.standard_normal(d)))
    # ReLU at exactly 0: integers make z = x @ W + b exact, and b cancels some entries.
    x = np.array([[1.0, 2.0], [-1.0, 3.0], [2.0, -2.0]])
    W = np.array([[1.0, -1.0], [2.0, 1.0]])
    b = np.array([-5.0, 0.0])  # z = [[0, 1], [0, 4], [-7, -4]]: two entries are exactly 0
    cases.append((rng.standard_normal((3, 2)), x, W, b))
    return cases


def residual_backward(fn, hidden=False):
    """Check ``residual_backward(grad_out, x, W, b)`` -> (grad_x, grad_W, grad_b)."""
    for grad_out, x, W, b in _residual_cases(hidden):
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
        if hidden:
            _residual_finite_differences(gx, gW, gb, grad_out, x, W, b)
    core.passed("residual_backward", "(gradients through the skip connection and the layer path)")


def _explain_residual(gx, gW, gb, grad_out, x, W, z, ex, eW, eb):
    layer_only = (grad_out * (z > 0)) @ W.T
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


def _residual_finite_differences(gx, gW, gb, grad_out, x, W, b):
    checks = {
        "grad_x": (gx, numerical_gradient(lambda v: np.sum(grad_out * _residual_forward(v, W, b)), x)),
        "grad_W": (gW, numerical_gradient(lambda v: np.sum(grad_out * _residual_forward(x, v, b)), W)),
        "grad_b": (gb, numerical_gradient(lambda v: np.sum(grad_out * _residual_forward(x, W, v)), b)),
    }
    z = x @ W + b
    if np.any(np.abs(z) < 1e-5):
        return  # finite differences straddle ReLU's kink there; the exact check above decides
    for name, (got, numeric) in checks.items():
        if not core.close(got, numeric, rtol=1e-5, atol=1e-7):
            fail(f"`{name}` disagrees with finite differences of the residual block.")


# --------------------------------------------------------------------------- conv1d


def conv1d_forward(x, w):
    """Valid 1-D cross-correlation: y[n, i] = sum_k w[k] x[n, i + k]; (N, L), (K,) -> (N, L-K+1)."""
    k, p = len(w), x.shape[1] - len(w) + 1
    y = np.zeros((x.shape[0], p))
    for i in range(p):
        y[:, i] = x[:, i:i + k] @ w
    return y


def _conv_expected(grad_out, x, w, *, assign=False, flip=False):
    """The reference backward; ``assign``/``flip`` give two classic mistakes."""
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


def _conv_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0, -1.0, 0.5, 3.0, -2.0],
                      [0.0, -1.0, 2.0, 1.0, -0.5, 1.5]])
        w = np.array([0.5, -1.0, 2.0])
        grad_out = np.array([[1.0, -1.0, 0.5, 2.0], [-2.0, 0.5, 1.0, 1.0]])
        return [(grad_out, x, w)]
    rng = np.random.default_rng(6064)
    cases = []
    for n, length, k in [(1, 7, 3), (3, 5, 1), (2, 4, 4), (4, 9, 2), (2, 8, 5)]:
        x = rng.standard_normal((n, length))
        w = rng.standard_normal(k)
        cases.append((rng.standard_normal((n, length - k + 1)), x, w))
    return cases


def conv1d_backward(fn, hidden=False):
    """Check ``conv1d_backward(grad_out, x, w)`` -> (grad_x, grad_w)."""
    for grad_out, x, w in _conv_cases(hidden):
        n, length = x.shape
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
        if hidden:
            nx = numerical_gradient(lambda v: np.sum(grad_out * conv1d_forward(v, w)), x)
            nw = numerical_gradient(lambda v: np.sum(grad_out * conv1d_forward(x, v)), w)
            if not (core.close(gx, nx, rtol=1e-5, atol=1e-7) and core.close(gw, nw, rtol=1e-5, atol=1e-7)):
                fail("`conv1d_backward` disagrees with finite differences of the convolution.")
    core.passed("conv1d_backward", "(the shared kernel's gradient sums over all its uses)")


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
        if core.close(gx, ax):
            fail(
                "`grad_x` was assigned instead of accumulated: where two windows overlap, an "
                "input entry is used by several positions, and only the last use survived an "
                "`=`; each use must add its share."
            )
        if core.close(gx, fx):
            fail("`grad_x` uses the kernel flipped: the entry x[n, i + k] was multiplied by w[k] "
                 "in the forward pass, and the same w[k] carries its gradient back.")
