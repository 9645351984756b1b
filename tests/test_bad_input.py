"""Bad input: every misuse gets an error (or a documented warning) naming what was expected and what came."""

import warnings

import numpy as np
import pytest

import mlp
from mlp.data import accuracy, one_hot
from mlp.network import DivergenceWarning


def small_net():
    return mlp.Sequential(mlp.Linear(3, 4, rng=0), mlp.ReLU(), mlp.Linear(4, 2, rng=1))


def fit(net, X, y, **kwargs):
    settings = dict(loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.1), epochs=1, batch_size=2)
    return net.fit(X, y, **{**settings, **kwargs})


# --- unclear errors, now named -------------------------------------------------------------
def test_fit_on_empty_X_names_the_shape():
    with pytest.raises(ValueError, match=r"fit: expected at least one example, got X of shape \(0, 3\)"):
        fit(small_net(), np.zeros((0, 3)), np.zeros(0, dtype=int))


@pytest.mark.parametrize("lr", ["0.1", None, [0.1], True])
def test_sgd_rejects_a_learning_rate_that_is_not_a_number(lr):
    with pytest.raises(TypeError, match=r"SGD: expected lr to be a number, got"):
        mlp.SGD(small_net(), lr=lr)


def test_sgd_rejects_a_momentum_that_is_not_a_number_or_out_of_range():
    with pytest.raises(TypeError, match="expected momentum to be a number, got str"):
        mlp.SGD(small_net(), lr=0.1, momentum="0.9")
    with pytest.raises(ValueError, match=r"expected 0 <= momentum < 1, got 1.0"):
        mlp.SGD(small_net(), lr=0.1, momentum=1.0)


def test_one_hot_of_no_labels_asks_for_num_classes_and_works_with_it():
    with pytest.raises(ValueError, match="one_hot: expected at least one label, got an empty array"):
        one_hot([])
    assert one_hot([], num_classes=4).shape == (0, 4)


def test_one_hot_rejects_labels_out_of_range_and_non_integers():
    with pytest.raises(ValueError, match=r"expected labels in \[0, 2\), got 0..2"):
        one_hot([0, 2], num_classes=2)
    with pytest.raises(ValueError, match=r"expected integer labels of shape \(N,\), got float64"):
        one_hot([0.5, 1.0])


def test_numerical_gradient_of_an_array_function_points_to_the_jacobian():
    with pytest.raises(ValueError, match=r"expected f to return a scalar, got an array of shape \(3,\).*numerical_jacobian"):
        mlp.numerical_gradient(lambda x: 2 * x, np.ones(3))


@pytest.mark.parametrize("check", [
    lambda eps: mlp.numerical_gradient(np.sum, np.ones(2), eps=eps),
    lambda eps: mlp.numerical_jacobian(lambda x: x, np.ones(2), eps=eps),
    lambda eps: mlp.check_vjp(lambda x: x, lambda u: u, np.ones(2), eps=eps),
])
@pytest.mark.parametrize("eps", [0, -1e-6, float("nan"), float("inf"), "1e-6"])
def test_finite_differences_reject_a_step_that_is_not_positive(check, eps):
    with pytest.raises(ValueError, match=r"expected a step eps > 0, got"):
        check(eps)


@pytest.mark.parametrize("pred, labels, shapes", [
    (np.zeros((5, 3)), np.zeros(4), r"\(5, 3\) and \(4,\)"),
    (np.zeros(5), np.zeros(4), r"\(5,\) and \(4,\)"),
    (np.zeros((2, 2, 2)), np.zeros(2), r"\(2, 2, 2\) and \(2,\)"),
    (np.zeros((2, 3)), np.zeros((2, 1)), r"\(2, 3\) and \(2, 1\)"),
    (np.zeros(0), np.zeros(0), r"\(0,\) and \(0,\)"),
])
def test_accuracy_names_mismatched_shapes(pred, labels, shapes):
    with pytest.raises(ValueError, match="accuracy: expected scores.*got shapes " + shapes):
        accuracy(pred, labels)


