/**
 * The placement engine: instance in (API.md "Matching instance"), placements, unplaced officers with
 * reasons, potentials, statistics and timings out. Pure: no I/O, no clock but performance.now().
 *
 * Determinism: candidates and lines are sorted by id (code-unit order) before anything else, pairs are
 * laid out in that order and the simplex prices them in that order, so the same instance, in any order,
 * gives the same placements on every machine; among equally good solutions the one reached this way is
 * returned, except that identical officers are dealt their places in id order (ties.ts).
 */
import { performance } from 'node:perf_hooks';
import { checkCertificate } from './certificate.js';
import { heldLines, nearestLines, runnerUp, seatOpenings, type HeldLine, type NearLine, type RunnerUp, type SeatOpening } from './explain.js';
import { flowModel } from './flow-model.js';
import { parseInstance, type Instance } from './instance.js';
import type { FlowSolution, Network } from './network.js';
import { networkSimplex } from './network-simplex.js';
import { buildProblem, fitParts, SPEC_EXACT, type FitParts, type Problem } from './problem.js';
import { blockingPairs, stableMatching } from './stable.js';
import { settleTies } from './ties.js';

export type Mode = 'optimal' | 'stable';

export interface Placement {
  candidateId: string;
  lineId: string;
  departmentId: string;
  fit: number;
  parts: FitParts;
  specializationMatch: 'exact' | 'related';
  explanation: string;
  runnerUp?: RunnerUp | null;
}

export type Unplaced =
  | { candidateId: string; reason: 'no_compatible_line'; explanation: string; nearestLines: NearLine[] }
  | { candidateId: string; reason: 'outcompeted'; explanation: string; compatibleLines: HeldLine[]; compatibleLineCount: number };

export interface MatchingResult {
  mode: Mode;
  objective: { placed: number; totalFit: number };
  /**
   * The optimum as the min-cost flow of flow-model.ts (the --dimacs file): minCost = −(bonus · placed +
   * totalFit) of the optimal placements, what an outside solver must find (in stable mode too).
   */
  flow: { bonus: number; minCost: number };
  placements: Placement[];
  unplaced: Unplaced[];
  /** The duals of the optimum, π with reduced cost c(u,v) + π(u) − π(v), in flow cost units (see flow-model.ts). */
  potentials: { bonus: number; sink: number; candidates: Record<string, number>; lines: Record<string, number> };
  whereToOpenSeats: SeatOpening[];
  stats: {
    candidates: number;
    lines: number;
    seats: number;
    compatiblePairs: number;
    placed: number;
    unplaced: number;
    placedExact: number;
    /** Share of placed officers in a line of their exact specialization (the public figure to beat: 0.85). */
    exactShare: number;
    seatsLeftByDepartment: Record<string, number>;
    pivots: number;
    certified: boolean;
  };
  /** Stable mode only: what stability cost against the optimum. */
  stability?: { optimum: { placed: number; totalFit: number }; placedLost: number; fitLost: number; blockingPairs: number };
  timings: { buildMs: number; solveMs: number; explainMs: number; totalMs: number };
}

export interface Solved {
  problem: Problem;
  network: Network;
  solution: FlowSolution;
  /** Pair index per candidate, −1 when unplaced. */
  assigned: Int32Array;
  buildMs: number;
  solveMs: number;
}

/** Graph building and solving only (what the bench times). */
export function solveOptimal(instance: Instance): Solved {
  const t0 = performance.now();
  const problem = buildProblem(instance);
  const network = flowModel(problem);
  const t1 = performance.now();
  const solution = networkSimplex(network);
  const assigned = settleTies(problem, solution);
  return { problem, network, solution, assigned, buildMs: t1 - t0, solveMs: performance.now() - t1 };
}

function describeParts(parts: FitParts): string {
  return `specialization ${parts.specialization}, rank ${parts.rank}, interview ${parts.interview}, governorate ${parts.governorate}, priority ${parts.priority}`;
}

