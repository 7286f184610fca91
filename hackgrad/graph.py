"""The one walk both engines share: an iterative topological sort of a computation graph.

Pure Python (no NumPy) so that the scalar engine can use it without the tensor engine's dependencies.
"""


def toposort(root, parents):
    """Return the nodes reachable from `root`, every node after all of its parents.

    `parents(node)` returns a tuple of the node's inputs. The walk is an explicit-stack depth-first
    post-order, so a chain 100,000 gates deep needs no recursion, and the order depends only on the
    order of each node's parents (deterministic). Reverse the list to backpropagate.
    """
    order = []
    visited = {root}  # nodes hash by identity (Unit and Tensor both keep object.__hash__)
    stack = [(root, iter(parents(root)))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parents(parent))))
                break
        else:  # every parent is placed: the node can follow them
            stack.pop()
            order.append(node)
    return order
