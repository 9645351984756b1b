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
    # ------------------------------------------------------------------ chain_grads
    Mistake(
        exercise="chain_grads",
        name="sigmoid derivative evaluated at the output a",
        kind="point of evaluation",
        says="at a layer's output a",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    delta, dws, dbs = 2 * (zs[-1] - y), [], []
    for l in reversed(range(len(ws))):
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
        if l > 0:
            s = 1 / (1 + np.exp(-ins[l]))
            delta = delta * ws[l] * s * (1 - s)
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="sigmoid derivative taken at the z of the layer above",
        kind="point of evaluation",
        says="at the wrong place",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    delta, dws, dbs = 2 * (zs[-1] - y), [], []
    for l in reversed(range(len(ws))):
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
        if l > 0:
            s = 1 / (1 + np.exp(-zs[l]))
            delta = delta * ws[l] * s * (1 - s)
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="the 2 of the square forgotten",
        kind="factor",
        says="misses the factor 2",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    delta, dws, dbs = zs[-1] - y, [], []
    for l in reversed(range(len(ws))):
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
        if l > 0:
            delta = delta * ws[l] * ins[l] * (1 - ins[l])
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="delta not carried down: each layer from the output's delta",
        kind="missing term",
        says="does not carry delta down",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    top = 2 * (zs[-1] - y)
    dws, dbs = [top * ins[-1]], [top]
    for l in range(len(ws) - 2, -1, -1):
        delta = top * ws[l + 1] * ins[l + 1] * (1 - ins[l + 1])
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="a sigmoid on the output layer too",
        kind="other",
        says="as if it had a sigmoid",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        ins.append(1 / (1 + np.exp(-zs[l])))
    delta = 2 * (ins[-1] - y) * ins[-1] * (1 - ins[-1])
    dws, dbs = [], []
    for l in reversed(range(len(ws))):
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
        if l > 0:
            delta = delta * ws[l] * ins[l] * (1 - ins[l])
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="each weight's gradient uses its own layer's output",
        kind="wrong variable",
        says="off by one in which activation multiplies which weight",
        code='''
def chain_grads(x, y, ws, bs):
    zs, outs = [], []
    a = x
    for l in range(len(ws)):
        zs.append(ws[l] * a + bs[l])
        a = 1 / (1 + np.exp(-zs[l])) if l < len(ws) - 1 else zs[l]
        outs.append(a)
    delta, dws, dbs = 2 * (zs[-1] - y), [], []
    for l in reversed(range(len(ws))):
        dws.insert(0, delta * outs[l]); dbs.insert(0, delta)
        if l > 0:
            delta = delta * ws[l] * outs[l - 1] * (1 - outs[l - 1])
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="delta carried down with the weight of the layer below",
        kind="wrong variable",
        says="off by one in which weight carries delta down",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    delta, dws, dbs = 2 * (zs[-1] - y), [], []
    for l in reversed(range(len(ws))):
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
        if l > 0:
            delta = delta * ws[l - 1] * ins[l] * (1 - ins[l])
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="lists returned in the order the backward pass made them",
        kind="axis",
        says="wrong order: last layer first",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    delta, dws, dbs = 2 * (zs[-1] - y), [], []
    for l in reversed(range(len(ws))):
        dws.append(delta * ins[l]); dbs.append(delta)
        if l > 0:
            delta = delta * ws[l] * ins[l] * (1 - ins[l])
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="the backward loop stops before the first layer",
        kind="shape",
        says="wrong length",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    delta, dws, dbs = 2 * (zs[-1] - y), [], []
    for l in range(len(ws) - 1, 0, -1):
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
        delta = delta * ws[l] * ins[l] * (1 - ins[l])
    return dws, dbs
''',
    ),
    Mistake(
        exercise="chain_grads",
        name="error taken as y - z_D",
        kind="sign",
        says="wrong sign",
        code='''
def chain_grads(x, y, ws, bs):
    zs, ins = [], [x]
    for l in range(len(ws)):
        zs.append(ws[l] * ins[l] + bs[l])
        if l < len(ws) - 1:
            ins.append(1 / (1 + np.exp(-zs[l])))
    delta, dws, dbs = 2 * (y - zs[-1]), [], []
    for l in reversed(range(len(ws))):
        dws.insert(0, delta * ins[l]); dbs.insert(0, delta)
        if l > 0:
            delta = delta * ws[l] * ins[l] * (1 - ins[l])
    return dws, dbs
''',
    ),
    # ------------------------------------------------------------------ central_difference
    Mistake(
        exercise="central_difference",
        name="one-sided difference",
        kind="other",
        says="one-sided",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x)) / eps
    work, grad = np.array(x, dtype=float), np.zeros(np.shape(x))
    mid = f(work)
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + eps
        grad[i] = (f(work) - mid) / eps
        work[i] = old
    return grad
