"""Layers: gradients against central differences, shapes, purity, errors."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import mlp
from mlp.gradcheck import check_gradients

TOL = 1e-7
POINTWISE = [mlp.ReLU, mlp.Sigmoid, mlp.Tanh, mlp.Identity]

sizes = st.integers(min_value=1, max_value=6)


@settings(max_examples=40, deadline=None)
@given(n=sizes, fan_in=sizes, fan_out=sizes, seed=st.integers(0, 2**31 - 1))
def test_linear_gradients_match_central_differences(n, fan_in, fan_out, seed):
    rng = np.random.default_rng(seed)
    layer = mlp.Linear(fan_in, fan_out, rng=rng)
    layer.params["b"][:] = rng.standard_normal(fan_out)
    report = check_gradients(layer, rng.standard_normal((n, fan_in)), rng=seed)
    assert report.worst < TOL, report


@pytest.mark.parametrize("cls", POINTWISE)
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 3), (4, 2, 3)])
def test_pointwise_gradients_match_central_differences(cls, shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    # Keep ReLU's inputs away from its kink, where finite differences are meaningless.
    x = np.where(np.abs(x) < 1e-3, 0.5, x)
    assert check_gradients(cls(), x, rng=0).worst < TOL


def test_linear_batch_of_one_matches_formula():
    layer = mlp.Linear(3, 2, rng=0)
    x = np.array([[1.0, -2.0, 0.5]])
    g = np.array([[0.3, -1.0]])
    layer.forward(x)
    grad_in = layer.backward(g)
    np.testing.assert_allclose(layer.grads["W"], np.outer(x[0], g[0]))
    np.testing.assert_allclose(layer.grads["b"], g[0])
    np.testing.assert_allclose(grad_in, g @ layer.params["W"].T)


def test_relu_gradient_at_zero_is_zero():
    relu = mlp.ReLU()
    relu.forward(np.array([[0.0, -0.0, 1e-300, -1e-300]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 4))), [[0.0, 0.0, 1.0, 0.0]])


@pytest.mark.parametrize("layer", [mlp.Linear(4, 3, rng=0), *[cls() for cls in POINTWISE]])
def test_layers_do_not_modify_their_inputs(layer):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4))
    x_before = x.copy()
    out = layer.forward(x)
    g = rng.standard_normal(out.shape)
    g_before = g.copy()
    layer.backward(g)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)


def test_relu_backward_still_right_after_caller_reuses_output():
    relu = mlp.ReLU()
    x = np.array([[-1.0, 2.0]])
    out = relu.forward(x)
    out[:] = 5.0  # the caller scribbles on the output; backward must not care
    np.testing.assert_array_equal(relu.backward(np.ones((1, 2))), [[0.0, 1.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_keeps_its_dtype(dtype):
    layer = mlp.Linear(3, 2, rng=0, dtype=dtype)
    out = layer.forward(np.ones((4, 3), dtype=dtype))
    assert out.dtype == dtype
    assert layer.backward(np.ones((4, 2), dtype=dtype)).dtype == dtype
    assert layer.grads["W"].dtype == dtype


def test_sigmoid_is_finite_for_huge_inputs():
    s = mlp.Sigmoid()
    with np.errstate(over="raise"):
        out = s.forward(np.array([[-1e4, 0.0, 1e4]]))
    np.testing.assert_array_equal(out, [[0.0, 0.5, 1.0]])


def test_linear_rejects_wrong_width_naming_both_shapes():
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 5\), got \(3, 4\)"):
        mlp.Linear(5, 2).forward(np.ones((3, 4)))


def test_linear_rejects_grad_out_of_wrong_shape():
    layer = mlp.Linear(3, 2)
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expected grad_out of shape \(4, 2\), got \(2, 4\)"):
        layer.backward(np.ones((2, 4)))


@pytest.mark.parametrize("layer", [mlp.Linear(2, 2), mlp.ReLU(), mlp.Sigmoid(), mlp.Branch(2), mlp.Merge()])
def test_backward_before_forward_is_a_runtime_error(layer):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((1, 2)))


def test_linear_rejects_non_numeric_input():
    with pytest.raises(ValueError, match="numbers"):
        mlp.Linear(1, 1).forward(np.array([["a"]]))


def test_branch_sums_gradients():
    branch = mlp.Branch(3)
    x = np.arange(6.0).reshape(2, 3)
    copies = branch.forward(x)
    assert len(copies) == 3 and all(c is x for c in copies)
    gs = [np.full((2, 3), k) for k in (1.0, 2.0, 4.0)]
    np.testing.assert_array_equal(branch.backward(gs), np.full((2, 3), 7.0))


def test_branch_rejects_wrong_number_of_gradients():
    branch = mlp.Branch(2)
    branch.forward(np.ones((1, 2)))
    with pytest.raises(ValueError, match="expected 2 gradients, got 1"):
        branch.backward([np.ones((1, 2))])


def test_merge_splits_gradient_back_into_pieces():
    merge = mlp.Merge()
    a, b = np.ones((2, 3)), np.zeros((2, 1))
    assert merge.forward([a, b]).shape == (2, 4)
    g = np.arange(8.0).reshape(2, 4)
    ga, gb = merge.backward(g)
    np.testing.assert_array_equal(ga, g[:, :3])
    np.testing.assert_array_equal(gb, g[:, 3:])


def test_merge_rejects_different_batch_sizes():
    with pytest.raises(ValueError, match="same N"):
        mlp.Merge().forward([np.ones((2, 3)), np.ones((3, 3))])


def test_params_and_grads_share_keys_and_shapes():
    layer = mlp.Linear(2, 3)
    assert set(layer.params) == set(layer.grads) == {"W", "b"}
    assert layer.params["W"].shape == layer.grads["W"].shape == (2, 3)
    assert layer.params["b"].shape == layer.grads["b"].shape == (3,)


@pytest.mark.parametrize("layer", [cls() for cls in POINTWISE] + [mlp.Branch(2), mlp.Merge()], ids=repr)
def test_parameterless_layers_have_empty_params_and_grads(layer):
    assert layer.params == {} and layer.grads == {}


@pytest.mark.parametrize("fan_in", [50, 800])
def test_linear_uses_he_initialisation(fan_in):
    W = mlp.Linear(fan_in, 400, rng=0).params["W"]
    # std sqrt(2 / fan_in) (He et al.), zero mean; 400 * fan_in samples pin it to about 1 %
    assert abs(W.std() / np.sqrt(2.0 / fan_in) - 1) < 0.03
    assert abs(W.mean()) < 0.05 * W.std()
    assert not np.any(mlp.Linear(fan_in, 400, rng=0).params["b"])


def test_linear_gradients_are_fresh_numbers_after_each_backward():
    """dW is written into the array grads already holds: a second backward must overwrite it fully."""
    layer = mlp.Linear(3, 2, rng=0)
    rng = np.random.default_rng(0)
    for _ in range(2):
        x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
        layer.forward(x)
        layer.backward(g)
        np.testing.assert_allclose(layer.grads["W"], x.T @ g)
        np.testing.assert_allclose(layer.grads["b"], g.sum(axis=0))


def test_linear_gradient_follows_the_result_dtype_when_grads_was_replaced():
    layer = mlp.Linear(3, 2, rng=0, dtype=np.float32)
    layer.grads["W"] = np.zeros((3, 2))  # float64: cannot take a float32 result in place
    layer.forward(np.ones((4, 3), dtype=np.float32))
    layer.backward(np.ones((4, 2), dtype=np.float32))
    assert layer.grads["W"].dtype == np.float32
    np.testing.assert_array_equal(layer.grads["W"], np.full((3, 2), 4.0))


def test_branch_and_merge_gradients_match_central_differences():
    """L = sum(u * Merge(f1(x), x, f2(x))) with Branch(3) fanning x out: x gets three paths."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3))
    first, second = mlp.Linear(3, 4, rng=1), mlp.Linear(3, 1, rng=2)
    branch, merge, tanh = mlp.Branch(3), mlp.Merge(), mlp.Tanh()
    u = rng.standard_normal((2, 4 + 3 + 1))

    def forward(z):
        a, b, c = branch.forward(z)
        return merge.forward([first.forward(a), tanh.forward(b), second.forward(c)])

    def loss(z):
        return float(np.sum(forward(z) * u))

    forward(x)
    g_first, g_tanh, g_second = merge.backward(u)
    grad = branch.backward([first.backward(g_first), tanh.backward(g_tanh), second.backward(g_second)])
    numeric = mlp.numerical_gradient(loss, x)
    assert mlp.rel_error(grad, numeric) < TOL


