"""Figures for the book, drawn with matplotlib (imported only here)."""

from .curves import loss_curves, loglog_error
from .graphs import draw_graph, graph_layers, tensor_parents
from .images import confusion_matrix, image_grid
