"""Checks for chapter 3, vector-Jacobian products.

Every check computes the expected answer first (with numpy, or from the
reference in ``mlp.vjps``), then calls the student's function through
``guard.call``, tries this chapter's typical mistakes, and ends with the
generic comparison of ``core.check_close``.  Messages name the mistake; they
never state the formula.
"""

from math import prod

import numpy as np

from mlp import vjps

from . import core, guard

# A VJP may use the reference ``unbroadcast`` once its own exercise is done:
# a slip there should not cost the points of every later exercise again.
_UNBROADCAST = ("mlp.vjps.unbroadcast",)


def _rng(seed):
    return np.random.default_rng(seed)


def _call_checked(fn, args, name, labels=("g", "x", "y"), allow=()):
    """Call ``fn(*args)`` and fail if it modified any of its array arguments."""
    return guard.call(fn, *args, name=name, allow=allow, unchanged=labels)


def _not_reference(err):
    return not isinstance(err, guard.UsedReference)


def _pair(name, got):
    """Split a returned pair of gradients, or explain why it is not one."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        core.fail(f"`{name}` should return a pair of gradients, one per input (a tuple of two arrays), "
                  f"got {type(got).__name__}{'' if not isinstance(got, (tuple, list)) else ' of length ' + str(len(got))}.")
    return got


# --- unbroadcast ---------------------------------------------------------------------------

_UNBROADCAST_VISIBLE = [((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3), (2, 3))]


def _unbroadcast_cases(hidden):
    if not hidden:
        rng = _rng(0)
        return [(rng.standard_normal(gs).round(1), s) for gs, s in _UNBROADCAST_VISIBLE]
    rng = _rng(31)
    cases = [((4, 3, 5), (5,)), ((4, 3, 5), (3, 1)), ((4, 3, 5), (1, 3, 5)), ((4, 3, 5), (4, 1, 1)),
             ((4, 3, 5), ()), ((3, 4), (1, 1)), ((2, 3, 4), (1, 4)), ((5,), (1,)), ((1, 6), (6,)),
             ((2, 1, 3), (1, 3))]
    for _ in range(4):  # random: stretch some axes of a random operand and prepend others
        shape = tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 4)))
        stretched = tuple(n if rng.random() < 0.5 else 1 for n in shape)
        lead = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(0, 3)))
        cases.append((lead + shape, stretched))
    return [(rng.standard_normal(gs), s) for gs, s in cases]


def unbroadcast(fn, hidden=False):
    """Check ``unbroadcast(g, shape)``: sum ``g`` back to the operand's ``shape``."""
    for g, shape in _unbroadcast_cases(hidden):
        expected = vjps.unbroadcast(g, shape)
        got = _call_checked(fn, (g, shape), "unbroadcast")
        where = f" (g of shape {g.shape}, shape={shape})"
        arr = core.as_answer("unbroadcast", got)
        if arr.shape != expected.shape:
            _unbroadcast_shape_mistakes(g, shape, arr, where)
        core.check_close("unbroadcast", arr, expected,
                         hint="each entry of the operand was copied into several entries of g; "
                              "its gradient collects all of those copies" + where)
    core.passed("unbroadcast", "on " + ("random shapes, scalars and length-1 axes" if hidden else "the visible cases"))


def _unbroadcast_shape_mistakes(g, shape, arr, where):
    extra = g.ndim - len(shape)
    leading_only = g.sum(axis=tuple(range(extra))) if extra > 0 else g
    if arr.shape == g.shape:
        core.fail(f"`unbroadcast` returned an array of the broadcast shape {g.shape}, not the operand's shape "
                  f"{tuple(shape)}{where}: the gradient of an operand must have the operand's shape, so sum "
                  "over the axes that broadcasting added in front, and over those where the operand had "
                  "length 1 and was stretched.")
    if leading_only.shape != tuple(shape) and arr.shape == leading_only.shape:
        core.fail(f"`unbroadcast` has shape {arr.shape}, expected {tuple(shape)}{where}: you summed the axes numpy "
                  "added in front, but not the axes where the operand had length 1 and was stretched.")
    if arr.size == prod(shape) and arr.shape != tuple(shape):
        core.fail(f"`unbroadcast` has shape {arr.shape}, expected {tuple(shape)}{where}: the right number of entries, "
                  "but the length-1 axes of `shape` are missing. Keep those axes when you sum over them.")
    core.check_shape("unbroadcast", arr, shape)


