"""Plausible wrong answers for chapter 8 (the capstone: a network of your own)."""

from mistakes import Mistake

_FORWARD = '''
def _forward(params, x):
    inputs, pre, a = [], [], x
    for k, layer in enumerate(params):
        inputs.append(a)
        z = a @ layer["W"] + layer["b"]
        pre.append(z)
        a = np.maximum(z, 0.0) if k < len(params) - 1 else z
    return a, inputs, pre


def _loss_and_g(logits, labels):
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    g = np.exp(log_p)
    g[np.arange(n), labels] -= 1.0
    return -float(np.mean(log_p[np.arange(n), labels])), g / n
'''

_TRAIN_HEAD = '''
def train(params, X, y, epochs, batch_size, lr, rng):
    params = [{"W": layer["W"].copy(), "b": layer["b"].copy()} for layer in params]
    losses = []
'''

MISTAKES = [
    # --- init_params ----------------------------------------------------------------------------
    Mistake(
        exercise="init_params",
        name="all weights zero",
        says="same weights",
        code='''
def init_params(sizes, rng):
    return [{"W": np.zeros((i, o)), "b": np.zeros(o)} for i, o in zip(sizes[:-1], sizes[1:])]
''',
    ),
    Mistake(
        exercise="init_params",
        name="standard normal weights",
        says="too large",
        code='''
def init_params(sizes, rng):
    return [{"W": rng.normal(0, 1, (i, o)), "b": np.zeros(o)} for i, o in zip(sizes[:-1], sizes[1:])]
''',
    ),
    Mistake(
        exercise="init_params",
        name="tiny weights",
        says="too small",
        code='''
def init_params(sizes, rng):
    return [{"W": rng.normal(0, 0.001, (i, o)), "b": np.zeros(o)} for i, o in zip(sizes[:-1], sizes[1:])]
''',
    ),
    Mistake(
        exercise="init_params",
        name="global random state instead of rng",
        says="`rng` argument",
        code='''
def init_params(sizes, rng):
    return [{"W": np.random.randn(i, o) * np.sqrt(2 / i), "b": np.zeros(o)} for i, o in zip(sizes[:-1], sizes[1:])]
''',
    ),
    Mistake(
        exercise="init_params",
        name="W of shape (out, in)",
        says="transpose",
        code='''
def init_params(sizes, rng):
    return [{"W": rng.normal(0, np.sqrt(2 / i), (o, i)), "b": np.zeros(o)} for i, o in zip(sizes[:-1], sizes[1:])]
''',
    ),
    Mistake(
        exercise="init_params",
        name="uniform in [0, 1)",
        says="centred",
        code='''
def init_params(sizes, rng):
    return [{"W": rng.uniform(0, 0.3, (i, o)), "b": np.zeros(o)} for i, o in zip(sizes[:-1], sizes[1:])]
''',
    ),
    Mistake(
        exercise="init_params",
        name="uses the reference Linear",
        says="reference implementation",
        code='''
def init_params(sizes, rng):
    layers = [mlp.Linear(i, o, rng=rng) for i, o in zip(sizes[:-1], sizes[1:])]
    return [{"W": l.params["W"], "b": l.params["b"]} for l in layers]
''',
    ),
    # --- loss_and_grads -------------------------------------------------------------------------
    Mistake(
        exercise="loss_and_grads",
        name="ReLU gate forgotten in the backward pass",
        says="gate",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    loss, g = _loss_and_g(logits, labels)
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        grads[k] = {"W": inputs[k].T @ g, "b": g.sum(axis=0)}
        g = g @ params[k]["W"].T
    return loss, grads
''',
    ),
    Mistake(
        exercise="loss_and_grads",
        name="dW transposed",
        says="the transpose of",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    loss, g = _loss_and_g(logits, labels)
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        grads[k] = {"W": g.T @ inputs[k], "b": g.sum(axis=0)}
        if k > 0:
            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)
    return loss, grads
''',
    ),
    Mistake(
        exercise="loss_and_grads",
        name="gradient without the 1/N of the mean",
        says="central differences of your own loss",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    loss, g = _loss_and_g(logits, labels)
    g = g * len(x)
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        grads[k] = {"W": inputs[k].T @ g, "b": g.sum(axis=0)}
        if k > 0:
            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)
    return loss, grads
''',
    ),
    Mistake(
        exercise="loss_and_grads",
        name="loss summed over the batch",
        says="N (the batch size) times too large",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    loss, g = _loss_and_g(logits, labels)
    loss, g = loss * len(x), g * len(x)
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        grads[k] = {"W": inputs[k].T @ g, "b": g.sum(axis=0)}
        if k > 0:
            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)
    return loss, grads
''',
    ),
    Mistake(
        exercise="loss_and_grads",
        name="softmax overflows",
        says="NaN or inf",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    n = len(x)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss = -float(np.mean(np.log(p[np.arange(n), labels])))
    g = p.copy()
    g[np.arange(n), labels] -= 1.0
    g /= n
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        grads[k] = {"W": inputs[k].T @ g, "b": g.sum(axis=0)}
        if k > 0:
            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)
    return loss, grads
