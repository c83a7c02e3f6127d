/**
 * Primal network simplex over typed arrays (the method of LEMON's NetworkSimplex, written afresh):
 *  - the basis is a spanning tree kept as parent / pred arc / direction, a preorder thread with its
 *    reverse, and subtree sizes;
 *  - block search pricing: arcs are scanned cyclically in blocks of about √arcs, and the most negative
 *    reduced cost of the first block holding one enters;
 *  - the tree stays strongly feasible (every node can send flow to the root along its tree path):
 *    the leaving arc is the first blocking arc met walking the cycle from the join node in the direction
 *    of the flow, which rules out cycling on degenerate pivots.
 * The first tree is the star the network gives (Network.starArc), so no artificial arcs or big-M costs
 * are needed: the caller's star must be feasible and strongly feasible.
 */
import type { FlowSolution, Network } from './network.js';

const STATE_UPPER = -1;
const STATE_TREE = 0;
const STATE_LOWER = 1;
/** Tree arc direction: UP when the arc goes from the node to its parent. */
const UP = 1;
const DOWN = -1;

export interface SimplexOptions {
  /** Block size factor for pricing (block = factor · √arcs, at least 10). */
  blockFactor?: number;
}

export function networkSimplex(network: Network, options: SimplexOptions = {}): FlowSolution {
  const { nodeCount, root, source, target, capacity, cost, supply, starArc } = network;
  const arcCount = source.length;
  const flow = new Int32Array(arcCount);
  const state = new Int8Array(arcCount).fill(STATE_LOWER);
  const pi = new Float64Array(nodeCount);
  const parent = new Int32Array(nodeCount);
  const pred = new Int32Array(nodeCount);
  const dir = new Int8Array(nodeCount);
  const thread = new Int32Array(nodeCount);
  const revThread = new Int32Array(nodeCount);
  const succ = new Int32Array(nodeCount);
  // Scratch for one pivot: the leaving subtree in old preorder, its new preorder, the stem.
  const order = new Int32Array(nodeCount);
  const position = new Int32Array(nodeCount);
  const reordered = new Int32Array(nodeCount);
  const stem = new Int32Array(nodeCount);

  // The star: every node hangs from the root by its starArc, carrying its supply.
  parent[root] = -1;
  pred[root] = -1;
  succ[root] = nodeCount;
  let prev = root;
  for (let u = 0; u < nodeCount; u++) {
    if (u === root) continue;
    const e = starArc[u]!;
    const up = source[e] === u;
    const f = up ? supply[u]! : -supply[u]!;
    if (f < 0 || f > capacity[e]!) throw new Error(`the star arc of node ${u} cannot carry its supply`);
    flow[e] = f;
    state[e] = STATE_TREE;
    parent[u] = root;
    pred[u] = e;
    dir[u] = up ? UP : DOWN;
    pi[u] = up ? -cost[e]! : cost[e]!;
    succ[u] = 1;
    thread[prev] = u;
    revThread[u] = prev;
    prev = u;
  }
  thread[prev] = root;
  revThread[root] = prev;

  const blockSize = Math.max(10, Math.ceil((options.blockFactor ?? 1) * Math.sqrt(arcCount)));
  let nextArc = 0;
  let pivots = 0;

  for (;;) {
    // Pricing: block search.
    let inArc = -1;
    let min = 0;
    let counter = blockSize;
    let e = nextArc;
    for (let scanned = 0; scanned < arcCount; scanned++) {
      const s = state[e]!;
      if (s !== STATE_TREE) {
        const c = s * (cost[e]! + pi[source[e]!]! - pi[target[e]!]!);
        if (c < min) {
          min = c;
          inArc = e;
        }
      }
      e++;
      if (e === arcCount) e = 0;
      if (--counter === 0) {
        if (inArc >= 0) break;
        counter = blockSize;
      }
    }
    if (inArc < 0) break;
    nextArc = e;
    pivots++;

    // Join node: the deepest common ancestor, climbing from the smaller subtree.
    const inSource = source[inArc]!;
    const inTarget = target[inArc]!;
    let u = inSource;
    let v = inTarget;
    while (u !== v) {
      if (succ[u]! < succ[v]!) u = parent[u]!;
      else v = parent[v]!;
    }
    const join = u;

    // Leaving arc: flow goes join → … → first → (in arc) → second → … → join.
    let first: number;
    let second: number;
    if (state[inArc] === STATE_LOWER) {
      first = inSource;
      second = inTarget;
    } else {
      first = inTarget;
      second = inSource;
    }
    let delta = capacity[inArc]!;
    let result = 0;
    let uOut = -1;
    for (let w = first; w !== join; w = parent[w]!) {
      const a = pred[w]!;
      const d = dir[w] === UP ? flow[a]! : capacity[a]! - flow[a]!;
      if (d < delta) {
        delta = d;
        uOut = w;
        result = 1;
      }
    }
    for (let w = second; w !== join; w = parent[w]!) {
      const a = pred[w]!;
      const d = dir[w] === UP ? capacity[a]! - flow[a]! : flow[a]!;
      if (d <= delta) {
        delta = d;
        uOut = w;
        result = 2;
      }
    }

    if (delta > 0) {
      const val = state[inArc]! * delta;
      flow[inArc]! += val;
      for (let w = inSource; w !== join; w = parent[w]!) flow[pred[w]!]! -= dir[w]! * val;
      for (let w = inTarget; w !== join; w = parent[w]!) flow[pred[w]!]! += dir[w]! * val;
    }

    if (result === 0) {
      // The entering arc went from one bound to the other; the tree is unchanged.
      state[inArc] = -state[inArc]!;
      continue;
    }
    const outArc = pred[uOut]!;
    state[inArc] = STATE_TREE;
    state[outArc] = flow[outArc] === 0 ? STATE_LOWER : STATE_UPPER;

    // The subtree of uOut is cut off and hangs again from vIn by the entering arc, rooted at uIn.
    const uIn = result === 1 ? first : second;
    const vIn = result === 1 ? second : first;
    const vOut = parent[uOut]!;
    const size = succ[uOut]!;

    // Old preorder of the subtree.
    let w = uOut;
    for (let i = 0; i < size; i++) {
      order[i] = w;
      position[w] = i;
      w = thread[w]!;
    }
    const after = w;
    // Stem: uIn = stem[0], …, stem[k] = uOut.
    let k = 0;
    stem[0] = uIn;
    while (stem[k] !== uOut) {
      stem[k + 1] = parent[stem[k]!]!;
      k++;
    }
    // New preorder: the subtree of stem[0], then each stem node with its old subtree minus the previous one's.
    let out = 0;
    {
      const s0 = stem[0];
      const start = position[s0]!;
      const end = start + succ[s0]!;
      for (let i = start; i < end; i++) reordered[out++] = order[i]!;
    }
    for (let j = 1; j <= k; j++) {
      const sj = stem[j]!;
      const sp = stem[j - 1]!;
      const start = position[sj]!;
      const end = start + succ[sj]!;
      const holeStart = position[sp]!;
      const holeEnd = holeStart + succ[sp]!;
      for (let i = start; i < holeStart; i++) reordered[out++] = order[i]!;
      for (let i = holeEnd; i < end; i++) reordered[out++] = order[i]!;
    }

    // Unlink the old segment, link the new one after vIn.
    const before = revThread[uOut]!;
    thread[before] = after;
    revThread[after] = before;
    const next = thread[vIn]!;
    let last = vIn;
    for (let i = 0; i < size; i++) {
      const x = reordered[i]!;
      thread[last] = x;
      revThread[x] = last;
      last = x;
    }
    thread[last] = next;
    revThread[next] = last;

    // Subtree sizes: along the stem (old values read before they are overwritten), then both paths to the join.
    for (let j = k; j >= 1; j--) succ[stem[j]!] = size - succ[stem[j - 1]!]!;
    succ[uIn] = size;
    for (let x = vIn; x !== join; x = parent[x]!) succ[x]! += size;
    for (let x = vOut; x !== join; x = parent[x]!) succ[x]! -= size;

    // Parents and tree arcs along the stem turn around.
    for (let j = k; j >= 1; j--) {
      const sj = stem[j]!;
      const sp = stem[j - 1]!;
      parent[sj] = sp;
      pred[sj] = pred[sp]!;
      dir[sj] = -dir[sp]!;
    }
    parent[uIn] = vIn;
    pred[uIn] = inArc;
    dir[uIn] = uIn === inSource ? UP : DOWN;

    // Potentials: make the entering arc's reduced cost zero by shifting the whole moved subtree.
    const sigma = uIn === inSource ? pi[vIn]! - cost[inArc]! - pi[uIn]! : pi[vIn]! + cost[inArc]! - pi[uIn]!;
    if (sigma !== 0) for (let i = 0; i < size; i++) pi[reordered[i]!]! += sigma;
  }

  return { flow, potential: pi, pivots };
}
