"""Wrong answers for chapter 2 (backpropagation in DAGs) and what their feedback must say."""

from . import Mistake

MISTAKES = [
    Mistake(
        exercise="primitives",
        name="division's b-partial with the wrong sign",
        says="wrong sign",
        code='''
def div(a, b, name=""):
    return Node(a.value / b.value, (a, b), (1.0 / b.value, a.value / b.value ** 2), name)


def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)


def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
    Mistake(
        exercise="primitives",
        name="division's partials swapped between the parents",
        says="swapped",
        code='''
def div(a, b, name=""):
    return Node(a.value / b.value, (a, b), (-a.value / b.value ** 2, 1.0 / b.value), name)


def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)


def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
    Mistake(
        exercise="primitives",
        name="division forgets its denominator as a parent",
        says="parent is missing",
        code='''
def div(a, b, name=""):
    return Node(a.value / b.value, (a,), (1.0 / b.value,), name)


def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)


def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
    Mistake(
        exercise="primitives",
        name="exp's partial from a wrong formula",
        says="treats exp as a power of a",
        code='''
def div(a, b, name=""):
    return Node(a.value / b.value, (a, b), (1.0 / b.value, -a.value / b.value ** 2), name)


def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (a.value * math.exp(a.value - 1.0),), name)


def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
    Mistake(
        exercise="primitives",
        name="exp's partial copies the input",
        says="differentiate exp",
        code='''
def div(a, b, name=""):
    return Node(a.value / b.value, (a, b), (1.0 / b.value, -a.value / b.value ** 2), name)


def exp(a, name=""):
    return Node(math.exp(a.value), (a,), (a.value,), name)


def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
    Mistake(
        exercise="primitives",
        name="log's partial divides by the output",
        says="local derivative of `log(a)`",
        code='''
def div(a, b, name=""):
    return Node(a.value / b.value, (a, b), (1.0 / b.value, -a.value / b.value ** 2), name)


def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)


def log(a, name=""):
    v = math.log(a.value)
    return Node(v, (a,), (1.0 / v,), name)
''',
    ),
    Mistake(
        exercise="primitives",
        name="primitives built with the reference Tensor",
        says="reference implementation",
        code='''
def div(a, b, name=""):
    import mlp
    ta, tb = mlp.Tensor(a.value, requires_grad=True), mlp.Tensor(b.value, requires_grad=True)
    q = ta / tb
    q.backward()
    return Node(q.item(), (a, b), (float(ta.grad), float(tb.grad)), name)


def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)


