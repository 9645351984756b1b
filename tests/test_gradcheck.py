"""The gradient checker itself: it must pass right gradients and flag wrong ones."""

import numpy as np
import pytest

import mlp
from mlp.gradcheck import (GradCheckReport, check_gradients, check_vjp, numerical_gradient, numerical_jacobian,
                           rel_error)


def test_central_difference_error_shrinks_like_eps_squared():
    f = lambda x: float(np.sum(np.sin(3 * x)))  # noqa: E731
    x = np.array([0.4])
    exact = 3 * np.cos(1.2)
    e1 = abs(numerical_gradient(f, x, eps=1e-2)[0] - exact)
    e2 = abs(numerical_gradient(f, x, eps=1e-3)[0] - exact)
    assert 50 < e1 / e2 < 200  # 10x smaller step, about 100x smaller error


def test_numerical_jacobian_of_a_linear_map_is_the_matrix():
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(numerical_jacobian(lambda x: A @ x, np.ones(3)), A, atol=1e-8)


def test_check_vjp_accepts_the_right_vjp_and_rejects_a_transposed_one():
    A = np.random.default_rng(0).standard_normal((4, 4))  # square: a transposed VJP has the right shape
    f = lambda x: A @ x  # noqa: E731
    assert check_vjp(f, lambda u: A.T @ u, np.ones(4), rng=1) < 1e-8
    assert check_vjp(f, lambda u: A @ u, np.ones(4), rng=1) > 1e-2


def test_check_vjp_rejects_a_doubled_vjp():
    A = np.random.default_rng(0).standard_normal((3, 4))
    assert check_vjp(lambda x: A @ x, lambda u: 2 * A.T @ u, np.ones(4), rng=1) > 0.3


def test_report_worst_is_the_largest_error_not_the_smallest():
    report = GradCheckReport({"x": 1e-12, "W": 0.5, "b": 1e-9})
    assert report.worst == 0.5
    assert GradCheckReport().worst == 0.0


def test_rel_error_is_zero_for_equal_zero_arrays_and_rejects_shape_mismatch():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"got \(3,\) and \(2,\)"):
        rel_error(np.zeros(3), np.zeros(2))


class BrokenLinear(mlp.Linear):
    """dW transposed: a checker that cannot see this is useless."""

    def backward(self, grad_out, *, input_grad=True):
        out = super().backward(grad_out, input_grad=input_grad)
        self.grads["W"] = (grad_out.T @ self._x).T * 1.5
        return out


def test_check_gradients_flags_a_wrong_layer():
    x = np.random.default_rng(0).standard_normal((4, 3))
    report = check_gradients(BrokenLinear(3, 2, rng=0), x, rng=0)
    assert report.errors["W"] > 1e-2 and report.errors["x"] < 1e-7
    assert report.worst == report.errors["W"]  # one wrong array is enough to fail the check
    assert "worst" in repr(report)


def test_check_gradients_restores_parameters_exactly():
    layer = mlp.Linear(3, 2, rng=0)
    before = {k: v.copy() for k, v in layer.params.items()}
    check_gradients(layer, np.ones((2, 3)), rng=0)
    for k in before:
        np.testing.assert_array_equal(layer.params[k], before[k])
