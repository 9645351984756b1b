"""Seed 000's experiments, reproduced with mlp (and its bugs fixed).

Digits: seed 000 reports 97% test accuracy; we require at least 96%.
Boston housing is gone from scikit-learn, so regression uses diabetes,
where a linear model reaches R^2 of about 0.41 on this split.
"""

import time

import numpy as np

import mlp
from mlp import data


def test_digits_test_accuracy_reaches_96_percent_in_seconds():
    start = time.perf_counter()
    X, y = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.3, rng=42)
    net = mlp.Sequential(mlp.Linear(64, 64, rng=1), mlp.ReLU(), mlp.Linear(64, 10, rng=2))
    net.fit(X_train, y_train, loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.1, momentum=0.9),
            epochs=30, batch_size=32, rng=0)
    accuracy = data.accuracy(net.predict(X_test), y_test)
    print(f"digits: test accuracy {accuracy:.3f} in {time.perf_counter() - start:.1f} s")
    assert accuracy >= 0.96


def test_diabetes_regression_beats_the_linear_baseline():
    X, y = data.load_diabetes()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.3, rng=42)
    X_train, X_test = data.standardize(X_train, X_test)
    ones = lambda A: np.c_[A, np.ones(len(A))]  # noqa: E731
    w = np.linalg.lstsq(ones(X_train), y_train, rcond=None)[0]
    linear = data.r2_score(y_test, ones(X_test) @ w)  # least squares: about 0.41 on this split
    mean, std = y_train.mean(), y_train.std()
    net = mlp.Sequential(mlp.Linear(10, 10, rng=1), mlp.ReLU(), mlp.Linear(10, 1, rng=2))
    net.fit(X_train, ((y_train - mean) / std)[:, None], loss=mlp.MSELoss(), optimizer=mlp.SGD(net, lr=0.01),
            epochs=40, batch_size=16, rng=0)
    r2 = data.r2_score(y_test, net.predict(X_test)[:, 0] * std + mean)
    print(f"diabetes: test R^2 {r2:.3f}, linear least squares {linear:.3f}")
    assert linear > 0.40 and r2 > linear


def test_fast_loaders_equal_scikit_learns_own():
    from sklearn import datasets

    X, y = data.load_digits()
    X_ref, y_ref = datasets.load_digits(return_X_y=True)
    np.testing.assert_array_equal(X, X_ref / 16.0)
    np.testing.assert_array_equal(y, y_ref)
    X, y = data.load_diabetes()
    X_ref, y_ref = datasets.load_diabetes(return_X_y=True, scaled=False)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_data_shapes_and_ranges():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,) and 0 <= X.min() and X.max() <= 1
    X, y = data.load_diabetes()
    assert X.shape == (442, 10) and y.shape == (442,)


def test_one_hot_and_its_errors():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    import pytest

    with pytest.raises(ValueError, match=r"labels in \[0, 2\)"):
        data.one_hot(np.array([0, 2]), 2)


def test_standardize_uses_training_statistics_only():
    train, test = np.array([[0.0], [2.0]]), np.array([[4.0]])
    train_s, test_s = data.standardize(train, test)
    np.testing.assert_allclose(train_s[:, 0], [-1, 1])
    np.testing.assert_allclose(test_s[:, 0], [3])


def test_train_test_split_partitions_the_rows():
    X, y = np.arange(10)[:, None], np.arange(10)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, 0.3, rng=0)
    assert len(Xte) == 3 and sorted(np.concatenate([ytr, yte])) == list(range(10))
    np.testing.assert_array_equal(Xtr[:, 0], ytr)
