"""The two engines of the course agree: hand-written layers and the Tensor graph.

The same network, with the same weights, built once from mlp.layers and once
from Tensor operations, must give the same loss, the same gradients and the
same parameters after an SGD step.
"""

import numpy as np
import pytest

from mlp.autodiff import Tensor, no_grad, softmax_cross_entropy
from mlp.layers import Linear, ReLU, Sigmoid, Tanh
from mlp.losses import MSELoss, SoftmaxCrossEntropy
from mlp.network import Sequential
from mlp.optim import SGD

RTOL = 1e-10
ACTIVATIONS = {ReLU: Tensor.relu, Sigmoid: Tensor.sigmoid, Tanh: Tensor.tanh}


def build(sizes, activation, seed=0):
    """The layer network and the Tensor parameters holding copies of its weights."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, rng=rng))
        layers[-1].params["b"][:] = rng.standard_normal(n_out) * 0.1  # nonzero: b must matter
        if i < len(sizes) - 2:
            layers.append(activation())
    params = [(Tensor(layer.params["W"].copy(), requires_grad=True),
               Tensor(layer.params["b"].copy(), requires_grad=True))
              for layer in layers if isinstance(layer, Linear)]
    return Sequential(*layers), params


def tensor_forward(x, params, activation):
    h = x
    for i, (W, b) in enumerate(params):
        h = h @ W + b
        if i < len(params) - 1:
            h = ACTIVATIONS[activation](h)
    return h


def assert_same_grads(model, params):
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    for k, (layer, (W, b)) in enumerate(zip(linears, params)):
        np.testing.assert_allclose(W.grad, layer.grads["W"], rtol=RTOL, atol=1e-14, err_msg=f"W of layer {k}")
        np.testing.assert_allclose(b.grad, layer.grads["b"], rtol=RTOL, atol=1e-14, err_msg=f"b of layer {k}")


@pytest.mark.parametrize("activation", [ReLU, Sigmoid, Tanh])
def test_tensor_mlp_matches_layers_on_cross_entropy(activation):
    rng = np.random.default_rng(1)
    x, labels = rng.standard_normal((16, 8)), rng.integers(0, 4, 16)
    model, params = build([8, 12, 10, 4], activation)

    ce = SoftmaxCrossEntropy()
    loss_layers = ce.forward(model.forward(x), labels)
    model.backward(ce.backward())

    loss_tensor = softmax_cross_entropy(tensor_forward(x, params, activation), labels)
    loss_tensor.backward()

    assert loss_tensor.item() == pytest.approx(loss_layers, rel=RTOL)
    assert_same_grads(model, params)


def test_tensor_mlp_matches_layers_on_mse_and_input_gradient():
    rng = np.random.default_rng(2)
    x0, target = rng.standard_normal((10, 5)), rng.standard_normal((10, 3))
    model, params = build([5, 7, 3], Tanh, seed=3)

    mse = MSELoss()
    loss_layers = mse.forward(model.forward(x0), target)
    grad_x_layers = model.backward(mse.backward())

    x = Tensor(x0, requires_grad=True)
    loss_tensor = ((tensor_forward(x, params, Tanh) - target) ** 2).mean()
    loss_tensor.backward()

    assert loss_tensor.item() == pytest.approx(loss_layers, rel=RTOL)
    np.testing.assert_allclose(x.grad, grad_x_layers, rtol=RTOL)
    assert_same_grads(model, params)


def test_sgd_step_gives_the_same_parameters_in_both_engines():
    rng = np.random.default_rng(4)
    x, labels = rng.standard_normal((32, 6)), rng.integers(0, 3, 32)
    model, params = build([6, 9, 3], ReLU, seed=5)
    lr = 0.1

    model.train_step(x, labels, SoftmaxCrossEntropy(), SGD(model, lr))

    softmax_cross_entropy(tensor_forward(x, params, ReLU), labels).backward()
    with no_grad():
        for p in (p for pair in params for p in pair):
            p.value -= lr * p.grad
            p.zero_grad()

    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    for layer, (W, b) in zip(linears, params):
        np.testing.assert_allclose(W.value, layer.params["W"], rtol=RTOL)
        np.testing.assert_allclose(b.value, layer.params["b"], rtol=RTOL)
