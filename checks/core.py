"""Assertions for test cells that explain a wrong answer in words.

``check_close`` does not stop at "arrays differ": it tries the common
mistakes in turn (wrong shape, transposed, a broadcast gradient not summed
back, NaN or inf, sign flipped, off by a plausible factor) and names the
first one that explains the student's answer.  Messages say what is wrong
and where to look, never what the right formula is.
"""

import numpy as np


class GradingError(AssertionError):
    """A test failed; the message is written for the student."""


def fail(message):
    """Raise a ``GradingError`` with ``message``."""
    raise GradingError(message)


def as_answer(name, got):
    """Turn a student's return value into a float64 array, or explain why not."""
    if got is None:
        fail(f"`{name}` is None: did your function forget to `return` its result?")
    if isinstance(got, (list, tuple)) and any(g is None for g in got):
        fail(f"`{name}` contains None: did every branch of your code produce a value?")
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"`{name}` should be numbers (a float or an array), got {type(got).__name__}")
    return arr


def _close(a, b, rtol, atol):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def close(a, b, rtol=1e-6, atol=1e-8):
    """Whether ``a`` has the shape of ``b`` and |a - b| <= atol + rtol |b| entry by entry, in float64.

    The quiet comparison behind the checks' diagnoses ("is this what a transposed dW gives?").
    """
    return _close(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol, atol)


