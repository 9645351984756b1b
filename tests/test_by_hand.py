"""Chapter 1's derive-by-hand exercises: a formula scores, a numerical derivative does not.

The hidden checks ask for about twelve digits at moderate inputs
(``course.hidden.ch1_chain_rule._by_hand``); the chapter says so above the
exercises.  Formulas written in other orders than the solution's must pass;
central differences, with the default step or the best one, must not.
"""

import numpy as np
import pytest

from checks.core import GradingError
from course.hidden import ch1_chain_rule as hidden


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _cd(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


# -- formulas, written other ways than the solution ---------------------------------------
def sigmoid_grad_naive(z):
    s = _sigmoid(np.asarray(z, dtype=float))
    return s * (1 - s)


def sigmoid_grad_tanh(z):
    return 0.25 * (1 - np.tanh(np.asarray(z, dtype=float) / 2) ** 2)


def mse_grad_formula(pred, target):
    return (np.asarray(pred, float) - target) * (2.0 / np.size(pred))


def chain_formula(x, y, ws, bs):
    zs, acts = [], [x]
    for k, (w, b) in enumerate(zip(ws, bs)):
        zs.append(b + w * acts[-1])
        if k + 1 < len(ws):
            acts.append(_sigmoid(zs[-1]))
    dz = 2 * (zs[-1] - y)
    dws, dbs = [], []
    for k in range(len(ws) - 1, -1, -1):
        dws, dbs = [acts[k] * dz] + dws, [dz] + dbs
        if k:
            dz = (1 - acts[k]) * acts[k] * ws[k] * dz
    return dws, dbs


def two_path_formula(x, y, w):
    a = _sigmoid(w * x)
    return 2 * (w * a - y) * (a + w * x * a * (1 - a))


# -- numerical derivatives ---------------------------------------------------------------
def numeric_sigmoid_grad(h):
    def sigmoid_grad(z):
        return _cd(_sigmoid, np.asarray(z, dtype=float), h)
    return sigmoid_grad


def numeric_mse_grad(pred, target):
    pred = np.asarray(pred, float)
    out = np.zeros_like(pred)
    for i in np.ndindex(pred.shape):
        def f(t, i=i):
            p = pred.copy()
            p[i] = t
            return np.mean((p - target) ** 2)
        out[i] = _cd(f, pred[i], 1e-5)
    return out


def numeric_chain(x, y, ws, bs):
    def loss(p):
        a = x
        for k in range(len(ws)):
            z = p[k] * a + p[len(ws) + k]
            a = _sigmoid(z) if k + 1 < len(ws) else z
        return (a - y) ** 2
    p0 = np.array(list(ws) + list(bs), float)
    out = []
    for k in range(p0.size):
        e = np.zeros(p0.size)
        e[k] = 1.0
        out.append(float(_cd(lambda t: loss(p0 + t * e), 0.0, 6e-6)))
    return out[:len(ws)], out[len(ws):]


def numeric_two_path(x, y, w):
    return float(_cd(lambda t: (t * _sigmoid(t * x) - y) ** 2, w, 6e-6))


@pytest.mark.parametrize("check, answer", [
    (hidden.sigmoid_grad, sigmoid_grad_naive),
    (hidden.sigmoid_grad, sigmoid_grad_tanh),
    (hidden.mse_grad, mse_grad_formula),
    (hidden.chain_grads, chain_formula),
    (hidden.two_path_grad, two_path_formula),
])
def test_a_formula_in_any_order_keeps_full_marks(check, answer):
    check(answer)


@pytest.mark.parametrize("check, answer", [
    (hidden.sigmoid_grad, numeric_sigmoid_grad(1e-5)),
    (hidden.sigmoid_grad, numeric_sigmoid_grad(6e-6)),
    (hidden.chain_grads, numeric_chain),
    (hidden.two_path_grad, numeric_two_path),
])
def test_a_numerical_derivative_scores_nothing_and_is_told_why(check, answer):
    with pytest.raises(GradingError, match="numerical derivative scores nothing"):
        check(answer)


def test_a_numerical_mse_gradient_fails_already_on_large_predictions():
    # For a quadratic the central difference has no truncation error, but at
    # predictions of 1e4 its rounding error is far above the checks' tolerance.
    with pytest.raises(GradingError, match="wrong values"):
        hidden.mse_grad(numeric_mse_grad)


def test_capstone_gradients_from_finite_differences_score_nothing():
    from checks import ch8_capstone as visible
    from course.hidden import ch8_capstone as hidden8
    from mlp.gradcheck import numerical_gradient

    def loss_only(params, x, labels):
        return visible.reference(params, x, labels)[0]  # stands in for the student's own forward pass

    def loss_and_grads(params, x, labels):
        grads = []
        for i, layer in enumerate(params):
            grads.append({})
            for key in layer:
                def f(v, i=i, key=key):
                    trial = [dict(p) for p in params]
                    trial[i] = {**trial[i], key: v}
                    return loss_only(trial, x, labels)
                grads[i][key] = numerical_gradient(f, layer[key])
        return loss_only(params, x, labels), grads

    with pytest.raises(GradingError, match="finite differences score nothing"):
        hidden8.loss_and_grads(loss_and_grads)