# --- exp and log -----------------------------------------------------------------------------

def vjp_exp_log(vjp_exp, vjp_log, hidden=False):
    """Check ``vjp_exp(g, x)`` and ``vjp_log(g, x)``: elementwise VJPs."""
    rng = _rng(3 if hidden else 0)
    shapes = [(3,)] if not hidden else [(1,), (4, 3), (2, 3, 2), ()]
    for shape in shapes:
        x, g = np.asarray(rng.uniform(0.5, 2.0, size=shape)), np.asarray(rng.standard_normal(shape))
        if not hidden:
            x, g = np.array([0.5, 1.0, 2.0]), np.array([1.0, -2.0, 0.5])
        for name, fn, local in (("vjp_exp", vjp_exp, np.exp(x)), ("vjp_log", vjp_log, 1.0 / x)):
            got = core.as_answer(name, _call_checked(fn, (g, x), name))
            expected = g * local
            core.check_shape(name, got, np.shape(x))
            if not np.allclose(got, expected) and np.allclose(got, local):
                core.fail(f"`{name}` ignores the incoming gradient `g`: it returns the local derivative alone. "
                          "A VJP pushes g backwards, so every entry must be scaled by its entry of g.")
            if name == "vjp_log" and not np.allclose(got, expected) and np.allclose(got, g * np.log(x)):
                core.fail("`vjp_log` multiplies g by the logarithm itself: the derivative of log is a "
                          "different function of x.")
            if name == "vjp_exp" and not np.allclose(got, expected) and np.allclose(got, g * x):
                core.fail("`vjp_exp` multiplies g by x: the derivative of exp is not x.")
            core.check_close(name, got, expected, hint="differentiate the primitive entry by entry and "
                             "multiply by g.")
    if hidden:  # large inputs: exp overflows to inf in forward and backward alike; log near 0 grows large
        x = np.array([1e-8, 1e8])
        got = core.as_answer("vjp_log", _call_checked(vjp_log, (np.ones(2), x), "vjp_log"))
        core.check_close("vjp_log", got, 1.0 / x, rtol=1e-6)
        _check_vjp_numerically("vjp_exp", vjp_exp, np.exp, rng)
        _check_vjp_numerically("vjp_log", vjp_log, np.log, rng)
    core.passed("vjp_exp and vjp_log", "" if not hidden else "on random shapes and against finite differences")


def _check_vjp_numerically(name, student, f, rng):
    """One directional derivative: <u, J v> by central differences against <vjp(u), v>."""
    x = rng.uniform(0.5, 2.0, size=(3, 4))
    u, v = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    eps = 1e-6
    numeric = float(np.sum(u * (f(x + eps * v) - f(x - eps * v))) / (2 * eps))
    analytic = float(np.sum(core.as_answer(name, guard.call(student, u, x.copy(), name=name)) * v))
    if abs(analytic - numeric) > 1e-6 * (abs(numeric) + 1):
        core.fail(f"`{name}` disagrees with finite differences: <vjp(u), v> = {analytic:.6g} but the "
                  f"directional derivative is {numeric:.6g}.")


# --- mul -------------------------------------------------------------------------------------

