"""Line plots: training curves and error-versus-step-size plots."""

import matplotlib.pyplot as plt
import numpy as np


def loss_curves(histories, *, ax=None, xlabel="epoch", ylabel="training loss", logy=True, title=None):
    """Plot several loss histories, ``{label: [loss per epoch, ...]}``, on one axis."""
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    for label, history in histories.items():
        ax.plot(np.arange(1, len(history) + 1), history, label=str(label))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


def loglog_error(x, errors, *, ax=None, xlabel="step size", ylabel="error"):
    """Plot ``{label: errors}`` against ``x`` on log-log axes."""
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    for label, err in errors.items():
        ax.loglog(x, np.maximum(err, 1e-20), marker="o", ms=3, label=str(label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3, which="both")
    return ax
