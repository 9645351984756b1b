"""Hidden checks for chapter 6: branch, merge and parameter sharing.

Random shapes and seeds, a batch of one, widths and kernels of length 1, a
kernel as long as the input, entries of z exactly at ReLU's kink, and central
differences in float64.  Each case is judged by the visible module's
``judge_*`` functions, so the feedback names the same mistakes.
"""

import numpy as np

from checks import ch6_branch_merge as visible
from checks import core
from checks.core import fail
from mlp.gradcheck import numerical_gradient


def _agrees(got, numeric):
    return core.close(got, numeric, rtol=1e-5, atol=1e-7)


def merge_backward(fn):
    """Hidden check of ``merge_backward``: one to four inputs, widths of 1, a batch of one, finite differences."""
    rng = np.random.default_rng(6061)
    for n, widths in [(1, [3, 1]), (4, [1, 2, 3]), (2, [5, 5]), (3, [2, 1, 1, 4]), (5, [7])]:
        grad_out = rng.standard_normal((n, sum(widths)))
        pieces = visible.judge_merge_backward(fn, grad_out, widths)
        _merge_finite_differences(pieces, grad_out, widths)
    core.passed("merge_backward", "the hidden tests: 1 to 4 inputs, widths of 1, a batch of one, finite differences")


def _merge_finite_differences(pieces, grad_out, widths):
    """The pieces must be the gradient of sum(grad_out * concat(xs)) by central differences."""
    rng = np.random.default_rng(6065)
    xs = [rng.standard_normal((grad_out.shape[0], w)) for w in widths]
    for i in range(len(widths)):
        def loss(xi, i=i):
            parts = [xi if j == i else xs[j] for j in range(len(xs))]
            return np.sum(grad_out * np.concatenate(parts, axis=1))

        if not _agrees(pieces[i], numerical_gradient(loss, xs[i])):
            fail(
                f"piece {i} of `merge_backward` disagrees with finite differences of the merged "
                "output: check which columns of grad_out belong to which input."
            )


def branch_backward(fn):
    """Hidden check of ``branch_backward``: one to five copies, a batch of one, 3-D shapes, finite differences."""
    rng = np.random.default_rng(6062)
    fd_rng = np.random.default_rng(6066)
    for n, shape in [(2, (1, 4)), (4, (3, 2)), (1, (2, 3)), (5, (2, 2, 3)), (3, (6,))]:
        grads = [rng.standard_normal(shape) for _ in range(n)]
        got = visible.judge_branch_backward(fn, grads)
        x = fd_rng.standard_normal(shape)
        numeric = numerical_gradient(lambda z: sum(np.sum(g * z) for g in grads), x)
        if not _agrees(got, numeric):
            fail("`branch_backward` disagrees with finite differences of the branched loss.")
    core.passed("branch_backward", "the hidden tests: 1 to 5 copies, a batch of one, 3-D shapes, finite differences")


def _residual_forward(x, W, b):
    return x + np.maximum(x @ W + b, 0)


def residual_backward(fn):
    """Hidden check of ``residual_backward``: random shapes, a batch of one, D = 1, z exactly 0, finite differences."""
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
    for grad_out, x, W, b in cases:
        got = visible.judge_residual_backward(fn, grad_out, x, W, b)
        _residual_finite_differences(got, grad_out, x, W, b)
    core.passed("residual_backward", "the hidden tests: random shapes, a batch of one, D = 1, z exactly 0, "
                "finite differences")


def _residual_finite_differences(got, grad_out, x, W, b):
    if np.any(np.abs(x @ W + b) < 1e-5):
        return  # finite differences straddle ReLU's kink there; the exact check decides
    numeric = (
        numerical_gradient(lambda v: np.sum(grad_out * _residual_forward(v, W, b)), x),
        numerical_gradient(lambda v: np.sum(grad_out * _residual_forward(x, v, b)), W),
        numerical_gradient(lambda v: np.sum(grad_out * _residual_forward(x, W, v)), b),
    )
    for name, g, num in zip(("grad_x", "grad_W", "grad_b"), got, numeric):
        if not _agrees(g, num):
            fail(f"`{name}` disagrees with finite differences of the residual block.")


def _conv1d_forward(x, w):
    """Valid 1-D cross-correlation: y[n, i] = sum_k w[k] x[n, i + k]; (N, T), (K,) -> (N, T-K+1)."""
    k, p = len(w), x.shape[1] - len(w) + 1
    return np.stack([x[:, i:i + k] @ w for i in range(p)], axis=1)


def conv1d_backward(fn):
    """Hidden check of ``conv1d_backward``: a batch of one, K = 1, K = L, random sizes, finite differences."""
    rng = np.random.default_rng(6064)
    for n, length, k in [(1, 7, 3), (3, 5, 1), (2, 4, 4), (4, 9, 2), (2, 8, 5)]:
        x = rng.standard_normal((n, length))
        w = rng.standard_normal(k)
        grad_out = rng.standard_normal((n, length - k + 1))
        gx, gw = visible.judge_conv1d_backward(fn, grad_out, x, w)
        nx = numerical_gradient(lambda v: np.sum(grad_out * _conv1d_forward(v, w)), x)
        nw = numerical_gradient(lambda v: np.sum(grad_out * _conv1d_forward(x, v)), w)
        if not (_agrees(gx, nx) and _agrees(gw, nw)):
            fail("`conv1d_backward` disagrees with finite differences of the convolution.")
    core.passed("conv1d_backward", "the hidden tests: a batch of one, K = 1, K = L, random sizes, "
                "finite differences")
