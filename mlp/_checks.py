"""Input validation shared by the layers and losses.

Every message names what was expected and what arrived, so a student who
passes the wrong array learns which one and how it was wrong.
"""

import numbers

import numpy as np


def as_array(x, name):
    """Return ``x`` as a floating-point ndarray without copying when possible."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"expected {name} to hold numbers, got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def check_matrix(x, name, width=None, owner=""):
    """Check that ``x`` has shape (N, width); return it as an ndarray.

    ``owner`` (a layer, or a name) starts the message; it is only formatted on failure.
    """
    arr = as_array(x, name)
    if arr.ndim != 2 or (width is not None and arr.shape[1] != width):
        prefix = f"{owner}: " if owner else ""
        want = f"(N, {width})" if width is not None else "(N, features)"
        raise ValueError(f"{prefix}expected {name} of shape {want}, got {arr.shape}")
    return arr


def check_same_shape(got, expected_shape, name, owner=""):
    """Check that ``got`` has exactly ``expected_shape``; return it as an ndarray."""
    arr = as_array(got, name)
    if arr.shape != tuple(expected_shape):
        prefix = f"{owner}: " if owner else ""
        raise ValueError(
            f"{prefix}expected {name} of shape {tuple(expected_shape)}, got {arr.shape}"
        )
    return arr


def require_forward(cache, owner):
    """Raise if ``backward`` is called before ``forward`` filled the cache."""
    if cache is None:
        raise RuntimeError(f"{owner}.backward called before forward: run forward(x) first")


def positive_int(value, name, owner):
    """``value`` as an int >= 1.  A float is an error, not rounded: ``Linear(2.7, 2)`` is a typo."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: expected {name} to be a positive integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{owner}: expected {name} >= 1, got {value}")
    return int(value)


def real_number(value, name, owner):
    """``value`` as a float; a string, a bool or an array is an error naming its type."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: expected {name} to be a number, got {type(value).__name__} {value!r}")
    return float(value)


def require_finite(arr, name, owner, hint=""):
    """Raise if ``arr`` holds NaN or infinity, saying where the first one is."""
    if not np.all(np.isfinite(arr)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{owner}: expected finite {name}, got {arr[where]} at index {where}{hint}")
