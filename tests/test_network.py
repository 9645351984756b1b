"""Sequential, SGD and minibatches: the training machinery."""

import numpy as np
import pytest

import mlp
from mlp.gradcheck import numerical_gradient, rel_error
from mlp.network import minibatches


def small_net(rng=0):
    return mlp.Sequential(mlp.Linear(4, 5, rng=rng), mlp.Tanh(), mlp.Linear(5, 3, rng=rng + 1))


def test_sequential_backward_matches_central_differences_for_every_parameter():
    rng = np.random.default_rng(0)
    net, loss = small_net(), mlp.SoftmaxCrossEntropy()
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    loss.forward(net.forward(x), y)
    grad_x = net.backward(loss.backward())
    for layer, name in net.parameters():
        p = layer.params[name]

        def f(value, p=p):
            saved = p.copy()
            p[...] = value
            out = loss.forward(net.forward(x), y)
            p[...] = saved
            return out

        assert rel_error(layer.grads[name], numerical_gradient(f, p)) < 1e-7, (layer, name)
    assert rel_error(grad_x, numerical_gradient(lambda z: loss.forward(net.forward(z), y), x)) < 1e-7


def test_backward_without_input_grad_fills_the_same_parameter_gradients():
    rng = np.random.default_rng(1)
    net, loss = small_net(), mlp.SoftmaxCrossEntropy()
    x, y = rng.standard_normal((3, 4)), np.array([0, 1, 2])
    loss.forward(net.forward(x), y)
    g = loss.backward()
    net.backward(g)
    full = [layer.grads[k].copy() for layer, k in net.parameters()]
    assert net.backward(g, input_grad=False) is None
    for a, (layer, k) in zip(full, net.parameters()):
        np.testing.assert_array_equal(a, layer.grads[k])


def test_sgd_step_moves_against_the_gradient():
    net = mlp.Sequential(mlp.Linear(2, 1, rng=0))
    layer = net.layers[0]
    W0 = layer.params["W"].copy()
    layer.grads["W"] = np.array([[1.0], [-2.0]])
    layer.grads["b"] = np.array([0.5])
    mlp.SGD(net, lr=0.1).step()
    np.testing.assert_allclose(layer.params["W"], W0 - 0.1 * np.array([[1.0], [-2.0]]))
    np.testing.assert_allclose(layer.params["b"], [-0.05])


def test_sgd_momentum_follows_the_velocity_recursion():
    net = mlp.Sequential(mlp.Linear(1, 1, rng=0))
    layer = net.layers[0]
    layer.params["W"][:] = 0.0
    opt = mlp.SGD(net, lr=1.0, momentum=0.5)
    for _ in range(3):
        layer.grads["W"] = np.array([[1.0]])
        layer.grads["b"] = np.array([0.0])
        opt.step()
    # velocities 1, 1.5, 1.75 -> W = -(1 + 1.5 + 1.75)
    np.testing.assert_allclose(layer.params["W"], [[-4.25]])


@pytest.mark.parametrize("lr,momentum", [(0.0, 0.0), (-1.0, 0.0), (0.1, 1.0)])
def test_sgd_rejects_bad_settings(lr, momentum):
    with pytest.raises(ValueError, match="expected"):
        mlp.SGD(small_net(), lr=lr, momentum=momentum)


@pytest.mark.parametrize("n,batch", [(10, 3), (10, 5), (1, 4), (7, 7)])
def test_minibatches_visit_every_example_once_including_the_last_partial_batch(n, batch):
    X, y = np.arange(n)[:, None] * 1.0, np.arange(n)
    seen = []
    for xb, yb in minibatches(X, y, batch, rng=0):
        np.testing.assert_array_equal(xb[:, 0], yb)  # rows stay paired
        assert len(xb) <= batch
        seen.extend(yb)
    assert sorted(seen) == list(range(n))


def test_minibatches_shuffle_differently_each_epoch():
    X, y = np.zeros((50, 1)), np.arange(50)
    rng = np.random.default_rng(0)
    first = np.concatenate([yb for _, yb in minibatches(X, y, 10, rng=rng)])
    second = np.concatenate([yb for _, yb in minibatches(X, y, 10, rng=rng)])
    assert not np.array_equal(first, second)


def test_fit_returns_one_decreasing_loss_per_epoch():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    net = small_net()
    history = net.fit(X, y, loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.5),
                      epochs=15, batch_size=8, rng=0)
    assert len(history) == 15
    assert history[-1] < 0.6 * history[0]


def test_fit_is_reproducible_with_the_same_rng():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 4)), rng.integers(0, 3, 20)
    runs = []
    for _ in range(2):
        net = small_net()
        runs.append(net.fit(X, y, loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.1),
                            epochs=3, batch_size=6, rng=7))
    assert runs[0] == runs[1]


def test_fit_with_progress_bar_runs(capsys):
    pytest.importorskip("tqdm")
    net = small_net()
    X, y = np.zeros((4, 4)), np.zeros(4, dtype=int)
    net.fit(X, y, loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.1), epochs=2,
            batch_size=2, progress=True)
    assert "epochs" in capsys.readouterr().err


