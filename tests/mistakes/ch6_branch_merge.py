"""Chapter 6: plausible wrong answers for branch, merge, residual and shared-kernel gradients."""

from . import Mistake

MISTAKES = [
    Mistake(
        exercise="merge_backward",
        name="split along the batch axis",
        says="wrong shape",
        code='''
def merge_backward(grad_out, widths):
    return np.split(grad_out, np.cumsum(widths)[:-1], axis=0)
''',
    ),
    Mistake(
        exercise="merge_backward",
        name="pieces in the wrong order",
        says="wrong order",
        code='''
def merge_backward(grad_out, widths):
    pieces = np.split(grad_out, np.cumsum(widths)[:-1], axis=1)
    return [p.copy() for p in reversed(pieces)]
''',
    ),
    Mistake(
        exercise="merge_backward",
        name="cut in the middle",
        says="wrong shape",
        code='''
def merge_backward(grad_out, widths):
    half = grad_out.shape[1] // 2
    return [grad_out[:, :half].copy(), grad_out[:, half:].copy()]
''',
    ),
    Mistake(
        exercise="merge_backward",
        name="calls the reference",
        says="reference implementation",
        code='''
def merge_backward(grad_out, widths):
    merge = mlp.Merge()
    merge.forward([np.zeros((grad_out.shape[0], w)) for w in widths])
    return merge.backward(grad_out)
''',
    ),
    Mistake(
        exercise="branch_backward",
        name="keeps only the last copy",
        says="only one of the copies",
        code='''
def branch_backward(grads):
    return grads[-1].copy()
''',
    ),
    Mistake(
        exercise="branch_backward",
        name="keeps only the first copy",
        says="only one of the copies",
        code='''
def branch_backward(grads):
    return np.array(grads[0])
''',
    ),
    Mistake(
        exercise="branch_backward",
        name="averages instead of summing",
        says="number of copies) times too small",
        code='''
def branch_backward(grads):
    return np.mean(grads, axis=0)
''',
    ),
    Mistake(
        exercise="branch_backward",
        name="accumulates into the first gradient in place",
        says="in place",
        code='''
def branch_backward(grads):
    total = grads[0]
    for g in grads[1:]:
        total += g
    return total
''',
    ),
    Mistake(
        exercise="branch_backward",
        name="stacks instead of summing",
        says="stacks",
        code='''
def branch_backward(grads):
    return np.stack(grads)
''',
    ),
    Mistake(
        exercise="residual_backward",
        name="forgot the identity path",
        says="skip connection's gradient is missing",
        code='''
def residual_backward(grad_out, x, W, b):
    z = x @ W + b
    g_z = grad_out * (z > 0)
    return g_z @ W.T, x.T @ g_z, g_z.sum(axis=0)
''',
    ),
    Mistake(
        exercise="residual_backward",
        name="only the identity path",
        says="layer path",
        code='''
def residual_backward(grad_out, x, W, b):
    z = x @ W + b
    g_z = grad_out * (z > 0)
    return grad_out.copy(), x.T @ g_z, g_z.sum(axis=0)
''',
    ),
    Mistake(
        exercise="residual_backward",
        name="ReLU gate forgotten",
        says="ignores the relu",
        code='''
def residual_backward(grad_out, x, W, b):
    return grad_out + grad_out @ W.T, x.T @ grad_out, grad_out.sum(axis=0)
''',
    ),
    Mistake(
        exercise="residual_backward",
        name="ReLU derivative 1 at zero",
        says="exactly 0",
        code='''
def residual_backward(grad_out, x, W, b):
    z = x @ W + b
    g_z = grad_out * (z >= 0)
    return grad_out + g_z @ W.T, x.T @ g_z, g_z.sum(axis=0)
''',
    ),
    Mistake(
        exercise="residual_backward",
        name="skip gradient sent into W",
        says="skip connection",
        code='''
def residual_backward(grad_out, x, W, b):
    z = x @ W + b
    g_z = grad_out * (z > 0)
    grad_x = grad_out + g_z @ W.T
    return grad_x, x.T @ (grad_x * (z > 0)), g_z.sum(axis=0)
''',
    ),
    Mistake(
        exercise="residual_backward",
        name="bias gradient not summed over the batch",
        says="broadcast",
        code='''
def residual_backward(grad_out, x, W, b):
    z = x @ W + b
    g_z = grad_out * (z > 0)
    return grad_out + g_z @ W.T, x.T @ g_z, g_z
''',
    ),
    Mistake(
        exercise="conv1d_backward",
        name="kernel gradient assigned instead of accumulated",
        says="assigned instead of accumulated",
        code='''
def conv1d_backward(grad_out, x, w):
    K, P = len(w), grad_out.shape[1]
    grad_x, grad_w = np.zeros(x.shape), np.zeros(K)
    for i in range(P):
        g = grad_out[:, i:i + 1]
        grad_x[:, i:i + K] += g * w
        grad_w = (g * x[:, i:i + K]).sum(axis=0)
    return grad_x, grad_w
''',
    ),
    Mistake(
        exercise="conv1d_backward",
        name="input gradient assigned instead of accumulated",
        says="assigned instead of accumulated",
        code='''
def conv1d_backward(grad_out, x, w):
    K, P = len(w), grad_out.shape[1]
    grad_x, grad_w = np.zeros(x.shape), np.zeros(K)
    for i in range(P):
        g = grad_out[:, i:i + 1]
        grad_x[:, i:i + K] = g * w
        grad_w += (g * x[:, i:i + K]).sum(axis=0)
    return grad_x, grad_w
''',
    ),
    Mistake(
        exercise="conv1d_backward",
        name="only the last use of the kernel",
        says="only the last use",
        code='''
def conv1d_backward(grad_out, x, w):
    K, P = len(w), grad_out.shape[1]
    grad_x = np.zeros(x.shape)
    for i in range(P):
        grad_x[:, i:i + K] += grad_out[:, i:i + 1] * w
    grad_w = grad_out[:, -1] @ x[:, P - 1:]
    return grad_x, grad_w
''',
    ),
    Mistake(
        exercise="conv1d_backward",
        name="kernel flipped in the input gradient",
        says="flipped",
        code='''
def conv1d_backward(grad_out, x, w):
    K, P = len(w), grad_out.shape[1]
    grad_x, grad_w = np.zeros(x.shape), np.zeros(K)
    for i in range(P):
        g = grad_out[:, i:i + 1]
        grad_x[:, i:i + K] += g * w[::-1]
        grad_w += (g * x[:, i:i + K]).sum(axis=0)
    return grad_x, grad_w
''',
    ),
    Mistake(
        exercise="conv1d_backward",
        name="kernel gradient reversed",
        says="flipped",
        code='''
def conv1d_backward(grad_out, x, w):
    K, P = len(w), grad_out.shape[1]
    grad_x, grad_w = np.zeros(x.shape), np.zeros(K)
    for i in range(P):
        g = grad_out[:, i:i + 1]
        grad_x[:, i:i + K] += g * w
        grad_w += (g * x[:, i:i + K]).sum(axis=0)
    return grad_x, grad_w[::-1]
''',
    ),
    Mistake(
        exercise="conv1d_backward",
        name="kernel gradient averaged over the batch",
        says="N (the batch size) times too small",
        code='''
def conv1d_backward(grad_out, x, w):
    K, P = len(w), grad_out.shape[1]
    grad_x, grad_w = np.zeros(x.shape), np.zeros(K)
    for i in range(P):
        g = grad_out[:, i:i + 1]
        grad_x[:, i:i + K] += g * w
        grad_w += (g * x[:, i:i + K]).mean(axis=0)
    return grad_x, grad_w
''',
    ),
    # --- added for issue 14: at least six per exercise, spread across kinds -------------------
    Mistake(
        exercise="merge_backward",
        name="np.split returns views",
        kind="views",
        says='shares memory with grad_out',
        code='''
def merge_backward(grad_out, widths):
    return np.split(grad_out, np.cumsum(widths)[:-1], axis=1)
''',
    ),
    Mistake(
        exercise="merge_backward",
        name="one column too many in every piece",
        kind="shape",
        says='number of columns is not',
        code='''
def merge_backward(grad_out, widths):
    pieces, start = [], 0
    for w in widths:
        pieces.append(grad_out[:, start:start + w + 1].copy())
        start += w
    return pieces
''',
    ),
    Mistake(
        exercise="branch_backward",
        name="np.sum over the list reduces to one number",
        kind="axis",
        says='a single number',
        code='''
def branch_backward(grads):
    return np.sum(grads)
''',
    ),
    Mistake(
        exercise="residual_backward",
        name="ReLU gate computed without the bias",
        kind="point of evaluation",
        says='without the bias',
        code='''
def residual_backward(grad_out, x, W, b):
    gz = grad_out * (x @ W > 0)
    return grad_out + gz @ W.T, x.T @ gz, gz.sum(axis=0)
''',
    ),
    # --- a second set, probing for fallback messages (issue 14) --------------------------------
    Mistake(
        exercise="branch_backward",
        name='first gradient times the count',
        kind="wrong variable",
        says="counts copy 0's gradient 3 times",
        code='''
def branch_backward(grads):
    return grads[0] * len(grads)
''',
    ),
    Mistake(
        exercise="conv1d_backward",
        name='grad_x without the kernel',
        kind="missing term",
        says='leaves the kernel out',
        code='''
def conv1d_backward(grad_out, x, w):
    k, p = len(w), grad_out.shape[1]
    gx, gw = np.zeros_like(x), np.zeros_like(w)
    for i in range(p):
        gx[:, i:i+k] += grad_out[:, i:i+1]
        gw += (grad_out[:, i:i+1] * x[:, i:i+k]).sum(axis=0)
    return gx, gw
''',
    ),
    Mistake(
        exercise="residual_backward",
        name='grad_W transposed',
        kind="transpose",
        says='transposed',
        code='''
def residual_backward(grad_out, x, W, b):
    gz = grad_out * (x @ W + b > 0)
    return grad_out + gz @ W.T, gz.T @ x, gz.sum(axis=0)
''',
    ),
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
    Mistake(
        exercise="conv1d_backward",
        name='kernel gradient averaged over positions',
        kind="factor",
        says='the number of positions times too small',
        code='''
def conv1d_backward(grad_out, x, w):
    k, p = len(w), grad_out.shape[1]
    gx, gw = np.zeros_like(x), np.zeros_like(w)
    for i in range(p):
        gx[:, i:i+k] += grad_out[:, i:i+1] * w
        gw += (grad_out[:, i:i+1] * x[:, i:i+k]).sum(axis=0)
    return gx, gw / p
''',
    ),
    Mistake(
        exercise="residual_backward",
        name='grad_b with a kept axis',
        kind="shape",
        says='extra axis of length 1',
        code='''
def residual_backward(grad_out, x, W, b):
    gz = grad_out * (x @ W + b > 0)
    return grad_out + gz @ W.T, x.T @ gz, gz.sum(axis=0, keepdims=True)
''',
    ),
    Mistake(
        exercise="merge_backward",
        name='widths ignored, equal halves',
        kind="shape",
        says='number of columns is not',
        code='''
def merge_backward(grad_out, widths):
    return [p.copy() for p in np.array_split(grad_out, len(widths), axis=1)]
''',
    ),
    # --- a fourth probe (issue 14); the two marked generic have no specific diagnosis ------------
    Mistake(
        exercise="conv1d_backward",
        name='grad_w from grad_out only',
        kind="missing term",
        says='has wrong values',
        code='''
def conv1d_backward(grad_out, x, w):
    k, p = len(w), grad_out.shape[1]
    gx = np.zeros_like(x)
    for i in range(p):
        gx[:, i:i+k] += grad_out[:, i:i+1] * w
    return gx, np.full(k, grad_out.sum())
''',
        generic=True,
    ),
    Mistake(
        exercise="residual_backward",
        name='grad_x with W instead of W.T plus relu ok',
        kind="transpose",
        says='uses W where its transpose belongs',
        code='''
def residual_backward(grad_out, x, W, b):
    gz = grad_out * (x @ W + b > 0)
    return grad_out + gz @ W, x.T @ gz, gz.sum(axis=0)
''',
    ),
    Mistake(
        exercise="branch_backward",
        name='returns the list unchanged',
        kind="shape",
        says='stacks the 3 copies',
        code='''
def branch_backward(grads):
    return grads
''',
    ),
]