def vjp_mul(fn, hidden=False):
    """Check ``vjp_mul(g, x, y)`` -> ``(gx, gy)`` for ``x * y`` with broadcasting."""
    rng = _rng(5 if hidden else 0)
    if not hidden:
        cases = [((2, 3), (2, 3)), ((2, 3), (3,))]
    else:
        cases = [((4, 3), (4, 3)), ((3,), (4, 3)), ((4, 1), (1, 5)), ((2, 3, 4), (3, 1)), ((), (3, 2)),
                 ((1, 1), (2, 2))]
        for _ in range(2):
            s = tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 4)))
            cases.append((s, tuple(n if rng.random() < 0.5 else 1 for n in s)))
    for xs, ys in cases:
        x, y = np.asarray(rng.standard_normal(xs)), np.asarray(rng.standard_normal(ys))
        if not hidden:
            x, y = x.round(1), y.round(1)
        ans = x * y
        g = rng.standard_normal(ans.shape)
        ex = vjps.vjp("mul", 0)(g, ans, x, y)
        ey = vjps.vjp("mul", 1)(g, ans, x, y)
        got = _pair("vjp_mul", _call_checked(fn, (g, x, y), "vjp_mul", allow=_UNBROADCAST))
        gx, gy = core.as_answer("gx", got[0]), core.as_answer("gy", got[1])
        where = f" (x of shape {x.shape}, y of shape {y.shape})"
        swapped_x, swapped_y = g * x, g * y
        for label, arr, exp_, swap in (("gx", gx, ex, swapped_x), ("gy", gy, ey, swapped_y)):
            if arr.shape == swap.shape and np.allclose(arr, swap) and not np.allclose(swap, np.broadcast_to(exp_, swap.shape)):
                core.fail(f"`{label}` is g times its own input: x and y look swapped. Changing x by a little "
                          f"changes x * y by that little times the other factor{where}.")
            if arr.shape != np.shape(exp_) and arr.shape == ans.shape:
                core.fail(f"`{label}` has the broadcast shape {arr.shape}, not its operand's shape "
                          f"{np.shape(exp_)}{where}: an operand that broadcasting stretched needs its "
                          "gradient summed back to its own shape (that is what `unbroadcast` is for).")
            core.check_close(label, arr, exp_, hint="check each factor's gradient separately" + where)
    if hidden:
        x, y = rng.standard_normal((3, 4)), rng.standard_normal((4,))
        _numeric_pair("vjp_mul", fn, lambda a, b: a * b, x, y, rng, allow=_UNBROADCAST)
    core.passed("vjp_mul", "" if not hidden else "with broadcasting, scalars and finite differences")


def _numeric_pair(name, fn, f, x, y, rng, allow=()):
    """Directional-derivative check of both gradients of a two-input primitive."""
    eps = 1e-6
    u = rng.standard_normal(f(x, y).shape)
    vx, vy = rng.standard_normal(x.shape), rng.standard_normal(y.shape)
    gx, gy = _pair(name, guard.call(fn, u, x.copy(), y.copy(), name=name, allow=allow))
    for label, g_, num in (
        ("the first input", gx, np.sum(u * (f(x + eps * vx, y) - f(x - eps * vx, y))) / (2 * eps)),
        ("the second input", gy, np.sum(u * (f(x, y + eps * vy) - f(x, y - eps * vy))) / (2 * eps)),
    ):
        v = vx if label == "the first input" else vy
        ana = float(np.sum(core.as_answer(name, g_) * v))
        if abs(ana - num) > 1e-6 * (abs(num) + 1):
            core.fail(f"`{name}`: the gradient of {label} disagrees with finite differences "
                      f"({ana:.6g} against {num:.6g}).")


# --- matmul ----------------------------------------------------------------------------------

def vjp_matmul(fn, hidden=False):
    """Check ``vjp_matmul(g, A, B)`` -> ``(gA, gB)`` for ``A @ B`` (2-D)."""
    rng = _rng(7 if hidden else 0)
    shapes = [(2, 3, 4)] if not hidden else [(5, 3, 2), (1, 4, 3), (3, 1, 1), (4, 4, 4), (2, 6, 1)]
    for n, k, m in shapes:
        A, B = rng.standard_normal((n, k)), rng.standard_normal((k, m))
        if not hidden:
            A, B = A.round(1), B.round(1)
        g = rng.standard_normal((n, m))
        eA, eB = g @ B.T, A.T @ g
        where = f" (A of shape {A.shape}, B of shape {B.shape}, g of shape {g.shape})"
        try:
            got = _call_checked(fn, (g, A, B), "vjp_matmul", labels=("g", "A", "B"))
        except core.GradingError as err:
            if _not_reference(err) and ("matmul" in str(err) or "shapes" in str(err) or "aligned" in str(err)):
                core.fail(f"{err}\nThe shapes of a product did not line up{where}: write the shape of each "
                          "factor under it; the gradient of A has A's shape and that of B has B's shape.")
            raise
        gA, gB = (core.as_answer(label, a) for label, a in zip(("gA", "gB"), _pair("vjp_matmul", got)))
        for label, arr, exp_ in (("gA", gA, eA), ("gB", gB, eB)):
            if arr.shape == exp_.shape and not np.allclose(arr, exp_) and arr.shape[0] == arr.shape[1] \
                    and np.allclose(arr.T, exp_):
                core.fail(f"`{label}` holds the right numbers but transposed{where}: check which factor "
                          "is transposed and the order of the matrix product.")
            core.check_close(label, arr, exp_, hint="the gradient of each factor contracts g with the "
                             "other factor over the index that factor does not share" + where)
    if hidden:
        _numeric_pair("vjp_matmul", fn, lambda a, b: a @ b, rng.standard_normal((3, 5)),
                      rng.standard_normal((5, 2)), rng)
    core.passed("vjp_matmul", "" if not hidden else "on random shapes, a batch of one and finite differences")


