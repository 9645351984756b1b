"""Plausible wrong answers for chapter 4 (linear, ReLU and loss layers)."""

from mistakes import Mistake

MISTAKES = [
    # --- linear_backward -------------------------------------------------------------------
    Mistake(
        exercise="linear_backward",
        name="dW transposed",
        says="transposed",
        code='''
def linear_backward(grad_out, x, W):
    return grad_out @ W.T, grad_out.T @ x, grad_out.sum(axis=0)
''',
    ),
    Mistake(
        exercise="linear_backward",
        name="db averaged instead of summed",
        says="N (the batch size) times too small",
        code='''
def linear_backward(grad_out, x, W):
    return grad_out @ W.T, x.T @ grad_out, grad_out.mean(axis=0)
''',
    ),
    Mistake(
        exercise="linear_backward",
        name="grad_in with W instead of W.T",
        says="shape",
        code='''
def linear_backward(grad_out, x, W):
    return grad_out @ W, x.T @ grad_out, grad_out.sum(axis=0)
''',
    ),
    Mistake(
        exercise="linear_backward",
        name="grad_in with W instead of W.T, square W (hidden)",
        says="orientation of the forward pass",
        code='''
def linear_backward(grad_out, x, W):
    grad_in = grad_out @ W if W.shape[0] == W.shape[1] else grad_out @ W.T
    return grad_in, x.T @ grad_out, grad_out.sum(axis=0)
''',
    ),
    Mistake(
        exercise="linear_backward",
        name="whole batch averaged in dW and db",
        says="N (the batch size) times too small",
        code='''
def linear_backward(grad_out, x, W):
    n = x.shape[0]
    return grad_out @ W.T, x.T @ grad_out / n, grad_out.sum(axis=0) / n
''',
    ),
    Mistake(
        exercise="linear_backward",
        name="calls the reference layer",
        says="reference implementation",
        code='''
def linear_backward(grad_out, x, W):
    layer = mlp.Linear(W.shape[0], W.shape[1])
    layer.params["W"] = W
    layer.forward(x)
    grad_in = layer.backward(grad_out)
    return grad_in, layer.grads["W"], layer.grads["b"]
''',
    ),
    # --- relu_backward ---------------------------------------------------------------------
    Mistake(
        exercise="relu_backward",
        name="in place, as in the blog post",
        says="modified its input `z` in place",
        code='''
def relu_backward(grad_out, z):
    z[z <= 0] = 0
    z[z > 0] = 1
    return grad_out * z
''',
    ),
    Mistake(
        exercise="relu_backward",
        name="gradient zeroed in place",
        says="modified its input `grad_out` in place",
        code='''
def relu_backward(grad_out, z):
    grad_out[z <= 0] = 0
    return grad_out
''',
    ),
    Mistake(
        exercise="relu_backward",
        name="gate taken from grad_out",
        says="gate belongs to the forward pass",
        code='''
def relu_backward(grad_out, z):
    return grad_out * (grad_out > 0)
''',
    ),
    Mistake(
        exercise="relu_backward",
        name="derivative 1 at exactly 0",
        says="exactly 0",
        code='''
def relu_backward(grad_out, z):
    return grad_out * (z >= 0)
''',
    ),
    Mistake(
        exercise="relu_backward",
        name="grad_out ignored",
        says="ignores grad_out",
        code='''
def relu_backward(grad_out, z):
    return (z > 0).astype(float)
''',
    ),
    # --- sigmoid_backward ------------------------------------------------------------------
    Mistake(
        exercise="sigmoid_backward",
        name="derivative applied to the output, as in the blog post",
        says="applied to the output",
        code='''
def sigmoid_backward(grad_out, z):
    a = 1 / (1 + np.exp(-z))
    s = 1 / (1 + np.exp(-a))
    return grad_out * s * (1 - s)
''',
    ),
    Mistake(
        exercise="sigmoid_backward",
        name="z used as if it were a",
        says="as if it were the output",
        code='''
def sigmoid_backward(grad_out, z):
    return grad_out * z * (1 - z)
''',
    ),
    Mistake(
        exercise="sigmoid_backward",
        name="grad_out ignored",
        says="ignores grad_out",
        code='''
def sigmoid_backward(grad_out, z):
    a = 1 / (1 + np.exp(-z))
    return a * (1 - a)
''',
    ),
    Mistake(
        exercise="sigmoid_backward",
        name="calls the reference sigmoid",
        says="reference implementation",
        code='''
def sigmoid_backward(grad_out, z):
    a = mlp.layers.sigmoid(z)
    return grad_out * a * (1 - a)
''',
    ),
    # --- mse_loss --------------------------------------------------------------------------
    Mistake(
        exercise="mse_loss",
        name="gradient without the 1/N of the mean, as in the blog post",
        says="the number of entries of pred, N x out, times too large",
        code='''
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), 2 * diff
''',
    ),
    Mistake(
        exercise="mse_loss",
        name="sum instead of mean",
        says="sum of the squared errors",
        code='''
def mse_loss(pred, target):
    diff = pred - target
    return float(np.sum(diff ** 2)), 2 * diff
''',
    ),
    Mistake(
        exercise="mse_loss",
        name="divided by N only",
        says="out (the number of outputs) times too large",
        code='''
def mse_loss(pred, target):
    diff = pred - target
    n = pred.shape[0]
    return float(np.sum(diff ** 2) / n), 2 * diff / n
''',
    ),
    Mistake(
        exercise="mse_loss",
        name="gradient sign flipped",
        says="wrong sign",
        code='''
def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff ** 2)), -2 * diff / diff.size
''',
    ),
    Mistake(
        exercise="mse_loss",
        name="modifies pred in place",
        says="in place",
        code='''
def mse_loss(pred, target):
    pred -= target
    return float(np.mean(pred ** 2)), 2 * pred / pred.size
''',
    ),
    # --- softmax_cross_entropy -------------------------------------------------------------
    Mistake(
        exercise="softmax_cross_entropy",
        name="naive exp overflows for logits of 1e4",
        says="NaN or inf",
        code='''
def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss = float(-np.log(p[np.arange(n), labels]).mean())
    grad = p.copy()
    grad[np.arange(n), labels] -= 1
    return loss, grad / n
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name="max subtracted but log of an underflowed probability",
        says="underflows to 0",
        code='''
def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(-np.log(p[np.arange(n), labels]).mean())
    grad = p.copy()
    grad[np.arange(n), labels] -= 1
    return loss, grad / n
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name="gradient not divided by N",
        says="N (the batch size) times too large",
        code='''
def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    s = logits - logits.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    grad = np.exp(logp)
    grad[np.arange(n), labels] -= 1
    return float(-logp[np.arange(n), labels].mean()), grad
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name="labels used as if one-hot",
        says="integer labels",
        code='''
def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    s = logits - logits.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = float(-(labels * logp).sum() / n)
    return loss, (np.exp(logp) - labels) / n
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name="loss summed over the batch",
        says="N (the batch size) times too large",
        code='''
def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    s = logits - logits.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    grad = np.exp(logp)
    grad[np.arange(n), labels] -= 1
    return float(-logp[np.arange(n), labels].sum()), grad / n
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name="labels ignored in the gradient",
        says="ignores the labels",
        code='''
def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    s = logits - logits.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(n), labels].mean()), np.exp(logp) / n
''',
    ),
    # --- added for issue 14: at least six per exercise, spread across kinds -------------------
    Mistake(
        exercise="linear_backward",
        name="db with a kept axis",
        kind="shape",
        says='Drop the kept axis',
        code='''
