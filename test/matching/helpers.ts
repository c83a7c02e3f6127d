/**
 * Shared by the matching tests: random small instances (fast-check), brute force over every assignment,
 * and successive shortest paths, the second, simpler solver the simplex is compared with.
 */
import fc from 'fast-check';
import { GOVERNORATE_CODES, RANK_CODES } from '../../src/modules/reference/reference.codes.js';
import type { Network } from '../../src/modules/matching/engine/network.js';
import type { Problem } from '../../src/modules/matching/engine/problem.js';

const SPECS = ['infantry', 'reconnaissance', 'special_forces', 'armor', 'law', 'logistics', 'administration'];
const RANKS = RANK_CODES.slice(8, 13);
const GOVS = GOVERNORATE_CODES.slice(0, 3);

export const candidateArb = fc.record({
  rank: fc.constantFrom(...RANKS),
  specializations: fc.uniqueArray(fc.constantFrom(...SPECS), { minLength: 1, maxLength: 2 }),
  outcome: fc.constantFrom('full', 'full', 'full', 'requalification', 'administrative_only'),
  interviewScore: fc.integer({ min: 10, max: 50 }).map((x) => x / 10),
  preferredGovernorates: fc.uniqueArray(fc.constantFrom(...GOVS), { maxLength: 2 }),
});

export const lineArb = fc.record({
  governorate: fc.constantFrom(...GOVS),
  specializations: fc.uniqueArray(fc.constantFrom(...SPECS), { minLength: 1, maxLength: 3 }),
  ranks: fc.tuple(fc.integer({ min: 0, max: RANKS.length - 1 }), fc.integer({ min: 0, max: RANKS.length - 1 })),
  seats: fc.integer({ min: 1, max: 2 }),
  roleType: fc.constantFrom('operational', 'operational', 'training', 'administrative', 'logistics', 'oversight'),
  priority: fc.integer({ min: 1, max: 3 }),
  acceptsRequalification: fc.boolean(),
});

export type RawInstance = { candidates: Record<string, unknown>[]; lines: Record<string, unknown>[]; weights?: Record<string, number> };

export function instanceArb(maxCandidates: number, maxLines: number): fc.Arbitrary<RawInstance> {
  return fc
    .record({
      candidates: fc.array(candidateArb, { maxLength: maxCandidates }),
      lines: fc.array(lineArb, { maxLength: maxLines }),
    })
    .map(({ candidates, lines }) => ({
      candidates: candidates.map((c, i) => ({ id: `c-${i}`, ...c })),
      lines: lines.map(({ ranks: [a, b], ...l }, i) => ({
        id: `l-${i}`,
        departmentId: `d-${i % 2}`,
        rankMin: RANKS[Math.min(a, b)]!,
        rankMax: RANKS[Math.max(a, b)]!,
        ...l,
      })),
    }));
}

/** The best (placed, totalFit) over every assignment of the compatibility graph, lexicographically. */
export function bruteForce(problem: Problem): { placed: number; totalFit: number } {
  const n = problem.candidates.length;
  const left = Int32Array.from(problem.seats);
  let best = { placed: 0, totalFit: 0 };
  const visit = (c: number, placed: number, fit: number) => {
    if (c === n) {
      if (placed > best.placed || (placed === best.placed && fit > best.totalFit)) best = { placed, totalFit: fit };
      return;
    }
    visit(c + 1, placed, fit);
    for (let k = problem.pairStart[c]!; k < problem.pairStart[c + 1]!; k++) {
      const l = problem.pairLine[k]!;
      if (left[l] === 0) continue;
      left[l]!--;
      visit(c + 1, placed + 1, fit + problem.pairFit[k]!);
      left[l]!++;
    }
  };
  visit(0, 0, 0);
  return best;
}

/**
 * Successive shortest paths with potentials (dense Dijkstra, O(V²) per unit): a different algorithm on
 * the same network. Returns the minimum cost. The network is acyclic, so the first potentials are
 * distances from the supply nodes in topological order (sources, then lines, then the sink).
 */
export function successiveShortestPaths(network: Network): number {
  const { nodeCount, source, target, capacity, cost, supply } = network;
  const arcs = source.length;
  const out: number[][] = Array.from({ length: nodeCount }, () => []);
  for (let e = 0; e < arcs; e++) {
    out[source[e]!]!.push(e);
    out[target[e]!]!.push(~e);
  }
  const flow = new Int32Array(arcs);
  const excess = Int32Array.from(supply);
  // Initial potentials: shortest distances from a virtual source joined to every supply node (Bellman-Ford).
  const pi = new Float64Array(nodeCount).fill(Infinity);
  for (let u = 0; u < nodeCount; u++) if (supply[u]! > 0) pi[u] = 0;
  for (let round = 0; round < nodeCount; round++) {
    let changed = false;
    for (let e = 0; e < arcs; e++) {
      const d = pi[source[e]!]! + cost[e]!;
      if (d < pi[target[e]!]!) {
        pi[target[e]!] = d;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (let u = 0; u < nodeCount; u++) if (!Number.isFinite(pi[u]!)) pi[u] = 0;
  const residual = (a: number) => (a >= 0 ? capacity[a]! - flow[a]! : flow[~a]!);
  const reduced = (a: number) => (a >= 0 ? cost[a]! + pi[source[a]!]! - pi[target[a]!]! : -(cost[~a]! + pi[source[~a]!]! - pi[target[~a]!]!));
  const head = (a: number) => (a >= 0 ? target[a]! : source[~a]!);
  for (;;) {
    const dist = new Float64Array(nodeCount).fill(Infinity);
    const via = new Int32Array(nodeCount).fill(0);
    const done = new Uint8Array(nodeCount);
    for (let u = 0; u < nodeCount; u++) if (excess[u]! > 0) dist[u] = 0;
    let sinkFound = -1;
    for (;;) {
      let u = -1;
      for (let x = 0; x < nodeCount; x++) if (!done[x] && Number.isFinite(dist[x]!) && (u < 0 || dist[x]! < dist[u]!)) u = x;
      if (u < 0) break;
      done[u] = 1;
      if (excess[u]! < 0) {
        sinkFound = u;
        break;
      }
      for (const a of out[u]!) {
        if (residual(a) <= 0) continue;
        const v = head(a);
        const d = dist[u]! + reduced(a);
        if (d < dist[v]!) {
          dist[v] = d;
          via[v] = a;
        }
      }
    }
    if (sinkFound < 0) break;
    const bound = dist[sinkFound]!;
    for (let u = 0; u < nodeCount; u++) pi[u]! += Math.min(dist[u]!, bound);
    let v = sinkFound;
    while (dist[v] !== 0 || excess[v]! <= 0) {
      const a = via[v]!;
      if (a >= 0) flow[a]!++;
      else flow[~a]!--;
      v = a >= 0 ? source[a]! : target[~a]!;
    }
    excess[v]!--;
    excess[sinkFound]!++;
  }
  let total = 0;
  for (let e = 0; e < arcs; e++) total += flow[e]! * cost[e]!;
  return total;
}