def test_fit_rejects_mismatched_rows():
    net = small_net()
    with pytest.raises(ValueError, match="expected y with 5 rows"):
        net.fit(np.zeros((5, 4)), np.zeros(4, dtype=int), loss=mlp.SoftmaxCrossEntropy(),
                optimizer=mlp.SGD(net, lr=0.1), epochs=1, batch_size=2)


def test_predict_equals_forward_in_one_batch():
    net = small_net()
    X = np.random.default_rng(0).standard_normal((2500, 4))
    np.testing.assert_allclose(net.predict(X, batch_size=1000), net.forward(X))


def test_sequential_needs_a_layer():
    with pytest.raises(ValueError, match="at least one layer"):
        mlp.Sequential()


class Frozen:
    """An optimizer that never moves: every batch of an epoch then sees the same network."""

    def step(self):
        pass


@pytest.mark.parametrize("batch_size", [1, 4, 10, 64])
def test_fit_history_is_the_mean_loss_over_every_example(batch_size):
    """Batches of 4, 4 and 2 out of 10: the epoch's loss weighs each batch by its size."""
    rng = np.random.default_rng(3)
    net, loss = small_net(), mlp.SoftmaxCrossEntropy()
    X, y = rng.standard_normal((10, 4)), rng.integers(0, 3, 10)
    history = net.fit(X, y, loss=loss, optimizer=Frozen(), epochs=2, batch_size=batch_size, rng=0)
    whole = loss.forward(net.forward(X), y)
    assert history == pytest.approx([whole, whole], rel=1e-12)


def test_fit_trains_a_network_whose_first_layer_has_no_parameters():
    """backward(input_grad=False) skips dL/dx only where a Linear can skip it; a ReLU first still runs."""
    rng = np.random.default_rng(0)
    net = mlp.Sequential(mlp.ReLU(), mlp.Linear(4, 3, rng=0))
    X, y = np.abs(rng.standard_normal((12, 4))), rng.integers(0, 3, 12)
    history = net.fit(X, y, loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.5),
                      epochs=5, batch_size=12, rng=0)
    assert history[-1] < history[0]
    assert net.backward(np.ones((12, 3)), input_grad=False) is None


def test_backward_returns_the_input_gradient_through_a_parameterless_first_layer():
    net = mlp.Sequential(mlp.Tanh(), mlp.Linear(2, 1, rng=0))
    x = np.array([[0.3, -0.2]])
    net.forward(x)
    grad = net.backward(np.ones((1, 1)))
    expected = (1 - np.tanh(x) ** 2) * net.layers[1].params["W"].T
    np.testing.assert_allclose(grad, expected)


def test_sgd_step_reuses_its_scratch_and_still_updates_exactly():
    net = mlp.Sequential(mlp.Linear(2, 2, rng=0))
    layer, opt = net.layers[0], mlp.SGD(net, lr=0.5)
    for g in (np.ones((2, 2)), np.full((2, 2), 3.0)):
        W0 = layer.params["W"].copy()
        layer.grads["W"], layer.grads["b"] = g, np.zeros(2)
        opt.step()
        np.testing.assert_array_equal(layer.params["W"], W0 - 0.5 * g)
        np.testing.assert_array_equal(layer.grads["W"], g)  # the gradient itself is left alone


def test_sgd_zero_grad_sets_every_gradient_to_zero():
    net = small_net()
    for layer, name in net.parameters():
        layer.grads[name][...] = 7.0
    mlp.SGD(net, lr=0.1).zero_grad()
    assert all(not np.any(layer.grads[name]) for layer, name in net.parameters())


def test_sgd_step_follows_a_change_of_gradient_shape_or_dtype():
    """The scratch array for lr * g is remade when g changes: no stale shape, no float32 rounding."""
    net = mlp.Sequential(mlp.Linear(1, 1, rng=0))
    layer, opt = net.layers[0], mlp.SGD(net, lr=1.0)
    layer.params["W"] = np.zeros((1, 1))
    for g in (np.full((1, 1), 1.0, dtype=np.float32), np.full((1, 1), 1 + 1e-12)):
        layer.grads["W"], layer.grads["b"] = g, np.zeros(1)
        opt.step()
    assert layer.params["W"][0, 0] == -(2 + 1e-12)
    layer.params["W"], layer.grads["W"] = np.zeros((2, 1)), np.ones((2, 1))
    opt.step()
    np.testing.assert_array_equal(layer.params["W"], -np.ones((2, 1)))


def test_train_step_skips_the_first_layers_input_gradient():
    calls = []

    class Spy(mlp.Linear):
        def backward(self, grad_out, *, input_grad=True):
            calls.append(input_grad)
            return super().backward(grad_out, input_grad=input_grad)

    net = mlp.Sequential(Spy(3, 4, rng=0), mlp.ReLU(), Spy(4, 2, rng=1))
    net.train_step(np.ones((2, 3)), np.array([0, 1]), mlp.SoftmaxCrossEntropy(), mlp.SGD(net, lr=0.1))
    assert calls == [True, False]  # the last layer first; the first layer never computes dL/dx


def test_fit_shows_no_progress_bar_unless_asked(capsys):
    net = small_net()
    net.fit(np.ones((4, 4)), np.zeros(4, dtype=int), loss=mlp.SoftmaxCrossEntropy(), optimizer=mlp.SGD(net, lr=0.1),
            epochs=2, batch_size=2, rng=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
