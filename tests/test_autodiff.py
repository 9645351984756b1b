"""The graph engine: topological order, summing over consumers, v @ J, no_grad, errors."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlp.autodiff import (Tensor, concatenate, graph_edges, jacobian, jacobian_entry_counts, no_grad,
                          softmax_cross_entropy, topological_sort)
from mlp.gradcheck import numerical_gradient, numerical_jacobian, rel_error

TOL = 1e-7


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --- construction -------------------------------------------------------------------------
def test_python_numbers_and_lists_become_float64():
    assert Tensor(3).dtype == np.float64
    assert Tensor([[1, 2], [3, 4]]).dtype == np.float64


def test_ndarray_keeps_its_dtype_and_memory():
    a = np.ones((2, 3), dtype=np.float32)
    t = Tensor(a)
    assert t.dtype == np.float32 and t.value is a
    assert (t.shape, t.ndim) == ((2, 3), 2)


def test_integer_array_cannot_require_grad():
    with pytest.raises(ValueError, match="floating-point.*int64"):
        Tensor(np.arange(3), requires_grad=True)


def test_repr_shows_values_dtype_and_requires_grad():
    text = repr(Tensor(np.array([1.5, 2.0], dtype=np.float32), requires_grad=True))
    assert text == "Tensor([1.5, 2. ], dtype=float32, requires_grad=True)"
    assert repr(Tensor(2.0)) == "Tensor(2.)"


def test_float32_is_never_upcast_by_python_scalars_or_gradients():
    x = Tensor(np.linspace(0.5, 1.5, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    y = 2 * x - 1 + 1 / x + x ** 2 + (0.5 * x).exp() + x.log() + x.sigmoid() + x.tanh() + x.relu()
    loss = softmax_cross_entropy(y, np.array([0, 2])) + y.mean()
    assert y.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


# --- the chain rule on a DAG ----------------------------------------------------------------
def test_fan_out_sums_gradients():
    x = Tensor(randn(3), requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.value, rtol=1e-12)


def test_node_on_two_paths_gets_the_sum_of_both():
    x0 = randn(2, 3)
    x = Tensor(x0, requires_grad=True)
    h = x.tanh()  # h feeds two consumers
    (h.exp() * 3 + (h * h).sum(axis=0)).sum().backward()
    def f(z):
        return np.sum(np.exp(np.tanh(z)) * 3 + (np.tanh(z) ** 2).sum(axis=0))
    expected = numerical_gradient(f, x0)
    assert rel_error(x.grad, expected) < TOL


def test_shared_parameter_gets_gradients_from_every_use():
    x, W0 = randn(4, 3, seed=1), randn(3, 3, seed=2)
    W = Tensor(W0, requires_grad=True)
    ((x @ W).tanh() @ W).sum().backward()  # W is used by two matmuls
    expected = numerical_gradient(lambda w: np.sum(np.tanh(x @ w) @ w), W0)
    assert rel_error(W.grad, expected) < TOL


def test_mlp_with_cross_entropy_matches_finite_differences():
    x, labels = randn(5, 4, seed=3), np.array([0, 2, 1, 2, 0])
    W1, b1, W2 = randn(4, 6, seed=4), randn(6, seed=5), randn(6, 3, seed=6)

    def loss(w1, b, w2):
        return softmax_cross_entropy((x @ w1 + b).relu() @ w2, labels)

    params = [Tensor(p, requires_grad=True) for p in (W1, b1, W2)]
    loss(*params).backward()
    for i, p in enumerate(params):
        def loss_of(z, i=i):
            args = [Tensor(q) for q in (W1, b1, W2)]
            args[i] = Tensor(z)
            return loss(*args).item()
        assert rel_error(p.grad, numerical_gradient(loss_of, p.value)) < TOL


def test_cross_entropy_is_finite_for_logits_of_1e4_with_gradient_softmax_minus_onehot():
    logits = Tensor(np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]]), requires_grad=True)
    loss = softmax_cross_entropy(logits, np.array([0, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(np.log(2) / 2)
    expected = np.array([[0, 0, 0], [0, -0.5, 0.5]]) / 2
    np.testing.assert_allclose(logits.grad, expected, atol=1e-12)


def test_cross_entropy_rejects_labels_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(4, 3\) and \(5,\)"):
        softmax_cross_entropy(Tensor(np.zeros((4, 3))), np.zeros(5, dtype=int))


def test_topological_sort_places_every_node_after_its_consumers():
    x = Tensor(randn(3), requires_grad=True)
    a, b = x.exp(), x.tanh()
    y = (a * b + a).sum()
    order = topological_sort(y)
    position = {node: i for i, node in enumerate(order)}
    assert order[0] is y and order[-1] is x and len(order) == 6
    for node in order:
        for parent in node._parents:
            assert position[parent] > position[node]


def test_chain_of_100000_nodes_backpropagates_without_recursion_error():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0  # each node's local derivative is 1
    y.backward()
    assert x.grad == 1.0


# --- v @ J and the explicit Jacobian --------------------------------------------------------
def f_vector(x):
    return (x @ np.arange(12.0).reshape(3, 4) / 10).tanh() * x.sum()


def test_jacobian_matches_central_differences():
    x0 = randn(2, 3, seed=7)
    J = jacobian(f_vector, x0)
    assert J.shape == (2, 4, 2, 3)
    numeric = numerical_jacobian(lambda z: f_vector(Tensor(z)).value, x0)
    assert rel_error(J, numeric) < TOL


def test_backward_with_v_computes_v_times_jacobian():
    x0, v = randn(2, 3, seed=8), randn(2, 4, seed=9)
    x = Tensor(x0, requires_grad=True)
    f_vector(x).backward(v)
    J = numerical_jacobian(lambda z: f_vector(Tensor(z)).value, x0)
    assert rel_error(x.grad, np.tensordot(v, J, axes=2)) < TOL


def test_jacobian_of_scalar_function_is_the_gradient():
    x0 = randn(4, seed=10)
    np.testing.assert_allclose(jacobian(lambda x: (x * x).sum(), x0), 2 * x0, rtol=1e-12)


# --- accumulation, leaves, no_grad, detach ----------------------------------------------------
def test_gradients_accumulate_across_backward_calls_until_zero_grad():
    x = Tensor(randn(3), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * x.value)
    x.zero_grad()
    assert x.grad is None
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * x.value)


def test_only_leaves_and_retained_nodes_keep_grad():
    x = Tensor(randn(3), requires_grad=True)
    h, k = x.exp(), x.tanh()
    h.retain_grad()
    (h * k).sum().backward()
    np.testing.assert_allclose(h.grad, k.value)
    assert k.grad is None and x.grad is not None


def test_inputs_without_requires_grad_get_no_gradient():
    x, W = Tensor(randn(2, 3)), Tensor(randn(3, 4), requires_grad=True)
    (x @ W).sum().backward()
    assert x.grad is None and W.grad.shape == (3, 4)


def test_ndarray_on_the_left_of_matmul_gives_a_tensor():
    x, W = randn(2, 3), Tensor(randn(3, 4), requires_grad=True)
    out = x @ W
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_allclose(W.grad, x.sum(axis=0)[:, None] * np.ones((1, 4)))


def test_leaf_grad_is_not_shared_with_other_arrays():
    a, b = Tensor(randn(3), requires_grad=True), Tensor(randn(3), requires_grad=True)
    (a + b).backward(np.ones(3))
    a.grad += 1  # must not change b.grad, although add passes the same g to both
    np.testing.assert_array_equal(b.grad, np.ones(3))


def test_backward_does_not_modify_forward_values():
    x0 = randn(3, 4)
    x = Tensor(x0.copy(), requires_grad=True)
    y = x.relu()
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.value, x0)
    np.testing.assert_array_equal(y.value, np.maximum(x0, 0))


def test_no_grad_builds_no_graph():
    x = Tensor(randn(3), requires_grad=True)
    with no_grad():
        y = (x * 2).exp().sum()
    assert not y.requires_grad and y._parents == ()
    assert (x * 2).requires_grad  # recording resumes after the block


def test_no_grad_restores_recording_after_an_exception():
    x = Tensor(randn(3), requires_grad=True)
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert (x + 1).requires_grad


def test_detach_shares_value_and_stops_the_gradient():
    x = Tensor(randn(3), requires_grad=True)
    d = x.detach()
    assert d.value is x.value and not d.requires_grad
    (x * d).sum().backward()  # d is a constant: dy/dx = d, not 2x
    np.testing.assert_allclose(x.grad, x.value)


def test_concatenate_accepts_arrays_beside_tensors():
    x = Tensor(randn(2, 2), requires_grad=True)
    concatenate([x, np.zeros((1, 2))]).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 2)))


# --- bad input ----------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_both_shapes():
    message = r"matmul: expected inner dimensions to agree, got \(3, 4\) @ \(5, 2\)"
    with pytest.raises(ValueError, match=message):
        Tensor(np.zeros((3, 4))) @ Tensor(np.zeros((5, 2)))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_broadcast_failure_names_operation_and_shapes(op):
    x, y = Tensor(np.zeros((3, 4))), np.zeros(5)
    f = {"add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y, "div": lambda: x / y}[op]
    with pytest.raises(ValueError, match=rf"{op}: .*broadcast.*\(3, 4\) and \(5,\)"):
        f()


def test_concatenate_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r"axis 0, got \[\(2, 3\), \(2, 4\)\]"):
        concatenate([Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 4)))])


def test_backward_of_non_scalar_without_v_is_an_error():
    y = Tensor(randn(3), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"not a scalar.*pass v"):
        y.backward()


def test_backward_with_v_of_wrong_shape_names_both_shapes():
    y = Tensor(randn(2, 3), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"expected v of shape \(2, 3\).*got \(3, 2\)"):
        y.backward(np.ones((3, 2)))


def test_backward_on_a_constant_is_an_error():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (Tensor(1.0) * 2).backward()


# --- Jacobian sizes (seed 002, Appendix D) -------------------------------------------------
APPENDIX_D = [("dJ/dZ5", (), (10, 1)), ("dZ5/dZ3", (10, 1), (10, 1)), ("dZ3/dZ1", (10, 1), (10, 5)),
              ("dZ1/dW1", (10, 5), (10, 5)), ("dZ5/dZ4", (10, 1), (10, 1)), ("dZ4/dZ1", (10, 1), (10, 5))]


def test_jacobian_count_reproduces_appendix_d_table():
    rows = jacobian_entry_counts(APPENDIX_D)
    assert [r["jacobian_entries"] for r in rows] == [10, 100, 500, 2500, 100, 500]
    assert sum(r["jacobian_entries"] for r in rows) == 3710
    assert sum(r["vjp_entries"] for r in rows) == 180


def test_jacobian_count_from_a_tensor_graph_gives_3710_for_50_parameters():
    rng = np.random.default_rng(0)
    I, W1 = rng.standard_normal((10, 10)), Tensor(rng.standard_normal((10, 5)), requires_grad=True)
    Z1 = I @ W1
    Z3, Z4 = Z1 @ rng.standard_normal((5, 1)), Z1 @ rng.standard_normal((5, 1))
    Z5 = Z3 + Z4
    J = Z5.sum()
    names = {J: "J", Z1: "Z1", Z3: "Z3", Z4: "Z4", Z5: "Z5", W1: "W1"}
    edges = graph_edges(J, names)
    assert sorted(edges) == sorted(APPENDIX_D)
    assert sum(r["jacobian_entries"] for r in jacobian_entry_counts(J)) == 3710
    assert W1.value.size == 50


def test_leaf_gradients_never_share_memory_even_when_a_vjp_passes_g_through():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    c = Tensor(np.ones(6), requires_grad=True)
    y = a + b + c.reshape((2, 3))
    y.backward(np.arange(6.0).reshape(2, 3))
    a.grad[...] = -1.0  # a user scribbling on one gradient must not change the others
    np.testing.assert_array_equal(b.grad, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(c.grad, np.arange(6.0))
    assert not np.shares_memory(b.grad, c.grad)


def test_backward_with_v_never_stores_the_callers_v_or_a_view_of_it():
    x = Tensor(randn(2, 3), requires_grad=True)
    for y in (x.reshape(3, 2), x + 0.0, x.T):
        x.zero_grad()
        v = randn(*y.shape, seed=5)
        y.backward(v)
        expected = x.grad.copy()
        assert not np.shares_memory(x.grad, v)
        v[...] = 0.0  # the caller reuses its buffer
        np.testing.assert_array_equal(x.grad, expected)


def test_backward_of_a_leaf_with_v_copies_v():
    x = Tensor(randn(3), requires_grad=True)
    v = np.ones(3)
    x.backward(v)
    assert x.grad is not v and not np.shares_memory(x.grad, v)


def test_transpose_accepts_axes_as_one_tuple_or_several_numbers():
    x = Tensor(randn(2, 3, 4), requires_grad=True)
    for y in (x.transpose((2, 0, 1)), x.transpose(2, 0, 1)):
        assert y.shape == (4, 2, 3)
        np.testing.assert_array_equal(y.value, np.transpose(x.value, (2, 0, 1)))
    u = randn(4, 2, 3, seed=1)
    (x.transpose((2, 0, 1)) * u).sum().backward()
    np.testing.assert_array_equal(x.grad, np.transpose(u, (1, 2, 0)))


def test_mean_with_keepdims_keeps_the_axis_and_spreads_the_gradient():
    x = Tensor(randn(3, 4), requires_grad=True)
    m = x.mean(axis=1, keepdims=True)
    assert m.shape == (3, 1)
    np.testing.assert_allclose(m.value, x.value.mean(axis=1, keepdims=True))
    (m * np.array([[1.0], [2.0], [3.0]])).sum().backward()
    np.testing.assert_allclose(x.grad, np.repeat([[1.0], [2.0], [3.0]], 4, axis=1) / 4)


def test_reshape_accepts_a_tuple_or_several_numbers():
    x = Tensor(randn(2, 3))
    assert x.reshape((3, 2)).shape == x.reshape(3, 2).shape == (3, 2)


def test_scalar_results_keep_their_dtype_and_compare_like_arrays():
    x = Tensor(np.float32(0.5), requires_grad=True)
    y = (x * 2).tanh()
    assert y.shape == () and y.dtype == np.float32 and y.item() == pytest.approx(np.tanh(1.0))
    y.backward()
    assert x.grad.dtype == np.float32 and x.grad == pytest.approx(2 * (1 - np.tanh(1.0) ** 2))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), sizes=st.lists(st.integers(1, 5), min_size=3, max_size=3), seed=st.integers(0, 2**31 - 1))
def test_tensor_mlp_gradients_match_central_differences_on_random_shapes(n, sizes, seed):
    """Batches of one, rectangular weights, every parameter and the input: tanh MLP, cross-entropy."""
    rng = np.random.default_rng(seed)
    d_in, hidden, classes = sizes
    values = [rng.standard_normal((n, d_in)), rng.standard_normal((d_in, hidden)), rng.standard_normal(hidden),
              rng.standard_normal((hidden, classes))]
    labels = rng.integers(0, classes, n)

    def loss(x, W1, b1, W2):
        return softmax_cross_entropy((x @ W1 + b1).tanh() @ W2, labels)

    tensors = [Tensor(v, requires_grad=True) for v in values]
    loss(*tensors).backward()
    for i, t in enumerate(tensors):
        def loss_of(z, i=i):
            args = [Tensor(v) for v in values]
            args[i] = Tensor(z)
            return loss(*args).item()
        assert rel_error(t.grad, numerical_gradient(loss_of, values[i])) < TOL, i


def test_reductions_drop_the_reduced_axis_by_default():
    x = Tensor(randn(3, 4))
    assert x.mean(axis=0).shape == x.sum(axis=0).shape == (4,)
    assert x.mean().shape == x.sum().shape == ()


def test_concatenate_of_four_tensors_sends_each_its_own_slice():
    parts = [Tensor(randn(2, k, seed=k), requires_grad=True) for k in (1, 2, 3, 1)]
    u = randn(2, 7, seed=9)
    (concatenate(parts, axis=1) * u).sum().backward()
    for part, cols in zip(parts, [slice(0, 1), slice(1, 3), slice(3, 6), slice(6, 7)]):
        np.testing.assert_array_equal(part.grad, u[:, cols])
