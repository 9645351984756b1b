"""Optimisers: they read every layer's ``grads`` and change its ``params`` in place."""

import numpy as np

from ._checks import real_number


class SGD:
    """Stochastic gradient descent, optionally with momentum.

    Plain:     ``p <- p - lr * g``
    Momentum:  ``v <- momentum * v + g``;  ``p <- p - lr * v``  (PyTorch's form)

    The minus sign matters: the gradient points uphill, so descent steps
    against it (seed 002's Appendix B writes a plus).
    """

    def __init__(self, model, lr, momentum=0.0):
        lr, momentum = real_number(lr, "lr", "SGD"), real_number(momentum, "momentum", "SGD")
        if not (0 < lr < np.inf):
            raise ValueError(f"SGD: expected a positive, finite learning rate, got {lr}")
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: expected 0 <= momentum < 1, got {momentum}")
        self.model, self.lr, self.momentum = model, lr, momentum
        self._velocity = {}
        self._scratch = {}

    def step(self):
        """Update every parameter of the model in place."""
        for layer, name in _parameters(self.model):
            p, g = layer.params[name], layer.grads[name]
            if g.shape != p.shape:
                raise ValueError(f"SGD: gradient {name} of {layer!r} has shape {g.shape}, expected {p.shape}")
            if self.momentum:
                v = self._velocity.get((id(layer), name))
                if v is None:
                    v = self._velocity[(id(layer), name)] = np.zeros_like(p)
                v *= self.momentum
                v += g
                g = v
            p -= np.multiply(self.lr, g, out=self._buffer(layer, name, p, g))  # p <- p - lr * g

    def _buffer(self, layer, name, p, g):
        """A scratch array for ``lr * g``, kept between steps.

        ``p -= lr * g`` would allocate a fresh array of the parameter's size on
        every step; reusing one saves the allocation and its page faults.
        """
        dtype = np.result_type(self.lr, g)
        buf = self._scratch.get((id(layer), name))
        if buf is None or buf.shape != g.shape or buf.dtype != dtype:
            buf = self._scratch[(id(layer), name)] = np.empty(g.shape, dtype=dtype)
        return buf

    def zero_grad(self):
        """Set every gradient to zero (layers overwrite them anyway on backward)."""
        for layer, name in _parameters(self.model):
            layer.grads[name][...] = 0


def _parameters(model):
    if hasattr(model, "parameters"):
        return model.parameters()
    return ((layer, name) for layer in model for name in layer.params)
