"""Every VJP in mlp.vjps agrees with central finite differences (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from mlp.autodiff import Tensor, concatenate
from mlp.gradcheck import numerical_gradient, rel_error
from mlp.vjps import VJPS, unbroadcast, vjp

TOL = 1e-7


def check_all_args(f, *arrays, seed=0):
    """Compare backward with central differences for L = sum(f(*inputs) * u), u random.

    A random u (rather than all ones) makes a transposed or mis-summed gradient visible.
    """
    rng = np.random.default_rng(seed)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*tensors)
    u = rng.standard_normal(out.shape)
    (out * u).sum().backward()
    for i, t in enumerate(tensors):
        def loss_of_arg(z, i=i):
            args = [Tensor(a) for a in arrays]
            args[i] = Tensor(z)
            return np.sum(f(*args).value * u)

        numeric = numerical_gradient(loss_of_arg, arrays[i])
        err = rel_error(t.grad, numeric)
        assert err < TOL, f"argument {i}: rel error {err:.1e}\nanalytic {t.grad}\nnumeric {numeric}"


def randn(*shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def positive(*shape, seed=2):
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape)


def away_from_zero(*shape, seed=3):
    """Entries in +-[0.1, 1]: central differences with eps=1e-6 never straddle relu's kink."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 1.0, shape) * rng.choice([-1.0, 1.0], shape)


BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x ** y,
}
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
                    ((), (2, 3)), ((5,), ())]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_vjps_match_finite_differences_under_broadcasting(name, shapes):
    x, y = positive(*shapes[0], seed=4), positive(*shapes[1], seed=5)  # positive: pow's log(x)
    check_all_args(BINARY[name], x, y)


UNARY = {
    "neg": (lambda x: -x, randn),
    "exp": (lambda x: x.exp(), randn),
    "log": (lambda x: x.log(), positive),
    "tanh": (lambda x: x.tanh(), randn),
    "sigmoid": (lambda x: x.sigmoid(), randn),
    "relu": (lambda x: x.relu(), away_from_zero),
    "square": (lambda x: x ** 2, randn),
    "reciprocal": (lambda x: 1 / x, positive),
    "scalar_minus": (lambda x: 1.5 - x, randn),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)], ids=str)
def test_unary_vjps_match_finite_differences(name, shape):
    f, sample = UNARY[name]
    check_all_args(f, sample(*shape))


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5))], ids=str)
def test_matmul_vjps_match_finite_differences(shapes):
    check_all_args(lambda x, y: x @ y, randn(*shapes[0], seed=6), randn(*shapes[1], seed=7))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_reduction_vjps_match_finite_differences(reduction, axis, keepdims):
    check_all_args(lambda x: getattr(x, reduction)(axis=axis, keepdims=keepdims), randn(2, 3, 4))


@pytest.mark.parametrize("f", [
    lambda x: x.reshape(4, 6), lambda x: x.reshape((-1,)), lambda x: x.T,
    lambda x: x.transpose(1, 2, 0), lambda x: x[1], lambda x: x[:, 1:3, ::2],
    lambda x: x[np.array([0, 1, 1, 0])],  # repeated rows must accumulate
    lambda x: x[np.array([1, 0, 1]), np.array([2, 2, 2])],
], ids=["reshape", "flatten", "T", "transpose", "int", "slices", "repeated_rows", "fancy"])
def test_shape_vjps_match_finite_differences(f):
    check_all_args(f, randn(2, 3, 4))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_vjp_splits_gradient_between_inputs(axis):
    shapes = {0: [(1, 3), (2, 3), (4, 3)], 1: [(2, 1), (2, 3), (2, 2)], -1: [(2, 1), (2, 3), (2, 2)]}[axis]
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check_all_args(lambda *xs: concatenate(xs, axis=axis), *arrays)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_mul_vjp_on_random_broadcast_shapes(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    floats = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
    x = data.draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=floats))
    y = data.draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=floats))
    check_all_args(lambda a, b: a * b + b, x, y)


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(max_dims=3, max_side=4), data=st.data())
def test_unbroadcast_returns_operand_shape_and_preserves_total(shape, data):
    big = data.draw(hnp.broadcastable_shapes(shape, min_dims=len(shape), max_dims=len(shape) + 2)
                    .map(lambda s: np.broadcast_shapes(s, shape)))
    g = np.ones(big)
    reduced = unbroadcast(g, shape)
    assert reduced.shape == shape
    assert reduced.sum() == pytest.approx(g.sum())  # every broadcast copy is counted once


def test_unbroadcast_of_bias_is_one_sum_over_the_batch():
    g = randn(256, 10)
    np.testing.assert_array_equal(unbroadcast(g, (10,)), g.sum(axis=0))


def test_missing_vjp_names_primitive_and_argument(monkeypatch):
    monkeypatch.setitem(VJPS, "half_defined", (lambda g, ans, x, y: g,))
    with pytest.raises(NotImplementedError, match=r"argument 1 of primitive 'half_defined'"):
        vjp("half_defined", 1)
    with pytest.raises(NotImplementedError, match=r"argument 0 of primitive 'no_such_op'"):
        vjp("no_such_op", 0)


def test_every_primitive_of_the_course_has_a_vjp():
    course = {"add", "sub", "mul", "div", "neg", "pow", "exp", "log", "tanh", "sigmoid", "relu",
              "matmul", "sum", "mean", "reshape", "transpose", "concatenate", "getitem"}
    assert course <= set(VJPS)


@pytest.mark.parametrize("x", [0.0, -2.0])
def test_relu_gradient_is_zero_at_and_below_the_kink(x):
    t = Tensor(x, requires_grad=True)
    t.relu().backward()
    assert t.grad == 0.0


def test_a_none_entry_in_the_table_is_a_missing_vjp(monkeypatch):
    monkeypatch.setitem(VJPS, "exp", (None,))
    with pytest.raises(NotImplementedError, match="argument 0 of primitive 'exp'"):
        Tensor(np.ones(2), requires_grad=True).exp().sum().backward()
