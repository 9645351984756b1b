"""Hidden checks for chapter 3, vector-Jacobian products.

Random shapes and seeds, scalars and length-1 axes, extreme inputs, and one
directional derivative per VJP (``mlp.gradcheck.check_vjp``).  Each case is
judged by the public ``judge_*`` functions of ``checks.ch3_vjps``, so a
mistake is named in the same words as in the visible check.
"""

import numpy as np

from checks import ch3_vjps as visible
from checks import core, guard
from mlp import gradcheck


def _directional(name, f, vjp, x, rng, what=""):
    """Fail unless <vjp(u), v> matches the directional derivative <u, J v> of ``f`` at ``x``."""
    err = gradcheck.check_vjp(f, vjp, x, rng=rng)
    if err > 1e-6:
        core.fail(f"`{name}`{what} disagrees with finite differences: for random u and v, <vjp(u), v> and "
                  f"the directional derivative <u, J v> differ by a relative error of {err:.2g} (a correct "
                  "float64 VJP gives about 1e-9).")


def _directional_pair(name, fn, f, x, y, rng, labels, allow=()):
    """The directional check for both gradients of a two-input primitive ``f(x, y)``."""
    def grads(u):
        return core.pair(name, guard.call(fn, u, x, y, name=name, allow=allow), *labels)

    _directional(name, lambda a: f(a, y), lambda u: grads(u)[0], x, rng, f" (its {labels[0]})")
    _directional(name, lambda b: f(x, b), lambda u: grads(u)[1], y, rng, f" (its {labels[1]})")


def jacobian_entries(fn):
    """Hidden check of ``jacobian_entries``: an empty list, scalars, length-1 shapes, random shapes."""
    rng = np.random.default_rng(313)
    cases = [[], [((), ())], [((1,), (1,))], [((5, 4, 3), (2,)), ((7,), (6, 1))]]
    for _ in range(3):
        cases.append([(tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(0, 3))),
                       tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(1, 4))))
                      for _ in range(rng.integers(1, 5))])
    for case in cases:
        visible.judge_jacobian_entries(fn, case)
    core.passed("jacobian_entries", "on an empty list, scalars and random shapes")


def vjp_exp_log(vjp_exp, vjp_log):
    """Hidden check of ``vjp_exp`` and ``vjp_log``: random shapes, a 0-d array, tiny and huge x, finite differences."""
    rng = np.random.default_rng(303)
    for shape in [(1,), (4, 3), (2, 3, 2), ()]:
        x, g = np.asarray(rng.uniform(0.5, 2.0, size=shape)), np.asarray(rng.standard_normal(shape))
        visible.judge_vjp_exp(vjp_exp, g, x)
        visible.judge_vjp_log(vjp_log, g, x)
    visible.judge_vjp_log(vjp_log, np.ones(2), np.array([1e-8, 1e8]))
    x = rng.uniform(0.5, 2.0, size=(3, 4))
    _directional("vjp_exp", np.exp, lambda u: core.as_answer("vjp_exp", guard.call(vjp_exp, u, x, name="vjp_exp")),
                 x, rng)
    _directional("vjp_log", np.log, lambda u: core.as_answer("vjp_log", guard.call(vjp_log, u, x, name="vjp_log")),
                 x, rng)
    core.passed("vjp_exp and vjp_log", "on random shapes, tiny and huge x and against finite differences")


