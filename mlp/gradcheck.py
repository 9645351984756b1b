"""Gradient checking: compare an analytic gradient with central differences.

Central differences, ``(f(x + eps) - f(x - eps)) / (2 eps)``, have an error
that shrinks like eps**2, against eps for one-sided ones.  Run them in
float64: in float32 the rounding error of f swamps the difference.
"""

from dataclasses import dataclass, field

import numpy as np


def rel_error(a, b):
    """Relative error ``|a - b| / (|a| + |b|)`` using whole-array norms.

    Around 1e-10 for a correct float64 gradient; 1e-3 or more means a bug.
    Returns 0.0 when both are exactly zero.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: expected arrays of the same shape, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def numerical_gradient(f, x, eps=1e-6):
    """dF/dx of a scalar function ``f`` at ``x`` by central differences; shape of ``x``.

    ``x`` itself is never modified: ``f`` is evaluated on a perturbed float64 copy.
    """
    _check_eps(eps, "numerical_gradient")
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = _scalar(f(x))
        flat[i] = old - eps
        down = _scalar(f(x))
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def _scalar(value):
    if np.size(value) != 1:
        raise ValueError(f"numerical_gradient: expected f to return a scalar, got an array of shape "
                         f"{np.shape(value)} (numerical_jacobian handles array outputs)")
    return float(np.asarray(value).reshape(()))


def _check_eps(eps, owner):
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (int, float, np.number)) or not 0 < eps < np.inf:
        raise ValueError(f"{owner}: expected a step eps > 0, got {eps!r}")


def numerical_jacobian(f, x, eps=1e-6):
    """Jacobian of an array function ``f`` at ``x``: shape ``f(x).shape + x.shape``."""
    _check_eps(eps, "numerical_jacobian")
    x = np.array(x, dtype=np.float64)
    out_shape = np.shape(f(x))
    jac = np.zeros(out_shape + x.shape)
    flat = x.reshape(-1)
    jflat = jac.reshape(out_shape + (flat.size,))
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = np.array(f(x), dtype=np.float64)
        flat[i] = old - eps
        down = np.array(f(x), dtype=np.float64)
        flat[i] = old
        jflat[..., i] = (up - down) / (2 * eps)
    return jac


def check_vjp(f, vjp, x, *, rng=None, eps=1e-6):
    """Check a vector-Jacobian product with one directional derivative.

    For random ``u`` (output-shaped) and ``v`` (input-shaped), ``<u, J v>`` by
    central differences must equal ``<vjp(u), v>``: two evaluations of ``f``
    whatever the size of ``x``.  Returns the relative error.
    """
    _check_eps(eps, "check_vjp")
    rng = np.random.default_rng(rng)
    x = np.asarray(x, dtype=np.float64)
    u = rng.standard_normal(np.shape(f(x)))
    v = rng.standard_normal(x.shape)
    numeric = np.sum(u * (np.asarray(f(x + eps * v)) - np.asarray(f(x - eps * v)))) / (2 * eps)
    analytic = np.sum(np.asarray(vjp(u)) * v)
    return rel_error(analytic, numeric)


@dataclass
class GradCheckReport:
    """Relative error per checked array; ``worst`` is the largest."""

    errors: dict = field(default_factory=dict)

    @property
    def worst(self):
        return max(self.errors.values(), default=0.0)

    def __repr__(self):
        rows = ", ".join(f"{k}: {v:.1e}" for k, v in self.errors.items())
        return f"GradCheckReport(worst={self.worst:.1e}; {rows})"


def check_gradients(obj, x, target=None, *, rng=None, eps=1e-6):
    """Check a layer's or a loss's backward against central differences.

    A layer (``x`` its input) is checked on ``L = sum(forward(x) * u)`` for a
    random ``u``, so ``backward(u)`` must give dL/dx and fill ``grads``.
    A loss (``x`` the prediction, ``target`` given) is checked directly.
    Parameters are perturbed in place and restored exactly.
    """
    rng = np.random.default_rng(rng)
    x = np.array(x, dtype=np.float64)
    report = GradCheckReport()
    if target is not None:
        obj.forward(x, target)
        report.errors["pred"] = rel_error(obj.backward(), numerical_gradient(lambda z: obj.forward(z, target), x, eps))
        return report

    u = rng.standard_normal(np.shape(obj.forward(x)))

    def loss_of_x(z):
        return np.sum(obj.forward(z) * u)

    grad_in = obj.backward(u)
    analytic = {name: g.copy() for name, g in obj.grads.items()}
    report.errors["x"] = rel_error(grad_in, numerical_gradient(loss_of_x, x, eps))
    for name, p in obj.params.items():
        report.errors[name] = rel_error(analytic[name], _param_gradient(obj, p, x, u, eps))
    return report


def _param_gradient(layer, p, x, u, eps):
    """Central differences of ``sum(layer.forward(x) * u)`` with respect to the array ``p``."""
    saved = p.copy()  # numerical_gradient perturbs a copy, so p holds these values between calls

    def loss_at(value):
        p[...] = value
        try:
            return np.sum(layer.forward(x) * u)
        finally:
            p[...] = saved

    return numerical_gradient(loss_at, p, eps)
