"""Plausible wrong answers for chapter 7 (optimising the input)."""

from mistakes import Mistake

_SOFTMAX_GRAD = '''
def _dlogits(model, x, label):
    z = model.forward(x)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(x)), label] -= 1.0
    return p
'''

MISTAKES = [
    # --- input_grad ------------------------------------------------------------------------
    # --- class_score_grad ----------------------------------------------------------------------
    Mistake(
        exercise="class_score_grad",
        name="forgot the prior",
        says="leaves out the penalty",
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x)
    seed = np.zeros_like(z)
    seed[:, k] = 1.0
    return model.backward(seed)
''',
    ),
    Mistake(
        exercise="class_score_grad",
        name="prior with the wrong sign",
        says="wrong sign",
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x)
    seed = np.zeros_like(z)
    seed[:, k] = 1.0
    return model.backward(seed) + 2 * lam * x
''',
    ),
    Mistake(
        exercise="class_score_grad",
        name="factor 2 of the prior missing",
        says="factor of 2",
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x)
    seed = np.zeros_like(z)
    seed[:, k] = 1.0
    return model.backward(seed) - lam * x
''',
    ),
    Mistake(
        exercise="class_score_grad",
        name="score averaged over the batch",
        says="batch size",
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x)
    seed = np.zeros_like(z)
    seed[:, k] = 1.0 / len(x)
    return model.backward(seed) - 2 * lam * x
''',
    ),
    Mistake(
        exercise="class_score_grad",
        name="log-probability instead of the logit",
        says="logit",
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    seed = -p
    seed[:, k] += 1.0
    return model.backward(seed) - 2 * lam * x
''',
    ),
    # --- maximise_class --------------------------------------------------------------------------
    Mistake(
        exercise="maximise_class",
        name="descends instead of ascending",
        says="the score went down",
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    x = x0.copy()
    for _ in range(steps):
        x = x - lr * class_score_grad(model, x, k, lam)
    return x
''',
    ),
    Mistake(
        exercise="maximise_class",
        name="updates x0 in place",
        says="in place",
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    x = x0
    for _ in range(steps):
        x += lr * class_score_grad(model, x, k, lam)
    return x
''',
    ),
    Mistake(
        exercise="maximise_class",
        name="one step too few",
        says="one step too few",
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    x = x0.copy()
    for _ in range(steps - 1):
        x = x + lr * class_score_grad(model, x, k, lam)
    return x
''',
    ),
    Mistake(
        exercise="maximise_class",
        name="gradient taken once at the start",
        says="current x",
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    g = class_score_grad(model, x0, k, lam)
    return x0 + steps * lr * g
''',
    ),
    # --- adversarial -----------------------------------------------------------------------------
    Mistake(
        exercise="adversarial",
        name="steps against the gradient",
        says="more confident",
        code='''
def adversarial(model, x, label, eps):
    return np.clip(x - eps * np.sign(input_grad(model, x, label)), 0.0, 1.0)
''',
    ),
    Mistake(
        exercise="adversarial",
        name="perturbation larger than eps",
        says="larger than eps",
        code='''
def adversarial(model, x, label, eps):
    return np.clip(x + 2 * eps * np.sign(input_grad(model, x, label)), 0.0, 1.0)
''',
    ),
    Mistake(
        exercise="adversarial",
        name="modifies x in place",
        says="in place",
        code='''
def adversarial(model, x, label, eps):
    x += eps * np.sign(input_grad(model, x, label))
    np.clip(x, 0.0, 1.0, out=x)
    return x
''',
    ),
    Mistake(
        exercise="adversarial",
        name="pixels leave [0, 1]",
        says="outside [0, 1]",
        code='''
def adversarial(model, x, label, eps):
    return x + eps * np.sign(input_grad(model, x, label))
''',
    ),
    Mistake(
        exercise="adversarial",
        name="gradient itself instead of its sign",
        says="changed the prediction of only",
        code='''
def adversarial(model, x, label, eps):
    return np.clip(x + eps * input_grad(model, x, label), 0.0, 1.0)
''',
    ),
    # --- added for issue 14: at least six per exercise, spread across kinds -------------------
    Mistake(
        exercise="class_score_grad",
        name="x scaled in place for the penalty",
        kind="in-place",
        says='in place',
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x)
    g = np.zeros_like(z)
    g[:, k] = 1.0
    grad = model.backward(g)
    x *= 2 * lam
    return grad - x
''',
    ),
    Mistake(
        exercise="maximise_class",
        name="a single step",
        kind="other",
        says='takes a single step',
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    return x0 + lr * class_score_grad(model, x0, k, lam)
''',
    ),
    Mistake(
        exercise="maximise_class",
        name="returns the final score instead of the image",
        kind="shape",
        says='a single number where one value per entry',
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    x = x0.copy()
    for _ in range(steps):
        x = x + lr * class_score_grad(model, x, k, lam)
    return model.forward(x)[:, k]
''',
    ),
    Mistake(
        exercise="adversarial",
        name="a 0/1 mask (g > 0) for the sign",
        kind="sign",
        says='only ever raises pixels',
        code='''
def adversarial(model, x, label, eps):
    g = input_grad(model, x, label)
    return np.clip(x + eps * (g > 0), 0.0, 1.0)
''',
    ),
    Mistake(
        exercise="adversarial",
        name="attacks the predicted class, not label",
        kind="wrong variable",
        says='not the given `label`',
        code='''
def adversarial(model, x, label, eps):
    predicted = np.argmax(model.forward(x), axis=1)
    g = input_grad(model, x, predicted)
    return np.clip(x + eps * np.sign(g), 0.0, 1.0)
''',
    ),
    # --- a second set, probing for fallback messages (issue 14) --------------------------------
    Mistake(
        exercise="class_score_grad",
        name='penalty gradient from the sum of x',
        kind="axis",
        says='one number per row',
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x); g = np.zeros_like(z); g[:, k] = 1
    return model.backward(g) - 2 * lam * x.sum(axis=1, keepdims=True)
