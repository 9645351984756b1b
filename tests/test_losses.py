"""Losses: values, gradients against central differences, stability, errors."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import mlp
from mlp.gradcheck import check_gradients, numerical_gradient

TOL = 1e-7


@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (7, 3), (5,)])
def test_mse_gradient_matches_central_differences(shape):
    rng = np.random.default_rng(len(shape) + shape[0])
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    assert check_gradients(mlp.MSELoss(), pred, target).worst < TOL


def test_mse_is_the_mean_over_all_elements():
    loss = mlp.MSELoss()
    assert loss.forward(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))) == pytest.approx(7.5)
    np.testing.assert_allclose(loss.backward(), np.array([[1.0, 2.0], [3.0, 4.0]]) * 2 / 4)


@pytest.mark.parametrize("n,c", [(1, 2), (1, 10), (6, 3), (20, 10)])
@pytest.mark.parametrize("one_hot", [False, True])
def test_cross_entropy_gradient_matches_central_differences(n, c, one_hot):
    rng = np.random.default_rng(n * c)
    logits = rng.standard_normal((n, c)) * 3
    labels = rng.integers(0, c, n)
    target = mlp.data.one_hot(labels, c) if one_hot else labels
    assert check_gradients(mlp.SoftmaxCrossEntropy(), logits, target).worst < TOL


def test_cross_entropy_integer_and_one_hot_targets_agree():
    rng = np.random.default_rng(3)
    logits, labels = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    a, b = mlp.SoftmaxCrossEntropy(), mlp.SoftmaxCrossEntropy()
    assert a.forward(logits, labels) == pytest.approx(b.forward(logits, mlp.data.one_hot(labels, 4)))
    np.testing.assert_allclose(a.backward(), b.backward())


def test_cross_entropy_is_exact_for_logits_of_1e4():
    loss = mlp.SoftmaxCrossEntropy()
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss.forward(logits, np.array([1, 2]))
        grad = loss.backward()
    # Row 1: the label's logit is 1e4 below the max, so its loss is 1e4.
    # Row 2: two equal maxima, the label is one of them: loss log 2.
    assert value == pytest.approx((1e4 + np.log(2)) / 2, rel=1e-12)
    np.testing.assert_allclose(grad, np.array([[1, -1, 0], [0, 0.5, -0.5]]) / 2, atol=1e-12)


def test_cross_entropy_matches_naive_formula_on_small_logits():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((8, 5)), rng.integers(0, 5, 8)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(8), labels]))
    assert mlp.SoftmaxCrossEntropy().forward(logits, labels) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss,pred,target,message", [
    (mlp.MSELoss(), np.ones((3, 2)), np.ones((2, 3)), r"expected target of shape \(3, 2\), got \(2, 3\)"),
    (mlp.MSELoss(), np.ones((2, 1)), np.array([[1.0], [np.nan]]), "finite targets"),
    (mlp.SoftmaxCrossEntropy(), np.ones((2, 3)), np.array([0, 3]), r"labels in \[0, 3\), got values from 0 to 3"),
    (mlp.SoftmaxCrossEntropy(), np.ones((2, 3)), np.array([0, -1]), r"labels in \[0, 3\)"),
    (mlp.SoftmaxCrossEntropy(), np.ones((2, 3)), np.array([0, 1, 2]), "expected 2 labels, got 3"),
    (mlp.SoftmaxCrossEntropy(), np.ones((2, 3)), np.array([0.5, 1.0]), "integer labels"),
    (mlp.SoftmaxCrossEntropy(), np.ones(3), np.array([0]), r"expected logits of shape \(N, features\), got \(3,\)"),
])
def test_bad_targets_are_rejected_with_a_clear_message(loss, pred, target, message):
    with pytest.raises(ValueError, match=message):
        loss.forward(pred, target)


@pytest.mark.parametrize("loss", [mlp.MSELoss(), mlp.SoftmaxCrossEntropy()])
def test_loss_backward_before_forward_is_a_runtime_error(loss):
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()


def test_losses_do_not_modify_their_inputs():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((4, 3)), np.array([0, 1, 2, 0])
    before = logits.copy()
    loss = mlp.SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    loss.backward()
    np.testing.assert_array_equal(logits, before)


def test_numerical_gradient_does_not_modify_x():
    x = np.array([1.0, 2.0])
    numerical_gradient(lambda z: np.sum(z ** 2), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), c=st.integers(2, 6), seed=st.integers(0, 2**31 - 1))  # c = 1: the gradient is 0
def test_cross_entropy_with_soft_targets_matches_central_differences(n, c, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c)) * 2
    target = rng.dirichlet(np.ones(c), size=n)  # probability rows
    assert check_gradients(mlp.SoftmaxCrossEntropy(), logits, target).worst < TOL


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 2**31 - 1))
def test_mse_gradient_matches_central_differences_on_random_shapes(shape, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    assert check_gradients(mlp.MSELoss(), pred, target).worst < TOL
