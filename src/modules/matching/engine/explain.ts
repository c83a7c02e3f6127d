/**
 * Explanations read off the optimal flow and its potentials (the duals):
 *  - a placement's runner-up is its compatible line of least reduced cost; that reduced cost is a lower
 *    bound, by LP duality, on what forcing the candidate there would cost the objective;
 *  - an unplaced officer either has no compatible line (the nearest lines and what excludes each are
 *    named) or was outcompeted: every compatible line is full at the optimum (a free seat would be an
 *    improving path), and the weakest fit holding a seat on each is named;
 *  - where to open seats: one more seat on line l is worth −(d(l) + π(l)) where d is the shortest path
 *    from the sink to l in the residual graph under reduced costs (all ≥ 0 at the optimum, so one
 *    Dijkstra prices every line at once); the path starts at an unplaced candidate when the seat places
 *    one more officer.
 */
import { rankIndex } from './instance.js';
import type { FlowSolution, Network } from './network.js';
import { outcomeAccepted, specializationMatch, SPEC_NONE, type Problem } from './problem.js';

export interface RunnerUp {
  lineId: string;
  fit: number;
  /** This officer's own fit there is this much lower (negative: higher, but the seat serves the whole better elsewhere). */
  fitDifference: number;
  /**
   * What the whole proposal would lose at least if this officer took the runner-up instead: the pair's
   * reduced cost, a lower bound by LP duality (0 when the duals are degenerate there).
   */
  fitLoss: number;
  /** Set when the dual bound says the switch would also cost a placement elsewhere. */
  placementsLost?: number;
}

export interface NearLine {
  lineId: string;
  excludedBy: string[];
}

export interface HeldLine {
  lineId: string;
  seats: number;
  weakestHolder: { candidateId: string; fit: number };
  /** The fit this officer would have had there. */
  fitHere: number;
}

export interface SeatOpening {
  lineId: string;
  departmentId: string;
  additionalPlaced: number;
  additionalFit: number;
  /** −π(line): the dual bound on the worth of one more seat, in objective units (bonus · placed + fit). */
  shadowPrice: number;
}

const LISTED = 10;

/** The compatible line of least reduced cost, the higher fit first among equals. */
export function runnerUp(problem: Problem, network: Network, solution: FlowSolution, c: number, placedPair: number): RunnerUp | null {
  const { pairStart, pairLine, pairFit, bonus } = problem;
  const pi = solution.potential;
  let best = -1;
  let bestCost = Infinity;
  for (let k = pairStart[c]!; k < pairStart[c + 1]!; k++) {
    if (k === placedPair) continue;
    const reduced = network.cost[k]! + pi[c]! - pi[network.target[k]!]!;
    if (reduced < bestCost || (reduced === bestCost && pairFit[k]! > pairFit[best]!)) {
      bestCost = reduced;
      best = k;
    }
  }
  if (best < 0) return null;
  const loss = Math.max(0, bestCost);
  const lineId = problem.lines[pairLine[best]!]!.id;
  const fitDifference = pairFit[placedPair]! - pairFit[best]!;
  if (loss < bonus) return { lineId, fit: pairFit[best]!, fitDifference, fitLoss: loss };
  return { lineId, fit: pairFit[best]!, fitDifference, fitLoss: loss % bonus, placementsLost: Math.floor(loss / bonus) };
}

/** The lines closest to accepting a candidate with no compatible line, and what excludes each. */
export function nearestLines(problem: Problem, c: number): NearLine[] {
  const candidate = problem.candidates[c]!;
  const rank = rankIndex(candidate.rank);
  const scored = problem.lines.map((line, l) => {
    const excludedBy: string[] = [];
    let score = 0;
    if (specializationMatch(problem, candidate, line) === SPEC_NONE) {
      excludedBy.push(`specialization: accepts ${line.specializations.join(', ')}; none is ${candidate.specializations.join(', ')} or related`);
      score += 100;
    }
    const min = rankIndex(line.rankMin);
    const max = rankIndex(line.rankMax);
    if (rank < min || rank > max) {
      excludedBy.push(`rank: ${candidate.rank} is outside ${line.rankMin}..${line.rankMax}`);
      score += 100 + (rank < min ? min - rank : rank - max);
    }
    if (!outcomeAccepted(candidate, line)) {
      excludedBy.push(
        candidate.outcome === 'requalification'
          ? `outcome requalification: a ${line.roleType} line that does not accept requalification`
          : `outcome administrative_only: a ${line.roleType} line`,
      );
      score += 100;
    }
    return { l, score, excludedBy };
  });
  scored.sort((a, b) => a.score - b.score || a.l - b.l);
  return scored.slice(0, 3).map(({ l, excludedBy }) => ({ lineId: problem.lines[l]!.id, excludedBy }));
}

/** For an outcompeted officer: the compatible lines (all full), with the weakest fit holding a seat on each. */
export function heldLines(problem: Problem, c: number, weakest: Int32Array, weakestFit: Int32Array): { lines: HeldLine[]; count: number } {
  const { pairStart, pairLine, pairFit } = problem;
  const held: HeldLine[] = [];
  for (let k = pairStart[c]!; k < pairStart[c + 1]!; k++) {
    const l = pairLine[k]!;
    const holder = weakest[l]!;
    held.push({
      lineId: problem.lines[l]!.id,
      seats: problem.seats[l]!,
      weakestHolder: { candidateId: holder >= 0 ? problem.candidates[holder]!.id : '', fit: weakestFit[l]! },
      fitHere: pairFit[k]!,
    });
  }
  held.sort((a, b) => b.weakestHolder.fit - a.weakestHolder.fit || (a.lineId < b.lineId ? -1 : 1));
  return { lines: held.slice(0, LISTED), count: held.length };
}