def test_accuracy_counts_argmax_and_label_matches():
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), [1, 1, 1]) == pytest.approx(2 / 3)
    assert accuracy([2, 0], [2, 1]) == 0.5


@pytest.mark.parametrize("bad", [3, "relu", np.zeros(3), mlp.ReLU])
def test_sequential_rejects_what_is_not_a_layer_at_construction(bad):
    with pytest.raises(TypeError, match=r"Sequential: expected layers with forward and backward methods, got .* at position 1"):
        mlp.Sequential(mlp.Linear(2, 2, rng=0), bad)


# --- accepted silently before, now refused ---------------------------------------------------
@pytest.mark.parametrize("lr", [float("inf"), float("nan"), 0.0, -0.1])
def test_sgd_rejects_a_learning_rate_that_is_not_positive_and_finite(lr):
    with pytest.raises(ValueError, match=r"SGD: expected a positive, finite learning rate, got"):
        mlp.SGD(small_net(), lr=lr)


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 2.5}, r"fit: expected epochs to be a positive integer, got float 2.5"),
    ({"epochs": 0}, r"fit: expected epochs >= 1, got 0"),
    ({"batch_size": 1.5}, r"fit: expected batch_size to be a positive integer, got float 1.5"),
    ({"batch_size": 0}, r"fit: expected batch_size >= 1, got 0"),
    ({"epochs": True}, r"fit: expected epochs to be a positive integer, got bool True"),
])
def test_fit_rejects_epochs_and_batch_sizes_that_are_not_positive_integers(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        fit(small_net(), np.ones((4, 3)), np.zeros(4, dtype=int), **kwargs)


def test_fit_accepts_numpy_integers_for_epochs():
    assert len(fit(small_net(), np.ones((4, 3)), np.zeros(4, dtype=int), epochs=np.int64(3))) == 3


def test_fit_names_targets_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"fit: expected y with 4 rows \(as X\), got shape \(3,\)"):
        fit(small_net(), np.ones((4, 3)), np.zeros(3, dtype=int))


@pytest.mark.parametrize("args, message", [
    ((2.7, 2), "Linear: expected in_features to be a positive integer, got float 2.7"),
    ((2, "3"), "Linear: expected out_features to be a positive integer, got str '3'"),
    ((0, 2), "Linear: expected in_features >= 1, got 0"),
    ((2, -1), "Linear: expected out_features >= 1, got -1"),
])
def test_linear_rejects_sizes_that_are_not_positive_integers(args, message):
    with pytest.raises((TypeError, ValueError), match=message):
        mlp.Linear(*args)


def test_branch_rejects_a_fractional_or_zero_number_of_copies():
    with pytest.raises(TypeError, match="Branch: expected n .* to be a positive integer, got float 2.5"):
        mlp.Branch(2.5)
    with pytest.raises(ValueError, match=r"Branch: expected n .* >= 1, got 0"):
        mlp.Branch(0)


@pytest.mark.parametrize("target, shown", [
    ([[2.0, 0.0, 0.0]], r"row 0 = \[2. 0. 0.\] \(sum 2\)"),
    ([[0.0, 0.0, 0.0]], r"row 0 = \[0. 0. 0.\] \(sum 0\)"),
    ([[1.5, -0.5, 0.0]], r"row 0 = \[ 1.5 -0.5  0. \] \(sum 1\)"),
])
def test_cross_entropy_rejects_targets_that_are_not_probability_rows(target, shown):
    with pytest.raises(ValueError, match=r"expected one-hot or probability rows .*got " + shown):
        mlp.SoftmaxCrossEntropy().forward(np.zeros((1, 3)), np.array(target))


