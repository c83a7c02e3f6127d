/**
 * The flow model as a DIMACS min-cost-flow file (`p min`, `n id supply`, `a from to low cap cost`,
 * nodes numbered from 1 in the order of flow-model.ts), so an outside solver such as LEMON's
 * `dimacs-solver` can check the optimum: its minimum cost is −(bonus · placed + totalFit).
 * Written in chunks, so millions of arcs never make one giant string.
 */
import type { Network } from './network.js';

export function* dimacsChunks(network: Network, comments: string[] = []): Generator<string> {
  const { nodeCount, source, target, capacity, cost, supply } = network;
  let chunk = comments.map((c) => `c ${c}\n`).join('') + `p min ${nodeCount} ${source.length}\n`;
  for (let u = 0; u < nodeCount; u++) {
    if (supply[u] !== 0) chunk += `n ${u + 1} ${supply[u]}\n`;
  }
  for (let e = 0; e < source.length; e++) {
    chunk += `a ${source[e]! + 1} ${target[e]! + 1} 0 ${capacity[e]} ${cost[e]}\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
