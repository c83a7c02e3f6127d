import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { match, solveOptimal } from '../../src/modules/matching/engine/engine.js';
import { parseInstance } from '../../src/modules/matching/engine/instance.js';
import { officerPreferences, stableMatching } from '../../src/modules/matching/engine/stable.js';
import { generateInstance } from '../../src/modules/matching/generate.js';
import { instanceArb, type RawInstance } from './helpers.js';

/** Every (officer, line) pair, enumerated: does any pair both prefer each other to what they have? */
function findBlockingPair(raw: RawInstance): string | null {
  const solved = solveOptimal(parseInstance(raw));
  const { problem } = solved;
  const stable = stableMatching(problem);
  const preference = officerPreferences(problem);
  const n = problem.candidates.length;
  const holders = problem.lines.map(() => [] as number[]);
  for (let c = 0; c < n; c++) if (stable.assigned[c]! >= 0) holders[problem.pairLine[stable.assigned[c]!]!]!.push(c);
  const pairOf = (c: number, l: number) => {
    for (let k = problem.pairStart[c]!; k < problem.pairStart[c + 1]!; k++) if (problem.pairLine[k] === l) return k;
    return -1;
  };
  const lineRanks = (l: number, a: number, b: number) => {
    const fa = problem.pairFit[pairOf(a, l)]!;
    const fb = problem.pairFit[pairOf(b, l)]!;
    return fa > fb || (fa === fb && a < b);
  };
  for (let c = 0; c < n; c++) {
    for (let l = 0; l < problem.lines.length; l++) {
      const k = pairOf(c, l);
      if (k < 0 || stable.assigned[c] === k) continue;
      const mine = stable.assigned[c]!;
      const officerWants = mine < 0 || preference[k]! < preference[mine]!;
      const lineWants = holders[l]!.length < problem.seats[l]! || holders[l]!.some((h) => lineRanks(l, c, h));
      if (officerWants && lineWants) return `${problem.candidates[c]!.id} and ${problem.lines[l]!.id}`;
    }
  }
  return null;
}

describe('stable mode', () => {
  it('leaves no blocking pair on random instances (every pair enumerated)', () => {
    fc.assert(
      fc.property(instanceArb(10, 5), (raw) => {
        expect(findBlockingPair(raw)).toBeNull();
      }),
      { seed: 5, numRuns: 300 },
    );
    for (const seed of [1, 2]) expect(findBlockingPair(generateInstance({ candidates: 150, lines: 12, seats: 100, seed }) as RawInstance)).toBeNull();
  });

  it('reports what stability cost against the optimum', () => {
    const raw = generateInstance({ candidates: 300, lines: 24, seats: 240, seed: 4 });
    const stable = match(raw, { mode: 'stable' });
    const optimal = match(raw);
    expect(stable.mode).toBe('stable');
    expect(stable.stability).toEqual({
      optimum: optimal.objective,
      placedLost: optimal.objective.placed - stable.objective.placed,
      fitLost: optimal.objective.totalFit - stable.objective.totalFit,
      blockingPairs: 0,
    });
    expect(stable.stability!.placedLost).toBeGreaterThanOrEqual(0);
    expect(stable.placements.every((p) => p.explanation.includes('stable'))).toBe(true);
  });
});

describe('explanations', () => {
  it('every placement has its parts and a runner-up when it has another line; every unplaced officer a reason', () => {
    const result = match(generateInstance({ candidates: 300, lines: 24, seats: 200, seed: 9 }));
    for (const p of result.placements) {
      const { specialization, rank, interview, governorate, priority } = p.parts;
      expect(specialization + rank + interview + governorate + priority).toBe(p.fit);
      if (p.runnerUp) expect(p.runnerUp.fitLoss).toBeGreaterThanOrEqual(0);
    }
    expect(result.unplaced.length).toBeGreaterThan(0);
    for (const u of result.unplaced) {
      if (u.reason === 'outcompeted') {
        // At the optimum every line an unplaced officer could take is full, so each has a weakest holder.
        for (const held of u.compatibleLines) expect(held.weakestHolder.candidateId).not.toBe('');
      } else {
        expect(u.nearestLines.length).toBeGreaterThan(0);
      }
    }
  });

  it('one more seat where the report says is worth exactly what it says (re-solved with the seat added)', () => {
    fc.assert(
      fc.property(instanceArb(8, 4), (raw) => {
        const base = match(raw);
        for (const opening of base.whereToOpenSeats) {
          const more = {
            ...raw,
            lines: raw.lines.map((l) => (l.id === opening.lineId ? { ...l, seats: (l.seats as number) + 1 } : l)),
          };
          const after = match(more).objective;
          expect(after.placed - base.objective.placed).toBe(opening.additionalPlaced);
          expect(after.totalFit - base.objective.totalFit).toBe(opening.additionalFit);
        }
        // A line left out of the report gains nothing from one more seat.
        for (const line of raw.lines.slice(0, 2)) {
          if (base.whereToOpenSeats.some((o) => o.lineId === line.id)) continue;
          const after = match({ ...raw, lines: raw.lines.map((l) => (l.id === line.id ? { ...l, seats: (l.seats as number) + 1 } : l)) }).objective;
          expect(after).toEqual(base.objective);
        }
      }),
      { seed: 3, numRuns: 150 },
    );
  });
});