def test_cross_entropy_accepts_soft_targets_and_float32_one_hot_rows():
    loss = mlp.SoftmaxCrossEntropy()
    assert loss.forward(np.zeros((1, 4)), np.full((1, 4), 0.25)) == pytest.approx(np.log(4))
    Y = np.eye(3, dtype=np.float32)[[0, 2]]
    assert np.isfinite(loss.forward(np.ones((2, 3), dtype=np.float32), Y))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_cross_entropy_rejects_logits_that_are_not_finite(bad):
    logits = np.zeros((2, 3))
    logits[1, 2] = bad
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy: expected finite logits, got .* at index \(1, 2\)"):
        mlp.SoftmaxCrossEntropy().forward(logits, [0, 1])


def test_cross_entropy_of_logits_near_the_float_limit_is_exact_and_silent():
    logits = np.array([[1e308, -1e308, 0.0], [-1e308, 1e308, 1e308]])
    loss = mlp.SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss.forward(logits, [0, 1])
        grad = loss.backward()
    assert value == pytest.approx(np.log(2) / 2)  # row 0: p = 1; row 1: p = 1/2
    np.testing.assert_allclose(grad, [[0, 0, 0], [0, -0.25, 0.25]])


def test_mse_rejects_a_nan_prediction_as_it_does_a_nan_target():
    with pytest.raises(ValueError, match=r"MSELoss: expected finite predictions, got nan at index \(0, 1\)"):
        mlp.MSELoss().forward(np.array([[0.0, np.nan]]), np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"MSELoss: expected finite targets, got inf at index \(0, 0\)"):
        mlp.MSELoss().forward(np.zeros((1, 2)), np.array([[np.inf, 0.0]]))


def test_fit_warns_once_when_the_loss_diverges():
    X = np.random.default_rng(0).standard_normal((64, 3)) * 10
    y = X @ np.array([[1.0], [2.0], [3.0]])
    net = mlp.Sequential(mlp.Linear(3, 1, rng=0))
    with pytest.warns(DivergenceWarning, match=r"fit: the batch loss grew from .* to .* in epoch 1: .*smaller learning rate") as caught:
        net.fit(X, y, loss=mlp.MSELoss(), optimizer=mlp.SGD(net, lr=0.05), epochs=2, batch_size=8, rng=0)
    assert len([w for w in caught if issubclass(w.category, DivergenceWarning)]) == 1


def test_fit_does_not_warn_when_the_loss_falls():
    X = np.random.default_rng(0).standard_normal((64, 3))
    y = X @ np.array([[1.0], [2.0], [3.0]])
    net = mlp.Sequential(mlp.Linear(3, 1, rng=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = net.fit(X, y, loss=mlp.MSELoss(), optimizer=mlp.SGD(net, lr=0.05), epochs=5, batch_size=8, rng=0)
    assert history[-1] < history[0]


def watch_warns(first, later):
    from mlp.network import _DivergenceWatch

    watch = _DivergenceWatch()
    watch.see(first, 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        watch.see(later, 0)
    return any(issubclass(w.category, DivergenceWarning) for w in caught)


@pytest.mark.parametrize("first, later, warns", [
    (1e-3, 1000.0, False),   # below a loss of 1 the bar is 1000 x 1: a tiny first loss is no yardstick
    (1e-3, 1000.5, True),
    (5.0, 5000.0, False),    # above it, 1000 x the first loss
    (5.0, 5001.0, True),
    (5.0, float("inf"), True),
    (5.0, float("nan"), True),
])
def test_divergence_bar_is_a_thousand_times_the_first_loss_or_one(first, later, warns):
    assert watch_warns(first, later) == warns


def test_cross_entropy_tolerance_on_row_sums_follows_the_dtype():
    loss = mlp.SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match="probability rows"):  # float64: 1e-5 off is not a rounding error
        loss.forward(np.zeros((1, 3)), np.array([[0.5, 0.5 + 1e-5, 0.0]]))
    assert np.isfinite(loss.forward(np.zeros((1, 3), np.float32), np.array([[0.5, 0.5 + 5e-5, 0.0]], np.float32)))
    with pytest.raises(ValueError, match="probability rows"):  # float32: within 1e-4 per class, not more
        loss.forward(np.zeros((1, 3), np.float32), np.array([[0.5, 0.5 + 5e-4, 0.0]], np.float32))
