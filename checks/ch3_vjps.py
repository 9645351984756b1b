"""Visible checks for chapter 3, vector-Jacobian products.

One check per exercise, each on a small fixed case.  The ``judge_*``
functions hold the diagnosis of one case: they compute the expected answer
(with numpy, or from the reference in ``mlp.vjps``), call the student's
function through ``guard.call``, try this chapter's typical mistakes, and end
with the generic comparison of ``core.check_close``.  Messages name the
mistake; they never state the formula.
"""

from math import prod

import numpy as np

from mlp import vjps

from . import core, guard

# The answers may call the reference ``mlp.vjps.unbroadcast`` (exercise 4 builds on it); the
# sandbox holds that one function of ``mlp.vjps``, not the VJPs the exercises ask for.
SANDBOX_MLP = ("mlp.vjps.unbroadcast",)

# A VJP may use the reference ``unbroadcast`` once its own exercise is done:
# a slip there should not cost the points of every later exercise again.
UNBROADCAST = ("mlp.vjps.unbroadcast",)


# --- counting Jacobian entries ---------------------------------------------------------------

APPENDIX_D_TOTAL = 3710
_ONE_PATH = 3110  # the 4 Jacobians on one path from W1 to the loss

_APPENDIX_D = "the network of Appendix D of *Backpropagation and automatic differentiation*"


def judge_jacobian_entries(fn, edges):
    """One case of ``jacobian_entries(edges)``: the total against the count of each Jacobian."""
    expected = sum(prod(out) * prod(inp) for out, inp in edges)
    try:
        got = core.as_answer("jacobian_entries", guard.call(fn, list(edges), name="jacobian_entries"))
    except core.GradingError as err:
        if "raised IndexError" in str(err) and any(out == () or inp == () for out, inp in edges):
            core.fail(f"{err}\nA scalar's shape () has no first length{' for ' + str(list(edges))}: the number "
                      "of entries of a shape is the product of all its lengths, and for () that product is 1.")
        raise
    if got.size != 1:
        core.fail(f"`jacobian_entries` should return one number (the total), got shape {got.shape}.")
    got = float(got.reshape(()))
    if got == expected:
        return
    msg = f"`jacobian_entries` gives {got:g} for {list(edges)}, expected {expected:g}: "
    if got == sum(prod(out) + prod(inp) for out, inp in edges):
        core.fail(msg + "the number of entries of one Jacobian is not a sum of the two sizes. "
                  "Every output entry has one partial derivative per input entry.")
    if got in (sum(prod(out) for out, _ in edges), sum(prod(inp) for _, inp in edges)):
        core.fail(msg + "a Jacobian depends on the size of the output and of the input, you used one.")
    if len(edges) > 1 and got == prod([prod(out) * prod(inp) for out, inp in edges]):
        core.fail(msg + "you multiplied the counts of different Jacobians. They are separate arrays, so "
                  "their numbers of entries add up.")
    if got in (sum(len(out) * len(inp) for out, inp in edges), sum(len(out) + len(inp) for out, inp in edges)):
        core.fail(msg + "count entries (the product of a shape's lengths), not axes.")
    core.fail(msg + "count the entries of each Jacobian, then add them up.")