''',
    ),
    Mistake(
        exercise="maximise_class",
        name='lr ignored',
        kind="missing term",
        says='ignores the learning rate',
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    x = x0.copy()
    for _ in range(steps):
        x = x + class_score_grad(model, x, k, lam)
    return x
''',
    ),
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
    Mistake(
        exercise="adversarial",
        name='normalised gradient instead of its sign',
        kind="factor",
        says='first-order rise',
        code='''
def adversarial(model, x, label, eps):
    g = input_grad(model, x, label)
    return np.clip(x + eps * g / np.abs(g).max(axis=1, keepdims=True), 0.0, 1.0)
''',
    ),
    Mistake(
        exercise="maximise_class",
        name='x aliased to x0 and updated in place',
        kind="in-place",
        says='in place',
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    x = x0
    for _ in range(steps):
        x += lr * class_score_grad(model, x, k, lam)
    return x
''',
    ),
    Mistake(
        exercise="class_score_grad",
        name='penalty gradient 2x without lam',
        kind="missing term",
        says='leaves lam out',
        code='''
def class_score_grad(model, x, k, lam):
    z = model.forward(x); g = np.zeros_like(z); g[:, k] = 1
    return model.backward(g) - 2 * x
''',
    ),
    # --- a fourth probe (issue 14); the two marked generic have no specific diagnosis ------------
    Mistake(
        exercise="maximise_class",
        name='penalty applied twice (adds -2 lam x again)',
        kind="other",
        says='applies the penalty twice',
        code='''
def maximise_class(model, k, steps, lr, lam, x0):
    x = x0.copy()
    for _ in range(steps):
        x = x + lr * (class_score_grad(model, x, k, lam) - 2 * lam * x)
    return x
''',
    ),
    # --- input_grad (issue 13: built on the reference loss) ------------------------------------
    Mistake(
        exercise="input_grad",
        name='backward seeded with the logits',
        kind="wrong variable",
        says='with the logits themselves',
        code='''
def input_grad(model, x, label):
    z = model.forward(x)
    return model.backward(z)
''',
    ),
    Mistake(
        exercise="input_grad",
        name='backward seeded with ones',
        kind="wrong variable",
        says='with ones',
        code='''
def input_grad(model, x, label):
    z = model.forward(x)
    return model.backward(np.ones_like(z))
''',
    ),
    Mistake(
        exercise="input_grad",
        name='the summed loss, N times too big',
        kind="factor",
        says='N (the batch size) times too large',
        code='''
def input_grad(model, x, label):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), label)
    return model.backward(loss.backward() * len(x))
''',
    ),
    Mistake(
        exercise="input_grad",
        name='one-hot rows one column short',
        kind="shape",
        says='one integer class per row',
        code='''
def input_grad(model, x, label):
    loss = mlp.SoftmaxCrossEntropy()
    onehot = np.eye(label.max() + 1)[label]
    loss.forward(model.forward(x), onehot)
    return model.backward(loss.backward())
''',
    ),
    Mistake(
        exercise="input_grad",
        name='forward on a copy, backward on stale caches',
        kind="other",
        says='caches of an earlier forward pass',
        code='''
import copy

def input_grad(model, x, label):
    frozen = copy.deepcopy(model)          # so that the model stays as it is
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(frozen.forward(x), label)
    return model.backward(loss.backward())
''',
    ),
    Mistake(
        exercise="input_grad",
        name="returns the logits' gradient",
        kind="wrong variable",
        says='shape of the logits',
        code='''
def input_grad(model, x, label):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), label)
    return loss.backward()
''',
    ),
    Mistake(
        exercise="input_grad",
        name='gradient written into x',
        kind="in-place",
        says='modified its input `x` in place',
        code='''
def input_grad(model, x, label):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), label)
    x[...] = model.backward(loss.backward())
    return x
''',
    ),
    Mistake(
        exercise="input_grad",
        name='steps the weights',
        kind="other",
        says="changed the network's weights",
        code='''
def input_grad(model, x, label):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), label)
    g = model.backward(loss.backward())
    for layer, name in model.parameters():
        layer.params[name] -= 0.1 * layer.grads[name]
    return g
''',
    ),
    Mistake(
        exercise="input_grad",
        name="returns the first layer's weight gradient",
        kind="wrong variable",
        says='weight gradient',
        code='''
def input_grad(model, x, label):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), label)
    model.backward(loss.backward())
    return model.layers[0].grads["W"]
''',
    ),
    Mistake(
        exercise="input_grad",
        name='sign flipped',
        kind="sign",
        says='wrong sign',
        code='''
def input_grad(model, x, label):
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), label)
    return -model.backward(loss.backward())
''',
    ),
]
