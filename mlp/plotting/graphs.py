"""Drawings of computation graphs: nodes laid out by depth, edges as arrows.

``draw_graph`` knows nothing about the node type: it asks a ``parents``
callback for each node's inputs and a ``label`` callback for its text, so the
same function draws the scalar nodes of chapter 2 and ``mlp.Tensor`` graphs.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch


def tensor_parents(t):
    """The input tensors of an ``mlp.Tensor`` that carry a gradient (may repeat)."""
    return list(getattr(t, "_parents", ()))


def _default_parents(node):
    if hasattr(node, "_parents"):
        return tensor_parents(node)
    return list(getattr(node, "parents", ()))


def _default_label(node):
    name = getattr(node, "name", "") or getattr(node, "_op", "") or "leaf"
    shape = getattr(node.value, "shape", ())
    if shape:  # an array: its shape says more than its numbers
        return f"{name}\nshape {tuple(shape)}"
    return f"{name}\nvalue {float(node.value):.3g}"


def graph_layers(root, parents=_default_parents):
    """Every node under ``root`` with its depth (longest path from a leaf); iterative.

    Returns ``(nodes, depth, edges)``: ``nodes`` in discovery order, ``depth``
    a dict ``id(node) -> int`` (leaves 0), ``edges`` a list of ``(parent, child)``,
    one per use, so a node used twice by the same child gives two edges.
    """
    nodes, seen, stack = [], {id(root)}, [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        for p in parents(node):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    edges = [(p, n) for n in nodes for p in parents(n)]
    # Longest path from a leaf: relax repeatedly in an order where parents come first.
    pending = {id(n): len(set(map(id, parents(n)))) for n in nodes}
    children = {id(n): [] for n in nodes}
    for p, n in edges:
        if n not in children[id(p)]:
            children[id(p)].append(n)
    depth = {id(n): 0 for n in nodes}
    ready = [n for n in nodes if pending[id(n)] == 0]
    while ready:
        node = ready.pop()
        for c in children[id(node)]:
            depth[id(c)] = max(depth[id(c)], depth[id(node)] + 1)
            pending[id(c)] -= 1
            if pending[id(c)] == 0:
                ready.append(c)
    return nodes, depth, edges


def draw_graph(root, *, parents=_default_parents, label=_default_label, highlight=None,
               ax=None, node_width=1.5, node_height=0.75, fontsize=8):
    """Draw the graph under ``root`` from the leaves (left) to ``root`` (right).

    parents: callback ``node -> list of input nodes`` (default: ``.parents``,
        or the inputs of an ``mlp.Tensor``).
    label: callback ``node -> str`` written inside the node (several lines allowed),
        e.g. its name, value and gradient.
    highlight: optional callback ``node -> bool``; those nodes are shaded.
    Returns the matplotlib axis.
    """
    nodes, depth, edges = graph_layers(root, parents)
    columns = {}
    for n in sorted(nodes, key=lambda n: depth[id(n)]):
        columns.setdefault(depth[id(n)], []).append(n)
    pos, dx, dy = {}, node_width * 1.7, node_height * 1.6
    tallest = max(len(col) for col in columns.values())
    for d in sorted(columns):
        col = columns[d]
        if d > 0:  # fewer crossings: order a column by the mean height of its parents
            col.sort(key=lambda n: -sum(pos[id(p)][1] for p in parents(n)) / max(1, len(parents(n))))
        top = (len(col) - 1) / 2
        for i, n in enumerate(col):
            pos[id(n)] = (d * dx, (top - i) * dy)
    if ax is None:  # size the figure to the drawing, about 0.8 inch per unit
        width = dx * max(columns) + 2 * node_width
        height = dy * (tallest - 1) + 3.2 * node_height
        ax = plt.subplots(figsize=(max(3.0, 0.8 * width), max(1.5, 0.8 * height)))[1]
    # Edges first, so nodes are drawn over them; parallel edges (x * x) are bent apart.
    multiplicity = {}
    for p, n in edges:
        key = (id(p), id(n))
        k = multiplicity.get(key, 0)
        multiplicity[key] = k + 1
        (x0, y0), (x1, y1) = pos[id(p)], pos[id(n)]
        # An edge that skips a column bows away from the nodes it would cross.
        span = depth[id(n)] - depth[id(p)]
        rad = 0.25 * k * (-1) ** k + (0.0 if span <= 1 else (-0.3 if y0 >= 0 else 0.3))
        ax.annotate(
            "", xy=(x1 - node_width / 2, y1), xytext=(x0 + node_width / 2, y0),
            arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.0, shrinkA=2, shrinkB=2,
                            connectionstyle=f"arc3,rad={rad}"),
        )
    for n in nodes:
        x, y = pos[id(n)]
        shaded = bool(highlight(n)) if highlight else False
        box = FancyBboxPatch((x - node_width / 2, y - node_height / 2), node_width, node_height,
                             boxstyle="round,pad=0.02,rounding_size=0.12", lw=1.2,
                             ec="0.2", fc="#fde9c8" if shaded else "#e3eefb")
        ax.add_patch(box)
        ax.text(x, y, label(n), ha="center", va="center", fontsize=fontsize)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - node_width, max(xs) + node_width)
    ax.set_ylim(min(ys) - node_height * 1.6, max(ys) + node_height * 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
