"""Plausible wrong answers for chapter 5 (batches and training).

Among them the bugs of the network in the blog post *Yet another explanation of backprop*, and
plausible wrong fixes of them: the bug hunt's answer cell (`blog_net`) is graded by four test
cells, each of which builds the network from the course's parts and one part of the cell.
"""

from mistakes import Mistake

_SOFTMAX = '''
def _grad_rows(W, b, X, labels):
    z = X @ W + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(X)), labels] -= 1.0
    return p
'''

# --- the bug hunt's cell: the fixed parts, and a function to put wrong ones in ---------------------------

_SIGMOID = '''def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), written so that it never overflows."""
    return 0.5 * (1 + np.tanh(0.5 * z))

def sigmoid_grad(z):
    """d sigmoid / dz, as a function of z."""
    s = sigmoid(z)
    return s * (1 - s)
'''

_FIXED = {
    'relu': '''def relu(z):
    """max(z, 0), entry by entry."""
    return np.maximum(z, 0)
''',
    'relu_grad': '''def relu_grad(z):
    """d relu / dz, entry by entry: 1 where z > 0, 0 elsewhere."""
    return (z > 0).astype(float)
''',
    'output_delta': '''def output_delta(grad_a, z, a, act_grad):
    """dL/dz at the output layer: grad_a = dL/da, a = act(z), act_grad(z) = da/dz."""
    return grad_a * act_grad(z)
''',
    'param_grads': '''def param_grads(a_prev, delta):
    """(dL/dW, dL/db) of a linear layer: a_prev (N, in) its input, delta = dL/dz (N, out)."""
    return a_prev.T @ delta, delta.sum(axis=0)
''',
    'mse_grad': '''def mse_grad(pred, target):
    """d mean((pred - target) ** 2) / d pred, with the shape of pred."""
    return 2 * (pred - target) / pred.size
''',
}

_BUGGY = {  # as released
    'relu': '''def relu(z):
    """max(z, 0), entry by entry."""
    z[z < 0] = 0
    return z
''',
    'relu_grad': '''def relu_grad(z):
    """d relu / dz, entry by entry: 1 where z > 0, 0 elsewhere."""
    z[z < 0] = 0
    z[z > 0] = 1
    return z
''',
    'output_delta': '''def output_delta(grad_a, z, a, act_grad):
    """dL/dz at the output layer: grad_a = dL/da, a = act(z), act_grad(z) = da/dz."""
    return grad_a * act_grad(a)
''',
    'param_grads': '''def param_grads(a_prev, delta):
    """(dL/dW, dL/db) of a linear layer: a_prev (N, in) its input, delta = dL/dz (N, out)."""
    return a_prev.T @ delta, delta.mean(axis=0)
''',
    'mse_grad': '''def mse_grad(pred, target):
    """d mean((pred - target) ** 2) / d pred, with the shape of pred."""
    return 2 * (pred - target)
''',
}

_CLASS = '''

class BlogNet:
    """The blog post's network in the course's words.

    Linear - ReLU - ... - Linear - sigmoid, trained on the mean squared error.
    """

    def __init__(self, sizes, rng=0):
        rng = np.random.default_rng(rng)
        pairs = zip(sizes[:-1], sizes[1:])
        self.W = [rng.standard_normal((m, k)) / np.sqrt(m) for m, k in pairs]
        self.b = [rng.normal(0, 0.1, k) for k in sizes[1:]]

    def forward(self, x):
        """x (N, in) -> a (N, out); keeps every z and a for backward."""
        self.z, self.a = [], [x]
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = self.a[-1] @ W + b
            self.z.append(z)
            last = l == len(self.W) - 1
            self.a.append(sigmoid(z) if last else relu(z))
        return self.a[-1]

    def loss(self, x, y):
        return np.mean((self.forward(x) - y) ** 2)

    def backward(self, y):
        """[(dW, db), ...], one pair per layer, for the last forward batch."""
        pred = self.a[-1]
        grad_a = mse_grad(pred, y)
        deltas = [output_delta(grad_a, self.z[-1], pred, sigmoid_grad)]
        for l in range(len(self.W) - 1, 0, -1):   # last hidden layer down
            back = deltas[0] @ self.W[l].T
            deltas.insert(0, back * relu_grad(self.z[l - 1]))
        return [param_grads(a_prev, delta)
                for a_prev, delta in zip(self.a[:-1], deltas)]

    def step(self, grads, lr):
        for W, b, (dW, db) in zip(self.W, self.b, grads):
            W -= lr * dW
            b -= lr * db
'''