def linear_backward(grad_out, x, W):
    return grad_out @ W.T, x.T @ grad_out, grad_out.sum(axis=0, keepdims=True)
''',
    ),
    Mistake(
        exercise="relu_backward",
        name="gate inverted",
        kind="sign",
        says='gate inverted',
        code='''
def relu_backward(grad_out, z):
    return grad_out * (z < 0)
''',
    ),
    Mistake(
        exercise="sigmoid_backward",
        name="derivative with the wrong sign",
        kind="sign",
        says='wrong sign',
        code='''
def sigmoid_backward(grad_out, z):
    s = 1.0 / (1.0 + np.exp(-z))
    return grad_out * s * (s - 1.0)
''',
    ),
    Mistake(
        exercise="sigmoid_backward",
        name="one factor of the derivative left out",
        kind="missing term",
        says='one of the two factors',
        code='''
def sigmoid_backward(grad_out, z):
    s = 1.0 / (1.0 + np.exp(-z))
    return grad_out * s
''',
    ),
    Mistake(
        exercise="mse_loss",
        name="gradient summed over the outputs",
        kind="axis",
        says='axis is missing',
        code='''
def mse_loss(pred, target):
    diff = pred - target
    return np.mean(diff ** 2), (2.0 * diff / diff.size).sum(axis=1)
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name="largest logit of the whole batch subtracted",
        kind="unstable",
        says='`.max()` without an axis',
        code='''
def softmax_cross_entropy(logits, labels):
    n = len(logits)
    shifted = logits - logits.max()
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    p[np.arange(n), labels] -= 1.0
    return -logp[np.arange(n), labels].mean(), p / n
''',
    ),
    # --- a second set, probing for fallback messages (issue 14) --------------------------------
    Mistake(
        exercise="linear_backward",
        name='dW as grad_out.T @ x',
        kind="transpose",
        says='transposed',
        code='''
def linear_backward(grad_out, x, W):
    return grad_out @ W.T, grad_out.T @ x, grad_out.sum(axis=0)
''',
    ),
    Mistake(
        exercise="mse_loss",
        name='loss without the square',
        kind="missing term",
        says='the MSE squares the differences',
        code='''
def mse_loss(pred, target):
    d = pred - target
    return np.mean(np.abs(d)), 2 * d / d.size
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name='gradient as one-hot minus probabilities',
        kind="sign",
        says='wrong sign',
        code='''
def softmax_cross_entropy(logits, labels):
    n = len(logits)
    m = logits.max(axis=1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    return -logp[np.arange(n), labels].mean(), (np.eye(logits.shape[1])[labels] - p) / n
''',
    ),
    Mistake(
        exercise="relu_backward",
        name='uses sign of z',
        kind="sign",
        says='multiplies by the sign of z',
        code='''
def relu_backward(grad_out, z):
    return grad_out * np.sign(z)
''',
    ),
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
    Mistake(
        exercise="linear_backward",
        name='db summed over the outputs',
        kind="axis",
        says='wrong axis',
        code='''
def linear_backward(grad_out, x, W):
    return grad_out @ W.T, x.T @ grad_out, grad_out.sum(axis=1)
''',
    ),
    Mistake(
        exercise="softmax_cross_entropy",
        name='log of a clipped probability',
        kind="unstable",
        says='never log(p)',
        code='''
def softmax_cross_entropy(logits, labels):
    n = len(logits)
    e = np.exp(logits - logits.max(axis=1, keepdims=True)); p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), labels] + 1e-12).mean()
    g = p.copy(); g[np.arange(n), labels] -= 1
    return loss, g / n
''',
    ),
    Mistake(
        exercise="sigmoid_backward",
        name="tanh's derivative",
        kind="wrong variable",
        says='derivative of tanh',
        code='''
def sigmoid_backward(grad_out, z):
    return grad_out * (1 - np.tanh(z) ** 2)
''',
    ),
    # --- a fourth probe (issue 14); the two marked generic have no specific diagnosis ------------
    Mistake(
        exercise="linear_backward",
        name='grad_in summed over the batch',
        kind="axis",
        says='one axis is missing',
        code='''
def linear_backward(grad_out, x, W):
    return (grad_out @ W.T).sum(axis=0), x.T @ grad_out, grad_out.sum(axis=0)
''',
    ),
    Mistake(
        exercise="linear_backward",
        name='dW missing x (grad_out summed)',
        kind="missing term",
        says='has wrong values',
        code='''
def linear_backward(grad_out, x, W):
    return grad_out @ W.T, np.tile(grad_out.sum(axis=0), (x.shape[1], 1)), grad_out.sum(axis=0)
''',
        generic=True,
    ),
]
