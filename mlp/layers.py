"""Layers: each one a small object with ``forward`` and ``backward``.

A layer maps a batch ``x`` of shape (N, in) to an output of shape (N, out).
``forward`` keeps exactly what ``backward`` will need; ``backward`` takes
``grad_out`` = dL/d(output), of the output's shape, and returns
``grad_in`` = dL/dx, of the input's shape.  A layer with parameters also fills
``grads`` with dL/d(parameter); ``params`` and ``grads`` share their keys.

No layer modifies the arrays it is given: a ReLU that zeroes its input in
place destroys the z that its own backward needs (one of seed 000's bugs).
"""

import numpy as np

from ._checks import as_array, check_matrix, check_same_shape, positive_int, require_forward


class Layer:
    """Base class: no parameters, and an identity-shaped cache."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Affine map ``z = x @ W + b``.

    Shapes: ``x`` (N, in), ``W`` (in, out), ``b`` (out,), ``z`` (N, out).
    Backward: ``grad_in = grad_out @ W.T``, ``dW = x.T @ grad_out`` (a sum of
    one outer product per example), ``db = grad_out.sum(axis=0)``.
    """

    def __init__(self, in_features, out_features, *, rng=None, dtype=np.float64):
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        rng = np.random.default_rng(rng)
        # He initialisation: keeps the variance of activations steady through ReLUs.
        scale = np.sqrt(2.0 / self.in_features)
        W = rng.standard_normal((self.in_features, self.out_features)) * scale
        self.params = {"W": W.astype(dtype), "b": np.zeros(self.out_features, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x = None

    def forward(self, x):
        """``x`` (N, in) -> ``z`` (N, out)."""
        x = check_matrix(x, "x", self.in_features, owner=self)
        self._x = x
        z = x @ self.params["W"]
        z += self.params["b"]
        return z

    def backward(self, grad_out, *, input_grad=True):
        """``grad_out`` (N, out) -> ``grad_in`` (N, in); fills ``grads``.

        ``input_grad=False`` skips dL/dx (returns None): the first layer of a
        network never needs it, and it costs a full matrix product.

        ``dW`` and ``db`` are written into the arrays that ``grads`` already
        holds (``out=``) rather than into new ones: a training step then
        allocates no gradient memory, and for a 784x512 ``W`` that is a few
        megabytes of fresh pages per step saved.  Copy ``grads[...]`` if you
        keep it across two calls of ``backward``.
        """
        require_forward(self._x, self)
        x = self._x
        grad_out = check_same_shape(grad_out, (x.shape[0], self.out_features), "grad_out", self)
        self.grads["W"] = np.matmul(x.T, grad_out, out=self._reusable("W", x, grad_out))  # dW = x.T @ grad_out
        self.grads["b"] = np.sum(grad_out, axis=0, out=self._reusable("b", grad_out))  # db = grad_out.sum(axis=0)
        return grad_out @ self.params["W"].T if input_grad else None

    def _reusable(self, name, *operands):
        """``grads[name]`` if the new gradient can be written into it, else None (numpy allocates).

        It must be a writeable, C-ordered array of the parameter's shape and of
        the dtype numpy would give the result, so that ``out=`` changes nothing
        but where the numbers go.
        """
        old = self.grads.get(name)
        if (isinstance(old, np.ndarray) and old.shape == self.params[name].shape
                and old.dtype == np.result_type(*operands)
                and old.flags.c_contiguous and old.flags.writeable):
            return old
        return None

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"


class _Pointwise(Layer):
    """A nonlinearity applied element by element: its Jacobian is diagonal,
    so backward is an element-wise product with the local derivative."""

    def __init__(self):
        super().__init__()
        self._cache = None

    def forward(self, x):
        x = as_array(x, "x")
        self._shape = x.shape
        out, self._cache = self._forward(x)
        return out

    def backward(self, grad_out):
        require_forward(self._cache, self)
        grad_out = check_same_shape(grad_out, self._shape, "grad_out", self)
        return self._backward(grad_out, self._cache)


class ReLU(_Pointwise):
    """``a = max(z, 0)``; backward lets the gradient through where z > 0.

    The derivative at exactly 0 is taken to be 0 (as PyTorch does).
    """

    def _forward(self, x):
        return np.maximum(x, 0), x > 0

    def _backward(self, grad_out, mask):
        # Multiplying by a boolean keeps grad_out's dtype and is faster than np.where.
        return grad_out * mask


class Sigmoid(_Pointwise):
    """``a = 1 / (1 + exp(-z))``; backward uses ``a (1 - a)`` from the cache."""

    def _forward(self, x):
        a = sigmoid(x)
        return a, a

    def _backward(self, grad_out, a):
        return grad_out * a * (1 - a)


class Tanh(_Pointwise):
    """``a = tanh(z)``; backward uses ``1 - a**2``."""

    def _forward(self, x):
        a = np.tanh(x)
        return a, a

    def _backward(self, grad_out, a):
        return grad_out * (1 - a * a)


class Identity(_Pointwise):
    """``a = z``: the output layer of a regression network."""

    def _forward(self, x):
        return x.copy(), True

    def _backward(self, grad_out, _):
        return grad_out.copy()


def sigmoid(z):
    """Logistic function that never takes exp of a large positive number (no overflow)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


class Branch(Layer):
    """Copy one input to ``n`` outputs (fan-out).

    Forward returns a list of ``n`` references to ``x``; backward receives one
    gradient per copy and returns their sum, because x influences the loss
    along every path.
    """

    def __init__(self, n=2):
        super().__init__()
        self.n = positive_int(n, "n (the number of copies)", "Branch")
        self._shape = None

    def forward(self, x):
        x = np.asarray(x)
        self._shape = x.shape
        return [x] * self.n

    def backward(self, grads_out):
        require_forward(self._shape, self)
        if len(grads_out) != self.n:
            raise ValueError(f"{self!r}: expected {self.n} gradients, got {len(grads_out)}")
        total = np.zeros(self._shape, dtype=np.result_type(*grads_out))
        for i, g in enumerate(grads_out):
            total += check_same_shape(g, self._shape, f"grads_out[{i}]", self)
        return total

    def __repr__(self):
        return f"Branch({self.n})"


class Merge(Layer):
    """Concatenate several inputs along the feature axis (N, d1), (N, d2), ... -> (N, d1 + d2 + ...).

    Backward splits ``grad_out`` back into the pieces, one per input.
    """

    def __init__(self):
        super().__init__()
        self._widths = None

    def forward(self, xs):
        xs = [check_matrix(x, f"xs[{i}]", owner=self) for i, x in enumerate(xs)]
        if len({x.shape[0] for x in xs}) > 1:
            raise ValueError(f"Merge(): expected inputs with the same N, got shapes {[x.shape for x in xs]}")
        self._n = xs[0].shape[0]
        self._widths = [x.shape[1] for x in xs]
        return np.concatenate(xs, axis=1)

    def backward(self, grad_out):
        require_forward(self._widths, self)
        grad_out = check_same_shape(grad_out, (self._n, sum(self._widths)), "grad_out", self)
        cuts = np.cumsum(self._widths)[:-1]
        return [g.copy() for g in np.split(grad_out, cuts, axis=1)]
