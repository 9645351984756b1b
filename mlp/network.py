"""``Sequential``: layers in a chain, trained by minibatch gradient descent."""

import numpy as np

from ._checks import check_matrix


class Sequential:
    """A chain of layers: the output of each is the input of the next.

    ``forward`` runs the layers in order; ``backward`` runs them in reverse,
    handing each layer's ``grad_in`` to the layer before it as ``grad_out``.
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("Sequential: expected at least one layer, got none")
        self.layers = list(layers)

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential({inner})"

    def forward(self, x):
        """``x`` (N, in) -> output of the last layer."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out, *, input_grad=True):
        """dL/d(output) -> dL/d(input); fills every layer's ``grads``.

        With ``input_grad=False`` the first layer skips dL/dx, which training
        never uses, and None is returned.
        """
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            layer = self.layers[i]
            if i == 0 and not input_grad and "W" in layer.params:
                return layer.backward(grad_out, input_grad=False)
            grad_out = layer.backward(grad_out)
        return grad_out if input_grad else None

    def parameters(self):
        """Yield ``(layer, name)`` for every parameter, in layer order."""
        for layer in self.layers:
            for name in layer.params:
                yield layer, name

    def fit(self, X, y, *, loss, optimizer, epochs, batch_size, rng=None, progress=False):
        """Minibatch gradient descent; return the mean training loss of each epoch.

        ``X`` (N, in); ``y`` targets the loss accepts, N rows.  Each epoch
        shuffles the rows with ``rng`` and visits every example once; the last
        batch may be smaller, so no example is ever skipped.
        """
        X = check_matrix(X, "X")
        y = np.asarray(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"fit: expected y with {X.shape[0]} rows (as X), got {y.shape[0]}")
        if int(epochs) < 1 or int(batch_size) < 1:
            raise ValueError(f"fit: expected epochs >= 1 and batch_size >= 1, got {epochs} and {batch_size}")
        rng = np.random.default_rng(rng)
        history = []
        for _ in _epochs(int(epochs), progress):
            total = 0.0
            for xb, yb in minibatches(X, y, batch_size, rng=rng):
                total += self.train_step(xb, yb, loss, optimizer) * len(xb)
            history.append(total / X.shape[0])
        return history

    def train_step(self, x, y, loss, optimizer):
        """One forward, backward and update on a batch; return the batch loss."""
        value = loss.forward(self.forward(x), y)
        self.backward(loss.backward(), input_grad=False)
        optimizer.step()
        return value

    def predict(self, X, batch_size=1024):
        """The network's output for every row of ``X``, computed in batches."""
        X = check_matrix(X, "X")
        outs = [self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]
        return np.concatenate(outs, axis=0)


def minibatches(X, y, batch_size, *, rng=None, shuffle=True):
    """Yield ``(X[idx], y[idx])`` batches that together cover every row once."""
    n = len(X)
    order = np.random.default_rng(rng).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _epochs(n, progress):
    if not progress:
        return range(n)
    from tqdm.auto import tqdm  # optional: only needed for the progress bar

    return tqdm(range(n), desc="epochs", unit="epoch")