# --- sum -------------------------------------------------------------------------------------

def vjp_sum(fn, hidden=False):
    """Check ``vjp_sum(g, x, axis)``: the gradient of ``x.sum(axis)`` (no keepdims)."""
    rng = _rng(9 if hidden else 0)
    cases = [((2, 3), 0), ((2, 3), 1)] if not hidden else [
        ((4, 3), None), ((3, 3), 1), ((3, 3), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((5,), 0), ((1, 4), 0)]
    for shape, axis in cases:
        x = rng.standard_normal(shape)
        g = np.asarray(rng.standard_normal(np.shape(x.sum(axis=axis))))
        if not hidden:
            g = np.arange(1.0, g.size + 1).reshape(g.shape)
        expected = vjps.vjp("sum", 0)(g, x.sum(axis=axis), x, axis=axis, keepdims=False)
        where = f" (x of shape {shape}, axis={axis})"
        try:
            got = core.as_answer("vjp_sum", _call_checked(fn, (g, x, axis), "vjp_sum"))
        except core.GradingError as err:
            if _not_reference(err) and "broadcast" in str(err):
                core.fail(f"{err}\nThe summed axis is gone from g{where}. numpy lines shapes up from the "
                          "right, so g needs that axis back, with length 1, before it can be stretched "
                          "to x's shape.")
            raise
        if got.shape != x.shape:
            core.fail(f"`vjp_sum` has shape {got.shape}, expected x's shape {x.shape}{where}: every entry of x "
                      "took part in the sum, so every entry of x gets a gradient; spread g back over the "
                      "summed axis.")
        if axis is not None and g.ndim == 1 and x.ndim == 2 and x.shape[0] == x.shape[1] \
                and not np.allclose(got, expected) and np.allclose(got, np.broadcast_to(g, x.shape)):
            core.fail("`vjp_sum` spreads g along the wrong axis" + where + ": numpy matched g with the "
                      "last axis of x. Put the summed axis back explicitly before stretching.")
        core.check_close("vjp_sum", got, expected, factors={"the number of summed entries": x.size // g.size},
                         hint="each summand receives the gradient of the sum it "
                         "took part in" + where)
    core.passed("vjp_sum", "" if not hidden else "for every axis, negative axes and axis=None")


# --- the Jacobian of a linear map, and v @ J -------------------------------------------------

def linear_jacobian_W(fn, hidden=False):
    """Check ``linear_jacobian_W(x, out)``: the Jacobian of ``Z = x @ W`` with respect to ``W``."""
    rng = _rng(11 if hidden else 0)
    shapes = [(2, 3, 2)] if not hidden else [(1, 3, 2), (4, 2, 3), (3, 1, 1), (2, 4, 4)]
    for n, i, o in shapes:
        x = rng.standard_normal((n, i)).round(1 if not hidden else 8)
        expected = np.einsum("ni,jk->njik", x, np.eye(o))
        where = f" (x of shape {x.shape}, out={o})"
        got = core.as_answer("linear_jacobian_W", _call_checked(fn, (x, o), "linear_jacobian_W", labels=("x",)))
        if got.shape != expected.shape:
            core.fail(f"`linear_jacobian_W` has shape {got.shape}, expected {expected.shape}{where}: a Jacobian "
                      "has the output's shape (N, out) followed by the shape of the variable, W (in, out).")
        no_delta = np.broadcast_to(x[:, None, :, None], expected.shape)
        if np.allclose(got, no_delta) and o > 1:
            core.fail(f"`linear_jacobian_W` is nonzero where it must be zero{where}: Z[n, j] uses only "
                      "column j of W, so its derivative with respect to any other column vanishes.")
        core.check_close("linear_jacobian_W", got, expected,
                         hint="entry [n, j, i, k] asks how Z[n, j] moves when W[i, k] moves" + where)
    if hidden:  # against central differences of the forward pass
        x, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
        J = core.as_answer("linear_jacobian_W", guard.call(fn, x.copy(), 2, name="linear_jacobian_W"))
        eps, k = 1e-6, (2, 1)
        dW = np.zeros_like(W)
        dW[k] = eps
        col = ((x @ (W + dW)) - (x @ (W - dW))) / (2 * eps)
        core.check_close("linear_jacobian_W", J[:, :, k[0], k[1]], col, rtol=1e-6, atol=1e-8,
                         hint="compare one slice J[:, :, i, k] with a finite difference of Z in W[i, k].")
    core.passed("linear_jacobian_W", "" if not hidden else "on random shapes, a batch of one and finite differences")


# --- counting Jacobian entries ---------------------------------------------------------------

APPENDIX_D_TOTAL = 3710
_ONE_PATH = 3110  # the 4 Jacobians on one path from W1 to the loss


def jacobian_entries(fn, edges=None, hidden=False):
    """Check ``jacobian_entries(edges)`` and, if given, the student's list for the seed's network."""
    rng = _rng(13 if hidden else 0)
    cases = [[((), (10, 1))], [((3, 2), (4,))], [((2,), (2,)), ((), (2,))]] if not hidden else [
        [], [((), ())], [((1,), (1,))], [((5, 4, 3), (2,)), ((7,), (6, 1))]]
    if hidden:
        for _ in range(3):
            cases.append([(tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(0, 3))),
                           tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(1, 4))))
                          for _ in range(rng.integers(1, 5))])
    for case in cases:
        expected = sum(prod(out) * prod(inp) for out, inp in case)
        got = core.as_answer("jacobian_entries", _call_checked(fn, (list(case),), "jacobian_entries", labels=()))
        if got.size != 1:
            core.fail(f"`jacobian_entries` should return one number (the total), got shape {got.shape}.")
        got = float(got.reshape(()))
        if got != expected:
            added = sum(prod(out) + prod(inp) for out, inp in case)
            outs = sum(prod(out) for out, _ in case)
            msg = f"`jacobian_entries` gives {got:g} for {case}, expected {expected:g}: "
            if got == added:
                core.fail(msg + "the number of entries of one Jacobian is not a sum of the two sizes. "
                          "Every output entry has one partial derivative per input entry.")
            if got == outs or got == sum(prod(inp) for _, inp in case):
                core.fail(msg + "a Jacobian depends on the size of the output and of the input, you used one.")
            if got == sum(len(out) * len(inp) for out, inp in case) or got == sum(
                    len(out) + len(inp) for out, inp in case):
                core.fail(msg + "count entries (the product of a shape's lengths), not axes.")
            core.fail(msg + "count the entries of each Jacobian, then add them up.")
    if edges is not None:
        total = float(core.as_answer("jacobian_entries", _call_checked(fn, (list(edges),), "jacobian_entries", labels=())))
        if total == _ONE_PATH:
            core.fail(f"your list of Jacobians for the seed's network gives {total:g} entries: that is one path "
                      "from W1 to the loss. W1 reaches the loss along two paths, through Z3 and through Z4.")
        if total != APPENDIX_D_TOTAL:
            core.fail(f"your list of Jacobians for the seed's network gives {total:g} entries, "
                      f"not {APPENDIX_D_TOTAL}: compare each (output shape, input shape) pair with the "
                      "shapes in the table.")
    core.passed("jacobian_entries", "" if not hidden else "on empty lists, scalars and random shapes")
