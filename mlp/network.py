"""``Sequential``: layers in a chain, trained by minibatch gradient descent."""

import warnings

import numpy as np

from ._checks import check_matrix, positive_int


class DivergenceWarning(RuntimeWarning):
    """``fit`` warns with this when the batch loss grows past ``DIVERGENCE_FACTOR`` times
    its first value (or to infinity): the learning rate is almost surely too large."""


DIVERGENCE_FACTOR = 1e3


class Sequential:
    """A chain of layers: the output of each is the input of the next.

    ``forward`` runs the layers in order; ``backward`` runs them in reverse,
    handing each layer's ``grad_in`` to the layer before it as ``grad_out``.
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("Sequential: expected at least one layer, got none")
        for i, layer in enumerate(layers):
            if isinstance(layer, type):
                raise TypeError(f"Sequential: expected layers with forward and backward methods, got the class "
                                f"{layer.__name__} at position {i}: create one with {layer.__name__}(...)")
            if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
                raise TypeError(f"Sequential: expected layers with forward and backward methods, "
                                f"got {type(layer).__name__} {layer!r} at position {i}")
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

        If a batch loss grows past ``DIVERGENCE_FACTOR`` (1000) times the first
        batch's, or to infinity, a ``DivergenceWarning`` says so once.
        """
        X = check_matrix(X, "X", owner="fit")
        if X.shape[0] == 0:
            raise ValueError(f"fit: expected at least one example, got X of shape {X.shape}")
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != X.shape[0]:
            raise ValueError(f"fit: expected y with {X.shape[0]} rows (as X), got shape {y.shape}")
        epochs, batch_size = positive_int(epochs, "epochs", "fit"), positive_int(batch_size, "batch_size", "fit")
        rng = np.random.default_rng(rng)
        history, watch = [], _DivergenceWatch()
        for epoch in _epochs(epochs, progress):
            total = 0.0
            for xb, yb in minibatches(X, y, batch_size, rng=rng):
                value = self.train_step(xb, yb, loss, optimizer)
                watch.see(value, epoch)
                total += value * len(xb)
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


class _DivergenceWatch:
    """Warn once when the batch loss grows far beyond its first value."""

    def __init__(self):
        self.first, self.warned = None, False

    def see(self, value, epoch):
        if self.first is None:
            self.first = value
        elif not self.warned and not value <= DIVERGENCE_FACTOR * max(self.first, 1.0):
            self.warned = True
            warnings.warn(f"fit: the batch loss grew from {self.first:.3g} to {value:.3g} in epoch {epoch + 1}: "
                          "training is diverging; try a smaller learning rate", DivergenceWarning, stacklevel=3)


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