def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
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
    # --- added for issue 14: at least six per exercise, spread across kinds -------------------
    Mistake(
        exercise="topological_order",
        name="children listed before their parents (output first)",
        kind="other",
        says="listed before its parent",
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
    return order
''',
    ),
    Mistake(
        exercise="topological_order",
        name="leaves left out",
        kind="missing term",
        says="leaves out",
        code='''
def topological_order(output):
    order, placed, stack = [], set(), [(output, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in placed:
            continue
        if done:
            placed.add(id(node))
            if node.parents:
                order.append(node)
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if id(p) not in placed)
    return order
''',
    ),
    Mistake(
        exercise="backward",
        name="local derivative left out",
        kind="missing term",
        says="leaves out the local derivatives",
        code='''
def backward(output, order):
    output.grad = 1.0
    for node in reversed(order):
        for parent in node.parents:
            parent.grad += node.grad
''',
    ),
    Mistake(
        exercise="backward",
        name="child's value instead of its gradient",
        kind="wrong variable",
        says="`value` where its `grad` belongs",
        code='''
def backward(output, order):
    output.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += node.value * local
''',
    ),
    Mistake(
        exercise="train",
        name="loss recorded after the update",
        kind="other",
        says="loss after each update",
        code='''
def train(params, loss_fn, backprop, lr, steps):
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = 0.0
        loss = loss_fn()
        backprop(loss)
        
        for p in params:
            p.value -= lr * p.grad
        losses.append(loss_fn().value)
    return losses
''',
    ),
    Mistake(
        exercise="train",
        name="one step too few",
        kind="other",
        says="losses for 5 steps",
        code='''
def train(params, loss_fn, backprop, lr, steps):
    losses = []
    for _ in range(steps - 1):
        for p in params:
            p.grad = 0.0
        loss = loss_fn()
        backprop(loss)
        losses.append(loss.value)
        for p in params:
            p.value -= lr * p.grad
    return losses
''',
    ),
    Mistake(
        exercise="train",
        name="only the first parameter updated",
        kind="missing term",
        says="never moved",
        code='''
def train(params, loss_fn, backprop, lr, steps):
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = 0.0
        loss = loss_fn()
        backprop(loss)
        losses.append(loss.value)
        for p in params[:1]:
            p.value -= lr * p.grad
    return losses
''',
    ),
    Mistake(
        exercise="train",
        name="returns the last loss only",
        kind="shape",
        says="list of numbers",
        code='''
def train(params, loss_fn, backprop, lr, steps):
    for _ in range(steps):
        for p in params:
            p.grad = 0.0
        loss = loss_fn()
        backprop(loss)
        for p in params:
            p.value -= lr * p.grad
    return loss.value
''',
    ),
    Mistake(
        exercise="primitives",
        name="log in base 10",
        kind="other",
        says="base 10",
        code='''
def div(a, b, name=""):
    q = a.value / b.value
    return Node(q, (a, b), (1.0 / b.value, -q / b.value), name)


def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)


def log(a, name=""):
    return Node(math.log10(a.value), (a,), (1.0 / (a.value * math.log(10)),), name)
''',
    ),
    # --- a second set, probing for fallback messages (issue 14) --------------------------------
    Mistake(
        exercise="backward",
        name='grads doubled',
        kind="factor",
        says='should be dL/dL = 1',
        code='''
def backward(output, order):
    output.grad = 2.0
    for node in reversed(order):
        for p, l in zip(node.parents, node.local_grads):
            p.grad += node.grad * l
''',
    ),
    Mistake(
        exercise="topological_order",
        name='BFS from the output, reversed',
        kind="other",
        says='listed before its parent',
        code='''
def topological_order(output):
    seen, queue, order = set(), [output], []
    while queue:
        n = queue.pop(0)
        if id(n) in seen: continue
        seen.add(id(n)); order.append(n); queue.extend(n.parents)
    return order[::-1]
''',
    ),
    # --- a third set, probing for fallback messages (issue 14) ---------------------------------
    Mistake(
        exercise="topological_order",
        name='output and its direct parents only',
        kind="missing term",
        says='leaves out',
        code='''
def topological_order(output):
    return list(output.parents) + [output]
''',
    ),
    Mistake(
        exercise="backward",
        name='gradient pushed from parent to child',
        kind="other",
        says='pushes gradients the wrong way',
        code='''
def backward(output, order):
    output.grad = 1.0
    for node in reversed(order):
        for p, l in zip(node.parents, node.local_grads):
            node.grad += p.grad * l
''',
    ),
    Mistake(
        exercise="train",
        name='update before backprop',
        kind="other",
        says='did not move',
        code='''
def train(params, loss_fn, backprop, lr, steps):
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = 0.0
        for p in params:
            p.value -= lr * p.grad
        loss = loss_fn(); backprop(loss); losses.append(loss.value)
    return losses
''',
    ),
    # --- a fourth probe (issue 14); the two marked generic have no specific diagnosis ------------
    Mistake(
        exercise="primitives",
        name='div partial wrt b as 1/b**2',
        kind="missing term",
        says='misses the factor a',
        code='''
def div(a, b, name=""):
    q = a.value / b.value
    return Node(q, (a, b), (1.0 / b.value, -1.0 / b.value ** 2), name)

def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)

def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
    Mistake(
        exercise="primitives",
        name='div partial wrt a as a/b',
        kind="wrong variable",
        says='stores the value a / b itself',
        code='''
def div(a, b, name=""):
    q = a.value / b.value
    return Node(q, (a, b), (q, -q / b.value), name)

def exp(a, name=""):
    e = math.exp(a.value)
    return Node(e, (a,), (e,), name)

def log(a, name=""):
    return Node(math.log(a.value), (a,), (1.0 / a.value,), name)
''',
    ),
    Mistake(
        exercise="train",
        name='lr applied twice',
        kind="factor",
        says='learning rate of',
        code='''
def train(params, loss_fn, backprop, lr, steps):
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = 0.0
        loss = loss_fn(); backprop(loss); losses.append(loss.value)
        for p in params:
            p.value -= lr * lr * p.grad
    return losses
''',
    ),
]