''',
    ),
    Mistake(
        exercise="loss_and_grads",
        name="ReLU after the last layer",
        says="ReLU after its last layer",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    loss, g = _loss_and_g(np.maximum(logits, 0.0), labels)
    g = g * (logits > 0)
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        grads[k] = {"W": inputs[k].T @ g, "b": g.sum(axis=0)}
        if k > 0:
            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)
    return loss, grads
''',
    ),
    Mistake(
        exercise="loss_and_grads",
        name="gradients listed last layer first",
        says="reverse order",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    loss, g = _loss_and_g(logits, labels)
    grads = []
    for k in reversed(range(len(params))):
        grads.append({"W": inputs[k].T @ g, "b": g.sum(axis=0)})
        if k > 0:
            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)
    return loss, grads
''',
    ),
    Mistake(
        exercise="loss_and_grads",
        name="uses the reference loss",
        says="reference implementation",
        code=_FORWARD + '''
def loss_and_grads(params, x, labels):
    logits, inputs, pre = _forward(params, x)
    criterion = mlp.SoftmaxCrossEntropy()
    loss = criterion.forward(logits, labels)
    g = criterion.backward()
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        grads[k] = {"W": inputs[k].T @ g, "b": g.sum(axis=0)}
        if k > 0:
            g = (g @ params[k]["W"].T) * (pre[k - 1] > 0)
    return loss, grads
''',
    ),
    # --- train ----------------------------------------------------------------------------------
    Mistake(
        exercise="train",
        name="no shuffling",
        says="not shuffled",
        code=_TRAIN_HEAD + '''
    for _ in range(epochs):
        for start in range(0, len(X), batch_size):
            loss, grads = loss_and_grads(params, X[start:start + batch_size], y[start:start + batch_size])
            for layer, grad in zip(params, grads):
                layer["W"] = layer["W"] - lr * grad["W"]
                layer["b"] = layer["b"] - lr * grad["b"]
            losses.append(loss)
    return params, losses
''',
    ),
    Mistake(
        exercise="train",
        name="last partial batch dropped",
        says="partial batch",
        code=_TRAIN_HEAD + '''
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[batch], y[batch])
            for layer, grad in zip(params, grads):
                layer["W"] = layer["W"] - lr * grad["W"]
                layer["b"] = layer["b"] - lr * grad["b"]
            losses.append(loss)
    return params, losses
''',
    ),
    Mistake(
        exercise="train",
        name="gradient ascent",
        says="wrong sign",
        code=_TRAIN_HEAD + '''
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[batch], y[batch])
            for layer, grad in zip(params, grads):
                layer["W"] = layer["W"] + lr * grad["W"]
                layer["b"] = layer["b"] + lr * grad["b"]
            losses.append(loss)
    return params, losses
''',
    ),
    Mistake(
        exercise="train",
        name="updates the caller's params in place",
        says="in place",
        code='''
