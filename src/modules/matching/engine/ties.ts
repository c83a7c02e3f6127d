/**
 * Ties between identical officers, settled by id. Officers with the same rank, outcome, specializations
 * (exact and related), interview part and governorate parts have the same arcs with the same costs, so
 * handing one's role in the optimum (its flows and its potential) to another keeps the flow optimal and
 * the certificate valid. Within each such group the roles are dealt out in id order: placed before
 * unplaced, higher fit first, then lower line index. Ties between different officers are settled by the
 * id order the graph is built in (engine.ts).
 */
import { GOVERNORATE_CODES } from '../../reference/reference.codes.js';
import { SPECIALIZATION_CODES } from './instance.js';
import type { FlowSolution } from './network.js';
import type { Problem } from './problem.js';

function signature(problem: Problem, c: number): string {
  const candidate = problem.candidates[c]!;
  const specs = [...new Set(candidate.specializations)].map((s) => SPECIALIZATION_CODES.indexOf(s)).sort((a, b) => a - b);
  const govBase = c * GOVERNORATE_CODES.length;
  const gov = problem.tables.governoratePart.subarray(govBase, govBase + GOVERNORATE_CODES.length).join(',');
  return `${candidate.rank}|${candidate.outcome}|${specs.join(',')}|${problem.tables.interviewPart[c]}|${gov}`;
}

/** Rearranges the solution in place; returns the pair index per candidate (−1 unplaced). */
export function settleTies(problem: Problem, solution: FlowSolution): Int32Array {
  const n = problem.candidates.length;
  const { pairStart, pairLine, pairFit } = problem;
  const pairs = pairLine.length;
  const { flow, potential } = solution;
  const assigned = new Int32Array(n).fill(-1);
  for (let c = 0; c < n; c++) {
    for (let k = pairStart[c]!; k < pairStart[c + 1]!; k++) {
      if (flow[k] === 1) {
        assigned[c] = k;
        break;
      }
    }
  }
  const groups = new Map<string, number[]>();
  for (let c = 0; c < n; c++) {
    if (pairStart[c] === pairStart[c + 1]) continue;
    const key = signature(problem, c);
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    // Members are in id order (candidates are sorted); order the roles they will take.
    const offsetOf = (c: number) => (assigned[c]! < 0 ? -1 : assigned[c]! - pairStart[c]!);
    const roles = members.map((c) => ({ from: c, offset: offsetOf(c), fit: assigned[c]! < 0 ? -1 : pairFit[assigned[c]!]! }));
    roles.sort((a, b) => {
      if ((a.offset < 0) !== (b.offset < 0)) return a.offset < 0 ? 1 : -1;
      return b.fit - a.fit || a.offset - b.offset || a.from - b.from;
    });
    if (roles.every((role, i) => role.from === members[i])) continue;
    const width = pairStart[members[0]! + 1]! - pairStart[members[0]!]!;
    const oldFlows = roles.map((role) => flow.slice(pairStart[role.from], pairStart[role.from]! + width));
    const oldBypass = roles.map((role) => flow[pairs + role.from]!);
    const oldPotential = roles.map((role) => potential[role.from]!);
    members.forEach((c, i) => {
      flow.set(oldFlows[i]!, pairStart[c]);
      flow[pairs + c] = oldBypass[i]!;
      potential[c] = oldPotential[i]!;
      assigned[c] = roles[i]!.offset < 0 ? -1 : pairStart[c]! + roles[i]!.offset;
    });
  }
  return assigned;
}
