// The order in which reverse mode visits a computational graph: every node after all the nodes it was made
// from (a topological order), so that walking the list BACKWARDS reaches a node only once every use of it
// has sent its gradient back. Shared by Value (scalars) and Tensor (matrices).

/** A node of a computational graph: it knows the nodes it was computed from. */
export interface GraphNode {
  readonly parents: readonly GraphNode[];
}

/**
 * The nodes `root` depends on (root included), each after all of its parents: a depth-first search that
 * appends a node once all its parents are in the list. Iterative (an explicit stack), so that a chain of a
 * hundred thousand operations does not overflow the call stack; each node appears once however often it is used.
 */
export function topologicalOrder<T extends GraphNode>(root: T): T[] {
  const order: T[] = [];
  const visited = new Set<GraphNode>([root]);
  const stack: { node: GraphNode; next: number }[] = [{ node: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.node.parents.length) {
      const parent = top.node.parents[top.next++];
      if (!visited.has(parent)) {
        visited.add(parent);
        stack.push({ node: parent, next: 0 });
      }
    } else {
      order.push(top.node as T); // all its parents are already in `order`
      stack.pop();
    }
  }
  return order;
}
