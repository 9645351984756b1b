"""Losses: ``forward(pred, target)`` returns a float, ``backward()`` returns dL/d(pred).

Both average, so the gradient carries the 1/N of that average; forgetting it
(seed 000's MSE gradient) makes the step size depend on the batch size.
"""

import numpy as np

from ._checks import as_array, check_matrix, check_same_shape, require_finite, require_forward

# Said when a loss is handed NaN or infinity: in training that is nearly always divergence.
_DIVERGED = " (a diverging training run? try a smaller learning rate)"


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
        require_finite(target, "targets", "MSELoss")
        require_finite(pred, "predictions", "MSELoss", _DIVERGED)
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
    ``exp`` from overflowing: logits of 1e4 give exact, finite answers.  For
    logits near the float limit (1e308) the shift itself may overflow to -inf,
    which is the right limit: that class's probability is 0.
    """
    with np.errstate(over="ignore"):
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
        require_finite(logits, "logits", "SoftmaxCrossEntropy", _DIVERGED)
        Y = self._target_matrix(target, logits.shape, logits.dtype)
        logp = log_softmax(logits)
        self._cache = (np.exp(logp), Y)
        # Only the entries where Y > 0 count: a class of probability 0 under Y
        # adds nothing even when its log-probability is -inf (0 * -inf is NaN).
        picked = np.multiply(Y, logp, out=np.zeros_like(logp), where=Y != 0)
        return float(0.0 - picked.sum() / logits.shape[0])  # 0.0 - : a perfect fit gives 0.0, not -0.0

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
        require_finite(target, "targets", "SoftmaxCrossEntropy")
        sums = target.sum(axis=1)
        tol = 1e-6 if target.dtype == np.float64 else 1e-4 * c
        bad = np.flatnonzero((target < 0).any(axis=1) | (np.abs(sums - 1) > tol))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                "SoftmaxCrossEntropy: expected one-hot or probability rows (entries >= 0, each row "
                f"summing to 1), got row {i} = {target[i]} (sum {sums[i]:.6g})"
            )
        return target

    def __repr__(self):
        return "SoftmaxCrossEntropy()"
