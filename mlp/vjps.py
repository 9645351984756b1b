"""The calculus of the course: one vector-Jacobian product (VJP) per primitive.

A primitive ``ans = f(x, y, ...)`` has a Jacobian per argument, often far too
big to build (see ``mlp.autodiff.jacobian_entry_counts``).  Backpropagation only
needs ``g @ J``: the incoming gradient ``g`` (shape of ``ans``) pushed back to
one argument (shape of that argument).  Each entry of ``VJPS`` below is a
tuple with one small function per argument, ``vjp(g, ans, *inputs, **params)``,
where ``inputs`` are the forward values and ``params`` the non-differentiable
settings (an axis, a shape, an index).  Reading the table top to bottom is
reading every derivative the engine knows.

Broadcasting is handled once, by ``unbroadcast``: if ``x`` of shape (4,) was
stretched to (3, 4) in the forward pass, each of its entries was used 3 times,
so its gradient is the sum of the 3 copies' gradients.
"""

import numpy as np

VJPS = {}  # primitive name -> tuple of VJPs, one per argument


def defvjp(name, *vjps):
    """Register the VJPs of primitive ``name``: the i-th for argument i."""
    VJPS[name] = vjps


def vjp(name, argnum):
    """The VJP of argument ``argnum`` of primitive ``name``; error if undefined."""
    vjps = VJPS.get(name, ())
    if callable(vjps):  # variadic primitive: one function taking the argnum first
        return lambda g, ans, *inputs, **params: vjps(argnum, g, ans, *inputs, **params)
    if argnum >= len(vjps) or vjps[argnum] is None:
        raise NotImplementedError(f"no VJP defined for argument {argnum} of primitive '{name}'")
    return vjps[argnum]


def unbroadcast(g, shape):
    """Sum ``g`` back to ``shape``, undoing numpy broadcasting.

    g: the gradient of the broadcast result, e.g. (N, out); shape: the operand's
    own shape, e.g. (out,).  Returns ``g`` itself when nothing was broadcast.
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:  # leading axes numpy prepended: sum them in one call
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def _shape(x):
    # np.shape, minus its function call for the arrays and numpy scalars it nearly always gets
    return x.shape if isinstance(x, (np.ndarray, np.generic)) else np.shape(x)


def _expand_to(g, x, axis, keepdims):
    """Broadcast the gradient of a reduction back over the reduced axes of ``x``."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, x.shape)


def _as_matrices(g, x, y):
    """Promote 1-D matmul operands to a row (x) or a column (y), as numpy does, and ``g`` too."""
    if y.ndim == 1:
        y, g = y[:, None], g[..., None]
    if x.ndim == 1:
        x, g = x[None, :], g[..., None, :]
    return g, x, y


def _matmul_x(g, ans, x, y):
    g2, _, y2 = _as_matrices(g, x, y)
    gx = g2 @ np.swapaxes(y2, -1, -2)  # (..., n, m) @ (..., m, k): one product
    return unbroadcast(gx[..., 0, :] if x.ndim == 1 else gx, x.shape)


def _matmul_y(g, ans, x, y):
    g2, x2, _ = _as_matrices(g, x, y)
    gy = np.swapaxes(x2, -1, -2) @ g2
    return unbroadcast(gy[..., 0] if y.ndim == 1 else gy, y.shape)


def _getitem(g, ans, x, index):
    gx = np.zeros_like(x)
    np.add.at(gx, index, g)  # not gx[index] = g: a repeated index must accumulate
    return gx


def _concatenate(argnum, g, ans, *xs, axis):
    stops = np.cumsum([x.shape[axis] for x in xs])
    return np.split(g, stops[:-1], axis=axis)[argnum]


defvjp("add", lambda g, ans, x, y: unbroadcast(g, _shape(x)),
              lambda g, ans, x, y: unbroadcast(g, _shape(y)))
defvjp("sub", lambda g, ans, x, y: unbroadcast(g, _shape(x)),
              lambda g, ans, x, y: unbroadcast(-g, _shape(y)))
defvjp("mul", lambda g, ans, x, y: unbroadcast(g * y, _shape(x)),
              lambda g, ans, x, y: unbroadcast(g * x, _shape(y)))
defvjp("div", lambda g, ans, x, y: unbroadcast(g / y, _shape(x)),
              lambda g, ans, x, y: unbroadcast(-g * ans / y, _shape(y)))
defvjp("pow", lambda g, ans, x, y: unbroadcast(g * y * x ** (y - 1), _shape(x)),
              lambda g, ans, x, y: unbroadcast(g * ans * np.log(x), _shape(y)))
defvjp("matmul", _matmul_x, _matmul_y)
defvjp("neg", lambda g, ans, x: -g)
defvjp("exp", lambda g, ans, x: g * ans)
defvjp("log", lambda g, ans, x: g / x)
defvjp("tanh", lambda g, ans, x: g * (1 - ans * ans))
defvjp("sigmoid", lambda g, ans, x: g * ans * (1 - ans))
defvjp("relu", lambda g, ans, x: g * (x > 0))  # at x == 0 we pick 0 from the subgradient
defvjp("sum", lambda g, ans, x, axis, keepdims: _expand_to(g, x, axis, keepdims))
defvjp("mean", lambda g, ans, x, axis, keepdims: _expand_to(g, x, axis, keepdims) / (x.size // ans.size))
defvjp("reshape", lambda g, ans, x, shape: g.reshape(x.shape))
defvjp("transpose", lambda g, ans, x, axes: np.transpose(g, None if axes is None else np.argsort(axes)))
defvjp("getitem", _getitem)
VJPS["concatenate"] = _concatenate  # variadic: any number of arguments