def _blog(**parts):
    """The whole answer cell: the fixed functions, with the given ones replaced (by name)."""
    chosen = [parts.get(k, _FIXED[k]) for k in ("relu", "relu_grad", "output_delta", "param_grads", "mse_grad")]
    return _SIGMOID + "\n" + "\n".join(chosen) + _CLASS


def _bug(number, name, says, kind, **parts):
    return Mistake(exercise="blog_net", test=f"test_blog_net_{number}", name=name, says=says, kind=kind,
                   code=_blog(**parts))


MISTAKES = [
    # --- per_example_grads ------------------------------------------------------------------------
    Mistake(
        exercise="per_example_grads",
        name="divided by the batch size",
        says="N times too small",
        code=_SOFTMAX + '''
def per_example_grads(W, b, X, labels):
    G = _grad_rows(W, b, X, labels) / len(X)
    return X[:, :, None] * G[:, None, :], G
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name="outer product transposed",
        says="transposed",
        code=_SOFTMAX + '''
def per_example_grads(W, b, X, labels):
    G = _grad_rows(W, b, X, labels)
    return G[:, :, None] * X[:, None, :], G
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name="one gradient for the whole batch",
        says="one gradient per example",
        code=_SOFTMAX + '''
def per_example_grads(W, b, X, labels):
    G = _grad_rows(W, b, X, labels)
    return X.T @ G, G
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name="softmax overflows",
        says="NaN or inf",
        code='''
def per_example_grads(W, b, X, labels):
    p = np.exp(X @ W + b)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(X)), labels] -= 1.0
    return X[:, :, None] * p[:, None, :], p
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name="calls the reference layers",
        says="reference implementation",
        code='''
def per_example_grads(W, b, X, labels):
    dWs, dbs = [], []
    for n in range(len(X)):
        lin = mlp.Linear(*W.shape)
        lin.params["W"], lin.params["b"] = W, b
        loss = mlp.SoftmaxCrossEntropy()
        loss.forward(lin.forward(X[n:n + 1]), labels[n:n + 1])
        lin.backward(loss.backward())
        dWs.append(lin.grads["W"])
        dbs.append(lin.grads["b"])
    return np.array(dWs), np.array(dbs)
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name="labels ignored",
        kind="missing term",
        says='ignores the labels',
        code=_SOFTMAX + '''
def per_example_grads(W, b, X, labels):
    z = X @ W + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return X[:, :, None] * p[:, None, :], p
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name='db summed over the batch',
        kind="axis",
        says='one axis is missing',
        code='''
def per_example_grads(W, b, X, labels):
    z = X @ W + b; p = np.exp(z - z.max(axis=1, keepdims=True)); p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(X)), labels] -= 1
    return X[:, :, None] * p[:, None, :], p.sum(axis=0)
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name='db of shape (N, 1)',
        kind="axis",
        says='summed or averaged away',
        code='''
