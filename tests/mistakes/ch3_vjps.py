"""Plausible wrong answers for chapter 3 (vector-Jacobian products)."""

from mistakes import Mistake

_TABLE = '''
appendix_d = [
    ((), (10, 1)), ((10, 1), (10, 1)), ((10, 1), (10, 5)),
    ((10, 5), (10, 5)), ((10, 1), (10, 1)), ((10, 1), (10, 5)),
]
'''

_GOOD_COUNT = '''
def jacobian_entries(edges):
    return sum(int(np.prod(o)) * int(np.prod(i)) for o, i in edges)
'''

_GOOD_MATMUL = '''
def vjp_matmul(g, A, B):
    return g @ B.T, A.T @ g
'''

_GOOD_MUL = '''
def vjp_mul(g, x, y):
    return vjps.unbroadcast(g * y, np.shape(x)), vjps.unbroadcast(g * x, np.shape(y))
'''

MISTAKES = [
    # --- jacobian_entries -------------------------------------------------------------
    Mistake(
        exercise="jacobian_entries",
        name="sizes added instead of multiplied",
        says="not a sum of the two sizes",
        code='''
def jacobian_entries(edges):
    return sum(int(np.prod(o)) + int(np.prod(i)) for o, i in edges)
''' + _TABLE,
    ),
    Mistake(
        exercise="jacobian_entries",
        name="only one path from W1 to the loss",
        says="one path",
        code=_GOOD_COUNT + '''
appendix_d = [((), (10, 1)), ((10, 1), (10, 1)), ((10, 1), (10, 5)), ((10, 5), (10, 5))]
''',
    ),
    Mistake(
        exercise="jacobian_entries",
        name="appendix_d with a shape written as a number",
        says="each shape a tuple of integers",
        code=_GOOD_COUNT + '''
appendix_d = [((), 10), ((10, 1), (10, 1)), ((10, 1), (10, 5)),
              ((10, 5), (10, 5)), ((10, 1), (10, 1)), ((10, 1), (10, 5))]
''',
    ),
    Mistake(
        exercise="jacobian_entries",
        name="axes counted instead of entries",
        says="not axes",
        code='''
def jacobian_entries(edges):
    return sum(len(o) * len(i) for o, i in edges)
''' + _TABLE,
    ),
    # --- exp and log ---------------------------------------------------------------------
    Mistake(
        exercise="vjp_exp_log",
        name="incoming gradient ignored",
        says="ignores the incoming gradient",
        code='''
def vjp_exp(g, x):
    return np.exp(x)

def vjp_log(g, x):
    return g / x
''',
    ),
    Mistake(
        exercise="vjp_exp_log",
        name="log multiplied instead of differentiated",
        says="logarithm itself",
        code='''
def vjp_exp(g, x):
    return g * np.exp(x)

def vjp_log(g, x):
    return g * np.log(x)
''',
    ),
    Mistake(
        exercise="vjp_exp_log",
        name="g modified in place",
        says="in place",
        code='''
def vjp_exp(g, x):
    g *= np.exp(x)
    return g

def vjp_log(g, x):
    return g / x
''',
    ),
    # --- unbroadcast ---------------------------------------------------------------------
    Mistake(
        exercise="unbroadcast",
        name="gradient not summed back",
        says="broadcast shape",
        code='''
def unbroadcast(g, shape):
    return g
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name="stretched axes summed without keepdims",
        says="length-1 axes",
        code='''
def unbroadcast(g, shape):
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched)
    return g
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name="only leading axes handled",
        says="length 1 and was stretched",
        code='''
def unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    return g
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name="calls the reference",
        says="reference implementation",
        code='''
def unbroadcast(g, shape):
    return vjps.unbroadcast(g, shape)
''',
    ),
    # --- mul and matmul --------------------------------------------------------------------
    Mistake(
        exercise="vjp_products",
        name="mul: forgot to unbroadcast",
        says="broadcast shape",
        code='''
def vjp_mul(g, x, y):
    return g * y, g * x
''' + _GOOD_MATMUL,
    ),
    Mistake(
        exercise="vjp_products",
        name="mul: x and y swapped",
        says="swapped",
        code='''
def vjp_mul(g, x, y):
    return vjps.unbroadcast(g * x, np.shape(x)), vjps.unbroadcast(g * y, np.shape(y))
''' + _GOOD_MATMUL,
    ),
    Mistake(
        exercise="vjp_products",
        name="matmul: gradient of B transposed",
        says="transposed",
        code=_GOOD_MUL + '''
def vjp_matmul(g, A, B):
    return g @ B.T, g.T @ A
''',
    ),
    Mistake(
        exercise="vjp_products",
        name="matmul: factors in the wrong order",
        says="did not line up",
        code=_GOOD_MUL + '''
def vjp_matmul(g, A, B):
    return B.T @ g, A.T @ g
''',
    ),
    Mistake(
        exercise="vjp_products",
        name="matmul: the reference table",
        says="reference implementation",
        code=_GOOD_MUL + '''
def vjp_matmul(g, A, B):
    return vjps.vjp("matmul", 0)(g, A @ B, A, B), vjps.vjp("matmul", 1)(g, A @ B, A, B)
''',
    ),
    # --- sum ---------------------------------------------------------------------------
    Mistake(
        exercise="vjp_sum",
        name="gradient not spread back",
        says="x's shape",
        code='''
def vjp_sum(g, x, axis):
    return g
''',
    ),
    Mistake(
        exercise="vjp_sum",
        name="summed axis not put back before broadcasting",
        says="summed axis",
        code='''
def vjp_sum(g, x, axis):
    return np.broadcast_to(g, x.shape).copy()
''',
    ),
    Mistake(
        exercise="vjp_sum",
        name="divided like a mean",
        says="times too small",
        code='''
def vjp_sum(g, x, axis):
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, x.shape) / (x.size // np.size(g))
''',
    ),
    # --- the Jacobian of a linear map ---------------------------------------------------
    Mistake(
        exercise="linear_jacobian_W",
        name="Kronecker delta forgotten",
        says="must be zero",
        code='''
def linear_jacobian_W(x, out):
    N, n_in = x.shape
    J = np.zeros((N, out, n_in, out))
    J[:] = x[:, None, :, None]
    return J
''',
    ),
    Mistake(
        exercise="linear_jacobian_W",
        name="input axes laid out as (out, in)",
        says="shape of the variable",
        code='''
def linear_jacobian_W(x, out):
    N, n_in = x.shape
    J = np.zeros((N, out, out, n_in))
    for j in range(out):
        J[:, j, j, :] = x
    return J
''',
    ),
    # --- added for issue 14: at least six per exercise, spread across kinds -------------------
    Mistake(
        exercise="jacobian_entries",
        name="counts of the Jacobians multiplied together",
        kind="factor",
        says='multiplied the counts of different Jacobians',
        code='''
def jacobian_entries(edges):
    total = 1
    for o, i in edges:
        total *= int(np.prod(o)) * int(np.prod(i))
    return total
''' + _TABLE,
    ),
    Mistake(
        exercise="jacobian_entries",
        name="first length taken as the size",
        kind="shape",
        says="A scalar's shape ()",
        code='''
def jacobian_entries(edges):
    return sum(o[0] * i[0] for o, i in edges)
''' + _TABLE,
    ),
    Mistake(
        exercise="vjp_exp_log",
        name="log: multiplied by x",
        kind="wrong variable",
        says='multiplies g by x where the derivative of log divides',
        code='''
def vjp_exp(g, x):
    return g * np.exp(x)


def vjp_log(g, x):
    return g * x
''',
    ),
    Mistake(
        exercise="vjp_exp_log",
        name="exp: exp(-x)",
        kind="sign",
        says='exp(-x)',
        code='''
def vjp_exp(g, x):
    return g * np.exp(-x)


def vjp_log(g, x):
    return g / x
''',
    ),
    Mistake(
        exercise="vjp_exp_log",
        name="log: divided by the output",
        kind="point of evaluation",
        says='divides g by log(x)',
        code='''
def vjp_exp(g, x):
    return g * np.exp(x)


def vjp_log(g, x):
    return g / np.log(x)
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name="summed over every axis",
        kind="axis",
        says='summed over every axis',
        code='''
def unbroadcast(g, shape):
    return g.sum() if tuple(shape) != g.shape else g
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name="leading axis summed over the last axis",
        kind="axis",
        says='wrong axis',
        code='''
def unbroadcast(g, shape):
    shape = tuple(shape)
    while g.ndim > len(shape):
        g = g.sum(axis=-1)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name="mean instead of sum",
        kind="factor",
        says='half of what it should be',
        code='''
def unbroadcast(g, shape):
    shape = tuple(shape)
    while g.ndim > len(shape):
        g = g.mean(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.mean(axis=i, keepdims=True)
    return g
''',
    ),
    Mistake(
        exercise="vjp_products",
        name="matmul: W where its transpose belongs",
        kind="transpose",
        says='did not line up',
        code='''
def vjp_mul(g, x, y):
    return vjps.unbroadcast(g * y, np.shape(x)), vjps.unbroadcast(g * x, np.shape(y))


def vjp_matmul(g, A, B):
    return g @ B, A.T @ g
''',
    ),
    Mistake(
        exercise="vjp_products",
        name="mul: g scaled in place",
        kind="in-place",
        says='in place',
        code='''
def vjp_mul(g, x, y):
    gy = vjps.unbroadcast(g * x, np.shape(y))
    g *= y
    return vjps.unbroadcast(g, np.shape(x)), gy


def vjp_matmul(g, A, B):
    return g @ B.T, A.T @ g
''',
    ),
    Mistake(
        exercise="vjp_sum",
        name="axis always put back in front",
        kind="axis",
        says='at position 1',
        code='''
def vjp_sum(g, x, axis):
    if axis is not None:
        g = np.expand_dims(g, 0)
    return np.broadcast_to(g, x.shape).copy()
''',
    ),
    Mistake(
        exercise="vjp_sum",
        name="ones instead of g",
        kind="missing term",
        says='ignores g',
        code='''
def vjp_sum(g, x, axis):
    return np.ones_like(x)
''',
    ),
    Mistake(
        exercise="vjp_sum",
        name="tiled along the wrong axis",
        kind="transpose",
        says='transposed',
        code='''
def vjp_sum(g, x, axis):
    if axis is None:
        return np.full(x.shape, g, dtype=float)
    return np.tile(g, (x.shape[axis], 1))
''',
    ),
    Mistake(
        exercise="linear_jacobian_W",
        name="Jacobian allocated but never filled",
        kind="missing term",
        says='all zeros',
        code='''
def linear_jacobian_W(x, out):
    N, n_in = x.shape
    return np.zeros((N, out, n_in, out))
''',
    ),
    Mistake(
        exercise="linear_jacobian_W",
        name="ones where x belongs",
        kind="wrong variable",
        says='holds 1 where the input belongs',
        code='''
def linear_jacobian_W(x, out):
    N, n_in = x.shape
    J = np.zeros((N, out, n_in, out))
    for j in range(out):
        J[:, j, :, j] = 1.0
    return J
''',
    ),
    Mistake(
        exercise="linear_jacobian_W",
        name="batch axis summed away",
        kind="axis",
        says="output's shape (N, out)",
        code='''
def linear_jacobian_W(x, out):
    N, n_in = x.shape
    J = np.zeros((out, n_in, out))
    for j in range(out):
        J[j, :, j] = x.sum(axis=0)
    return J
''',
    ),
    Mistake(
        exercise="linear_jacobian_W",
        name="sign flipped",
        kind="sign",
        says='wrong sign',
        code='''
def linear_jacobian_W(x, out):
    N, n_in = x.shape
    J = np.zeros((N, out, n_in, out))
    for j in range(out):
        J[:, j, :, j] = -x
    return J
''',
    ),
    # --- a second set, probing for fallback messages (issue 14) --------------------------------
    Mistake(
        exercise="vjp_products",
        name='matmul results returned in swapped order',
        kind="wrong variable",
        says='wrong order',
        code='''
def vjp_mul(g, x, y):
    return vjps.unbroadcast(g * y, np.shape(x)), vjps.unbroadcast(g * x, np.shape(y))

def vjp_matmul(g, A, B):
    return A.T @ g, g @ B.T
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name='always sums axis 0',
        kind="axis",
        says='wrong shape: expected (2, 1), got (3,)',
        code='''
def unbroadcast(g, shape):
    return g if g.shape == tuple(shape) else g.sum(axis=0)
''',
    ),
    Mistake(
        exercise="vjp_exp_log",
        name='exp and log swapped',
        kind="wrong variable",
        says='derivative of log, not of exp',
        code='''
def vjp_exp(g, x):
    return g / x

def vjp_log(g, x):
    return g * np.exp(x)
''',
    ),
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
    Mistake(
        exercise="vjp_products",
        name="mul: gy summed to x's shape",
        kind="shape",
        says='broadcast shape',
        code='''
def vjp_mul(g, x, y):
    return vjps.unbroadcast(g * y, np.shape(x)), vjps.unbroadcast(g * x, np.shape(x))

def vjp_matmul(g, A, B):
    return g @ B.T, A.T @ g
''',
    ),
    Mistake(
        exercise="vjp_sum",
        name='axis None returns g itself',
        kind="shape",
        says='spread g back',
        code='''
def vjp_sum(g, x, axis):
    if axis is None:
        return g
    return np.broadcast_to(np.expand_dims(g, axis), x.shape).copy()
''',
    ),
    Mistake(
        exercise="unbroadcast",
        name='keepdims on the leading axes',
        kind="shape",
        says='still there',
        code='''
def unbroadcast(g, shape):
    shape = tuple(shape)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)), keepdims=True)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g
''',
    ),
    # --- a fourth probe (issue 14); the two marked generic have no specific diagnosis ------------
    Mistake(
        exercise="jacobian_entries",
        name='appendix_d with dZ1/dW1 as (10,5),(5,)',
        kind="shape",
        says='compare each (output shape, input shape) pair',
        code='''
def jacobian_entries(edges):
    total = 0
    for o, i in edges:
        total += int(np.prod(o)) * int(np.prod(i))
    return total

appendix_d = [((), (10, 1)), ((10, 1), (10, 1)), ((10, 1), (10, 5)), ((10, 5), (5, 5)),
              ((10, 1), (10, 1)), ((10, 1), (10, 5))]
''',
    ),
]
