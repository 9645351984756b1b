"""Wrong answers for chapter 2 (backpropagation in DAGs) and what their feedback must say."""

from . import Mistake

MISTAKES = [
    Mistake(
        exercise="topological_order",
        name="depth-first pre-order places a node before its parents",
        says="before its parent",
        code='''
def topological_order(output):
    order, seen, stack = [], set(), [output]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(node.parents)
    return order[::-1]
''',
    ),
    Mistake(
        exercise="topological_order",
        name="no visited set lists a shared node twice",
        says="listed twice",
        code='''
def topological_order(output):
    order, stack = [], [(output, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for p in node.parents:
            stack.append((p, False))
    return order
''',
    ),
    Mistake(
        exercise="topological_order",
        name="recursive search overflows on a deep chain",
        says="recursion limit",
        code='''
def topological_order(output):
    order, seen = [], set()
    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for p in node.parents:
            visit(p)
        order.append(node)
    visit(output)
    return order
''',
    ),
    Mistake(
        exercise="topological_order",
        name="sorts with the reference's graph layout",
        says="reference implementation",
        code='''
def topological_order(output):
    from mlp.plotting.graphs import graph_layers
    nodes, depth, _ = graph_layers(output, lambda n: n.parents)
    return sorted(nodes, key=lambda n: depth[id(n)])
''',
    ),
    Mistake(
        exercise="backward",
        name="output never seeded",
        says="seeded",
        code='''
def backward(output, order):
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += node.grad * local
''',
    ),
    Mistake(
        exercise="backward",
        name="seed of 0",
        says="seeded",
        code='''
def backward(output, order):
    output.grad = 0.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += node.grad * local
''',
    ),
    Mistake(
        exercise="backward",
        name="nodes visited in forward order",
        says="forward order",
        code='''
def backward(output, order):
    output.grad = 1.0
    for node in order:
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += node.grad * local
''',
    ),
    Mistake(
        exercise="backward",
        name="gradient assigned on fan-out",
        says="assigned instead of accumulated",
        code='''
def backward(output, order):
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad = node.grad * local
''',
    ),
    Mistake(
        exercise="train",
        name="step along the gradient",
        says="loss goes up",
        code='''
def train(params, loss_fn, backprop, lr, steps):
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = 0.0
        loss = loss_fn()
        backprop(loss)
        losses.append(loss.value)
        for p in params:
            p.value += lr * p.grad
    return losses
''',
    ),
    Mistake(
        exercise="train",
        name="gradients not zeroed between steps",
        says="not reset",
        code='''
def train(params, loss_fn, backprop, lr, steps):
    losses = []
    for _ in range(steps):
        loss = loss_fn()
        backprop(loss)
        losses.append(loss.value)
        for p in params:
            p.value -= lr * p.grad
    return losses
''',
    ),
]