def per_example_grads(W, b, X, labels):
    z = X @ W + b; p = np.exp(z - z.max(axis=1, keepdims=True)); p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(X)), labels] -= 1
    return X[:, :, None] * p[:, None, :], p.sum(axis=1, keepdims=True)
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name='dW_each summed over classes',
        kind="axis",
        says='one axis is missing',
        code='''
def per_example_grads(W, b, X, labels):
    z = X @ W + b; p = np.exp(z - z.max(axis=1, keepdims=True)); p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(X)), labels] -= 1
    return X * p.sum(axis=1, keepdims=True), p
''',
    ),

    Mistake(
        exercise="per_example_grads",
        name="the reference's gradient of the mean kept as it is",
        kind="factor",
        says="N times too small",
        code='''
def per_example_grads(W, b, X, labels):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(X @ W + b, labels)
    G = loss.backward()
    return X[:, :, None] * G[:, None, :], G
''',
    ),
    Mistake(
        exercise="per_example_grads",
        name="the factor N applied twice",
        kind="factor",
        says="N times too large",
        code='''
def per_example_grads(W, b, X, labels):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(X @ W + b, labels)
    G = loss.backward() * len(X)
    return X[:, :, None] * G[:, None, :] * len(X), G * len(X)
''',
    ),
    # --- minibatches ------------------------------------------------------------------------------
    Mistake(
        exercise="minibatches",
        name="drops the last partial batch (the blog post)",
        says="2 of the 20 examples were skipped",
        code='''
def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    Xs, ys = X[order], y[order]
    return [(Xs[j * batch_size:(j + 1) * batch_size], ys[j * batch_size:(j + 1) * batch_size])
            for j in range(len(X) // batch_size)]
''',
    ),

    Mistake(
        exercise="minibatches",
        name="no shuffle",
        says="not shuffled",
        code='''
def minibatches(X, y, batch_size, rng):
    return [(X[s:s + batch_size], y[s:s + batch_size]) for s in range(0, len(X), batch_size)]
''',
    ),

    Mistake(
        exercise="minibatches",
        name="X and y shuffled with different permutations",
        says="rows of X and y no longer match",
        code='''
def minibatches(X, y, batch_size, rng):
    Xs, ys = X[rng.permutation(len(X))], y[rng.permutation(len(X))]
    return [(Xs[s:s + batch_size], ys[s:s + batch_size]) for s in range(0, len(X), batch_size)]
''',
    ),

    Mistake(
        exercise="minibatches",
        name="shuffles X in place",
        says="in place",
        code='''
def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    X[:] = X[order]
    y = y[order]
    return [(X[s:s + batch_size], y[s:s + batch_size]) for s in range(0, len(X), batch_size)]
''',
    ),

    Mistake(
        exercise="minibatches",
        name="global numpy random state instead of rng",
        says="without drawing anything from `rng`",
        code='''
def minibatches(X, y, batch_size, rng):
    order = np.random.permutation(len(X))
    return [(X[order[s:s + batch_size]], y[order[s:s + batch_size]]) for s in range(0, len(X), batch_size)]
''',
    ),

    Mistake(
        exercise="minibatches",
        name="the whole epoch as one batch",
        kind="other",
        says='batches have sizes',
        code='''
def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    return [(X[order], y[order])]
''',
    ),

    Mistake(
        exercise="minibatches",
        name='drops the last batch',
        kind="other",
        says='last, partial batch',
        code='''
def minibatches(X, y, batch_size, rng):
    o = rng.permutation(len(X))
    return [(X[o[i:i+batch_size]], y[o[i:i+batch_size]]) for i in range(0, len(X) - batch_size + 1, batch_size)]
''',
    ),

    Mistake(
        exercise="minibatches",
        name='indices drawn with replacement',
        kind="global RNG",
        says='more than once',
        code='''
def minibatches(X, y, batch_size, rng):
    idx = rng.integers(0, len(X), size=len(X))
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]) for i in range(0, len(X), batch_size)]
''',
    ),
    # --- gradient_check ---------------------------------------------------------------------------
    Mistake(
        exercise="gradient_check",
        name="the perturbed value is never written back",
        kind="in-place",
        says="not exactly what it was",
        code='''
def gradient_check(net, x, y):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            def loss_at(value, p=p):
                p[...] = value
                return net.loss(x, y)
            errors[f"{name}{l + 1}"] = mlp.rel_error(g, mlp.numerical_gradient(loss_at, p))
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="the step added and subtracted again (rounding left behind)",
        kind="in-place",
        says="bit for bit",
        code='''
def gradient_check(net, x, y, h=1e-5):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            num = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                p[i] += h
                up = net.loss(x, y)
                p[i] -= 2 * h
                down = net.loss(x, y)
                p[i] += h
                num[i] = (up - down) / (2 * h)
            errors[f"{name}{l + 1}"] = mlp.rel_error(g, num)
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="backward without a forward pass on x",
        kind="point of evaluation",
        says="before running `net.forward(x)`",
        code='''
def gradient_check(net, x, y):
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            def loss_at(value, p=p):
                saved = p.copy()
                p[...] = value
                out = net.loss(x, y)
                p[...] = saved
                return out
            errors[f"{name}{l + 1}"] = mlp.rel_error(g, mlp.numerical_gradient(loss_at, p))
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="backward after the finite differences, on a perturbed forward pass",
        kind="point of evaluation",
        says="after a forward pass with a perturbed parameter",
        code='''
def gradient_check(net, x, y):
    numeric = []
    for p in [q for pair in zip(net.W, net.b) for q in pair]:
        def loss_at(value, p=p):
            saved = p.copy()
            p[...] = value
            out = net.loss(x, y)
            p[...] = saved
            return out
        numeric.append(mlp.numerical_gradient(loss_at, p))
    grads = [g for pair in net.backward(y) for g in pair]
    names = [f"{k}{l + 1}" for l in range(len(net.W)) for k in ("W", "b")]
    return {n: mlp.rel_error(g, m) for n, g, m in zip(names, grads, numeric)}
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="layers numbered from 0",
        kind="other",
        says="count the layers from 0",
        code='''
def gradient_check(net, x, y):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            def loss_at(value, p=p):
                saved = p.copy()
                p[...] = value
                out = net.loss(x, y)
                p[...] = saved
                return out
            errors[f"{name}{l}"] = mlp.rel_error(g, mlp.numerical_gradient(loss_at, p))
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="absolute differences instead of relative errors",
        kind="missing term",
        says="absolute difference",
        code='''
def gradient_check(net, x, y):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            def loss_at(value, p=p):
                saved = p.copy()
                p[...] = value
                out = net.loss(x, y)
                p[...] = saved
                return out
            errors[f"{name}{l + 1}"] = float(np.abs(g - mlp.numerical_gradient(loss_at, p)).max())
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="the loss does not see the perturbed value",
        kind="wrong variable",
        says="does not depend on the values being perturbed",
        code='''
def gradient_check(net, x, y):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            numeric = mlp.numerical_gradient(lambda value: net.loss(x, y), p)
            errors[f"{name}{l + 1}"] = mlp.rel_error(g, numeric)
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="the biases left out",
        kind="missing term",
        says="no entry for b1",
        code='''
def gradient_check(net, x, y):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        p = net.W[l]
        def loss_at(value):
            saved = p.copy()
            p[...] = value
            out = net.loss(x, y)
            p[...] = saved
            return out
        errors[f"W{l + 1}"] = mlp.rel_error(dW, mlp.numerical_gradient(loss_at, p))
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="an error per entry instead of one per array",
        kind="shape",
        says="should be one number",
        code='''
def gradient_check(net, x, y):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for l, (dW, db) in enumerate(grads):
        for name, p, g in (("W", net.W[l], dW), ("b", net.b[l], db)):
            def loss_at(value, p=p):
                saved = p.copy()
                p[...] = value
                out = net.loss(x, y)
                p[...] = saved
                return out
            num = mlp.numerical_gradient(loss_at, p)
            errors[f"{name}{l + 1}"] = np.abs(g - num) / (np.abs(g) + np.abs(num))
    return errors
''',
    ),
    Mistake(
        exercise="gradient_check",
        name="every W first, then every b",
        kind="other",
        says="in the order",
        code='''
def gradient_check(net, x, y):
    net.forward(x)
    grads = net.backward(y)
    errors = {}
    for k, name in ((0, "W"), (1, "b")):
        for l, pair in enumerate(grads):
            p = (net.W, net.b)[k][l]
            def loss_at(value, p=p):
                saved = p.copy()
                p[...] = value
                out = net.loss(x, y)
                p[...] = saved
                return out
            errors[f"{name}{l + 1}"] = mlp.rel_error(pair[k], mlp.numerical_gradient(loss_at, p))
    return errors
''',
    ),
    # --- the bug hunt, test 1: the ReLU and its derivative ------------------------------------------
    _bug(1, "both in place, as released", "W2 fails", "in-place", relu=_BUGGY["relu"],
         relu_grad=_BUGGY["relu_grad"]),
    _bug(1, "relu fixed, relu_grad still in place", "changed during the backward pass", "in-place",
         relu_grad=_BUGGY["relu_grad"]),
    _bug(1, "relu_grad copies, relu still in place", "changed during the forward pass", "in-place",
         relu=_BUGGY["relu"], relu_grad='''def relu_grad(z):
    g = z.copy()
    g[g < 0] = 0
    g[g > 0] = 1
    return g
'''),
    _bug(1, "np.maximum with out=z", "changed during the forward pass", "in-place", relu='''def relu(z):
    return np.maximum(z, 0, out=z)
'''),
    _bug(1, "relu_grad returns ReLU itself", "W1 and b1 fail", "wrong variable", relu_grad='''def relu_grad(z):
    return np.maximum(z, 0)
'''),
    _bug(1, "relu_grad as the sign of z", "W1 and b1 fail", "sign", relu_grad='''def relu_grad(z):
    return np.sign(z)
'''),
    _bug(1, "relu_grad mask flipped", "W1 and b1 fail", "other", relu_grad='''def relu_grad(z):
    return (z < 0).astype(float)
'''),
    # --- test 2: the output's delta -------------------------------------------------------------------
    _bug(2, "derivative at the output a, as released", "varies from entry to entry", "point of evaluation",
         output_delta=_BUGGY["output_delta"]),
    _bug(2, "a(1 - a) with act_grad ignored", "never called `act_grad`", "hard-coded",
         output_delta='''def output_delta(grad_a, z, a, act_grad):
    return grad_a * a * (1 - a)
'''),
    _bug(2, "the derivative alone", "W1, b1, W2 and b2 fail", "missing term",
         output_delta='''def output_delta(grad_a, z, a, act_grad):
    return act_grad(z)
'''),
    _bug(2, "grad_a multiplied in place", "output changed during the backward pass", "in-place",
         output_delta='''def output_delta(grad_a, z, a, act_grad):
    grad_a *= act_grad(z)
    return grad_a
'''),
    _bug(2, "divided by the derivative", "W1, b1, W2 and b2 fail", "other",
         output_delta='''def output_delta(grad_a, z, a, act_grad):
    return grad_a / act_grad(z)
'''),
    _bug(2, "added instead of multiplied", "W1, b1, W2 and b2 fail", "other",
         output_delta='''def output_delta(grad_a, z, a, act_grad):
    return grad_a + act_grad(z)
'''),
    _bug(2, "the output a where grad_a belongs", "W1, b1, W2 and b2 fail", "wrong variable",
         output_delta='''def output_delta(grad_a, z, a, act_grad):
    return a * act_grad(z)
'''),
    # --- test 3: the parameter gradients ------------------------------------------------------------
    _bug(3, "a mean for the biases, as released", "b1 and b2 are 1/5 of", "factor",
         param_grads=_BUGGY["param_grads"]),
    _bug(3, "both divided by N", "W1, b1, W2 and b2 are 1/5 of", "factor",
         param_grads='''def param_grads(a_prev, delta):
    n = len(a_prev)
    return a_prev.T @ delta / n, delta.sum(axis=0) / n
'''),
    _bug(3, "a mean for the weights, a sum for the biases", "W1 and W2 are 1/5 of", "factor",
         param_grads='''def param_grads(a_prev, delta):
    return a_prev.T @ delta / len(a_prev), delta.sum(axis=0)
'''),
    _bug(3, "db divided by the layer's width", "b2 is 1/3 of", "factor",
         param_grads='''def param_grads(a_prev, delta):
    return a_prev.T @ delta, delta.sum(axis=0) / delta.shape[1]
'''),
    _bug(3, "dW divided by the number of inputs", "W1 is 1/4 of", "factor",
         param_grads='''def param_grads(a_prev, delta):
    return a_prev.T @ delta / a_prev.shape[1], delta.sum(axis=0)
'''),
    _bug(3, "delta averaged in place", "W1, b1, W2 and b2 are 1/5 of", "in-place",
         param_grads='''def param_grads(a_prev, delta):
    delta /= len(delta)
    return a_prev.T @ delta, delta.sum(axis=0)
'''),
    _bug(3, "db from the first example only", "b1 and b2 fail", "other",
         param_grads='''def param_grads(a_prev, delta):
    return a_prev.T @ delta, delta[0]
'''),
    # --- test 4: the loss's gradient ----------------------------------------------------------------
    _bug(4, "no 1/M, as released", "are 15 times", "factor", mse_grad=_BUGGY["mse_grad"]),
    _bug(4, "divided by N instead of M", "are 3 times", "factor", mse_grad='''def mse_grad(pred, target):
    return 2 * (pred - target) / len(pred)
'''),
    _bug(4, "divided by the width instead of M", "are 5 times", "factor",
         mse_grad='''def mse_grad(pred, target):
    return 2 * (pred - target) / pred.shape[-1]
'''),
    _bug(4, "the 2 dropped", "are 1/2 of", "factor", mse_grad='''def mse_grad(pred, target):
    return (pred - target) / pred.size
'''),
    _bug(4, "sign flipped", "are the negative of", "sign", mse_grad='''def mse_grad(pred, target):
    return 2 * (target - pred) / pred.size
'''),
    _bug(4, "divided by M twice", "are 1/15 of", "factor", mse_grad='''def mse_grad(pred, target):
    return 2 * (pred - target) / pred.size / pred.size
'''),
    _bug(4, "the output overwritten", "output changed during the backward pass", "in-place",
         mse_grad='''def mse_grad(pred, target):
    pred -= target
    return 2 * pred / pred.size
'''),
]