def test_merge_of_three_inputs_returns_each_its_own_columns():
    merge = mlp.Merge()
    xs = [np.ones((2, 1)), np.ones((2, 3)), np.ones((2, 2))]
    assert merge.forward(xs).shape == (2, 6)
    g = np.arange(12.0).reshape(2, 6)
    pieces = merge.backward(g)
    assert [p.shape for p in pieces] == [(2, 1), (2, 3), (2, 2)]
    for piece, cols in zip(pieces, [slice(0, 1), slice(1, 4), slice(4, 6)]):
        np.testing.assert_array_equal(piece, g[:, cols])
    assert not any(np.shares_memory(p, g) for p in pieces)


def test_branch_makes_two_copies_by_default():
    assert len(mlp.Branch().forward(np.ones((1, 2)))) == 2


def test_merge_of_a_single_input_passes_it_through():
    merge = mlp.Merge()
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(merge.forward([x]), x)
    (g,) = merge.backward(np.ones((3, 2)))
    np.testing.assert_array_equal(g, np.ones((3, 2)))


def test_linear_backward_replaces_a_gradient_array_of_the_wrong_shape():
    layer = mlp.Linear(3, 2, rng=0)
    layer.grads["W"], layer.grads["b"] = np.zeros((2, 3)), np.zeros(5)
    layer.forward(np.ones((4, 3)))
    layer.backward(np.ones((4, 2)))
    assert layer.grads["W"].shape == (3, 2) and layer.grads["b"].shape == (2,)
    np.testing.assert_array_equal(layer.grads["W"], np.full((3, 2), 4.0))


def test_linear_without_rng_draws_fresh_weights_each_time():
    assert not np.array_equal(mlp.Linear(3, 2).params["W"], mlp.Linear(3, 2).params["W"])
