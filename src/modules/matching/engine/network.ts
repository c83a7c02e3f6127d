/**
 * A min-cost flow network in flat typed arrays, the shape the solver, the checker and the DIMACS writer
 * share. Flows are integers; costs are integers held in doubles (exact far beyond any cost here).
 */
export interface Network {
  nodeCount: number;
  /** The node every node has an arc to (or from): the root of the solver's first spanning tree. */
  root: number;
  source: Int32Array;
  target: Int32Array;
  /** Upper bounds; lower bounds are all 0. */
  capacity: Int32Array;
  cost: Float64Array;
  /** Net outflow each node must have (the root's is minus the sum of the others). */
  supply: Int32Array;
  /** For every node but the root, an arc between it and the root carrying its supply in the first tree. */
  starArc: Int32Array;
}

export interface FlowSolution {
  flow: Int32Array;
  /** Node potentials π with reduced cost c(u,v) + π(u) − π(v); π(root) = 0. */
  potential: Float64Array;
  pivots: number;
}

export function totalCost(network: Network, flow: Int32Array): number {
  let sum = 0;
  for (let e = 0; e < flow.length; e++) if (flow[e] !== 0) sum += network.cost[e]! * flow[e]!;
  return sum;
}