def _as_edges(edges):
    """``appendix_d`` as a list of (output shape, input shape) tuples, or a message saying why not."""
    form = ("`appendix_d` should be a list of pairs (output shape, input shape), each shape a tuple "
            "of integers such as (10, 1), or () for a scalar")
    if not isinstance(edges, (list, tuple)):
        core.fail(f"{form}; got {type(edges).__name__}.")
    pairs = []
    for edge in edges:
        if not isinstance(edge, (list, tuple)) or len(edge) != 2:
            core.fail(f"{form}; one of its elements is {edge!r}.")
        for shape in edge:
            if not isinstance(shape, (list, tuple)) or not all(
                    isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
                core.fail(f"{form}; one of its shapes is {shape!r}.")
        pairs.append(tuple(tuple(int(n) for n in shape) for shape in edge))
    return pairs


def judge_appendix_d(edges):
    """The student's list ``appendix_d`` of the Jacobians of Appendix D's network."""
    total = sum(prod(out) * prod(inp) for out, inp in _as_edges(edges))
    if total == _ONE_PATH:
        core.fail(f"your list `appendix_d` for {_APPENDIX_D} has {total:g} entries: that is one path "
                  "from W1 to the loss. W1 reaches the loss along two paths, through Z3 and through Z4.")
    if total != APPENDIX_D_TOTAL:
        core.fail(f"your list `appendix_d` for {_APPENDIX_D} has {total:g} entries, not "
                  f"{APPENDIX_D_TOTAL}: compare each (output shape, input shape) pair with the shapes "
                  "in the table.")


def jacobian_entries(fn, edges):
    """Visible check of ``jacobian_entries(edges)`` on three small lists, and of ``appendix_d``."""
    for case in ([((), (10, 1))], [((3, 2), (4,))], [((2,), (2,)), ((), (2,))]):
        judge_jacobian_entries(fn, case)
    judge_appendix_d(edges)
    core.passed("jacobian_entries", "on three small lists, and your `appendix_d` gives the total of the table")


# --- exp and log -----------------------------------------------------------------------------

def _judge_elementwise(name, fn, g, x, local, wrongs):
    """One case of an elementwise VJP whose local derivative is ``local``."""
    expected = g * local
    got = core.as_answer(name, guard.call(fn, g, x, name=name, unchanged=("g", "x")))
    core.check_shape(name, got, np.shape(x))
    if core.close(got, expected):
        return
    if core.close(got, local):
        core.fail(f"`{name}` ignores the incoming gradient `g`: it returns the local derivative alone. "
                  "A VJP pushes g backwards, so every entry must be scaled by its entry of g.")
    for wrong, wrong_says in wrongs:
        seen, meant = np.isfinite(got), np.isfinite(wrong)
        if np.array_equal(seen, meant) and core.close(got[seen], wrong[meant]):
            core.fail(f"`{name}` {wrong_says}")
    core.check_close(name, got, expected, hint="differentiate the primitive entry by entry and multiply by g.")


def judge_vjp_exp(fn, g, x):
    """One case of ``vjp_exp(g, x)``."""
    _judge_elementwise("vjp_exp", fn, g, x, np.exp(x), [
        (g * x, "multiplies g by x: the derivative of exp is not x."),
        (g * np.exp(-x), "multiplies g by exp(-x): the derivative of exp(x) is exp(x) itself, with a plus sign."),
        (g * np.exp(x - 1), "multiplies g by exp(x - 1), as if exp were a power of x: exp(x) is its own derivative."),
        (g / x, "divides g by x: that is the derivative of log, not of exp."),
    ])


def judge_vjp_log(fn, g, x):
    """One case of ``vjp_log(g, x)``, for x > 0."""
    _judge_elementwise("vjp_log", fn, g, x, 1.0 / x, [
        (g * np.log(x), "multiplies g by the logarithm itself: the derivative of log is a different function of x."),
        (g * x, "multiplies g by x where the derivative of log divides by it."),
        (g / np.log(x), "divides g by log(x), the output: the derivative of log depends on its input x."),
        (-g / x, "has the wrong sign: log grows with x, so its derivative is positive."),
        (g * np.exp(x), "multiplies g by exp(x): that is the derivative of exp, not of log."),
    ])


def vjp_exp_log(vjp_exp, vjp_log):
    """Visible check of ``vjp_exp(g, x)`` and ``vjp_log(g, x)`` on one vector."""
    x, g = np.array([0.5, 1.0, 2.0]), np.array([1.0, -2.0, 0.5])
    judge_vjp_exp(vjp_exp, g, x)
    judge_vjp_log(vjp_log, g, x)
    core.passed("vjp_exp and vjp_log", "on x = [0.5, 1, 2]")


# --- unbroadcast -----------------------------------------------------------------------------

def judge_unbroadcast(fn, g, shape):
    """One case of ``unbroadcast(g, shape)``: sum ``g`` back to the operand's ``shape``."""
    expected = vjps.unbroadcast(g, shape)
    where = f" (g of shape {g.shape}, shape={tuple(shape)})"
    arr = core.as_answer("unbroadcast", guard.call(fn, g, shape, name="unbroadcast", unchanged=("g",)))
    if arr.shape != expected.shape:
        _unbroadcast_shape_mistakes(g, shape, arr, where)
    core.check_close("unbroadcast", arr, expected,
                     hint="each entry of the operand was copied into several entries of g; "
                          "its gradient collects all of those copies" + where)


def _unbroadcast_shape_mistakes(g, shape, arr, where):
    shape = tuple(shape)
    extra = g.ndim - len(shape)
    leading_only = g.sum(axis=tuple(range(extra))) if extra > 0 else g
    if arr.shape == g.shape:
        core.fail(f"`unbroadcast` returned an array of the broadcast shape {g.shape}, not the operand's shape "
                  f"{shape}{where}: the gradient of an operand must have the operand's shape, so sum "
                  "over the axes that broadcasting added in front, and over those where the operand had "
                  "length 1 and was stretched.")
    if leading_only.shape != shape and arr.shape == leading_only.shape:
        core.fail(f"`unbroadcast` has shape {arr.shape}, expected {shape}{where}: you summed the axes numpy "
                  "added in front, but not the axes where the operand had length 1 and was stretched.")
    if arr.size == prod(shape) and arr.ndim > len(shape):
        core.fail(f"`unbroadcast` has shape {arr.shape}, expected {shape}{where}: the right number of entries, "
                  "but the axes broadcasting added in front are still there (kept with keepdims). Those axes "
                  "must disappear; only the operand's own length-1 axes are kept.")
    if arr.size == prod(shape):
        core.fail(f"`unbroadcast` has shape {arr.shape}, expected {shape}{where}: the right number of entries, "
                  "but the length-1 axes of `shape` are missing. Keep those axes when you sum over them.")
    if arr.size == 1 and prod(shape) > 1:
        core.fail(f"`unbroadcast` returned a single number for shape {shape}{where}: it summed over every "
                  "axis. Sum only over the axes broadcasting added or stretched.")
    core.check_close("unbroadcast", arr, vjps.unbroadcast(g, shape))


def unbroadcast(fn):
    """Visible check of ``unbroadcast(g, shape)``: a (2, 3) gradient summed to (3,), (2, 1) and (2, 3)."""
    g = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    for shape in [(3,), (2, 1), (2, 3)]:
        judge_unbroadcast(fn, g, shape)
    core.passed("unbroadcast", "on a (2, 3) gradient summed to (3,), (2, 1) and (2, 3)")


# --- mul -------------------------------------------------------------------------------------

def judge_vjp_mul(fn, g, x, y):
    """One case of ``vjp_mul(g, x, y)`` -> ``(gx, gy)`` for ``x * y`` with broadcasting."""
    ans = x * y
    ex, ey = vjps.vjp("mul", 0)(g, ans, x, y), vjps.vjp("mul", 1)(g, ans, x, y)
    got = guard.call(fn, g, x, y, name="vjp_mul", allow=UNBROADCAST, unchanged=("g", "x", "y"))
    gx, gy = core.pair("vjp_mul", got, "gx", "gy")
    where = f" (x of shape {np.shape(x)}, y of shape {np.shape(y)})"
    for label, arr, exp_, swap in (("gx", gx, ex, g * x), ("gy", gy, ey, g * y)):
        if core.close(arr, swap) and not core.close(swap, np.broadcast_to(exp_, swap.shape)):
            core.fail(f"`{label}` is g times its own input: x and y look swapped. Changing x by a little "
                      f"changes x * y by that little times the other factor{where}.")
        if arr.shape != np.shape(exp_) and arr.shape == ans.shape:
            core.fail(f"`{label}` has the broadcast shape {arr.shape}, not its operand's shape "
                      f"{np.shape(exp_)}{where}: an operand that broadcasting stretched needs its "
                      "gradient summed back to its own shape (that is what `unbroadcast` is for).")
        core.check_close(label, arr, exp_, hint="check each factor's gradient separately" + where)


def vjp_mul(fn):
    """Visible check of ``vjp_mul(g, x, y)``: equal shapes, then y of shape (3,) against x of (2, 3)."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.5]])
    g = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 3.0]])
    judge_vjp_mul(fn, g, x, np.array([[2.0, 0.5, -1.5], [-1.0, 1.0, 0.2]]))
    judge_vjp_mul(fn, g, x, np.array([2.0, 0.5, -1.5]))
    core.passed("vjp_mul", "on two (2, 3) arrays and on a (2, 3) times a (3,) array")


# --- matmul ----------------------------------------------------------------------------------

def judge_vjp_matmul(fn, g, A, B):
    """One case of ``vjp_matmul(g, A, B)`` -> ``(gA, gB)`` for ``A @ B`` (2-D)."""
    eA, eB = g @ B.T, A.T @ g
    where = f" (A of shape {A.shape}, B of shape {B.shape}, g of shape {g.shape})"
    try:
        got = guard.call(fn, g, A, B, name="vjp_matmul", unchanged=("g", "A", "B"))
    except core.GradingError as err:
        msg = str(err)
        if " raised " in msg and any(w in msg for w in ("matmul", "shapes", "aligned")):
            core.fail(f"{msg}\nThe shapes of a product did not line up{where}: write the shape of each "
                      "factor under it; the gradient of A has A's shape and that of B has B's shape.")
        raise
    gA, gB = core.pair("vjp_matmul", got, "gA", "gB")
    if A.shape != B.shape and core.close(gA, eB) and core.close(gB, eA):
        core.fail(f"`vjp_matmul` returns the two gradients in the wrong order{where}: the pair is (gA, gB), "
                  "the gradient of A first.")
    for label, arr, exp_ in (("gA", gA, eA), ("gB", gB, eB)):
        if arr.shape == exp_.shape and arr.shape[0] == arr.shape[1] and not core.close(arr, exp_) \
                and core.close(arr.T, exp_):
            core.fail(f"`{label}` holds the right numbers but transposed{where}: check which factor "
                      "is transposed and the order of the matrix product.")
        core.check_close(label, arr, exp_, hint="the gradient of each factor contracts g with the "
                         "other factor over the index that factor does not share" + where)


def vjp_matmul(fn):
    """Visible check of ``vjp_matmul(g, A, B)`` with A of shape (2, 3) and B of shape (3, 4)."""
    A = np.array([[1.0, -0.5, 2.0], [0.0, 1.5, -1.0]])
    B = np.array([[0.5, 1.0, -1.0, 0.0], [2.0, -0.5, 0.5, 1.0], [-1.0, 0.0, 1.5, 0.5]])
    g = np.array([[1.0, 0.0, -2.0, 0.5], [-1.0, 1.0, 0.5, 2.0]])
    judge_vjp_matmul(fn, g, A, B)
    core.passed("vjp_matmul", "on A of shape (2, 3) and B of shape (3, 4)")


# --- sum -------------------------------------------------------------------------------------

def judge_vjp_sum(fn, g, x, axis):
    """One case of ``vjp_sum(g, x, axis)``: the gradient of ``x.sum(axis)`` (no keepdims)."""
    expected = vjps.vjp("sum", 0)(g, x.sum(axis=axis), x, axis=axis, keepdims=False)
    where = f" (x of shape {x.shape}, axis={axis})"
    try:
        got = core.as_answer("vjp_sum", guard.call(fn, g, x, axis, name="vjp_sum", unchanged=("g", "x")))
    except core.GradingError as err:
        if " raised " in str(err) and "broadcast" in str(err):
            core.fail(f"{err}\ng could not be stretched to x's shape{where}: g needs the summed axis "
                      f"back, with length 1, at position {axis} before it is stretched. Either it was not "
                      "put back, or it was put back at another position (numpy lines shapes up from the "
                      "right, so the front or the end is not always the place).")
        raise
    if got.ndim == 2 and got.shape != x.shape and got.T.shape == x.shape and core.close(got.T, expected):
        core.fail(f"`vjp_sum` has shape {got.shape}, expected x's shape {x.shape}{where}: the values are "
                  "right but transposed; the copies of g were laid along the wrong axis.")
    if got.shape != x.shape:
        core.fail(f"`vjp_sum` has shape {got.shape}, expected x's shape {x.shape}{where}: every entry of x "
                  "took part in the sum, so every entry of x gets a gradient; spread g back over the "
                  "summed axis.")
    if axis is not None and np.ndim(g) == 1 and x.ndim == 2 and x.shape[0] == x.shape[1] \
            and not core.close(got, expected) and core.close(got, np.broadcast_to(g, x.shape)):
        core.fail("`vjp_sum` spreads g along the wrong axis" + where + ": numpy matched g with the "
                  "last axis of x. Put the summed axis back explicitly before stretching.")
    if not core.close(got, expected) and core.close(got, np.ones(x.shape)) and np.any(np.asarray(g) != 1):
        core.fail(f"`vjp_sum` returns ones and ignores g{where}: each summand receives g's entry of the "
                  "sum it took part in, not 1.")
    if axis is not None and not core.close(got, expected):
        for pos in range(x.ndim):
            if pos == axis:
                continue
            try:
                wrong = np.broadcast_to(np.expand_dims(g, pos), x.shape)
            except ValueError:
                continue
            if core.close(got, wrong):
                core.fail(f"`vjp_sum` puts the summed axis back at position {pos} instead of {axis}{where}: "
                          "g is then spread along the wrong axis of x. Insert the length-1 axis where the "
                          "sum removed it.")
    core.check_close("vjp_sum", got, expected, factors={"the number of summed entries": x.size // np.size(g)},
                     hint="each summand receives the gradient of the sum it took part in" + where)


def vjp_sum(fn):
    """Visible check of ``vjp_sum(g, x, axis)``: a (2, 3) array summed over each axis."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    judge_vjp_sum(fn, np.array([1.0, 2.0, 3.0]), x, 0)
    judge_vjp_sum(fn, np.array([1.0, 2.0]), x, 1)
    core.passed("vjp_sum", "on a (2, 3) array summed over axis 0 and over axis 1")


# --- the Jacobian of a linear map ------------------------------------------------------------

def judge_linear_jacobian_W(fn, x, out):
    """One case of ``linear_jacobian_W(x, out)``: the Jacobian of ``Z = x @ W`` with respect to ``W``."""
    expected = np.einsum("ni,jk->njik", x, np.eye(out))
    where = f" (x of shape {x.shape}, out={out})"
    got = core.as_answer("linear_jacobian_W", guard.call(fn, x, out, name="linear_jacobian_W", unchanged=("x",)))
    if got.shape != expected.shape:
        core.fail(f"`linear_jacobian_W` has shape {got.shape}, expected {expected.shape}{where}: a Jacobian "
                  "has the output's shape (N, out) followed by the shape of the variable, W (in, out).")
    if not np.any(got) and np.any(x):
        core.fail(f"`linear_jacobian_W` is all zeros{where}: Z[n, j] does move when W[i, j] moves, at a "
                  "rate that depends on the input.")
    if core.close(got, np.einsum("ni,jk->njik", np.ones_like(x), np.eye(out))) and not core.close(got, expected):
        core.fail(f"`linear_jacobian_W` holds 1 where the input belongs{where}: Z[n, j] = sum_i x[n, i] W[i, j], "
                  "so moving W[i, j] moves Z[n, j] at the rate x[n, i].")
    if out > 1 and core.close(got, np.broadcast_to(x[:, None, :, None], expected.shape)):
        core.fail(f"`linear_jacobian_W` is nonzero where it must be zero{where}: Z[n, j] uses only "
                  "column j of W, so its derivative with respect to any other column vanishes.")
    core.check_close("linear_jacobian_W", got, expected,
                     hint="entry [n, j, i, k] asks how Z[n, j] moves when W[i, k] moves" + where)


def linear_jacobian_W(fn):
    """Visible check of ``linear_jacobian_W(x, out)`` with N=2, in=3, out=2."""
    judge_linear_jacobian_W(fn, np.array([[1.0, -0.5, 2.0], [0.3, 1.5, -1.0]]), 2)
    core.passed("linear_jacobian_W", "with N=2, in=3, out=2")
