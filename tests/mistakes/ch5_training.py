"""Plausible wrong answers for chapter 5 (batches and training).

Among them the bugs of the network in the blog post *Yet another explanation of backprop*.
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
    # --- batch_grad -------------------------------------------------------------------------------
    Mistake(
        exercise="batch_grad",
        name="summed, not averaged",
        says="N times too large",
        code=_SOFTMAX + '''
def batch_grad(W, b, X, labels):
    G = _grad_rows(W, b, X, labels)
    return X.T @ G, G.sum(axis=0)
''',
    ),
    Mistake(
        exercise="batch_grad",
        name="averaged twice",
        says="N times too small",
        code=_SOFTMAX + '''
def batch_grad(W, b, X, labels):
    G = _grad_rows(W, b, X, labels) / len(X)
    return X.T @ G / len(X), G.mean(axis=0)
''',
    ),
    Mistake(
        exercise="batch_grad",
        name="per-example gradients not combined",
        says="combine the examples",
        code=_SOFTMAX + '''
def batch_grad(W, b, X, labels):
    G = _grad_rows(W, b, X, labels) / len(X)
    return X[:, :, None] * G[:, None, :], G
''',
    ),
    Mistake(
        exercise="batch_grad",
        name="sign flipped",
        says="wrong sign",
        code=_SOFTMAX + '''
def batch_grad(W, b, X, labels):
    G = -_grad_rows(W, b, X, labels) / len(X)
    return X.T @ G, G.sum(axis=0)
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
    # --- the bug hunt -----------------------------------------------------------------------------
    Mistake(
        exercise="relu",
        name="in place (the blog post)",
        says="in place",
        code='''
def relu(z):
    z[z < 0] = 0
    return z
''',
    ),
    Mistake(
        exercise="relu",
        name="np.maximum with out=z",
        says="in place",
        code='''
def relu(z):
    return np.maximum(z, 0, out=z)
''',
    ),
    Mistake(
        exercise="relu",
        name="derivative instead of the function",
        says="0/1 mask",
        code='''
def relu(z):
    return (z > 0).astype(float)
''',
    ),
    Mistake(
        exercise="output_delta",
        name="derivative applied to the output a (the blog post)",
        says="applied to the output a",
        code='''
def output_delta(grad_a, z, a, act_grad):
    return grad_a * act_grad(a)
''',
    ),
    Mistake(
        exercise="output_delta",
        name="forgets the incoming gradient",
        says="multiplies it by the gradient arriving",
        code='''
def output_delta(grad_a, z, a, act_grad):
    return act_grad(z)
''',
    ),
    Mistake(
        exercise="output_delta",
        name="hard-codes the sigmoid",
        says="never called `act_grad`",
        code='''
def output_delta(grad_a, z, a, act_grad):
    return grad_a * a * (1 - a)
''',
    ),
    Mistake(
        exercise="param_grads",
        name="mean for the biases, sum for the weights (the blog post)",
        says="mean for the biases but a sum for the weights",
        code='''
def param_grads(a_prev, delta):
    return a_prev.T @ delta, delta.mean(axis=0)
''',
    ),
    Mistake(
        exercise="param_grads",
        name="both averaged again",
        says="both N times too small",
        code='''
def param_grads(a_prev, delta):
    return a_prev.T @ delta / len(delta), delta.mean(axis=0)
''',
    ),
    Mistake(
        exercise="param_grads",
        name="dW transposed",
        says="transposed",
        code='''
def param_grads(a_prev, delta):
    return delta.T @ a_prev, delta.sum(axis=0)
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="drops the 1/N (the blog post)",
        says="1/N",
        code='''
def mse_grad(pred, target):
    return 2 * (pred - target)
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="divides by the rows only",
        says="every entry",
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
        exercise="load_regression_data",
        name="load_boston (the blog post)",
        says="load_boston was removed",
        code='''
def load_regression_data():
    from sklearn.datasets import load_boston
    return load_boston(return_X_y=True)
''',
    ),
    Mistake(
        exercise="load_regression_data",
        name="the digits instead",
        says="(442, 10)",
        code='''
def load_regression_data():
    return mlp.data.load_digits()
''',
    ),
    # --- added for issue 14: at least six per exercise, spread across kinds -------------------
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
        exercise="batch_grad",
        name="dW transposed",
        kind="transpose",
        says='transposed',
        code=_SOFTMAX + '''
def batch_grad(W, b, X, labels):
    G = _grad_rows(W, b, X, labels) / len(X)
    return G.T @ X, G.sum(axis=0)
''',
    ),
    Mistake(
        exercise="batch_grad",
        name="db with a kept axis",
        kind="shape",
        says='extra axis of length 1',
        code=_SOFTMAX + '''
def batch_grad(W, b, X, labels):
    G = _grad_rows(W, b, X, labels) / len(X)
    return X.T @ G, G.sum(axis=0, keepdims=True)
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
        exercise="relu",
        name="absolute value",
        kind="sign",
        says='returns |z|',
        code='''
def relu(z):
    return np.abs(z)
''',
    ),
    Mistake(
        exercise="relu",
        name="capped at 1",
        kind="other",
        says='caps the entries at 1',
        code='''
def relu(z):
    return np.clip(z, 0.0, 1.0)
''',
    ),
    Mistake(
        exercise="relu",
        name="minimum instead of maximum",
        kind="sign",
        says='zeroes the positive ones',
        code='''
def relu(z):
    return np.minimum(z, 0.0)
''',
    ),
    Mistake(
        exercise="output_delta",
        name="added instead of multiplied",
        kind="other",
        says='adds the incoming gradient',
        code='''
def output_delta(grad_a, z, a, act_grad):
    return grad_a + act_grad(z)
''',
    ),
    Mistake(
        exercise="output_delta",
        name="output a where grad_a belongs",
        kind="wrong variable",
        says='where the incoming gradient',
        code='''
def output_delta(grad_a, z, a, act_grad):
    return a * act_grad(z)
''',
    ),
    Mistake(
        exercise="output_delta",
        name="grad_a scaled in place",
        kind="in-place",
        says='in place',
        code='''
def output_delta(grad_a, z, a, act_grad):
    grad_a *= act_grad(z)
    return grad_a
''',
    ),
    Mistake(
        exercise="param_grads",
        name="db with a kept axis",
        kind="shape",
        says='extra axis of length 1',
        code='''
def param_grads(a_prev, delta):
    return a_prev.T @ delta, delta.sum(axis=0, keepdims=True)
''',
    ),
    Mistake(
        exercise="param_grads",
        name="db summed over the outputs",
        kind="axis",
        says='wrong axis',
        code='''
def param_grads(a_prev, delta):
    return a_prev.T @ delta, delta.sum(axis=1)
''',
    ),
    Mistake(
        exercise="param_grads",
        name="sign flipped",
        kind="sign",
        says='wrong sign',
        code='''
def param_grads(a_prev, delta):
    return -(a_prev.T @ delta), -delta.sum(axis=0)
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="factor 2 forgotten",
        kind="factor",
        says='half of what it should be',
        code='''
def mse_grad(pred, target):
    return (pred - target) / pred.size
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="mean over one row only",
        kind="factor",
        says='N (the number of rows',
        code='''
def mse_grad(pred, target):
    return 2.0 * (pred - target) / pred.shape[-1]
''',
    ),
    Mistake(
        exercise="mse_grad",
        name="pred changed in place",
        kind="in-place",
        says='in place',
        code='''
def mse_grad(pred, target):
    pred -= target
    pred *= 2.0 / pred.size
    return pred
''',
    ),
    Mistake(
        exercise="load_regression_data",
        name="targets as a column",
        kind="shape",
        says='extra axis of length 1',
        code='''
def load_regression_data():
    X, y = mlp.data.load_diabetes()
    return X, y.reshape(-1, 1)
''',
    ),
    Mistake(
        exercise="load_regression_data",
        name="X transposed",
        kind="transpose",
        says='transposed',
        code='''
def load_regression_data():
    X, y = mlp.data.load_diabetes()
    return X.T, y
''',
    ),
    Mistake(
        exercise="load_regression_data",
        name="X and y swapped",
        kind="wrong variable",
        says='swapped',
        code='''
def load_regression_data():
    X, y = mlp.data.load_diabetes()
    return y, X
''',
    ),
    Mistake(
        exercise="load_regression_data",
        name="scikit-learn's Bunch returned as is",
        kind="other",
        says='should return a pair',
        code='''
def load_regression_data():
    from sklearn.datasets import load_diabetes
    return load_diabetes()
''',
    ),
    # --- a second set, probing for fallback messages (issue 14) --------------------------------
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
        exercise="batch_grad",
        name='labels ignored',
        kind="missing term",
        says='ignores the labels',
        code='''
def batch_grad(W, b, X, labels):
    z = X @ W + b; p = np.exp(z - z.max(axis=1, keepdims=True)); p /= p.sum(axis=1, keepdims=True)
    return X.T @ p / len(X), p.mean(axis=0)
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
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
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
    Mistake(
        exercise="load_regression_data",
        name='returns X only',
        kind="other",
        says='should return a pair',
        code='''
def load_regression_data():
    return mlp.data.load_diabetes()[0]
''',
    ),
    Mistake(
        exercise="output_delta",
        name='act_grad applied to grad_a',
        kind="point of evaluation",
        says='calls `act_grad` on grad_a',
        code='''
def output_delta(grad_a, z, a, act_grad):
    return act_grad(grad_a) * grad_a
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
    # --- a fourth probe (issue 14); the two marked generic have no specific diagnosis ------------
    Mistake(
        exercise="param_grads",
        name='dW averaged, db summed',
        kind="factor",
        says='a mean for the weights but a sum for the biases',
        code='''
def param_grads(a_prev, delta):
    return a_prev.T @ delta / len(a_prev), delta.sum(axis=0)
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
]
