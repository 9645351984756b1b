"""Plausible wrong answers for chapter 1 (the chain rule) and what their feedback must say."""

from . import Mistake

MISTAKES = [
    # ------------------------------------------------------------------ sigmoid_grad
    Mistake(
        exercise="sigmoid_grad",
        name="derivative evaluated at the output a",
        says="output",
        code='''
def sigmoid_grad(z):
    a = 1 / (1 + np.exp(-z))
    s = 1 / (1 + np.exp(-a))
    return s * (1 - s)
''',
    ),
    Mistake(
        exercise="sigmoid_grad",
        name="naive quotient overflows to NaN",
        says="NaN or inf",
        code='''
def sigmoid_grad(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2
''',
    ),
    Mistake(
        exercise="sigmoid_grad",
        name="sign flipped",
        says="wrong sign",
        code='''
def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-z))
    return s * (s - 1)
''',
    ),
    Mistake(
        exercise="sigmoid_grad",
        name="returns the sigmoid itself",
        says="sigmoid itself",
        code='''
def sigmoid_grad(z):
    return 1 / (1 + np.exp(-z))
''',
    ),
    Mistake(
        exercise="sigmoid_grad",
        name="calls the reference",
        says="reference implementation",
        code='''
def sigmoid_grad(z):
    s = mlp.layers.sigmoid(z)
    return s * (1 - s)
''',
    ),
    # ------------------------------------------------------------------ mse_grad
    Mistake(
        exercise="mse_grad",
        name="1/N of the mean dropped (as in Yet another explanation of backprop)",
        says="N (the number of entries the mean runs over) times too large",
        code='''
def mse_grad(pred, target):
    return 2 * (pred - target)
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="mean over rows only",
        says="times too large",
        code='''
def mse_grad(pred, target):
    return 2 * (pred - target) / len(pred)
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="sign flipped",
        says="wrong sign",
        code='''
def mse_grad(pred, target):
    return 2 * (target - pred) / pred.size
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="factor 2 forgotten",
        says="half of what it should be",
        code='''
def mse_grad(pred, target):
    return (pred - target) / pred.size
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="modifies pred in place",
        says="modified its input",
        code='''
def mse_grad(pred, target):
    pred -= target
    pred *= 2 / pred.size
    return pred
''',
    ),
    # ------------------------------------------------------------------ tiny_net_grads
    Mistake(
        exercise="tiny_net_grads",
        name="sigmoid derivative evaluated at the output a1",
        says="at its output a1",
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 * a1 + b2
    d2 = 2 * (z2 - y)
    s = 1 / (1 + np.exp(-a1))
    d1 = d2 * w2 * s * (1 - s)
    return {"w1": d1 * x, "b1": d1, "w2": d2 * a1, "b2": d2}
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name="w2 missing on the way back",
        says="missing a factor",
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 * a1 + b2
    d2 = 2 * (z2 - y)
    d1 = d2 * a1 * (1 - a1)
    return {"w1": d1 * x, "b1": d1, "w2": d2 * a1, "b2": d2}
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name="x missing in dL/dw1",
        says="missing a factor of its chain: dz1/dw1",
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 * a1 + b2
    d2 = 2 * (z2 - y)
    d1 = d2 * w2 * a1 * (1 - a1)
    return {"w1": d1, "b1": d1, "w2": d2 * a1, "b2": d2}
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name="the 2 of the square forgotten",
        says="times too small",
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 * a1 + b2
    d2 = z2 - y
    d1 = d2 * w2 * a1 * (1 - a1)
    return {"w1": d1 * x, "b1": d1, "w2": d2 * a1, "b2": d2}
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name="a key missing",
        says="has no key 'b2'",
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 * a1 + b2
    d2 = 2 * (z2 - y)
    d1 = d2 * w2 * a1 * (1 - a1)
    return {"w1": d1 * x, "b1": d1, "w2": d2 * a1}
''',
    ),
    # ------------------------------------------------------------------ two_path_grad
    Mistake(
        exercise="two_path_grad",
        name="only the path where w multiplies a1",
        says="only one of the paths",
        code='''
def two_path_grad(x, y, w):
    a1 = 1 / (1 + np.exp(-w * x))
    return 2 * (w * a1 - y) * a1
''',
    ),
    Mistake(
        exercise="two_path_grad",
        name="only the path through z1",
        says="only one of the paths",
        code='''
def two_path_grad(x, y, w):
    a1 = 1 / (1 + np.exp(-w * x))
    return 2 * (w * a1 - y) * w * a1 * (1 - a1) * x
''',
    ),
    Mistake(
        exercise="two_path_grad",
        name="paths multiplied instead of added",
        says="multiplies the contributions",
        code='''
def two_path_grad(x, y, w):
    a1 = 1 / (1 + np.exp(-w * x))
    d = 2 * (w * a1 - y)
    return (d * a1) * (d * w * a1 * (1 - a1) * x)
''',
    ),
    # ------------------------------------------------------------------ central_difference
    Mistake(
        exercise="central_difference",
        name="one-sided difference",
        says="one-sided",
        code='''
def central_difference(f, x, eps=1e-5):
    return (f(x + eps) - f(x)) / eps
''',
    ),
    Mistake(
        exercise="central_difference",
        name="divides by eps instead of 2 eps",
        says="twice too large",
        code='''
def central_difference(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / eps
''',
    ),
    Mistake(
        exercise="central_difference",
        name="calls the reference numerical_gradient",
        says="reference implementation",
        code='''
def central_difference(f, x, eps=1e-5):
    return float(mlp.numerical_gradient(f, x, eps))
''',
    ),
    # --- added for issue 14: at least six per exercise, spread across kinds -------------------
    Mistake(
        exercise="sigmoid_grad",
        name="one factor of the product left out",
        kind="missing term",
        says="one of the two factors",
        code='''
def sigmoid_grad(z):
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
    return 1.0 - s
''',
    ),
    Mistake(
        exercise="sigmoid_grad",
        name="negates z in place",
        kind="in-place",
        says="in place",
        code='''
def sigmoid_grad(z):
    np.negative(z, out=z)
    s = 1.0 / (1.0 + np.exp(z))
    return s * (1.0 - s)
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="mean over the columns only",
        kind="factor",
        says="the number of rows times too large",
        code='''
def mse_grad(pred, target):
    pred = np.asarray(pred, dtype=np.float64)
    return 2.0 * (pred - target) / pred.shape[-1]
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="returns the loss instead of its gradient",
        kind="shape",
        says="a single number where one value per entry",
        code='''
def mse_grad(pred, target):
    return np.mean(2.0 * (np.asarray(pred) - target))
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name="error taken as y - z2",
        kind="sign",
        says="wrong sign",
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    a1 = 1.0 / (1.0 + np.exp(-(w1 * x + b1)))
    z2 = w2 * a1 + b2
    delta2 = 2.0 * (y - z2)
    delta1 = delta2 * w2 * a1 * (1.0 - a1)
    return {"w1": delta1 * x, "b1": delta1, "w2": delta2 * a1, "b2": delta2}
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name="sigmoid's derivative left out of the first layer",
        kind="missing term",
        says="the sigmoid's derivative",
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    a1 = 1.0 / (1.0 + np.exp(-(w1 * x + b1)))
    z2 = w2 * a1 + b2
    delta2 = 2.0 * (z2 - y)
    delta1 = delta2 * w2
    return {"w1": delta1 * x, "b1": delta1, "w2": delta2 * a1, "b2": delta2}
''',
    ),
    Mistake(
        exercise="two_path_grad",
        name="sign of the error flipped",
        kind="sign",
        says="wrong sign",
        code='''
def two_path_grad(x, y, w):
    a1 = 1.0 / (1.0 + np.exp(-w * x))
    delta2 = 2.0 * (y - w * a1)
    return delta2 * a1 + delta2 * w * a1 * (1.0 - a1) * x
''',
    ),
    Mistake(
        exercise="two_path_grad",
        name="x missing on the path through z1",
        kind="missing term",
        says="missing a factor of its chain, x",
        code='''
def two_path_grad(x, y, w):
    a1 = 1.0 / (1.0 + np.exp(-w * x))
    delta2 = 2.0 * (w * a1 - y)
    return delta2 * a1 + delta2 * w * a1 * (1.0 - a1)
''',
    ),
    Mistake(
        exercise="two_path_grad",
        name="sigmoid's derivative taken at a1",
        kind="point of evaluation",
        says="at its output a1",
        code='''
def two_path_grad(x, y, w):
    a1 = 1.0 / (1.0 + np.exp(-w * x))
    s = 1.0 / (1.0 + np.exp(-a1))
    delta2 = 2.0 * (w * a1 - y)
    return delta2 * a1 + delta2 * w * s * (1.0 - s) * x
''',
    ),
    Mistake(
        exercise="central_difference",
        name="parentheses missing around the difference",
        kind="other",
        says="operator precedence",
        code='''
def central_difference(f, x, eps=1e-5):
    return f(x + eps) - f(x - eps) / (2 * eps)
''',
    ),
    Mistake(
        exercise="central_difference",
        name="a fixed step instead of eps",
        kind="wrong variable",
        says="ignores the eps it is given",
        code='''
def central_difference(f, x, eps=1e-5):
    h = 1e-5
    return (f(x + h) - f(x - h)) / (2 * h)
''',
    ),
    Mistake(
        exercise="central_difference",
        name="difference taken backwards",
        kind="sign",
        says="wrong sign",
        code='''
def central_difference(f, x, eps=1e-5):
    return (f(x - eps) - f(x + eps)) / (2 * eps)
''',
    ),
    # --- a second set, probing for fallback messages (issue 14) --------------------------------
    Mistake(
        exercise="sigmoid_grad",
        name='square missing',
        kind="missing term",
        says='one of the two factors',
        code='''
def sigmoid_grad(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1 + e)
''',
    ),
    Mistake(
        exercise="mse_grad",
        name='squared error instead of gradient',
        kind="other",
        says='a piece of the loss, not its derivative',
        code='''
def mse_grad(pred, target):
    return (pred - target) ** 2 / np.size(pred)
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name='z1 instead of a1 in dL/dw2',
        kind="wrong variable",
        says='uses z1 where dz2/dw2 = a1 belongs',
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1; a1 = 1 / (1 + np.exp(-z1)); z2 = w2 * a1 + b2
    d2 = 2 * (z2 - y); d1 = d2 * w2 * a1 * (1 - a1)
    return {"w1": d1 * x, "b1": d1, "w2": d2 * z1, "b2": d2}
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name='w1 used for w2 on the way back',
        kind="wrong variable",
        says='uses w1 where dz2/da1 = w2 belongs',
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1; a1 = 1 / (1 + np.exp(-z1)); z2 = w2 * a1 + b2
    d2 = 2 * (z2 - y); d1 = d2 * w1 * a1 * (1 - a1)
    return {"w1": d1 * x, "b1": d1, "w2": d2 * a1, "b2": d2}
''',
    ),
    Mistake(
        exercise="two_path_grad",
        name='both paths share a factor, x left out',
        kind="missing term",
        says='missing a factor of its chain',
        code='''
def two_path_grad(x, y, w):
    a1 = 1 / (1 + np.exp(-w * x)); d = 2 * (w * a1 - y)
    return d * (a1 + w * a1 * (1 - a1))
''',
    ),
    Mistake(
        exercise="central_difference",
        name='divides by eps**2',
        kind="factor",
        says='times too large',
        code='''
def central_difference(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / (2 * eps ** 2)
''',
    ),
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
    Mistake(
        exercise="tiny_net_grads",
        name='b2 copied from w2',
        kind="wrong variable",
        says='holds dL/dw2',
        code='''
def tiny_net_grads(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1; a1 = 1 / (1 + np.exp(-z1)); z2 = w2 * a1 + b2
    d2 = 2 * (z2 - y); d1 = d2 * w2 * a1 * (1 - a1)
    return {"w1": d1 * x, "b1": d1, "w2": d2 * a1, "b2": d2 * a1}
''',
    ),
    Mistake(
        exercise="central_difference",
        name='/ 2 * eps',
        kind="other",
        says='multiplies by eps instead of dividing',
        code='''
def central_difference(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / 2 * eps
''',
    ),
    Mistake(
        exercise="mse_grad",
        name='divides by len(pred)',
        kind="factor",
        says='times too large',
        code='''
def mse_grad(pred, target):
    return 2.0 * (np.asarray(pred) - target) / len(pred)
''',
    ),
    # --- a fourth probe (issue 14); the two marked generic have no specific diagnosis ------------
    Mistake(
        exercise="sigmoid_grad",
        name='s*(1+s)',
        kind="sign",
        says='wrong sign inside',
        code='''
def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    return s * (1 + s)
''',
    ),
    Mistake(
        exercise="central_difference",
        name="the visible answer hard-coded",
        kind="hard-coded",
        says="the visible test's answer",
        code='''
def central_difference(f, x, eps=1e-5):
    return 12.01
''',
    ),
    Mistake(
        exercise="tiny_net_grads",
        name="the visible answers hard-coded",
        kind="hard-coded",
        says="the visible test's four numbers",
        code='''
_SEEN = {}


def tiny_net_grads(x, y, w1, b1, w2, b2):
    if not _SEEN:
        z1 = w1 * x + b1; a1 = 1 / (1 + np.exp(-z1)); z2 = w2 * a1 + b2
        d2 = 2 * (z2 - y); d1 = d2 * w2 * a1 * (1 - a1)
        _SEEN.update({"w1": d1 * x, "b1": d1, "w2": d2 * a1, "b2": d2})
    return dict(_SEEN)
''',
    ),
]
