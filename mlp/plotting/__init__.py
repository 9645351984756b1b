"""Figures for the book, drawn with matplotlib (imported only here)."""

from .curves import loss_curves, loglog_error
from .images import confusion_matrix, image_grid
