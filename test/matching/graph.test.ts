import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../src/modules/matching/engine/instance.js';
import { buildProblem } from '../../src/modules/matching/engine/problem.js';
import { RANK_CODES } from '../../src/modules/reference/reference.codes.js';
import { instanceArb } from './helpers.js';

type C = { id: string; rank: string; specializations: string[]; outcome: string; interviewScore: number; preferredGovernorates: string[] };
type L = { id: string; governorate: string; specializations: string[]; rankMin: string; rankMax: string; roleType: string; priority: number; acceptsRequalification: boolean };

/** DESIGN §5 and the README formulas, written again as plainly as possible. */
function expectedFit(c: C, l: L, priorities: number[], related: [string, string][]): number | null {
  const rank = RANK_CODES.indexOf(c.rank as never);
  const min = RANK_CODES.indexOf(l.rankMin as never);
  const max = RANK_CODES.indexOf(l.rankMax as never);
  if (rank < min || rank > max) return null;
  if (c.outcome === 'requalification' && !(l.roleType === 'training' || l.acceptsRequalification)) return null;
  if (c.outcome === 'administrative_only' && !['administrative', 'logistics', 'oversight'].includes(l.roleType)) return null;
  const exact = c.specializations.some((s) => l.specializations.includes(s));
  const near = related.some(([a, b]) => (c.specializations.includes(a) && l.specializations.includes(b)) || (c.specializations.includes(b) && l.specializations.includes(a)));
  if (!exact && !near) return null;
  const spec = exact ? 40 : 20;
  const rankPart = Math.floor((10 * (max - min + 2 - Math.abs(2 * rank - min - max))) / (max - min + 2));
  const interview = Math.round((8 * c.interviewScore) / 5);
  const k = c.preferredGovernorates.indexOf(l.governorate);
  const gov = k < 0 ? 0 : Math.floor((6 * (c.preferredGovernorates.length - k)) / c.preferredGovernorates.length);
  const pMin = Math.min(...priorities);
  const pMax = Math.max(...priorities);
  const priority = Math.floor((4 * (pMax - l.priority + 1)) / (pMax - pMin + 1));
  return spec + rankPart + interview + gov + priority;
}

describe('compatibility graph', () => {
  it('holds exactly the pairs the hard constraints allow, with the documented fits', () => {
    fc.assert(
      fc.property(instanceArb(8, 5), (raw) => {
        const instance = parseInstance(raw);
        const problem = buildProblem(instance);
        const lines = raw.lines as unknown as L[];
        const priorities = lines.map((l) => l.priority);
        const expected: string[] = [];
        for (const c of raw.candidates as unknown as C[]) {
          for (const l of lines) {
            const fit = expectedFit(c, l, priorities, instance.related);
            if (fit !== null) expected.push(`${c.id}→${l.id}:${fit}`);
          }
        }
        const actual: string[] = [];
        problem.candidates.forEach((c, i) => {
          for (let k = problem.pairStart[i]!; k < problem.pairStart[i + 1]!; k++) actual.push(`${c.id}→${problem.lines[problem.pairLine[k]!]!.id}:${problem.pairFit[k]}`);
        });
        expect(actual.sort()).toEqual(expected.sort());
      }),
      { seed: 99, numRuns: 300 },
    );
  });
});