def _sum_to_shape(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, or None."""
    try:
        np.broadcast_shapes(g.shape, shape)
    except ValueError:
        return None
    if np.broadcast_shapes(g.shape, shape) != g.shape:
        return None
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def describe_factor(c, factors):
    """Name the factor ``c`` using the candidates in ``factors`` ({label: value}), or None.

    Only factors a plausible slip produces are named: a candidate of the
    caller (a batch size, a number of entries), 2 or 1/2, a small integer or
    its inverse, each possibly with the sign flipped.  Any other ratio (say
    -0.667) says nothing about the mistake, so None is returned.
    """
    if c == 0 or not np.isfinite(c):
        return None
    size, sign = abs(c), (" and has the wrong sign" if c < 0 else "")
    for label, value in (factors or {}).items():
        if value not in (0, 1) and np.isclose(size, abs(value), rtol=1e-6):
            return f"{label} times too large{sign}"
        if value not in (0, 1) and np.isclose(size, 1.0 / abs(value), rtol=1e-6):
            return f"{label} times too small{sign}"
    if np.isclose(size, 2.0, rtol=1e-6):
        return "twice too large" + sign
    if np.isclose(size, 0.5, rtol=1e-6):
        return "half of what it should be" + sign
    for k in range(3, 11):
        if np.isclose(size, k, rtol=1e-6):
            return f"{k} times too large{sign}"
        if np.isclose(size, 1.0 / k, rtol=1e-6):
            return f"{k} times too small{sign}"
    return None


def check_shape(name, got, expected_shape):
    """Fail with both shapes named unless ``got`` has ``expected_shape``."""
    got = as_answer(name, got)
    if got.shape != tuple(expected_shape):
        # values unknown here: NaN compares unequal, so only the shapes speak
        _explain_shape(name, got, np.full(tuple(expected_shape), np.nan), 0.0, 0.0)
    return got


def check_close(name, got, expected, *, rtol=1e-6, atol=1e-8, factors=None, hint=None):
    """Pass if ``got`` is close to ``expected``; otherwise name the mistake.

    ``factors``: candidate constants, e.g. ``{"N (the batch size)": 32}``, so an
    answer N times too big is reported as such.  ``hint`` is added to the
    message when no specific mistake was recognised.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = as_answer(name, got)
    if got.shape != expected.shape:
        _explain_shape(name, got, expected, rtol, atol)
    finite = np.isfinite(expected)
    if not np.all(np.isfinite(got)[finite]):
        fail(
            f"`{name}` contains NaN or inf where a finite value was expected: something "
            "overflowed or divided by zero. Large inputs need a numerically stable formula."
        )
    if _close(got, expected, rtol, atol):
        return
    if got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and _close(got.T, expected, rtol, atol):
        fail(f"`{name}` holds the right values but transposed (the matrix is square, so its shape did "
             "not warn you): check the order of the matrix product.")
    if np.any(expected) and _close(-got, expected, rtol, atol):
        fail(f"`{name}` has the right size but the wrong sign: check the direction of each term.")
    denom = float(np.sum(expected * expected))
    if denom > 0:
        c = float(np.sum(got * expected) / denom)
        if c != 0 and not np.isclose(c, 1.0) and _close(got, c * expected, 1e-6, 1e-10):
            what = describe_factor(c, factors)
            if what is not None:
                fail(f"`{name}` has the right pattern but is {what}.")
            if np.count_nonzero(expected) > 1:
                fail(f"`{name}` is proportional to the right answer but scaled by {c:.4g}: every entry "
                     "is off by the same ratio, so a constant in your formula is wrong."
                     + (f" Hint: {hint}" if hint else ""))
    err = np.abs(got - expected)
    idx = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    if got.size == 1:
        fail(f"`{name}` is the wrong number: expected {float(expected.reshape(())):.6g}, got "
             f"{float(got.reshape(())):.6g}; the difference fits no single sign or factor slip."
             + (f" Hint: {hint}" if hint else ""))
    where = f" at index {tuple(int(i) for i in idx)}" if idx else ""
    msg = (
        f"`{name}` has wrong values: the largest error is {float(err[idx]):.3g}{where} "
        f"(expected {float(expected[idx]):.6g}, got {float(got[idx]):.6g})."
    )
    fail(msg + (f" Hint: {hint}" if hint else ""))


def _explain_shape(name, got, expected, rtol, atol):
    """Name what separates ``got``'s shape from ``expected``'s: transposed, an added or a
    missing axis, a broadcast shape, the wrong axis reduced, or a different layout."""
    base = f"`{name}` has the wrong shape: expected {expected.shape}, got {got.shape}"
    if got.size == 1 and expected.size > 1:
        fail(base + ": a single number where one value per entry is expected. Did a sum or a mean "
             "reduce what should stay entry by entry?")
    if got.ndim == 2 and got.T.shape == expected.shape:
        if _close(got.T, expected, rtol, atol):
            fail(base + ". Its values are right but transposed: check the order of the matrix product.")
        fail(base + ", the transpose of the expected shape: check which factor goes first.")
    if got.size == expected.size and tuple(s for s in got.shape if s != 1) == tuple(
            s for s in expected.shape if s != 1):
        if got.ndim > expected.ndim:
            right = _close(got.reshape(expected.shape), expected, rtol, atol)
            fail(base + ": an extra axis of length 1 was added (a kept axis, `keepdims=True`, a "
                 "`[None]` or a reshape)" + (", though the values are right" if right else "")
                 + ". Return exactly the expected shape.")
        if got.ndim < expected.ndim:
            fail(base + ": an axis of length 1 is missing (it was squeezed or summed away). "
                 "Return exactly the expected shape, length-1 axes included.")
    if got.ndim == expected.ndim:
        differ = [i for i, (a, b) in enumerate(zip(got.shape, expected.shape)) if a != b]
        if len(differ) == 1 and got.shape[differ[0]] == 1:
            fail(base + f": axis {differ[0]} has length 1 where {expected.shape[differ[0]]} belong, as if it "
                 "had been summed or averaged away (with keepdims). That axis must stay.")
    if (got.ndim > expected.ndim and got.shape[got.ndim - expected.ndim:] == expected.shape
            and got.size > expected.size):
        fail(base + ". It has the broadcast shape, with leading axes that the operand does not "
             "have: a gradient must have the shape of its own operand, so sum over the axes that "
             "broadcasting added.")
    summed = _sum_to_shape(got, expected.shape)
    if summed is not None and got.size > expected.size:
        fail(
            base + ". It has the broadcast shape: a gradient must have the shape of its own "
            "operand, so sum over the axes that broadcasting stretched."
        )
    if got.ndim == expected.ndim - 1 and got.size < expected.size:
        fail(base + ": one axis is missing, as if the answer had been summed or averaged over an "
             "axis that should stay. Keep one entry per position of every axis of the expected shape.")
    if got.ndim == expected.ndim == 1:
        fail(base + ": the length is wrong, which usually means a sum or mean ran over the wrong "
             "axis (over the features instead of the examples, or the other way round).")
    if got.size == expected.size:
        fail(base + ". It has the right number of entries: check how you reshape or lay out the result.")
    fail(base + ".")


def check_scalar(name, got, expected, *, rtol=1e-6, atol=1e-10, factors=None, hint=None):
    """Like ``check_close`` for a single number."""
    got = as_answer(name, got)
    if got.size != 1:
        fail(f"`{name}` should be a single number, got an array of shape {got.shape}")
    check_close(name, got.reshape(()), np.float64(expected), rtol=rtol, atol=atol, factors=factors, hint=hint)


def check_unchanged(name, before, after):
    """Fail if an input array was modified in place by the student's function."""
    if np.shape(before) != np.shape(after) or not np.array_equal(before, after, equal_nan=True):
        fail(
            f"your function modified its input `{name}` in place. The caller (and later "
            "the backward pass) still needs the original values: compute on a copy or "
            "build a new array."
        )


def check_finite(name, got, context=""):
    """Fail if ``got`` holds NaN or inf."""
    got = as_answer(name, got)
    if not np.all(np.isfinite(got)):
        fail(
            f"`{name}` contains NaN or inf{(' ' + context) if context else ''}: something "
            "overflowed. Use a formula that never exponentiates a large positive number."
        )
    return got


def pair(name, got, first, second):
    """The student's pair ``(first, second)`` as two float64 arrays, or a message saying why not.

    Tuples and lists both count (a tuple may come back from the sandbox as a list).
    """
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = type(got).__name__ + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
        fail(f"`{name}` should return a pair `({first}, {second})`, got {kind}.")
    return as_answer(first, got[0]), as_answer(second, got[1])


def passed(name, what=""):
    """Print one short line saying the check passed."""
    print(f"ok: `{name}` passed{(' ' + what) if what else ''}.")