/** Lazy binary min-heap of (key, node). */
class Heap {
  keys = new Float64Array(1024);
  nodes = new Int32Array(1024);
  size = 0;
  push(key: number, node: number): void {
    if (this.size === this.keys.length) {
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keys);
      this.keys = keys;
      const nodes = new Int32Array(this.size * 2);
      nodes.set(this.nodes);
      this.nodes = nodes;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! < key || (this.keys[p] === key && this.nodes[p]! <= node)) break;
      this.keys[i] = this.keys[p]!;
      this.nodes[i] = this.nodes[p]!;
      i = p;
    }
    this.keys[i] = key;
    this.nodes[i] = node;
  }
  /** Removes the top; read keys[0]/nodes[0] first. */
  pop(): void {
    const key = this.keys[--this.size]!;
    const node = this.nodes[this.size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      const right = child + 1;
      if (right < this.size && (this.keys[right]! < this.keys[child]! || (this.keys[right] === this.keys[child] && this.nodes[right]! < this.nodes[child]!))) child = right;
      if (key < this.keys[child]! || (key === this.keys[child] && node <= this.nodes[child]!)) break;
      this.keys[i] = this.keys[child]!;
      this.nodes[i] = this.nodes[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.nodes[i] = node;
  }
}

/** The worth of one more seat on every line (see the file comment), best first, lines worth nothing left out. */
export function seatOpenings(problem: Problem, network: Network, solution: FlowSolution, limit = LISTED): SeatOpening[] {
  const n = problem.candidates.length;
  const m = problem.lines.length;
  const sink = n + m;
  const pairs = problem.pairLine.length;
  const { flow, potential: pi } = solution;
  const { cost } = network;
  const { pairStart, pairLine } = problem;
  // Pairs by line (counting sort), for the residual arcs line → placed candidate.
  const byLineStart = new Int32Array(m + 1);
  for (let k = 0; k < pairs; k++) byLineStart[pairLine[k]! + 1]!++;
  for (let l = 0; l < m; l++) byLineStart[l + 1]! += byLineStart[l]!;
  const fill = byLineStart.slice(0, m);
  const byLine = new Int32Array(pairs);
  const pairCandidate = new Int32Array(pairs);
  for (let c = 0; c < n; c++) {
    for (let k = pairStart[c]!; k < pairStart[c + 1]!; k++) {
      pairCandidate[k] = c;
      byLine[fill[pairLine[k]!]!++] = k;
    }
  }
  const dist = new Float64Array(sink + 1).fill(Infinity);
  // 1 when the path from the sink starts at an unplaced candidate (the seat places one more officer).
  const places = new Uint8Array(sink + 1);
  const done = new Uint8Array(sink + 1);
  const heap = new Heap();
  const relax = (node: number, d: number, placesMore: number) => {
    if (d < dist[node]! || (d === dist[node] && placesMore > places[node]!)) {
      dist[node] = d;
      places[node] = placesMore;
      heap.push(d, node);
    }
  };
  for (let c = 0; c < n; c++) if (flow[pairs + c] === 1) relax(c, -(cost[pairs + c]! + pi[c]! - pi[sink]!), 1);
  for (let l = 0; l < m; l++) if (flow[pairs + n + l]! > 0) relax(n + l, -(cost[pairs + n + l]! + pi[n + l]! - pi[sink]!), 0);
  while (heap.size > 0) {
    const d = heap.keys[0]!;
    const u = heap.nodes[0]!;
    heap.pop();
    if (done[u] || d > dist[u]!) continue;
    done[u] = 1;
    const from = places[u]!;
    if (u < n) {
      for (let k = pairStart[u]!; k < pairStart[u + 1]!; k++) {
        if (flow[k] !== 0) continue;
        const v = n + pairLine[k]!;
        relax(v, d + Math.max(0, cost[k]! + pi[u]! - pi[v]!), from);
      }
    } else if (u < sink) {
      const l = u - n;
      for (let i = byLineStart[l]!; i < byLineStart[l + 1]!; i++) {
        const k = byLine[i]!;
        if (flow[k] !== 1) continue;
        const c = pairCandidate[k]!;
        relax(c, d + Math.max(0, -(cost[k]! + pi[c]! - pi[u]!)), from);
      }
    }
  }
  const openings: SeatOpening[] = [];
  for (let l = 0; l < m; l++) {
    const node = n + l;
    if (!Number.isFinite(dist[node]!)) continue;
    const gain = -(dist[node]! + pi[node]!);
    if (gain <= 0) continue;
    const placed = places[node]!;
    openings.push({
      lineId: problem.lines[l]!.id,
      departmentId: problem.lines[l]!.departmentId,
      additionalPlaced: placed,
      additionalFit: gain - placed * problem.bonus,
      shadowPrice: -pi[node]!,
    });
  }
  openings.sort((a, b) => b.additionalPlaced - a.additionalPlaced || b.additionalFit - a.additionalFit || (a.lineId < b.lineId ? -1 : 1));
  return openings.slice(0, limit);
}
