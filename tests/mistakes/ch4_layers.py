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
    # --- relu_layer (issue 13: a layer the student designs) --------------------------------------
    Mistake(
        exercise="relu_layer",
        name="keeps a reference to the caller's z",
        kind="views",
        says="kept a reference to an array the caller owns",
        code='''
class ReLULayer:
    def forward(self, z):
        self.z = z
        return np.maximum(z, 0)

    def backward(self, grad_out):
        return grad_out * (self.z > 0)
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="forward writes into z (the blog post's ReLU)",
        kind="in-place",
        says="modified its input `z` in place",
        code='''
class ReLULayer:
    def forward(self, z):
        z[z < 0] = 0
        self.a = z.copy()
        return z

    def backward(self, grad_out):
        return grad_out * (self.a > 0)
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="backward writes into grad_out",
        kind="in-place",
        says="modified its input `grad_out` in place",
        code='''
class ReLULayer:
    def forward(self, z):
        self.mask = z > 0
        return np.maximum(z, 0)

    def backward(self, grad_out):
        grad_out[~self.mask] = 0.0
        return grad_out
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="gate kept from the returned output, which the caller scales",
        kind="views",
        says="changed the returned output in place after forward",
        code='''
class ReLULayer:
    def forward(self, z):
        self.a = np.maximum(z, 0)
        return self.a

    def backward(self, grad_out):
        return grad_out * (self.a > 0)
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="gate open at z == 0",
        kind="point of evaluation",
        says="exactly 0",
        code='''
class ReLULayer:
    def forward(self, z):
        self.open = z >= 0
        return np.maximum(z, 0)

    def backward(self, grad_out):
        return grad_out * self.open
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="gate from the sign of grad_out",
        kind="wrong variable",
        says="where grad_out is positive",
        code='''
class ReLULayer:
    def forward(self, z):
        return np.maximum(z, 0)

    def backward(self, grad_out):
        return grad_out * (grad_out > 0)
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="keeps the first input only",
        kind="other",
        says="backward belongs to the latest forward",
        code='''
class ReLULayer:
    def forward(self, z):
        if not hasattr(self, "open"):
            self.open = z > 0
        return np.maximum(z, 0)

    def backward(self, grad_out):
        return grad_out * self.open
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="forward returns the gate",
        kind="wrong variable",
        says="returns the 0/1 gate",
        code='''
class ReLULayer:
    def forward(self, z):
        self.open = (z > 0).astype(float)
        return self.open.copy()

    def backward(self, grad_out):
        return grad_out * self.open
''',
    ),
    Mistake(
        exercise="relu_layer",
        name="backward multiplies by ReLU(z)",
        kind="wrong variable",
        says="not by its derivative",
        code='''
class ReLULayer:
    def forward(self, z):
        self.a = np.maximum(z, 0)
        return self.a.copy()

    def backward(self, grad_out):
        return grad_out * self.a
''',
    ),
    # --- backward_matrix (issue 13: the backward pass as one matrix) ------------------------------
    Mistake(
        exercise="backward_matrix",
        name="J transposed",
        kind="transpose",
        says="right numbers but transposed",
        code='''
def backward_matrix(x, W1, b1, W2):
    gate = (x @ W1 + b1 > 0).astype(float)
    return (W1 * gate) @ W2
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="J transposed where in and out differ",
        kind="shape",
        says="(in, out)",
        code='''
def backward_matrix(x, W1, b1, W2):
    gate = (x @ W1 + b1 > 0).astype(float)
    J = W2.T @ (gate[:, None] * W1.T)
    return J if J.shape[0] == J.shape[1] else J.T
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="ReLU mask omitted",
        kind="missing term",
        says="leaves the ReLU out",
        code='''
def backward_matrix(x, W1, b1, W2):
    return W2.T @ W1.T
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="mask taken from x",
        kind="wrong variable",
        says="takes the gate from x",
        code='''
def backward_matrix(x, W1, b1, W2):
    return (W2.T @ W1.T) * (x > 0)
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="mask taken from the output layer",
        kind="wrong variable",
        says="gate from the wrong layer",
        code='''
def backward_matrix(x, W1, b1, W2):
    y = np.maximum(x @ W1 + b1, 0) @ W2
    return (y > 0).astype(float)[:, None] * (W2.T @ W1.T)
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="b1 left out of the gate",
        kind="missing term",
        says="without the bias b1",
        code='''
def backward_matrix(x, W1, b1, W2):
    gate = (x @ W1 > 0).astype(float)
    return W2.T @ np.diag(gate) @ W1.T
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="scaled by the activation instead of the gate",
        kind="wrong variable",
        says="not by its derivative",
        code='''
def backward_matrix(x, W1, b1, W2):
    h = np.maximum(x @ W1 + b1, 0)
    return W2.T @ np.diag(h) @ W1.T
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="products in forward order",
        kind="other",
        says="wrong order",
        code='''
def backward_matrix(x, W1, b1, W2):
    D = np.diag((x @ W1 + b1 > 0).astype(float))
    return W1.T @ D @ W2.T
''',
    ),
    Mistake(
        exercise="backward_matrix",
        name="gate open at z == 0 (hidden)",
        kind="point of evaluation",
        says="exactly 0",
        code='''
def backward_matrix(x, W1, b1, W2):
    D = np.diag((x @ W1 + b1 >= 0).astype(float))
    return W2.T @ D @ W1.T
''',
    ),
]