''',
    ),
    Mistake(
        exercise="central_difference",
        name="divides by eps instead of 2 eps",
        kind="factor",
        says="the factor 2 is missing in the denominator",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / eps
    work, grad = np.array(x, dtype=float), np.zeros(np.shape(x))
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + eps; up = f(work)
        work[i] = old - eps; down = f(work)
        work[i] = old
        grad[i] = (up - down) / eps
    return grad
''',
    ),
    Mistake(
        exercise="central_difference",
        name="every entry moved at once (a directional derivative)",
        kind="other",
        says="directional derivative",
        code='''
def central_difference(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / (2 * eps)
''',
    ),
    Mistake(
        exercise="central_difference",
        name="x moved in place and left at x - eps",
        kind="in-place",
        says="leaves x changed",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += eps; up = f(x)
        x[i] -= 2 * eps; down = f(x)
        grad[i] = (up - down) / (2 * eps)
    return grad
''',
    ),
    Mistake(
        exercise="central_difference",
        name="x put back by adding eps again (rounding)",
        kind="in-place",
        says="in its last digits",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    work = x if x.dtype == np.float64 else x.astype(np.float64)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        work[i] += eps; up = f(work)
        work[i] -= 2 * eps; down = f(work)
        work[i] += eps
        grad[i] = (up - down) / (2 * eps)
    return grad
''',
    ),
    Mistake(
        exercise="central_difference",
        name="gradient stored in zeros_like(x): integers truncated",
        kind="unstable",
        says="whole numbers",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    work, grad = np.array(x, dtype=float), np.zeros_like(x)
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + eps; up = f(work)
        work[i] = old - eps; down = f(work)
        work[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
''',
    ),
    Mistake(
        exercise="central_difference",
        name="an integer copy of x: the step is truncated away",
        kind="unstable",
        says="truncates the step away",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    work, grad = x.copy(), np.zeros(x.shape)
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + eps; up = f(work)
        work[i] = old - eps; down = f(work)
        work[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
''',
    ),
    Mistake(
        exercise="central_difference",
        name="gradient returned flattened",
        kind="shape",
        says="flattened or reshaped",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    work = np.array(x, dtype=float)
    flat, grad = work.reshape(-1), []
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps; up = f(work)
        flat[i] = old - eps; down = f(work)
        flat[i] = old
        grad.append((up - down) / (2 * eps))
    return np.array(grad)
''',
    ),
    Mistake(
        exercise="central_difference",
        name="the rates written into x's own memory",
        kind="views",
        says="shares memory with x",
        code='''
def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    work = np.asarray(x, dtype=np.float64)  # no copy when x is already float64
    rates = []
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + eps; up = f(work)
        work[i] = old - eps; down = f(work)
        work[i] = old
        rates.append((up - down) / (2 * eps))
    work[...] = np.reshape(rates, work.shape)
    return work
''',
    ),
    Mistake(
        exercise="central_difference",
        name="one result buffer kept between calls",
        kind="views",
        says="changed when it was called again",
        code='''
_BUFFER = {}


def central_difference(f, x, eps=1e-5):
    if not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    work = np.array(x, dtype=float)
    grad = _BUFFER.setdefault(work.shape, np.zeros(work.shape))
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + eps; up = f(work)
        work[i] = old - eps; down = f(work)
        work[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
''',
    ),
    Mistake(
        exercise="central_difference",
        name="calls the reference numerical_gradient",
        says="reference implementation",
        code='''
def central_difference(f, x, eps=1e-5):
    grad = mlp.numerical_gradient(f, x, eps)
    return float(grad) if np.ndim(x) == 0 else grad
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
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
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
]
