"""Small data sets bundled with scikit-learn, and the usual preparation.

Nothing is downloaded: digits and diabetes ship inside scikit-learn.  Seed
000 used ``load_boston``, which scikit-learn removed in version 1.2; the
course uses diabetes for regression instead.

The loaders read scikit-learn's bundled files with numpy, without importing
scikit-learn (which takes over a second, paid again by every graded
notebook); if the files are not where they are expected, they fall back to
scikit-learn's own loaders.  The rest of ``mlp`` needs numpy alone.
"""

import importlib.util
from pathlib import Path

import numpy as np


def _bundled(name):
    """Path of a data file shipped in ``sklearn/datasets/data``, or None."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / name
    return path if path.exists() else None


def load_digits():
    """8x8 handwritten digits: ``X`` (1797, 64) scaled to [0, 1], ``y`` (1797,) ints 0-9."""
    path = _bundled("digits.csv.gz")
    if path is not None:
        data = np.loadtxt(path, delimiter=",")
        X, y = data[:, :-1], data[:, -1]
    else:
        from sklearn.datasets import load_digits as _load

        X, y = _load(return_X_y=True)
    return X / 16.0, y.astype(np.int64)


def load_diabetes():
    """Diabetes progression: ``X`` (442, 10) features, ``y`` (442,) targets (25 to 346)."""
    data, target = _bundled("diabetes_data_raw.csv.gz"), _bundled("diabetes_target.csv.gz")
    if data is not None and target is not None:
        X, y = np.loadtxt(data), np.loadtxt(target)
    else:
        from sklearn.datasets import load_diabetes as _load

        X, y = _load(return_X_y=True, scaled=False)
    return X.astype(np.float64), y.astype(np.float64)


def one_hot(labels, num_classes=None):
    """Integer labels (N,) -> one-hot rows (N, C); C is ``max(labels) + 1`` unless given."""
    labels = np.asarray(labels)
    if labels.size == 0 and labels.ndim == 1:
        if num_classes is None:
            raise ValueError("one_hot: expected at least one label, got an empty array "
                             "(pass num_classes to get an array of shape (0, num_classes))")
        labels = labels.astype(np.intp)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot: expected integer labels of shape (N,), got {labels.dtype} {labels.shape}")
    num_classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: expected labels in [0, {num_classes}), got {labels.min()}..{labels.max()}")
    out = np.zeros((labels.size, num_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def train_test_split(X, y, test_size=0.3, *, rng=0):
    """Shuffle rows and split: returns ``X_train, X_test, y_train, y_test``."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: expected X and y with the same rows, got {len(X)} and {len(y)}")
    if not 0 < test_size < 1:
        raise ValueError(f"train_test_split: expected 0 < test_size < 1, got {test_size}")
    order = np.random.default_rng(rng).permutation(len(X))
    n_test = int(round(test_size * len(X)))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(train, *others):
    """Scale columns to mean 0, std 1 using the training rows' statistics only.

    Returns the scaled ``train`` followed by each of ``others``, scaled alike.
    """
    train = np.asarray(train, dtype=np.float64)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    scaled = [(train - mean) / std] + [(np.asarray(o, dtype=np.float64) - mean) / std for o in others]
    return tuple(scaled) if others else scaled[0]


def accuracy(logits_or_labels, labels):
    """Fraction of rows whose arg-max (or label) equals ``labels``.

    ``logits_or_labels``: scores (N, C) or predicted labels (N,); ``labels`` (N,).
    """
    pred, labels = np.asarray(logits_or_labels), np.asarray(labels)
    if pred.ndim not in (1, 2) or labels.ndim != 1 or len(pred) != len(labels) or len(labels) == 0:
        raise ValueError(f"accuracy: expected scores (N, C) or labels (N,), and labels (N,) with N >= 1, "
                         f"got shapes {pred.shape} and {labels.shape}")
    if pred.ndim == 2:
        pred = pred.argmax(axis=1)
    return float(np.mean(pred == labels))


def r2_score(y_true, y_pred):
    """Coefficient of determination: 1 - SS_res / SS_tot."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    return float(1 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2))