def unbroadcast(fn):
    """Hidden check of ``unbroadcast``: several leading axes, stretched middle axes, scalars, random shapes."""
    rng = np.random.default_rng(331)
    cases = [((4, 3, 5), (5,)), ((4, 3, 5), (3, 1)), ((4, 3, 5), (1, 3, 5)), ((4, 3, 5), (4, 1, 1)),
             ((4, 3, 5), ()), ((3, 4), (1, 1)), ((2, 3, 4), (1, 4)), ((5,), (1,)), ((1, 6), (6,)),
             ((2, 1, 3), (1, 3))]
    for _ in range(4):  # stretch some axes of a random operand and prepend others
        shape = tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 4)))
        stretched = tuple(n if rng.random() < 0.5 else 1 for n in shape)
        lead = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(0, 3)))
        cases.append((lead + shape, stretched))
    for g_shape, shape in cases:
        visible.judge_unbroadcast(fn, rng.standard_normal(g_shape), shape)
    core.passed("unbroadcast", "on random shapes, scalars and length-1 axes")


def vjp_mul(fn):
    """Hidden check of ``vjp_mul``: broadcasting both ways, a scalar operand, random shapes, finite differences."""
    rng = np.random.default_rng(305)
    cases = [((4, 3), (4, 3)), ((3,), (4, 3)), ((4, 1), (1, 5)), ((2, 3, 4), (3, 1)), ((), (3, 2)),
             ((1, 1), (2, 2))]
    for _ in range(2):
        s = tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 4)))
        cases.append((s, tuple(n if rng.random() < 0.5 else 1 for n in s)))
    for xs, ys in cases:
        x, y = np.asarray(rng.standard_normal(xs)), np.asarray(rng.standard_normal(ys))
        visible.judge_vjp_mul(fn, rng.standard_normal(np.broadcast_shapes(xs, ys)), x, y)
    _directional_pair("vjp_mul", fn, lambda a, b: a * b, rng.standard_normal((3, 4)), rng.standard_normal(4),
                      rng, ("gx", "gy"), allow=visible.UNBROADCAST)
    core.passed("vjp_mul", "with broadcasting, scalars and finite differences")


def vjp_matmul(fn):
    """Hidden check of ``vjp_matmul``: random shapes, a batch of one, 1 x 1 factors, finite differences."""
    rng = np.random.default_rng(307)
    for n, k, m in [(5, 3, 2), (1, 4, 3), (3, 1, 1), (4, 4, 4), (2, 6, 1)]:
        A, B = rng.standard_normal((n, k)), rng.standard_normal((k, m))
        visible.judge_vjp_matmul(fn, rng.standard_normal((n, m)), A, B)
    _directional_pair("vjp_matmul", fn, lambda a, b: a @ b, rng.standard_normal((3, 5)),
                      rng.standard_normal((5, 2)), rng, ("gA", "gB"))
    core.passed("vjp_matmul", "on random shapes, a batch of one and finite differences")


def vjp_sum(fn):
    """Hidden check of ``vjp_sum``: axis=None, square arrays, 3-D arrays and negative axes."""
    rng = np.random.default_rng(309)
    for shape, axis in [((4, 3), None), ((3, 3), 1), ((3, 3), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((5,), 0),
                        ((1, 4), 0)]:
        x = rng.standard_normal(shape)
        g = np.asarray(rng.standard_normal(np.shape(x.sum(axis=axis))))
        visible.judge_vjp_sum(fn, g, x, axis)
    core.passed("vjp_sum", "for every axis, negative axes and axis=None")


def linear_jacobian_W(fn):
    """Hidden check of ``linear_jacobian_W``: random sizes, a batch of one, one output, finite differences."""
    rng = np.random.default_rng(311)
    for n, i, o in [(1, 3, 2), (4, 2, 3), (3, 1, 1), (2, 4, 4)]:
        visible.judge_linear_jacobian_W(fn, rng.standard_normal((n, i)), o)
    x, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    J = core.as_answer("linear_jacobian_W", guard.call(fn, x, 2, name="linear_jacobian_W"))
    core.check_close("linear_jacobian_W", J, gradcheck.numerical_jacobian(lambda w: x @ w, W), atol=1e-7,
                     hint="compare your Jacobian with finite differences of Z = x @ W in each entry of W.")
    core.passed("linear_jacobian_W", "on random shapes, a batch of one and finite differences")