/** Placements, unplaced reasons and statistics for an assignment (pair index per candidate, −1 unplaced). */
export function describe(problem: Problem, assigned: Int32Array, explainPlacement: (c: number, k: number) => { explanation: string; runnerUp?: RunnerUp | null }) {
  const { candidates, lines, pairLine, pairFit, pairSpec, pairStart } = problem;
  const n = candidates.length;
  const m = lines.length;
  const used = new Int32Array(m);
  const weakest = new Int32Array(m).fill(-1);
  const weakestFit = new Int32Array(m);
  const placements: Placement[] = [];
  let totalFit = 0;
  let placedExact = 0;
  for (let c = 0; c < n; c++) {
    const k = assigned[c]!;
    if (k < 0) continue;
    const l = pairLine[k]!;
    used[l]!++;
    const fit = pairFit[k]!;
    // Candidates come in id order, so the first weakest seen is the one with the smallest id.
    if (weakest[l]! < 0 || fit < weakestFit[l]!) {
      weakest[l] = c;
      weakestFit[l] = fit;
    }
    totalFit += fit;
    if (pairSpec[k] === SPEC_EXACT) placedExact++;
    const parts = fitParts(problem, c, l, pairSpec[k]!);
    const why = explainPlacement(c, k);
    placements.push({
      candidateId: candidates[c]!.id,
      lineId: lines[l]!.id,
      departmentId: lines[l]!.departmentId,
      fit,
      parts,
      specializationMatch: pairSpec[k] === SPEC_EXACT ? 'exact' : 'related',
      ...why,
      explanation: `fit ${fit} (${describeParts(parts)}); ${why.explanation}`,
    });
  }
  const unplaced: Unplaced[] = [];
  for (let c = 0; c < n; c++) {
    if (assigned[c]! >= 0) continue;
    const candidate = candidates[c]!;
    if (pairStart[c] === pairStart[c + 1]) {
      const near = nearestLines(problem, c);
      unplaced.push({
        candidateId: candidate.id,
        reason: 'no_compatible_line',
        explanation: `no line accepts specialization ${candidate.specializations.join(' or ')} at rank ${candidate.rank}` + (candidate.outcome === 'full' ? '' : ` with outcome ${candidate.outcome}`),
        nearestLines: near,
      });
    } else {
      const held = heldLines(problem, c, weakest, weakestFit);
      const top = held.lines[0]!;
      unplaced.push({
        candidateId: candidate.id,
        reason: 'outcompeted',
        explanation:
          `outcompeted: all ${held.count} compatible line(s) are full; ` +
          `on ${top.lineId} (${top.seats} seat(s)), where the weakest holder ${top.weakestHolder.candidateId} has fit ${top.weakestHolder.fit} and this officer would have ${top.fitHere}`,
        compatibleLines: held.lines,
        compatibleLineCount: held.count,
      });
    }
  }
  const seatsLeftByDepartment: Record<string, number> = {};
  let seats = 0;
  lines.forEach((line, l) => {
    seats += line.seats;
    seatsLeftByDepartment[line.departmentId] = (seatsLeftByDepartment[line.departmentId] ?? 0) + line.seats - used[l]!;
  });
  const placed = placements.length;
  return {
    objective: { placed, totalFit },
    placements,
    unplaced,
    stats: {
      candidates: n,
      lines: m,
      seats,
      compatiblePairs: pairLine.length,
      placed,
      unplaced: n - placed,
      placedExact,
      exactShare: placed === 0 ? 0 : placedExact / placed,
      seatsLeftByDepartment,
    },
  };
}

function runnerUpText(second: RunnerUp): string {
  const own = second.fitDifference >= 0 ? `${second.fitDifference} less for this officer` : `${-second.fitDifference} more for this officer`;
  const cost = second.placementsLost
    ? `would cost the proposal at least ${second.placementsLost} placement(s) and ${second.fitLoss} fit`
    : second.fitLoss > 0
      ? `would cost the proposal at least ${second.fitLoss} fit`
      : 'is not ruled out by the duals as an equally good choice';
  return `runner-up ${second.lineId} (fit ${second.fit}, ${own}); taking it instead ${cost}`;
}

function potentialsOf(solved: Solved): MatchingResult['potentials'] {
  const { problem, solution } = solved;
  const n = problem.candidates.length;
  const candidates: Record<string, number> = {};
  const lines: Record<string, number> = {};
  problem.candidates.forEach((c, i) => (candidates[c.id] = solution.potential[i]!));
  problem.lines.forEach((l, i) => (lines[l.id] = solution.potential[n + i]!));
  return { bonus: problem.bonus, sink: solution.potential[n + problem.lines.length]!, candidates, lines };
}

function optimalResult(solved: Solved, startedAt: number): MatchingResult {
  const t0 = performance.now();
  const { problem, network, solution, assigned } = solved;
  const certificate = checkCertificate(network, solution.flow, solution.potential);
  if (!certificate.ok) throw new Error(`the solver's certificate does not check: ${certificate.problems.join('; ')}`);
  const described = describe(problem, assigned, (c, k) => {
    const second = runnerUp(problem, network, solution, c, k);
    return {
      explanation: second ? runnerUpText(second) : 'the only compatible line',
      runnerUp: second,
    };
  });
  const whereToOpenSeats = seatOpenings(problem, network, solution);
  const explainMs = performance.now() - t0;
  return {
    mode: 'optimal',
    objective: described.objective,
    flow: { bonus: problem.bonus, minCost: -(problem.bonus * described.objective.placed + described.objective.totalFit) },
    placements: described.placements,
    unplaced: described.unplaced,
    potentials: potentialsOf(solved),
    whereToOpenSeats,
    stats: { ...described.stats, pivots: solution.pivots, certified: certificate.ok },
    timings: { buildMs: solved.buildMs, solveMs: solved.solveMs, explainMs, totalMs: performance.now() - startedAt },
  };
}

/** Validates the instance (throws InstanceError naming what is wrong) and computes the proposal. */
export function match(input: unknown, options: { mode?: Mode } = {}): MatchingResult {
  const startedAt = performance.now();
  const instance = parseInstance(input);
  const solved = solveOptimal(instance);
  const optimal = optimalResult(solved, startedAt);
  if ((options.mode ?? 'optimal') === 'optimal') return optimal;

  const t0 = performance.now();
  const stable = stableMatching(solved.problem);
  const solveMs = performance.now() - t0;
  const described = describe(solved.problem, stable.assigned, (c, k) => ({ explanation: stable.explain(c, k) }));
  return {
    mode: 'stable',
    objective: described.objective,
    flow: optimal.flow,
    placements: described.placements,
    unplaced: described.unplaced,
    potentials: optimal.potentials,
    whereToOpenSeats: optimal.whereToOpenSeats,
    stats: { ...described.stats, pivots: 0, certified: false },
    stability: {
      optimum: optimal.objective,
      placedLost: optimal.objective.placed - described.objective.placed,
      fitLost: optimal.objective.totalFit - described.objective.totalFit,
      blockingPairs: blockingPairs(solved.problem, stable.assigned, stable.preference),
    },
    timings: { buildMs: solved.buildMs, solveMs, explainMs: 0, totalMs: performance.now() - startedAt },
  };
}