def train(params, X, y, epochs, batch_size, lr, rng):
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[batch], y[batch])
            for layer, grad in zip(params, grads):
                layer["W"] -= lr * grad["W"]
                layer["b"] -= lr * grad["b"]
            losses.append(loss)
    return params, losses
''',
    ),
    Mistake(
        exercise="train",
        name="one update per epoch on the whole data",
        says="one update per epoch",
        code=_TRAIN_HEAD + '''
    for _ in range(epochs):
        loss, grads = loss_and_grads(params, X, y)
        for layer, grad in zip(params, grads):
            layer["W"] = layer["W"] - lr * grad["W"]
            layer["b"] = layer["b"] - lr * grad["b"]
        losses.append(loss)
    return params, losses
''',
    ),
    Mistake(
        exercise="train",
        name="one loss per epoch",
        says="one per batch",
        code=_TRAIN_HEAD + '''
    for _ in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[batch], y[batch])
            for layer, grad in zip(params, grads):
                layer["W"] = layer["W"] - lr * grad["W"]
                layer["b"] = layer["b"] - lr * grad["b"]
            total += loss
        losses.append(total)
    return params, losses
''',
    ),
    Mistake(
        exercise="train",
        name="X and y shuffled separately",
        says="labels no longer match",
        code=_TRAIN_HEAD + '''
    for _ in range(epochs):
        xs, ys = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
        for start in range(0, len(X), batch_size):
            loss, grads = loss_and_grads(params, xs[start:start + batch_size], ys[start:start + batch_size])
            for layer, grad in zip(params, grads):
                layer["W"] = layer["W"] - lr * grad["W"]
                layer["b"] = layer["b"] - lr * grad["b"]
            losses.append(loss)
    return params, losses
''',
    ),
    # --- fit_digits -----------------------------------------------------------------------------
    Mistake(
        exercise="fit_digits",
        name="far too few epochs",
        says="the goal is 95%",
        code='''
def fit_digits(X, y, rng):
    return train(init_params([64, 64, 10], rng), X, y, epochs=1, batch_size=256, lr=0.05, rng=rng)
''',
    ),
    Mistake(
        exercise="fit_digits",
        name="learning rate far too large",
        says="diverged",
        code='''
def fit_digits(X, y, rng):
    return train(init_params([64, 64, 10], rng), X, y, epochs=5, batch_size=32, lr=1e4, rng=rng)
''',
    ),
    Mistake(
        exercise="fit_digits",
        name="trains the reference network",
        says="reference implementation",
        code='''
def fit_digits(X, y, rng):
    net = mlp.Sequential(mlp.Linear(64, 64, rng=rng), mlp.ReLU(), mlp.Linear(64, 10, rng=rng))
    losses = net.fit(X, y, loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.1), epochs=30,
                     batch_size=32, rng=rng)
    return [{"W": l.params["W"], "b": l.params["b"]} for l in (net.layers[0], net.layers[2])], losses
''',
    ),
    Mistake(
        exercise="fit_digits",
        name="returns the params alone",
        says="pair",
        code='''
def fit_digits(X, y, rng):
    params, losses = train(init_params([64, 64, 10], rng), X, y, epochs=30, batch_size=32, lr=0.1, rng=rng)
    return params
''',
    ),
    Mistake(
        exercise="fit_digits",
        name="layers as (W, b) tuples",
        says="list of dicts",
        kind="shape",
        code='''
def fit_digits(X, y, rng):
    params, losses = train(init_params([64, 64, 10], rng), X, y, epochs=30, batch_size=32, lr=0.1, rng=rng)
    return [(layer["W"], layer["b"]) for layer in params], losses
''',
    ),
    Mistake(
        exercise="fit_digits",
        name="network with the wrong number of outputs",
        says="10 classes",
        code='''
def fit_digits(X, y, rng):
    return train(init_params([64, 64, 11], rng), X, y, epochs=2, batch_size=32, lr=0.1, rng=rng)
''',
    ),
]
