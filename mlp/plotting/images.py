"""Image grids and confusion matrices."""

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images, *, titles=None, shape=(8, 8), cols=10, cmap="gray_r", symmetric=False, size=1.2):
    """Show flat images (K, H*W) or (K, H, W) in a grid; returns the figure.

    ``symmetric=True`` centres the colour map on 0 (for perturbations).
    """
    images = np.asarray(images).reshape((-1,) + tuple(shape))
    rows = int(np.ceil(len(images) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + 0.3 * (titles is not None)))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i >= len(images):
            continue
        if symmetric:
            m = float(np.abs(images[i]).max()) or 1.0
            ax.imshow(images[i], cmap="RdBu_r", vmin=-m, vmax=m)
        else:
            ax.imshow(images[i], cmap=cmap)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    fig.tight_layout()
    return fig


def confusion_matrix(true, pred, *, num_classes=None, ax=None):
    """Count matrix ``C[i, j]`` = examples of class i predicted as j, drawn with counts."""
    true, pred = np.asarray(true), np.asarray(pred)
    k = num_classes or int(max(true.max(), pred.max())) + 1
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (true, pred), 1)
    ax = ax or plt.subplots(figsize=(4.5, 4))[1]
    ax.imshow(counts, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                colour = "white" if counts[i, j] > counts.max() / 2 else "black"
                ax.text(j, i, counts[i, j], ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return counts
