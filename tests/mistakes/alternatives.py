"""Correct answers other than the solution's: each must pass its test cell (full marks)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Alternative:
    chapter: str
    exercise: str  # grade_id of the answer cell it replaces
    name: str
    code: str


def _blog_alternative():
    """The bug hunt's cell with other correct fixes than the solution's."""
    from mistakes.ch5_training import _blog

    return _blog(relu='''def relu(z):
    return z * (z > 0)
''', relu_grad='''def relu_grad(z):
    return z > 0
''', output_delta='''def output_delta(grad_a, z, a, act_grad):
    return act_grad(z.copy()) * grad_a
''', mse_grad='''def mse_grad(pred, target):
    return 2 * (pred - target) / np.prod(pred.shape)
''')


ALTERNATIVES = [
    Alternative('ch7_input_optimisation', 'adversarial', 'PGD, 10 steps of eps/4', '''
def adversarial(model, x, label, eps):
    xa = x.copy()
    for _ in range(10):
        xa = xa + eps / 4 * np.sign(input_grad(model, xa, label))
        xa = np.clip(np.clip(xa, x - eps, x + eps), 0.0, 1.0)
    return xa
'''),
    Alternative('ch7_input_optimisation', 'adversarial', 'FGSM with the reference loss, clip then box', '''
def adversarial(model, x, label, eps):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), label)
    g = model.backward(loss.backward())
    return np.minimum(np.maximum(x + eps * np.sign(g), 0), 1)
'''),
    Alternative('ch5_training', 'minibatches', 'generator with rng.shuffle', '''
def minibatches(X, y, batch_size, rng):
    idx = np.arange(len(X))
    rng.shuffle(idx)
    for s in range(0, len(X), batch_size):
        yield X[idx[s:s + batch_size]], y[idx[s:s + batch_size]]
'''),
    Alternative('ch6_branch_merge', 'merge_backward', 'np.split then copies', '''
def merge_backward(grad_out, widths):
    return [p.copy() for p in np.split(grad_out, np.cumsum(widths)[:-1], axis=1)]
'''),
    Alternative('ch6_branch_merge', 'merge_backward', 'fancy indexing (copies)', '''
def merge_backward(grad_out, widths):
    out, s = [], 0
    for w in widths:
        out.append(grad_out[:, np.arange(s, s + w)]); s += w
    return out
'''),
    Alternative('ch5_training', 'blog_net', 'other correct fixes: a mask by multiplication, a boolean derivative, '
                'act_grad on a copy of z, the mean written out', _blog_alternative()),
    Alternative('ch5_training', 'per_example_grads', 'a loop over the examples with np.outer', '''
def per_example_grads(W, b, X, labels):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(X @ W + b, labels)
    G = len(X) * loss.backward()
    return np.array([np.outer(x, g) for x, g in zip(X, G)]), G.copy()
'''),
    Alternative('ch5_training', 'gradient_check', 'its own central differences, each entry saved and written back', '''
def gradient_check(net, x, y, h=1e-6):
    net.forward(x)
    errors = {}
    for l, (dW, db) in enumerate(net.backward(y), start=1):
        for name, p, g in ((f"W{l}", net.W[l - 1], dW), (f"b{l}", net.b[l - 1], db)):
            num = np.zeros(p.shape)
            for i in np.ndindex(p.shape):
                old = p[i]
                p[i] = old + h
                up = net.loss(x, y)
                p[i] = old - h
                down = net.loss(x, y)
                p[i] = old
                num[i] = (up - down) / (2 * h)
            errors[name] = float(np.linalg.norm(g - num) / max(np.linalg.norm(g) + np.linalg.norm(num), 1e-300))
    return errors
'''),
    Alternative('ch7_input_optimisation', 'input_grad', 'numpy softmax instead of the reference loss', '''
def input_grad(model, x, label):
    z = model.forward(x)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(x)), label] -= 1.0
    return model.backward(p / len(x))
'''),
    Alternative('ch4_layers', 'relu_layer', 'keeps a copy of z', '''
class ReLULayer:
    def forward(self, z):
        self.z = np.array(z, copy=True)
        return np.maximum(z, 0)

    def backward(self, grad_out):
        return grad_out * (self.z > 0)
'''),
    Alternative('ch4_layers', 'backward_matrix', 'explicit diagonal matrix', '''
def backward_matrix(x, W1, b1, W2):
    D = np.diag((x @ W1 + b1 > 0).astype(float))
    return W2.T @ D @ W1.T
'''),
    Alternative('ch4_layers', 'softmax_cross_entropy', 'logaddexp per row', '''
def softmax_cross_entropy(logits, labels):
    n = len(logits)
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    logp = logits - lse
    g = np.exp(logp); g[np.arange(n), labels] -= 1
    return float(-logp[np.arange(n), labels].mean()), g / n
'''),
    Alternative('ch1_chain_rule', 'central_difference', 'x moved in place and put back, divided by eps then by 2', '''
def central_difference(f, x, eps=1e-5):
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return (f(x + eps) - f(x - eps)) / eps / 2
    if x.dtype != np.float64:
        x = x.astype(np.float64)
    grad = np.empty(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = f(x)
        x[i] = saved - eps
        down = f(x)
        x[i] = saved
        grad[i] = (up - down) / eps / 2
    return grad
'''),
    Alternative('ch1_chain_rule', 'central_difference', 'a fresh copy per evaluation, unit vectors', '''
def central_difference(f, x, eps=1e-5):
    base = np.asarray(x, dtype=np.float64)
    grad = np.zeros(base.shape)
    for i in np.ndindex(base.shape):
        e = np.zeros(base.shape)
        e[i] = eps
        grad[i] = (f(base + e) - f(base - e)) / (2 * eps)
    return float(grad) if not isinstance(x, np.ndarray) else grad
'''),
    Alternative('ch1_chain_rule', 'chain_grads', 'recursion from the output, tuples', '''
def chain_grads(x, y, ws, bs):
    def down(l, a):
        z = ws[l] * a + bs[l]
        if l == len(ws) - 1:
            delta = 2 * (z - y)
            return delta * ws[l], (delta * a,), (delta,)
        s = 1 / (1 + np.exp(-z))
        g, dws, dbs = down(l + 1, s)
        delta = g * s * (1 - s)
        return delta * ws[l], (delta * a,) + dws, (delta,) + dbs
    _, dws, dbs = down(0, x)
    return list(dws), list(dbs)
'''),
    Alternative('ch3_vjps', 'vjp_sum', 'reshape with a 1 then multiply by ones', '''
def vjp_sum(g, x, axis):
    if axis is None:
        return np.ones_like(x) * g
    shape = list(x.shape); shape[axis] = 1
    return np.reshape(g, shape) * np.ones_like(x)
'''),
    Alternative('ch6_branch_merge', 'conv1d_backward', 'np.convolve in full mode for grad_x', '''
def conv1d_backward(grad_out, x, w):
    gx = np.stack([np.convolve(g, w, mode="full") for g in grad_out])
    k, p = len(w), grad_out.shape[1]
    gw = np.zeros_like(w)
    for i in range(p):
        gw += (grad_out[:, i:i+1] * x[:, i:i+k]).sum(axis=0)
    return gx, gw
'''),
    Alternative('ch7_input_optimisation', 'adversarial', 'a huge gradient step clipped to the eps-box', '''
def adversarial(model, x, label, eps):
    g = input_grad(model, x, label)
    return np.clip(x + np.clip(g * 1e6, -eps, eps), 0.0, 1.0)
'''),
    Alternative('ch3_vjps', 'vjp_products', 'gB as (g.T @ A).T', '''
def vjp_mul(g, x, y):
    return vjps.unbroadcast(g * y, np.shape(x)), vjps.unbroadcast(g * x, np.shape(y))

def vjp_matmul(g, A, B):
    return g @ B.T, (g.T @ A).T
'''),
]
