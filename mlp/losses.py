"""Losses: ``forward(pred, target)`` returns a float, ``backward()`` returns dL/d(pred).

Both average, so the gradient carries the 1/N of that average; forgetting it
(seed 000's MSE gradient) makes the step size depend on the batch size.
"""

import numpy as np

from ._checks import as_array, check_matrix, check_same_shape, require_forward


class MSELoss:
    """Mean squared error over all elements: ``L = mean((pred - target) ** 2)``.

    Shapes: ``pred`` and ``target`` alike, e.g. (N, out).  Backward:
    ``2 (pred - target) / pred.size``.  Matches ``torch.nn.MSELoss()``.
    """

    def __init__(self):
        self._diff = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        pred = as_array(pred, "pred")
        target = check_same_shape(target, pred.shape, "target", "MSELoss")
        if not np.all(np.isfinite(target)):
            raise ValueError("MSELoss: expected finite targets, got NaN or inf")
        self._diff = pred - target
        return float(np.mean(self._diff * self._diff))

    def backward(self):
        """Return dL/d(pred), of the shape of ``pred``."""
        require_forward(self._diff, "MSELoss")
        return self._diff * (2.0 / self._diff.size)

    def __repr__(self):
        return "MSELoss()"


def log_softmax(logits):
    """Row-wise log-softmax, shape (N, C) -> (N, C).

    Subtracting each row's maximum first leaves the result unchanged and keeps
    ``exp`` from overflowing: logits of 1e4 give exact, finite answers.
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class SoftmaxCrossEntropy:
    """Softmax followed by cross-entropy, averaged over the batch.

    Shapes: ``logits`` (N, C); ``target`` integer labels (N,) in [0, C) or
    one-hot / probability rows (N, C).  Backward: ``(softmax(logits) - Y) / N``.
    """

    def __init__(self):
        self._cache = None

    def __call__(self, logits, target):
        return self.forward(logits, target)

    def forward(self, logits, target):
        logits = check_matrix(logits, "logits", owner="SoftmaxCrossEntropy")
        Y = self._target_matrix(target, logits.shape, logits.dtype)
        logp = log_softmax(logits)
        self._cache = (np.exp(logp), Y)
        return float(-(Y * logp).sum() / logits.shape[0])

    def backward(self):
        """Return dL/d(logits), shape (N, C)."""
        require_forward(self._cache, "SoftmaxCrossEntropy")
        p, Y = self._cache
        return (p - Y) / p.shape[0]

    @staticmethod
    def _target_matrix(target, shape, dtype):
        n, c = shape
        target = np.asarray(target)
        if target.ndim == 1:
            if target.shape[0] != n:
                raise ValueError(f"SoftmaxCrossEntropy: expected {n} labels, got {target.shape[0]}")
            if target.dtype.kind not in "iu":
                if target.dtype.kind != "f" or not np.all(target == np.round(target)):
                    raise ValueError(f"SoftmaxCrossEntropy: expected integer labels, got dtype {target.dtype}")
            if n and (target.min() < 0 or target.max() >= c):
                raise ValueError(
                    f"SoftmaxCrossEntropy: expected labels in [0, {c}), got values from "
                    f"{target.min()} to {target.max()}"
                )
            Y = np.zeros(shape, dtype=dtype)
            Y[np.arange(n), target.astype(np.intp)] = 1.0
            return Y
        target = check_same_shape(target, shape, "target", "SoftmaxCrossEntropy")
        if not np.all(np.isfinite(target)):
            raise ValueError("SoftmaxCrossEntropy: expected finite targets, got NaN or inf")
        return target

    def __repr__(self):
        return "SoftmaxCrossEntropy()"
