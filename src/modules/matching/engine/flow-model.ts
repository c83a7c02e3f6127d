/**
 * The placement problem as a min-cost flow. Nodes: candidates 0..n−1 (supply 1 each), lines n..n+m−1,
 * and a sink n+m (supply −n) that is also the solver's root. Arcs, in this order:
 *  - one per compatible pair, candidate → line, capacity 1, cost −(B + fit);
 *  - one per candidate, candidate → sink ("unplaced"), cost 0;
 *  - one per line, line → sink, capacity = seats, cost 0.
 * Minimising the cost maximises B·placed + totalFit, i.e. the number placed first, then the fit (B from
 * problem.ts). The first spanning tree is every candidate unplaced and every line empty, which is
 * feasible and strongly feasible as it stands.
 */
import type { Network } from './network.js';
import type { Problem } from './problem.js';

export function flowModel(problem: Problem): Network {
  const n = problem.candidates.length;
  const m = problem.lines.length;
  const pairs = problem.pairLine.length;
  const sink = n + m;
  const arcCount = pairs + n + m;
  const source = new Int32Array(arcCount);
  const target = new Int32Array(arcCount);
  const capacity = new Int32Array(arcCount);
  const cost = new Float64Array(arcCount);
  const supply = new Int32Array(n + m + 1);
  const starArc = new Int32Array(n + m + 1);
  const { pairStart, pairLine, pairFit, bonus } = problem;
  for (let c = 0; c < n; c++) {
    for (let k = pairStart[c]!; k < pairStart[c + 1]!; k++) {
      source[k] = c;
      target[k] = n + pairLine[k]!;
      capacity[k] = 1;
      cost[k] = -(bonus + pairFit[k]!);
    }
    const unplaced = pairs + c;
    source[unplaced] = c;
    target[unplaced] = sink;
    // Never more than 1 can flow here; a larger bound keeps the first tree strongly feasible.
    capacity[unplaced] = 2;
    supply[c] = 1;
    starArc[c] = unplaced;
  }
  for (let l = 0; l < m; l++) {
    const arc = pairs + n + l;
    source[arc] = n + l;
    target[arc] = sink;
    capacity[arc] = problem.seats[l]!;
    starArc[n + l] = arc;
  }
  supply[sink] = -n;
  starArc[sink] = -1;
  return { nodeCount: n + m + 1, root: sink, source, target, capacity, cost, supply, starArc };
}
